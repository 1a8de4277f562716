"""Overview metrics on a hand-built county with known answers, and the roll-ups
against plain SQL over the ledgers of the demo county."""
import random

import pytest

from finance_core import areas, credit, guarantees, ipo, microloans, overview, targets
from finance_core.filters import Filters
from tests import fixture_county


@pytest.fixture
def small(empty_db):
    fixture_county.load(empty_db)
    return empty_db


def test_credit_totals_known_answers(small):
    t = credit.totals(small, Filters("2024-06"))
    # B2 did not report 2024-06: its May report (50, 2,500,000, 20, 1,000,000) is carried
    assert (t.granted_amount, t.used_amount, t.granted_households, t.used_households, t.npl_amount) == \
        (20_600_000, 8_800_000, 370, 165, 20_000)
    assert t.usage_rate == pytest.approx(8_800_000 / 20_600_000)
    assert t.npl_rate == pytest.approx(20_000 / 8_800_000)
    # a bank that did not report the month keeps its last report (carried forward), not zero
    assert credit.totals(small, Filters("2024-06", banks=("B2",))).granted_amount == 2_500_000
    assert credit.totals(small, Filters("2024-05", banks=("B2",))).granted_amount == 2_500_000
    # a town with zero credit has no totals (shown as —), not zeros
    assert credit.totals(small, Filters("2024-06", towns=("T2",))) is None
    assert credit.village_counts(small, Filters("2024-06", towns=("T1",))).credit_villages == 2
    assert credit.coverage(small, Filters("2024-06")) == pytest.approx(370 / 1500)


def test_microloan_totals_known_answers(small):
    m = microloans.totals(small, Filters("2024-06"))
    assert (m.balance, m.loans, m.households) == (130_000, 4, 4)
    assert (m.overdue_balance, m.par30_balance, m.par90_balance) == (80_000, 40_000, 10_000)
    assert (m.new_loans_ytd, m.new_amount_ytd, m.new_households_ytd, m.subsidy_ytd) == (2, 70_000, 2, 431)
    # a loan exactly 30 days overdue is overdue but not in PAR30
    may = microloans.totals(small, Filters("2024-05"))
    assert may.overdue_balance == 40_000 and may.par30_balance == 10_000 and may.par90_balance == 0
    # 获贷率: H1 had two loans and counts once; 5 of 10 eligible households
    assert microloans.access_rate(small, Filters("2024-06")) == pytest.approx(5 / 10)
    assert microloans.access_rate(small, Filters("2024-06", towns=("T2",))) == pytest.approx(1 / 2)


def test_guarantee_totals_known_answers(small):
    g = guarantees.totals(small, Filters("2024-06"))
    assert (g.outstanding, g.outstanding_count) == (8_000_000, 2)
    assert (g.new_amount_ytd, g.new_count_ytd) == (3_000_000, 2)
    assert (g.released_ytd, g.compensated_ytd, g.recovered_ytd) == (1_500_000, 400_000, 100_000)
    assert g.compensation_rate == pytest.approx(400_000 / 1_500_000)
    # net assets changed between May and June: leverage uses each month's own
    assert guarantees.leverage(small, "2024-05") == pytest.approx(8_000_000 / 10_000_000)
    assert guarantees.leverage(small, "2024-06") == pytest.approx(8_000_000 / 12_000_000)
    assert guarantees.leverage(small, "2023-01") is None


def test_ipo_stage_at_month_end(small):
    assert ipo.stage_counts(small, Filters("2024-06"))["辅导备案"] == 1
    may = ipo.stage_counts(small, Filters("2024-05"))
    assert may["股改"] == 1 and may["辅导备案"] == 0 and sum(may.values()) == 1


