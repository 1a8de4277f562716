"""scripts/serve.sh: two workers behind nginx, sticky by cookie, websockets
upgraded, one database; a share link opened through the proxy shows the same
numbers as finance_core computes."""
import re
import shutil
import urllib.request
import uuid
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


def test_each_browser_sticks_to_one_worker_and_both_are_used(proxy):
    url, run_dir, port = proxy
    workers = {f"127.0.0.1:{port + 1}", f"127.0.0.1:{port + 2}"}
    # a first visit without the cookie gets one from nginx
    with urllib.request.urlopen(url + "/") as r:
        (cookie,) = [c for c in r.headers.get_all("Set-Cookie") or [] if c.startswith("ifm_route=")]
    assert re.match(r"ifm_route=\w+; Path=/", cookie), cookie
    # a browser that has it is not given another
    req = urllib.request.Request(url + "/_stcore/health", headers={"Cookie": cookie.split(";")[0]})
    with urllib.request.urlopen(req) as r:
        assert not [c for c in r.headers.get_all("Set-Cookie") or [] if c.startswith("ifm_route=")]
    keys = [uuid.uuid4().hex for _ in range(12)]
    for _ in range(3):
        for key in keys:
            req = urllib.request.Request(url + f"/_stcore/health?k={key}", headers={"Cookie": f"ifm_route={key}"})
            with urllib.request.urlopen(req) as r:
                assert r.read().strip() == b"ok"
    seen = {}
    for key, upstream, uri in routes(run_dir):
        if key in keys:
            seen.setdefault(key, set()).add(upstream)
    assert all(len(ups) == 1 for ups in seen.values()), seen  # sticky
    assert set().union(*seen.values()) == workers  # 12 browsers spread over both workers


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
