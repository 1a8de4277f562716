"""The brief as a Word document in 公文 format (GB/T 9704-2012), with a table and
the main chart of each section (Vega-Lite rendered to PNG by vl-convert).

Layout: A4, margins 上37mm 下35mm 左28mm 右26mm; title in a 小标宋-class font at
二号 (22pt); body 三号 (16pt) 仿宋-class with two-character indent and fixed
29pt lines (22 lines a page); headings ``一、`` in 黑体-class and ``（一）`` in
楷体-class; page numbers "— 1 —" in 四号 as a PAGE field (odd pages right, even
pages left, one character in); 落款 (issuing office) centred over the date,
the date four characters from the right margin. Tables and charts are numbered
with captions that name their unit.

Fonts: the document names the office fonts (方正小标宋简体, 仿宋_GB2312, 黑体,
楷体_GB2312), so it renders as intended where they are installed, and its font
table gives each an alternative (Noto Serif / Sans CJK SC) used where they are not.

The text is the user's edited draft: its first line is the title, a second
line starting with '范围：' the subtitle, a line starting with a Chinese numeral
and '、' (``二、企业上市``) a heading, ``（一）`` a second-level heading, every
other line a paragraph. After a heading that names a section of the brief,
that section's tables and chart follow its paragraphs; a section the user
deleted from the text brings no table.

An office can replace the look with its own .docx: set ``$FINANCE_BRIEF_TEMPLATE``
to it (its page set-up, headers and the styles Title, Heading 1, Heading 2,
Normal, Caption are kept); ``python -m finance_core.docx_export --template X.docx``
writes the default one to start from.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import sys

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from .briefing import HEADING_RE, Brief, Section, chart, heading_name

log = logging.getLogger(__name__)
FONT_DIR = "/usr/share/fonts/opentype/noto"
CHART_FONT = "Noto Sans CJK SC"
MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEMPLATE_ENV = "FINANCE_BRIEF_TEMPLATE"
ISSUER_ENV = "FINANCE_BRIEF_ISSUER"
DEFAULT_ISSUER = "县财政局金融办"

# office fonts (named in the document) and the Noto CJK fonts used where they are missing
TITLE_FONT, BODY_FONT, H1_FONT, H2_FONT, NUMBER_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"
LATIN_FONT = "Times New Roman"
FALLBACK = {TITLE_FONT: "Noto Serif CJK SC", BODY_FONT: "Noto Serif CJK SC", H1_FONT: "Noto Sans CJK SC",
            H2_FONT: "Noto Serif CJK SC", NUMBER_FONT: "Noto Serif CJK SC"}

# GB/T 9704-2012 sizes (pt) and page
ERHAO, SANHAO, SIHAO, XIAOSI = 22, 16, 14, 12
PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
LINE = Pt(29)                  # 22 lines in the 225mm type area
CHAR = Pt(SANHAO)              # one character of body text
H2_RE = re.compile(r"^（[一二三四五六七八九十]+）")
_fonts_registered = False


# --- charts ------------------------------------------------------------------------
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
    """The section's chart as PNG bytes (its title goes in the caption), or None."""
    c = chart(section)
    if c is None:
        return None
    import vl_convert as vlc

    _register_fonts()
    spec = c.to_dict()
    spec.pop("title", None)
    spec["config"] = {**spec.get("config", {}), "font": CHART_FONT}
    return vlc.vegalite_to_png(vl_spec=spec, scale=scale)


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


# --- styles ------------------------------------------------------------------------
def _rfonts(el, east: str) -> None:
    rpr = el.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east)
    fonts.set(qn("w:cs"), LATIN_FONT)


def _style(doc, name: str, east: str, size: float, bold: bool = False,
           align=None, indent: bool = False, line=None, before: float = 0, after: float = 0):
    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    _rfonts(style.element, east)
    ppr = style.element.get_or_add_pPr()
    for tag in ("w:pBdr", "w:contextualSpacing"):     # Title's blue rule
        for el in ppr.findall(qn(tag)):
            ppr.remove(el)
    pf = style.paragraph_format
    pf.alignment = align
    pf.first_line_indent = 2 * CHAR if indent else Pt(0)
    pf.left_indent = Pt(0)
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = line or LINE
    pf.widow_control = True
    return style


