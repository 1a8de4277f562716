"""Data versions and as-at snapshots (issue 21), on finance_core alone.

The fixture: the demo county ending 2026-10, then three writes for November's
credit-village reports: the first import (every bank but 邮储银行), 邮储银行's late
submission, and a correction of 农商行's file. A snapshot at each version must give
the figures an independent recomputation gives: plain SQL over a database built
to that state by running only the writes up to it; the change list must name
exactly the submissions in between.
"""
from __future__ import annotations

import shutil
import sqlite3

import pytest

from finance_core import asat, credit, periods, schema, versions
from finance_core import db as fdb
from finance_core import imports
from finance_core.filters import Filters
from finance_core.imports import templates

NOV = "2026-11"
USER = "测试员"


def _rows(db, keep):
    return [(NOV,) + r[1:] for r in templates.export_rows(db, "credit", "2026-10") if keep(r)]


def _grown(rows):
    # 邮储银行's November: 5% more granted than October (not October carried forward)
    return [r[:6] + (int(r[6] * 1.05),) + r[7:] for r in rows]


def _corrected(rows):
    # 农商行 corrects its November file: 10% more granted in every village
    return [r[:6] + (int(r[6] * 1.1),) + r[7:] for r in rows]


STEPS = [
    ("首次报送", lambda r: r[4] != "邮储银行", None),
    ("邮储银行补报", lambda r: r[4] == "邮储银行", _grown),
    ("农商行更正", lambda r: r[4] == "农商行", _corrected),
]


def _apply(path, steps, keep_copies=None):
    """Run the first ``steps`` writes on the database at ``path``; the versions after each.
    With ``keep_copies`` (a directory), a backup of the database before and after each."""
    out = []
    with fdb.opened(path) as d:
        if keep_copies:
            with sqlite3.connect(keep_copies / "exact0.db") as c:
                d.conn.backup(c)
        base = _rows(d, lambda r: True)
        for name, keep, change in STEPS[:steps]:
            rows = [r for r in base if keep(r)]
            rows = change(rows) if change else rows
            result = imports.import_file(d, "credit", f"{name}.xlsx", templates.workbook(d, "credit", rows), USER)
            assert result.import_id is not None
            out.append(versions.current(d))
            if keep_copies:
                with sqlite3.connect(keep_copies / f"exact{len(out)}.db") as c:
                    d.conn.backup(c)
    return out


# plain SQL: each village and bank's latest report within six months, summed (the carry-forward rule)
TOTALS_SQL = """
WITH latest AS (SELECT village_code, bank_code, MAX(month) AS m FROM credit_reports
                WHERE month BETWEEN ? AND ? GROUP BY 1, 2)
SELECT SUM(r.granted_amount), SUM(r.used_amount), SUM(r.granted_households) FROM latest x
JOIN credit_reports r ON r.village_code = x.village_code AND r.bank_code = x.bank_code AND r.month = x.m
"""


def _plain_totals(path, month=NOV):
    with sqlite3.connect(path) as c:
        return c.execute(TOTALS_SQL, ("2026-05", month)).fetchone()


def _ledger(path, table="credit_reports"):
    with sqlite3.connect(path) as c:
        return sorted(c.execute(f"SELECT * FROM {table}").fetchall())


def _delivered(path):
    with sqlite3.connect(path) as c:
        return set(c.execute("SELECT feed, reporter, month FROM submissions").fetchall())


@pytest.fixture(scope="module")
def history(tmp_path_factory, demo_db):
    """The main database after all three writes, and one database per state built
    independently (0: before November, 1..3: after that many writes)."""
    root = tmp_path_factory.mktemp("asat")
    states = {}
    for n in range(4):
        path = root / f"state{n}.db"
        shutil.copy(demo_db, path)
        _apply(path, n)
        states[n] = path
    main = root / "county.db"
    shutil.copy(demo_db, main)
    with fdb.opened(main) as d:
        v0 = versions.current(d)
    vs = [v0] + _apply(main, 3, keep_copies=root)
    return main, vs, states


def _tables(path):
    with sqlite3.connect(path) as c:
        return [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                        "'sqlite_%' AND name NOT LIKE 'asat_%' AND name != 'data_version'")]


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_a_snapshot_is_the_database_as_it_was(history, n):
    """Every table, roll-ups and logs included, equals a backup taken at that version."""
    main, vs, _ = history
    path = asat.snapshot(main, vs[n])
    exact = main.parent / f"exact{n}.db"
    assert _tables(path) == _tables(exact)
    for table in _tables(exact):
        assert _ledger(path, table) == _ledger(exact, table), table


