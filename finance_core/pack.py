"""The meeting pack (会议材料): one workbook with every area's headline tables
and the brief, and one PDF of the overview and the brief for projection or
printing.

PDF renderer: LibreOffice headless (Debian ``libreoffice-writer-nogui``). It
renders the very .docx the office receives, so the PDF of the brief is the
Word brief page for page, in the same 公文 layout and fonts; WeasyPrint would
need a second, HTML layout of the brief to keep in step. Fonts: the office
fonts the document names map to Noto CJK SC through ``assets/fonts.conf``.
Without LibreOffice, :func:`pdf` raises :class:`RendererMissing` with a
Chinese message the page shows.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import sqlite_utils

from . import areas, completeness, kpi, credit, docx_export, exports, guarantees, ipo, microloans, overview
from . import versions
from .briefing import Brief
from .filters import Filters, load_options, scope_label
from .kpi import fmt_value
from .targets import shown as target_shown

FONTS_CONF = Path(__file__).resolve().parent / "assets" / "fonts.conf"
MIME_PDF = "application/pdf"
RENDERER_TIMEOUT = 180
MISSING_RENDERER = ("未找到 PDF 转换组件（LibreOffice），暂不能生成 PDF。请联系管理员安装 "
                    "libreoffice-writer-nogui；Excel 和 Word 文件仍可下载，也可用浏览器打印本页。")

class RendererMissing(RuntimeError):
    """LibreOffice is not installed: no PDF."""

    def __init__(self):
        super().__init__(MISSING_RENDERER)


def renderer() -> str | None:
    """The LibreOffice executable, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _scope(db, f: Filters) -> tuple[str, exports.Context]:
    label = scope_label(load_options(db), f)
    scope = label.rpartition(" · 数据月份 ")[0]
    return label, exports.Context("会议材料", scope, f.as_of)


# --- workbook --------------------------------------------------------------------
def overview_kpi_sheet(db: sqlite_utils.Database, f: Filters) -> exports.Sheet:
    rows = []
    for area in areas.ALL:
        kpis = area.overview_kpis(db, f)
        sheet = exports.kpi_sheet(kpis, area=area.heading)
        kinds = [k.kind for k in kpis]
        rows += [(kind, row) for kind, row in zip(kinds, sheet.df.to_dict("records"))]
    return exports.kpi_rows_sheet(rows)


def targets_sheet(db: sqlite_utils.Database, f: Filters) -> exports.Sheet:
    table = overview.targets_table(db, f)
    return exports.Sheet(table.drop(columns=["key"], errors="ignore"), ratio_columns=("完成率", "序时进度"),
                         unit="全年目标、累计完成见“单位”列")


