"""政府性融资担保: the county guarantee company, its products and contracts.

Reads the ``guarantee_monthly`` roll-up (month × product × bank × town ×
borrower type), ``guarantor_monthly`` (net assets, rating) and the
``guarantee_products`` reference table.

Definitions (DESIGN.md): 在保余额 = guarantees in force at month end; 放大倍数
= 在保余额 of the whole company ÷ its net assets (a company-level ratio, not
split by town, bank or product); 代偿率 = compensations paid ÷ guarantees
released in the period; 代偿回收率 = recoveries ÷ compensations (cumulative;
the ledger keeps one recovered amount per contract, booked in the month of the
compensation); 担保费率 = annual fees of the guarantees in force ÷ 在保余额
(amount-weighted); 支小支农占比 = small-business + agricultural 在保 ÷ all 在保;
单户500万元及以下占比 = of the small & agri 在保, the part whose single
guarantee is ≤ 500万元 (the contract carries no borrower id, so a borrower's
contracts are not merged).

Counts: 户 = distinct borrowers, 笔 = contracts. 在保笔数 counts the contracts in
force, 在保户数 the distinct borrowers holding them; 当年新增担保笔数 / 户数 the
contracts started since January and their distinct borrowers. A contract has
no borrower id, so the borrower key is the borrower's name (trimmed,
:data:`BORROWER_KEY`): guarantee borrowers are firms, cooperatives and family
farms, whose registered names are unique within the county's registration
authority, while the contract's town is where the guaranteed project sits and
may differ between one firm's contracts (name + town would count that firm
twice). Per bank or product a borrower counts once in each it borrows from, so
those rows can add up to more than the total.

The 放大倍数 limit is 10×, or 15× when the company's small & agri share is at
least 80%; below 3× the capital is idle. All thresholds come from
:mod:`finance_core.config`.
"""
from __future__ import annotations

import dataclasses
import math
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import sqlite_utils

from . import completeness, money, periods, reuse, rollups, targets
from .area import BEHIND, BREACH, WATCH, Area, Flag, Names, kpi_flags
from .config import THRESHOLDS, Thresholds
from .filters import Filters, in_clause, scope_sql
from .filters import names as filter_names
from .kpi import COUNT, MONEY, MULTIPLE, RATIO, YTD_RATE, YTD_SUM, Kpi, compare
from .kpi import frame as kpi_table
from .money import safe_ratio

BORROWER_TYPES: dict[str, str] = {"small": "小微企业", "agri": "涉农", "other": "其他"}
SMALL_AGRI = ("small", "agri")

# what-if parameters of the page: (URL name, label, min, max, default). The
# defaults are constants (not thresholds) so that a link without the
# parameter shows the same view after a configuration change.
WHATIF_PARAMS: dict[str, tuple[str, float, float, float]] = {
    "capital_add": ("新增注资（万元）", 0, 500_000, 0),
    "leverage_target": ("目标放大倍数", 1.0, 15.0, 10.0),
    "stress_comp": ("压力代偿率", 0.0, 0.5, 0.03),
}


def _scope(f: Filters, products: tuple[str, ...]) -> tuple[str, list]:
    where, params = scope_sql(f)
    if products:
        clause, more = in_clause("product_code", products)
        where, params = where + " AND " + clause, params + more
    return where, params


# --- scope totals ------------------------------------------------------------------
# rows of guarantee_monthly with a release or a compensation (idx_guarantee_monthly_flows)
FLOW_ROWS = "(released_count > 0 OR compensated_count > 0)"
SMALL_AGRI_SQL = "borrower_type IN ('small', 'agri')"


@dataclasses.dataclass(frozen=True)
class GuaranteeTotals:
    month: str
    outstanding: int
    outstanding_count: int
    new_amount_ytd: int
    new_count_ytd: int
    released_ytd: int
    compensated_ytd: int
    recovered_ytd: int
    outstanding_fee: int = 0            # annual fees of the guarantees in force
    outstanding_small_agri: int = 0     # 在保 of small-business and agri borrowers
    small_agri_le5m: int = 0            # of which single guarantees <= 500万元
    compensated_count_ytd: int = 0

    @property
    def compensation_rate(self) -> float | None:
        """代偿率 this year: 代偿 ÷ 解保 (both since January)."""
        return safe_ratio(self.compensated_ytd, self.released_ytd)

    @property
    def fee_rate(self) -> float | None:
        """Amount-weighted 担保费率 of the guarantees in force."""
        return safe_ratio(self.outstanding_fee, self.outstanding)

    @property
    def small_agri_share(self) -> float | None:
        """支小支农占比."""
        return safe_ratio(self.outstanding_small_agri, self.outstanding)

    @property
    def single_le5m_share(self) -> float | None:
        """Of the small & agri 在保, the share of single guarantees ≤ 500万元."""
        return safe_ratio(self.small_agri_le5m, self.outstanding_small_agri)


