"""信用村 (finance_core.credit): known answers on a hand-built county, and plain
SQL on the demo county's ledger (credit_reports, not the roll-up the code reads)."""
from decimal import ROUND_HALF_UP, Decimal

import io

import openpyxl
import pandas as pd
import pytest

from finance_core import credit, exports, periods
from finance_core.filters import Filters
from tests import fixtures

# --- a hand-built county -----------------------------------------------------------
# 甲镇 (T1): two credit villages; 乙乡 (T2): no credit at all; 丙镇 (T3): two credit
# villages, one rated long ago and barely borrowing, one with a high NPL share.
# 邮储银行 (B2) did not report 一村 for 2024-06: its May report (50 户, 2,500,000 授信,
# 20 户, 1,000,000 用信) is carried forward (DESIGN.md "Completeness"); 农业银行 (B3)
# never reported.
TOWNS = [("T1", "甲镇", 1000, 3300), ("T2", "乙乡", 500, 1600), ("T3", "丙镇", 300, 1000)]
BANKS = [("B1", "农商行", "农村金融机构"), ("B2", "邮储银行", "国有大行"), ("B3", "农业银行", "国有大行")]
VILLAGES = [  # code, town, name, households, poverty, monitored, credit village, rating year, rated
    ("V1", "T1", "一村", 400, 0, 0, 1, 2024, 300),   # 75% rated
    ("V2", "T1", "二村", 600, 0, 0, 1, 2024, 360),   # 60% rated: below 70%
    ("V3", "T2", "三村", 500, 0, 0, 0, None, 100),   # not a credit village, no reports
    ("V4", "T3", "四村", 200, 0, 0, 1, 2022, 180),   # rating expired, near-zero use
    ("V5", "T3", "五村", 100, 0, 0, 1, 2024, 80),    # NPL share >= 5%
]
CREDIT = [  # month, village, bank, granted hh, granted, used hh, used, npl
    ("2023-12", "V1", "B1", 80, 4_000_000, 30, 1_500_000, 0),
    ("2023-12", "V1", "B2", 40, 2_000_000, 10, 500_000, 0),
    ("2023-12", "V2", "B1", 150, 9_000_000, 60, 3_600_000, 0),
    ("2023-12", "V4", "B1", 100, 5_000_000, 2, 100_000, 0),
    ("2023-12", "V5", "B1", 50, 1_005_000, 20, 500_000, 30_000),
    ("2024-05", "V1", "B1", 100, 5_000_000, 40, 2_000_000, 10_000),
    ("2024-05", "V1", "B2", 50, 2_500_000, 20, 1_000_000, 0),
    ("2024-05", "V2", "B1", 200, 12_000_000, 90, 5_000_000, 0),
    ("2024-05", "V4", "B1", 120, 6_000_000, 3, 150_000, 0),
    ("2024-05", "V5", "B1", 60, 1_205_000, 25, 600_000, 30_000),
    # 2024-06: no row from B2 for V1. Amounts sit on 万元 rounding boundaries:
    # 5,500,025 + 12,600,025 = 18,100,050 元 = 1,810.005 万元 -> 1,810.01 (half-up of
    # the integer sum; rounding the parts first would give 550.00 + 1,260.00 = 1,810.00)
    ("2024-06", "V1", "B1", 110, 5_500_025, 45, 2_200_000, 20_000),
    ("2024-06", "V2", "B1", 210, 12_600_025, 100, 5_600_000, 0),
    ("2024-06", "V4", "B1", 130, 6_500_000, 4, 200_000, 0),          # 用信率 3.1%
    ("2024-06", "V5", "B1", 60, 1_210_050, 30, 600_000, 40_000),     # 121.005 万元; npl 6.7%
]
TARGETS = [(2024, "credit_granted_increase", "town", "T1", 4_000_000),
           (2024, "credit_granted_increase", "town", "T3", 2_000_000),
           (2024, "credit_used_increase", "town", "T1", 3_000_000),
           (2024, "credit_used_increase", "town", "T3", 2_000_000)]
AS_OF = "2024-06"


def load_fixture(db) -> None:
    fixtures.load(db, [("towns", TOWNS), ("banks", BANKS), ("villages", VILLAGES),
                       ("credit_reports", CREDIT), ("targets", TARGETS)])


@pytest.fixture
def county(empty_db):
    load_fixture(empty_db)
    return empty_db


