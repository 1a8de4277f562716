"""Tables and charts of the 小额信贷 page (pandas Styler, Altair specs).

Drawing only: every number comes from ``finance_core.microloans``.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from ui import widgets

from finance_core.config import BAD, PALETTE
from finance_core.microloans import BUCKETS, TOTAL_LABEL

BUCKET_COLOURS = ["#FBC02D", "#FB8C00", "#E64A19", "#C62828", "#6D1B1B"]


def table(df: pd.DataFrame, alt_text: str, height: int | str = "auto", columns: list[str] | None = None) -> None:
    """The page's tables: 万元 to two decimals, (%) to one, counts with
    separators, 进度 '落后' marked ⚠ (see :func:`ui.widgets.table`)."""
    widgets.table(df, alt=alt_text, height=height, alert_cols=("进度",), columns=columns)


MEASURES = {"金额": "（万元）", "笔数": "（笔）"}
PICK = "pick"   # a click on a town's or bank's bar (see ui.widgets.drill)


def ageing_table(df: pd.DataFrame, measure: str, alt_text: str) -> None:
    """The ageing table in one measure (amounts in 万元 or loan counts)."""
    unit = MEASURES[measure]
    cols = [df.columns[0], *(c for c in df.columns if c.endswith(unit)), "逾期率（%）"]
    table(df, alt_text, columns=cols)


def ageing_chart(df: pd.DataFrame, measure: str) -> alt.Chart:
    """Overdue balance (万元) or loans per town or bank, stacked by ageing bucket."""
    unit = MEASURES[measure]
    group = df.columns[0]
    value_cols = [f"{label}{unit}" for _, label in BUCKETS]
    value = f"逾期{measure}{unit}"
    pick = alt.selection_point(name=PICK, fields=[group], on="click", clear="dblclick")
    return (
        alt.Chart(widgets.in_row_order(df[[group, *value_cols]]))
        .transform_filter(alt.datum[group] != TOTAL_LABEL)
        .transform_fold(value_cols, as_=["账龄", value])
        .transform_calculate(逾期天数=f"replace(datum['账龄'], '{unit}', '')")
        .mark_bar(cursor="pointer")
        .encode(
            y=alt.Y(f"{group}:N", title=None, sort=widgets.row_order()),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
            x=alt.X(f"{value}:Q", title=value, stack="zero"),
            color=alt.Color("逾期天数:N", title="逾期天数",
                            scale=alt.Scale(domain=[label for _, label in BUCKETS], range=BUCKET_COLOURS),
                            legend=alt.Legend(orient="top")),
            order=alt.Order("逾期天数:N"),
            tooltip=[alt.Tooltip(f"{group}:N"), alt.Tooltip("逾期天数:N"),
                     alt.Tooltip(f"{value}:Q", format=",.2f" if measure == "金额" else ",.0f")],
        )
        .add_params(pick)
        .properties(height=alt.Step(26), title=f"逾期贷款账龄分布（{measure}，点击可筛选）")
    )


def trend_chart(df: pd.DataFrame, line_pct: float) -> alt.Chart:
    """逾期率, PAR30 and PAR90 (%) by month, with the 逾期率 red line."""
    rates = ["逾期率（%）", "PAR30（%）", "PAR90（%）"]
    lines = (
        alt.Chart(df[["月份", *rates]])
        .transform_fold(rates, as_=["指标", "比率（%）"])
        .transform_calculate(口径="replace(datum['指标'], '（%）', '')")
        .mark_line(point=True)
        .encode(
            x=alt.X("月份:O", title=None, axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("比率（%）:Q", title="占贷款余额（%）"),
            color=alt.Color("口径:N", title=None, sort=["逾期率", "PAR30", "PAR90"],
                            scale=alt.Scale(range=["#1565C0", "#6A1B9A", "#00695C"]),
                            legend=alt.Legend(orient="top")),
            tooltip=["月份:O", "口径:N", alt.Tooltip("比率（%）:Q", format=".1f")],
        )
    )
    ref = alt.Chart(pd.DataFrame({"警戒线（%）": [line_pct], "标注": [f"逾期率警戒线 {line_pct:.1f}%"]}))
    rule = ref.mark_rule(color=PALETTE[BAD], strokeDash=[4, 4], strokeWidth=2).encode(
        y="警戒线（%）:Q", tooltip=[alt.Tooltip("警戒线（%）:Q", format=".1f")])
    text = ref.mark_text(align="left", x=4, dy=-8, fontSize=14, color=PALETTE[BAD]).encode(
        y="警戒线（%）:Q", text="标注:N")
    return (lines + rule + text).properties(height=420, title="逾期率走势（%）")
