"""The area registry: every area of the app, in the order the overview, the
meeting pack and the briefs show them.

Add an area by writing its module (ending with ``AREA = Area(...)``, see
:mod:`finance_core.area`) and listing it here; the overview, the targets table,
the red flags, the imports' target list, the roll-ups and the benchmark pick it
up from :data:`ALL`. See docs/ARCHITECTURE.md.
"""
from __future__ import annotations

import sqlite_utils

from . import banks, completeness, credit, fiscal, guarantees, indicators, ipo, microloans, money, reuse, targets
from .area import GAP, REPORTING, Area, Flag, Names
from .config import THRESHOLDS, Thresholds
from .filters import Filters

ALL: tuple[Area, ...] = (credit.AREA, microloans.AREA, guarantees.AREA, ipo.AREA, banks.AREA, fiscal.AREA,
                         indicators.AREA)
BY_KEY: dict[str, Area] = {a.key: a for a in ALL}

# every annual target metric, area by area, and the area that owns it
METRICS: tuple[targets.Metric, ...] = tuple(m for a in ALL for m in a.targets)
METRIC_BY_KEY: dict[str, targets.Metric] = {m.key: m for m in METRICS}
METRIC_AREA: dict[str, Area] = {m.key: a for a in ALL for m in a.targets}


def refresh_all(db, months=None) -> None:
    """Rebuild every area's roll-ups (all months, or only ``months``)."""
    for a in ALL:
        if a.refresh is not None:
            a.refresh(db, months)


def rollup_of(import_feed: str) -> Area | None:
    """The area whose roll-ups an import feed's rows change."""
    return next((a for a in ALL if import_feed in a.import_feeds and a.refresh is not None), None)


# --- targets ----------------------------------------------------------------------------
@reuse.shared
def targets_table(db: sqlite_utils.Database, f: Filters) -> "targets.pd.DataFrame":
    """Every annual target of the scope, area by area, with its 数据说明 (a missing
    submission behind its 累计完成)."""
    table = targets.progress_table(db, f, METRICS)
    found = completeness.gaps(db, f) if not table.empty else []
    return table.assign(数据说明=[target_note(key, found) for key in table["key"]])


def target_note(key: str, found: list[completeness.Gap]) -> str:
    """'完成数含沿用9月数据（邮储银行）' / '完成数缺邮储银行10月数据' when a missing
    submission is behind a target's 累计完成, else ''."""
    area = METRIC_AREA.get(key)
    if area is None:
        return ""
    feeds = area.completeness_feeds if area.target_feeds is None else area.target_feeds
    mine = []
    for g in found:
        if g.feed not in feeds:
            continue
        if completeness.BY_KEY[g.feed].reporter == completeness.INDICATOR:
            if g.reporter != key.removeprefix(indicators.TARGET_PREFIX):
                continue  # an indicator's feed is reported indicator by indicator
            return f"完成数缺{completeness.month_word(g.month)}数据"
        mine.append(g)
    if not mine:
        return ""
    return "完成数" + completeness.note(mine, flow=area.flow_targets)


def target_flags(db: sqlite_utils.Database, f: Filters, table=None) -> list[Flag]:
    """The scope's annual targets behind 序时进度 (in December: missed); none in
    a partial first year (no comparable 完成率)."""
    table = targets_table(db, f) if table is None else table
    out = []
    for row in table.itertuples():
        if row.进度 != targets.BEHIND:
            continue
        area = METRIC_AREA[row.key]
        if row.序时进度 >= 1:
            text = f"{row.指标}完成全年目标的 {money.fmt_pct(row.完成率)}，未完成全年目标"
        else:
            text = f"{row.指标}完成率 {money.fmt_pct(row.完成率)}，落后序时进度（{money.fmt_pct(row.序时进度)}）"
        out.append(Flag(area.title, text, area.key, subject=row.指标, value=row.完成率, limit=row.序时进度))
    return out


# --- red flags ----------------------------------------------------------------------------
def red_flags(db: sqlite_utils.Database, f: Filters, town_names: dict[str, str],
              bank_names: dict[str, str], th: Thresholds = THRESHOLDS) -> list[Flag]:
    """What the meeting must look at, for the scope of ``f``, most severe first:
    who did not report (every figure below may rest on carried data), then each
    area's own flag rules, and the targets behind (or missed). One list for the
    overview page, both briefs and the meeting pack."""
    names = Names(town_names, bank_names)
    flags = [Flag("数据报送", g.text(), REPORTING, severity=GAP, subject=g.reporter_name)
             for g in completeness.gaps(db, f)]
    for a in ALL:
        if a.flags is not None:
            flags += a.flags(db, f, names, th)
    flags += target_flags(db, f)
    return sorted(flags, key=lambda fl: fl.severity)
