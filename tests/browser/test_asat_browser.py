"""Real browser (issue 21 done-when): on the demo county, a link pinned with
固定为当前数据 before a corrected November file is imported still shows the old
November figures, with the banner and the change list; the unpinned link shows
the new figures."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from finance_core import db as fdb
from finance_core import demo, imports, periods
from finance_core.imports import templates
from bench.harness import metric_values, run_server, wait_for_app

pytestmark = pytest.mark.browser


def test_a_pinned_link_keeps_the_old_november_after_a_correction(tmp_path, page):
    path = tmp_path / "county.db"
    demo.build(path, scale=1)                   # the demo county, ending at the last full month
    month = periods.last_full_month()
    with run_server(path, tmp_path / "streamlit.log") as url:
        page.goto(f"{url}/credit-villages?as_of={month}")
        wait_for_app(page, min_metrics=5)
        before = metric_values(page)["授信金额"]
        page.get_by_role("button", name="固定为当前数据").click()
        page.get_by_text("本链接显示").first.wait_for(timeout=60_000)
        wait_for_app(page, min_metrics=5)
        pinned = page.url
        assert parse_qs(urlparse(pinned).query)["v"] == ["1"]
        assert "此后数据已更新 0 次" in page.inner_text("body")

        # 农商行 re-files November, corrected: 10% more granted in every village
        with fdb.opened(path) as db:
            rows = [r[:6] + (int(r[6] * 1.1),) + r[7:] for r in templates.export_rows(db, "credit", month)
                    if r[4] == "农商行"]
            result = imports.import_file(db, "credit", "11月更正.xlsx", templates.workbook(db, "credit", rows),
                                         "张三")
            assert result.updated == len(rows)

        page.goto(pinned)
        page.get_by_text("此后数据已更新 1 次").first.wait_for(timeout=60_000)
        wait_for_app(page, min_metrics=5)
        assert metric_values(page)["授信金额"] == before
        body = page.inner_text("body")
        assert "本链接显示" in body and "此后影响本页的报送与更正（1 项" in body
        changes = page.locator('[data-testid="stDataFrame"]').first
        changes.wait_for()
        assert page.get_by_role("button", name="查看最新数据").is_visible()

        page.goto(f"{url}/credit-villages?as_of={month}")
        wait_for_app(page, min_metrics=5)
        after = metric_values(page)["授信金额"]
        assert after != before
        assert "本链接显示" not in page.inner_text("body")

        # the pinned view's button leads to the current view, same filters
        page.goto(pinned)
        page.get_by_role("button", name="查看最新数据").click()
        page.wait_for_function("!location.search.includes('v=')")
        wait_for_app(page, min_metrics=5)
        assert metric_values(page)["授信金额"] == after
        assert "本链接显示" not in page.inner_text("body")
