"""指标台账: the monthly figures the four areas do not hold.

The office reports, besides credit villages, microloans, guarantees and IPOs,
a few figures collected from other departments: new enterprise-relief loans
(助企贷款), visits to market players (五进走访) and the visit rate, cooperatives
whose mutual-fund business was closed (资金互助关停), and the 防贫保 insurance
(households insured, premiums). They live in the ``indicators`` table: one
integer per month, indicator and scope (money in 元, counts as integers).

Kinds (:data:`FLOW`, :data:`STOCK`, :data:`RATIO`):
- a FLOW value is what happened in the month (new loans, closures, new
  enrolments); the year's figure is the sum from January to the data month;
- a STOCK value is the position at month end (active market players);
- a RATIO is derived, never stored: the year's figure of ``num`` ÷ the month's
  value of ``den`` (走访率 = 走访主体数 ÷ 一级市场活跃主体数).

Scopes: a value is reported for the county (scope_code ''), a town or a bank.
For the whole county the county row counts if there is one, else the sum of the
town rows, else the sum of the bank rows. A town filter sums the town rows of
the chosen towns (a bank filter the bank rows) and has no value unless every
chosen town (bank) reported; towns and banks together have no value.

Missing data is ``None``, never zero: a year figure needs the data month
itself reported; months of the year that were not reported add nothing.

Annual targets are stored in ``targets`` under the metric ``indicator:<key>``
(money in 元) and compared with 序时进度 like the other targets.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Iterable

import pandas as pd
import sqlite_utils

from . import money, periods, targets
from .area import Area
from .db import write_transaction
from .filters import Filters, in_clause
from .kpi import COUNT, MONEY, RATIO, YTD_RATE, YTD_SUM, Kpi

FLOW, STOCK, RATIO_KIND = "flow", "stock", "ratio"
TARGET_PREFIX = "indicator:"


@dataclasses.dataclass(frozen=True)
class Indicator:
    key: str
    name: str                 # Chinese name, as a template and the ledger show it
    unit: str                 # storage unit: '元', '家', '户' ('' for a derived ratio)
    kind: str                 # FLOW, STOCK or RATIO_KIND
    label: str                # how the year's figure is named on screen
    help: str
    has_target: bool = False
    num: str | None = None    # RATIO_KIND: numerator (a FLOW) and denominator (a STOCK)
    den: str | None = None

    @property
    def stored(self) -> bool:
        return self.kind != RATIO_KIND

    @property
    def metric_key(self) -> str:
        """The ``targets.metric`` of its annual target."""
        return TARGET_PREFIX + self.key

    @property
    def kpi_kind(self) -> str:
        if self.kind == RATIO_KIND:
            return RATIO
        return MONEY if self.unit == "元" else COUNT

    @property
    def target_unit(self) -> str:
        """The unit targets are shown in (money in 万元, as the other targets)."""
        return "万元" if self.unit == "元" else self.unit


INDICATORS: tuple[Indicator, ...] = (
    Indicator("relief_loan_new", "助企贷款新增", "元", FLOW, "当年新增助企贷款",
              "各银行当月新发放的助企纾困贷款金额；全年为1月至数据月份之和", has_target=True),
    Indicator("visit_players", "五进走访主体数", "家", FLOW, "当年走访市场主体",
              "“五进”走访活动当月首次走访的一级市场活跃主体数；全年为1月至数据月份之和",
              has_target=True),
    Indicator("active_players", "一级市场活跃主体数", "家", STOCK, "一级市场活跃主体",
              "月末一级市场活跃主体总数（走访率的分母）"),
    Indicator("visit_rate", "走访率", "", RATIO_KIND, "走访率",
              "当年走访市场主体数 ÷ 月末一级市场活跃主体数", num="visit_players", den="active_players"),
    Indicator("coop_closed", "资金互助关停家数", "家", FLOW, "当年关停资金互助",
              "当月关停资金互助业务的农民专业合作社家数；全年为1月至数据月份之和", has_target=True),
    Indicator("pab_households", "防贫保参保户数", "户", FLOW, "防贫保参保户数（当年）",
              "“防贫保”综合保险当月新增参保农户数；全年为1月至数据月份之和", has_target=True),
    Indicator("pab_premium", "防贫保保费", "元", FLOW, "防贫保保费（当年）",
              "“防贫保”当月收取的保费；全年为1月至数据月份之和", has_target=True),
)
BY_KEY: dict[str, Indicator] = {i.key: i for i in INDICATORS}
STORED: tuple[Indicator, ...] = tuple(i for i in INDICATORS if i.stored)
KEYS: tuple[str, ...] = tuple(i.key for i in STORED)
SCOPE_TYPES = ("county", "town", "bank")


def template_spec() -> pd.DataFrame:
    """What an import template needs: one row per stored indicator (key, Chinese
    name, storage unit, kind, definition). Money is stored in 元."""
    kinds = {FLOW: "当月发生额", STOCK: "月末时点数"}
    return pd.DataFrame(
        [{"指标代码": i.key, "指标名称": i.name, "单位": i.unit, "口径": kinds[i.kind], "说明": i.help,
          "年度目标": "有" if i.has_target else "无"} for i in STORED],
        columns=["指标代码", "指标名称", "单位", "口径", "说明", "年度目标"],
    )


def key_of(name_or_key: str) -> str | None:
    """A stored indicator's key from its key or Chinese name (for importers)."""
    text = str(name_or_key).strip()
    for i in STORED:
        if text in (i.key, i.name):
            return i.key
    return None