def test_every_write_is_a_version_and_the_migration_is_the_last(history):
    main, vs, _ = history
    assert vs == sorted(vs) and len(set(vs)) == 4
    assert schema.MIGRATIONS[-1] is schema.V_VERSIONS or schema.V_VERSIONS in schema.MIGRATIONS
    with fdb.opened(main) as d:
        assert versions.earliest(d) <= vs[0]
        assert versions.updates_since(d, vs[0]) == vs[1:]
        assert versions.updates_since(d, vs[3]) == []
        assert all(versions.reached_at(d, v) for v in vs)


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_a_snapshot_gives_the_figures_of_its_version(history, n):
    main, vs, states = history
    path = asat.snapshot(main, vs[n])
    # the ledger is exactly the one of a database built to that state
    assert _ledger(path) == _ledger(states[n])
    # who delivered which month (the times are the imports' own, a second apart or not)
    assert _delivered(path) == _delivered(states[n])
    # and so are the roll-ups (recomputed in the snapshot, refreshed by each import there)
    assert _ledger(path, "credit_monthly") == _ledger(states[n], "credit_monthly")
    granted, used, households = _plain_totals(states[n])
    with fdb.opened(path) as d:
        t = credit.totals(d, Filters(NOV if n else "2026-10"))
        assert versions.snapshot_info(d)["version"] == vs[n]
    if n:
        assert (t.granted_amount, t.used_amount, t.granted_households) == (granted, used, households)
    with fdb.opened(states[n]) as d:
        assert credit.totals(d, Filters(NOV if n else "2026-10")) == t


def test_the_figures_differ_between_versions(history):
    main, vs, _ = history
    late = asat.snapshot(main, vs[1])
    fixed = asat.snapshot(main, vs[2])
    with fdb.opened(late) as a, fdb.opened(fixed) as b, fdb.opened(main) as c:
        g1, g2, g3 = (credit.totals(x, Filters(NOV)).granted_amount for x in (a, b, c))
    assert g1 != g2 != g3


def test_the_change_list_names_exactly_the_submissions_in_between(history):
    main, vs, _ = history
    with fdb.opened(main) as d:
        since1 = asat.changes_since(d, vs[1])
        since0 = asat.changes_since(d, vs[0])
        none = asat.changes_since(d, vs[3])
        only_psbc = asat.changes_since(d, vs[1], banks=("PSBC",))
        later_month = asat.changes_since(d, vs[1], upto="2026-10")
        other_page = asat.changes_since(d, vs[1], sources=asat.page_sources("microloans"))
    assert list(since1["报送单位"]) == ["邮储银行", "农商行"]
    assert list(since1["月份"]) == [NOV, NOV]
    assert set(since1["数据"]) == {"信用村银行报表"} and set(since1["操作"]) == {"导入"}
    assert set(since1["操作人"]) == {USER}
    assert len(since0) == 3 and "邮储银行" not in since0.iloc[0]["报送单位"]
    assert none.empty and later_month.empty and other_page.empty
    assert list(only_psbc["报送单位"]) == ["邮储银行"]


def test_an_undo_is_a_version_too(history, tmp_path):
    main, vs, states = history
    path = tmp_path / "county.db"
    shutil.copy(main, path)
    with fdb.opened(path) as d:
        imports.undo(d, "credit", USER)
        after = versions.current(d)
        assert versions.updates_since(d, vs[3]) == [after]
        assert list(asat.changes_since(d, vs[3])["操作"]) == ["撤销导入"]
    # as at the correction, before the undo: the corrected figures
    assert _ledger(asat.snapshot(path, vs[3])) == _ledger(states[3])
    # and now the data is back to the late submission's
    assert _ledger(path) == _ledger(states[2])


def test_headline_kpis_then_and_now(history):
    main, vs, _ = history
    f = Filters(NOV)
    with fdb.opened(asat.snapshot(main, vs[1])) as a, fdb.opened(main) as b:
        table = asat.compare_kpis(asat.headline(a, "credit-villages", f),
                                      asat.headline(b, "credit-villages", f))
    row = table.set_index("指标").loc["授信金额"]
    assert row["当时"] != row["现在"] and row["变化"] not in ("—", "无变化")
    assert table.set_index("指标").loc["授信户数", "变化"] != "—"


def test_snapshots_are_read_only_bounded_and_rebuilt_for_another_history(history, tmp_path, monkeypatch):
    main, vs, _ = history
    path = tmp_path / "county.db"
    shutil.copy(main, path)
    snap = asat.snapshot(path, vs[1])
    with sqlite3.connect(snap) as c:
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not (snap.stat().st_mode & 0o222)
    for v in vs:
        asat.snapshot(path, v)
    versions.evict(path, keep=2)
    assert len(list(versions.snapshot_dir(path).glob("county-v*.sqlite"))) == 2
    versions.evict(path, max_bytes=1)    # the most recent one stays
    assert len(list(versions.snapshot_dir(path).glob("county-v*.sqlite"))) == 1
    with pytest.raises(ValueError):
        asat.snapshot(path, vs[3] + 5)
    with pytest.raises(ValueError):
        asat.snapshot(path, 0)


