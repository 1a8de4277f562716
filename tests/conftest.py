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
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from finance_core import db as fdb  # noqa: E402
from finance_core import demo  # noqa: E402
from bench.harness import (CHROMIUM, CHROMIUM_ARGS, clear_streamlit_caches, free_port, opened_elsewhere,  # noqa: E402,F401,E501
                           metric_values, navigation_mode, new_app, run_server, serve_sh, wait_for_app)

DEMO_END = "2026-10"


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
    The first run opens ``page`` directly (a deep link); later ``at.run()``
    calls rerun app.py with the page, as a browser would.
    """
    stack = contextlib.ExitStack()
    stack.enter_context(navigation_mode())

    def make(query_params: dict | None = None, page: str | None = None, db_path: Path | None = None):
        monkeypatch.setenv("FINANCE_DB", str(db_path or demo_db))
        clear_streamlit_caches()
        at = new_app()
        for key, value in (query_params or {}).items():
            at.query_params[key] = value
        if page:  # a deep link: the first run is the page itself, as in a browser
            at.switch_page(page)
        at.run()
        return at

    yield make
    clear_streamlit_caches()
    stack.close()


# --- real browser --------------------------------------------------------------
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
