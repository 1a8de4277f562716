"""小额信贷台账 and 小额信贷月末状态: the banks' microloan ledger and month-end status."""
from __future__ import annotations

import datetime as dt

from ... import config
from .base import Built, Column, Err, Feed, Ref, TableSpec, direct, village


# --- 小额信贷台账 ----------------------------------------------------------------------------
HOUSEHOLD_TABLE = TableSpec(
    table="households",
    fields=("id_number", "village_code", "head_name", "kind"),
    key=("id_number",),
    labels={"id_number": "身份证号", "village_code": "村", "head_name": "户主姓名", "kind": "户类型"},
    select="SELECT id_number, village_code, head_name, kind FROM households",
    key_where="id = (SELECT MIN(id) FROM households WHERE id_number = ?)",
    insert="INSERT INTO households (id_number, village_code, head_name, kind) VALUES (?, ?, ?, ?)",
    update="UPDATE households SET village_code = ?, head_name = ?, kind = ? "
           "WHERE id = (SELECT MIN(id) FROM households WHERE id_number = ?)",
    delete="DELETE FROM households WHERE id = (SELECT MAX(id) FROM households WHERE id_number = ?)",
    merge_duplicates=True,
    key_column="id_number",
    order="id",
)

_LOAN_FIELDS = ("loan_no", "id_number", "bank_code", "town_code", "amount", "disbursed_on",
                "maturity_on", "rate_bp", "is_renewal", "is_extension", "prev_loan_no")
_HH = "(SELECT MIN(id) FROM households WHERE id_number = ?)"
_PREV = "(SELECT p.id FROM microloans p WHERE p.loan_no = ?)"
LOAN_TABLE = TableSpec(
    table="microloans",
    fields=_LOAN_FIELDS,
    key=("loan_no",),
    labels={"loan_no": "贷款编号", "id_number": "身份证号", "bank_code": "银行", "town_code": "乡镇",
            "amount": "贷款金额", "disbursed_on": "发放日期", "maturity_on": "到期日期", "rate_bp": "年利率",
            "is_renewal": "续贷", "is_extension": "展期", "prev_loan_no": "原贷款编号"},
    select="SELECT l.loan_no, (SELECT h.id_number FROM households h WHERE h.id = l.household_id), "
           "l.bank_code, l.town_code, l.amount, l.disbursed_on, l.maturity_on, l.rate_bp, l.is_renewal, "
           "l.is_extension, (SELECT p.loan_no FROM microloans p WHERE p.id = l.prev_loan_id) FROM microloans l",
    key_where="l.loan_no = ?",
    insert="INSERT INTO microloans (loan_no, household_id, bank_code, town_code, amount, disbursed_on, "
           f"maturity_on, rate_bp, is_renewal, is_extension, prev_loan_id) VALUES (?, {_HH}, ?, ?, ?, ?, ?, ?, ?, ?, "
           f"{_PREV})",
    update=f"UPDATE microloans SET household_id = {_HH}, bank_code = ?, town_code = ?, amount = ?, "
           "disbursed_on = ?, maturity_on = ?, rate_bp = ?, is_renewal = ?, is_extension = ?, "
           f"prev_loan_id = {_PREV} WHERE loan_no = ?",
    delete="DELETE FROM microloans WHERE loan_no = ?",
    fixup=f"UPDATE microloans SET prev_loan_id = {_PREV} WHERE loan_no = ?",
    fixup_field="prev_loan_no",
    key_column="l.loan_no",
    order="l.id",
)


