"""报送情况: who is expected to report each monthly feed, who did, when, and who is late.

The policy for a missing submission (DESIGN.md, "Completeness"), applied the same
way by every page, the overview, the brief and the exports:

- **Expected**: a reporter (bank, guarantee company, the IPO task force, an
  indicator's department) is expected to deliver a feed's month when it
  delivered it in one of the ``expected_lookback_months`` months before.
- **Reported**: read from the data itself (a bank's rows for the month); when
  the rows came from an import, ``submissions`` says when. A submission after
  day ``report_due_day`` of the next month is 逾期报送.
- **Balances** of a missing reporter carry its last reported month forward
  (credit-village reports per village and bank, a bank's microloan position,
  the guarantee company's net assets), labelled "沿用X月数据" wherever the figure
  appears. **Flows** of the missing month are missing, not zero: a year-to-date
  sum says it lacks that reporter's month. A missing reporter is never ranked.

Why carry balances: a balance does not fall to zero because a report is late,
and the meeting compares this month with last; dropping the bank (the old
behaviour) made the county total fall by the bank's whole book. A flow cannot be
carried (last month's disbursements did not happen again), so it is named as
incomplete instead.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from typing import Iterable

import pandas as pd
import sqlite_utils

from . import periods, reuse
from .config import THRESHOLDS, Thresholds
from .filters import Filters, scope_sql
from .filters import names as reference_names
from .indicators import BY_KEY as INDICATORS

BANK, GUARANTOR, TASK_FORCE, INDICATOR = "bank", "guarantor", "task_force", "indicator"
PROJECT = "project"                     # a 示范区 project (its unit reports the month's spending)
TASK_FORCE_CODE = "ipo"                 # the county's IPO task force (上市工作专班) reports the notes
TASK_FORCE_NAME = "上市工作专班"

# matrix cells: 已报 MM-DD = 已报送 on that day; 逾期 MM-DD = 逾期报送 (after the due day)
REPORTED, LATE, MISSING, NOT_DUE, NOT_EXPECTED = "已报", "逾期", "未报送", "未到期", "—"
NOBODY = "本月尚无任何单位报送，不显示本月数据"


@dataclasses.dataclass(frozen=True)
class Feed:
    key: str                 # completeness feed (named after its import source)
    title: str
    reporter: str            # BANK / GUARANTOR / TASK_FORCE / INDICATOR
    area: str                # page key of the area it feeds
    sources: tuple[str, ...]  # import sources that deliver it
    carried: str             # what a missing month means for the figures, in words
    town_col: str | None     # the roll-up's town column, when the feed reports by town
    bank_col: str | None
    rollup_carry: bool = False   # carried forward in the roll-ups (only in months someone reported)


FEEDS: tuple[Feed, ...] = (
    Feed("credit", "信用村银行报表", BANK, "credit-villages", ("credit",),
         "授信、用信沿用{last}数据", "town_code", "bank_code", True),
    Feed("microloans", "小额信贷台账/月末状态", BANK, "microloans", ("microloans", "microloan_status"),
         "余额、逾期沿用{last}数据，当月投放、贴息缺失", "town_code", "bank_code", True),
    Feed("guarantees", "担保合同", GUARANTOR, "guarantees", ("guarantees",),
         "在保余额按已报送合同计算，当月新增缺失", None, None),
    Feed("guarantor", "担保公司净资产", GUARANTOR, "guarantees", ("guarantor",),
         "净资产沿用{last}数据", None, None),
    Feed("ipo_notes", "上市调度记录", TASK_FORCE, "ipo", ("ipo_notes", "ipo_events"),
         "当月无调度记录", None, None),
    Feed("bank_reports", "银行存贷款月报", BANK, "banks", ("bank_reports",),
         "余额沿用{last}数据，当年累计缺失", "town_code", "bank_code", True),
    Feed("indicators", "指标台账", INDICATOR, "briefing", ("indicators",),
         "当月数值缺失", None, None),
    Feed("fiscal_zone_spending", "示范区资金支出", PROJECT, "fiscal", ("fiscal_zone_spending",),
         "当月支出缺失", None, None),
)
BY_KEY = {feed.key: feed for feed in FEEDS}
SOURCE_FEED = {source: feed.key for feed in FEEDS for source in feed.sources}


def _reported_sql(feed: Feed, f: Filters | None, by_town: bool = False) -> tuple[str, list]:
    """``SELECT reporter, month[, town]`` of the months a reporter delivered, for
    months between two ``?`` (in the scope of ``f``'s towns for the feeds that
    report by town; ``by_town`` adds the town as a third column)."""
    where, params = ("", []) if f is None or feed.town_col is None else scope_sql(f, feed.town_col, None)
    town = ", town_code" if by_town and feed.town_col else ""
    group = "GROUP BY 1, 2, 3" if town else "GROUP BY 1, 2"
    if feed.key == "credit":
        return (f"SELECT bank_code, month{town} FROM credit_monthly WHERE villages > 0 AND month BETWEEN ? AND ?"
                f"{where} {group}"), params
    if feed.key == "microloans":
        return (f"SELECT bank_code, month{town} FROM microloan_monthly WHERE carried_from IS NULL AND month "
                f"BETWEEN ? AND ?{where} {group} HAVING SUM(loans) > 0"), params
    if feed.key == "guarantees":
        # the contract ledger: a month with a new or released contract, or an import for it (one
        # look-up per month and product in idx_guarantee_monthly_activity, not a scan of the months)
        return ("""WITH RECURSIVE months(m) AS (
                       SELECT ?1 WHERE ?1 <= ?2 UNION ALL
                       SELECT strftime('%Y-%m', m || '-01', '+1 month') FROM months WHERE m < ?2)
                   SELECT p.guarantor_code, months.m FROM months, guarantee_products p
                   WHERE EXISTS (SELECT 1 FROM guarantee_monthly g WHERE g.month = months.m
                                 AND g.product_code = p.code AND (g.new_count > 0 OR g.released_count > 0))
                   GROUP BY 1, 2
                   UNION SELECT reporter, month FROM submissions
                   WHERE feed = 'guarantees' AND month BETWEEN ?1 AND ?2"""), []
    if feed.key == "guarantor":
        return "SELECT guarantor_code, month FROM guarantor_monthly WHERE month BETWEEN ? AND ?", []
    if feed.key == "ipo_notes":
        return (f"SELECT '{TASK_FORCE_CODE}', month FROM ipo_notes WHERE month BETWEEN ? AND ? GROUP BY month"), []
    if feed.key == "bank_reports":   # a county-wide report (town '') is outside a town scope
        return (f"SELECT bank_code, month{town} FROM bank_monthly WHERE carried_from IS NULL AND month "
                f"BETWEEN ? AND ?{where} {group}"), params
    if feed.key == "indicators":
        return "SELECT indicator, month FROM indicators WHERE month BETWEEN ? AND ? GROUP BY 1, 2", []
    if feed.key == "fiscal_zone_spending":
        return "SELECT project_code, month FROM zone_spending WHERE month BETWEEN ? AND ? GROUP BY 1, 2", []
    raise ValueError(f"unknown feed {feed.key!r}")


def _rows(db: sqlite_utils.Database, feed: Feed, start: str, end: str, f: Filters | None,
          by_town: bool = False) -> list[tuple]:
    sql, params = _reported_sql(feed, f, by_town)
    args = [start, end] if "?1" in sql else [start, end, *params]
    return db.execute(sql, args).fetchall()


def reported(db: sqlite_utils.Database, feed: Feed, start: str, end: str,
             f: Filters | None = None) -> set[tuple[str, str]]:
    """(reporter, month) pairs delivered between ``start`` and ``end``."""
    return {(str(r[0]), r[1]) for r in _rows(db, feed, start, end, f)}


def reporter_names(db: sqlite_utils.Database) -> dict[tuple[str, str], str]:
    """(reporter kind, code) -> the name shown on screen."""
    names = {(BANK, c): n for c, n in reference_names(db, "banks").items()}
    names.update({(GUARANTOR, c): n for c, n in reference_names(db, "guarantors").items()})
    names[(TASK_FORCE, TASK_FORCE_CODE)] = TASK_FORCE_NAME
    names.update({(INDICATOR, k): ind.name for k, ind in INDICATORS.items()})
    names.update({(PROJECT, c): n for c, n in db.execute("SELECT code, name FROM zone_projects").fetchall()})
    return names


# --- one month, one scope --------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Gap:
    """A missing submission: ``reporter`` did not deliver ``feed`` for ``month``
    (for the towns in ``towns`` only, when it delivered the others)."""

    feed: str
    feed_title: str
    area: str
    reporter: str
    reporter_kind: str
    reporter_name: str
    month: str
    last: str | None          # the last month it did deliver (within the look-back)
    carried: str              # what the figures do about it
    towns: tuple[str, ...] = ()   # names of the towns missing, when not all

    @property
    def label(self) -> str:
        """'余额沿用9月数据' where a balance is carried, else the feed's words."""
        return self.carried.format(last=month_word(self.last, self.month) if self.last else "—")

    def what(self) -> str:
        where = f"{'、'.join(self.towns)}的" if self.towns else ""
        return f"{where}{self.feed_title}（{self.label}）"

    def text(self) -> str:
        return f"{self.reporter_name}未报送{month_word(self.month)}{self.what()}"


