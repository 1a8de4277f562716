"""The demo county (deterministic, plausible, fictional) and schema migrations."""
import hashlib
import re
import sqlite3

import pytest

from finance_core import db as fdb
from finance_core import demo, schema
from tests import fixture_county

TABLES = ["towns", "villages", "banks", "credit_reports", "households", "microloans",
          "microloan_status", "risk_fund", "guarantor_monthly", "guarantee_products",
          "guarantee_contracts", "companies", "ipo_events", "ipo_notes", "targets",
          "credit_monthly", "microloan_monthly", "guarantee_monthly"]


def _digest(path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    out = {}
    for t in TABLES:
        h = hashlib.sha256()
        for row in conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3"):
            h.update(repr(row).encode())
        out[t] = h.hexdigest()
    conn.close()
    return out


def test_demo_is_deterministic(tmp_path, demo_db):
    again = tmp_path / "again.db"
    demo.build(again, scale=1, end="2026-10")
    assert _digest(again) == _digest(demo_db)
    other = tmp_path / "other.db"
    demo.build(other, scale=1, end="2026-10", seed=1)
    assert _digest(other)["microloans"] != _digest(demo_db)["microloans"]


def test_demo_magnitudes_are_plausible(db):
    towns, villages, credit_villages, hh = db.execute(
        "SELECT (SELECT COUNT(*) FROM towns), COUNT(*), SUM(is_credit_village), SUM(households) FROM villages"
    ).fetchone()
    assert towns == 15 and 250 <= villages <= 350 and 0.4 <= credit_villages / villages <= 0.6
    assert 100_000 <= hh <= 200_000  # ~500,000 people
    months = [r[0] for r in db.execute("SELECT DISTINCT month FROM microloan_monthly ORDER BY 1")]
    assert len(months) == 36 and months[-1] == "2026-10"
    balance = db.execute("SELECT SUM(balance) FROM microloan_monthly WHERE month = '2026-10'").fetchone()[0]
    assert 1e8 <= balance <= 5e8
    assert db.execute("SELECT MAX(amount) FROM microloans").fetchone()[0] <= 50_000
    granted = db.execute("SELECT SUM(granted_amount) FROM credit_monthly WHERE month = '2026-10'").fetchone()[0]
    assert 1e9 <= granted <= 1e10
    assert 20 <= db.execute("SELECT COUNT(*) FROM companies").fetchone()[0] <= 60


def test_demo_personal_data_is_fake(db):
    for (idn,) in db.execute("SELECT id_number FROM households LIMIT 500"):
        assert re.fullmatch(r"99\d{15}[\dX]", idn)  # region 99 exists nowhere
        assert demo.id_checksum(idn[:17]) == idn[17]


def test_demo_stories_are_there(db):
    # the troubled bank's overdue rate rises over the last six months
    rates = [r[0] for r in db.execute(
        "SELECT 1.0 * SUM(overdue_balance) / SUM(balance) FROM microloan_monthly "
        "WHERE bank_code = 'VTB' AND month >= '2026-01' GROUP BY month ORDER BY month")]
    assert rates[-1] > 3 * rates[0] and rates == sorted(rates)
    quota, used = db.execute(
        "SELECT p.quota, SUM(g.outstanding) FROM guarantee_products p JOIN guarantee_monthly g "
        "ON g.product_code = p.code WHERE p.code = 'HND' AND g.month = '2026-10'").fetchone()
    assert 0.85 <= used / quota <= 1.0


def test_demo_scale_multiplies_the_county(tmp_path):
    path = tmp_path / "s2.db"
    counts = demo.build(path, scale=2, end="2025-06")
    assert counts["towns"] == 30
    with fdb.opened(path) as d:
        assert d.execute("SELECT COUNT(DISTINCT name) FROM towns").fetchone()[0] == 30


def test_migration_from_version_1_fills_rollups_and_keeps_data(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    schema.migrate(conn, target=1)
    assert schema.version(conn) == 1
    conn.close()
    # write ledger rows as a version-1 app would have
    import sqlite_utils

    old = sqlite_utils.Database(sqlite3.connect(path))
    with pytest.raises(sqlite3.OperationalError):
        old.execute("SELECT * FROM credit_monthly")
    conn = old.conn
    conn.execute("BEGIN")
    for table, rows in [("towns", fixture_county.TOWNS), ("banks", fixture_county.BANKS),
                        ("villages", fixture_county.VILLAGES), ("credit_reports", fixture_county.CREDIT)]:
        conn.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(rows[0]))})", rows)
    conn.execute("COMMIT")
    old.close()
    with fdb.opened(path) as d:  # opening migrates
        assert schema.version(d.conn) == schema.LATEST
        assert d.execute("SELECT COUNT(*) FROM credit_reports").fetchone()[0] == len(fixture_county.CREDIT)
        # 18,100,000 reported + B2's May report carried forward (2,500,000)
        assert d.execute("SELECT SUM(granted_amount) FROM credit_monthly WHERE month = '2024-06'").fetchone()[0] \
            == 20_600_000
        assert d.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert d.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_newer_database_is_refused_in_chinese(tmp_path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.LATEST + 1}")
    conn.close()
    with pytest.raises(RuntimeError, match="请升级程序"):
        fdb.connect(path)


def test_write_transaction_is_all_or_nothing(empty_db):
    fixture_county.load(empty_db)
    before = fdb.data_version(empty_db)
    with pytest.raises(sqlite3.IntegrityError):
        with fdb.write_transaction(empty_db):
            empty_db.execute("INSERT INTO banks VALUES ('B9', '新银行', '其他')")
            empty_db.execute("INSERT INTO banks VALUES ('B1', '重复', '其他')")  # duplicate key
    assert empty_db.execute("SELECT COUNT(*) FROM banks WHERE code = 'B9'").fetchone()[0] == 0
    assert fdb.data_version(empty_db) == before
    with fdb.write_transaction(empty_db):
        empty_db.execute("INSERT INTO banks VALUES ('B9', '新银行', '其他')")
    assert fdb.data_version(empty_db) == before + 1


def test_foreign_keys_are_enforced(empty_db):
    with pytest.raises(sqlite3.IntegrityError):
        with fdb.write_transaction(empty_db):
            empty_db.execute("INSERT INTO villages VALUES ('VX', 'NOPE', 'x', 1, 0, 0, 0, NULL, 0)")


def test_ensure_database_builds_demo_once(tmp_path, monkeypatch):
    path = tmp_path / "data" / "county.db"
    calls = []
    real = demo.build
    monkeypatch.setattr(demo, "build", lambda p, scale=1: calls.append(p) or real(p, scale=scale, end="2025-03"))
    demo.ensure_database(path)
    demo.ensure_database(path)
    assert len(calls) == 1 and path.exists()
    assert not list(path.parent.glob("*.tmp*"))
