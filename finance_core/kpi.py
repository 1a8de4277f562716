"""A KPI value with its comparisons, formatted the way the office reports it.

Changes are the difference of the values *as shown*: a rate shown as 1.2%
against 0.7% changed by 0.5 个百分点, whatever the unrounded figures were; a
multiple shown as 6.80 倍 against 7.25 倍 changed by 0.45 倍.

Year-to-date figures (``ytd``): a figure summed from January (当年新增, 当年贴息
...) restarts every January, so its 较上月 in January is the month's own flow
(the month before counts as 0, not as last December's full year). A
year-to-date *rate* (当年代偿率, 走访率) has no meaningful 较上月 in January:
its numerator and denominator both restart, and comparing one month's rate
with last year's full-year rate (or with 0) would read as a change that did
not happen; it shows none, and its 同比 (same months last year) still applies.
"""
from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable

import pandas as pd

from . import money, periods

# kinds: how a value is formatted and how its change is expressed
MONEY, COUNT, RATIO, MULTIPLE = "money", "count", "ratio", "multiple"
# year-to-date markers
YTD_SUM, YTD_RATE = "sum", "rate"


@dataclasses.dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    kind: str
    value: float | int | None
    prev: float | int | None = None        # previous month
    base: float | int | None = None        # comparison base (same month last year, or year start)
    base_label: str = "同比"
    unit: str = ""                         # for counts: 户, 笔, 家 ...
    flag: str | None = None                # a threshold message when breached
    help: str | None = None
    good_when_up: bool = True              # False for overdue rates, leverage ...
    neutral: bool = False                  # neither good nor bad when it moves (companies per stage)
    ytd: str | None = None                 # YTD_SUM / YTD_RATE: a figure counted from January
    as_of: str | None = None               # the data month (required with ``ytd``)
    decimals: int = 1                      # RATIO: decimals of the percentage shown
    data_start: str | None = None          # with ``ytd``: the first data month (a partial first year)
    # a balance's second comparison (DESIGN: balances with 比年初增加 and 同比): the value
    # at ``second_label``'s base — 同比 beside 较年初, or 较年初 beside 同比
    second: float | int | None = None
    second_label: str | None = None

    def __post_init__(self):
        if self.ytd is not None and (self.ytd not in (YTD_SUM, YTD_RATE) or self.as_of is None):
            raise ValueError(f"KPI {self.key}: a year-to-date figure needs ytd=sum|rate and its month")

    @property
    def january(self) -> bool:
        return self.as_of is not None and periods.parse_month(self.as_of)[1] == 1

    @property
    def prev_basis(self) -> float | int | None:
        """What 较上月 compares with: ``prev``, except in January for a
        year-to-date figure (0 for a sum, nothing for a rate)."""
        if self.ytd and self.january:
            return 0 if self.ytd == YTD_SUM else None
        return self.prev

    @property
    def partial(self) -> bool:
        """A year-to-date figure of a first data year that starts after January."""
        return bool(self.ytd) and periods.partial_year(self.data_start, self.as_of)

    @property
    def partial_base(self) -> bool:
        """A year-to-date figure whose 同比 base lies in a partial first year."""
        return (bool(self.ytd) and self.base_label == "同比"
                and periods.partial_year(self.data_start, periods.add_months(self.as_of, -12)))
    note: str | None = None                # completeness: '含沿用9月数据（邮储银行）'

    def text(self) -> str:
        return fmt_value(self.kind, self.value, self.unit, self.decimals)

    def delta_prev(self) -> str | int | None:
        """Signed change against the previous month ('+1.20 亿元'), 0 if none."""
        return signed_delta(self.kind, self.value, self.prev_basis, self.unit, self.decimals)

    def delta_base(self) -> str | int | None:
        if self.partial or self.partial_base:
            return None
        return signed_delta(self.kind, self.value, self.base, self.unit, self.decimals)

    def delta_prev_text(self) -> str | None:
        return fmt_delta(self.kind, self.value, self.prev_basis, "较上月", self.unit, self.decimals)

    def delta_base_text(self) -> str | None:
        """'同比 +12 户', '同比 +5.31 亿元（+18.0%）' (an amount's 同比 also as a
        growth rate); for a partial first year the reason there is none."""
        if self.partial:
            return f"{periods.since_text(self.data_start)}，首年累计可能不完整"
        if self.partial_base:
            return f"上年同期不完整（{periods.since_text(self.data_start)}），不作同比"
        text = fmt_delta(self.kind, self.value, self.base, self.base_label, self.unit, self.decimals)
        growth = self.growth()
        if text is not None and growth is not None and self.base_label == "同比" and self.kind == MONEY:
            text += f"（{'+' if growth > 0 else ''}{money.fmt_pct(growth)}）"
        return text

    def growth(self) -> float | None:
        """(value − base) ÷ base; None without a positive base."""
        if self.value is None or self.base is None or self.base <= 0:
            return None
        return (self.value - self.base) / self.base

    def delta_second_text(self) -> str | None:
        """The second comparison of a balance: '同比 +5.31 亿元（+18.0%）' beside 较年初,
        '较年初 +1.20 亿元' beside 同比; None without one."""
        if not self.second_label:
            return None
        return dataclasses.replace(self, base=self.second, base_label=self.second_label,
                                   second=None, second_label=None).delta_base_text()

    def comparison_text(self) -> str | None:
        """Every comparison with an earlier base, as the card's second line shows it."""
        parts = [x for x in (self.delta_base_text(), self.delta_second_text()) if x]
        return " · ".join(parts) or None


