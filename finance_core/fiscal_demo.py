"""The demo county's 财政资金 ledgers (called by :mod:`finance_core.demo`).

Built from the other areas' demo data, so the figures agree across pages:

- 贴息: each microloan bank claims every quarter the interest of its loans;
  the approved amount of a claim is exactly the 贴息 the microloan ledger
  records for that bank's loans in the quarter (``microloan_status.subsidy_paid``
  in the quarter-end month); rejected items are loans overdue in the quarter.
- 风险补偿金: every microloan crossing 90 days overdue gets a claim (county share
  ``fund_share_default``, rounded down to 元, the bank bears the rest); a loan
  repaid after its claim was paid returns the payment to the fund. Opening
  balance and a top-up each January as before V_FISCAL.
- 4321: every guarantee compensation; the guarantor's and the bank's shares are
  borne at once, the re-guarantor pays in one to two months, the county later.
- 示范区: the central award, provincial and county money, six projects,
  spending by month.
- 上市奖补: each first entry of a company into a policy stage.

Stories:
- 青禾村镇银行's last due 贴息 claim has rejected items (overdue loans) and is
  approved but unpaid past the 60-day limit; two of its 补偿金 claims wait for
  review past 90 days (材料不全);
- 邮储银行 has not filed the latest due quarter's 贴息 claim (its gap is named);
- the county's 10% of an older compensation is unpaid past 90 days (库款调度困难);
- 示范区资金 spending this year is behind 序时进度, and 数字普惠金融服务平台建设
  did not report its spending two months before the end (as 邮储银行's
  credit-village reports; the end month itself is complete);
- a company that entered 辅导备案 more than 90 days ago still awaits its award.
"""
from __future__ import annotations

import datetime as dt

from . import fiscal, periods
from .config import THRESHOLDS

LATE_SUBSIDY_BANK = "VTB"       # approved, unpaid past the limit, with rejected items
MISSING_SUBSIDY_BANK = "PSBC"   # has not filed the latest due quarter
ZONE_SILENT_PROJECT = "Z01"     # did not report its spending two months before the end
ZONE_SILENT_OFFSET = -2
ZONE_PROJECTS = [  # code, name, share of the money allocated
    ("Z01", "数字普惠金融服务平台建设", 0.15),
    ("Z02", "首贷续贷服务中心建设", 0.10),
    ("Z03", "信用村（信用户）评定与信用体系建设", 0.125),
    ("Z04", "融资担保降费奖补", 0.20),
    ("Z05", "金融机构普惠贷款增量奖励", 0.225),
    ("Z06", "防贫保保费补贴", 0.15),
]
ZONE_PROGRAM = "中央财政支持普惠金融发展示范区奖补资金"


def _d(x: dt.date) -> str:
    return x.isoformat()


def build(gen) -> None:
    """Write the fiscal ledgers with the demo generator ``gen`` (its conn, rng, insert, months)."""
    subsidy(gen)
    fund(gen)
    shares(gen)
    zone(gen)
    awards(gen)


def _cap(day: dt.date, gen) -> str | None:
    return _d(day) if day <= gen.end_date else None


