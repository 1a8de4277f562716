"""AppTest: the overview and the brief offer the exports and the meeting pack;
without LibreOffice the PDF button is disabled with a Chinese message."""
from finance_core import pack

BRIEF = "pages/briefing.py"


def _buttons(at) -> dict[str, object]:
    return {b.proto.label: b for b in at.get("download_button")}


def test_overview_offers_its_workbook_and_the_meeting_pack(app):
    at = app()
    assert not at.exception
    labels = set(_buttons(at))
    assert {"下载总览 Excel", "会议材料 Excel（各领域主要表格＋简报）", "会议材料 PDF（总览＋简报）"} <= labels


def test_brief_offers_signature_date_and_the_pack(app):
    at = app(page=BRIEF)
    assert not at.exception
    assert at.text_input(key="brief_issuer").value
    assert at.date_input(key="brief_date").value
    labels = set(_buttons(at))
    assert {"下载 Word（.docx）", "下载文本（.txt）", "会议材料 PDF（总览＋简报）"} <= labels


def test_without_the_renderer_the_pdf_button_says_why(app, monkeypatch):
    monkeypatch.setattr(pack.shutil, "which", lambda name: None)
    at = app()
    assert not at.exception
    assert _buttons(at)["会议材料 PDF（总览＋简报）"].proto.disabled
    assert any(pack.MISSING_RENDERER in c.value for c in at.caption)
    assert not _buttons(at)["会议材料 Excel（各领域主要表格＋简报）"].proto.disabled
