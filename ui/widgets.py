"""KPI rows, tables and export buttons used by several pages."""
from __future__ import annotations

import io
from typing import Sequence

import pandas as pd
import streamlit as st

from finance_core import exports
from finance_core.kpi import Kpi


def kpi_row(kpis: Sequence[Kpi], per_row: int = 5) -> None:
    """A row of metrics: value, change vs previous month, and the comparison base."""
    for start in range(0, len(kpis), per_row):
        chunk = kpis[start:start + per_row]
        cols = st.columns(per_row)
        for col, k in zip(cols, chunk):
            with col:
                with st.container(border=True, height="stretch"):
                    base = k.delta_base_text()
                    help_text = "\n\n".join(x for x in (k.help, base) if x) or None
                    st.metric(
                        k.label,
                        k.text(),
                        delta=k.delta_prev(),
                        delta_description="较上月" if k.delta_prev() is not None else None,
                        delta_color="normal" if k.good_when_up else "inverse",
                        help=help_text,
                    )
                    caption = base or "　"
                    if k.flag:
                        caption = f":red[**{k.flag}**]" + (f" · {base}" if base else "")
                    st.caption(caption)


def export_buttons(tables: dict[str, pd.DataFrame], header: dict[str, str], stem: str) -> None:
    """One Excel workbook (a sheet per table plus a header sheet) and a CSV per table."""
    cols = st.columns(1 + len(tables))
    with cols[0]:
        st.download_button(
            "下载 Excel",
            data=exports.workbook(tables, header),
            file_name=f"{stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:",
            key=f"xlsx_{stem}",
        )
    for col, (name, df) in zip(cols[1:], tables.items()):
        with col:
            st.download_button(
                f"{name} CSV",
                data=exports.csv_bytes(df),
                file_name=f"{stem}-{name}.csv",
                mime="text/csv",
                icon=":material/table:",
                key=f"csv_{stem}_{name}",
            )


def progress_table(table: pd.DataFrame) -> None:
    """Targets with 完成率 against 序时进度; rows behind schedule in red."""
    shown = table.drop(columns=["key"])

    def colour(row):
        bad = row["进度"] == "落后"
        return ["color: #B71C1C" if bad else "color: #1B5E20" if c == "进度" else "" for c in row.index]

    styled = shown.style.apply(colour, axis=1).format(
        {"全年目标": "{:,.2f}", "累计完成": "{:,.2f}", "完成率": "{:.1%}", "序时进度": "{:.1%}"},
        na_rep="—",
    )
    st.dataframe(styled, hide_index=True, alt="年度目标完成率与序时进度")
