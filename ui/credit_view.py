"""Charts and table display for the 信用村 page (Altair specs)."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from finance_core.config import ACCENT, GOOD, NEUTRAL, PALETTE, WARN
from finance_core.credit import WhatIf
from finance_core.kpi import RATIO, signed_delta
from finance_core.money import fmt_count, fmt_money, fmt_pct, safe_ratio
from ui import widgets

ALERT_OK = ("", "—", "正常", "已报送", "领先")
ALERTS = ("预警", "进度", "报送情况")



def styled_table(df: pd.DataFrame, alt_text: str, height: int | str = "auto",
                 empty_text: str = "当前筛选范围内没有记录。") -> None:
    """The page's tables; set alerts (预警, 进度, 报送情况) start with ⚠
    (see :func:`ui.widgets.table`)."""
    widgets.table(df, alt=alt_text, height=height, alert_cols=ALERTS, ok_values=ALERT_OK, empty_text=empty_text)


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
        color=alt.Color("指标:N", title=None, scale=alt.Scale(range=[ACCENT, "#6A1B9A"]),
                        legend=alt.Legend(orient="top")))
    # months where some bank did not report: an amber ring, so a dip is not read as a fall
    gaps = base.transform_filter(alt.datum["报送不全"] == "是").mark_point(
        color=PALETTE[WARN], size=160, strokeWidth=2)
    return (lines + gaps).properties(height=340)


BAR_LIMIT = 30


RATE_DRAWN = (-100.0, 200.0)   # a percentage bar is drawn within these; its tooltip keeps the value
DRAWN = "_绘制值"


def _rate_axis(data: pd.DataFrame, value: str) -> tuple[alt.X, alt.Chart]:
    """A percentage axis that spans at least 0 to 100 and at most -100 to 200: one
    town far off (a tiny target) must not squash every other bar. The bars are
    drawn from a column clipped to that range and the range comes from the data
    (two unseen points at 0 and 100), not written into the spec: a spec that
    changes with the data is a chart the browser builds anew on every town change."""
    data[DRAWN] = data[value].clip(*RATE_DRAWN)
    bounds = alt.Chart(pd.DataFrame({DRAWN: [0.0, 100.0]})).mark_point(opacity=0).encode(
        x=alt.X(f"{DRAWN}:Q"))
    return alt.X(f"{DRAWN}:Q", title=value), bounds


PICK = "pick"   # the selection a click on a ranking bar sets (see widgets.drill)


def ranking_bar(df: pd.DataFrame, label: str, value: str, progress: float | None = None) -> alt.Chart:
    """Horizontal bars of ``value`` per ``label`` in table order (the first
    ``BAR_LIMIT``); with ``progress`` (序时进度, %) a labelled rule marks it and
    bars are coloured and named by status (达到 / 落后于序时进度). A click on a
    bar selects its ``label`` (selection ``PICK``), for drilling down."""
    data = widgets.in_row_order(df[[label, value]].dropna().head(BAR_LIMIT))
    pick = alt.selection_point(name=PICK, fields=[label], on="click", clear="dblclick")
    if progress is not None:
        data["状态"] = ["落后于序时进度" if v < progress else "达到序时进度" for v in data[value]]
        colour = alt.Color("状态:N", title=None, legend=alt.Legend(orient="top"),
                           scale=alt.Scale(domain=["达到序时进度", "落后于序时进度"],
                                           range=[PALETTE[GOOD], PALETTE[WARN]]))
    else:
        colour = alt.value(ACCENT)
    x, layers = alt.X(f"{value}:Q", title=value), []
    if "%" in value:
        x, bounds = _rate_axis(data, value)
        layers.append(bounds)
    bars = (
        alt.Chart(data)
        .mark_bar(cursor="pointer")
        .encode(
            y=alt.Y(f"{label}:N", sort=widgets.row_order(), title=None, axis=alt.Axis(labelOverlap=False)),
            x=x,
            color=colour,
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
            tooltip=[label, alt.Tooltip(f"{value}:Q", format=",.2f" if "元" in value else ".1f")],
        )
        .add_params(pick)
    )
    chart = alt.layer(bars, *layers) if layers else bars
    if progress is not None:
        ref = alt.Chart(pd.DataFrame({"序时进度（%）": [progress], "标注": [f"序时进度 {progress:.1f}%"]}))
        rule = ref.mark_rule(color=PALETTE[NEUTRAL], strokeDash=[4, 3], strokeWidth=2).encode(
            x="序时进度（%）:Q", tooltip=["序时进度（%）"])
        text = ref.mark_text(align="left", dx=4, dy=-6, fontSize=14, color=PALETTE[NEUTRAL]).encode(
            x="序时进度（%）:Q", y=alt.value(0), text="标注:N")
        chart = alt.layer(bars, *layers, rule, text)
    return chart.properties(height=alt.Step(26))


def table_height(rows: int, limit: int = 600) -> int:
    """Pixels that show ``rows`` rows and the header, at most ``limit``."""
    return min(limit, 38 + 35 * max(rows, 1))


def value_text(value, fmt: str) -> str:
    """``fmt.format(value)``, or '—' for a missing value (None or NaN)."""
    return "—" if value is None or pd.isna(value) else fmt.format(value)


def whatif_panel(w: WhatIf, usage: float, coverage: float, banks_chosen: bool) -> None:
    """The what-if figures, 测算后 beside 当前, and the per-town table under 测算明细
    (closed at first, drawn only when opened, as on the other pages)."""
    m = st.columns(5)
    m[0].metric("需新增用信", fmt_money(w.extra_used))
    m[1].metric("需新增用信户数", fmt_count(w.extra_used_households, "户"))
    m[2].metric("需新增授信户数", fmt_count(w.extra_granted_households, "户"))
    m[3].metric("今年新增用信目标尚需", fmt_money(w.remaining), help="今年新增用信目标 − 年初以来已新增用信")
    now = safe_ratio(w.done, w.target) if w.done is not None else None
    m[4].metric("测算后新增用信目标完成率", fmt_pct(w.completion_after),
                delta=signed_delta(RATIO, w.completion_after, now), delta_description=f"较当前 {fmt_pct(now)}",
                help="（年初以来已新增用信 + 需新增用信）÷ 今年新增用信目标；当前 = 年初以来已新增用信 ÷ 目标")
    st.caption(f"目标用信率 {fmt_pct(usage)}、目标授信覆盖率 {fmt_pct(coverage)}。合计为各乡镇所需之和"
               "（超额的乡镇不抵补其他乡镇）。" + ("乡镇目标按全部银行设定，选择银行后不比较目标。" if banks_chosen else ""))
    if box := widgets.details("测算明细（分乡镇）", "credit_whatif_detail"):
        with box:
            styled_table(w.table, "测算：各乡镇达到目标所需新增用信金额与户数", height=table_height(len(w.table)))
