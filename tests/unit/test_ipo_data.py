"""企业上市 reads and writes against a hand-built county with known answers, and
the demo county against independent SQL."""
import datetime as dt
import json

import pandas as pd
import pytest

from finance_core import audit, ipo
from finance_core import db as fdb
from finance_core.filters import Filters
from tests import fixtures

TODAY = dt.date(2026, 11, 28)

TOWNS = [("T01", "城关镇", 1000, 3000), ("T02", "清溪镇", 800, 2500)]
COMPANIES = [
    # id, name, industry, town, park, board, sponsor, owner, legacy last_round_* (unused since v3)
    (1, "甲材料股份有限公司", "新材料", "T01", "经开区", "创业板", "华泰联合证券", "张一", None, None, None),
    (2, "乙装备股份有限公司", "装备制造", "T02", None, "北交所", None, "李二", None, None, None),
    (3, "丙科技股份有限公司", "新材料", "T02", "高新园", "科创板", "国元证券", "王三", None, None, None),
    (4, "丁医药股份有限公司", "生物医药", "T01", None, "主板", "中信建投证券", "赵四", None, None, None),
    (5, "戊食品股份有限公司", "绿色食品", "T01", None, "主板", None, "钱五", None, None, None),
]
ROUNDS = [
    # id, company, date, amount, post-money, round name
    (1, 1, "2024-01-15", 50_000_000, 600_000_000, "A轮"),
    (2, 3, "2025-03-01", 123_456_789, 1_234_567_890, "B轮"),   # financing after the data month 2024-03
    (3, 4, "2022-06-30", 80_000_000, 900_000_000, "Pre-IPO轮"),
]
EVENTS = [
    (1, 1, "后备资源库", "2022-01-10", None), (2, 1, "股改", "2022-06-30", None),
    (3, 1, "辅导备案", "2023-03-31", None),
    (4, 2, "后备资源库", "2023-05-01", None), (5, 2, "股改", "2024-03-01", None),
    # 丙 joined the list in 辅导备案, filed, then withdrew and fell back to 辅导备案
    (6, 3, "辅导备案", "2022-01-05", None), (7, 3, "辅导验收", "2022-08-01", None),
    (8, 3, "申报受理", "2022-10-01", None), (9, 3, "审核问询", "2022-11-15", None),
    (10, 3, "辅导备案", "2023-09-20", "撤回申报"),
    (11, 4, "注册", "2023-01-01", None), (12, 4, "发行上市", "2023-02-10", None),
    (13, 5, "后备资源库", "2024-05-01", None),   # after the data month
]
NOTES = [
    (1, 1, "2024-01", "一月进展", None, "协调用地", "张一", "2024-01-25 10:00:00"),
    (2, 1, "2024-03", "三月上午", "内控", None, "张一", "2024-03-25 10:00:00"),
    (3, 1, "2024-03", "三月下午", None, None, "张一", "2024-03-25 15:00:00"),
    (4, 1, "2024-05", "五月进展", None, None, "张一", "2024-05-25 10:00:00"),
    (5, 3, "2023-09", "撤回申报", "持续经营能力存疑", "协调保荐机构", "王三", "2023-09-25 10:00:00"),
]
F = Filters("2024-03")


@pytest.fixture
def small(empty_db):
    fixtures.load(empty_db, (("towns", TOWNS), ("companies", COMPANIES), ("ipo_events", EVENTS),
                             ("ipo_notes", NOTES), ("ipo_rounds", ROUNDS)), refresh=False)
    return empty_db


# --- reads ---------------------------------------------------------------------------
def test_pipeline_board_at_month_end(small):
    board = ipo.pipeline(small, F)
    # stage order, then longest in stage first; 戊 has no event by 2024-03-31
    assert list(board["name"]) == ["乙装备股份有限公司", "甲材料股份有限公司", "丙科技股份有限公司",
                                   "丁医药股份有限公司"]
    assert list(board["stage"]) == ["股改", "辅导备案", "辅导备案", "发行上市"]
    assert list(board["months"]) == [0, 12, 6, 13]
    assert list(board["stuck"]) == [False, False, False, False]   # 12 months is not more than 12
    row = board.set_index("name").loc["甲材料股份有限公司"]
    assert (row["town"], row["park"], row["sponsor"], row["owner"]) == ("城关镇", "经开区", "华泰联合证券", "张一")
    assert row["round_amount"] == 50_000_000 and row["round_valuation"] == 600_000_000
    # latest note up to the month: the later of the two March notes
    assert (row["note_month"], row["progress"]) == ("2024-03", "三月下午") and pd.isna(row["problems"])
    # a financing round after the data month is not shown yet
    assert pd.isna(board.set_index("name").loc["丙科技股份有限公司", "round_amount"])
    # one month later 甲 has been in 辅导备案 13 months: stuck
    later = ipo.pipeline(small, Filters("2024-04")).set_index("name")
    assert later.loc["甲材料股份有限公司", "months"] == 13 and later.loc["甲材料股份有限公司", "stuck"]


