"""上市阶段变动, 上市调度记录, 股权融资: the IPO task force's records."""
from __future__ import annotations

from ... import ipo
from .base import Built, Column, Err, Feed, Ref, TableSpec, direct


# --- 上市阶段变动 ---------------------------------------------------------------------------------
EVENT_TABLE = TableSpec(
    table="ipo_events",
    fields=("company_id", "stage", "event_date", "note"),
    key=("company_id", "stage"),
    labels={"company_id": "企业", "stage": "阶段", "event_date": "日期", "note": "说明"},
    select="SELECT company_id, stage, event_date, note FROM ipo_events",
    key_where="id = (SELECT MAX(id) FROM ipo_events WHERE company_id = ? AND stage = ?)",
    insert="INSERT INTO ipo_events (company_id, stage, event_date, note) VALUES (?, ?, ?, ?)",
    update="UPDATE ipo_events SET event_date = ?, note = ? "
           "WHERE id = (SELECT MAX(id) FROM ipo_events WHERE company_id = ? AND stage = ?)",
    delete="DELETE FROM ipo_events WHERE id = (SELECT MAX(id) FROM ipo_events WHERE company_id = ? AND stage = ?)",
)


def _build_event(ref: Ref, r: dict, err: Err) -> Built | None:
    return [("ipo_events", (r["company"], r["stage"], r["event_date"], r.get("note")), None)]


def _export_events(db, month):
    where, params = ("WHERE substr(e.event_date, 1, 7) = ?", [month]) if month else ("", [])
    # the latest event of a company in a stage is the one an import updates
    return db.execute(f"""
        SELECT c.name, e.stage, e.event_date, e.note FROM ipo_events e JOIN companies c ON c.id = e.company_id
        {where} {'AND' if where else 'WHERE'}
        e.id = (SELECT MAX(id) FROM ipo_events x WHERE x.company_id = e.company_id AND x.stage = e.stage)
        ORDER BY e.event_date, c.id""", params).fetchall()


EVENTS = Feed(
    key="ipo_events",
    title="上市阶段变动",
    description="拟上市企业进入新阶段（股改、辅导备案、申报受理等）的日期：每家企业每个阶段一行。",
    columns=(
        Column("企业名称", "company", "enum", choices="company", note="企业全称（下拉选择）",
               example="瑞禾新材料股份有限公司", width=28),
        Column("阶段", "stage", "enum", choices="stage", note="、".join(ipo.STAGES), example="辅导备案"),
        Column("日期", "event_date", "date", note="进入该阶段的日期 YYYY-MM-DD", example="2026-11-18", width=12),
        Column("说明", "note", required=False, note="可选说明（可换行）", example="进入辅导备案阶段", max_len=500, width=30,
               multiline=True),
    ),
    tables=(EVENT_TABLE,),
    build=_build_event,
    export=_export_events,
    month_field="event_date",
    replace_note="按企业和阶段更新：同一企业同一阶段以新文件的日期和说明为准。",
)


# --- 上市调度记录 ---------------------------------------------------------------------------------
NOTE_TABLE = TableSpec(
    table="ipo_notes",
    fields=("company_id", "month", "progress", "problems", "county_action", "owner"),
    key=("company_id", "month"),
    labels={"company_id": "企业", "month": "月份", "progress": "进展情况", "problems": "存在问题",
            "county_action": "县级协调措施", "owner": "包保责任人"},
    select="SELECT company_id, month, progress, problems, county_action, owner FROM ipo_notes",
    key_where="id = (SELECT MAX(id) FROM ipo_notes WHERE company_id = ? AND month = ?)",
    insert="INSERT INTO ipo_notes (company_id, month, progress, problems, county_action, owner, created_at) "
           "VALUES (?, ?, ?, ?, ?, ?, datetime('now', 'localtime'))",
    update="UPDATE ipo_notes SET progress = ?, problems = ?, county_action = ?, owner = ? "
           "WHERE id = (SELECT MAX(id) FROM ipo_notes WHERE company_id = ? AND month = ?)",
    delete="DELETE FROM ipo_notes WHERE id = (SELECT MAX(id) FROM ipo_notes WHERE company_id = ? AND month = ?)",
)


def _build_note(ref: Ref, r: dict, err: Err) -> Built | None:
    row = (r["company"], r["month"], r["progress"], r.get("problems"), r.get("county_action"), r["owner"])
    return [("ipo_notes", row, None)]


