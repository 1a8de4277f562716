"""AppTest runs split from tests/unit/test_hardening_months.py (the same subject, through the page)."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from finance_core import db as fdb
from finance_core import filters as ff
from finance_core import imports, periods
from finance_core.imports import templates
from ui.nav import PAGES
from tests.unit.test_hardening_months import far_future_db  # noqa: F401  (helpers and fixtures)


@pytest.mark.parametrize("page", list(PAGES))
def test_pages_never_raise_on_a_stored_far_future_month(app, far_future_db, page):
    at = app(page=PAGES[page][0], db_path=far_future_db)
    assert not at.exception, (page, at.exception)
    assert at.selectbox(key="as_of").value == "2026-10"
    at = app({"as_of": "9999-12"}, page=PAGES[page][0], db_path=far_future_db)
    assert not at.exception, (page, at.exception)
