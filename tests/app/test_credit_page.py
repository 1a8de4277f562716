"""AppTest runs of the 信用村 page: the numbers shown are finance_core's, link
parameters change the view, and bad ones give a notice while the page loads."""
import json

import pandas as pd
import pyarrow as pa

from finance_core import credit
from finance_core import db as fdb
from finance_core import filters as ff
from finance_core.money import fmt_count, fmt_money, fmt_pct
from tests.unit.test_credit import AS_OF, load_fixture, wan
from tests.apptest_support import card_values, shown_text

PAGE = "pages/credit-villages.py"  # named like its url path (see test_browser_credit)


def metrics(at) -> dict[str, str]:
    return card_values(at)


def tables(at) -> list:
    """The page's tables in order: towns, banks, villages, and the what-if's, once
    its 测算明细 is opened (it is closed at first: :func:`opened`)."""
    return [d.value for d in at.dataframe]


def opened(at):
    """``at`` rerun with the what-if's 测算明细 open."""
    at.session_state["credit_whatif_detail"] = True
    at.run()
    assert not at.exception
    return at


def rows(df) -> list[list]:
    """Cells as plain values, to compare a table shown with the one finance_core
    returned: the page shows a missing value as "—", a number column with gaps
    as text ("1,234.50"), and a status with its palette mark ("⚠ 落后", "✓ 正常")."""
    def plain(v):
        if isinstance(v, str):
            v = v.removeprefix("⚠ ").removeprefix("✓ ").removeprefix("✕ ")
            if v == "—":
                return None
            try:
                v = float(v.replace(",", ""))
            except ValueError:
                return v
        if v is None or pd.isna(v):
            return None
        if hasattr(v, "item"):
            v = v.item()
        return int(v) if isinstance(v, float) and v.is_integer() else v
    return [list(df.columns)] + [[plain(v) for v in r] for r in df.itertuples(index=False)]


def same(shown, frame) -> bool:
    """The same cells; the page may move status columns (完成率, 进度) next to the name."""
    if set(shown.columns) == set(frame.columns):
        shown = shown[list(frame.columns)]
    return rows(shown) == rows(frame)


def charts(at) -> list[tuple[dict, list]]:
    """(Vega-Lite spec, rows of its first dataset) of every Altair chart."""
    out = []

    def walk(node):
        children = getattr(node, "children", None)
        for c in (children.values() if isinstance(children, dict) else []):
            if type(c).__name__ == "UnknownElement" and c.type == "vega_lite_chart":
                spec = json.loads(c.proto.spec)
                data = c.proto.datasets[0].data.data if c.proto.datasets else b""
                rows = pa.ipc.open_stream(data).read_all().to_pylist() if data else []
                out.append((spec, rows))
            walk(c)
    walk(at._tree)
    return out


def expected(demo_db, f: ff.Filters, usage=0.6, coverage=0.45):
    with fdb.opened(demo_db) as db:
        return (credit.kpis(db, f), credit.town_ranking(db, f), credit.bank_ranking(db, f),
                credit.whatif(db, f, usage, coverage), credit.village_table(db, f))


def test_default_view(app, demo_db):
    at = app(page=PAGE)
    assert not at.exception
    assert at.title[0].value == "信用村"
    with fdb.opened(demo_db) as db:
        f = ff.load_options(db).default()
    kpis, towns, banks, w, villages = expected(demo_db, f)
    shown = metrics(at)
    for k in kpis:
        assert shown[k.label] == k.text(), k.label
    assert {"授信金额", "用信金额", "授信户数", "用信户数", "用信率（金额）", "用信率（户数）", "授信覆盖率",
            "信用村数", "信用户数", "不良率"} <= set(shown)
    assert len(tables(at)) == 3   # the what-if's table waits under 测算明细
    t, b, v, wt = tables(opened(at))
    assert same(t, towns) and same(b, banks) and same(v, villages) and same(wt, w.table)
    assert shown["需新增用信"] == fmt_money(w.extra_used)
    assert [s.value for s in at.slider] == [0.6, 0.45]
    assert not at.warning  # no bad link parameter, every bank reported
    trend, bars = charts(at)
    assert {r["指标"] for r in trend[1]} == {"授信金额", "用信金额"}
    assert [r["乡镇"] for r in bars[1]] == list(towns["乡镇"])  # bars in ranking order
    assert len(at.get("download_button")) == 7  # workbook + 6 CSV