def test_an_edit_and_a_replace_are_captured(tmp_path, demo_db):
    """IPO edits and INSERT OR REPLACE writes (the indicators ledger) are undone in a snapshot."""
    from finance_core import indicators, ipo

    path = tmp_path / "county.db"
    shutil.copy(demo_db, path)
    with fdb.opened(path) as d:
        v0 = versions.current(d)
        before_notes = d.execute("SELECT COUNT(*) FROM ipo_notes").fetchone()[0]
        company = d.execute("SELECT name FROM companies ORDER BY id LIMIT 1").fetchone()[0]
        ipo.add_note(d, company, "2026-10", "完成股改审计", None, None, "张某", USER)
        key, month, town, old = d.execute("SELECT indicator, month, scope_code, value FROM indicators "
                                          "WHERE scope_type = 'town' ORDER BY month DESC LIMIT 1").fetchone()
        indicators.upsert(d, [(month, key, "town", town, old + 7)])
        assert len(versions.updates_since(d, v0)) == 2
        assert list(asat.changes_since(d, v0)["操作"]) == ["修改"]
    with fdb.opened(asat.snapshot(path, v0)) as s:
        assert s.execute("SELECT COUNT(*) FROM ipo_notes").fetchone()[0] == before_notes
        assert s.execute("SELECT value FROM indicators WHERE indicator = ? AND month = ? AND scope_type = 'town' "
                         "AND scope_code = ?", (key, month, town)).fetchone()[0] == old
    assert _ledger(asat.snapshot(path, v0), "indicators") == _ledger(demo_db, "indicators")


def test_a_bulk_insert_is_one_log_entry_and_a_snapshot_still_undoes_it(tmp_path, demo_db):
    """An import of many new rows (a new month of loan status) is logged as one bulk entry
    (versions.insert_many); the snapshot of the version before has none of those rows, and
    every table equals a backup taken then. A small import is still logged row by row."""
    from finance_core.imports import bench as ibench

    path = tmp_path / "bulk.db"
    shutil.copy(demo_db, path)
    with fdb.opened(path) as d:
        last = d.execute("SELECT MAX(month) FROM microloan_status").fetchone()[0]
        month = periods.add_months(last, 1)
        loans = d.execute("SELECT l.loan_no, b.name, l.amount FROM microloans l JOIN banks b ON b.code = l.bank_code "
                          "JOIN microloan_status s ON s.loan_id = l.id AND s.month = ? WHERE s.balance > 0 "
                          "ORDER BY l.id", (last,)).fetchall()
        assert len(loans) > versions.BULK_MIN_ROWS
        before = versions.current(d)
        with sqlite3.connect(tmp_path / "exact-before.db") as c:
            d.conn.backup(c)
        sheet = ibench.status_sheet([(month, no, bank, amount // 2, 0, 0) for no, bank, amount in loans])
        result = imports.import_file(d, "microloan_status", "状态.xlsx", sheet, USER)
        assert result.added == len(loans)
        after = versions.current(d)
        logged = d.execute("SELECT op, COUNT(*) FROM asat_changes WHERE version > ? AND tbl = 'microloan_status' "
                           "GROUP BY op", (before,)).fetchall()
        assert logged == [("B", 1)]
        # the insert trigger is back: a single later row is logged by itself
        d.execute("BEGIN IMMEDIATE")
        d.execute("UPDATE data_version SET version = version + 1 WHERE id = 1")
        d.execute("DELETE FROM microloan_status WHERE month = ? AND loan_id = (SELECT MIN(loan_id) FROM "
                  "microloan_status WHERE month = ?)", (month, month))
        d.execute("INSERT INTO microloan_status (loan_id, month, balance) SELECT MIN(loan_id), ?, 1 FROM "
                  "microloan_status WHERE month = ?", (periods.add_months(month, 1), month))
        d.execute("COMMIT")
        ops = d.execute("SELECT op FROM asat_changes WHERE version > ? AND tbl = 'microloan_status' ORDER BY seq",
                        (after,)).fetchall()
        assert ops == [("D",), ("I",)]
    snap = asat.snapshot(path, before)
    exact = tmp_path / "exact-before.db"
    for table in _tables(exact):
        assert _ledger(snap, table) == _ledger(exact, table), table
    assert _ledger(asat.snapshot(path, after), "microloan_status") != _ledger(exact, "microloan_status")
