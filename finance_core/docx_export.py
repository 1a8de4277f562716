"""The brief as a Word document: headings, paragraphs, a table per area and
the main charts embedded as PNG (Vega-Lite rendered by vl-convert).

The text is the user's edited draft: its first line is the title, a line
starting with a Chinese numeral and '、' (``二、企业上市``) is a heading, every
other line a paragraph. After a heading that names a section of the brief,
that section's tables and chart follow its paragraphs; a section the user
deleted from the text brings no table.
"""
from __future__ import annotations

import io
import logging

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from .briefing import HEADING_RE, Brief, Section, chart, heading_name

log = logging.getLogger(__name__)
FONT_DIR = "/usr/share/fonts/opentype/noto"
CHART_FONT = "Noto Sans CJK SC"
BODY_FONT, HEADING_FONT = "仿宋", "黑体"
MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_fonts_registered = False


def _register_fonts() -> None:
    """Let vl-convert find a CJK font, so Chinese labels render (once per process)."""
    global _fonts_registered
    if _fonts_registered:
        return
    import vl_convert as vlc

    try:
        vlc.register_font_directory(FONT_DIR)
    except Exception as exc:  # the directory may be missing on a developer machine
        log.warning("CJK font directory %s not registered: %s", FONT_DIR, exc)
    _fonts_registered = True


def chart_png(section: Section, scale: float = 2.0) -> bytes | None:
    """The section's chart as PNG bytes, or None when it has no chart."""
    c = chart(section)
    if c is None:
        return None
    import vl_convert as vlc

    _register_fonts()
    spec = c.to_dict()
    spec["config"] = {**spec.get("config", {}), "font": CHART_FONT,
                      "title": {"font": CHART_FONT, "fontSize": 14}}
    return vlc.vegalite_to_png(vl_spec=spec, scale=scale)


def _set_font(style, east: str, size: float | None = None, bold: bool | None = None) -> None:
    style.font.name = "Times New Roman"
    if size:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), "Times New Roman")
    fonts.set(qn("w:hAnsi"), "Times New Roman")
    fonts.set(qn("w:eastAsia"), east)


def _styles(doc) -> None:
    _set_font(doc.styles["Normal"], BODY_FONT, 12)
    _set_font(doc.styles["Title"], HEADING_FONT, 20, True)
    _set_font(doc.styles["Heading 1"], HEADING_FONT, 15, True)
    _set_font(doc.styles["Heading 2"], HEADING_FONT, 12, True)


def _table(doc, title: str, df) -> None:
    cap = doc.add_paragraph()
    run = cap.add_run(title)
    run.bold = True
    table = doc.add_table(rows=1, cols=len(df.columns))
    table.style = "Table Grid"
    for cell, col in zip(table.rows[0].cells, df.columns):
        cell.text = ""
        cell.paragraphs[0].add_run(str(col)).bold = True
    for row in df.itertuples(index=False):
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = "—" if value is None or (isinstance(value, float) and value != value) else str(value)
    doc.add_paragraph()


def _attachments(doc, section: Section | None, charts: dict[str, bytes | None]) -> None:
    if section is None:
        return
    for title, df in section.tables:
        if df is not None and not df.empty:
            _table(doc, title, df)
    png = charts.get(section.key)
    if png:
        doc.add_picture(io.BytesIO(png), width=Cm(15))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def chart_pngs(brief: Brief) -> dict[str, bytes | None]:
    """PNG of every section's chart (None where a section has none or it fails)."""
    out = {}
    for s in brief.sections:
        try:
            out[s.key] = chart_png(s)
        except Exception as exc:  # a chart must not cost the user the document
            log.warning("chart of %s not rendered: %s", s.key, exc)
            out[s.key] = None
    return out


def document(text: str, brief: Brief, charts: dict[str, bytes | None] | None = None) -> bytes:
    """The .docx bytes of the (edited) ``text`` with ``brief``'s tables and charts."""
    charts = chart_pngs(brief) if charts is None else charts
    by_name = {s.name: s for s in brief.sections}
    doc = Document()
    _styles(doc)
    section = None
    title_done = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if not title_done:
            doc.add_heading(line, 0).alignment = WD_ALIGN_PARAGRAPH.CENTER
            title_done = True
        elif HEADING_RE.match(line):
            _attachments(doc, section, charts)
            doc.add_heading(line, 1)
            section = by_name.get(heading_name(line))
        else:
            p = doc.add_paragraph(line)
            p.paragraph_format.first_line_indent = Pt(24)
            p.paragraph_format.line_spacing = 1.5
    _attachments(doc, section, charts)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def text_bytes(text: str) -> bytes:
    """The edited draft as a UTF-8 text file."""
    return text.replace("\r\n", "\n").encode("utf-8")
