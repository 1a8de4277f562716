"""The pages of the app: stable url paths (a public contract), Chinese titles;
what a wrong path shows, and browser history that follows what the user saw."""
from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from finance_core import areas
from finance_core.area import REPORTING

APP_TITLE = "普惠金融监测"
# the page icon (favicon) as inline SVG: served as a data URL, so no request leaves the
# server (a material icon is fetched from a Google host) and no image file is kept in git
PAGE_ICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
             '<rect width="32" height="32" rx="6" fill="#B71C1C"/>'
             '<path d="M16 5 L27 11 H5 Z" fill="#fff"/>'
             '<rect x="7" y="13" width="3" height="10" fill="#fff"/><rect x="12.3" y="13" width="3" height="10" fill="#fff"/>'
             '<rect x="16.7" y="13" width="3" height="10" fill="#fff"/><rect x="22" y="13" width="3" height="10" fill="#fff"/>'
             '<rect x="5" y="24" width="22" height="3" fill="#fff"/></svg>')

# url_path -> (file, title, icon). The first is the default page at "/"; the area
# pages come from the registry (finance_core.areas), in its order.
_AREA_ICONS = {"credit-villages": ":material/handshake:", "microloans": ":material/savings:",
               "guarantees": ":material/verified_user:", "ipo": ":material/trending_up:"}
PAGES: dict[str, tuple[str, str, str]] = {
    "overview": ("pages/overview.py", "总览", ":material/dashboard:"),
    **{a.key: (f"pages/{a.key}.py", a.title, _AREA_ICONS.get(a.key, ":material/analytics:"))
       for a in areas.ALL if a.page},
    "briefing": ("pages/briefing.py", "调度简报", ":material/summarize:"),
    "data": ("pages/data.py", "数据管理", ":material/database:"),
}
# areas without a page of their own, and the missing-submission flags: where they are explained
_AREA_PAGE = {"indicators": "briefing", REPORTING: "data"}


def st_pages() -> list:
    """The ``st.Page`` of every page for ``st.navigation`` (the first is "/").

    Links inside pages use these objects (:func:`link_target`): given a file
    path instead, ``st.page_link`` resolves it on disk (realpath) on every call."""
    pages = [
        # no material icons: a page's icon becomes the tab's favicon, fetched from a Google host
        st.Page(file, title=title, url_path=path, default=(i == 0))
        for i, (path, (file, title, _icon)) in enumerate(PAGES.items())
    ]
    _BY_PATH.update(zip(PAGES, pages))
    return pages


_BY_PATH: dict = {}


def link_target(path: str):
    """What ``st.page_link`` takes for the page at url path ``path``: its
    ``st.Page`` once app.py registered the navigation, else its file."""
    return _BY_PATH.get(path) or PAGES[path][0]


def area_page(key: str) -> str | None:
    """The url path of the page that explains an area's figures and flags."""
    page = _AREA_PAGE.get(key, key)
    return page if page in PAGES else None


def path_notice(name: str) -> str | None:
    """The notice for a requested page path that does not exist (``None`` if it does)."""
    if not name or name in PAGES:
        return None
    guess = name.strip("/").lower().replace("_", "-").replace(" ", "-")
    hint = f"；您要打开的可能是“{PAGES[guess][1]}”（/{guess}，页面地址须为小写）" if guess in PAGES else ""
    return f"链接中的页面 /{name} 不存在，已打开总览，筛选条件保持不变{hint}。"


def resolve_wrong_path() -> str | None:
    """Before ``st.navigation``: turn a request for an unknown page path into a
    request for the overview (instead of Streamlit's English "Page not found"
    dialog) and return the notice saying so."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    pm = ctx.pages_manager
    if pm.intended_page_script_hash:
        return None
    notice = path_notice(pm.intended_page_name or "")
    if notice:
        pm.set_script_intent("", "")
    return notice


# Streamlit writes a widget change into the URL with history.replaceState (so Back
# leaves the app) and a page switch as two pushState calls (the first a view never
# shown). Rule applied here: a URL change right after a click or key press adds one
# history entry; any other URL change (the server correcting a link, the second
# half of a page switch, a Back/Forward rerun) replaces the current entry.
_HISTORY_JS = """<script>
(function () {
  var w = window, h = w.history;
  if (w.__financeHistory) { return; }
  w.__financeHistory = true;
  var push = h.pushState.bind(h), replace = h.replaceState.bind(h), acted = false;
  ["pointerdown", "keydown"].forEach(function (e) {
    w.document.addEventListener(e, function () { acted = true; }, true);
  });
  w.addEventListener("popstate", function () { acted = false; }, true);
  function changes(url) {
    if (url === undefined || url === null) { return false; }
    var u = new URL(url, w.location.href);
    return u.pathname + u.search !== w.location.pathname + w.location.search;
  }
  function write(state, title, url) {
    if (acted && changes(url)) { acted = false; return push(state, title, url); }
    return replace(state, title, url);
  }
  h.pushState = write;
  h.replaceState = write;
})();
</script>"""


def install_history() -> None:
    """Add the history rule above to the page (fixed code, no user input)."""
    st.html(_HISTORY_JS, unsafe_allow_javascript=True, width="content")
