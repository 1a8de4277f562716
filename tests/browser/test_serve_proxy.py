"""scripts/serve.sh: two workers behind nginx, new browsers spread over them in
turn and each kept on its worker by a cookie, websockets upgraded, one database; a share link opened through the proxy shows the same
numbers as finance_core computes."""
import re
import shutil
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from finance_core import db as fdb
from finance_core import filters as ff
from finance_core import guarantees as g
from tests.conftest import free_port, metric_values, serve_sh, wait_for_app

pytestmark = pytest.mark.browser

LINK = [("as_of", "2026-06"), ("town", "城关镇"), ("product", "链担通—黄牛贷")]


@pytest.fixture(scope="module")
def proxy(demo_db, tmp_path_factory):
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        pytest.fail("nginx is missing: run the README's test command (it installs it)")
    run_dir = tmp_path_factory.mktemp("serve")
    port = free_port(span=3)
    with serve_sh(demo_db, 2, port, run_dir) as url:
        yield url, run_dir, port


def routes(run_dir: Path) -> list[tuple[str, str, str]]:
    """(affinity cookie, upstream, uri) of every proxied request so far."""
    lines = (run_dir / "nginx-route.log").read_text().splitlines()
    return [tuple(line.split(" ", 2)) for line in lines if line.count(" ") >= 2]


def first_visit(url: str, cookie: str | None = None) -> str | None:
    """The ifm_route cookie nginx sets on a request (None: it sets none)."""
    req = urllib.request.Request(url + "/_stcore/health", headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(req) as r:
        assert r.read().strip() == b"ok"
        set_ = [c for c in r.headers.get_all("Set-Cookie") or [] if c.startswith("ifm_route=")]
    assert len(set_) <= 1
    if set_:
        assert re.fullmatch(r"ifm_route=w[12]; Path=/; HttpOnly; SameSite=Lax", set_[0]), set_
        return set_[0].split(";")[0]
    return None


def test_new_browsers_are_spread_evenly_and_each_sticks_to_its_worker(proxy):
    url, run_dir, port = proxy
    names = {"w1": f"127.0.0.1:{port + 1}", "w2": f"127.0.0.1:{port + 2}"}
    # twelve first visits (no cookie) in a row: each is given a worker's name, six each
    cookies = [first_visit(url) for _ in range(12)]
    assert sorted(cookies) == ["ifm_route=w1"] * 6 + ["ifm_route=w2"] * 6, cookies
    # a browser that has one is not given another, and every request reaches its worker
    for _ in range(3):
        for cookie in cookies:
            assert first_visit(url, cookie) is None
    for cookie, upstream, _ in routes(run_dir):
        if cookie in names:
            assert upstream == names[cookie], (cookie, upstream)
    # a cookie naming no worker (stale, or made up: never an address to proxy to) is a first visit
    for stale in ("ifm_route=0f3a9c", f"ifm_route=127.0.0.1:{port + 1}", "ifm_route=example.com:80"):
        assert first_visit(url, stale) in ("ifm_route=w1", "ifm_route=w2")
    assert {up for _, up, _ in routes(run_dir)} <= set(names.values())


def test_share_link_through_the_proxy(proxy, page, demo_db):
    url, run_dir, _ = proxy
    with fdb.opened(demo_db) as db:
        opts = ff.load_options(db)
        f = ff.Filters("2026-06", towns=(opts.town_code("城关镇"),))
        expected = {k.label: k.text() for k in g.kpis(db, f, ("HND",))}
    page.goto(f"{url}/guarantees?{urlencode(LINK)}")
    wait_for_app(page, min_metrics=len(expected))
    shown = metric_values(page)
    for label, value in expected.items():
        assert shown[label] == value, label
    # the page's websocket went through the proxy, upgraded, to the worker of its cookie
    (cookie,) = [c["value"] for c in page.context.cookies() if c["name"] == "ifm_route"]
    page.goto("about:blank")  # nginx logs a websocket when it closes
    page.wait_for_timeout(1000)
    streams = {up for key, up, uri in routes(run_dir) if key == cookie and uri.startswith("/_stcore/stream")}
    assert len(streams) == 1, streams


def test_the_load_test_gets_its_cookie_as_a_browser_does(proxy):
    """bench/loadtest.py asks for the page first and opens its websocket with the
    cookie it got: thirty of its participants are split over the workers as thirty
    browsers are."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from bench import loadtest

    url, _, _ = proxy
    # in a thread of its own: the browser tests' Playwright keeps an event loop on this one
    with ThreadPoolExecutor(1) as pool:
        got = [pool.submit(asyncio.run, loadtest.first_visit(url, 10)).result() for _ in range(4)]
    assert sorted(got) == ["ifm_route=w1", "ifm_route=w1", "ifm_route=w2", "ifm_route=w2"], got
