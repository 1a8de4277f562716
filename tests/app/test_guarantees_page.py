"""The 融资担保 page in AppTest: link parameters drive the view, bad ones give a notice."""
import json

import pandas as pd
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from finance_core import guarantees as g
from finance_core import money
from finance_core.filters import Filters, load_options
from tests.apptest_support import card_text, card_values, cards, shown_text

PAGE = "pages/guarantees.py"


def metrics(at) -> dict[str, str]:
    return card_values(at)


def chart(at) -> tuple[dict, list[pd.DataFrame]]:
    """The page's trend charts (在保余额 above 放大倍数): the second's spec and
    the datasets of both."""
    charts = [e for e in at.main if type(e).__name__ == "UnknownElement" and hasattr(e.proto, "spec")]
    assert len(charts) == 2
    return json.loads(charts[1].proto.spec), [convert_arrow_bytes_to_pandas_df(d.data.data)
                                               for c in charts for d in c.proto.datasets]


def unmark(df: pd.DataFrame) -> pd.DataFrame:
    """A shown table without the status marks the page adds ("✓ 正常" -> "正常")."""
    return df.replace(r"^[✓⚠✕] ", "", regex=True)


def test_product_filter_and_what_if_from_the_link(app, db):
    opts = load_options(db)
    town = opts.town_code("城关镇")
    at = app({"as_of": "2026-06", "town": "城关镇", "product": "链担通—黄牛贷", "capital_add": "5000",
              "leverage_target": "12", "stress_comp": "0.1"}, page=PAGE)
    assert not at.exception
    assert at.multiselect(key="product").value == ["链担通—黄牛贷"]
    assert (at.number_input(key="capital_add").value, at.slider(key="leverage_target").value,
            at.slider(key="stress_comp").value) == (5000, 12.0, 0.1)
    f = Filters("2026-06", towns=(town,))
    shown = metrics(at)
    for k in g.kpis(db, f, ("HND",)):
        assert shown[k.label] == k.text(), k.label
    # the product filter changes the numbers (a product's 在保 is below the town's total)
    everything = {k.key: k for k in g.kpis(db, f)}
    assert shown["在保余额"] != everything["g_outstanding"].text()
    # per-product table: only the chosen product, flagged near its quota in the demo
    products = at.dataframe[0].value
    assert list(products["产品"]) == ["链担通—黄牛贷"]
    expected = g.product_table(db, f, ("HND",))
    assert unmark(products)[list(expected.columns)].equals(expected)   # 额度状态 is moved next to the name
    # what-if: the capital, target and stress of the link
    w = g.what_if(db, f, ("HND",), 5000.0, 12.0, 0.1)
    assert shown["注资后按 12 倍可新增担保"] == money.fmt_money(w.with_capital["headroom"])
    assert shown["压力情景消耗净资产"] == money.fmt_money(w.guarantor_loss)
    assert at.dataframe[3].value.equals(w.table())
    assert any("高于当前适用上限" in x.body for x in at.warning)   # 12 > the 10× cap
    body = " ".join(c.value for c in at.caption)
    assert "不随乡镇、银行、产品筛选变化" in body


def test_defaults_without_parameters(app, db):
    at = app(page=PAGE)
    assert not at.exception
    latest = load_options(db).latest
    f = Filters(latest)
    shown = metrics(at)
    for k in g.kpis(db, f):
        assert shown[k.label] == k.text(), k.label
    assert at.multiselect(key="product").value == []
    assert len(at.dataframe[0].value) == len(g.product_options(db))
    w = g.what_if(db, f, (), 0.0, 10.0, 0.03)
    assert shown["压力情景消耗净资产"] == money.fmt_money(w.guarantor_loss)
    assert not at.warning
    # the trend chart: 24 months of the scope's 在保 and the company's leverage, and the limit lines
    spec, datasets = chart(at)
    assert "layer" in spec
    trend = max(datasets, key=len)
    lines = next(d for d in datasets if list(d.columns) == ["线", "倍数"])
    assert trend.equals(g.trend(db, f))
    assert dict(zip(lines["线"], lines["倍数"])) == {
        "上限（支小支农≥80%）": 15.0, "上限（一般）": 10.0, "下限（低于为资本闲置）": 3.0}


def test_bad_parameters_give_a_notice_and_the_page_loads(app, db):
    at = app({"product": ["火星贷", "税融通"], "capital_add": "abc", "leverage_target": "99",
              "stress_comp": "-1"}, page=PAGE)
    assert not at.exception
    notice = shown_text(" ".join(w.body for w in at.warning))
    assert "火星贷" in notice and "capital_add" in notice and "leverage_target" in notice
    assert "stress_comp" in notice
    # the valid product stays, the bad numbers fall back to their defaults
    assert at.multiselect(key="product").value == ["税融通"]
    assert (at.number_input(key="capital_add").value, at.slider(key="leverage_target").value,
            at.slider(key="stress_comp").value) == (0, 10.0, 0.03)
    f = Filters(load_options(db).latest)
    assert metrics(at)["在保余额"] == g.kpis(db, f, ("SRT",))[0].text()


def test_hand_built_company_shows_known_numbers(app, empty_db, tmp_path):
    from tests.unit.test_guarantees import load_fixture

    load_fixture(empty_db)
    # a month with other areas' data but no guarantee figures
    empty_db.conn.execute("INSERT INTO credit_monthly VALUES ('2023-09', 'T1', 'B1', 1, 1, 1, 1, 1, 0, 0, NULL)")
    empty_db.conn.commit()
    path = tmp_path / "fixture.db"
    at = app({"as_of": "2024-06", "capital_add": "100", "leverage_target": "15", "stress_comp": "0.1"},
             page=PAGE, db_path=path)
    assert not at.exception
    shown = metrics(at)
    # see tests/test_guarantees.py for the sums
    assert shown["在保余额"] == "1,300 万元" and shown["在保户数"] == "3 户"
    assert shown["当年新增担保金额"] == "1,100 万元" and shown["当年新增担保户数"] == "3 户"
    assert shown["放大倍数（全公司）"] == "13.00 倍"
    assert shown["当年代偿率"] == "20.0%" and shown["累计代偿率"] == "21.7%"
    assert shown["代偿回收率"] == "23.1%" and shown["加权担保费率"] == "0.95%"  # two decimals against the 1% cap
    assert shown["支小支农占比"] == "100.0%" and shown["单户500万元及以下占比"] == "53.8%"
    assert shown["注资后按 15 倍可新增担保"] == "1,700 万元"      # 15 × 2M − 13M
    assert shown["压力情景消耗净资产"] == "58.00 万元"
    products = at.dataframe[0].value.set_index("产品")
    assert products.loc["税融通", "额度状态"] == "未设额度"
    assert products.loc["小微贷", "额度状态"] == "⚠ 接近额度"  # flagged rows are marked
    # March: leverage above the 10× cap that applies when small & agri < 80%
    march = app({"as_of": "2024-03"}, page=PAGE, db_path=path)
    flags = card_text(march)   # a card's breach line
    assert "超过 10 倍上限" in flags
    # no guarantee figures that month: a notice instead of numbers, no error
    none = app({"as_of": "2023-09"}, page=PAGE, db_path=path)
    assert not none.exception
    assert any("没有融资担保数据" in i.body for i in none.info)
    assert not cards(none)
