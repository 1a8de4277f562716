"""Annual targets: 完成率 against 序时进度.

Targets are stored per year, metric and scope (county, town or bank). The
target of a filtered scope is the sum of its towns' (or banks') targets when
every one of them has one; a scope filtered by both towns and banks has none.
All targets are for the year's flow (新增), so 完成率 compares with 序时进度.

A first data year that starts after January (:func:`periods.partial_year`)
has no comparable 完成率: its year-to-date actual covers only the months with
data (or a ledger imported part-way), so it is marked 首年数据不完整 and never
called 落后 or 领先, and no red flag comes from it.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import pandas as pd
import sqlite_utils

from . import money, periods
from .filters import Filters, in_clause


@dataclasses.dataclass(frozen=True)
class Metric:
    """An annual target metric. Each area declares its own (``Area.targets``);
    ``areas.METRICS`` lists them all."""
    key: str
    label: str
    unit: str                     # '万元', '户', '家'
    scopes: tuple[str, ...]       # scope types that carry targets
    actual: Callable[[sqlite_utils.Database, Filters], int | None]
    # every town's year-to-date actual at a month in a few grouped queries (the
    # same figures as ``actual`` for one-town scopes); None: ``actual`` per town
    by_town: Callable[[sqlite_utils.Database, str], dict[str, int]] | None = None


def target_for(db: sqlite_utils.Database, metric: Metric, f: Filters) -> int | None:
    """The year's target for the filtered scope, or None if it has none."""
    if f.towns and f.banks:
        return None
    if f.towns:
        scope_type, codes = "town", f.towns
    elif f.banks:
        scope_type, codes = "bank", f.banks
    else:
        scope_type, codes = "county", ("",)
    if scope_type not in metric.scopes:
        return None
    clause, params = in_clause("scope_code", codes)
    rows = db.execute(f"SELECT scope_code, value FROM targets WHERE year = ? AND metric = ? "
                      f"AND scope_type = ? AND {clause}", [f.year, metric.key, scope_type, *params]).fetchall()
    if len(rows) != len(codes):
        return None
    return int(sum(v for _, v in rows))


PARTIAL = "首年数据不完整"
BEHIND, AHEAD = "落后", "领先"


@dataclasses.dataclass(frozen=True)
class Progress:
    metric: Metric
    target: int | None
    actual: int | None
    time_progress: float
    partial: bool = False         # a first data year that starts after January

    @property
    def completion(self) -> float | None:
        """完成率 = actual ÷ target; None in a partial first year."""
        return None if self.partial else money.safe_ratio(self.actual, self.target)

    @property
    def behind(self) -> bool | None:
        """True when 完成率 is below 序时进度 (None without a comparable 完成率)."""
        c = self.completion
        return None if c is None else c < self.time_progress

    @property
    def status(self) -> str | None:
        """'落后' / '领先' / '首年数据不完整'; None without target or actual."""
        if self.partial and self.target is not None:
            return PARTIAL
        return None if self.behind is None else (BEHIND if self.behind else AHEAD)


def progress(db: sqlite_utils.Database, f: Filters, metric: Metric) -> Progress:
    return Progress(metric, target_for(db, metric, f), metric.actual(db, f), periods.time_progress(f.as_of),
                    periods.partial_year(periods.data_start(db), f.as_of))


def shown(value: float | int | None, unit: str) -> str:
    """A 全年目标 / 累计完成 cell of the targets table in its own unit: '54,450.00 万元',
    '2 家', '2,060 户' (counts are whole numbers); '—' when missing."""
    if value is None or value != value:   # None or NaN
        return "—"
    if unit == "万元":
        return f"{value:,.2f} 万元"
    return f"{int(round(value)):,} {unit}"


COLUMNS = ["指标", "单位", "全年目标", "累计完成", "完成率", "序时进度", "进度", "key"]


def progress_table(db: sqlite_utils.Database, f: Filters, metrics) -> pd.DataFrame:
    """One row per metric of ``metrics`` with a target in scope: 指标, 单位, 全年目标,
    累计完成, 完成率, 序时进度, 进度 ('领先' / '落后'). Money columns are in 万元."""
    rows = []
    for metric in metrics:
        p = progress(db, f, metric)
        if p.target is None:
            continue
        conv = (lambda v: money.to_wan(v)) if metric.unit == "万元" else (lambda v: v)
        rows.append({
            "指标": metric.label,
            "单位": metric.unit,
            "全年目标": conv(p.target),
            "累计完成": None if p.actual is None else conv(p.actual),
            "完成率": p.completion,
            "序时进度": p.time_progress,
            "进度": p.status,
            "key": metric.key,
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def town_completions(db: sqlite_utils.Database, as_of: str, metric: Metric) -> dict[str, float]:
    """完成率 of every town's target of ``metric`` at ``as_of`` (all banks).

    The same figures as :func:`progress` for a one-town scope, in a few grouped
    queries (``metric.by_town``) instead of several per town.
    """
    if periods.partial_year(periods.data_start(db), as_of):
        return {}  # a partial first year has no comparable 完成率
    goals = dict(db.execute(
        "SELECT scope_code, value FROM targets WHERE year = ? AND metric = ? AND scope_type = 'town'",
        [periods.year_of(as_of), metric.key]).fetchall())
    if metric.by_town is not None:
        actual = metric.by_town(db, as_of)
    else:
        actual = {c: metric.actual(db, Filters(as_of, (c,))) for c in goals}
        actual = {c: v for c, v in actual.items() if v is not None}
    return {c: actual[c] / goal for c, goal in goals.items() if goal and c in actual}
