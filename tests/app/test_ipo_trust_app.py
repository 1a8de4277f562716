"""AppTest runs split from tests/unit/test_ipo_trust.py (the same subject, through the page)."""
import re
import shutil

import pandas as pd
import pytest

from finance_core import areas, briefing as br
from finance_core import db as fdb
from finance_core import demo, ipo, rollups, targets
from finance_core.filters import Filters
from tests import fixture_county
from tests.app.test_ipo_app import chart_data, metrics, table_with
from tests.unit.test_ipo_trust import PAGE, UP, county  # noqa: F401  (helpers and fixtures)


# --- the page (AppTest) ------------------------------------------------------------------------
def test_page_shows_re_entry_rounds_and_latest_round(app, county, tmp_path):
    path = tmp_path / "fixture.db"
    at = app(query_params={"as_of": "2024-05", "company": UP, "tab": "企业详情"}, page=PAGE, db_path=path)
    assert not at.exception and not at.error
    moves = table_with(at, "变动")
    assert "重新进入" in list(moves["变动"])
    m = metrics(at)
    # the latest round up to the data month (B轮 2024-03-05), from ipo_rounds
    assert (m["最近融资金额"], m["投后估值"]) == ("4,500 万元", "5.00 亿元")
    rounds = table_with(at, "计入股权融资")
    assert list(rounds["融资日期"]) == ["2021-01-15", "2022-08-01", "2024-03-05"]
    assert list(rounds["首轮"]) == ["是", "", ""]
    # the funnel is drawn on its tab (only the open tab is drawn)
    at = app(query_params={"as_of": "2024-04", "tab": "进度图表"}, page=PAGE, db_path=path)
    funnel = chart_data(at, "各阶段企业数").set_index("stage")
    assert funnel.loc["辅导备案", "fell_back"] == 1 and funnel.loc["辅导备案", "label"] == "3 家（回退 1）"
