"""小额信贷 metrics against a hand-built county with known answers (data month
2025-06), and against plain SQL on the demo county's ledger.

The fixture (see the comments for the sums):
- L02 is exactly 30 days overdue (逾期 but not PAR30), L03 exactly 31 (PAR30),
  L14 exactly 90 (PAR30 but not PAR90), L04 100 days, L13 300 days;
- L05 matured in June and was renewed by L06 (续贷: new lending);
- L07 matured in April and was extended by L08 (展期: not new lending);
- L09 was disbursed and repaid inside June;
- households 1, 6, 8 and 11 had two loans each (获贷率 counts them once);
  household 1 borrowed from both banks.
"""
from __future__ import annotations

import datetime as dt

import pytest

from finance_core import exports, money, periods, privacy
from finance_core import microloans as ml
from finance_core.config import THRESHOLDS
from finance_core.filters import Filters
from tests import fixtures

AS_OF = "2025-06"
TOWNS = [("T1", "甲镇", 3000, 9000), ("T2", "乙乡", 2000, 6000)]
BANKS = [("B1", "农商行", "农村金融机构"), ("B2", "邮储银行", "国有大行")]
VILLAGES = [("V1", "T1", "一村", 300, 13, 0, 0, None, 0), ("V2", "T2", "二村", 200, 7, 0, 0, None, 0)]
NAMES = {1: "张三明", 2: "王小二", 3: "李四", 4: "赵五", 6: "欧阳明华", 7: "钱七", 8: "张三明",
         9: "孙九", 10: "周十", 11: "司马相如", 12: "司马懿", 13: "诸葛亮", 14: "李四", 15: "吴"}


def id_number(i: int) -> str:
    return f"99010119800101{i:03d}1"


