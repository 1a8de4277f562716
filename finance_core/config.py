"""Thresholds and conventions in one place (defaults from DESIGN.md).

Override any of them with a JSON file named by ``$FINANCE_THRESHOLDS``; keys are
the field names below.
"""
from __future__ import annotations

import dataclasses
import json
import os


@dataclasses.dataclass(frozen=True)
class Thresholds:
    # 融资担保
    leverage_max: float = 10.0            # 在保余额 / 净资产
    leverage_max_small_agri: float = 15.0  # when small & agri share >= small_agri_share_min
    leverage_min: float = 3.0             # below: idle capital
    small_agri_share_min: float = 0.80    # 支小支农占比
    single_le5m_share_min: float = 0.50   # of small & agri, single borrowers <= 500万元
    single_borrower_cap: int = 5_000_000  # 500万元, 元
    fee_rate_max: float = 0.01            # average fee rate
    compensation_rate_max: float = 0.03   # county tolerance for 代偿率
    quota_warning: float = 0.90           # product quota used share that is "near"
    # 小额信贷
    microloan_max_amount: int = 50_000    # 5万元
    microloan_max_years: int = 3
    fund_leverage_required: float = 10.0  # fund backs at least 10x its size
    fund_share_default: float = 0.40      # county share of losses
    overdue_rate_max: float = 0.02        # red flag above this 逾期率
    par_fund_days: int = 90               # > 90 days -> eligible for the fund
    # 财政资金 (fiscal): days a claim may wait for payment before it is flagged 逾期未拨付
    subsidy_pay_days: int = 60            # 贴息: from the bank's claim to payment
    subsidy_claim_due_days: int = 30      # a quarter's 贴息 claim is due this many days after the quarter
    fund_claim_pay_days: int = 90         # 风险补偿金代偿: from the claim to payment
    county_share_pay_days: int = 90       # 4321: the county's 10% from the compensation to payment
    award_pay_days: int = 90              # 上市奖补: from the stage reached to payment
    # 上市奖补 policy: 元 paid once per company for the first entry into each stage
    ipo_award_policy: tuple = (("股改", 500_000), ("辅导备案", 1_000_000), ("申报受理", 2_000_000),
                               ("发行上市", 5_000_000))
    # 信用村
    credit_village_rated_min: float = 0.70  # share of households rated creditworthy
    credit_village_no_arrears_min: float = 0.85
    credit_village_npl_max: float = 0.05
    low_usage_rate: float = 0.10          # rated households but near-zero use
    usage_rate_min: float = 0.40          # red flag below this 用信率
    credit_rating_max_age: int = 1        # years: households are rated yearly (last year's rating is current)
    # 报送 (completeness, DESIGN.md): a reporter that delivered a feed in any of the
    # ``expected_lookback_months`` months before a month is expected to deliver it;
    # when it does not, its balances carry forward that many months at most
    expected_lookback_months: int = 6
    report_due_day: int = 10              # a month's report is due by this day of the next month
    # IPO
    guidance_min_months: int = 3
    acceptance_valid_months: int = 12
    # imports: the plausible window of dates and months, and bounds of numbers
    earliest_year: int = 2000             # no date or month before 1 January of this year
    future_months: int = 0                # months after the current one a data month may be
    maturity_horizon_years: int = 10      # maturities (到期日期) at most this far after today
    import_max_amount: int = 1_000_000_000_000   # 1万亿元 per cell: sums of a file stay far inside int64
    import_max_count: int = 10_000_000    # households, counts per cell


def load() -> Thresholds:
    path = os.environ.get("FINANCE_THRESHOLDS")
    if not path:
        return Thresholds()
    with open(path, encoding="utf-8") as fh:
        overrides = json.load(fh)
    known = {f.name for f in dataclasses.fields(Thresholds)}
    return Thresholds(**{k: v for k, v in overrides.items() if k in known})


THRESHOLDS = load()


# --- one status palette (DESIGN.md "Conventions on screen") ---------------------
# Every status word the app shows maps to one level; each level has one colour
# (text contrast on white >= 4.5:1) and one mark, so a status is never told by
# colour alone.
GOOD, WARN, BAD, NEUTRAL = "good", "warn", "bad", "neutral"
PALETTE: dict[str, str] = {
    GOOD: "#2E7D32",     # 领先 / 正常 (green, 5.1:1 on white)
    WARN: "#B45309",     # 接近 / 落后 (amber, 5.0:1)
    BAD: "#C62828",      # 超限 (red, 5.6:1)
    NEUTRAL: "#455A64",  # counts that are neither good nor bad (7.4:1)
}
ACCENT = "#1565C0"       # a plain series that carries no status (blue, 5.8:1)
MARKS: dict[str, str] = {GOOD: "✓", WARN: "⚠", BAD: "✕", NEUTRAL: ""}
STATUS_LEVEL: dict[str, str] = {
    "领先": GOOD, "正常": GOOD, "已报送": GOOD, "达标": GOOD, "前进": GOOD,
    "接近": WARN, "落后": WARN, "接近额度": WARN, "停滞": WARN, "偏低": WARN, "未报送": WARN,
    "超限": BAD, "超出额度": BAD, "回退": BAD, "预警": BAD,
    "首年数据不完整": NEUTRAL,   # a partial first year: no status, just said
}


def status_level(word: str | None) -> str:
    """The palette level of a status word (a word containing 超 is 超限-class)."""
    if not word:
        return NEUTRAL
    if word in STATUS_LEVEL:
        return STATUS_LEVEL[word]
    return BAD if "超" in word else WARN


def status_colour(word: str | None) -> str:
    return PALETTE[status_level(word)]


def status_text(word: str | None) -> str:
    """'✓ 正常', '⚠ 落后', '✕ 超限': the mark goes with the word."""
    if not word:
        return ""
    mark = MARKS[status_level(word)]
    return f"{mark} {word}" if mark else word