def subsidy(gen) -> None:
    rng = gen.rng("fiscal-subsidy")
    th = THRESHOLDS
    end = gen.end_date
    due_q = fiscal.due_quarter(gen.end, th)
    # the latest quarter whose claim, filed 3 days after the quarter, is past the payment limit
    late_q = fiscal.quarter_of(gen.end)
    while fiscal.quarter_end(late_q) + dt.timedelta(days=3 + th.subsidy_pay_days) >= end:
        late_q = fiscal.add_quarters(late_q, -1)
    quarter_ends = [m for m in gen.months if m[5:] in ("03", "06", "09", "12")]
    claims, rejections, cid = [], [], 0
    for month in quarter_ends:
        q = fiscal.quarter_of(month)
        rows = gen.conn.execute(
            "SELECT l.bank_code, COUNT(*), SUM(s.subsidy_paid) FROM microloan_status s "
            "JOIN microloans l ON l.id = s.loan_id WHERE s.month = ? AND s.subsidy_paid > 0 "
            "GROUP BY l.bank_code ORDER BY l.bank_code", [month]).fetchall()
        overdue = gen.conn.execute(
            "SELECT l.bank_code, l.loan_no, l.amount * l.rate_bp / 40000 FROM microloan_status s "
            "JOIN microloans l ON l.id = s.loan_id WHERE s.month = ? AND s.days_overdue > 0 "
            "AND s.balance > 0 ORDER BY l.bank_code, l.id", [month]).fetchall()
        for bank, n, approved in rows:
            if q == due_q and bank == MISSING_SUBSIDY_BANK:
                continue
            cid += 1
            mine = [(no, amt) for b, no, amt in overdue if b == bank and amt > 0]
            k = min(len(mine), rng.randint(0, 2) + (4 if bank == LATE_SUBSIDY_BANK and q == late_q else 0))
            picked = rng.sample(mine, k)
            applied = int(approved) + sum(int(a) for _, a in picked)
            qend = fiscal.quarter_end(q)
            applied_on = qend + dt.timedelta(days=rng.randint(5, 25))
            approved_on = applied_on + dt.timedelta(days=rng.randint(10, 25))
            paid_on = approved_on + dt.timedelta(days=rng.randint(5, 20))
            if q == late_q and bank == LATE_SUBSIDY_BANK:
                # filed early, approved, then left unpaid past the limit
                applied_on = qend + dt.timedelta(days=3)
                approved_on = applied_on + dt.timedelta(days=12)
                paid_on = end + dt.timedelta(days=30)
            if applied_on > end:
                continue
            for i, (no, amt) in enumerate(picked, start=1):
                rejections.append((cid, i, no, int(amt), "贷款逾期，逾期期间利息不予贴息"))
            ok = approved_on <= end
            done = ok and paid_on <= end
            claims.append((cid, bank, q, n + len(picked), applied, applied, _d(applied_on),
                           int(approved) if ok else None, _d(approved_on) if ok else None,
                           int(approved) if done else None, _d(paid_on) if done else None))
    gen.insert("subsidy_claims", claims)
    gen.insert("subsidy_rejections", rejections)


def fund(gen) -> None:
    rng = gen.rng("fiscal-fund")
    th = THRESHOLDS
    end = gen.end_date
    pct = int(round(th.fund_share_default * 100))
    s = gen.scale
    moves = [(None, _d(gen.start_date), "opening", 18_000_000 * s, "县级财政", "期初余额")]
    for month in gen.months:
        if month[5:] == "01":
            moves.append((None, f"{month}-15", "topup", 5_000_000 * s, "县级财政", "年初预算注资"))
    gen.insert("fund_moves", moves)
    crossing = gen.conn.execute(
        """SELECT s.loan_id, s.month, s.balance, l.bank_code, l.town_code FROM microloan_status s
           JOIN microloans l ON l.id = s.loan_id
           WHERE s.days_overdue > 90 AND s.balance > 0 AND NOT EXISTS (
               SELECT 1 FROM microloan_status p WHERE p.loan_id = s.loan_id AND p.month < s.month
               AND p.days_overdue > 90) ORDER BY s.month, s.loan_id""").fetchall()
    repaid = dict(gen.conn.execute(
        "SELECT loan_id, MIN(month) FROM microloan_status WHERE balance = 0 GROUP BY loan_id").fetchall())
    stuck = [i for i, c in enumerate(crossing) if c[3] == "VTB"
             and (end - periods.month_end(c[1])).days > th.fund_claim_pay_days + 20][-2:]
    claims, recoveries = [], []
    for i, (loan_id, month, balance, bank, town) in enumerate(crossing, start=0):
        county = balance * pct // 100
        applied_on = periods.month_end(month) + dt.timedelta(days=rng.randint(5, 30))
        if applied_on > end:
            continue
        approved_on = applied_on + dt.timedelta(days=rng.randint(15, 45))
        paid_on = approved_on + dt.timedelta(days=rng.randint(5, 20))
        if i in stuck:  # 材料不全: under review past the limit
            approved_on = paid_on = end + dt.timedelta(days=60)
        ok = approved_on <= end
        done = ok and paid_on <= end
        no = f"BC{i + 1:06d}"
        claims.append((i + 1, no, loan_id, bank, town, balance, county, balance - county, _d(applied_on),
                       county if ok else None, _d(approved_on) if ok else None,
                       county if done else None, _d(paid_on) if done else None))
        back = repaid.get(loan_id)
        if done and back and back > month:
            on = periods.month_end(back) + dt.timedelta(days=10)
            if on > paid_on and on <= end:
                recoveries.append((None, i + 1, _d(on), county))
    gen.insert("fund_claims", claims)
    gen.insert("fund_recoveries", recoveries)


