"""Shared fixtures.

- ``demo_db``: the demo county at scale 1 ending 2026-10, built once per run
  (read-only: tests that write use ``writable_db``).
- ``empty_db``: a migrated, empty database for hand-built fixtures.
- ``app``: a factory of AppTest runs of app.py against a database, with the
  Streamlit caches cleared first.
- ``server`` / ``page``: a real ``streamlit run`` on a free port and a
  Playwright page in Debian's chromium (marker ``browser``).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from finance_core import db as fdb  # noqa: E402
from finance_core import demo  # noqa: E402
from tests.apptest_support import clear_streamlit_caches, navigation_mode, new_app  # noqa: E402,F401

DEMO_END = "2026-10"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "county.db"
    demo.build(path, scale=1, end=DEMO_END)
    return path


@pytest.fixture
def db(demo_db):
    """A connection to the shared demo database (do not write to it)."""
    with fdb.opened(demo_db) as d:
        yield d


@pytest.fixture
def writable_db(tmp_path, demo_db) -> Path:
    """A private copy of the demo database, for tests that write."""
    path = tmp_path / "county.db"
    shutil.copy(demo_db, path)
    return path


@pytest.fixture
def empty_db(tmp_path):
    """A migrated, empty database at ``tmp_path / 'fixture.db'``."""
    d = fdb.connect(tmp_path / "fixture.db")
    yield d
    d.close()


@pytest.fixture
def app(monkeypatch, demo_db):
    """``app(query_params=None, page=None, db_path=None)`` -> a finished AppTest.

    ``page`` is a page file relative to the repo (``"pages/overview.py"``).
    Later ``at.run()`` calls rerun app.py with the page, as a browser would.
    """
    stack = contextlib.ExitStack()
    stack.enter_context(navigation_mode())

    def make(query_params: dict | None = None, page: str | None = None, db_path: Path | None = None):
        monkeypatch.setenv("FINANCE_DB", str(db_path or demo_db))
        clear_streamlit_caches()
        at = new_app()
        for key, value in (query_params or {}).items():
            at.query_params[key] = value
        at.run()
        if page:
            at.switch_page(page)
            at.run()
        return at

    yield make
    clear_streamlit_caches()
    stack.close()


# --- real browser --------------------------------------------------------------
def free_port(span: int = 1) -> int:
    """A free port; with ``span`` > 1, one whose next ``span - 1`` ports are free too."""
    while True:
        with contextlib.closing(socket.socket()) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + span < 65536 and all(_is_free(port + i) for i in range(1, span)):
            return port


def _is_free(port: int) -> bool:
    with contextlib.closing(socket.socket()) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


_free_port = free_port


def _wait_healthy(url: str, proc: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            raise RuntimeError("server did not start:\n" + Path(log_path).read_text())
        time.sleep(0.3)


@contextlib.contextmanager
def run_server(db_path: Path, log_path: Path, script: str = "app.py"):
    port = _free_port()
    env = dict(os.environ, FINANCE_DB=str(db_path))
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc, log_path)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextlib.contextmanager
def serve_sh(db_path: Path, workers: int, port: int, run_dir: Path, script: str = "app.py"):
    """``scripts/serve.sh --workers N`` (nginx in front of N workers) on ``port``;
    yields the proxy's base URL. The workers listen on ``port + 1 ..``."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, FINANCE_DB=str(db_path))
    log_path = run_dir / "serve.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            ["bash", "scripts/serve.sh", "--workers", str(workers), "--port", str(port),
             "--host", "127.0.0.1", "--run-dir", str(run_dir), "--script", script],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc, log_path, timeout=120)
            yield url
        finally:
            proc.terminate()  # serve.sh stops nginx and its workers on SIGTERM
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)


@pytest.fixture(scope="session")
def server(demo_db, tmp_path_factory):
    """Base URL of the app served on the shared demo database."""
    with run_server(demo_db, tmp_path_factory.mktemp("server") / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run the README's test command (it installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1600, "height": 1100}, accept_downloads=True,
                              locale="zh-CN")
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    ctx.close()


def wait_for_app(pg, min_metrics: int = 0) -> None:
    """Wait until the Streamlit script finished its run."""
    pg.wait_for_selector('[data-testid="stApp"]')
    if min_metrics:
        pg.wait_for_function(
            f"document.querySelectorAll('[data-testid=\"stMetric\"]').length >= {min_metrics}")
    # the status widget shows while a run is in progress; under load it may not have
    # appeared yet, but the placeholders of elements not yet sent are still there
    pg.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=60_000)
    pg.wait_for_timeout(300)


def metric_values(pg) -> dict[str, str]:
    """Label -> shown value of every st.metric on the page."""
    out = {}
    for m in pg.query_selector_all('[data-testid="stMetric"]'):
        label = m.query_selector('[data-testid="stMetricLabel"]').inner_text().strip()
        out[label] = m.query_selector('[data-testid="stMetricValue"]').inner_text().strip()
    return out
