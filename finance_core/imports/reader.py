"""Reading an uploaded file into a header and rows, refusing what is not a table.

The content decides what a file is, not its name: an .exe renamed to .xlsx, a
truncated workbook, a macro workbook (.xlsm), a binary workbook (.xlsb), an
old .xls, a zip bomb or a binary blob are refused with a message a clerk can
act on. Every limit (limits.py: unpacked size, rows, columns, cell length) is
checked before a cell is read (xlsx.py); workbooks are then read with
python-calamine. CSV text may be UTF-8 (with or without BOM) or GB18030
(which includes GBK, what Chinese Excel writes).
"""
from __future__ import annotations

import csv
import dataclasses
import io
from typing import Callable, Sequence

from . import limits, xlsx
from .errors import FileRejected
from .limits import MAX_BYTES, MAX_COLUMNS  # noqa: F401  (re-exported)

HEADER_SEARCH_ROWS = limits.HEADER_ROWS
DATA_SHEET = xlsx.DATA_SHEET
SKIP_SHEETS = xlsx.SKIP_SHEETS


@dataclasses.dataclass
class Sheet:
    kind: str                      # 'xlsx' or 'csv'
    encoding: str | None           # csv only
    sheet_name: str | None         # xlsx only
    header_row: int                # 1-based row number of the header
    headers: list[str]             # as written in the file
    rows: list[tuple[int, tuple]]  # (row number, cell values), blank rows left out
    merged: list[str]              # merged ranges at or below the header (xlsx)


def sniff(name: str, data: bytes) -> str:
    """'xlsx' or 'csv', or raise :class:`FileRejected` with the reason."""
    lower = name.lower()
    if not data:
        raise FileRejected("文件是空的（0 字节）")
    if len(data) > MAX_BYTES:
        raise FileRejected(f"文件过大（{len(data) / 1024 / 1024:.1f} MB，上限 {MAX_BYTES // 1024 // 1024} MB），"
                           "请按月份或银行拆分后分别导入")
    head = data[:8]
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF"):
        raise FileRejected("这是一个可执行程序，不是表格文件，已拒绝。请上传 .xlsx 或 .csv 文件")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected("这是旧版 Excel 97-2003（.xls）文件或加密的工作簿，无法导入；"
                           "请在 Excel 中“另存为 Excel 工作簿（.xlsx）”后上传（不要设置密码）")
    if head.startswith(b"%PDF"):
        raise FileRejected("这是 PDF 文件，不是表格；请上传 .xlsx 或 .csv 文件")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "xlsx"
    if lower.endswith((".xlsx", ".xlsm", ".xls", ".xlsb")):
        raise FileRejected(f"文件扩展名是 {lower.rsplit('.', 1)[-1]}，但内容不是 Excel 工作簿"
                           "（可能是改了扩展名的其他文件）；请用 Excel 打开后另存为 .xlsx 再上传")
    return "csv"


def read(name: str, data: bytes, find_header: Callable[[Sequence], bool]) -> Sheet:
    """Read ``data`` (a file called ``name``); ``find_header(cells)`` tells
    whether a row is the header row of the expected template."""
    kind = sniff(name, data)
    if kind == "xlsx":
        return _read_xlsx(data, find_header)
    return _read_csv(data, find_header)


# --- xlsx ------------------------------------------------------------------------
def _read_xlsx(data: bytes, find_header) -> Sheet:
    zf = xlsx.open_zip(data)
    listed = xlsx.sheets(data, zf)
    title = xlsx.choose_sheet([n for n, _ in listed])
    if title is None:
        raise FileRejected(f"工作簿中没有数据工作表（应有名为“{DATA_SHEET}”的工作表）")
    part = dict(listed)[title]
    try:
        info = zf.getinfo(part)
    except KeyError:
        raise FileRejected(f"工作表“{title}”的内容缺失，文件可能已损坏；请在 Excel 中重新保存后上传") from None
    scan = xlsx.scan_sheet(data, info, title)
    checked = {part}
    strings = next((i for i in zf.infolist() if i.filename.lower() == "xl/sharedstrings.xml"), None)
    if strings is not None:
        xlsx.scan_shared_strings(data, strings)
        checked.add(strings.filename)
    xlsx.check_parts(data, zf, checked)
    sheet = _collect(xlsx.rows(data, title, scan), find_header, "xlsx", None, title)
    merges = scan.merged
    if sheet.header_row == 0:
        if merges:
            ref = merges[0][0]
            raise FileRejected(f"工作表“{title}”的表头有合并单元格（{ref}），无法识别列名；"
                               "请使用模板的单行表头，取消合并单元格后再导入")
        raise _no_header(title, sheet.rows)
    sheet.merged = [ref for ref, r1, r2 in merges if r2 >= sheet.header_row]
    if sheet.merged:
        where = "表头" if any(r1 <= sheet.header_row <= r2 for _, r1, r2 in merges) else "数据区"
        raise FileRejected(f"工作表“{title}”的{where}有合并单元格（{'、'.join(sheet.merged[:5])}），"
                           "合并后只有左上角单元格有值，会丢失数据；请取消合并并把每个单元格填完整后再导入")
    return sheet


