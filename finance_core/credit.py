"""信用村: credit granted (授信) and drawn (用信) by town, village and bank.

Reads the ``credit_monthly`` roll-up (per month, town and bank) and the
``villages`` reference table. 授信 figures are cumulative lines granted, 用信
figures month-end balances, as the banks report them.
"""
from __future__ import annotations

import dataclasses

import sqlite_utils

from .filters import Filters, scope_sql
from .money import safe_ratio


@dataclasses.dataclass(frozen=True)
class CreditTotals:
    month: str
    granted_amount: int
    used_amount: int
    granted_households: int
    used_households: int
    npl_amount: int
    reports: int          # village-bank reports summed

    @property
    def usage_rate(self) -> float | None:
        """用信率 by amount: 用信金额 / 授信金额."""
        return safe_ratio(self.used_amount, self.granted_amount)

    @property
    def household_usage_rate(self) -> float | None:
        """用信率 by households: 用信户数 / 授信户数."""
        return safe_ratio(self.used_households, self.granted_households)

    @property
    def npl_rate(self) -> float | None:
        """不良率: 不良金额 / 用信金额."""
        return safe_ratio(self.npl_amount, self.used_amount)


def totals(db: sqlite_utils.Database, f: Filters) -> CreditTotals | None:
    """Totals for the scope at ``f.as_of``; None when no bank reported that month."""
    where, params = scope_sql(f)
    row = db.execute(
        f"""
        SELECT COUNT(*), SUM(granted_amount), SUM(used_amount), SUM(granted_households),
               SUM(used_households), SUM(npl_amount), SUM(villages)
        FROM credit_monthly WHERE month = ?{where}
        """,
        [f.as_of, *params],
    ).fetchone()
    if not row[0]:
        return None
    return CreditTotals(f.as_of, *(int(v) for v in row[1:]))


@dataclasses.dataclass(frozen=True)
class VillageCounts:
    villages: int
    credit_villages: int
    households: int
    rated_households: int        # 信用户 in credit villages


def village_counts(db: sqlite_utils.Database, f: Filters) -> VillageCounts:
    """Villages, credit villages and households of the towns in scope (banks do not apply)."""
    where, params = scope_sql(f, bank_col=None)
    row = db.execute(
        f"""
        SELECT COUNT(*), COALESCE(SUM(is_credit_village), 0), COALESCE(SUM(households), 0),
               COALESCE(SUM(CASE WHEN is_credit_village = 1 THEN rated_households ELSE 0 END), 0)
        FROM villages WHERE 1=1{where}
        """,
        params,
    ).fetchone()
    return VillageCounts(*(int(v) for v in row))


def coverage(db: sqlite_utils.Database, f: Filters) -> float | None:
    """授信覆盖率: 授信户数 / households of the towns in scope."""
    t = totals(db, f)
    counts = village_counts(db, f)
    if t is None:
        return None
    return safe_ratio(t.granted_households, counts.households)
