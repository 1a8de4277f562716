"""财政资金: 贴息, 风险补偿金代偿, 担保代偿分担 (4321) and 示范区及奖补资金 — the
claims pipeline, per bank and quarter, spending against 序时进度, a budget what-if."""
import streamlit as st

from finance_core import exports, fiscal, links
from finance_core import filters as ff
from finance_core import money
from ui import data, reporting, widgets
from ui import filters as uf
from ui import fiscal_view as fv

f = uf.current()
opts = data.options()
SHOW = {"未拨付": True, "含当年已拨付": False}

P = {p.name: p for p in (
    links.Param("kind", "申报类别", links.MULTI, fiscal.KINDS),
    links.Param("show", "申报清单", links.CHOICE, tuple(SHOW), "未拨付"),
    links.Param("loan_growth", "贷款增长率", links.NUMBER, default=fiscal.GROWTH_DEFAULT, lo=0.0,
                hi=fiscal.GROWTH_MAX, step=0.01),
    links.Param("default_rate", "不良（代偿）率", links.NUMBER, default=fiscal.DEFAULT_RATE_DEFAULT, lo=0.0,
                hi=fiscal.DEFAULT_RATE_MAX, step=0.005),
)}
_, notices = uf.read(list(P.values()))

st.title("财政资金")
st.caption(uf.escape(ff.scope_label(opts, f)) + " · 箭头为较上月变化，下方为同比 · 贴息按银行统计，不随乡镇筛选变化；"
           "示范区资金、补偿金余额为全县口径；选择银行后不含上市奖补 · 借款人姓名已脱敏")
uf.show_notices(notices)
gaps = reporting.show(data.call(fiscal.gap_lines, f) + reporting.gap_lines(f, ("fiscal",)))

kpis = data.call(fiscal.kpis, f)
widgets.kpi_row(kpis, per_row=5)

# --- the claims pipeline -----------------------------------------------------------------
st.subheader("申报 → 审核 → 拨付")
summary = data.call(fiscal.pipeline_summary, f)
left, right = st.columns([3, 2])
with left:
    fv.table(summary, "各类申报的待审核、待拨付、逾期未拨付笔数与金额")
    st.caption("已用天数：申报（县级分担自代偿日、上市奖补自达到阶段日）至月末，已拨付的至拨付日；"
               "超过时限仍未拨付为“逾期未拨付”。")
widgets.chart(fv.pipeline_chart, summary, container=right, width="stretch")
c1, c2 = st.columns([3, 1])
kinds = uf.widget(P["kind"], "multiselect", c1, placeholder="全部类别")
show = uf.widget(P["show"], "segmented_control", c2, required=True)
claims = data.call(fiscal.pipeline_table, f, SHOW[show])
if kinds:
    claims = claims[claims["类别"].isin(kinds)]
fv.table(claims, f"申报清单（{show}）", alert_cols=("状态",), height=widgets.table_height(len(claims), 420))

# --- per bank, per quarter, the fund ------------------------------------------------------------
st.subheader("分银行、分季度")
banks = data.call(fiscal.bank_table, f)
fv.table(banks, "分银行：贴息申报、核减、拨付，补偿金代偿与担保代偿银行分担")
quarters = data.call(fiscal.quarter_table, f)
fv.table(quarters, "分季度：贴息（按计息季度）与补偿金、县级分担拨付（按发生季度）")
if box := widgets.details("贴息核减明细", "fiscal_rejections"):
    with box:
        fv.table(data.call(fiscal.rejections, f), "贴息核减明细")

st.subheader("风险补偿金与担保代偿分担")
flows = data.call(fiscal.fund_flows, f.as_of)
left, right = st.columns(2)
widgets.chart(fv.fund_chart, flows, container=left, width="stretch")
with right:
    splits = data.call(fiscal.split_table, f)
    fv.table(splits, "担保代偿 4321 分担：应担与已付（元）", height=widgets.table_height(len(splits), 340))
    st.caption("分担按产品分险比例计算，各方应担取整到元、合计等于代偿金额（最大余数法，余数相同时先担保公司）。")

# --- 示范区 --------------------------------------------------------------------------------
st.subheader("示范区及奖补资金")
trend = data.call(fiscal.zone_trend, f.as_of)
if trend.empty:
    st.info(f"截至 {f.as_of} 尚未收到示范区资金。", icon=":material/info:")
else:
    left, right = st.columns([3, 2])
    widgets.chart(fv.zone_chart, trend, container=left, width="stretch")
    with right:
        fv.table(data.call(fiscal.zone_receipts, f.as_of), "示范区资金到账")
    projects = data.call(fiscal.zone_projects, f.as_of)
    fv.table(projects, "示范区资金分配与支出（分项目）", alert_cols=("本月报送",))
    st.caption("支出进度 = 当年支出 ÷（年初结余 + 当年到账）；序时进度 = 当年已过天数 ÷ 全年天数。")


@st.fragment
def what_if_and_export():
    """A fragment: its sliders rerun only the budget what-if and the exports it feeds."""
    st.subheader("测算：明年预算需求")
    s1, s2 = st.columns(2)
    growth = uf.widget(P["loan_growth"], "slider", s1, format="percent", help="明年贷款余额相对当前的增长")
    rate = uf.widget(P["default_rate"], "slider", s2, format="percent",
                     help="明年转为代偿的比例（小额信贷按全县余额，担保按在保余额）")
    result = data.call(fiscal.budget, f.as_of, round(float(growth), 4), round(float(rate), 4))
    heads = [("明年贴息需求", result.subsidy_need), ("补偿金代偿需求", result.fund_need),
             ("补偿金需注资", result.topup_need), ("担保代偿县级分担", result.share_need),
             ("预算需求合计", result.total)]
    for col, (label, value) in zip(st.columns(len(heads)), heads):
        col.metric(label, money.fmt_money(value))
    st.caption(f"全县口径，不随筛选变化；补偿金按保持 {result.leverage:g} 倍放大所需测算注资。")
    if box := widgets.details("测算明细", "fiscal_budget_detail"):
        with box:
            fv.table(result.table(), "预算需求测算明细")

    st.subheader("导出")
    header = {"页面": "财政资金", "筛选范围": ff.scope_label(opts, f), "数据月份": f.as_of, "申报清单": show,
              "贷款增长率": money.fmt_pct(growth), "不良（代偿）率": money.fmt_pct(rate),
              "报送情况": reporting.header_value(gaps),
              "分享链接": uf.link("fiscal", kind=kinds, show=show, loan_growth=growth, default_rate=rate)}
    widgets.export_buttons({"指标": lambda: exports.kpi_sheet(kpis), "申报环节": summary, "申报清单": claims, "分银行": banks,
                            "分季度": quarters, "补偿金收支": flows, "代偿分担": splits, "示范区支出": trend,
                            "预算测算": result.table}, header, f"财政资金-{f.as_of}")


what_if_and_export()
