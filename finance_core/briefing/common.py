"""What every section writer shares: the brief's values (:class:`Section`,
:class:`Brief`), the :class:`Writer` (one database, scope and period) and its
helpers, rankings, and the gap notes."""
from __future__ import annotations

import dataclasses
import hashlib

import pandas as pd
import sqlite_utils

from .. import areas, completeness, money, periods, targets
from ..area import Flag
from ..filters import Filters, load_options
from .period import Period
from .text import (heading_name, multiple_change_text, partial_progress_text, pct_text, progress_text,
                   rate_change_text, change_text, tidy)

@dataclasses.dataclass(frozen=True)
class Ranked:
    name: str
    value: float


def best_and_worst(items: list[Ranked]) -> tuple[Ranked, Ranked] | None:
    """Highest and lowest value (ties by name); None with fewer than two items."""
    items = sorted(items, key=lambda r: (-r.value, r.name))
    if len(items) < 2 or items[0].value == items[-1].value:
        return None
    return items[0], items[-1]


def town_completion(db: sqlite_utils.Database, f: Filters, metric_key: str) -> list[Ranked]:
    """完成率 of a target metric per town in scope (towns with a target). Town
    targets cover all banks, so a bank-filtered scope has none."""
    if f.banks:
        return []
    completion = targets.town_completions(db, f.as_of, areas.METRIC_BY_KEY[metric_key])
    names = load_options(db).town_names
    return [Ranked(names[code], completion[code]) for code in names
            if code in completion and (not f.towns or code in f.towns)]


def missing_banks(db, f: Filters, area: str) -> set[str]:
    """Banks whose figures for ``area`` are carried forward this month: never ranked."""
    return {g.reporter for g in completeness.gaps(db, f, (area,)) if g.reporter_kind == completeness.BANK}


def bank_names(db, f: Filters) -> list[tuple[str, str]]:
    """(code, name) of the banks in the scope of ``f``, in code order."""
    return [(c, n) for c, n in load_options(db).bank_names.items() if not f.banks or c in f.banks]


# --- the brief ------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Section:
    key: str
    heading: str                                   # '二、企业上市'
    paragraphs: tuple[str, ...]
    tables: tuple[tuple[str, pd.DataFrame], ...] = ()
    chart: pd.DataFrame | None = None              # long form: <chart_x>, 指标, 数值
    chart_title: str = ""
    chart_unit: str = ""
    chart_mark: str = "line"                       # 'line' or 'bar'
    chart_x: str = "月份"

    @property
    def name(self) -> str:
        """The heading without its number: '二、企业上市' -> '企业上市'."""
        return heading_name(self.heading)


@dataclasses.dataclass(frozen=True)
class Brief:
    title: str
    subtitle: str
    period: Period
    scope: str
    sections: tuple[Section, ...]

    def text(self) -> str:
        """The draft as plain text: title, subtitle, then each heading and its paragraphs."""
        parts = [self.title, self.subtitle, ""]
        for s in self.sections:
            parts.append(s.heading)
            parts += list(s.paragraphs)
            parts.append("")
        return "\n".join(parts).rstrip() + "\n"

    @property
    def digest(self) -> str:
        return hashlib.sha1(self.text().encode("utf-8")).hexdigest()[:12]

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


NO_DATA = "本期暂无相关数据。"
FIGURE_COLUMNS = ["指标", "本期", "上年同期", "同比"]


def row(label: str, now, base, fmt, rate: bool = False, multiple: bool = False) -> dict | None:
    if now is None:
        return None
    change = (rate_change_text if rate else multiple_change_text if multiple else change_text)(now, base)
    return {"指标": label, "本期": fmt(now), "上年同期": "—" if base is None else fmt(base),
            "同比": (change or "—").replace("同比", "")}


def figure_table(rows: list[dict | None]) -> pd.DataFrame:
    return pd.DataFrame([r for r in rows if r], columns=FIGURE_COLUMNS)


class Writer:
    """Builds the sections of one brief (one database, scope and period)."""

    def __init__(self, db: sqlite_utils.Database, f: Filters, period: Period):
        self.db, self.p = db, period
        self.f = f.at(period.as_of)
        opts = load_options(db)
        self.months = opts.months
        self.town_names, self.bank_names = opts.town_names, opts.bank_names
        towns = "、".join(self.town_names[c] for c in self.f.towns) or "全县"
        banks = "、".join(self.bank_names[c] for c in self.f.banks)
        self.scope = towns + banks
        self.town_scope = towns     # IPO figures have no bank dimension
        self.tp = periods.time_progress(period.as_of)
        self.year_ago = self.f.at(periods.add_months(period.as_of, -12))
        # a year-to-date figure has no 同比 against a partial first year
        self.base_partial = periods.partial_year(period.first, self.year_ago.as_of)
        self.year_start = self.f.at(periods.previous_year_end(period.as_of))
        self.window = [m for m in periods.months_between(periods.add_months(period.as_of, -12), period.as_of)]

    def progress(self, key: str) -> targets.Progress:
        return targets.progress(self.db, self.f, areas.METRIC_BY_KEY[key])

    def ptext(self, p: targets.Progress) -> str | None:
        if p.partial:
            return partial_progress_text(p.target, p.metric.unit)
        return progress_text(p.actual, p.target, p.metric.unit, self.tp)

    def ytd_base(self, b):
        """The year-ago snapshot for a year-to-date figure: none in a partial year."""
        return None if self.base_partial else b

    def ranking(self, items: list[Ranked], what: str, by: str) -> str | None:
        bw = best_and_worst(items)
        if bw is None:
            return None
        best, worst = bw
        return (f"分{by}看，{what}最高的是{best.name}（{pct_text(best.value)}），"
                f"最低的是{worst.name}（{pct_text(worst.value)}）")

    def trend(self, fn, getters: dict[str, callable]) -> pd.DataFrame | None:
        rows = []
        for m in self.window:
            t = fn(self.db, self.f.at(m))
            if t is None:
                continue
            for label, get in getters.items():
                rows.append({"月份": m, "指标": label, "数值": money.to_yi(get(t), 2)})
        return pd.DataFrame(rows, columns=["月份", "指标", "数值"]) if rows else None


_AREA_PREFIXED = ("信用村", "小额信贷", "融资担保")


def issue_text(flag: Flag) -> str:
    """A red flag as prose: a KPI flag ('逾期率 3.2%，高于 2.0%') is named with its
    area, as the page shows it under the area's heading ('小额信贷逾期率3.2%…')."""
    text = tidy(flag.text)
    if flag.area in _AREA_PREFIXED and flag.area not in text:
        text = flag.area + text
    return text


MAX_ISSUES_IN_TEXT = 10


def gap_note(found: list[completeness.Gap]) -> str:
    """'数据说明：邮储银行未报送2024年6月信用村银行报表（授信、用信沿用5月数据）。'"""
    return "数据说明：" + "；".join(completeness.notice_lines(found)) + "。"
