"""信用村 section of the brief."""
from __future__ import annotations

from .. import credit
from ..filters import Filters
from .common import (NO_DATA, Ranked, Section, Writer, bank_names, figure_table, missing_banks, row, town_completion)
from .text import amount_text, change_text, paragraph, pct_text, sentence, sentence_any

KEY = "credit"            # the section's key (``Brief.section``)
AREA = "credit-villages"   # the area whose missing submissions the section names


def bank_credit_usage(db, f: Filters) -> list[Ranked]:
    """用信率 per bank in scope with credit granted (a bank that did not report the
    month is not ranked)."""
    rates = credit.bank_usage_rates(db, f)
    missing = missing_banks(db, f, AREA)
    return [Ranked(name, rates[code]) for code, name in bank_names(db, f) if code in rates and code not in missing]


# -- 三、信用村
def section(w: Writer) -> Section:
    t = credit.totals(w.db, w.f)
    if t is None:
        return Section("credit", "信用村建设", (NO_DATA,))
    b = credit.totals(w.db, w.year_ago)
    ys = credit.totals(w.db, w.year_start)
    s1 = sentence(
        f"{w.scope}推进党建引领信用村建设工作，{w.p.when}，累计授信{amount_text(t.granted_amount)}",
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
        pg, pu = w.progress("credit_granted_increase"), w.progress("credit_used_increase")
        granted = (f"{w.p.ytd}新增授信{amount_text(dg)}" if dg >= 0 else
                   f"{w.p.ytd}授信较年初减少{amount_text(-dg)}")
        used = f"新增用信{amount_text(du)}" if du >= 0 else f"用信较年初减少{amount_text(-du)}"
        s3 = sentence_any(sentence_any(granted, w.ptext(pg))[:-1],
                          sentence_any(used, w.ptext(pu))[:-1], sep="；")
    s4 = sentence_any(w.ranking(town_completion(w.db, w.f, "credit_granted_increase"),
                                   "新增授信完成率", "乡镇"),
                      w.ranking(bank_credit_usage(w.db, w.f), "用信率", "银行"), sep="；")
    yuan = amount_text
    table = figure_table([
        row("累计授信金额", t.granted_amount, b and b.granted_amount, yuan),
        row("用信金额", t.used_amount, b and b.used_amount, yuan),
        row("累计授信户数", t.granted_households, b and b.granted_households, lambda v: f"{v}户"),
        row("用信户数", t.used_households, b and b.used_households, lambda v: f"{v}户"),
        row("用信率", t.usage_rate, b and b.usage_rate, pct_text, rate=True),
    ])
    chart = w.trend(credit.totals, {"累计授信": lambda x: x.granted_amount, "用信": lambda x: x.used_amount})
    return Section("credit", "信用村建设", (paragraph(s1, s2, s3, s4),), (("信用村主要指标", table),),
                   chart, "信用村授信、用信走势（亿元）", "亿元")