def fmt_value(kind: str, value, unit: str = "", decimals: int = 1) -> str:
    if value is None:
        return "—"
    if kind == MONEY:
        return money.fmt_money(value)
    if kind == RATIO:
        return money.fmt_pct(value, decimals)
    if kind == MULTIPLE:
        return f"{value:.2f} 倍"
    return money.fmt_count(value, unit)


def shown(kind: str, value, decimals: int = 1) -> Decimal | None:
    """A rate in percent or a multiple rounded as displayed (half-up)."""
    if value is None:
        return None
    if kind == RATIO:
        return (Decimal(str(value)) * 100).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return Decimal(f"{value:.2f}")  # exactly as fmt_value writes it


def _magnitude(kind: str, mag, unit: str, decimals: int = 1) -> str:
    if kind == MONEY:
        return money.fmt_money(mag)
    if kind == RATIO:
        return f"{mag:.{decimals}f} 个百分点"
    if kind == MULTIPLE:
        return f"{mag:.2f} 倍"
    return money.fmt_count(mag, unit)


def signed_delta(kind: str, value, other, unit: str = "", decimals: int = 1) -> str | int | None:
    """'+1.20 亿元' / '-0.3 个百分点'; the number 0 when the shown change rounds
    to nothing; None when either side is missing. Rates and multiples change
    by the difference of their displayed values."""
    if value is None or other is None:
        return None
    if kind in (RATIO, MULTIPLE):
        diff = shown(kind, value, decimals) - shown(kind, other, decimals)
    else:
        diff = value - other
    body = _magnitude(kind, abs(diff), unit, decimals)
    if diff == 0 or body == _magnitude(kind, 0, unit, decimals):
        return 0
    return ("+" if diff > 0 else "-") + body


def fmt_delta(kind: str, value, other, label: str, unit: str = "", decimals: int = 1) -> str | None:
    """'较上月 +1.20 亿元', '同比 -0.3 个百分点'; None when either side is missing."""
    d = signed_delta(kind, value, other, unit, decimals)
    if d is None:
        return None
    return f"{label} {d if d != 0 else '持平'}"


def compare(key: str, label: str, kind: str, getter: Callable[[object], float | int | None],
            now, prev, base, second=None, second_label: str | None = None, **kw) -> Kpi:
    """Build a Kpi from snapshots (any may be None) and one accessor: the month,
    the month before, the comparison base, and for a balance the second base
    (``second_label``: 同比 beside 较年初, or 较年初 beside 同比). Pass
    ``ytd=YTD_SUM`` (or ``YTD_RATE``) and ``as_of`` for a figure counted from January."""
    def get(x):
        return None if x is None else getter(x)
    extra = {"second": get(second), "second_label": second_label} if second_label else {}
    return Kpi(key=key, label=label, kind=kind, value=get(now), prev=get(prev), base=get(base), **extra, **kw)


def frame(items: list[Kpi]) -> pd.DataFrame:
    """A KPI row as a table (exports, the meeting pack): 指标, 数值, 较上月, the
    comparison base (同比 / 较年初), 提示, and 数据说明 when a figure rests on a
    missing submission. The one table form of a KPI row."""
    base = items[0].base_label if items and len({k.base_label for k in items}) == 1 else "比较基期"
    df = pd.DataFrame({"指标": [k.label for k in items], "数值": [k.text() for k in items],
                       "较上月": [k.delta_prev_text() or "—" for k in items],
                       base: [k.comparison_text() or "—" for k in items],
                       "提示": [k.flag or "" for k in items], "数据说明": [k.note or "" for k in items]})
    return df if df["数据说明"].astype(bool).any() else df.drop(columns=["数据说明"])
