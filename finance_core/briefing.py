"""调度简报: the monthly review brief and the yearly summary, written from the data.

:func:`build` returns a :class:`Brief`: a title, then one section per area
(总体情况, 企业上市, 信用村, 小额信贷, 融资担保, 金融助企与风险防范, 存在问题, and
for a yearly summary the next year's plan), each with Chinese paragraphs in the
register of the office's own reports (the seed document), a table and a chart.

Every number comes from a finance_core function the pages use (``credit.totals``,
``microloans.totals``, ``guarantees.totals``, ``ipo.stage_counts``,
``targets.progress``, ``overview.red_flags``, ``indicators.figures``) or from
the small queries below (per-town and per-bank rankings, product activity in
the period, IPO moves and financing rounds in the period), each tested against
plain SQL. A sentence whose data is missing is left out, never filled with a
zero.

Periods: a 月报 is computed at the data month; a 年报 covers the year of the
data month up to December, or to the latest month of that year with data.

Numbers are written as the office writes them: amounts from 1亿元 up in 亿元
with two decimals, from 1,000万元 in whole 万元, below in 万元 with up to two
decimals (half-up, :mod:`finance_core.money`); households 户, firms 家,
percentages with one decimal.
"""
from __future__ import annotations

import dataclasses
import hashlib
import re
from decimal import Decimal

import pandas as pd
import sqlite_utils

from . import completeness, credit, guarantees, indicators, ipo, microloans, money, overview, periods, targets
from . import versions
from .filters import Filters, load_options, scope_sql

MONTHLY, ANNUAL = "月报", "年报"
KINDS = (MONTHLY, ANNUAL)
NUMERALS = "一二三四五六七八九十"
HEADING_RE = re.compile(rf"^[{NUMERALS}]+、\S")


# --- numbers in the seed's register ---------------------------------------------------
def amount_text(yuan: int | float | None) -> str | None:
    """'3.04亿元', '6100万元', '85.6万元' (half-up); None when missing."""
    if yuan is None:
        return None
    if abs(yuan) >= money.YI:
        return f"{money.to_yi(yuan, 2):.2f}亿元"
    if abs(yuan) >= 1000 * money.WAN:
        return f"{money.to_wan(yuan, 0):.0f}万元"
    return f"{money.to_wan(yuan, 2):.2f}".rstrip("0").rstrip(".") + "万元"


def count_text(n: int | None, unit: str) -> str | None:
    return None if n is None else f"{int(n)}{unit}"


def pct_text(ratio: float | None) -> str | None:
    """0.4567 -> '45.7%' (half-up); None when missing."""
    return None if ratio is None else money.fmt_pct(ratio)


def _points(diff: float) -> str:
    return money.fmt_pct(abs(diff))[:-1]


def _shown_diff(a: float, b: float) -> Decimal:
    """a − b in 个百分点, as the difference of the two percentages shown (one
    decimal): 1.2% against 0.7% is 0.5, whatever the unrounded rates were."""
    return Decimal(pct_text(a)[:-1]) - Decimal(pct_text(b)[:-1])


def change_text(now: float | int | None, base: float | int | None) -> str | None:
    """'同比增长12.3%' / '同比下降4.5%' / '同比持平'; None without a base."""
    if now is None or not base:
        return None
    r = now / base - 1
    body = money.fmt_pct(abs(r))
    if body == "0.0%":
        return "同比持平"
    return ("同比增长" if r > 0 else "同比下降") + body


def rate_change_text(now: float | None, base: float | None) -> str | None:
    """A rate against a year ago: '同比上升1.2个百分点'."""
    if now is None or base is None:
        return None
    diff = _shown_diff(now, base)
    if diff == 0:
        return "同比持平"
    return ("同比上升" if diff > 0 else "同比下降") + f"{abs(diff)}个百分点"


def multiple_change_text(now: float | None, base: float | None) -> str | None:
    """A multiple (倍) against a year ago, in 倍: '同比上升0.73倍' (two decimals
    shown, so the change is the difference of the shown values)."""
    if now is None or base is None:
        return None
    diff = Decimal(f"{now:.2f}") - Decimal(f"{base:.2f}")
    if diff == 0:
        return "同比持平"
    return ("同比上升" if diff > 0 else "同比下降") + f"{abs(diff)}倍"


def target_text(value: int | None, unit: str) -> str | None:
    """A target in its unit: money ('万元' targets are stored in 元) or a count."""
    if value is None:
        return None
    return amount_text(value) if unit == "万元" else count_text(value, unit)


def progress_text(actual, target: int | None, unit: str, tp: float) -> str | None:
    """'完成全年目标（4.50亿元）的87.3%，序时进度83.3%，超过序时进度4.0个百分点';
    in December the year is over: '…的95.2%，未完成全年目标'. None without a target."""
    c = money.safe_ratio(actual, target)
    if c is None:
        return None
    if c < 0:
        return f"全年目标（{target_text(target, unit)}）尚无进度"
    out = f"完成全年目标（{target_text(target, unit)}）的{pct_text(c)}"
    if tp >= 1:
        return out + ("，完成全年目标" if c >= 1 else "，未完成全年目标")
    gap = _shown_diff(c, tp)
    if gap == 0:
        return out + f"，与序时进度（{pct_text(tp)}）持平"
    return out + f"，{'超过' if gap > 0 else '落后'}序时进度（{pct_text(tp)}）{abs(gap)}个百分点"


def partial_progress_text(target: int | None, unit: str) -> str | None:
    """A target of a partial first year: named, not compared."""
    if target is None:
        return None
    return f"全年目标{target_text(target, unit)}（{targets.PARTIAL}，不计算完成率）"


