"""Page workbooks: numbers as numbers with formats, title rows, frozen and
filtered header, widths from content, A4 landscape one page wide."""
import io
import zipfile

import openpyxl
import pandas as pd
import pytest

from finance_core import credit, exports, guarantees, money, overview
from finance_core import microloans as ml
from finance_core.filters import Filters

AS_OF = "2026-10"
HEADER = {"页面": "信用村", "筛选范围": "全县 · 全部银行 · 数据月份 2026-10", "数据月份": AS_OF}
H = exports.HEADER_ROW + 1            # 1-based header row


def _load(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def _rows(ws):
    header = [c.value for c in ws[H]]
    return header, [dict(zip(header, r)) for r in ws.iter_rows(min_row=H + 1)]


@pytest.fixture(scope="module")
def credit_book(demo_db):
    from finance_core import db as fdb

    with fdb.opened(demo_db) as db:
        f = Filters(AS_OF)
        tables = {"乡镇排名": credit.town_ranking(db, f), "村级明细": credit.village_table(db, f)}
        return tables, exports.workbook(tables, HEADER)


def test_numbers_are_numbers_with_formats(credit_book):
    tables, data = credit_book
    ws = _load(data)["乡镇排名"]
    header, rows = _rows(ws)
    df = tables["乡镇排名"]
    assert header == list(df.columns)
    for cells, (_, src) in zip(rows, df.iterrows()):
        amount = cells["授信金额（万元）"]
        assert amount.data_type == "n" and amount.number_format == "#,##0.00"
        assert amount.value == pytest.approx(src["授信金额（万元）"])
        rate = cells["用信率（%）"]                                    # percent points -> a fraction shown 0.0%
        assert rate.number_format == "0.0%" and rate.value == pytest.approx(src["用信率（%）"] / 100)
        hh = cells["授信户数"]
        assert hh.data_type == "n" and hh.number_format == "#,##0" and hh.value == src["授信户数"]
        assert cells["排名"].number_format == "0"
        assert cells["乡镇"].data_type == "s"
    assert len(rows) == len(df)


def test_title_rows_freeze_filter_and_print_setup(credit_book):
    tables, data = credit_book
    ws = _load(data)["乡镇排名"]
    assert ws["A1"].value == "信用村 · 乡镇排名" and ws["A1"].font.b
    assert ws["A2"].value.startswith("范围：全县 · 全部银行　截至2026年10月末　单位：万元")
    assert ws.freeze_panes == f"A{H + 1}"
    last = openpyxl.utils.get_column_letter(len(tables["乡镇排名"].columns))
    assert ws.auto_filter.ref == f"A{H}:{last}{H + len(tables['乡镇排名'])}"
    ps = ws.page_setup
    assert ps.orientation == "landscape" and int(ps.paperSize) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ps.fitToWidth in (None, 1) and int(ps.fitToHeight) == 0          # one page wide, any pages tall
    assert ws.print_title_rows == f"${H}:${H}"
    assert "&P" in ws.oddFooter.center.text


def test_widths_follow_content(credit_book):
    tables, data = credit_book
    ws = _load(data)["村级明细"]
    header, _ = _rows(ws)
    village = openpyxl.utils.get_column_letter(header.index("村") + 1)
    longest = max(len(str(v)) for v in tables["村级明细"]["村"]) * 2        # CJK: two columns a character
    assert ws.column_dimensions[village].width >= longest
    amount = openpyxl.utils.get_column_letter(header.index("授信金额（万元）") + 1)
    assert ws.column_dimensions[amount].width >= len(f"{tables['村级明细']['授信金额（万元）'].max():,.2f}")


def test_text_that_looks_like_a_formula_stays_text_and_missing_is_a_dash():
    df = pd.DataFrame({"借款人": ['=HYPERLINK("http://x")', "+86", "@a", "正常"],
                       "余额（万元）": [1.5, None, 2.25, 3.0]})
    ws = _load(exports.workbook({"清单": df}, {"页面": "测试"}))["清单"]
    _, rows = _rows(ws)
    assert [r["借款人"].value for r in rows] == list(df["借款人"])        # no ' prefix, no formula
    assert all(r["借款人"].data_type == "s" for r in rows)
    with zipfile.ZipFile(io.BytesIO(exports.workbook({"清单": df}, {"页面": "测试"}))) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any("<f>" in z.read(n).decode() for n in sheets)
    assert rows[1]["余额（万元）"].value == "—"
    assert exports.csv_bytes(df).startswith(b"\xef\xbb\xbf")


def test_sheet_names_are_chinese_and_safe():
    df = pd.DataFrame({"a": [1]})
    wb = _load(exports.workbook({"乡镇/银行排名": df, "乡镇:银行排名": df}, {}))
    assert wb.sheetnames == ["说明", "乡镇_银行排名", "乡镇_银行排名_2"]


def test_kpi_sheet_holds_numbers_in_the_rows_unit(db):
    f = Filters(AS_OF)
    kpis = overview.area_kpis(db, f, "credit-villages")
    ws = _load(exports.workbook({"指标": exports.kpi_sheet(kpis)}, HEADER))["指标"]
    _, rows = _rows(ws)
    by = {r["指标"].value: r for r in rows}
    granted = next(k for k in kpis if k.key == "credit_granted")
    # independent: the month's granted amount summed from the reports, in 万元
    (total,) = db.execute("SELECT SUM(granted_amount) FROM credit_reports WHERE month = ?", [AS_OF]).fetchone()
    g = by["授信金额"]
    assert g["单位"].value == "万元" and g["数值"].number_format == "#,##0.00"
    assert g["数值"].value == pytest.approx(money.to_wan(total)) == money.to_wan(granted.value)
    assert g["较上月"].value == pytest.approx(money.to_wan(granted.value - granted.prev))
    u = by["用信率（金额）"]
    usage = next(k for k in kpis if k.key == "credit_usage")
    assert u["数值"].number_format == "0.0%" and u["数值"].value == pytest.approx(usage.value)
    assert "个百分点" in u["较上月"].number_format
    assert u["较上月"].value == pytest.approx(round((usage.value - usage.prev) * 100, 1))
    assert by["授信户数"]["数值"].number_format == "#,##0" and by["授信户数"]["单位"].value == "户"


def test_whatif_sheets_hold_numbers(db):
    f = Filters(AS_OF)
    w = guarantees.what_if(db, f, (), 5000, 10.0, 0.03)
    ws = _load(exports.workbook({"情景测算": w.export_table()}, {"页面": "融资担保"}))["情景测算"]
    _, rows = _rows(ws)
    by = {r["项目"].value: r for r in rows}
    assert by["净资产"]["当前"].value == pytest.approx(money.to_wan(w.net_assets))
    assert by["净资产"]["注资后"].value == pytest.approx(money.to_wan(w.net_assets + 5000 * 10_000))
    assert by["净资产"]["当前"].number_format == "#,##0.00"
    lev = by["放大倍数"]["当前"]
    assert lev.number_format == "0.00" and lev.value == pytest.approx(round(w.outstanding / w.net_assets, 2))
    r = ml.stress_test(db, f, 0.05, 0.4)
    ws = _load(exports.workbook({"压力测试": r.export_table()}, {"页面": "小额信贷"}))["压力测试"]
    _, rows = _rows(ws)
    by = {x["项目"].value: x for x in rows}
    assert by["假设转为不良的比例"]["数值"].value == pytest.approx(0.05)
    assert by["假设转为不良的比例"]["数值"].number_format == "0.0%"
    assert by["当前范围贷款余额"]["数值"].value == pytest.approx(money.to_wan(r.scope_balance))
    assert all(x["数值"].data_type == "n" or x["数值"].value == "—" for x in rows)


def test_kpi_sheet_carries_the_missing_submission_note():
    from finance_core.kpi import MONEY, Kpi

    k = Kpi("x", "贷款余额", MONEY, 1_234_500, 1_000_000, None, note="含沿用9月数据（邮储银行）")
    ws = _load(exports.workbook({"指标": exports.kpi_sheet([k])}, {}))["指标"]
    _, rows = _rows(ws)
    assert rows[0]["数据说明"].value == "含沿用9月数据（邮储银行）"
    assert rows[0]["数值"].value == pytest.approx(123.45) and rows[0]["同比"].value == "—"
