"""The 财政资金 templates round-trip: every fiscal ledger of the demo county,
exported in its template (xlsx, CSV UTF-8 with BOM, CSV GB18030), imported into
a copy without those ledgers, gives the same export, the same fund roll-up and
the same page figures; importing the export again changes nothing. A bad file
is refused whole with row, column and reason."""
from __future__ import annotations

import pytest

from finance_core import db as fdb
from finance_core import fiscal, imports
from finance_core.filters import Filters
from finance_core.imports import templates
from finance_core.imports.feeds.fiscal import FISCAL_FEEDS

LEDGERS = ("subsidy_rejections", "subsidy_claims", "fund_recoveries", "fund_claims", "fund_moves",
           "comp_share_payments", "zone_spending", "zone_projects", "zone_funds", "ipo_awards")


def _exports(db) -> dict[str, list]:
    return {feed.key: [tuple(r) for r in feed.export(db, None)] for feed in FISCAL_FEEDS}


@pytest.mark.parametrize("fmt", ["xlsx", "utf-8-sig", "gb18030"])
def test_every_fiscal_template_round_trips(writable_db, tmp_path, demo_db, fmt):
    import shutil

    empty = tmp_path / "empty.db"
    shutil.copy(demo_db, empty)
    with fdb.opened(demo_db) as a, fdb.opened(empty) as b:
        with fdb.write_transaction(b):
            for table in LEDGERS:
                b.execute(f"DELETE FROM {table}")
        expected = _exports(a)
        assert all(expected.values()), [k for k, v in expected.items() if not v]
        for feed in FISCAL_FEEDS:   # in dependency order: claims before their items and recoveries
            if fmt == "xlsx":
                name, data = "export.xlsx", templates.export_workbook(a, feed.key)
            else:
                name, data = "export.csv", templates.export_csv(a, feed.key, encoding=fmt)
            p = imports.preview(b, feed.key, name, data)
            assert p.ok, (feed.key, [str(e) for e in p.errors[:5]])
            imports.apply(b, p.parsed, "测试")
            again = imports.preview(a, feed.key, name, data)
            assert again.ok and not again.has_changes, feed.key
        assert _exports(b) == expected
        # the fund roll-up is rebuilt from the imported ledger (through the area's refresh)
        fund = "SELECT month, contributed, paid_out, recovered, balance FROM risk_fund ORDER BY month"
        assert b.execute(fund).fetchall() == a.execute(fund).fetchall()
        f = Filters("2026-10")
        assert [k.value for k in fiscal.kpis(b, f)] == [k.value for k in fiscal.kpis(a, f)]


def _csv(header: str, *rows: str) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8-sig")


def test_bad_files_are_refused_whole(db):
    cases = [
        ("fiscal_subsidy",
         _csv("银行,季度,申报笔数,计息基数(元),申报金额(元),申报日期,核定金额(元),审核日期,拨付金额(元),拨付日期",
              "农商行,2026-Q2,10,1000,900,2026-07-05,950,2026-07-20,,",
              "农商行,2026-Q5,10,1000,900,2026-07-05,,,,"),
         [(2, "核定金额(元)", "大于申报金额"), (3, "季度", "格式无效")]),
        ("fiscal_fund_claims",
         _csv("申报编号,贷款编号,损失金额(元),县级分担(元),申报日期,核定金额(元),审核日期,拨付金额(元),拨付日期",
              "X1,XD99999999,50000,20000,2026-07-05,,,,",
              "X2,XD00000001,50000,60000,2026-07-05,,,100,2026-07-09"),
         [(2, "贷款编号", "不存在"), (3, "县级分担(元)", "大于损失金额")]),
        ("fiscal_shares",
         _csv("担保合同编号,分担方,拨付日期,金额(元)", "DB0000001,地方政府,2026-07-01,100", "DB9999999,县里,2026-07-01,1"),
         [(2, "担保合同编号", "没有代偿记录"), (3, "担保合同编号", "不存在")]),
        ("fiscal_zone_spending", _csv("月份,项目,支出金额(元)", "2026-09,不存在的项目,100", "2026-13,Z01,100"),
         [(2, "项目", "不存在"), (3, "月份", "")]),
    ]
    for key, data, wanted in cases:
        p = imports.preview(db, key, "bad.csv", data)
        assert not p.ok, key
        got = [(e.row, e.column, e.message) for e in p.errors]
        for row, column, words in wanted:
            assert any(r == row and c == column and words in m for r, c, m in got), (key, row, column, got)