def test_targets_progress(small):
    p = targets.progress(small, Filters("2024-06"), areas.METRIC_BY_KEY["credit_granted_increase"])
    assert (p.target, p.actual) == (10_000_000, 20_600_000 - 15_000_000)   # B2's May report carried
    assert p.completion == pytest.approx(0.56) and p.behind is False
    table = targets.progress_table(small, Filters("2024-06", banks=("B1",)), areas.METRICS)
    assert list(table["key"]) == ["microloan_new_amount"]
    assert table.loc[0, "累计完成"] == 5.0  # L1 50,000 元 = 5 万元
    assert targets.target_for(small, areas.METRIC_BY_KEY["credit_granted_increase"],
                              Filters("2024-06", ("T1",), ("B1",))) is None


def test_overview_kpis_and_flags(small):
    kpis = {k.key: k for k in overview.area_kpis(small, Filters("2024-06"), "credit-villages")}
    assert kpis["credit_granted"].value == 20_600_000 and kpis["credit_granted"].prev == 19_500_000
    assert kpis["credit_granted"].text() == "2,060 万元"
    assert kpis["credit_granted"].delta_prev() == "+110.00 万元"
    assert kpis["credit_granted"].base == 15_000_000  # 较年初: the page's own KPI, December 2023
    flags = overview.red_flags(small, Filters("2024-06"), {"T1": "甲镇", "T2": "乙乡"},
                               {"B1": "农商行", "B2": "邮储银行"})
    texts = [f.text for f in flags]
    # 甲镇 56.0% against 序时进度 49.7% (B2's report carried): not behind
    assert not any("甲镇信用村新增授信完成率" in t for t in texts)
    assert any(t.startswith("农商行小额信贷逾期率 44.4%") for t in texts)  # 40,000 / 90,000
    assert "放大倍数（全公司） 0.67 倍，低于 3 倍，资本闲置" in texts
    bank_flag = next(f for f in flags if f.text.startswith("农商行小额信贷逾期率"))
    assert bank_flag.key == "microloans" and bank_flag.dims == (("bank", "农商行"),)


# --- roll-ups against the ledgers of the demo county ------------------------------
def _scopes(db, n=6):
    rng = random.Random(7)
    towns = [r[0] for r in db.execute("SELECT code FROM towns").fetchall()]
    banks = [r[0] for r in db.execute("SELECT code FROM banks").fetchall()]
    months = ["2026-10", "2025-12", "2024-03"]
    out = [Filters("2026-10")]
    for _ in range(n):
        out.append(Filters(rng.choice(months), tuple(sorted(rng.sample(towns, rng.randint(1, 3)))),
                           tuple(sorted(rng.sample(banks, rng.randint(0, 2))))))
    return out


def _in(col, values):
    return (f" AND {col} IN ({','.join('?' * len(values))})", list(values)) if values else ("", [])


def test_credit_totals_match_plain_sql_on_ledger(db):
    for f in _scopes(db):
        tw, tp = _in("v.town_code", f.towns)
        bw, bp = _in("r.bank_code", f.banks)
        row = db.execute(
            "SELECT SUM(granted_amount), SUM(used_amount), SUM(granted_households), SUM(used_households), "
            f"SUM(npl_amount) FROM credit_reports r JOIN villages v ON v.code = r.village_code "
            f"WHERE r.month = ?{tw}{bw}", [f.as_of, *tp, *bp]).fetchone()
        t = credit.totals(db, f)
        if row[0] is None:
            assert t is None
        else:
            assert (t.granted_amount, t.used_amount, t.granted_households, t.used_households, t.npl_amount) == row


def test_microloan_totals_match_plain_sql_on_ledger(db):
    for f in _scopes(db):
        tw, tp = _in("l.town_code", f.towns)
        bw, bp = _in("l.bank_code", f.banks)
        bal, overdue, par30, par90, hh = db.execute(
            "SELECT TOTAL(s.balance), TOTAL(CASE WHEN s.days_overdue > 0 THEN s.balance END), "
            "TOTAL(CASE WHEN s.days_overdue > 30 THEN s.balance END), "
            "TOTAL(CASE WHEN s.days_overdue > 90 THEN s.balance END), "
            "COUNT(DISTINCT CASE WHEN s.balance > 0 THEN l.household_id END) "
            f"FROM microloan_status s JOIN microloans l ON l.id = s.loan_id WHERE s.month = ?{tw}{bw}",
            [f.as_of, *tp, *bp]).fetchone()
        new_amount, new_hh = db.execute(
            "SELECT COALESCE(SUM(amount), 0), COUNT(DISTINCT household_id) FROM microloans l "
            f"WHERE is_extension = 0 AND disbursed_on >= ? AND substr(disbursed_on, 1, 7) <= ?{tw}{bw}",
            [f"{f.year}-01-01", f.as_of, *tp, *bp]).fetchone()
        m = microloans.totals(db, f)
        assert (m.balance, m.overdue_balance, m.par30_balance, m.par90_balance) == \
            (bal, overdue, par30, par90)
        assert m.households == hh
        assert (m.new_amount_ytd, m.new_households_ytd) == (new_amount, new_hh)


