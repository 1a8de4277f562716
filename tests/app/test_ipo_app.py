"""企业上市 page (AppTest): link parameters, company detail, and an edit that is audited."""
import datetime as dt
import json

import pandas as pd
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1.element_tree import UnknownElement

from finance_core import db as fdb
from finance_core import periods
from tests.conftest import DEMO_END
from tests.unit.test_ipo_data import INDEPENDENT
from tests.apptest_support import card_values, shown_text

PAGE = "pages/ipo.py"
WITHDRAWN = "永昌生物医药股份有限公司"   # the demo company that fell back after withdrawing


def current(db_path, month=DEMO_END) -> pd.DataFrame:
    """Stage and facts of every company at the month end, by plain SQL."""
    with fdb.opened(db_path) as d:
        df = pd.read_sql_query(INDEPENDENT, d.conn, params={
            "month": month, "month_end": periods.month_end(month).isoformat()})
        facts = pd.read_sql_query("SELECT c.name, c.industry, c.target_board, t.name AS town "
                                  "FROM companies c JOIN towns t ON t.code = c.town_code", d.conn)
    return df.merge(facts, on="name")


def metrics(at) -> dict[str, str]:
    return card_values(at)


def group_headers(at) -> list[str]:
    """The stage groups drawn on the board ('**辅导备案** · 5 家 ...')."""
    return [m.value for m in at.markdown if m.value.startswith("**") and " 家" in m.value]


def _elements(node):
    yield node
    kids = getattr(node, "children", None) or {}
    for child in (kids.values() if isinstance(kids, dict) else kids):
        yield from _elements(child)


def chart_titles(at) -> set[str]:
    return {str(json.loads(el.proto.spec).get("title", "")) for el in _elements(at._tree)
            if isinstance(el, UnknownElement) and el.type == "vega_lite_chart"}


def chart_data(at, title: str) -> pd.DataFrame:
    """The data of the Altair chart titled ``title`` (AppTest sees charts as UnknownElement)."""
    def walk(node):
        yield node
        kids = getattr(node, "children", None) or {}
        for child in (kids.values() if isinstance(kids, dict) else kids):
            yield from walk(child)
    for el in walk(at._tree):
        if isinstance(el, UnknownElement) and el.type == "vega_lite_chart":
            spec = json.loads(el.proto.spec)
            if title in str(spec.get("title", "")):
                return dataframe_util.convert_arrow_bytes_to_pandas_df(el.proto.datasets[0].data.data)
    raise AssertionError(f"no chart titled {title}")


def table_with(at, column: str) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_stage_link_from_the_overview(app, demo_db):
    at = app(query_params={"stage": "辅导备案"}, page=PAGE)
    assert not at.exception
    cur = current(demo_db)
    n = int((cur["stage"] == "辅导备案").sum())
    assert n >= 2
    assert metrics(at)["在库企业"] == f"{n} 家"
    headers = group_headers(at)
    assert len(headers) == 1 and headers[0].startswith(f"**辅导备案** · {n} 家")
    assert at.multiselect(key="stage").value == ["辅导备案"]
    assert not at.warning
    assert chart_titles(at) == set()  # only the open tab (管道看板) is drawn
    # the charts tab, opened the way a link or a click opens it
    at = app(query_params={"stage": "辅导备案", "tab": "进度图表"}, page=PAGE)
    assert not at.exception and not group_headers(at)
    # the funnel still shows every stage, with only the chosen one emphasised
    funnel = chart_data(at, "各阶段企业数").set_index("stage")
    assert funnel["selected"].to_dict()["辅导备案"] and funnel["selected"].sum() == 1
    assert funnel["companies"].to_dict() == cur["stage"].value_counts().reindex(
        funnel.index, fill_value=0).to_dict()
    # the timeline holds the stage history of exactly the companies on the board
    gantt = chart_data(at, "各企业阶段历程")
    assert set(gantt["name"]) == set(cur[cur["stage"] == "辅导备案"]["name"])
    assert list(gantt[gantt["kind"] == "回退"]["name"]) == [WITHDRAWN]


def test_board_industry_and_town_links(app, demo_db):
    cur = current(demo_db)
    board, industry = cur.groupby(["target_board", "industry"]).size().idxmax()
    town = cur[(cur["target_board"] == board) & (cur["industry"] == industry)]["town"].iloc[0]
    at = app(query_params={"board": board, "industry": industry}, page=PAGE)
    assert not at.exception and not at.warning
    expected = cur[(cur["target_board"] == board) & (cur["industry"] == industry)]
    assert metrics(at)["在库企业"] == f"{len(expected)} 家"
    shown = pd.concat([df.value for df in at.dataframe if "乡镇/园区" in df.value.columns])
    assert set(shown["企业"]) == set(expected["name"])
    at = app(query_params={"board": board, "industry": industry, "town": town}, page=PAGE)
    in_town = expected[expected["town"] == town]
    assert metrics(at)["在库企业"] == f"{len(in_town)} 家"
    # an earlier data month gives that month's board
    at = app(query_params={"as_of": "2025-06"}, page=PAGE)
    assert metrics(at)["在库企业"] == f"{len(current(demo_db, '2025-06'))} 家"


