"""Real browser: the 调度简报 share link opens the same brief; the Word and text
downloads carry the edited draft."""
import io
from urllib.parse import urlencode

import docx
import pytest

from finance_core import briefing as br
from finance_core import db as fdb
from finance_core import filters as ff
from tests.conftest import wait_for_app

pytestmark = pytest.mark.browser


def test_share_link_opens_the_brief_and_downloads_the_edited_draft(server, page, demo_db):
    with fdb.opened(demo_db) as db:
        town = ff.load_options(db).town_code("高峰乡")
        brief = br.build(db, br.ANNUAL, ff.Filters("2025-06", (town,)))
    qs = urlencode([("kind", "年报"), ("as_of", "2025-06"), ("town", "高峰乡")])
    page.goto(f"{server}/briefing?{qs}")
    wait_for_app(page)
    area = page.locator('[data-testid="stTextArea"] textarea')
    area.wait_for()
    assert area.input_value() == brief.text()
    assert "kind=" in page.url and "town=" in page.url
    # edit the draft, then download: both files hold the edit
    edited = brief.text().replace("高峰乡推进党建引领信用村建设工作", "高峰乡扎实推进党建引领信用村建设工作")
    assert edited != brief.text()
    area.fill(edited)
    area.blur()
    page.get_by_text("草稿已修改").wait_for()   # the rerun with the edit has finished
    wait_for_app(page)
    with page.expect_download() as got:
        page.get_by_role("button", name="下载文本（.txt）").click()
    path = got.value.path()
    assert open(path, encoding="utf-8").read() == edited
    with page.expect_download(timeout=60_000) as got:
        page.get_by_role("button", name="下载 Word（.docx）").click()
    assert got.value.suggested_filename.endswith(".docx")
    d = docx.Document(io.BytesIO(open(got.value.path(), "rb").read()))
    texts = [p.text for p in d.paragraphs]
    assert texts[0] == brief.title
    assert any(t.startswith("高峰乡扎实推进党建引领信用村建设工作") for t in texts)
    assert d.tables and d.inline_shapes
