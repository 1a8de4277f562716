"""The brief's 财政资金 section (monthly and yearly), written from the same
functions as the /fiscal page (:mod:`finance_core.fiscal`)."""
from __future__ import annotations

import pandas as pd

from .. import fiscal, periods
from .common import Section, Writer, figure_table, row
from .text import amount_text, change_text, paragraph, pct_text, sentence

KEY = "fiscal"          # the section's key (``Brief.section``)
AREA = fiscal.AREA_KEY  # the area whose missing submissions the section names


def section(w: Writer) -> Section | None:
    """The 财政资金 section; None when the scope has no fiscal figures at all (a
    county that keeps none of these ledgers: its other sections are unchanged)."""
    db, f, p = w.db, w.f, w.p
    s = fiscal.snapshot(db, f)
    base = fiscal.snapshot(db, w.year_ago)
    yb = w.ytd_base(base)
    amount = amount_text
    empty = not (s.subsidy_paid_ytd or s.subsidy_pending or s.fund_paid_ytd or s.fund_pending or s.share_due_ytd
                 or s.share_unpaid or s.zone or s.award_paid_ytd or s.award_pending)
    if empty:
        return None
    s1 = sentence(f"{p.ytd}拨付贴息{amount(s.subsidy_paid_ytd)}",
                    yb and change_text(s.subsidy_paid_ytd, yb.subsidy_paid_ytd),
                    s.subsidy_pending_n and f"尚有{s.subsidy_pending_n}笔{amount(s.subsidy_pending)}待审核或待拨付")
    s2 = sentence(f"风险补偿金{p.ytd}拨付代偿{s.fund_paid_n_ytd}笔{amount(s.fund_paid_ytd)}",
                    s.fund_recovered_ytd and f"追回{amount(s.fund_recovered_ytd)}",
                    s.fund_pending_n and f"待拨付{s.fund_pending_n}笔{amount(s.fund_pending)}",
                    s.fund_balance is not None and f"{p.when}补偿金余额{amount(s.fund_balance)}",
                    s.fund_leverage is not None and f"放大倍数{s.fund_leverage:.2f}倍")
    s3 = sentence(f"担保代偿地方政府分担{p.ytd}应付{amount(s.share_due_ytd)}、已付{amount(s.share_paid_ytd)}",
                    s.share_unpaid_n and f"累计尚有{s.share_unpaid_n}笔{amount(s.share_unpaid)}未付")
    z = s.zone
    s4 = z and sentence(
        f"示范区资金累计到账{amount(z.received_total)}，{p.ytd}支出{amount(z.spent_ytd)}",
        f"支出进度{pct_text(z.progress)}，{'落后于' if z.behind else '达到'}序时进度（{pct_text(z.time_progress)}）")
    s5 = (s.award_paid_ytd or s.award_pending) and sentence(
        f"{p.ytd}兑现上市奖补{amount(s.award_paid_ytd)}", s.award_pending and f"待兑现{amount(s.award_pending)}")
    s6 = s.overdue_n and sentence(f"超过拨付时限仍未拨付的申报{s.overdue_n}笔{amount(s.overdue_amount)}，需加快审核拨付")
    figures = figure_table([
        row(f"{p.ytd}拨付贴息", s.subsidy_paid_ytd, yb and yb.subsidy_paid_ytd, amount),
        row(f"{p.ytd}补偿金代偿拨付", s.fund_paid_ytd, yb and yb.fund_paid_ytd, amount),
        row("补偿金代偿待拨付", s.fund_pending, base.fund_pending, amount),
        row("风险补偿金余额", s.fund_balance, base.fund_balance, amount),
        row("补偿金放大倍数", s.fund_leverage, base.fund_leverage, lambda v: f"{v:.2f}倍", multiple=True),
        row(f"{p.ytd}县级分担应付", s.share_due_ytd, yb and yb.share_due_ytd, amount),
        row(f"{p.ytd}县级分担已付", s.share_paid_ytd, yb and yb.share_paid_ytd, amount),
        row("县级分担未付", s.share_unpaid, base.share_unpaid, amount),
        row("示范区资金支出进度", z and z.progress, None, pct_text, rate=True),
        row(f"{p.ytd}兑现上市奖补", s.award_paid_ytd, yb and yb.award_paid_ytd, amount),
    ])
    trend = fiscal.zone_trend(db, p.as_of)
    chart = None
    if not trend.empty:
        chart = pd.concat([
            pd.DataFrame({"月份": trend["月份"], "指标": "支出进度", "数值": trend["支出进度（%）"]}),
            pd.DataFrame({"月份": trend["月份"], "指标": "序时进度", "数值": trend["序时进度（%）"]}),
        ], ignore_index=True)
    gaps = fiscal.gap_lines(db, f)
    extra = ("数据说明：" + "；".join(gaps) + "。",) if gaps else ()
    return Section(fiscal.AREA_KEY, fiscal.TITLE, (paragraph(s1, s2, s3, s4, s5, s6),) + extra,
                     (("财政资金主要指标", figures),), chart,
                     f"示范区资金{periods.year_of(p.as_of)}年支出进度与序时进度（%）", "%")


