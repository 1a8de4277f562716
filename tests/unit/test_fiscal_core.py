"""财政资金 figures against a hand-built county with known answers (data month
2025-06) and against plain SQL; the 4321 split; claim ageing at month ends;
the fund roll-up (claims paid = fund outflows) and its migration.

The fixture (dates chosen at the month boundaries):
- 贴息 S1 (B1, 2025-Q1) filed 04-01, approved 04-20, paid 06-30: at 2025-05 it is
  待拨付 with age 60 (not overdue at 60 days), at 2025-06 paid with age 90;
- S2 (B2, 2025-Q1) filed 03-31: at 2025-05 age 61, overdue; approved 05-31 (at
  2025-05 already 待拨付), never paid;
- S3 (B1, 2025-Q2) filed 06-01: not in 2025-05's pipeline at all;
- 补偿金 K1 (L3, B2) paid 2025-02-10 and recovered 2025-06-15; K2 (L4, B1)
  approved 06-01, unpaid; K3 (L4... T2) under review since 2025-03-01 (overdue);
- compensation C1 of 1,000,003 元 at 40/30/20/10 -> 400,001 / 300,001 /
  200,001 / 100,000 (largest remainder); the county paid 60,000 then 40,000;
  C2 of 999 元 at 25/25/25/25 -> 250 / 250 / 250 / 249 (ties to the earlier party);
- awards: company 1 reached 股改 2024-01-10 (paid), 辅导备案 2025-02-01 (unpaid,
  overdue at 2025-06: 149 days > 90);
- 示范区: 1,000,000 元 received 2024-06-01, 500,000 on 2025-03-01; spent 200,000
  in 2024, 390,000 in 2025 up to June.
"""
from __future__ import annotations

import random
import sqlite3

import pytest

from finance_core import fiscal, periods, schema
from finance_core import microloans as ml
from finance_core.config import THRESHOLDS
from finance_core.filters import Filters
from tests import fixtures

AS_OF = "2025-06"
TOWNS = [("T1", "甲镇", 3000, 9000), ("T2", "乙乡", 2000, 6000)]
BANKS = [("B1", "农商行", "农村金融机构"), ("B2", "邮储银行", "国有大行")]
VILLAGES = [("V1", "T1", "一村", 300, 13, 0, 0, None, 0), ("V2", "T2", "二村", 200, 7, 0, 0, None, 0)]
HOUSEHOLDS = [(1, "V1", "张三明", "990101198001010011", "脱贫户"), (2, "V1", "欧阳明华", "990101198001010021", "脱贫户"),
              (3, "V2", "李四", "990101198001010031", "监测户"), (4, "V2", "王五", "990101198001010041", "脱贫户")]
LOANS = [
    (1, "L1", 1, "B1", "T1", 50_000, "2024-03-10", "2027-03-10", 345, 0, 0, None),
    (2, "L2", 2, "B1", "T1", 40_000, "2024-01-05", "2027-01-05", 345, 0, 0, None),
    (3, "L3", 3, "B2", "T2", 30_000, "2023-01-05", "2024-09-30", 345, 0, 0, None),
    (4, "L4", 4, "B1", "T2", 20_000, "2023-03-22", "2024-10-22", 345, 0, 0, None),
]
STATUS = [(1, "2025-05", 50_000, 0, 0), (2, "2025-05", 40_000, 0, 0), (3, "2025-05", 30_000, 200, 0),
          (4, "2025-05", 20_000, 180, 0),
          (1, "2025-06", 50_000, 0, 431), (2, "2025-06", 40_000, 0, 345), (3, "2025-06", 30_000, 230, 0),
          (4, "2025-06", 20_000, 210, 0)]