def _export_notes(db, month):
    where, params = ("WHERE n.month = ?", [month]) if month else ("", [])
    return db.execute(f"""
        SELECT n.month, c.name, n.progress, n.problems, n.county_action, n.owner
        FROM ipo_notes n JOIN companies c ON c.id = n.company_id
        {where} {'AND' if where else 'WHERE'}
        n.id = (SELECT MAX(id) FROM ipo_notes x WHERE x.company_id = n.company_id AND x.month = n.month)
        ORDER BY n.month, c.id""", params).fetchall()


NOTES = Feed(
    key="ipo_notes",
    title="上市调度记录",
    description="月调度会上每家拟上市企业的进展、问题和县级协调措施：每家企业每月一行。",
    columns=(
        Column("月份", "month", "month", note="YYYY-MM（文本格式）", example="2026-11"),
        Column("企业名称", "company", "enum", choices="company", note="企业全称（下拉选择）",
               example="瑞禾新材料股份有限公司", width=28),
        Column("进展情况", "progress", note="本月工作进展（可换行）", example="辅导工作按计划推进", max_len=1000,
               width=36, multiline=True),
        Column("存在问题", "problems", required=False, note="可选（可换行）", example="募投项目用地手续尚未办结",
               max_len=1000, width=30, multiline=True),
        Column("县级协调措施", "county_action", required=False, note="可选（可换行）", example="协调自然资源局加快用地审批",
               max_len=1000, width=30, multiline=True),
        Column("包保责任人", "owner", note="姓名（职务）", example="刘志刚（县金融办）", max_len=60, width=20),
    ),
    tables=(NOTE_TABLE,),
    build=_build_note,
    export=_export_notes,
    month_field="month",
    replace_note="按企业和月份更新：同一企业同一月份的调度记录以新文件为准。",
)


# --- 股权融资 -------------------------------------------------------------------------------------
ROUND_TABLE = direct(
    "ipo_rounds",
    ("company_id", "round_date", "amount", "valuation", "round_name"),
    ("company_id", "round_date"),
    {"company_id": "企业", "round_date": "融资日期", "amount": "融资金额", "valuation": "投后估值",
     "round_name": "轮次"},
)


def _build_round(ref: Ref, r: dict, err: Err) -> Built | None:
    ok = True
    if r["amount"] <= 0:
        err("amount", "融资金额必须大于 0")
        ok = False
    valuation = r.get("valuation") or None   # blank (0): not disclosed
    if valuation is not None and valuation < r["amount"]:
        err("valuation", f"投后估值 {valuation:,} 元小于融资金额 {r['amount']:,} 元")
        ok = False
    if not ok:
        return None
    return [("ipo_rounds", (r["company"], r["round_date"], r["amount"], valuation, r["round_name"]), None)]


def _export_rounds(db, month):
    where, params = ("WHERE substr(r.round_date, 1, 7) = ?", [month]) if month else ("", [])
    return db.execute(f"""
        SELECT c.name, r.round_date, r.round_name, r.amount, r.valuation FROM ipo_rounds r
        JOIN companies c ON c.id = r.company_id {where} ORDER BY r.round_date, c.id""", params).fetchall()


ROUNDS = Feed(
    key="ipo_rounds",
    title="股权融资",
    description="拟上市企业的每一轮股权融资（含首轮）：每家企业每个融资日期一行。",
    columns=(
        Column("企业名称", "company", "enum", choices="company", note="企业全称（下拉选择）",
               example="瑞禾新材料股份有限公司", width=28),
        Column("融资日期", "round_date", "date", note="交割或工商变更日期 YYYY-MM-DD", example="2026-10-15", width=12),
        Column("轮次", "round_name", note="如 天使轮、A轮、B轮、Pre-IPO轮；企业最早一轮即首轮",
               example="A轮", max_len=20, width=12),
        Column("融资金额(元)", "amount", "money", note="本轮融资金额，单位元（表头写“(万元)”则按万元读取）",
               example="50000000", width=16),
        Column("投后估值(元)", "valuation", "money", required=False, note="投后估值，单位元，未披露留空",
               example="600000000", width=16),
    ),
    tables=(ROUND_TABLE,),
    build=_build_round,
    export=_export_rounds,
    month_field="round_date",
    replace_note="按企业和融资日期更新：同一企业同一日期的融资以新文件为准，文件中没有的融资保持不变。",
)
