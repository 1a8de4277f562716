"""银行存贷款 section of the brief (issue 14): the 2024 plan's sentence ("预计全年贷款增长
*亿元，全县*贷款金额超过*亿元") and the monthly review's bank paragraph — deposits and
loans with 比年初 and 同比, the year's loan-growth target, 存贷比, 涉农 and 普惠小微 ("两增"),
the year's flows, 不良, then the banks compared and the 金融机构考核 ranking."""
from __future__ import annotations

import pandas as pd
import sqlite_utils

from .. import banks as bk
from .. import money, periods
from ..filters import Filters
from . import text as b
from .common import NO_DATA, Section, Writer

KEY = "banks"          # the section's key (``Brief.section``)
AREA = bk.AREA_KEY     # the area whose missing submissions the section names


def section(w: Writer) -> Section:
    part = _parts(w.db, w.f, w.p.when, w.p.ytd, w.scope)
    if part is None:
        return Section(KEY, bk.AREA.heading, (NO_DATA,))
    return Section(KEY, bk.AREA.heading, part["paragraphs"], part["tables"], part["chart"], part["chart_title"], "亿元")


def _parts(db: sqlite_utils.Database, f: Filters, when: str, ytd: str, who: str) -> dict | None:
    """The brief's bank section: the 2024 plan's sentence ("全年贷款增长X亿元，全县各项
    贷款余额超过X亿元") and the monthly review's bank paragraph, with two tables and
    the trend (long form). None without bank data in the month."""
    t = bk.totals(db, f)
    if t is None:
        return None
    start = bk.totals(db, f.at(periods.previous_year_end(f.as_of)))
    year_ago = bk.totals(db, f.at(periods.add_months(f.as_of, -12)))

    def since(now, base, unit_text=b.amount_text):
        if base is None:
            return None
        d = now - base
        return ("比年初增加" if d >= 0 else "比年初减少") + unit_text(abs(d))

    goal, inc = bk.target_for(db, f), (None if start is None else t.loans - start.loans)
    tp = periods.time_progress(f.as_of)
    partial = periods.partial_year(periods.data_start(db), f.as_of)
    progress = None
    if goal is not None:
        progress = (b.partial_progress_text(goal, "万元") if partial
                    else b.progress_text(inc, goal, "万元", tp))
    # the 2024 plan's sentence: "预计全年贷款增长*亿元，全县*贷款金额超过*亿元"
    plan = b.sentence(
        f"{ytd}{who}贷款" + (f"增长{b.amount_text(inc)}" if inc is not None and inc >= 0 else
                            f"减少{b.amount_text(-inc)}" if inc is not None else f"余额{b.amount_text(t.loans)}"),
        goal is not None and f"全年贷款增长目标{b.amount_text(goal)}",
        t.loans >= money.YI and f"{who}各项贷款余额超过{int(t.loans // money.YI)}亿元")
    s1 = b.sentence(f"{when}，{who}各项存款余额{b.amount_text(t.deposits)}",
                    since(t.deposits, start and start.deposits),
                    year_ago and b.change_text(t.deposits, year_ago.deposits))
    s2 = b.sentence(f"各项贷款余额{b.amount_text(t.loans)}", since(t.loans, start and start.loans),
                    year_ago and b.change_text(t.loans, year_ago.loans),
                    progress and "贷款增长" + progress)
    ldr_change = None
    if start is not None and start.ldr is not None and t.ldr is not None:
        ldr_change = b.rate_change_text(t.ldr, start.ldr).replace("同比", "比年初")
    s3 = b.sentence(f"存贷比{b.pct_text(t.ldr)}", ldr_change)
    two = bk.two_increase(t, start)
    two_text = None
    if two is not None:
        two_text = ("实现普惠小微贷款“两增”" if two.ok else "未实现普惠小微贷款“两增”"
                    + ("（增速低于各项贷款增速）" if not two.growth_ok and two.borrowers_ok else
                       "（户数少于年初）" if two.growth_ok else "（增速低于各项贷款增速、户数少于年初）"))
    s4 = b.sentence(f"涉农贷款余额{b.amount_text(t.agri_loans)}",
                    start and start.agri_loans and f"比年初增长{b.pct_text(bk.growth(t.agri_loans, start.agri_loans))}",
                    f"普惠小微贷款余额{b.amount_text(t.small_loans)}、{t.small_borrowers}户",
                    two and f"比年初增长{b.pct_text(two.small_growth)}（各项贷款比年初增长{b.pct_text(two.loans_growth)}）",
                    two_text,
                    f"普惠型涉农贷款{b.amount_text(t.inclusive_agri_loans)}，信用贷款{b.amount_text(t.credit_loans)}，"
                    f"中长期贷款{b.amount_text(t.long_loans)}")
    rate_change = None
    if year_ago is not None and year_ago.rate is not None and t.rate is not None and not partial:
        rate_change = b.rate_change_text(round(t.rate, 6), round(year_ago.rate, 6))
    s5 = b.sentence(f"{ytd}新增首贷户{t.first_borrowers_ytd or 0}户、首贷金额{b.amount_text(t.first_amount_ytd or 0)}",
                    f"办理无还本续贷{b.amount_text(t.renewal_ytd or 0)}",
                    f"累计发放贷款{b.amount_text(t.disbursed_ytd or 0)}",
                    t.rate is not None and f"加权平均利率{money.fmt_pct(t.rate, 2)}" + (f"，{rate_change}" if rate_change else ""))
    s6 = b.sentence(f"不良贷款余额{b.amount_text(t.npl)}", f"不良率{money.fmt_pct(t.npl_rate, 2)}",
                    start and start.npl_rate is not None and b.rate_change_text(t.npl_rate, start.npl_rate)
                    .replace("同比", "比年初"))
    # by bank (county-wide books of the banks in scope)
    rows = bk.check_rows(db, f)
    banks_only = [r for r in rows if r["code"] and not r["carried"]]
    s7 = None
    if len(banks_only) > 1:
        incs = [(r["name"], r["totals"].loans - r["start"].loans) for r in banks_only if r["start"] is not None]
        ldrs = [(r["name"], r["totals"].ldr) for r in banks_only if r["totals"].ldr is not None]
        parts = []
        if incs:
            top = max(incs, key=lambda x: x[1])
            parts.append(f"贷款比年初增加最多的是{top[0]}（{b.amount_text(top[1])}）")
            down = [n + f"比年初减少{b.amount_text(-v)}" for n, v in incs if v < 0]
            parts += down
        if ldrs:
            hi, lo = max(ldrs, key=lambda x: x[1]), min(ldrs, key=lambda x: x[1])
            parts.append(f"存贷比最高的是{hi[0]}（{b.pct_text(hi[1])}），最低的是{lo[0]}（{b.pct_text(lo[1])}）")
        failing = [r["name"] for r in banks_only if r["two"] is not None and not r["two"].ok]
        if failing:
            parts.append(f"{'、'.join(failing)}未实现普惠小微“两增”")
        s7 = b.sentence("分机构看，" + parts[0], *parts[1:]) if parts else None
    rank = bk.ranking(db, f)
    ranked = rank[rank["排名"].notna()]
    s8 = None
    if len(ranked) > 1:
        top = "、".join(f"{r.银行}（{r.加权得分:.1f}分）" for r in ranked.head(3).itertuples())
        s8 = b.sentence(f"金融机构考核按贷款增长、涉农、普惠小微、信用村用信等{len(bk.INDICATORS)}项指标加权评分，"
                        f"排名前列的依次为{top}",
                        len(ranked) > 3 and f"{ranked.iloc[-1]['银行']}排名末位")
    table = bk.bank_table(db, f)
    short = table[["银行", "各项存款（亿元）", "各项贷款（亿元）", "贷款比年初增加（亿元）", "存贷比（%）", "不良率（%）"]]
    trend_rows = []
    for m in periods.months_between(periods.add_months(f.as_of, -12), f.as_of):
        x = bk.totals(db, f.at(m))
        if x is not None:
            trend_rows += [{"月份": m, "指标": "各项存款", "数值": money.to_yi(x.deposits)},
                           {"月份": m, "指标": "各项贷款", "数值": money.to_yi(x.loans)}]
    paragraphs = tuple(p for p in (plan, b.paragraph(s1, s2, s3), b.paragraph(s4, s5, s6), b.paragraph(s7, s8)) if p)
    return {"paragraphs": paragraphs,
            "tables": (("分机构存贷款情况", short), ("金融机构考核排名", rank[["排名", "银行", "加权得分", "报送情况"]])),
            "chart": pd.DataFrame(trend_rows, columns=["月份", "指标", "数值"]) if trend_rows else None,
            "chart_title": "各项存款、贷款余额走势（亿元）"}


