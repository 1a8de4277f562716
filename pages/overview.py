"""总览: one KPI row per area, targets against 序时进度, and red flags."""
import streamlit as st

from finance_core import filters as ff
from finance_core import areas, briefing, overview
from ui import data, outputs, reporting, widgets
from ui import filters as uf
from ui.nav import area_page

f = uf.current()
opts = data.options()

st.title("总览")
st.caption(uf.escape(ff.scope_label(opts, f)) + " · 箭头为较上月变化，下方为同比 · 打印本页（Ctrl+P）为 A4 横版")
uf.read([])
uf.show_notices()
board = data.call(overview.board, f, opts.town_names, opts.bank_names)   # every part in one pass
st.markdown(f":material/fact_check: {board.reporting} [报送明细 →]({uf.link('data')})")
reporting.gap_warning(f)
with st.container(horizontal=True):
    outputs.overview_buttons(f)
    outputs.pack_buttons(f, lambda db: briefing.build(db, briefing.MONTHLY, f), key="overview_pack")

for area in areas.ALL:
    with st.container(horizontal=True, vertical_alignment="bottom"):   # the heading, its link at the right
        st.subheader(area.heading, width="stretch")
        if area_page(area.key):
            widgets.detail_link(area_page(area.key))
    kpis = board.kpis(area.key)
    if all(k.value is None for k in kpis):
        st.info(f"{f.as_of} 没有{area.title}数据。", icon=":material/info:")
    else:
        widgets.kpi_row(kpis, per_row=area.per_row)

left, right = st.columns([3, 2])
with left:
    st.subheader("年度目标完成情况")
    table = board.targets
    if table.empty:
        st.info("当前筛选范围没有设定年度目标（目标按全县、乡镇或银行设定）。", icon=":material/info:")
    else:
        widgets.progress_table(table)
with right:
    st.subheader("需要关注")
    flags = board.flags
    if not flags:
        st.success("当前范围内没有超出阈值的指标。", icon=":material/check_circle:")
    for flag in flags:   # the whole line is the link to the page that explains it
        line = f"**{uf.escape(flag.area)}** · {uf.escape(flag.text)}"
        if area_page(flag.key):
            widgets.detail_link(area_page(flag.key), line, width="stretch", **dict(flag.dims))
        else:
            st.markdown(line)
