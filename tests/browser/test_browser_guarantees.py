"""Real browser: a 融资担保 share link (filters, product, what-if) opens the same numbers."""
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from finance_core import db as fdb
from finance_core import filters as ff
from finance_core import guarantees as g
from finance_core import money
from tests.conftest import metric_values, opened_elsewhere, wait_for_app

pytestmark = pytest.mark.browser

PARAMS = [("as_of", "2026-06"), ("town", "城关镇"), ("product", "链担通—黄牛贷"),
          ("capital_add", "5000"), ("leverage_target", "12"), ("stress_comp", "0.1")]


def test_guarantee_share_link_reproduces_the_view(server, page, demo_db):
    with fdb.opened(demo_db) as db:
        opts = ff.load_options(db)
        f = ff.Filters("2026-06", towns=(opts.town_code("城关镇"),))
        expected = {k.label: k.text() for k in g.kpis(db, f, ("HND",))}
        w = g.what_if(db, f, ("HND",), 5000.0, 12.0, 0.1)
    expected["注资后按 12 倍可新增担保"] = money.fmt_money(w.with_capital["headroom"])
    expected["压力情景消耗净资产"] = money.fmt_money(w.guarantor_loss)

    page.goto(f"{server}/guarantees?{urlencode(PARAMS)}")
    wait_for_app(page, min_metrics=len(expected))
    shown = metric_values(page)
    for label, value in expected.items():
        assert shown[label] == value, label
    assert "链担通—黄牛贷" in page.inner_text('[data-testid="stSidebar"]')
    # the URL still carries the whole view after the page rendered
    kept = parse_qs(urlparse(page.url).query)
    for key, value in PARAMS:
        assert kept[key] == [value], key
    # whoever opens the copied link sees the same numbers
    with opened_elsewhere(page, min_metrics=len(expected)) as pg2:
        assert metric_values(pg2) == shown