def flags_table(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    opts = load_options(db)
    flags = overview.red_flags(db, f, opts.town_names, opts.bank_names)
    return pd.DataFrame([{"领域": x.area, "问题": x.text} for x in flags], columns=["领域", "问题"])


def gaps_table(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """报送情况: one row per missing submission in scope (named, never silently zero)."""
    lines = completeness.notice_lines(completeness.gaps(db, f))
    return pd.DataFrame({"未报送情况": lines}, columns=["未报送情况"])


def reporting_value(db: sqlite_utils.Database, f: Filters) -> str:
    """The header's 报送情况 entry (as ui.reporting.header_value words it)."""
    lines = completeness.notice_lines(completeness.gaps(db, f))
    return "；".join(lines) if lines else "范围内各单位均已报送"


def overview_sheets(db: sqlite_utils.Database, f: Filters) -> dict[str, exports.Sheet | pd.DataFrame]:
    """The overview page's export: every area's KPIs, targets, flags and missing submissions."""
    return {"总览指标": overview_kpi_sheet(db, f), "年度目标": targets_sheet(db, f), "需要关注": flags_table(db, f),
            "报送情况": gaps_table(db, f)}


def overview_header(db: sqlite_utils.Database, f: Filters) -> dict[str, str]:
    return {"页面": "总览", "筛选范围": scope_label(load_options(db), f), "数据月份": f.as_of,
            "报送情况": reporting_value(db, f), "口径": "金额单位万元；比率的较上月、同比变化单位为个百分点",
            **versions.header(db)}


def headline_sheets(db: sqlite_utils.Database, f: Filters) -> dict[str, exports.Sheet | pd.DataFrame]:
    """Every area's headline tables, in the overview's order."""
    sheets = dict(overview_sheets(db, f))
    sheets["信用村-乡镇排名"] = credit.town_ranking(db, f)
    sheets["信用村-银行排名"] = credit.bank_ranking(db, f)
    sheets["小额信贷-乡镇排名"] = microloans.rankings(db, f, microloans.BY_TOWN)
    sheets["小额信贷-银行排名"] = microloans.rankings(db, f, microloans.BY_BANK)
    sheets["小额信贷-逾期账龄"] = microloans.ageing(db, f)
    sheets["融资担保-担保产品"] = guarantees.product_table(db, f)
    sheets["融资担保-按银行"] = guarantees.breakdown(db, f, by="bank")
    sheets["企业上市-企业名单"] = ipo.export_tables(db, f)["企业名单"]
    return sheets


def brief_sheet(text: str) -> exports.Sheet:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return exports.Sheet(pd.DataFrame({"简报正文": lines}), unit="", title="调度简报")


def workbook(db: sqlite_utils.Database, f: Filters, text: str) -> bytes:
    """The pack's workbook: 说明, the headline tables, then the brief's text."""
    label, ctx = _scope(db, f)
    sheets = headline_sheets(db, f)
    sheets["调度简报"] = brief_sheet(text)
    header = {"材料": "月调度会议材料", "筛选范围": label, "数据月份": f.as_of,
              "报送情况": reporting_value(db, f), "内容": "、".join(sheets),
              "口径": "金额单位万元；比率的较上月、同比变化单位为个百分点", **versions.header(db)}
    return exports.write_workbook(sheets, header, ctx)


# --- PDF ----------------------------------------------------------------------------
def _overview_into(doc, db: sqlite_utils.Database, f: Filters) -> None:
    """The overview as the pack's first pages: KPIs per area, targets, flags."""
    label, ctx = _scope(db, f)
    w = docx_export._Writer(doc, {})
    doc.add_paragraph("普惠金融监测总览", style="Title")
    w.paragraph(f"范围：{ctx.scope} · 数据{ctx.month_text()}", "Subtitle")
    w.paragraph(completeness.summary_line(db, f), "Normal")
    for line in completeness.notice_lines(completeness.gaps(db, f)):
        w.paragraph(line, "Normal")
    n = 0
    for area in areas.ALL:
        title, kpis = area.heading, area.overview_kpis(db, f)
        if all(k.value is None for k in kpis):
            continue
        n += 1
        w.paragraph(f"{'一二三四五六七八九十'[n - 1]}、{title}", "Heading 1")
        w.table(f"{title}主要指标", kpi.frame(kpis))
    targets = overview.targets_table(db, f)
    if not targets.empty:
        n += 1
        w.paragraph(f"{'一二三四五六七八九十'[n - 1]}、年度目标完成情况", "Heading 1")
        shown = pd.DataFrame({"指标": targets["指标"],
                              "全年目标": [target_shown(v, u) for v, u in zip(targets["全年目标"], targets["单位"])],
                              "累计完成": [target_shown(v, u) for v, u in zip(targets["累计完成"], targets["单位"])],
                              "完成率": targets["完成率"].map(lambda v: fmt_value("ratio", None if pd.isna(v) else v)),
                              "序时进度": targets["序时进度"].map(lambda v: fmt_value("ratio", None if pd.isna(v) else v)),
                              "进度": targets["进度"].fillna("—")})
        if "数据说明" in targets and targets["数据说明"].fillna("").astype(bool).any():
            shown["数据说明"] = targets["数据说明"].fillna("")
        w.table("年度目标完成情况", shown)
    flags = flags_table(db, f)
    n += 1
    w.paragraph(f"{'一二三四五六七八九十'[n - 1]}、需要关注", "Heading 1")
    if flags.empty:
        w.paragraph("当前范围内没有超出阈值的指标。", "Normal")
    for i, row in enumerate(flags.itertuples(index=False), start=1):
        w.paragraph(f"{i}. {row.领域}：{row.问题}", "Normal")


def pack_document(db: sqlite_utils.Database, f: Filters, text: str, brief: Brief,
                  issuer: str | None = None, issued: dt.date | None = None,
                  charts: dict[str, bytes | None] | None = None) -> bytes:
    """The .docx of the overview followed, from a new page, by the brief."""
    import io

    charts = docx_export.chart_pngs(brief) if charts is None else charts
    doc = docx_export.new_document()
    doc.core_properties.title = f"月调度会议材料（{brief.title}）"
    _overview_into(doc, db, f)
    docx_export.page_break(doc)
    docx_export.write_brief(doc, text, brief, charts)
    docx_export.signature(doc, (issuer or "").strip() or docx_export.issuer_default(), issued or dt.date.today())
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def docx_to_pdf(data: bytes) -> bytes:
    """Render .docx bytes to PDF with LibreOffice headless (own profile per call,
    so two conversions at once do not share a lock)."""
    exe = renderer()
    if exe is None:
        raise RendererMissing()
    with tempfile.TemporaryDirectory(prefix="pack-") as tmp:
        src = Path(tmp) / "pack.docx"
        src.write_bytes(data)
        env = dict(os.environ, FONTCONFIG_FILE=str(FONTS_CONF), HOME=tmp)
        cmd = [exe, "--headless", "--norestore", "--nologo", f"-env:UserInstallation=file://{tmp}/profile",
               "--convert-to", "pdf", "--outdir", tmp, str(src)]
        proc = subprocess.run(cmd, env=env, capture_output=True, timeout=RENDERER_TIMEOUT)
        out = Path(tmp) / "pack.pdf"
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError("PDF 生成失败：" + proc.stderr.decode("utf-8", "replace")[-300:])
        return out.read_bytes()


def pdf(db: sqlite_utils.Database, f: Filters, text: str, brief: Brief,
        issuer: str | None = None, issued: dt.date | None = None) -> bytes:
    """The pack's PDF: overview, then the brief (A4, 公文 layout)."""
    if renderer() is None:
        raise RendererMissing()
    return docx_to_pdf(pack_document(db, f, text, brief, issuer, issued))
