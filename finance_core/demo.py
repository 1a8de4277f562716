"""The embedded demo county (fictional: 青禾县), built deterministically.

``build(path, scale=1, seed=..., end=...)`` writes a complete database: 15
towns per scale unit, ~300 villages, tens of thousands of households, the
poverty-relief microloan ledger with month-end snapshots, credit-village bank
reports, a guarantee company with its products and contracts, an IPO pipeline
with stage histories and monthly notes, and annual targets. Everything is
derived from ``seed``: the same seed and end month give the same database.

Stories a monthly meeting would discuss are built in:
- 高峰乡 lags its credit-village target this year;
- 邮储银行 did not report 河口镇's credit villages two months before the end
  (a bank missing a month: the 信用村 page says so instead of comparing unequal sets);
- 村镇银行's microloans fall overdue more and more over the last months, and it
  reports every third month after the due day (逾期报送);
- the livestock-chain product (链担通—黄牛贷) runs near its cooperation quota;
- 银行存贷款: 农业银行 falls behind its 普惠小微 "两增" this year (its 普惠小微 grows
  slower than its loans and it has fewer borrowers than at the year start), and
  建设银行's 存贷比 falls below the county's target over the last months (deposits
  grow while loans shrink) and it lags its loan-growth target; 青禾村镇银行's 不良率
  rises past the line with its microloans;
- companies move through the IPO stages, one stuck in 辅导 for over a year, one
  fell back to 辅导备案 after withdrawing its application; most raised several
  financing rounds (天使轮 first), some before joining the list, and a listed
  company's 定向增发 after its listing;
- 财政资金 (finance_core.fiscal_demo): 青禾村镇银行's 贴息 claim unpaid past the
  limit, its 补偿金 claims stuck in review, 邮储银行's missing 贴息 claim, the
  county's 10% of a compensation unpaid, 示范区 spending behind 序时进度, an
  IPO award waiting.

All names and personal data are invented. ID numbers use the region prefix
99, which no real region has.

CLI: ``python -m finance_core.demo --scale N --out PATH [--seed S] [--end YYYY-MM]``
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sqlite3
import sys
import time
from pathlib import Path

from . import banks, completeness, db, fiscal_demo, periods, rollups, schema, versions
from .privacy import id_checksum

DEFAULT_SEED = 20231231
MONTHS = 36
COUNTY = "青禾县"

TOWN_NAMES = [
    "城关镇", "清溪镇", "柳塘镇", "石桥镇", "白沙镇", "青山乡", "河口镇", "杨林乡",
    "梅岭镇", "东湖乡", "龙泉镇", "高峰乡", "新安镇", "桃源乡", "金竹乡",
]
LAGGING_TOWN = "高峰乡"
LATE_REPORT = ("PSBC", "河口镇", -2)  # bank, town, month offset from the end: no credit reports
VILLAGE_FIRST = "石竹杏桂枫柏荷兰松梨枣杉槐柳桑茶莲苇芦榆"
VILLAGE_SECOND = "岭塘湾坪岗冲畈埠桥庄圩洼坳店湖山溪垄堰"
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "胡", "朱",
            "高", "林", "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "程",
            "欧阳", "司马", "诸葛", "上官"]
GIVEN = "国华建军明秀英桂兰玉梅志强春生海燕金凤德胜永福小平红霞立新家和长青水根"

BANKS = [
    ("ABC", "农业银行", "国有大行"),
    ("CCB", "建设银行", "国有大行"),
    ("PSBC", "邮储银行", "国有大行"),
    ("RCB", "农商行", "农村金融机构"),
    ("VTB", "青禾村镇银行", "农村金融机构"),
]
TROUBLED_BANK = "VTB"

# 银行存贷款: each bank's book at the first demo month (亿元) and its habits:
# deposits, loans, annual growth of deposits and loans, shares of loans (涉农, 普惠小微,
# 信用, 中长期), 普惠型涉农 share of 涉农, average 普惠小微 loan (万元), 不良率, 首贷户 a
# month, rate offset (bp) over the year's base rate, reports by town
BANK_BOOKS = {
    "ABC": (80, 60, 0.07, 0.08, 0.42, 0.12, 0.15, 0.58, 0.22, 85, 0.011, 60, -10, False),
    "CCB": (70, 55, 0.08, 0.07, 0.20, 0.14, 0.18, 0.62, 0.12, 110, 0.009, 40, -20, False),
    "PSBC": (56, 42, 0.08, 0.11, 0.48, 0.26, 0.25, 0.45, 0.38, 35, 0.013, 90, 0, False),
    "RCB": (120, 92, 0.09, 0.10, 0.62, 0.24, 0.22, 0.40, 0.35, 38, 0.021, 160, 85, True),
    "VTB": (11, 8.5, 0.06, 0.07, 0.55, 0.38, 0.30, 0.30, 0.42, 26, 0.026, 35, 160, True),
}
TWO_INCREASE_LAGGARD = "ABC"    # behind its 普惠小微 "两增" in the last year
FALLING_LDR_BANK = "CCB"        # 存贷比 falls below the target over the last months
LDR_FALL_MONTHS = 10
BASE_RATE_BP = {-2: 445, -1: 405, 0: 370}   # years before the end year -> base rate of new loans
# share of a year's loan growth reached by the end of each month (front-loaded: 开门红)
_LOAN_PATH = [1.8, 1.8, 1.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]
LOAN_PATH = [sum(_LOAN_PATH[:i + 1]) / sum(_LOAN_PATH) for i in range(12)]
DEPOSIT_SEASON = {1: 1.02, 2: 1.03, 3: 1.01, 6: 1.005, 12: 1.008}

IPO_STAGES = ["后备资源库", "股改", "辅导备案", "辅导验收", "申报受理", "审核问询", "注册", "发行上市"]
WITHDRAWN_INDEX = 20   # the company (of each 30) whose application was withdrawn


# --- helpers -------------------------------------------------------------------
def _date(d: dt.date) -> str:
    return d.isoformat()


def _add_months_date(d: dt.date, n: int) -> dt.date:
    idx = d.year * 12 + d.month - 1 + n
    y, m = idx // 12, idx % 12 + 1
    import calendar

    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _id_number(rng: random.Random) -> str:
    """A fake 18-digit resident ID with a valid checksum and region prefix 99."""
    region = f"99{rng.randint(0, 9999):04d}"
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 50))
    body = f"{region}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    return body + id_checksum(body)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


# --- build -----------------------------------------------------------------------
def build(path: str | os.PathLike, scale: int = 1, seed: int = DEFAULT_SEED,
          end: str | None = None) -> dict:
    """Write the demo county to a new database at ``path``; return row counts."""
    if scale < 1:
        raise ValueError("scale must be >= 1")
    end = end or periods.last_full_month()
    periods.parse_month(end)
    path = Path(path)
    if path.exists():
        path.unlink()
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA foreign_keys = ON")
    schema.migrate(conn)  # empty roll-ups; filled at the end
    versions.drop_capture(conn)   # the generated county is the first version, not a change
    gen = _Generator(conn, scale=scale, seed=seed, end=end)
    conn.execute("BEGIN")
    counts = gen.run()
    rollups.refresh_all(conn)
    gen.bank_books()   # after the roll-ups: a bank's 涉农 book covers its 信用村 and microloan balances
    banks.refresh(conn)
    completeness.record_demo(conn, seed, late_bank=TROUBLED_BANK)
    gen.targets()
    gen.bank_targets()
    versions.restart(conn)
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("ANALYZE")
    conn.close()
    return counts


class _Generator:
    def __init__(self, conn: sqlite3.Connection, scale: int, seed: int, end: str):
        self.conn = conn
        self.scale = scale
        self.seed = seed
        self.end = end
        self.start = periods.add_months(end, -(MONTHS - 1))
        self.months = periods.months_between(self.start, end)
        self.start_date = periods.month_start(self.start)
        self.end_date = periods.month_end(end)
        self.counts: dict[str, int] = {}

    def rng(self, *salt) -> random.Random:
        return random.Random(f"{self.seed}:{':'.join(map(str, salt))}")

    def insert(self, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        marks = ",".join("?" * len(rows[0]))
        self.conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        self.counts[table] = self.counts.get(table, 0) + len(rows)

    # -- orchestration
    def run(self) -> dict:
        self.insert("banks", BANKS)
        self.towns = []
        for unit in range(self.scale):
            for i, base in enumerate(TOWN_NAMES):
                code = f"T{unit * len(TOWN_NAMES) + i + 1:02d}" if self.scale == 1 else \
                    f"T{unit:03d}{i + 1:02d}"
                name = base if unit == 0 else f"{base}{_unit_suffix(unit)}"
                self.towns.append((code, name, base))
        self.loan_seq = 0
        self.household_seq = 0
        for code, name, base in self.towns:
            self.town(code, name, base)
        self.guarantees()
        self.ipo()
        self.indicators()
        fiscal_demo.build(self)  # 财政资金 ledgers; risk_fund is their roll-up
        return self.counts

    # -- towns, villages, households, credit reports, microloans
    def town(self, code: str, name: str, base: str) -> None:
        rng = self.rng("town", code)
        n_villages = rng.randint(17, 23)
        firsts = rng.sample(VILLAGE_FIRST, len(VILLAGE_FIRST))
        seconds = rng.sample(VILLAGE_SECOND, len(VILLAGE_SECOND))
        village_names = [f"{a}{b}村" for a in firsts for b in seconds][:n_villages * 3:3]
        villages, households, reports = [], [], []
        total_households = 0
        for vi, vname in enumerate(village_names):
            vcode = f"{code}V{vi + 1:03d}"
            hh = rng.randint(280, 720)
            total_households += hh
            poverty = int(hh * rng.uniform(0.05, 0.11))
            monitored = int(hh * rng.uniform(0.005, 0.02))
            credit = vi % 2 == 0
            if credit:
                rated_share = rng.uniform(0.72, 0.95) if rng.random() > 0.08 else rng.uniform(0.55, 0.69)
            else:
                rated_share = rng.uniform(0.25, 0.6)
            rated = int(hh * rated_share)
            rating_year = periods.year_of(self.end) - (0 if rng.random() < 0.8 else 1) if credit else None
            villages.append((vcode, code, vname, hh, poverty, monitored, int(credit), rating_year, rated))
            for kind, n in (("脱贫户", poverty), ("监测户", monitored)):
                for _ in range(n):
                    self.household_seq += 1
                    households.append((self.household_seq, vcode, _person(rng), _id_number(rng), kind))
            if credit:
                reports += self.credit_reports(rng, vcode, rated, base)
        self.insert("towns", [(code, name, total_households, int(total_households * rng.uniform(3.1, 3.5)))])
        self.insert("villages", villages)
        self.insert("households", households)
        self.insert("credit_reports", reports)
        self.microloans(rng, code, households, villages)

    def credit_reports(self, rng: random.Random, vcode: str, rated: int, town_base: str) -> list[tuple]:
        banks = ["RCB"]
        if rng.random() < 0.45:
            banks.append(rng.choice(["PSBC", "ABC"]))
        lagging = town_base == LAGGING_TOWN
        late_month = periods.add_months(self.end, LATE_REPORT[2])
        rows = []
        for bi, bank in enumerate(banks):
            share = 1.0 if len(banks) == 1 else (0.7 if bi == 0 else 0.3)
            target_hh = rated * share * rng.uniform(0.85, 0.98)
            per_hh = rng.uniform(50_000, 75_000)
            usage0 = rng.uniform(0.30, 0.45)
            usage_gain = rng.uniform(0.05, 0.15)
            if rng.random() < 0.04:  # rated but barely borrows
                usage0, usage_gain = rng.uniform(0.01, 0.05), 0.0
            start_frac = rng.uniform(0.45, 0.65)
            granted_hh_prev = 0
            for t, month in enumerate(self.months):
                progress = t / (len(self.months) - 1)
                stall = (MONTHS - 1 - periods.parse_month(self.end)[1]) / (MONTHS - 1)
                if lagging and progress > stall:
                    progress = stall + (progress - stall) * 0.35  # slows down this year
                frac = start_frac + (1 - start_frac) * progress
                granted_hh = max(granted_hh_prev, int(target_hh * frac))
                granted_hh_prev = granted_hh
                granted_amt = int(granted_hh * per_hh / 100) * 100
                season = 0.04 if month[5:] in ("03", "04", "05") else 0.0
                usage = min(0.9, usage0 + usage_gain * progress + season + rng.uniform(-0.01, 0.01))
                if lagging and month >= periods.year_start_month(self.end):
                    usage *= 0.9
                used_hh = int(granted_hh * usage)
                used_amt = int(granted_amt * usage * rng.uniform(0.95, 1.05) / 100) * 100
                used_amt = min(used_amt, granted_amt)
                npl = int(used_amt * rng.uniform(0.0, 0.025) / 100) * 100
                if (bank, town_base, month) == (LATE_REPORT[0], LATE_REPORT[1], late_month):
                    continue  # drawn above all the same, so the other rows stay as they were
                rows.append((month, vcode, bank, granted_hh, granted_amt, used_hh, used_amt, npl))
        return rows

    def microloans(self, rng: random.Random, town_code: str, households: list[tuple],
                   villages: list[tuple]) -> None:
        village_bank = {}
        for v in villages:
            r = rng.random()
            village_bank[v[0]] = "RCB" if r < 0.6 else ("PSBC" if r < 0.85 else TROUBLED_BANK)
        loans, status = [], []
        start_ord = self.start_date.toordinal()
        end_ord = self.end_date.toordinal()
        month_ends = [periods.month_end(m).toordinal() for m in self.months]
        trouble_from = _add_months_date(self.end_date, -8).toordinal()
        for hid, vcode, _name, _idn, _kind in households:
            if rng.random() > 0.62:
                continue
            bank = village_bank[vcode]
            d = dt.date.fromordinal(start_ord - rng.randint(0, 900))
            if rng.random() < 0.35:  # first loan inside the window
                d = dt.date.fromordinal(start_ord + rng.randint(0, end_ord - start_ord))
            prev_id, renewal, extension, prev_amount = None, 0, 0, 0
            while d.toordinal() <= end_ord:
                years = rng.choice((1, 2, 3, 3, 3)) if not extension else 0
                maturity = _add_months_date(d, 12 * years) if years else _add_months_date(d, rng.choice((6, 12)))
                # an extension (展期) carries the balance of the loan it continues
                amount = prev_amount if extension else rng.choice((20_000, 30_000, 40_000, 50_000, 50_000, 50_000))
                prev_amount = amount
                self.loan_seq += 1
                loan_id = self.loan_seq
                rate_bp = 345 if d.year <= 2023 else (310 if d.year == 2024 else 300)
                loans.append((loan_id, f"XD{loan_id:08d}", hid, bank, town_code, amount, _date(d),
                              _date(maturity), rate_bp, renewal, extension, prev_id))
                # repayment behaviour
                m_ord = maturity.toordinal()
                p_overdue = 0.02
                if bank == TROUBLED_BANK and m_ord >= trouble_from:
                    p_overdue = 0.35
                outcome = rng.random()
                repaid_ord, overdue_from = m_ord, None
                if rng.random() < 0.06:  # early repayment, sometimes inside the first month
                    repaid_ord = d.toordinal() + rng.randint(5, max(6, (m_ord - d.toordinal()) // 2))
                elif outcome < p_overdue:
                    overdue_from = m_ord
                    repaid_ord = m_ord + rng.randint(10, 400) if rng.random() < 0.55 else 10 ** 7
                self._snapshots(status, loan_id, amount, rate_bp, d.toordinal(), repaid_ord,
                                overdue_from, month_ends)
                # what follows at maturity
                if repaid_ord != m_ord or m_ord > end_ord:
                    break
                nxt = rng.random()
                if nxt < 0.05:
                    prev_id, renewal, extension, d = loan_id, 0, 1, maturity
                elif nxt < 0.40:
                    prev_id, renewal, extension, d = loan_id, 1, 0, maturity
                elif nxt < 0.55:
                    prev_id, renewal, extension = None, 0, 0
                    d = maturity + dt.timedelta(days=rng.randint(30, 300))
                else:
                    break
        self.insert("microloans", loans)
        self.insert("microloan_status", status)

    def _snapshots(self, status, loan_id, amount, rate_bp, disb_ord, repaid_ord, overdue_from,
                   month_ends) -> None:
        for month, mend in zip(self.months, month_ends):
            if mend < disb_ord:
                continue
            first_of_month = mend - int(str(dt.date.fromordinal(mend))[8:]) + 1
            if repaid_ord < first_of_month:
                break
            repaid = repaid_ord <= mend
            balance = 0 if repaid else amount
            days = 0 if (repaid or overdue_from is None or mend <= overdue_from) else mend - overdue_from
            subsidy = 0
            if not repaid and days == 0 and month[5:] in ("03", "06", "09", "12"):
                subsidy = amount * rate_bp // 40_000  # a quarter's interest
            status.append((loan_id, month, balance, days, subsidy))

    # -- 银行存贷款
    def bank_books(self) -> None:
        """Each bank's monthly report (by town for the county's own institutions,
        else county-wide), from its book at the first month, growth and habits;
        its 涉农 and 普惠型涉农 loans always cover its 信用村 用信 and microloan
        balances (read from the roll-ups) with room to spare."""
        covered: dict[tuple, int] = {}
        for month, town, bank, amount in self.conn.execute(
                "SELECT month, town_code, bank_code, SUM(used_amount) FROM credit_monthly GROUP BY 1, 2, 3"):
            covered[(month, town, bank)] = covered.get((month, town, bank), 0) + int(amount)
        for month, town, bank, amount in self.conn.execute(
                "SELECT month, town_code, bank_code, SUM(balance) FROM microloan_monthly GROUP BY 1, 2, 3"):
            covered[(month, town, bank)] = covered.get((month, town, bank), 0) + int(amount)
        end_year = periods.year_of(self.end)
        rows = []
        for code, book in BANK_BOOKS.items():
            rng = self.rng("bank-books", code)
            series = self._bank_series(rng, code, book, end_year)
            by_town = book[-1]
            if by_town:
                weights = {t: rng.uniform(0.8, 1.2) * hh for t, hh in self.conn.execute(
                    "SELECT code, households FROM towns ORDER BY code").fetchall()}
                total = sum(weights.values())
                units = [(t, w / total) for t, w in weights.items()]
            else:
                units = [(banks.COUNTY_WIDE, 1.0)]
            ytd = {u: [0, 0, 0, 0] for u, _ in units}
            for month, v in series:
                if month[5:] == "01":
                    ytd = {u: [0, 0, 0, 0] for u, _ in units}
                for town, w in units:
                    need = covered.get((month, town, code), 0) if town else \
                        sum(a for (m, _t, b), a in covered.items() if m == month and b == code)
                    stock = {k: int(v[k] * w) for k in ("deposits", "loans", "small", "credit", "long")}
                    agri = max(int(v["agri"] * w), int(need * 1.6))
                    incl = min(agri, max(int(v["incl"] * w), int(need * 1.2)))
                    loans = max(stock["loans"], agri)
                    acc = ytd[town]
                    flows = (int(round(v["first"] * w)), int(v["first_amount"] * w), int(v["renewal"] * w),
                             int(v["disbursed"] * w))
                    for i, x in enumerate(flows):
                        acc[i] += x
                    wan = _wan_round
                    rows.append((month, code, town, wan(stock["deposits"]), wan(loans), wan(agri),
                                 wan(stock["small"]), max(0, int(round(v["small_hh"] * w))), wan(incl),
                                 wan(stock["credit"]), wan(stock["long"]), wan(int(v["npl"] * w)),
                                 acc[0], wan(acc[1]), wan(acc[2]), wan(acc[3]), v["rate_bp"]))
        self.insert("bank_reports", rows)

    def _bank_series(self, rng: random.Random, code: str, book: tuple, end_year: int) -> list[tuple[str, dict]]:
        """(month, county-wide figures in 元 and counts) of one bank, oldest first."""
        (dep0, loans0, g_dep, g_loans, agri_s, small_s, credit_s, long_s, incl_s, avg_small, npl_r,
         first_n, rate_off, _by_town) = book
        yi = 100_000_000 * self.scale
        dec_dep, dec_loans = dep0 * yi, loans0 * yi     # the December before the month (growth base)
        dec_small = dec_loans * small_s
        small_hh_dec = dec_small / (avg_small * 10_000)
        weighted = disbursed = 0
        out = []
        fall_from = periods.add_months(self.end, -LDR_FALL_MONTHS + 1)
        trend_dep = trend_loans = None
        for t, month in enumerate(self.months):
            y, m = periods.parse_month(month)
            if m == 1 or t == 0:
                if t > 0:
                    dec_dep, dec_loans, dec_small, small_hh_dec = last_dep, last_loans, last_small, last_hh
                elif m != 1:  # the first month: place the year-start base before it
                    dec_loans /= 1 + g_loans * LOAN_PATH[m - 1]
                    dec_dep /= 1 + g_dep * (m / 12)
                    dec_small = dec_loans * small_s
                    small_hh_dec = dec_small / (avg_small * 10_000)
                weighted = disbursed = 0
            noise = rng.uniform(-0.003, 0.003)
            loans = dec_loans * (1 + g_loans * LOAN_PATH[m - 1]) * (1 + noise)
            deposits = dec_dep * (1 + g_dep * m / 12) * DEPOSIT_SEASON.get(m, 1.0) * (1 + rng.uniform(-0.004, 0.004))
            if code == FALLING_LDR_BANK and month >= fall_from:   # loans shrink, deposits pour in
                if trend_dep is None:
                    trend_dep, trend_loans = last_dep, last_loans
                trend_dep *= 1.012
                trend_loans *= 0.996
                deposits, loans = trend_dep * DEPOSIT_SEASON.get(m, 1.0), trend_loans * (1 + noise)
            # 普惠小微 grows faster than the loans (两增), except the laggard's last year
            small_growth = g_loans * LOAN_PATH[m - 1] * 1.6 + rng.uniform(-0.002, 0.002)
            hh_growth = small_growth * 0.8
            if code == TWO_INCREASE_LAGGARD and y == end_year:
                small_growth, hh_growth = 0.01 * m / 12, -0.004 * m
            small = max(dec_small * (1 + small_growth), 0)
            small_hh = small_hh_dec * (1 + hh_growth)
            npl_rate = npl_r
            if code == TROUBLED_BANK:   # its microloans fall overdue: the 不良率 rises past the line
                months_left = len(self.months) - 1 - t
                npl_rate = npl_r + max(0, 8 - months_left) * 0.002
            q1 = 1.4 if m <= 3 else 1.0
            new = loans * rng.uniform(0.045, 0.065) * q1
            rate = BASE_RATE_BP.get(y - end_year, 470) + rate_off + rng.uniform(-12, 12)
            weighted += new * rate
            disbursed += new
            first = first_n * self.scale * rng.uniform(0.7, 1.3) * (1.5 if m <= 3 else 1.0)
            out.append((month, {
                "deposits": deposits, "loans": loans, "agri": loans * agri_s * rng.uniform(0.99, 1.01),
                "incl": loans * agri_s * incl_s, "small": small, "small_hh": small_hh,
                "credit": loans * credit_s, "long": loans * long_s, "npl": loans * npl_rate * rng.uniform(0.95, 1.05),
                "first": first, "first_amount": first * rng.uniform(180_000, 350_000),
                "renewal": small * rng.uniform(0.004, 0.008), "disbursed": new,
                "rate_bp": int(round(weighted / disbursed)),
            }))
            last_dep, last_loans, last_small, last_hh = deposits, loans, small, small_hh
        return out

    def bank_targets(self) -> None:
        """全年贷款增长 targets: each bank's planned growth on its December book
        (a little above its habit), the county's the sum rounded up to whole 亿元;
        none for a year whose December before is not in the data."""
        rng = self.rng("bank-targets")
        rows = []
        for year in sorted({periods.year_of(m) for m in self.months}):
            base_month = periods.previous_year_end(f"{year}-01")
            base = dict(self.conn.execute(
                "SELECT bank_code, SUM(loans) FROM bank_reports WHERE month = ? GROUP BY bank_code",
                [base_month]).fetchall())
            if not base:
                continue
            total = 0
            for code, book in BANK_BOOKS.items():
                if code not in base:
                    continue
                value = _round_target(base[code] * book[3] * rng.uniform(0.96, 1.04))
                total += value
                rows.append((year, banks.TARGET_METRIC, "bank", code, value))
            yi = 100_000_000
            rows.append((year, banks.TARGET_METRIC, "county", "", -(-total // yi) * yi))
        self.insert("targets", rows)

    # -- guarantees
    def guarantees(self) -> None:
        rng = self.rng("guarantees")
        self.insert("guarantors", [("G1", f"{COUNTY}融资担保有限公司")])
        rows, net = [], 260_000_000 * self.scale
        for month in self.months:
            net += int(net * 0.004)
            if month[5:] == "07" and month[:4] == str(periods.year_of(self.end) - 1):
                net += 50_000_000 * self.scale  # capital injection mid-year
            rating = "A" if month >= f"{periods.year_of(self.start)}-04" else "B"
            rows.append(("G1", month, net, rating))
        self.insert("guarantor_monthly", rows)
        s = self.scale
        products = [
            ("HND", "链担通—黄牛贷", "G1", "RCB", 50, 50_000_000 * s, 40, 30, 20, 10, "2023-03-01"),
            ("SRT", "税融通", "G1", None, 80, 400_000_000 * s, 40, 30, 20, 10, "2022-01-01"),
            ("HNJ", "惠农担", "G1", None, 60, 300_000_000 * s, 40, 30, 20, 10, "2022-01-01"),
            ("XWX", "小微续贷担保", "G1", None, 100, 400_000_000 * s, 40, 30, 20, 10, "2022-06-01"),
        ]
        self.insert("guarantee_products", products)
        town_codes = [t[0] for t in self.towns]
        contracts, seq = [], 0
        first = _add_months_date(self.start_date, -14)
        spec = {  # product: (contracts per month per scale, amount range 万元, borrower types, banks)
            "HND": (14, (10, 40), ["agri"], ["RCB"]),
            "SRT": (13, (50, 600), ["small", "small", "small", "other"], ["ABC", "CCB", "RCB"]),
            "HNJ": (15, (10, 300), ["agri"], ["RCB", "ABC", "PSBC"]),
            "XWX": (9, (100, 1000), ["small", "small", "other"], ["CCB", "ABC", "RCB"]),
        }
        cur = first
        end_ord = self.end_date.toordinal()
        while cur <= self.end_date:
            for code, (per_month, (lo, hi), types, banks) in spec.items():
                launched = dt.date.fromisoformat(dict((p[0], p[10]) for p in products)[code])
                if cur < launched:
                    continue
                n = rng.randint(per_month * s // 2, per_month * s * 3 // 2)
                for _ in range(n):
                    seq += 1
                    start = cur + dt.timedelta(days=rng.randint(0, 27))
                    if start > self.end_date:
                        continue
                    amount = rng.randint(lo, hi) * 10_000
                    btype = rng.choice(types)
                    term = 12 if rng.random() < 0.8 else 24
                    end_on = _add_months_date(start, term)
                    fee = amount * dict((p[0], p[4]) for p in products)[code] // 10_000
                    released, comp, comp_on, recovered = None, 0, None, 0
                    r = rng.random()
                    release_date = end_on
                    if r < 0.05:
                        release_date = start + dt.timedelta(days=rng.randint(0, 200))
                    if release_date.toordinal() <= end_ord:
                        released = _date(release_date)
                        if rng.random() < 0.018:
                            comp = int(amount * rng.uniform(0.5, 0.9)) // 100 * 100
                            comp_on = released
                            recovered = int(comp * rng.uniform(0.0, 0.6)) // 100 * 100
                    contracts.append((
                        seq, f"DB{seq:07d}", code, rng.choice(banks), rng.choice(town_codes),
                        self._firm(rng, btype), btype, amount, fee, _date(start), _date(end_on),
                        released, comp, comp_on, recovered,
                    ))
            cur = _add_months_date(cur, 1)
        self.insert("guarantee_contracts", contracts)
        # the livestock-chain product runs at about 93% of its cooperation quota
        (used,) = self.conn.execute(
            "SELECT COALESCE(SUM(amount), 0) FROM guarantee_contracts WHERE product_code = 'HND' "
            "AND start_on <= ? AND (released_on IS NULL OR released_on > ?)",
            (_date(self.end_date), _date(self.end_date))).fetchone()
        quota = -(-int(used / 0.93) // 1_000_000) * 1_000_000
        self.conn.execute("UPDATE guarantee_products SET quota = ? WHERE code = 'HND'", (quota,))
        for code in ("SRT", "HNJ", "XWX"):  # the others have room
            (used,) = self.conn.execute(
                "SELECT COALESCE(SUM(amount), 0) FROM guarantee_contracts WHERE product_code = ? "
                "AND start_on <= ? AND (released_on IS NULL OR released_on > ?)",
                (code, _date(self.end_date), _date(self.end_date))).fetchone()
            quota = -(-int(used / rng.uniform(0.55, 0.8)) // 10_000_000) * 10_000_000
            self.conn.execute("UPDATE guarantee_products SET quota = ? WHERE code = ?", (quota, code))

    def _firm(self, rng: random.Random, btype: str) -> str:
        head = rng.choice(VILLAGE_FIRST) + rng.choice(VILLAGE_SECOND)
        if btype == "agri":
            return head + rng.choice(["养殖专业合作社", "家庭农场", "种养殖场", "农机专业合作社"])
        return head + rng.choice(["商贸有限公司", "机械制造有限公司", "食品有限公司", "电子科技有限公司", "建材有限公司"])

    # -- IPO pipeline
    def ipo(self) -> None:
        rng = self.rng("ipo")
        industries = ["新材料", "新能源", "电子信息", "装备制造", "绿色食品", "生物医药", "纺织服装"]
        boards = ["主板", "创业板", "科创板", "北交所"]
        sponsors = ["华泰联合证券", "国元证券", "中信建投证券", "华安证券", "东方证券承销保荐"]
        owners = ["陈立新（副县长）", "周文静（县政府办）", "刘志刚（县金融办）", "孙晓梅（县发改委）",
                  "赵明远（经开区管委会）"]
        words = ["瑞禾", "青拓", "华屹", "润之", "恒泰", "卓越", "明湖", "远帆", "金禾", "绿源",
                 "天诚", "海纳", "锦程", "宏图", "安信", "聚能", "博远", "晨光", "和顺", "立丰",
                 "永昌", "德润", "星河", "嘉禾", "鼎盛", "中科青禾", "云帆", "同创", "优派", "信达"]
        # final stage of each company at the end month (index into IPO_STAGES)
        finals = [0] * 14 + [1] * 6 + [2] * 4 + [3, 4, 5, 7, 7, 2]
        companies, events, notes, rounds = [], [], [], []
        end_ord = self.end_date.toordinal()
        n = len(finals) * self.scale
        for i in range(n):
            final = finals[i % len(finals)]
            suffix = "" if i < len(finals) else _unit_suffix(i // len(finals))
            industry = rng.choice(industries)
            name = f"{words[i % len(words)]}{industry}股份有限公司{suffix}"
            cid = i + 1
            town = rng.choice(self.towns)[0]
            round_date = round_amount = round_val = None
            if final >= 1 or rng.random() < 0.3:
                round_date = _date(dt.date.fromordinal(end_ord - rng.randint(30, 700)))
                round_amount = rng.randint(20, 300) * 1_000_000
                round_val = round_amount * rng.randint(6, 15)
            # companies.last_round_* is legacy (schema v3): every round goes to ipo_rounds
            companies.append((cid, name, industry, town, rng.choice(["经开区", "高新园", "现代农业园", None]),
                              rng.choice(boards), rng.choice(sponsors) if final >= 2 else None,
                              rng.choice(owners), None, None, None))
            if round_date:
                rounds += self._rounds(cid, final, round_date, round_amount, round_val)
            # history: walk back from the end month with typical durations
            stuck = i % len(finals) == len(finals) - 1  # stuck in 辅导备案 for > a year
            typical = [0, 14, 6, 2, 1, 5, 1, 0]
            dates = []
            recent = i % 9 == 4  # a few move in the last month
            d = dt.date.fromordinal(end_ord - (rng.randint(2, 25) if recent else rng.randint(40, 700)))
            if stuck:
                d = _add_months_date(self.end_date, -16)
            for stage in range(final, -1, -1):
                dates.append((stage, d))
                back = typical[stage - 1] if stage > 0 else 0
                d = _add_months_date(d, -(back + rng.randint(1, 4)))
            # (stage, date, note) oldest first; one company withdrew its application
            # under review and fell back to 辅导备案 (its own rng keeps the others unchanged)
            withdrawn = i % len(finals) == WITHDRAWN_INDEX
            history = sorted(((s, w, f"进入{IPO_STAGES[s]}阶段") for s, w in dates), key=lambda x: x[1])
            if withdrawn:
                history = self._withdrawn_history()
            for stage, when, text in history:
                events.append((None, cid, IPO_STAGES[stage], _date(when), text))
            for back in range(0, 12 if final >= 1 else 4):
                month = periods.add_months(self.end, -back * (1 if final >= 1 else 3))
                stage_then = next((s for s, w, _ in reversed(history) if _date(w)[:7] <= month), None)
                if stage_then is None:
                    continue
                note = [None, cid, month, _progress_note(rng, IPO_STAGES[stage_then], stuck),
                        rng.choice(["", "募投项目用地手续尚未办结", "环保验收材料待补充",
                                    "历史沿革中股权代持需清理", "财务内控需整改"]) or None,
                        rng.choice(["", "协调自然资源局加快用地审批", "县金融办对接省证监局",
                                    "兑现上市奖补资金", "协调税务部门出具合规证明"]) or None,
                        companies[-1][7], f"{month}-25 17:00:00"]
                if withdrawn and month == _date(history[-1][1])[:7]:
                    note[3:6] = ["主动撤回首发申请，重新进入辅导",
                                 "审核问询中对持续经营能力和收入确认提出质疑",
                                 "县金融办协调保荐机构制定整改方案，择机重新申报"]
                notes.append(tuple(note))
        self.insert("companies", companies)
        self.insert("ipo_events", events)
        self.insert("ipo_notes", notes)
        self.insert("ipo_rounds", rounds)
        self.listed_rounds()

    def _rounds(self, cid: int, final: int, date: str, amount: int, valuation: int) -> list[tuple]:
        """The company's financing rounds, oldest first, ending with ``date``'s
        (the latest): earlier, smaller rounds every 8–20 months, more of them the
        further the company has come (its own rng keeps the rest unchanged)."""
        r = self.rng("ipo-rounds", cid)
        earlier = r.randint(0, 1) if final == 0 else r.randint(0, 2) if final == 1 else r.randint(1, 3)
        steps = [(dt.date.fromisoformat(date), amount, valuation)]
        for _ in range(earlier):
            d, a, v = steps[0]
            a = max(int(a * r.uniform(0.3, 0.7) / 100_000) * 100_000, 1_000_000)
            v = int(v * r.uniform(0.35, 0.7) / 1_000_000) * 1_000_000
            steps.insert(0, (_add_months_date(d, -r.randint(8, 20)), a, v))
        names = ["天使轮", "A轮", "B轮", "C轮"][:len(steps)]
        if final >= 3 and len(steps) > 1:
            names[-1] = "Pre-IPO轮"
        return [(None, cid, _date(d), a, max(v, a * 2), n) for (d, a, v), n in zip(steps, names)]

    def listed_rounds(self) -> None:
        """A listed company's round after its listing is a 定向增发, not an IPO-pipeline round."""
        self.conn.execute(
            "UPDATE ipo_rounds SET round_name = '定向增发' WHERE round_date >= (SELECT MIN(event_date) "
            "FROM ipo_events e WHERE e.company_id = ipo_rounds.company_id AND e.stage = '发行上市')")

    def _withdrawn_history(self) -> list[tuple[int, dt.date, str]]:
        """辅导 → 申报 → 问询, then the application withdrawn: back to 辅导备案."""
        r = self.rng("ipo-withdrawn")
        reentry = _add_months_date(self.end_date, -r.randint(4, 6)) - dt.timedelta(days=r.randint(0, 20))
        review = _add_months_date(reentry, -r.randint(4, 7))
        filed = _add_months_date(review, -1)
        accepted = _add_months_date(filed, -r.randint(2, 4))
        guidance = _add_months_date(accepted, -r.randint(6, 9))
        reform = _add_months_date(guidance, -r.randint(10, 14))
        reserve = _add_months_date(reform, -r.randint(2, 4))
        steps = [(0, reserve), (1, reform), (2, guidance), (3, accepted), (4, filed), (5, review)]
        return [(s, w, f"进入{IPO_STAGES[s]}阶段") for s, w in steps] + \
            [(2, reentry, "主动撤回首发申请，回退至辅导备案，重新辅导")]

    # -- indicators ledger (助企贷款, 五进走访, 资金互助关停, 防贫保)
    def indicators(self) -> None:
        """Monthly figures of the indicators ledger and their annual county
        targets: relief loans per bank; visits, active market players, closed
        mutual-fund cooperatives and 防贫保 (enrolment mostly in Q1) per town."""
        rng = self.rng("indicators")
        eligible = dict(self.conn.execute(
            "SELECT town_code, SUM(poverty_households + monitored_households) FROM villages "
            "GROUP BY town_code").fetchall())
        relief_base = {"RCB": 900, "ABC": 600, "CCB": 500, "PSBC": 400, "VTB": 150}  # 万元 a month
        premium = 100  # 元 per household and year
        players = {code: rng.randint(300, 900) for code, _, _ in self.towns}
        visited = dict.fromkeys(players, 0)
        rows, sums = [], {}
        for month in self.months:
            year, m = periods.parse_month(month)
            acc = sums.setdefault(year, {"players": 0, "eligible": 0})
            for bank_code, *_ in BANKS:
                value = int(relief_base[bank_code] * self.scale * rng.uniform(0.6, 1.4)) * 10_000
                rows.append((month, "relief_loan_new", "bank", bank_code, value, "元"))
            for code, _name, _base in self.towns:
                if m == 1 or month == self.start:
                    if m == 1:
                        players[code] = int(players[code] * rng.uniform(1.02, 1.06))
                    visited[code] = 0
                    acc["players"] += players[code]
                    acc["eligible"] += eligible.get(code, 0)
                stock = players[code]
                visits = max(0, min(int(stock * 0.97) - visited[code], int(stock * rng.uniform(0.06, 0.11))))
                visited[code] += visits
                households = int(eligible.get(code, 0) * 0.9 * {1: 0.45, 2: 0.25, 3: 0.15}.get(m, 0.015)
                                 * rng.uniform(0.85, 1.15))
                rows += [
                    (month, "visit_players", "town", code, visits, "家"),
                    (month, "active_players", "town", code, stock, "家"),
                    (month, "coop_closed", "town", code, 1 if rng.random() < 0.07 else 0, "家"),
                    (month, "pab_households", "town", code, households, "户"),
                    (month, "pab_premium", "town", code, households * premium, "元"),
                ]
        self.insert("indicators", rows)
        targets = []
        for year, acc in sorted(sums.items()):
            hh = int(round(acc["eligible"] * 0.9 * rng.uniform(1.0, 1.08), -1))
            for key, value in (
                ("relief_loan_new", _round_target(sum(relief_base.values()) * self.scale * 12 * 10_000
                                                  * rng.uniform(1.0, 1.1))),
                ("visit_players", int(round(acc["players"] * 0.95, -1))),
                ("coop_closed", 10 * self.scale),
                ("pab_households", hh),
                ("pab_premium", hh * premium),
            ):
                targets.append((year, f"indicator:{key}", "county", "", value))
        self.insert("targets", targets)

    # -- annual targets
    def targets(self) -> None:
        """Targets for each year: about 10% above the pace of the data."""
        rng = self.rng("targets")
        rows = []
        for year in sorted({periods.year_of(m) for m in self.months}):
            last = f"{year}-12" if f"{year}-12" <= self.end else self.end
            elapsed = periods.parse_month(last)[1]
            first = f"{year}-01"
            base = periods.previous_year_end(first)
            for town_code, _name, town_base in self.towns:
                # credit targets: last year's full-year increase plus some growth
                # (as an office sets them); the pace of the data in the first year
                factor = rng.uniform(0.92, 1.1)
                prior = self._credit_delta(town_code, periods.previous_year_end(base), base)
                g = self._credit_delta(town_code, base, last)
                if prior:
                    planned = [v * factor for v in prior]
                elif g:
                    planned = [v * 12 / elapsed * factor for v in g]
                else:
                    planned = None
                if planned:
                    for metric, value in zip(("credit_granted_increase", "credit_used_increase"), planned):
                        rows.append((year, metric, "town", town_code, _round_target(max(value, 0))))
                amount, hh = self.conn.execute(
                    "SELECT COALESCE(SUM(new_amount),0), 0 FROM microloan_monthly "
                    "WHERE town_code=? AND month BETWEEN ? AND ?", (town_code, first, last)).fetchone()
                rows.append((year, "microloan_new_amount", "town", town_code,
                             _round_target(amount * 12 / elapsed * rng.uniform(1.0, 1.15))))
            county: dict[str, int] = {}
            for r in rows:
                if r[0] == year and r[2] == "town":
                    county[r[1]] = county.get(r[1], 0) + r[4]
            for metric, value in county.items():
                rows.append((year, metric, "county", "", value))
            for bank_code, *_ in BANKS:
                (amount,) = self.conn.execute(
                    "SELECT COALESCE(SUM(new_amount),0) FROM microloan_monthly "
                    "WHERE bank_code=? AND month BETWEEN ? AND ?", (bank_code, first, last)).fetchone()
                if amount:
                    rows.append((year, "microloan_new_amount", "bank", bank_code,
                                 _round_target(amount * 12 / elapsed * rng.uniform(1.0, 1.15))))
            (hh,) = self.conn.execute(
                "SELECT COUNT(DISTINCT household_id) FROM microloan_household_years "
                "WHERE year=? AND first_month <= ?", (year, last)).fetchone()
            rows.append((year, "microloan_new_households", "county", "",
                         int(round(hh * 12 / elapsed * 1.08, -1))))
            (gnew,) = self.conn.execute(
                "SELECT COALESCE(SUM(new_amount),0) FROM guarantee_monthly WHERE month BETWEEN ? AND ?",
                (first, last)).fetchone()
            rows.append((year, "guarantee_new_amount", "county", "",
                         _round_target(gnew * 12 / elapsed * 1.05)))
            rows.append((year, "ipo_guidance_filings", "county", "", 2 * self.scale))
        self.insert("targets", rows)

    def _credit_delta(self, town_code: str, base: str, last: str):
        def level(month):
            return self.conn.execute(
                "SELECT COALESCE(SUM(granted_amount),0), COALESCE(SUM(used_amount),0) "
                "FROM credit_monthly WHERE town_code=? AND month=?", (town_code, month)).fetchone()
        if base < self.start:
            return None
        b, e = level(base), level(last)
        return e[0] - b[0], e[1] - b[1]


