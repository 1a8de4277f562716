"""Monthly roll-up tables, rebuilt from the ledgers.

Call :func:`refresh_all` (or one area's function) inside the same write
transaction as the ledger change, so readers never see a ledger and its
roll-up disagree. Each function deletes and re-inserts its roll-up; with
``months`` it touches only those months.
"""
from __future__ import annotations

import sqlite3
from typing import Iterable

import sqlite_utils

from . import periods, schema
from .config import THRESHOLDS
from .filters import in_clause


def _conn(db) -> sqlite3.Connection:
    return db.conn if isinstance(db, sqlite_utils.Database) else db


def _month_clause(col: str, months: Iterable[str] | None) -> tuple[str, list]:
    if months is None:
        return "", []
    clause, months = in_clause(col, months)
    return " AND " + clause, months


def refresh_credit(db, months: Iterable[str] | None = None) -> None:
    """Rebuild ``credit_monthly`` for ``months`` (all when None) and the months
    whose carried-forward reports depend on them (see :func:`_carry_credit`)."""
    conn = _conn(db)
    if months is not None:
        months = _with_dependants(conn, "SELECT DISTINCT month FROM credit_reports", months)
    where, params = _month_clause("month", months)
    conn.execute(f"DELETE FROM credit_monthly WHERE 1=1{where}", params)
    where_r, params_r = _month_clause("r.month", months)
    conn.execute(
        f"""
        INSERT INTO credit_monthly
        SELECT r.month, v.town_code, r.bank_code, COUNT(*),
               SUM(r.granted_households), SUM(r.granted_amount),
               SUM(r.used_households), SUM(r.used_amount), SUM(r.npl_amount), 0, NULL
        FROM credit_reports r JOIN villages v ON v.code = r.village_code
        WHERE 1=1{where_r}
        GROUP BY r.month, v.town_code, r.bank_code
        """,
        params_r,
    )
    _carry_credit(conn, months)


def _lookback() -> int:
    return THRESHOLDS.expected_lookback_months


def _with_dependants(conn: sqlite3.Connection, months_sql: str, months: Iterable[str]) -> list[str]:
    """``months`` and the data months up to ``expected_lookback_months`` after the
    last of them: a month's carried-forward figures depend on the months before it."""
    months = sorted(set(months))
    if not months:
        return months
    last = conn.execute(
        f"SELECT strftime('%Y-%m', ? || '-01', '+{_lookback()} months')", [months[-1]]).fetchone()[0]
    later = [m for (m,) in conn.execute(
        f"SELECT month FROM ({months_sql}) WHERE month > ? AND month <= ?", [months[0], last]).fetchall()]
    return sorted(set(months) | set(later))


def _carry_credit(conn: sqlite3.Connection, months: list[str] | None) -> None:
    """Carry forward village reports (DESIGN.md "Completeness"): a village-bank
    pair that reported in one of the ``expected_lookback_months`` months before a
    data month but not in it counts with its last report, and the roll-up row
    says how many villages were carried and from which month (the earliest)."""
    where, params = _month_clause("m.month", months)
    conn.execute(
        f"""
        INSERT INTO credit_monthly (month, town_code, bank_code, villages, granted_households,
                                    granted_amount, used_households, used_amount, npl_amount,
                                    carried_villages, carried_from)
        WITH data_months(month, lo) AS (
            SELECT DISTINCT m.month, strftime('%Y-%m', m.month || '-01', '-{_lookback()} months')
            FROM credit_reports m WHERE 1=1{where}
        ),
        missing AS (
            SELECT d.month, r.village_code, r.bank_code, MAX(r.month) AS last
            FROM data_months d JOIN credit_reports r ON r.month >= d.lo AND r.month < d.month
            WHERE NOT EXISTS (SELECT 1 FROM credit_reports x WHERE x.month = d.month
                              AND x.village_code = r.village_code AND x.bank_code = r.bank_code)
            GROUP BY d.month, r.village_code, r.bank_code
        )
        SELECT m.month, v.town_code, m.bank_code, 0, SUM(r.granted_households), SUM(r.granted_amount),
               SUM(r.used_households), SUM(r.used_amount), SUM(r.npl_amount), COUNT(*), MIN(m.last)
        FROM missing m
        JOIN credit_reports r ON r.month = m.last AND r.village_code = m.village_code
                             AND r.bank_code = m.bank_code
        JOIN villages v ON v.code = m.village_code
        WHERE 1=1
        GROUP BY m.month, v.town_code, m.bank_code
        ON CONFLICT (month, town_code, bank_code) DO UPDATE SET
            granted_households = granted_households + excluded.granted_households,
            granted_amount = granted_amount + excluded.granted_amount,
            used_households = used_households + excluded.used_households,
            used_amount = used_amount + excluded.used_amount,
            npl_amount = npl_amount + excluded.npl_amount,
            carried_villages = excluded.carried_villages,
            carried_from = excluded.carried_from
        """,
        params,
    )


