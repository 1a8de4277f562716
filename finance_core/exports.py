"""Exports: an Excel workbook per page and CSV per table.

Text cells that a spreadsheet would run as a formula (starting with ``=``,
``+``, ``-``, ``@``, tab or carriage return, at the start of the text or of
any line in it) are prefixed with ``'`` so a malicious name in the data cannot
run in Excel or LibreOffice. Numbers are left as numbers. CSV is UTF-8 with BOM
so Excel opens Chinese text correctly, with CRLF line ends and every text field
quoted, so a line break inside a field never starts a new row.
"""
from __future__ import annotations

import csv
import io
import re
from typing import Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# what a spreadsheet may take as the end of a line (and so the start of a cell)
LINE_BREAK = re.compile("(\r\n|[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029])")


def escape_cell(value):
    """Neutralise a text cell that would start a formula, at its start and
    after every line break inside it."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_PREFIXES):
        value = "'" + value
    if LINE_BREAK.search(value):
        parts = LINE_BREAK.split(value)   # text, break, text, break, ...
        value = "".join("'" + p if i % 2 == 0 and i and p.startswith(FORMULA_PREFIXES) else p
                        for i, p in enumerate(parts))
    return value


def escape_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.columns = [escape_cell(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(escape_cell)
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 (BOM) CSV: every text field quoted (so separators and line breaks
    stay inside their cell), numbers bare, formula starts escaped."""
    return escape_frame(df).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC,
                                   lineterminator="\r\n").encode("utf-8-sig")


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