def month_word(month: str, relative_to: str | None = None) -> str:
    """'2026年10月', or '9月' within the year of ``relative_to``."""
    y, m = periods.parse_month(month)
    if relative_to and periods.year_of(relative_to) == y:
        return f"{m}月"
    return f"{y}年{m}月"


def _in_scope(feed: Feed, code: str, f: Filters) -> bool:
    return feed.reporter != BANK or not f.banks or code in f.banks


def gaps(db: sqlite_utils.Database, f: Filters, areas: Iterable[str] | None = None,
         th: Thresholds = THRESHOLDS) -> list[Gap]:
    """Missing submissions at ``f.as_of`` for the scope of ``f``, in feed order.
    Bank feeds reported by town count a bank as missing in each town of the
    scope where it reported before and not now. ``areas``: only the feeds of
    these page keys (each feed is judged on its own, so inside a
    :func:`finance_core.reuse.once` block they are taken from every feed's gaps,
    computed once for the block)."""
    wanted = set(areas) if areas is not None else None
    if wanted is not None and not reuse.active():
        return _gaps(db, f, wanted, th)
    found = _every_gap(db, f, th)
    return found if wanted is None else [g for g in found if g.area in wanted]


@reuse.shared
def _every_gap(db: sqlite_utils.Database, f: Filters, th: Thresholds) -> list[Gap]:
    return _gaps(db, f, None, th)


