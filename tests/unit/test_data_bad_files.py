"""The corpus of bad files: each is rejected whole, with the right Chinese
message (row and column where it is about a cell), and the database file stays
byte-for-byte unchanged — through preview and through apply."""
from __future__ import annotations

import hashlib
import io
import random
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from finance_core import db as fdb
from finance_core import imports
from finance_core.imports import templates

BAD = Path(__file__).resolve().parents[1] / "data" / "bad_files"

# file -> (feed, expected words in the message, row, column)
CORPUS = {
    "credit_unknown_town.csv": ("credit", "乡镇“火星镇”不存在", 3, "乡镇"),
    "credit_unknown_village.csv": ("credit", "城关镇没有名为“火星村”的村", 3, "村名"),
    "credit_unknown_village_code.csv": ("credit", "村代码“T01V999”不存在", 3, "村代码"),
    "credit_unknown_bank.csv": ("credit", "银行“花旗银行”不存在", 3, "银行"),
    "credit_bad_month.csv": ("credit", "月份“2026-13”格式错误，应为 YYYY-MM", 3, "月份"),
    "credit_bad_month_words.csv": ("credit", "月份“十一月”格式错误", 3, "月份"),
    "credit_negative_amount.csv": ("credit", "金额不能为负数（-5000000）", 3, "授信金额(元)"),
    "credit_not_a_number.csv": ("credit", "“五百万”不是数字", 3, "授信金额(元)"),
    "credit_used_above_granted.csv": ("credit", "用信金额 6,000,000 元大于授信金额 5,000,000 元", 3,
                                      "用信金额(元)"),
    "credit_used_households_above_granted.csv": ("credit", "用信户数 140 大于授信户数 100", 3, "用信户数"),
    "credit_duplicate_key.csv": ("credit", "与第 2 行重复", 4, None),
    "credit_missing_column.csv": ("credit", "缺少必填的列：“授信金额(元)”", None, None),
    "credit_empty_required.csv": ("credit", "不能为空", 3, "银行"),
    "credit_gb18030_unknown_village.csv": ("credit", "城关镇没有名为“火星村”的村", 3, "村名"),
    "ledger_over_50k.csv": ("microloans", "贷款金额 60,000 元超过小额信贷上限 5 万元", 3, "贷款金额(元)"),
    "ledger_term_over_3y.csv": ("microloans", "贷款期限超过 3 年", 3, "到期日期"),
    "ledger_end_before_start.csv": ("microloans", "到期日期 2026-10-01 早于或等于发放日期 2026-11-06", 3, "到期日期"),
    "ledger_bad_id_checksum.csv": ("microloans", "校验位错误", 3, "身份证号"),
    "ledger_unknown_previous_loan.csv": ("microloans", "原贷款编号“XD99999999”既不在台账中", 3, "原贷款编号"),
    "status_unknown_loan.csv": ("microloan_status", "贷款编号“XD99999999”不在台账中", 3, "贷款编号"),
    "status_balance_above_amount.csv": ("microloan_status", "余额 60,000 元大于贷款金额", 2, "贷款余额(元)"),
    "guarantee_end_before_start.csv": ("guarantees", "到期日期 2026-11-01 早于或等于起始日期 2026-11-10", 2,
                                       "到期日期"),
    "guarantee_recovered_above_compensated.csv": ("guarantees", "追偿金额 2,000,000 元大于代偿金额 1,000,000 元",
                                                  2, "追偿金额(元)"),
    "targets_wrong_scope.csv": ("targets", "只按全县设定目标", 2, "范围类型"),
    "indicators_unknown_indicator.csv": ("indicators", "指标“火星指数”不存在", 3, "指标"),
    "indicators_count_not_whole.csv": ("indicators", "“12.5”应为整数", 2, "数值"),
}


