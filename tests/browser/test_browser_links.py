"""Share links in a real browser: Back/Forward walk the views the user saw (no
phantom entries), a wrong page path opens the overview with a Chinese notice,
and markup in a link never renders (no image fetched, no link drawn)."""
from urllib.parse import parse_qs, quote, unquote, urlparse

import pytest
from playwright.sync_api import expect

from tests.conftest import wait_for_app

pytestmark = pytest.mark.browser


def query(pg) -> dict[str, list[str]]:
    return parse_qs(urlparse(pg.url).query)


def path(pg) -> str:
    return unquote(urlparse(pg.url).path)


def history_length(pg) -> int:
    return pg.evaluate("window.history.length")


def segmented(pg, label: str):
    return pg.locator('[data-testid="stButtonGroup"] button', has_text=label).first


def test_back_and_forward_walk_the_views_the_user_saw(server, page):
    page.goto(f"{server}/credit-villages?town={quote('城关镇')}")
    wait_for_app(page, min_metrics=3)
    start = history_length(page)
    assert query(page) == {"town": ["城关镇"]}

    segmented(page, "用信金额").click()
    wait_for_app(page)
    assert query(page)["rank_by"] == ["用信金额"]
    page.get_by_text("只看预警村").click()
    wait_for_app(page)
    assert query(page)["flagged"] == ["true"]
    assert history_length(page) == start + 2  # one entry per change, none in between

    page.go_back()
    wait_for_app(page)
    assert query(page) == {"town": ["城关镇"], "rank_by": ["用信金额"]}
    expect(page.get_by_role("switch", name="只看预警村")).not_to_be_checked()  # the rerun follows the URL
    page.go_back()
    wait_for_app(page)
    assert query(page) == {"town": ["城关镇"]} and path(page) == "/credit-villages"
    expect(segmented(page, "授信金额")).to_have_attribute("aria-checked", "true")
    assert "信用村" in page.inner_text("h1")
    page.go_forward()
    wait_for_app(page)
    assert query(page) == {"town": ["城关镇"], "rank_by": ["用信金额"]}
    expect(segmented(page, "用信金额")).to_have_attribute("aria-checked", "true")

    # switching pages adds one entry; Back returns to the view that was on screen
    before = history_length(page)
    page.locator('[data-testid="stSidebar"] a', has_text="小额信贷").first.click()   # the menu (st.page_link)
    wait_for_app(page, min_metrics=3)
    assert path(page) == "/microloans" and query(page) == {"town": ["城关镇"]}
    assert history_length(page) == before  # Forward history was dropped, one entry added in its place
    page.go_back()
    wait_for_app(page, min_metrics=3)
    assert path(page) == "/credit-villages"
    assert query(page) == {"town": ["城关镇"], "rank_by": ["用信金额"]}
    expect(page.locator("h1").first).to_contain_text("信用村")
    expect(segmented(page, "用信金额")).to_have_attribute("aria-checked", "true")


def test_a_link_with_corrected_values_adds_no_history_entry(server, page):
    page.goto(f"{server}/credit-villages?town=%20{quote('城关镇')}&flagged=TRUE&Town=x")
    wait_for_app(page, min_metrics=3)
    start = history_length(page)
    assert query(page) == {"town": ["城关镇"], "flagged": ["true"]}
    assert page.get_by_role("switch", name="只看预警村").is_checked()
    body = page.inner_text("body")
    assert "Town" in body and "应为 town" in body
    page.go_back()  # straight out of the app: the corrected URL replaced the pasted one
    assert not page.url.startswith(server + "/credit-villages") or history_length(page) == start


def test_wrong_page_path_opens_the_overview_with_filters_kept(server, page):
    page.goto(f"{server}/Microloans?town={quote('高峰乡')}")
    wait_for_app(page, min_metrics=3)
    body = page.inner_text("body")
    assert "Page not found" not in body and "does not exist" not in body
    assert "/Microloans 不存在" in body and "小额信贷" in body
    assert "总览" in page.inner_text("h1")
    assert query(page) == {"town": ["高峰乡"]}
    assert "高峰乡" in page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.inner_text()


def test_markup_in_a_link_does_not_render(server, page):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    pixel = f"{server}/app/static/pixel.png"
    page.goto(f"{server}/?town={quote(f'![x]({pixel})')}&bank={quote('[请点此重新登录](http://x.test)')}"
              f"&as_of={quote(':red[**紧急**] $x^2$')}")
    wait_for_app(page, min_metrics=3)
    alert = page.locator('[data-testid="stAlert"]').first
    text = alert.inner_text().replace("\u2060", "")
    assert "![x](http://127.0.0.1:" in text and "[请点此重新登录](http://x.test)" in text and ":red[**紧急**]" in text
    assert alert.locator("img, a, .katex, [style*='color']").count() == 0
    assert not [u for u in requests if urlparse(u).path.endswith("pixel.png")]
