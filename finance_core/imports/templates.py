"""Excel templates (and exports in the template's layout) for each feed.

A template has a '数据' sheet with the Chinese headers (a note on each header
cell, drop-down lists where the column is an enumeration, text format where
Excel would otherwise mangle the value: months, ID numbers, codes), a '说明'
sheet explaining every column, and a hidden '选项' sheet holding the lists.
Exported data uses the same layout, so a downloaded month can be corrected
and imported again. Text cells are formula-escaped (finance_core.exports).
"""
from __future__ import annotations

import io

import pandas as pd
import sqlite_utils
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .. import config, exports
from . import limits
from .feeds import FEEDS, Feed, Ref
from .reader import DATA_SHEET

TEXT_KINDS = ("month", "text", "id", "enum")
REQUIRED_FILL = PatternFill("solid", fgColor="DDEBF7")
OPTIONAL_FILL = PatternFill("solid", fgColor="EDEDED")
KIND_TEXT = {
    "month": "月份（文本）", "date": "日期", "int": "整数", "money": "金额（元，整数）", "rate": "百分数",
    "bool": "是/否", "text": "文本", "id": "身份证号（文本）", "enum": "从列表选择", "raw": "数值",
}
GENERAL_NOTES = (
    "填写说明",
    "1. 请在“数据”工作表中从第 2 行开始填写，每行一条记录；不要修改、合并或删除表头。",
    "2. 文件中只要有一处错误，整个文件都不会导入；页面会列出每个错误的行号、列名和原因，改正后重新上传即可。",
    "3. 上传后先显示预览（新增、更新、不变的行数），确认后点击“确认导入”才会写入。",
    "4. 同一个文件重复导入不会改变任何数据；导入错了可以在“导入记录”中撤销最近一次导入。",
    "5. 也可以上传 CSV 文件（UTF-8、带 BOM 的 UTF-8 或 GB18030/GBK 编码），第一行为同样的列名。",
    "6. 不接受启用宏的工作簿（.xlsm）、二进制工作簿（.xlsb）和旧版 .xls 文件，请另存为 .xlsx。",
    f"7. 日期和月份须在合理范围内：不早于 {config.THRESHOLDS.earliest_year} 年，发生日期和数据月份不能晚于今天（本月），"
    f"到期日期最晚为今天之后 {config.THRESHOLDS.maturity_horizon_years} 年。",
    "8. 文字只能写一行（进展、问题等说明栏可换行），不能含有看不见的字符（如零宽空格、文字方向控制符）；"
    "身份证号只能填在“身份证号”列。数字的千位分隔符只能每三位一个，户数等整数不要写小数点或科学计数法。",
    *(f"{9 + i}. 上限：{line}。" for i, line in enumerate(limits.described())),
)


def _escape_line(text: str) -> str:
    return "'" + text if text.startswith(("'", *exports.FORMULA_PREFIXES)) else text


def _cell(value):
    """Formula-escape a text cell (its start and the start of every line in
    it); a line that itself starts with ' gets one more, so that reading back
    (cells.text) restores it exactly."""
    if isinstance(value, str):
        parts = exports.LINE_BREAK.split(value)   # text, break, text, ...
        return "".join(_escape_line(p) if i % 2 == 0 else p for i, p in enumerate(parts))
    if hasattr(value, "item"):
        return value.item()
    return value


def workbook(db: sqlite_utils.Database, feed_key: str, rows: list[tuple] | None = None) -> bytes:
    """The feed's template as .xlsx bytes, with ``rows`` (in column order) filled in."""
    feed = FEEDS[feed_key]
    ref = Ref(db)
    rows = rows or []
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    ws.append([c.header for c in feed.columns])
    for i, col in enumerate(feed.columns, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True)
        cell.fill = REQUIRED_FILL if col.required else OPTIONAL_FILL
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(("必填。" if col.required else "选填。") + col.note, "模板")
        ws.column_dimensions[get_column_letter(i)].width = max(col.width, len(col.header) * 2 + 2)
    for row in rows:
        ws.append([_cell(v) for v in row])
    last = max(len(rows) + 1, 1000)
    for i, col in enumerate(feed.columns, start=1):
        if col.kind in TEXT_KINDS:   # Excel would turn 2026-11 into a date, an ID number into 9.9E+17
            ws.column_dimensions[get_column_letter(i)].number_format = "@"
    ws.freeze_panes = "A2"
    _validations(wb, ws, feed, ref, last)
    _notes(wb, feed)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _validations(wb: Workbook, ws, feed: Feed, ref: Ref, last: int) -> None:
    lists = wb.create_sheet("选项")
    lists.sheet_state = "hidden"
    n = 0
    for i, col in enumerate(feed.columns, start=1):
        if not col.choices:
            continue
        labels = ref.labels(col.choices)
        if not labels:
            continue
        n += 1
        letter = get_column_letter(n)
        lists.cell(row=1, column=n, value=col.header)
        for r, label in enumerate(labels, start=2):
            lists.cell(row=r, column=n, value=_cell(label))
        strict = col.kind in ("enum", "bool")
        dv = DataValidation(type="list", formula1=f"'选项'!${letter}$2:${letter}${len(labels) + 1}",
                            allow_blank=True, showErrorMessage=strict, showDropDown=False)
        if strict:
            dv.errorTitle = "无效的值"
            dv.error = f"请从下拉列表中选择{col.header}"
        ws.add_data_validation(dv)
        target = get_column_letter(i)
        dv.add(f"{target}2:{target}{last}")


def _notes(wb: Workbook, feed: Feed) -> None:
    ws = wb.create_sheet("说明")
    ws.append([feed.title + " 导入模板"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([feed.description])
    ws.append(["重复导入规则：" + feed.replace_note])
    ws.append([])
    ws.append(["列名", "是否必填", "格式", "说明", "示例"])
    for cell in ws[5]:
        cell.font = Font(bold=True)
        cell.fill = REQUIRED_FILL
    for col in feed.columns:
        ws.append([col.header, "必填" if col.required else "选填", KIND_TEXT.get(col.kind, col.kind),
                   _cell(col.note), _cell(col.example)])
    ws.append([])
    for line in GENERAL_NOTES:
        ws.append([line])
    ws.cell(row=ws.max_row - len(GENERAL_NOTES) + 1, column=1).font = Font(bold=True)
    for letter, width in zip("ABCDE", (18, 10, 18, 70, 28)):
        ws.column_dimensions[letter].width = width


def export_rows(db: sqlite_utils.Database, feed_key: str, month: str | None = None) -> list[tuple]:
    """Existing data of a feed (one month, or all) in the template's column order."""
    return FEEDS[feed_key].export(db, month)


def export_workbook(db: sqlite_utils.Database, feed_key: str, month: str | None = None) -> bytes:
    return workbook(db, feed_key, export_rows(db, feed_key, month))


def export_csv(db: sqlite_utils.Database, feed_key: str, month: str | None = None,
               encoding: str = "utf-8-sig") -> bytes:
    """The same as CSV (UTF-8 with BOM by default, or e.g. 'gb18030')."""
    feed = FEEDS[feed_key]
    rows = [[_cell(v) for v in row] for row in export_rows(db, feed_key, month)]
    frame = pd.DataFrame(rows, columns=[c.header for c in feed.columns], dtype=object)
    return frame.to_csv(index=False).encode(encoding)
