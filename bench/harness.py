"""What the tests and the benchmark both drive the app with: a real ``streamlit run``
(one process, or ``scripts/serve.sh`` with nginx in front of several), Debian's
chromium for Playwright, and AppTest runs of app.py. The tests import this
module; it imports nothing from tests/."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


# --- AppTest ---------------------------------------------------------------------------------------
@contextlib.contextmanager
def navigation_mode():
    """Make AppTest treat the app as an ``st.navigation`` app.

    AppTest resets ``PagesManager.uses_pages_directory`` before every run, and
    because our pages live in ``pages/`` (fixed by the product card) it then
    takes the legacy pages-directory route: a rerun of a page whose url_path
    equals its file name would run the page file without app.py (no filters).
    The real server keeps the navigation mode; this puts AppTest in line.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import app_test

    class NavigationPagesManager(PagesManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    original = app_test.PagesManager
    app_test.PagesManager = NavigationPagesManager
    try:
        yield
    finally:
        app_test.PagesManager = original


def clear_streamlit_caches() -> None:
    import streamlit as st

    from ui import data

    data.clear_cache()  # the call front, then Streamlit's caches
    st.cache_data.clear()
    st.cache_resource.clear()


def new_app(timeout: float = 60):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)


def shown_text(markdown: str) -> str:
    """Markdown source as read on screen: backslash escapes and the invisible word
    joiners of ``ui.filters.escape`` removed."""
    import re

    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


# --- a served app and a browser ------------------------------------------------------------------------
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
    port = free_port()
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


@contextlib.contextmanager
def opened_elsewhere(page, min_metrics: int = 0, viewport: dict | None = None):
    """The page's current link opened by someone else (a new browser context, as a
    participant who clicks the link pasted in the meeting chat), once its run finished."""
    other = page.context.browser.new_context(viewport=viewport or {"width": 1600, "height": 1100})
    try:
        pg = other.new_page()
        pg.goto(page.url)
        wait_for_app(pg, min_metrics=min_metrics)
        yield pg
    finally:
        other.close()
