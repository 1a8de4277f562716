"""银行存贷款 (issue 14): every figure of finance_core.banks against independent SQL
on a hand-built fixture, the regulatory checks at their boundaries, and the
weighted assessment recomputed here."""
from __future__ import annotations

import dataclasses
from fractions import Fraction

import pandas as pd
import pytest

from finance_core import banks, schema
from finance_core.config import Thresholds
from finance_core.filters import Filters
from tests import fixture_county, fixtures

M = 1_000_000
K = 1_000
# (month, bank, town, deposits, loans, agri, small, small_hh, incl_agri, credit, long, npl,
#  first_hh_ytd, first_amount_ytd, renewal_ytd, disbursed_ytd, rate_bp)
REPORTS = [
    # B1 农商行 (县域法人) reports by town
    ("2023-06", "B1", "T1", 90 * M, 60 * M, 35 * M, 18 * M, 90, 9 * M, 4 * M, 25 * M, 900 * K, 15, 1500 * K, 200 * K, 40 * M, 460),
    ("2023-12", "B1", "T1", 100 * M, 70 * M, 40 * M, 20 * M, 100, 10 * M, 5 * M, 30 * M, 1 * M, 30, 3 * M, 500 * K, 80 * M, 450),
    ("2024-05", "B1", "T1", 105 * M, 74 * M, 42 * M, 21 * M, 98, 10_500 * K, 5500 * K, 32 * M, 1100 * K, 20, 2 * M, 300 * K, 35 * M, 420),
    ("2024-06", "B1", "T1", 108 * M, 77 * M, 43 * M, 22_100 * K, 100, 11 * M, 6 * M, 33 * M, 2310 * K, 24, 2400 * K, 360 * K, 42 * M, 410),
    ("2023-06", "B1", "T2", 45 * M, 28 * M, 18 * M, 9 * M, 45, 4 * M, 2 * M, 12 * M, 500 * K, 5, 500 * K, 100 * K, 20 * M, 470),
    ("2023-12", "B1", "T2", 50 * M, 30 * M, 20 * M, 10 * M, 50, 5 * M, 2500 * K, 14 * M, 600 * K, 10, 1 * M, 200 * K, 40 * M, 460),
    ("2024-05", "B1", "T2", 51 * M, 30 * M, 20 * M, 10 * M, 50, 5 * M, 2500 * K, 14 * M, 800 * K, 6, 600 * K, 100 * K, 15 * M, 430),
    ("2024-06", "B1", "T2", 52 * M, 30 * M, 20 * M, 10 * M, 50, 5 * M, 2500 * K, 14 * M, 900 * K, 8, 800 * K, 150 * K, 18 * M, 420),
    # B2 邮储银行 reports the county as a whole and did not report 2024-06
    ("2023-06", "B2", "", 80 * M, 55 * M, 20 * M, 12 * M, 60, 6 * M, 8 * M, 30 * M, 800 * K, 10, 1 * M, 0, 30 * M, 400),
    ("2023-12", "B2", "", 90 * M, 60 * M, 22 * M, 13 * M, 65, 6500 * K, 9 * M, 33 * M, 900 * K, 20, 2 * M, 0, 60 * M, 390),
    ("2024-05", "B2", "", 100 * M, 70 * M, 25 * M, 14 * M, 64, 7 * M, 10 * M, 36 * M, 1 * M, 9, 900 * K, 0, 28 * M, 370),
    # B3 建设银行: county-wide, no credit villages and no microloans
    ("2023-12", "B3", "", 60 * M, 45 * M, 5 * M, 8 * M, 30, 1 * M, 6 * M, 30 * M, 200 * K, 5, 500 * K, 0, 20 * M, 380),
    ("2024-05", "B3", "", 66 * M, 47 * M, 5500 * K, 9 * M, 32, 1100 * K, 6500 * K, 31 * M, 300 * K, 4, 400 * K, 0, 15 * M, 360),
    ("2024-06", "B3", "", 70 * M, 48 * M, 5600 * K, 9600 * K, 33, 1200 * K, 6600 * K, 32 * M, 310 * K, 5, 500 * K, 0, 18 * M, 355),
]
TARGETS = [(2024, banks.TARGET_METRIC, "county", "", 30 * M), (2024, banks.TARGET_METRIC, "bank", "B1", 10 * M),
           (2024, banks.TARGET_METRIC, "bank", "B3", 2 * M)]


