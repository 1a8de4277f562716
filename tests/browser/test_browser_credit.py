"""Real browser: a 信用村 share link with town, bank and usage_target opens the
same numbers and the same slider position, in this browser and in another.

Run on its own, this test is the first visitor of a fresh server: Streamlit then
resolves the link in its legacy pages-folder mode, by file name, which is why the
page file is named like its url path (pages/credit-villages.py)."""
from urllib.parse import urlencode

import pytest

from finance_core import credit
from finance_core import db as fdb
from finance_core import filters as ff
from finance_core.money import fmt_money
from tests.conftest import opened_elsewhere, wait_for_app
from tests.conftest import metric_values

pytestmark = pytest.mark.browser

N_METRICS = 15  # 10 KPIs + 5 what-if figures


def slider(pg, label: str) -> tuple[float, str]:
    """(value, text on the thumb) of the slider labelled ``label``."""
    s = pg.locator('[data-testid="stSlider"]').filter(has_text=label)
    value = s.locator('input[type="range"]').input_value()
    return float(value), s.locator('[data-testid="stSliderThumbValue"]').inner_text().strip()


def test_share_link_reproduces_credit_numbers_and_slider(server, page, demo_db):
    with fdb.opened(demo_db) as db:
        opts = ff.load_options(db)
        f = ff.Filters(as_of="2026-09", towns=(opts.town_code("城关镇"), opts.town_code("梅岭镇")),
                       banks=(opts.bank_code("农商行"),))
        expected = {k.label: k.text() for k in credit.kpis(db, f)}
        whatif = credit.whatif(db, f, 0.72, 0.45)
        default_whatif = credit.whatif(db, f, 0.6, 0.45)
    qs = urlencode([("as_of", "2026-09"), ("town", "城关镇"), ("town", "梅岭镇"), ("bank", "农商行"),
                    ("usage_target", "0.72")])
    page.goto(f"{server}/credit-villages?{qs}")
    wait_for_app(page, min_metrics=N_METRICS)
    shown = metric_values(page)
    for label, value in expected.items():
        assert shown[label] == value, label
    assert shown["需新增用信"] == fmt_money(whatif.extra_used) != fmt_money(default_whatif.extra_used)
    assert slider(page, "目标用信率") == (pytest.approx(0.72), "72%")
    assert slider(page, "目标授信覆盖率") == (pytest.approx(0.45), "45%")
    assert "usage_target=0.72" in page.url and "bank=" in page.url
    # another browser opening the copied link sees the same view
    with opened_elsewhere(page, min_metrics=N_METRICS) as pg2:
        assert metric_values(pg2) == shown
        assert slider(pg2, "目标用信率") == (pytest.approx(0.72), "72%")
