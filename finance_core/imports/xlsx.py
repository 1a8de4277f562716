"""Reading an .xlsx upload: limits checked from the zip before any cell is read.

An .xlsx is a zip of XML parts. A small upload can unpack to a huge sheet, a
huge shared-string table or a million rows, and a dense reader (calamine
allocates the whole rectangle of used cells) would then take the server's
memory. So, before the workbook is opened:

1. the zip directory is checked: number of parts, each part's and the total
   unpacked size, compression method;
2. every part is inflated as a stream (never held whole) and its real size
   compared with the directory's, so a directory that lies is caught;
3. while it streams, the data sheet is scanned for the rectangle that holds
   values (rows x columns), the number of rows, every text run's length,
   merged ranges and error cells; the shared strings for every text's length.

Only a file within every limit is read, with python-calamine (fast, Rust);
its rows are then handed to the caller one by one. openpyxl stays for writing
templates and exports.
"""
from __future__ import annotations

import dataclasses
import html
import io
import re
import struct
import warnings
import zipfile
import zlib

from . import limits
from .errors import FileRejected

DATA_SHEET = "数据"
SKIP_SHEETS = ("说明", "选项")
CHUNK = 1 << 20
_SMALL_PART = 4 * 1024 * 1024          # workbook.xml, rels: read whole, so kept small

_MACRO = ("文件包含宏（.xlsm 启用宏的工作簿），出于安全考虑不予导入；"
          "请在 Excel 中“另存为 Excel 工作簿（.xlsx）”后上传")
_BROKEN = ("Excel 文件已损坏或不完整（可能是下载或复制时中断），"
           "请在 Excel 中重新保存后上传")


@dataclasses.dataclass
class SheetScan:
    rows: int = 0                  # <row> elements
    max_row: int = 0               # highest row number holding a value
    max_col: int = 0               # highest column number holding a value
    merged: list = dataclasses.field(default_factory=list)     # (ref, first row, last row)
    errors: dict = dataclasses.field(default_factory=dict)     # (row, col) 1-based -> '#N/A'
    cells_without_ref: bool = False


def col_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def _col_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


# --- the zip directory and streamed inflation --------------------------------------------
def open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError):
        raise FileRejected(_BROKEN) from None
    if len(infos) > limits.MAX_PARTS:
        raise FileRejected(f"Excel 文件包含 {len(infos):,} 个内部部件（上限 {limits.MAX_PARTS:,}），"
                           "不是正常的工作簿（疑似恶意构造），已拒绝")
    names = {i.filename for i in infos}
    lower = {n.lower() for n in names}
    if "xl/workbook.bin" in lower:
        raise FileRejected("这是 Excel 二进制工作簿（.xlsb），无法导入；"
                           "请在 Excel 中“另存为 Excel 工作簿（.xlsx）”后上传")
    if any(n.endswith("vbaproject.bin") for n in lower):
        raise FileRejected(_MACRO)
    if "xl/workbook.xml" not in names:
        raise FileRejected("文件是一个压缩包，但不是 Excel 工作簿（.xlsx）；请上传模板格式的 .xlsx 或 .csv 文件")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise FileRejected("Excel 文件设置了密码（已加密），无法读取；请取消密码后另存为 .xlsx 再上传")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise FileRejected("Excel 文件使用了不支持的压缩方式，请在 Excel 中重新保存为 .xlsx 后上传")
        total += info.file_size
        part_limit = limits.part_limit(info.filename)
        if info.file_size > part_limit:
            raise FileRejected(f"Excel 文件解压后过大：部件 {info.filename} 有 {_mib(info.file_size)}，"
                               f"上限 {_mib(part_limit)}（疑似恶意构造的文件，或数据过多，请拆分后分别导入）")
    packed = sum(i.compress_size for i in infos) or 1
    if total > limits.BOMB_MIN_BYTES and total / packed > limits.MAX_RATIO:
        raise FileRejected(f"Excel 文件解压后异常巨大（{_mib(packed)} 解压为 {_mib(total)}，压缩比 {total / packed:,.0f} 倍），"
                           "疑似恶意构造的文件，已拒绝")
    if total > limits.MAX_UNZIPPED:
        raise FileRejected(f"Excel 文件解压后共 {_mib(total)}，超过上限 {_mib(limits.MAX_UNZIPPED)}"
                           "（疑似恶意构造的文件，或数据过多，请拆分后分别导入）")
    return zf