def _wan_round(yuan: float) -> int:
    """Banks report in whole 万元."""
    return int(round(yuan / 10_000)) * 10_000


def _round_target(value: float) -> int:
    """Targets are set in whole 万元 (rounded to 10 万元 above 1,000 万元)."""
    wan = value / 10_000
    step = 10 if wan >= 1000 else 1
    return int(max(step, round(wan / step) * step)) * 10_000


def _unit_suffix(unit: int) -> str:
    return f"（{unit + 1}区）"


def _progress_note(rng: random.Random, stage: str, stuck: bool) -> str:
    if stuck:
        return f"{stage}阶段推进缓慢，辅导机构正在补充尽调材料"
    return rng.choice([
        f"{stage}工作按计划推进",
        f"{stage}阶段材料已报送，等待反馈",
        f"中介机构进场，{stage}相关工作有序开展",
        f"完成{stage}阶段阶段性工作，召开协调会",
    ])


def ensure_database(path: str | os.PathLike | None = None, *, scale: int = 1) -> Path:
    """Make sure a database exists at ``path``; build the demo county if not.

    The demo is built in a temporary file next to the target and moved into
    place atomically, so a crash or a concurrent first start never leaves a
    half-built database behind.
    """
    path = Path(path) if path is not None else db.default_path()
    if path.exists() and path.stat().st_size > 0:
        with db.opened(path):
            pass  # migrates an older schema in place
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with db.temp_beside(path) as tmp:
        build(tmp, scale=scale)
        if not path.exists():
            os.replace(tmp, path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=f"生成演示数据库（虚构的{COUNTY}）")
    parser.add_argument("--scale", type=int, default=1, help="规模倍数（1 = 一个县）")
    parser.add_argument("--out", default=None, help="数据库文件路径（默认 data/county.db）")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--end", default=None, help="最后一个数据月份 YYYY-MM（默认上一个完整月份）")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else db.default_path()
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    counts = build(out, scale=args.scale, seed=args.seed, end=args.end)
    took = time.perf_counter() - t0
    print(f"built {out} (scale {args.scale}) in {took:.1f} s")
    for table, n in sorted(counts.items()):
        print(f"  {table:22s} {n:>10,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