def refresh_microloans(db, months: Iterable[str] | None = None, ledger: bool = True) -> None:
    """Rebuild ``microloan_monthly`` for the months covered by snapshots (loans
    disbursed before the first snapshot month count in no month's flows), and
    (unless ``ledger`` is False: only month-end status changed) the household-level
    helper tables, which read the loan ledger and the households alone."""
    conn = _conn(db)
    months = list(months) if months is not None else None
    where, params = _month_clause("month", months)
    conn.execute(f"DELETE FROM microloan_monthly WHERE 1=1{where}", params)
    carry_months = None if months is None else _with_dependants(
        conn, "SELECT DISTINCT month FROM microloan_monthly", months)
    where_s, params_s = _month_clause("s.month", months)
    where_d, params_d = _month_clause("substr(disbursed_on, 1, 7)", months)

    def bucket(n: int, lo: int, hi: int | None) -> str:
        """Balance and loan count of ageing bucket ``n`` (``lo``..``hi`` days)."""
        cond = f"s.days_overdue BETWEEN {lo} AND {hi}" if hi else f"s.days_overdue >= {lo}"
        return (
            f"SUM(CASE WHEN s.balance > 0 AND {cond} THEN s.balance ELSE 0 END) AS b{n}, "
            f"SUM(CASE WHEN s.balance > 0 AND {cond} THEN 1 ELSE 0 END) AS c{n}"
        )

    conn.execute(
        f"""
        INSERT INTO microloan_monthly
        SELECT month, town_code, bank_code,
               SUM(loans), SUM(households), SUM(balance), SUM(overdue_balance),
               SUM(par30_balance), SUM(par90_balance),
               SUM(b1), SUM(c1), SUM(b2), SUM(c2), SUM(b3), SUM(c3), SUM(b4), SUM(c4),
               SUM(b5), SUM(c5),
               SUM(new_loans), SUM(new_amount), SUM(renewal_loans), SUM(renewal_amount),
               SUM(extension_loans), SUM(extension_amount), SUM(subsidy_paid), NULL
        FROM (
            SELECT s.month AS month, l.town_code AS town_code, l.bank_code AS bank_code,
                   SUM(s.balance > 0) AS loans,
                   COUNT(DISTINCT CASE WHEN s.balance > 0 THEN l.household_id END) AS households,
                   SUM(s.balance) AS balance,
                   SUM(CASE WHEN s.days_overdue > 0 THEN s.balance ELSE 0 END) AS overdue_balance,
                   SUM(CASE WHEN s.days_overdue > 30 THEN s.balance ELSE 0 END) AS par30_balance,
                   SUM(CASE WHEN s.days_overdue > 90 THEN s.balance ELSE 0 END) AS par90_balance,
                   {bucket(1, 1, 30)}, {bucket(2, 31, 60)}, {bucket(3, 61, 90)},
                   {bucket(4, 91, 180)}, {bucket(5, 181, None)},
                   0 AS new_loans, 0 AS new_amount, 0 AS renewal_loans, 0 AS renewal_amount,
                   0 AS extension_loans, 0 AS extension_amount,
                   SUM(s.subsidy_paid) AS subsidy_paid
            FROM microloan_status s JOIN microloans l ON l.id = s.loan_id
            WHERE 1=1{where_s}
            GROUP BY s.month, l.town_code, l.bank_code
            UNION ALL
            SELECT substr(disbursed_on, 1, 7), town_code, bank_code,
                   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                   SUM(1 - is_extension), SUM((1 - is_extension) * amount),
                   SUM(is_renewal), SUM(is_renewal * amount),
                   SUM(is_extension), SUM(is_extension * amount), 0
            FROM microloans
            WHERE substr(disbursed_on, 1, 7) BETWEEN
                  (SELECT MIN(month) FROM microloan_status) AND (SELECT MAX(month) FROM microloan_status)
                  {where_d}
            GROUP BY 1, 2, 3
        )
        GROUP BY month, town_code, bank_code
        """,
        params_s + params_d,
    )
    _carry_microloans(conn, carry_months)
    if ledger:
        _refresh_microloan_ledger(conn)


