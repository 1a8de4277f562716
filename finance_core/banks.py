"""银行存贷款与金融机构考核: each bank's deposits and loans in the county (issue 14).

The ledger ``bank_reports`` holds one report per bank, month and town; a bank that
does not report by town reports the county as a whole (``town_code = ''``). Balances
are month-end; the ``*_ytd`` columns are 当年累计 (January up to the month), as the
banks report them. Pages read the roll-up ``bank_monthly`` (:func:`refresh`): the
reports, plus the last report of a bank that did not report a month, carried
forward for at most ``expected_lookback_months`` with its flows NULL (missing,
not zero; DESIGN.md "Completeness").

Scope: a town filter keeps the banks' by-town rows of those towns; a bank reporting
the county as a whole has no town figures and is named (:func:`county_only_banks`).

Definitions (DESIGN.md glossary):
- 存贷比 = 各项贷款 ÷ 各项存款; 不良率 = 不良贷款 ÷ 各项贷款.
- balances are compared with the year start (比年初, the previous December, the
  banks' own convention) and with the same month last year (同比增速).
- 普惠小微 "两增": 普惠小微贷款比年初增速 ≥ 各项贷款比年初增速, and 普惠小微户数 ≥
  年初户数 (equal passes both).
- 县域法人机构 (banks whose kind is in ``local_legal_kinds``): 比年初新增贷款 ÷ 比年初新增
  存款 at least ``local_lending_ratio_min`` (新增存款一定比例用于当地贷款).
- 金融机构考核: per indicator, the banks that reported are scored 0–100 by their place
  between the worst (0) and the best (100) of them; the weighted score is
  Σ weight × score ÷ Σ weight. A bank without the indicator's activity scores 0; a
  bank that did not report (any feed the assessment reads) is shown but not ranked.
"""
from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Iterable, Mapping

import pandas as pd
import sqlite_utils

from . import completeness, credit, microloans, money, periods, reuse, targets
from .area import BEHIND, BREACH, Area, Flag, Names
from .config import THRESHOLDS, Thresholds
from .filters import Filters, county_wide, scope_sql
from .kpi import COUNT, MONEY, RATIO, YTD_SUM, Kpi, compare
from .money import safe_ratio

AREA_KEY = "banks"
TITLE = "银行存贷款"
FEED = "bank_reports"            # completeness feed and import source
COUNTY_WIDE = ""                  # town_code of a report for the whole county
TOTAL_LABEL = "合计"
COUNTY_LABEL = "全县"
SELECTED_LABEL = "所选银行合计"

STOCKS = ("deposits", "loans", "agri_loans", "small_loans", "small_borrowers", "inclusive_agri_loans",
          "credit_loans", "long_loans", "npl")
FLOWS = ("first_borrowers_ytd", "first_amount_ytd", "renewal_ytd", "disbursed_ytd")
COLUMNS = STOCKS + FLOWS + ("rate_bp",)
# the ledger's columns with their Chinese names (import template, exports)
COLUMN_LABELS = {
    "deposits": "各项存款余额", "loans": "各项贷款余额", "agri_loans": "涉农贷款余额",
    "small_loans": "普惠小微贷款余额", "small_borrowers": "普惠小微贷款户数",
    "inclusive_agri_loans": "普惠型涉农贷款余额", "credit_loans": "信用贷款余额", "long_loans": "中长期贷款余额",
    "npl": "不良贷款余额", "first_borrowers_ytd": "当年首贷户数", "first_amount_ytd": "当年首贷金额",
    "renewal_ytd": "当年无还本续贷金额", "disbursed_ytd": "当年累计发放贷款", "rate_bp": "当年发放加权平均利率",
}


# --- roll-up ------------------------------------------------------------------------------
def refresh(db, months: Iterable[str] | None = None, th: Thresholds = THRESHOLDS) -> None:
    """Rebuild ``bank_monthly`` from ``bank_reports`` (the whole table: a few
    thousand rows; ``months`` is accepted for the roll-up interface).

    A (bank, town) unit that reported in one of the ``expected_lookback_months``
    months before a data month, but not in it, is carried: its last report's
    balances, NULL flows, ``carried_from`` = that report's month. A bank that
    changed how it reports (by town / county-wide) in the month is not carried in
    the other way (its books would count twice)."""
    conn = db.conn if isinstance(db, sqlite_utils.Database) else db
    cols = ", ".join(COLUMNS)
    conn.execute("DELETE FROM bank_monthly")
    conn.execute(f"INSERT INTO bank_monthly SELECT month, bank_code, town_code, {cols}, NULL FROM bank_reports")
    stocks = ", ".join(f"r.{c}" for c in STOCKS)
    conn.execute(
        f"""
        INSERT INTO bank_monthly
        WITH data_months(month, lo) AS (
            SELECT DISTINCT month, strftime('%Y-%m', month || '-01', '-{int(th.expected_lookback_months)} months')
            FROM bank_reports
        ),
        missing AS (
            SELECT d.month, r.bank_code, r.town_code, MAX(r.month) AS last
            FROM data_months d JOIN bank_reports r ON r.month >= d.lo AND r.month < d.month
            WHERE NOT EXISTS (SELECT 1 FROM bank_reports x WHERE x.month = d.month AND x.bank_code = r.bank_code
                              AND (x.town_code = r.town_code OR (x.town_code = '') <> (r.town_code = '')))
            GROUP BY d.month, r.bank_code, r.town_code
        )
        SELECT m.month, m.bank_code, m.town_code, {stocks}, NULL, NULL, NULL, NULL, NULL, m.last
        FROM missing m JOIN bank_reports r
          ON r.month = m.last AND r.bank_code = m.bank_code AND r.town_code = m.town_code
        """
    )


