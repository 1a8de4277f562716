"""企业上市: stage ordering, fall-back rules, months in stage, stuck flag and projection.

Pure functions of finance_core.ipo, checked against hand-worked answers.
"""
import datetime as dt

import pytest

from finance_core import ipo
from finance_core.config import Thresholds

TODAY = dt.date(2026, 11, 28)


# --- stage ordering ------------------------------------------------------------------
def test_stage_order_is_the_pipeline_order():
    assert ipo.STAGES == ("后备资源库", "股改", "辅导备案", "辅导验收", "申报受理", "审核问询", "注册", "发行上市")
    assert ipo.LISTED == "发行上市" and ipo.RESERVE == "后备资源库"


@pytest.mark.parametrize("current, new", [
    ("后备资源库", "股改"), ("股改", "辅导备案"), ("辅导备案", "辅导验收"), ("辅导验收", "申报受理"),
    ("申报受理", "审核问询"), ("审核问询", "注册"), ("注册", "发行上市"),
])
def test_forward_one_stage_is_allowed(current, new):
    assert ipo.check_move(current, "2026-01-10", new, "2026-02-01", None, TODAY) == ipo.FORWARD


@pytest.mark.parametrize("current, new, expected_next", [
    ("后备资源库", "辅导备案", "股改"), ("股改", "申报受理", "辅导备案"), ("辅导验收", "发行上市", "申报受理"),
    ("审核问询", "发行上市", "注册"),
])
def test_skipping_forward_is_refused_and_names_the_next_stage(current, new, expected_next):
    with pytest.raises(ipo.EditError, match=f"下一阶段应为“{expected_next}”"):
        ipo.check_move(current, "2026-01-10", new, "2026-02-01", "跳过", TODAY)


def test_fall_back_to_any_earlier_stage_needs_a_reason():
    # application withdrawn during review: back to 辅导备案 (two stages and more back is fine)
    assert ipo.check_move("审核问询", "2026-01-10", "辅导备案", "2026-05-01", "撤回申报", TODAY) == ipo.BACK
    assert ipo.check_move("注册", "2026-01-10", "后备资源库", "2026-05-01", "终止", TODAY) == ipo.BACK
    assert ipo.check_move("股改", "2026-01-10", "后备资源库", "2026-05-01", "暂缓", TODAY) == ipo.BACK
    for empty in (None, "", "   "):
        with pytest.raises(ipo.EditError, match="须填写原因"):
            ipo.check_move("审核问询", "2026-01-10", "辅导备案", "2026-05-01", empty, TODAY)


def test_listed_company_is_final_and_same_stage_is_refused():
    for target in ("注册", "后备资源库", "发行上市"):
        with pytest.raises(ipo.EditError, match="已发行上市"):
            ipo.check_move("发行上市", "2025-01-10", target, "2026-05-01", "原因", TODAY)
    with pytest.raises(ipo.EditError, match="已处于“股改”"):
        ipo.check_move("股改", "2026-01-10", "股改", "2026-05-01", None, TODAY)


def test_dates_must_follow_the_current_stage_and_not_be_in_the_future():
    # same day as the current stage is fine (two steps registered the same day)
    assert ipo.check_move("股改", "2026-01-10", "辅导备案", "2026-01-10", None, TODAY) == ipo.FORWARD
    with pytest.raises(ipo.EditError, match="早于进入当前阶段"):
        ipo.check_move("股改", "2026-01-10", "辅导备案", "2026-01-09", None, TODAY)
    assert ipo.check_move("股改", "2026-01-10", "辅导备案", TODAY, None, TODAY) == ipo.FORWARD
    with pytest.raises(ipo.EditError, match="晚于今天"):
        ipo.check_move("股改", "2026-01-10", "辅导备案", TODAY + dt.timedelta(days=1), None, TODAY)
    with pytest.raises(ipo.EditError, match="无效"):
        ipo.check_move("股改", "2026-01-10", "辅导备案", "2026-02-30", None, TODAY)
    with pytest.raises(ipo.EditError, match="不存在"):
        ipo.check_move("股改", "2026-01-10", "新三板", "2026-02-01", None, TODAY)


def test_first_event_may_be_any_stage():
    for stage in ipo.STAGES:
        assert ipo.check_move(None, None, stage, "2026-02-01", None, TODAY) == ipo.FIRST


def test_allowed_targets_follow_the_rules():
    assert ipo.allowed_targets("辅导验收") == ["申报受理", "辅导备案", "股改", "后备资源库"]
    assert ipo.allowed_targets("后备资源库") == ["股改"]
    assert ipo.allowed_targets("发行上市") == []
    assert ipo.allowed_targets(None) == list(ipo.STAGES)
    # every allowed target passes check_move (with a reason), every other stage fails
    for current in ipo.STAGES:
        for new in ipo.STAGES:
            ok = new in ipo.allowed_targets(current)
            try:
                ipo.check_move(current, "2026-01-01", new, "2026-02-01", "原因", TODAY)
                passed = True
            except ipo.EditError:
                passed = False
            assert passed == ok, (current, new)


