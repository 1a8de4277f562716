"""Issue 19 items 2, 4, 6-10: hostile files and values are refused with a
Chinese row/column message before anything is written; exports never carry a
formula into a spreadsheet."""
from __future__ import annotations

import csv
import io
import re
import sqlite3
import struct
import zipfile
import zlib

import pandas as pd
import pytest

from finance_core import db as fdb
from finance_core import exports, ipo
from finance_core import filters as ff
from finance_core import imports
from finance_core.imports import limits, templates, xlsx

USER = "测试编辑"
CREDIT_HEADER = "月份,乡镇,村名,村代码,银行,授信户数,授信金额(元),用信户数,用信金额(元),不良金额(元)\n"
CREDIT_OK = "2026-10,城关镇,,T01V001,农商行,100,5000000,40,2000000,0\n"
LEDGER_HEADER = ("贷款编号,身份证号,户主姓名,乡镇,村名,村代码,户类型,银行,贷款金额(元),发放日期,到期日期,"
                 "年利率(%),续贷,展期,原贷款编号\n")
LEDGER_OK = "XN26110001,990101198001010014,王建国,城关镇,,T01V001,脱贫户,农商行,50000,2026-11-05,2029-11-05,3.00,否,否,\n"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def preview(db, feed, text: str, name="x.csv"):
    return imports.preview(db, feed, name, text.encode("utf-8"))


def only_error(p) -> imports.Issue:
    assert not p.ok
    assert len(p.errors) == 1, [str(e) for e in p.errors]
    return p.errors[0]


# --- item 2: CSV export ------------------------------------------------------------------------
EVIL = ["正常企业", "x\r=cmd|' /c calc'!A0", "第一行\n=HYPERLINK(\"http://evil\")", "a\r\n+1+2", "@SUM(A1)",
        "-2+3", "\tTAB", "行\u2028=1+1", "逗号,分隔\"引号\""]


def _cells_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _starts_of(cell: str) -> list[str]:
    """The cell's text and every line in it, as a spreadsheet that splits lines would see them."""
    return [cell] + exports.LINE_BREAK.split(cell)[2::2]


def test_csv_export_quotes_and_escapes_every_line():
    df = pd.DataFrame({"企业": EVIL, "金额（万元）": range(len(EVIL))})
    rows = _cells_of(exports.csv_bytes(df))
    assert len(rows) == len(EVIL) + 1                      # no cell broke into a new row
    assert [r[0].replace("'", "") for r in rows[1:]] == [e.replace("'", "") for e in EVIL]
    for row in rows:
        for cell in row:
            for start in _starts_of(cell):
                assert not start.startswith(FORMULA_START), repr(cell)
    raw = exports.csv_bytes(df).decode("utf-8-sig")
    assert '"x\r\'=cmd' in raw                            # quoted, the line after the CR escaped


def test_ipo_csv_exports_carry_no_formula(writable_db):
    """/ipo 月调度记录 and 企业名单: text stored with a CR before a formula (as an
    older import accepted it) comes out quoted and escaped."""
    with fdb.opened(writable_db) as db:
        with fdb.write_transaction(db):
            (cid,) = db.execute("SELECT id FROM companies ORDER BY id LIMIT 1").fetchone()
            db.execute("UPDATE companies SET owner = ? WHERE id = ?", ("x\r=cmd|' /c calc'!A0", cid))
            db.execute("INSERT INTO ipo_notes (company_id, month, progress, owner, created_at) VALUES "
                       "(?, '2026-10', ?, ?, '2026-10-20 09:00:00')", (cid, "进展\r=cmd|' /c calc'!A0", "王\n@x"))
        opts = ff.load_options(db)
        tables = ipo.export_tables(db, opts.default())
    for name in ("企业名单", "月调度记录"):
        rows = _cells_of(exports.csv_bytes(tables[name]))
        assert len(rows) == len(tables[name]) + 1, name
        flat = [c for r in rows for c in r]
        assert any("cmd" in c for c in flat) or name == "企业名单"
        for cell in flat:
            for start in _starts_of(cell):
                assert not start.startswith(FORMULA_START), (name, repr(cell))


def test_single_line_fields_refuse_line_breaks(db):
    for text in ("某公司\r=cmd|' /c calc'!A0", "某公司\n第二行", "某公司\u2028x", "某\x85公司"):
        g = ("合同编号,担保产品,合作银行,乡镇,借款人,借款人类型,担保金额(元),年担保费(元),起始日期,到期日期,解保日期,"
             "代偿金额(元),代偿日期,追偿金额(元)\n"
             f'DBT0001,税融通,农业银行,城关镇,"{text}",小微企业,3000000,24000,2026-10-10,2027-10-10,,0,,0\n')
        e = only_error(preview(db, "guarantees", g))
        assert e.row == 2 and e.column == "借款人", str(e)
        assert "换行" in e.message or "看不见的字符" in e.message, str(e)


