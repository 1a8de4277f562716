"""信用村: credit granted (授信) and drawn (用信) by town, bank and village, with a what-if.

The file is named like its url path: a fresh server resolves its first deep link
by file name (Streamlit's pages-folder mode, see ui/__init__.py), so
``credit_villages.py`` would open the overview instead of ``/credit-villages``.
"""
import streamlit as st

from finance_core import credit
from finance_core import filters as ff
from finance_core import links
from finance_core.money import fmt_pct
from ui import credit_view as cv
from ui import data, reporting, widgets
from ui import filters as uf

f = uf.current()
opts = data.options()
scope_towns = [opts.town_names[c] for c in (f.towns or [c for c, _ in opts.towns])]

# link parameters, declared once: parsed (and written back canonically) before their widgets render
P = {p.name: p for p in (
    links.Param("rank_by", "排名依据", links.CHOICE, credit.RANK_CHOICES, credit.RANK_CHOICES[0]),
    links.Param("village_town", "下钻乡镇", links.CHOICE, scope_towns,
                unavailable=tuple((n, "不在当前筛选的乡镇范围内") for _, n in opts.towns if n not in scope_towns),
                aliases=tuple((c, n) for c, n in opts.towns if n in scope_towns)),
    links.Param("flagged", "只看预警村", links.BOOL, default=False),
    *(links.Param(k, label, links.NUMBER, default=credit.WHATIF_DEFAULTS[k], lo=lo, hi=hi, step=0.01)
      for k, (label, lo, hi) in credit.WHATIF_RANGES.items()),
)}
_, notices = uf.read(list(P.values()))

st.title("信用村")
widgets.drill_notice()
st.caption(uf.escape(ff.scope_label(opts, f)) + " · 箭头为较上月变化，下方为较年初（上年 12 月）变化")
uf.show_notices(notices)

comp = data.call(credit.completeness, f)
gaps = reporting.show(list(comp.notes))   # per bank and village, carried figures named

kpis = data.call(credit.kpis, f)
# a chosen bank with no credit-village business: every panel says so once, nothing is ranked or projected
no_bank_data = kpis[0].value is None and bool(f.banks)
NO_BANK = "所选银行在当前范围内没有信用村数据，"
if kpis[0].value is None:
    st.info(f"{f.as_of} 当前筛选范围内没有银行报送信用村数据。", icon=":material/info:")
else:
    widgets.kpi_row(kpis, per_row=5)

# --- trend ---------------------------------------------------------------------
st.subheader("授信、用信走势")
trend = data.call(credit.trend, f)
if trend.empty:
    st.info("当前筛选范围没有月度数据。", icon=":material/info:")
else:
    widgets.chart(cv.trend_chart, trend, width="stretch")

# --- town ranking --------------------------------------------------------------
st.subheader("乡镇排名")
rank_by = uf.widget(P["rank_by"], "segmented_control")
towns = data.call(credit.town_ranking, f, rank_by)
value_col = credit.rank_column(rank_by)
if no_bank_data:
    st.info(NO_BANK + "不作乡镇排名。", icon=":material/info:")
elif towns[value_col].isna().all():
    st.info("当前筛选范围没有可排名的数据（乡镇目标按全部银行设定，选择银行后不计算完成率）。",
            icon=":material/info:")
else:
    progress = towns["序时进度（%）"].iloc[0] if "完成率" in rank_by else None
    widgets.chart(cv.ranking_bar, towns, "乡镇", value_col, progress, width="stretch", key="town_bars",
                  on_select=widgets.drill("town_bars", cv.PICK, "乡镇", "town"), selection_mode=cv.PICK)
    st.caption("点击乡镇条形可将全页筛选到该乡镇（链接随之更新）。")
if not no_bank_data:
    cv.styled_table(towns, "乡镇排名：授信、用信、用信率、年度目标完成率与序时进度",
                    height=cv.table_height(len(towns)))
if f.banks and not no_bank_data:
    st.caption("乡镇年度目标按全部银行设定，选择银行后不显示目标完成率。")

# --- bank ranking --------------------------------------------------------------
st.subheader("银行排名")
banks = data.call(credit.bank_ranking, f)
if banks.empty:
    st.info("当前筛选范围内没有银行报送信用村数据。", icon=":material/info:")
else:
    cv.styled_table(banks, "银行排名：授信、用信、用信率、不良率与报送情况")

# --- villages: drill-down from a town ------------------------------------------
st.subheader("村级明细")
left, right = st.columns([2, 1], vertical_alignment="bottom")
town_name = uf.widget(P["village_town"], "selectbox", left, label="下钻到乡镇", placeholder="全部乡镇")
flagged = uf.widget(P["flagged"], "toggle", right)
town_code = opts.town_code(town_name) if town_name else None
villages = data.call(credit.village_table, f, town_code, flagged)
st.caption(f"{uf.escape(town_name or '全部乡镇')} · {len(villages)} 个村，其中 {int((villages['预警'] != '').sum())} 个预警。"
           + credit.criteria_note())
cv.styled_table(villages, "村级明细：评定年度、户数、信用户、授信、用信、用信率与预警",
                height=cv.table_height(len(villages)), empty_text="当前筛选范围内没有村级信用数据。")



@st.fragment
def what_if_and_export():
    """A fragment: its sliders rerun only the what-if and the exports it feeds."""
    # --- what-if -------------------------------------------------------------------
    st.subheader("测算：达到目标用信率和授信覆盖率需要多少")
    s1, s2 = st.columns(2)
    usage = uf.widget(P["usage_target"], "slider", s1, format="percent",
                      help="用信金额 ÷ 授信金额；户数按同一比例测算")
    coverage = uf.widget(P["coverage_target"], "slider", s2, format="percent",
                         help="授信户数 ÷ 总户数；新增授信户按本乡镇现有户均授信额测算")
    w = data.call(credit.whatif, f, usage, coverage)
    if no_bank_data:
        st.info(NO_BANK + "不作测算。", icon=":material/info:")
    else:
        cv.whatif_panel(w, usage, coverage, bool(f.banks))

    # --- export --------------------------------------------------------------------
    st.subheader("导出")
    header = {"页面": "信用村", "筛选范围": ff.scope_label(opts, f), "数据月份": f.as_of,
              "排名依据": rank_by, "下钻乡镇": town_name or "全部乡镇", "只看预警村": "是" if flagged else "否",
              "目标用信率": fmt_pct(usage), "目标授信覆盖率": fmt_pct(coverage),
              "报送情况": reporting.header_value(gaps),
              "分享链接": uf.link("credit-villages", rank_by=rank_by, village_town=town_name or [],
                                  flagged="true" if flagged else [], usage_target=usage, coverage_target=coverage)}
    widgets.export_buttons({"乡镇排名": towns, "银行排名": banks, "村级明细": villages, "测算": w.table,
                            "月度走势": trend, "未报送": comp.missing}, header, f"信用村-{f.as_of}")


what_if_and_export()