@reuse.shared
def totals(db: sqlite_utils.Database, f: Filters, products: tuple[str, ...] = ()) -> GuaranteeTotals | None:
    """Scope position at ``f.as_of`` and this year's flows up to it (towns,
    banks and optionally product codes). None when the company has no figures
    for that month (nor any to carry forward)."""
    if net_assets(db, f.as_of) is None:
        return None
    if not f.towns:
        return _company_totals(db, f, products)
    return _scope_totals(db, f, products)


def _company_totals(db: sqlite_utils.Database, f: Filters, products: tuple[str, ...]) -> GuaranteeTotals:
    """County-wide totals (all banks or some) from the company-level roll-up:
    one month's rows (products x banks x borrower types), year-to-date flows included."""
    where, params = _scope(dataclasses.replace(f, towns=()), products)
    month = f.as_of
    row = db.execute(
        f"""
        SELECT COALESCE(SUM(outstanding), 0), COALESCE(SUM(outstanding_count), 0),
               COALESCE(SUM(new_amount_ytd), 0), COALESCE(SUM(new_count_ytd), 0),
               COALESCE(SUM(released_ytd), 0), COALESCE(SUM(compensated_ytd), 0),
               COALESCE(SUM(recovered_ytd), 0), COALESCE(SUM(outstanding_fee), 0),
               COALESCE(SUM(CASE WHEN {SMALL_AGRI_SQL} THEN outstanding END), 0),
               COALESCE(SUM(CASE WHEN {SMALL_AGRI_SQL} THEN outstanding_le5m END), 0),
               COALESCE(SUM(compensated_count_ytd), 0)
        FROM guarantee_company_monthly WHERE month = ?{where}
        """,
        [month, *params],
    ).fetchone()
    return GuaranteeTotals(month, *(int(v) for v in row))


def _scope_totals(db: sqlite_utils.Database, f: Filters, products: tuple[str, ...] = ()) -> GuaranteeTotals:
    """Totals of a town / bank scope from ``guarantee_monthly``."""
    where, params = _scope(f, products)
    position = db.execute(
        f"""
        SELECT COALESCE(SUM(outstanding), 0), COALESCE(SUM(outstanding_count), 0),
               COALESCE(SUM(outstanding_fee), 0),
               COALESCE(SUM(CASE WHEN {SMALL_AGRI_SQL} THEN outstanding END), 0),
               COALESCE(SUM(CASE WHEN {SMALL_AGRI_SQL} THEN outstanding_le5m END), 0)
        FROM guarantee_monthly WHERE month = ?{where}
        """,
        [f.as_of, *params],
    ).fetchone()
    flows = db.execute(
        f"""
        SELECT COALESCE(SUM(new_amount), 0), COALESCE(SUM(new_count), 0),
               COALESCE(SUM(released_amount), 0), COALESCE(SUM(compensated_amount), 0),
               COALESCE(SUM(recovered_amount), 0), COALESCE(SUM(compensated_count), 0)
        FROM guarantee_monthly WHERE month BETWEEN ? AND ?{where}
        """,
        [periods.year_start_month(f.as_of), f.as_of, *params],
    ).fetchone()
    (outstanding, count, fee, small_agri, le5m), (*ytd, comp_count) = position, flows
    return GuaranteeTotals(f.as_of, int(outstanding), int(count), *(int(v) for v in ytd),
                           int(fee), int(small_agri), int(le5m), int(comp_count))


BORROWER_KEY = "TRIM(borrower_name)"
_IN_FORCE = "start_on <= ? AND (released_on IS NULL OR released_on > ?)"


def _borrower_sql(months: tuple[str, ...]) -> tuple[list[str], list]:
    """Per month: distinct borrowers in force at its end, and with a contract
    started from January to its end (the definitions of ``guarantee_monthly``)."""
    cols, args = [], []
    for m in months:
        end = periods.month_end(m).isoformat()
        cols += [f"COUNT(DISTINCT CASE WHEN {_IN_FORCE} THEN {BORROWER_KEY} END)",
                 f"COUNT(DISTINCT CASE WHEN start_on BETWEEN ? AND ? THEN {BORROWER_KEY} END)"]
        args += [end, end, f"{periods.year_of(m)}-01-01", end]
    return cols, args


def borrower_counts(db: sqlite_utils.Database, f: Filters, products: tuple[str, ...] = (),
                    months: tuple[str, ...] | None = None) -> dict[str, tuple[int, int]]:
    """{month: (在保户数, 当年新增担保户数)}: distinct borrowers of the scope in
    force at each month end, and with a guarantee started that year up to it
    (one scan of the contracts for all ``months``; default ``f.as_of``)."""
    months = tuple(months or (f.as_of,))
    where, params = _scope(f, products)
    cols, args = _borrower_sql(months)
    last = max(periods.month_end(m).isoformat() for m in months)
    first = min(months)
    # only contracts that can count: in force after the earliest month end, or started since its January
    row = db.execute(
        f"SELECT {', '.join(cols)} FROM guarantee_contracts WHERE start_on <= ? "
        f"AND (released_on IS NULL OR released_on > ? OR start_on >= ?){where}",
        [*args, last, periods.month_end(first).isoformat(), f"{periods.year_of(first)}-01-01", *params]).fetchone()
    return {m: (int(row[2 * i]), int(row[2 * i + 1])) for i, m in enumerate(months)}


