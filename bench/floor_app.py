"""The floor page of the load and latency benchmarks (never part of the app).

What a page of this size costs in Streamlit alone: 20 metrics, a 300-row
table and 2 Altair charts, drawn from cached data, with a sidebar town filter
and a what-if slider bound to the URL like the app's. Served on its own with
``streamlit run bench/floor_app.py``; bench/loadtest.py and bench/latency.py
measure it in the same run as the app's pages and report the ratio.
"""
import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

alt.utils.schemapi.disable_debug_mode()
st.set_page_config(page_title="floor", layout="wide")
TOWNS = [f"乡镇{i:02d}" for i in range(15)]


@st.cache_data
def frame(towns: tuple[str, ...]) -> pd.DataFrame:
    rng = np.random.default_rng(len(towns))
    return pd.DataFrame({
        "序号": np.arange(300),
        "乡镇": [TOWNS[i % 15] for i in range(300)] if not towns else [towns[i % len(towns)] for i in range(300)],
        "余额（万元）": rng.integers(1_000, 90_000, 300) / 100,
        "逾期率（%）": rng.random(300) * 5,
        "笔数": rng.integers(1, 400, 300),
    })


with st.sidebar:
    towns = st.multiselect("乡镇", TOWNS, key="town", bind="query-params", placeholder="全县")
df = frame(tuple(towns))
st.title("floor")
for start in range(0, 20, 5):
    for i, col in enumerate(st.columns(5)):
        with col.container(border=True):
            n = start + i
            st.metric(f"指标 {n + 1}", f"{df['余额（万元）'].iloc[n]:,.2f} 万元", delta=f"{df['逾期率（%）'].iloc[n]:.2f}",
                      delta_description="较上月")
            st.caption("同比")
share = st.slider("情景比例", 0.0, 1.0, 0.1, 0.01, key="share", bind="query-params", format="percent")
st.caption("情景结果 " + f"{df['余额（万元）'].sum() * share:,.2f} 万元")
left, right = st.columns(2)
by_town = df.groupby("乡镇", as_index=False)["余额（万元）"].sum()
left.altair_chart(alt.Chart(by_town).mark_bar().encode(x="乡镇:N", y="余额（万元）:Q"), width="stretch")
right.altair_chart(alt.Chart(df).mark_line(point=True).encode(x="序号:Q", y="逾期率（%）:Q"), width="stretch")
st.dataframe(df, hide_index=True, column_config={"余额（万元）": st.column_config.NumberColumn(format="%,.2f")})
