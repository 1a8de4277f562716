"""财政资金: the bureau's own money in inclusive finance.

Four ledgers (schema ``V_FISCAL``):

- 贴息 (``subsidy_claims``, ``subsidy_rejections``): one claim per bank and
  quarter of interest; approved = applied − rejected items; paid later.
- 风险补偿金代偿 (``fund_claims``, ``fund_recoveries``, ``fund_moves``): a claim on
  a microloan more than 90 days overdue, split into the county (fund) share and
  the bank's; recoveries go back to the fund; top-ups come in. The monthly
  ``risk_fund`` table (balance shown on /microloans and here, through
  :func:`finance_core.microloans.fund_balance`) is rebuilt from these ledgers by
  :func:`refresh_fund`, so claims paid = fund outflows by construction.
- 担保代偿分担 (``comp_share_payments``): per compensation of the guarantee
  company, what each party of the 4321 split actually paid; what is due follows
  from the product's shares (:func:`split_4321`).
- 示范区及奖补资金 (``zone_funds``, ``zone_projects``, ``zone_spending``,
  ``ipo_awards``): money received by level, allocated, spent per month; 上市奖补
  due per first entry into a stage (config ``ipo_award_policy``) and paid.

A payment ledger the county does not keep at all (no 4321 payment, no award
recorded) lists no claims of its kind: "unpaid" cannot be told from "not
recorded" there.

State at a data month is the state at its last day: a claim filed on the 31st
of January is in January's pipeline with age 0; one filed on 1 February is not.

Scope: 贴息 claims have a bank but no town (the town filter does not apply);
补偿金 claims and guarantee compensations have both; 上市奖补 has the company's
town; 示范区资金 is county-wide. Each panel's caption says so.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Sequence

import pandas as pd
import sqlite_utils

from . import completeness, microloans, money, periods, privacy, reuse, rollups
from .area import BEHIND, BREACH, GAP, Area, Flag, Names
from .config import THRESHOLDS, Thresholds
from .filters import Filters, scope_sql
from .kpi import MONEY, MULTIPLE, RATIO, YTD_SUM, Kpi, compare
from .money import safe_ratio

# --- 4321 split -------------------------------------------------------------------
PARTIES = ("guarantor", "reguarantor", "bank", "gov")
PARTY_NAMES = {"guarantor": "担保公司", "reguarantor": "再担保", "bank": "银行", "gov": "地方政府"}
LEVEL_NAMES = {"central": "中央", "provincial": "省级", "county": "县级"}

AREA_KEY, ZONE_FEED = "fiscal", "fiscal_zone_spending"
KIND_SUBSIDY, KIND_FUND, KIND_SHARE, KIND_AWARD = "贴息", "补偿金代偿", "县级分担", "上市奖补"
KINDS = (KIND_SUBSIDY, KIND_FUND, KIND_SHARE, KIND_AWARD)
REVIEW, PAY, DONE = "待审核", "待拨付", "已拨付"
STAGES = (REVIEW, PAY, DONE)
OVERDUE, ON_TIME = "逾期未拨付", "正常"
TITLE = "财政资金"


def split_4321(amount: int, shares_pct: Sequence[int]) -> tuple[int, ...]:
    """Split ``amount`` 元 by integer percentages (summing to 100) so that the
    parts are whole 元 and sum exactly to ``amount``: largest remainder — each
    part is rounded down, and the 元 left over go one each to the parts with
    the largest remainders; equal remainders go to the earlier party (担保公司,
    再担保, 银行, 地方政府 in that order)."""
    if sum(shares_pct) != 100:
        raise ValueError(f"shares must sum to 100, got {list(shares_pct)}")
    amount = int(amount)
    floors = [amount * s // 100 for s in shares_pct]
    remainders = [amount * s % 100 for s in shares_pct]
    left = amount - sum(floors)
    order = sorted(range(len(shares_pct)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return tuple(floors)


# --- quarters ----------------------------------------------------------------------
def quarter_of(month: str) -> str:
    y, m = periods.parse_month(month)
    return f"{y}-Q{(m - 1) // 3 + 1}"


def quarter_months(quarter: str) -> tuple[str, str]:
    y, q = int(quarter[:4]), int(quarter[-1])
    return periods.month_str(y, 3 * q - 2), periods.month_str(y, 3 * q)


def quarter_end(quarter: str) -> dt.date:
    return periods.month_end(quarter_months(quarter)[1])


def quarter_label(quarter: str) -> str:
    return f"{quarter[:4]}年{'一二三四'[int(quarter[-1]) - 1]}季度"


def add_quarters(quarter: str, n: int) -> str:
    return quarter_of(periods.add_months(quarter_months(quarter)[1], 3 * n))


def pct(ratio: float | None) -> float | None:
    """A ratio as a percentage with one decimal, half up (as shown)."""
    if ratio is None:
        return None
    return float((Decimal(repr(float(ratio))) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _end(month: str) -> str:
    return periods.month_end(month).isoformat()


def _year_start(month: str) -> str:
    return f"{periods.year_of(month)}-01-01"


# --- the fund roll-up (risk_fund) ----------------------------------------------------
# the roll-up itself lives with the others (finance_core.rollups, which the migration
# and the demo call); this area's registry entry refreshes it
fund_ledger_in_use = rollups.fund_ledger_in_use
refresh_fund = rollups.refresh_fund


def fund_flows(db: sqlite_utils.Database, month: str, months: int = 12) -> pd.DataFrame:
    """The fund's monthly movements up to ``month`` (the ``months`` last), 万元."""
    rows = db.execute(
        "SELECT month, contributed, paid_out, recovered, balance FROM risk_fund "
        "WHERE month <= ? AND month > ? ORDER BY month",
        [month, periods.add_months(month, -months)]).fetchall()
    return pd.DataFrame(
        [{"月份": m, "注资（万元）": money.to_wan(c), "代偿拨付（万元）": money.to_wan(p),
          "追回（万元）": money.to_wan(r), "月末余额（万元）": money.to_wan(b)} for m, c, p, r, b in rows],
        columns=["月份", "注资（万元）", "代偿拨付（万元）", "追回（万元）", "月末余额（万元）"])


