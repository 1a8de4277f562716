"""As-at links on screen: the pin parameter ``v``, the 固定为当前数据 control, and the
banner of a pinned view with what changed since (finance_core.versions does the work).

A link with ``v=<N>`` shows the data as at data version N on every page: every
cached read of the run goes to that version's snapshot (ui.data.read_path).
The 数据管理 page always shows the current data (imports and undo write there).
"""
from __future__ import annotations

import contextlib
import functools
import logging
import os
import sqlite3
from pathlib import Path

import streamlit as st

from finance_core import asat as fasat
from finance_core import links, versions

from . import data

log = logging.getLogger(__name__)
PAGE_KEY = "_asat_page"
NO_PIN_PAGES = ("data",)


def _bounds() -> tuple[int, int]:
    """(earliest reproducible version, current version), read once per data version."""
    live = data.live_version()
    cached = st.session_state.get("_asat_bounds")
    if cached is None or cached[0] != (data.database_path(), live):
        cached = ((data.database_path(), live), data.run(versions.bounds))
        st.session_state["_asat_bounds"] = cached
    return cached[1]


def param() -> links.Param:
    """``v``: the data version a link is pinned to (valid on every page)."""
    lo, hi = _bounds()
    # a choice, not a number: a version is exact (v=1.5 is refused, not rounded)
    return _param(lo, hi)


@functools.lru_cache(maxsize=64)
def _param(lo: int, hi: int) -> links.Param:
    return links.Param("v", "数据版本", links.CHOICE, tuple(str(v) for v in range(lo, hi + 1)), default=None)


def explain(notices: list[str]) -> list[str]:
    """A refused ``v`` says which versions a link can be pinned to."""
    lo, hi = _bounds()
    span = f"{lo}" if lo == hi else f"{lo}–{hi}"
    return [n.replace("”不存在，已忽略", f"”不是可以重现的数据版本（可用 {span}），已显示最新数据")
            if n.startswith("链接参数 v（") else n for n in notices]


def keep_on_page_switch(page: str) -> list[str] | None:
    """A page switch inside a pinned view keeps the pin (the page links carry only
    the filters): the ``v`` to write back into the URL, or None."""
    last = st.session_state.get(PAGE_KEY)
    st.session_state[PAGE_KEY] = page
    pin = data.pinned()
    if pin is not None and last is not None and last != page and "v" not in st.query_params:
        return [str(pin["version"])]
    return None


def apply(value, page: str) -> list[str]:
    """Pin this run to version ``value`` (None: the current data); notices."""
    if value is None:
        st.session_state[data.PIN_KEY] = None
        return []
    version = int(value)
    if page in NO_PIN_PAGES:
        st.session_state[data.PIN_KEY] = None
        return [f"数据管理页始终显示最新数据，链接中的数据版本 {version}（v={version}）在本页不适用。"]
    main = data.database_path()
    old = st.session_state.get(data.PIN_KEY)
    if old is not None and old["version"] == version and old.get("main") == main and Path(old["path"]).exists():
        with contextlib.suppress(OSError):
            os.utime(old["path"])      # recently used: the last to be evicted
        return []
    try:
        with st.spinner("正在准备该时点的数据（首次打开需几秒）…"):
            path, info = data.snapshot(version)
    except (ValueError, OSError, sqlite3.Error):
        log.exception("as-at snapshot of version %s failed", version)
        st.session_state[data.PIN_KEY] = None
        return [f"链接参数 v（数据版本）的值“{version}”暂时无法重现，已显示最新数据。"]
    st.session_state[data.PIN_KEY] = {"version": version, "path": str(path), "at": info["at"], "main": main}
    return []


# --- controls ---------------------------------------------------------------------------------
def _pin_now() -> None:
    version = data.live_version()
    st.query_params["v"] = str(version)


def _unpin() -> None:
    st.session_state[data.PIN_KEY] = None
    if "v" in st.query_params:
        del st.query_params["v"]


def control(page: str) -> None:
    """The sidebar's 固定为当前数据 (or, in a pinned view, what it is pinned to)."""
    if page in NO_PIN_PAGES:
        return
    pin = data.pinned()
    if pin is None:
        st.button("固定为当前数据", key="asat_pin", on_click=_pin_now, icon=":material/push_pin:",
                  help="把本页链接固定为现在的数据：以后打开这个链接，仍显示现在的数字（即使此后有补报或更正）。"
                       "固定后复制浏览器地址栏中的链接即可分享。")
    else:
        st.caption(f"本页已固定为 {versions.time_text(pin['at'])} 的数据（数据版本 {pin['version']}）")


def banner(page: str, f) -> None:
    """In a pinned view: the banner, a button to the current view, the writes since
    that change this page's figures, and the headline KPIs then and now."""
    pin = data.pinned()
    if pin is None:
        return
    version = pin["version"]
    n = len(data.call_live(versions.updates_since, version))
    with st.container(border=True, key="asat_banner"):
        text, button = st.columns([5, 1], vertical_alignment="center")
        text.markdown(f":material/history: **本链接显示 {versions.time_text(pin['at'])} 的数据；"
                      f"此后数据已更新 {n} 次**")
        button.button("查看最新数据", key="asat_unpin", on_click=_unpin, icon=":material/update:",
                      help="同一页面、同样的筛选条件，显示最新数据（不再固定）")
        if n == 0:
            st.caption("此后没有新的报送或更正，当时的数字与现在相同。")
            return
        changes = data.call_live(fasat.changes_since, version, _sources(page), f.banks, f.as_of)
        then, now = [], []
        for fn, args, pick in fasat.headline_calls(page):   # the page's own (cached) calls
            then += pick(data.call(fn, f, *args))
            now += pick(data.call_live(fn, f, *args))
        table = fasat.compare_kpis(then, now)
        left, right = st.columns([3, 2])
        with left:
            st.markdown(f"**此后影响本页的报送与更正**（{len(changes)} 项，截至{f.as_of}的数据月份）")
            if changes.empty:
                st.caption("此后的更新不涉及本页的数据范围。")
            else:
                st.dataframe(changes, hide_index=True, key="asat_changes")
        with right:
            st.markdown("**主要指标：当时与现在**")
            st.dataframe(table, hide_index=True, key="asat_kpis")


def _sources(page: str):
    sources = fasat.page_sources(page)
    return None if sources is None else tuple(sorted(sources))


def header_line() -> dict[str, str]:
    """The line an export's header sheet gets in a pinned view."""
    pin = data.pinned()
    if pin is None:
        return {}
    return {"数据版本": versions.note_text(pin["version"], pin["at"])}
