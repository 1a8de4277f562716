"""The shape of an area (信用村, 小额信贷, 融资担保, 企业上市, 金融助企, ...): what it
declares once so that the overview, the targets table, the red flags, the
briefs, the meeting pack, the imports, the roll-ups and the benchmark can loop
over every area without restating its figures.

Each area module ends with ``AREA = Area(...)``; :mod:`finance_core.areas`
lists them (``areas.ALL``). This module imports no area module, so every area
can import it.

A :class:`Flag` is structured data (area, subject, value, limit, the link
dimensions that narrow a view to its subject); the overview page, the area
pages and the briefs render it. No URL or page path lives in finance_core: the
UI maps an area key to its page (``ui.nav.area_page``).
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Iterable

import sqlite_utils

from .config import Thresholds
from .filters import Filters
from .kpi import Kpi

# severities, most severe first: a missing submission (the figures below may rest
# on it), a limit breached (regulatory or risk threshold), behind a target or
# capital idle, worth watching (a quota nearly used, a company stuck)
GAP, BREACH, BEHIND, WATCH = 0, 1, 2, 3

REPORTING = "reporting"   # the area key of missing-submission flags (the 报送明细 of /data)


@dataclasses.dataclass(frozen=True)
class Flag:
    area: str                  # the area's title as the meeting says it: 信用村 / 小额信贷 / 数据报送 ...
    text: str                  # the sentence shown and written into the brief
    key: str = ""              # the area key (the UI maps it to the page that explains it)
    dims: tuple[tuple[str, str], ...] = ()   # link dimensions narrowing a view to the subject
    severity: int = BEHIND
    subject: str = ""          # the bank, town, product, company or metric concerned
    value: float | None = None
    limit: float | None = None


@dataclasses.dataclass(frozen=True)
class Names:
    """Display names the flag rules write into their sentences."""
    towns: dict[str, str]
    banks: dict[str, str]


KpiFn = Callable[[sqlite_utils.Database, Filters], list[Kpi]]
FlagFn = Callable[[sqlite_utils.Database, Filters, Names, Thresholds], list[Flag]]
RefreshFn = Callable[..., None]


@dataclasses.dataclass(frozen=True)
class Area:
    key: str                         # stable identifier; also the area page's url path
    title: str                       # short title: flags, brief headings, 数据说明
    heading: str                     # the overview / meeting-pack section heading
    kpis: KpiFn                      # the area page's KPI row (the one definition of each KPI)
    overview: tuple[str, ...] = ()   # keys of ``kpis`` the overview shows, in order; () = all
    per_row: int = 5                 # overview cards per row
    page: bool = True                # it has its own page, ``pages/<key>.py`` at url path ``/<key>``
    dimensions: tuple[str, ...] = ("town", "bank")   # shared filters that narrow it
    flags: FlagFn | None = None      # the area's red-flag rules (one table per area)
    targets: tuple = ()              # its annual target metrics (``targets.Metric``)
    # rebuilds its roll-ups: ``refresh(db, months=None, tables=None)``; ``tables``, when given, are the
    # data tables the write changed (a refresh may skip roll-ups that read none of them)
    refresh: RefreshFn | None = None
    rollup_tables: tuple[str, ...] = ()   # the tables ``refresh`` rewrites (not logged row by row for as-at
                                          # views: versions.ROLLUP_TABLES must list them)
    import_feeds: tuple[str, ...] = ()        # keys of ``imports.FEEDS`` that load it
    completeness_feeds: tuple[str, ...] = ()  # keys of ``completeness.FEEDS`` that feed it
    target_feeds: tuple[str, ...] | None = None   # completeness feeds behind its targets (None: all of its own)
    flow_targets: bool = True        # its targets are flows (a missing month is missing, not carried)

    def overview_kpis(self, db: sqlite_utils.Database, f: Filters) -> list[Kpi]:
        """The overview's selection of the page's KPIs (same values, notes and flags)."""
        kpis = self.kpis(db, f)
        if not self.overview:
            return kpis
        by = {k.key: k for k in kpis}
        return [by[k] for k in self.overview if k in by]


def kpi_flags(area: Area, kpis: Iterable[Kpi], severity: Callable[[Kpi], int] = lambda k: BREACH) -> list[Flag]:
    """The threshold flags an area page shows on its KPI row, as red flags."""
    return [Flag(area.title, f"{k.label} {k.text()}，{k.flag}", area.key, severity=severity(k),
                 subject=k.label, value=k.value)
            for k in kpis if k.flag]
