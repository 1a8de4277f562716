"""信用村: credit granted (授信) and drawn (用信) by town, village and bank.

Reads the ``credit_monthly`` roll-up (per month, town and bank) and the
``villages`` reference table. 授信 figures are cumulative lines granted, 用信
figures month-end balances, as the banks report them (``credit_reports``: one
row per month, village and bank). Village-level tables read one month of
reports; nothing scans the whole ledger.

A bank that did not report a village for a month keeps its last report of the
previous ``expected_lookback_months`` months in the roll-up (carried forward,
DESIGN.md "Completeness"; :mod:`.rollups`): :func:`completeness` names the
banks and villages whose figures are carried and from which month, the trend
marks such months, and the rankings show 未报送 and never rank a bank whose
figures are carried.

The 信用村 page: :func:`kpis` (the KPI row, comparisons with the previous
month and the year start), :func:`trend`, :func:`town_ranking` (with the
year's targets and 序时进度), :func:`bank_ranking`, :func:`village_table`
(drill-down and the credit-village criteria of DESIGN.md), :func:`whatif`.
"""
from __future__ import annotations

import dataclasses
import math
from decimal import Decimal

import pandas as pd
import sqlite_utils

from . import money, periods, reuse, rollups, targets
from . import completeness as reporting   # credit.completeness is this module's village-level view
from .area import BEHIND, BREACH, GAP, Area, Flag, Names, kpi_flags
from .config import THRESHOLDS, Thresholds
from .filters import Filters, in_clause, scope_sql
from .filters import names as reference_names
from .kpi import COUNT, MONEY, RATIO, Kpi, compare
from .money import safe_ratio


@dataclasses.dataclass(frozen=True)
class CreditTotals:
    month: str
    granted_amount: int
    used_amount: int
    granted_households: int
    used_households: int
    npl_amount: int
    reports: int          # village-bank reports summed

    @property
    def usage_rate(self) -> float | None:
        """用信率 by amount: 用信金额 / 授信金额."""
        return safe_ratio(self.used_amount, self.granted_amount)

    @property
    def household_usage_rate(self) -> float | None:
        """用信率 by households: 用信户数 / 授信户数."""
        return safe_ratio(self.used_households, self.granted_households)

    @property
    def npl_rate(self) -> float | None:
        """不良率: 不良金额 / 用信金额."""
        return safe_ratio(self.npl_amount, self.used_amount)


def totals(db: sqlite_utils.Database, f: Filters) -> CreditTotals | None:
    """Totals for the scope at ``f.as_of``; None when no bank reported that month."""
    where, params = scope_sql(f)
    row = db.execute(
        f"""
        SELECT COUNT(*), SUM(granted_amount), SUM(used_amount), SUM(granted_households),
               SUM(used_households), SUM(npl_amount), SUM(villages)
        FROM credit_monthly WHERE month = ?{where}
        """,
        [f.as_of, *params],
    ).fetchone()
    if not row[0]:
        return None
    return CreditTotals(f.as_of, *(int(v) for v in row[1:]))


@dataclasses.dataclass(frozen=True)
class VillageCounts:
    villages: int
    credit_villages: int
    households: int
    rated_households: int        # 信用户 in credit villages


def village_counts(db: sqlite_utils.Database, f: Filters) -> VillageCounts:
    """Villages, credit villages and households of the towns in scope (banks do not apply)."""
    where, params = scope_sql(f, bank_col=None)
    row = db.execute(
        f"""
        SELECT COUNT(*), COALESCE(SUM(is_credit_village), 0), COALESCE(SUM(households), 0),
               COALESCE(SUM(CASE WHEN is_credit_village = 1 THEN rated_households ELSE 0 END), 0)
        FROM villages WHERE 1=1{where}
        """,
        params,
    ).fetchone()
    return VillageCounts(*(int(v) for v in row))


def coverage(db: sqlite_utils.Database, f: Filters) -> float | None:
    """授信覆盖率: 授信户数 / households of the towns in scope."""
    t = totals(db, f)
    counts = village_counts(db, f)
    if t is None:
        return None
    return safe_ratio(t.granted_households, counts.households)


# --- the 信用村 page ------------------------------------------------------------
# Every table below is display-ready: Chinese headers with the unit in brackets,
# money in 万元 (rounded half-up from integer 元 sums), percentages as numbers
# with one decimal ("45.3" for 45.3%). Raw sums are always added up as integers
# first and converted once, so a total never differs from its parts by rounding.

LOOKBACK_MONTHS = THRESHOLDS.expected_lookback_months  # a village-bank pair that reported this recently is expected
RANK_CHOICES = ("授信金额", "用信金额", "用信率", "新增授信完成率", "新增用信完成率")
WHATIF_DEFAULTS = {"usage_target": 0.60, "coverage_target": 0.45}
WHATIF_RANGES = {"usage_target": ("目标用信率", 0.0, 1.0),
                 "coverage_target": ("目标授信覆盖率", 0.0, 1.0)}
CREDIT_TARGETS = ("credit_granted_increase", "credit_used_increase")

_SUMS = ("SUM(granted_amount), SUM(used_amount), SUM(granted_households), "
         "SUM(used_households), SUM(npl_amount), SUM(villages), SUM(carried_villages), MIN(carried_from)")
