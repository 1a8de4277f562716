"""Streamlit helpers shared by the pages: data access with caching, the shared
filter bar, KPI rows, tables and export buttons. With app.py and pages/, the
only code that imports streamlit."""
import streamlit as _st
from streamlit.runtime.pages_manager import PagesManager as _PagesManager

# Nothing heavy is imported here: app.py reads ui.nav and calls st.navigation
# before pandas, Altair and the database are loaded, so a first visitor sees the
# Chinese navigation at once (Altair's per-rerun schema check is switched off
# in ui.widgets).


def _leave_legacy_pages_mode() -> None:
    """Run every page through app.py, also on a fresh server's first deep link.

    Our pages live in ``pages/`` (fixed by the product card). Until the first
    ``st.navigation`` call in the process, Streamlit 1.67 treats such an app as
    a legacy pages-folder app and runs a deep-linked page file (``/ipo?...``)
    without app.py, so the shared filters are missing. A page imports ``ui``
    first; if that happens in legacy mode, switch the process to navigation
    mode (what ``st.navigation`` itself does) and rerun the same page — this
    time through app.py, with the URL's parameters intact.
    """
    if _PagesManager.uses_pages_directory:
        _PagesManager.uses_pages_directory = False
        _st.rerun()


_leave_legacy_pages_mode()
