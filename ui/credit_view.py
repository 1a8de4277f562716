"""Charts and table display for the 信用村 page (Altair specs)."""
from __future__ import annotations

import altair as alt
import pandas as pd

from ui import widgets

ALERT_OK = ("", "—", "正常", "已报送", "领先")
ALERTS = ("预警", "进度", "报送情况")
RED = "#B71C1C"



def styled_table(df: pd.DataFrame, alt_text: str, height: int | str = "auto") -> None:
    """The page's tables; set alerts (预警, 进度, 报送情况) start with ⚠
    (see :func:`ui.widgets.table`)."""
    widgets.table(df, alt=alt_text, height=height, alert_cols=ALERTS, ok_values=ALERT_OK)


def trend_chart(df: pd.DataFrame) -> alt.Chart:
    """授信 and 用信 by month (亿元 from 1 亿元 up, else 万元), 用信率 in the tooltip."""
    cols = ["授信金额（万元）", "用信金额（万元）"]
    long = df.melt(id_vars=["月份", "用信率（%）", "报送不全"], value_vars=cols, var_name="指标", value_name="金额")
    long["指标"] = long["指标"].str.replace("（万元）", "", regex=False)
    unit = "万元"
    if long["金额"].max() >= 10_000:
        long["金额"], unit = long["金额"] / 10_000, "亿元"
    title = f"金额（{unit}）"
    long = long.rename(columns={"金额": title})
    base = alt.Chart(long).encode(
        x=alt.X("月份:O", title="月份", axis=alt.Axis(labelAngle=-45)),
        y=alt.Y(f"{title}:Q", title=title),
        tooltip=["月份", "指标", alt.Tooltip(f"{title}:Q", format=",.2f"),
                 alt.Tooltip("用信率（%）:Q", format=".1f"), "报送不全"],
    )
    lines = base.mark_line(point=True).encode(
        color=alt.Color("指标:N", title=None, scale=alt.Scale(range=["#1565C0", "#EF6C00"]),
                        legend=alt.Legend(orient="top")))
    # months where some bank did not report: a red ring, so a dip is not read as a fall
    gaps = base.transform_filter(alt.datum["报送不全"] == "是").mark_point(
        color=RED, size=160, strokeWidth=2)
    return (lines + gaps).properties(height=300)


BAR_LIMIT = 30


def _rate_scale(values: pd.Series) -> alt.Scale:
    """A percentage axis from at most -100 to at most 200, clamped: one town far
    off (a tiny target) must not squash every other bar; its tooltip keeps the value."""
    lo = max(-100.0, min(0.0, float(values.min())))
    hi = min(200.0, max(100.0, float(values.max())))
    return alt.Scale(domain=[lo, hi], clamp=True)


def ranking_bar(df: pd.DataFrame, label: str, value: str, progress: float | None = None) -> alt.Chart:
    """Horizontal bars of ``value`` per ``label`` in table order (the first
    ``BAR_LIMIT``); with ``progress`` (序时进度, %) a rule marks it and bars
    below it are red."""
    data = df[[label, value]].dropna().head(BAR_LIMIT).copy()
    data["落后"] = (data[value] < progress) if progress is not None else False
    order = list(data[label])
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y(f"{label}:N", sort=order, title=None, axis=alt.Axis(labelOverlap=False)),
            x=alt.X(f"{value}:Q", title=value, scale=_rate_scale(data[value]) if "%" in value else alt.Undefined),
            color=alt.condition(alt.datum["落后"], alt.value(RED), alt.value("#1565C0")),
            tooltip=[label, alt.Tooltip(f"{value}:Q", format=",.2f" if "元" in value else ".1f")],
        )
    )
    chart = bars
    if progress is not None:
        rule = alt.Chart(pd.DataFrame({"序时进度（%）": [progress]})).mark_rule(
            color="#555", strokeDash=[4, 3]).encode(x="序时进度（%）:Q", tooltip=["序时进度（%）"])
        chart = bars + rule
    return chart.properties(height=alt.Step(22))


def table_height(rows: int, limit: int = 600) -> int:
    """Pixels that show ``rows`` rows and the header, at most ``limit``."""
    return min(limit, 38 + 35 * max(rows, 1))


def value_text(value, fmt: str) -> str:
    """``fmt.format(value)``, or '—' for a missing value (None or NaN)."""
    return "—" if value is None or pd.isna(value) else fmt.format(value)
