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


class Card:
    """One card as shown: a KPI card of a row (``ui.widgets.kpi_html``) or an ``st.metric``."""

    def __init__(self, label: str, value: str, delta: str = "", key: str = "", help: str = "",
                 base: str = "", flag: str = "", note: str = "", level: str = ""):
        self.label, self.value, self.delta, self.key, self.level = label, value, delta, key, level
        self.help, self.base, self.flag, self.note = help, base, flag, note

    def __repr__(self) -> str:
        return f"Card({self.label!r}, {self.value!r}, delta={self.delta!r})"


def parse_cards(body: str) -> list[Card]:
    """The KPI cards in an ``st.html`` body, read back from the HTML as a browser shows them."""
    from html.parser import HTMLParser

    cards: list[Card] = []

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.field: list[str | None] = []   # the card part each open element belongs to

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            classes = (a.get("class") or "").split()
            field = self.field[-1] if self.field else None
            if "ifm-kpi" in classes:
                cards.append(Card("", "", key=a.get("data-key") or ""))
                field = None
            for c in classes:
                if c.startswith("ifm-kpi-") and c != "ifm-kpi-chg":
                    field = c.removeprefix("ifm-kpi-")
            if "ifm-kpi-help" in classes:
                cards[-1].help = a.get("title") or ""
            if "ifm-kpi-chg" in classes:
                cards[-1].delta = a.get("data-delta") or ""
                cards[-1].level = next((c[4:] for c in classes if c.startswith("ifm-")
                                        and c != "ifm-kpi-chg"), "")
            self.field.append(field)

        def handle_endtag(self, tag):
            if self.field:
                self.field.pop()

        def handle_data(self, data):
            field = self.field[-1] if self.field else None
            if cards and field in ("label", "value", "base", "flag", "note"):
                setattr(cards[-1], field, (getattr(cards[-1], field) + data))

    Reader().feed(body)
    for c in cards:
        c.label, c.value = c.label.strip(), c.value.strip()
        c.base, c.flag, c.note = c.base.strip(), c.flag.strip(), c.note.strip()
    return cards


def cards(at) -> list[Card]:
    """Every card an AppTest run drew: the KPI rows' cards, then the ``st.metric`` cards."""
    out = [c for h in at.get("html") if "ifm-kpis" in h.proto.body for c in parse_cards(h.proto.body)]
    from streamlit.proto.Metric_pb2 import Metric

    colour = {Metric.MetricColor.GREEN: "good", Metric.MetricColor.RED: "bad", Metric.MetricColor.GRAY: "off"}
    return out + [Card(m.label, m.value, m.proto.delta, help=m.proto.help, level=colour.get(m.proto.color, ""))
                  for m in at.metric]


def card_text(at) -> str:
    """The second lines of every KPI card (thresholds breached, comparisons, missing-submission notes)."""
    return " ".join(x for c in cards(at) for x in (c.flag, c.base, c.note) if x)


def card_values(at) -> dict[str, str]:
    """Label -> shown value of every card of an AppTest run."""
    return {c.label: c.value for c in cards(at)}


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
            f"document.querySelectorAll({CARD_SELECTOR!r}).length >= {min_metrics}")
    # the status widget shows while a run is in progress; under load it may not have
    # appeared yet, but the placeholders of elements not yet sent are still there
    pg.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=60_000)
    pg.wait_for_timeout(300)


CARD_SELECTOR = '.ifm-kpi, [data-testid="stMetric"]'


def metric_values(pg) -> dict[str, str]:
    """Label -> shown value of every card on the page (KPI rows and st.metric)."""
    return pg.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.ifm-kpi')].map(c =>
        [c.querySelector('.ifm-kpi-label').firstChild.textContent.trim(),
         c.querySelector('.ifm-kpi-value').innerText.trim()]).concat(
        [...document.querySelectorAll('[data-testid="stMetric"]')].map(m =>
        [m.querySelector('[data-testid="stMetricLabel"]').innerText.trim(),
         m.querySelector('[data-testid="stMetricValue"]').innerText.trim()])))""")


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
