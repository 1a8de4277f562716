"""政府性融资担保 section of the brief."""
from __future__ import annotations

import pandas as pd

from .. import guarantees, periods
from .common import NO_DATA, Section, Writer, figure_table, row
from .text import amount_text, change_text, paragraph, pct_text, sentence

KEY = "guarantees"            # the section's key (``Brief.section``)
AREA = "guarantees"   # the area whose missing submissions the section names


from ..guarantees import ProductActivity, guarantor_ratings, product_activity  # noqa: F401  (re-exported)


# -- 五、融资担保
def section(w: Writer) -> Section:
    t = guarantees.totals(w.db, w.f)
    if t is None:
        return Section("guarantees", "政府性融资担保", (NO_DATA,))
    b = guarantees.totals(w.db, w.year_ago)
    yb = w.ytd_base(b)
    people = guarantees.borrower_counts(w.db, w.f, months=(w.p.as_of, w.year_ago.as_of))
    hh, hh_b = people[w.p.as_of], (people[w.year_ago.as_of] if b is not None else None)
    ratings = guarantor_ratings(w.db, w.p.as_of)
    s1 = None
    if ratings:
        s1 = sentence("强化政府性融资担保作用，" + "、".join(f"{n}在全省综合评价为{r}类" for n, r in ratings))
    lev = guarantees.leverage(w.db, w.p.as_of)
    s2 = sentence(f"{w.p.when}，{w.scope}在保余额{amount_text(t.outstanding)}",
                  b and change_text(t.outstanding, b.outstanding), f"在保{hh[0]}户{t.outstanding_count}笔",
                  f"{w.p.ytd}新增担保{hh[1]}户{t.new_count_ytd}笔{amount_text(t.new_amount_ytd)}",
                  w.ptext(w.progress("guarantee_new_amount")),
                  lev is not None and f"担保公司放大倍数{lev:.2f}倍",
                  t.compensation_rate is not None and f"当年代偿率{pct_text(t.compensation_rate)}")
    products = product_activity(w.db, w.f, periods.year_start_month(w.p.as_of))
    s3 = []
    for a in products:
        s3.append(sentence(
            f"“{a.name}”合作授信额度{amount_text(a.quota)}"
            + (f"（使用率{pct_text(a.quota_share)}）" if a.quota_share is not None else ""),
            f"{w.p.year_word}担保贷款企业{a.firms}家，担保额度{amount_text(a.amount)}" if a.firms
            else f"{w.p.year_word}暂无新增担保贷款"))
    yuan = amount_text
    figures = figure_table([
        row("在保余额", t.outstanding, b and b.outstanding, yuan),
        row("在保户数", hh[0], hh_b and hh_b[0], lambda v: f"{v}户"),
        row("在保笔数", t.outstanding_count, b and b.outstanding_count, lambda v: f"{v}笔"),
        row(f"{w.p.ytd}新增担保户数", hh[1], yb and hh_b and hh_b[1], lambda v: f"{v}户"),
        row(f"{w.p.ytd}新增担保笔数", t.new_count_ytd, yb and yb.new_count_ytd, lambda v: f"{v}笔"),
        row(f"{w.p.ytd}新增担保金额", t.new_amount_ytd, yb and yb.new_amount_ytd, yuan),
        row("放大倍数", lev, guarantees.leverage(w.db, w.year_ago.as_of), lambda v: f"{v:.2f}倍",
             multiple=True),
    ])
    product_table = pd.DataFrame(
        [{"产品": a.name, "合作授信额度": yuan(a.quota), "在保（全产品）": yuan(a.used),
          "额度使用率": pct_text(a.quota_share) or "—", f"{w.p.year_word}担保企业（家）": a.firms,
          f"{w.p.year_word}担保额度": yuan(a.amount)} for a in products])
    chart = w.trend(guarantees.totals, {"在保余额": lambda x: x.outstanding})
    return Section("guarantees", "政府性融资担保", (paragraph(s1, s2, *s3),),
                   (("融资担保主要指标", figures), ("担保产品", product_table)),
                   chart, "在保余额走势（亿元）", "亿元")