def _gaps(db: sqlite_utils.Database, f: Filters, wanted: set[str] | None, th: Thresholds) -> list[Gap]:
    lo = periods.add_months(f.as_of, -th.expected_lookback_months)
    names = reporter_names(db)
    town_names = reference_names(db, "towns")
    out: list[Gap] = []
    for feed in FEEDS:
        if wanted is not None and feed.area not in wanted:
            continue
        by_town = feed.town_col is not None
        last: dict[tuple, str] = {}
        now: set[tuple] = set()
        for row in _rows(db, feed, lo, f.as_of, f, by_town):
            unit = (str(row[0]),) + tuple(row[2:])      # (reporter[, town])
            if row[1] == f.as_of:
                now.add(unit)
            elif row[1] > last.get(unit, ""):
                last[unit] = row[1]
        missing: dict[str, list[tuple]] = {}
        for unit in sorted(set(last) - now):
            if _in_scope(feed, unit[0], f):
                missing.setdefault(unit[0], []).append(unit)
        # the roll-ups carry a missing reporter only in a month someone reported
        # (a month nobody delivered yet is not a data month of the feed)
        carried = feed.carried if now or not feed.rollup_carry else NOBODY
        for code, units in missing.items():
            partial = by_town and any(u[0] == code for u in now)
            towns = tuple(town_names.get(u[1], u[1]) for u in units) if partial else ()
            out.append(Gap(feed.key, feed.title, feed.area, code, feed.reporter,
                           names.get((feed.reporter, code), code), f.as_of,
                           max(last[u] for u in units), carried, towns))
    return out


def note(found: list[Gap], flow: bool) -> str:
    """What missing submissions mean for one figure: a balance '含沿用9月数据（邮储银行）',
    a flow '缺邮储银行10月数据' ('' when nothing is missing)."""
    if not found:
        return ""
    who = "、".join(dict.fromkeys(g.reporter_name for g in found))
    month = found[0].month
    if flow:
        return f"缺{who}{month_word(month, month)}数据"
    since = min((g.last for g in found if g.last), default=None)
    if since and found[0].carried != NOBODY:
        return f"含沿用{month_word(since, month)}数据（{who}）"
    return f"{who}未报送"