# positions in a _SUMS tuple
_REPORTS, _CARRIED, _CARRIED_FROM = 5, 6, 7
_ZERO = (0, 0, 0, 0, 0, 0, 0, None)


pct = money.percent_of        # num / den as a table's percentage (one decimal, half-up)
ratio_pct = money.percent     # a ratio as a table's percentage


def _wan(yuan: int | None) -> float | None:
    return None if yuan is None else money.to_wan(yuan)


COUNT_COLUMNS = ("排名", "评定年度", "总户数", "信用户数", "授信户数", "用信户数", "报送数（村）",
                 "报送数（村·银行）", "需新增授信户数", "需新增用信户数")


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """A table whose count columns hold plain ints or None (not floats with NaN),
    so that CSV and Excel show 2026, not 2026.0."""
    df = pd.DataFrame(rows, columns=columns)
    for col in columns:
        if col in COUNT_COLUMNS:
            df[col] = pd.Series([None if pd.isna(v) else int(v) for v in df[col]], dtype=object, index=df.index)
    return df


def _by(db: sqlite_utils.Database, f: Filters, month: str, key: str) -> dict[str, tuple]:
    """Sums per town or bank (``key``) in scope at ``month``: code -> (granted,
    used, granted_hh, used_hh, npl, reports, carried reports, carried from)."""
    where, params = scope_sql(f)
    rows = db.execute(
        f"SELECT {key}, {_SUMS} FROM credit_monthly WHERE month = ?{where} GROUP BY {key}",
        [month, *params],
    ).fetchall()
    return {r[0]: tuple(int(v) for v in r[1:8]) + (r[8],) for r in rows}


def _carried_text(n: tuple, as_of: str) -> str:
    """'沿用5月数据' for a sums tuple with carried reports."""
    return f"沿用{_month_word(n[_CARRIED_FROM], as_of)}数据"


def _month_word(month: str, as_of: str) -> str:
    y, m = periods.parse_month(month)
    return f"{m}月" if y == periods.year_of(as_of) else f"{y}年{m}月"


def _has_month(db: sqlite_utils.Database, month: str) -> bool:
    return db.execute("SELECT 1 FROM credit_monthly WHERE month = ? LIMIT 1", [month]).fetchone() is not None


@dataclasses.dataclass(frozen=True)
class ReportedVillages:
    credit_villages: int       # credit villages with at least one report in scope
    rated_households: int      # their 信用户


def reported_villages(db: sqlite_utils.Database, f: Filters) -> ReportedVillages | None:
    """信用村数 / 信用户数 at ``f.as_of``: credit villages of the towns in scope that a
    bank in scope reported on that month (or whose report is carried forward),
    and their rated households. None when
    no bank in scope reported that month. (Ratings are kept only as the latest
    result, so a village counts in the months its banks report on it.)"""
    if totals(db, f) is None:
        return None
    twhere, tparams = scope_sql(f, town_col="v.town_code", bank_col=None)
    bwhere, bparams = scope_sql(f, town_col=None, bank_col="r.bank_code")
    # reported this month, or carried forward from the look-back window (a village-bank
    # pair's latest report in the window is what the roll-up holds for the month)
    row = db.execute(
        f"""
        SELECT COUNT(*), COALESCE(SUM(v.rated_households), 0) FROM villages v
        WHERE v.is_credit_village = 1{twhere}
          AND EXISTS (SELECT 1 FROM credit_reports r
                      WHERE r.month BETWEEN ? AND ? AND r.village_code = v.code{bwhere})
        """,
        [*tparams, periods.add_months(f.as_of, -LOOKBACK_MONTHS), f.as_of, *bparams],
    ).fetchone()
    return ReportedVillages(int(row[0]), int(row[1]))


# banks report households per village as totals, without household ids: a
# household with lines at two banks is counted by both and cannot be de-duplicated
HOUSEHOLDS_HELP = ("各银行按村报送的户数之和；银行只报送汇总数、不含农户名单，"
                   "同一农户在两家银行均有授信（用信）时计为两户，无法去重")


