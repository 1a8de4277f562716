"""Projection-friendly presentation that config.toml cannot express: KPI cards
that shrink and wrap instead of cutting values with "…", darker captions,
Chinese text where Streamlit's own widgets print English, and ``lang="zh-CN"``.

Applied once per run from app.py (an ``st.html`` holding only a ``<style>`` goes
to Streamlit's event container and takes no room on the page).
"""
from __future__ import annotations

import json
import re

import streamlit as st

from finance_core.config import PALETTE

# KPI cards flow into as many per row as fit (the card minimum is the width of
# "9,999.99 万元" at the value size); values shrink with the card and, as a last
# resort, the unit wraps onto its own line; labels and the delta row wrap.
CARD_MIN_REM = 10.5
MAX_PER_ROW = 8
GRID = "".join(
    f'.ifm-kpis-{n} {{ grid-template-columns: repeat(auto-fill, '
    f'minmax(max({CARD_MIN_REM}rem, calc((100% - {n - 1} * 0.75rem) / {n})), 1fr)); }}\n'
    for n in range(1, MAX_PER_ROW + 1))
# one KPI row is one st.html block (ui/widgets.kpi_html): a grid of bordered cards; every card
# of a row as tall as the tallest (grid rows stretch), values shrink with the card (container
# query units), labels, changes and notes wrap
CARDS = f"""
.ifm-kpis {{ display: grid; gap: 0.75rem; align-items: stretch; margin: 0; }}
.ifm-kpi {{ container-type: inline-size; min-width: 0; border: 1px solid rgba(49, 51, 63, 0.2);
  border-radius: 0.5rem; padding: 0.75rem 1rem; background: #fff; }}
.ifm-kpi-label {{ font-size: 0.875rem; line-height: 1.4; color: {PALETTE["neutral"]}; word-break: keep-all;
  overflow-wrap: anywhere; }}
.ifm-kpi-help {{ display: inline-block; width: 1.05em; height: 1.05em; line-height: 1.05em; text-align: center;
  border: 1px solid currentColor; border-radius: 50%; font-size: 0.75rem; cursor: help; vertical-align: 0.1em; }}
.ifm-kpi-value {{ font-size: min(1.75rem, 15.5cqi); line-height: 1.25; font-weight: 400; color: #212121;
  padding: 0.15rem 0; word-break: keep-all; overflow-wrap: normal; }}   /* breaks before the unit only */
.ifm-kpi-delta {{ font-size: 0.875rem; line-height: 1.5; color: #3C4043; }}
.ifm-kpi-vs {{ white-space: nowrap; }}
.ifm-kpi-chg {{ display: inline-block; white-space: nowrap; border-radius: 0.75rem; padding: 0 0.45rem; font-weight: 500; }}
.ifm-kpi-chg.ifm-good {{ color: {PALETTE["good"]}; background: rgba(46, 125, 50, 0.1); }}
.ifm-kpi-chg.ifm-bad {{ color: {PALETTE["bad"]}; background: rgba(198, 40, 40, 0.1); }}
.ifm-kpi-chg.ifm-off {{ color: {PALETTE["neutral"]}; background: rgba(69, 90, 100, 0.1); }}
.ifm-kpi-base, .ifm-kpi-note, .ifm-kpi-flag {{ font-size: 0.875rem; line-height: 1.45; color: #3C4043;
  margin-top: 0.25rem; overflow-wrap: anywhere; }}
.ifm-kpi-flag {{ color: {PALETTE["bad"]}; font-weight: 700; }}
.ifm-kpi-note {{ color: {PALETTE["warn"]}; }}
"""

CSS = f"""
<style>
{GRID}{CARDS}[data-testid="stMetric"] {{ container-type: inline-size; }}
/* a link in the page (a 需要关注 line is one) wraps instead of ending in "…" */
[data-testid="stMain"] [data-testid="stPageLink-NavLink"] span:has(> [data-testid="stMarkdownContainer"]),
[data-testid="stMain"] [data-testid="stPageLink-NavLink"] [data-testid="stMarkdownContainer"],
[data-testid="stMain"] [data-testid="stPageLink-NavLink"] [data-testid="stMarkdownContainer"] p {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }}
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

# Streamlit's table toolbar and column menu speak English (tooltips, aria labels,
# menu items): put them in Chinese as they appear. The words are Streamlit 1.67's.
UI_WORDS = {
    "Search": "搜索", "Show/hide columns": "显示/隐藏列", "Download as CSV": "下载 CSV",
    "Fullscreen": "全屏", "Close fullscreen": "退出全屏", "Sort ascending": "升序排列",
    "Sort descending": "降序排列", "Format": "数字格式", "Pin column": "固定此列", "Unpin column": "取消固定",
    "Hide column": "隐藏此列", "Autosize": "自动列宽", "Clear selection": "清除选择", "Select all": "全选",
}
TRANSLATE_JS = """<script>
(() => {
  if (window.__zhWords) return;
  const words = window.__zhWords = %s;
  const fix = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const t = n.nodeValue.trim();
      if (words[t]) n.nodeValue = n.nodeValue.replace(t, words[t]);
    }
    const labelled = root.querySelectorAll ? root.querySelectorAll("[aria-label]") : [];
    for (const el of [root, ...labelled]) {
      const a = el.getAttribute && el.getAttribute("aria-label");
      if (!a) continue;
      const [head, ...rest] = a.split(": ");   // "Search: (the table label)"
      if (words[head]) el.setAttribute("aria-label", [words[head], ...rest].join("："));
    }
  };
  fix(document.body);
  new MutationObserver((ms) => {
    for (const m of ms) {
      for (const node of m.addedNodes) if (node.nodeType === 1) fix(node);
      if (m.type === "characterData" && words[m.target.nodeValue.trim()]) fix(m.target.parentNode);
      if (m.type === "attributes") fix(m.target);
    }
  }).observe(document.body, {childList: true, subtree: true, characterData: true,
                             attributes: true, attributeFilter: ["aria-label"]});
})();
</script>""" % json.dumps(UI_WORDS, ensure_ascii=False)


def _safe_script(html: str) -> str:
    """Streamlit sanitises st.html with DOMPurify, which silently drops a script
    whose text holds '<' before a letter, '/' or '!': refuse such a script here."""
    body = html.removeprefix("<script>").removesuffix("</script>")
    if re.search(r"<[/\w!]", body):
        raise ValueError("a script for st.html must not contain '<' before a letter, '/' or '!'")
    return html


def apply() -> None:
    st.html(CSS)
    with st.sidebar:
        for script in (LANG_JS, TRANSLATE_JS):
            st.html(_safe_script(script), unsafe_allow_javascript=True)