# --- reading ---------------------------------------------------------------------
def _resolve(rows: dict[str, dict[str, int]], f: Filters) -> int | None:
    """One month's value for the scope of ``f`` from {scope_type: {code: value}}."""
    if f.towns and f.banks:
        return None
    for chosen, scope in ((f.towns, "town"), (f.banks, "bank")):
        if chosen:
            got = rows.get(scope, {})
            if all(c in got for c in chosen):
                return sum(got[c] for c in chosen)
            return None
    if "county" in rows and "" in rows["county"]:
        return rows["county"][""]
    for scope in ("town", "bank"):
        if rows.get(scope):
            return sum(rows[scope].values())
    return None


def monthly(db: sqlite_utils.Database, f: Filters, key: str, start: str, end: str) -> dict[str, int]:
    """Stored indicator ``key`` per month from ``start`` to ``end`` for the scope
    of ``f``: {month: value}; months without a value for the scope are absent.

    The scope rules of :func:`_resolve`, worked out in SQL so that a province
    with thousands of towns does not ship every town's row to Python.
    """
    if f.towns and f.banks:
        return {}
    if f.towns or f.banks:
        scope, codes = ("town", f.towns) if f.towns else ("bank", f.banks)
        clause, params = in_clause("scope_code", codes)
        rows = db.execute(
            f"SELECT month, COUNT(*), SUM(value) FROM indicators WHERE indicator = ? "
            f"AND month BETWEEN ? AND ? AND scope_type = ? AND {clause} GROUP BY month",
            [key, start, end, scope, *params],
        ).fetchall()
        return {m: int(total) for m, n, total in sorted(rows) if n == len(codes)}
    per: dict[str, dict[str, int]] = defaultdict(dict)
    for month, scope, total in db.execute(
        "SELECT month, scope_type, SUM(value) FROM indicators WHERE indicator = ? AND month BETWEEN ? AND ? "
        "AND (scope_type <> 'county' OR scope_code = '') GROUP BY month, scope_type",
        [key, start, end],
    ).fetchall():
        per[month][scope] = int(total)
    out = {}
    for month in sorted(per):
        for scope in ("county", "town", "bank"):  # the county row first, else the sum of towns, else of banks
            if scope in per[month]:
                out[month] = per[month][scope]
                break
    return out


def month_value(db: sqlite_utils.Database, f: Filters, key: str) -> int | None:
    """A stored indicator's value in the month ``f.as_of`` (the month's flow, or
    the month-end stock); None when not reported for the scope."""
    return monthly(db, f, key, f.as_of, f.as_of).get(f.as_of)


def year_value(db: sqlite_utils.Database, f: Filters, key: str) -> int | float | None:
    """The year's figure at ``f.as_of``: a FLOW summed from January, a STOCK at
    the month end, a RATIO derived. None when the data month is not reported."""
    ind = BY_KEY[key]
    if ind.kind == RATIO_KIND:
        return money.safe_ratio(year_value(db, f, ind.num), year_value(db, f, ind.den))
    if ind.kind == STOCK:
        return month_value(db, f, key)
    values = monthly(db, f, key, periods.year_start_month(f.as_of), f.as_of)
    if f.as_of not in values:
        return None
    return sum(values.values())


