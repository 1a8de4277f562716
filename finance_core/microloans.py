"""脱贫人口小额信贷: poverty-relief microloans.

Aggregates read the roll-ups ``microloan_monthly`` (month-end position ×
town × bank), ``microloan_disbursed_monthly`` (disbursements, 续贷, 展期 and
first borrowers over the whole ledger), ``microloan_household_years`` and
``microloan_first_loans``; loan-level lists
read the ledger through its indexes (the maturity list: ``idx_microloans_maturity``).
Borrower names and ID numbers leave this module masked (:mod:`.privacy`).

Definitions (DESIGN.md): 逾期率 = balance of loans more than 0 days past due ÷
total balance; PAR30 / PAR90 = whole balance of loans more than 30 / 90 days
past due ÷ total balance. 获贷率 = households that ever got a microloan ÷
eligible (脱贫户 + 监测户) households. 新增投放 counts loans disbursed in the
period, 续贷 included and 展期 not (an extension is not new lending).
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import sqlite_utils

from . import completeness, money, periods, privacy, reuse, rollups, targets
from .area import BREACH, Area, Flag, Names, kpi_flags
from .config import THRESHOLDS, Thresholds
from .filters import Filters, scope_sql
from .filters import names as reference_names
from .kpi import COUNT, MONEY, MULTIPLE, RATIO, YTD_SUM, Kpi, compare, fmt_value
from .kpi import frame as kpi_frame
from .money import safe_ratio


@dataclasses.dataclass(frozen=True)
class MicroloanTotals:
    month: str
    balance: int
    loans: int
    households: int
    overdue_balance: int
    par30_balance: int
    par90_balance: int
    new_loans_ytd: int
    new_amount_ytd: int
    new_households_ytd: int
    subsidy_ytd: int

    @property
    def overdue_rate(self) -> float | None:
        return safe_ratio(self.overdue_balance, self.balance)

    @property
    def par30(self) -> float | None:
        return safe_ratio(self.par30_balance, self.balance)

    @property
    def par90(self) -> float | None:
        return safe_ratio(self.par90_balance, self.balance)


@reuse.shared
def totals(db: sqlite_utils.Database, f: Filters) -> MicroloanTotals | None:
    """Position at ``f.as_of`` and this year's flows up to it.

    None when the ledger has no snapshot for that month at all; a scope with
    no loans in a month that has data gets zeros (the ledger is complete).
    """
    (has_month,) = db.execute(
        "SELECT EXISTS (SELECT 1 FROM microloan_monthly WHERE month = ?)", [f.as_of]
    ).fetchone()
    if not has_month:
        return None
    where, params = scope_sql(f)
    row = db.execute(
        f"""
        SELECT COUNT(*), TOTAL(balance), TOTAL(loans), TOTAL(households), TOTAL(overdue_balance),
               TOTAL(par30_balance), TOTAL(par90_balance)
        FROM microloan_monthly WHERE month = ?{where}
        """,
        [f.as_of, *params],
    ).fetchone()
    year_start = periods.year_start_month(f.as_of)
    # disbursements from the whole-ledger table: a year that began before the
    # first snapshot month still counts from January
    new = db.execute(
        f"SELECT TOTAL(loans), TOTAL(amount) FROM microloan_disbursed_monthly "
        f"WHERE month BETWEEN ? AND ?{where}",
        [year_start, f.as_of, *params],
    ).fetchone()
    (subsidy,) = db.execute(
        f"SELECT TOTAL(subsidy_paid) FROM microloan_monthly WHERE month BETWEEN ? AND ?{where}",
        [year_start, f.as_of, *params],
    ).fetchone()
    flows = (new[0], new[1], subsidy)
    (new_households,) = db.execute(
        f"""
        SELECT COUNT(DISTINCT household_id) FROM microloan_household_years
        WHERE year = ? AND first_month <= ?{where}
        """,
        [f.year, f.as_of, *params],
    ).fetchone()
    return MicroloanTotals(
        f.as_of, int(row[1]), int(row[2]), int(row[3]), int(row[4]), int(row[5]), int(row[6]),
        int(flows[0]), int(flows[1]), int(new_households), int(flows[2]),
    )


def access_rate(db: sqlite_utils.Database, f: Filters) -> float | None:
    """获贷率 at ``f.as_of``: households that ever borrowed (from the banks in
    scope) ÷ eligible households of the towns in scope."""
    borrowed = borrowed_households(db, f)[""]
    where_t, params_t = scope_sql(f, bank_col=None)
    (eligible,) = db.execute(
        f"SELECT COALESCE(SUM(eligible), 0) FROM household_counts WHERE 1=1{where_t}", params_t
    ).fetchone()
    return safe_ratio(borrowed, eligible)


def borrowed_households(db: sqlite_utils.Database, f: Filters,
                        group: str | None = None) -> dict[str, int]:
    """Households that ever got a microloan (from the banks in scope) by the
    end of ``f.as_of``, each counted once: ``{'': n}``, or per ``group``
    ('town_code' / 'bank_code'; groups without borrowers are left out).

    Sums the first-borrower counts of ``microloan_disbursed_monthly``; only a
    filter on several banks needs the distinct count over the household table.
    """
    where, params = scope_sql(f)
    key = f"{group}, " if group else "'', "
    grouping = f" GROUP BY {group}" if group else ""
    if group == "bank_code" or len(f.banks) == 1:
        column = "bank_new_households"
    elif not f.banks:
        column = "new_households"
    else:
        column = None
    if column:
        sql = (f"SELECT {key}TOTAL({column}) FROM microloan_disbursed_monthly "
               f"WHERE month <= ?{where}{grouping}")
    else:  # a household may have borrowed from more than one of the banks
        sql = (f"SELECT {key}COUNT(DISTINCT household_id) FROM microloan_first_loans "
               f"WHERE first_month <= ?{where}{grouping}")
    return {k: int(v) for k, v in db.execute(sql, [f.as_of, *params]).fetchall()}


# --- the 小额信贷 page -----------------------------------------------------------
STRESS_DEFAULT = 0.05           # what-if: share of the balance assumed to turn bad
STRESS_MAX = 0.50
MATURITY_WINDOWS = (30, 60, 90)  # days after the end of the data month
BY_TOWN, BY_BANK = "town", "bank"
_GROUPS = {BY_TOWN: ("town_code", "towns", "乡镇"), BY_BANK: ("bank_code", "banks", "银行")}
# ageing buckets of microloan_monthly (column prefix, label); "current" is the rest
CURRENT_LABEL = "正常"
BUCKETS = (("b1_30", "1–30天"), ("b31_60", "31–60天"), ("b61_90", "61–90天"),
           ("b91_180", "91–180天"), ("b180p", ">180天"))
BUCKET_LABELS = (CURRENT_LABEL,) + tuple(label for _, label in BUCKETS)
TOTAL_LABEL = "合计"
LOAN_KINDS = {(0, 0): "新发放", (1, 0): "续贷", (0, 1): "展期", (1, 1): "展期"}


pct = money.percent   # a ratio as a table's percentage (one decimal, half-up)


def _group(by: str) -> tuple[str, str, str]:
    """(column of the roll-ups, reference table, Chinese label) of a grouping."""
    if by not in _GROUPS:
        raise ValueError(f"unknown grouping {by!r}")
    return _GROUPS[by]


@dataclasses.dataclass(frozen=True)
class Flows:
    """This year's 续贷 / 展期 and the whole ledger's disbursements up to ``as_of``."""

    renewal_loans_ytd: int
    renewal_amount_ytd: int
    extension_loans_ytd: int
    extension_amount_ytd: int
    cumulative_loans: int       # 累计发放 (展期 excluded), since the ledger's first loan
    cumulative_amount: int


def flows(db: sqlite_utils.Database, f: Filters) -> Flows:
    where, params = scope_sql(f)
    ytd = db.execute(
        f"""
        SELECT TOTAL(renewal_loans), TOTAL(renewal_amount),
               TOTAL(extension_loans), TOTAL(extension_amount)
        FROM microloan_disbursed_monthly WHERE month BETWEEN ? AND ?{where}
        """,
        [periods.year_start_month(f.as_of), f.as_of, *params],
    ).fetchone()
    cum = db.execute(
        f"SELECT TOTAL(loans), TOTAL(amount) FROM microloan_disbursed_monthly WHERE month <= ?{where}",
        [f.as_of, *params],
    ).fetchone()
    return Flows(*(int(v) for v in ytd), *(int(v) for v in cum))


def fund_balance(db: sqlite_utils.Database, month: str) -> int | None:
    """风险补偿金 balance at the end of ``month`` (county-wide), None without a record."""
    row = db.execute("SELECT balance FROM risk_fund WHERE month = ?", [month]).fetchone()
    return None if row is None else int(row[0])


def fund_coverage(db: sqlite_utils.Database, month: str,
                  share: float | None = None) -> float | None:
    """Fund ÷ (county overdue balance × county loss share); county-wide, since
    the fund backs every microloan of the county. None without overdue loans."""
    share = THRESHOLDS.fund_share_default if share is None else share
    fund = fund_balance(db, month)
    (overdue,) = db.execute(
        "SELECT TOTAL(overdue_balance) FROM microloan_monthly WHERE month = ?", [month]
    ).fetchone()
    return safe_ratio(fund, overdue * share)


@dataclasses.dataclass(frozen=True)
class Snapshot:
    totals: MicroloanTotals
    flows: Flows
    access_rate: float | None
    fund_balance: int | None
    fund_coverage: float | None
    county_balance: int

    @property
    def fund_leverage(self) -> float | None:
        """County balance ÷ fund: the lending the fund backs, × its size."""
        return leverage(self.county_balance, self.fund_balance)


def leverage(county_balance: int, fund: int | None) -> float | None:
    """补偿金放大倍数: the county's microloan balance ÷ the fund (None without a fund)."""
    return safe_ratio(county_balance, fund)