# --- csv -------------------------------------------------------------------------
def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) for UTF-8 with or without BOM, or GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected("文件是 UTF-16（“Unicode 文本”）编码，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后上传")
    if b"\x00" in data[:65536]:
        raise FileRejected("文件内容不是文本表格（含有二进制数据），无法识别；请上传 .xlsx 或 .csv 文件")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8 (BOM)"
        except UnicodeDecodeError:
            raise FileRejected("文件标记为 UTF-8 编码，但其中有无法解码的字节（文件可能已损坏）") from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GB18030"
    except UnicodeDecodeError:
        raise FileRejected("文件既不是 UTF-8 也不是 GB18030/GBK 编码的文本，无法识别；"
                           "请上传 .xlsx，或在 Excel 中另存为“CSV UTF-8（逗号分隔）”") from None


def _read_csv(data: bytes, find_header) -> Sheet:
    text, encoding = decode(data)
    if "\x00" in text:
        raise FileRejected("文件内容不是文本表格（含有二进制数据），无法识别")
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        raw = ((i, _csv_row(i, r)) for i, r in enumerate(reader, start=1))
        sheet = _collect(raw, find_header, "csv", encoding, None)
    except csv.Error as exc:
        raise FileRejected(_csv_error(str(exc))) from None
    if sheet.header_row == 0:
        raise _no_header(None, sheet.rows)
    return sheet


def _csv_row(number: int, cells: list[str]) -> tuple:
    extra = next((j for j in range(len(cells) - 1, MAX_COLUMNS - 1, -1) if cells[j].strip()), None)
    if extra is not None:
        raise FileRejected(f"第 {number} 行有 {extra + 1} 列内容，上限 {MAX_COLUMNS} 列；"
                           "请删除模板以外的列后再导入（或检查分隔符是否为逗号）")
    return tuple(cells[:MAX_COLUMNS])


def _csv_error(text: str) -> str:
    if "field larger than field limit" in text:
        return (f"CSV 文件中有单元格内容过长（超过 {csv.field_size_limit():,} 个字符，上限 "
                f"{limits.MAX_CELL_CHARS:,} 个字），常见原因是某个引号没有成对，后面的内容都被当成了一个单元格；"
                "请检查引号后重新保存")
    if "new-line" in text or "unquoted" in text or "quote" in text:
        return "CSV 文件格式错误：引号没有成对或换行位置不对；请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后上传"
    return "CSV 文件格式错误，无法按行列读取；请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后上传"


# --- shared ----------------------------------------------------------------------
def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _collect(raw, find_header, kind: str, encoding: str | None, title: str | None) -> Sheet:
    """The header row and the non-blank rows below it; the top rows when no
    header is found (for the wrong-template hint)."""
    header_row, headers, rows, top = 0, [], [], []
    limit = limits.MAX_ROWS + HEADER_SEARCH_ROWS
    check_length = kind == "csv"
    for number, cells in raw:
        if not header_row:
            if number > HEADER_SEARCH_ROWS:
                break
            top.append((number, cells))
            if find_header(cells):
                header_row = number
                headers = ["" if c is None else str(c) for c in cells]
                while headers and not headers[-1].strip():
                    headers.pop()
            continue
        if number > limit:
            raise FileRejected(f"文件超过 {limits.MAX_ROWS:,} 行数据（上限），请按月份或银行拆分后分别导入")
        if all(_blank(c) for c in cells):
            continue
        if check_length:   # (an .xlsx is checked while it is scanned)
            for j, c in enumerate(cells):
                if len(c) > limits.MAX_CELL_CHARS:
                    raise FileRejected(f"第 {number} 行第 {j + 1} 列内容过长（{len(c):,} 个字，上限 "
                                       f"{limits.MAX_CELL_CHARS:,} 个字），请检查是否误粘贴了大段内容")
        rows.append((number, cells))
    return Sheet(kind, encoding, title, header_row, headers, rows if header_row else top, [])


def _no_header(title: str | None, top: list | None = None) -> FileRejected:
    where = f"工作表“{title}”" if title else "文件"
    return FileRejected(f"{where}前 {HEADER_SEARCH_ROWS} 行中找不到表头（应包含模板中的列名，如“月份”）；"
                        "请使用本页下载的模板", top_rows=top)
