"""银行存贷款: each bank's deposits and loans — KPIs, regulatory checks, the year's
loan-growth targets, trend, comparison and the weighted 金融机构考核 with a weights what-if."""
import streamlit as st

from finance_core import banks as bk
from finance_core import exports
from finance_core import filters as ff
from finance_core import links, money
from finance_core.config import THRESHOLDS
from ui import banks_view as bv
from ui import data, reporting, widgets
from ui import filters as uf

f = uf.current()
opts = data.options()
WEIGHTS = bk.default_weights()

# link parameters, declared once: one weight per assessment indicator (the what-if)
P = {i.key: links.Param(i.param, f"{i.label}权重", links.NUMBER, default=WEIGHTS[i.key], lo=0, hi=bk.WEIGHT_MAX,
                        step=1, integer=True) for i in bk.INDICATORS}
_, notices = uf.read(list(P.values()))

st.title("银行存贷款")
widgets.drill_notice()
st.caption(uf.escape(ff.scope_label(opts, f)) + " · 箭头为较上月变化，下方为比年初与同比（余额）或同比（当年累计）")
uf.show_notices(notices)
gaps = reporting.gap_warning(f, (bk.AREA_KEY,))
note = data.call(bk.scope_note, f)
slot = st.empty()   # there with or without the note: the charts below keep their places (and the browser keeps them)
if note:
    slot.info(uf.escape(note), icon=":material/info:")

kpis = data.call(bk.kpis, f)
if not kpis:
    st.info(f"{f.as_of} 没有银行存贷款数据，请选择其他数据月份。", icon=":material/info:")
    st.stop()
if not any(k.value for k in kpis if k.key in ("bank_deposits", "bank_loans")):
    st.info("当前筛选范围内没有银行报送存贷款数据。", icon=":material/info:")
    st.stop()
widgets.kpi_row(kpis, per_row=5)

# --- regulatory checks -----------------------------------------------------------------
st.subheader("监管指标检查")
found = data.call(bk.checks, f)
bv.check_lines(found)
checks = data.call(bk.check_table, f)
bv.table(checks, "各银行监管指标检查", alert_cols=("存贷比检查", "两增", "县域法人考核", "不良率检查", "报送情况"))
st.caption(f"按各银行全县口径计算（不随乡镇筛选变化），截至{f.as_of}。存贷比目标不低于 "
           f"{money.fmt_pct(THRESHOLDS.bank_ldr_target)}；普惠小微“两增”：普惠小微贷款比年初增速不低于各项贷款"
           f"比年初增速，且户数不少于年初；县域法人机构比年初新增贷款占新增存款不低于 "
           f"{money.fmt_pct(THRESHOLDS.local_lending_ratio_min)}；不良率不高于 {money.fmt_pct(THRESHOLDS.bank_npl_max)}。"
           "未报送的银行沿用此前数据，不作检查。")

# --- targets ------------------------------------------------------------------------------
st.subheader("全年贷款增长目标")
goals = data.call(bk.target_table, f)
bv.table(goals, "各银行全年贷款增长目标完成率与序时进度", alert_cols=("进度", "报送情况"))
st.caption("完成率 = 各项贷款比年初增加 ÷ 全年贷款增长目标，低于序时进度为“落后”。"
           + ("乡镇没有贷款增长目标，选择乡镇后不显示。" if f.towns else ""))

# --- trend and banks -------------------------------------------------------------------
st.subheader("存贷款走势")
trend = data.call(bk.trend, f)
left, right = st.columns(2)
widgets.chart(bv.balance_chart, trend, container=left, width="stretch")
widgets.chart(bv.ldr_chart, trend, THRESHOLDS.bank_ldr_target * 100, container=right, width="stretch")
if trend["沿用数据"].astype(bool).any():
    st.caption("有银行未报送的月份沿用其此前数据：" + uf.escape("；".join(
        f"{m} {t}" for m, t in zip(trend["月份"], trend["沿用数据"]) if t)))

st.subheader("分银行")
compare = data.call(bk.comparison, f)
widgets.chart(bv.comparison_chart, compare, width="stretch", key="bank_bars", selection_mode=bv.PICK,
              on_select=widgets.drill("bank_bars", bv.PICK, "银行", "bank"))
table = data.call(bk.bank_table, f)
bv.table(table, "分银行存贷款明细", alert_cols=("报送情况",))
towns = data.call(bk.town_table, f)
if not towns.empty:
    if box := widgets.details("分乡镇（按乡镇报送的银行）", "banks_towns"):
        with box:
            bv.table(towns, "分乡镇存贷款（按乡镇报送的银行）", alert_cols=())


@st.fragment
def assessment_and_export():
    """A fragment: a weight slider reruns only the ranking and the exports it feeds."""
    st.subheader("金融机构考核排名")
    st.caption("各指标在参评银行中折算为 0–100 分（最好 100 分、最差 0 分、其余按比例；没有该项业务的记 0 分），"
               "加权得分 = Σ（权重 × 指标得分）÷ 权重合计。考核按全县口径，不随乡镇筛选变化；未报送的银行不参与排名。"
               f"配置权重：{bk.weights_text(WEIGHTS)}。")
    cols = st.columns(4)
    weights = {i.key: int(uf.widget(P[i.key], "slider", cols[n % 4], label=f"{i.label}权重", help=i.help))
               for n, i in enumerate(bk.INDICATORS)}
    if weights != WEIGHTS:
        st.info(f"当前为测算权重：{bk.weights_text(weights)}。", icon=":material/tune:")
    ranks = data.call(bk.ranking, f, tuple(weights.items()))
    if sum(weights.values()) == 0:
        st.warning("权重合计为 0，无法计算加权得分。", icon=":material/warning:")
    elif ranks["排名"].notna().any():
        widgets.chart(bv.score_chart, ranks, width="stretch")
        st.caption(uf.escape(bk.ranking_text(ranks)))
    bv.ranking_tables(ranks)

    st.subheader("导出")
    changed = {i.param: weights[i.key] for i in bk.INDICATORS if weights[i.key] != WEIGHTS[i.key]}
    header = {"页面": "银行存贷款", "筛选范围": ff.scope_label(opts, f), "数据月份": f.as_of,
              "考核权重": bk.weights_text(weights), "报送情况": reporting.header_value(gaps),
              "分享链接": uf.link("banks", **changed)}
    widgets.export_buttons({"指标": lambda: exports.kpi_sheet(kpis), "监管检查": checks, "贷款目标": goals, "走势": trend,
                            "分银行": table, "分乡镇": towns, "考核排名": ranks,
                            "考核权重": lambda: bk.weights_table(weights)}, header, f"银行存贷款-{f.as_of}")


assessment_and_export()
