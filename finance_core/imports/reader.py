"""Reading an uploaded file into a header and rows, refusing what is not a table.

The content decides what a file is, not its name: an .exe renamed to .xlsx, a
truncated workbook, a macro workbook (.xlsm), an old .xls, a zip bomb or a
binary blob are refused with a message a clerk can act on. Workbooks are read
with openpyxl in read-only mode; CSV text may be UTF-8 (with or without BOM)
or GB18030 (which includes GBK, what Chinese Excel writes).
"""
from __future__ import annotations

import csv
import dataclasses
import io
import re
import warnings
import zipfile
from typing import Callable, Sequence

MAX_BYTES = 20 * 1024 * 1024          # upload limit
MAX_UNZIPPED = 400 * 1024 * 1024      # a workbook's parts, uncompressed
MAX_RATIO = 200                       # compression ratio above which it is a bomb
MAX_COLUMNS = 60
HEADER_SEARCH_ROWS = 10
DATA_SHEET = "数据"
SKIP_SHEETS = ("说明", "选项")


class FileRejected(Exception):
    """The file as a whole cannot be read; ``str(exc)`` is the Chinese reason."""


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
    if lower.endswith((".xlsx", ".xlsm", ".xls")):
        raise FileRejected(f"文件扩展名是 {lower.rsplit('.', 1)[-1]}，但内容不是 Excel 工作簿"
                           "（可能是改了扩展名的其他文件）；请用 Excel 打开后另存为 .xlsx 再上传")
    return "csv"


def read(name: str, data: bytes, find_header: Callable[[Sequence], bool]) -> Sheet:
    """Read ``data`` (a file called ``name``); ``find_header(cells)`` tells
    whether a row is the header row of the expected template."""
    kind = sniff(name, data)
    if kind == "xlsx":
        return _read_xlsx(name, data, find_header)
    return _read_csv(data, find_header)


# --- xlsx ------------------------------------------------------------------------
def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, OSError):
        raise FileRejected("Excel 文件已损坏或不完整（可能是下载或复制时中断），"
                           "请在 Excel 中重新保存后上传") from None
    names = {i.filename for i in infos}
    if "xl/vbaProject.bin" in names or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise FileRejected("文件包含宏（.xlsm 启用宏的工作簿），出于安全考虑不予导入；"
                           "请在 Excel 中“另存为 Excel 工作簿（.xlsx）”后上传")
    if "[Content_Types].xml" in names:
        ctypes = zf.read("[Content_Types].xml")
        if b"macroEnabled" in ctypes:
            raise FileRejected("文件是启用宏的工作簿（.xlsm），出于安全考虑不予导入；"
                               "请在 Excel 中“另存为 Excel 工作簿（.xlsx）”后上传")
    if "xl/workbook.xml" not in names:
        raise FileRejected("文件是一个压缩包，但不是 Excel 工作簿（.xlsx）；请上传模板格式的 .xlsx 或 .csv 文件")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNZIPPED or total / packed > MAX_RATIO and total > 50 * 1024 * 1024:
        raise FileRejected("Excel 文件解压后异常巨大（疑似恶意构造的文件），已拒绝")
    return zf


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _merged_ranges(zf: zipfile.ZipFile, part: str) -> list[tuple[str, int, int]]:
    """(ref, first row, last row) of every merged range of a worksheet part."""
    try:
        xml = zf.read(part.lstrip("/"))
    except KeyError:
        return []
    out = []
    for m in _MERGE.finditer(xml):
        c1, r1, c2, r2 = m.group(1), int(m.group(2)), m.group(3), m.group(4)
        ref = f"{c1.decode()}{r1}" + (f":{c2.decode()}{int(r2)}" if c2 else "")
        out.append((ref, r1, int(r2) if r2 else r1))
    return out


def _read_xlsx(name: str, data: bytes, find_header) -> Sheet:
    from openpyxl import load_workbook

    zf = _open_zip(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except FileRejected:
        raise
    except Exception as exc:  # openpyxl raises many kinds on broken parts
        raise FileRejected(f"Excel 文件无法读取（{type(exc).__name__}），可能已损坏；"
                           "请在 Excel 中重新保存为 .xlsx 后上传") from None
    try:
        names = wb.sheetnames
        title = DATA_SHEET if DATA_SHEET in names else next(
            (n for n in names if n not in SKIP_SHEETS), None)
        if title is None:
            raise FileRejected(f"工作簿中没有数据工作表（应有名为“{DATA_SHEET}”的工作表）")
        ws = wb[title]
        merges = _merged_ranges(zf, getattr(ws, "_worksheet_path", ""))
        try:
            raw = ((i, tuple(r[:MAX_COLUMNS])) for i, r in
                   enumerate(ws.iter_rows(values_only=True), start=1))
            sheet = _collect(raw, find_header, "xlsx", None, title)
        except FileRejected:
            raise
        except Exception as exc:
            raise FileRejected(f"Excel 文件读取出错（{type(exc).__name__}），可能已损坏；"
                               "请在 Excel 中重新保存为 .xlsx 后上传") from None
    finally:
        wb.close()
    if sheet.header_row == 0:
        if merges:
            ref = merges[0][0]
            raise FileRejected(f"工作表“{title}”的表头有合并单元格（{ref}），无法识别列名；"
                               "请使用模板的单行表头，取消合并单元格后再导入")
        raise _no_header(title)
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
        raw = ((i, tuple(r[:MAX_COLUMNS])) for i, r in enumerate(reader, start=1))
        sheet = _collect(raw, find_header, "csv", encoding, None)
    except csv.Error as exc:
        raise FileRejected(f"CSV 文件格式错误（{exc}）") from None
    if sheet.header_row == 0:
        raise _no_header(None)
    return sheet


# --- shared ----------------------------------------------------------------------
def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _collect(raw, find_header, kind: str, encoding: str | None, title: str | None) -> Sheet:
    header_row, headers, rows = 0, [], []
    for number, cells in raw:
        if not header_row:
            if number > HEADER_SEARCH_ROWS:
                break
            if find_header(cells):
                header_row = number
                headers = ["" if c is None else str(c) for c in cells]
                while headers and not headers[-1].strip():
                    headers.pop()
            continue
        if all(_blank(c) for c in cells):
            continue
        rows.append((number, cells))
    return Sheet(kind, encoding, title, header_row, headers, rows, [])


def _no_header(title: str | None) -> FileRejected:
    where = f"工作表“{title}”" if title else "文件"
    return FileRejected(f"{where}前 {HEADER_SEARCH_ROWS} 行中找不到表头（应包含模板中的列名，如“月份”）；"
                        "请使用本页下载的模板")
