"""One computation per call tree: a figure several parts of one answer need is computed once.

An overview or a brief is built from every area's KPIs, flags, targets and missing
submissions, and the parts ask for the same things: the flag rules of an area read its
KPI row, the targets' 数据说明 and the red flags both read the missing submissions, and
a brief's sections each read the filter options. Inside :func:`once`, a function marked
:func:`shared` returns the result of its first call for equal arguments on the same
connection; outside, it is called as it always was. The memo lives only as long as the
``with`` block (one build, one database state), so it never serves an answer from
before a write. Results are handed out as they are (a KPI list, a frozen record, a
frame): a list or frame is given as a shallow copy, so a caller changing its copy does
not change what the next caller gets.

A county-wide read that every scope needs the same (the banks' indicator values behind
the 考核排名) can also be :func:`kept` between calls, per database file and data version.
"""
from __future__ import annotations

import collections
import contextlib
import contextvars
import copy
import functools
import inspect
import os
import threading

import pandas as pd

_MEMO: contextvars.ContextVar[dict | None] = contextvars.ContextVar("finance_core_reuse", default=None)
_MISSING = object()
_DEFAULT = object()   # stands in a key for an argument given as its default


@contextlib.contextmanager
def once():
    """Within the block, :func:`shared` functions compute each answer once (nests: an
    inner block shares the outer one's memo)."""
    if _MEMO.get() is not None:
        yield
        return
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def active() -> bool:
    """Whether a :func:`once` block is open in this thread."""
    return _MEMO.get() is not None


def _handed_out(value):
    if isinstance(value, pd.DataFrame):
        return value.copy(deep=False)
    if isinstance(value, list):
        return list(value)
    return value


def shared(fn):
    """Mark ``fn(db, *args, **kwargs)`` (a pure read of the database) as computed once
    per :func:`once` block for equal arguments (arguments that cannot be hashed are
    not kept: the call is made)."""
    signature = inspect.signature(fn)
    defaults = {name: p.default for name, p in signature.parameters.items() if p.default is not p.empty}

    @functools.wraps(fn)
    def wrapper(db, *args, **kwargs):
        memo = _MEMO.get()
        if memo is None:
            return fn(db, *args, **kwargs)
        bound = signature.bind(db, *args, **kwargs)   # f, th=th and f, th alike: defaults filled in
        bound.apply_defaults()
        # an argument that is its parameter's default stands in the key as _DEFAULT (a default
        # may be a dict, which cannot be hashed); the connection itself, not the id of its
        # wrapper, names the database (and the memo keeps it alive for the block)
        given = list(bound.arguments.items())[1:]
        key = (wrapper, getattr(db, "conn", db),
               tuple((name, _DEFAULT if value is defaults.get(name, _MISSING) else value) for name, value in given))
        try:
            found = memo.get(key, _MISSING)
        except TypeError:   # an unhashable argument
            return fn(db, *args, **kwargs)
        if found is _MISSING:
            found = memo[key] = fn(db, *args, **kwargs)
        return _handed_out(found)
    wrapper.shared = True
    return wrapper


# --- kept between calls: a county-wide figure, per data version ------------------------------
_KEPT: collections.OrderedDict = collections.OrderedDict()
_KEPT_LOCK = threading.Lock()
KEPT_MAX = 32


def data_version(db) -> int:
    """A number that changes whenever data is written (every
    :func:`finance_core.db.write_transaction` bumps it); the key of every cache."""
    rows = db.conn.execute("SELECT version FROM data_version WHERE id = 1").fetchall()
    return int(rows[0][0]) if rows else 0


def _file_of(db) -> str | None:
    """The main database file of ``db`` (None in memory)."""
    rows = db.conn.execute("PRAGMA database_list").fetchall()
    path = next((r[2] for r in rows if r[1] == "main"), "")
    return path or None


def _stamp(path: str) -> tuple:
    """The file's identity and last change: its inode, and size and time of change of it
    and of its write-ahead log (a commit that bypassed the data version still shows)."""
    main = os.stat(path)
    try:
        wal = os.stat(path + "-wal")
        wal_stamp = (wal.st_size, wal.st_mtime_ns)
    except FileNotFoundError:
        wal_stamp = None
    return main.st_ino, main.st_size, main.st_mtime_ns, wal_stamp


def kept(fn):
    """Mark ``fn(db, *args)`` (a county-wide read that many scopes need, and dear at
    scale) as kept for the process between calls, keyed on the database file (and the
    size and time of change of it and its write-ahead log), its data version
    (:func:`data_version`, which every write changes) and the arguments: a brief for one
    town and then for another compute it once. At most :data:`KEPT_MAX` answers are
    kept; each caller gets its own deep copy."""
    @functools.wraps(fn)
    def wrapper(db, *args):
        path = _file_of(db)
        if path is None or db.conn.in_transaction:   # in memory, or in the middle of a write
            return fn(db, *args)
        try:
            stamp = _stamp(path)
        except OSError:   # the file went (an evicted as-at snapshot): the open connection still reads it
            return fn(db, *args)
        key = (wrapper, path, *stamp, data_version(db), args)
        with _KEPT_LOCK:
            found = _KEPT.get(key, _MISSING)
            if found is not _MISSING:
                _KEPT.move_to_end(key)
        if found is _MISSING:
            found = fn(db, *args)
            with _KEPT_LOCK:
                _KEPT[key] = found
                while len(_KEPT) > KEPT_MAX:
                    _KEPT.popitem(last=False)
        return copy.deepcopy(found)
    wrapper.kept = True
    return wrapper


def forget() -> None:
    """Drop every kept answer (tests)."""
    with _KEPT_LOCK:
        _KEPT.clear()
