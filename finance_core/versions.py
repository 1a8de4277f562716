"""Data versions and as-at snapshots: every figure as it was at any past version.

Versions. ``data_version.version`` moves on with every write
(:func:`finance_core.db.write_transaction` bumps it when the write starts, so
everything the write changes belongs to the version it produces). Capture
triggers on every data table record each row change in ``asat_changes`` with
that version: an insert by its key, an update or delete with the old row (a
JSON object of column -> value). Many new rows of a keyed table written in one
statement (an import's new month) are logged as one bulk entry instead
(:func:`insert_many`, op ``B``: the JSON list of their keys). ``asat_versions`` keeps the time each version
was reached. The roll-up tables are not captured: they are recomputed from the
ledgers in a snapshot (a refresh rewrites whole roll-up tables, which would
cost far more log than the import itself).

Snapshots (built by :mod:`finance_core.asat`). The data as at version ``v`` is
the current database with every captured change of a later version undone,
newest first. ``asat.snapshot`` builds that once per version into ``<db dir>/asat/<db>-v<N>-s<schema>.sqlite``
(SQLite online backup of the current file, the reversal, a refresh of the
roll-ups the reversal touched), marks it read-only and keeps at most
``MAX_SNAPSHOTS`` files (least recently used evicted). A pinned view then reads
that file like the live one: the same queries, the same roll-ups, so an as-at
read costs what a current read costs.

This module is the low level (the capture, the version log, the snapshot files);
it imports no other module of the project, so the schema's migrations can use it.
Nothing here imports streamlit.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
from pathlib import Path

import sqlite_utils

# tables never captured: bookkeeping, accounts, and the roll-ups (recomputed in a snapshot)
META_TABLES = frozenset({"data_version", "asat_changes", "asat_versions", "asat_snapshot", "users"})
ROLLUP_TABLES = frozenset({
    "credit_monthly", "microloan_monthly", "microloan_first_loans", "microloan_household_years",
    "microloan_disbursed_monthly", "household_counts", "guarantee_monthly", "guarantee_company_monthly",
    "bank_monthly",
})
# logs: captured (a snapshot is the log as it was too) but a change to them alone is no data update
LOG_TABLES = frozenset({"audit_log", "import_log", "import_changes"})
# reference tables every area's roll-ups join: a change to one refreshes every area
REFERENCE_TABLES = frozenset({"towns", "villages", "banks", "households", "guarantee_products", "guarantors"})
TRIGGER_PREFIX = "asat_cap_"
# from this many new rows of a WITHOUT ROWID table on, one bulk log entry instead of one per row
BULK_MIN_ROWS = 1000
MAX_SNAPSHOTS = int(os.environ.get("FINANCE_ASAT_KEEP") or 8)
MAX_SNAPSHOT_BYTES = int(float(os.environ.get("FINANCE_ASAT_MAX_MB") or 4096) * 2**20)
_VERSION_SQL = "(SELECT version FROM data_version WHERE id = 1)"



# --- capture triggers -------------------------------------------------------------------
def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def has_versions(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'asat_changes'").fetchone() \
        is not None


def _captured_tables(conn: sqlite3.Connection) -> list[str]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return [n for n in names if n not in META_TABLES and n not in ROLLUP_TABLES]


def layout(conn: sqlite3.Connection, table: str) -> tuple[list[str], list[str], bool]:
    """(columns, key columns, has rowid). A rowid table is keyed by its rowid."""
    info = conn.execute(f"PRAGMA table_info({q(table)})").fetchall()
    cols = [r[1] for r in info]
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]
    without_rowid = bool(re.search(r"\)\s*WITHOUT\s+ROWID\s*;?\s*$", sql or "", re.I))
    if without_rowid:
        keys = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
        return cols, keys, False
    return cols, ["rowid"], True


def _trigger_sql(conn: sqlite3.Connection, table: str) -> list[str]:
    cols, keys, rowid = layout(conn, table)
    name = table.replace('"', "")
    old_cols = cols + (["rowid"] if rowid and not _rowid_alias(conn, table) else [])
    old = "json_object(" + ", ".join(f"{_lit(c)}, OLD.{q(c) if c != 'rowid' else 'rowid'}" for c in old_cols) + ")"

    def key(row: str) -> str:
        return "json_array(" + ", ".join(f"{row}.{q(k) if k != 'rowid' else 'rowid'}" for k in keys) + ")"
    head = f"INSERT INTO asat_changes (version, tbl, op, key, old) VALUES ({_VERSION_SQL}, {_lit(table)}"
    return [
        f"CREATE TRIGGER {q(TRIGGER_PREFIX + name + '_i')} AFTER INSERT ON {q(table)} BEGIN "
        f"{head}, 'I', {key('NEW')}, NULL); END",
        f"CREATE TRIGGER {q(TRIGGER_PREFIX + name + '_u')} AFTER UPDATE ON {q(table)} BEGIN "
        f"{head}, 'U', {key('NEW')}, {old}); END",
        f"CREATE TRIGGER {q(TRIGGER_PREFIX + name + '_d')} AFTER DELETE ON {q(table)} BEGIN "
        f"{head}, 'D', NULL, {old}); END",
    ]


def _rowid_alias(conn: sqlite3.Connection, table: str) -> str | None:
    """The INTEGER PRIMARY KEY column that is the rowid, if any."""
    info = conn.execute(f"PRAGMA table_info({q(table)})").fetchall()
    pk = [r for r in info if r[5]]
    if len(pk) == 1 and (pk[0][2] or "").upper() == "INTEGER":
        return pk[0][1]
    return None


def insert_many(conn: sqlite3.Connection, table: str, sql: str, rows: list, fields: tuple[str, ...]) -> None:
    """``executemany(sql, rows)``: new rows of ``table`` (``fields`` names the values of a row).

    Logged row by row by the capture trigger, except many rows of a WITHOUT ROWID table
    whose key columns are all among ``fields``: these are logged as ONE entry (op ``B``,
    the JSON list of the keys; per-row logging cost five times the insert itself). The
    insert trigger is dropped for the statement and created again after it, in the
    caller's transaction, so a failure leaves both as they were."""
    trigger = TRIGGER_PREFIX + table.replace('"', "") + "_i"
    if len(rows) < BULK_MIN_ROWS or not conn.in_transaction or conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?", (trigger,)).fetchone() is None:
        conn.executemany(sql, rows)
        return
    _, keys, rowid = layout(conn, table)
    if rowid or any(k not in fields for k in keys):
        conn.executemany(sql, rows)
        return
    ki = [fields.index(k) for k in keys]
    conn.execute(f"DROP TRIGGER {q(trigger)}")
    conn.executemany(sql, rows)
    conn.execute(_trigger_sql(conn, table)[0])
    conn.execute(f"INSERT INTO asat_changes (version, tbl, op, key, old) VALUES ({_VERSION_SQL}, ?, 'B', ?, NULL)",
                 (table, json.dumps([[r[i] for i in ki] for r in rows], ensure_ascii=False)))


