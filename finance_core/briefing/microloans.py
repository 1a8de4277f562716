"""脱贫人口小额信贷 section of the brief."""
from __future__ import annotations

from .. import microloans, periods
from ..filters import Filters
from .common import (NO_DATA, Ranked, Section, Writer, bank_names, figure_table, missing_banks, row, town_completion)
from .period import MONTHLY
from .text import amount_text, change_text, paragraph, pct_text, rate_change_text, sentence, sentence_any

KEY = "microloans"            # the section's key (``Brief.section``)
AREA = "microloans"   # the area whose missing submissions the section names


def bank_overdue_rate(db, f: Filters) -> list[Ranked]:
    """小额信贷逾期率 per bank in scope with a balance (the overview's figure); a
    bank that did not report the month is not ranked."""
    rates = microloans.bank_overdue_rates(db, f)
    missing = missing_banks(db, f, AREA)
    return [Ranked(name, rates[code]) for code, name in bank_names(db, f) if code in rates and code not in missing]


# -- 四、小额信贷
def section(w: Writer) -> Section:
    t = microloans.totals(w.db, w.f)
    if t is None:
        return Section("microloans", "脱贫人口小额信贷", (NO_DATA,))
    b = microloans.totals(w.db, w.year_ago)
    yb = w.ytd_base(b)
    p_amt = w.progress("microloan_new_amount")
    p_hh = w.progress("microloan_new_households")
    s1 = sentence(f"严格落实脱贫人口小额信贷政策，{w.p.when}，{w.scope}脱贫人口小额信贷余额"
                  f"{amount_text(t.balance)}",
                  b and change_text(t.balance, b.balance), f"在贷{t.households}户")
    month_flow = None
    if w.p.kind == MONTHLY and w.p.month > 1:  # in January the year is the month
        prev = microloans.totals(w.db, w.f.at(periods.add_months(w.p.as_of, -1)))
        if prev is not None:
            month_flow = (t.new_households_ytd - prev.new_households_ytd,
                          t.new_amount_ytd - prev.new_amount_ytd)
    s2 = sentence_any(
        sentence(f"{w.p.ytd}新增投放{t.new_households_ytd}户{amount_text(t.new_amount_ytd)}",
                 month_flow and f"其中当月新增投放{month_flow[0]}户{amount_text(month_flow[1])}")[:-1],
        w.ptext(p_amt) and "新增投放金额" + w.ptext(p_amt),
        w.ptext(p_hh) and "新增投放户数" + w.ptext(p_hh), sep="；")
    access = microloans.access_rate(w.db, w.f)
    overdue = None
    if t.overdue_rate is not None:
        overdue = f"逾期率{pct_text(t.overdue_rate)}"
        if b is not None and b.overdue_rate is not None:
            overdue += f"，{rate_change_text(t.overdue_rate, b.overdue_rate)}"
    s3 = sentence_any(f"获贷率{pct_text(access)}" if access is not None else None, overdue,
                      t.par30 is not None and f"逾期30天以上贷款占比{pct_text(t.par30)}")
    s4 = sentence_any(w.ranking(town_completion(w.db, w.f, "microloan_new_amount"),
                                   "新增投放完成率", "乡镇"),
                      w.ranking(bank_overdue_rate(w.db, w.f), "逾期率", "银行"), sep="；")
    yuan = amount_text
    table = figure_table([
        row("贷款余额", t.balance, b and b.balance, yuan),
        row("在贷户数", t.households, b and b.households, lambda v: f"{v}户"),
        row(f"{w.p.ytd}新增投放金额", t.new_amount_ytd, yb and yb.new_amount_ytd, yuan),
        row(f"{w.p.ytd}新增投放户数", t.new_households_ytd, yb and yb.new_households_ytd, lambda v: f"{v}户"),
        row("获贷率", access, None, pct_text, rate=True),
        row("逾期率", t.overdue_rate, b and b.overdue_rate, pct_text, rate=True),
    ])
    chart = w.trend(microloans.totals, {"贷款余额": lambda x: x.balance,
                                           "当年累计新增投放": lambda x: x.new_amount_ytd})
    return Section("microloans", "脱贫人口小额信贷", (paragraph(s1, s2, s3, s4),),
                   (("小额信贷主要指标", table),), chart, "小额信贷余额与当年新增投放走势（亿元）", "亿元")