def test_notes_keep_their_line_breaks(db):
    (name,) = db.execute("SELECT name FROM companies ORDER BY id LIMIT 1").fetchone()
    data = ("月份,企业名称,进展情况,存在问题,县级协调措施,包保责任人\n"
            f'2026-10,{name},"第一行\r\n第二行",,,刘志刚\n')
    p = preview(db, "ipo_notes", data)
    assert p.ok, [str(e) for e in p.errors]
    (values,) = p.parsed.tables["ipo_notes"].rows.values()
    assert values[2] == "第一行\n第二行"


# --- item 4: numeric bounds and database errors ------------------------------------------------
@pytest.mark.parametrize("column, value, words", [
    (5, "1e20", "科学计数法"), (5, "100000000000000000000", "超出合理范围"),
    (6, "100000000000000000000", "超出合理范围"), (7, "99999999999", "超出合理范围"),
])
def test_overflowing_numbers_are_refused_in_the_preview(db, column, value, words):
    cells = CREDIT_OK.strip().split(",")
    cells[column] = value
    e = only_error(preview(db, "credit", CREDIT_HEADER + ",".join(cells) + "\n"))
    assert e.row == 2 and words in e.message, str(e)


def test_a_number_cell_of_1e20_is_refused(db):
    """As an Excel number cell (a float) too, not only as text."""
    row = ("2026-10", "城关镇", "", "T01V001", "农商行", 1e20, 5_000_000, 40, 2_000_000, 0)
    p = imports.preview(db, "credit", "x.xlsx", templates.workbook(db, "credit", [row]))
    e = only_error(p)
    assert e.row == 2 and e.column == "授信户数" and "超出合理范围" in e.message, str(e)


def test_apply_turns_a_database_error_into_a_chinese_message(writable_db, monkeypatch):
    from finance_core import rollups

    def overflow(*args, **kwargs):
        raise sqlite3.OperationalError("integer overflow")

    monkeypatch.setattr(rollups, "refresh_credit", overflow)
    with fdb.opened(writable_db) as db:
        version = fdb.data_version(db)
        parsed = imports.parse(db, "credit", "x.csv", (CREDIT_HEADER + CREDIT_OK.replace(",100,", ",101,")).encode())
        with pytest.raises(imports.ImportRejected) as info:
            imports.apply(db, parsed, USER)
        assert fdb.data_version(db) == version
    message = str(info.value)
    assert "数值超出数据库能保存的范围" in message and "没有写入任何数据" in message
    assert not re.search(r"[A-Za-z]{4,}", message.replace("CSV", "")), message   # no English, no paths


# --- item 7: lenient numbers ---------------------------------------------------------------------
@pytest.mark.parametrize("column, value, words", [
    (6, "3,3", "千位分隔符"), (6, "1,2,3,4", "千位分隔符"), (5, "1e1", "科学计数法"),
    (5, "10.0", "应为整数"), (5, "1,00", "千位分隔符"),
])
def test_numbers_must_be_written_as_numbers(db, column, value, words):
    cells = CREDIT_OK.strip().split(",")
    cells[column] = f'"{value}"'
    e = only_error(preview(db, "credit", CREDIT_HEADER + ",".join(cells) + "\n"))
    assert e.row == 2 and words in e.message, str(e)


def test_valid_thousands_separators_are_read(db):
    cells = CREDIT_OK.strip().split(",")
    cells[6] = '"5,000,000"'
    cells[8] = '"2，000，000"'
    p = preview(db, "credit", CREDIT_HEADER + ",".join(cells) + "\n")
    assert p.ok, [str(e) for e in p.errors]
    (values,) = p.parsed.tables["credit_reports"].rows.values()
    assert values[4] == 5_000_000 and values[6] == 2_000_000


# --- item 8: invisible and bidirectional characters --------------------------------------------
@pytest.mark.parametrize("char, name", [
    ("\u202e", "从右到左覆盖"), ("\u200b", "零宽空格"), ("\x7f", "DEL"), ("\x85", "NEL"), ("\u2028", "行分隔符"),
    ("\ufeff", "BOM"), ("\u2066", "隔离"),
])
def test_invisible_characters_are_refused_by_name(db, char, name):
    data = LEDGER_HEADER + LEDGER_OK.replace("王建国", f"王{char}建国")
    e = only_error(preview(db, "microloans", data))
    assert e.row == 2 and e.column == "户主姓名", str(e)
    assert name in e.message and f"U+{ord(char):04X}" in e.message and "不会自动删除" in e.message, str(e)
    assert char not in str(e)          # the message shows the code, not the character itself


