"""Real browser: a town change swaps the new rows into the charts already drawn.

The browser builds a chart anew (Vega parses and compiles its spec and draws it
from nothing) only when the spec it receives changed; the town ranking listed the
towns in the spec (its sort order), so every town change rebuilt it. Now its order
is a column of its data (ui/widgets.row_order): after a town change the ranking
and the trend are the same drawings (Vega's SVG), redrawn with the new towns' data."""
from urllib.parse import urlencode

import pytest

from tests.conftest import wait_for_app

pytestmark = pytest.mark.browser

DRAWINGS = "() => [...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"] svg.marks')]"


def test_a_town_change_redraws_the_same_chart_drawings(server, page):
    page.goto(f"{server}/credit-villages?{urlencode({'town': '城关镇'})}")
    wait_for_app(page, min_metrics=10)
    page.wait_for_function(f"({DRAWINGS})().length >= 2")
    before = page.evaluate(f"""() => ({DRAWINGS})().map((c, i) => {{
        c.dataset.ifmKept = String(i); return c.outerHTML; }})""")
    box = page.locator(".st-key-town input")
    box.click()
    box.fill("梅岭镇")
    box.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_selector('.st-key-town [data-tag][aria-label="梅岭镇"]')
    wait_for_app(page, min_metrics=10)
    page.wait_for_function(f"({DRAWINGS})().some(d => d.outerHTML.includes('梅岭镇'))")
    page.wait_for_timeout(300)
    after = page.evaluate(f"""() => ({DRAWINGS})().map(c => [c.dataset.ifmKept ?? null, c.outerHTML])""")
    assert [kept for kept, _ in after] == [str(i) for i in range(len(before))], "a chart was built anew"
    # the kept drawings show the new data: two towns' bars and sums, not one town's
    assert all(drawn != old for (_, drawn), old in zip(after, before))
    assert "梅岭镇" in after[1][1] and "梅岭镇" not in before[1]   # the ranking's bars