def inserted_keys(op: str, key: str | None) -> list[list]:
    """The keys of the rows a log entry inserted: one for op I, all of a bulk entry (B)."""
    if key is None or op not in ("I", "B"):
        return []
    return json.loads(key) if op == "B" else [json.loads(key)]


def drop_capture(conn: sqlite3.Connection) -> None:
    """Remove the capture triggers (before a migration changes tables, in a snapshot,
    while the demo county is generated)."""
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
                                (TRIGGER_PREFIX + "%",)).fetchall():
        conn.execute(f"DROP TRIGGER IF EXISTS {q(name)}")


def install_capture(conn: sqlite3.Connection) -> None:
    """(Re)create the capture triggers of every data table, with its current columns
    (tables added by later migrations are captured too). Idempotent."""
    if not has_versions(conn):
        return
    drop_capture(conn)
    for table in _captured_tables(conn):
        for sql in _trigger_sql(conn, table):
            conn.execute(sql)


def restart(conn: sqlite3.Connection) -> None:
    """Start the history afresh at the current version (a newly built demo county)."""
    conn.execute("DELETE FROM asat_changes")
    conn.execute("DELETE FROM asat_versions")
    conn.execute("INSERT INTO asat_versions (version, at) SELECT version, strftime('%Y-%m-%dT%H:%M:%S', "
                 "'now', 'localtime') FROM data_version WHERE id = 1")
    install_capture(conn)


