"""The one fixture builder: hand-built rows into a migrated, empty database, in one
transaction, and the roll-ups rebuilt from them (every area's, through the
registry) — so each hand-built county is data, not a loader of its own."""
from __future__ import annotations

from typing import Iterable, Sequence

from finance_core import areas
from finance_core import db as fdb


def insert(conn, table: str, rows: Sequence[tuple]) -> None:
    """Positional rows into ``table`` (every column, in the table's order)."""
    if rows:
        conn.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(rows[0]))})", rows)


def load(db, tables: Iterable[tuple[str, Sequence[tuple]]], refresh: bool = True) -> None:
    """Insert ``(table, rows)`` pairs in order and rebuild the roll-ups, atomically."""
    with fdb.write_transaction(db):
        for table, rows in tables:
            insert(db.conn, table, rows)
        if refresh:
            areas.refresh_all(db)
