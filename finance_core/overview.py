"""总览: the county at a glance — one KPI row per area (each area's own KPIs,
selected by key in its ``Area.overview``), the targets of every area against
序时进度, and the red flags of every area (:mod:`finance_core.areas`)."""
from __future__ import annotations

import dataclasses

import pandas as pd
import sqlite_utils

from . import areas, completeness, reuse
from .area import BEHIND, BREACH, GAP, WATCH, Flag  # noqa: F401  (the flag vocabulary of the overview)
from .config import THRESHOLDS, Thresholds
from .filters import Filters
from .kpi import Kpi


def area_kpis(db: sqlite_utils.Database, f: Filters, key: str) -> list[Kpi]:
    """The overview row of the area ``key``: its page's KPIs the overview shows."""
    return areas.BY_KEY[key].overview_kpis(db, f)


def targets_table(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """Every annual target of the scope, area by area, with its 数据说明."""
    return areas.targets_table(db, f)


def red_flags(db: sqlite_utils.Database, f: Filters, town_names: dict[str, str],
              bank_names: dict[str, str], th: Thresholds = THRESHOLDS) -> list[Flag]:
    """The one ranked list of red flags (:func:`finance_core.areas.red_flags`)."""
    return areas.red_flags(db, f, town_names, bank_names, th)


@dataclasses.dataclass(frozen=True)
class Board:
    """Everything the overview page shows, computed together (:func:`board`)."""
    reporting: str                        # completeness.summary_line
    rows: tuple[tuple[str, tuple[Kpi, ...]], ...]   # (area key, its overview KPIs), registry order
    targets: pd.DataFrame                 # targets_table
    flags: tuple[Flag, ...]               # red_flags

    def kpis(self, key: str) -> list[Kpi]:
        return list(dict(self.rows)[key])


def board(db: sqlite_utils.Database, f: Filters, town_names: dict[str, str],
          bank_names: dict[str, str], th: Thresholds = THRESHOLDS) -> Board:
    """The overview page in one pass: the reporting line, every area's KPI row, the
    targets and the red flags, each the same as its own function gives. Built inside
    one :func:`finance_core.reuse.once` block, so what the parts share (each area's KPI
    row, which its flag rules read again; the missing submissions, which the reporting
    line, the targets' 数据说明 and the flags all read; the targets table, which the
    flags read) is computed once."""
    with reuse.once():
        return Board(
            reporting=completeness.summary_line(db, f, th=th),
            rows=tuple((a.key, tuple(area_kpis(db, f, a.key))) for a in areas.ALL),
            targets=targets_table(db, f),
            flags=tuple(red_flags(db, f, town_names, bank_names, th)),
        )