def _build_ledger(ref: Ref, r: dict, err: Err) -> Built | None:
    th = config.THRESHOLDS
    ok = True
    vcode = village(ref, r, err)
    if vcode is None:
        ok = False
    if r["amount"] <= 0:
        err("amount", "贷款金额必须大于 0")
        ok = False
    elif r["amount"] > th.microloan_max_amount:
        err("amount", f"贷款金额 {r['amount']:,} 元超过小额信贷上限 {th.microloan_max_amount // 10_000} 万元")
        ok = False
    start, end = r["disbursed_on"], r["maturity_on"]
    if end <= start:
        err("maturity_on", f"到期日期 {end} 早于或等于发放日期 {start}")
        ok = False
    else:
        limit = _add_years(dt.date.fromisoformat(start), th.microloan_max_years)
        if dt.date.fromisoformat(end) > limit:
            err("maturity_on", f"贷款期限超过 {th.microloan_max_years} 年（发放 {start}，到期 {end}）")
            ok = False
    if r["is_renewal"] and r["is_extension"]:
        err("is_extension", "同一笔贷款不能既是续贷又是展期")
        ok = False
    if r.get("prev_loan_no") and r["prev_loan_no"] == r["loan_no"]:
        err("prev_loan_no", "原贷款编号不能是本笔贷款自己")
        ok = False
    if not ok:
        return None
    household = (r["id_number"], vcode, r["head_name"], r["kind"])
    loan = (r["loan_no"], r["id_number"], r["bank"], r["town"], r["amount"], start, end, r["rate_bp"],
            r["is_renewal"], r["is_extension"], r.get("prev_loan_no"))
    return [("households", household, None), ("microloans", loan, None)]


def _finish_ledger(ref: Ref, tables: dict, err_at) -> None:
    """原贷款编号 must be a loan in the ledger or in the same file."""
    rows = tables.get("microloans")
    if not rows:
        return
    in_file = set(rows.rows)
    for key, row in rows.rows.items():
        prev = row[-1]
        if prev and (prev,) not in in_file and prev not in ref.loans:
            err_at(rows.rownums[key], "prev_loan_no", f"原贷款编号“{prev}”既不在台账中，也不在本文件中")


def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _export_ledger(db, month):
    where, params = ("WHERE substr(l.disbursed_on, 1, 7) = ?", [month]) if month else ("", [])
    return db.execute(f"""
        SELECT l.loan_no, h.id_number, h.head_name, t.name, v.name, v.code, h.kind, b.name, l.amount,
               l.disbursed_on, l.maturity_on, l.rate_bp / 100.0,
               CASE WHEN l.is_renewal THEN '是' ELSE '否' END,
               CASE WHEN l.is_extension THEN '是' ELSE '否' END, p.loan_no
        FROM microloans l JOIN households h ON h.id = l.household_id
        JOIN villages v ON v.code = h.village_code JOIN towns t ON t.code = v.town_code
        JOIN banks b ON b.code = l.bank_code LEFT JOIN microloans p ON p.id = l.prev_loan_id
        {where} ORDER BY l.disbursed_on, l.loan_no""", params).fetchall()


LEDGER = Feed(
    key="microloans",
    title="小额信贷台账",
    description="脱贫人口小额信贷的贷款台账：每笔贷款一行（含续贷、展期）。借款户按身份证号识别，"
                "名册中没有的脱贫户/监测户会随台账一并登记。",
    columns=(
        Column("贷款编号", "loan_no", note="银行的贷款编号，全县唯一", example="XD00012345", max_len=40),
        Column("身份证号", "id_number", "id", note="户主 18 位身份证号（文本格式），系统会校验末位校验码",
               example="990101198001010014", width=22, mask="id"),
        Column("户主姓名", "head_name", note="户主姓名", example="王建国", max_len=40, mask="name"),
        Column("乡镇", "town", "enum", choices="town", note="借款户所在乡镇（下拉选择）", example="城关镇"),
        Column("村名", "village", required=False, note="借款户所在行政村；与村代码至少填一项", example="石岭村",
               choices="village", aliases=("行政村",)),
        Column("村代码", "village_code", required=False, note="系统中的村代码，如 T01V001；填了就以代码为准",
               example="", max_len=20),
        Column("户类型", "kind", "enum", choices="household_kind", note="脱贫户或监测户", example="脱贫户"),
        Column("银行", "bank", "enum", choices="bank", note="放款银行（下拉选择）", example="农商行",
               aliases=("放款银行",)),
        Column("贷款金额(元)", "amount", "money", note="单位元，不超过 5 万元", example="50000", width=14),
        Column("发放日期", "disbursed_on", "date", note="YYYY-MM-DD", example="2026-11-05", width=12),
        Column("到期日期", "maturity_on", "date", note="YYYY-MM-DD，晚于发放日期，期限不超过 3 年",
               example="2029-11-05", width=12, future=True),
        Column("年利率(%)", "rate_bp", "rate", note="年利率百分数，如 3.00 表示 3%", example="3.00"),
        Column("续贷", "is_renewal", "bool", required=False, note="是 / 否，空白为否", example="否",
               choices="yesno"),
        Column("展期", "is_extension", "bool", required=False, note="是 / 否，空白为否", example="否",
               choices="yesno"),
        Column("原贷款编号", "prev_loan_no", required=False, note="续贷或展期时填原贷款的编号",
               example="", max_len=40),
    ),
    tables=(HOUSEHOLD_TABLE, LOAN_TABLE),
    build=_build_ledger,
    export=_export_ledger,
    month_field="disbursed_on",
    replace_note="按贷款编号更新：文件中的贷款新增或覆盖原记录，文件中没有的贷款保持不变（台账不会因导入而删除贷款）。",
    personal=True,
    finish=_finish_ledger,
)


