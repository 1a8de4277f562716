"""The Word brief is a 公文: page, margins, fonts, page-number field, 落款 and date,
captions with units; an office template replaces the look."""
import datetime as dt
import io
import zipfile

import docx
import pytest
from docx.shared import Mm, Pt

from finance_core import briefing as br
from finance_core import docx_export
from finance_core.filters import Filters

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def monthly(demo_db):
    from finance_core import db as fdb

    with fdb.opened(demo_db) as db:
        return br.build(db, br.MONTHLY, Filters("2026-10"))


@pytest.fixture(scope="module")
def doc_bytes(monthly):
    return docx_export.document(monthly.text(), monthly, charts=None, issuer="青禾县财政局",
                                issued=dt.date(2026, 11, 5))


def _east(style) -> str:
    return style.element.rPr.find(f"{W}rFonts").get(f"{W}eastAsia")


def test_a4_with_gbt_9704_margins(doc_bytes):
    s = docx.Document(io.BytesIO(doc_bytes)).sections[0]
    mm = [round(x.mm, 1) for x in (s.page_width, s.page_height, s.top_margin, s.bottom_margin,
                                   s.left_margin, s.right_margin)]     # stored in twips
    assert mm == [210, 297, 37, 35, 28, 26]


def test_fonts_and_sizes_of_title_body_and_headings(doc_bytes, monthly):
    d = docx.Document(io.BytesIO(doc_bytes))
    title, sub = d.paragraphs[0], d.paragraphs[1]
    assert title.text == monthly.title and title.style.name == "Title"
    assert _east(title.style) == "方正小标宋简体" and title.style.font.size == Pt(22)      # 二号
    assert title.style.element.pPr.find(f"{W}pBdr") is None                             # no blue rule
    assert title.style.font.color.rgb == docx.shared.RGBColor(0, 0, 0)
    assert sub.text == monthly.subtitle
    body = d.styles["Normal"]
    assert _east(body) == "仿宋_GB2312" and body.font.size == Pt(16)                      # 三号
    assert body.paragraph_format.first_line_indent == Pt(32)                             # two characters
    h1 = d.styles["Heading 1"]
    assert _east(h1) == "黑体" and h1.font.size == Pt(16) and not h1.font.bold
    assert _east(d.styles["Heading 2"]) == "楷体_GB2312"
    assert [p.text for p in d.paragraphs if p.style.name == "Heading 1"] == [s.heading for s in monthly.sections]
    for s in monthly.sections:
        for para in s.paragraphs:
            assert para in [p.text for p in d.paragraphs if p.style.name == "Normal"]


def test_office_fonts_are_named_with_noto_alternatives(doc_bytes):
    with zipfile.ZipFile(io.BytesIO(doc_bytes)) as z:
        table = z.read("word/fontTable.xml").decode("utf-8")
    for font, alt in docx_export.FALLBACK.items():
        assert f'w:name="{font}"' in table
        assert f'<w:altName w:val="{alt}"/>' in table.split(f'w:name="{font}"')[1].split("</w:font>")[0]


def test_page_number_is_a_page_field_between_dashes(doc_bytes):
    d = docx.Document(io.BytesIO(doc_bytes))
    assert d.settings.odd_and_even_pages_header_footer
    s = d.sections[0]
    for footer, align in ((s.footer, "right"), (s.even_page_footer, "left")):
        p = footer.paragraphs[0]
        xml = p._p.xml
        assert "PAGE" in "".join(t.text for t in p._p.iter(f"{W}instrText"))
        kinds = [el.get(f"{W}fldCharType") for el in p._p.iter(f"{W}fldChar")]
        assert kinds == ["begin", "separate", "end"]
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert f'w:val="{align}"' in xml
        assert footer.paragraphs[0].style.font.size == Pt(14)                            # 四号


def test_signature_and_date_at_the_end(doc_bytes):
    d = docx.Document(io.BytesIO(doc_bytes))
    texts = [p.text for p in d.paragraphs]
    assert texts[-2:] == ["青禾县财政局", "2026年11月5日"]
    issuer, date = d.paragraphs[-2], d.paragraphs[-1]
    assert issuer.style.name == date.style.name == "Signature"
    assert date.paragraph_format.right_indent == Pt(4 * 16)          # 成文日期右空四字
    assert issuer.paragraph_format.right_indent > date.paragraph_format.right_indent  # 署名居中于日期之上
    assert d.core_properties.author == "青禾县财政局"


def test_default_signature_comes_from_the_environment(monthly, monkeypatch):
    monkeypatch.setenv(docx_export.ISSUER_ENV, "测试县金融工作局")
    d = docx.Document(io.BytesIO(docx_export.document(monthly.text(), monthly, charts={},
                                                      issued=dt.date(2027, 1, 20))))
    assert [p.text for p in d.paragraphs][-2:] == ["测试县金融工作局", "2027年1月20日"]


def test_tables_and_charts_have_numbered_captions_with_units(doc_bytes, monthly):
    d = docx.Document(io.BytesIO(doc_bytes))
    captions = [p.text for p in d.paragraphs if p.style.name == "Caption"]
    tables = [t for s in monthly.sections for t, df in s.tables if not df.empty]
    charts = [s for s in monthly.sections if s.chart is not None and not s.chart.empty]
    assert [c for c in captions if c.startswith("表")] == [
        f"表{i}　{t}（{docx_export.table_unit(df)}）"
        for i, (t, df) in enumerate(((t, df) for s in monthly.sections for t, df in s.tables if not df.empty), 1)]
    figs = [c for c in captions if c.startswith("图")]
    assert len(figs) == len(charts) == len(d.inline_shapes) and len(tables) == len(d.tables)
    assert all("单位：" in c for c in captions)
    assert any("单位：亿元" in c for c in figs)
    # the header row repeats on every page
    assert all(t.rows[0]._tr.trPr.find(f"{W}tblHeader") is not None for t in d.tables)


def test_second_level_heading_in_kaiti(monthly):
    text = monthly.text().replace(monthly.sections[1].paragraphs[0],
                                  "（一）强化包保调度。" + monthly.sections[1].paragraphs[0])
    d = docx.Document(io.BytesIO(docx_export.document(text, monthly, charts={})))
    p = next(p for p in d.paragraphs if p.text.startswith("（一）强化包保调度。"))
    first = p.runs[0]
    assert first.text == "（一）强化包保调度。"
    assert first._r.rPr.find(f"{W}rFonts").get(f"{W}eastAsia") == "楷体_GB2312"
    assert p.style.name == "Normal"


def test_an_office_template_supplies_the_look(monthly, tmp_path, monkeypatch):
    template = tmp_path / "office.docx"
    assert docx_export.main(["--template", str(template)]) == 0
    t = docx.Document(str(template))
    t.sections[0].left_margin = Mm(30)                     # the office changes its template
    t.styles["Normal"].font.size = Pt(15)
    t.save(str(template))
    monkeypatch.setenv(docx_export.TEMPLATE_ENV, str(template))
    d = docx.Document(io.BytesIO(docx_export.document(monthly.text(), monthly, charts={})))
    assert round(d.sections[0].left_margin.mm, 1) == 30 and d.styles["Normal"].font.size == Pt(15)
    assert d.paragraphs[0].text == monthly.title                 # the template's sample text is gone
    assert not any("二级标题（楷体" in p.text for p in d.paragraphs)
