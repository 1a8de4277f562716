"""Numbers and sentences in the register of the office's own reports (the seed)."""
from __future__ import annotations

import re
from decimal import Decimal

from .. import money, targets

NUMERALS = "一二三四五六七八九十"
HEADING_RE = re.compile(rf"^[{NUMERALS}]+、\S")


# --- numbers in the seed's register ---------------------------------------------------
def amount_text(yuan: int | float | None) -> str | None:
    """'3.04亿元', '6100万元', '85.6万元' (half-up); None when missing."""
    if yuan is None:
        return None
    if abs(yuan) >= money.YI:
        return f"{money.to_yi(yuan, 2):.2f}亿元"
    if abs(yuan) >= 1000 * money.WAN:
        return f"{money.to_wan(yuan, 0):.0f}万元"
    return f"{money.to_wan(yuan, 2):.2f}".rstrip("0").rstrip(".") + "万元"


def count_text(n: int | None, unit: str) -> str | None:
    return None if n is None else f"{int(n)}{unit}"


def pct_text(ratio: float | None) -> str | None:
    """0.4567 -> '45.7%' (half-up); None when missing."""
    return None if ratio is None else money.fmt_pct(ratio)


def _points(diff: float) -> str:
    return money.fmt_pct(abs(diff))[:-1]


def _shown_diff(a: float, b: float) -> Decimal:
    """a − b in 个百分点, as the difference of the two percentages shown (one
    decimal): 1.2% against 0.7% is 0.5, whatever the unrounded rates were."""
    return Decimal(pct_text(a)[:-1]) - Decimal(pct_text(b)[:-1])


def change_text(now: float | int | None, base: float | int | None) -> str | None:
    """'同比增长12.3%' / '同比下降4.5%' / '同比持平'; None without a base."""
    if now is None or not base:
        return None
    r = now / base - 1
    body = money.fmt_pct(abs(r))
    if body == "0.0%":
        return "同比持平"
    return ("同比增长" if r > 0 else "同比下降") + body


def rate_change_text(now: float | None, base: float | None) -> str | None:
    """A rate against a year ago: '同比上升1.2个百分点'."""
    if now is None or base is None:
        return None
    diff = _shown_diff(now, base)
    if diff == 0:
        return "同比持平"
    return ("同比上升" if diff > 0 else "同比下降") + f"{abs(diff)}个百分点"


def multiple_change_text(now: float | None, base: float | None) -> str | None:
    """A multiple (倍) against a year ago, in 倍: '同比上升0.73倍' (two decimals
    shown, so the change is the difference of the shown values)."""
    if now is None or base is None:
        return None
    diff = Decimal(f"{now:.2f}") - Decimal(f"{base:.2f}")
    if diff == 0:
        return "同比持平"
    return ("同比上升" if diff > 0 else "同比下降") + f"{abs(diff)}倍"


def target_text(value: int | None, unit: str) -> str | None:
    """A target in its unit: money ('万元' targets are stored in 元) or a count."""
    if value is None:
        return None
    return amount_text(value) if unit == "万元" else count_text(value, unit)


def progress_text(actual, target: int | None, unit: str, tp: float) -> str | None:
    """'完成全年目标（4.50亿元）的87.3%，序时进度83.3%，超过序时进度4.0个百分点';
    in December the year is over: '…的95.2%，未完成全年目标'. None without a target."""
    c = money.safe_ratio(actual, target)
    if c is None:
        return None
    if c < 0:
        return f"全年目标（{target_text(target, unit)}）尚无进度"
    out = f"完成全年目标（{target_text(target, unit)}）的{pct_text(c)}"
    if tp >= 1:
        return out + ("，完成全年目标" if c >= 1 else "，未完成全年目标")
    gap = _shown_diff(c, tp)
    if gap == 0:
        return out + f"，与序时进度（{pct_text(tp)}）持平"
    return out + f"，{'超过' if gap > 0 else '落后'}序时进度（{pct_text(tp)}）{abs(gap)}个百分点"


def partial_progress_text(target: int | None, unit: str) -> str | None:
    """A target of a partial first year: named, not compared."""
    if target is None:
        return None
    return f"全年目标{target_text(target, unit)}（{targets.PARTIAL}，不计算完成率）"


def sentence(*clauses: str | None) -> str | None:
    """Clauses joined with '，' and closed with '。'; None if the first (the
    sentence's subject and main figure) is missing. Other missing clauses drop."""
    if not clauses or not clauses[0]:
        return None
    return "，".join(c for c in clauses if c) + "。"


def sentence_any(*clauses: str | None, sep: str = "，") -> str | None:
    """The clauses present joined with ``sep`` and closed with '。'; None if none is."""
    kept = [c for c in clauses if c]
    return sep.join(kept) + "。" if kept else None


def paragraph(*sentences: str | None) -> str | None:
    kept = [s for s in sentences if s]
    return "".join(kept) or None


def short_name(company: str) -> str:
    """'富印新材料股份有限公司' -> '富印新材料' (as reports name companies)."""
    return company.replace("股份有限公司", "").replace("有限责任公司", "").replace("有限公司", "")


def month_word(date: str) -> str:
    return f"{int(str(date)[5:7])}月"


_CJK_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef]) +| +(?=[\u3000-\u9fff\uff00-\uffef])")


def tidy(text: str) -> str:
    """Drop the spaces screen labels put between Chinese text and numbers."""
    return _CJK_SPACE.sub("", text.replace(" / ", "/")).replace(",", "")


def heading_name(line: str) -> str:
    return re.sub(rf"^[{NUMERALS}]+、", "", line.strip())


def ordinal(i: int) -> str:
    """0 -> 一, 9 -> 十, 10 -> 十一, 20 -> 二十一, 99 -> 一百; larger as digits."""
    n = i + 1
    if n <= 10:
        return NUMERALS[n - 1] if n < 10 else "十"
    if n < 100:
        return ("" if n < 20 else NUMERALS[n // 10 - 1]) + "十" + ("" if n % 10 == 0 else NUMERALS[n % 10 - 1])
    if n == 100:
        return "一百"
    return str(n)
