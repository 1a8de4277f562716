"""Real browser: a share link with as_of, town and bank opens the same numbers."""
from urllib.parse import urlencode

import pytest

from finance_core import db as fdb
from finance_core import filters as ff
from finance_core import overview
from tests.conftest import metric_values, opened_elsewhere, wait_for_app

pytestmark = pytest.mark.browser


def test_share_link_reproduces_overview_numbers(server, page, demo_db):
    with fdb.opened(demo_db) as db:
        opts = ff.load_options(db)
        f = ff.Filters(as_of="2025-06", towns=(opts.town_code("城关镇"), opts.town_code("高峰乡")),
                       banks=(opts.bank_code("农商行"),))
        expected = {k.label: k.text() for k in overview.area_kpis(db, f, "credit-villages") + overview.area_kpis(db, f, "microloans")}
    qs = urlencode([("as_of", "2025-06"), ("town", "城关镇"), ("town", "高峰乡"), ("bank", "农商行")])
    page.goto(f"{server}/?{qs}")
    wait_for_app(page, min_metrics=10)
    shown = metric_values(page)
    for label, value in expected.items():
        assert shown[label] == value, label
    # the URL still carries the view, so copying it shares the same view
    assert "as_of=2025-06" in page.url and "bank=" in page.url
    # a second browser context opening the copied URL sees the same numbers
    with opened_elsewhere(page, min_metrics=10) as pg2:
        assert metric_values(pg2) == shown


def test_bad_link_parameter_gives_notice_and_page_loads(server, page):
    page.goto(f"{server}/?as_of=2099-13&town=火星镇")
    wait_for_app(page, min_metrics=5)
    body = page.inner_text("body")
    assert "链接中有无效参数" in body
    assert "2099-13" in body and "火星镇" in body
    assert "授信金额" in body
