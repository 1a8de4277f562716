"""调度简报: the monthly brief or the yearly summary as an editable draft, with
Word (.docx) and plain-text downloads."""
import streamlit as st

from finance_core import briefing, docx_export
from finance_core import filters as ff
from ui import data, outputs, reporting, widgets
from ui import filters as uf

f = uf.current()
opts = data.options()

# link parameters are checked before the widgets render: a bad one is dropped with a notice
_, notices = ff.check_choices("kind", "简报类型", st.query_params.get_all("kind"), briefing.KINDS)

st.title("调度简报")
kind = st.radio("简报类型", briefing.KINDS, key="kind", bind="query-params", horizontal=True,
                help="月报按所选数据月份生成；年报统计所选数据月份所在年度，截至该年12月"
                     "（当年尚未结束时截至最新数据月份）")
kind = kind if kind in briefing.KINDS else briefing.MONTHLY
uf.show_notices(notices)
reporting.gap_warning(f)

brief = data.call(briefing.build, kind, f)
st.caption(f"{brief.title} · {brief.subtitle} · 数据月份和范围在左侧筛选栏选择，链接可直接分享")

draft = outputs.Draft(f"draft_{brief.digest}")
edited = st.text_area(
    "简报草稿（可直接修改，改完可直接点下载；下载的文件使用修改后的内容）", brief.text(), height=560,
    key=f"draft_{brief.digest}",
    help="以“一、”“二、”等开头的行为标题；Word 文件在对应标题下附上该部分的数据表和图表")
edited = edited or ""
draft.set(edited)
signed = outputs.signature_inputs()
stem = f"{brief.title}（{brief.scope}）"
with st.container(horizontal=True):
    st.download_button("下载 Word（.docx）", data=lambda: docx_export.document(draft.latest(), brief, None, *signed),
                       file_name=f"{stem}.docx", mime=docx_export.MIME, icon=":material/description:",
                       key="download_docx", type="primary", on_click="ignore",
                       help="公文格式（A4、仿宋三号、页码、落款）；正文为上方草稿，各部分附数据表和图表")
    st.download_button("下载文本（.txt）", data=lambda: docx_export.text_bytes(draft.latest()),
                       file_name=f"{stem}.txt", mime="text/plain", icon=":material/article:",
                       key="download_txt", on_click="ignore")
    outputs.pack_buttons(f, lambda db: briefing.build(db, kind, f), draft.latest, signed, key="brief_pack")
if edited.strip() != brief.text().strip():
    st.caption(":orange[草稿已修改]。更换数据月份、范围或简报类型会重新生成草稿，修改内容不会保留。")

st.subheader("各部分数据表与图表")
st.caption("简报中的数字均由下列数据计算；Word 文件在各部分正文后附这些表和图。")
for i, section in enumerate(brief.sections):
    if not section.tables and (section.chart is None or section.chart.empty):
        continue
    # a section's tables and chart are drawn only while its expander is open
    box = st.expander(section.heading, expanded=False, key=f"section_{i}", on_change="rerun")
    if box.open:
        with box:
            for title, table in section.tables:
                st.markdown(f"**{title}**")
                st.dataframe(table, hide_index=True)
            chart = briefing.chart(section)
            if chart is not None:
                widgets.chart(chart, width="stretch", height=380)