# --- item 9: ID numbers outside the ID column ----------------------------------------------------
def test_id_number_in_another_column_is_refused(db):
    data = LEDGER_HEADER + LEDGER_OK.replace("XN26110001", "990101198001010014", 1)
    e = only_error(preview(db, "microloans", data))
    assert e.row == 2 and e.column == "贷款编号" and "身份证号" in e.message, str(e)
    assert "990101198001010014" not in str(e)   # masked in the message


def test_a_long_number_that_is_not_an_id_is_kept(db):
    data = LEDGER_HEADER + LEDGER_OK.replace("XN26110001", "990101198001010015", 1)   # wrong check digit
    assert preview(db, "microloans", data).ok


# --- item 10: messages ----------------------------------------------------------------------------
ENGLISH = re.compile(r"(Error|Exception|XML|Parse|field larger|line contains|Traceback|[A-Za-z]{6,})")


def _good_credit(db) -> bytes:
    return templates.workbook(db, "credit", [("2026-10", "城关镇", "", "T01V001", "农商行", 1, 1, 0, 0, 0)])


def _replace_part(data: bytes, part: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, content if item.filename == part else src.read(item.filename))
    return out.getvalue()


def _xlsb(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                body = body.replace(b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.binary.macroEnabled.main")
            dst.writestr(item.filename.replace("workbook.xml", "workbook.bin"), body)
    return out.getvalue()


@pytest.mark.parametrize("case", ["broken_sheet_xml", "broken_strings", "xlsb", "csv_field_limit",
                                  "csv_bad_quote"])
def test_whole_file_messages_are_chinese(db, case):
    good = _good_credit(db)
    data, name = {
        "broken_sheet_xml": lambda: (_replace_part(good, "xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row"), "x.xlsx"),
        "broken_strings": lambda: (_replace_part(good, "xl/styles.xml", b"<styleSheet><<<"), "x.xlsx"),
        "xlsb": lambda: (_xlsb(good), "x.xlsb"),
        "csv_field_limit": lambda: ((CREDIT_HEADER + '2026-10,"' + "x" * 140_000 + "\n").encode(), "x.csv"),
        "csv_bad_quote": lambda: ((CREDIT_HEADER + '2026-10,"城关镇' + "\n" * 3).encode(), "x.csv"),
    }[case]()
    p = imports.preview(db, "credit", name, data)
    assert not p.ok
    for e in p.errors:
        assert not ENGLISH.search(e.message.replace("Excel", "").replace("xlsx", "").replace("xlsb", "")
                                  .replace("UTF", "").replace("CSV", "")), e.message
    if case == "xlsb":
        assert ".xlsb" in p.errors[0].message and "xlsm" not in p.errors[0].message


@pytest.mark.parametrize("feed", list(imports.FEEDS))
def test_every_wrong_feed_upload_gets_the_hint(db, feed):
    """A template of feed A uploaded as each other feed B: always the “looks like A” hint."""
    data = templates.workbook(db, feed)   # header (and example-free) template of A
    row = [c.example for c in imports.FEEDS[feed].columns]
    text = ",".join(c.header for c in imports.FEEDS[feed].columns) + "\n" + ",".join(row) + "\n"
    for other in imports.FEEDS:
        if other == feed:
            continue
        for name, body in (("a.xlsx", data), ("a.csv", text.encode())):
            p = imports.preview(db, other, name, body)
            assert not p.ok
            assert any(f"这个文件看起来是“{imports.FEEDS[feed].title}”" in e.message for e in p.errors), \
                (feed, other, name, [str(e) for e in p.errors])


# --- item 6: limits before reading ------------------------------------------------------------------
@pytest.fixture
def no_calamine(monkeypatch):
    """Fail the test if a workbook reaches the reader."""
    import python_calamine

    def refuse(*a, **k):
        raise AssertionError("calamine opened a file that should have been refused first")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", refuse)


def _sheet_xml(rows: int, cols: int = 3, value: str = "x") -> bytes:
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(c) for c in range(1, cols + 1)]
    body = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}" t="inlineStr"><is><t>{value}</t></is></c>'
                                               for c in letters) + "</row>" for r in range(1, rows + 1))
    return (f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{body}'
            f"</sheetData></worksheet>").encode()


