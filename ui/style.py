"""Projection-friendly presentation that config.toml cannot express: KPI cards
that shrink and wrap instead of cutting values with "…", darker captions,
Chinese text where Streamlit's own widgets print English, and ``lang="zh-CN"``.

Applied once per run from app.py (an ``st.html`` holding only a ``<style>`` goes
to Streamlit's event container and takes no room on the page).
"""
from __future__ import annotations

import streamlit as st

from finance_core.config import PALETTE

# KPI cards flow into as many per row as fit (the card minimum is the width of
# "9,999.99 万元" at the value size); values shrink with the card and, as a last
# resort, the unit wraps onto its own line; labels and the delta row wrap.
CARD_MIN_REM = 10.5
MAX_PER_ROW = 8
GRID = "".join(
    f'[class*="st-key-kpirow{n}_"] {{ display: grid !important; gap: 0.75rem !important; '
    f'grid-template-columns: repeat(auto-fill, minmax(max({CARD_MIN_REM}rem, calc((100% - {n - 1} * 0.75rem) / {n})), 1fr)); }}\n'
    for n in range(1, MAX_PER_ROW + 1))

CSS = f"""
<style>
{GRID}[class*="st-key-kpirow"] > * {{ width: auto !important; min-width: 0; }}
[data-testid="stMetric"] {{ container-type: inline-size; }}
[data-testid="stMetric"] .stMarkdownEllipsis,
[data-testid="stMetric"] .stMarkdownEllipsis p {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }}
[data-testid="stMetricValue"] {{ font-size: min(1.75rem, 15.5cqi) !important; line-height: 1.25; }}
[data-testid="stMetricLabel"] p {{ word-break: keep-all; overflow-wrap: anywhere; }}
[data-testid="stMetric"] div:has(> [data-testid="stMetricDelta"]) {{ flex-wrap: wrap; row-gap: 0.2rem; }}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {{ color: #3C4043 !important; }}
/* chart menus are in English and offer developer actions (Vega-Lite spec): off */
[data-testid="stElementContainer"]:has(.stVegaLiteChart) [data-testid="stElementToolbar"] {{ display: none !important; }}
/* "Press Enter to apply" */
[data-testid="InputInstructions"] {{ display: none !important; }}
/* the file uploader's English text */
[data-testid="stFileUploaderDropzoneInstructions"] > div > span,
[data-testid="stFileUploaderDropzoneInstructions"] > div > small {{ display: none; }}
[data-testid="stFileUploaderDropzoneInstructions"] > div::before {{
  content: "将文件拖放到此处，或点击右侧按钮选择文件"; font-size: 0.95rem; }}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {{
  content: "支持 .xlsx、.csv 文件"; display: block; font-size: 0.85rem; color: #3C4043; }}
[data-testid="stFileUploaderDropzone"] button {{ font-size: 0 !important; }}
[data-testid="stFileUploaderDropzone"] button::after {{ content: "选择文件"; font-size: 0.95rem; }}
.status-good {{ color: {PALETTE["good"]}; }} .status-warn {{ color: {PALETTE["warn"]}; }}
.status-bad {{ color: {PALETTE["bad"]}; }}
</style>
"""

# the page language: Streamlit's index.html says lang="en" (browsers then offer
# to translate the page and pick Latin fallback fonts)
LANG_JS = "<script>document.documentElement.lang = 'zh-CN';</script>"


def apply() -> None:
    st.html(CSS)
    with st.sidebar:
        st.html(LANG_JS, unsafe_allow_javascript=True)
