"""总览: the county at a glance — one KPI row per area and the red flags."""
from __future__ import annotations

import dataclasses
from typing import Callable

import sqlite_utils

import pandas as pd

from . import completeness, credit, guarantees, indicators, ipo, microloans, money, periods, targets
from .config import THRESHOLDS, Thresholds
from .filters import Filters, scope_sql
from .kpi import COUNT, MONEY, RATIO, Kpi, compare


def _three(fn, db, f: Filters):
    """``fn`` at the month, the month before and the same month last year."""
    return (fn(db, f), fn(db, f.at(periods.add_months(f.as_of, -1))),
            fn(db, f.at(periods.add_months(f.as_of, -12))))


def credit_kpis(db: sqlite_utils.Database, f: Filters) -> list[Kpi]:
    now, prev, base = _three(credit.totals, db, f)
    return completeness.annotate([
        compare("credit_granted", "授信金额", MONEY, lambda t: t.granted_amount, now, prev, base),
        compare("credit_used", "用信金额", MONEY, lambda t: t.used_amount, now, prev, base),
        compare("credit_granted_hh", "授信户数", COUNT, lambda t: t.granted_households, now, prev, base, unit="户",
                help=credit.HOUSEHOLDS_HELP),
        compare("credit_used_hh", "用信户数", COUNT, lambda t: t.used_households, now, prev, base, unit="户",
                help=credit.HOUSEHOLDS_HELP),
        compare("credit_usage", "用信率", RATIO, lambda t: t.usage_rate, now, prev, base,
                help="用信金额 ÷ 授信金额"),
    ], completeness.gaps(db, f, ("credit-villages",)))


def microloan_kpis(db: sqlite_utils.Database, f: Filters) -> list[Kpi]:
    """The 小额信贷 page's KPIs the overview shows (the same values, flags and
    year-to-date handling); empty without data."""
    by = {k.key: k for k in microloans.kpis(db, f)}
    return [by[k] for k in ("ml_balance", "ml_households", "ml_new_hh", "ml_new_amount", "ml_overdue_rate")
            if k in by]


