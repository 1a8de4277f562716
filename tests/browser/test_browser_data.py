"""Real browser: an editor signs in, uploads a filled template, previews, applies,
and the overview then shows the new month."""
from __future__ import annotations

import pytest

from finance_core import auth
from finance_core import db as fdb
from finance_core.imports import templates
from tests.conftest import run_server, wait_for_app

pytestmark = pytest.mark.browser


def test_editor_uploads_template_and_overview_shows_new_month(writable_db, tmp_path, page):
    with fdb.opened(writable_db) as db:
        auth.add_user(db, "张三", "correct horse")
        rows = [("2026-11",) + r[1:] for r in templates.export_rows(db, "credit", "2026-10")]
        upload = tmp_path / "2026年11月信用村报表.xlsx"
        upload.write_bytes(templates.workbook(db, "credit", rows))
    with run_server(writable_db, tmp_path / "streamlit.log") as url:
        page.goto(f"{url}/")
        wait_for_app(page, min_metrics=5)
        page.get_by_role("link", name="数据管理").click()
        page.get_by_label("用户名").wait_for(timeout=60_000)
        wait_for_app(page)
        assert page.locator('input[type="file"]').count() == 0      # a viewer has no upload
        page.get_by_label("用户名").fill("张三")
        page.get_by_label("密码").fill("correct horse")
        page.get_by_role("button", name="登录").click()
        page.get_by_text("已登录编辑账号").first.wait_for()
        page.locator('input[type="file"]').set_input_files(str(upload))
        page.get_by_text("新增（行）").first.wait_for(timeout=60_000)
        wait_for_app(page)
        assert f"{len(rows):,}" in page.locator('[data-testid="stMetric"]').first.inner_text()
        page.get_by_role("button", name="确认导入").click()
        page.get_by_text("已导入").first.wait_for(timeout=60_000)
        assert f"新增 {len(rows):,} 行" in page.inner_text("body")
        page.get_by_role("link", name="总览").click()
        wait_for_app(page, min_metrics=5)
        page.get_by_text("截至2026年11月末").first.wait_for()
    with fdb.opened(writable_db) as db:
        assert db.execute("SELECT COUNT(*) FROM credit_reports WHERE month = '2026-11'").fetchone() == (len(rows),)
        assert db.execute("SELECT user_name, file_name FROM import_log").fetchall() == [("张三", upload.name)]