def test_guarantee_totals_match_plain_sql_on_ledger(db):
    for f in _scopes(db):
        tw, tp = _in("town_code", f.towns)
        bw, bp = _in("bank_code", f.banks)
        end = {"2026-10": "2026-10-31", "2025-12": "2025-12-31", "2024-03": "2024-03-31"}[f.as_of]
        outstanding, count = db.execute(
            "SELECT COALESCE(SUM(amount), 0), COUNT(*) FROM guarantee_contracts WHERE start_on <= ? "
            f"AND (released_on IS NULL OR released_on > ?){tw}{bw}", [end, end, *tp, *bp]).fetchone()
        new = db.execute(
            "SELECT COALESCE(SUM(amount), 0) FROM guarantee_contracts WHERE start_on BETWEEN ? AND ?"
            f"{tw}{bw}", [f"{f.year}-01-01", end, *tp, *bp]).fetchone()[0]
        g = guarantees.totals(db, f)
        assert (g.outstanding, g.outstanding_count, g.new_amount_ytd) == (outstanding, count, new)


def test_town_completions_match_targets_progress(db):
    towns = [r[0] for r in db.execute("SELECT code FROM towns")]
    for key in ("credit_granted_increase", "credit_used_increase", "microloan_new_amount"):
        metric = areas.METRIC_BY_KEY[key]
        for month in ("2026-10", "2025-12", "2025-03"):
            fast = targets.town_completions(db, month, areas.METRIC_BY_KEY[key])
            for code in towns:
                slow = targets.progress(db, Filters(month, (code,)), metric).completion
                assert fast.get(code) == (pytest.approx(slow) if slow is not None else None), (key, month, code)
    assert targets.town_completions(db, "2023-11", areas.METRIC_BY_KEY["credit_granted_increase"]) == {}  # no December before


def test_bank_overdue_rates_match_microloan_totals(db):
    banks = [r[0] for r in db.execute("SELECT code FROM banks")]
    for f in _scopes(db):
        fast = microloans.bank_overdue_rates(db, f)
        for code in banks:
            t = microloans.totals(db, Filters(f.as_of, f.towns, (code,)))
            slow = None if t is None else t.overdue_rate
            assert fast.get(code) == (pytest.approx(slow) if slow is not None else None), (f, code)


def test_money_yoy_carries_growth_rate():
    """同比 of an amount gives the growth in % too (an independent sum: 120 over 100 is +20.0%)."""
    from finance_core.kpi import COUNT, MONEY, Kpi
    k = Kpi("x", "余额", MONEY, 1_200_000, base=1_000_000)
    assert k.delta_base_text() == "同比 +20.00 万元（+20.0%）"
    assert Kpi("x", "余额", MONEY, 900_000, base=1_000_000).delta_base_text() == "同比 -10.00 万元（-10.0%）"
    # counts, rates and a year-start base keep their own convention
    assert Kpi("x", "户数", COUNT, 12, base=10, unit="户").delta_base_text() == "同比 +2 户"
    assert Kpi("x", "余额", MONEY, 1_200_000, base=1_000_000, base_label="较年初").delta_base_text() \
        == "较年初 +20.00 万元"
    assert Kpi("x", "余额", MONEY, 1_200_000, base=0).delta_base_text() == "同比 +120.00 万元"