def guarantee_kpis(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> list[Kpi]:
    """The 融资担保 page's KPIs the overview shows."""
    by = {k.key: k for k in guarantees.kpis(db, f, th=th)}
    return [by[k] for k in ("g_outstanding", "g_borrowers", "g_leverage", "g_comp_rate")]


def ipo_kpis(db: sqlite_utils.Database, f: Filters) -> list[Kpi]:
    now, prev, base = _three(ipo.stage_counts, db, f)
    return [Kpi(f"ipo_{i}", stage, COUNT, now[stage], prev[stage], base[stage], unit="家",
                neutral=stage != ipo.LISTED)   # a company moving on empties its stage: not a fall
            for i, stage in enumerate(ipo.STAGES)]


def indicator_kpis(db: sqlite_utils.Database, f: Filters) -> list[Kpi]:
    """助企贷款, 五进走访, 资金互助关停, 防贫保 (the indicators ledger)."""
    return indicators.kpis(db, f)


def targets_table(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """Every annual target of the scope: the four areas, then the indicators."""
    frames = [t for t in (targets.progress_table(db, f), indicators.progress_table(db, f)) if not t.empty]
    if not frames:
        return targets.progress_table(db, f).assign(数据说明=[])
    table = pd.concat(frames, ignore_index=True)
    found = completeness.gaps(db, f)
    return table.assign(数据说明=[target_note(key, found) for key in table["key"]])


# target metric (by key prefix) -> the completeness feed behind its 累计完成, and whether it is a flow
_TARGET_FEEDS = (("credit_", "credit", False), ("microloan_", "microloans", True),
                 ("guarantee_", "guarantees", True), (indicators.TARGET_PREFIX, "indicators", True))


def target_note(key: str, found: list[completeness.Gap]) -> str:
    """'完成数含沿用9月数据（邮储银行）' / '完成数缺邮储银行10月数据' when a missing
    submission is behind a target's 累计完成, else ''."""
    for prefix, feed, flow in _TARGET_FEEDS:
        if key.startswith(prefix):
            mine = [g for g in found if g.feed == feed and
                    (feed != "indicators" or g.reporter == key[len(prefix):])]
            if not mine:
                return ""
            if feed == "indicators":
                return f"完成数缺{completeness.month_word(mine[0].month)}数据"
            (k,) = completeness.annotate([_KeyOnly(key)], mine, flows=(key,) if flow else ())
            return "完成数" + k.note
    return ""


@dataclasses.dataclass(frozen=True)
class _KeyOnly:
    key: str
    note: str | None = None


def bank_overdue_rates(db: sqlite_utils.Database, f: Filters) -> dict[str, float]:
    """逾期率 of each bank's microloans in the towns of ``f`` at ``f.as_of`` (the
    same figure as ``microloans.totals(...).overdue_rate`` for a one-bank scope),
    in one grouped query; banks with no balance are left out."""
    where, params = scope_sql(f, bank_col=None)
    return {code: overdue / balance for code, balance, overdue in db.execute(
        f"SELECT bank_code, SUM(balance), SUM(overdue_balance) FROM microloan_monthly "
        f"WHERE month = ?{where} GROUP BY bank_code", [f.as_of, *params]).fetchall() if balance}


# severities: 0 a missing submission (the figures below may rest on it), 1 a
# limit breached (regulatory or risk threshold), 2 behind a target or capital
# idle, 3 worth watching (a quota nearly used, a company stuck)
GAP, BREACH, BEHIND, WATCH = 0, 1, 2, 3


@dataclasses.dataclass(frozen=True)
class Flag:
    area: str          # 信用村 / 小额信贷 / 融资担保 / 企业上市 / 金融助企 / 报送情况
    text: str
    page: str          # url path of the page that explains it
    params: tuple[tuple[str, str], ...] = ()   # extra link parameters
    severity: int = BEHIND


# More flag sources, each ``(db, f) -> list[Flag]``, listed after this
# module's own and ranked with them (e.g. completeness.gap_flags: banks that
# have not reported). The overview page and both briefs read :func:`red_flags`.
EXTRA_FLAG_SOURCES: list[Callable[[sqlite_utils.Database, Filters], list[Flag]]] = []

# the page KPIs whose threshold flags are red flags: (area, page, kpi function)
_KPI_AREAS = (("信用村", "credit-villages", credit.kpis), ("小额信贷", "microloans", microloans.kpis),
              ("融资担保", "guarantees", guarantees.kpis))
_IDLE_KPI = "g_leverage"   # its flag is a breach above the cap, idle capital below the floor
_LOW_USE_KPI = "credit_usage"  # low use of granted credit: behind, not a limit breached
_TARGET_AREAS = (("credit_", "信用村", "credit-villages"), ("microloan_", "小额信贷", "microloans"),
                 ("guarantee_", "融资担保", "guarantees"), ("ipo_", "企业上市", "ipo"),
                 (indicators.TARGET_PREFIX, "金融助企", "briefing"))


def kpi_flags(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> list[Flag]:
    """Every threshold flag the area pages show on their KPI rows for the scope."""
    out = []
    for area, page, fn in _KPI_AREAS:
        for k in fn(db, f, th=th):
            if not k.flag:
                continue
            sev = BREACH
            if k.key == _LOW_USE_KPI or (k.key == _IDLE_KPI and k.value is not None
                                          and k.value < th.leverage_min):
                sev = BEHIND
            out.append(Flag(area, f"{k.label} {k.text()}，{k.flag}", page, severity=sev))
    return out


def target_flags(db: sqlite_utils.Database, f: Filters) -> list[Flag]:
    """The scope's annual targets behind 序时进度 (in December: missed); none in
    a partial first year (no comparable 完成率)."""
    out = []
    for row in targets_table(db, f).itertuples():
        if row.进度 != targets.BEHIND:
            continue
        area, page = next(((a, p) for prefix, a, p in _TARGET_AREAS if row.key.startswith(prefix)), ("", ""))
        if row.序时进度 >= 1:
            text = f"{row.指标}完成全年目标的 {money.fmt_pct(row.完成率)}，未完成全年目标"
        else:
            text = f"{row.指标}完成率 {money.fmt_pct(row.完成率)}，落后序时进度（{money.fmt_pct(row.序时进度)}）"
        out.append(Flag(area, text, page, severity=BEHIND))
    return out


def red_flags(db: sqlite_utils.Database, f: Filters, town_names: dict[str, str],
              bank_names: dict[str, str], th: Thresholds = THRESHOLDS) -> list[Flag]:
    """What the meeting must look at, for the scope of ``f``, most severe first:
    who did not report (every figure below may rest on carried data), the KPI
    threshold flags of the area pages, banks above the overdue line, targets
    behind (or missed), towns far behind their credit target, products near
    their quota, companies stuck in a stage, then :data:`EXTRA_FLAG_SOURCES`.
    One list for the overview page and the briefs."""
    flags: list[Flag] = [Flag("数据报送", g.text(), "data", severity=GAP) for g in completeness.gaps(db, f)]
    carried_banks = {g.reporter: g for g in completeness.gaps(db, f, ("microloans",))
                     if g.reporter_kind == completeness.BANK}
    for code in credit.unreported_towns(db, f):
        flags.append(Flag("信用村", f"{town_names[code]}本月没有任何银行报送信用村数据，未参与排名", "credit-villages",
                          (("town", town_names[code]),), GAP))
    flags += kpi_flags(db, f, th)
    # 小额信贷: banks whose overdue rate is above the line
    now = bank_overdue_rates(db, f)
    before = bank_overdue_rates(db, f.at(periods.add_months(f.as_of, -3)))
    for code in f.banks or tuple(bank_names):
        rate = now.get(code)
        if rate is not None and rate > th.overdue_rate_max:
            trend = f"（三个月前 {money.fmt_pct(before[code])}）" if before.get(code) is not None else ""
            if code in carried_banks:
                trend += f"（{carried_banks[code].label}）"
            flags.append(Flag("小额信贷", f"{bank_names[code]}小额信贷逾期率 {money.fmt_pct(rate)}{trend}，"
                              f"高于 {money.fmt_pct(th.overdue_rate_max)}", "microloans",
                              (("bank", bank_names[code]),), BREACH))
    flags += target_flags(db, f)
    # 信用村: towns behind their credit target by more than 10 points
    tp = periods.time_progress(f.as_of)
    completion = targets.town_completions(db, f.as_of, "credit_granted_increase")
    for code in f.towns or tuple(town_names):
        c = completion.get(code)
        if c is not None and c < tp - 0.10:
            flags.append(Flag("信用村", f"{town_names[code]}信用村新增授信完成率 {money.fmt_pct(c)}，"
                              f"落后序时进度（{money.fmt_pct(tp)}）", "credit-villages",
                              (("town", town_names[code]),), BEHIND))
    # 融资担保: products near their quota
    for name, quota, used in db.execute(
        """
        SELECT p.name, p.quota, COALESCE(SUM(g.outstanding), 0)
        FROM guarantee_products p LEFT JOIN guarantee_monthly g
          ON g.product_code = p.code AND g.month = ?
        GROUP BY p.code ORDER BY p.code
        """,
        [f.as_of],
    ).fetchall():
        share = money.safe_ratio(used, quota)
        if share is not None and share >= th.quota_warning:
            flags.append(Flag("融资担保", f"“{name}”已用合作授信额度 {money.fmt_pct(share)}"
                              f"（{money.fmt_wan(used, 0)} / {money.fmt_wan(quota, 0)}）", "guarantees",
                              (("product", name),), BREACH if share > 1 else WATCH))
    # 企业上市: companies longer in their stage than its typical limit (the IPO
    # page's own rule, so the overview and the page agree)
    board = ipo.pipeline(db, f)
    for row in board[board["stuck"]].itertuples():
        flags.append(Flag("企业上市", f"{row.name}处于{row.stage}已 {row.months} 个月"
                          f"（通常不超过 {row.limit:g} 个月）", "ipo", (("stage", row.stage),), WATCH))
    for source in EXTRA_FLAG_SOURCES:
        flags += source(db, f)
    return sorted(flags, key=lambda fl: fl.severity)
