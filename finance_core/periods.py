"""Months, years and 序时进度 (time-elapsed progress)."""
from __future__ import annotations

import calendar
import datetime as dt
import re

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(value: str) -> tuple[int, int]:
    """'2024-06' -> (2024, 6); raises ValueError with a Chinese message."""
    m = MONTH_RE.match(str(value).strip())
    if not m:
        raise ValueError(f"月份格式应为 YYYY-MM（如 2024-06），收到“{value}”")
    return int(m.group(1)), int(m.group(2))


def is_month(value: str) -> bool:
    return bool(MONTH_RE.match(str(value)))


def month_str(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def add_months(month: str, n: int) -> str:
    y, m = parse_month(month)
    idx = y * 12 + (m - 1) + n
    return month_str(idx // 12, idx % 12 + 1)


def months_between(start: str, end: str) -> list[str]:
    """Inclusive list of months from ``start`` to ``end``."""
    out, cur = [], start
    while cur <= end:
        out.append(cur)
        cur = add_months(cur, 1)
    return out


def month_end(month: str) -> dt.date:
    y, m = parse_month(month)
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def month_start(month: str) -> dt.date:
    y, m = parse_month(month)
    return dt.date(y, m, 1)


def month_of(date: str | dt.date) -> str:
    return str(date)[:7]


def year_of(month: str) -> int:
    return parse_month(month)[0]


def year_start_month(month: str) -> str:
    return month_str(year_of(month), 1)


def previous_year_end(month: str) -> str:
    """December of the previous year: the base for 'change since year start'."""
    return month_str(year_of(month) - 1, 12)


def time_progress(month: str) -> float:
    """序时进度: days elapsed in the year at the end of ``month`` ÷ days in the year."""
    end = month_end(month)
    days_in_year = 366 if calendar.isleap(end.year) else 365
    return end.timetuple().tm_yday / days_in_year


def current_month(today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    return month_str(today.year, today.month)


def last_full_month(today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    return add_months(month_str(today.year, today.month), -1)


def days_between(a: str | dt.date, b: str | dt.date) -> int:
    return (dt.date.fromisoformat(str(b)) - dt.date.fromisoformat(str(a))).days


def as_of_text(month: str) -> str:
    """'2026-10' -> '截至2026年10月末', the way reports date a figure."""
    year, mon = month.split("-")
    return f"截至{int(year)}年{int(mon)}月末"


# --- the first data month: a first year that starts after January is partial -------------
def data_start(db) -> str | None:
    """The first month with data in any monthly feed (the months the filter bar
    offers), or None for an empty database."""
    (first,) = db.execute(
        "SELECT MIN(m) FROM (SELECT MIN(month) AS m FROM credit_monthly "
        "UNION ALL SELECT MIN(month) FROM microloan_monthly "
        "UNION ALL SELECT MIN(month) FROM guarantor_monthly)").fetchone()
    return first


def partial_year(first: str | None, month: str) -> bool:
    """True when ``month`` lies in the first data year and that year's data
    start after January: its year-to-date figures cover only part of the year."""
    return first is not None and year_of(first) == year_of(month) and parse_month(first)[1] > 1


def since_text(first: str) -> str:
    """'数据自2023年12月起'."""
    y, m = parse_month(first)
    return f"数据自{y}年{m}月起"