# --- totals ---------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class BankTotals:
    month: str
    deposits: int
    loans: int
    agri_loans: int
    small_loans: int
    small_borrowers: int
    inclusive_agri_loans: int
    credit_loans: int
    long_loans: int
    npl: int
    first_borrowers_ytd: int | None     # flows: None when every row in scope is carried
    first_amount_ytd: int | None
    renewal_ytd: int | None
    disbursed_ytd: int | None
    rate_weighted: int          # Σ disbursed_ytd × rate_bp over the rows with a rate
    rate_base: int              # Σ disbursed_ytd over those rows
    carried: int = 0            # rows carried forward from an earlier month

    @property
    def ldr(self) -> float | None:
        """存贷比 = 各项贷款 ÷ 各项存款."""
        return safe_ratio(self.loans, self.deposits)

    @property
    def npl_rate(self) -> float | None:
        """不良率 = 不良贷款 ÷ 各项贷款."""
        return safe_ratio(self.npl, self.loans)

    @property
    def rate(self) -> float | None:
        """当年发放加权平均利率 (a ratio: 0.0385 is 3.85%)."""
        r = safe_ratio(self.rate_weighted, self.rate_base)
        return None if r is None else r / 10_000


_SUMS = ", ".join([f"TOTAL({c})" for c in STOCKS] + [f"SUM({c})" for c in FLOWS]) + \
    ", TOTAL(CASE WHEN rate_bp IS NOT NULL THEN disbursed_ytd * rate_bp END)" \
    ", TOTAL(CASE WHEN rate_bp IS NOT NULL THEN disbursed_ytd END), SUM(carried_from IS NOT NULL)"


def _make(month: str, row) -> BankTotals:
    n_stocks = len(STOCKS)
    values = [int(v) for v in row[:n_stocks]] + [None if v is None else int(v) for v in row[n_stocks:n_stocks + 4]]
    return BankTotals(month, *values, *(int(v or 0) for v in row[n_stocks + 4:]))


def has_month(db: sqlite_utils.Database, month: str) -> bool:
    return db.execute("SELECT 1 FROM bank_monthly WHERE month = ? LIMIT 1", [month]).fetchone() is not None


@reuse.shared
def totals(db: sqlite_utils.Database, f: Filters) -> BankTotals | None:
    """Balances at ``f.as_of`` and this year's flows up to it, for the scope.

    None when no bank reported that month at all; a scope without reports in a
    month that has data gets zeros. Flows of carried rows are missing (not summed)."""
    if not has_month(db, f.as_of):
        return None
    where, params = scope_sql(f)
    row = db.execute(f"SELECT {_SUMS} FROM bank_monthly WHERE month = ?{where}", [f.as_of, *params]).fetchone()
    return _make(f.as_of, row)


def by_bank(db: sqlite_utils.Database, f: Filters) -> dict[str, BankTotals]:
    """Totals per bank in scope at ``f.as_of`` (banks with rows only)."""
    where, params = scope_sql(f)
    rows = db.execute(f"SELECT bank_code, {_SUMS} FROM bank_monthly WHERE month = ?{where} GROUP BY bank_code",
                      [f.as_of, *params]).fetchall()
    return {r[0]: _make(f.as_of, r[1:]) for r in rows}


def bank_names(db: sqlite_utils.Database) -> dict[str, str]:
    return dict(db.execute("SELECT code, name FROM banks ORDER BY code").fetchall())


def carried_banks(db: sqlite_utils.Database, f: Filters) -> dict[str, str]:
    """bank code -> the earliest month carried into its figures at ``f.as_of``
    (in scope): a bank that did not report (all or some of its towns)."""
    where, params = scope_sql(f)
    return dict(db.execute(
        f"SELECT bank_code, MIN(carried_from) FROM bank_monthly WHERE month = ? AND carried_from IS NOT NULL"
        f"{where} GROUP BY bank_code", [f.as_of, *params]).fetchall())


def county_only_banks(db: sqlite_utils.Database, f: Filters) -> list[str]:
    """Names of the banks in scope that report only for the whole county at
    ``f.as_of``: a town filter leaves them out (empty without a town filter)."""
    if not f.towns:
        return []
    _, params = scope_sql(dataclasses.replace(f, towns=()))
    where = f" AND bank_code IN ({','.join('?' * len(f.banks))})" if f.banks else ""
    rows = db.execute(
        f"""SELECT b.name FROM bank_monthly m JOIN banks b ON b.code = m.bank_code WHERE m.month = ?{where}
            GROUP BY m.bank_code HAVING MAX(m.town_code <> '') = 0 ORDER BY m.bank_code""",
        [f.as_of, *params]).fetchall()
    return [r[0] for r in rows]


def scope_note(db: sqlite_utils.Database, f: Filters) -> str | None:
    """The sentence a town-filtered view needs: who is not in it."""
    names = county_only_banks(db, f)
    if not names:
        return None
    return f"{'、'.join(names)}按全县报送、不分乡镇，乡镇口径不含其数据。"


def growth(now: int | None, base: int | None) -> float | None:
    """(now − base) ÷ base; None without a positive base."""
    if now is None or base is None or base <= 0:
        return None
    return (now - base) / base


