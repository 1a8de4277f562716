"""KPI rows, tables and export buttons used by several pages."""
from __future__ import annotations

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
                    if k.note:   # a missing submission behind the figure (DESIGN.md "Completeness")
                        caption += f"  \n:orange[{k.note}]"
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


ALERT_MARK = "⚠ "
ALERT_OK = ("", "—", "正常", "已报送", "领先")


def _number_format(col: str, values: pd.Series) -> tuple[str, str] | None:
    """(grid printf format, the same as a Python format) for a number column:
    万元/亿元 two decimals, (%) one, counts with separators; None for text."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return None  # text (object columns holding only numbers are converted by the caller)
    if "万元" in col or "亿元" in col:
        return "%,.2f", "{:,.2f}"
    if "%" in col:
        return "%.1f", "{:.1f}"
    if col in ("评定年度", "排名", "年度"):
        return "%d", "{:.0f}"
    if pd.api.types.is_integer_dtype(values) or values.dropna().mod(1).eq(0).all():
        return "%,d", "{:,.0f}"
    return "%,.2f", "{:,.2f}"


def _printf(python_format: str) -> str:
    """'{:,.2f}' -> '%,.2f'; whole numbers as '%,d'."""
    body = python_format.strip("{}").lstrip(":")
    if body.endswith(".0f"):
        return "%,d" if "," in body else "%d"
    return "%" + body


def table(df: pd.DataFrame, alt: str | None = None, height: int | str = "auto",
          alert_cols: Sequence[str] = (), ok_values: Sequence[str] = ALERT_OK,
          formats: dict[str, str] | None = None) -> None:
    """A table with amounts (columns naming 万元/亿元) to two decimals, percentages
    (columns naming %) to one, counts with separators, missing values as '—', and
    alerts (a value of an ``alert_cols`` column not in ``ok_values``) marked ⚠.

    Formats are column settings, not a pandas Styler: a Styler is marshalled on
    every rerun and costs about a second per thousand rows. Streamlit draws a
    missing number as "None", so a number column with gaps goes as
    right-aligned text with "—". ``formats`` (Python format strings) overrides
    the format of named columns.
    """
    data, config = df.copy(), {}
    formats = formats or {}
    for col in data.columns:
        if data[col].dtype == object:
            try:  # numbers with gaps arrive as an object column
                data[col] = pd.to_numeric(data[col])
            except (ValueError, TypeError):
                pass
        pattern = _number_format(col, data[col])
        if pattern is not None and col in formats:
            pattern = (_printf(formats[col]), formats[col])
        missing = data[col].isna()
        if pattern is None:
            data[col] = [("—" if m else (ALERT_MARK + str(v) if col in alert_cols and v not in ok_values else v))
                         for v, m in zip(data[col].astype(object), missing)]
            if col in alert_cols:
                config[col] = st.column_config.TextColumn(col, width="medium")
        elif missing.any():
            data[col] = ["—" if m else pattern[1].format(v) for v, m in zip(data[col], missing)]
            config[col] = st.column_config.TextColumn(col, alignment="right")
        else:
            data[col] = pd.to_numeric(data[col])
            config[col] = st.column_config.NumberColumn(col, format=pattern[0])
    st.dataframe(data, hide_index=True, height=height, alt=alt, column_config=config)


def flagged_table(df: pd.DataFrame, flag_col: str | None = None, bad: Sequence[str] = (),
                  alt: str | None = None, formats: dict[str, str] | None = None) -> None:
    """:func:`table` where the rows whose ``flag_col`` is in ``bad`` are marked ⚠."""
    ok = tuple(v for v in df[flag_col].dropna().unique() if v not in bad) if flag_col in df.columns else ()
    table(df, alt=alt, alert_cols=(flag_col,) if flag_col in df.columns else (), ok_values=ok + ALERT_OK,
          formats=formats)


def chart(spec, container=None, **kwargs) -> None:
    """``st.altair_chart`` without re-validating the spec on every rerun.

    Altair checks a chart against the Vega-Lite JSON schema each time it is
    turned into a dict, which costs more than drawing the rest of a page. Our
    charts are fixed code (their specs are checked by the page tests), so the
    spec is built without that check. ``container`` is a column or container
    to draw in (default: the current one).
    """
    import functools

    object.__setattr__(spec, "to_dict", functools.partial(type(spec).to_dict, spec, validate=False))
    (container or st).altair_chart(spec, **kwargs)