def sentence(*clauses: str | None) -> str | None:
    """Clauses joined with '，' and closed with '。'; None if the first (the
    sentence's subject and main figure) is missing. Other missing clauses drop."""
    if not clauses or not clauses[0]:
        return None
    return "，".join(c for c in clauses if c) + "。"


def sentence_any(*clauses: str | None, sep: str = "，") -> str | None:
    """The clauses present joined with ``sep`` and closed with '。'; None if none is."""
    kept = [c for c in clauses if c]
    return sep.join(kept) + "。" if kept else None


def paragraph(*sentences: str | None) -> str | None:
    kept = [s for s in sentences if s]
    return "".join(kept) or None


def short_name(company: str) -> str:
    """'富印新材料股份有限公司' -> '富印新材料' (as reports name companies)."""
    return company.replace("股份有限公司", "").replace("有限责任公司", "").replace("有限公司", "")


def month_word(date: str) -> str:
    return f"{int(str(date)[5:7])}月"


_CJK_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef]) +| +(?=[\u3000-\u9fff\uff00-\uffef])")


def tidy(text: str) -> str:
    """Drop the spaces screen labels put between Chinese text and numbers."""
    return _CJK_SPACE.sub("", text.replace(" / ", "/")).replace(",", "")


def heading_name(line: str) -> str:
    return re.sub(rf"^[{NUMERALS}]+、", "", line.strip())


# --- period ---------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Period:
    kind: str       # MONTHLY or ANNUAL
    as_of: str      # the data month the figures are computed at
    first: str | None = None   # the first data month of the database

    @property
    def partial(self) -> bool:
        """The year is the first data year and its data start after January."""
        return periods.partial_year(self.first, self.as_of)

    @property
    def partial_note(self) -> str | None:
        """'数据自2023年12月起，2023年各项当年累计数仅含已有数据、不代表全年，…'."""
        if not self.partial:
            return None
        return (f"{periods.since_text(self.first)}，{self.year}年各项当年累计数仅含已有数据、不代表全年，"
                f"年度目标不计算完成率（{targets.PARTIAL}）")

    @property
    def year(self) -> int:
        return periods.year_of(self.as_of)

    @property
    def month(self) -> int:
        return periods.parse_month(self.as_of)[1]

    @property
    def start(self) -> str:
        """First month whose events (IPO moves, rounds, products) count."""
        return self.as_of if self.kind == MONTHLY else periods.year_start_month(self.as_of)

    @property
    def full_year(self) -> bool:
        return self.month == 12

    @property
    def label(self) -> str:
        if self.kind == MONTHLY:
            return f"{self.year}年{self.month}月"
        if self.partial:
            return f"{self.year}年（数据自{periods.parse_month(self.first)[1]}月起）"
        return f"{self.year}年" + ("" if self.full_year else f"（1—{self.month}月）")

    @property
    def when(self) -> str:
        """'截至10月末' / '截至2025年末'."""
        if self.kind == ANNUAL and self.full_year:
            return f"截至{self.year}年末"
        return f"截至{self.month}月末"

    @property
    def ytd(self) -> str:
        """How the year's flows are named: '今年以来', '全年', '1—10月'."""
        if self.kind == MONTHLY:
            return "今年以来"
        if self.partial:
            return "年内"
        return "全年" if self.full_year else f"1—{self.month}月"

    @property
    def year_word(self) -> str:
        """The year's flows named with the year: '今年以来', '2025年', '2026年1—10月'."""
        if self.kind == MONTHLY:
            return "今年以来"
        return f"{self.year}年" + ("" if self.full_year else f"1—{self.month}月")

    @property
    def moves_word(self) -> str:
        if self.kind == MONTHLY:
            return "本月"
        return "全年" if self.full_year and not self.partial else "今年以来"


def period_for(months: tuple[str, ...] | list[str], kind: str, as_of: str) -> Period:
    """The brief's period: a 月报 at ``as_of``; a 年报 at December of its year or
    the latest month of that year in ``months`` (the months with data)."""
    first = min(months) if months else None
    if kind != ANNUAL:
        return Period(MONTHLY, as_of, first)
    year = periods.year_of(as_of)
    in_year = [m for m in months if periods.year_of(m) == year]
    return Period(ANNUAL, max(in_year) if in_year else as_of, first)


# --- small queries written for the brief (each tested against plain SQL) -----------------
@dataclasses.dataclass(frozen=True)
class Ranked:
    name: str
    value: float


def best_and_worst(items: list[Ranked]) -> tuple[Ranked, Ranked] | None:
    """Highest and lowest value (ties by name); None with fewer than two items."""
    items = sorted(items, key=lambda r: (-r.value, r.name))
    if len(items) < 2 or items[0].value == items[-1].value:
        return None
    return items[0], items[-1]


def _town_codes(db, f: Filters) -> list[tuple[str, str]]:
    rows = db.execute("SELECT code, name FROM towns ORDER BY code").fetchall()
    return [(c, n) for c, n in rows if not f.towns or c in f.towns]


def _bank_codes(db, f: Filters) -> list[tuple[str, str]]:
    rows = db.execute("SELECT code, name FROM banks ORDER BY code").fetchall()
    return [(c, n) for c, n in rows if not f.banks or c in f.banks]


def town_completion(db: sqlite_utils.Database, f: Filters, metric_key: str) -> list[Ranked]:
    """完成率 of a target metric per town in scope (towns with a target). Town
    targets cover all banks, so a bank-filtered scope has none."""
    if f.banks:
        return []
    completion = targets.town_completions(db, f.as_of, metric_key)
    return [Ranked(name, completion[code]) for code, name in _town_codes(db, f) if code in completion]