def test_board_table_money_units_and_projection(small):
    table = ipo.board_table(ipo.pipeline(small, F)).set_index("企业")
    jia = table.loc["甲材料股份有限公司"]
    assert jia["最近融资金额（万元）"] == 5000.0 and jia["投后估值（亿元）"] == 6.0
    assert jia["乡镇/园区"] == "城关镇 · 经开区" and jia["状态"] == "正常"
    # 辅导备案 for 12 months: earliest 1 + 1+1+3+1 = 7 -> 2024-10; latest max(12-12,1) + 6+2+9+3 = 21 -> 2025-12
    assert jia["预计上市（测算区间）"] == "2024-10 至 2025-12"
    assert table.loc["丁医药股份有限公司", "预计上市（测算区间）"] == "已上市（2023-02）"
    assert table.loc["乙装备股份有限公司", "保荐机构"] == "—"
    assert table.loc["乙装备股份有限公司", "乡镇/园区"] == "清溪镇"


def test_board_groups_are_the_stages_in_order_with_their_stuck_counts(small):
    # 2024-04: 甲 (辅导备案 13 months) is stuck; 丙 is back in 辅导备案 since 2023-09
    groups = ipo.board_groups(small, Filters("2024-04"))
    assert [g[0] for g in groups] == ["股改", "辅导备案", "发行上市"]
    by_stage = {stage: (set(part["企业"]), stuck) for stage, part, stuck in groups}
    assert by_stage["辅导备案"] == ({"甲材料股份有限公司", "丙科技股份有限公司"}, 1)
    assert by_stage["股改"] == ({"乙装备股份有限公司"}, 0)
    assert by_stage["发行上市"] == ({"丁医药股份有限公司"}, 0)
    for _, part, _ in groups:   # the export-only columns and the stage are not on the board
        assert not {"阶段", *ipo.BOARD_OFF_SCREEN} & set(part.columns)


def test_filters_by_town_board_industry_and_stage(small):
    names = lambda f, sel=ipo.Selection(): set(ipo.pipeline(small, f, sel)["name"])  # noqa: E731
    assert names(Filters("2024-03", towns=("T02",))) == {"乙装备股份有限公司", "丙科技股份有限公司"}
    assert names(F, ipo.Selection(boards=("创业板",))) == {"甲材料股份有限公司"}
    assert names(F, ipo.Selection(industries=("新材料",))) == {"甲材料股份有限公司", "丙科技股份有限公司"}
    assert names(F, ipo.Selection(stages=("辅导备案",))) == {"甲材料股份有限公司", "丙科技股份有限公司"}
    assert names(F, ipo.Selection(stages=("辅导备案",), boards=("科创板",))) == {"丙科技股份有限公司"}
    assert names(F, ipo.Selection(stages=("注册",))) == set()


def test_funnel_counts_and_stage_counts_agree(small):
    fun = ipo.funnel(small, F).set_index("stage")
    assert fun["companies"].to_dict() == {"后备资源库": 0, "股改": 1, "辅导备案": 2, "辅导验收": 0,
                                           "申报受理": 0, "审核问询": 0, "注册": 0, "发行上市": 1}
    assert fun["companies"].to_dict() == ipo.stage_counts(small, F)
    # the stage filter only marks the chosen stages; board/industry filters change the counts
    sel = ipo.Selection(stages=("股改",), industries=("新材料",))
    fun = ipo.funnel(small, F, sel).set_index("stage")
    assert fun.loc["辅导备案", "companies"] == 2 and fun.loc["股改", "companies"] == 0
    assert fun["selected"].to_dict()["股改"] and not fun["selected"].to_dict()["辅导备案"]
    assert ipo.funnel(small, Filters("2024-04")).set_index("stage").loc["辅导备案", "stuck"] == 1


