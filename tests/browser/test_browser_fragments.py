"""Real browser: a what-if slider reruns only its fragment, and the share-link
contract still holds for it: the URL takes the new value and the copied link
reopens the same numbers."""
from urllib.parse import parse_qs, urlparse

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from finance_core import credit
from finance_core import db as fdb
from finance_core import filters as ff
from finance_core import guarantees as g
from finance_core import microloans as ml
from finance_core import money
from finance_core.config import THRESHOLDS
from tests.conftest import DEMO_END, metric_values, opened_elsewhere, wait_for_app

pytestmark = pytest.mark.browser


def _guarantees(db, f, value):
    w = g.what_if(db, f, (), 0.0, g.WHATIF_PARAMS["leverage_target"][3], value)
    return {"压力情景消耗净资产": money.fmt_money(w.guarantor_loss)}


def _microloans(db, f, value):
    r = ml.stress_test(db, f, round(value, 4), round(THRESHOLDS.fund_share_default, 4))
    return {label: shown for label, shown, _ in r.headline()}


def _credit(db, f, value):
    w = credit.whatif(db, f, value, credit.WHATIF_DEFAULTS["coverage_target"])
    return {"需新增用信": money.fmt_money(w.extra_used)}


CASES = [("guarantees", "stress_comp", _guarantees), ("microloans", "stress_default", _microloans),
         ("credit-villages", "usage_target", _credit)]


def script_finishes(page) -> list[int]:
    """Every script_finished status the page's websocket receives from now on."""
    seen: list[int] = []

    def on_frame(payload):
        if isinstance(payload, (bytes, bytearray)):
            msg = ForwardMsg()
            msg.ParseFromString(bytes(payload))
            if msg.WhichOneof("type") == "script_finished":
                seen.append(msg.script_finished)

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    return seen


def wait_finished(page, finishes: list[int]) -> None:
    """Until the last run the page heard of finished (30 s at most)."""
    for _ in range(300):
        if finishes and finishes[-1] in (ForwardMsg.FINISHED_SUCCESSFULLY,
                                         ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
            break
        page.wait_for_timeout(100)
    wait_for_app(page)


@pytest.mark.parametrize("path,key,expected", CASES, ids=[c[0] for c in CASES])
def test_what_if_slider_reruns_its_fragment_and_stays_in_the_link(server, page, demo_db, path, key, expected):
    finishes = script_finishes(page)
    page.goto(f"{server}/{path}?town=城关镇")
    wait_for_app(page, min_metrics=3)
    wait_finished(page, finishes)
    assert ForwardMsg.FINISHED_SUCCESSFULLY in finishes
    finishes.clear()
    page.locator(f".st-key-{key}").scroll_into_view_if_needed()  # off-screen widgets mount lazily
    thumb = page.locator(f".st-key-{key} input[type='range']")
    thumb.focus()
    for _ in range(3):
        thumb.press("ArrowRight")
    page.wait_for_function(f"new URLSearchParams(location.search).has('{key}')")
    wait_finished(page, finishes)  # a run after the last key press
    # only the fragment ran: no full run of the page (a run cut short by the next key press is fine)
    assert finishes[-1] == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY, finishes
    assert ForwardMsg.FINISHED_SUCCESSFULLY not in finishes, finishes
    query = parse_qs(urlparse(page.url).query)
    assert query["town"] == ["城关镇"]  # the page's own parameters are kept
    value = float(query[key][0])
    with fdb.opened(demo_db) as db:
        f = ff.Filters(DEMO_END, towns=(ff.load_options(db).town_code("城关镇"),))
        want = expected(db, f, value)
    shown = metric_values(page)
    for label, text in want.items():
        assert shown[label] == text, label
    # the copied link reopens the same view
    with opened_elsewhere(page, min_metrics=len(shown)) as pg2:
        pg2.locator(f".st-key-{key}").scroll_into_view_if_needed()
        assert float(pg2.locator(f".st-key-{key} input[type='range']").get_attribute("value")) == value
        again = metric_values(pg2)
        for label, text in want.items():
            assert again[label] == text, label