def _missing_banks(db, f: Filters, area: str) -> set[str]:
    """Banks whose figures for ``area`` are carried forward this month: never ranked."""
    return {g.reporter for g in completeness.gaps(db, f, (area,)) if g.reporter_kind == completeness.BANK}


def bank_credit_usage(db: sqlite_utils.Database, f: Filters) -> list[Ranked]:
    """用信率 (用信金额 ÷ 授信金额) per bank in scope with credit granted (a bank
    that did not report the month is not ranked)."""
    out = []
    missing = _missing_banks(db, f, "credit-villages")
    for code, name in _bank_codes(db, f):
        if code in missing:
            continue
        t = credit.totals(db, Filters(f.as_of, f.towns, (code,)))
        if t is not None and t.usage_rate is not None:
            out.append(Ranked(name, t.usage_rate))
    return out


def bank_overdue_rate(db: sqlite_utils.Database, f: Filters) -> list[Ranked]:
    """小额信贷逾期率 per bank in scope with a balance (the overview's figure); a
    bank that did not report the month is not ranked."""
    rates = overview.bank_overdue_rates(db, f)
    missing = _missing_banks(db, f, "microloans")
    return [Ranked(name, rates[code]) for code, name in _bank_codes(db, f) if code in rates and code not in missing]


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


# one definition of a move's kind: finance_core.ipo (stage_events)
FORWARD, BACK, FIRST, REENTRY = ipo.FORWARD, ipo.BACK, ipo.FIRST, ipo.REENTRY


@dataclasses.dataclass(frozen=True)
class Move:
    company: str
    board: str
    stage: str
    date: str
    kind: str           # FIRST, FORWARD (new progress), BACK or REENTRY (not new progress)
    note: str | None

    @property
    def new(self) -> bool:
        """A new entry into the stage (入库 or 前进), not a fall-back or re-entry."""
        return self.kind in ipo.NEW_PROGRESS


def ipo_moves(db: sqlite_utils.Database, f: Filters, start: str) -> list[Move]:
    """Stage events dated from ``start`` to the end of ``f.as_of`` of the companies
    of the towns in scope, oldest first, each classified on the company's whole
    history (:func:`finance_core.ipo.stage_events`)."""
    ev = ipo.stage_events(db, f, start)
    return [Move(r.name, r.target_board, r.stage, r.event_date, r.kind, None if pd.isna(r.note) else r.note)
            for r in ev.itertuples()]


@dataclasses.dataclass(frozen=True)
class Round:
    company: str
    date: str
    amount: int | None
    valuation: int | None
    name: str | None = None     # 轮次
    first: bool = False         # the company's 首轮


def round_word(r: Round) -> str:
    """'首轮' for a company's first round (as the seed writes it), else its name ('B轮'), else ''."""
    if r.first:
        return "首轮"
    return r.name if r.name and r.name.endswith("轮") else ""


def ipo_rounds(db: sqlite_utils.Database, f: Filters, start: str) -> list[Round]:
    """股权融资 dated from ``start`` to the end of ``f.as_of`` of pipeline companies
    of the towns in scope: joined the list by the round's date, not yet listed
    (:func:`finance_core.ipo.pipeline_rounds`)."""
    df = ipo.pipeline_rounds(db, f, start)
    return [Round(r.name, r.round_date, int(r.amount), None if pd.isna(r.valuation) else int(r.valuation),
                  None if pd.isna(r.round_name) else r.round_name, bool(r.first)) for r in df.itertuples()]


# --- the brief ------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Section:
    key: str
    heading: str                                   # '二、企业上市'
    paragraphs: tuple[str, ...]
    tables: tuple[tuple[str, pd.DataFrame], ...] = ()
    chart: pd.DataFrame | None = None              # long form: <chart_x>, 指标, 数值
    chart_title: str = ""
    chart_unit: str = ""
    chart_mark: str = "line"                       # 'line' or 'bar'
    chart_x: str = "月份"

    @property
    def name(self) -> str:
        """The heading without its number: '二、企业上市' -> '企业上市'."""
        return heading_name(self.heading)


@dataclasses.dataclass(frozen=True)
class Brief:
    title: str
    subtitle: str
    period: Period
    scope: str
    sections: tuple[Section, ...]

    def text(self) -> str:
        """The draft as plain text: title, subtitle, then each heading and its paragraphs."""
        parts = [self.title, self.subtitle, ""]
        for s in self.sections:
            parts.append(s.heading)
            parts += list(s.paragraphs)
            parts.append("")
        return "\n".join(parts).rstrip() + "\n"

    @property
    def digest(self) -> str:
        return hashlib.sha1(self.text().encode("utf-8")).hexdigest()[:12]

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


NO_DATA = "本期暂无相关数据。"
FIGURE_COLUMNS = ["指标", "本期", "上年同期", "同比"]


def _row(label: str, now, base, fmt, rate: bool = False, multiple: bool = False) -> dict | None:
    if now is None:
        return None
    change = (rate_change_text if rate else multiple_change_text if multiple else change_text)(now, base)
    return {"指标": label, "本期": fmt(now), "上年同期": "—" if base is None else fmt(base),
            "同比": (change or "—").replace("同比", "")}


def _figures(rows: list[dict | None]) -> pd.DataFrame:
    return pd.DataFrame([r for r in rows if r], columns=FIGURE_COLUMNS)


