"""Exports: an Excel workbook per page (xlsxwriter) and CSV per table.

CSV: text cells that a spreadsheet would run as a formula (starting with ``=``,
``+``, ``-``, ``@``, tab or carriage return, at the start of the text or of any
line in it) are prefixed with ``'`` so a malicious name in the data cannot run
in Excel or LibreOffice; UTF-8 with BOM so Excel opens Chinese text correctly,
CRLF line ends and every text field quoted, so a line break inside a field
never starts a new row.

Workbooks: every text cell is written with xlsxwriter's ``write_string``, so
text that looks like a formula stays text (no prefix needed). Numbers stay
numbers, with formats taken from the column name: 万元/亿元 ``#,##0.00``,
counts ``#,##0``, rates ``0.0%`` (a column named ``…（%）`` holds percent
points and is written as a fraction), multiples ``0.00``. Each sheet opens with
a title row (page and table, scope, 截至X月末, 单位), freezes and filters its
header, sizes columns from their content and prints on A4 landscape, one page
wide, with the header repeated on every page.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import math
import re
import unicodedata
from typing import Callable, Mapping, Sequence

import pandas as pd
import xlsxwriter

from . import money
from .kpi import COUNT, MONEY, MULTIPLE, RATIO, Kpi

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MIME_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MISSING = "—"
HEADER_ROW = 3             # 0-based row of a table sheet's column headers (title rows above)

# number formats (Excel codes), one definition each
FMT_MONEY = "#,##0.00"
FMT_COUNT = "#,##0"
FMT_RATE = "0.0%"
FMT_MULTIPLE = "0.00"
FMT_PLAIN = "0"            # years, ranks: no thousands separator
FMT_DECIMAL = "#,##0.00"
FMT_POINTS = '+0.0"个百分点";-0.0"个百分点";0.0"个百分点"'
FMT_SIGNED_MONEY = "+#,##0.00;-#,##0.00;0.00"
FMT_SIGNED_COUNT = "+#,##0;-#,##0;0"
FMT_SIGNED_MULTIPLE = '+0.00"倍";-0.00"倍";0.00"倍"'
PLAIN_COLUMNS = ("排名", "评定年度", "年度")
TEXT_MAX = 24              # widest text column (characters of width); longer text wraps
# a table with a 单位 column: each row's numbers take the format of its unit
UNIT_FORMATS = {"万元": FMT_MONEY, "亿元": FMT_MONEY, "元": FMT_MONEY, "%": FMT_RATE, "倍": FMT_MULTIPLE,
                "个月": "0.0", "户": FMT_COUNT, "笔": FMT_COUNT, "家": FMT_COUNT, "个": FMT_COUNT,
                "人": FMT_COUNT, "次": FMT_COUNT, "人次": FMT_COUNT, "村": FMT_COUNT}


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


# --- sheets ------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Sheet:
    """A table with what its sheet needs beyond the frame.

    ``formats`` maps a column to an Excel number format (overrides the
    column-name rule; use :data:`FMT_RATE` with ``ratio_columns`` for columns
    that already hold fractions). ``cell_format(row, column)`` may return a
    format for one cell (KPI sheets mix units in a column); ``percent_points``
    is False when a ``（%）`` column already holds fractions."""
    df: pd.DataFrame
    unit: str | None = None                      # the title row's 单位; None: from the columns
    formats: Mapping[str, str] = dataclasses.field(default_factory=dict)
    ratio_columns: Sequence[str] = ()            # columns holding fractions, shown 0.0%
    cell_format: Callable[[int, str], str | None] | None = None
    title: str | None = None                     # default: the sheet's name


@dataclasses.dataclass(frozen=True)
class Context:
    """What the title row says: page, scope and data month."""
    page: str = ""
    scope: str = ""
    as_of: str = ""

    @classmethod
    def from_header(cls, header: Mapping[str, str]) -> "Context":
        scope = str(header.get("筛选范围") or header.get("范围") or "")
        as_of = str(header.get("数据月份") or "")
        if " · 数据月份 " in scope:                      # scope_label() carries the month
            scope, _, month = scope.rpartition(" · 数据月份 ")
            as_of = as_of or month
        return cls(str(header.get("页面") or ""), scope, as_of)

    def month_text(self) -> str:
        if len(self.as_of) == 7 and self.as_of[4] == "-":
            return f"截至{int(self.as_of[:4])}年{int(self.as_of[5:])}月末"
        return ""


def _is_missing(v) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float) and math.isnan(v)


def _numeric(series: pd.Series) -> pd.Series | None:
    """The column as numbers when every present value is a number (object
    columns of ints included); None for text."""
    if pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_numeric_dtype(series):
        return series
    present = series[~series.map(_is_missing)]
    if present.empty or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return None
    return series


def column_format(col: str, values: pd.Series) -> str:
    """The Excel format of a number column, from its name and values."""
    if "万元" in col or "亿元" in col or "元）" in col:
        return FMT_MONEY
    if "%" in col:
        return FMT_RATE
    if col in PLAIN_COLUMNS or col.endswith("年度"):
        return FMT_PLAIN
    if "倍" in col:
        return FMT_MULTIPLE
    present = pd.to_numeric(values[~values.map(_is_missing)], errors="coerce")
    if present.empty or (present % 1 == 0).all():
        return FMT_COUNT
    return FMT_DECIMAL


def sheet_unit(df: pd.DataFrame) -> str:
    """'万元' / '亿元、万元' from the columns; counts and rates say their unit in the header."""
    units = [u for u in ("亿元", "万元") if any(u in str(c) for c in df.columns)]
    if "单位" in df.columns:
        return "见“单位”列"
    return "、".join(units) + ("（户数、笔数、比率见列名）" if units else "") if units else "见列名"


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _shown(value, fmt: str | None) -> str:
    """Roughly the text Excel shows, for column widths."""
    if isinstance(value, str):
        return value
    if fmt == FMT_RATE:
        return f"{value * 100:.1f}%"
    if fmt in (FMT_COUNT, FMT_SIGNED_COUNT):
        return f"+{value:,.0f}"
    if fmt == FMT_PLAIN:
        return f"{value:.0f}"
    if fmt == FMT_POINTS:
        return f"+{value:.1f}个百分点"
    return f"+{value:,.2f}"


def _sheet_name(name: str, used: set[str]) -> str:
    clean = "".join("_" if c in '[]:*?/\\' else c for c in name)[:31] or "Sheet"
    base, n = clean, 2
    while clean in used:
        suffix = f"_{n}"
        clean = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(clean)
    return clean


class _Formats:
    """xlsxwriter formats, created once per workbook and per number format."""

    def __init__(self, wb):
        self.wb = wb
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        self.base = base
        self.title = wb.add_format({**base, "bold": True, "font_size": 14})
        self.subtitle = wb.add_format({**base, "font_color": "#404040"})
        self.header = wb.add_format({**base, "bold": True, "text_wrap": True, "align": "center",
                                     "border": 1, "bg_color": "#E8EEF4"})
        self.text = wb.add_format({**base, "border": 1})
        self.wrapped = wb.add_format({**base, "border": 1, "text_wrap": True})
        self.missing = wb.add_format({**base, "border": 1, "align": "center", "font_color": "#808080"})
        self.key = wb.add_format({**base, "bold": True})
        self.wrap = wb.add_format({**base, "text_wrap": True, "valign": "top"})
        self._numbers: dict[str, object] = {}

    def number(self, code: str):
        if code not in self._numbers:
            self._numbers[code] = self.wb.add_format({**self.base, "border": 1, "num_format": code})
        return self._numbers[code]


def _print_setup(ws, header_row: int, last_col: int) -> None:
    ws.set_paper(9)                     # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)               # one page wide, as many tall as needed
    ws.repeat_rows(header_row)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.set_footer("&C第 &P 页，共 &N 页")


def _write_info(wb, fm: _Formats, header: Mapping[str, str], ctx: Context) -> None:
    ws = wb.add_worksheet("说明")
    ws.write_string(0, 0, " · ".join(x for x in (ctx.page, "导出说明") if x), fm.title)
    row = 2
    for key, value in header.items():
        ws.write_string(row, 0, str(key), fm.key)
        ws.write_string(row, 1, str(value), fm.wrap)
        row += 1
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 80)
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _write_sheet(wb, fm: _Formats, name: str, sheet: Sheet, ctx: Context) -> None:
    ws = wb.add_worksheet(name)
    df = sheet.df.reset_index(drop=True)
    cols = [str(c) for c in df.columns]
    ncols = max(1, len(cols))
    title = " · ".join(x for x in (ctx.page, sheet.title or name) if x)
    unit = sheet.unit if sheet.unit is not None else sheet_unit(df)
    sub = "　".join(x for x in (f"范围：{ctx.scope}" if ctx.scope else "", ctx.month_text(),
                               f"单位：{unit}" if unit else "") if x)
    ws.write_string(0, 0, title, fm.title)
    ws.write_string(1, 0, sub, fm.subtitle)
    ws.set_row(0, 22)
    header_row = HEADER_ROW
    ws.set_row(header_row, 42)                              # three lines of a wrapped header
    widths = [min(_display_width(c), 10) for c in cols]    # a long header wraps
    numeric = {c: _numeric(df[c]) for c in cols}
    col_formats = {}
    for c in cols:
        if c in sheet.formats:
            col_formats[c] = sheet.formats[c]
        elif c in sheet.ratio_columns:
            col_formats[c] = FMT_RATE
        elif numeric[c] is not None:
            col_formats[c] = column_format(c, df[c])
    row_units = list(df["单位"]) if "单位" in cols else None
    # long text wraps in a column of TEXT_MAX, so a sheet of notes stays legible one page wide
    wrap = {c for c in cols if numeric[c] is None and not df.empty
            and df[c].map(lambda v: _display_width(str(v))).max() > TEXT_MAX}
    for j, c in enumerate(cols):
        ws.write_string(header_row, j, c, fm.header)
    for i, row in enumerate(df.itertuples(index=False), start=header_row + 1):
        if wrap:   # xlsxwriter cannot autofit: the row is as tall as its longest wrapped text
            lines = max(-(-_display_width(str(v)) // (TEXT_MAX + 2)) for c, v in zip(cols, row) if c in wrap)
            if lines > 1:
                ws.set_row(i, 13.5 * lines)
        for j, (c, v) in enumerate(zip(cols, row)):
            if hasattr(v, "item") and not isinstance(v, str):
                v = v.item()
            if _is_missing(v):
                ws.write_string(i, j, MISSING, fm.missing)
                shown = MISSING
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                code = sheet.cell_format(i - header_row - 1, c) if sheet.cell_format else None
                if code is None and c in sheet.formats:
                    code = sheet.formats[c]
                elif code is None and c in sheet.ratio_columns:
                    code = FMT_RATE
                elif code is None and "%" in c:
                    code, v = FMT_RATE, v / 100       # a （%） column holds percent points
                elif code is None and row_units is not None:
                    code = UNIT_FORMATS.get(str(row_units[i - header_row - 1]))
                code = code or col_formats.get(c) or column_format(c, pd.Series([v]))
                ws.write_number(i, j, v, fm.number(code))
                shown = _shown(v, code)
            else:
                ws.write_string(i, j, str(v), fm.wrapped if c in wrap else fm.text)
                shown = str(v)
            widths[j] = max(widths[j], min(_display_width(shown), TEXT_MAX) if c in wrap else _display_width(shown))
    last_row = header_row + len(df)
    for j, w in enumerate(widths):
        ws.set_column(j, j, min(60, max(8, w + 2)))
    ws.freeze_panes(header_row + 1, 0)
    ws.autofilter(header_row, 0, max(last_row, header_row), ncols - 1)
    _print_setup(ws, header_row, ncols - 1)


def write_workbook(sheets: Mapping[str, pd.DataFrame | Sheet], header: Mapping[str, str],
                   ctx: Context | None = None, info: bool = True) -> bytes:
    """The workbook bytes: a '说明' sheet (``header``), then a sheet per table."""
    ctx = ctx or Context.from_header(header)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False, "strings_to_numbers": False,
                                   "nan_inf_to_errors": True})
    wb.set_properties({"title": ctx.page or "导出", "comments": ctx.scope})
    fm = _Formats(wb)
    used = {"说明"}
    if info:
        _write_info(wb, fm, header, ctx)
    for name, table in sheets.items():
        sheet = table if isinstance(table, Sheet) else Sheet(table)
        _write_sheet(wb, fm, _sheet_name(name, used), sheet, ctx)
    wb.close()
    return buf.getvalue()


def frame(table: pd.DataFrame | Sheet) -> pd.DataFrame:
    """The frame of a table or Sheet (for CSV)."""
    return table.df if isinstance(table, Sheet) else table


def workbook(tables: Mapping[str, pd.DataFrame | Sheet], header: Mapping[str, str],
             ctx: Context | None = None) -> bytes:
    """A page's workbook: a '说明' sheet with the filters and data month, then
    one sheet per table (see the module note for formats and print set-up)."""
    return write_workbook(tables, header, ctx)


# --- KPI rows as numbers --------------------------------------------------------------
_VALUE_FORMAT = {MONEY: FMT_MONEY, RATIO: FMT_RATE, MULTIPLE: FMT_MULTIPLE, COUNT: FMT_COUNT}
_DELTA_FORMAT = {MONEY: FMT_SIGNED_MONEY, RATIO: FMT_POINTS, MULTIPLE: FMT_SIGNED_MULTIPLE,
                 COUNT: FMT_SIGNED_COUNT}


def _kpi_number(kind: str, v):
    if v is None:
        return None
    if kind == MONEY:
        return money.to_wan(v, 2)
    return v


def _kpi_delta(kind: str, v, other):
    if v is None or other is None:
        return None
    if kind == MONEY:
        return money.to_wan(v - other, 2)
    if kind == RATIO:
        return round((v - other) * 100, 1)          # 个百分点
    return v - other


def kpi_unit(k: Kpi) -> str:
    return {MONEY: "万元", RATIO: "%", MULTIPLE: "倍"}.get(k.kind, k.unit or "个")


def kpi_sheet(kpis: Sequence[Kpi], area: str | None = None) -> Sheet:
    """KPIs as numbers: 指标, 单位, 数值, 较上月, 同比 (changes: amounts in 万元,
    rates in 个百分点, multiples in 倍), 提示, 数据说明 (a missing submission behind
    the figure). Money is in 万元 whatever the tile shows."""
    rows = []
    for k in kpis:
        row = {"领域": area} if area is not None else {}
        row.update({"指标": k.label, "单位": kpi_unit(k), "数值": _kpi_number(k.kind, k.value),
                    "较上月": _kpi_delta(k.kind, k.value, k.prev),
                    k.base_label: _kpi_delta(k.kind, k.value, k.base), "提示": k.flag or "",
                    "数据说明": getattr(k, "note", None) or ""})     # a missing submission behind the figure
        rows.append((k.kind, row))
    return kpi_rows_sheet(rows)


def kpi_rows_sheet(rows: Sequence[tuple[str, dict]]) -> Sheet:
    """(kind, row) pairs -> a Sheet whose numbers take their row's format."""
    kinds = [kind for kind, _ in rows]
    df = pd.DataFrame([r for _, r in rows])
    value_cols = {"数值"}

    def fmt(i: int, col: str) -> str | None:
        kind = kinds[i]
        if col in value_cols:
            return _VALUE_FORMAT.get(kind)
        if col not in ("领域", "指标", "单位", "提示", "数据说明"):
            return _DELTA_FORMAT.get(kind)
        return None
    return Sheet(df, unit="见“单位”列；较上月、同比：金额为万元，比率为个百分点", cell_format=fmt)
