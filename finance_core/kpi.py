"""A KPI value with its comparisons, formatted the way the office reports it."""
from __future__ import annotations

import dataclasses
from typing import Callable

from . import money

# kinds: how a value is formatted and how its change is expressed
MONEY, COUNT, RATIO, MULTIPLE = "money", "count", "ratio", "multiple"


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
    note: str | None = None                # completeness: '含沿用9月数据（邮储银行）'

    def text(self) -> str:
        return fmt_value(self.kind, self.value, self.unit)

    def delta_prev(self) -> str | int | None:
        """Signed change against the previous month ('+1.20 亿元'), 0 if none."""
        return signed_delta(self.kind, self.value, self.prev, self.unit)

    def delta_base(self) -> str | int | None:
        return signed_delta(self.kind, self.value, self.base, self.unit)

    def delta_prev_text(self) -> str | None:
        return fmt_delta(self.kind, self.value, self.prev, "较上月", self.unit)

    def delta_base_text(self) -> str | None:
        return fmt_delta(self.kind, self.value, self.base, self.base_label, self.unit)


def fmt_value(kind: str, value, unit: str = "") -> str:
    if value is None:
        return "—"
    if kind == MONEY:
        return money.fmt_money(value)
    if kind == RATIO:
        return money.fmt_pct(value)
    if kind == MULTIPLE:
        return f"{value:.2f} 倍"
    return money.fmt_count(value, unit)


def _magnitude(kind: str, mag, unit: str) -> str:
    if kind == MONEY:
        return money.fmt_money(mag)
    if kind == RATIO:
        return f"{money.fmt_pct(mag)[:-1]} 个百分点"
    if kind == MULTIPLE:
        return f"{mag:.2f} 倍"
    return money.fmt_count(mag, unit)


def signed_delta(kind: str, value, other, unit: str = "") -> str | int | None:
    """'+1.20 亿元' / '-0.3 个百分点'; the number 0 when the shown change rounds
    to nothing; None when either side is missing."""
    if value is None or other is None:
        return None
    diff = value - other
    body = _magnitude(kind, abs(diff), unit)
    if diff == 0 or body == _magnitude(kind, 0, unit):
        return 0
    return ("+" if diff > 0 else "-") + body


def fmt_delta(kind: str, value, other, label: str, unit: str = "") -> str | None:
    """'较上月 +1.20 亿元', '同比 -0.3 个百分点'; None when either side is missing."""
    d = signed_delta(kind, value, other, unit)
    if d is None:
        return None
    return f"{label} {d if d != 0 else '持平'}"


def compare(key: str, label: str, kind: str, getter: Callable[[object], float | int | None],
            now, prev, base, **kw) -> Kpi:
    """Build a Kpi from three snapshots (any may be None) and one accessor."""
    def get(x):
        return None if x is None else getter(x)
    return Kpi(key=key, label=label, kind=kind, value=get(now), prev=get(prev), base=get(base), **kw)
