"""AppTest runs of app.py on the overview: numbers, link parameters, notices."""
from finance_core import areas as registry, db as fdb
from finance_core import filters as ff
from finance_core import overview
from tests.apptest_support import card_values, page_text, shown_text


def metrics(at) -> dict[str, str]:
    return card_values(at)


def expected(demo_db, f):
    with fdb.opened(demo_db) as db:
        areas = [overview.area_kpis(db, f, a.key) for a in registry.ALL]
        table = overview.targets_table(db, f)
    # an area with no data in scope shows a notice instead of its tiles
    return {k.label: k.text() for kpis in areas if any(k.value is not None for k in kpis) for k in kpis}, table


def test_default_view_shows_latest_month_for_whole_county(app, demo_db):
    at = app()
    assert not at.exception
    assert at.title[0].value == "总览"
    assert at.selectbox(key="as_of").value == "2026-10"
    want, table = expected(demo_db, ff.Filters("2026-10"))
    assert metrics(at) == want
    shown = at.dataframe[0].value
    assert list(shown["指标"]) == list(table["指标"])
    assert list(shown["完成率"].round(6)) == list((table["完成率"] * 100).round(6))  # shown in percent
    # each target in its own unit: counts whole ("2 家", never "2.00"), money in 万元
    rows = shown.set_index("指标")
    (goal,) = table.loc[table["key"] == "ipo_guidance_filings", "全年目标"]
    assert rows.loc["新增辅导备案企业", "全年目标"] == f"{int(goal)} 家"
    (granted,) = table.loc[table["key"] == "credit_granted_increase", "全年目标"]
    assert rows.loc["信用村新增授信", "全年目标"] == f"{granted:,.2f} 万元"
    assert not at.warning
    # the 需要关注 lines: each is the link to its page (or markdown when no page explains it)
    text = page_text(at)
    assert "高峰乡信用村新增授信完成率" in text and "青禾村镇银行小额信贷逾期率" in text


def test_link_parameters_set_the_scope(app, demo_db):
    at = app(query_params={"as_of": "2025-06", "town": ["高峰乡", "城关镇"], "bank": ["农商行"]})
    assert not at.exception and not at.warning
    assert at.selectbox(key="as_of").value == "2025-06"
    assert at.multiselect(key="town").value == ["高峰乡", "城关镇"]
    with fdb.opened(demo_db) as db:
        opts = ff.load_options(db)
    f = ff.Filters("2025-06", tuple(sorted((opts.town_code("高峰乡"), opts.town_code("城关镇")))),
                   (opts.bank_code("农商行"),))
    want, _ = expected(demo_db, f)
    assert metrics(at) == want
    assert metrics(at) != expected(demo_db, ff.Filters("2025-06"))[0]
    # detail and red-flag links open in the same tab and carry the filters
    links = [e.proto for e in at.get("page_link") if e.proto.icon == ":material/arrow_forward:"]  # not the menu
    assert any(p.label == "查看详情" for p in links) and any(" · " in p.label for p in links)  # areas, flags
    assert len(links) >= 5 and all("as_of=2025-06" in p.query_string and "bank=" in p.query_string for p in links)
    assert not any(p.external for p in links)


def test_garbage_parameters_are_dropped_with_a_notice(app, demo_db):
    at = app(query_params={"as_of": "2099-13", "town": ["火星镇", "城关镇"], "bank": "<script>"})
    assert not at.exception
    assert len(at.warning) == 1
    notice = shown_text(at.warning[0].value)
    assert "2099-13" in notice and "火星镇" in notice and "<script>" in notice
    assert at.selectbox(key="as_of").value == "2026-10"
    assert at.multiselect(key="town").value == ["城关镇"]
    with fdb.opened(demo_db) as db:
        opts = ff.load_options(db)
    want, _ = expected(demo_db, ff.Filters("2026-10", (opts.town_code("城关镇"),)))
    assert metrics(at) == want


def test_changing_a_filter_reruns_with_new_numbers(app, demo_db):
    at = app()
    before = metrics(at)
    at.selectbox(key="as_of").select("2026-09").run()
    assert not at.exception
    assert metrics(at) == expected(demo_db, ff.Filters("2026-09"))[0] != before
    assert at.title[0].value == "总览" and len(at.selectbox) == 1