# id, bank, quarter, loans, base, applied, applied_on, approved, approved_on, paid, paid_on
SUBSIDY = [
    (1, "B1", "2025-Q1", 2, 900, 900, "2025-04-01", 800, "2025-04-20", 800, "2025-06-30"),
    (2, "B2", "2025-Q1", 1, 300, 300, "2025-03-31", 250, "2025-05-31", None, None),
    (3, "B1", "2025-Q2", 2, 776, 776, "2025-06-01", None, None, None, None),
    (4, "B2", "2024-Q4", 1, 200, 200, "2025-01-05", 200, "2025-01-10", 200, "2025-01-20"),
    (5, "B1", "2024-Q3", 1, 100, 100, "2024-10-05", 100, "2024-10-10", 100, "2024-12-31"),
]
REJECTIONS = [(1, 1, "L4", 100, "贷款逾期"), (2, 1, "L3", 50, "贷款逾期")]
# id, no, loan, bank, town, claim, county, bank share, applied, approved, approved_on, paid, paid_on
FUND_CLAIMS = [
    (1, "K1", 3, "B2", "T2", 30_000, 12_000, 18_000, "2025-01-05", 12_000, "2025-01-20", 12_000, "2025-02-10"),
    (2, "K2", 4, "B1", "T2", 20_000, 8_000, 12_000, "2025-05-15", 8_000, "2025-06-01", None, None),
    (3, "K3", 2, "B1", "T1", 10_000, 4_000, 6_000, "2025-03-01", None, None, None, None),
]
RECOVERIES = [(1, 1, "2025-06-15", 5_000)]
MOVES = [(1, "2024-12-01", "opening", 100_000, "县级财政", None), (2, "2025-01-15", "topup", 50_000, "县级财政", None)]
PRODUCTS = [("P1", "黄牛贷", "G1", "B1", 50, 5_000_000, 40, 30, 20, 10, "2023-01-01"),
            ("P2", "均分贷", "G1", None, 50, 5_000_000, 25, 25, 25, 25, "2023-01-01")]
CONTRACTS = [
    (1, "C1", "P1", "B1", "T1", "甲公司", "small", 2_000_000, 20_000, "2024-01-15", "2025-01-15", "2025-01-15",
     1_000_003, "2025-01-15", 0),
    (2, "C2", "P2", "B2", "T2", "乙合作社", "agri", 10_000, 50, "2024-06-02", "2025-06-02", "2025-06-02",
     999, "2025-06-02", 0),
]
SHARE_PAYMENTS = [(1, 1, "gov", "2025-03-01", 60_000), (2, 1, "gov", "2025-07-01", 40_000),
                  (3, 1, "reguarantor", "2025-02-01", 300_001), (4, 2, "gov", "2025-06-30", 249)]
COMPANIES = [(1, "甲科技股份有限公司", "新材料", "T1", None, "创业板", None, "张三", None, None, None),
             (2, "乙能源股份有限公司", "新能源", "T2", None, "主板", None, "李四", None, None, None)]
EVENTS = [(1, 1, "后备资源库", "2023-01-01", None), (2, 1, "股改", "2024-01-10", None),
          (3, 1, "辅导备案", "2025-02-01", None), (4, 2, "股改", "2025-07-01", None)]
AWARDS = [(1, 1, "股改", "2024-03-01", 500_000)]
ZONE_FUNDS = [(1, "2024-06-01", "central", "示范区", 1_000_000, None),
              (2, "2025-03-01", "provincial", "省级", 500_000, None)]
ZONE_PROJECTS = [("Z1", "平台", "示范区", 800_000, "2024-07-01"), ("Z2", "中心", "示范区", 400_000, "2025-07-01")]
ZONE_SPENDING = [("Z1", "2024-08", 120_000), ("Z1", "2024-12", 80_000), ("Z1", "2025-02", 90_000),
                 ("Z1", "2025-05", 100_000), ("Z1", "2025-06", 200_000), ("Z1", "2025-07", 50_000)]


def build(db) -> None:
    """Load the fixture (one transaction, every area's roll-ups rebuilt through the registry)."""
    fixtures.load(db, [
        ("towns", TOWNS), ("banks", BANKS), ("villages", VILLAGES), ("households", HOUSEHOLDS),
        ("microloans", LOANS), ("microloan_status", STATUS), ("guarantors", [("G1", "担保公司")]),
        ("guarantor_monthly", [("G1", "2025-05", 10_000_000, "A"), ("G1", "2025-06", 10_000_000, "A")]),
        ("guarantee_products", PRODUCTS), ("guarantee_contracts", CONTRACTS), ("companies", COMPANIES),
        ("ipo_events", EVENTS), ("subsidy_claims", SUBSIDY), ("subsidy_rejections", REJECTIONS),
        ("fund_claims", FUND_CLAIMS), ("fund_recoveries", RECOVERIES), ("fund_moves", MOVES),
        ("comp_share_payments", SHARE_PAYMENTS), ("ipo_awards", AWARDS), ("zone_funds", ZONE_FUNDS),
        ("zone_projects", ZONE_PROJECTS), ("zone_spending", ZONE_SPENDING),
    ])


