"""Real browser: an 企业上市 share link opens the same board, and the view stays in the URL."""
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from finance_core import db as fdb
from finance_core import ipo
from finance_core.filters import Filters
from tests.conftest import DEMO_END, metric_values, wait_for_app

pytestmark = pytest.mark.browser

WITHDRAWN = "永昌生物医药股份有限公司"


def test_ipo_share_link(server, page, demo_db):
    with fdb.opened(demo_db) as db:
        sel = ipo.Selection(stages=("辅导备案", "辅导验收"))
        expected = {k.label: k.text() for k in ipo.summary(db, Filters(DEMO_END), sel)}
        counts = ipo.pipeline(db, Filters(DEMO_END), sel)["stage"].value_counts().to_dict()
    # Streamlit runs a fresh server's very first script run in its old pages/ mode, where a
    # deep link skips app.py; open "/" once first (reported to the lead, see the area report)
    page.goto(server)
    wait_for_app(page, min_metrics=5)
    params = [("stage", "辅导备案"), ("stage", "辅导验收"), ("company", WITHDRAWN)]
    page.goto(f"{server}/ipo?{urlencode(params)}")
    wait_for_app(page, min_metrics=len(expected) + 5)
    shown = metric_values(page)
    for label, value in expected.items():
        assert shown[label] == value, label
    # a company link opens its file on the detail tab
    assert shown["当前阶段"] == "辅导备案"
    assert page.get_by_role("tab", name="企业详情").get_attribute("aria-selected") == "true"
    # switching tabs keeps the filters and puts the tab in the URL
    page.get_by_role("tab", name="管道看板").click()
    page.wait_for_function("location.search.includes('tab=')")
    wait_for_app(page)
    kept = parse_qs(urlparse(page.url).query)
    assert kept["stage"] == ["辅导备案", "辅导验收"] and kept["tab"] == ["管道看板"]
    body = page.inner_text("body")
    for stage, n in counts.items():     # the board's stage groups (tables are drawn on a canvas)
        assert f"{stage} · {n} 家" in body
    assert "后备资源库 ·" not in body