def wan(yuan) -> float:
    """Independent 元 -> 万元, half-up to 2 decimals."""
    return float((Decimal(yuan) / 10_000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def pct(num, den) -> float:
    return float((Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def row_of(df, col, value) -> dict:
    rows = df[df[col] == value].to_dict("records")
    assert len(rows) == 1, (value, rows)
    return rows[0]


# --- KPIs ---------------------------------------------------------------------------
def test_kpis_known_answers(county):
    k = {x.key: x for x in credit.kpis(county, Filters(AS_OF))}
    assert len(k) == 10 and all(x.base_label == "较年初" for x in k.values())
    g = k["credit_granted"]
    # reported 25,810,100 + B2's carried May line 2,500,000
    assert (g.value, g.prev, g.base) == (28_310_100, 26_705_000, 21_005_000)
    assert (k["credit_used"].value, k["credit_used"].base) == (9_600_000, 6_200_000)
    assert (k["credit_granted_hh"].value, k["credit_used_hh"].value) == (560, 199)
    assert k["credit_usage"].value == pytest.approx(9_600_000 / 28_310_100)
    assert k["credit_usage"].flag  # 33.9% < 40%
    assert k["credit_usage_hh"].value == pytest.approx(199 / 560)
    # coverage: 授信户数 / households of all towns (乙乡 included)
    assert k["credit_coverage"].value == pytest.approx(560 / 1800)
    assert k["credit_coverage"].base == pytest.approx(420 / 1800)
    # credit villages reported on: 一、二、四、五村 (三村 is not a credit village)
    assert (k["credit_villages"].value, k["credit_rated_hh"].value) == (4, 300 + 360 + 180 + 80)
    assert k["credit_npl"].value == pytest.approx(60_000 / 9_600_000) and k["credit_npl"].flag is None
    assert g.delta_base_text() == "较年初 +730.51 万元"


def test_kpis_of_a_bank_missing_the_month_carry_its_last_report_not_zero(county):
    k = {x.key: x for x in credit.kpis(county, Filters(AS_OF, banks=("B2",)))}
    assert k["credit_granted"].value == 2_500_000 and k["credit_granted"].prev == 2_500_000
    assert k["credit_used"].value == 1_000_000
    assert k["credit_villages"].value == 1 and k["credit_villages"].prev == 1
    # beyond the look-back window nothing is carried: the bank has no figures
    lookback = credit.LOOKBACK_MONTHS
    far = periods.add_months("2024-05", lookback + 1)
    assert credit.totals(county, Filters(far, banks=("B2",))) is None
    # the town with zero credit has no figures at all
    k2 = {x.key: x for x in credit.kpis(county, Filters(AS_OF, towns=("T2",)))}
    assert all(x.value is None for x in k2.values())


@pytest.mark.parametrize("f", [
    Filters("2026-10"), Filters("2026-08"), Filters("2026-03", towns=("T01", "T12")),
    Filters("2026-10", banks=("PSBC",)), Filters("2025-12", towns=("T07",), banks=("RCB", "PSBC")),
])
def test_kpis_match_plain_sql_on_the_demo_ledger(db, f):
    def sums(month):
        where, params = "", []
        if f.towns:
            where += f" AND v.town_code IN ({','.join('?' * len(f.towns))})"
            params += list(f.towns)
        if f.banks:
            where += f" AND r.bank_code IN ({','.join('?' * len(f.banks))})"
            params += list(f.banks)
        # each village-bank pair's latest report in the look-back window (carried forward)
        lo = periods.add_months(month, -credit.LOOKBACK_MONTHS)
        return db.execute(
            f"""WITH latest AS (SELECT village_code, bank_code, MAX(month) AS m FROM credit_reports
                                WHERE month BETWEEN ? AND ? GROUP BY village_code, bank_code)
                SELECT SUM(granted_amount), SUM(used_amount), SUM(granted_households), SUM(used_households),
                       SUM(npl_amount), COUNT(DISTINCT CASE WHEN v.is_credit_village = 1 THEN v.code END)
                FROM latest x JOIN credit_reports r ON r.village_code = x.village_code
                     AND r.bank_code = x.bank_code AND r.month = x.m
                JOIN villages v ON v.code = r.village_code
                WHERE 1=1{where}""", [lo, month, *params]).fetchone()
    k = {x.key: x for x in credit.kpis(db, f)}
    for month, attr in ((f.as_of, "value"), (periods.add_months(f.as_of, -1), "prev"),
                        (periods.previous_year_end(f.as_of), "base")):
        ga, ua, gh, uh, npl, cv = sums(month)
        assert getattr(k["credit_granted"], attr) == ga
        assert getattr(k["credit_used"], attr) == ua
        assert getattr(k["credit_granted_hh"], attr) == gh
        assert getattr(k["credit_used_hh"], attr) == uh
        assert getattr(k["credit_usage"], attr) == pytest.approx(ua / ga)
        assert getattr(k["credit_npl"], attr) == pytest.approx(npl / ua)
        assert getattr(k["credit_villages"], attr) == cv
    where = f" WHERE town_code IN ({','.join('?' * len(f.towns))})" if f.towns else ""
    (hh,) = db.execute(f"SELECT SUM(households) FROM villages{where}", list(f.towns)).fetchone()
    assert k["credit_coverage"].value == pytest.approx(sums(f.as_of)[2] / hh)


# --- trend ----------------------------------------------------------------------------
def test_trend_rounds_sums_at_wan_boundaries_and_skips_missing_months(county):
    t = credit.trend(county, Filters(AS_OF))
    assert list(t["月份"]) == ["2023-12", "2024-05", "2024-06"]
    last = t.iloc[-1]
    assert last["授信金额（万元）"] == wan(28_310_100) == 2831.01
    assert last["用信率（%）"] == pct(9_600_000, 28_310_100) == 33.9
    assert last["报送数（村·银行）"] == 4
    # 2024-06 has 4 reports and one carried: marked, and the carried report named
    assert list(t["报送不全"]) == ["", "", "是"]
    assert last["沿用数据"] == "1 个村·银行沿用5月数据"
    t1 = credit.trend(county, Filters(AS_OF, towns=("T1",), banks=("B1",)))
    assert t1.iloc[-1]["授信金额（万元）"] == 1810.01  # not 1,810.00 from rounded parts
    # a bank that did not report a month keeps its last report that month (not a zero)
    b2 = credit.trend(county, Filters(AS_OF, banks=("B2",)))
    assert list(b2["月份"]) == ["2023-12", "2024-05", "2024-06"]
    assert b2.iloc[-1]["授信金额（万元）"] == 250.0 and b2.iloc[-1]["报送不全"] == "是"


# --- towns ----------------------------------------------------------------------------
def test_town_ranking_known_answers(county):
    t = credit.town_ranking(county, Filters(AS_OF))
    assert list(t["乡镇"]) == ["甲镇", "丙镇", "乙乡"] and list(t["排名"])[:2] == [1, 2]
    a = row_of(t, "乡镇", "甲镇")
    # 18,100,050 reported + 2,500,000 carried (邮储银行, 一村, May)
    assert a["授信金额（万元）"] == 2060.01 and a["用信金额（万元）"] == 880.0
    assert a["用信率（%）"] == pct(8_800_000, 20_600_050)
    # year start (2023-12) 甲镇: 授信 15,000,000, 用信 5,600,000
    assert a["较年初新增授信（万元）"] == wan(5_600_050) and a["新增授信目标（万元）"] == 400.0
    assert a["新增授信完成率（%）"] == pct(5_600_050, 4_000_000) == 140.0
    assert a["新增用信完成率（%）"] == pct(3_200_000, 3_000_000) == 106.7
    assert a["报送情况"] == "1 个村·银行未报送（沿用5月数据）"  # 邮储银行, 一村
    tp = periods.time_progress(AS_OF)  # 182 / 366 = 49.7%
    assert a["序时进度（%）"] == 49.7 and 1.4 > tp and a["进度"] == "正常"
    # the town no bank ever reported on: no figures (not zeros), not ranked, said so
    z = row_of(t, "乡镇", "乙乡")
    assert z["报送情况"] == "无报送记录" and z["排名"] is None
    assert pd.isna(z["授信金额（万元）"]) and pd.isna(z["授信户数"]) and pd.isna(z["进度"])
    c = row_of(t, "乡镇", "丙镇")
    assert c["新增授信完成率（%）"] == pct(7_710_050 - 6_005_000, 2_000_000) == 85.3
    # 用信 grew 200,000 against 2,000,000: 10% < 49.7% -> behind
    assert c["新增用信完成率（%）"] == 10.0 and c["进度"] == "落后：用信"
    # ranked by 完成率: 甲镇 140.0 > 丙镇 85.3, 乙乡 (no report) unranked
    r = credit.town_ranking(county, Filters(AS_OF), "新增授信完成率")
    assert list(r["乡镇"]) == ["甲镇", "丙镇", "乙乡"] and list(r["排名"])[:2] == [1, 2]
    assert r["排名"].iloc[2] is None


def test_town_ranking_with_a_bank_has_no_targets(county):
    t = credit.town_ranking(county, Filters(AS_OF, towns=("T1",), banks=("B1",)))
    assert list(t["乡镇"]) == ["甲镇"]
    assert t["新增授信目标（万元）"].isna().all() and t["新增授信完成率（%）"].isna().all()
    assert t.iloc[0]["授信金额（万元）"] == 1810.01


def test_town_ranking_matches_plain_sql_on_the_demo(db):
    f = Filters("2026-10", banks=("RCB", "ABC"))
    t = credit.town_ranking(db, f, "用信率")
    rows = db.execute(
        """SELECT tw.name, SUM(r.granted_amount), SUM(r.used_amount) FROM towns tw
           LEFT JOIN villages v ON v.town_code = tw.code
           LEFT JOIN credit_reports r ON r.village_code = v.code AND r.month = '2026-10'
                AND r.bank_code IN ('RCB', 'ABC')
           GROUP BY tw.code""").fetchall()
    assert len(t) == len(rows) == 15
    for name, g, u in rows:
        r = row_of(t, "乡镇", name)
        assert r["授信金额（万元）"] == wan(g or 0) and r["用信金额（万元）"] == wan(u or 0)
        assert r["用信率（%）"] == pct(u, g)
    assert list(t["用信率（%）"]) == sorted(t["用信率（%）"], reverse=True)
    # targets: 高峰乡 (the demo's lagging town) is behind schedule without a bank filter
    lag = row_of(credit.town_ranking(db, Filters("2026-10")), "乡镇", "高峰乡")
    (target,) = db.execute("SELECT value FROM targets WHERE year = 2026 AND metric = 'credit_granted_increase' "
                           "AND scope_type = 'town' AND scope_code = 'T12'").fetchone()
    assert lag["新增授信目标（万元）"] == wan(target) and lag["进度"].startswith("落后")


# --- banks and completeness -----------------------------------------------------------
def test_bank_ranking_shows_a_bank_that_did_not_report(county):
    b = credit.bank_ranking(county, Filters(AS_OF))
    assert list(b["银行"]) == ["农商行", "邮储银行"]  # 农业银行 never reported
    rcb = row_of(b, "银行", "农商行")
    assert rcb["排名"] == 1 and rcb["授信金额（万元）"] == wan(25_810_100) and rcb["报送数（村）"] == 4
    assert rcb["不良率（%）"] == pct(60_000, 8_600_000) and rcb["报送情况"] == "已报送"
    assert rcb["较年初新增授信（万元）"] == wan(25_810_100 - 19_005_000)
    psbc = row_of(b, "银行", "邮储银行")
    # its May report is carried and shown as such; a bank with carried figures is never ranked
    assert psbc["报送情况"] == "本月未报送（沿用5月数据）" and psbc["排名"] is None
    assert psbc["授信金额（万元）"] == 250.0 and psbc["报送数（村）"] == 0
    chosen = credit.bank_ranking(county, Filters(AS_OF, banks=("B3",)))
    assert list(chosen["报送情况"]) == ["无报送记录"]
    assert list(credit.bank_ranking(county, Filters("2024-05"))["报送情况"]) == ["已报送", "已报送"]


def test_completeness_names_the_missing_bank_and_village(county):
    c = credit.completeness(county, Filters(AS_OF))
    assert c.missing.values.tolist() == [["邮储银行", "甲镇", "一村", "2024-05"]]
    assert not c.complete and "邮储银行" in c.notes[0] and "甲镇" in c.notes[0] and "一村" in c.notes[0]
    assert credit.completeness(county, Filters("2024-05")).complete
    assert credit.completeness(county, Filters(AS_OF, towns=("T3",))).complete
    # a month with no report at all is not loaded: one note, not every village
    nxt = credit.completeness(county, Filters("2024-07"))
    assert nxt.missing.empty and nxt.notes[0] == "2024-07 尚无任何银行报送信用村数据。"
    # ... and the month after an incomplete one says its comparison base was incomplete
    assert nxt.prev_missing == 1 and any("上月（2024-06）" in n for n in nxt.notes)


def test_completeness_matches_plain_sql_on_the_demo(db):
    # the demo's 邮储银行 skipped 河口镇 two months before the end
    c = credit.completeness(db, Filters("2026-08"))
    expected = db.execute(
        """SELECT COUNT(*) FROM credit_reports r JOIN villages v ON v.code = r.village_code
           WHERE r.month = '2026-07' AND NOT EXISTS (SELECT 1 FROM credit_reports x WHERE x.month = '2026-08'
                 AND x.village_code = r.village_code AND x.bank_code = r.bank_code)""").fetchone()[0]
    assert expected > 0 and len(c.missing) == expected
    assert set(c.missing["银行"]) == {"邮储银行"} and set(c.missing["乡镇"]) == {"河口镇"}
    assert credit.completeness(db, Filters("2026-10")).complete
    assert credit.completeness(db, Filters("2026-09")).prev_missing == expected


# --- villages ---------------------------------------------------------------------------
def test_village_table_flags_against_the_criteria(county):
    v = credit.village_table(county, Filters(AS_OF))
    assert list(v["村"]) == ["一村", "二村", "四村", "五村"]  # 三村: not a credit village, no reports
    one, two, four, five = (row_of(v, "村", n) for n in ("一村", "二村", "四村", "五村"))
    assert one["预警"] == "本月未报送：邮储银行"
    assert one["授信金额（万元）"] == 550.0 and one["信用户占比（%）"] == 75.0
    assert two["预警"] == "信用户占比低于70%" and two["信用户占比（%）"] == 60.0
    assert "有信用户但几乎未用信" in four["预警"] and "评定已过期" in four["预警"]
    assert four["用信率（%）"] == pct(200_000, 6_500_000) == 3.1 and four["评定年度"] == 2022
    assert five["预警"] == "不良占比达5%" and five["不良占比（%）"] == pct(40_000, 600_000)
    assert five["授信金额（万元）"] == 121.01  # 1,210,050 元: a 万元 rounding boundary
    flagged = credit.village_table(county, Filters(AS_OF), flagged_only=True)
    assert list(flagged["村"]) == ["一村", "二村", "四村", "五村"]
    # drill-down to a town; the town with zero credit has no village to show
    assert list(credit.village_table(county, Filters(AS_OF), town="T3")["村"]) == ["四村", "五村"]
    assert credit.village_table(county, Filters(AS_OF), town="T2").empty
    # a bank filter lists the bank's villages only, a missing report included
    b2 = credit.village_table(county, Filters(AS_OF, banks=("B2",)))
    assert list(b2["村"]) == ["一村"] and b2.iloc[0]["授信户数"] is None
    assert b2.iloc[0]["预警"] == "本月未报送：邮储银行"


def test_village_table_matches_plain_sql_on_the_demo(db):
    f = Filters("2026-10", towns=("T03",))
    v = credit.village_table(db, f)
    rows = db.execute(
        """SELECT v.name, v.rated_households, v.households, SUM(r.granted_amount), SUM(r.used_amount)
           FROM villages v JOIN credit_reports r ON r.village_code = v.code AND r.month = '2026-10'
           WHERE v.town_code = 'T03' GROUP BY v.code""").fetchall()
    assert len(v) == len(rows) > 0
    for name, rated, hh, g, u in rows:
        r = row_of(v, "村", name)
        assert r["授信金额（万元）"] == wan(g) and r["用信率（%）"] == pct(u, g)
        assert ("信用户占比低于70%" in r["预警"]) == (rated / hh < 0.70)
        assert ("几乎未用信" in r["预警"]) == (u / g < 0.10)


# --- what-if ----------------------------------------------------------------------------
def test_whatif_known_answers(county):
    w = credit.whatif(county, Filters(AS_OF), 0.6, 0.5)
    t = w.table
    assert list(t["乡镇"]) == ["甲镇", "乙乡", "丙镇", "合计"]
    a = row_of(t, "乡镇", "甲镇")
    # (B2's May report carried: 370 户, 20,600,050 授信, 165 户 / 8,800,000 用信)
    # 500 households to reach 50% of 1,000; 130 new at 20,600,050 / 370 元 each
    # = 7,237,855.4 -> 7,237,855
    assert a["需新增授信户数"] == 130 and a["需新增授信（万元）"] == wan(7_237_855)
    # 60% of (20,600,050 + 7,237,855) = 16,702,743 - 8,800,000 in use
    assert a["需新增用信（万元）"] == wan(7_902_743) and a["需新增用信户数"] == 300 - 165
    assert a["尚需完成目标（万元）"] == 0.0   # 3,200,000 done of 3,000,000
    assert a["测算后用信目标完成率（%）"] == pct(3_200_000 + 7_902_743, 3_000_000)
    # the town with zero credit: new households at the county's average line
    # (28,310,100 / 560 each: 250 × that = 12,638,437.5 -> 12,638,438)
    z = row_of(t, "乡镇", "乙乡")
    assert z["需新增授信户数"] == 250 and z["需新增授信（万元）"] == wan(12_638_438)
    assert z["需新增用信（万元）"] == wan(7_583_063) and z["需新增用信户数"] == 150
    c = row_of(t, "乡镇", "丙镇")  # already above 50% coverage
    assert c["需新增授信户数"] == 0 and c["需新增用信（万元）"] == wan(3_826_030) and c["需新增用信户数"] == 80
    total = row_of(t, "乡镇", "合计")
    assert w.extra_used == 7_902_743 + 7_583_063 + 3_826_030
    assert total["需新增用信（万元）"] == wan(w.extra_used)
    assert (w.extra_used_households, w.extra_granted_households) == (135 + 150 + 80, 380)
    assert w.target is None and w.completion_after is None  # 乙乡 has no 用信 target
    one = credit.whatif(county, Filters(AS_OF, towns=("T1",)), 0.6, 0.5)
    assert (one.target, one.done, one.remaining) == (3_000_000, 3_200_000, 0)
    assert one.completion_after == pytest.approx((3_200_000 + 7_902_743) / 3_000_000)


def test_whatif_follows_its_parameters_and_has_no_float_error(county):
    low = credit.whatif(county, Filters(AS_OF), 0.3, 0.0)
    assert low.extra_granted_households == 0
    high = credit.whatif(county, Filters(AS_OF), 0.9, 0.0)
    assert high.extra_used > low.extra_used
    # 0.07 x 100 is exactly 7 households (in floats 7.000000000000001 -> 8)
    assert credit._ceil_share(0.07, 100) == 7 and credit._ceil_share(0.6, 500) == 300


def test_whatif_matches_plain_sql_on_the_demo(db):
    f = Filters("2026-10", towns=("T01", "T02"))
    w = credit.whatif(db, f, 0.55, 0.0)
    for code, name in (("T01", "城关镇"), ("T02", "清溪镇")):
        g, u = db.execute("""SELECT SUM(granted_amount), SUM(used_amount) FROM credit_reports r
                             JOIN villages v ON v.code = r.village_code
                             WHERE r.month = '2026-10' AND v.town_code = ?""", [code]).fetchone()
        need = max(0, -(-g * 55 // 100) - u)
        assert row_of(w.table, "乡镇", name)["需新增用信（万元）"] == wan(need)


# --- helpers and export -------------------------------------------------------------------
def test_percentages_round_half_up():
    assert credit.pct(1, 16) == 6.3 and credit.pct(1, 8) == 12.5 and credit.pct(1, 0) is None
    assert credit.ratio_pct(0.4565) == 45.7


def test_page_tables_export_to_excel_and_csv(county):
    f = Filters(AS_OF)
    tables = {"乡镇排名": credit.town_ranking(county, f), "银行排名": credit.bank_ranking(county, f),
              "村级明细": credit.village_table(county, f), "测算": credit.whatif(county, f, 0.6, 0.5).table,
              "月度走势": credit.trend(county, f), "未报送": credit.completeness(county, f).missing}
    wb = openpyxl.load_workbook(io.BytesIO(exports.workbook(tables, {"数据月份": AS_OF})))
    assert wb.sheetnames == ["说明", *tables]
    ws = wb["村级明细"]
    header = [c.value for c in ws[exports.HEADER_ROW + 1]]     # title rows above the header
    four = next(r for r in ws.iter_rows(min_row=exports.HEADER_ROW + 2, values_only=True) if r[1] == "四村")
    assert four[header.index("评定年度")] == 2022 and four[header.index("授信金额（万元）")] == 650.0
    csv = exports.csv_bytes(tables["村级明细"])
    assert csv.startswith(b"\xef\xbb\xbf") and ",2022," in csv.decode("utf-8-sig")
