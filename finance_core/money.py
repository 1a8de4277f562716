"""Money is integer 元 in storage; shown in 万元 or 亿元 with the unit named.

Rounding is half-up (as Chinese financial statements round), done on integers
so that 12,345 元 is 1.23 万元 and 12,350 元 is 1.24 万元 exactly.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

WAN = 10_000
YI = 100_000_000


def _round(value: int | float, unit: int, decimals: int) -> Decimal:
    q = Decimal(1).scaleb(-decimals)
    return (Decimal(int(value)) / Decimal(unit)).quantize(q, rounding=ROUND_HALF_UP)


def to_wan(yuan: int | float | None, decimals: int = 2) -> float | None:
    """元 -> 万元, rounded half-up."""
    if yuan is None:
        return None
    return float(_round(yuan, WAN, decimals))


def to_yi(yuan: int | float | None, decimals: int = 2) -> float | None:
    """元 -> 亿元, rounded half-up."""
    if yuan is None:
        return None
    return float(_round(yuan, YI, decimals))


def fmt_wan(yuan: int | float | None, decimals: int = 2) -> str:
    """'1,234.57 万元'."""
    if yuan is None:
        return "—"
    return f"{_round(yuan, WAN, decimals):,} 万元"


def fmt_yi(yuan: int | float | None, decimals: int = 2) -> str:
    """'3.21 亿元'."""
    if yuan is None:
        return "—"
    return f"{_round(yuan, YI, decimals):,} 亿元"


def fmt_money(yuan: int | float | None, decimals: int | None = None) -> str:
    """亿元 from 1 亿 up, 万元 below: the way a county report writes amounts.

    Default precision: 2 decimals in 亿元; in 万元, 2 decimals below 1,000 万元
    and whole 万元 from there (a KPI tile stays readable).
    """
    if yuan is None:
        return "—"
    if abs(yuan) >= YI:
        return fmt_yi(yuan, 2 if decimals is None else decimals)
    if decimals is None:
        decimals = 0 if abs(yuan) >= 1000 * WAN else 2
    return fmt_wan(yuan, decimals)


def fmt_pct(ratio: float | None, decimals: int = 1) -> str:
    """0.4567 -> '45.7%'; None -> '—'."""
    if ratio is None:
        return "—"
    q = Decimal(1).scaleb(-decimals)
    return f"{(Decimal(str(ratio)) * 100).quantize(q, rounding=ROUND_HALF_UP)}%"


def percent(ratio: float | None, decimals: int = 1) -> float | None:
    """A ratio (0.4567) as the percentage a table's "（%）" column shows (45.7),
    rounded half-up; the one rounding of percentages in tables and exports."""
    if ratio is None:
        return None
    step = Decimal(1).scaleb(-decimals)
    return float((Decimal(str(ratio)) * 100).quantize(step, rounding=ROUND_HALF_UP))


def percent_of(num: int | float | None, den: int | float | None, decimals: int = 1) -> float | None:
    """Integers num / den as a :func:`percent` (exact: no float on the way);
    None if den is 0 or missing."""
    if num is None or not den:
        return None
    step = Decimal(1).scaleb(-decimals)
    return float((Decimal(int(num)) * 100 / Decimal(int(den))).quantize(step, rounding=ROUND_HALF_UP))


def fmt_count(n: int | None, unit: str = "") -> str:
    if n is None:
        return "—"
    return f"{int(n):,}{(' ' + unit) if unit else ''}"


def wan_to_yuan(wan: float | int) -> int:
    """万元 entered by a user -> integer 元 (half-up)."""
    return int((Decimal(str(wan)) * WAN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def safe_ratio(num: float | int | None, den: float | int | None) -> float | None:
    """num / den, or None when the denominator is zero or missing."""
    if num is None or not den:
        return None
    return num / den
