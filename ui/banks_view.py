"""Tables and charts of the 银行存贷款 page (Altair specs); drawing only: every
number comes from ``finance_core.banks``."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from finance_core.config import ACCENT, BAD, GOOD, MARKS, PALETTE, WARN
from ui import widgets
from ui.filters import escape

PICK = "pick"   # a click on a bank's bars sets the bank filter (ui.widgets.drill)
SERIES = {"各项存款（亿元）": "#1565C0", "各项贷款（亿元）": "#2E7D32"}


def table(df: pd.DataFrame, alt_text: str, alert_cols: tuple[str, ...] = ("进度",)) -> None:
    """亿元/万元 two decimals, (%) one, counts with separators; 落后 / 未达标 marked ⚠."""
    widgets.table(df, alt=alt_text, alert_cols=alert_cols,
                  ok_values=widgets.ALERT_OK + ("达标", "不适用"),
                  formats={c: "{:.2f}" for c in df.columns if c in ("加权平均利率（%）", "不良率（%）")})


def ranking_tables(df: pd.DataFrame) -> None:
    """The ranking: scores (one decimal) on screen, each indicator's value below it."""
    scores = [c for c in df.columns if c.endswith("得分")]
    values = [c for c in df.columns if c not in scores and c not in ("排名", "银行", "报送情况")]
    widgets.table(df, columns=["排名", "银行", *scores, "报送情况"], alt="金融机构考核排名：加权得分与各指标得分",
                  alert_cols=("报送情况",), formats={c: "{:.1f}" for c in scores})
    if box := widgets.details("各指标数值", "banks_values"):
        with box:
            widgets.table(df, columns=["排名", "银行", *values], alt="金融机构考核各指标数值",
                          formats={c: "{:.2f}" for c in values if "（%）" in c})


def check_lines(found) -> None:
    """The failing regulatory checks as one list, each with its mark and word."""
    if not found:
        st.success(f"{MARKS[GOOD]} 范围内各银行的监管指标均达标。", icon=":material/check_circle:")
        return
    lines = "\n".join(f"- {MARKS[BAD] if c.level == 'bad' else MARKS[WARN]} **{c.title}**：{_md(c.text)}"
                      for c in found)
    st.warning(lines, title=f"监管指标提示（{len(found)} 项）", icon=":material/rule:")


def _md(text: str) -> str:
    return escape(text)


X_MONTH = alt.X("月份:O", title=None, axis=alt.Axis(labelAngle=-45))


def balance_chart(df: pd.DataFrame) -> alt.Chart:
    """各项存款 and 各项贷款 (亿元) by month (beside :func:`ldr_chart`: two panels
    sharing the months, not one dual axis)."""
    x = X_MONTH
    cols = list(SERIES)
    return (
        alt.Chart(df[["月份", *cols, "沿用数据"]])
        .transform_fold(cols, as_=["指标", "余额（亿元）"])
        .transform_calculate(项目="replace(datum['指标'], '（亿元）', '')")
        .mark_line(point=True, strokeWidth=2)
        .encode(x=x, y=alt.Y("余额（亿元）:Q", title="余额（亿元）", scale=alt.Scale(zero=False)),
                color=alt.Color("项目:N", title=None, scale=alt.Scale(domain=["各项存款", "各项贷款"],
                                                                     range=list(SERIES.values())),
                                legend=alt.Legend(orient="top")),
                tooltip=["月份:O", "项目:N", alt.Tooltip("余额（亿元）:Q", format=",.2f"), "沿用数据:N"])
        .properties(height=260, title="各项存款、贷款余额（亿元）")
    )


def ldr_chart(df: pd.DataFrame, target_pct: float) -> alt.LayerChart:
    """存贷比 (%) by month with the target line, labelled."""
    x = X_MONTH
    ldr = alt.Chart(df[["月份", "存贷比（%）"]]).mark_line(point=True, color="#263238", strokeWidth=2).encode(
        x=x, y=alt.Y("存贷比（%）:Q", title="存贷比（%）", scale=alt.Scale(zero=False)),
        tooltip=["月份:O", alt.Tooltip("存贷比（%）:Q", format=".1f")])
    ref = alt.Chart(pd.DataFrame({"目标（%）": [target_pct], "标注": [f"存贷比目标 {target_pct:.1f}%"]}))
    rule = ref.mark_rule(color=PALETTE[WARN], strokeDash=[6, 4], strokeWidth=2).encode(y="目标（%）:Q")
    text = ref.mark_text(align="left", x=6, dy=-8, fontSize=14, color=PALETTE[WARN]).encode(
        y="目标（%）:Q", text="标注:N")
    return alt.layer(ldr, rule, text).properties(height=260, title="存贷比（%）与目标")


def comparison_chart(df: pd.DataFrame) -> alt.Chart:
    """Deposits and loans (亿元) per bank side by side; a click sets the bank filter."""
    cols = list(SERIES)
    pick = alt.selection_point(name=PICK, fields=["银行"], on="click", clear="dblclick")
    return (
        alt.Chart(widgets.in_row_order(df[["银行", *cols, "存贷比（%）"]]))
        .transform_fold(cols, as_=["指标", "余额（亿元）"])
        .transform_calculate(项目="replace(datum['指标'], '（亿元）', '')")
        .mark_bar(cursor="pointer")
        .encode(
            y=alt.Y("银行:N", title=None, sort=widgets.row_order()),
            yOffset=alt.YOffset("项目:N", sort=["各项存款", "各项贷款"]),
            x=alt.X("余额（亿元）:Q", title="余额（亿元）"),
            color=alt.Color("项目:N", title=None, scale=alt.Scale(domain=["各项存款", "各项贷款"],
                                                                 range=list(SERIES.values())),
                            legend=alt.Legend(orient="top")),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
            tooltip=["银行:N", "项目:N", alt.Tooltip("余额（亿元）:Q", format=",.2f"),
                     alt.Tooltip("存贷比（%）:Q", format=".1f")],
        )
        .add_params(pick)
        .properties(height=alt.Step(22), title="分银行存款、贷款余额（亿元，点击可筛选）")
    )


def score_chart(df: pd.DataFrame) -> alt.Chart:
    """加权得分 per ranked bank (bars, best first) with the score as text."""
    ranked = widgets.in_row_order(df[df["排名"].notna()][["排名", "银行", "加权得分"]])
    bars = alt.Chart(ranked).mark_bar(color=ACCENT).encode(
        y=alt.Y("银行:N", title=None, sort=widgets.row_order()), x=alt.X("加权得分:Q", title="加权得分（分）", scale=alt.Scale(domain=[0, 100])),
        tooltip=["排名:O", "银行:N", alt.Tooltip("加权得分:Q", format=".2f")])
    text = bars.mark_text(align="left", dx=4, fontSize=14, color="#263238").encode(
        text=alt.Text("加权得分:Q", format=".1f"))
    return (bars + text).properties(height=alt.Step(30), title="金融机构考核加权得分")
