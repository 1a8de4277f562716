import pytest

from finance_core import money, periods


@pytest.mark.parametrize("yuan,text", [
    (12_345, "1.23 万元"), (12_350, "1.24 万元"), (12_349, "1.23 万元"),
    (-12_350, "-1.24 万元"), (0, "0.00 万元"), (99_995_000, "9,999.50 万元"),
])
def test_fmt_wan_rounds_half_up(yuan, text):
    assert money.fmt_wan(yuan) == text


def test_fmt_money_switches_unit_at_one_yi():
    assert money.fmt_money(99_999_999) == "10,000 万元"
    assert money.fmt_money(100_000_000) == "1.00 亿元"
    assert money.fmt_money(3_476_866_200) == "34.77 亿元"
    assert money.fmt_money(5_000_000) == "500.00 万元"
    assert money.fmt_money(None) == "—"


def test_pct_and_ratio():
    assert money.fmt_pct(0.4567) == "45.7%"
    assert money.fmt_pct(0.00049) == "0.0%"
    assert money.fmt_pct(0.0005) == "0.1%"
    assert money.safe_ratio(1, 0) is None
    assert money.wan_to_yuan(1.23456) == 12_346


def test_time_progress_is_days_elapsed_over_days_in_year():
    assert periods.time_progress("2023-12") == 1.0
    assert periods.time_progress("2023-06") == pytest.approx(181 / 365)
    assert periods.time_progress("2024-02") == pytest.approx(60 / 366)  # leap year


def test_month_arithmetic():
    assert periods.add_months("2024-01", -1) == "2023-12"
    assert periods.add_months("2024-11", 14) == "2026-01"
    assert periods.months_between("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    with pytest.raises(ValueError, match="YYYY-MM"):
        periods.parse_month("2024-13")


def test_target_cells_keep_their_unit():
    from finance_core import targets

    assert targets.shown(2.0, "家") == "2 家" and targets.shown(2060.0, "户") == "2,060 户"
    assert targets.shown(54450.0, "万元") == "54,450.00 万元" and targets.shown(None, "家") == "—"
    assert targets.shown(float("nan"), "万元") == "—"