# --- 小额信贷月末状态 -----------------------------------------------------------------------
STATUS_TABLE = direct(
    "microloan_status",
    ("loan_id", "month", "balance", "days_overdue", "subsidy_paid"),
    ("loan_id", "month"),
    {"loan_id": "贷款", "month": "月份", "balance": "贷款余额", "days_overdue": "逾期天数",
     "subsidy_paid": "当月贴息"},
    group_where="month = ? AND loan_id IN (SELECT id FROM microloans WHERE bank_code = ?)",
)


def _build_status(ref: Ref, r: dict, err: Err) -> Built | None:
    loan = ref.loans.get(r["loan_no"])
    if loan is None:
        err("loan_no", f"贷款编号“{r['loan_no']}”不在台账中，请先导入小额信贷台账")
        return None
    loan_id, bank, amount, disbursed = loan
    ok = True
    if r.get("bank") and r["bank"] != bank:
        err("bank", f"贷款 {r['loan_no']} 属于{ref.banks.get(bank, bank)}，与“银行”列不一致")
        ok = False
    if r["balance"] > amount:
        err("balance", f"余额 {r['balance']:,} 元大于贷款金额 {amount:,} 元")
        ok = False
    if r["month"] < disbursed[:7]:
        err("month", f"月份 {r['month']} 早于贷款发放月份 {disbursed[:7]}")
        ok = False
    if r["days_overdue"] > 0 and r["balance"] == 0:
        err("days_overdue", "余额为 0（已还清）的贷款逾期天数应为 0")
        ok = False
    if not ok:
        return None
    row = (loan_id, r["month"], r["balance"], r["days_overdue"], r["subsidy_paid"])
    return [("microloan_status", row, (r["month"], bank))]


def _export_status(db, month):
    where, params = ("WHERE s.month = ?", [month]) if month else ("", [])
    return db.execute(f"""
        SELECT s.month, l.loan_no, b.name, s.balance, s.days_overdue, s.subsidy_paid
        FROM microloan_status s JOIN microloans l ON l.id = s.loan_id JOIN banks b ON b.code = l.bank_code
        {where} ORDER BY s.month, l.loan_no""", params).fetchall()


STATUS = Feed(
    key="microloan_status",
    title="小额信贷月末状态",
    description="每笔有余额（或当月还清）的小额信贷在月末的余额、逾期天数和当月贴息：每笔贷款每月一行。",
    columns=(
        Column("月份", "month", "month", note="YYYY-MM（文本格式）", example="2026-11"),
        Column("贷款编号", "loan_no", note="台账中的贷款编号", example="XD00012345", max_len=40),
        Column("银行", "bank", "enum", required=False, choices="bank",
               note="可选；填写时须与台账中该笔贷款的银行一致", example="农商行"),
        Column("贷款余额(元)", "balance", "money", note="月末余额，单位元，不大于贷款金额", example="50000"),
        Column("逾期天数", "days_overdue", "int", note="月末逾期天数，未逾期填 0", example="0", maximum=36500),
        Column("当月贴息(元)", "subsidy_paid", "money", required=False, note="当月拨付的贴息，单位元，空白按 0",
               example="0"),
    ),
    tables=(STATUS_TABLE,),
    build=_build_status,
    export=_export_status,
    month_field="month",
    replace_note="再次导入某月某银行的状态表时，该月该银行的全部贷款状态以新文件为准（文件中没有的贷款当月状态会被删除）。",
)