# --- claims: one shape for the four kinds -------------------------------------------
@dataclasses.dataclass(frozen=True)
class Claim:
    """A claim on the bureau's money as it stood at the end of a data month."""

    kind: str
    no: str
    party: str                  # who claims / is owed: bank, product, company
    bank_code: str | None
    town_code: str | None
    amount: int                 # applied (贴息, 补偿金: county share claimed) or due (分担, 奖补)
    approved: int | None        # None: not yet approved
    paid: int                   # paid up to the month end
    applied_on: str
    approved_on: str | None
    paid_on: str | None         # the payment that completed it, None while pending
    limit_days: int
    as_of_date: str
    detail: str = ""            # loan and masked borrower, period, stage ...

    @property
    def stage(self) -> str:
        if self.paid_on is not None:
            return DONE
        return PAY if self.approved is not None else REVIEW

    @property
    def pending(self) -> bool:
        return self.stage != DONE

    @property
    def age(self) -> int:
        """Days from the claim to its payment, or to the month end while pending."""
        return periods.days_between(self.applied_on, self.paid_on or self.as_of_date)

    @property
    def overdue(self) -> bool:
        return self.pending and self.age > self.limit_days

    @property
    def outstanding(self) -> int:
        """What is still to pay: the approved amount (the claimed one before approval) less payments."""
        return (self.amount if self.approved is None else self.approved) - self.paid


def _at(date: str | None, end: str) -> str | None:
    return date if date is not None and date <= end else None


