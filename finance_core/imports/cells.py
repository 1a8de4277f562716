"""Parsing one spreadsheet cell into a typed value, or a Chinese reason why not.

Every parser takes the raw cell (what openpyxl or the CSV reader gives: str,
int, float, bool, datetime, date or None) and returns ``(value, None)`` or
``(None, reason)``. Empty cells are handled by the caller (required or not).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from .. import config, periods
from ..privacy import id_checksum
from ..textcheck import (_DIGITS17, _ID_LIKE, _INVISIBLE_NAMES, _LINE_BREAKS, _invisible,  # noqa: F401
                         _unescape_line, looks_like_id, text)
from ..privacy import mask_id_number as mask_id
from ..privacy import mask_name  # noqa: F401  (re-exported for the feeds)

Parsed = tuple[object, str | None]

_MONTH_TEXT = re.compile(r"^(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*月?$")
_MONTH_COMPACT = re.compile(r"^(\d{4})(\d{2})$")
_DATE_TEXT = re.compile(r"^(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*(?:-|/|\.|月)\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME_TAIL = re.compile(r"[ T]00:00(:00(\.0+)?)?$")


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def shown(value) -> str:
    """A raw value as a clerk would recognise it in a message."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    text = "".join(f"<U+{ord(c):04X}>" if c != " " and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Zs", "Co")
                   else c for c in str(value).strip())
    return text if len(text) <= 40 else text[:37] + "…"


def today() -> dt.date:
    """The current date (tests replace it)."""
    return dt.date.today()





def _month_window() -> tuple[str, str]:
    th = config.THRESHOLDS
    return f"{th.earliest_year:04d}-01", periods.add_months(periods.current_month(today()), th.future_months)


def month(value) -> Parsed:
    """'2026-11' (also 2026/11, 2026.11, 2026年11月, 202611, or a date cell), in
    the plausible window: not before ``earliest_year``, not after this month."""
    bad = f"月份“{shown(value)}”格式错误，应为 YYYY-MM（如 2026-11）"
    if isinstance(value, (dt.datetime, dt.date)):
        y, mo = value.year, value.month
    elif isinstance(value, bool) or isinstance(value, float):
        return None, bad + "；请把月份列设为文本格式"
    else:
        s = str(value).strip()
        m = _MONTH_TEXT.match(s) or _MONTH_COMPACT.match(s)
        if not m:
            return None, bad
        y, mo = int(m.group(1)), int(m.group(2))
        if not (1 <= mo <= 12):
            return None, bad
    first, last = _month_window()
    out = f"{y:04d}-{mo:02d}"
    if not (first <= out <= last) or y > 9999:
        return None, f"月份“{shown(value)}”不在合理范围内：应在 {first} 至 {last} 之间（不能是将来的月份）"
    return out, None


def date(value, *, future: bool = False) -> Parsed:
    """'2026-11-05' (also 2026/11/5, 2026年11月5日, 20261105, or a date cell), in
    the plausible window: not before ``earliest_year`` and not after today, or
    for a maturity (``future``) not more than ``maturity_horizon_years`` ahead."""
    bad = f"日期“{shown(value)}”格式错误，应为 YYYY-MM-DD（如 2026-11-05）"
    if isinstance(value, dt.datetime):
        if value.hour or value.minute or value.second:
            return None, bad
        value = value.date()
    if isinstance(value, dt.date):
        d = value
    elif isinstance(value, (bool, float)):
        return None, bad + "；请把日期列设为日期或文本格式"
    else:
        s = _DATETIME_TAIL.sub("", str(value).strip())
        m = _DATE_TEXT.match(s) or _DATE_COMPACT.match(s)
        if not m:
            return None, bad
        try:
            d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None, f"日期“{shown(value)}”不存在"
    th = config.THRESHOLDS
    first, now = dt.date(th.earliest_year, 1, 1), today()
    if future:
        try:
            last = now.replace(year=now.year + th.maturity_horizon_years)
        except ValueError:  # 29 February
            last = now.replace(year=now.year + th.maturity_horizon_years, day=28)
        why = f"到期日最晚为今天之后 {th.maturity_horizon_years} 年"
    else:
        last, why = now, "不能是将来的日期"
    if not (first <= d <= last):
        return None, f"日期“{shown(value)}”不在合理范围内：应在 {first} 至 {last} 之间（{why}）"
    return d.isoformat(), None


