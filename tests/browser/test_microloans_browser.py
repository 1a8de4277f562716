"""Real browser: a 小额信贷 share link with filters and what-if parameters opens
the same numbers, and the page shows no unmasked ID number."""
from urllib.parse import urlencode

import pytest

from finance_core import db as fdb
from finance_core import filters as ff
from finance_core import microloans as ml
from finance_core import money
from finance_core.privacy import contains_unmasked_id
from tests.conftest import metric_values, wait_for_app

pytestmark = pytest.mark.browser


def test_share_link_opens_the_same_microloan_view(server, page, demo_db):
    with fdb.opened(demo_db) as db:
        opts = ff.load_options(db)
        f = ff.Filters("2026-08", (), (opts.bank_code("农商行"),))
        expected = {k.label: k.text() for k in ml.kpis(db, f)}
        stress = ml.stress_test(db, f, 0.2, 0.6)
    qs = urlencode([("as_of", "2026-08"), ("bank", "农商行"), ("by", "银行"), ("due", "60"),
                    ("stress_default", "0.2"), ("fund_share", "0.6")])
    page.goto(f"{server}/microloans?{qs}")
    wait_for_app(page, min_metrics=len(expected) + 5)
    shown = metric_values(page)
    for label, value in expected.items():
        assert shown[label] == value, label
    assert shown["补偿金应承担损失"] == money.fmt_money(stress.loss)
    assert shown["缺口"] == money.fmt_money(stress.shortfall)
    for param in ("as_of=2026-08", "stress_default=0.2", "fund_share=0.6", "due=60"):
        assert param in page.url
    body = page.inner_text("body")
    assert "未来 60 天内到期" in body and not contains_unmasked_id(body)