# households 1-10 and 16-18 in 甲镇 (13 eligible), 11-15 and 19-20 in 乙乡 (7 eligible)
HOUSEHOLDS = [
    (i, "V1" if i <= 10 or 16 <= i <= 18 else "V2", NAMES.get(i, f"户主{i}"),
     "12345" if i == 12 else id_number(i), "脱贫户" if i % 2 else "监测户")
    for i in range(1, 21)
]
# id, no, household, bank, town, amount, disbursed, maturity, rate, renewal, extension, prev
LOANS = [
    (1, "L01", 1, "B1", "T1", 50_000, "2024-03-10", "2027-03-10", 345, 0, 0, None),
    (2, "L02", 2, "B1", "T1", 40_000, "2024-01-05", "2025-05-31", 345, 0, 0, None),   # 30 days
    (3, "L03", 3, "B1", "T1", 30_000, "2024-01-05", "2025-05-30", 345, 0, 0, None),   # 31 days
    (4, "L04", 4, "B2", "T1", 20_000, "2023-03-22", "2025-03-22", 345, 0, 0, None),   # 100 days
    (5, "L05", 11, "B2", "T2", 50_000, "2022-06-01", "2025-06-01", 345, 0, 0, None),  # renewed
    (6, "L06", 11, "B2", "T2", 50_000, "2025-06-01", "2028-06-01", 300, 1, 0, 5),     # 续贷
    (7, "L07", 6, "B1", "T1", 30_000, "2023-04-15", "2025-04-15", 345, 0, 0, None),   # extended
    (8, "L08", 6, "B1", "T1", 30_000, "2025-04-15", "2025-08-15", 300, 0, 1, 7),      # 展期
    (9, "L09", 7, "B1", "T1", 20_000, "2025-06-03", "2025-07-10", 300, 0, 0, None),   # in and out
    (10, "L10", 8, "B1", "T1", 10_000, "2024-02-01", "2025-02-01", 345, 0, 0, None),
    (11, "L11", 8, "B1", "T1", 20_000, "2025-03-01", "2025-07-30", 300, 0, 0, None),  # due in 30 d
    (12, "L12", 12, "B1", "T2", 40_000, "2025-01-15", "2025-09-15", 300, 0, 0, None),
    (13, "L13", 13, "B2", "T2", 50_000, "2021-09-03", "2024-09-03", 345, 0, 0, None),  # 300 days
    (14, "L14", 9, "B2", "T1", 10_000, "2024-01-01", "2025-04-01", 345, 0, 0, None),   # 90 days
    (15, "L15", 10, "B2", "T1", 10_000, "2025-02-01", "2025-06-30", 300, 0, 0, None),  # due on month end
    (16, "L16", 14, "B2", "T2", 20_000, "2024-09-28", "2025-09-28", 300, 0, 0, None),  # due in 90 d
    (17, "L17", 15, "B2", "T2", 30_000, "2024-09-29", "2025-09-29", 300, 0, 0, None),  # due in 91 d
    (18, "L18", 1, "B2", "T1", 10_000, "2023-01-01", "2024-01-01", 345, 0, 0, None),   # H1 at B2
]
# loan, month, balance, days overdue, subsidy paid
STATUS = [
    (1, "2024-12", 50_000, 0, 300),
    (10, "2025-01", 10_000, 0, 0), (10, "2025-02", 0, 0, 0),
    (1, "2025-03", 50_000, 0, 300), (12, "2025-03", 40_000, 0, 200),
    (7, "2025-04", 0, 0, 0), (8, "2025-04", 30_000, 0, 0),
    # 2025-05: balance 400,000; >0 days 110,000; >30 days 80,000; >90 days 50,000
    (1, "2025-05", 50_000, 0, 0), (2, "2025-05", 40_000, 0, 0), (3, "2025-05", 30_000, 1, 0),
    (4, "2025-05", 20_000, 69, 0), (5, "2025-05", 50_000, 0, 0), (8, "2025-05", 30_000, 0, 0),
    (11, "2025-05", 20_000, 0, 0), (12, "2025-05", 40_000, 0, 0), (13, "2025-05", 50_000, 269, 0),
    (14, "2025-05", 10_000, 59, 0), (15, "2025-05", 10_000, 0, 0), (16, "2025-05", 20_000, 0, 0),
    (17, "2025-05", 30_000, 0, 0),
    # 2025-06: balance 400,000 in 13 loans; >0 days 150,000; >30 days 110,000; >90 days 70,000
    (1, "2025-06", 50_000, 0, 300), (2, "2025-06", 40_000, 30, 0), (3, "2025-06", 30_000, 31, 0),
    (4, "2025-06", 20_000, 100, 0), (5, "2025-06", 0, 0, 0), (6, "2025-06", 50_000, 0, 100),
    (8, "2025-06", 30_000, 0, 0), (9, "2025-06", 0, 0, 0), (11, "2025-06", 20_000, 0, 0),
    (12, "2025-06", 40_000, 0, 0), (13, "2025-06", 50_000, 300, 0), (14, "2025-06", 10_000, 90, 0),
    (15, "2025-06", 10_000, 0, 0), (16, "2025-06", 20_000, 0, 0), (17, "2025-06", 30_000, 0, 0),
]
RISK_FUND = [("2025-05", 0, 0, 0, 90_000), ("2025-06", 10_000, 0, 0, 100_000)]
TARGETS = [(2025, "microloan_new_amount", "county", "", 300_000),
           (2025, "microloan_new_amount", "town", "T1", 200_000),
           (2025, "microloan_new_amount", "town", "T2", 100_000),
           (2025, "microloan_new_amount", "bank", "B1", 150_000)]


def build(db) -> None:
    """Load the fixture into an empty, migrated database and refresh the roll-ups."""
    fixtures.load(db, [("towns", TOWNS), ("banks", BANKS), ("villages", VILLAGES),
                       ("households", HOUSEHOLDS), ("microloans", LOANS),
                       ("microloan_status", STATUS), ("risk_fund", RISK_FUND), ("targets", TARGETS)])


@pytest.fixture
def small(empty_db):
    build(empty_db)
    return empty_db