def _refresh_microloan_ledger(conn: sqlite3.Connection) -> None:
    """The household-level helpers of the loan ledger, rebuilt whole."""
    conn.execute("DELETE FROM microloan_first_loans")
    conn.execute(
        """
        INSERT INTO microloan_first_loans
        SELECT household_id, bank_code, MIN(town_code), MIN(substr(disbursed_on, 1, 7))
        FROM microloans WHERE is_extension = 0 GROUP BY household_id, bank_code
        """
    )
    conn.execute("DELETE FROM microloan_household_years")
    conn.execute(
        """
        INSERT INTO microloan_household_years
        SELECT CAST(substr(disbursed_on, 1, 4) AS INTEGER), household_id, bank_code,
               MIN(town_code), MIN(substr(disbursed_on, 1, 7))
        FROM microloans WHERE is_extension = 0 GROUP BY 1, household_id, bank_code
        """
    )
    conn.execute("DELETE FROM household_counts")
    conn.execute(
        """
        INSERT INTO household_counts
        SELECT t.code, COUNT(h.id)
        FROM towns t
        LEFT JOIN villages v ON v.town_code = t.code
        LEFT JOIN households h ON h.village_code = v.code
        GROUP BY t.code
        """
    )
    # disbursements of the whole ledger (累计发放 includes loans older than the
    # first snapshot month; extensions are not disbursements) and first
    # borrowers per bank and overall (获贷率 without COUNT DISTINCT)
    conn.execute("DELETE FROM microloan_disbursed_monthly")
    conn.execute(
        """
        INSERT INTO microloan_disbursed_monthly
        SELECT month, town_code, bank_code, SUM(loans), SUM(amount), SUM(renewal_loans),
               SUM(renewal_amount), SUM(extension_loans), SUM(extension_amount),
               SUM(bank_new), SUM(any_new)
        FROM (
            SELECT substr(disbursed_on, 1, 7) AS month, town_code, bank_code,
                   SUM(is_extension = 0) AS loans, SUM((is_extension = 0) * amount) AS amount,
                   SUM(is_renewal = 1 AND is_extension = 0) AS renewal_loans,
                   SUM((is_renewal = 1 AND is_extension = 0) * amount) AS renewal_amount,
                   SUM(is_extension = 1) AS extension_loans,
                   SUM((is_extension = 1) * amount) AS extension_amount,
                   0 AS bank_new, 0 AS any_new
            FROM microloans GROUP BY 1, 2, 3
            UNION ALL
            SELECT first_month, town_code, bank_code, 0, 0, 0, 0, 0, 0, COUNT(*), 0
            FROM microloan_first_loans GROUP BY 1, 2, 3
            UNION ALL
            SELECT first_month, town_code, bank_code, 0, 0, 0, 0, 0, 0, 0, COUNT(*)
            FROM (SELECT household_id, MIN(first_month) AS first_month, town_code, bank_code
                  FROM microloan_first_loans GROUP BY household_id)
            GROUP BY 1, 2, 3
        )
        GROUP BY month, town_code, bank_code
        """
    )


_STOCKS = ("loans", "households", "balance", "overdue_balance", "par30_balance", "par90_balance",
           "b1_30_balance", "b1_30_loans", "b31_60_balance", "b31_60_loans", "b61_90_balance",
           "b61_90_loans", "b91_180_balance", "b91_180_loans", "b180p_balance", "b180p_loans")
_FLOWS = ("new_loans", "renewal_loans", "extension_loans", "subsidy_paid")