def test_history_spans_and_fall_back(small):
    spans = ipo.history(small, F)
    bing = spans[spans["name"] == "丙科技股份有限公司"]
    assert list(bing["stage"]) == ["辅导备案", "辅导验收", "申报受理", "审核问询", "辅导备案"]
    assert list(bing["kind"]) == ["入库", "前进", "前进", "前进", "回退"]
    assert list(bing["months"]) == [7, 2, 1, 10, 6]
    assert list(bing["bar_end"]) == ["2022-08-01", "2022-10-01", "2022-11-15", "2023-09-20", "2024-03-31"]
    assert len(spans) == 3 + 2 + 5 + 2   # 戊 has nothing yet
    moves = ipo.moves_in_month(small, F)
    assert list(moves["name"]) == ["乙装备股份有限公司"] and list(moves["kind"]) == ["前进"]


def test_summary_kpis(small):
    k = {x.label: x for x in ipo.summary(small, F)}
    assert (k["在库企业"].value, k["本月阶段变动"].value, k["停滞企业"].value,
            k["在审企业"].value, k["已上市"].value) == (4, 1, 0, 0, 1)
    assert k["在库企业"].prev == 4 and k["本月阶段变动"].prev == 0
    assert k["在库企业"].base == 3    # 2023-03: 甲, 丙 (审核问询), 丁; 乙 joined in 2023-05
    assert k["在审企业"].base == 1
    later = {x.label: x.value for x in ipo.summary(small, Filters("2024-05"))}
    assert later["在库企业"] == 5 and later["停滞企业"] == 1 and later["本月阶段变动"] == 1


def test_company_detail_full_record_newest_notes_first(small):
    d = ipo.company_detail(small, "甲材料股份有限公司", "2024-03")
    assert (d.stage, d.since, d.months, d.stuck) == ("辅导备案", "2023-03-31", 12, False)
    assert d.projection == ipo.Projection("2024-10", "2025-12", False)
    assert d.info["town"] == "城关镇" and d.last_round["amount"] == 50_000_000
    assert list(d.notes["progress"]) == ["五月进展", "三月下午", "三月上午", "一月进展"]
    assert list(d.notes["after"]) == [True, False, False, False]
    table = ipo.notes_table(d.notes)
    assert list(table["晚于数据月份"]) == ["是", "", "", ""]
    assert d.latest is None
    bing = ipo.company_detail(small, "丙科技股份有限公司", "2024-03")
    assert list(ipo.history_table(bing.history)["变动"]) == ["入库", "前进", "前进", "前进", "回退"]
    wu = ipo.company_detail(small, "戊食品股份有限公司", "2024-03")
    assert wu.stage is None and wu.latest == ("后备资源库", "2024-05-01")
    assert ipo.company_detail(small, "不存在公司", "2024-03") is None


def test_all_notes_export_up_to_the_month(small):
    notes = ipo.all_notes(small, F)
    assert list(notes["企业"]) == ["甲材料股份有限公司", "甲材料股份有限公司", "甲材料股份有限公司",
                                  "丙科技股份有限公司"]
    assert list(notes["月份"]) == ["2024-03", "2024-03", "2024-01", "2023-09"]
    assert ipo.all_notes(small, F, ipo.Selection(stages=("注册",))).empty


# --- writes --------------------------------------------------------------------------
def _audit(db):
    return db.conn.execute("SELECT user_name, action, entity, detail FROM audit_log ORDER BY id").fetchall()


def test_move_stage_writes_event_and_audit_together(small):
    v0 = fdb.data_version(small)
    kind = ipo.move_stage(small, "乙装备股份有限公司", "辅导备案", "2024-06-03", "", "编辑甲", today=TODAY)
    assert kind == ipo.FORWARD
    assert ipo.latest_state(small, "乙装备股份有限公司") == ("辅导备案", "2024-06-03")
    assert fdb.data_version(small) == v0 + 1
    [(user, action, entity, detail)] = _audit(small)
    assert (user, action, entity) == ("编辑甲", "edit", "企业上市/乙装备股份有限公司")
    assert json.loads(detail) == {"change": "stage", "kind": "前进", "from": "股改", "to": "辅导备案",
                                  "date": "2024-06-03", "note": None}
    # the board at 2024-06 sees the move
    assert ipo.pipeline(small, Filters("2024-06")).set_index("name").loc["乙装备股份有限公司", "stage"] == "辅导备案"