def _default_styles(doc) -> None:
    _style(doc, "Normal", BODY_FONT, SANHAO, indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _style(doc, "Title", TITLE_FONT, ERHAO, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(36))
    _style(doc, "Subtitle", H2_FONT, SANHAO, align=WD_ALIGN_PARAGRAPH.CENTER)
    h1 = _style(doc, "Heading 1", H1_FONT, SANHAO, indent=True)
    h2 = _style(doc, "Heading 2", H2_FONT, SANHAO, indent=True)
    for h in (h1, h2):
        h.paragraph_format.keep_with_next = True
    cap = _style(doc, "Caption", H1_FONT, SIHAO, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(24), before=6, after=3)
    cap.paragraph_format.keep_with_next = True
    _style(doc, "Table Text", BODY_FONT, XIAOSI, line=Pt(18))
    _style(doc, "Signature", BODY_FONT, SANHAO, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _style(doc, "Footer", NUMBER_FONT, SIHAO)


def _page_setup(doc) -> None:
    for s in doc.sections:
        s.orientation = WD_ORIENT.PORTRAIT
        s.page_width, s.page_height = PAGE_W, PAGE_H
        s.top_margin, s.bottom_margin = MARGINS["top"], MARGINS["bottom"]
        s.left_margin, s.right_margin = MARGINS["left"], MARGINS["right"]
        s.footer_distance = Mm(28) - Pt(SIHAO)    # 页码 7mm below the type area's last line
        s.header_distance = Mm(15)


def _font_table(doc) -> None:
    """Name every office font in the font table with its Noto CJK alternative."""
    part = next((p for p in doc.part.package.parts if str(p.partname) == "/word/fontTable.xml"), None)
    if part is None:
        return
    from lxml import etree

    root = etree.fromstring(part.blob)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    for font, alt in FALLBACK.items():
        for old in root.findall(f"{{{w}}}font"):
            if old.get(f"{{{w}}}name") == font:
                root.remove(old)
        el = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": font})
        etree.SubElement(el, f"{{{w}}}altName", {f"{{{w}}}val": alt})
        etree.SubElement(el, f"{{{w}}}charset", {f"{{{w}}}val": "86"})
        etree.SubElement(el, f"{{{w}}}family", {f"{{{w}}}val": "roman" if font != H1_FONT else "modern"})
        etree.SubElement(el, f"{{{w}}}pitch", {f"{{{w}}}val": "variable"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_number(paragraph) -> None:
    """'— N —' with N a PAGE field."""
    paragraph.add_run("— ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
        elif text == " PAGE ":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
            run._r.append(el)
        else:
            el = OxmlElement("w:t")
            el.text = text
            run._r.append(el)
    paragraph.add_run(" —")


def _footers(doc) -> None:
    """Page numbers: odd pages right, even pages left, one character in."""
    doc.settings.odd_and_even_pages_header_footer = True
    for s in doc.sections:
        for footer, align in ((s.footer, WD_ALIGN_PARAGRAPH.RIGHT), (s.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
            footer.is_linked_to_previous = False
            for p in footer.paragraphs[1:]:
                p._p.getparent().remove(p._p)
            p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
            for r in list(p.runs):
                r._r.getparent().remove(r._r)
            p.style = doc.styles["Footer"]
            p.alignment = align
            p.paragraph_format.first_line_indent = Pt(0)
            if align == WD_ALIGN_PARAGRAPH.RIGHT:
                p.paragraph_format.right_indent = Pt(SIHAO)
            else:
                p.paragraph_format.left_indent = Pt(SIHAO)
            _page_number(p)


def new_document():
    """An empty 公文 document: the office template when one is configured, else ours."""
    path = os.environ.get(TEMPLATE_ENV)
    if path and os.path.exists(path):
        doc = Document(path)
        body = doc.element.body
        for child in list(body):
            if child.tag != qn("w:sectPr"):
                body.remove(child)
        names = {s.name for s in doc.styles}
        if not {"Title", "Heading 1", "Heading 2", "Normal", "Caption"} <= names:
            _default_styles(doc)
        for name, east, size in (("Table Text", BODY_FONT, XIAOSI), ("Signature", BODY_FONT, SANHAO),
                                 ("Subtitle", H2_FONT, SANHAO)):
            if name not in names:
                _style(doc, name, east, size)
        return doc
    doc = Document()
    _default_styles(doc)
    _page_setup(doc)
    _font_table(doc)
    _footers(doc)
    return doc


# --- content -----------------------------------------------------------------------
def _cell_text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    return str(value)


def table_unit(df) -> str:
    """The caption's unit: the money unit named by the columns, or that values carry their own."""
    units = [u for u in ("亿元", "万元") if any(u in str(c) for c in df.columns)]
    if units:
        return "单位：" + "、".join(units)
    if any("（" in str(c) for c in df.columns):
        return "单位：见各列标题"
    return "单位：见表内各数值"


def _borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "4")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    tbl_pr.append(borders)


class _Writer:
    def __init__(self, doc, charts: dict[str, bytes | None]):
        self.doc, self.charts = doc, charts
        self.tables = self.figures = 0

    def paragraph(self, text: str, style: str | None = None):
        return self.doc.add_paragraph(text, style=style)

    def table(self, title: str, df) -> None:
        self.tables += 1
        self.paragraph(f"表{self.tables}　{title}（{table_unit(df)}）", "Caption")
        table = self.doc.add_table(rows=1, cols=len(df.columns))
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        if "Table Grid" in [s.name for s in self.doc.styles]:
            table.style = "Table Grid"
        else:
            _borders(table)
        text_style = self.doc.styles["Table Text"]
        rows = [list(df.columns)] + [list(r) for r in df.itertuples(index=False)]
        for i, values in enumerate(rows):
            cells = table.rows[0].cells if i == 0 else table.add_row().cells
            for j, (cell, value) in enumerate(zip(cells, values)):
                p = cell.paragraphs[0]
                p.style = text_style
                run = p.add_run(_cell_text(value))
                if i == 0:
                    run.bold = True
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                elif j > 0:
                    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        self._widths(table, rows)
        if len(rows) <= 16:             # a short table stays on one page
            for row in table.rows[:-1]:
                for cell in row.cells:
                    for p in cell.paragraphs:
                        p.paragraph_format.keep_with_next = True
        # repeat the header row on every page
        tr_pr = table.rows[0]._tr.get_or_add_trPr()
        el = OxmlElement("w:tblHeader")
        el.set(qn("w:val"), "true")
        tr_pr.append(el)

    @staticmethod
    def _widths(table, rows) -> None:
        """Column widths in proportion to their longest text (type area 156mm)."""
        def width(text: str) -> float:
            return sum(0.55 if ch.isascii() else 1 for ch in text)
        need = [max(4, max(min(width(_cell_text(r[j])), 14) for r in rows) + 1) for j in range(len(rows[0]))]
        total = sum(need)
        table.autofit = False
        for j, n in enumerate(need):
            w = Mm(156 * n / total)
            table.columns[j].width = w
            for cell in table.columns[j].cells:
                cell.width = w

    def picture(self, section: Section, png: bytes) -> None:
        self.figures += 1
        self.doc.add_picture(io.BytesIO(png), width=Cm(15.2))
        pic = self.doc.paragraphs[-1]
        pic.alignment = WD_ALIGN_PARAGRAPH.CENTER
        pic.paragraph_format.first_line_indent = Pt(0)
        pic.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        pic.paragraph_format.keep_with_next = True
        title = section.chart_title or section.name
        if section.chart_unit and section.chart_unit not in title:
            title += f"（单位：{section.chart_unit}）"
        elif section.chart_unit:
            title = title.replace(f"（{section.chart_unit}）", f"（单位：{section.chart_unit}）")
        self.paragraph(f"图{self.figures}　{title}", "Caption").paragraph_format.keep_with_next = False

    def attachments(self, section: Section | None) -> None:
        if section is None:
            return
        for title, df in section.tables:
            if df is not None and not df.empty:
                self.table(title, df)
        png = self.charts.get(section.key)
        if png:
            self.picture(section, png)

    def heading2(self, line: str) -> None:
        """'（一）标题。正文……': the heading in 楷体, the rest of the line in body text."""
        m = H2_RE.match(line)
        rest = line[m.end():]
        stop = rest.find("。")
        if stop == -1 or stop == len(rest) - 1:
            self.paragraph(line, "Heading 2")
            return
        p = self.paragraph("", "Normal")
        head = p.add_run(line[: m.end() + stop + 1])
        _rfonts(head._r, H2_FONT)
        p.add_run(rest[stop + 1:])


def signature(doc, issuer: str, issued: dt.date) -> None:
    """落款: the issuing office centred over the date; the date four characters
    from the right (the office's name, if longer, two characters from the right)."""
    date_text = f"{issued.year}年{issued.month}月{issued.day}日"

    def width(text: str) -> float:      # in characters of body text; Arabic digits are half width
        return sum(0.5 if ch.isascii() else 1 for ch in text)
    wi, wd = width(issuer), width(date_text)
    if wi <= wd:
        right_issuer, right_date = 4 + (wd - wi) / 2, 4
    else:
        right_issuer, right_date = 2, 2 + (wi - wd) / 2
    doc.add_paragraph("", style="Normal")
    doc.add_paragraph("", style="Normal")
    for text, right in ((issuer, right_issuer), (date_text, right_date)):
        p = doc.add_paragraph(text, style="Signature")
        p.paragraph_format.first_line_indent = Pt(0)
        p.paragraph_format.right_indent = Pt(right * SANHAO)
        p.paragraph_format.keep_with_next = True


def write_brief(doc, text: str, brief: Brief, charts: dict[str, bytes | None]) -> None:
    """The edited ``text`` into ``doc``, with ``brief``'s tables and charts."""
    by_name = {s.name: s for s in brief.sections}
    w = _Writer(doc, charts)
    section = None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for i, line in enumerate(lines):
        if i == 0:
            doc.add_paragraph(line, style="Title")
        elif i == 1 and line.startswith("范围："):
            w.paragraph(line, "Subtitle")
            w.paragraph("", "Normal")
        elif HEADING_RE.match(line):
            w.attachments(section)
            w.paragraph(line, "Heading 1")
            section = by_name.get(heading_name(line))
        elif H2_RE.match(line):
            w.heading2(line)
        else:
            w.paragraph(line, "Normal")
    w.attachments(section)


def issuer_default() -> str:
    return os.environ.get(ISSUER_ENV, "").strip() or DEFAULT_ISSUER


def document(text: str, brief: Brief, charts: dict[str, bytes | None] | None = None,
             issuer: str | None = None, issued: dt.date | None = None) -> bytes:
    """The .docx bytes of the (edited) ``text`` with ``brief``'s tables and charts,
    signed by ``issuer`` (default: $FINANCE_BRIEF_ISSUER or 县财政局金融办) on ``issued``."""
    charts = chart_pngs(brief) if charts is None else charts
    doc = new_document()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    doc.core_properties.title = lines[0] if lines else brief.title
    doc.core_properties.author = issuer or issuer_default()
    write_brief(doc, text, brief, charts)
    signature(doc, (issuer or "").strip() or issuer_default(), issued or dt.date.today())
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def page_break(doc) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def text_bytes(text: str) -> bytes:
    """The edited draft as a UTF-8 text file."""
    return text.replace("\r\n", "\n").encode("utf-8")


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--template":
        doc = new_document()
        doc.add_paragraph("标题（小标宋，二号）", style="Title")
        doc.add_paragraph("一、一级标题（黑体，三号）", style="Heading 1")
        doc.add_paragraph("（一）二级标题（楷体，三号）", style="Heading 2")
        doc.add_paragraph("正文（仿宋，三号，首行缩进二字，每页22行）。", style="Normal")
        doc.add_paragraph("表1　表格标题（单位：万元）", style="Caption")
        doc.save(argv[1])
        print("wrote", argv[1])
        return 0
    print("usage: python -m finance_core.docx_export --template OUT.docx", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
