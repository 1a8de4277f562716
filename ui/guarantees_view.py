"""Charts of the 融资担保 page (Altair specs); drawing only."""
from __future__ import annotations

import altair as alt
import pandas as pd

from finance_core.config import ACCENT, BAD, PALETTE, WARN

X_MONTH = alt.X("月份:O", title=None, axis=alt.Axis(labelAngle=-45))


def balance_bars(trend: pd.DataFrame) -> alt.Chart:
    """在保余额 of the scope by month: the upper of two panels sharing the months
    (not one dual axis where limit lines cross the bars; see :func:`leverage_chart`)."""
    return alt.Chart(trend).mark_bar(color=ACCENT, opacity=0.8).encode(
        x=X_MONTH, y=alt.Y("在保余额（万元）:Q", title="在保余额（万元）", axis=alt.Axis(format=",.0f")),
        tooltip=["月份", alt.Tooltip("在保余额（万元）:Q", format=",.2f"),
                 alt.Tooltip("净资产（万元）:Q", format=",.2f"), "放大倍数（全公司）"],
    ).properties(height=260, title="在保余额（筛选范围，万元）")


def leverage_chart(trend: pd.DataFrame, lines: pd.DataFrame) -> alt.LayerChart:
    """放大倍数 (line, whole company) by month with its labelled limit lines."""
    top = float(max(lines["倍数"].max(), trend["放大倍数（全公司）"].max() if len(trend) else 0)) * 1.1
    scale = alt.Scale(domain=[0, top])
    lev = alt.Chart(trend).mark_line(point=True, color="#263238", strokeWidth=2).encode(
        x=X_MONTH, y=alt.Y("放大倍数（全公司）:Q", title="放大倍数（倍）", scale=scale),
        tooltip=["月份", "放大倍数（全公司）"])
    colours = alt.Scale(domain=list(lines["线"]), range=[PALETTE[BAD], PALETTE[BAD], PALETTE[WARN]][:len(lines)])
    rules = alt.Chart(lines).mark_rule(strokeDash=[6, 4], strokeWidth=2).encode(
        y=alt.Y("倍数:Q", scale=scale), color=alt.Color("线:N", scale=colours, legend=None))
    labels = alt.Chart(lines.assign(标注=[f"{n} {v:g} 倍" for n, v in zip(lines["线"], lines["倍数"])])).mark_text(
        align="left", x=6, dy=-8, fontSize=14).encode(
        y=alt.Y("倍数:Q", scale=scale), text="标注:N", color=alt.Color("线:N", scale=colours, legend=None))
    return alt.layer(lev, rules, labels).properties(height=260, title="放大倍数（全公司，倍）与监管界线")