# --- versions ---------------------------------------------------------------------------
def connection(db) -> sqlite3.Connection:
    return db.conn if isinstance(db, sqlite_utils.Database) else db


def current(db) -> int:
    row = connection(db).execute("SELECT version FROM data_version WHERE id = 1").fetchone()
    return int(row[0]) if row else 0


def earliest(db) -> int:
    """The oldest version that can be reproduced (when versions started to be kept)."""
    row = connection(db).execute("SELECT MIN(version) FROM asat_versions").fetchone()
    return int(row[0]) if row and row[0] is not None else current(db)


def reached_at(db, version: int) -> str | None:
    """ISO time version ``version`` was reached (the latest known time at or before it)."""
    row = connection(db).execute("SELECT at FROM asat_versions WHERE version <= ? ORDER BY version DESC LIMIT 1",
                            (int(version),)).fetchone()
    return row[0] if row else None


def time_text(iso: str | None) -> str:
    """'2026-12-05T10:00:12' -> '2026-12-05 10:00'."""
    return (iso or "")[:16].replace("T", " ") or "—"


def updates_since(db, version: int) -> list[int]:
    """The versions after ``version`` that changed data (not only the logs)."""
    logs = ", ".join(_lit(t) for t in LOG_TABLES)
    return [r[0] for r in connection(db).execute(
        f"SELECT DISTINCT version FROM asat_changes WHERE version > ? AND tbl NOT IN ({logs}) ORDER BY version",
        (int(version),))]


def bounds(db) -> tuple[int, int]:
    """(earliest reproducible version, current version)."""
    return earliest(db), current(db)


def valid(db, version: int) -> bool:
    return earliest(db) <= int(version) <= current(db)


# --- snapshots --------------------------------------------------------------------------
def snapshot_dir(main: str | os.PathLike) -> Path:
    main = Path(main)
    return main.parent / "asat"


def snapshot_file(main: str | os.PathLike, version: int, schema_version: int) -> Path:
    """Where the snapshot of ``version`` is kept (one per schema version: an upgrade
    that migrates the database builds new ones)."""
    main = Path(main)
    return snapshot_dir(main) / f"{main.stem}-v{int(version)}-s{int(schema_version)}.sqlite"


def evict(main: str | os.PathLike, keep: int | None = None, max_bytes: int | None = None) -> list[Path]:
    """Remove the least recently used snapshots beyond ``keep`` files (default
    MAX_SNAPSHOTS, ``$FINANCE_ASAT_KEEP``) or ``max_bytes`` in all (default
    MAX_SNAPSHOT_BYTES, ``$FINANCE_ASAT_MAX_MB``); the most recent one always stays."""
    keep = MAX_SNAPSHOTS if keep is None else keep
    max_bytes = MAX_SNAPSHOT_BYTES if max_bytes is None else max_bytes
    files = []
    for p in snapshot_dir(main).glob(f"{Path(main).stem}-v*.sqlite"):
        with contextlib.suppress(OSError):
            st = p.stat()
            files.append((st.st_mtime, st.st_size, p))
    files.sort(key=lambda x: x[0], reverse=True)
    gone, total = [], 0
    for i, (_, size, p) in enumerate(files):
        total += size
        if i == 0 or (i < keep and total <= max_bytes):
            continue
        with contextlib.suppress(OSError):
            p.unlink()
            gone.append(p)
    return gone


def snapshot_info(db) -> dict | None:
    """{version, at} when ``db`` is an as-at snapshot, else None."""
    conn = connection(db)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'asat_snapshot'").fetchone() is None:
        return None
    row = conn.execute("SELECT version, at FROM asat_snapshot").fetchone()
    return None if row is None else {"version": int(row[0]), "at": row[1]}


def note_text(version: int, at: str | None) -> str:
    return f"{time_text(at)} 的数据（数据版本 {int(version)}，固定链接，不含此后的补报和更正）"


def note(db) -> str:
    """'2026-12-05 10:00 的数据（数据版本 12，固定链接…）' for a snapshot, else ''."""
    info = snapshot_info(db)
    return "" if info is None else note_text(info["version"], info["at"])


def header(db) -> dict[str, str]:
    """The line for an export's header sheet ({} for current data)."""
    text = note(db)
    return {"数据版本": text} if text else {}


