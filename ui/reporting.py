"""报送情况 on every page: the missing submissions in the page's scope, named
(DESIGN.md "Completeness"), and the same lines for the page's export header."""
from __future__ import annotations

import streamlit as st

from finance_core import completeness
from finance_core.filters import Filters
from ui import data

TITLE = "报送情况：有单位未报送本月数据"


def gap_lines(f: Filters, areas: tuple[str, ...] | None = None) -> list[str]:
    """One line per reporter that did not deliver ``f.as_of`` for these areas' feeds."""
    return completeness.notice_lines(data.call(completeness.gaps, f, areas))


def gap_warning(f: Filters, areas: tuple[str, ...] | None = None) -> list[str]:
    """Show the missing submissions of the scope as one warning; return the
    lines for the export header."""
    return show(gap_lines(f, areas))


def show(lines: list[str]) -> list[str]:
    """One warning listing ``lines`` (nothing when there are none)."""
    if lines:
        st.warning("\n".join(f"- {line}" for line in lines), title=TITLE, icon=":material/report:")
    return lines


def header_value(lines: list[str]) -> str:
    """The export header's 报送情况 entry."""
    return "；".join(lines) if lines else "范围内各单位均已报送"


def matrix(f: Filters) -> None:
    """报送情况 of the last six months up to the data month: reporter × feed,
    已报送 / 逾期报送 (with the date) / 未报送; for everyone, editors and viewers."""
    st.subheader("报送情况")
    table = data.call(completeness.matrix, f.as_of)
    st.caption(f"截至{completeness.month_word(f.as_of)}的近六个月。“已报 11-05”：11月5日已报送；每月数据应于次月 "
               f"{completeness.THRESHOLDS.report_due_day} 日前报送，“逾期”为截止日后报送，“未到期”为尚未到截止日；"
               "“—”表示该单位当月无需报送。未报送单位的余额类数据沿用最近一次报送并注明，当月发生额缺失。")
    months = [c for c in table.columns if c not in completeness.MATRIX_FIXED]
    st.dataframe(
        table.style.map(_status_style, subset=months) if not table.empty else table,
        hide_index=True, key="reporting_matrix", height=36 * (len(table) + 1) + 4,
        column_config={m: st.column_config.TextColumn(completeness.month_word(m), width=92) for m in months},
    )


def _status_style(value: str) -> str:
    text = str(value)
    if text.startswith(completeness.MISSING):
        return "background-color: #FDECEA; color: #B71C1C; font-weight: 600"
    if text.startswith(completeness.LATE) or text.startswith(completeness.NOT_DUE):
        return "background-color: #FFF4E5; color: #8A4B00"
    return ""
