"""AppTest set-up shared by the tests and the benchmark."""
from __future__ import annotations

import contextlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
