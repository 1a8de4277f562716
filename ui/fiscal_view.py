"""Tables and charts of the 财政资金 page (Altair specs); drawing only — every
number comes from ``finance_core.fiscal``."""
from __future__ import annotations

import altair as alt
import pandas as pd

from finance_core import fiscal
from finance_core.config import ACCENT, PALETTE, WARN
from ui import widgets


def table(df: pd.DataFrame, alt_text: str, alert_cols: tuple[str, ...] = (), height: int | str = "auto") -> None:
    """The page's tables: 万元 two decimals, (%) one, 逾期未拨付 / 未报送 marked ⚠."""
    widgets.table(df, alt=alt_text, height=height, alert_cols=alert_cols,
                  ok_values=widgets.ALERT_OK + (fiscal.ON_TIME, fiscal.DONE, "已报送"))


def pipeline_chart(summary: pd.DataFrame) -> alt.Chart:
    """Pending claims per kind and step (万元), overdue as its own bar: 申报 → 审核 → 拨付."""
    rows = []
    for r in summary.itertuples(index=False):
        rows += [{"类别": r.类别, "环节": "待审核", "金额（万元）": r[2], "笔数": r[1]},
                 {"类别": r.类别, "环节": "待拨付", "金额（万元）": r[4], "笔数": r[3]},
                 {"类别": r.类别, "环节": "其中逾期未拨付", "金额（万元）": r[6], "笔数": r[5]}]
    data = pd.DataFrame(rows)
    order = ["待审核", "待拨付", "其中逾期未拨付"]
    return (
        alt.Chart(data).mark_bar().encode(
            y=alt.Y("类别:N", title=None, sort=list(fiscal.KINDS)),
            yOffset=alt.YOffset("环节:N", sort=order),
            x=alt.X("金额（万元）:Q", title="未拨付金额（万元）"),
            color=alt.Color("环节:N", sort=order, title=None, legend=alt.Legend(orient="top"),
                            scale=alt.Scale(domain=order, range=["#90A4AE", ACCENT, PALETTE[WARN]])),
            tooltip=["类别:N", "环节:N", alt.Tooltip("金额（万元）:Q", format=",.2f"), alt.Tooltip("笔数:Q", format=",d")],
        ).properties(height=alt.Step(14), title="待审核、待拨付与逾期未拨付（万元）")
    )


def zone_chart(trend: pd.DataFrame) -> alt.LayerChart:
    """示范区资金 当年支出进度 (bars) against the 序时进度 line, both %."""
    x = alt.X("月份:O", title=None, axis=alt.Axis(labelAngle=-45))
    bars = alt.Chart(trend).mark_bar(color=ACCENT, opacity=0.85).encode(
        x=x, y=alt.Y("支出进度（%）:Q", title="占当年可用资金（%）", scale=alt.Scale(domain=[0, 100])),
        tooltip=["月份", alt.Tooltip("支出进度（%）:Q", format=".1f"), alt.Tooltip("序时进度（%）:Q", format=".1f"),
                 alt.Tooltip("当年累计支出（万元）:Q", format=",.2f")])
    line = alt.Chart(trend).mark_line(color=PALETTE[WARN], strokeDash=[6, 4], strokeWidth=2, point=True).encode(
        x=x, y="序时进度（%）:Q", tooltip=["月份", alt.Tooltip("序时进度（%）:Q", format=".1f")])
    last = trend.tail(1).assign(标注="序时进度")
    label = alt.Chart(last).mark_text(align="left", dx=8, fontSize=14, color=PALETTE[WARN]).encode(
        x=x, y="序时进度（%）:Q", text="标注:N")
    return alt.layer(bars, line, label).properties(height=340, title="示范区资金当年支出进度与序时进度（%）")


def fund_chart(flows: pd.DataFrame) -> alt.LayerChart:
    """风险补偿金 month-end balance (line) over its payouts and recoveries (bars), 万元."""
    x = alt.X("月份:O", title=None, axis=alt.Axis(labelAngle=-45))
    moves = flows.melt(id_vars=["月份"], value_vars=["代偿拨付（万元）", "追回（万元）"], var_name="项目", value_name="金额（万元）")
    bars = alt.Chart(moves).mark_bar().encode(
        x=x, xOffset="项目:N", y=alt.Y("金额（万元）:Q", title="代偿拨付与追回（万元）"),
        color=alt.Color("项目:N", title=None, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(range=[PALETTE[WARN], "#2E7D32"])),
        tooltip=["月份", "项目", alt.Tooltip("金额（万元）:Q", format=",.2f")])
    line = alt.Chart(flows).mark_line(color="#263238", point=True).encode(
        x=x, y=alt.Y("月末余额（万元）:Q", title="月末余额（万元）", axis=alt.Axis(format=",.0f")),
        tooltip=["月份", alt.Tooltip("月末余额（万元）:Q", format=",.2f")])
    return alt.layer(bars, line).resolve_scale(y="independent").properties(
        height=300, title="风险补偿金：代偿拨付、追回与月末余额（万元）")
