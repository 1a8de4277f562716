"""小额信贷: poverty-relief microloans — position, arrears ageing, maturities,
rankings against targets and a risk-fund stress what-if."""
import streamlit as st

from finance_core import exports
from finance_core import filters as ff
from finance_core import links
from finance_core import microloans as ml
from finance_core import money
from finance_core.config import THRESHOLDS
from finance_core.kpi import MONEY, signed_delta
from ui import data, reporting, widgets
from ui import filters as uf
from ui import microloans_view as mv

f = uf.current()
opts = data.options()
BY = {"乡镇": ml.BY_TOWN, "银行": ml.BY_BANK}
BY_FILTER = {ml.BY_TOWN: "town", ml.BY_BANK: "bank"}   # the shared filter a click on a bar sets

# link parameters, declared once: parsed (and written back canonically) before their widgets render
P = {p.name: p for p in (
    links.Param("by", "分组", links.CHOICE, tuple(BY), "乡镇"),
    links.Param("measure", "账龄口径", links.CHOICE, tuple(mv.MEASURES), "金额"),
    links.Param("due", "清单到期窗口", links.CHOICE, ml.MATURITY_WINDOWS, 90),
    links.Param("stress_default", "假设转为不良的比例", links.NUMBER, default=ml.STRESS_DEFAULT,
                lo=0.0, hi=ml.STRESS_MAX, step=0.005),
    links.Param("fund_share", "县级分担比例", links.NUMBER, default=THRESHOLDS.fund_share_default,
                lo=0.0, hi=1.0, step=0.05),
)}
_, notices = uf.read(list(P.values()))

st.title("小额信贷")
widgets.drill_notice()
st.caption(uf.escape(ff.scope_label(opts, f)) + " · 箭头为较上月变化，下方为同比 · 借款人姓名、身份证号均已脱敏")
uf.show_notices(notices)
gaps = reporting.gap_warning(f, ("microloans",))

kpis = data.call(ml.kpis, f)
if not kpis:
    st.info(f"{f.as_of} 没有小额信贷数据，请选择其他数据月份。", icon=":material/info:")
    st.stop()
by_key = {k.key: k.value for k in kpis}
if f.banks and not by_key.get("ml_cumulative_n") and not by_key.get("ml_balance"):
    # a chosen bank that never lent a microloan: one message, not cards of zeros and empty panels
    st.info(f"所选银行（{'、'.join(opts.bank_names[b] for b in f.banks)}）在当前范围内没有发放过脱贫人口小额信贷。",
            icon=":material/info:")
    st.stop()
widgets.kpi_row(kpis, per_row=5)

by_label = uf.widget(P["by"], "segmented_control", label="分组查看（账龄、到期、排名）", required=True)
by = BY[by_label]

# --- arrears ageing and trend ----------------------------------------------------
st.subheader("逾期账龄")
ageing = data.call(ml.ageing, f, by)
trend = data.call(ml.overdue_trend, f)
measure = uf.widget(P["measure"], "segmented_control", required=True)
if ageing.empty:
    st.info("当前筛选范围没有贷款余额。", icon=":material/info:")
else:
    mv.ageing_table(ageing, measure, f"按{by_label}的贷款账龄（{measure}）")
    left, right = st.columns(2)
    widgets.chart(mv.ageing_chart, ageing, measure, container=left, width="stretch", key="ageing_bars",
                  selection_mode=mv.PICK, on_select=widgets.drill("ageing_bars", mv.PICK, by_label, BY_FILTER[by]))
    widgets.chart(mv.trend_chart, trend, THRESHOLDS.overdue_rate_max * 100, container=right, width="stretch")
    st.caption("逾期率 = 逾期1天以上贷款余额 ÷ 贷款余额；PAR30 / PAR90 = 逾期30 / 90天以上贷款的全部余额 ÷ "
               f"贷款余额；虚线为逾期率警戒线 {money.fmt_pct(THRESHOLDS.overdue_rate_max)}。")

