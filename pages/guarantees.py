"""融资担保: the guarantee company's position, products, regulatory limits and a capital what-if."""
import streamlit as st

from finance_core import exports
from finance_core import filters as ff
from finance_core import links
from finance_core import guarantees as g
from finance_core import money
from finance_core.kpi import MONEY, MULTIPLE, signed_delta
from ui import data, reporting, widgets
from ui import guarantees_view as gv
from ui import filters as uf

f = uf.current()
opts = data.options()
products = data.call(g.product_options)
names = [n for _, n in products]
P = g.WHATIF_PARAMS

# link parameters, declared once: parsed (and written back canonically) before their widgets render
PARAMS = [links.Param("product", "担保产品", links.MULTI, names, aliases=products),
          *(links.Param(k, label, links.NUMBER, default=default, lo=lo, hi=hi, step=step, integer=(k == "capital_add"))
            for (k, (label, lo, hi, default)), step in zip(P.items(), (1, 0.5, 0.005)))]
PP = {p.name: p for p in PARAMS}
_, notices = uf.read(PARAMS)
with st.sidebar:
    chosen = uf.widget(PP["product"], "multiselect", placeholder="全部产品")
codes = tuple(c for c, n in products if n in chosen)

st.title("融资担保")
st.caption(uf.escape(ff.scope_label(opts, f) + f" · 担保产品：{'、'.join(chosen) or '全部'}")
           + " · 箭头为较上月变化，下方为同比")
uf.show_notices(notices)
gaps = reporting.gap_warning(f, ("guarantees",))

kpis = data.call(g.kpis, f, codes)
if all(k.value is None for k in kpis):
    st.info(f"{f.as_of} 没有融资担保数据。", icon=":material/info:")
    st.stop()
widgets.kpi_row(kpis, per_row=4)
# a chosen bank or product without business in scope: its panels say so once instead of empty charts
no_scope = not any(k.value for k in kpis if k.key in ("g_outstanding", "g_new_amount", "g_count"))
NONE_TEXT = "当前筛选范围内没有在保或当年新增的担保业务。"
st.caption("放大倍数 = 全公司在保余额 ÷ 净资产，是公司整体指标，不随乡镇、银行、产品筛选变化；"
           "其余指标按当前筛选范围计算。户为借款人数（同一借款人多笔合同只计一次），笔为合同数；"
           "按产品、银行分列时同一借款人在各组分别计数，各组户数之和可能大于合计。")

# --- products ---------------------------------------------------------------------
st.subheader("担保产品")
table = data.call(g.product_table, f, codes)
widgets.flagged_table(table, "额度状态", ("超出额度", "接近额度"), alt="担保产品额度使用情况",
                      formats={"费率（%）": "{:.2f}", "合作额度（万元）": "{:,.0f}"})
st.caption("合作授信额度、已用额度和使用率按产品全口径计算（额度不分乡镇、银行）；其余列按当前筛选范围。"
           "分险比例依次为担保公司 / 再担保机构 / 银行 / 地方政府承担的代偿损失比例。")

# --- trend ------------------------------------------------------------------------
st.subheader("在保余额与放大倍数走势")
trend = data.call(g.trend, f, codes)
if no_scope:
    st.info(NONE_TEXT + "下图为全公司放大倍数。", icon=":material/info:")
else:
    widgets.chart(gv.balance_bars, trend, width="stretch")
widgets.chart(gv.leverage_chart, trend, g.limit_lines(), width="stretch")

# --- breakdowns -------------------------------------------------------------------
st.subheader("按合作银行")
by_bank = data.call(g.breakdown, f, codes, by="bank")
widgets.flagged_table(by_bank, alt="按合作银行的在保情况", formats={"加权费率（%）": "{:.2f}"}, empty_text=NONE_TEXT)
st.subheader("按借款人类型")
by_type = data.call(g.breakdown, f, codes, by="borrower_type")
if no_scope:
    st.info(NONE_TEXT, icon=":material/info:")
else:
    widgets.flagged_table(by_type, alt="按借款人类型的在保情况", formats={"加权费率（%）": "{:.2f}"})


@st.fragment
def what_if_and_export():
    """A fragment: its inputs rerun only the what-if and the exports it feeds."""
    # --- what-if ----------------------------------------------------------------------
    st.subheader("情景测算：注资与代偿压力")
    c1, c2, c3 = st.columns(3)
    capital = uf.widget(PP["capital_add"], "number_input", c1, step=1000, help="向担保公司新增注入的资本金")
    target = uf.widget(PP["leverage_target"], "slider", c2, format="%.1f 倍",
                       help="测算可新增担保额度时采用的放大倍数")
    stress = uf.widget(PP["stress_comp"], "slider", c3, format="percent",
                       help="假设当前筛选范围内在保余额按此比例发生代偿；担保公司按各产品分险比例承担损失")
    w = data.call(g.what_if, f, codes, float(capital), float(target), float(stress))
    before, after, stressed = w.before, w.with_capital, w.stressed
    m1, m2, m3 = st.columns(3)
    m1.metric(f"注资后按 {target:g} 倍可新增担保", money.fmt_money(after["headroom"]),
              delta=signed_delta(MONEY, after["headroom"], before["headroom"]),
              delta_description=f"较当前 {money.fmt_money(before['headroom'])}")
    m2.metric("压力情景消耗净资产", money.fmt_money(w.guarantor_loss),
              help=f"代偿 {money.fmt_wan(w.stress_loss)} × 担保公司分险比例")
    m3.metric("压力情景后放大倍数", "净资产耗尽" if stressed["leverage"] is None else f"{stressed['leverage']:.2f} 倍",
              delta=signed_delta(MULTIPLE, stressed["leverage"], before["leverage"]),
              delta_description="较当前 —" if before["leverage"] is None else f"较当前 {before['leverage']:.2f} 倍",
              delta_color="off")
    if w.target_note:
        st.warning(w.target_note, icon=":material/warning:")
    whatif_table = w.table()
    widgets.flagged_table(whatif_table, alt="注资与压力情景前后对比")
    st.caption(f"净资产、放大倍数和可新增担保均为全公司口径；适用放大倍数上限 {w.limit:g} 倍。"
               "压力情景中代偿的项目退出在保，担保公司承担部分从净资产中扣减（未计追偿回收）。")

    # --- export -----------------------------------------------------------------------
    header = {"页面": "融资担保", "范围": ff.scope_label(opts, f), "担保产品": "、".join(chosen) or "全部",
              "报送情况": reporting.header_value(gaps),
              "情景参数": f"新增注资 {capital:,} 万元；目标放大倍数 {target:g} 倍；压力代偿率 {money.fmt_pct(stress)}"}
    widgets.export_buttons({"指标": lambda: exports.kpi_sheet(kpis), "产品": table, "走势": trend, "按银行": by_bank,
                            "借款人类型": by_type, "情景测算": w.export_table}, header, stem=f"融资担保-{f.as_of}")


what_if_and_export()