def test_town_and_bank_filtered_view(app, demo_db):
    at = app({"town": ["城关镇", "河口镇"], "bank": "邮储银行", "rank_by": "用信率"}, page=PAGE)
    assert not at.exception
    with fdb.opened(demo_db) as db:
        opts = ff.load_options(db)
    f = ff.Filters(opts.latest, (opts.town_code("城关镇"), opts.town_code("河口镇")), (opts.bank_code("邮储银行"),))
    kpis, _, banks, w, villages = expected(demo_db, f)
    with fdb.opened(demo_db) as db:
        towns = credit.town_ranking(db, f, "用信率")
    shown = metrics(at)
    for k in kpis:
        assert shown[k.label] == k.text(), k.label
    t, b, v, wt = tables(opened(at))
    assert list(t["乡镇"]) == list(towns["乡镇"]) and set(t["乡镇"]) == {"城关镇", "河口镇"}
    assert same(t, towns) and towns["新增授信目标（万元）"].isna().all()  # town targets cover all banks
    assert list(b["银行"]) == ["邮储银行"] and same(b, banks)
    assert same(v, villages) and set(v["乡镇"]) <= {"城关镇", "河口镇"}
    assert same(wt, w.table) and list(wt["乡镇"]) == ["城关镇", "河口镇", "合计"]
    # narrower than the county
    county = metrics(app(page=PAGE))
    assert shown["授信金额"] != county["授信金额"]


def test_whatif_parameters_from_the_link_change_the_output(app, demo_db):
    at = app({"usage_target": "0.8", "coverage_target": "0.5"}, page=PAGE)
    assert not at.exception
    assert [s.value for s in at.slider] == [0.8, 0.5]
    with fdb.opened(demo_db) as db:
        f = ff.load_options(db).default()
        w = credit.whatif(db, f, 0.8, 0.5)
        default = credit.whatif(db, f, 0.6, 0.45)
    shown = metrics(at)
    assert shown["需新增用信"] == fmt_money(w.extra_used) != fmt_money(default.extra_used)
    assert shown["需新增用信户数"] == fmt_count(w.extra_used_households, "户")
    assert shown["需新增授信户数"] == fmt_count(w.extra_granted_households, "户")
    assert shown["测算后新增用信目标完成率"] == fmt_pct(w.completion_after)
    assert same(tables(opened(at))[3], w.table)
    # moving the slider reruns the what-if
    at.slider(key="usage_target").set_value(0.5).run()
    with fdb.opened(demo_db) as db:
        assert metrics(at)["需新增用信"] == fmt_money(credit.whatif(db, f, 0.5, 0.5).extra_used)


def test_drill_down_to_a_town_and_flagged_villages(app, demo_db):
    at = app({"village_town": "清溪镇", "flagged": "true"}, page=PAGE)
    assert not at.exception
    with fdb.opened(demo_db) as db:
        opts = ff.load_options(db)
        expected_villages = credit.village_table(db, opts.default(), opts.town_code("清溪镇"), True)
    v = tables(at)[2]
    assert len(v) > 0 and set(v["乡镇"]) == {"清溪镇"} and v["预警"].str.startswith("⚠ ").all()
    assert same(v, expected_villages)
    assert at.selectbox(key="village_town").value == "清溪镇" and at.toggle(key="flagged").value


def test_bad_link_parameters_give_a_notice_and_the_page_loads(app):
    at = app({"usage_target": "abc", "coverage_target": "7", "rank_by": "随便", "village_town": "火星镇",
              "flagged": "maybe"}, page=PAGE)
    assert not at.exception
    notice = shown_text(at.warning[0].value)
    for word in ("usage_target", "coverage_target", "随便", "火星镇", "maybe"):
        assert word in notice
    assert [s.value for s in at.slider] == [0.6, 0.45] and metrics(at)["授信金额"] != "—"


def test_a_bank_missing_a_month_is_reported_not_compared_silently(app):
    at = app({"as_of": "2026-08"}, page=PAGE)
    assert not at.exception
    text = shown_text(" ".join(w.value for w in at.warning))
    assert "邮储银行" in text and "河口镇" in text and "2026-08" in text
    b = tables(at)[1]
    assert b.loc[b["银行"] == "邮储银行", "报送情况"].iloc[0] == "⚠ 2 个村未报送（沿用7月数据）"


def test_fixture_county_with_a_town_without_credit(app, empty_db, tmp_path):
    load_fixture(empty_db)
    at = app({"as_of": AS_OF, "town": "乙乡"}, page=PAGE, db_path=tmp_path / "fixture.db")
    assert not at.exception
    assert any("没有银行报送" in i.value for i in at.info)
    t, wt = tables(opened(at))  # no bank table and no village table: an info says so for each
    assert any("没有银行报送信用村数据" in i.value for i in at.info)
    assert any("没有村级信用数据" in i.value for i in at.info)
    # no bank ever reported on 乙乡: no figures (not zeros), not ranked, said so
    assert list(t["乡镇"]) == ["乙乡"] and t.iloc[0]["授信金额（万元）"] in ("—", None) and t.iloc[0]["排名"] in ("—", None)
    assert "无报送记录" in t.iloc[0]["报送情况"]
    # 45% of 500 households = 225 new credit households at the county's average line
    # (28,310,100 / 560 元, B2's May report carried): 11,374,594 元 granted, 60% of it used
    assert wt.iloc[0]["需新增授信户数"] == 225 and wt.iloc[0]["需新增授信（万元）"] == wan(11_374_594)
    assert wt.iloc[0]["需新增用信（万元）"] == wan(6_824_757)