# --- KPIs -------------------------------------------------------------------------------------
@reuse.shared
def kpis(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> list[Kpi]:
    """The page's KPI row: balances with 比年初 (and 较上月), their 同比增速, 存贷比,
    涉农 and 普惠小微 with 户数 and 增速, 首贷户, this year's flows with 同比, 不良率.
    Empty when ``f.as_of`` has no bank data."""
    now = totals(db, f)
    if now is None:
        return []
    m = f.as_of
    prev = totals(db, f.at(periods.add_months(m, -1)))
    start = totals(db, f.at(periods.previous_year_end(m)))
    year_ago = totals(db, f.at(periods.add_months(m, -12)))
    # growth rates need one more month each side for 较上月 and 比年初
    prev_year_ago = totals(db, f.at(periods.add_months(m, -13)))
    start_year_ago = totals(db, f.at(periods.add_months(periods.previous_year_end(m), -12)))

    def bal(key, label, attr, unit="", kind=MONEY, **kw):
        """A balance: 比年初 (the banks' convention) and, second, 同比."""
        return compare(key, label, kind, lambda t: getattr(t, attr), now, prev, start, base_label="比年初",
                       second=year_ago, second_label="同比", unit=unit, **kw)

    def yoy(key, label, attr, help_text):
        def g(pair):
            return None if pair[0] is None or pair[1] is None else growth(getattr(pair[0], attr), getattr(pair[1], attr))
        return Kpi(key, label, RATIO, g((now, year_ago)), g((prev, prev_year_ago)), g((start, start_year_ago)),
                   base_label="比年初", help=help_text)

    def ytd_growth(key, label, attr, help_text, **kw):
        base = start
        value = None if base is None else growth(getattr(now, attr), getattr(base, attr))
        before = None if base is None or prev is None or periods.parse_month(m)[1] == 1 else \
            growth(getattr(prev, attr), getattr(base, attr))
        return Kpi(key, label, RATIO, value, before, None, help=help_text, **kw)

    ytd = {"ytd": YTD_SUM, "as_of": m, "data_start": periods.data_start(db)}

    def flow(key, label, attr, kind=MONEY, unit="", **kw):
        return compare(key, label, kind, lambda t: getattr(t, attr), now, prev, year_ago, unit=unit, **ytd, **kw)

    ldr = compare("bank_ldr", "存贷比", RATIO, lambda t: t.ldr, now, prev, start, base_label="比年初",
                  help=f"各项贷款 ÷ 各项存款；目标不低于 {money.fmt_pct(th.bank_ldr_target)}")
    if ldr.value is not None and below(now.loans, now.deposits, th.bank_ldr_target):
        ldr = dataclasses.replace(ldr, flag=f"低于目标 {money.fmt_pct(th.bank_ldr_target)}")
    npl = compare("bank_npl_rate", "不良率", RATIO, lambda t: t.npl_rate, now, prev, start, base_label="比年初",
                  help=f"不良贷款余额 ÷ 各项贷款余额；警戒线 {money.fmt_pct(th.bank_npl_max)}", good_when_up=False,
                  decimals=2)
    if npl.value is not None and above(now.npl, now.loans, th.bank_npl_max):
        npl = dataclasses.replace(npl, flag=f"高于 {money.fmt_pct(th.bank_npl_max)}")
    two = two_increase(now, start)
    small_g = ytd_growth("bank_small_growth", "普惠小微比年初增速", "small_loans",
                         "普惠小微贷款比年初增长率；“两增”要求不低于各项贷款比年初增速")
    if two is not None and not two.growth_ok:
        small_g = dataclasses.replace(small_g, flag=f"低于各项贷款增速 {money.fmt_pct(two.loans_growth)}")
    small_hh = bal("bank_small_hh", "普惠小微户数", "small_borrowers", unit="户", kind=COUNT,
                   help="单户授信1000万元及以下小微企业和个体工商户经营性贷款户数；“两增”要求不低于年初")
    if two is not None and not two.borrowers_ok:
        small_hh = dataclasses.replace(small_hh, flag="低于年初户数")
    items = [
        bal("bank_deposits", "各项存款余额", "deposits"),
        yoy("bank_deposits_yoy", "各项存款同比增速", "deposits", "与上年同月相比的增长率"),
        bal("bank_loans", "各项贷款余额", "loans"),
        yoy("bank_loans_yoy", "各项贷款同比增速", "loans", "与上年同月相比的增长率"),
        ldr,
        bal("bank_agri", "涉农贷款余额", "agri_loans", help="人民银行涉农贷款统计口径"),
        ytd_growth("bank_agri_growth", "涉农贷款比年初增速", "agri_loans", "涉农贷款比年初增长率"),
        bal("bank_small", "普惠小微贷款余额", "small_loans",
            help="单户授信1000万元及以下小微企业和个体工商户经营性贷款"),
        small_g,
        small_hh,
        bal("bank_inclusive_agri", "普惠型涉农贷款余额", "inclusive_agri_loans"),
        bal("bank_credit", "信用贷款余额", "credit_loans"),
        bal("bank_long", "中长期贷款余额", "long_loans"),
        flow("bank_first_hh", "当年首贷户数", "first_borrowers_ytd", kind=COUNT, unit="户",
             help="当年首次获得银行贷款的户数"),
        flow("bank_first_amount", "当年首贷金额", "first_amount_ytd"),
        flow("bank_renewal", "当年无还本续贷", "renewal_ytd", help="当年办理无还本续贷的金额"),
        flow("bank_disbursed", "当年累计发放贷款", "disbursed_ytd"),
        compare("bank_rate", "当年发放加权平均利率", RATIO, lambda t: t.rate, now, prev, year_ago,
                help="当年累计发放贷款按金额加权的平均年利率", good_when_up=False, decimals=2),
        bal("bank_npl", "不良贷款余额", "npl", good_when_up=False),
        npl,
    ]
    found = completeness.gaps(db, f, (AREA_KEY,)) if FEED in completeness.BY_KEY else []
    return completeness.annotate(items, found, flows=FLOW_KPIS)


FLOW_KPIS = ("bank_first_hh", "bank_first_amount", "bank_renewal", "bank_disbursed", "bank_rate")


# --- regulatory checks ---------------------------------------------------------------------------
def _frac(x: float) -> Fraction:
    return Fraction(str(x))


def below(num: int, den: int, line: float) -> bool:
    """num ÷ den < line, exactly (no float rounding at the boundary); False without den."""
    return bool(den) and Fraction(int(num), int(den)) < _frac(line)


def above(num: int, den: int, line: float) -> bool:
    """num ÷ den > line, exactly; False without den."""
    return bool(den) and Fraction(int(num), int(den)) > _frac(line)


@dataclasses.dataclass(frozen=True)
class TwoIncrease:
    """普惠小微 "两增" at a month against the year start."""
    small_now: int
    small_base: int
    loans_now: int
    loans_base: int
    borrowers_now: int
    borrowers_base: int

    @property
    def small_growth(self) -> float | None:
        return growth(self.small_now, self.small_base)

    @property
    def loans_growth(self) -> float | None:
        return growth(self.loans_now, self.loans_base)

    @property
    def growth_ok(self) -> bool:
        """普惠小微增速 ≥ 各项贷款增速 (exact: cross-multiplied integers)."""
        return self.small_now * self.loans_base >= self.loans_now * self.small_base

    @property
    def borrowers_ok(self) -> bool:
        return self.borrowers_now >= self.borrowers_base

    @property
    def ok(self) -> bool:
        return self.growth_ok and self.borrowers_ok


def two_increase(now: BankTotals | None, start: BankTotals | None) -> TwoIncrease | None:
    """None without a year-start report or without loans at the year start."""
    if now is None or start is None or start.small_loans <= 0 or start.loans <= 0:
        return None
    return TwoIncrease(now.small_loans, start.small_loans, now.loans, start.loans,
                       now.small_borrowers, start.small_borrowers)


def local_lending_ratio(now: BankTotals | None, start: BankTotals | None) -> float | None:
    """比年初新增贷款 ÷ 比年初新增存款; None when deposits did not grow."""
    if now is None or start is None:
        return None
    return safe_ratio(now.loans - start.loans, max(0, now.deposits - start.deposits))


def local_banks(db: sqlite_utils.Database, th: Thresholds = THRESHOLDS) -> set[str]:
    """Codes of the county's legal-person institutions (县域法人机构)."""
    kinds = list(th.local_legal_kinds)
    if not kinds:
        return set()
    return {r[0] for r in db.execute(f"SELECT code FROM banks WHERE kind IN ({','.join('?' * len(kinds))})",
                                     kinds).fetchall()}


# rule key -> (title, level): the area's flag-rule table
RULES = {
    "ldr_low": ("存贷比低于目标", "warn"),
    "two_increase": ("普惠小微未实现“两增”", "warn"),
    "local_lending": ("县域法人机构新增存款用于当地贷款比例偏低", "warn"),
    "npl_high": ("不良率高于警戒线", "bad"),
    "target_behind": ("全年贷款增长目标落后序时进度", "warn"),
}


@dataclasses.dataclass(frozen=True)
class Check:
    rule: str
    bank: str                 # bank code, '' for the county
    name: str                 # bank name or 全县
    text: str

    @property
    def level(self) -> str:
        return RULES[self.rule][1]

    @property
    def title(self) -> str:
        return RULES[self.rule][0]


def _pct(x: float | None, decimals: int = 1) -> str:
    return money.fmt_pct(x, decimals)


def check_rows(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> list[dict]:
    """Per bank in scope (its whole county book) and 全县 (the banks in scope):
    the figures of every regulatory check and whether it passes."""
    county = Filters(f.as_of, (), f.banks)
    base_f = county.at(periods.previous_year_end(f.as_of))
    now, start = by_bank(db, county), by_bank(db, base_f)
    names, local = bank_names(db), local_banks(db, th)
    carried = carried_banks(db, county)
    rows = []
    units = [(c, names[c], now[c], start.get(c)) for c in names if c in now]
    if units:
        units.append(("", SELECTED_LABEL if f.banks else COUNTY_LABEL, totals(db, county), totals(db, base_f)))
    for code, name, t, s in units:
        two = two_increase(t, s)
        ratio = local_lending_ratio(t, s) if code in local else None
        rows.append({
            "code": code, "name": name, "totals": t, "start": s, "two": two,
            "local": code in local, "local_ratio": ratio,
            "local_ok": None if code not in local or ratio is None else not below(
                t.loans - s.loans, t.deposits - s.deposits, th.local_lending_ratio_min),
            "ldr_ok": None if not t.deposits else not below(t.loans, t.deposits, th.bank_ldr_target),
            "npl_ok": None if not t.loans else not above(t.npl, t.loans, th.bank_npl_max),
            "carried": carried.get(code) if code else (min(carried.values()) if carried else None),
        })
    return rows


@county_wide
def checks(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> list[Check]:
    """The regulatory checks that fail at ``f.as_of``, per bank and for the county
    (most severe first). A bank whose figures are carried (it did not report) is
    not checked: its figures are last month's."""
    out: list[Check] = []
    for r in check_rows(db, f, th):
        if r["code"] and r["carried"]:
            continue
        t, code, name = r["totals"], r["code"], r["name"]
        if r["npl_ok"] is False:
            out.append(Check("npl_high", code, name,
                             f"{name}不良率 {_pct(t.npl_rate, 2)}，高于警戒线 {_pct(th.bank_npl_max)}"))
        if r["ldr_ok"] is False:
            out.append(Check("ldr_low", code, name,
                             f"{name}存贷比 {_pct(t.ldr)}，低于目标 {_pct(th.bank_ldr_target)}"))
        two = r["two"]
        if two is not None and not two.ok:
            parts = []
            if not two.growth_ok:
                parts.append(f"普惠小微贷款比年初增长 {_pct(two.small_growth)}，低于各项贷款增速 {_pct(two.loans_growth)}")
            if not two.borrowers_ok:
                parts.append(f"户数 {two.borrowers_now:,} 户，比年初减少 {two.borrowers_base - two.borrowers_now:,} 户")
            out.append(Check("two_increase", code, name, f"{name}普惠小微未实现“两增”：" + "；".join(parts)))
        if r["local_ok"] is False:
            out.append(Check("local_lending", code, name,
                             f"{name}（县域法人机构）比年初新增贷款占新增存款 {_pct(r['local_ratio'])}，"
                             f"低于 {_pct(th.local_lending_ratio_min)}"))
    out.sort(key=lambda c: (c.level != "bad", list(RULES).index(c.rule), c.bank == ""))
    return out


@county_wide
def check_table(db: sqlite_utils.Database, f: Filters, th: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """监管指标检查 as a table: one row per bank and 全县, each check's figure and status."""
    def status(ok):
        return "—" if ok is None else ("达标" if ok else "未达标")

    records = []
    for r in check_rows(db, f, th):
        t, two = r["totals"], r["two"]
        records.append({
            "银行": r["name"],
            "存贷比（%）": pct(t.ldr),
            "存贷比检查": status(r["ldr_ok"]),
            "普惠小微比年初增速（%）": pct(None if two is None else two.small_growth),
            "各项贷款比年初增速（%）": pct(None if two is None else two.loans_growth),
            "普惠小微户数": t.small_borrowers,
            "年初户数": None if r["start"] is None else r["start"].small_borrowers,
            "两增": status(None if two is None else two.ok),
            "新增存贷比例（%）": pct(r["local_ratio"]) if r["local"] else None,
            "县域法人考核": status(r["local_ok"]) if r["local"] else "不适用",
            "不良率（%）": pct(t.npl_rate, 2),
            "不良率检查": status(r["npl_ok"]),
            "报送情况": carried_text(r["carried"], f.as_of) if r["carried"] else "已报送",
        })
    cols = ["银行", "存贷比（%）", "存贷比检查", "普惠小微比年初增速（%）", "各项贷款比年初增速（%）", "普惠小微户数",
            "年初户数", "两增", "新增存贷比例（%）", "县域法人考核", "不良率（%）", "不良率检查", "报送情况"]
    return pd.DataFrame(records, columns=cols)


def carried_text(since: str, as_of: str) -> str:
    return f"未报送（余额沿用{completeness.month_word(since, as_of)}数据）"


def pct(ratio: float | None, decimals: int = 1) -> float | None:
    """A ratio as a percentage number for a "（%）" column, half-up."""
    if ratio is None:
        return None
    return float((Decimal(str(ratio)) * 100).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


# --- annual targets: 全年贷款增长 -------------------------------------------------------------------
TARGET_METRIC = "bank_loan_increase"
TARGET_LABEL = "各项贷款比年初增加"


def loan_increase(db: sqlite_utils.Database, f: Filters) -> int | None:
    """各项贷款比年初增加 for the scope (the target metric's actual)."""
    now = totals(db, f)
    base = totals(db, f.at(periods.previous_year_end(f.as_of)))
    if now is None or base is None:
        return None
    return now.loans - base.loans


def _targets(db: sqlite_utils.Database, year: int) -> dict[tuple[str, str], int]:
    rows = db.execute("SELECT scope_type, scope_code, value FROM targets WHERE year = ? AND metric = ?",
                      [year, TARGET_METRIC]).fetchall()
    return {(t, c): int(v) for t, c, v in rows}


def target_for(db: sqlite_utils.Database, f: Filters) -> int | None:
    """The year's 全年贷款增长 target of the scope: the county's, or the sum of the
    chosen banks' (None when one has none, and for a town scope)."""
    if f.towns:
        return None
    goals = _targets(db, f.year)
    if not f.banks:
        return goals.get(("county", ""))
    values = [goals.get(("bank", b)) for b in f.banks]
    return None if any(v is None for v in values) else sum(values)


@county_wide
def target_table(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """全年贷款增长目标 per bank in scope and 全县 (or 合计 of the chosen banks):
    全年目标, 比年初增加, 完成率 against 序时进度."""
    tp = periods.time_progress(f.as_of)
    partial = periods.partial_year(periods.data_start(db), f.as_of)
    names = bank_names(db)
    county = Filters(f.as_of, (), f.banks)
    carried = carried_banks(db, county)
    rows = []
    codes = [c for c in names if not f.banks or c in f.banks]
    for code, label in [*((c, names[c]) for c in codes), ("", TOTAL_LABEL if f.banks else COUNTY_LABEL)]:
        sub = Filters(f.as_of, (), (code,)) if code else county
        goal, actual = target_for(db, sub), loan_increase(db, sub)
        if goal is None and actual is None:
            continue
        completion = None if partial else safe_ratio(actual, goal)
        rows.append({
            "银行": label,
            "全年目标（亿元）": money.to_yi(goal),
            "比年初增加（亿元）": money.to_yi(actual),
            "完成率（%）": pct(completion),
            "序时进度（%）": pct(tp),
            "进度": (targets.PARTIAL if partial and goal is not None else "—" if completion is None
                   else targets.BEHIND if completion < tp else targets.AHEAD),
            "报送情况": carried_text(carried[code], f.as_of) if code in carried else
                    ("已报送" if code or not carried else "含未报送银行的沿用数据"),
        })
    return pd.DataFrame(rows, columns=["银行", "全年目标（亿元）", "比年初增加（亿元）", "完成率（%）",
                                       "序时进度（%）", "进度", "报送情况"])


def target_checks(db: sqlite_utils.Database, f: Filters) -> list[Check]:
    """Banks (and the county) whose 全年贷款增长 completion is behind 序时进度."""
    table = target_table(db, f)
    out = []
    for r in table.itertuples(index=False):
        if r.进度 == "落后":
            code = next((c for c, n in bank_names(db).items() if n == r.银行), "")
            done = (f"比年初增加 {r[2]:.2f} 亿元，完成 {r[3]:.1f}%" if r[2] >= 0
                    else f"比年初减少 {-r[2]:.2f} 亿元，尚无进度")
            out.append(Check("target_behind", code, r.银行,
                             f"{r.银行}全年贷款增长目标 {r[1]:.2f} 亿元，{done}，落后序时进度 {r[4]:.1f}%"))
    return out


# --- trend, per bank, per town -------------------------------------------------------------------
def trend(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """By month up to ``f.as_of``: 各项存款, 各项贷款 (亿元), 存贷比 (%), 涉农 and
    普惠小微 (亿元), and which banks' figures are carried."""
    where, params = scope_sql(f)
    rows = db.execute(
        f"""SELECT month, TOTAL(deposits), TOTAL(loans), TOTAL(agri_loans), TOTAL(small_loans),
                   GROUP_CONCAT(CASE WHEN carried_from IS NOT NULL THEN bank_code END)
            FROM bank_monthly WHERE month <= ?{where} GROUP BY month ORDER BY month""",
        [f.as_of, *params]).fetchall()
    names = bank_names(db)
    out = []
    for month, dep, loans, agri, small, carried in rows:
        who = "、".join(dict.fromkeys(names.get(c, c) for c in (carried or "").split(",") if c))
        out.append({"月份": month, "各项存款（亿元）": money.to_yi(dep), "各项贷款（亿元）": money.to_yi(loans),
                    "存贷比（%）": pct(safe_ratio(loans, dep)), "涉农贷款（亿元）": money.to_yi(agri),
                    "普惠小微贷款（亿元）": money.to_yi(small), "沿用数据": f"{who}未报送，沿用此前数据" if who else ""})
    return pd.DataFrame(out, columns=["月份", "各项存款（亿元）", "各项贷款（亿元）", "存贷比（%）", "涉农贷款（亿元）",
                                      "普惠小微贷款（亿元）", "沿用数据"])


BANK_COLUMNS = ["银行", "报送口径", "各项存款（亿元）", "存款比年初增加（亿元）", "各项贷款（亿元）",
                "贷款比年初增加（亿元）", "存贷比（%）", "涉农贷款（亿元）", "普惠小微贷款（亿元）", "普惠小微户数",
                "普惠型涉农贷款（亿元）", "信用贷款（亿元）", "中长期贷款（亿元）", "当年首贷户数", "当年首贷金额（万元）",
                "当年无还本续贷（万元）", "当年累计发放（亿元）", "加权平均利率（%）", "不良贷款（万元）", "不良率（%）",
                "报送情况"]


def bank_table(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """One row per bank in scope at ``f.as_of`` and a 合计 row: every reported figure."""
    now = by_bank(db, f)
    if not now:
        return pd.DataFrame(columns=BANK_COLUMNS)
    start = by_bank(db, f.at(periods.previous_year_end(f.as_of)))
    names = bank_names(db)
    carried = carried_banks(db, f)
    (by_town_banks,) = db.execute(
        "SELECT GROUP_CONCAT(DISTINCT bank_code) FROM bank_monthly WHERE month = ? AND town_code <> ''",
        [f.as_of]).fetchone()
    by_town_banks = set((by_town_banks or "").split(","))
    units = [(names[c], now[c], start.get(c), c) for c in names if c in now]
    units.append((TOTAL_LABEL, totals(db, f), totals(db, f.at(periods.previous_year_end(f.as_of))), None))
    out = []
    for name, t, s, code in units:
        def inc(attr):
            return None if s is None else money.to_yi(getattr(t, attr) - getattr(s, attr))
        out.append({
            "银行": name,
            "报送口径": "" if code is None else ("按乡镇" if code in by_town_banks else "全县"),
            "各项存款（亿元）": money.to_yi(t.deposits), "存款比年初增加（亿元）": inc("deposits"),
            "各项贷款（亿元）": money.to_yi(t.loans), "贷款比年初增加（亿元）": inc("loans"),
            "存贷比（%）": pct(t.ldr), "涉农贷款（亿元）": money.to_yi(t.agri_loans),
            "普惠小微贷款（亿元）": money.to_yi(t.small_loans), "普惠小微户数": t.small_borrowers,
            "普惠型涉农贷款（亿元）": money.to_yi(t.inclusive_agri_loans), "信用贷款（亿元）": money.to_yi(t.credit_loans),
            "中长期贷款（亿元）": money.to_yi(t.long_loans), "当年首贷户数": t.first_borrowers_ytd,
            "当年首贷金额（万元）": money.to_wan(t.first_amount_ytd),
            "当年无还本续贷（万元）": money.to_wan(t.renewal_ytd),
            "当年累计发放（亿元）": money.to_yi(t.disbursed_ytd), "加权平均利率（%）": pct(t.rate, 2),
            "不良贷款（万元）": money.to_wan(t.npl), "不良率（%）": pct(t.npl_rate, 2),
            "报送情况": (carried_text(carried[code], f.as_of) if code in carried else "已报送") if code else
                    ("含未报送银行的沿用数据（当年累计不含其数据）" if carried else ""),
        })
    return pd.DataFrame(out, columns=BANK_COLUMNS)


TOWN_COLUMNS = ["乡镇", "报送银行", "各项存款（亿元）", "各项贷款（亿元）", "存贷比（%）", "涉农贷款（亿元）",
                "普惠小微贷款（亿元）", "普惠小微户数", "不良率（%）"]


def town_table(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """Per town (the by-town reports of the banks in scope): balances and 存贷比."""
    where, params = scope_sql(f, town_col="m.town_code", bank_col="m.bank_code")
    rows = db.execute(
        f"""SELECT t.name, GROUP_CONCAT(DISTINCT b.name), TOTAL(m.deposits), TOTAL(m.loans), TOTAL(m.agri_loans),
                   TOTAL(m.small_loans), TOTAL(m.small_borrowers), TOTAL(m.npl)
            FROM bank_monthly m JOIN towns t ON t.code = m.town_code JOIN banks b ON b.code = m.bank_code
            WHERE m.month = ?{where} GROUP BY m.town_code ORDER BY m.town_code""",
        [f.as_of, *params]).fetchall()
    out = [{"乡镇": n, "报送银行": who, "各项存款（亿元）": money.to_yi(d), "各项贷款（亿元）": money.to_yi(lo),
            "存贷比（%）": pct(safe_ratio(lo, d)), "涉农贷款（亿元）": money.to_yi(a), "普惠小微贷款（亿元）": money.to_yi(s),
            "普惠小微户数": int(sb), "不良率（%）": pct(safe_ratio(npl, lo), 2)}
           for n, who, d, lo, a, s, sb, npl in rows]
    return pd.DataFrame(out, columns=TOWN_COLUMNS)


# --- 金融机构考核 -----------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Indicator:
    key: str
    param: str               # link parameter of its weight
    label: str
    column: str              # the value's column (unit in brackets)
    higher_better: bool
    help: str


INDICATORS: tuple[Indicator, ...] = (
    Indicator("loan_growth", "w_loan", "各项贷款增长", "各项贷款比年初增速（%）", True, "各项贷款比年初增长率"),
    Indicator("agri_growth", "w_agri", "涉农贷款增长", "涉农贷款比年初增速（%）", True, "涉农贷款比年初增长率"),
    Indicator("small_growth", "w_small", "普惠小微贷款增长", "普惠小微比年初增速（%）", True, "普惠小微贷款比年初增长率"),
    Indicator("credit_usage", "w_credit", "信用村用信", "信用村用信率（%）", True,
              "该行信用村用信金额 ÷ 授信金额；未开展信用村授信的记 0 分"),
    Indicator("microloan_new", "w_ml_new", "小额信贷投放", "小额信贷当年投放（万元）", True,
              "该行脱贫人口小额信贷当年新增投放金额"),
    Indicator("microloan_overdue", "w_ml_overdue", "小额信贷逾期", "小额信贷逾期率（%）", False,
              "该行小额信贷逾期率，越低越好；未发放小额信贷的记 0 分"),
    Indicator("first_borrowers", "w_first", "首贷户", "当年首贷户数", True, "当年首次获得贷款的户数"),
    Indicator("npl_rate", "w_npl", "不良贷款", "不良率（%）", False, "不良贷款余额 ÷ 各项贷款余额，越低越好"),
)
INDICATOR_BY_KEY = {i.key: i for i in INDICATORS}
WEIGHT_MAX = 50


def default_weights(th: Thresholds = THRESHOLDS) -> dict[str, int]:
    """Indicator key -> weight from the configuration (unknown keys ignored, missing ones 0)."""
    given = dict(th.bank_score_weights)
    return {i.key: int(given.get(i.key, 0)) for i in INDICATORS}


def weights_text(weights: Mapping[str, int]) -> str:
    """'各项贷款增长 20、涉农贷款增长 15、…（合计 100）'."""
    total = sum(weights.values())
    return "、".join(f"{i.label} {weights.get(i.key, 0)}" for i in INDICATORS) + f"（合计 {total}）"


@reuse.kept
def indicator_values(db: sqlite_utils.Database, as_of: str) -> tuple[dict[str, dict[str, float | None]], dict]:
    """(bank -> indicator key -> value, bank -> why it is not ranked) at ``as_of``,
    county-wide, for every bank that has bank reports that month. Values are
    ratios, amounts in 元 or counts; None where the bank has no such activity."""
    f = Filters(as_of)
    now, start = by_bank(db, f), by_bank(db, f.at(periods.previous_year_end(as_of)))
    unranked: dict[str, str] = {}
    for code, since in carried_banks(db, f).items():
        unranked[code] = carried_text(since, as_of)
    for g in completeness.gaps(db, f, ("credit-villages", "microloans")):
        if g.reporter_kind == completeness.BANK and g.reporter in now:
            unranked.setdefault(g.reporter, f"未报送{completeness.month_word(g.month, as_of)}{g.feed_title}")
    out: dict[str, dict[str, float | None]] = {}
    for code, t in now.items():
        s = start.get(code)
        one = Filters(as_of, (), (code,))
        c = credit.totals(db, one)
        ml = microloans.totals(db, one)
        out[code] = {
            "loan_growth": None if s is None else growth(t.loans, s.loans),
            "agri_growth": None if s is None else growth(t.agri_loans, s.agri_loans),
            "small_growth": None if s is None else growth(t.small_loans, s.small_loans),
            "credit_usage": None if c is None else c.usage_rate,
            "microloan_new": None if ml is None or not (ml.balance or ml.new_amount_ytd) else ml.new_amount_ytd,
            "microloan_overdue": None if ml is None else ml.overdue_rate,
            "first_borrowers": t.first_borrowers_ytd,
            "npl_rate": t.npl_rate,
        }
    return out, unranked


def indicator_scores(values: Mapping[str, Mapping[str, float | None]], ranked: Iterable[str]) -> dict[str, dict[str, float]]:
    """bank -> indicator -> score 0–100 among the ``ranked`` banks: the best 100,
    the worst 0, linear between; all equal: 100; no value: 0."""
    ranked = [b for b in ranked if b in values]
    out: dict[str, dict[str, float]] = {b: {} for b in ranked}
    for ind in INDICATORS:
        vals = [values[b][ind.key] for b in ranked if values[b][ind.key] is not None]
        lo, hi = (min(vals), max(vals)) if vals else (None, None)
        for b in ranked:
            v = values[b][ind.key]
            if v is None:
                s = 0.0
            elif hi == lo:
                s = 100.0
            else:
                s = 100.0 * ((v - lo) if ind.higher_better else (hi - v)) / (hi - lo)
            out[b][ind.key] = s
    return out


def weighted_score(scores: Mapping[str, float], weights: Mapping[str, int]) -> float | None:
    """Σ weight × score ÷ Σ weight (None when every weight is 0)."""
    total = sum(weights.get(i.key, 0) for i in INDICATORS)
    if total <= 0:
        return None
    return sum(weights.get(i.key, 0) * scores.get(i.key, 0.0) for i in INDICATORS) / total


def _value_cell(ind: Indicator, v: float | None):
    if v is None:
        return None
    if "（%）" in ind.column:
        return pct(v, 2)
    if "万元" in ind.column:
        return money.to_wan(v)
    return int(v)


@county_wide
def ranking(db: sqlite_utils.Database, f: Filters, weights: Mapping[str, int] | tuple | None = None,
            th: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """金融机构考核排名 at ``f.as_of`` (county-wide; the bank filter keeps its banks'
    rows, scored among all banks): 排名, 银行, 加权得分, each indicator's score and
    value, 报送情况. Ranks are shared on equal scores (to two decimals)."""
    w = default_weights(th) if weights is None else {i.key: int(dict(weights).get(i.key, 0)) for i in INDICATORS}
    values, unranked = indicator_values(db, f.as_of)
    names = bank_names(db)
    ranked = [b for b in names if b in values and b not in unranked]
    scores = indicator_scores(values, ranked)
    total = {b: weighted_score(scores[b], w) for b in ranked}
    order = sorted(ranked, key=lambda b: (-(total[b] or 0), b))
    rank: dict[str, int] = {}
    for i, b in enumerate(order, start=1):
        prev = order[i - 2] if i > 1 else None
        same = prev is not None and round(total[prev] or 0, 2) == round(total[b] or 0, 2)
        rank[b] = rank[prev] if same else i
    rows = []
    for b in order + [b for b in names if b in unranked and b in values]:
        if f.banks and b not in f.banks:
            continue
        rec = {"排名": rank.get(b), "银行": names[b],
               "加权得分": None if b not in total or total[b] is None else round(total[b], 2)}
        for ind in INDICATORS:
            rec[f"{ind.label}得分"] = round(scores[b][ind.key], 1) if b in scores else None
        for ind in INDICATORS:
            rec[ind.column] = _value_cell(ind, values[b][ind.key])
        rec["报送情况"] = f"{unranked[b]}，不参与排名" if b in unranked else "已报送"
        rows.append(rec)
    cols = ["排名", "银行", "加权得分", *(f"{i.label}得分" for i in INDICATORS), *(i.column for i in INDICATORS), "报送情况"]
    frame = pd.DataFrame(rows, columns=cols)
    numeric = [c for c in cols if c not in ("银行", "报送情况", "排名", "当年首贷户数")]
    return frame.astype({c: "float64" for c in numeric})


def ranking_text(table: pd.DataFrame) -> str:
    """'排名：1. 邮储银行 85.3 分；2. 农商行 83.5 分；…' (ranked banks only)."""
    ranked = table[table["排名"].notna() & table["加权得分"].notna()]
    if ranked.empty:
        return "排名：无可排名的银行。"
    rows = zip(ranked["排名"], ranked["银行"], ranked["加权得分"])   # (itertuples builds a class per call)
    return "排名：" + "；".join(f"{int(rank)}. {bank} {score:.1f} 分" for rank, bank, score in rows) + "。"


def weights_table(weights: Mapping[str, int], th: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """The weights in use beside the configured ones, for the page and the export."""
    base = default_weights(th)
    total = sum(weights.values()) or 1
    return pd.DataFrame(
        [{"指标": i.label, "口径": i.help, "方向": "越高越好" if i.higher_better else "越低越好",
          "配置权重": base[i.key], "当前权重": int(weights.get(i.key, 0)),
          "折算权重（%）": pct(weights.get(i.key, 0) / total)} for i in INDICATORS],
        columns=["指标", "口径", "方向", "配置权重", "当前权重", "折算权重（%）"])


# --- comparison chart data ------------------------------------------------------------------------
def comparison(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """Per bank in scope at ``f.as_of``: 各项存款, 各项贷款 (亿元), 存贷比 and the
    loans' increase since the year start."""
    table = bank_table(db, f)
    table = table[table["银行"] != TOTAL_LABEL]
    return table[["银行", "各项存款（亿元）", "各项贷款（亿元）", "存贷比（%）", "贷款比年初增加（亿元）"]] \
        .reset_index(drop=True)


# --- the area: target metric, red flags, brief, registry entry ------------------------------------
LOAN_TARGET = targets.Metric(TARGET_METRIC, "全年贷款增长", "万元", ("county", "bank"), loan_increase)


def flags(db: sqlite_utils.Database, f: Filters, names: Names, th: Thresholds = THRESHOLDS) -> list[Flag]:
    """银行存贷款 red flags: every failing regulatory check (per bank, on its whole
    county book, and for the county) and, without a bank filter, each bank behind
    its 全年贷款增长 target (the scope's own target is flagged by the registry)."""
    out = []
    found = checks(db, f, th) + ([c for c in target_checks(db, f) if c.bank] if not f.banks else [])
    for c in found:
        dims = (("bank", c.name),) if c.bank else ()
        out.append(Flag(AREA_TITLE, c.text, AREA_KEY, dims, BREACH if c.level == "bad" else BEHIND, subject=c.name))
    return out


AREA_TITLE = TITLE


AREA = Area(
    key=AREA_KEY, title=TITLE, heading="银行存贷款", kpis=kpis,
    overview=("bank_deposits", "bank_loans", "bank_ldr", "bank_small", "bank_npl_rate"),
    flags=flags, targets=(LOAN_TARGET,), refresh=lambda db, months=None, tables=None: refresh(db, months),
    rollup_tables=("bank_monthly",),
    import_feeds=(FEED,), completeness_feeds=(FEED,), flow_targets=False,
)