F = Filters(AS_OF)
T1, T2 = Filters(AS_OF, towns=("T1",)), Filters(AS_OF, towns=("T2",))
B1, B2 = Filters(AS_OF, banks=("B1",)), Filters(AS_OF, banks=("B2",))


# --- position, PAR and flows ------------------------------------------------------
def test_par_boundaries_30_31_and_90_days(small):
    t = ml.totals(small, F)
    assert (t.balance, t.loans, t.households) == (400_000, 13, 13)
    # 30 days (L02) is overdue but not PAR30; 31 days (L03) is PAR30; 90 days (L14) not PAR90
    assert t.overdue_balance == 40_000 + 30_000 + 20_000 + 50_000 + 10_000
    assert t.par30_balance == 30_000 + 20_000 + 50_000 + 10_000
    assert t.par90_balance == 20_000 + 50_000
    assert t.overdue_rate == pytest.approx(150_000 / 400_000)
    assert t.par30 == pytest.approx(110_000 / 400_000)
    assert t.par90 == pytest.approx(70_000 / 400_000)


def test_renewal_is_new_lending_extension_is_not(small):
    t = ml.totals(small, F)
    # 2025 disbursements: L06 (续贷) 50,000, L09 20,000, L11 20,000, L12 40,000, L15 10,000
    assert (t.new_loans_ytd, t.new_amount_ytd) == (5, 140_000)
    assert t.new_households_ytd == 5          # households 11, 7, 8, 12, 10
    fl = ml.flows(small, F)
    assert (fl.renewal_loans_ytd, fl.renewal_amount_ytd) == (1, 50_000)
    assert (fl.extension_loans_ytd, fl.extension_amount_ytd) == (1, 30_000)
    # whole ledger except the extension L08 (L18 and L13 predate the snapshots)
    assert (fl.cumulative_loans, fl.cumulative_amount) == (17, 490_000)
    # the extended loan keeps its balance in the position
    assert ml.totals(small, Filters(AS_OF, banks=("B1",))).balance == 210_000


def test_new_lending_counts_from_january_before_the_first_snapshot(small):
    # snapshots start in 2024-12; 2024's lending still counts from January:
    # L01, L02, L03, L10, L14, L16, L17 (households 1, 2, 3, 8, 9, 14, 15)
    t = ml.totals(small, Filters("2024-12"))
    assert (t.new_loans_ytd, t.new_amount_ytd, t.new_households_ytd) == (7, 190_000, 7)
    assert t.balance == 50_000                               # only L01 has a December snapshot
    assert ml.totals(small, Filters("2024-11")) is None      # no snapshot, no position


def test_loan_disbursed_and_repaid_inside_the_month(small):
    t7 = ml.totals(small, Filters(AS_OF, towns=("T1",)))
    # L09 counts as new lending and a new household, not in the balance or 在贷户数
    assert t7.new_amount_ytd == 20_000 + 20_000 + 10_000
    assert t7.balance == 210_000 and t7.loans == 8 and t7.households == 8
    ageing = ml.ageing(small, F, ml.BY_TOWN).set_index("乡镇")
    assert ageing.loc["合计", "合计（笔）"] == 13


def test_access_rate_counts_a_household_once(small):
    # borrowers: 甲镇 1,2,3,4,6,7,8,9,10 (9 of 13); 乙乡 11..15 (5 of 7)
    assert ml.access_rate(small, F) == pytest.approx(14 / 20)
    assert ml.access_rate(small, T1) == pytest.approx(9 / 13)
    assert ml.access_rate(small, T2) == pytest.approx(5 / 7)
    # household 1 borrowed from both banks: once per bank
    assert ml.access_rate(small, B1) == pytest.approx(7 / 20)
    assert ml.access_rate(small, B2) == pytest.approx(8 / 20)
    # both banks: household 1 once (the distinct count over the household table)
    assert ml.access_rate(small, Filters(AS_OF, banks=("B1", "B2"))) == pytest.approx(14 / 20)
    assert ml.borrowed_households(small, F, "bank_code") == {"B1": 7, "B2": 8}
    assert ml.borrowed_households(small, F, "town_code") == {"T1": 9, "T2": 5}
    # before L09 (June) household 7 had not borrowed yet
    assert ml.access_rate(small, Filters("2025-05")) == pytest.approx(13 / 20)


