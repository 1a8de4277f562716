"""Real browser: a 财政资金 share link (filters, claim kinds, what-if) opens the
same numbers, keeps its parameters, and a second browser sees the same view."""
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from finance_core import db as fdb
from finance_core import filters as ff
from finance_core import fiscal, money
from tests.conftest import metric_values, opened_elsewhere, wait_for_app

pytestmark = pytest.mark.browser

PARAMS = [("as_of", "2026-08"), ("bank", "青禾村镇银行"), ("kind", "补偿金代偿"), ("show", "含当年已拨付"),
          ("loan_growth", "0.25"), ("default_rate", "0.04")]


def test_fiscal_share_link_reproduces_the_view(server, page, demo_db):
    with fdb.opened(demo_db) as db:
        opts = ff.load_options(db)
        f = ff.Filters("2026-08", banks=(opts.bank_code("青禾村镇银行"),))
        expected = {k.label: k.text() for k in fiscal.kpis(db, f)}
        b = fiscal.budget(db, "2026-08", 0.25, 0.04)
    expected["预算需求合计"] = money.fmt_money(b.total)
    expected["补偿金代偿需求"] = money.fmt_money(b.fund_need)

    page.goto(f"{server}/fiscal?{urlencode(PARAMS)}")
    wait_for_app(page, min_metrics=len(expected))
    shown = metric_values(page)
    for label, value in expected.items():
        assert shown[label] == value, label
    assert "青禾村镇银行" in page.inner_text('[data-testid="stSidebar"]')
    kept = parse_qs(urlparse(page.url).query)
    for key, value in PARAMS:
        assert kept[key] == [value], key
    with opened_elsewhere(page, min_metrics=len(expected), viewport={"width": 1366, "height": 768}) as pg2:
        assert metric_values(pg2) == shown