@dataclasses.dataclass(frozen=True)
class Figure:
    """An indicator at a month: the year's figure, the month's own (FLOW), a
    year before, and the annual target (None when missing)."""
    indicator: Indicator
    value: int | float | None
    month: int | None
    base: int | float | None
    target: int | None

    @property
    def completion(self) -> float | None:
        return money.safe_ratio(self.value, self.target)


def figures(db: sqlite_utils.Database, f: Filters) -> dict[str, Figure]:
    """Every indicator at ``f.as_of`` for the scope (the brief and KPIs use this)."""
    out = {}
    year_ago = f.at(periods.add_months(f.as_of, -12))
    for ind in INDICATORS:
        target = targets.target_for(db, metric(ind), f) if ind.has_target else None
        out[ind.key] = Figure(
            ind, year_value(db, f, ind.key),
            month_value(db, f, ind.key) if ind.kind == FLOW else None,
            year_value(db, year_ago, ind.key), target)
    return out


# --- KPIs and targets ---------------------------------------------------------------
KPI_KEYS = ("relief_loan_new", "visit_players", "visit_rate", "coop_closed", "pab_households",
            "pab_premium")


def kpis(db: sqlite_utils.Database, f: Filters) -> list[Kpi]:
    """The indicator row of the overview: each year's figure at ``f.as_of``,
    against the month before and the same month last year."""
    months = (f.as_of, periods.add_months(f.as_of, -1), periods.add_months(f.as_of, -12))
    start = periods.data_start(db)
    out = []
    for key in KPI_KEYS:
        ind = BY_KEY[key]
        now, prev, base = (year_value(db, f.at(m), key) for m in months)
        ytd = {FLOW: YTD_SUM, RATIO_KIND: YTD_RATE}.get(ind.kind)  # year figures restart in January
        out.append(Kpi(f"ind_{key}", ind.label, ind.kpi_kind, now, prev, base,
                       unit=ind.unit if ind.kpi_kind == COUNT else "", help=ind.help,
                       ytd=ytd, as_of=f.as_of if ytd else None, data_start=start if ytd else None))
    return out


def metric(ind: Indicator):
    """The indicator as a :class:`finance_core.targets.Metric` (its annual target)."""
    return targets.Metric(ind.metric_key, ind.label, ind.target_unit, SCOPE_TYPES,
                          lambda db, f, key=ind.key: year_value(db, f, key))


def metrics() -> tuple:
    """The indicators that carry annual targets, as ``targets.Metric`` values."""
    return tuple(metric(i) for i in INDICATORS if i.has_target)


# --- writing (importers, tests) --------------------------------------------------------
def upsert(db: sqlite_utils.Database, rows: Iterable[tuple[str, str, str, str, int]]) -> int:
    """Insert or replace (month, indicator key, scope_type, scope_code, value)
    rows in one transaction; returns the number of rows. Units come from the
    registry. Raises ValueError (Chinese message) on an unknown key or scope."""
    clean = []
    for month, key, scope, code, value in rows:
        periods.parse_month(month)
        if key not in KEYS:
            raise ValueError(f"未知指标“{key}”")
        if scope not in SCOPE_TYPES:
            raise ValueError(f"范围类型应为 county/town/bank，收到“{scope}”")
        if int(value) < 0:
            raise ValueError(f"{BY_KEY[key].name} 不能为负数")
        clean.append((month, key, scope, "" if scope == "county" else str(code), int(value),
                      BY_KEY[key].unit))
    with write_transaction(db):
        db.conn.executemany(
            "INSERT OR REPLACE INTO indicators (month, indicator, scope_type, scope_code, value, unit) "
            "VALUES (?, ?, ?, ?, ?, ?)", clean)
    return len(clean)


AREA = Area(
    key="indicators", title="金融助企", heading="金融助企与风险防范", kpis=kpis, per_row=3, page=False,
    dimensions=("town", "bank"), targets=metrics(), import_feeds=("indicators",),
    completeness_feeds=("indicators",),
)