def test_subsidy_and_fund(small):
    assert ml.totals(small, F).subsidy_ytd == 300 + 200 + 300 + 100   # 2024-12 excluded
    assert ml.fund_balance(small, AS_OF) == 100_000
    assert ml.fund_balance(small, "2025-04") is None
    assert ml.fund_coverage(small, AS_OF) == pytest.approx(100_000 / (150_000 * THRESHOLDS.fund_share_default))
    assert ml.fund_coverage(small, AS_OF, 0.5) == pytest.approx(100_000 / 75_000)
    # the fund is county-wide: a town filter does not change it
    assert ml.snapshot(small, T2).fund_coverage == ml.snapshot(small, F).fund_coverage
    assert ml.snapshot(small, F).fund_leverage == pytest.approx(4.0)


def test_kpis_values_and_comparisons(small):
    k = {x.key: x for x in ml.kpis(small, F)}
    assert k["ml_balance"].value == 400_000 and k["ml_balance"].prev == 400_000
    assert k["ml_balance"].base is None                     # no data a year before
    assert k["ml_overdue_rate"].prev == pytest.approx(110_000 / 400_000)
    assert k["ml_par30"].prev == pytest.approx(80_000 / 400_000)
    assert k["ml_par90"].prev == pytest.approx(50_000 / 400_000)
    assert k["ml_overdue_rate"].flag                         # 37.5% > 2%
    assert k["ml_new_amount"].value == 140_000
    assert k["ml_new_amount"].prev == 40_000 + 10_000 + 20_000   # up to May: L12, L15, L11
    assert k["ml_access"].value == pytest.approx(0.7)
    assert k["ml_cumulative"].value == 490_000 and k["ml_cumulative_n"].value == 17
    assert k["ml_renewal_n"].value == 1 and k["ml_extension_amount"].value == 30_000
    assert k["ml_subsidy"].value == 900
    assert k["ml_fund"].value == 100_000 and k["ml_fund"].prev == 90_000
    assert k["ml_fund_coverage"].value == pytest.approx(100_000 / 60_000)
    assert k["ml_fund_leverage"].flag                        # 4x < 10x
    assert ml.kpis(small, Filters("2024-06")) == []          # no data that month
    table = ml.kpi_table(list(k.values()))
    assert table.set_index("指标").loc["贷款余额", "数值"] == "40.00 万元"


# --- ageing and trend ---------------------------------------------------------------
def test_ageing_buckets_by_town_and_bank(small):
    town = ml.ageing(small, F, ml.BY_TOWN).set_index("乡镇")
    total = town.loc["合计"]
    assert [total[f"{b}（万元）"] for b in ml.BUCKET_LABELS] == [25.0, 4.0, 3.0, 1.0, 2.0, 5.0]
    assert [total[f"{b}（笔）"] for b in ml.BUCKET_LABELS] == [8, 1, 1, 1, 1, 1]
    assert total["合计（万元）"] == 40.0 and total["逾期率（%）"] == 37.5
    # 甲镇: L02 (1-30), L03 (31-60), L14 (61-90), L04 (91-180); 乙乡: L13 (>180)
    assert town.loc["甲镇", "1–30天（万元）"] == 4.0 and town.loc["甲镇", "61–90天（笔）"] == 1
    assert town.loc["甲镇", "正常（笔）"] == 4 and town.loc["乙乡", "正常（笔）"] == 4
    assert town.loc["乙乡", ">180天（万元）"] == 5.0 and town.loc["乙乡", "合计（万元）"] == 19.0
    bank = ml.ageing(small, F, ml.BY_BANK).set_index("银行")
    assert bank.loc["农商行", "合计（万元）"] == 21.0 and bank.loc["农商行", "逾期率（%）"] == 33.3
    assert bank.loc["邮储银行", "91–180天（笔）"] == 1 and bank.loc["邮储银行", ">180天（笔）"] == 1
    # filters apply: only 乙乡
    assert list(ml.ageing(small, T2, ml.BY_BANK)["银行"]) == ["农商行", "邮储银行", "合计"]
    assert ml.ageing(small, Filters("2024-06")).empty