def load(db) -> None:
    """The shared hand-built county plus a third bank and the banks' reports."""
    fixture_county.load(db)
    fixtures.load(db, [("banks", [("B3", "建设银行", "国有大行")]), ("bank_reports", REPORTS), ("targets", TARGETS)])


@pytest.fixture
def fx(empty_db):
    load(empty_db)
    return empty_db


def one(db, sql, params=()):
    return db.execute(sql, params).fetchone()[0]


# --- schema and roll-up -------------------------------------------------------------------
def test_migration_is_appended_and_creates_the_tables(empty_db):
    assert schema.V_BANKS in schema.MIGRATIONS
    assert schema.MIGRATIONS.index(schema.V_BANKS) > schema.MIGRATIONS.index(schema.V3)
    tables = {r[0] for r in empty_db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"bank_reports", "bank_monthly"} <= tables


def test_a_missing_bank_is_carried_with_balances_and_no_flows(fx):
    rows = fx.execute("SELECT * FROM bank_monthly WHERE month = '2024-06' AND bank_code = 'B2'").fetchall()
    src = fx.execute("SELECT * FROM bank_reports WHERE month = '2024-05' AND bank_code = 'B2'").fetchone()
    assert len(rows) == 1
    row = rows[0]
    assert row[3:12] == src[3:12]                     # balances of May
    assert row[12:17] == (None,) * 5                  # flows missing, not zero
    assert row[17] == "2024-05"
    # reported rows are copied as they are, marked as reported
    assert one(fx, "SELECT COUNT(*) FROM bank_monthly WHERE carried_from IS NULL") == len(REPORTS)
    assert banks.carried_banks(fx, Filters("2024-06")) == {"B2": "2024-05"}


def test_carry_stops_after_the_lookback(fx):
    th = Thresholds(expected_lookback_months=0)
    banks.refresh(fx, th=th)
    assert one(fx, "SELECT COUNT(*) FROM bank_monthly WHERE carried_from IS NOT NULL") == 0
    banks.refresh(fx)


# --- totals and scope ----------------------------------------------------------------------
SUM_SQL = """SELECT SUM(deposits), SUM(loans), SUM(agri_loans), SUM(small_loans), SUM(small_borrowers),
                    SUM(inclusive_agri_loans), SUM(credit_loans), SUM(long_loans), SUM(npl)
             FROM bank_reports WHERE {where}"""


@pytest.mark.parametrize("month", ["2023-12", "2024-05", "2024-06"])
def test_county_totals_against_sql(fx, month):
    t = banks.totals(fx, Filters(month))
    reported = fx.execute(SUM_SQL.format(where="month = ?"), [month]).fetchone()
    # a bank missing in the month counts with its last report of the look-back
    missing = fx.execute(SUM_SQL.format(where="""month = (SELECT MAX(month) FROM bank_reports r WHERE
        r.bank_code = bank_reports.bank_code AND r.month < ?) AND bank_code NOT IN
        (SELECT bank_code FROM bank_reports WHERE month = ?) AND month >= ?"""), [month, month, "2023-12"]).fetchone()
    expected = [int(a or 0) + int(b or 0) for a, b in zip(reported, missing)]
    got = [t.deposits, t.loans, t.agri_loans, t.small_loans, t.small_borrowers, t.inclusive_agri_loans,
           t.credit_loans, t.long_loans, t.npl]
    assert got == expected
    flows = fx.execute("SELECT SUM(first_borrowers_ytd), SUM(first_amount_ytd), SUM(renewal_ytd), "
                       "SUM(disbursed_ytd), SUM(disbursed_ytd * rate_bp) FROM bank_reports WHERE month = ?",
                       [month]).fetchone()
    assert (t.first_borrowers_ytd, t.first_amount_ytd, t.renewal_ytd, t.disbursed_ytd) == flows[:4]
    assert t.rate == pytest.approx(flows[4] / flows[3] / 10_000)
    assert t.ldr == pytest.approx(expected[1] / expected[0])
    assert t.npl_rate == pytest.approx(expected[8] / expected[1])


