"""AppTest runs of the 小额信贷 page: numbers from the URL's filters and what-if
parameters, bad parameters, and no unmasked ID number anywhere on the page."""
from __future__ import annotations

import re

import pytest

from finance_core import db as fdb
from finance_core import filters as ff
from finance_core import microloans as ml
from finance_core import money
from finance_core.privacy import contains_unmasked_id
from tests.unit import test_microloans as fixture
from tests.apptest_support import card_values, shown_text

PAGE = "pages/microloans.py"


def metrics(at) -> dict[str, str]:
    return card_values(at)


def due_list_opened(at):
    """``at`` rerun with its 到期清单 open (closed at first: the list is made on request)."""
    at.session_state["ml_due_list"] = True
    at.run()
    assert not at.exception
    return at


def walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def rendered_text(at) -> str:
    """Every element's protobuf (titles, captions, metrics, chart specs, table
    bytes) plus every table's values as CSV."""
    parts = [str(node.proto) for node in walk(at._tree) if hasattr(node, "proto")]
    parts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(parts)


@pytest.fixture
def small_path(empty_db, tmp_path):
    fixture.build(empty_db)
    return tmp_path / "fixture.db"


def test_url_filters_and_whatif_drive_the_numbers(app, demo_db):
    params = {"as_of": "2026-06", "town": ["城关镇", "高峰乡"], "bank": "青禾村镇银行", "by": "银行",
              "due": "30", "measure": "笔数", "stress_default": "0.1", "fund_share": "0.5"}
    at = app(params, page=PAGE)
    assert not at.exception
    with fdb.opened(demo_db) as db:
        opts = ff.load_options(db)
        f = ff.Filters("2026-06", (opts.town_code("城关镇"), opts.town_code("高峰乡")),
                       (opts.bank_code("青禾村镇银行"),))
        kpis = ml.kpis(db, f)
        stress = ml.stress_test(db, f, 0.1, 0.5)
        due = ml.maturity_list(db, f, 30)
        ranks = ml.rankings(db, f, ml.BY_BANK)
        default_kpis = ml.kpis(db, ff.Filters(opts.latest))
    shown = metrics(at)
    for k in kpis:
        assert shown[k.label] == k.text(), k.label
    assert shown["贷款余额"] != next(k.text() for k in default_kpis if k.key == "ml_balance")
    # what-if sliders and choices read back from the URL
    assert [s.value for s in at.slider] == [0.1, 0.5]
    assert [g.value for g in at.get("button_group")] == ["银行", "笔数", 30]
    assert shown["补偿金应承担损失"] == money.fmt_money(stress.loss)
    assert shown["覆盖倍数"] == f"{stress.coverage:.2f} 倍"
    assert shown["缺口"] == money.fmt_money(stress.shortfall)
    assert shown["还可支撑新增投放"] == f"{stress.months_backed:.1f} 个月"
    assert f"未来 30 天内到期 {len(due):,} 笔" in " ".join(c.value for c in at.caption)
    assert not any("身份证号" in d.value.columns for d in at.dataframe)   # closed: not drawn
    frames = {frozenset(d.value.columns): d.value for d in due_list_opened(at).dataframe}   # status columns may move
    listing = frames[frozenset(ml.MATURITY_COLUMNS)]
    assert listing["贷款编号"].tolist() == due["贷款编号"].tolist()
    ranking = frames[frozenset(ranks.columns)]
    assert ranking["银行"].tolist() == ["青禾村镇银行"]
    assert ranking["贷款余额（万元）"].tolist() == ranks["贷款余额（万元）"].tolist()
    # the ageing table shows counts (measure=笔数)
    assert any("正常（笔）" in cols and "正常（万元）" not in cols for cols in frames)


def test_default_view_and_whatif_defaults(app, demo_db):
    at = app(page=PAGE)
    assert not at.exception and not at.warning
    assert [s.value for s in at.slider] == [ml.STRESS_DEFAULT, ml.THRESHOLDS.fund_share_default]
    assert [g.value for g in at.get("button_group")] == ["乡镇", "金额", 90]
    with fdb.opened(demo_db) as db:
        f = ff.Filters(ff.load_options(db).latest)
        stress = ml.stress_test(db, f)
        expected = {k.label: k.text() for k in ml.kpis(db, f)}
    shown = metrics(at)
    assert {k: shown[k] for k in expected} == expected
    assert shown["代偿后补偿金余额"] == money.fmt_money(stress.fund_after)
    assert len(at.get("download_button")) == 8    # workbook + 7 CSV


def test_bad_link_parameters_give_notice_and_page_loads(app):
    at = app({"as_of": "2099-13", "stress_default": "abc", "fund_share": "2", "by": "火星",
              "due": "45", "measure": "面积"}, page=PAGE)
    assert not at.exception
    notice = shown_text("\n".join(w.value for w in at.warning))
    # (as_of is checked by the filter bar on the first run, before AppTest switches page)
    for bad in ("stress_default", "fund_share", "火星", "45", "面积"):
        assert bad in notice, bad
    assert [s.value for s in at.slider] == [ml.STRESS_DEFAULT, ml.THRESHOLDS.fund_share_default]
    assert [g.value for g in at.get("button_group")] == ["乡镇", "金额", 90]
    assert "贷款余额" in metrics(at)


def test_fixture_page_shows_known_answers(app, small_path):
    at = app({"due": "90", "stress_default": "0.1", "fund_share": "0.4"}, page=PAGE, db_path=small_path)
    assert not at.exception
    shown = metrics(at)
    assert shown["贷款余额"] == "40.00 万元"
    assert shown["逾期率"] == "37.5%" and shown["PAR30"] == "27.5%" and shown["PAR90"] == "17.5%"
    assert shown["获贷率"] == "70.0%"
    assert shown["当年新增投放金额"] == "14.00 万元" and shown["当年新增投放户数"] == "5 户"
    assert shown["当年续贷笔数"] == "1 笔" and shown["当年展期金额"] == "3.00 万元"
    assert shown["累计发放金额"] == "49.00 万元" and shown["当年贴息"] == "0.09 万元"
    assert shown["补偿金应承担损失"] == "1.60 万元" and shown["覆盖倍数"] == "6.25 倍"
    listing = next(d.value for d in due_list_opened(at).dataframe if "身份证号" in d.value.columns)
    assert listing["借款人"].tolist() == ["张*明", "欧阳*华", "司马*", "李*"]
    assert listing["身份证号"].tolist() == ["9901**********0081", "9901**********0061", "*****",
                                        "9901**********0141"]


def test_no_rendered_element_holds_an_unmasked_id(app, demo_db, small_path):
    for path, params in ((demo_db, {"due": "90", "by": "银行"}), (small_path, {"due": "90"})):
        at = due_list_opened(app(params, page=PAGE, db_path=path))
        text = rendered_text(at)
        assert "**********" in text          # the masked list is there ...
        assert not contains_unmasked_id(text)  # ... and no full ID number anywhere
        with fdb.opened(path) as db:
            ids = [r[0] for r in db.execute("SELECT id_number FROM households").fetchall()]
            names = [r[0] for r in db.execute(
                "SELECT h.head_name FROM households h JOIN microloans l ON l.household_id = h.id "
                "WHERE l.maturity_on > '2025-06-30' AND length(h.head_name) >= 3").fetchall()]
        tokens = set(re.findall(r"[0-9Xx]{5,}", text))
        assert not tokens & {i for i in ids if len(i) >= 5}
        if path == small_path:
            assert not any(n in text for n in names)
