"""Meeting outputs on the pages: the brief's draft as downloaded, the meeting
pack buttons and the print stylesheet.

The draft and the first click. A text area hands its new value to the server
only when it loses focus; a click on a download button right after typing
does both at once: the browser sends the new value (a rerun) and asks for the
file. The file's callable runs in a server thread and would see the draft of
the run before. :class:`Draft` keeps the draft of the latest run in session
state, and its :meth:`latest` waits until the session has no run pending or
in progress before it reads it, so the file always holds what the user typed.
"""
from __future__ import annotations

import datetime as dt
import time
from typing import Callable

import streamlit as st

from finance_core import docx_export, exports, pack
from finance_core.filters import Filters
from ui import data

WAIT_SECONDS = 30


def _session():
    """This browser session's AppSession (None under AppTest)."""
    try:
        from streamlit import runtime
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is None or not runtime.exists():
            return None
        info = runtime.get_instance()._session_mgr.get_session_info(ctx.session_id)
        return None if info is None else info.session
    except Exception:  # an internal API moved: fall back to the run's own value
        return None


class Draft:
    """The edited draft of a text area, as of the session's latest finished run."""

    def __init__(self, key: str):
        self.box = st.session_state.setdefault(f"_latest_{key}", {})
        self.session = _session()

    def set(self, text: str) -> None:
        self.box["text"] = text

    def latest(self) -> str:
        """Called from the download's thread: wait for a pending rerun (the value
        committed by the click itself), then read the draft it stored."""
        deadline = time.monotonic() + WAIT_SECONDS
        time.sleep(0.3)         # the browser may send the committed value a moment after the click
        while self.session is not None and getattr(self.session, "_scriptrunner", None) is not None \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.box.get("text", "")


def signature_inputs() -> tuple[str, dt.date]:
    """落款 and 成文日期 for the Word and PDF files."""
    left, right = st.columns([3, 1])
    issuer = left.text_input("落款单位", value=docx_export.issuer_default(), key="brief_issuer",
                             help="Word 和 PDF 文末的发文机关署名；默认值可用环境变量 FINANCE_BRIEF_ISSUER 设置")
    issued = right.date_input("成文日期", value=dt.date.today(), key="brief_date", format="YYYY-MM-DD")
    return issuer.strip() or docx_export.issuer_default(), issued


def _with_db(fn: Callable, *args):
    return data.later(fn, *args)


def overview_buttons(f: Filters) -> None:
    """The overview's own workbook (KPIs of every area, targets, flags)."""
    def xlsx(db):
        return exports.write_workbook(pack.overview_sheets(db, f), pack.overview_header(db, f))
    st.download_button("下载总览 Excel", data=_with_db(xlsx), file_name=f"总览-{f.as_of}.xlsx",
                       mime=exports.MIME_XLSX, icon=":material/download:", key="overview_xlsx", on_click="ignore")


def pack_buttons(f: Filters, brief_fn: Callable, text: Callable[[], str] | None = None,
                 signed: tuple[str, dt.date] | None = None, key: str = "pack") -> None:
    """会议材料: one workbook (every area's headline tables and the brief) and one
    PDF (overview and brief). ``brief_fn(db)`` builds the brief; ``text()``
    gives its edited text at click time (default: the brief as generated)."""
    issuer, issued = signed or (docx_export.issuer_default(), dt.date.today())

    def xlsx(db):
        return pack.workbook(db, f, text() if text else brief_fn(db).text())

    def pdf(db):
        brief = brief_fn(db)
        return pack.pdf(db, f, text() if text else brief.text(), brief, issuer, issued)
    st.download_button("会议材料 Excel（各领域主要表格＋简报）", data=_with_db(xlsx),
                       file_name=f"会议材料-{f.as_of}.xlsx", mime=exports.MIME_XLSX,
                       icon=":material/folder_zip:", key=f"{key}_xlsx", on_click="ignore")
    missing = pack.renderer() is None
    st.download_button("会议材料 PDF（总览＋简报）", data=_with_db(pdf), file_name=f"会议材料-{f.as_of}.pdf",
                       mime=pack.MIME_PDF, icon=":material/picture_as_pdf:", key=f"{key}_pdf",
                       on_click="ignore", disabled=missing,
                       help="A4 公文版式，供投屏或打印；生成约需十秒")
    if missing:
        st.caption(f":orange[{pack.MISSING_RENDERER}]")


