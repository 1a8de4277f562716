"""AppTest runs split from tests/unit/test_completeness.py (the same subject, through the page)."""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
import shutil

import pandas as pd
import pytest

from finance_core import briefing, completeness, credit, guarantees, microloans, overview, periods, rollups
from finance_core import db as fdb
from finance_core.config import THRESHOLDS
from finance_core.filters import Filters
from tests.unit.test_completeness import END, PAGES, PREV, edge_db  # noqa: F401  (helpers and fixtures)


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_names_the_missing_submissions(app, edge_db, page):
    at = app({"as_of": END}, page=page, db_path=edge_db)
    assert not at.exception
    shown = " ".join(w.value for w in at.warning) + " ".join(m.value for m in at.markdown)
    if page == "pages/data.py":
        matrix = at.dataframe[0].value
        shown += " ".join(str(v) for v in matrix.to_numpy().ravel()) if hasattr(matrix, "to_numpy") else ""
    for word in PAGES[page]:
        assert word in shown, (page, word)


def test_a_complete_month_shows_no_warning(app, demo_db):
    at = app({"as_of": PREV}, page="pages/microloans.py")
    assert not at.exception
    assert not any(completeness.MISSING in w.value or "报送情况" in w.value for w in at.warning)
