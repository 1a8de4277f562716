"""企业上市: pipeline board by stage, funnel, stage timeline, company detail and edits."""
import datetime as dt

import streamlit as st

from finance_core import links
from finance_core import ipo
from ui import auth, data, ipo_panels, reporting, widgets
from ui import filters as uf

TABS = ["管道看板", "进度图表", "企业详情"]

f = uf.current()
opts = data.options()
choices = data.call(ipo.options)

st.title("企业上市")
st.caption(uf.escape(ipo.scope_label(opts, f)) + " · 阶段为数据月末所处阶段"
           + (" · 银行筛选不适用于本页" if f.banks else ""))

# link parameters, declared once: parsed (and written back canonically) before their widgets render
P = {p.name: p for p in (
    links.Param("stage", "阶段", links.MULTI, ipo.STAGES),
    links.Param("board", "目标板块", links.MULTI, choices.boards),
    links.Param("industry", "行业", links.MULTI, choices.industries),
    links.Param("company", "企业", links.CHOICE, choices.companies),
)}
values, notices = uf.read(list(P.values()))
# a link naming a company opens its detail tab
P["tab"] = links.Param("tab", "页签", links.CHOICE, TABS, "企业详情" if values["company"] else TABS[0])
notices += uf.read([P["tab"]])[1]
uf.show_notices(notices)
gaps = reporting.gap_warning(f, ("ipo",))

c1, c2, c3 = st.columns(3)
stages = uf.widget(P["stage"], "multiselect", c1, placeholder="全部阶段")
boards = uf.widget(P["board"], "multiselect", c2, placeholder="全部板块")
industries = uf.widget(P["industry"], "multiselect", c3, placeholder="全部行业")
sel = ipo.Selection(tuple(s for s in ipo.STAGES if s in stages), tuple(boards), tuple(industries))

view = data.call(ipo.board_view, f, sel)   # the KPI row and the board in one pass
widgets.kpi_row(list(view.kpis), per_row=5)

board = view.board
tab_board, tab_charts, tab_detail = uf.widget(P["tab"], "tabs")

if tab_board.open:  # only the open tab is drawn (bound to the link: switching reruns)
    with tab_board:
        moves = view.moves
        if not moves.empty:
            st.markdown(f"**{f.as_of} 阶段变动**（{len(moves)} 次）")
            widgets.flagged_table(ipo.history_table(moves).drop(columns=["离开日期", "停留月数"]),
                                  flag_col="变动", bad=(ipo.BACK,), alt="本月阶段变动")
        if board.empty:
            st.info("当前筛选范围内没有企业。", icon=":material/info:")
        else:
            ipo_panels.board(list(view.groups))
        if box := widgets.details("各阶段典型时长与停滞标准", "ipo_typical"):
            with box:
                st.dataframe(ipo.typical_table(), hide_index=True)

if tab_charts.open:
    with tab_charts:
        spans = data.call(ipo.history, f, sel)
        left, right = st.columns([2, 3])
        with left:
            widgets.chart(ipo_panels.funnel_chart, data.call(ipo.funnel, f, sel), width="stretch")
        with right:
            if board["earliest"].notna().any():
                widgets.chart(ipo_panels.projection_chart, board, f.as_of, width="stretch")
            st.caption("预计上市区间 = 当前阶段剩余典型时长 + 后续各阶段典型时长（最短–最长），"
                       "仅供调度参考，不是承诺；后备资源库企业尚未启动股改，不作测算。")
        if not spans.empty:
            widgets.chart(ipo_panels.gantt_chart, spans, list(board["name"]), width="stretch")


@st.fragment
def company_panel():
    """A fragment: choosing a company reruns only this tab (edits rerun the page)."""
    ipo_panels.flash()
    company = uf.widget(P["company"], "selectbox", label="选择企业",
                        placeholder="选择企业查看阶段历程和月调度记录")
    detail = data.call(ipo.company_detail, company, f.as_of) if company else None
    if detail is not None:
        ipo_panels.detail(detail, f.as_of)
        user = auth.editor()
        if user:
            ipo_panels.edit_forms(company, detail.info["owner"], user, dt.date.today())
        else:
            st.caption("只读模式：如需登记阶段变动或月调度记录，请由编辑人员操作。")


if tab_detail.open:
    with tab_detail:
        company_panel()

st.divider()
widgets.export_buttons(widgets.made_together(ipo.EXPORT_SHEETS, data.later(ipo.export_tables, f, sel)),
                       ipo.export_header(opts, f, sel) | {"报送情况": reporting.header_value(gaps)},
                       f"企业上市-{f.as_of}")
