"""The company-level guarantee roll-up (guarantee_company_monthly): county-wide
totals read from it equal the town-level roll-up and the contract ledger, for
every month and product, and the migration that adds it fills it."""
import shutil
import sqlite3

import pytest

from finance_core import db as fdb
from finance_core import guarantees as g
from finance_core import periods, rollups, schema
from finance_core.filters import Filters


def months(db):
    return [r[0] for r in db.execute("SELECT month FROM guarantor_monthly ORDER BY month")]


def products(db):
    return [r[0] for r in db.execute("SELECT code FROM guarantee_products ORDER BY code")]


def banks(db):
    return [r[0] for r in db.execute("SELECT code FROM banks ORDER BY code")]


def test_county_totals_equal_the_town_level_roll_up_every_month(db):
    for month in months(db):
        for bank_scope in [(), *[(b,) for b in banks(db)], tuple(banks(db)[:2])]:
            for chosen in [(), *[(p,) for p in products(db)], tuple(products(db)[:2])]:
                f = Filters(month, banks=bank_scope)
                assert g.totals(db, f, chosen) == g._scope_totals(db, f, chosen), (month, bank_scope, chosen)


def ledger_totals(db, month: str) -> tuple[int, int, int, int, int, int]:
    """(在保余额, 笔数, 当年新增, 当年解保, 当年代偿, 当年追偿) straight from the contracts."""
    end = periods.month_end(month).isoformat()
    start = f"{month[:4]}-01-01"
    return db.execute(
        """SELECT SUM(CASE WHEN start_on <= :end AND (released_on IS NULL OR released_on > :end)
                           THEN amount ELSE 0 END),
                  SUM(start_on <= :end AND (released_on IS NULL OR released_on > :end)),
                  SUM(CASE WHEN start_on BETWEEN :start AND :end THEN amount ELSE 0 END),
                  SUM(CASE WHEN released_on BETWEEN :start AND :end THEN amount ELSE 0 END),
                  SUM(CASE WHEN compensated_on BETWEEN :start AND :end THEN compensated_amount ELSE 0 END),
                  SUM(CASE WHEN compensated_on BETWEEN :start AND :end THEN recovered_amount ELSE 0 END)
           FROM guarantee_contracts""", {"end": end, "start": start}).fetchone()


@pytest.mark.parametrize("pick", ["first", "january", "latest"])
def test_county_totals_equal_the_contract_ledger(db, pick):
    ms = months(db)
    month = {"first": ms[0], "january": next(m for m in ms if m.endswith("-01")), "latest": ms[-1]}[pick]
    t = g.totals(db, Filters(month))
    assert (t.outstanding, t.outstanding_count, t.new_amount_ytd, t.released_ytd, t.compensated_ytd,
            t.recovered_ytd) == ledger_totals(db, month)


def test_refresh_rebuilds_it_with_the_town_level_roll_up(writable_db):
    with fdb.opened(writable_db) as d:
        before = d.execute("SELECT * FROM guarantee_company_monthly ORDER BY 1, 2, 3").fetchall()
        d.conn.execute("BEGIN")
        d.conn.execute("DELETE FROM guarantee_contracts WHERE id IN (SELECT id FROM guarantee_contracts LIMIT 50)")
        rollups.refresh_guarantees(d)
        d.conn.execute("COMMIT")
        after = d.execute("SELECT * FROM guarantee_company_monthly ORDER BY 1, 2, 3").fetchall()
        assert after != before
        month = months(d)[-1]
        assert g.totals(d, Filters(month)) == g._scope_totals(d, Filters(month))


def test_migration_adds_and_fills_it(tmp_path, demo_db):
    path = tmp_path / "older.db"
    shutil.copy(demo_db, path)
    with fdb.opened(demo_db) as d:
        expected = d.execute("SELECT * FROM guarantee_company_monthly ORDER BY 1, 2, 3").fetchall()
    assert expected
    # the database as it was one version before this roll-up existed
    number = schema.MIGRATIONS.index(schema.V_GUARANTEE_COMPANY) + 1
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE guarantee_company_monthly")
    conn.execute(f"PRAGMA user_version = {number - 1}")
    conn.commit()
    conn.close()
    with fdb.opened(path) as d:  # opening migrates
        assert schema.version(d.conn) == schema.LATEST
        assert d.execute("SELECT * FROM guarantee_company_monthly ORDER BY 1, 2, 3").fetchall() == expected
