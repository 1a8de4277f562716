"""金融助企与风险防范 section of the brief (the indicators ledger)."""
from __future__ import annotations

import pandas as pd

from .. import indicators, money, targets
from .common import FIGURE_COLUMNS, NO_DATA, Section, Writer
from .period import MONTHLY
from .text import (amount_text, change_text, paragraph, partial_progress_text, pct_text, progress_text, rate_change_text, sentence, target_text)

KEY = "indicators"            # the section's key (``Brief.section``)
AREA = "indicators"   # the area whose missing submissions the section names


# -- 六、金融助企与风险防范 (indicators ledger)
def section(w: Writer) -> Section:
    figs = indicators.figures(w.db, w.f)

    def fig(key):
        return figs[key]

    def prog(key):
        x = fig(key)
        if w.p.partial:
            return partial_progress_text(x.target, x.indicator.target_unit)
        return progress_text(x.value, x.target, x.indicator.target_unit, w.tp)

    def base(x):  # a year figure (FLOW or RATIO) has no 同比 against a partial first year
        return None if w.base_partial and x.indicator.kind != indicators.STOCK else x.base

    monthly = w.p.kind == MONTHLY and w.p.month > 1  # in January the year is the month
    r = fig("relief_loan_new")
    s1 = sentence(r.value is not None and f"强化金融助企纾困，{w.p.ytd}累计新增助企贷款{amount_text(r.value)}",
                  change_text(r.value, base(r)),
                  monthly and r.month is not None and f"其中当月新增{amount_text(r.month)}",
                  prog("relief_loan_new"))
    v, rate = fig("visit_players"), fig("visit_rate")
    s2 = sentence(v.value is not None and f"开展“五进”走访活动，走访一级市场活跃主体{v.value}家",
                  rate.value is not None and f"走访率{pct_text(rate.value)}", prog("visit_players"))
    c = fig("coop_closed")
    closed_when = w.p.year_word
    s3 = sentence(c.value is not None and f"进一步加强农民专业合作社资金互助风险防范化解工作，"
                  f"{closed_when}关停资金互助业务共计{c.value}家",
                  monthly and c.month is not None and f"其中当月{c.month}家")
    hh, prem = fig("pab_households"), fig("pab_premium")
    s4 = sentence(hh.value is not None and f"政策性农业保险工作扎实推进，“防贫保”综合保险试点稳步推动，"
                  f"{w.scope}{hh.value}户农户参保",
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
                     "完成率": (targets.PARTIAL if w.p.partial and x.target is not None
                             else pct_text(x.completion) or "—")})
    table = pd.DataFrame(rows, columns=FIGURE_COLUMNS + ["全年目标", "完成率"])
    text = paragraph(s1, s2, s3, s4)
    chart = None
    series = indicators.monthly(w.db, w.f, "relief_loan_new", w.window[0], w.p.as_of)
    if series:
        chart = pd.DataFrame([{"月份": m, "指标": "当月新增助企贷款", "数值": money.to_wan(v, 0)}
                              for m, v in series.items()])
    return Section("indicators", "金融助企与风险防范", (text or NO_DATA,),
                   (("金融助企与风险防范指标", table),) if rows else (), chart,
                   "当月新增助企贷款（万元）", "万元", "bar")