def fund_leverage(db: sqlite_utils.Database, month: str) -> float | None:
    """The 补偿金放大倍数 of ``month`` as :attr:`Snapshot.fund_leverage` gives it, read from
    the roll-up alone (the 财政资金 page needs only this); None for a month without
    microloan data, as :func:`snapshot` is None then."""
    (has_month, balance) = db.execute(
        "SELECT COUNT(*), TOTAL(balance) FROM microloan_monthly WHERE month = ?", [month]).fetchone()
    return leverage(int(balance), fund_balance(db, month)) if has_month else None


def county_balance(db: sqlite_utils.Database, month: str) -> int:
    (balance,) = db.execute(
        "SELECT TOTAL(balance) FROM microloan_monthly WHERE month = ?", [month]
    ).fetchone()
    return int(balance)


def snapshot(db: sqlite_utils.Database, f: Filters) -> Snapshot | None:
    """Everything the KPI row shows for one month; None when it has no data."""
    t = totals(db, f)
    if t is None:
        return None
    return Snapshot(t, flows(db, f), access_rate(db, f), fund_balance(db, f.as_of),
                    fund_coverage(db, f.as_of), county_balance(db, f.as_of))


@reuse.shared
def kpis(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> list[Kpi]:
    """The page's KPI row, compared with the month before and a year before.
    Empty when ``f.as_of`` has no microloan data."""
    now = snapshot(db, f)
    if now is None:
        return []
    prev = snapshot(db, f.at(periods.add_months(f.as_of, -1)))
    base = snapshot(db, f.at(periods.add_months(f.as_of, -12)))
    start = snapshot(db, f.at(periods.previous_year_end(f.as_of)))   # balances: 较年初 beside 同比

    def kpi(key, label, kind, get, **kw):
        return compare(key, label, kind, get, now, prev, base, **kw)

    ytd = {"ytd": YTD_SUM, "as_of": f.as_of, "data_start": periods.data_start(db)}  # counted from January

    def t(attr):
        return lambda s: getattr(s.totals, attr)

    def fl(attr):
        return lambda s: getattr(s.flows, attr)

    overdue = kpi("ml_overdue_rate", "逾期率", RATIO, lambda s: s.totals.overdue_rate,
                  help="逾期贷款余额 ÷ 贷款余额", good_when_up=False)
    if overdue.value is not None and overdue.value > th.overdue_rate_max:
        overdue = dataclasses.replace(overdue, flag=f"高于 {money.fmt_pct(th.overdue_rate_max)}")
    share = money.fmt_pct(th.fund_share_default, 0)
    cover = kpi("ml_fund_coverage", "补偿金覆盖倍数（全县）", MULTIPLE, lambda s: s.fund_coverage,
                help=f"风险补偿金余额 ÷（全县逾期金额 × 县级分担比例 {share}）；不随乡镇、银行筛选变化")
    if cover.value is not None and cover.value < 1:
        cover = dataclasses.replace(cover, flag="不足以覆盖逾期贷款")
    lev = kpi("ml_fund_leverage", "补偿金放大倍数（全县）", MULTIPLE, lambda s: s.fund_leverage,
              help=f"全县贷款余额 ÷ 风险补偿金余额；应不低于 {th.fund_leverage_required:g} 倍")
    if lev.value is not None and lev.value < th.fund_leverage_required:
        lev = dataclasses.replace(lev, flag=f"低于 {th.fund_leverage_required:g} 倍，撬动不足")
    items = [
        # scale and reach
        kpi("ml_balance", "贷款余额", MONEY, t("balance"), second=start, second_label="较年初"),
        kpi("ml_households", "在贷户数", COUNT, t("households"), unit="户", second=start, second_label="较年初"),
        kpi("ml_new_hh", "当年新增投放户数", COUNT, t("new_households_ytd"), unit="户",
            help="当年放款的户数（含续贷，不含展期）", **ytd),
        kpi("ml_new_amount", "当年新增投放金额", MONEY, t("new_amount_ytd"), help="含续贷，不含展期", **ytd),
        kpi("ml_access", "获贷率", RATIO, lambda s: s.access_rate,
            help="累计获得过小额信贷的户数 ÷ 脱贫户和监测户户数（一户多笔只计一次）"),
        # risk
        kpi("ml_overdue", "逾期金额", MONEY, t("overdue_balance"), good_when_up=False,
            help="逾期1天以上贷款的余额"),
        overdue,
        kpi("ml_par30", "PAR30", RATIO, lambda s: s.totals.par30, good_when_up=False,
            help="逾期30天以上贷款的全部余额 ÷ 贷款余额"),
        kpi("ml_par90", "PAR90", RATIO, lambda s: s.totals.par90, good_when_up=False,
            help="逾期90天以上贷款的全部余额 ÷ 贷款余额（可申请风险补偿）"),
        cover,
        # this year's flows
        kpi("ml_new_n", "当年新增投放笔数", COUNT, t("new_loans_ytd"), unit="笔", help="含续贷，不含展期", **ytd),
        kpi("ml_renewal_n", "当年续贷笔数", COUNT, fl("renewal_loans_ytd"), unit="笔",
            help="到期后以新贷款接续（计入新增投放）", **ytd),
        kpi("ml_renewal_amount", "当年续贷金额", MONEY, fl("renewal_amount_ytd"),
            help="到期后以新贷款接续（计入新增投放）", **ytd),
        kpi("ml_extension_n", "当年展期笔数", COUNT, fl("extension_loans_ytd"), unit="笔",
            help="原贷款到期后延长期限（不计入新增投放）", **ytd),
        kpi("ml_extension_amount", "当年展期金额", MONEY, fl("extension_amount_ytd"),
            help="原贷款到期后延长期限（不计入新增投放）", **ytd),
        # since the start, subsidy and fund
        kpi("ml_cumulative_n", "累计发放笔数", COUNT, fl("cumulative_loans"), unit="笔",
            help="台账中全部放款（含续贷，不含展期）"),
        kpi("ml_cumulative", "累计发放金额", MONEY, fl("cumulative_amount"),
            help="台账中全部放款（含续贷，不含展期）"),
        kpi("ml_subsidy", "当年贴息", MONEY, t("subsidy_ytd"),
            help="当年各计息季度核定的财政贴息（按计息季度）；申报和拨付进度见财政资金页", **ytd),
        kpi("ml_fund", "风险补偿金（全县）", MONEY, lambda s: s.fund_balance,
            help="县级风险补偿金月末余额；不随乡镇、银行筛选变化"),
        lev,
    ]
    return completeness.annotate(items, completeness.gaps(db, f, ("microloans",)), flows=FLOW_KPIS,
                                 only=[k.key for k in items if k.key not in ("ml_fund", "ml_cumulative_n",
                                                                              "ml_cumulative")])


# year-to-date flows: a missing bank-month is missing from them, not carried
FLOW_KPIS = ("ml_new_hh", "ml_new_amount", "ml_new_n", "ml_renewal_n", "ml_renewal_amount", "ml_extension_n",
             "ml_extension_amount", "ml_subsidy")


kpi_table = kpi_frame   # the KPI row as a table, for the export


# --- arrears ageing and overdue trend ---------------------------------------------
def ageing(db: sqlite_utils.Database, f: Filters, by: str = BY_TOWN) -> pd.DataFrame:
    """Ageing of the balance at ``f.as_of`` per town or bank, with a 合计 row:
    amount (万元) and loans per bucket (正常, 1–30, 31–60, 61–90, 91–180, >180 days)."""
    col, table, label = _group(by)
    where, params = scope_sql(f, town_col="m.town_code", bank_col="m.bank_code")
    sums = ", ".join(f"TOTAL(m.{key}_balance), TOTAL(m.{key}_loans)" for key, _ in BUCKETS)
    rows = db.execute(
        f"""
        SELECT g.name, TOTAL(m.balance), TOTAL(m.loans), TOTAL(m.overdue_balance), {sums}
        FROM microloan_monthly m JOIN {table} g ON g.code = m.{col}
        WHERE m.month = ?{where}
        GROUP BY g.code HAVING TOTAL(m.balance) > 0 ORDER BY g.code
        """,
        [f.as_of, *params],
    ).fetchall()
    raw = [(name, [int(v) for v in values]) for name, *values in rows]
    if raw:
        raw.append((TOTAL_LABEL, [sum(v[i] for _, v in raw) for i in range(len(raw[0][1]))]))
    records = []
    for name, (balance, loans, overdue, *b) in raw:
        amounts = [balance - overdue, *b[0::2]]
        counts = [loans - sum(b[1::2]), *b[1::2]]
        rec: dict = {label: name}
        for bucket, amount, count in zip(BUCKET_LABELS, amounts, counts):
            rec[f"{bucket}（万元）"] = money.to_wan(amount)
            rec[f"{bucket}（笔）"] = count
        rec["合计（万元）"] = money.to_wan(balance)
        rec["合计（笔）"] = loans
        rec["逾期率（%）"] = pct(safe_ratio(overdue, balance))
        records.append(rec)
    columns = [label] + [f"{b}（{x}）" for b in BUCKET_LABELS for x in ("万元", "笔")]
    return pd.DataFrame(records, columns=columns + ["合计（万元）", "合计（笔）", "逾期率（%）"])


def overdue_trend(db: sqlite_utils.Database, f: Filters, months: int = 24) -> pd.DataFrame:
    """逾期率, PAR30 and PAR90 of the scope for the ``months`` months up to ``f.as_of``."""
    where, params = scope_sql(f)
    rows = db.execute(
        f"""
        SELECT month, TOTAL(balance), TOTAL(overdue_balance), TOTAL(par30_balance),
               TOTAL(par90_balance)
        FROM microloan_monthly WHERE month BETWEEN ? AND ?{where}
        GROUP BY month ORDER BY month
        """,
        [periods.add_months(f.as_of, -(months - 1)), f.as_of, *params],
    ).fetchall()
    return pd.DataFrame(
        [{"月份": m, "贷款余额（万元）": money.to_wan(b), "逾期金额（万元）": money.to_wan(o),
          "逾期率（%）": pct(safe_ratio(o, b)), "PAR30（%）": pct(safe_ratio(p30, b)),
          "PAR90（%）": pct(safe_ratio(p90, b))}
         for m, b, o, p30, p90 in rows],
        columns=["月份", "贷款余额（万元）", "逾期金额（万元）", "逾期率（%）", "PAR30（%）", "PAR90（%）"],
    ).astype({"逾期率（%）": "float64", "PAR30（%）": "float64", "PAR90（%）": "float64"})


# --- maturities (ledger, through idx_microloans_maturity) ----------------------------
def due_query(f: Filters, days: int) -> tuple[str, list]:
    """SQL and parameters of the loans falling due in the ``days`` days after
    the end of ``f.as_of`` (a range on ``idx_microloans_maturity``)."""
    start = periods.month_end(f.as_of)
    end = start + dt.timedelta(days=int(days))
    where, params = scope_sql(f, town_col="l.town_code", bank_col="l.bank_code")
    return (
        f"""
        SELECT l.loan_no, h.head_name, h.id_number, l.town_code, t.name, l.bank_code, b.name,
               l.amount, l.disbursed_on, l.maturity_on, s.balance, s.days_overdue,
               l.is_renewal, l.is_extension
        FROM microloans l INDEXED BY idx_microloans_maturity
        CROSS JOIN microloan_status s ON s.loan_id = l.id AND s.month = ?
        JOIN households h ON h.id = l.household_id
        JOIN towns t ON t.code = l.town_code
        JOIN banks b ON b.code = l.bank_code
        WHERE l.maturity_on > ? AND l.maturity_on <= ? AND s.balance > 0{where}
        ORDER BY l.bank_code, l.maturity_on, l.loan_no
        """,
        [f.as_of, start.isoformat(), end.isoformat(), *params],
    )


def _due_loans(db: sqlite_utils.Database, f: Filters, days: int) -> list[tuple]:
    """Loans with a balance at the end of ``f.as_of`` that fall due in the
    following ``days`` days (maturity after the month end, up to end + days).
    Personal data is masked here, before anything leaves the module."""
    start = periods.month_end(f.as_of)
    rows = db.execute(*due_query(f, days)).fetchall()
    return [
        (no, privacy.mask_name(name), privacy.mask_id_number(idn), tc, tn, bc, bn, amount,
         disbursed, maturity, (dt.date.fromisoformat(maturity) - start).days, balance, overdue,
         LOAN_KINDS[(int(ren), int(ext))])
        for no, name, idn, tc, tn, bc, bn, amount, disbursed, maturity, balance, overdue, ren, ext
        in rows
    ]


MATURITY_COLUMNS = ["银行", "乡镇", "贷款编号", "借款人", "身份证号", "贷款类型", "放款日期",
                    "到期日期", "距到期天数", "贷款金额（万元）", "余额（万元）", "逾期天数"]


def maturity_list(db: sqlite_utils.Database, f: Filters, days: int = 90) -> pd.DataFrame:
    """The loans falling due in the next ``days`` days, by bank and date, with
    borrower name and ID number masked."""
    return pd.DataFrame(
        [{"银行": bn, "乡镇": tn, "贷款编号": no, "借款人": name, "身份证号": idn, "贷款类型": kind,
          "放款日期": disbursed, "到期日期": maturity, "距到期天数": left,
          "贷款金额（万元）": money.to_wan(amount), "余额（万元）": money.to_wan(balance),
          "逾期天数": overdue}
         for no, name, idn, _tc, tn, _bc, bn, amount, disbursed, maturity, left, balance, overdue, kind
         in _due_loans(db, f, days)],
        columns=MATURITY_COLUMNS,
    )


def summary_query(f: Filters, by: str) -> tuple[str, list]:
    """SQL of the loans and balance due within each window per group; reads
    only ``idx_microloans_maturity`` (which holds the loan id) and the status
    index, never the loan rows."""
    col, table, _label = _group(by)
    start = periods.month_end(f.as_of)
    ends = [(start + dt.timedelta(days=w)).isoformat() for w in MATURITY_WINDOWS]
    where, params = scope_sql(f, town_col="l.town_code", bank_col="l.bank_code")
    sums = ", ".join("SUM(l.maturity_on <= ?), TOTAL(CASE WHEN l.maturity_on <= ? THEN s.balance END)"
                     for _ in ends)
    sql = f"""
        SELECT g.name, {sums}
        FROM microloans l INDEXED BY idx_microloans_maturity
        CROSS JOIN microloan_status s ON s.loan_id = l.id AND s.month = ?
        JOIN {table} g ON g.code = l.{col}
        WHERE l.maturity_on > ? AND l.maturity_on <= ? AND s.balance > 0{where}
        GROUP BY g.code ORDER BY g.code
    """
    return sql, [e for e in ends for _ in (0, 1)] + [f.as_of, start.isoformat(), ends[-1], *params]


def maturity_summary(db: sqlite_utils.Database, f: Filters, by: str = BY_TOWN) -> pd.DataFrame:
    """Loans and balance falling due within 30 / 60 / 90 days per town or bank,
    with a 合计 row (windows are cumulative: 60天内 includes 30天内)."""
    label = _group(by)[2]
    rows = [(name, [int(v) for v in values]) for name, *values in db.execute(*summary_query(f, by))]
    if rows:
        rows.append((TOTAL_LABEL, [sum(v[i] for _, v in rows) for i in range(len(rows[0][1]))]))
    columns = [label] + [f"{w}天内 {x}" for w in MATURITY_WINDOWS for x in ("笔数", "金额（万元）")]
    records = []
    for name, acc in rows:
        rec: dict = {label: name}
        for i, window in enumerate(MATURITY_WINDOWS):
            rec[f"{window}天内 笔数"] = acc[2 * i]
            rec[f"{window}天内 金额（万元）"] = money.to_wan(acc[2 * i + 1])
        records.append(rec)
    return pd.DataFrame(records, columns=columns)


# --- rankings with targets -----------------------------------------------------------
def rankings(db: sqlite_utils.Database, f: Filters, by: str = BY_TOWN) -> pd.DataFrame:
    """Towns or banks in scope ranked by 完成率 of the year's new-lending target
    (by new lending when no target applies), with balance, 获贷率 and 逾期率.

    A town's row keeps the bank filter and a bank's row the town filter; the
    target of such a mixed scope is undefined (see :func:`targets.target_for`).
    """
    col, table, label = _group(by)
    where, params = scope_sql(f)

    def grouped(sql: str, args: list) -> dict:
        return {r[0]: r[1:] for r in db.execute(sql, args).fetchall()}

    pos = grouped(f"SELECT {col}, TOTAL(balance), TOTAL(overdue_balance) FROM microloan_monthly "
                  f"WHERE month = ?{where} GROUP BY {col}", [f.as_of, *params])
    new = grouped(f"SELECT {col}, TOTAL(amount) FROM microloan_disbursed_monthly "
                  f"WHERE month BETWEEN ? AND ?{where} GROUP BY {col}",
                  [periods.year_start_month(f.as_of), f.as_of, *params])
    new_hh = grouped(f"SELECT {col}, COUNT(DISTINCT household_id) FROM microloan_household_years "
                     f"WHERE year = ? AND first_month <= ?{where} GROUP BY {col}",
                     [f.year, f.as_of, *params])
    borrowed = borrowed_households(db, f, col)
    # positions carried forward from an earlier month (a bank did not report: DESIGN.md
    # "Completeness"): named in 报送情况; a bank so carried is not ranked
    carried: dict[str, list[tuple[str, str]]] = {}
    for key, bank, since in db.execute(
            f"SELECT {col}, bank_code, MIN(carried_from) FROM microloan_monthly WHERE month = ? "
            f"AND carried_from IS NOT NULL{where} GROUP BY {col}, bank_code", [f.as_of, *params]).fetchall():
        carried.setdefault(key, []).append((bank, since))
    bank_names = reference_names(db, "banks")
    where_t, params_t = scope_sql(f, bank_col=None)
    eligible = grouped(f"SELECT town_code, eligible FROM household_counts WHERE 1=1{where_t}", params_t)
    names = list(reference_names(db, table).items())
    chosen = f.towns if by == BY_TOWN else f.banks
    if chosen:
        codes = [(c, n) for c, n in names if c in chosen]
    elif by == BY_TOWN:
        codes = names
    else:  # banks that ever lent microloans
        codes = [(c, n) for c, n in names if c in borrowed or c in pos]
    metric = NEW_AMOUNT_TARGET
    progress = periods.time_progress(f.as_of)
    partial = periods.partial_year(periods.data_start(db), f.as_of)  # no comparable 完成率
    all_eligible = sum(int(v[0]) for v in eligible.values())
    records = []
    for code, name in codes:
        balance, overdue = (int(v) for v in pos.get(code, (0, 0)))
        new_amount = int(new.get(code, (0,))[0])
        sub = Filters(f.as_of, (code,), f.banks) if by == BY_TOWN else Filters(f.as_of, f.towns, (code,))
        target = targets.target_for(db, metric, sub)
        completion = None if partial else safe_ratio(new_amount, target)
        den = int(eligible.get(code, (0,))[0]) if by == BY_TOWN else all_eligible
        records.append({
            label: name,
            "贷款余额（万元）": money.to_wan(balance),
            "当年新增投放（万元）": money.to_wan(new_amount),
            "当年新增户数": int(new_hh.get(code, (0,))[0]),
            "获贷率（%）": pct(safe_ratio(borrowed.get(code, 0), den)),
            "逾期率（%）": pct(safe_ratio(overdue, balance)),
            "全年目标（万元）": money.to_wan(target),
            "完成率（%）": pct(completion),
            "序时进度（%）": pct(progress),
            "进度": (targets.PARTIAL if partial and target is not None else "—" if completion is None
                   else targets.BEHIND if completion < progress else targets.AHEAD),
            "报送情况": _carried_status(carried.get(code, ()), by, bank_names, f.as_of),
            "_new": new_amount,
            "_unranked": by == BY_BANK and code in carried,
        })
    records.sort(key=lambda r: (r["_unranked"], r["完成率（%）"] is None, -(r["完成率（%）"] or 0), -r["_new"]))
    columns = ["排名", label, "贷款余额（万元）", "当年新增投放（万元）", "当年新增户数", "获贷率（%）",
               "逾期率（%）", "全年目标（万元）", "完成率（%）", "序时进度（%）", "进度", "报送情况"]
    frame = pd.DataFrame([{"排名": None if r["_unranked"] else i, **{k: v for k, v in r.items() if k != "排名"}}
                          for i, r in enumerate(records, start=1)], columns=columns)
    numeric = [c for c in columns if "（" in c]     # typed even when every value is missing
    return frame.astype({c: "float64" for c in numeric})


def _carried_status(items, by: str, bank_names: dict[str, str], as_of: str) -> str:
    """'未报送（沿用9月数据）' for a bank; '邮储银行未报送（沿用9月数据）' for a town."""
    if not items:
        return "已报送"
    parts = []
    for bank, since in items:
        y, m = periods.parse_month(since)
        when = f"{m}月" if y == periods.year_of(as_of) else f"{y}年{m}月"
        parts.append(("" if by == BY_BANK else bank_names.get(bank, bank)) + f"未报送（余额沿用{when}数据）")
    return "；".join(parts)


# --- what-if: stress on the balance against the risk fund ---------------------------
@dataclasses.dataclass(frozen=True)
class StressResult:
    stress_rate: float        # share of the scope's balance assumed to turn bad
    fund_share: float         # county share of the loss, paid by the fund
    leverage: float           # lending the fund must back, × its size
    scope_balance: int
    county_balance: int
    fund_balance: int | None
    avg_monthly_new: int      # county new lending, average of the last 12 months

    @property
    def defaulted(self) -> int:
        return int(round(self.scope_balance * self.stress_rate))

    @property
    def loss(self) -> int:
        """The fund's part of the loss."""
        return int(round(self.scope_balance * self.stress_rate * self.fund_share))

    @property
    def coverage(self) -> float | None:
        """Fund ÷ its part of the loss (≥ 100% means covered)."""
        return safe_ratio(self.fund_balance, self.loss)

    @property
    def shortfall(self) -> int | None:
        return None if self.fund_balance is None else max(0, self.loss - self.fund_balance)

    @property
    def fund_after(self) -> int | None:
        return None if self.fund_balance is None else max(0, self.fund_balance - self.loss)

    @property
    def capacity(self) -> int | None:
        """Lending the remaining fund can back at the required leverage."""
        return None if self.fund_after is None else int(round(self.fund_after * self.leverage))

    @property
    def headroom(self) -> int | None:
        """Capacity left after the county's balance (bad loans written off)."""
        if self.capacity is None:
            return None
        return max(0, self.capacity - (self.county_balance - self.defaulted))

    @property
    def months_backed(self) -> float | None:
        """Months of new lending, at the recent pace, the headroom still backs."""
        return safe_ratio(self.headroom, self.avg_monthly_new)

    def headline(self) -> list[tuple[str, str, str | None]]:
        """(label, value, help) of the panel's metrics."""
        months = self.months_backed
        return [
            ("补偿金应承担损失", money.fmt_money(self.loss), "当前范围贷款余额 × 不良比例 × 县级分担比例"),
            ("覆盖倍数", fmt_value(MULTIPLE, self.coverage), "风险补偿金余额 ÷ 应承担损失；低于 1 倍即有缺口"),
            ("缺口", money.fmt_money(self.shortfall), "应承担损失超过风险补偿金余额的部分"),
            ("代偿后补偿金余额", money.fmt_money(self.fund_after), None),
            ("还可支撑新增投放", "—" if months is None else f"{months:.1f} 个月",
             f"代偿后余额按 {self.leverage:g} 倍放大，扣除全县现有贷款余额（不良部分除外）后，"
             "按近12个月全县月均新增投放测算"),
        ]

    def table(self) -> pd.DataFrame:
        months = self.months_backed
        rows = [
            ("假设转为不良的比例", money.fmt_pct(self.stress_rate)),
            ("县级分担比例", money.fmt_pct(self.fund_share)),
            ("当前范围贷款余额", money.fmt_money(self.scope_balance)),
            ("假设不良金额", money.fmt_money(self.defaulted)),
            ("风险补偿金应承担损失", money.fmt_money(self.loss)),
            ("风险补偿金余额（全县）", money.fmt_money(self.fund_balance)),
            ("覆盖倍数", fmt_value(MULTIPLE, self.coverage)),
            ("缺口", money.fmt_money(self.shortfall)),
            ("代偿后补偿金余额", money.fmt_money(self.fund_after)),
            (f"可撬动贷款（{self.leverage:g} 倍）", money.fmt_money(self.capacity)),
            ("全县贷款余额（扣除不良）", money.fmt_money(self.county_balance - self.defaulted)),
            ("剩余可撬动额度", money.fmt_money(self.headroom)),
            ("近12个月月均新增投放（全县）", money.fmt_money(self.avg_monthly_new)),
            ("还可支撑新增投放", "—" if months is None else f"{months:.1f} 个月"),
        ]
        return pd.DataFrame(rows, columns=["项目", "数值"])

    def export_table(self) -> pd.DataFrame:
        """:meth:`table` as numbers for the workbook (amounts in 万元), with a 单位 column."""
        wan = money.to_wan
        rows = [
            ("假设转为不良的比例", "%", self.stress_rate),
            ("县级分担比例", "%", self.fund_share),
            ("当前范围贷款余额", "万元", wan(self.scope_balance)),
            ("假设不良金额", "万元", wan(self.defaulted)),
            ("风险补偿金应承担损失", "万元", wan(self.loss)),
            ("风险补偿金余额（全县）", "万元", wan(self.fund_balance)),
            ("覆盖倍数", "倍", None if self.coverage is None else round(self.coverage, 2)),
            ("缺口", "万元", wan(self.shortfall)),
            ("代偿后补偿金余额", "万元", wan(self.fund_after)),
            (f"可撬动贷款（{self.leverage:g} 倍）", "万元", wan(self.capacity)),
            ("全县贷款余额（扣除不良）", "万元", wan(self.county_balance - self.defaulted)),
            ("剩余可撬动额度", "万元", wan(self.headroom)),
            ("近12个月月均新增投放（全县）", "万元", wan(self.avg_monthly_new)),
            ("还可支撑新增投放", "个月", None if self.months_backed is None else round(self.months_backed, 1)),
        ]
        return pd.DataFrame(rows, columns=["项目", "单位", "数值"])


def stress_test(db: sqlite_utils.Database, f: Filters, stress_rate: float = STRESS_DEFAULT,
                fund_share: float | None = None, th: Thresholds = THRESHOLDS) -> StressResult | None:
    """What-if: ``stress_rate`` of the scope's balance turns bad and the county
    fund pays ``fund_share`` of it. The fund is county-wide, so its remaining
    leverage headroom is measured against the county's whole balance."""
    share = th.fund_share_default if fund_share is None else fund_share
    t = totals(db, f)
    if t is None:
        return None
    (new_12,) = db.execute(
        "SELECT TOTAL(amount) FROM microloan_disbursed_monthly WHERE month BETWEEN ? AND ?",
        [periods.add_months(f.as_of, -11), f.as_of],
    ).fetchone()
    return StressResult(
        stress_rate=float(stress_rate), fund_share=float(share), leverage=th.fund_leverage_required,
        scope_balance=t.balance, county_balance=county_balance(db, f.as_of),
        fund_balance=fund_balance(db, f.as_of), avg_monthly_new=int(round(new_12 / 12)),
    )


# --- the area: targets, red flags, registry entry ---------------------------------
def _ytd(field: str):
    def actual(db, f: Filters) -> int | None:
        t = totals(db, f)
        return None if t is None else getattr(t, field)
    return actual


def _new_amount_by_town(db, as_of: str) -> dict[str, int]:
    """Every town's 当年新增投放 at ``as_of`` (0 for a town that lent nothing);
    none in a month without microloan data."""
    (has_month,) = db.execute("SELECT EXISTS (SELECT 1 FROM microloan_monthly WHERE month = ?)",
                              [as_of]).fetchone()
    if not has_month:
        return {}
    new = dict(db.execute("SELECT town_code, TOTAL(amount) FROM microloan_disbursed_monthly "
                          "WHERE month BETWEEN ? AND ? GROUP BY town_code",
                          [periods.year_start_month(as_of), as_of]).fetchall())
    return {c: int(new.get(c, 0)) for (c,) in db.execute("SELECT code FROM towns").fetchall()}


NEW_AMOUNT_TARGET = targets.Metric("microloan_new_amount", "小额信贷新增投放", "万元", ("county", "town", "bank"),
                                   _ytd("new_amount_ytd"), _new_amount_by_town)
NEW_HOUSEHOLDS_TARGET = targets.Metric("microloan_new_households", "小额信贷新增投放户数", "户", ("county",),
                                       _ytd("new_households_ytd"))


def bank_overdue_rates(db: sqlite_utils.Database, f: Filters) -> dict[str, float]:
    """逾期率 of each bank's microloans in the towns of ``f`` at ``f.as_of`` (the
    same figure as ``totals(...).overdue_rate`` for a one-bank scope), in one
    grouped query; banks with no balance are left out."""
    where, params = scope_sql(f, bank_col=None)
    return {code: overdue / balance for code, balance, overdue in db.execute(
        f"SELECT bank_code, SUM(balance), SUM(overdue_balance) FROM microloan_monthly "
        f"WHERE month = ?{where} GROUP BY bank_code", [f.as_of, *params]).fetchall() if balance}


def flags(db: sqlite_utils.Database, f: Filters, names: Names, th: Thresholds = THRESHOLDS) -> list[Flag]:
    """小额信贷 red flags: the KPI row's threshold flags, banks above the overdue line
    (with the rate three months before, and a carried position named)."""
    out = kpi_flags(AREA, kpis(db, f, th=th))
    carried = {g.reporter: g for g in completeness.gaps(db, f, (AREA.key,))
               if g.reporter_kind == completeness.BANK}
    now = bank_overdue_rates(db, f)
    before = bank_overdue_rates(db, f.at(periods.add_months(f.as_of, -3)))
    for code in f.banks or tuple(names.banks):
        rate = now.get(code)
        if rate is None or rate <= th.overdue_rate_max:
            continue
        trend = f"（三个月前 {money.fmt_pct(before[code])}）" if before.get(code) is not None else ""
        if code in carried:
            trend += f"（{carried[code].label}）"
        out.append(Flag(AREA.title, f"{names.banks[code]}小额信贷逾期率 {money.fmt_pct(rate)}{trend}，"
                        f"高于 {money.fmt_pct(th.overdue_rate_max)}", AREA.key, (("bank", names.banks[code]),),
                        BREACH, subject=names.banks[code], value=rate, limit=th.overdue_rate_max))
    return out


def _refresh(db, months=None, tables=None) -> None:
    """The microloan roll-ups, and the fund's months up to the latest microloan month
    (the 风险补偿金 balance is a roll-up of the fund ledger, rollups.refresh_fund).
    A write that changed only month-end status leaves the ledger's helper tables be."""
    rollups.refresh_microloans(db, months, ledger=tables is None or bool(set(tables) - {"microloan_status"}))
    rollups.refresh_fund(db)


AREA = Area(
    key="microloans", title="小额信贷", heading="脱贫人口小额信贷", kpis=kpis,
    overview=("ml_balance", "ml_households", "ml_new_hh", "ml_new_amount", "ml_overdue_rate"),
    flags=flags, targets=(NEW_AMOUNT_TARGET, NEW_HOUSEHOLDS_TARGET), refresh=_refresh,
    rollup_tables=("microloan_monthly", "microloan_first_loans", "microloan_household_years",
                   "microloan_disbursed_monthly", "household_counts"),
    import_feeds=("microloans", "microloan_status"), completeness_feeds=("microloans",),
)