def _carry_microloans(conn: sqlite3.Connection, months: list[str] | None) -> None:
    """Carry forward a bank's month-end position (DESIGN.md "Completeness"): a
    bank with loans in the status of one of the ``expected_lookback_months``
    months before a data month, and none in it, keeps its last reported stock
    columns (balance, households, ageing) per town, marked ``carried_from``.
    Flows stay as the ledger has them: nothing is carried into a flow."""
    where, params = _month_clause("month", months)
    # undo earlier carries of these months (rows that hold only carried stocks go)
    conn.execute(f"DELETE FROM microloan_monthly WHERE carried_from IS NOT NULL{where} AND "
                 + " AND ".join(f"{c} = 0" for c in _FLOWS), params)
    conn.execute(f"UPDATE microloan_monthly SET {', '.join(f'{c} = 0' for c in _STOCKS)}, carried_from = NULL "
                 f"WHERE carried_from IS NOT NULL{where}", params)
    where_d, params_d = _month_clause("d.month", months)
    conn.execute(
        f"""
        INSERT INTO microloan_monthly (month, town_code, bank_code, {', '.join(_STOCKS)},
                                       {', '.join(c for c in _ALL_FLOWS)}, carried_from)
        WITH reported AS (
            SELECT month, bank_code FROM microloan_monthly WHERE carried_from IS NULL
            GROUP BY month, bank_code HAVING SUM(loans) > 0
        ),
        data_months(month, lo) AS (
            SELECT DISTINCT d.month, strftime('%Y-%m', d.month || '-01', '-{_lookback()} months')
            FROM reported d WHERE 1=1{where_d}
        ),
        missing AS (
            SELECT d.month, r.bank_code, MAX(r.month) AS last
            FROM data_months d JOIN reported r ON r.month >= d.lo AND r.month < d.month
            WHERE NOT EXISTS (SELECT 1 FROM reported x WHERE x.month = d.month AND x.bank_code = r.bank_code)
            GROUP BY d.month, r.bank_code
        )
        SELECT m.month, s.town_code, s.bank_code, {', '.join(f's.{c}' for c in _STOCKS)},
               {', '.join('0' for _ in _ALL_FLOWS)}, m.last
        FROM missing m JOIN microloan_monthly s ON s.month = m.last AND s.bank_code = m.bank_code
        WHERE s.carried_from IS NULL
        ON CONFLICT (month, town_code, bank_code) DO UPDATE SET
            {', '.join(f'{c} = excluded.{c}' for c in _STOCKS)}, carried_from = excluded.carried_from
        """,
        params_d,
    )


_ALL_FLOWS = ("new_loans", "new_amount", "renewal_loans", "renewal_amount", "extension_loans",
              "extension_amount", "subsidy_paid")


def refresh_guarantees(db) -> None:
    """Rebuild ``guarantee_monthly`` for every month from the first contract to
    the last month with company figures (or the last contract event), and the
    company-level ``guarantee_company_monthly`` from it."""
    conn = _conn(db)
    conn.execute("DELETE FROM guarantee_monthly")
    # the company-level roll-up (absent while migrating a database older than it)
    company = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'guarantee_company_monthly'").fetchone()
    if company:
        conn.execute("DELETE FROM guarantee_company_monthly")
    bounds = conn.execute(
        """
        SELECT MIN(substr(start_on, 1, 7)),
               MAX(m) FROM (
                 SELECT MAX(month) AS m FROM guarantor_monthly
                 UNION ALL SELECT MAX(substr(start_on, 1, 7)) FROM guarantee_contracts
                 UNION ALL SELECT MAX(substr(released_on, 1, 7)) FROM guarantee_contracts
               ), guarantee_contracts
        """
    ).fetchone()
    if not bounds or bounds[0] is None:
        return
    first, last = bounds
    conn.execute(
        """
        INSERT INTO guarantee_monthly
        WITH RECURSIVE months(m, mend) AS (
            SELECT ?, date(? || '-01', '+1 month', '-1 day')
            UNION ALL
            SELECT strftime('%Y-%m', date(m || '-01', '+1 month')),
                   date(m || '-01', '+2 month', '-1 day')
            FROM months WHERE m < ?
        ),
        rows AS (
            SELECT m AS month, c.product_code, c.bank_code, c.town_code, c.borrower_type,
                   c.amount AS outstanding, 1 AS outstanding_count,
                   CASE WHEN c.amount <= 5000000 THEN c.amount ELSE 0 END AS outstanding_le5m,
                   c.fee_amount AS outstanding_fee,
                   0 AS new_amount, 0 AS new_count, 0 AS released_amount, 0 AS released_count,
                   0 AS compensated_amount, 0 AS compensated_count, 0 AS recovered_amount
            FROM months JOIN guarantee_contracts c
              ON c.start_on <= mend AND (c.released_on IS NULL OR c.released_on > mend)
            UNION ALL
            SELECT substr(start_on, 1, 7), product_code, bank_code, town_code, borrower_type,
                   0, 0, 0, 0, amount, 1, 0, 0, 0, 0, 0
            FROM guarantee_contracts
            UNION ALL
            SELECT substr(released_on, 1, 7), product_code, bank_code, town_code, borrower_type,
                   0, 0, 0, 0, 0, 0, amount, 1, 0, 0, 0
            FROM guarantee_contracts WHERE released_on IS NOT NULL
            UNION ALL
            SELECT substr(compensated_on, 1, 7), product_code, bank_code, town_code, borrower_type,
                   0, 0, 0, 0, 0, 0, 0, 0, compensated_amount, 1, recovered_amount
            FROM guarantee_contracts WHERE compensated_on IS NOT NULL AND compensated_amount > 0
        )
        SELECT month, product_code, bank_code, town_code, borrower_type,
               SUM(outstanding), SUM(outstanding_count), SUM(outstanding_le5m),
               SUM(outstanding_fee), SUM(new_amount), SUM(new_count),
               SUM(released_amount), SUM(released_count),
               SUM(compensated_amount), SUM(compensated_count), SUM(recovered_amount)
        FROM rows
        GROUP BY month, product_code, bank_code, town_code, borrower_type
        """,
        (first, first, last),
    )
    if company:
        conn.execute(schema.GUARANTEE_COMPANY_FILL)