def _mib(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB" if n >= 10 * 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MB"


def _inflate(data: bytes, info: zipfile.ZipInfo):
    """The part's bytes in chunks, inflating the whole stored stream (not only as
    much as the directory claims) and refusing a part larger than declared."""
    offset = info.header_offset
    header = data[offset:offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise FileRejected(_BROKEN)
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_len + extra_len
    raw = memoryview(data)[start:start + info.compress_size]
    if len(raw) < info.compress_size:
        raise FileRejected(_BROKEN)
    produced = 0
    if info.compress_type == zipfile.ZIP_STORED:
        for i in range(0, len(raw), CHUNK):
            chunk = bytes(raw[i:i + CHUNK])
            produced += len(chunk)
            yield chunk
    else:
        inflater = zlib.decompressobj(-15)
        pos = 0
        while True:
            if inflater.unconsumed_tail:
                chunk = inflater.decompress(inflater.unconsumed_tail, CHUNK)
            elif pos < len(raw):
                chunk = inflater.decompress(raw[pos:pos + CHUNK], CHUNK)
                pos += CHUNK
            else:
                chunk = inflater.flush()
            if chunk:
                produced += len(chunk)
                if produced > info.file_size:
                    raise FileRejected(f"Excel 文件的部件 {info.filename} 解压后比文件目录声明的更大"
                                       "（疑似恶意构造的文件），已拒绝")
                yield chunk
            if inflater.eof or (not chunk and pos >= len(raw) and not inflater.unconsumed_tail):
                break
    if produced != info.file_size:
        raise FileRejected(_BROKEN)


def _read_small(data: bytes, zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return b""
    if info.file_size > _SMALL_PART:
        raise FileRejected(f"Excel 文件的部件 {name} 异常巨大（{_mib(info.file_size)}），已拒绝")
    return b"".join(_inflate(data, info))


# --- workbook structure -------------------------------------------------------------------
_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\b(?:\w+:)?id="([^"]*)"')
_SHEET_ALT = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\b(?:\w+:)?id="([^"]*)"[^>]*?\bname="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?>')
_ATTR = re.compile(rb'\b(Id|Target|Type)="([^"]*)"')