def _ledger_rates(db, month: str, where: str = "", params=()):
    return db.execute(
        f"""SELECT SUM(s.balance), SUM(CASE WHEN s.days_overdue > 0 THEN s.balance ELSE 0 END),
                   SUM(CASE WHEN s.days_overdue > 30 THEN s.balance ELSE 0 END),
                   SUM(CASE WHEN s.days_overdue > 90 THEN s.balance ELSE 0 END)
            FROM microloan_status s JOIN microloans l ON l.id = s.loan_id
            WHERE s.month = ?{where}""", [month, *params]).fetchone()


def test_overdue_trend_matches_ledger(small):
    trend = ml.overdue_trend(small, F).set_index("月份")
    assert list(trend.index) == ["2024-12", "2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    for month, row in trend.iterrows():
        b, o, p30, p90 = _ledger_rates(small, month)
        assert row["贷款余额（万元）"] == money.to_wan(b)
        if b:
            assert row["逾期率（%）"] == money.percent_of(o, b)
            assert row["PAR30（%）"] == money.percent_of(p30, b)
            assert row["PAR90（%）"] == money.percent_of(p90, b)
        else:
            assert row.isna()["逾期率（%）"]
    assert trend.loc["2025-06", "PAR30（%）"] == 27.5
    assert len(ml.overdue_trend(small, F, months=2)) == 2


# --- maturities -----------------------------------------------------------------------
def test_maturity_windows_and_boundaries(small):
    summary = ml.maturity_summary(small, F, ml.BY_TOWN).set_index("乡镇")
    # from 2025-06-30: L11 on 07-30 (30 d), L08 on 08-15, L12 on 09-15, L16 on 09-28 (90 d);
    # not L15 (due 06-30), L17 (91 d) or L09 (repaid)
    assert summary.loc["合计"].tolist() == [1, 2.0, 2, 5.0, 4, 11.0]
    assert summary.loc["甲镇"].tolist() == [1, 2.0, 2, 5.0, 2, 5.0]
    assert summary.loc["乙乡"].tolist() == [0, 0.0, 0, 0.0, 2, 6.0]
    banks = ml.maturity_summary(small, F, ml.BY_BANK).set_index("银行")
    assert banks.loc["农商行", "90天内 笔数"] == 3 and banks.loc["邮储银行", "90天内 金额（万元）"] == 2.0
    listing = ml.maturity_list(small, F, 90)
    assert listing["贷款编号"].tolist() == ["L11", "L08", "L12", "L16"]
    assert listing["距到期天数"].tolist() == [30, 46, 77, 90]
    assert listing["贷款类型"].tolist() == ["新发放", "展期", "新发放", "新发放"]
    assert listing["银行"].tolist() == ["农商行", "农商行", "农商行", "邮储银行"]
    assert ml.maturity_list(small, F, 30)["贷款编号"].tolist() == ["L11"]
    assert ml.maturity_list(small, B2, 90)["贷款编号"].tolist() == ["L16"]
    assert ml.maturity_list(small, T2, 60).empty


def test_maturity_list_is_masked(small):
    listing = ml.maturity_list(small, F, 90).set_index("贷款编号")
    assert listing.loc["L11", "借款人"] == "张*明"            # household 8
    assert listing.loc["L08", "借款人"] == "欧阳*华"          # household 6
    assert listing.loc["L12", "借款人"] == "司马*"            # household 12
    assert listing.loc["L16", "借款人"] == "李*"              # household 14
    assert listing.loc["L11", "身份证号"] == "9901**********0081"
    assert listing.loc["L12", "身份证号"] == "*****"          # malformed number: all masked
    text = listing.to_csv()
    for _, _, name, idn, _ in HOUSEHOLDS:
        assert idn not in text
    assert "张三明" not in text and "欧阳明华" not in text


def test_maturity_queries_use_the_index(small, db):
    for conn in (small, db):
        f = Filters(AS_OF if conn is small else "2026-10", towns=("T1",) if conn is small else ())
        for sql, params in (ml.due_query(f, 90), ml.summary_query(f, ml.BY_BANK)):
            plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall())
            assert "INDEX idx_microloans_maturity (maturity_on>? AND maturity_on<?)" in plan, plan
            assert "SCAN" not in plan, plan
        sql, params = ml.summary_query(f, ml.BY_TOWN)
        plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall())
        assert "COVERING INDEX idx_microloans_maturity" in plan, plan