def shares(gen) -> None:
    rng = gen.rng("fiscal-shares")
    end = gen.end_date
    rows = gen.conn.execute(
        """SELECT c.id, c.compensated_on, c.compensated_amount, p.share_guarantor_pct, p.share_reguarantor_pct,
                  p.share_bank_pct, p.share_gov_pct FROM guarantee_contracts c
           JOIN guarantee_products p ON p.code = c.product_code
           WHERE c.compensated_amount > 0 AND c.compensated_on <= ? ORDER BY c.compensated_on, c.id""",
        [_d(end)]).fetchall()
    # the county's share of one compensation 100-200 days old is still unpaid
    late = [cid for cid, on, *_ in rows if 100 <= (end - dt.date.fromisoformat(on)).days <= 200][:1]
    payments = []
    for cid, on, amount, *pcts in rows:
        day = dt.date.fromisoformat(on)
        due = dict(zip(fiscal.PARTIES, fiscal.split_4321(amount, pcts)))
        plan = {"guarantor": day, "bank": day,
                "reguarantor": day + dt.timedelta(days=rng.randint(20, 60)),
                "gov": day + dt.timedelta(days=rng.randint(30, 80))}
        if cid in late:
            plan["gov"] = end + dt.timedelta(days=90)
        for party in fiscal.PARTIES:
            if due[party] <= 0 or plan[party] > end:
                continue
            if party == "gov" and rng.random() < 0.25:  # paid in two instalments
                first = due[party] // 2
                payments.append((None, cid, party, _d(plan[party]), first))
                second = plan[party] + dt.timedelta(days=rng.randint(20, 40))
                if second <= end:
                    payments.append((None, cid, party, _d(second), due[party] - first))
                continue
            payments.append((None, cid, party, _d(plan[party]), due[party]))
    gen.insert("comp_share_payments", payments)


def zone(gen) -> None:
    rng = gen.rng("fiscal-zone")
    s = gen.scale
    y = periods.year_of(gen.end)
    funds = [
        (None, f"{y - 1}-04-20", "central", ZONE_PROGRAM, 20_000_000 * s, "第一批"),
        (None, f"{y - 1}-05-10", "county", "县级配套资金", 5_000_000 * s, None),
        (None, f"{y - 1}-06-18", "provincial", "省级普惠金融发展专项资金", 5_000_000 * s, None),
        (None, f"{y}-03-16", "central", ZONE_PROGRAM, 10_000_000 * s, "第二批"),
    ]
    funds = [r for r in funds if r[1] <= _d(gen.end_date) and r[1] >= _d(gen.start_date)]
    gen.insert("zone_funds", funds)
    if not funds:
        return
    total = sum(r[4] for r in funds)
    first_year_total = sum(r[4] for r in funds if r[1] < f"{y}-01-01")
    projects, spending = [], []
    for code, name, share in ZONE_PROJECTS:
        allocated = int(total * share) // 10_000 * 10_000
        on = f"{y - 1}-07-01" if first_year_total else funds[0][1]
        projects.append((code, name, ZONE_PROGRAM if code != "Z06" else "县级配套资金", allocated, on))
        # last year about a quarter spent; this year spending behind the calendar
        for month in gen.months:
            if month < on[:7]:
                continue
            this_year = month[:4] == str(y)
            if code == ZONE_SILENT_PROJECT and month == periods.add_months(gen.end, ZONE_SILENT_OFFSET):
                continue  # not reported
            pace = 0.045 if this_year else 0.05
            amount = int(allocated * pace * rng.uniform(0.5, 1.5)) // 100 * 100
            spending.append((code, month, amount))
    gen.insert("zone_projects", projects)
    gen.insert("zone_spending", spending)


def awards(gen) -> None:
    rng = gen.rng("fiscal-awards")
    th = THRESHOLDS
    end = gen.end_date
    policy = fiscal.award_policy(th)
    marks = ",".join("?" * len(policy))
    rows = gen.conn.execute(
        f"SELECT company_id, stage, MIN(event_date) FROM ipo_events WHERE stage IN ({marks}) "
        f"GROUP BY company_id, stage ORDER BY MIN(event_date), company_id", list(policy)).fetchall()
    # the most recent first entry into 辅导备案 more than the limit ago waits for its award
    waiting = [(cid, st) for cid, st, on in rows if st == "辅导备案"
               and (end - dt.date.fromisoformat(on)).days > th.award_pay_days + 10][-1:]
    out = []
    for cid, stage, on in rows:
        day = dt.date.fromisoformat(on)
        if day > end or (cid, stage) in waiting:
            continue
        paid = day + dt.timedelta(days=rng.randint(30, 80))
        if paid > end:
            continue
        amount = policy[stage]
        if stage == "发行上市":  # the listing award in two instalments
            out.append((None, cid, stage, _d(paid), amount // 2))
            second = paid + dt.timedelta(days=rng.randint(60, 120))
            if second <= end:
                out.append((None, cid, stage, _d(second), amount - amount // 2))
            continue
        out.append((None, cid, stage, _d(paid), amount))
    gen.insert("ipo_awards", out)