@pytest.fixture
def small(empty_db):
    build(empty_db)
    return empty_db


F = Filters(AS_OF)
MAY = Filters("2025-05")


# --- 4321 ------------------------------------------------------------------------------
def test_split_known_cases():
    assert fiscal.split_4321(1_000_003, (40, 30, 20, 10)) == (400_001, 300_001, 200_001, 100_000)
    assert fiscal.split_4321(999, (25, 25, 25, 25)) == (250, 250, 250, 249)   # ties: earlier party
    assert fiscal.split_4321(1, (40, 30, 20, 10)) == (1, 0, 0, 0)
    assert fiscal.split_4321(0, (40, 30, 20, 10)) == (0, 0, 0, 0)
    with pytest.raises(ValueError):
        fiscal.split_4321(100, (40, 30, 20, 20))


def test_split_sums_exactly_and_each_part_within_one_yuan():
    rng = random.Random(15)
    shares = [(40, 30, 20, 10), (50, 25, 25, 0), (33, 33, 33, 1), (70, 0, 20, 10), (25, 25, 25, 25)]
    for _ in range(3000):
        amount = rng.randint(0, 50_000_000)
        s = rng.choice(shares)
        parts = fiscal.split_4321(amount, s)
        assert sum(parts) == amount
        for part, pct in zip(parts, s):
            assert amount * pct / 100 - 1 < part < amount * pct / 100 + 1
            assert part in (amount * pct // 100, amount * pct // 100 + 1)


def test_split_table_due_and_paid(small):
    t = fiscal.split_table(small, F).set_index("合同编号")
    assert list(t.loc["C1", ["担保公司应担（元）", "再担保应担（元）", "银行应担（元）", "地方政府应担（元）"]]) == \
        [400_001, 300_001, 200_001, 100_000]
    # 40,000 paid in July is after the data month: not counted
    assert t.loc["C1", "地方政府已付（元）"] == 60_000 and t.loc["C1", "地方政府未付（元）"] == 40_000
    assert t.loc["C2", "地方政府应担（元）"] == 249 and t.loc["C2", "地方政府未付（元）"] == 0
    for _, row in t.iterrows():
        assert sum(row[f"{fiscal.PARTY_NAMES[p]}应担（元）"] for p in fiscal.PARTIES) == row["代偿金额（元）"]


# --- ageing at month boundaries ----------------------------------------------------------
def _claim(claims, no):
    return next(c for c in claims if c.no == no)


def test_claim_ageing_at_month_ends(small):
    may = fiscal.subsidy_claims(small, MAY)
    s1 = _claim(may, "TX-2025-Q1-B1")
    assert (s1.stage, s1.age, s1.overdue) == (fiscal.PAY, 60, False)    # 04-01 .. 05-31: exactly the limit
    s2 = _claim(may, "TX-2025-Q1-B2")
    assert (s2.stage, s2.age, s2.overdue) == (fiscal.PAY, 61, True)      # approved on the month's last day
    assert not any(c.no == "TX-2025-Q2-B1" for c in may)                 # filed on 06-01: not yet in May
    june = fiscal.subsidy_claims(small, F)
    s1 = _claim(june, "TX-2025-Q1-B1")
    assert (s1.stage, s1.age, s1.paid) == (fiscal.DONE, 90, 800)         # paid on 06-30: in June
    s3 = _claim(june, "TX-2025-Q2-B1")
    assert (s3.stage, s3.age, s3.approved) == (fiscal.REVIEW, 29, None)
    # a claim filed on the last day of a month is age 0 in that month
    assert fiscal.Claim("x", "n", "p", None, None, 1, None, 0, "2025-01-31", None, None, 60,
                        periods.month_end("2025-01").isoformat()).age == 0


def test_pipeline_boundaries_fund_share_award(small):
    june = {c.no: c for c in fiscal.all_claims(small, F)}
    assert june["K3"].stage == fiscal.REVIEW and june["K3"].age == 121 and june["K3"].overdue
    assert june["K2"].stage == fiscal.PAY and june["K2"].age == 46 and not june["K2"].overdue
    assert june["K1"].stage == fiscal.DONE
    assert june["C1"].paid == 60_000 and june["C1"].outstanding == 40_000 and june["C1"].age == 166
    assert june["C1"].overdue
    assert june["C2"].stage == fiscal.DONE and june["C2"].paid_on == "2025-06-30"
    award = june["JB-001-辅导备案"]
    assert (award.amount, award.paid, award.age, award.overdue) == (1_000_000, 0, 149, True)
    assert june["JB-001-股改"].stage == fiscal.DONE
    assert "JB-002-股改" not in june    # reached in July
    # C2's county share at 2025-05 does not exist yet (compensated in June)
    assert "C2" not in {c.no for c in fiscal.all_claims(small, MAY)}


# --- KPIs against plain SQL ------------------------------------------------------------
def _sql(db, sql, *args):
    return db.execute(sql, args).fetchone()[0]


def test_kpis_against_sql(small):
    k = {x.key: x for x in fiscal.kpis(small, F)}
    end = "2025-06-30"
    assert k["fs_subsidy_paid"].value == _sql(
        small, "SELECT SUM(paid_amount) FROM subsidy_claims WHERE paid_on BETWEEN '2025-01-01' AND ?", end) == 1_000
    # pending at June end: S2 approved 250, S3 applied 776
    assert k["fs_subsidy_pending"].value == 250 + 776
    assert k["fs_fund_paid"].value == _sql(
        small, "SELECT SUM(paid_amount) FROM fund_claims WHERE paid_on BETWEEN '2025-01-01' AND ?", end) == 12_000
    assert k["fs_fund_pending"].value == 8_000 + 4_000
    assert k["fs_share_due"].value == 100_000 + 249
    assert k["fs_share_paid"].value == _sql(
        small, "SELECT SUM(amount) FROM comp_share_payments WHERE party = 'gov' AND paid_on BETWEEN "
               "'2025-01-01' AND ?", end) == 60_249
    assert k["fs_share_unpaid"].value == 40_000
    assert k["fs_award_paid"].value == 0 and k["fs_award_pending"].value == 1_000_000
    # overdue at June end: S2 (250, 91 days), K3 (4,000), C1 (40,000), award (1,000,000)
    assert k["fs_overdue"].value == 250 + 4_000 + 40_000 + 1_000_000
    assert k["fs_overdue"].flag == "4 笔超过拨付时限"
    # January-June flows of May: S1 not yet paid
    assert k["fs_subsidy_paid"].prev == 200
    # balances carry 较年初 beside 同比: at 2024-12 the fund held its 100,000 opening balance
    assert k["fs_fund"].second_label == "较年初" and k["fs_fund"].second == 100_000
    assert k["fs_fund"].delta_second_text() == "较年初 +4.30 万元"
    assert k["fs_share_unpaid"].second == 0 and k["fs_subsidy_paid"].second_label is None
    # the fund: the 小额信贷 area's function, the same figure on both pages
    assert k["fs_fund"].value == ml.fund_balance(small, AS_OF)
    mk = {x.key: x for x in ml.kpis(small, F)}
    assert k["fs_fund"].value == mk["ml_fund"].value
    assert k["fs_fund_leverage"].value == mk["ml_fund_leverage"].value


def test_scope_filters(small):
    b1 = Filters(AS_OF, banks=("B1",))
    s = fiscal.snapshot(small, b1)
    assert s.subsidy_paid_ytd == 800 and s.fund_paid_ytd == 0 and s.fund_pending == 12_000
    assert s.award_pending == 0 and fiscal.award_claims(small, b1) == []   # an award has no bank
    t2 = Filters(AS_OF, towns=("T2",))
    s = fiscal.snapshot(small, t2)
    assert s.fund_paid_ytd == 12_000 and s.fund_pending == 8_000   # K3 is in T1
    assert s.subsidy_paid_ytd == 1_000    # 贴息 has no town: the town filter does not apply
    assert s.share_due_ytd == 249         # C1 is in T1
    assert s.award_pending == 0           # company 1 is in T1
    assert s.fund_recovered_ytd == 5_000


def test_zone_progress_against_sql(small):
    z = fiscal.zone_progress(small, AS_OF)
    received = _sql(small, "SELECT SUM(amount) FROM zone_funds WHERE received_on <= '2025-06-30'")
    before = _sql(small, "SELECT SUM(amount) FROM zone_spending WHERE month < '2025-01'")
    ytd = _sql(small, "SELECT SUM(amount) FROM zone_spending WHERE month BETWEEN '2025-01' AND '2025-06'")
    assert (z.received_total, z.spent_before, z.spent_ytd) == (received, before, ytd) == (1_500_000, 200_000, 390_000)
    assert z.available == 1_300_000 and z.progress == pytest.approx(390_000 / 1_300_000)
    assert z.allocated == 800_000                  # Z2 allocated in July
    assert z.time_progress == periods.time_progress(AS_OF)
    assert z.behind                                # 30.0% < 49.6%
    trend = fiscal.zone_trend(small, AS_OF)
    assert list(trend["月份"]) == periods.months_between("2025-01", AS_OF)
    # February, before the March money: 90,000 ÷ (1,000,000 − 200,000) = 11.25% -> 11.3 (half up)
    assert trend.iloc[1]["支出进度（%）"] == 11.3
    assert fiscal.zone_progress(small, "2024-05") is None
    # reported in February, so expected in April: its April spending is missing, not zero
    assert fiscal.missing_zone_reports(small, "2025-04") == ["平台"]
    assert fiscal.missing_zone_reports(small, "2025-06") == []
    k = {x.key: x for x in fiscal.kpis(small, Filters("2025-04"))}
    assert k["fs_zone_progress"].note == "缺平台4月数据"
    assert fiscal.zone_progress(small, "2025-04").spent_ytd == 90_000


def test_bank_and_quarter_tables(small):
    b = fiscal.bank_table(small, F).set_index("银行")
    assert b.loc["农商行", "当年贴息申报（万元）"] == pytest.approx((900 + 776) / 10_000, abs=0.005)
    assert b.loc["农商行", "核减（万元）"] == pytest.approx(0.01)          # S1's 100 元 (S3 not approved)
    assert b.loc["农商行", "当年拨付贴息（万元）"] == pytest.approx(0.08)
    assert b.loc["邮储银行", "补偿金当年拨付（万元）"] == pytest.approx(1.2)
    assert b.loc["农商行", "补偿金待拨付（万元）"] == pytest.approx(1.2)
    assert b.loc["农商行", "担保代偿银行分担（万元）"] == pytest.approx(20.0)   # 200,001 元
    assert b.loc["邮储银行", "逾期未拨付笔数"] == 1 and b.loc["农商行", "逾期未拨付笔数"] == 1
    q = fiscal.quarter_table(small, F, quarters=4).set_index("季度")
    assert list(q.index) == ["2024年三季度", "2024年四季度", "2025年一季度", "2025年二季度"]
    assert q.loc["2025年一季度", "贴息申报（万元）"] == pytest.approx(0.12)
    assert q.loc["2025年一季度", "已拨付（万元）"] == pytest.approx(0.08)
    assert q.loc["2025年一季度", "补偿金代偿拨付（万元）"] == pytest.approx(1.2)
    assert q.loc["2025年二季度", "补偿金追回（万元）"] == pytest.approx(0.5)
    assert q.loc["2025年一季度", "县级分担已付（万元）"] == pytest.approx(6.0)
    assert q.loc["2025年二季度", "县级分担已付（万元）"] == pytest.approx(0.02)
    # B1 claimed 2024-Q3 and 2025-Q1 but never 2024-Q4; 2025-Q2 is not due at June end
    assert list(q["贴息未申报银行"]) == ["—", "农商行", "—", "—"]
    assert fiscal.missing_subsidy_claims(small, Filters("2025-02")) == [("农商行", "2024-Q4")]
    q7 = fiscal.quarter_table(small, Filters("2025-07"), quarters=2).set_index("季度")
    assert q7.loc["2025年二季度", "贴息未申报银行"] == "邮储银行"   # the same gap as missing_subsidy_claims
    r = fiscal.rejections(small, F)
    assert list(r["核减金额（元）"]) == [100, 50]


# --- the fund: claims paid = fund outflows ---------------------------------------------------
def test_fund_rollup_from_ledger(small):
    rows = small.execute("SELECT month, contributed, paid_out, recovered, balance FROM risk_fund ORDER BY month").fetchall()
    assert rows[0] == ("2024-12", 0, 0, 0, 100_000)
    assert dict((m, (c, p, r, b)) for m, c, p, r, b in rows)["2025-02"] == (0, 12_000, 0, 138_000)
    assert rows[-1] == ("2025-06", 0, 0, 5_000, 143_000)
    assert ml.fund_balance(small, AS_OF) == 143_000


def _reconcile(db):
    out = dict(db.execute("SELECT month, paid_out FROM risk_fund").fetchall())
    paid = dict(db.execute("SELECT substr(paid_on, 1, 7), SUM(paid_amount) FROM fund_claims "
                           "WHERE paid_on IS NOT NULL GROUP BY 1").fetchall())
    legacy = dict(db.execute("SELECT substr(moved_on, 1, 7), SUM(amount) FROM fund_moves "
                             "WHERE kind = 'legacy_payout' GROUP BY 1").fetchall())
    for month, amount in out.items():
        assert amount == paid.get(month, 0) + legacy.get(month, 0), month
    assert sum(out.values()) == sum(paid.values()) + sum(legacy.values())
    recovered = dict(db.execute("SELECT month, recovered FROM risk_fund").fetchall())
    back = dict(db.execute("SELECT substr(recovered_on, 1, 7), SUM(amount) FROM fund_recoveries GROUP BY 1").fetchall())
    assert sum(recovered.values()) == sum(back.values())


def test_claims_paid_equal_fund_outflows(small, db):
    _reconcile(small)
    _reconcile(db)     # the demo county
    (n,) = db.execute("SELECT COUNT(*) FROM fund_claims WHERE paid_on IS NOT NULL").fetchone()
    assert n > 20
    (legacy,) = db.execute("SELECT COUNT(*) FROM fund_moves WHERE kind LIKE 'legacy%'").fetchone()
    assert legacy == 0


def test_migration_keeps_the_stored_fund(tmp_path):
    conn = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    before = schema.MIGRATIONS.index(schema.V_FISCAL)
    schema.migrate(conn, target=before)
    rows = [("2024-01", 500, 0, 0, 10_500), ("2024-02", 0, 300, 0, 10_200), ("2024-03", 0, 0, 100, 10_300)]
    conn.executemany("INSERT INTO risk_fund VALUES (?, ?, ?, ?, ?)", rows)
    schema.migrate(conn)
    assert conn.execute("SELECT * FROM risk_fund ORDER BY month").fetchall() == rows
    kinds = conn.execute("SELECT kind, amount FROM fund_moves ORDER BY id").fetchall()
    assert kinds == [("opening", 10_000), ("topup", 500), ("legacy_payout", 300), ("legacy_recovery", 100)]
    # run again (user_version set back): nothing changes
    conn.execute(f"PRAGMA user_version = {before}")
    schema.migrate(conn)
    assert conn.execute("SELECT kind, amount FROM fund_moves ORDER BY id").fetchall() == kinds
    assert conn.execute("SELECT * FROM risk_fund ORDER BY month").fetchall() == rows


def test_a_new_microloan_month_extends_the_fund(small):
    from finance_core import areas

    with small.conn:
        small.execute("INSERT INTO microloan_status VALUES (1, '2025-07', 50000, 0, 0)")
        areas.BY_KEY["microloans"].refresh(small, ["2025-07"])
    assert ml.fund_balance(small, "2025-07") == 143_000     # carried: nothing moved in July


def test_empty_fund_ledger_leaves_a_stored_table(empty_db):
    fixtures.load(empty_db, [("risk_fund", [("2025-01", 0, 0, 0, 7)])])
    assert ml.fund_balance(empty_db, "2025-01") == 7


# --- 贴息 against the microloan ledger, completeness, what-if, demo stories -----------------------
def test_demo_subsidy_claims_match_the_microloan_ledger(db):
    rows = db.execute("SELECT bank_code, quarter, approved_amount, applied_amount FROM subsidy_claims "
                      "WHERE approved_amount IS NOT NULL").fetchall()
    assert len(rows) > 10
    for bank, quarter, approved, applied in rows:
        (ledger,) = db.execute("SELECT TOTAL(subsidy_paid) FROM microloan_monthly WHERE bank_code = ? AND month = ?",
                               [bank, fiscal.quarter_months(quarter)[1]]).fetchone()
        assert approved == ledger
        (rejected,) = db.execute("SELECT TOTAL(r.amount) FROM subsidy_rejections r JOIN subsidy_claims c "
                                 "ON c.id = r.claim_id WHERE c.bank_code = ? AND c.quarter = ?", [bank, quarter]).fetchone()
        assert applied == approved + rejected


def test_missing_subsidy_claim(small):
    # 2025-Q2 is due 30 days after June: at 2025-07 B2 (claimed Q1) has not claimed Q2
    assert fiscal.due_quarter("2025-06") == "2025-Q1"     # Q2 is due on 07-30
    assert fiscal.due_quarter("2025-07") == "2025-Q2"
    assert fiscal.missing_subsidy_claims(small, Filters("2025-06")) == []
    assert fiscal.missing_subsidy_claims(small, Filters("2025-07")) == [("邮储银行", "2025-Q2")]
    assert fiscal.missing_subsidy_claims(small, Filters("2025-07", banks=("B1",))) == []


def test_budget_what_if(small):
    b = fiscal.budget(small, AS_OF, growth=0.10, default_rate=0.02)
    # last four quarters of interest at June: 2024-Q3 .. 2025-Q2 approved by June end (S3 not approved)
    assert b.subsidy_base == 100 + 200 + 800 + 250
    assert b.subsidy_need == round(1_350 * 1.1)
    assert b.microloan_balance == ml.county_balance(small, AS_OF) == 140_000
    assert b.grown_balance == 154_000
    assert b.fund_need == round(154_000 * 0.02 * THRESHOLDS.fund_share_default)
    assert b.fund_required == 15_400
    assert b.topup_need == max(0, 15_400 - (143_000 - b.fund_need)) == 0
    # the county's share of 在保 (nothing in force at June: both contracts released)
    assert b.share_need == 0
    tight = fiscal.Budget(0.1, 0.02, subsidy_base=1_000, microloan_balance=1_000_000, fund_share=0.4,
                          fund_balance=50_000, leverage=10, guarantee_gov=500_000)
    assert (tight.grown_balance, tight.fund_need, tight.fund_required) == (1_100_000, 8_800, 110_000)
    assert tight.topup_need == 110_000 - (50_000 - 8_800) == 68_800
    assert tight.share_need == 11_000 and tight.subsidy_need == 1_100
    assert tight.total == 1_100 + 11_000 + 68_800
    assert b.total == b.subsidy_need + b.share_need
    assert b.table()["数值"].notna().all()


def test_demo_stories(db):
    f = Filters("2026-10")
    lines = fiscal.flag_lines(db, f)
    assert any(t.startswith("贴息逾期未拨付") and "青禾村镇银行" in t for t in lines)
    assert any(t.startswith("补偿金代偿逾期未拨付") for t in lines)
    assert any(t.startswith("县级分担逾期未拨付") for t in lines)
    assert any(t.startswith("上市奖补逾期未拨付") for t in lines)
    assert any("低于序时进度" in t for t in lines)
    assert any("邮储银行未报送" in t and "贴息申报" in t for t in lines)
    assert not any("示范区资金支出（" in t for t in lines)     # the end month is complete ...
    assert any("未报送2026年8月示范区资金支出" in t for t in fiscal.flag_lines(db, Filters("2026-08")))   # ... not August
    flags = fiscal.flags(db, f)
    assert all(fl.area == "财政资金" and fl.key == "fiscal" for fl in flags)
    assert {fl.severity for fl in flags} == {0, 1, 2}


def test_pipeline_table_and_summary_agree(small):
    t = fiscal.pipeline_table(small, F)
    s = fiscal.pipeline_summary(small, F).set_index("类别")
    for kind in fiscal.KINDS:
        rows = t[t["类别"] == kind]
        assert len(rows) == s.loc[kind, "待审核笔数"] + s.loc[kind, "待拨付笔数"]
        assert (rows["状态"] == fiscal.OVERDUE).sum() == s.loc[kind, "逾期未拨付笔数"]
    assert t.iloc[0]["状态"] == fiscal.OVERDUE
    assert "张*明" not in " ".join(t["说明"]) and "王*" in " ".join(t["说明"])   # masked borrowers
    full = fiscal.pipeline_table(small, F, pending_only=False)
    assert len(full) > len(t)
