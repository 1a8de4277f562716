"""政府性融资担保: the county guarantee company, its products and contracts.

Reads the ``guarantee_monthly`` roll-up (month × product × bank × town ×
borrower type) and ``guarantor_monthly`` (net assets, rating).

Definitions (DESIGN.md): 在保余额 = guarantees in force at month end; 放大倍数
= 在保余额 of the whole company ÷ its net assets (a company-level ratio, not
split by town or bank); 代偿率 = compensations paid ÷ guarantees released in
the period; 代偿回收率 = recoveries ÷ compensations.
"""
from __future__ import annotations

import dataclasses

import sqlite_utils

from . import periods
from .filters import Filters, scope_sql
from .money import safe_ratio


@dataclasses.dataclass(frozen=True)
class GuaranteeTotals:
    month: str
    outstanding: int
    outstanding_count: int
    new_amount_ytd: int
    new_count_ytd: int
    released_ytd: int
    compensated_ytd: int
    recovered_ytd: int

    @property
    def compensation_rate(self) -> float | None:
        """代偿率 this year: 代偿 ÷ 解保 (both since January)."""
        return safe_ratio(self.compensated_ytd, self.released_ytd)


def totals(db: sqlite_utils.Database, f: Filters, products: tuple[str, ...] = ()) -> GuaranteeTotals | None:
    """Scope totals at ``f.as_of`` (towns, banks and optionally products)."""
    where, params = scope_sql(f)
    if products:
        where += f" AND product_code IN ({','.join('?' * len(products))})"
        params += list(products)
    (has_month,) = db.execute(
        "SELECT COUNT(*) FROM guarantor_monthly WHERE month = ?", [f.as_of]
    ).fetchone()
    if not has_month:
        return None
    row = db.execute(
        f"""
        SELECT COALESCE(SUM(CASE WHEN month = ? THEN outstanding END), 0),
               COALESCE(SUM(CASE WHEN month = ? THEN outstanding_count END), 0),
               COALESCE(SUM(new_amount), 0), COALESCE(SUM(new_count), 0),
               COALESCE(SUM(released_amount), 0), COALESCE(SUM(compensated_amount), 0),
               COALESCE(SUM(recovered_amount), 0)
        FROM guarantee_monthly WHERE month BETWEEN ? AND ?{where}
        """,
        [f.as_of, f.as_of, periods.year_start_month(f.as_of), f.as_of, *params],
    ).fetchone()
    return GuaranteeTotals(f.as_of, *(int(v) for v in row))


def net_assets(db: sqlite_utils.Database, month: str) -> int | None:
    row = db.execute(
        "SELECT SUM(net_assets) FROM guarantor_monthly WHERE month = ?", [month]
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def leverage(db: sqlite_utils.Database, month: str) -> float | None:
    """放大倍数 of the company at ``month``: all guarantees in force ÷ net assets."""
    assets = net_assets(db, month)
    if assets is None:
        return None
    (outstanding,) = db.execute(
        "SELECT COALESCE(SUM(outstanding), 0) FROM guarantee_monthly WHERE month = ?", [month]
    ).fetchone()
    return safe_ratio(outstanding, assets)