def test_june_totals_by_hand(fx):
    t = banks.totals(fx, Filters("2024-06"))
    assert t.deposits == (108 + 52 + 100 + 70) * M        # B2 carried from May
    assert t.loans == (77 + 30 + 70 + 48) * M
    assert t.first_borrowers_ytd == 24 + 8 + 5            # B2's flow is missing, not May's
    assert t.carried == 1


def test_town_scope_keeps_by_town_reports_and_names_the_others(fx):
    f = Filters("2024-06", ("T1",))
    t = banks.totals(fx, f)
    assert (t.deposits, t.loans) == (108 * M, 77 * M)
    assert banks.county_only_banks(fx, f) == ["邮储银行", "建设银行"]
    assert "邮储银行、建设银行按全县报送" in banks.scope_note(fx, f)
    assert banks.scope_note(fx, Filters("2024-06")) is None
    assert banks.county_only_banks(fx, Filters("2024-06", ("T1",), ("B1",))) == []


def test_bank_scope(fx):
    t = banks.totals(fx, Filters("2024-06", (), ("B3",)))
    assert (t.deposits, t.loans, t.npl) == (70 * M, 48 * M, 310 * K)
    assert banks.totals(fx, Filters("2030-01")) is None


def test_kpis_compare_with_the_year_start_and_a_year_before(fx):
    f = Filters("2024-05")
    by = {k.key: k for k in banks.kpis(fx, f)}
    now = fx.execute("SELECT SUM(loans), SUM(deposits) FROM bank_reports WHERE month = '2024-05'").fetchone()
    start = fx.execute("SELECT SUM(loans), SUM(deposits) FROM bank_reports WHERE month = '2023-12'").fetchone()
    year_ago = fx.execute("SELECT SUM(loans), SUM(deposits) FROM bank_reports WHERE month = '2023-05'").fetchone()
    assert by["bank_loans"].value == now[0] and by["bank_loans"].base == start[0]
    assert by["bank_loans"].delta_base_text() == f"比年初 +{(now[0] - start[0]) / 1e4:,.0f} 万元"
    assert by["bank_deposits"].base == start[1]
    assert by["bank_loans"].second_label == "同比" and by["bank_loans"].second is None   # no May 2023
    assert year_ago == (None, None)            # no May 2023: no 同比增速
    assert by["bank_loans_yoy"].value is None
    june = {k.key: k for k in banks.kpis(fx, Filters("2024-06"))}
    loans_06 = (77 + 30 + 70 + 48) * M
    loans_0606 = one(fx, "SELECT SUM(loans) FROM bank_reports WHERE month = '2023-06'")
    assert loans_0606 == (60 + 28 + 55) * M   # B3 did not report a year before: growth of unequal sets
    assert june["bank_loans_yoy"].value == pytest.approx(loans_06 / loans_0606 - 1)
    assert june["bank_ldr"].value == pytest.approx(loans_06 / ((108 + 52 + 100 + 70) * M))
    assert june["bank_loans"].second == loans_0606
    assert june["bank_loans"].comparison_text().startswith("比年初 +") and " · 同比 +" in june["bank_loans"].comparison_text()
    # ytd flows compare with the same month last year
    first_0606 = one(fx, "SELECT SUM(first_borrowers_ytd) FROM bank_reports WHERE month = '2023-06'")
    assert june["bank_first_hh"].base == first_0606
    # ... but 2023 is a partial first year (data from 2023-12 in the other feeds, 2023-06 here): no 同比
    assert june["bank_first_hh"].delta_base_text().startswith("上年同期不完整")