@reuse.shared
def kpis(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> list[Kpi]:
    """The KPI row: each value at ``f.as_of`` with the previous month and the year
    start (December of the previous year) as comparison bases."""
    months = (f.as_of, periods.add_months(f.as_of, -1), periods.previous_year_end(f.as_of))
    now, prev, base = (totals(db, f.at(m)) for m in months)
    cov = [coverage(db, f.at(m)) for m in months]
    rv = [reported_villages(db, f.at(m)) for m in months]
    kw = {"base_label": "较年初"}
    # balances also against the same month last year (DESIGN: 比年初增加 and 同比)
    year_ago = totals(db, f.at(periods.add_months(f.as_of, -12)))
    yoy = {"second": year_ago, "second_label": "同比", **kw}
    usage = compare("credit_usage", "用信率（金额）", RATIO, lambda t: t.usage_rate, now, prev, base,
                    help="用信金额 ÷ 授信金额", **kw)
    if usage.value is not None and usage.value < th.usage_rate_min:
        usage = dataclasses.replace(usage, flag=f"低于 {money.fmt_pct(th.usage_rate_min)}")
    npl = compare("credit_npl", "不良率", RATIO, lambda t: t.npl_rate, now, prev, base,
                  help="不良金额 ÷ 用信金额", good_when_up=False, **kw)
    if npl.value is not None and npl.value >= th.credit_village_npl_max:
        npl = dataclasses.replace(npl, flag=f"达到 {money.fmt_pct(th.credit_village_npl_max)}")
    items = [
        compare("credit_granted", "授信金额", MONEY, lambda t: t.granted_amount, now, prev, base,
                help="各银行累计授信额度之和", **yoy),
        compare("credit_used", "用信金额", MONEY, lambda t: t.used_amount, now, prev, base,
                help="各银行月末用信余额之和", **yoy),
        compare("credit_granted_hh", "授信户数", COUNT, lambda t: t.granted_households, now, prev, base,
                unit="户", help=HOUSEHOLDS_HELP, **yoy),
        compare("credit_used_hh", "用信户数", COUNT, lambda t: t.used_households, now, prev, base,
                unit="户", help=HOUSEHOLDS_HELP, **yoy),
        usage,
        compare("credit_usage_hh", "用信率（户数）", RATIO, lambda t: t.household_usage_rate, now, prev, base,
                help="用信户数 ÷ 授信户数", **kw),
        Kpi("credit_coverage", "授信覆盖率", RATIO, *cov, help="授信户数 ÷ 范围内乡镇总户数", **kw),
        compare("credit_villages", "信用村数", COUNT, lambda r: r.credit_villages, *rv, unit="个",
                help="当月有银行报送的信用村", **kw),
        compare("credit_rated_hh", "信用户数", COUNT, lambda r: r.rated_households, *rv, unit="户",
                help="上述信用村评定的信用户", **kw),
        npl,
    ]
    return reporting.annotate(items, reporting.gaps(db, f, ("credit-villages",)))


def trend(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """One row per month with reports in scope, up to ``f.as_of``. 报送不全 marks a
    month in which some village reports are carried forward from an earlier
    month (a bank did not report: "沿用X月数据"), or with fewer reports than in
    one of the ``LOOKBACK_MONTHS`` months before it."""
    where, params = scope_sql(f)
    rows = db.execute(
        f"SELECT month, {_SUMS} FROM credit_monthly WHERE month <= ?{where} GROUP BY month ORDER BY month",
        [f.as_of, *params],
    ).fetchall()
    reports = {r[0]: int(r[1 + _REPORTS]) for r in rows}
    out = []
    for m, g, u, gh, uh, _npl, n, carried, carried_from in rows:
        before = [reports[x] for x in (periods.add_months(m, -i) for i in range(1, LOOKBACK_MONTHS + 1))
                  if x in reports]
        gap = carried or (before and int(n) + int(carried) < max(before))
        out.append({"月份": m, "授信金额（万元）": _wan(g), "用信金额（万元）": _wan(u), "用信率（%）": pct(u, g),
                    "授信户数": int(gh), "用信户数": int(uh), "报送数（村·银行）": int(n),
                    "报送不全": "是" if gap else "",
                    "沿用数据": f"{int(carried)} 个村·银行沿用{_month_word(carried_from, m)}数据" if carried else ""})
    return _frame(out, ["月份", "授信金额（万元）", "用信金额（万元）", "用信率（%）", "授信户数", "用信户数",
                        "报送数（村·银行）", "报送不全", "沿用数据"])


def _town_targets(db: sqlite_utils.Database, f: Filters) -> dict[tuple[str, str], int]:
    """(metric, town) -> this year's target. Town targets cover all banks, so a
    bank-filtered view has none."""
    if f.banks:
        return {}
    clause, metrics = in_clause("metric", CREDIT_TARGETS)
    rows = db.execute(f"SELECT metric, scope_code, value FROM targets WHERE year = ? AND scope_type = 'town' "
                      f"AND {clause}", [f.year, *metrics]).fetchall()
    return {(m, c): int(v) for m, c, v in rows}


def _ranked(rows: list[dict], key: str) -> list[dict]:
    """Sort by ``key`` descending (missing last) and number 排名 (ties share a rank)."""
    rows = sorted(rows, key=lambda r: (r.get(key) is None, -(r.get(key) or 0)))
    last, rank = object(), 0
    for i, r in enumerate(rows, start=1):
        if r.get(key) is None:
            r["排名"] = None
            continue
        if r[key] != last:
            rank, last = i, r[key]
        r["排名"] = rank
    return rows


TOWN_COLUMNS = ["排名", "乡镇", "进度", "报送情况", "授信金额（万元）", "用信金额（万元）", "用信率（%）", "授信户数",
                "用信户数", "较年初新增授信（万元）", "新增授信目标（万元）", "新增授信完成率（%）",
                "较年初新增用信（万元）", "新增用信目标（万元）", "新增用信完成率（%）", "序时进度（%）"]
_RANK_COLUMN = {"授信金额": "授信金额（万元）", "用信金额": "用信金额（万元）", "用信率": "用信率（%）",
                "新增授信完成率": "新增授信完成率（%）", "新增用信完成率": "新增用信完成率（%）"}


def rank_column(rank_by: str) -> str:
    """The table column a ranking choice sorts by."""
    return _RANK_COLUMN.get(rank_by, _RANK_COLUMN[RANK_CHOICES[0]])


def town_ranking(db: sqlite_utils.Database, f: Filters, rank_by: str = RANK_CHOICES[0]) -> pd.DataFrame:
    """Towns in scope (all towns when none is chosen, those without credit included)
    at ``f.as_of``: amounts, 用信率, this year's increase against the town target
    (完成率) and 序时进度. 进度 is '落后' when a 完成率 is below 序时进度; 报送情况
    counts the village-bank reports missing this month (their figures carried
    forward, "沿用X月数据"). A town with no report at all this month (none to
    carry) shows no figures and is not ranked."""
    codes = f.towns or tuple(c for (c,) in db.execute("SELECT code FROM towns ORDER BY code").fetchall())
    names = reference_names(db, "towns")
    base_month = periods.previous_year_end(f.as_of)
    now, base = _by(db, f, f.as_of, "town_code"), _by(db, f, base_month, "town_code")
    has_base = _has_month(db, base_month)
    goals = _town_targets(db, f)
    tp = periods.time_progress(f.as_of)
    late = missing_reports(db, f).groupby("乡镇").size().to_dict()
    rows = []
    for code in codes:
        n = now.get(code)
        if n is None:
            rows.append({"乡镇": names[code], "报送情况": "本月无报送" if _reported_before(db, f, code) else "无报送记录",
                         "序时进度（%）": ratio_pct(tp)})
            continue
        b = base.get(code, _ZERO) if has_base else None
        inc_g = None if b is None else n[0] - b[0]
        inc_u = None if b is None else n[1] - b[1]
        tg, tu = goals.get((CREDIT_TARGETS[0], code)), goals.get((CREDIT_TARGETS[1], code))
        cg, cu = pct(inc_g, tg), pct(inc_u, tu)
        behind = [label for label, inc, goal in (("授信", inc_g, tg), ("用信", inc_u, tu))
                  if inc is not None and goal and inc / goal < tp]
        status = f"{late[names[code]]} 个村·银行未报送" if names[code] in late else ""
        if n[_CARRIED]:
            status += f"（{_carried_text(n, f.as_of)}）"
        rows.append({
            "乡镇": names[code], "报送情况": status,
            "授信金额（万元）": _wan(n[0]), "用信金额（万元）": _wan(n[1]),
            "用信率（%）": pct(n[1], n[0]), "授信户数": n[2], "用信户数": n[3],
            "较年初新增授信（万元）": _wan(inc_g), "新增授信目标（万元）": _wan(tg), "新增授信完成率（%）": cg,
            "较年初新增用信（万元）": _wan(inc_u), "新增用信目标（万元）": _wan(tu), "新增用信完成率（%）": cu,
            "序时进度（%）": ratio_pct(tp),
            "进度": ("落后：" + "、".join(behind)) if behind else ("正常" if cg is not None or cu is not None else None),
        })
    return _frame(_ranked(rows, rank_column(rank_by)), TOWN_COLUMNS)


def unreported_towns(db: sqlite_utils.Database, f: Filters) -> list[str]:
    """Towns in scope that banks in scope reported on before but not at all (nor
    carried) at ``f.as_of``, in a month others reported: shown as 本月无报送, never
    ranked, and named by the red flags and the brief."""
    if not _has_month(db, f.as_of):
        return []
    where, params = scope_sql(f)
    rows = db.execute(
        f"""SELECT DISTINCT town_code FROM credit_monthly WHERE month < ?{where}
            AND town_code NOT IN (SELECT town_code FROM credit_monthly WHERE month = ?{where})
            ORDER BY town_code""", [f.as_of, *params, f.as_of, *params]).fetchall()
    return [c for (c,) in rows]


def _reported_before(db: sqlite_utils.Database, f: Filters, town: str) -> bool:
    """Whether a bank in scope ever reported on the town before ``f.as_of``."""
    _, bparams = scope_sql(f, town_col=None)
    bwhere = scope_sql(f, town_col=None)[0]
    return db.execute(f"SELECT 1 FROM credit_monthly WHERE town_code = ? AND month < ?{bwhere} LIMIT 1",
                      [town, f.as_of, *bparams]).fetchone() is not None


# --- data completeness -----------------------------------------------------------
MISSING_COLUMNS = ["银行", "乡镇", "村", "最近报送月份"]


def missing_reports(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """Village-bank pairs in scope that reported in the ``LOOKBACK_MONTHS`` months
    before ``f.as_of`` but not in it. A bank that did not report simply has no
    row, so its figures are absent from that month's sums.

    The roll-up finds the towns and banks whose count of reporting villages at
    ``f.as_of`` is below their count in an earlier month of the window; only
    those are looked up in the ledger (one month's reports against the window)."""
    first, last = periods.add_months(f.as_of, -LOOKBACK_MONTHS), periods.add_months(f.as_of, -1)
    where, params = scope_sql(f, town_col="c.town_code", bank_col="c.bank_code")
    suspects = db.execute(
        f"""
        SELECT c.town_code, c.bank_code FROM credit_monthly c
        LEFT JOIN credit_monthly n ON n.month = ? AND n.town_code = c.town_code AND n.bank_code = c.bank_code
        WHERE c.month BETWEEN ? AND ?{where}
        GROUP BY c.town_code, c.bank_code
        HAVING MAX(c.villages) > COALESCE(MAX(n.villages), 0)
        """,
        [f.as_of, first, last, *params],
    ).fetchall()
    if not suspects:
        return pd.DataFrame([], columns=MISSING_COLUMNS)
    narrow = Filters(f.as_of, tuple(sorted({t for t, _ in suspects})), tuple(sorted({b for _, b in suspects})))
    twhere, tparams = scope_sql(narrow, town_col="v.town_code", bank_col=None)
    bwhere, bparams = scope_sql(narrow, town_col=None, bank_col="r.bank_code")
    rows = db.execute(
        f"""
        SELECT b.name, t.name, v.name, MAX(r.month)
        FROM credit_reports r
        JOIN villages v ON v.code = r.village_code
        JOIN towns t ON t.code = v.town_code
        JOIN banks b ON b.code = r.bank_code
        WHERE r.month BETWEEN ? AND ?{twhere}{bwhere}
          AND NOT EXISTS (SELECT 1 FROM credit_reports x WHERE x.month = ?
                          AND x.village_code = r.village_code AND x.bank_code = r.bank_code)
        GROUP BY r.village_code, r.bank_code
        ORDER BY r.bank_code, v.code
        """,
        [first, last, *tparams, *bparams, f.as_of],
    ).fetchall()
    return pd.DataFrame(rows, columns=MISSING_COLUMNS)


def _bank_names_reported(db: sqlite_utils.Database, f: Filters) -> list[tuple[str, int]]:
    """(bank name, villages reported) of the banks in scope with a report at ``f.as_of``."""
    where, params = scope_sql(f, town_col="c.town_code", bank_col="c.bank_code")
    return db.execute(
        f"""SELECT b.name, SUM(c.villages) FROM credit_monthly c JOIN banks b ON b.code = c.bank_code
            WHERE c.month = ? AND c.villages > 0{where} GROUP BY b.name""", [f.as_of, *params]).fetchall()


@dataclasses.dataclass(frozen=True)
class Completeness:
    month: str
    missing: pd.DataFrame          # pairs missing at ``month`` (MISSING_COLUMNS)
    prev_missing: int              # pairs missing in the previous month
    base_missing: int              # pairs missing at the year start (December)
    notes: tuple[str, ...]         # what the page says about it, in Chinese

    @property
    def complete(self) -> bool:
        return not self.notes


def completeness(db: sqlite_utils.Database, f: Filters) -> Completeness:
    """Which banks and villages did not report at ``f.as_of`` (and whether the
    comparison months were complete), so that unequal sets are not compared
    silently."""
    missing = missing_reports(db, f)
    prev_month = periods.add_months(f.as_of, -1)
    base_month = periods.previous_year_end(f.as_of)
    # a month without any credit report is not loaded at all: nothing is compared with it
    prev_n = len(missing_reports(db, f.at(prev_month))) if _has_month(db, prev_month) else 0
    base_n = len(missing_reports(db, f.at(base_month))) if _has_month(db, base_month) else 0
    notes = []
    if not _has_month(db, f.as_of):
        notes.append(f"{f.as_of} 尚无任何银行报送信用村数据。")
        missing = missing.iloc[0:0]
    reporting = {names_b for names_b, n in _bank_names_reported(db, f)}
    for bank, by_bank in missing.groupby("银行", sort=False):
        if bank not in reporting and by_bank["乡镇"].nunique() > 1:
            # the whole bank is missing: one line, not one per town
            last = by_bank["最近报送月份"].max()
            notes.append(f"{bank}未报送 {f.as_of} 的数据（{by_bank['乡镇'].nunique()} 个乡镇 {len(by_bank)} 个村），"
                         f"最近一次报送为 {last}；其授信、用信沿用{_month_word(last, f.as_of)}数据计入合计。")
            continue
        for town, group in by_bank.groupby("乡镇", sort=False):
            villages = "、".join(group["村"].head(5)) + ("等" if len(group) > 5 else "")
            last = group["最近报送月份"].max()
            notes.append(f"{bank}未报送{town} {len(group)} 个村（{villages}）{f.as_of} 的数据，最近一次报送为 {last}；"
                         f"这些村的授信、用信沿用{_month_word(last, f.as_of)}数据计入合计。")
    if prev_n:
        notes.append(f"上月（{prev_month}）有 {prev_n} 个村·银行未报送，“较上月”是与含沿用数据的上月相比。")
    if base_n:
        notes.append(f"年初（{base_month}）有 {base_n} 个村·银行未报送，“较年初”是与含沿用数据的年初相比。")
    return Completeness(f.as_of, missing, prev_n, base_n, tuple(notes))


# --- banks -----------------------------------------------------------------------
BANK_COLUMNS = ["排名", "银行", "报送情况", "授信金额（万元）", "用信金额（万元）", "用信率（%）", "授信户数",
                "用信户数", "不良率（%）", "较年初新增授信（万元）", "较年初新增用信（万元）", "报送数（村）"]


def bank_ranking(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """Banks in the town scope at ``f.as_of``, ranked by 授信金额. Listed: the chosen
    banks, or every bank that reported in scope in the last ``LOOKBACK_MONTHS``
    months. A bank with villages not reported this month shows its carried
    figures ("沿用X月数据") and is not ranked."""
    base_month = periods.previous_year_end(f.as_of)
    now, base = _by(db, f, f.as_of, "bank_code"), _by(db, f, base_month, "bank_code")
    has_base = _has_month(db, base_month)
    where, params = scope_sql(f)
    recent = {c for (c,) in db.execute(
        f"SELECT DISTINCT bank_code FROM credit_monthly WHERE month BETWEEN ? AND ?{where}",
        [periods.add_months(f.as_of, -LOOKBACK_MONTHS), f.as_of, *params]).fetchall()}
    missing = missing_reports(db, f)
    late = missing.groupby("银行").size().to_dict()
    rows = []
    for code, name in reference_names(db, "banks").items():
        if not (code in f.banks or (not f.banks and code in recent)):
            continue
        n = now.get(code)
        b = base.get(code, _ZERO) if has_base else None
        if n is None:
            status = "本月未报送" if code in recent else "无报送记录"
        elif n[_CARRIED]:
            status = ("本月未报送" if not n[_REPORTS] else f"{late.get(name, n[_CARRIED])} 个村未报送") + \
                f"（{_carried_text(n, f.as_of)}）"
        else:
            status = "已报送"
        rows.append({
            "银行": name,
            "授信金额（万元）": None if n is None else _wan(n[0]),
            "用信金额（万元）": None if n is None else _wan(n[1]),
            "用信率（%）": None if n is None else pct(n[1], n[0]),
            "授信户数": None if n is None else n[2], "用信户数": None if n is None else n[3],
            "不良率（%）": None if n is None else pct(n[4], n[1]),
            "较年初新增授信（万元）": None if n is None or b is None else _wan(n[0] - b[0]),
            "较年初新增用信（万元）": None if n is None or b is None else _wan(n[1] - b[1]),
            "报送数（村）": 0 if n is None else n[_REPORTS], "报送情况": status,
            "_unranked": n is None or bool(n[_CARRIED]),
        })
    ranked = _ranked([r for r in rows if not r["_unranked"]], "授信金额（万元）")
    unranked = [dict(r, 排名=None) for r in rows if r["_unranked"]]
    return _frame(ranked + unranked, BANK_COLUMNS)


# --- villages --------------------------------------------------------------------
VILLAGE_COLUMNS = ["乡镇", "村", "预警", "信用村", "评定年度", "总户数", "信用户数", "信用户占比（%）", "授信户数",
                   "授信金额（万元）", "用信户数", "用信金额（万元）", "用信率（%）", "不良占比（%）"]


def criteria_note(th: Thresholds = THRESHOLDS) -> str:
    """The village flags in words (DESIGN.md's credit-village criteria)."""
    return (f"预警标准：信用村的信用户占总户数低于 {money.fmt_pct(th.credit_village_rated_min, 0)}；"
            f"不良占比（不良 ÷ 用信）达到 {money.fmt_pct(th.credit_village_npl_max, 0)}；"
            f"有信用户但用信率低于 {money.fmt_pct(th.low_usage_rate, 0)}（或未授信）；"
            f"信用村评定早于上一年度（信用户每年评定）；本月有银行未报送。"
            f"“借款户无欠息占比 ≥{money.fmt_pct(th.credit_village_no_arrears_min, 0)}”一项银行未报送数据，未作判断。")


def village_flags(year: int, is_credit: bool, rating_year: int | None, households: int, rated: int,
                  granted: int | None, used: int | None, npl: int | None, late_banks: list[str],
                  th: Thresholds = THRESHOLDS) -> list[str]:
    """Why a village needs a look; empty when it meets the criteria."""
    flags = []
    if is_credit and households and rated / households < th.credit_village_rated_min:
        flags.append(f"信用户占比低于{money.fmt_pct(th.credit_village_rated_min, 0)}")
    if npl and used and npl / used >= th.credit_village_npl_max:
        flags.append(f"不良占比达{money.fmt_pct(th.credit_village_npl_max, 0)}")
    if rated > 0 and (is_credit or granted is not None) and not late_banks:  # usage of a full report only
        if not granted:
            flags.append("有信用户但未授信")
        elif (used or 0) / granted < th.low_usage_rate:
            flags.append("有信用户但几乎未用信")
    if is_credit and (rating_year is None or rating_year < year - th.credit_rating_max_age):
        flags.append("评定已过期" if rating_year else "无评定年度")
    if late_banks:
        flags.append("本月未报送：" + "、".join(late_banks))
    return flags


def village_table(db: sqlite_utils.Database, f: Filters, town: str | None = None,
                  flagged_only: bool = False, th: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """Villages of the towns in scope (or of ``town``, a code, for the drill-down) at
    ``f.as_of``, with the banks in scope summed. Listed: villages with a report in
    scope or an expected report missing, and — without a bank filter — every
    credit village. 预警 lists the criteria a village misses."""
    scope = dataclasses.replace(f, towns=(town,)) if town else f
    twhere, tparams = scope_sql(scope, town_col="v.town_code", bank_col=None)
    bwhere, bparams = scope_sql(scope, town_col=None, bank_col="bank_code")
    rows = db.execute(
        f"""
        WITH r AS (
            SELECT village_code, SUM(granted_households) AS gh, SUM(granted_amount) AS ga,
                   SUM(used_households) AS uh, SUM(used_amount) AS ua, SUM(npl_amount) AS npl
            FROM credit_reports WHERE month = ?{bwhere} GROUP BY village_code
        )
        SELECT t.name, v.name, v.is_credit_village, v.rating_year, v.households, v.rated_households,
               r.gh, r.ga, r.uh, r.ua, r.npl
        FROM villages v JOIN towns t ON t.code = v.town_code
        LEFT JOIN r ON r.village_code = v.code
        WHERE 1=1{twhere}
        ORDER BY v.town_code, v.code
        """,
        [f.as_of, *bparams, *tparams],
    ).fetchall()
    late: dict[tuple[str, str], list[str]] = {}
    for bank, town_name, village, _ in missing_reports(db, scope).itertuples(index=False):
        late.setdefault((town_name, village), []).append(bank)
    out = []
    for tname, vname, is_credit, rating_year, hh, rated, gh, ga, uh, ua, npl in rows:
        lb = late.get((tname, vname), [])
        if ga is None and not lb and (scope.banks or not is_credit):
            continue
        flags = village_flags(f.year, bool(is_credit), rating_year, hh, rated, ga, ua, npl, lb, th)
        if flagged_only and not flags:
            continue
        out.append({
            "乡镇": tname, "村": vname, "信用村": "是" if is_credit else "否", "评定年度": rating_year,
            "总户数": hh, "信用户数": rated, "信用户占比（%）": pct(rated, hh),
            "授信户数": gh, "授信金额（万元）": _wan(ga), "用信户数": uh, "用信金额（万元）": _wan(ua),
            "用信率（%）": pct(ua, ga), "不良占比（%）": pct(npl, ua), "预警": "；".join(flags),
        })
    return _frame(out, VILLAGE_COLUMNS)


# --- what-if ---------------------------------------------------------------------
WHATIF_COLUMNS = ["乡镇", "总户数", "授信户数", "授信覆盖率（%）", "需新增授信户数", "需新增授信（万元）",
                  "用信率（%）", "需新增用信（万元）", "需新增用信户数", "新增用信目标（万元）",
                  "已完成新增用信（万元）", "尚需完成目标（万元）", "测算后用信目标完成率（%）"]


def _ceil_share(rate: float, n: int) -> int:
    """ceil(rate × n) without float error (0.6 × 1000 is 600, not 601)."""
    return math.ceil(Decimal(str(rate)) * n)


@dataclasses.dataclass(frozen=True)
class WhatIf:
    table: pd.DataFrame            # WHATIF_COLUMNS, one row per town and 合计
    extra_granted_households: int  # totals over the towns (元 and 户)
    extra_granted: int | None
    extra_used: int | None
    extra_used_households: int
    target: int | None             # this year's 新增用信 target of the towns
    done: int | None               # 新增用信 so far this year
    remaining: int | None          # target - done, not below 0

    @property
    def completion_after(self) -> float | None:
        """(done + extra 用信) ÷ target: where the year would stand."""
        if self.target is None or self.done is None or self.extra_used is None:
            return None
        return safe_ratio(self.done + self.extra_used, self.target)


def whatif(db: sqlite_utils.Database, f: Filters, usage_target: float, coverage_target: float) -> WhatIf:
    """What it takes, per town in scope and in total, to reach ``coverage_target``
    (授信户数 ÷ households) and then ``usage_target`` (用信 ÷ 授信, applied to
    amounts and to households), at ``f.as_of`` with the banks in scope.

    New 授信 households get the town's current average line per household (the
    county's, with the banks in scope, where a town has none yet). The extra 用信 is compared with
    what remains of this year's 新增用信 target. 合计 is the sum of the towns'
    needs (a town above target does not offset another)."""
    codes = f.towns or tuple(c for (c,) in db.execute("SELECT code FROM towns ORDER BY code").fetchall())
    names = reference_names(db, "towns")
    households = dict(db.execute("SELECT town_code, SUM(households) FROM villages GROUP BY town_code").fetchall())
    base_month = periods.previous_year_end(f.as_of)
    now, base = _by(db, f, f.as_of, "town_code"), _by(db, f, base_month, "town_code")
    has_base = _has_month(db, base_month)
    goals = _town_targets(db, f)
    zero = _ZERO
    county = totals(db, Filters(f.as_of, (), f.banks))
    all_g, all_ga = (county.granted_households, county.granted_amount) if county else (0, 0)
    parts = []
    for code in codes:
        ga, ua, g, uh = now.get(code, zero)[:4]
        h = int(households.get(code) or 0)
        g_star = max(g, _ceil_share(coverage_target, h))
        dg = g_star - g
        line_num, line_den = (ga, g) if g else (all_ga, all_g)
        dga = (dg * line_num * 2 + line_den) // (2 * line_den) if line_den else (0 if dg == 0 else None)
        dua = None if dga is None else max(0, _ceil_share(usage_target, ga + dga) - ua)
        duh = max(0, _ceil_share(usage_target, g_star) - uh)
        done = ua - base.get(code, zero)[1] if has_base else None
        goal = goals.get((CREDIT_TARGETS[1], code))
        parts.append((names[code], h, g, ga, ua, dg, dga, dua, duh, goal, done))

    def row(name, h, g, ga, ua, dg, dga, dua, duh, goal, done):
        remaining = None if goal is None or done is None else max(0, goal - done)
        after = None if goal is None or done is None or dua is None else pct(done + dua, goal)
        return {"乡镇": name, "总户数": h, "授信户数": g, "授信覆盖率（%）": pct(g, h), "需新增授信户数": dg,
                "需新增授信（万元）": _wan(dga), "用信率（%）": pct(ua, ga), "需新增用信（万元）": _wan(dua),
                "需新增用信户数": duh, "新增用信目标（万元）": _wan(goal), "已完成新增用信（万元）": _wan(done),
                "尚需完成目标（万元）": _wan(remaining), "测算后用信目标完成率（%）": after}

    def total(i):
        values = [p[i] for p in parts]
        return None if any(v is None for v in values) else sum(values)

    out = [row(*p) for p in parts]
    if parts:
        out.append(row("合计", *(total(i) for i in range(1, 11))))
    goal, done = total(9), total(10)
    return WhatIf(_frame(out, WHATIF_COLUMNS), total(5) or 0, total(6), total(7), total(8) or 0, goal, done,
                  None if goal is None or done is None else max(0, goal - done))


def bank_usage_rates(db: sqlite_utils.Database, f: Filters) -> dict[str, float]:
    """用信率 (用信金额 ÷ 授信金额) of each bank with credit granted in the towns of
    ``f`` (the same figure as ``totals(...).usage_rate`` for a one-bank scope)."""
    where, params = scope_sql(f, bank_col=None)
    return {code: used / granted for code, granted, used in db.execute(
        f"SELECT bank_code, SUM(granted_amount), SUM(used_amount) FROM credit_monthly "
        f"WHERE month = ?{where} GROUP BY bank_code", [f.as_of, *params]).fetchall() if granted}


# --- the area: targets, red flags, registry entry ---------------------------------
def _increase(field: str):
    def actual(db, f: Filters) -> int | None:
        now = totals(db, f)
        base = totals(db, f.at(periods.previous_year_end(f.as_of)))
        if now is None or base is None:
            return None
        return getattr(now, field) - getattr(base, field)
    return actual


def _increase_by_town(col: str):
    def by_town(db, as_of: str) -> dict[str, int]:
        def level(month: str) -> dict[str, int]:
            return dict(db.execute(
                f"SELECT town_code, SUM({col}) FROM credit_monthly WHERE month = ? GROUP BY town_code",
                [month]).fetchall())
        now, base = level(as_of), level(periods.previous_year_end(as_of))
        return {c: now[c] - base[c] for c in now if c in base}
    return by_town


GRANTED_TARGET = targets.Metric("credit_granted_increase", "信用村新增授信", "万元", ("county", "town"),
                                _increase("granted_amount"), _increase_by_town("granted_amount"))
USED_TARGET = targets.Metric("credit_used_increase", "信用村新增用信", "万元", ("county", "town"),
                             _increase("used_amount"), _increase_by_town("used_amount"))
TOWN_BEHIND_POINTS = 0.10   # a town this far behind 序时进度 on new credit lines is a red flag


def flags(db: sqlite_utils.Database, f: Filters, names: Names, th: Thresholds = THRESHOLDS) -> list[Flag]:
    """信用村 red flags: towns no bank reported (never ranked), the KPI row's
    threshold flags (low use is behind, not a limit breached), towns far behind
    their credit-line target."""
    out = [Flag(AREA.title, f"{names.towns[code]}本月没有任何银行报送信用村数据，未参与排名", AREA.key,
                (("town", names.towns[code]),), GAP, subject=names.towns[code])
           for code in unreported_towns(db, f)]
    out += kpi_flags(AREA, kpis(db, f, th=th), lambda k: BEHIND if k.key == "credit_usage" else BREACH)
    tp = periods.time_progress(f.as_of)
    completion = targets.town_completions(db, f.as_of, GRANTED_TARGET)
    for code in f.towns or tuple(names.towns):
        c = completion.get(code)
        if c is not None and c < tp - TOWN_BEHIND_POINTS:
            out.append(Flag(AREA.title, f"{names.towns[code]}信用村新增授信完成率 {money.fmt_pct(c)}，"
                            f"落后序时进度（{money.fmt_pct(tp)}）", AREA.key, (("town", names.towns[code]),),
                            BEHIND, subject=names.towns[code], value=c, limit=tp))
    return out


AREA = Area(
    key="credit-villages", title="信用村", heading="信用村", kpis=kpis,
    overview=("credit_granted", "credit_used", "credit_granted_hh", "credit_used_hh", "credit_usage"),
    flags=flags, targets=(GRANTED_TARGET, USED_TARGET), refresh=lambda db, months=None, tables=None: rollups.refresh_credit(db, months),
    rollup_tables=("credit_monthly",),
    import_feeds=("credit",), completeness_feeds=("credit",), flow_targets=False,
)