def test_bad_link_parameters_give_a_notice_and_the_page_loads(app):
    at = app(query_params={"stage": ["火星阶段", "股改"], "board": "纳斯达克", "industry": "养猪",
                           "company": "不存在有限公司", "tab": "乱码"}, page=PAGE)
    assert not at.exception
    warning = shown_text(" ".join(w.value for w in at.warning))
    for bad in ("火星阶段", "纳斯达克", "养猪", "不存在有限公司", "乱码"):
        assert bad in warning
    assert at.multiselect(key="stage").value == ["股改"]     # the valid value is kept
    assert "在库企业" in metrics(at)
    assert group_headers(at) and all(h.startswith("**股改**") for h in group_headers(at))


def test_company_link_opens_its_file(app, demo_db):
    at = app(query_params={"company": WITHDRAWN}, page=PAGE)
    assert not at.exception
    assert at.selectbox(key="company").value == WITHDRAWN
    m = metrics(at)
    assert m["当前阶段"] == "辅导备案"
    history = table_with(at, "停留月数")
    assert list(history["变动"])[-1] == "✕ 回退" and list(history["阶段"])[-2] == "审核问询"
    notes = table_with(at, "工作进展")
    with fdb.opened(demo_db) as d:
        months = [r[0] for r in d.conn.execute(
            "SELECT n.month FROM ipo_notes n JOIN companies c ON c.id = n.company_id "
            "WHERE c.name = ? ORDER BY n.month DESC", [WITHDRAWN])]
    assert list(notes["月份"]) == months   # all notes, newest first
    # viewers do not get the edit forms
    assert not [b for b in at.button if b.key == "ipo_move_submit"]
    assert any("只读模式" in c.value for c in at.caption)


def test_editor_moves_a_stage_and_adds_a_note_with_audit(app, writable_db, monkeypatch):
    monkeypatch.setenv("FINANCE_EDITING", "1")
    monkeypatch.setenv("FINANCE_EDITOR", "测试编辑")
    today = dt.date.today()
    at = app(query_params={"company": WITHDRAWN}, page=PAGE, db_path=writable_db)
    assert not at.exception
    # a fall-back without a reason is refused and nothing is written
    at.selectbox(key="ipo_move_stage").set_value("股改")
    at.date_input(key="ipo_move_date").set_value(today)
    at.button(key="ipo_move_submit").click().run()
    assert any("须填写原因" in e.value for e in at.error)
    # a forward move is recorded
    at.selectbox(key="ipo_move_stage").set_value("辅导验收")
    at.date_input(key="ipo_move_date").set_value(today)
    at.text_area(key="ipo_move_note").input("辅导验收申请已报送证监局")
    at.button(key="ipo_move_submit").click().run()
    assert not at.exception and not at.error
    assert any("已登记" in s.value for s in at.success)
    # then a monthly note
    at.text_area(key="ipo_note_progress").input("验收材料已报送，等待现场验收")
    at.text_area(key="ipo_note_action").input("县金融办对接省证监局")
    at.button(key="ipo_note_submit").click().run()
    assert not at.exception and not at.error
    assert any("月调度记录" in s.value for s in at.success)
    assert at.text_area(key="ipo_note_progress").value == ""      # the saved form is emptied
    # the file shows both at once (the full record, newest note first)
    assert "辅导验收" in list(table_with(at, "停留月数")["阶段"])
    assert table_with(at, "工作进展")["工作进展"].iloc[0] == "验收材料已报送，等待现场验收"

    with fdb.opened(writable_db) as d:
        entries = d.conn.execute("SELECT user_name, action, entity, detail FROM audit_log "
                                 "ORDER BY id").fetchall()
        event = d.conn.execute("SELECT e.stage, e.event_date, e.note FROM ipo_events e JOIN companies c "
                               "ON c.id = e.company_id WHERE c.name = ? ORDER BY e.id DESC LIMIT 1",
                               [WITHDRAWN]).fetchone()
        note = d.conn.execute("SELECT n.month, n.progress, n.county_action, n.owner FROM ipo_notes n "
                              "JOIN companies c ON c.id = n.company_id WHERE c.name = ? "
                              "ORDER BY n.id DESC LIMIT 1", [WITHDRAWN]).fetchone()
        owner = d.conn.execute("SELECT owner FROM companies WHERE name = ?", [WITHDRAWN]).fetchone()[0]
    assert event == ("辅导验收", today.isoformat(), "辅导验收申请已报送证监局")
    assert note == (periods.month_str(today.year, today.month), "验收材料已报送，等待现场验收",
                    "县金融办对接省证监局", owner)
    assert len(entries) == 2
    assert all(e[:3] == ("测试编辑", "edit", f"企业上市/{WITHDRAWN}") for e in entries)
    move, added = (json.loads(e[3]) for e in entries)
    # 永昌 had passed 辅导验收 before withdrawing: moving there again is a re-entry, not progress
    assert (move["change"], move["from"], move["to"], move["kind"]) == ("stage", "辅导备案", "辅导验收", "重新进入")
    assert added["change"] == "note" and added["progress"] == "验收材料已报送，等待现场验收"


@pytest.mark.parametrize("params", [{}, {"stage": "注册"}])
def test_exports_are_offered(app, params):
    at = app(query_params=params, page=PAGE)
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载 Excel", "企业名单 CSV", "阶段历程 CSV", "月调度记录 CSV", "股权融资 CSV", "典型时长 CSV"]
