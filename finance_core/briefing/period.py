"""The brief's period: a 月报 at the data month, a 年报 to December (or the latest month of the year)."""
from __future__ import annotations

import dataclasses

from .. import periods, targets

MONTHLY, ANNUAL = "月报", "年报"
KINDS = (MONTHLY, ANNUAL)


# --- period ---------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Period:
    kind: str       # MONTHLY or ANNUAL
    as_of: str      # the data month the figures are computed at
    first: str | None = None   # the first data month of the database

    @property
    def partial(self) -> bool:
        """The year is the first data year and its data start after January."""
        return periods.partial_year(self.first, self.as_of)

    @property
    def partial_note(self) -> str | None:
        """'数据自2023年12月起，2023年各项当年累计数仅含已有数据、不代表全年，…'."""
        if not self.partial:
            return None
        return (f"{periods.since_text(self.first)}，{self.year}年各项当年累计数仅含已有数据、不代表全年，"
                f"年度目标不计算完成率（{targets.PARTIAL}）")

    @property
    def year(self) -> int:
        return periods.year_of(self.as_of)

    @property
    def month(self) -> int:
        return periods.parse_month(self.as_of)[1]

    @property
    def start(self) -> str:
        """First month whose events (IPO moves, rounds, products) count."""
        return self.as_of if self.kind == MONTHLY else periods.year_start_month(self.as_of)

    @property
    def full_year(self) -> bool:
        return self.month == 12

    @property
    def label(self) -> str:
        if self.kind == MONTHLY:
            return f"{self.year}年{self.month}月"
        if self.partial:
            return f"{self.year}年（数据自{periods.parse_month(self.first)[1]}月起）"
        return f"{self.year}年" + ("" if self.full_year else f"（1—{self.month}月）")

    @property
    def when(self) -> str:
        """'截至10月末' / '截至2025年末'."""
        if self.kind == ANNUAL and self.full_year:
            return f"截至{self.year}年末"
        return f"截至{self.month}月末"

    @property
    def ytd(self) -> str:
        """How the year's flows are named: '今年以来', '全年', '1—10月'."""
        if self.kind == MONTHLY:
            return "今年以来"
        if self.partial:
            return "年内"
        return "全年" if self.full_year else f"1—{self.month}月"

    @property
    def year_word(self) -> str:
        """The year's flows named with the year: '今年以来', '2025年', '2026年1—10月'."""
        if self.kind == MONTHLY:
            return "今年以来"
        return f"{self.year}年" + ("" if self.full_year else f"1—{self.month}月")

    @property
    def moves_word(self) -> str:
        if self.kind == MONTHLY:
            return "本月"
        return "全年" if self.full_year and not self.partial else "今年以来"


def period_for(months: tuple[str, ...] | list[str], kind: str, as_of: str) -> Period:
    """The brief's period: a 月报 at ``as_of``; a 年报 at December of its year or
    the latest month of that year in ``months`` (the months with data)."""
    first = min(months) if months else None
    if kind != ANNUAL:
        return Period(MONTHLY, as_of, first)
    year = periods.year_of(as_of)
    in_year = [m for m in months if periods.year_of(m) == year]
    return Period(ANNUAL, max(in_year) if in_year else as_of, first)