# --- regulatory checks ------------------------------------------------------------------------
def test_two_increase_boundaries():
    eq = banks.TwoIncrease(small_now=107, small_base=100, loans_now=214, loans_base=200,
                           borrowers_now=50, borrowers_base=50)
    assert eq.growth_ok and eq.borrowers_ok and eq.ok        # equal growth, equal borrowers pass
    assert not dataclasses.replace(eq, small_now=106).growth_ok
    assert not dataclasses.replace(eq, borrowers_now=49).ok
    assert dataclasses.replace(eq, borrowers_now=51).ok
    # float growth rates that are equal in exact arithmetic but not in binary
    tricky = banks.TwoIncrease(small_now=110, small_base=100, loans_now=330, loans_base=300,
                               borrowers_now=1, borrowers_base=1)
    assert tricky.ok


def test_ratio_lines_are_exact():
    assert not banks.below(70, 100, 0.70) and banks.below(69_999_999, 100_000_000, 0.70)
    assert not banks.above(3, 100, 0.03) and banks.above(300_001, 10_000_000, 0.03)
    assert not banks.below(1, 0, 0.7) and not banks.above(1, 0, 0.03)


def test_checks_at_the_boundaries(fx):
    june = banks.check_rows(fx, Filters("2024-06"))
    b1 = next(r for r in june if r["code"] == "B1")
    # B1: loans 100 -> 107 (+7%), 普惠小微 30 -> 32.1 (+7%), borrowers 150 -> 150: 两增 met exactly
    assert b1["two"].ok and b1["two"].small_growth == pytest.approx(0.07)
    # 县域法人: new loans 7 of new deposits 10 = 70%: met exactly
    assert b1["local"] and b1["local_ok"] is True
    assert b1["local_ratio"] == pytest.approx(Fraction(7, 10))
    # 不良率 3.21 / 107 = 3.0%: not above the line
    assert b1["npl_ok"] is True
    # 存贷比 107 / 160 below 70%
    assert b1["ldr_ok"] is False
    rules = {(c.rule, c.bank) for c in banks.checks(fx, Filters("2024-06"))}
    assert ("ldr_low", "B1") in rules and ("two_increase", "B1") not in rules
    assert not any(bank == "B2" for _, bank in rules)        # carried: not checked
    may = {r["code"]: r for r in banks.check_rows(fx, Filters("2024-05"))}
    assert may["B2"]["ldr_ok"] is True                       # 70 / 100 exactly on the target
    assert may["B2"]["two"].ok is False                      # 13 -> 14 (+7.7%) < 60 -> 70 (+16.7%)
    texts = [c.text for c in banks.checks(fx, Filters("2024-05")) if c.bank == "B2"]
    assert any("未实现“两增”" in t and "比年初减少 1 户" in t for t in texts)
    # one 元 more npl at B1 in June crosses the line
    fx.conn.execute("UPDATE bank_reports SET npl = npl + 1 WHERE month = '2024-06' AND bank_code = 'B1' AND town_code = 'T1'")
    banks.refresh(fx)
    assert ("npl_high", "B1") in {(c.rule, c.bank) for c in banks.checks(fx, Filters("2024-06"))}


def test_check_table_has_the_county_row(fx):
    table = banks.check_table(fx, Filters("2024-05"))
    county = table[table["银行"] == "全县"].iloc[0]
    loans, dep = fx.execute("SELECT SUM(loans), SUM(deposits) FROM bank_reports WHERE month = '2024-05'").fetchone()
    assert county["存贷比（%）"] == round(loans / dep * 100, 1)
    assert list(table["银行"]) == ["农商行", "邮储银行", "建设银行", "全县"]