def borrower_counts_by(db: sqlite_utils.Database, f: Filters, col: str,
                       products: tuple[str, ...] = ()) -> dict[str, tuple[int, int]]:
    """Like :func:`borrower_counts` at ``f.as_of``, per ``col`` (product_code,
    bank_code or borrower_type): a borrower counts once in each group."""
    if col not in ("product_code", "bank_code", "borrower_type"):
        raise ValueError(col)
    where, params = _scope(f, products)
    cols, args = _borrower_sql((f.as_of,))
    end = periods.month_end(f.as_of).isoformat()
    return {k: (int(a), int(b)) for k, a, b in db.execute(
        f"SELECT {col}, {', '.join(cols)} FROM guarantee_contracts WHERE start_on <= ? "
        f"AND (released_on IS NULL OR released_on > ? OR start_on >= ?){where} GROUP BY {col}",
        [*args, end, end, f"{periods.year_of(f.as_of)}-01-01", *params]).fetchall()}


@dataclasses.dataclass(frozen=True)
class CumulativeFlows:
    """解保, 代偿 and recoveries since the first guarantee, up to ``month``."""
    month: str
    released: int
    compensated: int
    recovered: int

    @property
    def compensation_rate(self) -> float | None:
        """累计代偿率: all 代偿 ÷ all 解保."""
        return safe_ratio(self.compensated, self.released)

    @property
    def recovery_rate(self) -> float | None:
        """代偿回收率: recoveries ÷ compensations."""
        return safe_ratio(self.recovered, self.compensated)


def cumulative(db: sqlite_utils.Database, f: Filters, products: tuple[str, ...] = ()) -> CumulativeFlows | None:
    """Cumulative flows of the scope up to ``f.as_of``; None without company figures."""
    if net_assets(db, f.as_of) is None:
        return None
    where, params = _scope(f, products)
    row = db.execute(
        f"""
        SELECT COALESCE(SUM(released_amount), 0), COALESCE(SUM(compensated_amount), 0),
               COALESCE(SUM(recovered_amount), 0)
        FROM guarantee_monthly WHERE month <= ? AND {FLOW_ROWS}{where}
        """,
        [f.as_of, *params],
    ).fetchone()
    return CumulativeFlows(f.as_of, *(int(v) for v in row))