class _Writer:
    """Builds the sections of one brief (one database, scope and period)."""

    def __init__(self, db: sqlite_utils.Database, f: Filters, period: Period):
        self.db, self.p = db, period
        self.f = f.at(period.as_of)
        opts = load_options(db)
        self.months = opts.months
        self.town_names, self.bank_names = opts.town_names, opts.bank_names
        towns = "、".join(self.town_names[c] for c in self.f.towns) or "全县"
        banks = "、".join(self.bank_names[c] for c in self.f.banks)
        self.scope = towns + banks
        self.town_scope = towns     # IPO figures have no bank dimension
        self.tp = periods.time_progress(period.as_of)
        self.year_ago = self.f.at(periods.add_months(period.as_of, -12))
        # a year-to-date figure has no 同比 against a partial first year
        self.base_partial = periods.partial_year(period.first, self.year_ago.as_of)
        self.year_start = self.f.at(periods.previous_year_end(period.as_of))
        self.window = [m for m in periods.months_between(periods.add_months(period.as_of, -12), period.as_of)]

    def progress(self, key: str) -> targets.Progress:
        return targets.progress(self.db, self.f, targets.METRIC_BY_KEY[key])

    def ptext(self, p: targets.Progress) -> str | None:
        if p.partial:
            return partial_progress_text(p.target, p.metric.unit)
        return progress_text(p.actual, p.target, p.metric.unit, self.tp)

    def ytd_base(self, b):
        """The year-ago snapshot for a year-to-date figure: none in a partial year."""
        return None if self.base_partial else b

    def ranking(self, items: list[Ranked], what: str, by: str) -> str | None:
        bw = best_and_worst(items)
        if bw is None:
            return None
        best, worst = bw
        return (f"分{by}看，{what}最高的是{best.name}（{pct_text(best.value)}），"
                f"最低的是{worst.name}（{pct_text(worst.value)}）")

    def trend(self, fn, getters: dict[str, callable]) -> pd.DataFrame | None:
        rows = []
        for m in self.window:
            t = fn(self.db, self.f.at(m))
            if t is None:
                continue
            for label, get in getters.items():
                rows.append({"月份": m, "指标": label, "数值": money.to_yi(get(t), 2)})
        return pd.DataFrame(rows, columns=["月份", "指标", "数值"]) if rows else None

    # -- 一、总体情况
    def overview(self) -> Section:
        rows, ahead, behind = [], [], []
        metrics = list(targets.METRICS) + list(indicators.metrics())
        for m in metrics:
            p = targets.progress(self.db, self.f, m)
            if p.target is None or p.actual is None:
                continue
            if p.partial:
                rows.append({"指标": m.label, "全年目标": target_text(p.target, m.unit),
                             "累计完成": target_text(p.actual, m.unit), "完成率": "—",
                             "序时进度": pct_text(self.tp), "进度": targets.PARTIAL})
                continue
            c = p.completion
            (behind if c < self.tp else ahead).append(m.label)
            rows.append({"指标": m.label, "全年目标": target_text(p.target, m.unit),
                         "累计完成": target_text(p.actual, m.unit), "完成率": pct_text(c),
                         "序时进度": pct_text(self.tp), "进度": "落后" if c < self.tp else "达到序时"})
        first = f"{self.p.when}，全年序时进度{pct_text(self.tp)}"
        if self.p.partial:
            text = sentence(first, self.p.partial_note)
        elif rows:
            n = len(rows)
            if self.tp >= 1:
                if not behind:
                    tail = f"纳入年度目标考核的{n}项指标均完成全年目标"
                elif not ahead:
                    tail = f"纳入年度目标考核的{n}项指标均未完成全年目标（{'、'.join(behind)}）"
                else:
                    tail = (f"纳入年度目标考核的{n}项指标中，{len(ahead)}项完成全年目标，"
                            f"{len(behind)}项未完成（{'、'.join(behind)}）")
            elif behind and not ahead:
                tail = f"纳入年度目标考核的{n}项指标均落后于序时进度（{'、'.join(behind)}）"
            elif behind:
                tail = (f"纳入年度目标考核的{n}项指标中，{len(ahead)}项完成率达到序时进度，"
                        f"{len(behind)}项落后于序时进度（{'、'.join(behind)}）")
            else:
                tail = f"纳入年度目标考核的{n}项指标完成率均达到序时进度"
            text = sentence(first, tail)
        else:
            text = None
        table = pd.DataFrame(rows, columns=["指标", "全年目标", "累计完成", "完成率", "序时进度", "进度"])
        return Section("overview", "总体情况", (text,) if text else (NO_DATA,),
                       (("年度目标完成情况", table),) if rows else ())

    # -- 二、企业上市
    def ipo(self) -> Section:
        counts = ipo.stage_counts(self.db, self.f)
        total = sum(counts.values())
        if not total:
            return Section("ipo", "企业上市", (NO_DATA,))
        parts = "、".join(f"{s}{'阶段' if s == ipo.RESERVE else ''}{n}家" for s, n in counts.items() if n)
        s1 = sentence("建立企业上市工作包保调度机制，对企业上市实行月调度，推进上市进程")
        s2 = sentence(f"{self.p.when}，{self.town_scope}纳入上市后备资源库企业{total}家", f"其中{parts}")
        moves = ipo_moves(self.db, self.f, self.p.start)
        clauses = []
        new = [m for m in moves if m.stage == ipo.RESERVE and m.kind == FIRST]
        if new:
            clauses.append(f"新纳入上市后备资源库企业{len(new)}家")
        reform = [m for m in moves if m.stage == "股改" and m.new]
        if reform:
            clauses.append("、".join(short_name(m.company) for m in reform) + "启动股份制改造")
        for m in moves:
            name, when = short_name(m.company), month_word(m.date)
            if m.kind == BACK:
                note = m.note or ""
                clauses.append(f"{name}{when}" + (note if "回退" in note or "退回" in note else
                                                  (note + "，" if note else "") + f"回退至{m.stage}阶段"))
            elif m.kind == REENTRY:
                clauses.append(f"{name}{when}回退后重新进入{m.stage}阶段")
            elif m.stage in (ipo.RESERVE, "股改"):
                continue
            elif m.kind == FIRST:
                clauses.append(f"{name}{when}以{m.stage}阶段纳入上市后备资源库")
            else:
                clauses.append(name + when + _MOVE_PHRASES.get(m.stage, "进入{stage}阶段").format(
                    stage=m.stage, board=m.board))
        s3 = sentence(f"{self.p.moves_word}，" + "；".join(clauses)) if clauses else None
        rounds = ipo_rounds(self.db, self.f, self.p.start)
        s4 = None
        if rounds:
            s4 = "；".join(
                f"{short_name(r.company)}{month_word(r.date)}已完成{round_word(r)}股权融资{amount_text(r.amount)}"
                + (f"，投后估值{amount_text(r.valuation)}" if r.valuation else "") for r in rounds) + "。"
        moved_in = {s: sum(1 for m in moves if m.stage == s and m.new) for s in ipo.STAGES}
        fell_back = {s: sum(1 for m in moves if m.stage == s and m.kind == BACK) for s in ipo.STAGES}
        table = pd.DataFrame([{"阶段": s, "企业数（家）": n, f"{self.p.moves_word}新进入本阶段（家次）": moved_in[s],
                               f"{self.p.moves_word}回退至本阶段（家次）": fell_back[s]}
                              for s, n in counts.items()])
        chart = pd.DataFrame([{"阶段": s, "指标": "企业数", "数值": n} for s, n in counts.items()])
        return Section("ipo", "企业上市", (paragraph(s1, s2, s3, s4),),
                       (("上市后备企业分阶段情况", table),), chart, "上市后备企业分阶段（家）", "家", "bar", "阶段")

    # -- 三、信用村
    def credit(self) -> Section:
        t = credit.totals(self.db, self.f)
        if t is None:
            return Section("credit", "信用村建设", (NO_DATA,))
        b = credit.totals(self.db, self.year_ago)
        ys = credit.totals(self.db, self.year_start)
        s1 = sentence(
            f"{self.scope}推进党建引领信用村建设工作，{self.p.when}，累计授信{amount_text(t.granted_amount)}",
            f"用信{amount_text(t.used_amount)}",
            f"累计授信户数{t.granted_households}户", f"用信户数{t.used_households}户",
            f"用信率{pct_text(t.usage_rate)}" if t.usage_rate is not None else None)
        s2 = None
        if b is not None:
            g, u = change_text(t.granted_amount, b.granted_amount), change_text(t.used_amount, b.used_amount)
            s2 = sentence_any(g and f"累计授信{g}", u and f"用信{u}")
        s3 = None
        if ys is not None:
            dg, du = t.granted_amount - ys.granted_amount, t.used_amount - ys.used_amount
            pg, pu = self.progress("credit_granted_increase"), self.progress("credit_used_increase")
            granted = (f"{self.p.ytd}新增授信{amount_text(dg)}" if dg >= 0 else
                       f"{self.p.ytd}授信较年初减少{amount_text(-dg)}")
            used = f"新增用信{amount_text(du)}" if du >= 0 else f"用信较年初减少{amount_text(-du)}"
            s3 = sentence_any(sentence_any(granted, self.ptext(pg))[:-1],
                              sentence_any(used, self.ptext(pu))[:-1], sep="；")
        s4 = sentence_any(self.ranking(town_completion(self.db, self.f, "credit_granted_increase"),
                                       "新增授信完成率", "乡镇"),
                          self.ranking(bank_credit_usage(self.db, self.f), "用信率", "银行"), sep="；")
        yuan = amount_text
        table = _figures([
            _row("累计授信金额", t.granted_amount, b and b.granted_amount, yuan),
            _row("用信金额", t.used_amount, b and b.used_amount, yuan),
            _row("累计授信户数", t.granted_households, b and b.granted_households, lambda v: f"{v}户"),
            _row("用信户数", t.used_households, b and b.used_households, lambda v: f"{v}户"),
            _row("用信率", t.usage_rate, b and b.usage_rate, pct_text, rate=True),
        ])
        chart = self.trend(credit.totals, {"累计授信": lambda x: x.granted_amount, "用信": lambda x: x.used_amount})
        return Section("credit", "信用村建设", (paragraph(s1, s2, s3, s4),), (("信用村主要指标", table),),
                       chart, "信用村授信、用信走势（亿元）", "亿元")

    # -- 四、小额信贷
    def microloans(self) -> Section:
        t = microloans.totals(self.db, self.f)
        if t is None:
            return Section("microloans", "脱贫人口小额信贷", (NO_DATA,))
        b = microloans.totals(self.db, self.year_ago)
        yb = self.ytd_base(b)
        p_amt = self.progress("microloan_new_amount")
        p_hh = self.progress("microloan_new_households")
        s1 = sentence(f"严格落实脱贫人口小额信贷政策，{self.p.when}，{self.scope}脱贫人口小额信贷余额"
                      f"{amount_text(t.balance)}",
                      b and change_text(t.balance, b.balance), f"在贷{t.households}户")
        month_flow = None
        if self.p.kind == MONTHLY and self.p.month > 1:  # in January the year is the month
            prev = microloans.totals(self.db, self.f.at(periods.add_months(self.p.as_of, -1)))
            if prev is not None:
                month_flow = (t.new_households_ytd - prev.new_households_ytd,
                              t.new_amount_ytd - prev.new_amount_ytd)
        s2 = sentence_any(
            sentence(f"{self.p.ytd}新增投放{t.new_households_ytd}户{amount_text(t.new_amount_ytd)}",
                     month_flow and f"其中当月新增投放{month_flow[0]}户{amount_text(month_flow[1])}")[:-1],
            self.ptext(p_amt) and "新增投放金额" + self.ptext(p_amt),
            self.ptext(p_hh) and "新增投放户数" + self.ptext(p_hh), sep="；")
        access = microloans.access_rate(self.db, self.f)
        overdue = None
        if t.overdue_rate is not None:
            overdue = f"逾期率{pct_text(t.overdue_rate)}"
            if b is not None and b.overdue_rate is not None:
                overdue += f"，{rate_change_text(t.overdue_rate, b.overdue_rate)}"
        s3 = sentence_any(f"获贷率{pct_text(access)}" if access is not None else None, overdue,
                          t.par30 is not None and f"逾期30天以上贷款占比{pct_text(t.par30)}")
        s4 = sentence_any(self.ranking(town_completion(self.db, self.f, "microloan_new_amount"),
                                       "新增投放完成率", "乡镇"),
                          self.ranking(bank_overdue_rate(self.db, self.f), "逾期率", "银行"), sep="；")
        yuan = amount_text
        table = _figures([
            _row("贷款余额", t.balance, b and b.balance, yuan),
            _row("在贷户数", t.households, b and b.households, lambda v: f"{v}户"),
            _row(f"{self.p.ytd}新增投放金额", t.new_amount_ytd, yb and yb.new_amount_ytd, yuan),
            _row(f"{self.p.ytd}新增投放户数", t.new_households_ytd, yb and yb.new_households_ytd, lambda v: f"{v}户"),
            _row("获贷率", access, None, pct_text, rate=True),
            _row("逾期率", t.overdue_rate, b and b.overdue_rate, pct_text, rate=True),
        ])
        chart = self.trend(microloans.totals, {"贷款余额": lambda x: x.balance,
                                               "当年累计新增投放": lambda x: x.new_amount_ytd})
        return Section("microloans", "脱贫人口小额信贷", (paragraph(s1, s2, s3, s4),),
                       (("小额信贷主要指标", table),), chart, "小额信贷余额与当年新增投放走势（亿元）", "亿元")

    # -- 五、融资担保
    def guarantees(self) -> Section:
        t = guarantees.totals(self.db, self.f)
        if t is None:
            return Section("guarantees", "政府性融资担保", (NO_DATA,))
        b = guarantees.totals(self.db, self.year_ago)
        yb = self.ytd_base(b)
        people = guarantees.borrower_counts(self.db, self.f, months=(self.p.as_of, self.year_ago.as_of))
        hh, hh_b = people[self.p.as_of], (people[self.year_ago.as_of] if b is not None else None)
        ratings = guarantor_ratings(self.db, self.p.as_of)
        s1 = None
        if ratings:
            s1 = sentence("强化政府性融资担保作用，" + "、".join(f"{n}在全省综合评价为{r}类" for n, r in ratings))
        lev = guarantees.leverage(self.db, self.p.as_of)
        s2 = sentence(f"{self.p.when}，{self.scope}在保余额{amount_text(t.outstanding)}",
                      b and change_text(t.outstanding, b.outstanding), f"在保{hh[0]}户{t.outstanding_count}笔",
                      f"{self.p.ytd}新增担保{hh[1]}户{t.new_count_ytd}笔{amount_text(t.new_amount_ytd)}",
                      self.ptext(self.progress("guarantee_new_amount")),
                      lev is not None and f"担保公司放大倍数{lev:.2f}倍",
                      t.compensation_rate is not None and f"当年代偿率{pct_text(t.compensation_rate)}")
        products = product_activity(self.db, self.f, periods.year_start_month(self.p.as_of))
        s3 = []
        for a in products:
            s3.append(sentence(
                f"“{a.name}”合作授信额度{amount_text(a.quota)}"
                + (f"（使用率{pct_text(a.quota_share)}）" if a.quota_share is not None else ""),
                f"{self.p.year_word}担保贷款企业{a.firms}家，担保额度{amount_text(a.amount)}" if a.firms
                else f"{self.p.year_word}暂无新增担保贷款"))
        yuan = amount_text
        figures = _figures([
            _row("在保余额", t.outstanding, b and b.outstanding, yuan),
            _row("在保户数", hh[0], hh_b and hh_b[0], lambda v: f"{v}户"),
            _row("在保笔数", t.outstanding_count, b and b.outstanding_count, lambda v: f"{v}笔"),
            _row(f"{self.p.ytd}新增担保户数", hh[1], yb and hh_b and hh_b[1], lambda v: f"{v}户"),
            _row(f"{self.p.ytd}新增担保笔数", t.new_count_ytd, yb and yb.new_count_ytd, lambda v: f"{v}笔"),
            _row(f"{self.p.ytd}新增担保金额", t.new_amount_ytd, yb and yb.new_amount_ytd, yuan),
            _row("放大倍数", lev, guarantees.leverage(self.db, self.year_ago.as_of), lambda v: f"{v:.2f}倍",
                 multiple=True),
        ])
        product_table = pd.DataFrame(
            [{"产品": a.name, "合作授信额度": yuan(a.quota), "在保（全产品）": yuan(a.used),
              "额度使用率": pct_text(a.quota_share) or "—", f"{self.p.year_word}担保企业（家）": a.firms,
              f"{self.p.year_word}担保额度": yuan(a.amount)} for a in products])
        chart = self.trend(guarantees.totals, {"在保余额": lambda x: x.outstanding})
        return Section("guarantees", "政府性融资担保", (paragraph(s1, s2, *s3),),
                       (("融资担保主要指标", figures), ("担保产品", product_table)),
                       chart, "在保余额走势（亿元）", "亿元")

    # -- 六、金融助企与风险防范 (indicators ledger)
    def indicators(self) -> Section:
        figs = indicators.figures(self.db, self.f)

        def fig(key):
            return figs[key]

        def prog(key):
            x = fig(key)
            if self.p.partial:
                return partial_progress_text(x.target, x.indicator.target_unit)
            return progress_text(x.value, x.target, x.indicator.target_unit, self.tp)

        def base(x):  # a year figure (FLOW or RATIO) has no 同比 against a partial first year
            return None if self.base_partial and x.indicator.kind != indicators.STOCK else x.base

        monthly = self.p.kind == MONTHLY and self.p.month > 1  # in January the year is the month
        r = fig("relief_loan_new")
        s1 = sentence(r.value is not None and f"强化金融助企纾困，{self.p.ytd}累计新增助企贷款{amount_text(r.value)}",
                      change_text(r.value, base(r)),
                      monthly and r.month is not None and f"其中当月新增{amount_text(r.month)}",
                      prog("relief_loan_new"))
        v, rate = fig("visit_players"), fig("visit_rate")
        s2 = sentence(v.value is not None and f"开展“五进”走访活动，走访一级市场活跃主体{v.value}家",
                      rate.value is not None and f"走访率{pct_text(rate.value)}", prog("visit_players"))
        c = fig("coop_closed")
        closed_when = self.p.year_word
        s3 = sentence(c.value is not None and f"进一步加强农民专业合作社资金互助风险防范化解工作，"
                      f"{closed_when}关停资金互助业务共计{c.value}家",
                      monthly and c.month is not None and f"其中当月{c.month}家")
        hh, prem = fig("pab_households"), fig("pab_premium")
        s4 = sentence(hh.value is not None and f"政策性农业保险工作扎实推进，“防贫保”综合保险试点稳步推动，"
                      f"{self.scope}{hh.value}户农户参保",
                      prem.value is not None and f"收取保费{amount_text(prem.value)}", prog("pab_households"))
        rows = []
        for key in indicators.KPI_KEYS:
            x = fig(key)
            if x.value is None:
                continue
            ind = x.indicator
            fmt = (pct_text if ind.kind == indicators.RATIO_KIND else
                   amount_text if ind.unit == "元" else (lambda n, u=ind.unit: f"{n}{u}"))
            change = (rate_change_text if ind.kind == indicators.RATIO_KIND else change_text)(x.value, base(x))
            rows.append({"指标": ind.label, "本期": fmt(x.value), "上年同期": "—" if base(x) is None else fmt(x.base),
                         "同比": (change or "—").replace("同比", ""),
                         "全年目标": target_text(x.target, ind.target_unit) or "—",
                         "完成率": (targets.PARTIAL if self.p.partial and x.target is not None
                                 else pct_text(x.completion) or "—")})
        table = pd.DataFrame(rows, columns=FIGURE_COLUMNS + ["全年目标", "完成率"])
        text = paragraph(s1, s2, s3, s4)
        chart = None
        series = indicators.monthly(self.db, self.f, "relief_loan_new", self.window[0], self.p.as_of)
        if series:
            chart = pd.DataFrame([{"月份": m, "指标": "当月新增助企贷款", "数值": money.to_wan(v, 0)}
                                  for m, v in series.items()])
        return Section("indicators", "金融助企与风险防范", (text or NO_DATA,),
                       (("金融助企与风险防范指标", table),) if rows else (), chart,
                       "当月新增助企贷款（万元）", "万元", "bar")

    # -- 七、存在问题
    def issues(self) -> Section:
        # the overview's list (every flag the pages show for the scope, targets
        # behind or missed, and EXTRA_FLAG_SOURCES), most severe first
        flags = [(fl.area, issue_text(fl))
                 for fl in overview.red_flags(self.db, self.f, self.town_names, self.bank_names)]
        if not flags:
            return Section("issues", "存在问题", ("当前范围内各项监测指标均未超出预警阈值，年度目标均达到序时进度。",))
        # the prose names the first few; the table lists every one
        shown = flags[:MAX_ISSUES_IN_TEXT]
        items = [f"{_ordinal(i)}是{text}" for i, (_, text) in enumerate(shown)]
        rest = len(flags) - len(shown)
        tail = f"；另有{rest}项，详见附表" if rest > 0 else ""
        table = pd.DataFrame([{"领域": area, "问题": text} for area, text in flags])
        return Section("issues", "存在问题", ("存在问题：" + "；".join(items) + tail + "。",),
                       (("需要关注的问题", table),))

    # -- 八、下一年工作计划 (年报)
    def plan(self) -> Section:
        nxt = self.p.year + 1
        nf = Filters(f"{nxt}-01", self.f.towns, self.f.banks)
        goals = []
        for m in list(targets.METRICS) + list(indicators.metrics()):
            t = targets.target_for(self.db, m, nf)
            if t is not None:
                label = m.label.replace("（当年）", "").removeprefix("当年")
                goals.append(f"{label}{target_text(t, m.unit)}")
        s1 = sentence("继续巩固普惠金融发展成果，大力发展普惠金融",
                      goals and f"{nxt}年力争实现" + "、".join(goals))
        board = ipo.current_stages(self.db, self.f)
        boards = dict(self.db.execute("SELECT name, target_board FROM companies").fetchall())
        late = board[board["stage"].isin(("辅导验收", "申报受理", "审核问询", "注册"))]
        by_board: dict[str, list[str]] = {}
        for name in late["name"]:
            by_board.setdefault(boards.get(name, ""), []).append(short_name(name))
        clauses = [f"推进{'、'.join(v)}申报{k}上市进程" for k, v in by_board.items()]
        guidance = [short_name(n) for n in board[board["stage"] == "辅导备案"]["name"]]
        if guidance:
            clauses.append(f"督促{'、'.join(guidance)}加快辅导验收")
        reform = [short_name(n) for n in board[board["stage"] == "股改"]["name"]]
        if reform:
            clauses.append(f"持续推动{'、'.join(reform)}完成股改及申报辅导备案工作")
        s2 = sentence("加大企业上市工作力度", *clauses) if clauses else None
        s3 = "加强金融对乡村振兴产业和基础设施等方面的支持。防范化解金融风险，守住不发生系统性金融风险底线。"
        return Section("plan", f"{nxt}年工作计划", (paragraph(s1, s2, s3),))