def sheets(data: bytes, zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part path) in workbook order."""
    wb = _read_small(data, zf, "xl/workbook.xml")
    rels = _read_small(data, zf, "xl/_rels/workbook.xml.rels")
    if b"macroEnabled" in _read_small(data, zf, "[Content_Types].xml"):
        raise FileRejected("文件是启用宏的工作簿（.xlsm），出于安全考虑不予导入；"
                           "请在 Excel 中“另存为 Excel 工作簿（.xlsx）”后上传")
    targets = {}
    for m in _REL.finditer(rels):
        attrs = dict(_ATTR.findall(m.group(0)))
        if b"Id" in attrs and b"Target" in attrs:
            target = html.unescape(attrs[b"Target"].decode("utf-8", "replace"))
            targets[attrs[b"Id"]] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    out = []
    found = [(n, i) for n, i in _SHEET.findall(wb)] or [(n, i) for i, n in _SHEET_ALT.findall(wb)]
    for name, rid in found:
        out.append((html.unescape(name.decode("utf-8", "replace")), targets.get(rid, "")))
    return out


def choose_sheet(names: list[str]) -> str | None:
    if DATA_SHEET in names:
        return DATA_SHEET
    return next((n for n in names if n not in SKIP_SHEETS), None)


# --- scans ---------------------------------------------------------------------------------
_TAG = b"(?:\\w+:)?"
_VALUED_CELL = re.compile(rb'<' + _TAG + rb'c\b[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*>\s*<' + _TAG + rb'(?:v|is)\b')
_SHEET_DATA = re.compile(rb'<(\w+:)?sheetData\b')
_CELL_TAG = re.compile(rb'<' + _TAG + rb'c[\s>/]')
_CELL_REF = re.compile(rb'<' + _TAG + rb'c\b[^>]*?\br="')
_DIMENSION = re.compile(rb'<' + _TAG + rb'dimension\b[^>]*?\bref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')
_MERGE = re.compile(rb'<' + _TAG + rb'mergeCell\b[^>]*?\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_ERROR_CELL = re.compile(rb'<' + _TAG + rb'c\b([^>]*?\bt="e"[^>]*)>(.{0,400}?)</' + _TAG + rb'c>', re.S)
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_VALUE = re.compile(rb'<' + _TAG + rb'v>([^<]*)<')


def _long_text(chunk: bytes) -> None:
    """Refuse a text run longer than the cell limit (checked in characters)."""
    for m in limits.LONG_RUN.finditer(chunk):
        text = html.unescape(m.group(1).decode("utf-8", "replace"))
        if len(text) > limits.MAX_CELL_CHARS:
            raise FileRejected(f"文件中有单元格内容过长（{len(text):,} 个字，上限 {limits.MAX_CELL_CHARS:,} 个字），"
                               "请检查是否误粘贴了大段内容")


def _chunks_at_tags(stream):
    """Chunks cut just before a '<', so no tag or text run is split."""
    carry = b""
    for piece in stream:
        buf = carry + piece
        cut = buf.rfind(b"<")
        if cut <= 0:
            carry = buf
            if len(carry) > limits.MAX_CELL_CHARS * 8 + CHUNK:
                _long_text(b">" + carry + b"<")
            continue
        carry = buf[cut:]
        yield buf[:cut]
    if carry:
        yield carry


def scan_sheet(data: bytes, info: zipfile.ZipInfo, title: str) -> SheetScan:
    scan = SheetScan()
    fast = None                        # the exact tags of this sheet's namespace prefix
    for chunk in _chunks_at_tags(_inflate(data, info)):
        if fast is None:
            _check_dimension(chunk, title)
            m = _SHEET_DATA.search(chunk)
            prefix = (m.group(1) if m else None) or b""
            fast = (b"<" + prefix + b"row", b"<" + prefix + b"c ", b"<" + prefix + b"c>",
                    b"<" + prefix + b'c r="', re.compile(rb"<" + re.escape(prefix) + rb'c r="([A-Z]{1,3})(\d+)"[^>]*>\s*<'
                                                         + re.escape(prefix) + rb"(?:v|is)\b"))
        row_tag, cell_sp, cell_gt, cell_r, valued = fast
        scan.rows += chunk.count(row_tag)
        if scan.rows > limits.MAX_ROWS + limits.HEADER_ROWS:
            raise _too_many_rows(title, f"超过 {limits.MAX_ROWS + limits.HEADER_ROWS:,} 行")
        cells = chunk.count(cell_sp) + chunk.count(cell_gt)
        with_ref = chunk.count(cell_r)
        refs = valued.findall(chunk) if with_ref == cells else _VALUED_CELL.findall(chunk)
        if refs:
            scan.max_col = max(scan.max_col, max(col_number(c) for c in {c for c, _ in refs}))
            scan.max_row = max(scan.max_row, max(map(int, {r for _, r in refs})))
        if with_ref != cells and len(_CELL_TAG.findall(chunk)) != len(_CELL_REF.findall(chunk)):
            scan.cells_without_ref = True
        if scan.cells_without_ref:   # positions are implicit: bound by the cells per row and the rows
            widest = max((len(_CELL_TAG.findall(r)) for r in chunk.split(b"row>")), default=0)
            scan.max_col = max(scan.max_col, widest)
            scan.max_row = max(scan.max_row, scan.rows)
        _check_area(scan, title)
        _long_text(chunk)
        if b"mergeCell" in chunk:
            for m in _MERGE.finditer(chunk):
                c1, r1, c2, r2 = m.groups()
                ref = f"{c1.decode()}{int(r1)}" + (f":{c2.decode()}{int(r2)}" if c2 else "")
                scan.merged.append((ref, int(r1), int(r2) if r2 else int(r1)))
        if b't="e"' in chunk:
            for m in _ERROR_CELL.finditer(chunk):
                ref, value = _REF.search(m.group(1)), _VALUE.search(m.group(2))
                if ref and len(scan.errors) < 10_000:
                    scan.errors[(int(ref.group(2)), col_number(ref.group(1)))] = (
                        value.group(1).decode("utf-8", "replace") if value else "#错误")
    return scan


def _check_dimension(chunk: bytes, title: str) -> None:
    """The sheet's own <dimension> (written by Excel), when it already says too much."""
    m = _DIMENSION.search(chunk[:4096])
    if not m or not m.group(3):
        return
    rows, cols = int(m.group(4)), col_number(m.group(3))
    _check_bounds(rows, cols, title)