def test_too_many_rows_refused_before_reading(db, monkeypatch, no_calamine):
    monkeypatch.setattr(limits, "MAX_ROWS", 50)
    data = _replace_part(_good_credit(db), "xl/worksheets/sheet1.xml", _sheet_xml(200))
    e = only_error(imports.preview(db, "credit", "x.xlsx", data))
    assert "上限 50 行" in e.message, str(e)


def test_far_column_refused_before_reading(db, no_calamine):
    xml = _sheet_xml(3).replace(b"</row></sheetData>", b'<c r="XFD3"><v>1</v></c></row></sheetData>')
    data = _replace_part(_good_credit(db), "xl/worksheets/sheet1.xml", xml)
    e = only_error(imports.preview(db, "credit", "x.xlsx", data))
    assert "第 16,384 列" in e.message and "XFD" in e.message, str(e)


def test_large_area_refused_before_reading(db, monkeypatch, no_calamine):
    monkeypatch.setattr(limits, "MAX_CELLS", 500)
    data = _replace_part(_good_credit(db), "xl/worksheets/sheet1.xml", _sheet_xml(100, cols=10))
    e = only_error(imports.preview(db, "credit", "x.xlsx", data))
    assert "个单元格" in e.message and "上限 500" in e.message, str(e)


def test_long_cell_refused_before_reading(db, no_calamine):
    data = _replace_part(_good_credit(db), "xl/worksheets/sheet1.xml", _sheet_xml(3, value="长" * 6000))
    e = only_error(imports.preview(db, "credit", "x.xlsx", data))
    assert "6,000 个字" in e.message and "上限 5,000" in e.message, str(e)


def test_huge_part_refused_from_the_directory(db, monkeypatch, no_calamine):
    monkeypatch.setattr(limits, "MAX_SHARED_STRINGS", 1024)
    data = _replace_part(_good_credit(db), "xl/styles.xml", _good_part(db, "xl/styles.xml"))
    big = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/sharedStrings.xml", b"<sst>" + b"<si><t>a</t></si>" * 1000 + b"</sst>")
    e = only_error(imports.preview(db, "credit", "x.xlsx", big.getvalue()))
    assert "xl/sharedStrings.xml" in e.message and "解压后过大" in e.message, str(e)


def _good_part(db, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(_good_credit(db))) as z:
        return z.read(name)


def test_a_directory_that_lies_about_the_size_is_caught(db, no_calamine):
    """The directory says 1 KB; the deflate stream inflates to 5 MB."""
    good = _good_credit(db)
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
        sheet = z.read(info)
    payload = sheet.replace(b"</sheetData>", b"</sheetData>" + b"<!--" + b"x" * 5_000_000 + b"-->")
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = comp.compress(payload) + comp.flush()
    data = _replace_part(good, "xl/worksheets/sheet1.xml", b"PLACEHOLDER" * 10)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    # rebuild: the sheet's entry holds the big deflate stream but declares a small size
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(item, src.read(item.filename))
    raw = bytearray(out.getvalue())
    name = b"xl/worksheets/sheet1.xml"
    crc = zlib.crc32(sheet[:1024])
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(deflated), 1024, len(name), 0)
    eocd = raw.rfind(b"PK\x05\x06")
    cd_offset = struct.unpack("<I", raw[eocd + 16:eocd + 20])[0]
    entries = bytes(raw[cd_offset:eocd])
    head = bytes(raw[:cd_offset])
    offset = len(head)
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(deflated), 1024,
                          len(name), 0, 0, 0, 0, 0, offset)
    body = head + local + name + deflated
    cd = entries + central + name
    count = struct.unpack("<H", raw[eocd + 10:eocd + 12])[0] + 1
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(cd), len(body), 0)
    e = only_error(imports.preview(db, "credit", "x.xlsx", body + cd + end))
    assert "比文件目录声明的更大" in e.message or "损坏" in e.message, str(e)


def test_limits_are_stated_in_the_template(db):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(templates.workbook(db, "credit")))
    text = "\n".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    assert f"{limits.MAX_ROWS:,} 行" in text and f"{limits.MAX_CELL_CHARS:,} 个字" in text
    assert f"{limits.MAX_BYTES // 1024 // 1024} MB" in text


def test_error_cells_are_not_blank(db):
    """An #N/A cell is reported as such, not read as an empty (0) value."""
    good = _good_credit(db)
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    sheet = re.sub(rb'<c r="J2"[^>]*>.*?</c>', b'<c r="J2" t="e"><v>#N/A</v></c>', sheet, flags=re.S)
    e = only_error(imports.preview(db, "credit", "x.xlsx", _replace_part(good, "xl/worksheets/sheet1.xml", sheet)))
    assert e.row == 2 and e.column == "不良金额(元)" and "#N/A" in e.message, str(e)
