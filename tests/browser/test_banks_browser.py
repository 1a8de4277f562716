"""Real browser: a 银行存贷款 share link with a bank filter and assessment weights
opens the same numbers; a weight slider writes its value into the URL and the
copied link reopens the same ranking."""
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from finance_core import banks as bk
from finance_core import db as fdb
from finance_core import filters as ff
from tests.conftest import DEMO_END, metric_values, opened_elsewhere, wait_for_app

pytestmark = pytest.mark.browser


def slider_value(pg, key: str) -> float:
    pg.locator(f".st-key-{key}").scroll_into_view_if_needed()
    return float(pg.locator(f".st-key-{key} input[type='range']").get_attribute("value"))


def test_share_link_opens_the_same_bank_view_and_weights(server, page, demo_db):
    weights = {i.param: 0 for i in bk.INDICATORS} | {"w_npl": 30}
    qs = urlencode([("as_of", "2026-09"), ("bank", "建设银行"), ("bank", "农商行"),
                    *((k, str(v)) for k, v in weights.items())])
    with fdb.opened(demo_db) as db:
        opts = ff.load_options(db)
        f = ff.Filters("2026-09", (), (opts.bank_code("建设银行"), opts.bank_code("农商行")))
        expected = {k.label: k.text() for k in bk.kpis(db, f)}
        w = {i.key: 0 for i in bk.INDICATORS} | {"npl_rate": 30}
        ranks = bk.ranking(db, f, tuple(w.items()))
    page.goto(f"{server}/banks?{qs}")
    wait_for_app(page, min_metrics=len(expected))
    shown = metric_values(page)
    for label, value in expected.items():
        assert shown[label] == value, label
    assert slider_value(page, "w_npl") == 30 and slider_value(page, "w_loan") == 0
    query = parse_qs(urlparse(page.url).query)
    assert query["bank"] == ["建设银行", "农商行"] and query["w_npl"] == ["30"]
    assert bk.ranking_text(ranks) in page.inner_text("body")


def test_weight_slider_is_in_the_link_and_reopens(server, page, demo_db):
    page.goto(f"{server}/banks")
    wait_for_app(page, min_metrics=10)
    page.locator(".st-key-w_loan").scroll_into_view_if_needed()   # off-screen widgets mount lazily
    thumb = page.locator(".st-key-w_loan input[type='range']")
    thumb.focus()
    for _ in range(5):
        thumb.press("ArrowRight")
    page.wait_for_function("new URLSearchParams(location.search).get('w_loan') === '25'", timeout=60_000)
    wait_for_app(page)
    with fdb.opened(demo_db) as db:
        w = bk.default_weights() | {"loan_growth": 25}
        ranks = bk.ranking(db, ff.Filters(DEMO_END), tuple(w.items()))
    body = page.inner_text("body")
    assert "当前为测算权重" in body and "各项贷款增长 25" in body
    assert bk.ranking_text(ranks) in body
    with opened_elsewhere(page, min_metrics=10) as pg2:
        assert slider_value(pg2, "w_loan") == 25
        assert bk.ranking_text(ranks) in pg2.inner_text("body")
