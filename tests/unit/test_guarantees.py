"""融资担保: every metric against a hand-built fixture with known answers, and
against plain SQL on the demo ledger."""
import math

import pandas as pd
import pytest

from finance_core import guarantees as g
from finance_core.config import Thresholds
from finance_core.filters import Filters
from tests import fixtures

# --- a hand-built guarantee company --------------------------------------------------
# net assets change mid-year: 1,000,000 until 2024-06, 2,000,000 in 2024-07, 5,000,000 in 2024-08
NET = [("G1", m, 1_000_000, "A") for m in
       ("2023-11", "2023-12", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06")]
NET += [("G1", "2024-07", 2_000_000, "A"), ("G1", "2024-08", 5_000_000, "A")]
PRODUCTS = [  # code, name, guarantor, bank, fee bp, quota, shares g/r/b/gov, launched
    ("P1", "黄牛贷", "G1", "B1", 50, 20_000_000, 40, 30, 20, 10, "2022-01-01"),
    ("P2", "税融通", "G1", None, 80, 0, 50, 25, 25, 0, "2022-02-01"),          # zero quota
    ("P3", "小微贷", "G1", None, 150, 4_200_000, 40, 30, 20, 10, "2022-03-01"),
]
CONTRACTS = [  # id, no, product, bank, town, name, type, amount, fee, start, end, released, comp, comp_on, recovered
    (1, "C1", "P1", "B1", "T1", "甲合作社", "agri", 3_000_000, 15_000, "2023-11-10", "2024-11-10",
     None, 0, None, 0),
    # released the same month it started: new and released in March, never outstanding
    (2, "C2", "P1", "B1", "T1", "乙农场", "agri", 1_000_000, 5_000, "2024-03-05", "2025-03-05",
     "2024-03-20", 0, None, 0),
    # a single guarantee above 500万元
    (3, "C3", "P2", "B2", "T2", "丙公司", "small", 6_000_000, 48_000, "2024-02-01", "2025-02-01",
     None, 0, None, 0),
    # compensated in April 2024, partly recovered
    (4, "C4", "P3", "B2", "T1", "丁公司", "other", 3_000_000, 45_000, "2023-06-01", "2024-06-01",
     "2024-04-15", 800_000, "2024-04-15", 300_000),
    (5, "C5", "P3", "B1", "T2", "戊公司", "small", 4_000_000, 60_000, "2024-05-10", "2025-05-10",
     None, 0, None, 0),
    # compensated last year, nothing recovered
    (6, "C6", "P1", "B1", "T2", "己公司", "small", 2_000_000, 10_000, "2023-01-01", "2024-01-01",
     "2023-12-20", 500_000, "2023-12-20", 0),
]
# 2024-06: in force C1 3M (agri), C3 6M (small), C5 4M (small) = 13M, 3 guarantees
#          fees 15k + 48k + 60k = 123k; small & agri 13M, of which <= 500万 (C1, C5) 7M
#          this year: new C2 1M + C3 6M + C5 4M = 11M (3); released C2 1M + C4 3M = 4M;
#          compensated 800k, recovered 300k; since the start: released 6M, compensated 1.3M
# 2024-03: in force C1 3M + C3 6M + C4 3M = 12M; small & agri 9M (75%), <= 500万 3M


def load_fixture(db) -> None:
    """Insert the company above into a migrated, empty database."""
    fixtures.load(db, [("towns", [("T1", "甲镇", 1000, 3000), ("T2", "乙乡", 500, 1500)]),
                       ("banks", [("B1", "农商行", "农村金融机构"), ("B2", "邮储银行", "国有大行")]),
                       ("guarantors", [("G1", "担保公司")]), ("guarantor_monthly", NET),
                       ("guarantee_products", PRODUCTS), ("guarantee_contracts", CONTRACTS)])


@pytest.fixture
def gdb(empty_db):
    load_fixture(empty_db)
    return empty_db


def by_key(kpis):
    return {k.key: k for k in kpis}


def test_totals_known_answers(gdb):
    t = g.totals(gdb, Filters("2024-06"))
    assert (t.outstanding, t.outstanding_count) == (13_000_000, 3)
    assert (t.new_amount_ytd, t.new_count_ytd) == (11_000_000, 3)
    assert (t.released_ytd, t.compensated_ytd, t.recovered_ytd) == (4_000_000, 800_000, 300_000)
    assert t.compensated_count_ytd == 1
    assert t.compensation_rate == pytest.approx(800_000 / 4_000_000)
    c = g.cumulative(gdb, Filters("2024-06"))
    assert (c.released, c.compensated, c.recovered) == (6_000_000, 1_300_000, 300_000)
    assert c.compensation_rate == pytest.approx(1_300_000 / 6_000_000)
    assert c.recovery_rate == pytest.approx(300_000 / 1_300_000)
    assert t.fee_rate == pytest.approx(123_000 / 13_000_000)
    assert t.small_agri_share == pytest.approx(1.0)
    assert t.single_le5m_share == pytest.approx(7_000_000 / 13_000_000)
    # a month without company figures has no totals
    assert g.totals(gdb, Filters("2023-10")) is None and g.cumulative(gdb, Filters("2023-10")) is None
    # before the April compensation, cumulative flows hold only last year's
    march = g.cumulative(gdb, Filters("2024-03"))
    assert (march.released, march.compensated, march.recovered) == (2_000_000 + 1_000_000, 500_000, 0)


def test_released_same_month_it_started(gdb):
    march = g.totals(gdb, Filters("2024-03", towns=("T1",)))
    # C2 started and was released in March: a new guarantee, a release, not outstanding
    assert march.new_amount_ytd == 1_000_000 and march.new_count_ytd == 1
    assert march.released_ytd == 1_000_000
    assert (march.outstanding, march.outstanding_count) == (3_000_000 + 3_000_000, 2)  # C1 + C4
    feb = g.totals(gdb, Filters("2024-02", towns=("T1",)))
    assert feb.new_count_ytd == 0


def test_partly_recovered_compensation(gdb):
    t = g.totals(gdb, Filters("2024-06"), ("P3",))
    assert (t.compensated_ytd, t.recovered_ytd) == (800_000, 300_000)
    assert g.cumulative(gdb, Filters("2024-06"), ("P3",)).recovery_rate == pytest.approx(0.375)
    # last year's compensation counts in the cumulative rate, not in this year's
    p1 = g.totals(gdb, Filters("2024-06"), ("P1",))
    assert p1.compensation_rate == 0 and p1.released_ytd == 1_000_000
    c1 = g.cumulative(gdb, Filters("2024-06"), ("P1",))
    assert c1.compensation_rate == pytest.approx(500_000 / 3_000_000)
    assert c1.recovery_rate == 0


def test_leverage_when_net_assets_change_mid_year(gdb):
    assert g.leverage(gdb, "2024-06") == pytest.approx(13.0)
    assert g.leverage(gdb, "2024-07") == pytest.approx(6.5)
    assert g.leverage(gdb, "2024-08") == pytest.approx(13 / 5)
    trend = g.trend(gdb, Filters("2024-08"))
    assert list(trend["月份"]) == [f"2023-{m}" for m in ("11", "12")] + [f"2024-0{m}" for m in range(1, 9)]
    row = trend.set_index("月份")
    assert row.loc["2024-06", "放大倍数（全公司）"] == 13.0
    assert row.loc["2024-07", "放大倍数（全公司）"] == 6.5
    assert row.loc["2024-07", "净资产（万元）"] == 200.0
    assert row.loc["2024-03", "在保余额（万元）"] == 1200.0
    # the scope's outstanding follows the filter, 放大倍数 does not
    t1 = g.trend(gdb, Filters("2024-08", towns=("T1",))).set_index("月份")
    assert t1.loc["2024-06", "在保余额（万元）"] == 300.0
    assert t1.loc["2024-06", "放大倍数（全公司）"] == 13.0


def test_leverage_limit_depends_on_small_agri_share(gdb):
    # March: small & agri 9M of 12M = 75% < 80% -> cap 10; June: 100% -> cap 15
    assert g.leverage_limit(gdb, "2024-03") == 10
    assert g.leverage_limit(gdb, "2024-06") == 15
    march = by_key(g.kpis(gdb, Filters("2024-03")))
    assert march["g_leverage"].value == pytest.approx(12.0)
    assert march["g_leverage"].flag == "超过 10 倍上限"
    assert march["g_small_agri"].value == pytest.approx(0.75) and march["g_small_agri"].flag
    assert march["g_le5m"].value == pytest.approx(3 / 9) and march["g_le5m"].flag
    june = by_key(g.kpis(gdb, Filters("2024-06")))
    assert june["g_leverage"].value == pytest.approx(13.0) and june["g_leverage"].flag is None
    aug = by_key(g.kpis(gdb, Filters("2024-08")))
    assert aug["g_leverage"].flag == "低于 3 倍，资本闲置"
    # configurable thresholds
    strict = by_key(g.kpis(gdb, Filters("2024-06"), th=Thresholds(leverage_max_small_agri=12.0)))
    assert strict["g_leverage"].flag == "超过 12 倍上限"


def test_kpis_values_flags_and_scope(gdb):
    k = by_key(g.kpis(gdb, Filters("2024-06")))
    # May had the same three guarantees (C5 started on 10 May); June 2023 has no company figures
    assert (k["g_outstanding"].value, k["g_outstanding"].prev, k["g_outstanding"].base) == (13_000_000, 13_000_000, None)
    assert k["g_count"].value == 3
    assert (k["g_new_count"].value, k["g_new_amount"].value) == (3, 11_000_000)
    assert k["g_comp_rate"].value == pytest.approx(0.2) and k["g_comp_rate"].flag == "高于容忍度 3.0%"
    assert k["g_comp_rate_total"].value == pytest.approx(1_300_000 / 6_000_000) and k["g_comp_rate_total"].flag
    assert k["g_comp_rate_total"].prev == pytest.approx(1_300_000 / 6_000_000)  # May: same flows
    assert k["g_recovery"].value == pytest.approx(300_000 / 1_300_000) and k["g_recovery"].flag is None
    assert k["g_fee_rate"].value == pytest.approx(123_000 / 13_000_000) and k["g_fee_rate"].flag is None
    assert k["g_small_agri"].flag is None and k["g_le5m"].flag is None
    # a product filter: P3 alone charges 1.5% -> above the 1% cap
    p3 = by_key(g.kpis(gdb, Filters("2024-06"), ("P3",)))
    assert p3["g_outstanding"].value == 4_000_000
    assert p3["g_fee_rate"].value == pytest.approx(0.015) and p3["g_fee_rate"].flag == "高于 1.00% 上限"
    # a town filter changes the scope's numbers but not the company's leverage
    t1 = by_key(g.kpis(gdb, Filters("2024-06", towns=("T1",))))
    assert t1["g_outstanding"].value == 3_000_000
    assert t1["g_leverage"].value == pytest.approx(13.0)
    # no compensation and no release -> no rate (shown as '—'), never a division error
    b1 = by_key(g.kpis(gdb, Filters("2024-02", banks=("B2",))))
    assert b1["g_comp_rate"].value is None and b1["g_comp_rate"].text() == "—"


def test_product_table_quota_and_zero_quota(gdb):
    table = g.product_table(gdb, Filters("2024-06")).set_index("产品")
    assert list(table.index) == ["黄牛贷", "税融通", "小微贷"]
    assert table.loc["黄牛贷", "已用额度（万元）"] == 300.0
    assert table.loc["黄牛贷", "使用率（%）"] == 15.0 and table.loc["黄牛贷", "额度状态"] == "正常"
    assert math.isnan(table.loc["税融通", "使用率（%）"])            # zero quota
    assert table.loc["税融通", "额度状态"] == "未设额度"
    assert table.loc["小微贷", "使用率（%）"] == pytest.approx(95.2)  # 4.0M / 4.2M
    assert table.loc["小微贷", "额度状态"] == "接近额度"
    assert table.loc["小微贷", "当年代偿（万元）"] == 80.0
    assert table.loc["小微贷", "累计代偿率（%）"] == pytest.approx(26.7)  # 0.8M / 3M
    assert table.loc["黄牛贷", "当年代偿（万元）"] == 0.0
    assert table.loc["黄牛贷", "累计代偿率（%）"] == pytest.approx(16.7)   # C6 0.5M / (C6 2M + C2 1M)
    assert table.loc["税融通", "分险（%）"] == "50/25/25/0"
    assert table.loc["小微贷", "费率（%）"] == 1.5
    assert "范围在保（万元）" not in table.columns
    # a town filter: quota use stays whole-product, the scope column appears
    t2 = g.product_table(gdb, Filters("2024-06", towns=("T2",)), ("P1", "P3")).set_index("产品")
    assert list(t2.index) == ["黄牛贷", "小微贷"]
    assert t2.loc["小微贷", "已用额度（万元）"] == 400.0 and t2.loc["小微贷", "范围在保（万元）"] == 400.0
    assert t2.loc["黄牛贷", "范围在保（万元）"] == 0.0 and t2.loc["黄牛贷", "在保户数"] == 0


def test_quota_status_thresholds():
    assert g.quota_status(5, 4) == "超出额度"
    assert g.quota_status(9, 10) == "接近额度"
    assert g.quota_status(8, 10) == "正常"
    assert g.quota_status(0, 0) == "未设额度"
    assert g.quota_status(8, 10, Thresholds(quota_warning=0.8)) == "接近额度"


def test_breakdowns(gdb):
    bank = g.breakdown(gdb, Filters("2024-06"), by="bank").set_index("银行")
    assert bank.loc["农商行", "在保余额（万元）"] == 700.0 and bank.loc["邮储银行", "在保余额（万元）"] == 600.0
    assert bank.loc["农商行", "占比（%）"] == pytest.approx(53.8)
    assert (bank.loc["农商行", "当年新增金额（万元）"], bank.loc["农商行", "当年新增户数"]) == (500.0, 2)
    assert bank.loc["邮储银行", "当年代偿（万元）"] == 80.0
    kind = g.breakdown(gdb, Filters("2024-06"), by="borrower_type").set_index("借款人类型")
    assert list(kind.index) == ["小微企业", "涉农", "其他"]
    assert (kind.loc["小微企业", "在保余额（万元）"], kind.loc["小微企业", "在保户数"]) == (1000.0, 2)
    assert kind.loc["涉农", "在保余额（万元）"] == 300.0
    assert kind.loc["其他", "在保余额（万元）"] == 0.0 and math.isnan(kind.loc["其他", "加权费率（%）"])
    assert kind.loc["其他", "当年代偿（万元）"] == 80.0
    with pytest.raises(ValueError):
        g.breakdown(gdb, Filters("2024-06"), by="town; DROP TABLE x")


def test_what_if_capital_and_stress(gdb):
    w = g.what_if(gdb, Filters("2024-06"), (), capital_add_wan=100, leverage_target=15, stress_comp=0.1)
    assert (w.net_assets, w.outstanding, w.capital_add) == (1_000_000, 13_000_000, 1_000_000)
    assert w.before["headroom"] == 2_000_000                   # 15 × 1M − 13M
    assert w.with_capital["headroom"] == 17_000_000            # 15 × 2M − 13M
    assert w.extra_capacity == 15_000_000
    assert w.with_capital["leverage"] == pytest.approx(6.5)
    # stress 10%: P1 3M × 40% + P2 6M × 50% + P3 4M × 40%, each × 10%
    assert w.stress_loss == 1_300_000
    assert w.guarantor_loss == 120_000 + 300_000 + 160_000
    s = w.stressed
    assert s["net_assets"] == 2_000_000 - 580_000 and s["outstanding"] == 11_700_000
    assert s["leverage"] == pytest.approx(11_700_000 / 1_420_000)
    assert s["headroom"] == 15 * 1_420_000 - 11_700_000
    table = w.table().set_index("项目")
    assert table.loc["担保公司承担（消耗净资产）", "注资并压力测试后"] == "58.00 万元"
    assert table.loc["净资产", "注资后"] == "200.00 万元"
    assert w.target_note is None                               # 15 = the cap in June
    # the stress applies to the scope only; capital and leverage stay company-wide
    p2 = g.what_if(gdb, Filters("2024-06"), ("P2",), 0, 10, 0.1)
    assert (p2.stress_loss, p2.guarantor_loss, p2.outstanding) == (600_000, 300_000, 13_000_000)
    assert p2.before["headroom"] == 0                          # 13M > 10 × 1M
    assert p2.target_note is None
    assert g.what_if(gdb, Filters("2024-03"), (), 0, 12, 0).target_note  # cap is 10 in March
    # a stress that wipes out the capital
    wiped = g.what_if(gdb, Filters("2024-06"), (), 0, 10, 1.0)
    assert wiped.stressed["leverage"] is None and wiped.stressed["headroom"] == 0
    assert wiped.table().set_index("项目").loc["放大倍数", "注资并压力测试后"] == "净资产耗尽"
    assert g.what_if(gdb, Filters("2023-10")) is None


def test_kpi_frame_for_export(gdb):
    frame = g.kpi_frame(g.kpis(gdb, Filters("2024-03")))
    row = frame.set_index("指标").loc["放大倍数（全公司）"]
    assert row["数值"] == "12.00 倍" and row["提示"] == "超过 10 倍上限"


# --- the demo county against plain SQL on the ledger ----------------------------------
def _ledger(db, month_end, where="", params=()):
    return db.execute(
        f"""
        SELECT COALESCE(SUM(amount), 0), COALESCE(SUM(fee_amount), 0),
               COALESCE(SUM(CASE WHEN borrower_type IN ('small', 'agri') THEN amount END), 0),
               COALESCE(SUM(CASE WHEN borrower_type IN ('small', 'agri') AND amount <= 5000000
                                 THEN amount END), 0)
        FROM guarantee_contracts
        WHERE start_on <= ? AND (released_on IS NULL OR released_on > ?){where}
        """, [month_end, month_end, *params]).fetchone()


@pytest.mark.parametrize("as_of,end", [("2026-10", "2026-10-31"), ("2025-06", "2025-06-30")])
def test_demo_totals_match_ledger(db, as_of, end):
    codes = [r[0] for r in db.execute("SELECT code FROM towns ORDER BY code LIMIT 3")]
    scopes = [(Filters(as_of), (), "", []),
              (Filters(as_of, towns=tuple(codes)), ("HND", "SRT"),
               " AND town_code IN (?,?,?) AND product_code IN (?,?)", [*codes, "HND", "SRT"])]
    for f, products, where, params in scopes:
        amount, fee, sa, le5m = _ledger(db, end, where, params)
        released, comp, rec = db.execute(
            f"""SELECT COALESCE(SUM(CASE WHEN released_on <= ? THEN amount END), 0),
                       COALESCE(SUM(CASE WHEN compensated_on <= ? THEN compensated_amount END), 0),
                       COALESCE(SUM(CASE WHEN compensated_on <= ? THEN recovered_amount END), 0)
                FROM guarantee_contracts WHERE 1=1{where}""", [end, end, end, *params]).fetchone()
        t = g.totals(db, f, products)
        assert (t.outstanding, t.outstanding_fee) == (amount, fee)
        assert (t.outstanding_small_agri, t.small_agri_le5m) == (sa, le5m)
        c = g.cumulative(db, f, products)
        assert (c.released, c.compensated, c.recovered) == (released, comp, rec)
    # leverage: all guarantees in force ÷ that month's net assets
    (net,) = db.execute("SELECT net_assets FROM guarantor_monthly WHERE month = ?", [as_of]).fetchone()
    assert g.leverage(db, as_of) == pytest.approx(_ledger(db, end)[0] / net)


def test_demo_product_quota_and_what_if_match_ledger(db):
    table = g.product_table(db, Filters("2026-10")).set_index("产品")
    rows = db.execute(
        """SELECT p.name, p.quota, COALESCE(SUM(c.amount), 0), p.share_guarantor_pct
           FROM guarantee_products p LEFT JOIN guarantee_contracts c ON c.product_code = p.code
             AND c.start_on <= '2026-10-31' AND (c.released_on IS NULL OR c.released_on > '2026-10-31')
           GROUP BY p.code""").fetchall()
    guarantor = 0
    for name, quota, used, share in rows:
        assert table.loc[name, "已用额度（万元）"] == pytest.approx(used / 10_000)
        assert table.loc[name, "合作额度（万元）"] == pytest.approx(quota / 10_000)
        assert table.loc[name, "使用率（%）"] == pytest.approx(round(used / quota * 100, 1))
        guarantor += round(round(used * 0.05) * share / 100)
    # the demo's livestock product runs close to its quota (the overview's red flag)
    assert table.loc["链担通—黄牛贷", "额度状态"] == "接近额度"
    w = g.what_if(db, Filters("2026-10"), (), 5000, 10, 0.05)
    assert w.guarantor_loss == pytest.approx(guarantor, abs=len(rows))
    total = sum(r[2] for r in rows)
    (net,) = db.execute("SELECT net_assets FROM guarantor_monthly WHERE month = '2026-10'").fetchone()
    assert w.with_capital["headroom"] == max(0, (net + 50_000_000) * 10 - total)


def test_demo_breakdowns_add_up(db):
    f = Filters("2026-10")
    t = g.totals(db, f)
    for by in ("bank", "borrower_type"):
        frame = g.breakdown(db, f, by=by)
        assert frame["在保余额（万元）"].sum() == pytest.approx(t.outstanding / 10_000)
        assert frame["在保笔数"].sum() == t.outstanding_count
        # a borrower counts once per group: the groups' 户 add up to at least the distinct total
        borrowers, new_borrowers = g.borrower_counts(db, f)[f.as_of]
        assert frame["在保户数"].sum() >= borrowers and frame["当年新增户数"].sum() >= new_borrowers
        assert (frame["在保户数"] <= frame["在保笔数"]).all()
        assert frame["当年新增金额（万元）"].sum() == pytest.approx(t.new_amount_ytd / 10_000)
    assert isinstance(g.trend(db, f), pd.DataFrame) and len(g.trend(db, f)) == 24