_AREA_PREFIXED = ("信用村", "小额信贷", "融资担保")


def issue_text(flag: overview.Flag) -> str:
    """A red flag as prose: a KPI flag ('逾期率 3.2%，高于 2.0%') is named with its
    area, as the page shows it under the area's heading ('小额信贷逾期率3.2%…')."""
    text = tidy(flag.text)
    if flag.area in _AREA_PREFIXED and flag.area not in text:
        text = flag.area + text
    return text


_MOVE_PHRASES = {
    "辅导备案": "已向省证监局申报辅导备案",
    "辅导验收": "通过辅导验收",
    "申报受理": "申报{board}上市获受理",
    "审核问询": "进入审核问询阶段",
    "注册": "获准注册",
    "发行上市": "在{board}成功上市",
}


MAX_ISSUES_IN_TEXT = 10


def _ordinal(i: int) -> str:
    """0 -> 一, 9 -> 十, 10 -> 十一, 20 -> 二十一, 99 -> 一百; larger as digits."""
    n = i + 1
    if n <= 10:
        return NUMERALS[n - 1] if n < 10 else "十"
    if n < 100:
        return ("" if n < 20 else NUMERALS[n // 10 - 1]) + "十" + ("" if n % 10 == 0 else NUMERALS[n % 10 - 1])
    if n == 100:
        return "一百"
    return str(n)


# brief section -> the page (area) key of its completeness feeds
SECTION_AREAS = {"credit": "credit-villages", "microloans": "microloans", "guarantees": "guarantees",
                 "ipo": "ipo", "indicators": "briefing"}


def gap_note(found: list[completeness.Gap]) -> str:
    """'数据说明：邮储银行未报送2024年6月信用村银行报表（授信、用信沿用5月数据）。'"""
    return "数据说明：" + "；".join(completeness.notice_lines(found)) + "。"


def _with_gap_notes(sections: list[Section], found: list[completeness.Gap]) -> list[Section]:
    """Name every missing submission in the scope: all of them in 总体情况, each
    area's own at the end of its section (DESIGN.md "Completeness")."""
    if not found:
        return sections
    out = []
    for s in sections:
        mine = found if s.key == "overview" else [g for g in found if g.area == SECTION_AREAS.get(s.key)]
        if mine:
            s = dataclasses.replace(s, paragraphs=s.paragraphs + (gap_note(mine),))
        out.append(s)
    return out


def _numbered(sections: list[Section]) -> tuple[Section, ...]:
    return tuple(dataclasses.replace(s, heading=f"{_ordinal(i)}、{s.heading}") for i, s in enumerate(sections))


def build(db: sqlite_utils.Database, kind: str, f: Filters) -> Brief:
    """The brief of ``kind`` (月报 / 年报) for the scope of ``f`` at ``f.as_of``
    (a 年报 runs to December, or the latest month of that year with data)."""
    period = period_for(load_options(db).months, kind, f.as_of)
    w = _Writer(db, f, period)
    sections = [w.overview(), w.ipo(), w.credit(), w.microloans(), w.guarantees(), w.indicators(), w.issues()]
    sections = _with_gap_notes(sections, completeness.gaps(db, w.f))
    if period.kind == ANNUAL:
        sections.append(w.plan())
    if period.kind == MONTHLY:
        title = f"{period.label}普惠金融工作调度简报"
    else:
        title = f"{period.label}普惠金融工作总结"
    banks = "、".join(w.bank_names[c] for c in w.f.banks) or "全部银行"
    towns = "、".join(w.town_names[c] for c in w.f.towns) or "全县"
    subtitle = f"范围：{towns} · {banks} · 数据截至{period.year}年{period.month}月末"
    if versions.snapshot_info(db) is not None:   # a pinned link's brief says which moment it shows
        subtitle += f" · 本简报为{versions.note(db)}"
    return Brief(title, subtitle, period, w.scope, _numbered(sections))


# --- charts -------------------------------------------------------------------------------
def chart(section: Section):
    """The section's main chart as an Altair chart (None without data): a line
    per series over the months, or bars (IPO stages in stage order)."""
    import altair as alt

    df = section.chart
    if df is None or df.empty:
        return None
    x = section.chart_x
    order = list(dict.fromkeys(df[x]))
    base = alt.Chart(df).properties(title=section.chart_title, width=520, height=240)
    enc = dict(
        x=alt.X(f"{x}:O", title=None, sort=order, axis=alt.Axis(labelAngle=-45 if x == "月份" else 0)),
        y=alt.Y("数值:Q", title=section.chart_unit),
        tooltip=[x, "指标", alt.Tooltip("数值:Q", format=",.2f")],
    )
    if df["指标"].nunique() > 1:
        enc["color"] = alt.Color("指标:N", title=None, legend=alt.Legend(orient="bottom"))
    if section.chart_mark == "bar":
        return base.mark_bar(color="#4c78a8").encode(**enc)
    return base.mark_line(point=True).encode(**enc)