# --- the company: net assets, 放大倍数 and its limit --------------------------------
def net_assets(db: sqlite_utils.Database, month: str, th: Thresholds = THRESHOLDS) -> int | None:
    """Net assets at ``month``: each company's figure of that month, or — when it
    did not report — its latest of the ``expected_lookback_months`` before
    (carried forward, DESIGN.md "Completeness"; :mod:`.completeness` names it)."""
    row = db.execute(
        """
        SELECT SUM(g.net_assets) FROM guarantor_monthly g
        JOIN (SELECT guarantor_code, MAX(month) AS m FROM guarantor_monthly
              WHERE month BETWEEN ? AND ? GROUP BY guarantor_code) x
          ON x.guarantor_code = g.guarantor_code AND x.m = g.month
        """,
        [periods.add_months(month, -th.expected_lookback_months), month],
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def leverage(db: sqlite_utils.Database, month: str) -> float | None:
    """放大倍数 of the company at ``month``: all guarantees in force ÷ net assets."""
    assets = net_assets(db, month)
    if assets is None:
        return None
    (outstanding,) = db.execute(
        "SELECT COALESCE(SUM(outstanding), 0) FROM guarantee_monthly WHERE month = ?", [month]
    ).fetchone()
    return safe_ratio(outstanding, assets)


def leverage_limit(db: sqlite_utils.Database, month: str, th: Thresholds = THRESHOLDS) -> float:
    """The 放大倍数 cap that applies at ``month``: 15× when the whole company's
    支小支农占比 reaches the threshold, else 10×."""
    total, small_agri = db.execute(
        f"""SELECT SUM(outstanding), SUM(CASE WHEN {SMALL_AGRI_SQL} THEN outstanding ELSE 0 END)
            FROM guarantee_monthly WHERE month = ?""", [month]).fetchone()
    share = safe_ratio(small_agri, total)
    if share is not None and share >= th.small_agri_share_min:
        return th.leverage_max_small_agri
    return th.leverage_max


def leverage_flag(value: float | None, limit: float, th: Thresholds = THRESHOLDS) -> str | None:
    if value is None:
        return None
    if value > limit:
        return f"超过 {limit:g} 倍上限"
    if value < th.leverage_min:
        return f"低于 {th.leverage_min:g} 倍，资本闲置"
    return None


# --- KPI row -----------------------------------------------------------------------
@reuse.shared
def kpis(db: sqlite_utils.Database, f: Filters, products: tuple[str, ...] = (),
         th: Thresholds = THRESHOLDS) -> list[Kpi]:
    """The KPI row at ``f.as_of``, each compared with last month and a year ago
    and flagged against its threshold."""
    months = (f.as_of, periods.add_months(f.as_of, -1), periods.add_months(f.as_of, -12))
    now, prev, base = (totals(db, f.at(m), products) for m in months)
    start = totals(db, f.at(periods.previous_year_end(f.as_of)), products)   # 在保余额: 较年初 beside 同比
    people = borrower_counts(db, f, products, months)
    hh = [None if t is None else people[t.month] for t in (now, prev, base)]
    cum = [cumulative(db, f.at(m), products) for m in months]
    lev = [leverage(db, m) for m in months]
    limit = leverage_limit(db, f.as_of, th)
    pct = money.fmt_pct

    def c(key, label, kind, getter, **kw) -> Kpi:
        return compare(key, label, kind, getter, now, prev, base, **kw)

    comp_max = th.compensation_rate_max
    ytd = {"ytd": YTD_SUM, "as_of": f.as_of, "data_start": periods.data_start(db)}  # counted from January
    out = [
        c("g_outstanding", "在保余额", MONEY, lambda t: t.outstanding, second=start, second_label="较年初"),
        compare("g_borrowers", "在保户数", COUNT, lambda x: x[0], *hh, unit="户",
                help="有在保合同的借款人数，同一借款人多笔合同只计一次（按借款人名称识别）"),
        c("g_count", "在保笔数", COUNT, lambda t: t.outstanding_count, unit="笔", help="在保合同笔数"),
        compare("g_new_borrowers", "当年新增担保户数", COUNT, lambda x: x[1], *hh, unit="户",
                help="当年新签担保合同的借款人数，同一借款人多笔只计一次（按借款人名称识别）", **ytd),
        c("g_new_count", "当年新增担保笔数", COUNT, lambda t: t.new_count_ytd, unit="笔",
          help="当年新签担保合同笔数", **ytd),
        c("g_new_amount", "当年新增担保金额", MONEY, lambda t: t.new_amount_ytd, **ytd),
        Kpi("g_leverage", "放大倍数（全公司）", MULTIPLE, lev[0], lev[1], lev[2],
            flag=leverage_flag(lev[0], limit, th),
            help=f"全公司在保余额 ÷ 净资产，不随乡镇、银行、产品筛选变化。当前适用上限 {limit:g} 倍"
                 f"（支小支农占比≥{pct(th.small_agri_share_min)} 时 {th.leverage_max_small_agri:g} 倍，"
                 f"否则 {th.leverage_max:g} 倍）；低于 {th.leverage_min:g} 倍视为资本闲置"),
        c("g_fee_rate", "加权担保费率", RATIO, lambda t: t.fee_rate, good_when_up=False, decimals=2,
          help=f"在保项目年担保费 ÷ 在保余额（按金额加权），上限 {pct(th.fee_rate_max, 2)}"),
        c("g_small_agri", "支小支农占比", RATIO, lambda t: t.small_agri_share,
          help=f"小微企业和涉农在保余额 ÷ 全部在保余额，不低于 {pct(th.small_agri_share_min)}"),
        c("g_le5m", "单户500万元及以下占比", RATIO, lambda t: t.single_le5m_share,
          help=f"支小支农在保中单笔担保金额≤500万元的部分所占比例，不低于 {pct(th.single_le5m_share_min)}"),
        c("g_comp_rate", "当年代偿率", RATIO, lambda t: t.compensation_rate, good_when_up=False,
          help=f"当年代偿金额 ÷ 当年解保金额，容忍度 {pct(comp_max)}；1月无较上月（当年累计重新起算）",
          **(ytd | {"ytd": YTD_RATE})),
        compare("g_comp_rate_total", "累计代偿率", RATIO, lambda t: t.compensation_rate, *cum,
                good_when_up=False, help=f"累计代偿金额 ÷ 累计解保金额，容忍度 {pct(comp_max)}"),
        compare("g_recovery", "代偿回收率", RATIO, lambda t: t.recovery_rate, *cum,
                help="累计代偿回收金额 ÷ 累计代偿金额（回收计入代偿当月）"),
    ]
    rules = {
        "g_fee_rate": (lambda v: v > th.fee_rate_max, f"高于 {pct(th.fee_rate_max, 2)} 上限"),
        "g_comp_rate": (lambda v: v > comp_max, f"高于容忍度 {pct(comp_max)}"),
        "g_comp_rate_total": (lambda v: v > comp_max, f"高于容忍度 {pct(comp_max)}"),
        "g_small_agri": (lambda v: v < th.small_agri_share_min, f"低于 {pct(th.small_agri_share_min)}"),
        "g_le5m": (lambda v: v < th.single_le5m_share_min, f"低于 {pct(th.single_le5m_share_min)}"),
    }
    out = [dataclasses.replace(k, flag=rules[k.key][1])
           if k.key in rules and k.value is not None and rules[k.key][0](k.value) else k
           for k in out]
    # a missing net-assets month touches the leverage; a missing contract month every figure
    found = completeness.gaps(db, f, ("guarantees",))
    out = completeness.annotate(out, [g for g in found if g.feed == "guarantor"], only=("g_leverage",))
    return completeness.annotate(out, [g for g in found if g.feed == "guarantees"],
                                 flows=("g_new_borrowers", "g_new_count", "g_new_amount"))


kpi_frame = kpi_table   # the KPI row as a table, for the export


# --- products ----------------------------------------------------------------------
def product_options(db: sqlite_utils.Database) -> tuple[tuple[str, str], ...]:
    """(code, name) of every product; the name is what links carry (``product=``)."""
    return tuple((c, n) for c, n in db.execute(
        "SELECT code, name FROM guarantee_products ORDER BY launched_on, code").fetchall())


def quota_status(used: int, quota: int, th: Thresholds = THRESHOLDS) -> str:
    share = safe_ratio(used, quota)
    if share is None:
        return "未设额度"
    if share > 1:
        return "超出额度"
    if share >= th.quota_warning:
        return "接近额度"
    return "正常"


def product_table(db: sqlite_utils.Database, f: Filters, products: tuple[str, ...] = (),
                  th: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """One row per product: quota and its use (whole product), and the scope's
    在保, fees and 代偿. Quota use is company-wide: a cooperation quota is not
    split by town or bank."""
    ys = periods.year_start_month(f.as_of)
    where, params = _scope(f, products)
    pclause, pparams = in_clause("p.code", products)
    pwhere = f" WHERE {pclause}" if products else ""
    rows = db.execute(
        f"""
        SELECT p.code, p.name, p.quota, p.fee_rate_bp,
               p.share_guarantor_pct, p.share_reguarantor_pct, p.share_bank_pct, p.share_gov_pct,
               COALESCE(u.used, 0), COALESCE(s.outstanding, 0), COALESCE(s.cnt, 0),
               COALESCE(s.fee, 0), COALESCE(c.comp_ytd, 0), COALESCE(c.comp_total, 0),
               COALESCE(c.released_total, 0)
        FROM guarantee_products p
        LEFT JOIN (SELECT product_code, SUM(outstanding) AS used FROM guarantee_monthly
                   WHERE month = ? GROUP BY product_code) u ON u.product_code = p.code
        LEFT JOIN (SELECT product_code, SUM(outstanding) AS outstanding,
                          SUM(outstanding_count) AS cnt, SUM(outstanding_fee) AS fee
                   FROM guarantee_monthly WHERE month = ?{where}
                   GROUP BY product_code) s ON s.product_code = p.code
        LEFT JOIN (SELECT product_code,
                          SUM(CASE WHEN month >= ? THEN compensated_amount ELSE 0 END) AS comp_ytd,
                          SUM(compensated_amount) AS comp_total, SUM(released_amount) AS released_total
                   FROM guarantee_monthly WHERE month <= ? AND {FLOW_ROWS}{where}
                   GROUP BY product_code) c ON c.product_code = p.code
        {pwhere}
        ORDER BY p.launched_on, p.code
        """,
        [f.as_of, f.as_of, *params, ys, f.as_of, *params, *products],
    ).fetchall()
    scoped = bool(f.towns or f.banks)
    people = borrower_counts_by(db, f, "product_code", products)
    out = []
    for (code, name, quota, fee_bp, g, r, b, gov, used, outstanding, cnt, fee,
         comp_ytd, comp_total, released_total) in rows:
        row = {
            "产品": name,
            "合作额度（万元）": money.to_wan(quota),
            "已用额度（万元）": money.to_wan(used),
            "使用率（%）": _pct(safe_ratio(used, quota)),
            "额度状态": quota_status(used, quota, th),
        }
        if scoped:
            row["范围在保（万元）"] = money.to_wan(outstanding)
        row |= {
            "在保户数": people.get(code, (0, 0))[0],
            "在保笔数": cnt,
            "费率（%）": round(fee_bp / 100, 2),
            "分险（%）": f"{g}/{r}/{b}/{gov}",
            "当年代偿（万元）": money.to_wan(comp_ytd),
            "累计代偿率（%）": _pct(safe_ratio(comp_total, released_total)),
        }
        out.append(row)
    return pd.DataFrame(out)


def _times(yuan: int, factor: float) -> int:
    """``yuan × factor`` rounded half-up to whole 元."""
    return int((Decimal(int(yuan)) * Decimal(str(factor))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _pct(ratio: float | None, decimals: int = 1) -> float:
    """A ratio as a percent number with one decimal (half-up), for tables;
    NaN (shown as '—') when there is no denominator."""
    value = money.percent(ratio, decimals)
    return math.nan if value is None else value


# --- trend -------------------------------------------------------------------------
def trend(db: sqlite_utils.Database, f: Filters, products: tuple[str, ...] = (),
          months: int = 24) -> pd.DataFrame:
    """在保余额 of the scope and the company's 放大倍数, month by month, for the
    ``months`` months up to ``f.as_of`` that have company figures."""
    start = periods.add_months(f.as_of, -(months - 1))
    where, params = _scope(f, products)
    rows = db.execute(
        f"""
        SELECT a.month, a.net_assets, COALESCE(c.total, 0), COALESCE(c.outstanding, 0)
        FROM (SELECT month, SUM(net_assets) AS net_assets FROM guarantor_monthly
              WHERE month BETWEEN ? AND ? GROUP BY month) a
        LEFT JOIN (SELECT month, SUM(outstanding) AS total,
                          SUM(CASE WHEN 1=1{where} THEN outstanding ELSE 0 END) AS outstanding
                   FROM guarantee_monthly WHERE month BETWEEN ? AND ? GROUP BY month) c
          ON c.month = a.month
        ORDER BY a.month
        """,
        [start, f.as_of, *params, start, f.as_of],
    ).fetchall()
    return pd.DataFrame(
        [(m, money.to_wan(o), money.to_wan(na), round(total / na, 2)) for m, na, total, o in rows],
        columns=["月份", "在保余额（万元）", "净资产（万元）", "放大倍数（全公司）"],
    )


def limit_lines(th: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """The 放大倍数 lines drawn on the trend chart."""
    return pd.DataFrame([
        ("上限（支小支农≥{:.0%}）".format(th.small_agri_share_min), th.leverage_max_small_agri),
        ("上限（一般）", th.leverage_max),
        ("下限（低于为资本闲置）", th.leverage_min),
    ], columns=["线", "倍数"])


# --- breakdowns --------------------------------------------------------------------
def breakdown(db: sqlite_utils.Database, f: Filters, products: tuple[str, ...] = (),
              by: str = "bank") -> pd.DataFrame:
    """在保 and this year's flows of the scope by bank or by borrower type."""
    if by not in ("bank", "borrower_type"):
        raise ValueError(by)
    col = "bank_code" if by == "bank" else "borrower_type"
    where, params = _scope(f, products)
    ys = periods.year_start_month(f.as_of)
    position = {r[0]: r[1:] for r in db.execute(
        f"""SELECT {col}, SUM(outstanding), SUM(outstanding_count), SUM(outstanding_fee)
            FROM guarantee_monthly WHERE month = ?{where} GROUP BY {col}""",
        [f.as_of, *params]).fetchall()}
    flows = {r[0]: r[1:] for r in db.execute(
        f"""SELECT {col}, SUM(new_amount), SUM(new_count), SUM(compensated_amount)
            FROM guarantee_monthly WHERE month BETWEEN ? AND ?{where} GROUP BY {col}""",
        [ys, f.as_of, *params]).fetchall()}
    data = {k: position.get(k, (0, 0, 0)) + flows.get(k, (0, 0, 0)) for k in position | flows}
    if by == "bank":
        names = filter_names(db, "banks")
        keys, label = [k for k in names if k in data], "银行"
    else:
        names, keys, label = BORROWER_TYPES, list(BORROWER_TYPES), "借款人类型"
    total = sum(data.get(k, (0,))[0] for k in keys)
    people = borrower_counts_by(db, f, col, products)
    out = []
    for k in keys:
        outstanding, cnt, fee, new_amount, new_count, comp = data.get(k, (0,) * 6)
        borrowers, new_borrowers = people.get(k, (0, 0))
        out.append({
            label: names[k],
            "在保余额（万元）": money.to_wan(outstanding),
            "占比（%）": _pct(safe_ratio(outstanding, total)),
            "在保户数": borrowers,
            "在保笔数": cnt,
            "加权费率（%）": _pct(safe_ratio(fee, outstanding), 2),
            "当年新增金额（万元）": money.to_wan(new_amount),
            "当年新增户数": new_borrowers,
            "当年新增笔数": new_count,
            "当年代偿（万元）": money.to_wan(comp),
        })
    return pd.DataFrame(out)


# --- what-if: new capital, a target leverage, a compensation stress ------------------
@dataclasses.dataclass(frozen=True)
class WhatIf:
    month: str
    net_assets: int              # company, 元
    outstanding: int             # company 在保, 元
    limit: float                 # 放大倍数 cap that applies now
    capital_add: int             # 元
    leverage_target: float
    stress_comp: float
    stressed_base: int           # 在保 of the scope the stress applies to
    stress_loss: int             # 代偿 under the stress (principal compensated)
    guarantor_loss: int          # the guarantor's share: capital consumed

    def _scenario(self, net: int, outstanding: int) -> dict:
        lev = safe_ratio(outstanding, net) if net > 0 else None
        room = max(0, _times(net, self.leverage_target) - outstanding) if net > 0 else 0
        return {"net_assets": net, "outstanding": outstanding, "leverage": lev, "headroom": room}

    @property
    def before(self) -> dict:
        return self._scenario(self.net_assets, self.outstanding)

    @property
    def with_capital(self) -> dict:
        return self._scenario(self.net_assets + self.capital_add, self.outstanding)

    @property
    def stressed(self) -> dict:
        """After the capital and the stress: compensated guarantees leave 在保,
        the guarantor's share of the loss leaves its net assets."""
        return self._scenario(self.net_assets + self.capital_add - self.guarantor_loss,
                              self.outstanding - self.stress_loss)

    @property
    def target_note(self) -> str | None:
        """A warning when the target leverage is above the cap that applies."""
        if self.leverage_target > self.limit:
            return f"目标放大倍数 {self.leverage_target:g} 倍高于当前适用上限 {self.limit:g} 倍，测算结果仅供参考。"
        return None

    @property
    def extra_capacity(self) -> int:
        """How much more can be guaranteed at the target thanks to the new capital."""
        return self.with_capital["headroom"] - self.before["headroom"]

    def table(self, th: Thresholds = THRESHOLDS) -> pd.DataFrame:
        cols = {"当前": self.before, "注资后": self.with_capital, "注资并压力测试后": self.stressed}

        def lev_text(s):
            if s["net_assets"] <= 0:
                return "净资产耗尽"
            flag = leverage_flag(s["leverage"], self.limit, th)
            return f"{s['leverage']:.2f} 倍" + (f"（{flag}）" if flag else "")

        rows = [
            ("净资产", [money.fmt_wan(s["net_assets"]) for s in cols.values()]),
            ("在保余额（全公司）", [money.fmt_wan(s["outstanding"]) for s in cols.values()]),
            ("放大倍数", [lev_text(s) for s in cols.values()]),
            (f"按 {self.leverage_target:g} 倍可新增担保", [money.fmt_wan(s["headroom"]) for s in cols.values()]),
            ("压力情景代偿金额", ["—", "—", money.fmt_wan(self.stress_loss)]),
            ("担保公司承担（消耗净资产）", ["—", "—", money.fmt_wan(self.guarantor_loss)]),
        ]
        return pd.DataFrame([[name, *vals] for name, vals in rows], columns=["项目", *cols])

    def export_table(self) -> pd.DataFrame:
        """:meth:`table` as numbers for the workbook: amounts in 万元, 放大倍数 in 倍
        (missing where net assets are exhausted), with a 单位 column."""
        cols = {"当前": self.before, "注资后": self.with_capital, "注资并压力测试后": self.stressed}
        wan = money.to_wan

        def lev(s):
            return None if s["net_assets"] <= 0 else round(s["leverage"], 2)
        rows = [
            ("净资产", "万元", [wan(s["net_assets"]) for s in cols.values()]),
            ("在保余额（全公司）", "万元", [wan(s["outstanding"]) for s in cols.values()]),
            ("放大倍数", "倍", [lev(s) for s in cols.values()]),
            (f"按 {self.leverage_target:g} 倍可新增担保", "万元", [wan(s["headroom"]) for s in cols.values()]),
            ("压力情景代偿金额", "万元", [None, None, wan(self.stress_loss)]),
            ("担保公司承担（消耗净资产）", "万元", [None, None, wan(self.guarantor_loss)]),
        ]
        return pd.DataFrame([[name, unit, *vals] for name, unit, vals in rows], columns=["项目", "单位", *cols])


def what_if(db: sqlite_utils.Database, f: Filters, products: tuple[str, ...] = (),
            capital_add_wan: float = 0, leverage_target: float = 10.0, stress_comp: float = 0.03,
            th: Thresholds = THRESHOLDS) -> WhatIf | None:
    """Capital and stress scenario at ``f.as_of``. Capital and 放大倍数 are the
    company's; the stress hits the 在保 of the scope (towns, banks, products),
    each product's loss split by its risk-sharing agreement (the guarantor
    bears ``share_guarantor_pct``). None without company figures that month."""
    assets = net_assets(db, f.as_of)
    if assets is None:
        return None
    (outstanding,) = db.execute(
        "SELECT COALESCE(SUM(outstanding), 0) FROM guarantee_monthly WHERE month = ?", [f.as_of]
    ).fetchone()
    where, params = _scope(f, products)
    base = loss = guarantor = 0
    for amount, share in db.execute(
        f"""
        SELECT s.amount, p.share_guarantor_pct
        FROM (SELECT product_code, SUM(outstanding) AS amount FROM guarantee_monthly
              WHERE month = ?{where} GROUP BY product_code) s
        JOIN guarantee_products p ON p.code = s.product_code
        """,
        [f.as_of, *params],
    ).fetchall():
        product_loss = _times(amount, stress_comp)
        base += amount
        loss += product_loss
        guarantor += _times(product_loss, share / 100)
    return WhatIf(f.as_of, assets, int(outstanding), leverage_limit(db, f.as_of, th),
                  money.wan_to_yuan(capital_add_wan), float(leverage_target), float(stress_comp),
                  int(base), int(loss), int(guarantor))


# --- for the brief: product activity in a period, provincial ratings ---------------------
@dataclasses.dataclass(frozen=True)
class ProductActivity:
    name: str
    quota: int          # 合作授信额度 (元), whole product
    used: int           # 在保 of the whole product at the data month
    firms: int          # distinct borrowers whose guarantee started in the period (scope)
    contracts: int
    amount: int         # guaranteed amount started in the period (scope)

    @property
    def quota_share(self) -> float | None:
        return money.safe_ratio(self.used, self.quota)


def product_activity(db: sqlite_utils.Database, f: Filters, start: str) -> list[ProductActivity]:
    """Per guarantee product: the cooperation quota and its use (company-wide, as
    the 融资担保 page shows it), and the borrowers (firms) and amount of the
    guarantees that started from ``start`` to the end of ``f.as_of`` in scope."""
    where, params = scope_sql(f, town_col="c.town_code", bank_col="c.bank_code")
    rows = db.execute(
        f"""
        SELECT p.name, p.quota,
               (SELECT COALESCE(SUM(g.outstanding), 0) FROM guarantee_monthly g
                WHERE g.product_code = p.code AND g.month = ?),
               COUNT(DISTINCT TRIM(c.borrower_name)), COUNT(c.id), COALESCE(SUM(c.amount), 0)
        FROM guarantee_products p
        LEFT JOIN guarantee_contracts c ON c.product_code = p.code
             AND c.start_on BETWEEN ? AND ?{where}
        GROUP BY p.code ORDER BY p.launched_on, p.code
        """,
        [f.as_of, periods.month_start(start).isoformat(), periods.month_end(f.as_of).isoformat(), *params],
    ).fetchall()
    return [ProductActivity(n, int(q), int(u), int(fi), int(c), int(a)) for n, q, u, fi, c, a in rows]


def guarantor_ratings(db: sqlite_utils.Database, month: str) -> list[tuple[str, str]]:
    """(guarantor name, provincial rating) at ``month`` for rated guarantors."""
    return [(n, r) for n, r in db.execute(
        "SELECT g.name, m.rating FROM guarantor_monthly m JOIN guarantors g ON g.code = m.guarantor_code "
        "WHERE m.month = ? AND m.rating IS NOT NULL AND m.rating <> '' ORDER BY g.code", [month]).fetchall()]


# --- the area: targets, red flags, registry entry ---------------------------------
def _new_amount(db, f: Filters) -> int | None:
    t = totals(db, f)
    return None if t is None else t.new_amount_ytd


NEW_AMOUNT_TARGET = targets.Metric("guarantee_new_amount", "融资担保新增担保额", "万元", ("county",), _new_amount)


def quota_usage(db: sqlite_utils.Database, month: str) -> list[tuple[str, int, int]]:
    """(product, 合作授信额度, 在保余额) of every product at ``month``."""
    return [(name, int(quota), int(used)) for name, quota, used in db.execute(
        """
        SELECT p.name, p.quota, COALESCE(SUM(g.outstanding), 0)
        FROM guarantee_products p LEFT JOIN guarantee_monthly g
          ON g.product_code = p.code AND g.month = ?
        GROUP BY p.code ORDER BY p.code
        """, [month]).fetchall()]


def flags(db: sqlite_utils.Database, f: Filters, names: Names, th: Thresholds = THRESHOLDS) -> list[Flag]:
    """融资担保 red flags: the KPI row's threshold flags (leverage below the floor is
    idle capital: behind, not a breach), products near or over their quota."""
    out = kpi_flags(AREA, kpis(db, f, th=th),
                    lambda k: BEHIND if k.key == "g_leverage" and k.value is not None and k.value < th.leverage_min
                    else BREACH)
    for name, quota, used in quota_usage(db, f.as_of):
        share = money.safe_ratio(used, quota)
        if share is not None and share >= th.quota_warning:
            out.append(Flag(AREA.title, f"“{name}”已用合作授信额度 {money.fmt_pct(share)}"
                            f"（{money.fmt_wan(used, 0)} / {money.fmt_wan(quota, 0)}）", AREA.key,
                            (("product", name),), BREACH if share > 1 else WATCH, subject=name, value=share,
                            limit=th.quota_warning))
    return out


AREA = Area(
    key="guarantees", title="融资担保", heading="政府性融资担保", kpis=kpis,
    overview=("g_outstanding", "g_borrowers", "g_leverage", "g_comp_rate"), per_row=4,
    dimensions=("town", "bank", "product"), flags=flags, targets=(NEW_AMOUNT_TARGET,),
    refresh=lambda db, months=None, tables=None: rollups.refresh_guarantees(db),
    rollup_tables=("guarantee_monthly", "guarantee_company_monthly"),
    import_feeds=("guarantees", "guarantor"), completeness_feeds=("guarantees", "guarantor"),
)