# --- months in stage at month boundaries ----------------------------------------------
@pytest.mark.parametrize("since, as_of, months", [
    ("2024-03-01", "2024-03", 0),   # first day of the month: 0 at its end
    ("2024-03-31", "2024-03", 0),   # last day: 0 as well
    ("2024-03-01", "2024-04", 1),
    ("2024-03-31", "2024-04", 1),   # 30 days later, one completed month (to 04-30)
    ("2024-01-31", "2024-02", 1),   # Jan 31 + 1 month = Feb 29 (leap year) <= Feb 29
    ("2023-01-31", "2023-02", 1),   # ... and Feb 28 in a common year
    ("2024-02-29", "2025-02", 12),
    ("2023-12-15", "2024-01", 1),   # across a year end
    ("2023-03-31", "2024-03", 12),
    ("2024-05-01", "2024-04", 0),   # entered after the data month: nothing yet
])
def test_months_in_stage(since, as_of, months):
    assert ipo.months_in_stage(since, as_of) == months
    assert ipo.months_in_stage(dt.date.fromisoformat(since), as_of) == months


def test_stuck_only_when_months_exceed_the_limit():
    th = Thresholds(guidance_min_months=3, acceptance_valid_months=12)
    typical = ipo.typical_durations(th)
    # 辅导备案 entered 2023-03-31: 12 months at the end of 2024-03 (not stuck), 13 a month later
    assert not ipo.is_stuck("辅导备案", ipo.months_in_stage("2023-03-31", "2024-03"), typical)
    assert ipo.is_stuck("辅导备案", ipo.months_in_stage("2023-03-31", "2024-04"), typical)
    assert ipo.is_stuck("辅导验收", 13, typical) and not ipo.is_stuck("辅导验收", 12, typical)
    assert not ipo.is_stuck("发行上市", 400, typical)   # listed: never stuck


def test_typical_durations_come_from_config_and_are_consistent():
    th = Thresholds(guidance_min_months=4, acceptance_valid_months=10)
    typical = ipo.typical_durations(th)
    assert typical["辅导备案"].low == 4 and typical["辅导备案"].limit == 10
    assert typical["辅导验收"].limit == 10
    assert list(typical) == list(ipo.STAGES[:-1])     # every stage but 发行上市
    for stage, d in ipo.TYPICAL.items():
        assert 1 <= d.low <= d.high <= d.limit, stage
        assert d.basis
    # the default 辅导 rules of DESIGN.md: at least 3 months, acceptance valid 12 months
    assert ipo.TYPICAL["辅导备案"].low == 3 and ipo.TYPICAL["辅导验收"].limit == 12


# --- projection --------------------------------------------------------------------------
SMALL = {  # a hand-made table makes the arithmetic easy to follow
    "后备资源库": ipo.StageDuration(6, 24, 24, ""),
    "股改": ipo.StageDuration(6, 12, 12, ""),
    "辅导备案": ipo.StageDuration(3, 6, 12, ""),
    "辅导验收": ipo.StageDuration(1, 2, 12, ""),
    "申报受理": ipo.StageDuration(1, 1, 3, ""),
    "审核问询": ipo.StageDuration(3, 6, 12, ""),
    "注册": ipo.StageDuration(1, 2, 12, ""),
}


def test_projection_adds_remaining_and_later_typical_durations():
    # 辅导备案 entered 2024-01-20, data month 2024-03: 2 months elapsed.
    # earliest: max(3-2, 1) + 1 + 1 + 3 + 1 = 7 months -> 2024-10
    # latest:   max(6-2, 1) + 2 + 1 + 6 + 2 = 15 months -> 2025-06
    p = ipo.project_listing("辅导备案", "2024-01-20", "2024-03", SMALL)
    assert (p.earliest, p.latest, p.beyond_typical) == ("2024-10", "2025-06", False)
    assert p.text() == "2024-10 至 2025-06"


def test_projection_when_the_current_stage_runs_long():
    # 辅导备案 for 9 months (> high 6): at least one more month in it either way
    # earliest 1 + 6 = 7 -> 2024-10, latest 1 + 11 = 12 -> 2025-03, flagged
    p = ipo.project_listing("辅导备案", "2023-06-05", "2024-03", SMALL)
    assert (p.earliest, p.latest, p.beyond_typical) == ("2024-10", "2025-03", True)
    assert "已超典型时长" in p.text()


def test_projection_last_step_and_none_cases():
    # 注册 entered this month: lists next month at the earliest, within 2 months at the latest
    p = ipo.project_listing("注册", "2024-03-05", "2024-03", SMALL)
    assert (p.earliest, p.latest) == ("2024-04", "2024-05")
    assert ipo.project_listing("发行上市", "2024-01-05", "2024-03", SMALL) is None
    assert ipo.project_listing("后备资源库", "2024-01-05", "2024-03", SMALL) is None


def test_projection_with_the_default_table_stays_a_range():
    for stage in ipo.STAGES[1:-1]:
        p = ipo.project_listing(stage, "2026-10-01", "2026-10")
        assert "2026-10" < p.earliest <= p.latest, stage
    # 股改 just started: earliest = sum of the lows, latest = sum of the highs
    lows = sum(ipo.TYPICAL[s].low for s in ipo.STAGES[1:-1])
    highs = sum(ipo.TYPICAL[s].high for s in ipo.STAGES[1:-1])
    p = ipo.project_listing("股改", "2026-10-01", "2026-10")
    from finance_core import periods
    assert (p.earliest, p.latest) == (periods.add_months("2026-10", lows), periods.add_months("2026-10", highs))