# --- rankings -------------------------------------------------------------------------
def test_rankings_with_targets(small):
    towns = ml.rankings(small, F, ml.BY_TOWN).set_index("乡镇")
    # 乙乡 90,000 of 100,000 (90%) ranks before 甲镇 50,000 of 200,000 (25%)
    assert towns.index.tolist() == ["乙乡", "甲镇"] and towns["排名"].tolist() == [1, 2]
    assert towns.loc["乙乡", "完成率（%）"] == 90.0 and towns.loc["甲镇", "完成率（%）"] == 25.0
    tp = money.percent(periods.time_progress(AS_OF))   # one decimal, half-up, as every table
    assert towns.loc["甲镇", "序时进度（%）"] == tp
    assert towns.loc["甲镇", "进度"] == "落后" and towns.loc["乙乡", "进度"] == "领先"
    assert towns.loc["甲镇", "获贷率（%）"] == money.percent_of(9, 13)
    assert towns.loc["甲镇", "逾期率（%）"] == money.percent_of(100_000, 210_000)
    assert towns.loc["乙乡", "贷款余额（万元）"] == 19.0
    assert towns.loc["甲镇", "当年新增户数"] == 3 and towns.loc["乙乡", "当年新增户数"] == 2
    assert towns.loc["甲镇", "全年目标（万元）"] == 20.0
    banks = ml.rankings(small, F, ml.BY_BANK).set_index("银行")
    assert banks.index.tolist() == ["农商行", "邮储银行"]
    assert banks.loc["农商行", "完成率（%）"] == money.percent_of(80_000, 150_000)
    assert banks.isna().loc["邮储银行", "完成率（%）"]        # no bank target
    assert banks.loc["邮储银行", "当年新增投放（万元）"] == 6.0
    assert banks.loc["邮储银行", "获贷率（%）"] == 40.0
    # a town row under a bank filter has no target (town targets cover all banks)
    mixed = ml.rankings(small, B1, ml.BY_TOWN).set_index("乡镇")
    assert mixed["完成率（%）"].isna().all() and mixed.loc["甲镇", "当年新增投放（万元）"] == 4.0


# --- what-if ----------------------------------------------------------------------------
def test_stress_test_known_answers(small):
    r = ml.stress_test(small, F, 0.1, 0.4)
    assert (r.defaulted, r.loss, r.fund_balance) == (40_000, 16_000, 100_000)
    assert r.coverage == pytest.approx(100_000 / 16_000) and r.shortfall == 0
    assert r.fund_after == 84_000 and r.capacity == 840_000
    # county balance after write-off 360,000; new lending 2024-07..2025-06 is
    # 190,000 (L16, L17 in September, L12, L15, L11, L06, L09 this year)
    assert r.headroom == 480_000 and r.avg_monthly_new == round(190_000 / 12)
    assert r.months_backed == pytest.approx(480_000 / round(190_000 / 12))
    worst = ml.stress_test(small, F, 0.5, 1.0)
    assert worst.loss == 200_000 and worst.shortfall == 100_000 and worst.fund_after == 0
    assert worst.months_backed == 0
    # a town's stress uses that town's balance against the county fund
    town = ml.stress_test(small, T2, 0.5, 1.0)
    assert town.loss == 95_000 and town.shortfall == 0 and town.fund_after == 5_000
    assert town.headroom == 0
    default = ml.stress_test(small, F)
    assert default.stress_rate == ml.STRESS_DEFAULT and default.fund_share == THRESHOLDS.fund_share_default
    assert ml.stress_test(small, Filters("2024-06")) is None
    table = r.table().set_index("项目")
    assert table.loc["缺口", "数值"] == "0.00 万元" and table.loc["覆盖倍数", "数值"] == "6.25 倍"


