"""Exports: an Excel workbook per page and CSV per table.

Text cells that a spreadsheet would run as a formula (starting with ``=``,
``+``, ``-``, ``@``, tab or carriage return) are prefixed with ``'`` so a
malicious name in the data cannot run in Excel. Numbers are left as numbers.
CSV is UTF-8 with BOM so Excel opens Chinese text correctly.
"""
from __future__ import annotations

import io
from typing import Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """Neutralise a text cell that would start a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def escape_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.columns = [escape_cell(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(escape_cell)
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    return escape_frame(df).to_csv(index=False).encode("utf-8-sig")


def _sheet_name(name: str, used: set[str]) -> str:
    clean = "".join("_" if c in '[]:*?/\\' else c for c in name)[:31] or "Sheet"
    base, n = clean, 2
    while clean in used:
        suffix = f"_{n}"
        clean = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(clean)
    return clean


def workbook(tables: Mapping[str, pd.DataFrame], header: Mapping[str, str]) -> bytes:
    """A workbook: a '说明' sheet with the filters and data month, then one
    sheet per table."""
    wb = Workbook()
    info = wb.active
    info.title = "说明"
    for key, value in header.items():
        info.append([escape_cell(str(key)), escape_cell(str(value))])
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 60
    used = {"说明"}
    for name, df in tables.items():
        ws = wb.create_sheet(_sheet_name(name, used))
        frame = escape_frame(df)
        ws.append(list(frame.columns))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            ws.append([None if (isinstance(v, float) and pd.isna(v)) else
                       (v.item() if hasattr(v, "item") else v) for v in row])
        for i, col in enumerate(frame.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(str(col)) * 2 + 2))
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
