"""Detail tables in expanders are made and sent only once the expander is opened
(ui/widgets.details): closed, the page holds no such table; opened, it shows the
rows finance_core gives."""
from __future__ import annotations

import pytest

from finance_core import banks as bk
from finance_core import db as fdb
from finance_core import filters as ff
from finance_core import credit, fiscal, ipo
from finance_core.config import THRESHOLDS
from finance_core import microloans as ml


def _expected(db, key: str, f: ff.Filters):
    """(a column the detail table has, its values in order) from finance_core."""
    if key == "banks_towns":
        t = bk.town_table(db, f)
        return "乡镇", list(t["乡镇"])
    if key == "banks_values":
        t = bk.ranking(db, f)
        return "银行", list(t["银行"])
    if key == "fiscal_rejections":
        t = fiscal.rejections(db, f)
        return t.columns[0], [str(v) for v in t.iloc[:, 0]]
    if key == "ml_stress_detail":
        t = ml.stress_test(db, f, ml.STRESS_DEFAULT, THRESHOLDS.fund_share_default).table()
        return t.columns[0], [str(v) for v in t.iloc[:, 0]]
    if key == "credit_whatif_detail":
        t = credit.whatif(db, f, credit.WHATIF_DEFAULTS["usage_target"], credit.WHATIF_DEFAULTS["coverage_target"]).table
        return "乡镇", list(t["乡镇"])
    if key == "ml_due_list":
        t = ml.maturity_list(db, f, 90)
        return "贷款编号", list(t["贷款编号"])
    if key == "ipo_typical":
        t = ipo.typical_table()
        return t.columns[0], [str(v) for v in t.iloc[:, 0]]
    raise KeyError(key)


@pytest.mark.parametrize("page, key, label", [
    ("pages/banks.py", "banks_towns", "分乡镇（按乡镇报送的银行）"),
    ("pages/banks.py", "banks_values", "各指标数值"),
    ("pages/fiscal.py", "fiscal_rejections", "贴息核减明细"),
    ("pages/microloans.py", "ml_stress_detail", "测算明细"),
    ("pages/ipo.py", "ipo_typical", "各阶段典型时长与停滞标准"),
    ("pages/credit-villages.py", "credit_whatif_detail", "测算明细（分乡镇）"),
    ("pages/microloans.py", "ml_due_list", "到期清单（逐笔，已脱敏）"),
])
def test_a_detail_table_is_drawn_once_opened(app, demo_db, page, key, label):
    at = app(page=page)
    assert not at.exception
    with fdb.opened(demo_db) as db:
        f = ff.Filters(ff.load_options(db).latest)
        column, values = _expected(db, key, f)
    assert values, "the demo has rows for this detail"
    closed = len(at.dataframe)
    assert label in [e.label for e in at.expander]
    at.session_state[key] = True
    at.run()
    assert not at.exception
    assert len(at.dataframe) == closed + 1
    shown = [[str(v) for v in d.value[column]] for d in at.dataframe if column in d.value.columns]
    assert values in shown, (key, shown)


@pytest.mark.parametrize("page, key, column", [
    ("pages/credit-villages.py", "credit_whatif_detail", "乡镇"),
    ("pages/microloans.py", "ml_due_list", "贷款编号"),
])
def test_an_opened_detail_stays_open_when_the_town_changes(app, page, key, column):
    """Its label does not change with the figures (a new label would be a new
    expander, closed again under the user's hand)."""
    at = app(page=page)
    at.session_state[key] = True
    at.run()
    assert any(column in d.value.columns for d in at.dataframe if key != "ml_due_list" or "身份证号" in d.value.columns)
    for towns in (["城关镇"], ["城关镇", "清溪镇"]):
        at.multiselect(key="town").set_value(towns).run()
        assert not at.exception
        assert at.session_state[key] is True
        shown = [d.value for d in at.dataframe if column in d.value.columns]
        if key == "ml_due_list":
            shown = [d for d in shown if "身份证号" in d.columns]
        else:
            shown = [d for d in shown if "需新增用信（万元）" in d.columns]
        assert shown and set(shown[0][column]) - {"合计"}, (key, towns)
