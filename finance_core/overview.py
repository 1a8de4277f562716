"""总览: the county at a glance — one KPI row per area and the red flags."""
from __future__ import annotations

import dataclasses

import sqlite_utils

import pandas as pd

from . import completeness, credit, guarantees, indicators, ipo, microloans, money, periods, targets
from .config import THRESHOLDS, Thresholds
from .filters import Filters, scope_sql
from .kpi import COUNT, MONEY, MULTIPLE, RATIO, Kpi, compare


def _three(fn, db, f: Filters):
    """``fn`` at the month, the month before and the same month last year."""
    return (fn(db, f), fn(db, f.at(periods.add_months(f.as_of, -1))),
            fn(db, f.at(periods.add_months(f.as_of, -12))))


def credit_kpis(db: sqlite_utils.Database, f: Filters) -> list[Kpi]:
    now, prev, base = _three(credit.totals, db, f)
    return completeness.annotate([
        compare("credit_granted", "授信金额", MONEY, lambda t: t.granted_amount, now, prev, base),
        compare("credit_used", "用信金额", MONEY, lambda t: t.used_amount, now, prev, base),
        compare("credit_granted_hh", "授信户数", COUNT, lambda t: t.granted_households, now, prev, base, unit="户"),
        compare("credit_used_hh", "用信户数", COUNT, lambda t: t.used_households, now, prev, base, unit="户"),
        compare("credit_usage", "用信率", RATIO, lambda t: t.usage_rate, now, prev, base,
                help="用信金额 ÷ 授信金额"),
    ], completeness.gaps(db, f, ("credit-villages",)))


def microloan_kpis(db: sqlite_utils.Database, f: Filters) -> list[Kpi]:
    now, prev, base = _three(microloans.totals, db, f)
    overdue = compare("ml_overdue_rate", "逾期率", RATIO, lambda t: t.overdue_rate, now, prev, base,
                      help="逾期贷款余额 ÷ 贷款余额", good_when_up=False)
    if overdue.value is not None and overdue.value > THRESHOLDS.overdue_rate_max:
        overdue = dataclasses.replace(overdue, flag=f"高于 {money.fmt_pct(THRESHOLDS.overdue_rate_max)}")
    return completeness.annotate([
        compare("ml_balance", "贷款余额", MONEY, lambda t: t.balance, now, prev, base),
        compare("ml_households", "在贷户数", COUNT, lambda t: t.households, now, prev, base, unit="户"),
        compare("ml_new_hh", "当年新增投放户数", COUNT, lambda t: t.new_households_ytd, now, prev, base, unit="户"),
        compare("ml_new_amount", "当年新增投放金额", MONEY, lambda t: t.new_amount_ytd, now, prev, base),
        overdue,
    ], completeness.gaps(db, f, ("microloans",)), flows=microloans.FLOW_KPIS)


def guarantee_kpis(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> list[Kpi]:
    now, prev, base = _three(guarantees.totals, db, f)
    lev = [guarantees.leverage(db, m) for m in
           (f.as_of, periods.add_months(f.as_of, -1), periods.add_months(f.as_of, -12))]
    lev_kpi = Kpi("g_leverage", "放大倍数（全公司）", MULTIPLE, lev[0], lev[1], lev[2],
                  help="全公司在保余额 ÷ 净资产（不随乡镇、银行筛选变化）")
    flag = guarantees.leverage_flag(lev[0], guarantees.leverage_limit(db, f.as_of, th), th)
    if flag:
        lev_kpi = dataclasses.replace(lev_kpi, flag=flag)
    comp = compare("g_comp_rate", "当年代偿率", RATIO, lambda t: t.compensation_rate, now, prev, base,
                   help="当年代偿金额 ÷ 当年解保金额", good_when_up=False)
    if comp.value is not None and comp.value > th.compensation_rate_max:
        comp = dataclasses.replace(comp, flag=f"高于容忍度 {money.fmt_pct(th.compensation_rate_max)}")
    return completeness.annotate([
        compare("g_outstanding", "在保余额", MONEY, lambda t: t.outstanding, now, prev, base),
        compare("g_count", "在保户数", COUNT, lambda t: t.outstanding_count, now, prev, base, unit="户"),
        lev_kpi,
        comp,
    ], [g for g in completeness.gaps(db, f, ("guarantees",)) if g.feed == "guarantor"], only=("g_leverage",))


def ipo_kpis(db: sqlite_utils.Database, f: Filters) -> list[Kpi]:
    now, prev, base = _three(ipo.stage_counts, db, f)
    return [Kpi(f"ipo_{i}", stage, COUNT, now[stage], prev[stage], base[stage], unit="家")
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


@dataclasses.dataclass(frozen=True)
class Flag:
    area: str          # 信用村 / 小额信贷 / 融资担保 / 企业上市
    text: str
    page: str          # url path of the page that explains it
    params: tuple[tuple[str, str], ...] = ()   # extra link parameters


def red_flags(db: sqlite_utils.Database, f: Filters, town_names: dict[str, str],
              bank_names: dict[str, str], th: Thresholds = THRESHOLDS) -> list[Flag]:
    """What the meeting must look at, for the scope of ``f``: first who did not
    report (every figure below may rest on carried data), then the thresholds."""
    flags: list[Flag] = [Flag("数据报送", g.text(), "data") for g in completeness.gaps(db, f)]
    carried_banks = {g.reporter: g for g in completeness.gaps(db, f, ("microloans",))
                     if g.reporter_kind == completeness.BANK}
    tp = periods.time_progress(f.as_of)
    # 信用村: towns behind their credit target by more than 10 points
    completion = targets.town_completions(db, f.as_of, "credit_granted_increase")
    for code in f.towns or tuple(town_names):
        c = completion.get(code)
        if c is not None and c < tp - 0.10:
            flags.append(Flag("信用村", f"{town_names[code]}信用村新增授信完成率 {money.fmt_pct(c)}，"
                              f"落后序时进度（{money.fmt_pct(tp)}）", "credit-villages",
                              (("town", town_names[code]),)))
    for code in credit.unreported_towns(db, f):
        flags.append(Flag("信用村", f"{town_names[code]}本月没有任何银行报送信用村数据，未参与排名", "credit-villages",
                          (("town", town_names[code]),)))
    t = credit.totals(db, f)
    if t is not None and t.usage_rate is not None and t.usage_rate < th.usage_rate_min:
        flags.append(Flag("信用村", f"用信率 {money.fmt_pct(t.usage_rate)}，低于 {money.fmt_pct(th.usage_rate_min)}",
                          "credit-villages"))
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
                              (("bank", bank_names[code]),)))
    # 融资担保: leverage, compensation rate, products near their quota
    for kpi in guarantee_kpis(db, f, th):
        if kpi.flag:
            flags.append(Flag("融资担保", f"{kpi.label} {kpi.text()}，{kpi.flag}", "guarantees"))
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
                              (("product", name),)))
    # 企业上市: companies longer in their stage than its typical limit (the IPO
    # page's own rule, so the overview and the page agree)
    board = ipo.pipeline(db, f)
    for row in board[board["stuck"]].itertuples():
        flags.append(Flag("企业上市", f"{row.name}处于{row.stage}已 {row.months} 个月"
                          f"（通常不超过 {row.limit:g} 个月）", "ipo", (("stage", row.stage),)))
    return flags