# --- the demo county against plain SQL on the ledger -----------------------------------------
def test_demo_ageing_matches_ledger(db):
    f = Filters("2026-10")
    bank = ml.ageing(db, f, ml.BY_BANK).set_index("银行")
    rows = db.execute(
        """SELECT b.name,
                  SUM(CASE WHEN s.days_overdue = 0 THEN s.balance ELSE 0 END),
                  SUM(CASE WHEN s.days_overdue BETWEEN 1 AND 30 THEN s.balance ELSE 0 END),
                  SUM(CASE WHEN s.days_overdue BETWEEN 31 AND 60 THEN s.balance ELSE 0 END),
                  SUM(CASE WHEN s.days_overdue BETWEEN 61 AND 90 THEN s.balance ELSE 0 END),
                  SUM(CASE WHEN s.days_overdue BETWEEN 91 AND 180 THEN s.balance ELSE 0 END),
                  SUM(CASE WHEN s.days_overdue > 180 THEN s.balance ELSE 0 END),
                  SUM(s.days_overdue BETWEEN 31 AND 60 AND s.balance > 0),
                  SUM(s.days_overdue > 180 AND s.balance > 0), SUM(s.balance > 0)
           FROM microloan_status s JOIN microloans l ON l.id = s.loan_id
           JOIN banks b ON b.code = l.bank_code
           WHERE s.month = '2026-10' GROUP BY b.name""").fetchall()
    assert len(rows) >= 2
    for name, *v in rows:
        got = [bank.loc[name, f"{b}（万元）"] for b in ml.BUCKET_LABELS]
        assert got == [money.to_wan(x) for x in v[:6]], name
        assert bank.loc[name, "31–60天（笔）"] == v[6] and bank.loc[name, ">180天（笔）"] == v[7]
        assert bank.loc[name, "合计（笔）"] == v[8]


def test_demo_flows_and_access_match_ledger(db):
    f = Filters("2026-10", towns=("T03", "T12"))
    tw = " AND town_code IN ('T03','T12')"
    fl = ml.flows(db, f)
    assert (fl.cumulative_loans, fl.cumulative_amount) == db.execute(
        f"SELECT COUNT(*), SUM(amount) FROM microloans WHERE is_extension = 0 "
        f"AND disbursed_on <= '2026-10-31'{tw}").fetchone()
    assert (fl.renewal_loans_ytd, fl.renewal_amount_ytd) == db.execute(
        f"SELECT COUNT(*), SUM(amount) FROM microloans WHERE is_renewal = 1 "
        f"AND disbursed_on BETWEEN '2026-01-01' AND '2026-10-31'{tw}").fetchone()
    assert (fl.extension_loans_ytd, fl.extension_amount_ytd) == db.execute(
        f"SELECT COUNT(*), SUM(amount) FROM microloans WHERE is_extension = 1 "
        f"AND disbursed_on BETWEEN '2026-01-01' AND '2026-10-31'{tw}").fetchone()
    borrowed, eligible = db.execute(
        f"""SELECT (SELECT COUNT(DISTINCT household_id) FROM microloans
                    WHERE is_extension = 0 AND disbursed_on <= '2026-10-31'{tw}),
                   (SELECT COUNT(*) FROM households h JOIN villages v ON v.code = h.village_code
                    WHERE v.town_code IN ('T03','T12'))""").fetchone()
    assert ml.access_rate(db, f) == pytest.approx(borrowed / eligible)


