"""Connections, transactions and the default database.

A ``sqlite_utils.Database`` is bound to the thread that opened it, so callers
open one per operation with :func:`connect` (opening costs well under a
millisecond) and close it when done. Every connection has foreign keys on and
a busy timeout; the database file is switched to WAL once, when it is created
or migrated. Multi-statement writes go through :func:`write_transaction`, which
starts with ``BEGIN IMMEDIATE`` so that two writers queue instead of failing
half-way with "database is locked".
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Iterator

import sqlite_utils

from . import rollups, schema
from .reuse import data_version  # noqa: F401  (defined there: reuse keys kept answers on it)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT / "data" / "county.db"
BUSY_TIMEOUT_MS = 10_000


def default_path() -> Path:
    """The database the app uses: ``$FINANCE_DB`` or ``data/county.db``."""
    return Path(os.environ.get("FINANCE_DB") or DEFAULT_PATH)


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA synchronous = NORMAL")
    # an INSERT OR REPLACE's implicit delete fires delete triggers: the data-version
    # capture (finance_core.versions) sees the row it replaced
    conn.execute("PRAGMA recursive_triggers = ON")


def connect(path: str | os.PathLike | None = None, *, migrate: bool = True,
            shared: bool = False) -> sqlite_utils.Database:
    """Open the database at ``path`` (default: :func:`default_path`).

    With ``migrate`` the schema is brought to the latest version first. A ``shared``
    connection may be used by another thread than the one that opened it (one at a
    time: :func:`reading` hands it out).
    """
    path = Path(path) if path is not None else default_path()
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=not shared)
    _configure(conn)
    db = sqlite_utils.Database(conn)
    if migrate:
        current = schema.version(conn)
        if current < schema.LATEST:
            conn.execute("PRAGMA journal_mode = WAL")
        if current != schema.LATEST:
            try:
                schema.migrate(conn, refresh=rollups.refresh_all)  # raises on a database newer than this program
            except BaseException:
                conn.close()
                raise
    return db


@contextlib.contextmanager
def temp_beside(path: str | os.PathLike) -> Iterator[str]:
    """A fresh file name next to ``path``, for building a database there and moving
    it into place atomically (``os.replace``); whatever is left of it afterwards
    (the file, its journal, WAL, SHM) is removed."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        yield tmp
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp + suffix)


@contextlib.contextmanager
def opened(path: str | os.PathLike | None = None) -> Iterator[sqlite_utils.Database]:
    """``with opened(path) as db:`` — a connection closed on exit."""
    db = connect(path)
    try:
        yield db
    finally:
        db.close()


def changed_since(path: str | os.PathLike, version: int) -> int | None:
    """The data version of ``path`` now if it is not ``version`` (written since), else None."""
    now = current_version(path)
    return None if now == int(version) else now


_POOL: dict[str, list[tuple[int, sqlite3.Connection]]] = {}
_POOL_LOCK = threading.Lock()
POOL_SIZE = 4   # connections kept per file (page runs read one at a time per session)
POOL_FILES = 4  # files with kept connections: the live one and the as-at snapshots last read


@contextlib.contextmanager
def reading(path: str | os.PathLike) -> Iterator[sqlite_utils.Database]:
    """``with reading(path) as db:`` — a connection to READ the database at ``path``.

    It is one of the connections kept open for the file: a new connection costs about
    4 ms (SQLite parses the whole schema, the as-at capture triggers included, before
    the first statement), and a page run makes a query or more per panel. After the
    block it goes back (closed instead when a transaction is open, or when enough are
    kept). A kept connection is handed out only when it sees the file's current data
    version: a statement left unfinished would hold an older snapshot. Connections are
    kept for the :data:`POOL_FILES` files read last; an as-at snapshot that is evicted has its
    connections closed (:func:`close_kept`), so its disk space is freed. (Replace the live
    database only while the app is stopped: SQLite's WAL files belong to the path; a file
    at the same path with another inode gets new connections, which is what tests do.)
    """
    path = str(path)
    inode = os.stat(path).st_ino
    conn = None
    with _POOL_LOCK:
        kept = _POOL.pop(path, [])
        _POOL[path] = kept   # the most recently read file last
        while len(_POOL) > POOL_FILES:
            for _, c in _POOL.pop(next(iter(_POOL))):
                c.close()
        while kept and conn is None:
            ino, c = kept.pop()
            if ino == inode:
                conn = c
            else:
                c.close()
    if conn is not None and data_version(sqlite_utils.Database(conn)) != current_version(path):
        conn.close()
        conn = None
    if conn is None:
        conn = connect(path, shared=True).conn
    try:
        yield sqlite_utils.Database(conn)
    finally:
        keep = not conn.in_transaction
        if keep:
            with _POOL_LOCK:
                kept = _POOL.get(path)
                keep = kept is not None and len(kept) < POOL_SIZE
                if keep:
                    kept.append((inode, conn))
        if not keep:
            conn.close()


def close_kept(path: str | os.PathLike | None = None) -> None:
    """Close the kept connections of ``path`` (a snapshot being deleted), or of every
    file (tests, and the benchmark's cold runs). Connections in use stay open and are
    closed when given back to a file no longer kept."""
    paths = None if path is None else {str(path)}
    with _POOL_LOCK:
        for p in [p for p in _POOL if paths is None or p in paths]:
            for _, c in _POOL.pop(p):
                c.close()
    with _VERSION_LOCK:
        for p in [p for p in _VERSION_READERS if paths is None or p in paths]:
            _VERSION_READERS.pop(p)[1].close()


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One atomic write: ``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on error.

    Bumps ``data_version`` so that cached reads of every session see the change.
    Nested use joins the outer transaction.
    """
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        # bumped first: every row the write changes is captured under the version
        # it produces (finance_core.versions); readers see the bump only on commit
        conn.execute("UPDATE data_version SET version = version + 1 WHERE id = 1")
        yield db
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise




_VERSION_READERS: dict[str, tuple[int, sqlite3.Connection]] = {}
_VERSION_LOCK = threading.Lock()


def current_version(path: str | os.PathLike) -> int:
    """:func:`data_version` of the (migrated) database at ``path``, read on one connection
    per file kept open for the process: every page run reads it, and opening a connection
    costs about 4 ms (pragmas, the schema check, the WAL index) where the read costs 0.02.
    The connection holds no transaction between reads (each read is exhausted), so it sees
    every commit; a file replaced by another (a new inode) is opened anew, and a
    snapshot's reader is closed when the snapshot is evicted (:func:`close_kept`)."""
    path = str(path)
    with _VERSION_LOCK:
        inode = os.stat(path).st_ino
        held = _VERSION_READERS.get(path)
        if held is None or held[0] != inode:
            if held is not None:
                held[1].close()
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            held = _VERSION_READERS[path] = (inode, conn)
        return data_version(sqlite_utils.Database(held[1]))
