"""企业上市: the IPO pipeline, stage events and monthly review notes.

A company sits in the stage of its latest event on or before a date. Stage
order is :data:`STAGES`.
"""
from __future__ import annotations

import pandas as pd
import sqlite_utils

from . import periods
from .filters import Filters, scope_sql

STAGES = ("后备资源库", "股改", "辅导备案", "辅导验收", "申报受理", "审核问询", "注册", "发行上市")
BOARDS = ("主板", "创业板", "科创板", "北交所")


def current_stages(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """One row per company of the towns in scope with its stage at the end of
    ``f.as_of`` (companies with no event by then are left out)."""
    where, params = scope_sql(f, town_col="c.town_code", bank_col=None)
    month_end = periods.month_end(f.as_of).isoformat()
    return pd.read_sql_query(
        f"""
        SELECT c.id, c.name, c.town_code, e.stage, e.event_date AS since
        FROM companies c
        JOIN ipo_events e ON e.id = (
            SELECT e2.id FROM ipo_events e2
            WHERE e2.company_id = c.id AND e2.event_date <= ?
            ORDER BY e2.event_date DESC, e2.id DESC LIMIT 1)
        WHERE 1=1{where}
        ORDER BY c.id
        """,
        db.conn,
        params=[month_end, *params],
    )


def stage_counts(db: sqlite_utils.Database, f: Filters) -> dict[str, int]:
    """Companies per stage at ``f.as_of``, in stage order (zeros included)."""
    df = current_stages(db, f)
    counts = df["stage"].value_counts().to_dict() if not df.empty else {}
    return {stage: int(counts.get(stage, 0)) for stage in STAGES}
