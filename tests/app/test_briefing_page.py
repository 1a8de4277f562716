"""The 调度简报 page in AppTest, and the Word / text exports."""
import io

import docx
import pytest

from finance_core import briefing as br
from finance_core import docx_export
from finance_core.filters import Filters, load_options
from tests.apptest_support import shown_text

PAGE = "pages/briefing.py"


def draft(at) -> str:
    (area,) = at.text_area
    return area.value


def brief_sections(brief):
    return brief.sections


def test_link_opens_the_same_annual_summary(app, db):
    at = app({"kind": "年报", "as_of": "2025-06", "town": "城关镇"}, page=PAGE)
    assert not at.exception
    assert at.radio(key="kind").value == "年报"
    town = load_options(db).town_code("城关镇")
    expected = br.build(db, br.ANNUAL, Filters("2025-06", (town,)))
    assert draft(at) == expected.text()
    assert draft(at).startswith("2025年普惠金融工作总结\n范围：城关镇 · 全部银行 · 数据截至2025年12月末")
    assert not at.warning
    # the sections' tables and charts are drawn only once their expander is opened
    assert not at.dataframe
    assert len(at.expander) >= 4 and not any(e.proto.expanded for e in at.expander)
    for i in range(len(brief_sections(expected))):
        at.session_state[f"section_{i}"] = True
    at.run()
    # a table per section with data, rendered from the brief
    tables = [e.value for e in at.dataframe]
    credit = expected.section("credit").tables[0][1]
    assert any(t.equals(credit) for t in tables)
    assert len([e for e in at.main if type(e).__name__ == "UnknownElement" and hasattr(e.proto, "spec")]) >= 4


def test_default_is_the_monthly_brief_of_the_latest_month(app, db):
    at = app(page=PAGE)
    assert not at.exception
    latest = load_options(db).latest
    assert at.radio(key="kind").value == "月报"
    assert draft(at) == br.build(db, br.MONTHLY, Filters(latest)).text()
    y, m = latest.split("-")
    assert draft(at).startswith(f"{int(y)}年{int(m)}月普惠金融工作调度简报")
    # switching to 年报 regenerates the draft
    at.radio(key="kind").set_value("年报").run()
    assert not at.exception
    assert draft(at) == br.build(db, br.ANNUAL, Filters(latest)).text()


def test_bad_kind_gives_a_notice_and_the_monthly_brief_loads(app, db):
    at = app({"kind": "周报"}, page=PAGE)
    assert not at.exception
    body = shown_text(" ".join(w.body for w in at.warning))
    assert "kind" in body and "周报" in body
    assert at.radio(key="kind").value == "月报"
    assert draft(at) == br.build(db, br.MONTHLY, Filters(load_options(db).latest)).text()


@pytest.fixture(scope="module")
def annual(demo_db):
    from finance_core import db as fdb

    with fdb.opened(demo_db) as db:
        return br.build(db, br.ANNUAL, Filters("2025-12"))


def test_docx_holds_headings_paragraphs_tables_and_charts(annual):
    data = docx_export.document(annual.text(), annual)
    d = docx.Document(io.BytesIO(data))
    texts = [p.text for p in d.paragraphs]
    assert texts[0] == "2025年普惠金融工作总结"
    assert d.paragraphs[0].style.name == "Title"
    headings = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    assert headings == [s.heading for s in annual.sections]
    for s in annual.sections:
        for para in s.paragraphs:
            assert para in texts
    # a table per section that has one, with the brief's cells
    with_tables = [t for s in annual.sections for t in s.tables]
    assert len(d.tables) == len(with_tables) >= 6
    first = with_tables[0][1]
    assert [c.text for c in d.tables[0].rows[0].cells] == list(first.columns)
    assert [c.text for c in d.tables[0].rows[1].cells] == [str(v) for v in first.iloc[0]]
    # the charts of the six sections with one (five areas and 财政资金), as PNG
    charts = [s for s in annual.sections if s.chart is not None]
    assert len(d.inline_shapes) == len(charts) == 6
    blobs = [r.target_part.blob for r in d.part.rels.values() if "image" in r.reltype]
    assert all(b.startswith(b"\x89PNG") for b in blobs) and len(blobs) == 6


def test_docx_follows_the_edited_text(annual):
    text = annual.text()
    ipo = annual.section("ipo")
    # the user rewrites a sentence and deletes the IPO section
    edited = text.replace(ipo.heading + "\n" + "\n".join(ipo.paragraphs) + "\n", "")
    edited = edited.replace("全县推进党建引领信用村建设工作", "全县深入推进党建引领信用村建设工作")
    d = docx.Document(io.BytesIO(docx_export.document(edited, annual, charts={})))
    texts = [p.text for p in d.paragraphs]
    assert any(t.startswith("全县深入推进党建引领信用村建设工作") for t in texts)
    assert ipo.heading not in texts and not any("辅导备案" in t for t in texts[:8])
    assert len(d.tables) == sum(len(s.tables) for s in annual.sections if s.key != "ipo")
    assert len(d.inline_shapes) == 0
    assert docx_export.text_bytes(edited).decode("utf-8") == edited
