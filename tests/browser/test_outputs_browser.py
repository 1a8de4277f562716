"""Real browser: the brief's edit is in the file of the very first click, and
the print stylesheet gives a clean A4 page (no sidebar, cards in rows)."""
import io

import docx
import pytest
from pypdf import PdfReader

from finance_core import briefing as br
from finance_core import db as fdb
from finance_core import filters as ff
from tests.conftest import wait_for_app

pytestmark = pytest.mark.browser


def test_typing_then_downloading_at_once_downloads_the_edit(server, page, demo_db):
    with fdb.opened(demo_db) as db:
        brief = br.build(db, br.MONTHLY, ff.Filters(ff.load_options(db).latest))
    page.goto(f"{server}/briefing")
    wait_for_app(page)
    area = page.locator('[data-testid="stTextArea"] textarea')
    area.wait_for()
    assert area.input_value() == brief.text()
    area.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("首次点击下载即包含本句修改。")
    # no blur, no Ctrl+Enter, no waiting for a rerun: straight to the button
    with page.expect_download(timeout=90_000) as got:
        page.get_by_role("button", name="下载 Word（.docx）").click()
    d = docx.Document(io.BytesIO(open(got.value.path(), "rb").read()))
    texts = [p.text for p in d.paragraphs]
    assert any(t.endswith("首次点击下载即包含本句修改。") for t in texts)
    assert texts[0] == brief.title
    # the text file of a further edit, again at once
    area.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("再改一句。")
    with page.expect_download(timeout=60_000) as got:
        page.get_by_role("button", name="下载文本（.txt）").click()
    assert open(got.value.path(), encoding="utf-8").read().rstrip().endswith("首次点击下载即包含本句修改。再改一句。")


def test_print_stylesheet_hides_the_sidebar_and_keeps_cards_in_rows(server, page, tmp_path):
    page.goto(f"{server}/")
    wait_for_app(page, min_metrics=10)
    page.emulate_media(media="print")
    page.wait_for_timeout(300)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.get_by_role("button", name="下载总览 Excel").is_visible()
    # the first KPI row: five cards side by side, each wide enough for its value on one line
    boxes = [m.bounding_box() for m in page.query_selector_all('.ifm-kpi')[:5]]
    assert len({round(b["y"]) for b in boxes}) == 1
    assert all(b["width"] > 120 for b in boxes)
    values = page.query_selector_all('.ifm-kpi-value')[:5]
    assert all(v.bounding_box()["height"] < 60 for v in values)   # one line, not a column of characters
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)     # the stylesheet's @page
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(p.extract_text() for p in reader.pages)
    assert 2 <= len(reader.pages) <= 9        # the whole page (seven areas' rows and the flags), not the first screen
    assert "总览" in text and "需要关注" in text and "筛选" not in text.split("总览")[0]
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 842) < 2 and abs(float(box.height) - 595) < 2     # A4 landscape, points
    pdf_path = tmp_path / "overview-print.pdf"
    pdf_path.write_bytes(pdf)


def test_page_exports_made_on_click_hold_every_sheet(server, page, demo_db):
    """Sheets only the export shows are made when the file is asked for (a function, not a
    table, in the page's run): the IPO workbook's five sheets come from one call on click,
    and the 银行存贷款 workbook and 指标 CSV hold the page's KPI row."""
    import csv

    import openpyxl

    from finance_core import banks as bk
    from finance_core import ipo

    with fdb.opened(demo_db) as db:
        f = ff.Filters(ff.load_options(db).latest)
        tables = ipo.export_tables(db, f)
        kpis = bk.kpis(db, f)
    page.goto(f"{server}/ipo")
    wait_for_app(page, min_metrics=3)
    with page.expect_download(timeout=60_000) as got:
        page.get_by_role("button", name="下载 Excel").click()
    book = openpyxl.load_workbook(io.BytesIO(open(got.value.path(), "rb").read()), read_only=True)
    assert set(ipo.EXPORT_SHEETS) <= set(book.sheetnames)
    rows = list(book["企业名单"].iter_rows(values_only=True))
    names = {r[0] for r in rows}
    assert set(tables["企业名单"].iloc[:, 0]) <= names
    page.goto(f"{server}/banks")
    wait_for_app(page, min_metrics=10)
    with page.expect_download(timeout=60_000) as got:
        page.get_by_role("button", name="下载 Excel").click()
    book = openpyxl.load_workbook(io.BytesIO(open(got.value.path(), "rb").read()), read_only=True)
    assert {"指标", "考核权重", "考核排名"} <= set(book.sheetnames)
    shown = [c for r in book["指标"].iter_rows(values_only=True) for c in r]
    assert all(k.label in shown for k in kpis)
    with page.expect_download(timeout=60_000) as got:
        page.get_by_role("button", name="指标 CSV").click()
    text = open(got.value.path(), encoding="utf-8-sig").read()
    labels = [r[0] for r in csv.reader(io.StringIO(text))]
    assert all(k.label in labels for k in kpis)
