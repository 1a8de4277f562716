"""报送情况 (finance_core.completeness): who is expected, who reported, when, and
what a missing submission does to the figures (DESIGN.md "Completeness").

The edge-case county is the demo with one reporter's month removed from each
monthly feed at its last month (2026-10): 邮储银行's credit-village reports and
microloan month-end status, the guarantee company's net assets, the IPO task
force's notes and one indicator. Each expected figure is computed here with its
own SQL over the ledgers.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
import shutil

import pandas as pd
import pytest

from finance_core import briefing, completeness, credit, guarantees, microloans, overview, periods, rollups
from finance_core import db as fdb
from finance_core.config import THRESHOLDS
from finance_core.filters import Filters

END = "2026-10"
PREV = "2026-09"
LOOKBACK = THRESHOLDS.expected_lookback_months


def remove_month(path, feeds: set[str]) -> None:
    """Delete 2026-10 of the named feeds (one reporter each) and refresh the roll-ups."""
    with fdb.opened(path) as d:
        c = d.conn
        c.execute("BEGIN IMMEDIATE")
        if "credit" in feeds:
            c.execute("DELETE FROM credit_reports WHERE month = ? AND bank_code = 'PSBC'", [END])
        if "microloans" in feeds:
            c.execute("DELETE FROM microloan_status WHERE month = ? AND loan_id IN "
                      "(SELECT id FROM microloans WHERE bank_code = 'PSBC')", [END])
        if "guarantor" in feeds:
            c.execute("DELETE FROM guarantor_monthly WHERE month = ?", [END])
        if "ipo_notes" in feeds:
            c.execute("DELETE FROM ipo_notes WHERE month = ?", [END])
        if "indicators" in feeds:
            c.execute("DELETE FROM indicators WHERE month = ? AND indicator = 'relief_loan_new'", [END])
        c.execute("DELETE FROM submissions WHERE month = ? AND (reporter = 'PSBC' OR feed IN "
                  "('guarantor', 'ipo_notes') OR reporter = 'relief_loan_new')", [END])
        rollups.refresh_all(d)
        c.execute("UPDATE data_version SET version = version + 1")
        c.execute("COMMIT")


ALL = {"credit", "microloans", "guarantor", "ipo_notes", "indicators"}


@pytest.fixture(scope="module")
def edge_db(tmp_path_factory, demo_db):
    path = tmp_path_factory.mktemp("edge") / "county.db"
    shutil.copy(demo_db, path)
    remove_month(path, ALL)
    return path


@pytest.fixture
def edb(edge_db):
    with fdb.opened(edge_db) as d:
        yield d


# --- the model -----------------------------------------------------------------------------
def test_every_removed_submission_is_named(edb):
    found = completeness.gaps(edb, Filters(END))
    got = {(g.feed, g.reporter_name, g.last) for g in found}
    assert got == {("credit", "邮储银行", PREV), ("microloans", "邮储银行", PREV),
                   ("guarantor", "青禾县融资担保有限公司", PREV), ("ipo_notes", "上市工作专班", PREV),
                   ("indicators", "助企贷款新增", PREV)}
    texts = {g.feed: g.text() for g in found}
    assert texts["microloans"] == ("邮储银行未报送2026年10月小额信贷台账/月末状态"
                                   "（余额、逾期沿用9月数据，当月投放、贴息缺失）")
    assert texts["guarantor"].endswith("担保公司净资产（净资产沿用9月数据）")
    # a bank filter keeps only that bank's gaps; county-level reporters stay in scope
    assert {g.feed for g in completeness.gaps(edb, Filters(END, banks=("RCB",)))} == \
        {"guarantor", "ipo_notes", "indicators"}
    # the month before is complete
    assert completeness.gaps(edb, Filters(PREV)) == []


def test_a_bank_that_skipped_one_town_is_named_with_the_town(db):
    # the demo's 邮储银行 did not report 河口镇's credit villages two months before the end
    month = periods.add_months(END, -2)
    found = [g for g in completeness.gaps(db, Filters(month)) if g.feed == "credit"]
    assert [(g.reporter_name, g.towns) for g in found] == [("邮储银行", ("河口镇",))]
    assert found[0].text() == (f"邮储银行未报送{completeness.month_word(month)}河口镇的信用村银行报表"
                               f"（授信、用信沿用{int(month[5:]) - 1}月数据）")


def test_matrix_statuses_and_dates(edb):
    today = dt.date(2026, 12, 1)
    m = completeness.matrix(edb, END, today=today)
    assert list(m.columns) == ["数据源", "报送单位"] + [periods.add_months(END, -i) for i in range(5, -1, -1)]
    row = m[(m["数据源"] == "小额信贷台账/月末状态") & (m["报送单位"] == "邮储银行")].iloc[0]
    assert row[END] == "未报送" and row[PREV].startswith("已报 10-")
    # 村镇银行 reports every third month after the due day (the demo's story): 逾期报送 with its date
    (at,) = edb.execute("SELECT MIN(submitted_at) FROM submissions WHERE feed = 'microloans' "
                        "AND reporter = 'VTB' AND month = ?", [PREV]).fetchone()
    vtb = m[(m["数据源"] == "小额信贷台账/月末状态") & (m["报送单位"] == "青禾村镇银行")].iloc[0]
    assert at[:10] > "2026-10-10" and vtb[PREV] == f"逾期 {at[5:10]}"
    # before the due day a missing month is not yet late
    early = completeness.matrix(edb, END, today=dt.date(2026, 11, 5))
    assert early[(early["数据源"] == "担保公司净资产")].iloc[0][END] == "未到期"


def test_an_import_records_its_submission_time(writable_db):
    from finance_core import imports
    from finance_core.imports import templates

    with fdb.opened(writable_db) as d:
        rows = [("2026-11",) + r[1:] for r in templates.export_rows(d, "credit", END) if r[4] == "农商行"]
        result = imports.import_file(d, "credit", "11月.xlsx", templates.workbook(d, "credit", rows), "测试员")
        (at, import_id) = d.execute("SELECT submitted_at, import_id FROM submissions WHERE feed = 'credit' "
                                    "AND reporter = 'RCB' AND month = '2026-11'").fetchone()
        assert import_id == result.import_id
        (logged,) = d.execute("SELECT imported_at FROM import_log WHERE id = ?", [import_id]).fetchone()
        assert at == logged
        # the other banks are expected for 2026-11 and named; after undo the time is gone
        names = {g.reporter_name for g in completeness.gaps(d, Filters("2026-11")) if g.feed == "credit"}
        (expected,) = d.execute(
            "SELECT COUNT(DISTINCT bank_code) FROM credit_reports WHERE month BETWEEN ? AND ? AND bank_code != 'RCB'",
            [periods.add_months("2026-11", -LOOKBACK), END]).fetchone()
        assert len(names) == expected and "农商行" not in names
        imports.undo(d, "credit", "测试员")
        assert completeness._submission_times(d, "2026-11", "2026-11") == {}


# --- the figures: balances carried, flows missing, never zero ----------------------------------
def test_microloan_balance_carries_the_missing_bank_forward(edb):
    (reported,) = edb.execute(
        "SELECT SUM(s.balance) FROM microloan_status s JOIN microloans l ON l.id = s.loan_id "
        "WHERE s.month = ? AND l.bank_code != 'PSBC'", [END]).fetchone()
    (psbc_before,) = edb.execute(
        "SELECT SUM(s.balance) FROM microloan_status s JOIN microloans l ON l.id = s.loan_id "
        "WHERE s.month = ? AND l.bank_code = 'PSBC'", [PREV]).fetchone()
    t = microloans.totals(edb, Filters(END))
    assert t.balance == reported + psbc_before and psbc_before > 0
    assert microloans.totals(edb, Filters(END, banks=("PSBC",))).balance == psbc_before
    # the bank's ranking row is shown with its carried balance, unranked, and says so
    r = microloans.rankings(edb, Filters(END), microloans.BY_BANK)
    psbc = r[r["银行"] == "邮储银行"].iloc[0]
    assert psbc["报送情况"] == "未报送（余额沿用9月数据）" and pd.isna(psbc["排名"])
    assert r["排名"].dropna().tolist() == list(range(1, len(r["排名"].dropna()) + 1))


def test_credit_totals_carry_the_missing_bank_forward(edb):
    lo = periods.add_months(END, -LOOKBACK)
    (expected,) = edb.execute(
        """WITH latest AS (SELECT village_code, bank_code, MAX(month) AS m FROM credit_reports
                           WHERE month BETWEEN ? AND ? GROUP BY 1, 2)
           SELECT SUM(r.granted_amount) FROM latest x JOIN credit_reports r ON r.village_code = x.village_code
                AND r.bank_code = x.bank_code AND r.month = x.m""", [lo, END]).fetchone()
    assert credit.totals(edb, Filters(END)).granted_amount == expected
    b = credit.bank_ranking(edb, Filters(END))
    psbc = b[b["银行"] == "邮储银行"].iloc[0]
    assert psbc["报送情况"] == "本月未报送（沿用9月数据）" and psbc["排名"] is None


def test_guarantees_keep_the_last_net_assets(edb):
    (before,) = edb.execute("SELECT SUM(net_assets) FROM guarantor_monthly WHERE month = ?", [PREV]).fetchone()
    assert guarantees.net_assets(edb, END) == before
    (outstanding,) = edb.execute("SELECT SUM(outstanding) FROM guarantee_monthly WHERE month = ?", [END]).fetchone()
    assert guarantees.leverage(edb, END) == pytest.approx(outstanding / before)
    assert guarantees.totals(edb, Filters(END)).outstanding == outstanding


def test_red_flags_and_the_brief_name_every_missing_submission(edb):
    f = Filters(END)
    opts_towns = dict(edb.execute("SELECT code, name FROM towns").fetchall())
    opts_banks = dict(edb.execute("SELECT code, name FROM banks").fetchall())
    flags = overview.red_flags(edb, f, opts_towns, opts_banks)
    gap_texts = {g.text() for g in completeness.gaps(edb, f)}
    assert {fl.text for fl in flags if fl.area == "数据报送"} == gap_texts
    assert flags[0].area == "数据报送"
    brief = briefing.build(edb, briefing.MONTHLY, f)
    text = brief.text()
    for g in completeness.gaps(edb, f):
        assert g.reporter_name in text and g.feed_title in text
    ml = brief.section("microloans").paragraphs[-1]
    assert ml.startswith("数据说明：邮储银行未报送2026年10月小额信贷台账/月末状态")
    assert "邮储银行" not in "".join(brief.section("microloans").paragraphs[:-1]).split("分银行看")[-1]
    for kind in (briefing.MONTHLY, briefing.ANNUAL):
        issues = briefing.build(edb, kind, f).section("issues")
        assert "邮储银行未报送" in "".join(issues.paragraphs)


def test_summary_line_counts_expected_and_reported(edb):
    line = completeness.summary_line(edb, Filters(END))
    assert line.startswith("月度报送情况（2026年10月）：应报 ")
    for name in ("邮储银行", "青禾县融资担保有限公司", "上市工作专班", "助企贷款新增"):
        assert name in line


# --- the pages -------------------------------------------------------------------------------
PAGES = {
    None: ["邮储银行", "青禾县融资担保有限公司", "上市工作专班", "助企贷款新增"],
    "pages/credit-villages.py": ["邮储银行"],
    "pages/microloans.py": ["邮储银行", "小额信贷台账/月末状态", "沿用9月数据"],
    "pages/guarantees.py": ["担保公司净资产", "沿用9月数据"],
    "pages/ipo.py": ["上市调度记录"],
    "pages/briefing.py": ["邮储银行", "助企贷款新增"],
    "pages/data.py": ["未报送"],
}


def test_a_town_nobody_reported_is_named_not_ranked(writable_db):
    # every bank's reports on 河口镇 (T07) removed for the last month, beyond any carry
    with fdb.opened(writable_db) as d:
        c = d.conn
        c.execute("BEGIN IMMEDIATE")
        c.execute("DELETE FROM credit_reports WHERE village_code IN (SELECT code FROM villages "
                  "WHERE town_code = 'T07') AND month >= ?", [periods.add_months(END, -LOOKBACK)])
        rollups.refresh_all(d)
        c.execute("COMMIT")
        f = Filters(END)
        assert credit.unreported_towns(d, f) == ["T07"]
        t = credit.town_ranking(d, f, "新增授信完成率")
        row = t[t["乡镇"] == "河口镇"].iloc[0]
        assert row["报送情况"] == "本月无报送" and pd.isna(row["排名"]) and pd.isna(row["新增授信完成率（%）"])
        towns = dict(d.execute("SELECT code, name FROM towns").fetchall())
        banks = dict(d.execute("SELECT code, name FROM banks").fetchall())
        flags = [fl.text for fl in overview.red_flags(d, f, towns, banks)]
        assert "河口镇本月没有任何银行报送信用村数据，未参与排名" in flags
        issues = "".join(briefing.build(d, briefing.MONTHLY, f).section("issues").paragraphs)
        assert "河口镇本月没有任何银行报送信用村数据" in issues


def test_targets_say_when_their_actual_is_incomplete(edb):
    t = overview.targets_table(edb, Filters(END)).set_index("key")
    assert t.loc["credit_granted_increase", "数据说明"] == "完成数含沿用9月数据（邮储银行）"
    assert t.loc["microloan_new_amount", "数据说明"] == "完成数缺邮储银行10月数据"
    assert t.loc["indicator:relief_loan_new", "数据说明"] == "完成数缺2026年10月数据"
    assert t.loc["ipo_guidance_filings", "数据说明"] == ""
    complete = overview.targets_table(edb, Filters(PREV))
    assert set(complete["数据说明"]) == {""}


def test_a_town_with_villages_carried_is_measured_on_all_its_villages(db):
    # the demo: 邮储银行 skipped 河口镇's villages two months before the end; their July
    # report is carried, so the town's 完成率 counts every village (not 0 for the two)
    month = periods.add_months(END, -2)
    lo = periods.add_months(month, -LOOKBACK)

    def granted(m, lo_):
        (v,) = db.execute(
            """WITH latest AS (SELECT village_code, bank_code, MAX(month) AS m FROM credit_reports
                               WHERE month BETWEEN ? AND ? GROUP BY 1, 2)
               SELECT SUM(r.granted_amount) FROM latest x JOIN credit_reports r ON r.village_code = x.village_code
                    AND r.bank_code = x.bank_code AND r.month = x.m JOIN villages v ON v.code = r.village_code
               WHERE v.town_code = 'T07'""", [lo_, m]).fetchone()
        return v
    year_start = periods.previous_year_end(month)
    (target,) = db.execute("SELECT value FROM targets WHERE year = ? AND metric = 'credit_granted_increase' "
                           "AND scope_type = 'town' AND scope_code = 'T07'", [periods.year_of(month)]).fetchone()
    increase = granted(month, lo) - granted(year_start, periods.add_months(year_start, -LOOKBACK))
    row = credit.town_ranking(db, Filters(month)).set_index("乡镇").loc["河口镇"]
    expected = (Decimal(increase) * 100 / Decimal(target)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert row["新增授信完成率（%）"] == float(expected)
    assert row["报送情况"] == "2 个村·银行未报送（沿用7月数据）"
    tp = periods.time_progress(month)
    assert ("授信" in str(row["进度"])) == (increase / target < tp)


def test_a_whole_bank_missing_is_one_line_on_the_credit_page(edb):
    (towns, villages) = edb.execute(
        "SELECT COUNT(DISTINCT v.town_code), COUNT(DISTINCT r.village_code) FROM credit_reports r "
        "JOIN villages v ON v.code = r.village_code WHERE r.month = ? AND r.bank_code = 'PSBC'", [PREV]).fetchone()
    notes = [n for n in credit.completeness(edb, Filters(END)).notes if n.startswith("邮储银行")]
    assert notes == [f"邮储银行未报送 {END} 的数据（{towns} 个乡镇 {villages} 个村），最近一次报送为 {PREV}；"
                     "其授信、用信沿用9月数据计入合计。"]
