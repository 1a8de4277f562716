"""脱贫人口小额信贷: poverty-relief microloans.

Aggregates read the roll-ups ``microloan_monthly`` (month × town × bank),
``microloan_household_years`` and ``microloan_first_loans``; loan-level lists
read the ledger through its indexes.

Definitions (DESIGN.md): 逾期率 = balance of loans more than 0 days past due ÷
total balance; PAR30 / PAR90 = whole balance of loans more than 30 / 90 days
past due ÷ total balance. 获贷率 = households that ever got a microloan ÷
eligible (脱贫户 + 监测户) households. 新增投放 counts loans disbursed in the
period, 续贷 included and 展期 not (an extension is not new lending).
"""
from __future__ import annotations

import dataclasses

import sqlite_utils

from . import periods
from .filters import Filters, scope_sql
from .money import safe_ratio


@dataclasses.dataclass(frozen=True)
class MicroloanTotals:
    month: str
    balance: int
    loans: int
    households: int
    overdue_balance: int
    par30_balance: int
    par90_balance: int
    new_loans_ytd: int
    new_amount_ytd: int
    new_households_ytd: int
    subsidy_ytd: int

    @property
    def overdue_rate(self) -> float | None:
        return safe_ratio(self.overdue_balance, self.balance)

    @property
    def par30(self) -> float | None:
        return safe_ratio(self.par30_balance, self.balance)

    @property
    def par90(self) -> float | None:
        return safe_ratio(self.par90_balance, self.balance)


def totals(db: sqlite_utils.Database, f: Filters) -> MicroloanTotals | None:
    """Position at ``f.as_of`` and this year's flows up to it; None without data."""
    where, params = scope_sql(f)
    row = db.execute(
        f"""
        SELECT COUNT(*), SUM(balance), SUM(loans), SUM(households), SUM(overdue_balance),
               SUM(par30_balance), SUM(par90_balance)
        FROM microloan_monthly WHERE month = ?{where}
        """,
        [f.as_of, *params],
    ).fetchone()
    if not row[0]:
        return None
    year_start = periods.year_start_month(f.as_of)
    flows = db.execute(
        f"""
        SELECT COALESCE(SUM(new_loans), 0), COALESCE(SUM(new_amount), 0),
               COALESCE(SUM(subsidy_paid), 0)
        FROM microloan_monthly WHERE month BETWEEN ? AND ?{where}
        """,
        [year_start, f.as_of, *params],
    ).fetchone()
    (new_households,) = db.execute(
        f"""
        SELECT COUNT(DISTINCT household_id) FROM microloan_household_years
        WHERE year = ? AND first_month <= ?{where}
        """,
        [f.year, f.as_of, *params],
    ).fetchone()
    return MicroloanTotals(
        f.as_of, int(row[1]), int(row[2]), int(row[3]), int(row[4]), int(row[5]), int(row[6]),
        int(flows[0]), int(flows[1]), int(new_households), int(flows[2]),
    )


def access_rate(db: sqlite_utils.Database, f: Filters) -> float | None:
    """获贷率 at ``f.as_of``: households that ever borrowed (from the banks in
    scope) ÷ eligible households of the towns in scope."""
    where, params = scope_sql(f)
    (borrowed,) = db.execute(
        f"SELECT COUNT(DISTINCT household_id) FROM microloan_first_loans "
        f"WHERE first_month <= ?{where}",
        [f.as_of, *params],
    ).fetchone()
    where_t, params_t = scope_sql(f, bank_col=None)
    (eligible,) = db.execute(
        f"SELECT COALESCE(SUM(eligible), 0) FROM household_counts WHERE 1=1{where_t}", params_t
    ).fetchone()
    return safe_ratio(borrowed, eligible)
