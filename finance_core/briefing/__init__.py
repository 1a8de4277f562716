"""调度简报: the monthly review brief and the yearly summary, written from the data.

:func:`build` returns a :class:`Brief`: a title, then one section per area
(总体情况, 银行存贷款, 企业上市, 信用村, 小额信贷, 融资担保, 财政资金, 金融助企与风险防范, 存在问题, and
for a yearly summary the next year's plan), each with Chinese paragraphs in the
register of the office's own reports (the seed document), a table and a chart.

Every number comes from a finance_core function the pages use (``credit.totals``,
``microloans.totals``, ``guarantees.totals``, ``ipo.stage_counts``,
``targets.progress``, ``overview.red_flags``, ``indicators.figures``) or from
the small queries below (per-town and per-bank rankings, product activity in
the period, IPO moves and financing rounds in the period), each tested against
plain SQL. A sentence whose data is missing is left out, never filled with a
zero.

Periods: a 月报 is computed at the data month; a 年报 covers the year of the
data month up to December, or to the latest month of that year with data.

Numbers are written as the office writes them: amounts from 1亿元 up in 亿元
with two decimals, from 1,000万元 in whole 万元, below in 万元 with up to two
decimals (half-up, :mod:`finance_core.money`); households 户, firms 家,
percentages with one decimal.
"""
from __future__ import annotations

import dataclasses

import sqlite_utils

from .. import completeness, reuse, versions
from ..filters import Filters, load_options
from . import banks, credit, fiscal, guarantees, indicators, ipo, microloans, summary
from .common import (FIGURE_COLUMNS, MAX_ISSUES_IN_TEXT, NO_DATA, Brief, Ranked, Section, Writer,  # noqa: F401
                     best_and_worst, gap_note, issue_text, missing_banks, town_completion)
from .credit import bank_credit_usage  # noqa: F401
from .guarantees import ProductActivity, guarantor_ratings, product_activity  # noqa: F401
from .ipo import BACK, FIRST, FORWARD, REENTRY, Move, Round, ipo_moves, ipo_rounds, round_word  # noqa: F401
from .microloans import bank_overdue_rate  # noqa: F401
from .period import ANNUAL, KINDS, MONTHLY, Period, period_for  # noqa: F401
from .text import *  # noqa: F401,F403  (the number and sentence helpers)
from .text import ordinal

# The area sections, in the order of the office's own reports (the seed): each a
# module with ``KEY`` (the section key), ``AREA`` (the area key whose missing
# submissions it names) and ``section(w) -> Section`` (None: the section is left out).
AREA_SECTIONS = (banks, ipo, credit, microloans, guarantees, fiscal, indicators)


def _numbered(sections: list[Section]) -> tuple[Section, ...]:
    return tuple(dataclasses.replace(s, heading=f"{ordinal(i)}、{s.heading}") for i, s in enumerate(sections))


def _with_gap_notes(sections: list[Section], found: list[completeness.Gap]) -> list[Section]:
    """Name every missing submission in the scope: all of them in 总体情况, each
    area's own at the end of its section (DESIGN.md "Completeness")."""
    if not found:
        return sections
    area_of = {m.KEY: m.AREA for m in AREA_SECTIONS}
    out = []
    for s in sections:
        mine = found if s.key == "overview" else [g for g in found if g.area == area_of.get(s.key)]
        if mine:
            s = dataclasses.replace(s, paragraphs=s.paragraphs + (gap_note(mine),))
        out.append(s)
    return out


def build(db: sqlite_utils.Database, kind: str, f: Filters) -> Brief:
    """The brief of ``kind`` (月报 / 年报) for the scope of ``f`` at ``f.as_of``
    (a 年报 runs to December, or the latest month of that year with data).
    Built inside one :func:`finance_core.reuse.once` block: the sections read the
    same options, totals, KPI rows and missing submissions, computed once."""
    with reuse.once():
        return _build(db, kind, f)


def _build(db: sqlite_utils.Database, kind: str, f: Filters) -> Brief:
    period = period_for(load_options(db).months, kind, f.as_of)
    w = Writer(db, f, period)
    areas = [s for s in (m.section(w) for m in AREA_SECTIONS) if s is not None]
    sections = [summary.overview(w), *areas, summary.issues(w)]
    sections = _with_gap_notes(sections, completeness.gaps(db, w.f))
    if period.kind == ANNUAL:
        sections.append(summary.plan(w))
    if period.kind == MONTHLY:
        title = f"{period.label}普惠金融工作调度简报"
    else:
        title = f"{period.label}普惠金融工作总结"
    banks = "、".join(w.bank_names[c] for c in w.f.banks) or "全部银行"
    towns = "、".join(w.town_names[c] for c in w.f.towns) or "全县"
    subtitle = f"范围：{towns} · {banks} · 数据截至{period.year}年{period.month}月末"
    if versions.snapshot_info(db) is not None:   # a pinned link's brief says which moment it shows
        subtitle += f" · 本简报为{versions.note(db)}"
    return Brief(title, subtitle, period, w.scope, _numbered(sections))


# --- charts -------------------------------------------------------------------------------
def chart(section: Section):
    """The section's main chart as an Altair chart (None without data): a line
    per series over the months, or bars (IPO stages in stage order)."""
    import altair as alt

    df = section.chart
    if df is None or df.empty:
        return None
    x = section.chart_x
    order = list(dict.fromkeys(df[x]))
    base = alt.Chart(df).properties(title=section.chart_title, width=520, height=240)
    enc = dict(
        x=alt.X(f"{x}:O", title=None, sort=order, axis=alt.Axis(labelAngle=-45 if x == "月份" else 0)),
        y=alt.Y("数值:Q", title=section.chart_unit),
        tooltip=[x, "指标", alt.Tooltip("数值:Q", format=",.2f")],
    )
    if df["指标"].nunique() > 1:
        enc["color"] = alt.Color("指标:N", title=None, legend=alt.Legend(orient="bottom"))
    if section.chart_mark == "bar":
        return base.mark_bar(color="#4c78a8").encode(**enc)
    return base.mark_line(point=True).encode(**enc)