# --- maturities -----------------------------------------------------------------
st.subheader(f"到期提醒（{f.as_of} 月末起）")
summary = data.call(ml.maturity_summary, f, by)
if summary.empty:
    st.info("未来 90 天内没有到期贷款。", icon=":material/info:")
else:
    mv.table(summary, f"按{by_label}的未来 30/60/90 天到期贷款笔数与金额")
due = uf.widget(P["due"], "segmented_control", label="到期清单：未来天数", required=True)
due_list = data.call(ml.maturity_list, f, int(due))
st.caption(f"未来 {due} 天内到期 {len(due_list):,} 笔。清单按银行、到期日排序，借款人姓名和身份证号已脱敏；"
           "在侧栏选择银行即可得到该行的清单并导出。")
# the list of borrowers is a working list, not a meeting figure: shown on request. Its label
# stays the same (the count is in the caption): a new label would close an opened list
if box := widgets.details("到期清单（逐笔，已脱敏）", "ml_due_list"):
    with box:
        mv.table(due_list, f"未来 {due} 天内到期的贷款清单（已脱敏）", height=min(420, 38 + 35 * max(len(due_list), 1)))

# --- rankings -------------------------------------------------------------------
st.subheader(f"{by_label}排名")
ranks = data.call(ml.rankings, f, by)
mv.table(ranks, f"{by_label}排名：余额、当年新增投放、获贷率、逾期率与新增投放目标完成率")
st.caption("按当年新增投放目标完成率排序，低于序时进度为“落后”。"
           + ("乡镇目标按全部银行设定，选择银行后不显示乡镇完成率。" if by == ml.BY_TOWN and f.banks else "")
           + ("银行目标按全县设定，选择乡镇后不显示银行完成率。" if by == ml.BY_BANK and f.towns else "")
           + ("银行获贷率 = 在该行获贷的户数 ÷ 范围内全部脱贫户和监测户。" if by == ml.BY_BANK else ""))


@st.fragment
def what_if_and_export():
    """A fragment: its sliders rerun only the stress test and the exports it feeds."""
    # --- what-if ----------------------------------------------------------------------
    st.subheader("压力测试：风险补偿金能否兜底")
    s1, s2 = st.columns(2)
    stress = uf.widget(P["stress_default"], "slider", s1, label="假设当前余额转为不良的比例", format="percent",
                       help="按当前筛选范围的贷款余额测算")
    share = uf.widget(P["fund_share"], "slider", s2, label="县级分担比例（风险补偿金承担）", format="percent")
    result = data.call(ml.stress_test, f, round(float(stress), 4), round(float(share), 4))
    for col, (label, value, help_text) in zip(st.columns(5), result.headline()):
        after = label == "代偿后补偿金余额"   # 测算后 beside 当前
        col.metric(label, value, help=help_text,
                   delta=signed_delta(MONEY, result.fund_after, result.fund_balance) if after else None,
                   delta_description=f"较当前 {money.fmt_money(result.fund_balance)}" if after else None)
    if box := widgets.details("测算明细", "ml_stress_detail"):
        with box:
            mv.table(result.table(), "压力测试明细")

    # --- export -----------------------------------------------------------------------
    st.subheader("导出")
    header = {"页面": "小额信贷", "筛选范围": ff.scope_label(opts, f), "数据月份": f.as_of, "分组": by_label,
              "到期清单": f"未来 {due} 天", "假设不良比例": money.fmt_pct(stress), "县级分担比例": money.fmt_pct(share),
              "个人信息": "借款人姓名、身份证号已脱敏", "报送情况": reporting.header_value(gaps),
              "分享链接": uf.link("microloans", by=by_label, measure=measure, due=str(due),
                                  stress_default=stress, fund_share=share)}
    widgets.export_buttons({"指标": lambda: exports.kpi_sheet(kpis), "账龄": ageing, "逾期走势": trend, "到期汇总": summary,
                     "到期清单": due_list, "排名": ranks, "压力测试": result.export_table},
                   header, f"小额信贷-{f.as_of}")


what_if_and_export()