def annotate(kpis: list, found: list[Gap], flows: Iterable[str] = (), only: Iterable[str] | None = None) -> list:
    """Put the missing submissions on the KPIs they touch (``Kpi.note``, see
    :func:`note`): a flow is a KPI whose key is in ``flows``. ``only``: just these
    KPI keys (e.g. the company-wide leverage)."""
    if not found:
        return kpis
    flows, only = set(flows), (set(only) if only is not None else None)
    return [dataclasses.replace(k, note=note(found, k.key in flows)) if only is None or k.key in only else k
            for k in kpis]


def notice_lines(found: list[Gap]) -> list[str]:
    """One Chinese line per reporter and month, the feeds it missed named."""
    by_reporter: dict[tuple[str, str], list[Gap]] = {}
    for g in found:
        by_reporter.setdefault((g.reporter_name, g.month), []).append(g)
    lines = []
    for (name, month), items in by_reporter.items():
        what = "；".join(g.what() for g in items)
        lines.append(f"{name}未报送{month_word(month)}{what}")
    return lines


def summary_line(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> str:
    """The overview's one line: '月度报送情况（2026年10月）：应报 14 项，已报 13 项；未报送：…'."""
    expected = reported_count = 0
    lo = periods.add_months(f.as_of, -th.expected_lookback_months)
    for feed in FEEDS:
        pairs = reported(db, feed, lo, f.as_of, f)
        exp = {r for r, m in pairs if m < f.as_of and _in_scope(feed, r, f)}
        got = {r for r, m in pairs if m == f.as_of and _in_scope(feed, r, f)}
        expected += len(exp | got)
        reported_count += len(got)
    found = gaps(db, f, th=th)
    late = sum(1 for (feed, r, m), at in _submission_times(db, f.as_of, f.as_of).items()
               if _is_late(m, at, th) and _in_scope(BY_KEY[feed], r, f))
    head = f"月度报送情况（{month_word(f.as_of)}）：应报 {expected} 项，已报 {reported_count} 项"
    if late:
        head += f"（其中逾期报送 {late} 项）"
    if not found:
        return head + "，没有未报送的。"
    names = list(dict.fromkeys(g.reporter_name for g in found))
    return head + f"，未报送 {len(found)} 项：" + "、".join(names) + "。"


# --- the matrix ----------------------------------------------------------------------------------
def due_date(month: str, th: Thresholds = THRESHOLDS) -> dt.date:
    """A month's report is due by day ``report_due_day`` of the next month."""
    nxt = periods.month_start(periods.add_months(month, 1))
    return nxt.replace(day=min(th.report_due_day, 28))


def _is_late(month: str, submitted_at: str | None, th: Thresholds) -> bool:
    return bool(submitted_at) and dt.date.fromisoformat(submitted_at[:10]) > due_date(month, th)


def _submission_times(db: sqlite_utils.Database, start: str, end: str) -> dict[tuple[str, str, str], str]:
    """(feed, reporter, month) -> the earliest submission time whose import is not undone."""
    rows = db.execute(
        """
        SELECT s.feed, s.reporter, s.month, MIN(s.submitted_at) FROM submissions s
        LEFT JOIN import_log l ON l.id = s.import_id
        WHERE s.month BETWEEN ? AND ? AND (s.import_id IS NULL OR l.undone_at IS NULL)
        GROUP BY s.feed, s.reporter, s.month
        """,
        [start, end],
    ).fetchall()
    return {(feed, r, m): at for feed, r, m, at in rows}


MATRIX_FIXED = ["数据源", "报送单位"]


def matrix(db: sqlite_utils.Database, end: str, months: int = 6, th: Thresholds = THRESHOLDS,
           today: dt.date | None = None) -> pd.DataFrame:
    """Reporter × feed × the ``months`` months up to ``end``: 已报 (已报送) / 逾期
    (逾期报送) with the submission date, 未报送 (or 未到期 before the due day); '—'
    where a reporter was not expected (no delivery in the look-back before)."""
    today = today or dt.date.today()
    shown = [periods.add_months(end, -i) for i in range(months - 1, -1, -1)]
    lo = periods.add_months(shown[0], -th.expected_lookback_months)
    times = _submission_times(db, shown[0], end)
    names = reporter_names(db)
    rows = []
    for feed in FEEDS:
        pairs = reported(db, feed, lo, end)
        by_reporter: dict[str, set[str]] = {}
        for r, m in pairs:
            by_reporter.setdefault(r, set()).add(m)
        for code in sorted(by_reporter):
            got = by_reporter[code]
            if not any(m in got or _expected(got, m, th) for m in shown):
                continue
            row = {"数据源": feed.title, "报送单位": names.get((feed.reporter, code), code)}
            for m in shown:
                at = times.get((feed.key, code, m))
                when = f" {at[5:10]}" if at else ""
                if m in got:
                    row[m] = (LATE if _is_late(m, at, th) else REPORTED) + when
                elif _expected(got, m, th):
                    row[m] = NOT_DUE if today <= due_date(m, th) else MISSING
                else:
                    row[m] = NOT_EXPECTED
            rows.append(row)
    return pd.DataFrame(rows, columns=MATRIX_FIXED + shown)


def _expected(got: set[str], month: str, th: Thresholds) -> bool:
    lo = periods.add_months(month, -th.expected_lookback_months)
    return any(lo <= m < month for m in got)


# --- writing ---------------------------------------------------------------------------------------
def record(conn, source: str, pairs: Iterable[tuple[str, str]], submitted_at: str,
           import_id: int | None) -> None:
    """Note that an import (``import_id``) of ``source`` delivered (reporter, month)."""
    feed = SOURCE_FEED.get(source)
    if feed is None:
        return
    conn.executemany(
        "INSERT OR IGNORE INTO submissions (feed, reporter, month, submitted_at, import_id) VALUES (?, ?, ?, ?, ?)",
        [(feed, str(r), m, submitted_at, import_id) for r, m in sorted(set(pairs)) if r is not None and m],
    )


def record_demo(conn, seed: int, late_bank: str | None = None) -> None:
    """Submission times for the demo county: each reporter's month delivered on a
    working day between the 3rd and the 9th of the next month; ``late_bank``
    delivers every third month after the due day (逾期报送)."""
    db = sqlite_utils.Database(conn)
    (first, last) = db.execute(
        "SELECT MIN(m), MAX(m) FROM (SELECT month AS m FROM credit_reports UNION ALL "
        "SELECT month FROM microloan_monthly UNION ALL SELECT month FROM guarantor_monthly)").fetchone()
    if first is None:
        return
    rows = []
    for feed in FEEDS:
        for reporter, month in sorted(reported(db, feed, first, last)):
            digest = hashlib.sha256(f"{seed}|{feed.key}|{reporter}|{month}".encode()).digest()
            day = 3 + digest[0] % 7
            if reporter == late_bank and periods.parse_month(month)[1] % 3 == 0:
                day = THRESHOLDS.report_due_day + 2 + digest[1] % 5
            nxt = periods.month_start(periods.add_months(month, 1)).replace(day=day)
            at = f"{nxt.isoformat()}T{9 + digest[2] % 8:02d}:{digest[3] % 60:02d}:00"
            rows.append((feed.key, reporter, month, at, None))
    conn.executemany("INSERT OR IGNORE INTO submissions VALUES (?, ?, ?, ?, ?)", rows)


def import_pairs(db: sqlite_utils.Database, source: str,
                 tables: dict[str, tuple[tuple[str, ...], Iterable[tuple], Iterable]]) -> set[tuple[str, str]]:
    """(reporter, month) pairs an import of ``source`` delivers. ``tables`` maps a
    table to (its fields, its rows, its replacement groups)."""
    out: set[tuple[str, str]] = set()
    for table, (fields, rows, groups) in tables.items():
        if table in ("credit_reports", "microloan_status", "bank_reports"):
            out.update((bank, month) for month, bank in groups)     # groups: (month, bank)
            continue
        idx = {name: i for i, name in enumerate(fields)}
        for row in rows:
            if table == "microloans":
                out.add((row[idx["bank_code"]], str(row[idx["disbursed_on"]])[:7]))
            elif table == "guarantee_contracts":
                (guarantor,) = db.execute("SELECT guarantor_code FROM guarantee_products WHERE code = ?",
                                          [row[idx["product_code"]]]).fetchone() or (None,)
                out.add((guarantor, str(row[idx["start_on"]])[:7]))
            elif table == "guarantor_monthly":
                out.add((row[idx["guarantor_code"]], row[idx["month"]]))
            elif table == "ipo_notes":
                out.add((TASK_FORCE_CODE, row[idx["month"]]))
            elif table == "ipo_events":
                out.add((TASK_FORCE_CODE, str(row[idx["event_date"]])[:7]))
            elif table == "indicators":
                out.add((row[idx["indicator"]], row[idx["month"]]))
            elif table == "zone_spending":
                out.add((row[idx["project_code"]], row[idx["month"]]))
    return {(r, m) for r, m in out if r is not None and periods.is_month(str(m))}
