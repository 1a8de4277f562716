"""A fresh server's very first request is a deep link to a page with parameters."""
import pytest

from tests.conftest import run_server, wait_for_app

pytestmark = pytest.mark.browser


def test_first_request_to_a_fresh_server_can_be_a_deep_link(demo_db, tmp_path, page):
    with run_server(demo_db, tmp_path / "fresh.log") as url:
        page.goto(f"{url}/ipo?stage=辅导备案&as_of=2026-06")
        page.wait_for_selector('[data-testid="stApp"]')
        page.wait_for_selector('[data-testid="stException"], .ifm-kpi')
        wait_for_app(page)
        body = page.inner_text("body")
        assert "KeyError" not in body and "Traceback" not in body
        assert "截至2026年6月末" in body and "数据月份" in body  # the shared filter bar ran
        page.goto(f"{url}/credit-villages?town=高峰乡")
        wait_for_app(page, min_metrics=3)
        assert "KeyError" not in page.inner_text("body")