@pytest.fixture(scope="module")
def bad_db(tmp_path_factory, demo_db) -> Path:
    """One private copy for the whole module: nothing may ever change it."""
    path = tmp_path_factory.mktemp("bad") / "county.db"
    shutil.copy(demo_db, path)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_rejected_unchanged(db_path: Path, feed: str, name: str, data: bytes) -> list[imports.Issue]:
    before = digest(db_path)
    with fdb.opened(db_path) as db:
        version = fdb.data_version(db)
        p = imports.preview(db, feed, name, data)
        assert not p.ok
        with pytest.raises(imports.ImportRejected):
            imports.apply(db, imports.parse(db, feed, name, data), "测试编辑")
        assert fdb.data_version(db) == version
        (logged,) = db.execute("SELECT COUNT(*) FROM import_log").fetchone()
        assert logged == 0
    assert digest(db_path) == before, "database file changed"
    wal = db_path.with_name(db_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    return p.errors


def test_corpus_is_complete():
    assert sorted(p.name for p in BAD.glob("*.csv")) == sorted(CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_bad_csv_rejected_with_row_and_column(bad_db, name):
    feed, words, row, column = CORPUS[name]
    errors = assert_rejected_unchanged(bad_db, feed, name, (BAD / name).read_bytes())
    matching = [e for e in errors if words in e.message]
    assert matching, [str(e) for e in errors]
    assert matching[0].row == row and matching[0].column == column, str(matching[0])
    # the first row of every corpus file is valid: only the bad cell is reported
    assert len(errors) == 1, [str(e) for e in errors]
    if row:
        assert str(matching[0]).startswith(f"第 {row} 行")


# --- binary and structural cases, generated at test time ---------------------------
def template_with_rows(db_path: Path) -> bytes:
    with fdb.opened(db_path) as db:
        rows = [("2026-11",) + r[1:] for r in templates.export_rows(db, "credit", "2026-10")[:5]]
        return templates.workbook(db, "credit", rows)


def macro_workbook(xlsx: bytes) -> bytes:
    """The same workbook with a VBA project, as Excel saves an .xlsm."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            dst.writestr(item, data)
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"Attribute VB_Name = \"Module1\"\nSub AutoOpen()\n"
                                          b"Shell \"calc.exe\"\nEnd Sub\n")
    return out.getvalue()


def merged_header(xlsx: bytes) -> bytes:
    wb = load_workbook(io.BytesIO(xlsx))
    wb["数据"].merge_cells("F1:G1")   # 授信户数 + 授信金额(元) under one header
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    return out.getvalue()


def other_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return out.getvalue()


CASES = {  # name -> (make(good workbook, blank template), expected words)
    "truncated.xlsx": (lambda good, blank: good[: len(good) // 2], "Excel 文件已损坏或不完整"),
    "renamed_exe.xlsx": (lambda good, blank: b"MZ\x90\x00\x03\x00\x00\x00" + random.Random(1).randbytes(4096),
                         "可执行程序"),
    "junk_10mb.csv": (lambda good, blank: random.Random(10).randbytes(10 * 1024 * 1024), "含有二进制数据"),
    "macro.xlsm": (lambda good, blank: macro_workbook(good), "包含宏"),
    "macro_renamed.xlsx": (lambda good, blank: macro_workbook(good), "包含宏"),
    "merged_header.xlsx": (lambda good, blank: merged_header(good), "表头有合并单元格（F1:G1）"),
    "old.xls": (lambda good, blank: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096), "旧版 Excel 97-2003（.xls）"),
    "gb18030_text.xlsx": (lambda good, blank: "月份,乡镇,村名\n2026-11,城关镇,苇湖村\n".encode("gb18030"),
                          "内容不是 Excel 工作簿"),
    "empty.csv": (lambda good, blank: b"", "文件是空的"),
    "document.xlsx": (lambda good, blank: other_zip(), "不是 Excel 工作簿"),
    "bomb.xlsx": (lambda good, blank: zip_bomb(), "解压后异常巨大"),
    "utf16.csv": (lambda good, blank: "月份,乡镇\n2026-11,城关镇\n".encode("utf-16"), "UTF-16"),
    "too_big.csv": (lambda good, blank: b"a," * (11 * 1024 * 1024), "文件过大"),
    "header_only.xlsx": (lambda good, blank: blank, "没有数据行"),
    "status_as_credit.csv": (lambda good, blank: "月份,贷款编号,贷款余额(元),逾期天数\n2026-11,XD00000001,0,0\n".encode(),
                             "看起来是“小额信贷月末状态”"),
    "latin1.csv": (lambda good, blank: "月份,乡镇\n".encode("utf-8") + b"\xff\xfe\xfa\x80\x81\n", "编码"),
}


@pytest.fixture(scope="module")
def workbooks(bad_db) -> tuple[bytes, bytes]:
    with fdb.opened(bad_db) as db:
        return template_with_rows(bad_db), templates.workbook(db, "credit")


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_binary_rejected(bad_db, workbooks, name):
    make, words = CASES[name]
    data = make(*workbooks)
    errors = assert_rejected_unchanged(bad_db, "credit", name, data)
    assert any(words in e.message for e in errors), [str(e) for e in errors]
    assert all(e.row is None for e in errors)


def test_same_good_file_is_accepted(bad_db, workbooks, tmp_path):
    """Control: the workbook the binary cases are made from does import."""
    path = tmp_path / "ok.db"
    shutil.copy(bad_db, path)
    with fdb.opened(path) as db:
        result = imports.import_file(db, "credit", "ok.xlsx", workbooks[0], "测试编辑")
    assert result.added == 5


def test_many_errors_all_reported(bad_db):
    rows = "".join(f"2026-11,城关镇,,T01V{i:03d},农商行,1,-1,0,0,0\n" for i in range(1, 31))
    data = ("月份,乡镇,村名,村代码,银行,授信户数,授信金额(元),用信户数,用信金额(元),不良金额(元)\n" + rows).encode()
    errors = assert_rejected_unchanged(bad_db, "credit", "many.csv", data)
    assert [e.row for e in errors] == list(range(2, 32))