def subsidy_claims(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> list[Claim]:
    """贴息 claims filed by the end of ``f.as_of`` (banks in scope)."""
    end = _end(f.as_of)
    where, params = scope_sql(f, town_col=None, bank_col="c.bank_code")
    rows = db.execute(
        f"""SELECT c.id, c.quarter, b.name, c.bank_code, c.applied_amount, c.applied_on,
                   c.approved_amount, c.approved_on, c.paid_amount, c.paid_on, c.eligible_loans
            FROM subsidy_claims c JOIN banks b ON b.code = c.bank_code
            WHERE c.applied_on <= ?{where} ORDER BY c.quarter, c.bank_code""", [end, *params]).fetchall()
    out = []
    for cid, quarter, bank, code, applied, applied_on, approved, approved_on, paid, paid_on, loans in rows:
        ok = _at(approved_on, end)
        done = _at(paid_on, end)
        out.append(Claim(KIND_SUBSIDY, f"TX-{quarter}-{code}", bank, code, None, int(applied),
                         int(approved) if ok else None, int(paid) if done else 0, applied_on, ok, done,
                         th.subsidy_pay_days, end, f"{quarter_label(quarter)}，{loans}笔"))
    return out


def fund_claims(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> list[Claim]:
    """风险补偿金 claims filed by the end of ``f.as_of`` (towns and banks in scope);
    the borrower's name is masked here."""
    end = _end(f.as_of)
    where, params = scope_sql(f, town_col="c.town_code", bank_col="c.bank_code")
    rows = db.execute(
        f"""SELECT c.claim_no, b.name, c.bank_code, c.town_code, c.county_share, c.applied_on,
                   c.approved_amount, c.approved_on, c.paid_amount, c.paid_on, l.loan_no, h.head_name
            FROM fund_claims c JOIN banks b ON b.code = c.bank_code
            JOIN microloans l ON l.id = c.loan_id JOIN households h ON h.id = l.household_id
            WHERE c.applied_on <= ?{where} ORDER BY c.applied_on, c.claim_no""", [end, *params]).fetchall()
    out = []
    for no, bank, code, town, share, applied_on, approved, approved_on, paid, paid_on, loan_no, name in rows:
        ok = _at(approved_on, end)
        done = _at(paid_on, end)
        out.append(Claim(KIND_FUND, no, bank, code, town, int(share), int(approved) if ok else None,
                         int(paid) if done else 0, applied_on, ok, done, th.fund_claim_pay_days, end,
                         f"{loan_no} {privacy.mask_name(name)}"))
    return out


@dataclasses.dataclass(frozen=True)
class Compensation:
    contract_id: int
    contract_no: str
    product: str
    bank_code: str
    town_code: str
    compensated_on: str
    amount: int
    due: dict[str, int]         # party -> 元 due (4321 split)
    paid: dict[str, int]        # party -> 元 paid by the month end
    last_paid_on: dict[str, str]


def compensations(db: sqlite_utils.Database, f: Filters) -> list[Compensation]:
    """Guarantee compensations up to the end of ``f.as_of`` (towns and banks of
    the contract in scope), each with its 4321 split as due and as paid."""
    end = _end(f.as_of)
    where, params = scope_sql(f, town_col="c.town_code", bank_col="c.bank_code")
    rows = db.execute(
        f"""SELECT c.id, c.contract_no, p.name, c.bank_code, c.town_code, c.compensated_on,
                   c.compensated_amount, p.share_guarantor_pct, p.share_reguarantor_pct,
                   p.share_bank_pct, p.share_gov_pct
            FROM guarantee_contracts c JOIN guarantee_products p ON p.code = c.product_code
            WHERE c.compensated_amount > 0 AND c.compensated_on <= ?{where}
            ORDER BY c.compensated_on, c.id""", [end, *params]).fetchall()
    paid: dict[int, dict[str, int]] = {}
    last: dict[int, dict[str, str]] = {}
    for cid, party, amount, latest in db.execute(   # the payments of those contracts only
            f"SELECT s.contract_id, s.party, SUM(s.amount), MAX(s.paid_on) FROM comp_share_payments s "
            f"WHERE s.paid_on <= ? AND s.contract_id IN (SELECT c.id FROM guarantee_contracts c "
            f"WHERE c.compensated_amount > 0 AND c.compensated_on <= ?{where}) GROUP BY s.contract_id, s.party",
            [end, end, *params]).fetchall():
        paid.setdefault(cid, {})[party] = int(amount)
        last.setdefault(cid, {})[party] = latest
    out = []
    for cid, no, product, bank, town, on, amount, *shares in rows:
        due = dict(zip(PARTIES, split_4321(amount, shares)))
        out.append(Compensation(cid, no, product, bank, town, on, int(amount), due,
                                {p: paid.get(cid, {}).get(p, 0) for p in PARTIES}, last.get(cid, {})))
    return out


def county_share_claims(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> list[Claim]:
    """The county's (地方政府) part of each compensation, tracked to payment: due
    from the compensation date; paid when the payments reach what is due."""
    if not _kept(db, "comp_share_payments"):
        return []
    end = _end(f.as_of)
    out = []
    for c in compensations(db, f):
        due = c.due["gov"]
        if due <= 0:
            continue
        paid = min(c.paid["gov"], due)
        done = c.last_paid_on.get("gov") if paid >= due else None
        out.append(Claim(KIND_SHARE, c.contract_no, c.product, c.bank_code, c.town_code, due, due, paid,
                         c.compensated_on, c.compensated_on, done, th.county_share_pay_days, end,
                         f"代偿 {money.fmt_money(c.amount)}"))
    return out


def _kept(db: sqlite_utils.Database, table: str) -> bool:
    """Whether the county keeps this payment ledger at all: without a single row
    nothing can be said about what is unpaid, so its claims are not listed."""
    (kept,) = db.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()
    return bool(kept)


def award_policy(th: Thresholds = THRESHOLDS) -> dict[str, int]:
    return {str(stage): int(amount) for stage, amount in th.ipo_award_policy}


def award_claims(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> list[Claim]:
    """上市奖补: one award per company and policy stage, due from the company's
    first entry into the stage (a re-entry after a fall-back earns nothing new);
    towns of the company in scope; none when banks are chosen (an award has no bank)."""
    end = _end(f.as_of)
    policy = award_policy(th)
    if not policy or f.banks or not _kept(db, "ipo_awards"):   # an award has no bank: none in a bank's scope
        return []
    where, params = scope_sql(f, town_col="c.town_code", bank_col=None)
    marks = ",".join("?" * len(policy))
    rows = db.execute(
        f"""SELECT c.id, c.name, c.town_code, e.stage, MIN(e.event_date)
            FROM ipo_events e JOIN companies c ON c.id = e.company_id
            WHERE e.stage IN ({marks}) AND e.event_date <= ?{where}
            GROUP BY c.id, e.stage ORDER BY MIN(e.event_date), c.id""",
        [*policy, end, *params]).fetchall()
    paid = {(cid, stage): (int(a), last) for cid, stage, a, last in db.execute(   # the scope's companies only
        f"SELECT a.company_id, a.stage, SUM(a.amount), MAX(a.paid_on) FROM ipo_awards a "
        f"JOIN companies c ON c.id = a.company_id WHERE a.paid_on <= ?{where} "
        f"GROUP BY a.company_id, a.stage", [end, *params]).fetchall()}
    out = []
    for cid, name, town, stage, reached in rows:
        due = policy[stage]
        amount, last = paid.get((cid, stage), (0, None))
        done = last if amount >= due else None
        out.append(Claim(KIND_AWARD, f"JB-{cid:03d}-{stage}", name, None, town, due, due, min(amount, due),
                         reached, reached, done, th.award_pay_days, end, f"进入{stage}"))
    return out


def all_claims(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> list[Claim]:
    return (subsidy_claims(db, f, th) + fund_claims(db, f, th) + county_share_claims(db, f, th)
            + award_claims(db, f, th))


PIPELINE_COLUMNS = ["类别", "编号", "申报单位/对象", "说明", "申报（应付）金额（万元）", "核定金额（万元）",
                    "已拨付（万元）", "未拨付（万元）", "申报日期", "审核日期", "拨付日期", "环节", "已用天数",
                    "时限（天）", "状态"]


def pipeline_table(db: sqlite_utils.Database, f: Filters, pending_only: bool = True,
                   th: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """Claims at the month end, oldest first (overdue on top): the pending ones,
    or every claim paid this year as well."""
    year_start = _year_start(f.as_of)
    items = [c for c in all_claims(db, f, th)
             if c.pending or (not pending_only and c.paid_on >= year_start)]
    items.sort(key=lambda c: (not c.overdue, not c.pending, -c.age, c.kind, c.no))
    return pd.DataFrame(
        [{"类别": c.kind, "编号": c.no, "申报单位/对象": c.party, "说明": c.detail,
          "申报（应付）金额（万元）": money.to_wan(c.amount), "核定金额（万元）": money.to_wan(c.approved),
          "已拨付（万元）": money.to_wan(c.paid), "未拨付（万元）": money.to_wan(c.outstanding),
          "申报日期": c.applied_on, "审核日期": c.approved_on or "—", "拨付日期": c.paid_on or "—",
          "环节": c.stage, "已用天数": c.age, "时限（天）": c.limit_days,
          "状态": OVERDUE if c.overdue else (ON_TIME if c.pending else DONE)} for c in items],
        columns=PIPELINE_COLUMNS)


def pipeline_summary(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """申报 → 审核 → 拨付 per kind at the month end: pending claims per step
    (count and amount still to pay), overdue among them, the oldest, and this
    year's payments."""
    year_start = _year_start(f.as_of)
    by_kind: dict[str, list[Claim]] = {k: [] for k in KINDS}
    for c in all_claims(db, f, th):
        by_kind[c.kind].append(c)
    rows = []
    for kind, items in by_kind.items():
        review = [c for c in items if c.stage == REVIEW]
        pay = [c for c in items if c.stage == PAY]
        late = [c for c in items if c.overdue]
        paid_year = sum(c.paid for c in items if c.paid_on is not None and c.paid_on >= year_start)
        rows.append({
            "类别": kind,
            "待审核笔数": len(review), "待审核金额（万元）": money.to_wan(sum(c.outstanding for c in review)),
            "待拨付笔数": len(pay), "待拨付金额（万元）": money.to_wan(sum(c.outstanding for c in pay)),
            "逾期未拨付笔数": len(late), "逾期未拨付金额（万元）": money.to_wan(sum(c.outstanding for c in late)),
            "最长等待（天）": max((c.age for c in items if c.pending), default=None),
            "时限（天）": items[0].limit_days if items else _limit(kind, th),
            "当年已拨付（万元）": money.to_wan(paid_year),
        })
    return pd.DataFrame(rows)


def _limit(kind: str, th: Thresholds) -> int:
    return {KIND_SUBSIDY: th.subsidy_pay_days, KIND_FUND: th.fund_claim_pay_days,
            KIND_SHARE: th.county_share_pay_days, KIND_AWARD: th.award_pay_days}[kind]


# --- 示范区资金 ------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class ZoneProgress:
    month: str
    received_total: int        # received up to the month end, every year
    received_ytd: int
    allocated: int             # allocated to projects by the month end
    spent_before: int          # spent before this year
    spent_ytd: int
    time_progress: float

    @property
    def available(self) -> int:
        """This year's money to spend: unspent at the year start plus received this year (so far)."""
        return self.received_total - self.spent_before

    @property
    def progress(self) -> float | None:
        """支出进度 = spent this year ÷ available this year."""
        return safe_ratio(self.spent_ytd, self.available)

    @property
    def unspent(self) -> int:
        return self.available - self.spent_ytd

    @property
    def behind(self) -> bool:
        return self.progress is not None and self.progress < self.time_progress


def zone_progress(db: sqlite_utils.Database, month: str) -> ZoneProgress | None:
    """示范区资金 at the end of ``month`` (county-wide); None before any money came in."""
    end, ys = _end(month), _year_start(month)
    received, received_ytd = db.execute(
        "SELECT TOTAL(amount), TOTAL(CASE WHEN received_on >= ? THEN amount END) FROM zone_funds "
        "WHERE received_on <= ?", [ys, end]).fetchone()
    if not received:
        return None
    (allocated,) = db.execute("SELECT TOTAL(allocated) FROM zone_projects WHERE allocated_on <= ?",
                              [end]).fetchone()
    before, ytd = db.execute(
        "SELECT TOTAL(CASE WHEN month < ? THEN amount END), TOTAL(CASE WHEN month >= ? THEN amount END) "
        "FROM zone_spending WHERE month <= ?", [ys[:7], ys[:7], month]).fetchone()
    return ZoneProgress(month, int(received), int(received_ytd), int(allocated), int(before), int(ytd),
                        periods.time_progress(month))


def zone_trend(db: sqlite_utils.Database, month: str) -> pd.DataFrame:
    """This year's 支出进度 month by month against 序时进度 (both %)."""
    rows = []
    for m in periods.months_between(periods.year_start_month(month), month):
        z = zone_progress(db, m)
        if z is None:
            continue
        rows.append({"月份": m, "当年累计支出（万元）": money.to_wan(z.spent_ytd),
                     "支出进度（%）": pct(z.progress), "序时进度（%）": pct(z.time_progress)})
    return pd.DataFrame(rows, columns=["月份", "当年累计支出（万元）", "支出进度（%）", "序时进度（%）"])


def zone_projects(db: sqlite_utils.Database, month: str) -> pd.DataFrame:
    """Projects allocated by the month end: allocation, spending this year and
    since the start, 执行率 = spent ÷ allocated, and whether this month's
    spending was reported."""
    ys = periods.year_start_month(month)
    rows = db.execute(
        """SELECT p.code, p.name, p.program, p.allocated, p.allocated_on,
                  TOTAL(CASE WHEN s.month >= ? THEN s.amount END), TOTAL(s.amount),
                  MAX(s.month = ?)
           FROM zone_projects p LEFT JOIN zone_spending s ON s.project_code = p.code AND s.month <= ?
           WHERE p.allocated_on <= ? GROUP BY p.code ORDER BY p.code""",
        [ys, month, month, _end(month)]).fetchall()
    return pd.DataFrame(
        [{"项目": name, "资金来源": program, "分配金额（万元）": money.to_wan(allocated), "分配日期": on,
          "当年支出（万元）": money.to_wan(ytd), "累计支出（万元）": money.to_wan(total),
          "执行率（%）": pct(safe_ratio(total, allocated)),
          "本月报送": "已报送" if reported else "未报送"}
         for _code, name, program, allocated, on, ytd, total, reported in rows],
        columns=["项目", "资金来源", "分配金额（万元）", "分配日期", "当年支出（万元）", "累计支出（万元）",
                 "执行率（%）", "本月报送"])


def zone_receipts(db: sqlite_utils.Database, month: str) -> pd.DataFrame:
    rows = db.execute("SELECT received_on, level, program, amount, note FROM zone_funds WHERE received_on <= ? "
                      "ORDER BY received_on, id", [_end(month)]).fetchall()
    return pd.DataFrame(
        [{"到账日期": on, "资金级次": LEVEL_NAMES.get(level, level), "资金名称": program,
          "金额（万元）": money.to_wan(amount), "备注": note or ""} for on, level, program, amount, note in rows],
        columns=["到账日期", "资金级次", "资金名称", "金额（万元）", "备注"])


def missing_zone_reports(db: sqlite_utils.Database, month: str) -> list[str]:
    """Projects expected to report ``month``'s spending that did not (the
    completeness feed 示范区资金支出): their spending of the month is missing, not zero."""
    return [g.reporter_name for g in completeness.gaps(db, Filters(month), (AREA_KEY,))
            if g.feed == ZONE_FEED]


# --- 贴息 claim completeness -----------------------------------------------------------
def due_quarter(month: str, th: Thresholds = THRESHOLDS) -> str | None:
    """The latest quarter whose 贴息 claim was due by the end of ``month``."""
    end = periods.month_end(month)
    q = quarter_of(month)
    for _ in range(3):
        if quarter_end(q) + dt.timedelta(days=th.subsidy_claim_due_days) <= end:
            return q
        q = add_quarters(q, -1)
    return None


def missing_subsidy_claims(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> list[tuple[str, str]]:
    """(bank name, quarter) of banks in scope that claimed 贴息 for one of the two
    quarters before the latest due quarter but not (by the month end) for it."""
    q = due_quarter(f.as_of, th)
    if q is None:
        return []
    where, params = scope_sql(f, town_col=None, bank_col="c.bank_code")
    rows = db.execute(
        f"""SELECT DISTINCT b.name FROM subsidy_claims c JOIN banks b ON b.code = c.bank_code
            WHERE c.quarter IN (?, ?){where} AND NOT EXISTS (
                SELECT 1 FROM subsidy_claims d WHERE d.bank_code = c.bank_code AND d.quarter = ?
                AND d.applied_on <= ?) ORDER BY b.code""",
        [add_quarters(q, -1), add_quarters(q, -2), *params, q, _end(f.as_of)]).fetchall()
    return [(name, q) for (name,) in rows]


def gap_lines(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> list[str]:
    """Missing quarterly 贴息 claims, in words (the monthly 示范区资金支出 feed is in
    :mod:`finance_core.completeness` with the other monthly feeds)."""
    return [f"{bank}未报送{quarter_label(q)}贴息申报（应于季后{th.subsidy_claim_due_days}天内报送），"
            "当季贴息缺失" for bank, q in missing_subsidy_claims(db, f, th)]


# --- KPIs ----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Snapshot:
    month: str
    subsidy_paid_ytd: int
    subsidy_pending: int
    subsidy_pending_n: int
    fund_paid_ytd: int
    fund_paid_n_ytd: int
    fund_pending: int
    fund_pending_n: int
    fund_recovered_ytd: int
    share_due_ytd: int
    share_paid_ytd: int
    share_unpaid: int
    share_unpaid_n: int
    fund_balance: int | None
    fund_leverage: float | None
    zone: ZoneProgress | None
    award_paid_ytd: int
    award_pending: int
    overdue_n: int
    overdue_amount: int

    @property
    def zone_progress(self) -> float | None:
        return None if self.zone is None else self.zone.progress


def _paid_in(items: list[Claim], start: str, end: str) -> int:
    return sum(c.paid for c in items if c.paid_on is not None and start <= c.paid_on <= end)


@reuse.shared
def snapshot(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> Snapshot:
    ys, end = _year_start(f.as_of), _end(f.as_of)
    sub = subsidy_claims(db, f, th)
    fund = fund_claims(db, f, th)
    share = county_share_claims(db, f, th)
    award = award_claims(db, f, th)
    where, params = scope_sql(f, town_col="c.town_code", bank_col="c.bank_code")
    (recovered,) = db.execute(
        f"SELECT TOTAL(r.amount) FROM fund_recoveries r JOIN fund_claims c ON c.id = r.claim_id "
        f"WHERE r.recovered_on BETWEEN ? AND ?{where}", [ys, end, *params]).fetchone()
    (share_paid,) = db.execute(
        f"SELECT TOTAL(s.amount) FROM comp_share_payments s JOIN guarantee_contracts c ON c.id = s.contract_id "
        f"WHERE s.party = 'gov' AND s.paid_on BETWEEN ? AND ?{where}", [ys, end, *params]).fetchone()
    everything = sub + fund + share + award
    late = [c for c in everything if c.overdue]
    return Snapshot(
        f.as_of,
        subsidy_paid_ytd=_paid_in(sub, ys, end),
        subsidy_pending=sum(c.outstanding for c in sub if c.pending),
        subsidy_pending_n=sum(c.pending for c in sub),
        fund_paid_ytd=_paid_in(fund, ys, end),
        fund_paid_n_ytd=sum(1 for c in fund if c.paid_on is not None and c.paid_on >= ys),
        fund_pending=sum(c.outstanding for c in fund if c.pending),
        fund_pending_n=sum(c.pending for c in fund),
        fund_recovered_ytd=int(recovered),
        share_due_ytd=sum(c.amount for c in share if c.applied_on >= ys),
        share_paid_ytd=int(share_paid),
        share_unpaid=sum(c.outstanding for c in share if c.pending),
        share_unpaid_n=sum(c.pending for c in share),
        fund_balance=microloans.fund_balance(db, f.as_of),
        # the fund: one definition, the 小额信贷 area's (its leverage needs that month's microloan data)
        fund_leverage=microloans.fund_leverage(db, f.as_of),
        zone=zone_progress(db, f.as_of),
        award_paid_ytd=_paid_in(award, ys, end),
        award_pending=sum(c.outstanding for c in award if c.pending),
        overdue_n=len(late),
        overdue_amount=sum(c.outstanding for c in late),
    )


@reuse.shared
def kpis(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> list[Kpi]:
    """The page's KPI row, compared with the month before and a year before."""
    now = snapshot(db, f, th)
    prev = snapshot(db, f.at(periods.add_months(f.as_of, -1)), th)
    base = snapshot(db, f.at(periods.add_months(f.as_of, -12)), th)
    start = snapshot(db, f.at(periods.previous_year_end(f.as_of)), th)   # balances: 较年初 beside 同比
    ytd = {"ytd": YTD_SUM, "as_of": f.as_of, "data_start": periods.data_start(db)}
    stock = {"second": start, "second_label": "较年初"}

    def kpi(key, label, kind, attr, **kw):
        get = attr if callable(attr) else (lambda s: getattr(s, attr))
        return compare(key, label, kind, get, now, prev, base, **kw)

    zone = kpi("fs_zone_progress", "示范区资金支出进度", RATIO, "zone_progress",
               help="当年支出 ÷（年初结余 + 当年到账）；序时进度 = 当年已过天数 ÷ 全年天数；全县口径")
    if now.zone is not None and now.zone.behind:
        zone = dataclasses.replace(zone, flag=f"低于序时进度 {money.fmt_pct(now.zone.time_progress)}")
    late = kpi("fs_overdue", "逾期未拨付", MONEY, "overdue_amount", good_when_up=False, **stock,
               help=f"超过拨付时限仍未拨付的申报：贴息 {th.subsidy_pay_days} 天、补偿金代偿 {th.fund_claim_pay_days} 天、"
                    f"县级分担 {th.county_share_pay_days} 天、上市奖补 {th.award_pay_days} 天")
    if now.overdue_n:
        late = dataclasses.replace(late, flag=f"{now.overdue_n} 笔超过拨付时限")
    share_unpaid = kpi("fs_share_unpaid", "县级分担未付", MONEY, "share_unpaid", good_when_up=False, **stock,
                       help="担保代偿中地方政府应承担部分（4321 中的 10%）尚未拨付的金额，累计")
    lev = kpi("fs_fund_leverage", "补偿金放大倍数（全县）", MULTIPLE, "fund_leverage",
              help=f"全县小额信贷余额 ÷ 风险补偿金余额；应不低于 {th.fund_leverage_required:g} 倍（与小额信贷页同一口径）")
    if now.fund_leverage is not None and now.fund_leverage < th.fund_leverage_required:
        lev = dataclasses.replace(lev, flag=f"低于 {th.fund_leverage_required:g} 倍，撬动不足")
    items = [
        kpi("fs_subsidy_paid", "当年拨付贴息", MONEY, "subsidy_paid_ytd",
            help="当年已拨付给银行的贴息（按拨付日期）；不随乡镇筛选变化", **ytd),
        kpi("fs_subsidy_pending", "贴息待审核/待拨付", MONEY, "subsidy_pending", good_when_up=False, **stock,
            help="已申报尚未拨付的贴息（已审核的按核定金额）"),
        kpi("fs_fund_paid", "补偿金代偿当年已拨付", MONEY, "fund_paid_ytd",
            help="风险补偿金当年拨付的代偿（县级分担部分）", **ytd),
        kpi("fs_fund_pending", "补偿金代偿待拨付", MONEY, "fund_pending", good_when_up=False, **stock,
            help="银行已申报、尚未拨付的代偿（已审核的按核定金额）"),
        kpi("fs_share_due", "县级分担当年应付", MONEY, "share_due_ytd",
            help="当年发生的担保代偿中地方政府应承担的部分（按产品分险比例，最大余数法取整到元）", **ytd),
        kpi("fs_share_paid", "县级分担当年已付", MONEY, "share_paid_ytd", **ytd),
        share_unpaid,
        kpi("fs_fund", "风险补偿金余额（全县）", MONEY, "fund_balance", **stock,
            help="县级风险补偿金月末余额（与小额信贷页同一口径）；不随乡镇、银行筛选变化"),
        lev,
        zone,
        kpi("fs_award_paid", "当年兑现上市奖补", MONEY, "award_paid_ytd", **ytd),
        kpi("fs_award_pending", "上市奖补待兑现", MONEY, "award_pending", good_when_up=False, **stock,
            help="企业已达到奖补阶段、尚未兑现的奖补"),
        late,
    ]
    # a 示范区 project that did not report the month: its spending is missing (a flow)
    items = completeness.annotate(items, completeness.gaps(db, f, (AREA_KEY,)), flows=("fs_zone_progress",),
                                  only=("fs_zone_progress",))
    missing = missing_subsidy_claims(db, f, th)
    if missing:
        note = "缺" + "、".join(b for b, _ in missing) + quarter_label(missing[0][1]) + "申报"
        items = [dataclasses.replace(k, note=note) if k.key in ("fs_subsidy_pending",) else k for k in items]
    return items


# --- per bank and per quarter ------------------------------------------------------------
def bank_table(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """Per bank (in scope, with any claim): this year's 贴息 claims (by filing
    date) applied, rejected, approved and paid; 补偿金 claims this year, paid
    this year and pending; the bank's share of guarantee compensations."""
    ys, end = _year_start(f.as_of), _end(f.as_of)
    sub = subsidy_claims(db, f, th)
    fund = fund_claims(db, f, th)
    comps = compensations(db, f)
    names = dict(db.execute("SELECT code, name FROM banks").fetchall())
    codes = sorted({c.bank_code for c in sub + fund} | {c.bank_code for c in comps})
    rejected = _rejected_by_claim(db, end)
    records = []
    for code in codes:
        s_year = [c for c in sub if c.bank_code == code and c.applied_on >= ys]
        f_bank = [c for c in fund if c.bank_code == code]
        records.append({
            "银行": names.get(code, code),
            "当年贴息申报（万元）": money.to_wan(sum(c.amount for c in s_year)),
            "核减（万元）": money.to_wan(sum(rejected.get(c.no, 0) for c in s_year if c.approved is not None)),
            "核定（万元）": money.to_wan(sum(c.approved or 0 for c in s_year)),
            "当年拨付贴息（万元）": money.to_wan(_paid_in([c for c in sub if c.bank_code == code], ys, end)),
            "贴息待拨付（万元）": money.to_wan(sum(c.outstanding for c in sub if c.bank_code == code and c.pending)),
            "补偿金当年申报笔数": sum(1 for c in f_bank if c.applied_on >= ys),
            "补偿金当年拨付（万元）": money.to_wan(_paid_in(f_bank, ys, end)),
            "补偿金待拨付（万元）": money.to_wan(sum(c.outstanding for c in f_bank if c.pending)),
            "担保代偿银行分担（万元）": money.to_wan(sum(c.due["bank"] for c in comps if c.bank_code == code)),
            "逾期未拨付笔数": sum(1 for c in sub + f_bank if c.bank_code == code and c.overdue),
        })
    return pd.DataFrame(records, columns=["银行", "当年贴息申报（万元）", "核减（万元）", "核定（万元）",
                                          "当年拨付贴息（万元）", "贴息待拨付（万元）", "补偿金当年申报笔数",
                                          "补偿金当年拨付（万元）", "补偿金待拨付（万元）", "担保代偿银行分担（万元）",
                                          "逾期未拨付笔数"])


def _rejected_by_claim(db: sqlite_utils.Database, end: str) -> dict[str, int]:
    return {f"TX-{q}-{b}": int(a) for q, b, a in db.execute(
        "SELECT c.quarter, c.bank_code, SUM(r.amount) FROM subsidy_rejections r "
        "JOIN subsidy_claims c ON c.id = r.claim_id WHERE c.applied_on <= ? GROUP BY c.id", [end]).fetchall()}


def quarter_table(db: sqlite_utils.Database, f: Filters, quarters: int = 8,
                  th: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """The last ``quarters`` quarters up to the data month's: 贴息 by quarter of
    interest (applied, rejected, approved, paid by the month end); 补偿金代偿 paid,
    recoveries and the county's 分担 paid, by the quarter they happened in."""
    end = _end(f.as_of)
    last = quarter_of(f.as_of)
    sub = subsidy_claims(db, f, th)
    fund = fund_claims(db, f, th)
    rejected = _rejected_by_claim(db, end)
    where, params = scope_sql(f, town_col="c.town_code", bank_col="c.bank_code")
    recov = dict(db.execute(
        f"""SELECT substr(r.recovered_on, 1, 4) || '-Q' || ((CAST(substr(r.recovered_on, 6, 2) AS INTEGER) + 2) / 3),
                   SUM(r.amount) FROM fund_recoveries r JOIN fund_claims c ON c.id = r.claim_id
            WHERE r.recovered_on <= ?{where} GROUP BY 1""", [end, *params]).fetchall())
    share = dict(db.execute(
        f"""SELECT substr(s.paid_on, 1, 4) || '-Q' || ((CAST(substr(s.paid_on, 6, 2) AS INTEGER) + 2) / 3),
                   SUM(s.amount) FROM comp_share_payments s JOIN guarantee_contracts c ON c.id = s.contract_id
            WHERE s.party = 'gov' AND s.paid_on <= ?{where} GROUP BY 1""", [end, *params]).fetchall())
    # a quarter whose claim was due: banks that claimed one of the two quarters before and not this one
    missing: dict[str, list[str]] = {}
    due = due_quarter(f.as_of, th)
    names = dict(db.execute("SELECT code, name FROM banks").fetchall())
    filed = {(c.bank_code, c.no.split("-", 1)[1].rsplit("-", 1)[0]) for c in sub}
    for i in range(quarters):
        q = add_quarters(last, -i)
        if due is None or q > due:
            continue
        before = {b for b, fq in filed if fq in (add_quarters(q, -1), add_quarters(q, -2))}
        missing[q] = [names.get(b, b) for b in sorted(before) if (b, q) not in filed]
    records = []
    for i in range(quarters - 1, -1, -1):
        q = add_quarters(last, -i)
        first_m, last_m = quarter_months(q)
        start, stop = periods.month_start(first_m).isoformat(), min(quarter_end(q).isoformat(), end)
        claims = [c for c in sub if c.no.startswith(f"TX-{q}-")]
        label = quarter_label(q) + (f"（至{periods.parse_month(f.as_of)[1]}月末）" if q == last and
                                    f.as_of != last_m else "")
        records.append({
            "季度": label,
            "贴息申报（万元）": money.to_wan(sum(c.amount for c in claims)),
            "核减（万元）": money.to_wan(sum(rejected.get(c.no, 0) for c in claims if c.approved is not None)),
            "核定（万元）": money.to_wan(sum(c.approved or 0 for c in claims)),
            "已拨付（万元）": money.to_wan(sum(c.paid for c in claims)),
            "补偿金代偿拨付（万元）": money.to_wan(_paid_in(fund, start, stop)),
            "补偿金追回（万元）": money.to_wan(recov.get(q, 0)),
            "县级分担已付（万元）": money.to_wan(share.get(q, 0)),
            "贴息未申报银行": "、".join(missing.get(q, ())) or "—",
        })
    return pd.DataFrame(records, columns=["季度", "贴息申报（万元）", "核减（万元）", "核定（万元）", "已拨付（万元）",
                                          "补偿金代偿拨付（万元）", "补偿金追回（万元）", "县级分担已付（万元）",
                                          "贴息未申报银行"])


def rejections(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """Rejected 贴息 items of claims filed by the month end (banks in scope)."""
    where, params = scope_sql(f, town_col=None, bank_col="c.bank_code")
    rows = db.execute(
        f"""SELECT c.quarter, b.name, r.loan_no, r.amount, r.reason
            FROM subsidy_rejections r JOIN subsidy_claims c ON c.id = r.claim_id JOIN banks b ON b.code = c.bank_code
            WHERE c.applied_on <= ?{where} ORDER BY c.quarter DESC, b.code, r.item_no""",
        [_end(f.as_of), *params]).fetchall()
    return pd.DataFrame([{"季度": quarter_label(q), "银行": bank, "贷款编号": loan, "核减金额（元）": amount,
                          "核减原因": reason} for q, bank, loan, amount, reason in rows],
                        columns=["季度", "银行", "贷款编号", "核减金额（元）", "核减原因"])


def split_table(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """Each compensation with its 4321 split as due and as paid (元, exact)."""
    records = []
    for c in compensations(db, f):
        rec = {"合同编号": c.contract_no, "产品": c.product, "代偿日期": c.compensated_on, "代偿金额（元）": c.amount}
        for p in PARTIES:
            rec[f"{PARTY_NAMES[p]}应担（元）"] = c.due[p]
        for p in ("reguarantor", "gov"):
            rec[f"{PARTY_NAMES[p]}已付（元）"] = c.paid[p]
        rec["地方政府未付（元）"] = c.due["gov"] - min(c.paid["gov"], c.due["gov"])
        records.append(rec)
    cols = ["合同编号", "产品", "代偿日期", "代偿金额（元）", *(f"{PARTY_NAMES[p]}应担（元）" for p in PARTIES),
            "再担保已付（元）", "地方政府已付（元）", "地方政府未付（元）"]
    return pd.DataFrame(records[::-1], columns=cols)


# --- what-if: next year's budget need ----------------------------------------------------
GROWTH_DEFAULT, GROWTH_MAX = 0.10, 0.50
DEFAULT_RATE_DEFAULT, DEFAULT_RATE_MAX = 0.02, 0.20


@dataclasses.dataclass(frozen=True)
class Budget:
    """Next year's budget need for 贴息 and 补偿 (county-wide)."""

    growth: float
    default_rate: float
    subsidy_base: int          # 贴息 approved for the last four quarters of interest
    microloan_balance: int     # county microloan balance at the data month
    fund_share: float          # county share of a microloan loss
    fund_balance: int | None
    leverage: float            # the fund must back this many times its size
    guarantee_gov: int         # county (地方政府) share of 在保余额, by product shares

    @property
    def subsidy_need(self) -> int:
        """贴息 grows with the subsidised lending."""
        return _round(self.subsidy_base * (1 + self.growth))

    @property
    def grown_balance(self) -> int:
        return _round(self.microloan_balance * (1 + self.growth))

    @property
    def fund_need(self) -> int:
        """补偿金代偿: the grown balance × default rate × county share."""
        return _round(self.grown_balance * self.default_rate * self.fund_share)

    @property
    def share_need(self) -> int:
        """担保代偿县级分担: the county's share of the grown 在保 × default rate."""
        return _round(self.guarantee_gov * (1 + self.growth) * self.default_rate)

    @property
    def fund_required(self) -> int:
        """Fund needed to back the grown balance at the required leverage."""
        return math.ceil(self.grown_balance / self.leverage)

    @property
    def topup_need(self) -> int | None:
        """注资 to keep the leverage after paying the year's 代偿."""
        if self.fund_balance is None:
            return None
        return max(0, self.fund_required - (self.fund_balance - self.fund_need))

    @property
    def total(self) -> int:
        return self.subsidy_need + self.share_need + (self.topup_need or 0)

    def rows(self) -> list[tuple[str, str, float | int | None]]:
        wan = money.to_wan
        return [
            ("贷款增长率", "%", self.growth),
            ("不良（代偿）率", "%", self.default_rate),
            ("近四个季度核定贴息", "万元", wan(self.subsidy_base)),
            ("明年贴息需求", "万元", wan(self.subsidy_need)),
            ("全县小额信贷余额", "万元", wan(self.microloan_balance)),
            ("明年末小额信贷余额（测算）", "万元", wan(self.grown_balance)),
            ("补偿金代偿需求（县级分担）", "万元", wan(self.fund_need)),
            ("风险补偿金余额", "万元", wan(self.fund_balance)),
            (f"保持 {self.leverage:g} 倍放大所需补偿金", "万元", wan(self.fund_required)),
            ("补偿金需注资", "万元", wan(self.topup_need)),
            ("担保代偿县级分担需求", "万元", wan(self.share_need)),
            ("明年预算需求合计（贴息 + 注资 + 县级分担）", "万元", wan(self.total)),
        ]

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows(), columns=["项目", "单位", "数值"])


def _round(value: float) -> int:
    """Whole 元, half up."""
    return int(Decimal(repr(float(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def budget(db: sqlite_utils.Database, month: str, growth: float = GROWTH_DEFAULT,
           default_rate: float = DEFAULT_RATE_DEFAULT, th: Thresholds = THRESHOLDS) -> Budget:
    """What-if at ``month`` (county-wide, the budget is the county's)."""
    last_q = quarter_of(month) if quarter_months(quarter_of(month))[1] == month else add_quarters(quarter_of(month), -1)
    first_q = add_quarters(last_q, -3)
    (base,) = db.execute(
        "SELECT TOTAL(approved_amount) FROM subsidy_claims WHERE quarter BETWEEN ? AND ? AND approved_on <= ?",
        [first_q, last_q, _end(month)]).fetchone()
    (gov,) = db.execute(
        """SELECT TOTAL(g.outstanding * p.share_gov_pct / 100.0) FROM guarantee_company_monthly g
           JOIN guarantee_products p ON p.code = g.product_code WHERE g.month = ?""", [month]).fetchone()
    return Budget(float(growth), float(default_rate), int(base), microloans.county_balance(db, month),
                  th.fund_share_default, microloans.fund_balance(db, month), th.fund_leverage_required,
                  int(round(gov)))


# --- flags and brief -------------------------------------------------------------------
FLAG_RULES = (  # the area's red-flag rules, one table: (rule, severity, what it checks)
    ("overdue", BREACH, "申报超过拨付时限仍未拨付（贴息、补偿金代偿、县级分担、上市奖补，时限见 config）"),
    ("zone_behind", BEHIND, "示范区资金当年支出进度低于序时进度"),
    ("subsidy_missing", GAP, "银行未按期报送季度贴息申报"),
)


def flags(db: sqlite_utils.Database, f: Filters, names: Names | None = None,
          th: Thresholds = THRESHOLDS) -> list[Flag]:
    """This area's red flags at ``f.as_of`` (rules: :data:`FLAG_RULES`). The fund's
    放大倍数 is the 小额信贷 area's flag and is not repeated here."""
    out: list[Flag] = []
    claims = all_claims(db, f, th)
    for kind in KINDS:
        late = [c for c in claims if c.kind == kind and c.overdue]
        if late:
            worst = max(late, key=lambda c: c.age)
            dims = (("bank", worst.party),) if kind in (KIND_SUBSIDY, KIND_FUND) else ()
            out.append(Flag(TITLE, f"{kind}逾期未拨付 {len(late)} 笔 {money.fmt_money(sum(c.outstanding for c in late))}"
                                   f"（最长 {worst.age} 天：{worst.party}，时限 {worst.limit_days} 天）",
                            AREA_KEY, dims, BREACH, subject=kind, value=worst.age, limit=worst.limit_days))
    z = zone_progress(db, f.as_of)
    if z is not None and z.behind:
        out.append(Flag(TITLE, f"示范区资金支出进度 {money.fmt_pct(z.progress)}，低于序时进度 "
                               f"{money.fmt_pct(z.time_progress)}，尚有 {money.fmt_money(z.unspent)} 未支出",
                        AREA_KEY, (), BEHIND, subject="示范区资金支出进度", value=z.progress, limit=z.time_progress))
    for bank, q in missing_subsidy_claims(db, f, th):
        out.append(Flag(TITLE, f"{bank}未报送{quarter_label(q)}贴息申报（应于季后{th.subsidy_claim_due_days}天内报送）",
                        AREA_KEY, (("bank", bank),), GAP, subject=bank))
    return out


def flag_lines(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> list[str]:
    """The flags' sentences, with this area's monthly missing submissions (the page's 需要关注)."""
    lines = [fl.text for fl in sorted(flags(db, f, th=th), key=lambda fl: fl.severity)]
    return lines + completeness.notice_lines(completeness.gaps(db, f, (AREA_KEY,)))


def brief_paragraphs(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> list[str]:
    """The brief's 财政资金 section in the office's register."""
    s = snapshot(db, f, th)
    when = periods.as_of_text(f.as_of)
    parts = [
        f"{when}，当年拨付贴息{money.fmt_money(s.subsidy_paid_ytd)}，尚有{s.subsidy_pending_n}笔"
        f"{money.fmt_money(s.subsidy_pending)}待审核或待拨付。",
        f"风险补偿金当年拨付代偿{s.fund_paid_n_ytd}笔{money.fmt_money(s.fund_paid_ytd)}，追回"
        f"{money.fmt_money(s.fund_recovered_ytd)}，待拨付{s.fund_pending_n}笔{money.fmt_money(s.fund_pending)}；"
        f"补偿金余额{money.fmt_money(s.fund_balance)}，放大倍数"
        f"{'—' if s.fund_leverage is None else f'{s.fund_leverage:.2f}'}倍。",
        f"担保代偿县级分担当年应付{money.fmt_money(s.share_due_ytd)}、当年已付{money.fmt_money(s.share_paid_ytd)}，"
        f"累计尚有{s.share_unpaid_n}笔{money.fmt_money(s.share_unpaid)}未付。",
    ]
    if s.zone is not None:
        parts.append(f"示范区资金累计到账{money.fmt_money(s.zone.received_total)}，当年支出"
                     f"{money.fmt_money(s.zone.spent_ytd)}，支出进度{money.fmt_pct(s.zone.progress)}，序时进度"
                     f"{money.fmt_pct(s.zone.time_progress)}，{'落后于' if s.zone.behind else '达到'}序时目标。")
    parts.append(f"当年兑现上市奖补{money.fmt_money(s.award_paid_ytd)}，待兑现{money.fmt_money(s.award_pending)}。")
    return parts


# --- the area ------------------------------------------------------------------------------
AREA = Area(
    key=AREA_KEY, title=TITLE, heading="财政资金（贴息、代偿与示范区资金）", kpis=kpis,
    overview=("fs_subsidy_paid", "fs_fund_pending", "fs_share_unpaid", "fs_zone_progress", "fs_overdue"),
    per_row=5, flags=flags, refresh=lambda db, months=None, tables=None: refresh_fund(db),
    import_feeds=("fiscal_subsidy", "fiscal_subsidy_items", "fiscal_fund_claims", "fiscal_fund_recoveries",
                  "fiscal_fund_moves", "fiscal_shares", "fiscal_zone_funds", "fiscal_zone_projects",
                  ZONE_FEED, "fiscal_awards"),
    completeness_feeds=(ZONE_FEED,),
)