PRINT_CSS = """
<style>
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  html, body { background: #fff !important; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stDownloadButton"], [data-testid="stBaseButton-secondary"], [data-testid="stExpanderToggleIcon"],
  .stDownloadButton, footer { display: none !important; }
  [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"],
  [data-testid="stMainBlockContainer"], section.main, .main {
    overflow: visible !important; height: auto !important; position: static !important;
    margin: 0 !important; padding: 0 !important; max-width: none !important; width: 100% !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 4mm !important; }
  /* cards stay in rows: columns do not wrap or stack */
  [data-testid="stHorizontalBlock"] { flex-wrap: nowrap !important; flex-direction: row !important; gap: 6px !important; }
  [data-testid="stColumn"] { min-width: 0 !important; width: auto !important; flex: 1 1 0 !important; }
  [data-testid="stHorizontalBlock"] { break-inside: avoid !important; page-break-inside: avoid !important; }
  /* a row that holds a data table prints each column full width, so the table shows all its columns */
  [data-testid="stHorizontalBlock"]:has([data-testid="stDataFrame"]) { flex-wrap: wrap !important; }
  [data-testid="stColumn"]:has([data-testid="stDataFrame"]) { flex: 1 1 100% !important; }
  [data-testid="stMetricValue"], .ifm-kpi-value { font-size: 1.35rem !important; white-space: nowrap !important; }
  .ifm-kpi { padding: 4px 6px !important; break-inside: avoid !important; page-break-inside: avoid !important; }
  .ifm-kpi-label, .ifm-kpi-delta, .ifm-kpi-base, .ifm-kpi-note, .ifm-kpi-flag { font-size: 0.75rem !important; }
  .ifm-kpi-help { display: none !important; }
  .ifm-kpis { gap: 6px !important; break-inside: avoid !important; page-break-inside: avoid !important; }
  .ifm-kpis-1 { grid-template-columns: repeat(1, minmax(0, 1fr)) !important; }
  .ifm-kpis-2 { grid-template-columns: repeat(2, minmax(0, 1fr)) !important; }
  .ifm-kpis-3 { grid-template-columns: repeat(3, minmax(0, 1fr)) !important; }
  .ifm-kpis-4 { grid-template-columns: repeat(4, minmax(0, 1fr)) !important; }
  .ifm-kpis-5 { grid-template-columns: repeat(5, minmax(0, 1fr)) !important; }
  .ifm-kpis-6 { grid-template-columns: repeat(6, minmax(0, 1fr)) !important; }
  .ifm-kpis-7 { grid-template-columns: repeat(7, minmax(0, 1fr)) !important; }
  .ifm-kpis-8 { grid-template-columns: repeat(8, minmax(0, 1fr)) !important; }
  [data-testid="stMetricLabel"] p, [data-testid="stMetricDelta"], [data-testid="stMetricDelta"] * {
    font-size: 0.75rem !important; white-space: nowrap !important; overflow: hidden !important; }
  [data-testid="stMarkdownContainer"] a { display: none !important; }   /* "查看详情 →": navigation only */
  /* charts, cards and tables whole on one page */
  [data-testid="stVegaLiteChart"], [data-testid="stArrowVegaLiteChart"], .stVegaLiteChart, [data-testid="stMetric"],
  [data-testid="stVerticalBlockBorderWrapper"], [data-testid="stDataFrame"], [data-testid="stTable"],
  [data-testid="stElementContainer"] { break-inside: avoid !important; page-break-inside: avoid !important; }
  h1, h2, h3 { break-after: avoid !important; page-break-after: avoid !important; }
  a { color: inherit !important; text-decoration: none !important; }
}
</style>
"""


def print_style() -> None:
    """The print stylesheet (injected once per run by app.py, at the foot of the
    sidebar, where its empty element takes no room in the page)."""
    st.sidebar.markdown(PRINT_CSS.strip(), unsafe_allow_html=True)
