"""The meeting pack: one workbook with every area's headline tables and the
brief; one PDF (LibreOffice) of the overview and the brief; a clear message
without the renderer."""
import datetime as dt
import io
import re

import openpyxl
import pytest
from pypdf import PdfReader

from finance_core import briefing as br
from finance_core import areas as registry, exports, pack
from finance_core.filters import Filters

AS_OF = "2026-10"


@pytest.fixture(scope="module")
def monthly(demo_db):
    from finance_core import db as fdb

    with fdb.opened(demo_db) as db:
        return br.build(db, br.MONTHLY, Filters(AS_OF))


def test_workbook_has_every_area_and_the_brief(db, monthly):
    text = monthly.text().replace("全县推进党建引领信用村建设工作", "全县深入推进党建引领信用村建设工作")
    wb = openpyxl.load_workbook(io.BytesIO(pack.workbook(db, Filters(AS_OF), text)))
    assert wb.sheetnames[:5] == ["说明", "总览指标", "年度目标", "需要关注", "报送情况"]
    for area in ("信用村", "小额信贷", "融资担保", "企业上市"):
        assert any(n.startswith(area + "-") for n in wb.sheetnames), area
    assert wb.sheetnames[-1] == "调度简报"
    lines = [r[0] for r in wb["调度简报"].iter_rows(min_row=exports.HEADER_ROW + 2, values_only=True)]
    assert lines[0] == monthly.title and any(x.startswith("全县深入推进") for x in lines)
    kpis = wb["总览指标"]
    areas = {r[0] for r in kpis.iter_rows(min_row=exports.HEADER_ROW + 2, values_only=True)}
    assert areas == {a.heading for a in registry.ALL}
    targets = wb["年度目标"]
    header = [c.value for c in targets[exports.HEADER_ROW + 1]]
    first = targets[exports.HEADER_ROW + 2]
    assert first[header.index("完成率")].number_format == "0.0%" and first[header.index("完成率")].data_type == "n"
    assert "key" not in header
    assert wb["说明"]["A1"].value == "会议材料 · 导出说明"


def _first_sentence(brief) -> str:
    first = brief.sections[0].paragraphs[0]
    return first[: first.index("。") + 1]


def test_pdf_has_the_overview_then_the_brief(db, monthly):
    if pack.renderer() is None:
        pytest.fail("LibreOffice is missing: run the README's test command (it installs it)")
    data = pack.pdf(db, Filters(AS_OF), monthly.text(), monthly, "青禾县财政局", dt.date(2026, 11, 5))
    reader = PdfReader(io.BytesIO(data))
    pages = ["".join(re.sub(r"\s+", "", p.extract_text() or "")) for p in reader.pages]
    assert len(pages) >= 4
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 1 and abs(float(box.height) - 841.9) < 1          # A4 portrait
    assert "普惠金融监测总览" in pages[0] and "信用村主要指标" in pages[0]
    start = next(i for i, p in enumerate(pages) if monthly.title in p)
    assert start >= 1                                                        # the brief starts on its own page
    assert _first_sentence(monthly) in "".join(pages[start:])
    assert "青禾县财政局" in pages[-1] and "2026年11月5日" in pages[-1]
    assert "—1—" in pages[0] or "—1—" in pages[0].replace(" ", "")


def test_without_the_renderer_a_clear_message(db, monthly, monkeypatch):
    monkeypatch.setattr(pack.shutil, "which", lambda name: None)
    assert pack.renderer() is None
    with pytest.raises(pack.RendererMissing) as err:
        pack.pdf(db, Filters(AS_OF), monthly.text(), monthly)
    assert "LibreOffice" in str(err.value) and "暂不能生成 PDF" in str(err.value)