def _check_area(scan: SheetScan, title: str) -> None:
    _check_bounds(scan.max_row, scan.max_col, title)


def _check_bounds(rows: int, cols: int, title: str) -> None:
    if rows > limits.MAX_ROWS + limits.HEADER_ROWS:
        raise _too_many_rows(title, f"{rows:,} 行")
    if cols > limits.MAX_COLUMNS:
        raise FileRejected(f"工作表“{title}”用到了第 {cols:,} 列（{_col_letters(cols)} 列），"
                           f"上限 {limits.MAX_COLUMNS} 列；请删除模板以外的列（包括右侧远处的零散内容）后再导入")
    if rows * cols > limits.MAX_CELLS:
        raise FileRejected(f"工作表“{title}”的数据区域有 {rows:,} 行 × {cols} 列 = {rows * cols:,} 个单元格，"
                           f"上限 {limits.MAX_CELLS:,} 个；请删除多余的行列或拆分后分别导入")


def _too_many_rows(title: str, rows: str) -> FileRejected:
    return FileRejected(f"工作表“{title}”有{rows}，上限 {limits.MAX_ROWS:,} 行数据；"
                        "请按月份或银行拆分后分别导入")


def scan_shared_strings(data: bytes, info: zipfile.ZipInfo) -> None:
    for chunk in _chunks_at_tags(_inflate(data, info)):
        _long_text(chunk)


def check_parts(data: bytes, zf: zipfile.ZipFile, skip: set[str]) -> None:
    """Inflate every other part as a stream: its real size must be the declared one."""
    for info in zf.infolist():
        if info.filename in skip or info.is_dir():
            continue
        for _ in _inflate(data, info):
            pass


# --- reading -------------------------------------------------------------------------------
def rows(data: bytes, title: str, scan: SheetScan):
    """(row number, cell values) of the sheet ``title``, read with calamine."""
    import python_calamine

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            sheet = wb.get_sheet_by_name(title)
            pad = (None,) * sheet.start[1] if sheet.start and sheet.start[1] else ()
            for i, cells in enumerate(sheet.iter_rows(), start=1):
                values = pad + tuple(cells[:limits.MAX_COLUMNS])
                if scan.errors:
                    values = tuple(scan.errors.get((i, j), v) for j, v in enumerate(values, start=1))
                yield i, values
    except FileRejected:
        raise
    except Exception:  # calamine raises its own kinds on broken parts
        raise FileRejected("Excel 文件无法读取，内容可能已损坏；请在 Excel 中重新保存为 .xlsx 后上传") from None