# --- targets ------------------------------------------------------------------------------------
def test_targets_against_sql(fx):
    table = banks.target_table(fx, Filters("2024-05")).set_index("银行")
    inc = one(fx, "SELECT SUM(CASE WHEN month = '2024-05' THEN loans ELSE -loans END) FROM bank_reports "
                  "WHERE bank_code = 'B1' AND month IN ('2023-12', '2024-05')")
    assert table.loc["农商行", "比年初增加（亿元）"] == round(inc / 1e8, 2)
    assert table.loc["农商行", "完成率（%）"] == round(inc / (10 * M) * 100, 1)
    county_inc = one(fx, "SELECT SUM(CASE WHEN month = '2024-05' THEN loans ELSE -loans END) FROM bank_reports "
                         "WHERE month IN ('2023-12', '2024-05')")
    assert table.loc["全县", "完成率（%）"] == round(county_inc / (30 * M) * 100, 1)
    assert "邮储银行" in table.index and table.loc["邮储银行", "全年目标（亿元）"] != table.loc["邮储银行", "全年目标（亿元）"]
    assert banks.target_for(fx, Filters("2024-05", ("T1",))) is None
    assert banks.target_for(fx, Filters("2024-05", (), ("B1", "B3"))) == 12 * M
    assert banks.target_for(fx, Filters("2024-05", (), ("B1", "B2"))) is None
    # B3: +2 of 2 by May (41.9% elapsed) is ahead; the county 31 of 30: ahead
    assert table.loc["建设银行", "进度"] == "领先"


# --- 金融机构考核 ----------------------------------------------------------------------------------
def _values_by_sql(db, month):
    """Each indicator per bank, straight from the ledgers."""
    out = {}
    for bank in ("B1", "B2", "B3"):
        now = db.execute("SELECT SUM(loans), SUM(agri_loans), SUM(small_loans), SUM(first_borrowers_ytd), SUM(npl) "
                         "FROM bank_reports WHERE month = ? AND bank_code = ?", [month, bank]).fetchone()
        base = db.execute("SELECT SUM(loans), SUM(agri_loans), SUM(small_loans) FROM bank_reports "
                          "WHERE month = '2023-12' AND bank_code = ?", [bank]).fetchone()
        granted, used = db.execute("SELECT SUM(granted_amount), SUM(used_amount) FROM credit_reports "
                                   "WHERE month = ? AND bank_code = ?", [month, bank]).fetchone()
        balance, overdue, n = db.execute(
            "SELECT SUM(s.balance), SUM(CASE WHEN s.days_overdue > 0 THEN s.balance ELSE 0 END), COUNT(*) "
            "FROM microloan_status s JOIN microloans l ON l.id = s.loan_id WHERE s.month = ? AND l.bank_code = ?",
            [month, bank]).fetchone()
        new = db.execute("SELECT COALESCE(SUM(amount), 0) FROM microloans WHERE bank_code = ? AND is_extension = 0 "
                         "AND substr(disbursed_on, 1, 7) BETWEEN '2024-01' AND ?", [bank, month]).fetchone()[0]
        out[bank] = {
            "loan_growth": now[0] / base[0] - 1, "agri_growth": now[1] / base[1] - 1,
            "small_growth": now[2] / base[2] - 1,
            "credit_usage": used / granted if granted else None,
            "microloan_new": new if n else None,
            "microloan_overdue": overdue / balance if n and balance else None,
            "first_borrowers": now[3], "npl_rate": now[4] / now[0],
        }
    return out


LOWER_BETTER = {"microloan_overdue", "npl_rate"}


def _expected_ranking(values, weights):
    scores = {b: {} for b in values}
    for key in weights:
        vals = [v[key] for v in values.values() if v[key] is not None]
        for b, v in values.items():
            x = v[key]
            if x is None:
                scores[b][key] = 0.0
            elif max(vals) == min(vals):
                scores[b][key] = 100.0
            elif key in LOWER_BETTER:
                scores[b][key] = 100 * (max(vals) - x) / (max(vals) - min(vals))
            else:
                scores[b][key] = 100 * (x - min(vals)) / (max(vals) - min(vals))
    total = sum(weights.values())
    return {b: sum(weights[k] * s[k] for k in weights) / total for b, s in scores.items()}, scores


