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

from . import credit, guarantees, ipo, microloans, money, periods
from .filters import Filters


@dataclasses.dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str                     # '万元', '户', '家'
    scopes: tuple[str, ...]       # scope types that carry targets
    actual: Callable[[sqlite_utils.Database, Filters], int | None]


def _credit_increase(field: str):
    def actual(db, f: Filters) -> int | None:
        now = credit.totals(db, f)
        base = credit.totals(db, f.at(periods.previous_year_end(f.as_of)))
        if now is None or base is None:
            return None
        return getattr(now, field) - getattr(base, field)
    return actual


def _microloan(field: str):
    def actual(db, f: Filters) -> int | None:
        t = microloans.totals(db, f)
        return None if t is None else getattr(t, field)
    return actual


def _guarantee_new(db, f: Filters) -> int | None:
    t = guarantees.totals(db, f)
    return None if t is None else t.new_amount_ytd


def _ipo_guidance(db, f: Filters) -> int | None:
    """Companies that entered 辅导备案 for the first time this year: a company
    that fell back to it (application withdrawn) and re-entered is not counted."""
    return ipo.new_entries(db, f, "辅导备案")


METRICS: tuple[Metric, ...] = (
    Metric("credit_granted_increase", "信用村新增授信", "万元", ("county", "town"),
           _credit_increase("granted_amount")),
    Metric("credit_used_increase", "信用村新增用信", "万元", ("county", "town"),
           _credit_increase("used_amount")),
    Metric("microloan_new_amount", "小额信贷新增投放", "万元", ("county", "town", "bank"),
           _microloan("new_amount_ytd")),
    Metric("microloan_new_households", "小额信贷新增投放户数", "户", ("county",),
           _microloan("new_households_ytd")),
    Metric("guarantee_new_amount", "融资担保新增担保额", "万元", ("county",), _guarantee_new),
    Metric("ipo_guidance_filings", "新增辅导备案企业", "家", ("county",), _ipo_guidance),   # 回退后重新备案不计
)
METRIC_BY_KEY = {m.key: m for m in METRICS}


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
    rows = db.execute(
        f"""SELECT scope_code, value FROM targets WHERE year = ? AND metric = ?
            AND scope_type = ? AND scope_code IN ({','.join('?' * len(codes))})""",
        [f.year, metric.key, scope_type, *codes],
    ).fetchall()
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


def progress_table(db: sqlite_utils.Database, f: Filters,
                   keys: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One row per metric with a target in scope: 指标, 单位, 全年目标, 累计完成,
    完成率, 序时进度, 进度 ('领先' / '落后'). Money columns are in 万元."""
    rows = []
    for metric in METRICS:
        if keys is not None and metric.key not in keys:
            continue
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
    return pd.DataFrame(rows, columns=["指标", "单位", "全年目标", "累计完成", "完成率", "序时进度", "进度", "key"])


def town_completions(db: sqlite_utils.Database, as_of: str, metric_key: str) -> dict[str, float]:
    """完成率 of every town's target of ``metric_key`` at ``as_of`` (all banks).

    The same figures as :func:`progress` for a one-town scope, in a few grouped
    queries instead of several per town (a province may hold thousands).
    """
    metric = METRIC_BY_KEY[metric_key]
    if periods.partial_year(periods.data_start(db), as_of):
        return {}  # a partial first year has no comparable 完成率
    goals = dict(db.execute(
        "SELECT scope_code, value FROM targets WHERE year = ? AND metric = ? AND scope_type = 'town'",
        [periods.year_of(as_of), metric_key]).fetchall())
    if metric_key in ("credit_granted_increase", "credit_used_increase"):
        col = "granted_amount" if metric_key == "credit_granted_increase" else "used_amount"

        def level(month: str) -> dict[str, int]:
            return dict(db.execute(
                f"SELECT town_code, SUM({col}) FROM credit_monthly WHERE month = ? GROUP BY town_code",
                [month]).fetchall())

        now, base = level(as_of), level(periods.previous_year_end(as_of))
        actual = {c: now[c] - base[c] for c in now if c in base}
    elif metric_key == "microloan_new_amount":
        (has_month,) = db.execute(
            "SELECT EXISTS (SELECT 1 FROM microloan_monthly WHERE month = ?)", [as_of]).fetchone()
        if not has_month:
            return {}
        new = dict(db.execute(
            "SELECT town_code, TOTAL(amount) FROM microloan_disbursed_monthly "
            "WHERE month BETWEEN ? AND ? GROUP BY town_code",
            [periods.year_start_month(as_of), as_of]).fetchall())
        actual = {c: int(new.get(c, 0)) for c in goals}
    else:
        actual = {c: metric.actual(db, Filters(as_of, (c,))) for c in goals}
        actual = {c: v for c, v in actual.items() if v is not None}
    return {c: actual[c] / goal for c, goal in goals.items() if goal and c in actual}
