"""Parsing one spreadsheet cell into a typed value, or a Chinese reason why not.

Every parser takes the raw cell (what openpyxl or the CSV reader gives: str,
int, float, bool, datetime, date or None) and returns ``(value, None)`` or
``(None, reason)``. Empty cells are handled by the caller (required or not).
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from .. import demo
from ..exports import FORMULA_PREFIXES
from ..privacy import mask_id_number as mask_id
from ..privacy import mask_name  # noqa: F401  (re-exported for the feeds)

Parsed = tuple[object, str | None]

_MONTH_TEXT = re.compile(r"^(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*月?$")
_MONTH_COMPACT = re.compile(r"^(\d{4})(\d{2})$")
_DATE_TEXT = re.compile(r"^(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*(?:-|/|\.|月)\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME_TAIL = re.compile(r"[ T]00:00(:00(\.0+)?)?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def shown(value) -> str:
    """A raw value as a clerk would recognise it in a message."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    text = str(value).strip()
    return text if len(text) <= 40 else text[:37] + "…"


def text(value, max_len: int = 200) -> Parsed:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        value = value.isoformat()[:10]
    s = str(value).strip()
    # undo the formula escaping of our own exports: '=… -> =…, ''… -> '…
    if len(s) > 1 and s[0] == "'" and s[1:].startswith((*FORMULA_PREFIXES, "'")):
        s = s[1:]
    if len(s) > max_len:
        return None, f"内容过长（{len(s)} 个字，最多 {max_len} 个字）"
    if any(ord(c) < 32 and c not in "\t\n\r" for c in s):
        return None, "含有不可见的控制字符"
    return s, None


def month(value) -> Parsed:
    """'2026-11' (also 2026/11, 2026.11, 2026年11月, 202611, or a date cell)."""
    bad = f"月份“{shown(value)}”格式错误，应为 YYYY-MM（如 2026-11）"
    if isinstance(value, (dt.datetime, dt.date)):
        return f"{value.year:04d}-{value.month:02d}", None
    if isinstance(value, bool) or isinstance(value, float):
        return None, bad + "；请把月份列设为文本格式"
    s = str(value).strip()
    m = _MONTH_TEXT.match(s) or _MONTH_COMPACT.match(s)
    if not m:
        return None, bad
    y, mo = int(m.group(1)), int(m.group(2))
    if not (1 <= mo <= 12) or not (2000 <= y <= 2100):
        return None, bad
    return f"{y:04d}-{mo:02d}", None


def date(value) -> Parsed:
    """'2026-11-05' (also 2026/11/5, 2026年11月5日, 20261105, or a date cell)."""
    bad = f"日期“{shown(value)}”格式错误，应为 YYYY-MM-DD（如 2026-11-05）"
    if isinstance(value, dt.datetime):
        if value.hour or value.minute or value.second:
            return None, bad
        value = value.date()
    if isinstance(value, dt.date):
        if not (2000 <= value.year <= 2100):
            return None, bad
        return value.isoformat(), None
    if isinstance(value, (bool, float)):
        return None, bad + "；请把日期列设为日期或文本格式"
    s = _DATETIME_TAIL.sub("", str(value).strip())
    m = _DATE_TEXT.match(s) or _DATE_COMPACT.match(s)
    if not m:
        return None, bad
    try:
        d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None, f"日期“{shown(value)}”不存在"
    if not (2000 <= d.year <= 2100):
        return None, bad
    return d.isoformat(), None


def _decimal(value) -> Decimal | str:
    if isinstance(value, bool):
        return "不是数字"
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return "不是数字"
        return Decimal(repr(value))
    s = str(value).strip().replace(",", "").replace("，", "").replace(" ", "")
    if not _NUMBER.match(s):
        return f"“{shown(value)}”不是数字"
    try:
        return Decimal(s)
    except InvalidOperation:
        return f"“{shown(value)}”不是数字"


def integer(value, *, minimum: int = 0, maximum: int | None = None) -> Parsed:
    """A whole number (counts, days): '1,234' and 1234.0 are accepted."""
    d = _decimal(value)
    if isinstance(d, str):
        return None, d
    if d != d.to_integral_value():
        return None, f"“{shown(value)}”应为整数"
    n = int(d)
    if n < minimum:
        return None, f"不能为负数（{shown(value)}）" if minimum == 0 else f"不能小于 {minimum}（{shown(value)}）"
    if maximum is not None and n > maximum:
        return None, f"不能大于 {maximum:,}（{shown(value)}）"
    return n, None


def money(value, factor: int = 1) -> Parsed:
    """An amount in 元 (``factor`` 1) or 万元 (``factor`` 10000) -> integer 元."""
    d = _decimal(value)
    if isinstance(d, str):
        return None, d
    if d < 0:
        return None, f"金额不能为负数（{shown(value)}）"
    yuan = d * factor
    if yuan != yuan.to_integral_value():
        unit = "元" if factor == 1 else "万元（最多 4 位小数）"
        return None, f"金额“{shown(value)}”应精确到元（单位：{unit}）"
    if yuan > 10 ** 13:
        return None, f"金额“{shown(value)}”过大"
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
    if demo.id_checksum(s[:17]) != s[17]:
        return None, f"身份证号“{mask_id(s)}”校验位错误，请核对"
    return s, None