def test_ranking_recomputed(fx):
    weights = banks.default_weights()
    values = _values_by_sql(fx, "2024-05")
    got = banks.ranking(fx, Filters("2024-05"))
    assert banks.indicator_values(fx, "2024-05")[1] == {}        # everyone reported May
    expected, scores = _expected_ranking(values, weights)
    names = {"B1": "农商行", "B2": "邮储银行", "B3": "建设银行"}
    order = [names[b] for b in sorted(expected, key=lambda b: -expected[b])]
    assert list(got["银行"]) == order
    assert list(got["排名"]) == [1, 2, 3]
    for b, name in names.items():
        row = got[got["银行"] == name].iloc[0]
        assert row["加权得分"] == pytest.approx(round(expected[b], 2))
        for ind in banks.INDICATORS:
            assert row[f"{ind.label}得分"] == pytest.approx(round(scores[b][ind.key], 1))
    # B3 has no credit villages and no microloans: those indicators score 0
    b3 = got[got["银行"] == "建设银行"].iloc[0]
    assert b3["信用村用信得分"] == 0 and b3["小额信贷逾期得分"] == 0 and b3["小额信贷投放得分"] == 0


def test_weights_move_the_ranking(fx):
    only_npl = {k: 0 for k in banks.default_weights()} | {"npl_rate": 10}
    got = banks.ranking(fx, Filters("2024-05"), tuple(only_npl.items()))
    npl = {b: v["npl_rate"] for b, v in _values_by_sql(fx, "2024-05").items()}
    names = {"B1": "农商行", "B2": "邮储银行", "B3": "建设银行"}
    assert list(got["银行"]) == [names[b] for b in sorted(npl, key=npl.get)]
    only_growth = {k: 0 for k in banks.default_weights()} | {"loan_growth": 5}
    growth = {b: v["loan_growth"] for b, v in _values_by_sql(fx, "2024-05").items()}
    got = banks.ranking(fx, Filters("2024-05"), tuple(only_growth.items()))
    assert list(got["银行"]) == [names[b] for b in sorted(growth, key=lambda b: -growth[b])]
    zero = banks.ranking(fx, Filters("2024-05"), tuple((k, 0) for k in only_npl))
    assert zero["加权得分"].isna().all()


def test_a_missing_reporter_is_shown_but_never_ranked(fx):
    got = banks.ranking(fx, Filters("2024-06"))
    b2 = got[got["银行"] == "邮储银行"].iloc[0]
    assert b2["排名"] is None or b2["排名"] != b2["排名"]
    assert "沿用5月数据" in b2["报送情况"] and "不参与排名" in b2["报送情况"]
    assert list(got["银行"])[-1] == "邮储银行"
    ranked = got[got["银行"] != "邮储银行"]
    assert sorted(ranked["排名"]) == [1, 2]


def test_bank_filter_keeps_rows_scored_among_all(fx):
    all_rows = banks.ranking(fx, Filters("2024-05")).set_index("银行")
    one_bank = banks.ranking(fx, Filters("2024-05", (), ("B3",)))
    assert list(one_bank["银行"]) == ["建设银行"]
    assert one_bank.iloc[0]["加权得分"] == all_rows.loc["建设银行", "加权得分"]


# --- tables ---------------------------------------------------------------------------------------
def test_bank_table_and_trend(fx):
    table = banks.bank_table(fx, Filters("2024-06")).set_index("银行")
    assert table.loc["农商行", "报送口径"] == "按乡镇" and table.loc["建设银行", "报送口径"] == "全县"
    assert table.loc["合计", "各项贷款（亿元）"] == round((77 + 30 + 70 + 48) * M / 1e8, 2)
    assert "沿用5月数据" in table.loc["邮储银行", "报送情况"]
    assert pd.isna(table.loc["邮储银行", "当年首贷户数"])       # its flows are missing, not zero
    assert table.loc["合计", "当年首贷户数"] == 24 + 8 + 5
    trend = banks.trend(fx, Filters("2024-06"))
    assert list(trend["月份"]) == ["2023-06", "2023-12", "2024-05", "2024-06"]
    last = trend.iloc[-1]
    assert "邮储银行未报送" in last["沿用数据"]
    assert last["存贷比（%）"] == round((77 + 30 + 70 + 48) / (108 + 52 + 100 + 70) * 100, 1)


