"""Issue 19 item 1: an implausible month never takes over the default month and
never crashes a page, and the import refuses it in the first place."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from finance_core import db as fdb
from finance_core import filters as ff
from finance_core import imports, periods
from finance_core.imports import templates
from ui.nav import PAGES

USER = "测试编辑"


@pytest.fixture(scope="module")
def far_future_db(tmp_path_factory, demo_db):
    """The demo county with stored rows in 9999-12 and 2100-12 (as an older version
    accepted them): a credit report, a guarantor month, an IPO event and note, a
    guarantee contract and a loan disbursed far ahead."""
    path = tmp_path_factory.mktemp("future") / "county.db"
    shutil.copy(demo_db, path)
    with fdb.opened(path) as db, fdb.write_transaction(db):
        for month in ("9999-12", "2100-12"):
            db.execute("INSERT INTO credit_reports SELECT ?, village_code, bank_code, granted_households, "
                       "granted_amount, used_households, used_amount, npl_amount FROM credit_reports "
                       "WHERE month = '2026-10' LIMIT 1", (month,))
            db.execute("INSERT INTO credit_monthly SELECT ?, " + ", ".join(
                c[1] for c in db.execute("PRAGMA table_info(credit_monthly)").fetchall()[1:]) +
                       " FROM credit_monthly WHERE month = '2026-10' LIMIT 1", (month,))
            db.execute("INSERT INTO guarantor_monthly SELECT guarantor_code, ?, net_assets, rating "
                       "FROM guarantor_monthly WHERE month = '2026-10' LIMIT 1", (month,))
            db.execute("INSERT INTO ipo_notes (company_id, month, progress, owner, created_at) "
                       "SELECT id, ?, '进展', '责任人', '2026-11-01 09:00:00' FROM companies LIMIT 1", (month,))
        db.execute("INSERT INTO ipo_events (company_id, stage, event_date, note) "
                   "SELECT id, '发行上市', '9999-09-30', 'x' FROM companies LIMIT 1")
    return path


def test_default_month_is_latest_with_data_not_in_the_future(far_future_db):
    with fdb.opened(far_future_db) as db:
        opts = ff.load_options(db)
    assert opts.latest == "2026-10"
    assert all(m <= periods.current_month() for m in opts.months)
    f, notices = ff.validate(opts, {"as_of": "9999-12"})
    assert f.as_of == "2026-10" and notices


def _template(db, feed: str, rows: list[tuple]) -> bytes:
    return templates.workbook(db, feed, rows)


@pytest.mark.parametrize("feed, row, column", [
    ("credit", (dt.datetime(9999, 12, 1), "城关镇", "", "T01V001", "农商行", 1, 1, 0, 0, 0), "月份"),
    ("credit", ("2100-12", "城关镇", "", "T01V001", "农商行", 1, 1, 0, 0, 0), "月份"),
    ("guarantees", ("DBX1", "税融通", "农业银行", "城关镇", "某公司", "小微企业", 3_000_000, 24_000,
                    "2099-01-01", "2099-12-31", None, 0, None, 0), "起始日期"),
    ("guarantees", ("DBX2", "税融通", "农业银行", "城关镇", "某公司", "小微企业", 3_000_000, 24_000,
                    "2026-10-01", "2099-12-31", None, 0, None, 0), "到期日期"),
    ("ipo_events", ("瑞禾新材料股份有限公司", "辅导备案", dt.date(2100, 1, 5), ""), "日期"),
])
def test_import_refuses_implausible_dates(writable_db, feed, row, column):
    with fdb.opened(writable_db) as db:
        if feed == "ipo_events":
            (name,) = db.execute("SELECT name FROM companies ORDER BY id LIMIT 1").fetchone()
            row = (name,) + row[1:]
        p = imports.preview(db, feed, "x.xlsx", _template(db, feed, [row]))
    assert not p.ok
    assert any(e.column == column and "不在合理范围内" in e.message and e.row == 2 for e in p.errors), \
        [str(e) for e in p.errors]


def test_a_maturity_may_lie_ahead_within_the_horizon(writable_db):
    end = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    row = ("DBX3", "税融通", "农业银行", "城关镇", "某公司", "小微企业", 3_000_000, 24_000, "2026-10-01", end,
           None, 0, None, 0)
    with fdb.opened(writable_db) as db:
        p = imports.preview(db, "guarantees", "x.xlsx", _template(db, "guarantees", [row]))
    assert p.ok, [str(e) for e in p.errors]
