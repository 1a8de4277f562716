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
