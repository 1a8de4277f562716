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
    """One Excel workbook (a sheet per table plus a header sheet) and a CSV per
    table, as buttons that wrap onto more lines when there are many tables.

    The files are built only when a button is clicked (``data`` is a callable),
    so a rerun does not pay for exports nobody asked for.
    """
    with st.container(horizontal=True):
        st.download_button(
            "下载 Excel",
            data=lambda: exports.workbook(tables, header),
            file_name=f"{stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:",
            key=f"xlsx_{stem}",
            on_click="ignore",
            width="content",
        )
        for name, df in tables.items():
            st.download_button(
                f"{name} CSV",
                data=lambda df=df: exports.csv_bytes(df),
                file_name=f"{stem}-{name}.csv",
                mime="text/csv",
                icon=":material/table:",
                key=f"csv_{stem}_{name}",
                on_click="ignore",
                width="content",
            )


def progress_table(table: pd.DataFrame) -> None:
    """Targets with 完成率 against 序时进度 (percent, one decimal); every row shown."""
    shown = table.drop(columns=["key"]).copy()
    shown["完成率"] = shown["完成率"] * 100
    shown["序时进度"] = shown["序时进度"] * 100
    shown["进度"] = shown["进度"].fillna("—")
    st.dataframe(
        shown,
        hide_index=True,
        alt="年度目标完成率与序时进度",
        height=36 * (len(shown) + 1) + 4,
        column_config={
            "全年目标": st.column_config.NumberColumn(format="%.2f"),
            "累计完成": st.column_config.NumberColumn(format="%.2f"),
            "完成率": st.column_config.ProgressColumn("完成率", format="%.1f%%", min_value=0, max_value=100),
            "序时进度": st.column_config.NumberColumn("序时进度", format="%.1f%%"),
        },
    )


def flagged_table(df: pd.DataFrame, flag_col: str | None = None, bad: Sequence[str] = (),
                  alt: str | None = None, formats: dict[str, str] | None = None) -> None:
    """A table with amounts (columns naming 万元/亿元) shown with thousands
    separators and two decimals, percentages (columns naming %) with one
    decimal, missing values as '—', and the rows whose ``flag_col`` is in
    ``bad`` in red. ``formats`` overrides the format of named columns."""
    fmt = {c: "{:,.0f}" for c in df.columns if pd.api.types.is_integer_dtype(df[c])}
    for c in df.columns:
        if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_integer_dtype(df[c]):
            fmt[c] = "{:,.2f}" if ("万元" in c or "亿元" in c) else "{:.1f}" if "%" in c else "{:,.2f}"
    fmt |= formats or {}
    df = df.copy()
    for c in df.columns:  # Streamlit shows a missing text cell as "None" whatever na_rep says
        if df[c].dtype == object:
            df[c] = df[c].where(df[c].notna(), "—")
    styled = df.style.format(na_rep="—").format(fmt, na_rep="—")
    if flag_col is not None and flag_col in df.columns:
        styled = styled.apply(
            lambda row: ["color: #B71C1C; font-weight: 600" if row[flag_col] in bad else ""
                         for _ in row.index], axis=1)
    st.dataframe(styled, hide_index=True, alt=alt)