def test_fall_back_recorded_with_reason(small):
    assert ipo.move_stage(small, "甲材料股份有限公司", "股改", "2024-04-02", "辅导机构更换，重新规范",
                          "编辑甲", today=TODAY) == ipo.BACK
    d = ipo.company_detail(small, "甲材料股份有限公司", "2024-04")
    assert d.stage == "股改" and d.history["kind"].iloc[-1] == ipo.BACK
    assert d.history["note"].iloc[-1] == "辅导机构更换，重新规范"


@pytest.mark.parametrize("company, stage, when, note, message", [
    ("乙装备股份有限公司", "申报受理", "2024-06-03", "", "不能跳过阶段"),
    ("丙科技股份有限公司", "股改", "2024-06-03", "", "须填写原因"),
    ("丁医药股份有限公司", "注册", "2024-06-03", "退市", "已发行上市"),
    ("乙装备股份有限公司", "辅导备案", "2024-02-01", "", "早于进入当前阶段"),
    ("乙装备股份有限公司", "辅导备案", "2026-12-01", "", "晚于今天"),
    ("己公司", "股改", "2024-06-03", "", "不存在"),
])
def test_refused_moves_write_nothing(small, company, stage, when, note, message):
    v0 = fdb.data_version(small)
    n0 = small.conn.execute("SELECT COUNT(*) FROM ipo_events").fetchone()[0]
    with pytest.raises(ipo.EditError, match=message):
        ipo.move_stage(small, company, stage, when, note, "编辑甲", today=TODAY)
    assert small.conn.execute("SELECT COUNT(*) FROM ipo_events").fetchone()[0] == n0
    assert _audit(small) == [] and fdb.data_version(small) == v0


