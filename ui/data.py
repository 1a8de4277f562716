"""Cached calls into finance_core.

``call(fn, filters, ...)`` runs a finance_core function on a fresh connection
and caches the result keyed on the function, its (validated, hashable)
arguments, the database file and its ``data_version``. Any write bumps
``data_version``, so every session sees new data on its next rerun without
clearing caches by hand.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable

import streamlit as st

from finance_core import asat as fasat
from finance_core import db as fdb
from finance_core import demo
from finance_core import filters as ffilters
from finance_core import versions

from . import memo


@st.cache_resource(show_spinner="正在准备数据库（首次运行会生成演示县数据）…")
def _ensure(path: str) -> str:
    demo.ensure_database(path)
    return path


def database_path() -> str:
    """The app's database, built with the demo county on first start."""
    path = str(fdb.default_path())
    if path not in _READY:   # st.cache_resource hashes its argument on every call
        _READY.add(_ensure(path))
    return path


_READY: set[str] = set()


def data_version() -> int:
    """Read once per script run (app.py stores it in session state)."""
    return fdb.current_version(database_path())


def current_version() -> int:
    """The version the cached reads are keyed on: the pinned one in a pinned view."""
    pin = pinned()
    if pin is not None:
        return pin["version"]
    return live_version()


def live_version() -> int:
    if "_data_version" not in st.session_state:
        st.session_state["_data_version"] = data_version()
    return st.session_state["_data_version"]


# --- as-at (pinned) views: reads go to the snapshot of the pinned version ----------------
PIN_KEY = "_asat_pin"


def pinned() -> dict | None:
    """{version, path, at} when this run shows the data as at a pinned version."""
    return st.session_state.get(PIN_KEY)


def read_path() -> str:
    """The database this run reads: the pinned version's snapshot, or the live file."""
    pin = pinned()
    return pin["path"] if pin is not None else database_path()


def pin_params() -> dict:
    """{"v": N} for links that keep the pin ({} when not pinned)."""
    pin = pinned()
    return {"v": pin["version"]} if pin is not None else {}


def call_live(fn: Callable, *args, **kwargs) -> Any:
    """``fn`` on the current data even in a pinned view (the banner's "now")."""
    key = (fn.__module__, fn.__qualname__, database_path(), live_version(), args, tuple(sorted(kwargs.items())))
    return _call_key(key)


@st.cache_data(show_spinner=False, max_entries=2048)
def _cached(module: str, name: str, path: str, version: int, args: tuple, kwargs: tuple) -> Any:
    fn = getattr(importlib.import_module(module), name)
    with fdb.reading(path) as db:   # finance_core reads only: a kept connection
        return fn(db, *args, **dict(kwargs))


# A front for _cached, keyed by the arguments' own (Python) hash: Streamlit's
# cache hashes every argument with its own hasher on each call, which costs
# 1-2 ms a call and a page makes about fifteen per run. Values are kept pickled
# and every hit returns a fresh copy, as st.cache_data does. Arguments that are
# not hashable (dicts) go straight to _cached.
FRONT = memo.Memo(max_bytes=128 * 2**20)


def call(fn: Callable, *args, **kwargs) -> Any:
    """``fn(db, *args, **kwargs)``, cached until the data changes (a county-wide function
    once for every town: finance_core.filters.county_wide)."""
    key = (fn.__module__, fn.__qualname__, read_path(), current_version(),
           ffilters.cache_args(fn, args), tuple(sorted(kwargs.items())))
    return _call_key(key)


def _call_key(key: tuple) -> Any:
    try:
        hash(key)
    except TypeError:
        return _cached(*key)
    return FRONT.value(key, lambda: _cached(*key))


def clear_cache() -> None:
    """Forget every cached call and drawn table or chart (with
    ``st.cache_data.clear()``: what tests and the benchmark's cold runs use)."""
    memo.clear_all()
    fdb.close_kept()
    _READY.clear()
    _cached.clear()


def options() -> ffilters.FilterOptions:
    """Months, towns and banks; looked up once per script run."""
    key = ("_options", read_path(), current_version())
    cached = st.session_state.get("_options")
    if cached is None or cached[0] != key:
        cached = (key, call(ffilters.load_options))
        st.session_state["_options"] = cached
    return cached[1]


def run(fn: Callable, *args, path: str | None = None, **kwargs) -> Any:
    """Run a finance_core function on a fresh connection, uncached (a preview, a
    sign-in, a download built on demand). ``path``: another database file."""
    with fdb.opened(path or database_path()) as db:
        return fn(db, *args, **kwargs)


def later(fn: Callable, *args) -> Callable[[], Any]:
    """``fn(db, *args)`` as a thunk to run when needed (a download's data; a pinned
    view's files are as at its version too)."""
    path = read_path()
    return lambda: run(fn, *args, path=path)


def changed_note() -> Callable[[], dict[str, str]]:
    """For a file made on a later click: a header line when the data changed after the page
    was drawn (its tables made on the click are of the newer version, the rest of the page's)."""
    path, seen = read_path(), current_version()

    def note() -> dict[str, str]:
        now = fdb.changed_since(path, seen)
        return {} if now is None else {
            "注意": f"页面显示后数据已更新（页面为数据版本 {seen}，下载时为版本 {now}），请刷新页面后重新下载"}
    return note


def snapshot(version: int) -> tuple[str, dict]:
    """(path, {version, at}) of the snapshot of the data as at ``version``, built
    on first use (finance_core.asat); ValueError when it cannot be reproduced."""
    path = str(fasat.snapshot(database_path(), version))
    return path, run(versions.snapshot_info, path=path) or {"version": version, "at": None}


def run_write(fn: Callable, *args, **kwargs) -> Any:
    """Run a writing finance_core function; the data version moves on."""
    with fdb.opened(database_path()) as db:
        result = fn(db, *args, **kwargs)
    st.session_state["_data_version"] = data_version()
    return result
