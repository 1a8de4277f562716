"""Balances carry both comparisons (DESIGN: 比年初增加 and 同比): 信用村 balances are
compared with the year start and, second, the same month last year; microloan and
guarantee balances with a year ago and, second, the year start."""
import pytest

from finance_core import credit, guarantees, kpi, microloans
from finance_core.filters import Filters

F = Filters("2026-10")


def by_key(items):
    return {k.key: k for k in items}


def test_credit_balances_show_year_start_and_year_ago(db):
    k = by_key(credit.kpis(db, F))["credit_granted"]
    (start,) = db.execute("SELECT SUM(granted_amount) FROM credit_reports WHERE month = '2025-12'").fetchone()
    (year_ago,) = db.execute("SELECT SUM(granted_amount) FROM credit_reports WHERE month = '2025-10'").fetchone()
    assert (k.base_label, k.base) == ("较年初", start)
    assert (k.second_label, k.second) == ("同比", year_ago)
    growth = (k.value - year_ago) / year_ago
    text = k.comparison_text()
    assert text.startswith("较年初 +") and " · 同比 " in text and text.endswith(f"%）")
    assert f"{growth * 100:.1f}%" in text
    assert "credit_usage" in by_key(credit.kpis(db, F)) and by_key(credit.kpis(db, F))["credit_usage"].second is None


def test_microloan_and_guarantee_balances_show_year_start_second(db):
    k = by_key(microloans.kpis(db, F))["ml_balance"]
    (start,) = db.execute("SELECT SUM(balance) FROM microloan_status WHERE month = '2025-12'").fetchone()
    assert (k.second_label, k.second) == ("较年初", start)
    assert k.comparison_text().startswith("同比 ") and " · 较年初 " in k.comparison_text()
    g = by_key(guarantees.kpis(db, F))["g_outstanding"]
    assert g.second_label == "较年初" and g.second is not None
    assert by_key(guarantees.kpis(db, F))["g_fee_rate"].second_label is None


def test_the_export_table_carries_both_comparisons(db):
    items = credit.kpis(db, F)
    table = kpi.frame(items).set_index("指标")
    assert table.loc["授信金额", "较年初"] == by_key(items)["credit_granted"].comparison_text()


@pytest.mark.parametrize("label", ["同比", "较年初"])
def test_without_a_second_base_the_text_is_the_base_alone(label):
    k = kpi.Kpi("x", "余额", kpi.MONEY, 3_000_000, 2_000_000, 1_000_000, base_label=label)
    assert k.comparison_text() == k.delta_base_text()
    assert kpi.Kpi("x", "余额", kpi.MONEY, 3_000_000, None, None, second=None,
                   second_label="同比").comparison_text() is None