_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED_NUMBER = re.compile(r"^[+-]?\d{1,3}([,，]\d{3})+(\.\d+)?$")
_EXPONENT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)[eE][+-]?\d+$")


def _decimal(value, *, exponent: bool = True) -> Decimal | str:
    """A number cell or number text; thousands separators only every three
    digits; scientific notation in text only with ``exponent``."""
    if isinstance(value, bool):
        return "不是数字"
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return "不是数字"
        return Decimal(repr(value))
    s = str(value).strip(" \u3000")
    if _EXPONENT.match(s):
        if not exponent:
            return f"“{shown(value)}”是科学计数法，请填写完整的整数（Excel 中把该列设为“数值”或“文本”格式）"
    elif _GROUPED_NUMBER.match(s):
        s = s.replace(",", "").replace("，", "")
    elif not _PLAIN_NUMBER.match(s):
        if re.fullmatch(r"[+-]?[\d,，.]+", s):
            return f"“{shown(value)}”不是有效的数字：千位分隔符“,”只能每三位一个（如 1,234,567）"
        return f"“{shown(value)}”不是数字"
    try:
        return Decimal(s)
    except InvalidOperation:
        return f"“{shown(value)}”不是数字"


def integer(value, *, minimum: int = 0, maximum: int | None = None) -> Parsed:
    """A whole number (counts, days) written as one: '1,234' and a number cell
    1234.0 are accepted, '12.0' and '1e1' as text are not."""
    d = _decimal(value, exponent=False)
    if isinstance(d, Decimal) and isinstance(value, str) and "." in value:
        return None, f"“{shown(value)}”应为整数（不要写小数点）"
    if isinstance(d, str):
        return None, d
    if d != d.to_integral_value():
        return None, f"“{shown(value)}”应为整数"
    n = int(d)
    if maximum is None:
        maximum = config.THRESHOLDS.import_max_count
    if n < minimum:
        return None, f"不能为负数（{shown(value)}）" if minimum == 0 else f"不能小于 {minimum}（{shown(value)}）"
    if n > maximum:
        return None, f"不能大于 {maximum:,}（{shown(value)}），超出合理范围"
    return n, None


def money(value, factor: int = 1) -> Parsed:
    """An amount in 元 (``factor`` 1) or 万元 (``factor`` 10000) -> integer 元."""
    d = _decimal(value)
    if isinstance(d, str):
        return None, d
    if d < 0:
        return None, f"金额不能为负数（{shown(value)}）"
    yuan = d * factor
    limit = config.THRESHOLDS.import_max_amount
    if yuan > limit:
        return None, f"金额“{shown(value)}”超出合理范围（每格最多 {limit / 1e8:,.0f} 亿元），请检查单位和位数"
    if yuan != yuan.to_integral_value():
        unit = "元" if factor == 1 else "万元（最多 4 位小数）"
        return None, f"金额“{shown(value)}”应精确到元（单位：{unit}）"
    return int(yuan), None


def rate_bp(value) -> Parsed:
    """An annual rate in percent ('3.45' or '3.45%') -> basis points."""
    if isinstance(value, str):
        value = value.strip().rstrip("%％")
    d = _decimal(value)
    if isinstance(d, str):
        return None, d
    bp = d * 100
    if bp != bp.to_integral_value():
        return None, f"利率“{shown(value)}”最多两位小数（单位：%）"
    if not (0 <= bp <= 2400):
        return None, f"利率“{shown(value)}”超出范围 0–24%"
    return int(bp), None


YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"否", "n", "no", "false", "0", ""}


def boolean(value) -> Parsed:
    if value is None:
        return 0, None
    if isinstance(value, bool):
        return int(value), None
    s = str(value).strip().lower()
    if isinstance(value, float) and value.is_integer():
        s = str(int(value))
    if s in YES:
        return 1, None
    if s in NO:
        return 0, None
    return None, f"“{shown(value)}”应填“是”或“否”"


def id_number(value) -> Parsed:
    """An 18-character resident ID with a valid GB 11643 check character."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None, "身份证号被存成了数字（Excel 会丢失末几位），请把该列设为文本格式后重新填写"
    s = str(value).strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", s):
        return None, f"身份证号“{mask_id(s)}”应为 18 位（末位可为 X）"
    try:
        dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return None, f"身份证号“{mask_id(s)}”中的出生日期无效"
    if id_checksum(s[:17]) != s[17]:
        return None, f"身份证号“{mask_id(s)}”校验位错误，请核对"
    return s, None
