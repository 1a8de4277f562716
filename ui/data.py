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

from finance_core import db as fdb
from finance_core import filters as ffilters


@st.cache_resource(show_spinner="正在准备数据库（首次运行会生成演示县数据）…")
def _ensure(path: str) -> str:
    fdb.ensure_database(path)
    return path


def database_path() -> str:
    """The app's database, built with the demo county on first start."""
    return _ensure(str(fdb.default_path()))


def data_version() -> int:
    """Read once per script run (app.py stores it in session state)."""
    with fdb.opened(database_path()) as db:
        return fdb.data_version(db)


def current_version() -> int:
    if "_data_version" not in st.session_state:
        st.session_state["_data_version"] = data_version()
    return st.session_state["_data_version"]


@st.cache_data(show_spinner=False, max_entries=2048)
def _cached(module: str, name: str, path: str, version: int, args: tuple, kwargs: tuple) -> Any:
    fn = getattr(importlib.import_module(module), name)
    with fdb.opened(path) as db:
        return fn(db, *args, **dict(kwargs))


def call(fn: Callable, *args, **kwargs) -> Any:
    """``fn(db, *args, **kwargs)``, cached until the data changes."""
    return _cached(fn.__module__, fn.__qualname__, database_path(), current_version(),
                   args, tuple(sorted(kwargs.items())))


def options() -> ffilters.FilterOptions:
    """Months, towns and banks; looked up once per script run."""
    key = ("_options", current_version())
    cached = st.session_state.get("_options")
    if cached is None or cached[0] != key:
        cached = (key, call(ffilters.load_options))
        st.session_state["_options"] = cached
    return cached[1]


def run_write(fn: Callable, *args, **kwargs) -> Any:
    """Run a writing finance_core function; the data version moves on."""
    with fdb.opened(database_path()) as db:
        result = fn(db, *args, **kwargs)
    st.session_state["_data_version"] = data_version()
    return result