def test_town_table(fx):
    towns = banks.town_table(fx, Filters("2024-06")).set_index("乡镇")
    assert list(towns.index) == ["甲镇", "乙乡"]
    assert towns.loc["甲镇", "各项贷款（亿元）"] == 0.77 and towns.loc["乙乡", "报送银行"] == "农商行"


def test_ranking_text(fx):
    table = banks.ranking(fx, Filters("2024-06"))
    text = banks.ranking_text(table)
    assert text.startswith("排名：1. ") and "邮储银行" not in text      # carried: not ranked
    assert text.count("分；") == 1


# --- the demo county ----------------------------------------------------------------------------
def test_demo_books_are_plausible_and_consistent(db):
    for month in ("2024-10", "2025-10", "2026-10"):
        t = banks.totals(db, Filters(month))
        assert 200e8 <= t.loans <= 400e8 and 0.60 <= t.ldr <= 0.90, month
    # a bank's 涉农 (and 普惠型涉农) book covers its 信用村 用信 and microloan balances, town by town
    # for the banks reporting by town, county-wide for the others
    rows = db.execute("""
        WITH cover AS (
            SELECT month, town_code, bank_code, SUM(x) AS x FROM (
                SELECT month, town_code, bank_code, used_amount AS x FROM credit_monthly
                UNION ALL SELECT month, town_code, bank_code, balance FROM microloan_monthly)
            GROUP BY 1, 2, 3)
        SELECT r.month, r.bank_code, r.town_code, r.agri_loans, r.inclusive_agri_loans,
               (SELECT TOTAL(c.x) FROM cover c WHERE c.month = r.month AND c.bank_code = r.bank_code
                  AND (r.town_code = '' OR c.town_code = r.town_code))
        FROM bank_reports r""").fetchall()
    assert rows and all(agri > need and incl > need for *_, agri, incl, need in rows)
    assert {r[1] for r in rows if r[2]} == {"RCB", "VTB"}          # the county's own institutions by town


def test_demo_stories(db):
    end = Filters("2026-10")
    failing = {(c.rule, c.bank) for c in banks.checks(db, end)}
    assert ("two_increase", "ABC") in failing                       # 农业银行 behind its 两增
    assert ("ldr_low", "CCB") in failing                            # 建设银行's 存贷比 fell below the target
    ccb = [banks.totals(db, Filters(m, (), ("CCB",))).ldr for m in ("2025-10", "2026-01", "2026-05", "2026-10")]
    assert ccb[0] > 0.70 > ccb[-1] and ccb == sorted(ccb, reverse=True)
    last_year = {(c.rule, c.bank) for c in banks.checks(db, Filters("2025-10"))}
    assert ("two_increase", "ABC") not in last_year and ("ldr_low", "CCB") not in last_year
    targets = banks.target_table(db, end).set_index("银行")
    assert targets.loc["建设银行", "进度"] == "落后" and targets.loc["农商行", "进度"] == "领先"


def test_completeness_feed_names_the_missing_bank(fx):
    from finance_core import completeness

    found = completeness.gaps(fx, Filters("2024-06"), (banks.AREA_KEY,))
    assert [(g.feed, g.reporter, g.last) for g in found] == [(banks.FEED, "B2", "2024-05")]
    assert found[0].text() == "邮储银行未报送2024年6月银行存贷款月报（余额沿用5月数据，当年累计缺失）"
    by = {k.key: k for k in banks.kpis(fx, Filters("2024-06"))}
    assert by["bank_loans"].note == "含沿用5月数据（邮储银行）"
    assert by["bank_first_hh"].note == "缺邮储银行6月数据"
    # a county-wide reporter is not expected in a town scope; B1's towns all reported
    assert completeness.gaps(fx, Filters("2024-06", ("T1",)), (banks.AREA_KEY,)) == []
    assert completeness.gaps(fx, Filters("2024-05"), (banks.AREA_KEY,)) == []