def test_failed_audit_rolls_back_the_change(small, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("audit down")
    monkeypatch.setattr(audit, "record", boom)
    with pytest.raises(RuntimeError):
        ipo.move_stage(small, "乙装备股份有限公司", "辅导备案", "2024-06-03", "", "编辑甲", today=TODAY)
    with pytest.raises(RuntimeError):
        ipo.add_note(small, "乙装备股份有限公司", "2024-06", "进展", None, None, "李二", "编辑甲", today=TODAY)
    assert ipo.latest_state(small, "乙装备股份有限公司") == ("股改", "2024-03-01")
    assert small.conn.execute("SELECT COUNT(*) FROM ipo_notes WHERE company_id = 2").fetchone()[0] == 0


def test_add_note_writes_note_and_audit(small):
    ipo.add_note(small, "乙装备股份有限公司", "2024-03", "  完成股改工商变更 ", "", "协调市场监管局", "李二",
                 "编辑甲", today=TODAY)
    row = small.conn.execute("SELECT month, progress, problems, county_action, owner FROM ipo_notes "
                             "WHERE company_id = 2").fetchone()
    assert row == ("2024-03", "完成股改工商变更", None, "协调市场监管局", "李二")
    [(user, action, entity, detail)] = _audit(small)
    assert (user, entity) == ("编辑甲", "企业上市/乙装备股份有限公司")
    assert json.loads(detail)["change"] == "note" and json.loads(detail)["month"] == "2024-03"
    # newest first in the company's file; shown on the board as the latest note
    ipo.add_note(small, "乙装备股份有限公司", "2024-02", "二月", None, None, "李二", "编辑甲", today=TODAY)
    d = ipo.company_detail(small, "乙装备股份有限公司", "2024-03")
    assert list(d.notes["month"]) == ["2024-03", "2024-02"]
    assert ipo.pipeline(small, F).set_index("name").loc["乙装备股份有限公司", "progress"] == "完成股改工商变更"


@pytest.mark.parametrize("month, progress, owner, message", [
    ("2024-13", "进展", "李二", "格式无效"),
    ("2026-12", "进展", "李二", "晚于本月"),
    ("2024-03", "   ", "李二", "工作进展"),
    ("2024-03", "进展", "", "包保责任人"),
])
def test_refused_notes_write_nothing(small, month, progress, owner, message):
    with pytest.raises(ipo.EditError, match=message):
        ipo.add_note(small, "乙装备股份有限公司", month, progress, None, None, owner, "编辑甲", today=TODAY)
    assert small.conn.execute("SELECT COUNT(*) FROM ipo_notes").fetchone()[0] == len(NOTES)
    assert _audit(small) == []


# --- the demo county against independent SQL -------------------------------------------------
INDEPENDENT = """
WITH last AS (
  SELECT company_id, stage, event_date,
         ROW_NUMBER() OVER (PARTITION BY company_id ORDER BY event_date DESC, id DESC) AS rn
  FROM ipo_events WHERE event_date <= :month_end)
SELECT c.name, l.stage,
       (CAST(substr(:month, 1, 4) AS INTEGER) * 12 + CAST(substr(:month, 6, 2) AS INTEGER))
     - (CAST(substr(l.event_date, 1, 4) AS INTEGER) * 12 + CAST(substr(l.event_date, 6, 2) AS INTEGER))
       AS months
FROM companies c JOIN last l ON l.company_id = c.id AND l.rn = 1
"""


@pytest.mark.parametrize("month", ["2026-10", "2025-06", "2024-12"])
def test_demo_pipeline_matches_independent_sql(db, month):
    from finance_core import periods
    expected = pd.read_sql_query(INDEPENDENT, db.conn, params={
        "month": month, "month_end": periods.month_end(month).isoformat()}).set_index("name")
    board = ipo.pipeline(db, Filters(month)).set_index("name")
    assert set(board.index) == set(expected.index)
    assert board["stage"].to_dict() == expected["stage"].to_dict()
    assert board["months"].to_dict() == expected["months"].to_dict()
    limits = {s: d.limit for s, d in ipo.TYPICAL.items()}
    stuck = {n for n, r in expected.iterrows() if r["stage"] in limits and r["months"] > limits[r["stage"]]}
    assert set(board.index[board["stuck"]]) == stuck


def test_demo_has_a_withdrawn_application_and_a_stuck_company(db):
    spans = ipo.history(db, Filters("2026-10"))
    back = spans[spans["kind"] == ipo.BACK]
    assert len(back) == 1 and back["stage"].iloc[0] == "辅导备案"
    before = spans[(spans["name"] == back["name"].iloc[0])]["stage"].tolist()
    assert before[-2] == "审核问询"
    assert ipo.pipeline(db, Filters("2026-10"))["stuck"].any()


def test_export_workbook_has_the_board_and_records(small, tmp_path):
    import io

    from openpyxl import load_workbook

    from finance_core import exports
    from finance_core.filters import load_options

    tables = ipo.export_tables(small, F)
    header = ipo.export_header(load_options(small), Filters("2024-03", towns=("T01",)),
                               ipo.Selection(stages=("股改",)))
    assert header["范围"] == "城关镇 · 截至2024年3月末" and header["阶段"] == "股改"
    wb = load_workbook(io.BytesIO(exports.workbook(tables, header)))
    assert wb.sheetnames == ["说明", "企业名单", "阶段历程", "月调度记录", "股权融资", "典型时长"]
    board = list(wb["企业名单"].values)[exports.HEADER_ROW:]     # title rows above the header
    assert len(board) == 1 + 4
    cols = board[0]
    jia = next(r for r in board if r[cols.index("企业")] == "甲材料股份有限公司")
    assert jia[cols.index("最近融资金额（万元）")] == 5000 and jia[cols.index("投后估值（亿元）")] == 6
    assert len(list(wb["阶段历程"].values)) == exports.HEADER_ROW + 1 + 12
    assert len(list(wb["月调度记录"].values)) == exports.HEADER_ROW + 1 + 4


def test_town_without_companies_gives_empty_board_and_zero_funnel(db):
    from finance_core import filters as ff
    from finance_core import overview

    opts = ff.load_options(db)
    have = {r[0] for r in db.execute("SELECT DISTINCT town_code FROM companies")}
    empty = next(c for c, _ in opts.towns if c not in have)
    f = ff.Filters(opts.latest, (empty,))
    board = ipo.pipeline(db, f)
    assert board.empty and board["stuck"].dtype == bool
    funnel = ipo.funnel(db, f)
    assert list(funnel["companies"]) == [0] * len(ipo.STAGES) and list(funnel["stuck"]) == [0] * len(ipo.STAGES)
    assert not [x for x in overview.red_flags(db, f, opts.town_names, opts.bank_names) if x.area == "企业上市"]
