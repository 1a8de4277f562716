"""AppTest runs of the 财政资金 page: the URL's filters and what-if parameters
drive the numbers; bad parameters are named and dropped; the overview shows
the area's row and flags."""
from __future__ import annotations

from finance_core import db as fdb
from finance_core import filters as ff
from finance_core import fiscal, money
from finance_core.privacy import contains_unmasked_id
from tests.apptest_support import card_text, card_values, cards, page_text, shown_text

PAGE = "pages/fiscal.py"


def qp(at, name: str) -> list[str]:
    """A URL parameter's values as the app wrote them back."""
    v = at.query_params.get(name, [])
    return [v] if isinstance(v, str) else list(v)


def metrics(at) -> dict[str, str]:
    return card_values(at)


def test_url_filters_and_what_if_drive_the_numbers(app, demo_db):
    params = {"as_of": "2026-09", "bank": "青禾村镇银行", "kind": ["贴息", "补偿金代偿"], "show": "含当年已拨付",
              "loan_growth": "0.2", "default_rate": "0.05"}
    at = app(params, page=PAGE)
    assert not at.exception
    with fdb.opened(demo_db) as db:
        opts = ff.load_options(db)
        f = ff.Filters("2026-09", (), (opts.bank_code("青禾村镇银行"),))
        kpis = fiscal.kpis(db, f)
        budget = fiscal.budget(db, "2026-09", 0.2, 0.05)
        claims = fiscal.pipeline_table(db, f, pending_only=False)
    shown = metrics(at)
    for k in kpis:
        assert shown[k.label] == k.text(), k.label
    assert shown["预算需求合计"] == money.fmt_money(budget.total)
    assert shown["明年贴息需求"] == money.fmt_money(budget.subsidy_need)
    grids = [d.value for d in at.dataframe]
    listed = next(g for g in grids if "编号" in g.columns and "状态" in g.columns)
    expected = claims[claims["类别"].isin(["贴息", "补偿金代偿"])]
    assert list(listed["编号"]) == list(expected["编号"])
    assert set(listed["类别"]) <= {"贴息", "补偿金代偿"}
    assert qp(at, "loan_growth") == ["0.2"] and qp(at, "show") == ["含当年已拨付"]
    assert qp(at, "kind") == ["贴息", "补偿金代偿"]
    text = "\n".join(g.to_csv() for g in grids) + "".join(m.value for m in at.markdown)
    assert not contains_unmasked_id(text)


def test_default_view_and_stories(app, demo_db):
    at = app(page=PAGE)
    assert not at.exception
    warnings = " ".join(shown_text(w.value) for w in at.warning)
    assert "邮储银行未报送" in warnings and "贴息申报" in warnings          # the quarterly claim
    captions = " ".join([c.value for c in at.caption] + [card_text(at)])   # cards' second lines too
    assert "低于序时进度" in captions and "笔超过拨付时限" in captions
    titles = [s.value for s in at.subheader]
    assert titles[:2] == ["申报 → 审核 → 拨付", "分银行、分季度"] and "测算：明年预算需求" in titles
    at = app({"as_of": "2026-08"}, page=PAGE)                              # the monthly 示范区 feed
    assert "数字普惠金融服务平台建设未报送" in " ".join(shown_text(w.value) for w in at.warning)


def test_bad_parameters_are_named_and_dropped(app):
    at = app({"loan_growth": "inf", "default_rate": "0.0123", "kind": ["贴息", "乱写"], "show": "全部",
              "Kind": "x"}, page=PAGE)
    assert not at.exception
    notice = " ".join(shown_text(w.value) for w in at.warning if "无效参数" in str(w.proto))
    for word in ("loan_growth", "default_rate", "乱写", "show", "Kind"):
        assert word in notice, word
    assert qp(at, "default_rate") == ["0.01"]   # on the step of 0.005: the nearest
    assert qp(at, "kind") == ["贴息"]
    assert qp(at, "loan_growth") in ([], ["0.1"]) and qp(at, "show") in ([], ["未拨付"]) and not qp(at, "Kind")
    assert metrics(at)["预算需求合计"] != "—"


def test_overview_has_the_area_row_and_flags(app):
    at = app(page="pages/overview.py")
    assert not at.exception
    assert "财政资金（贴息、代偿与示范区资金）" in [s.value for s in at.subheader]
    labels = [m.label for m in cards(at)]
    assert "当年拨付贴息" in labels and "示范区资金支出进度" in labels
    flags = page_text(at)   # a 需要关注 line is a link to its page
    assert "贴息逾期未拨付" in flags and "示范区资金支出进度" in flags