def test_demo_borrowed_households_match_distinct_count(db):
    all_banks = [r[0] for r in db.execute("SELECT DISTINCT bank_code FROM microloans").fetchall()]
    for f in (Filters("2026-10"), Filters("2025-03", towns=("T02", "T07")), Filters("2026-10", banks=("VTB",)),
              Filters("2024-12", ("T05",), ("RCB",)), Filters("2026-10", banks=tuple(sorted(all_banks)))):
        where, params = "", []
        if f.towns:
            where += f" AND town_code IN ({','.join('?' * len(f.towns))})"
            params += list(f.towns)
        if f.banks:
            where += f" AND bank_code IN ({','.join('?' * len(f.banks))})"
            params += list(f.banks)
        end = periods.month_end(f.as_of).isoformat()
        (n,) = db.execute(f"SELECT COUNT(DISTINCT household_id) FROM microloans WHERE is_extension = 0 "
                          f"AND disbursed_on <= ?{where}", [end, *params]).fetchone()
        assert ml.borrowed_households(db, f) == {"": n}, f
        by_bank = dict(db.execute(f"SELECT bank_code, COUNT(DISTINCT household_id) FROM microloans "
                                  f"WHERE is_extension = 0 AND disbursed_on <= ?{where} GROUP BY 1",
                                  [end, *params]).fetchall())
        assert ml.borrowed_households(db, f, "bank_code") == by_bank, f


def test_demo_maturities_and_rankings_match_ledger(db):
    f = Filters("2026-10", banks=("VTB",))
    end = (periods.month_end("2026-10") + dt.timedelta(days=60)).isoformat()
    n, amount = db.execute(
        """SELECT COUNT(*), SUM(s.balance) FROM microloans l JOIN microloan_status s
           ON s.loan_id = l.id AND s.month = '2026-10'
           WHERE l.bank_code = 'VTB' AND s.balance > 0
             AND l.maturity_on > '2026-10-31' AND l.maturity_on <= ?""", [end]).fetchone()
    summary = ml.maturity_summary(db, f, ml.BY_BANK).set_index("银行")
    assert summary.loc["合计", "60天内 笔数"] == n and n > 0
    assert summary.loc["合计", "60天内 金额（万元）"] == money.to_wan(amount)
    assert len(ml.maturity_list(db, f, 60)) == n
    towns = ml.rankings(db, Filters("2026-10"), ml.BY_TOWN).set_index("乡镇")
    for name, balance, overdue, new in db.execute(
            """SELECT t.name,
                      (SELECT SUM(s.balance) FROM microloan_status s JOIN microloans l ON l.id = s.loan_id
                       WHERE s.month = '2026-10' AND l.town_code = t.code),
                      (SELECT SUM(s.balance) FROM microloan_status s JOIN microloans l ON l.id = s.loan_id
                       WHERE s.month = '2026-10' AND l.town_code = t.code AND s.days_overdue > 0),
                      (SELECT SUM(amount) FROM microloans WHERE town_code = t.code AND is_extension = 0
                       AND disbursed_on BETWEEN '2026-01-01' AND '2026-10-31')
               FROM towns t""").fetchall():
        assert towns.loc[name, "贷款余额（万元）"] == money.to_wan(balance)
        assert towns.loc[name, "逾期率（%）"] == money.percent_of(overdue, balance)
        assert towns.loc[name, "当年新增投放（万元）"] == money.to_wan(new)
    assert towns["完成率（%）"].notna().all() and towns["排名"].tolist() == list(range(1, len(towns) + 1))
    assert towns["完成率（%）"].is_monotonic_decreasing


def test_exports_hold_no_unmasked_id(db):
    f = Filters("2026-10")
    listing = ml.maturity_list(db, f, 90)
    assert len(listing) > 50
    tables = {"到期清单": listing, "账龄": ml.ageing(db, f)}
    csv_text = exports.csv_bytes(listing).decode("utf-8-sig")
    assert not privacy.contains_unmasked_id(csv_text)
    import io

    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(exports.workbook(tables, {"范围": "全县"})))
    cells = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row)
    assert "**********" in cells and not privacy.contains_unmasked_id(cells)