def refresh_all(db) -> None:
    refresh_credit(db)
    refresh_microloans(db)
    refresh_guarantees(db)
    refresh_fund(db)


# --- 风险补偿金 (财政资金 area, finance_core.fiscal): risk_fund from the fund ledger -------------
def fund_ledger_in_use(conn) -> bool:
    """Whether the fund ledger holds anything (False before V_FISCAL is applied)."""
    (exists,) = conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'fund_moves'").fetchone()
    if not exists:
        return False
    (used,) = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM fund_moves) OR EXISTS (SELECT 1 FROM fund_claims)").fetchone()
    return bool(used)


def refresh_fund(db) -> None:
    """Rebuild ``risk_fund`` (one row per month) from the fund ledger: 注资 in
    ``contributed``; claims paid (plus migrated monthly payouts) in ``paid_out``;
    recoveries in ``recovered``; the balance running from the opening balance.
    Months run from the ledger's first to the later of its last and the last
    microloan month. A database whose fund ledger is empty keeps its table as
    stored (fixtures and databases written before V_FISCAL)."""
    conn = _conn(db)
    if not fund_ledger_in_use(conn):
        return
    flows: dict[str, list[int]] = {}

    def add(sql: str, col: int) -> None:
        for month, amount in conn.execute(sql).fetchall():
            flows.setdefault(month, [0, 0, 0, 0])[col] += int(amount)

    add("SELECT substr(moved_on, 1, 7), SUM(amount) FROM fund_moves WHERE kind = 'opening' GROUP BY 1", 0)
    add("SELECT substr(moved_on, 1, 7), SUM(amount) FROM fund_moves WHERE kind = 'topup' GROUP BY 1", 1)
    add("SELECT substr(moved_on, 1, 7), SUM(amount) FROM fund_moves WHERE kind = 'legacy_payout' GROUP BY 1", 2)
    add("SELECT substr(paid_on, 1, 7), SUM(paid_amount) FROM fund_claims WHERE paid_on IS NOT NULL GROUP BY 1", 2)
    add("SELECT substr(moved_on, 1, 7), SUM(amount) FROM fund_moves WHERE kind = 'legacy_recovery' GROUP BY 1", 3)
    add("SELECT substr(recovered_on, 1, 7), SUM(amount) FROM fund_recoveries GROUP BY 1", 3)
    conn.execute("DELETE FROM risk_fund")
    if not flows:
        return
    (last_loan_month,) = conn.execute("SELECT MAX(month) FROM microloan_monthly").fetchone()
    first, last = min(flows), max(max(flows), last_loan_month or "")
    balance, rows = 0, []
    for month in periods.months_between(first, last):
        opening, contributed, paid, recovered = flows.get(month, (0, 0, 0, 0))
        balance += opening + contributed - paid + recovered
        rows.append((month, contributed, paid, recovered, balance))
    conn.executemany("INSERT INTO risk_fund VALUES (?, ?, ?, ?, ?)", rows)

