"""Real browser, issue 19 items 3 and 11: every page loads with every request to
a non-local host blocked and none failing; tables offer no built-in CSV download
(it would write formula text unescaped)."""
from __future__ import annotations

import re
import urllib.request
from urllib.parse import quote, urlparse

import pytest

from tests.conftest import run_server, wait_for_app
from ui.nav import PAGES

pytestmark = pytest.mark.browser
LOCAL = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    """A server of its own: visiting every page in many tabs leaves the shared
    server's sessions behind, which slowed the next module's first page."""
    import shutil

    path = tmp_path_factory.mktemp("hardening-server") / "county.db"
    shutil.copy(demo_db, path)
    with run_server(path, path.with_name("streamlit.log")) as url:
        yield url


def test_served_html_names_no_other_host(server):
    with urllib.request.urlopen(server + "/") as r:
        html = r.read().decode("utf-8", "replace")
    hosts = {urlparse(u).hostname for u in re.findall(r'(?:src|href)\s*=\s*["\']((?:https?:)?//[^"\']+)', html)}
    assert hosts <= LOCAL, hosts


def test_every_page_loads_with_the_network_blocked(server, page):
    """Each page in its own tab (a navigation away cancels the old page's loads,
    which would show as aborted requests); failures are taken before the tab closes."""
    blocked, failed = [], []

    def route(r):
        if urlparse(r.request.url).hostname in LOCAL or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    ctx = page.context
    ctx.route("**/*", route)
    page.goto(server)
    wait_for_app(page, min_metrics=5)
    for path in PAGES:
        tab = ctx.new_page()
        seen = []
        tab.on("requestfailed", lambda req, seen=seen: seen.append((req.url, req.failure)))
        tab.goto(f"{server}/{'' if path == 'overview' else path}")
        wait_for_app(tab)
        tab.wait_for_load_state("networkidle")
        assert "This app has encountered an error" not in tab.inner_text("body"), path
        icon = tab.eval_on_selector("link[rel~='icon']", "e => e.href")
        assert urlparse(icon).hostname in LOCAL or icon.startswith("data:"), icon
        failed += [(path, *f) for f in seen]
        tab.close()
    assert blocked == [], blocked
    assert failed == [], failed


def test_tables_offer_no_builtin_csv_download(server, page):
    company = "永昌生物医药股份有限公司"   # a company with a stage history and notes
    page.goto(server)
    wait_for_app(page, min_metrics=5)
    page.goto(f"{server}/ipo?tab={quote('企业详情')}&company={quote(company)}")
    wait_for_app(page)
    frames = page.locator('[data-testid="stDataFrame"]:visible')
    frames.first.wait_for()
    assert frames.count() > 0
    frames.first.hover()
    page.wait_for_timeout(500)
    toolbar = page.locator('[data-testid="stElementToolbar"]')
    labels = [b.get_attribute("aria-label") or "" for b in toolbar.locator("button").all()]
    assert not any("download" in label.lower() or "下载" in label for label in labels), labels
