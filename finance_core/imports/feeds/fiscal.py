"""Import feeds of the 财政资金 area (templates, validation, export = import).

贴息申报 and its 核减明细, 补偿金代偿申报, 补偿金追回, 补偿金注资, 担保代偿分担拨付,
示范区资金到账 / 项目分配 / 月度支出, 上市奖补兑现. A step not reached yet (审核,
拨付) is left blank: its amount and date are blank together. Every feed upserts
by its natural key; rows not in the file are left alone.
"""
from __future__ import annotations

from ... import config, fiscal
from .base import Built, Column, Err, Feed, Ref, direct

_LEVELS = {v: k for k, v in fiscal.LEVEL_NAMES.items()}
_PARTIES = {v: k for k, v in fiscal.PARTY_NAMES.items()}
_MOVE_KINDS = {"期初余额": "opening", "财政注资": "topup"}
_MOVE_WORDS = {v: k for k, v in _MOVE_KINDS.items()}
PROGRAM = "中央财政支持普惠金融发展示范区奖补资金"


def _one(ref: Ref, sql: str, *args):
    row = ref.db.execute(sql, args).fetchone()
    return None if row is None else row[0]


def _step(r: dict, err: Err, amount: str, date: str, word: str, before: str | None, cap: int | None,
          cap_word: str) -> tuple[object, object, bool]:
    """(amount, date, ok) of an optional step (审核 / 拨付): both blank, or both given."""
    on = r.get(date)
    value = r.get(amount) or 0
    if on is None:
        if value:
            err(date, f"填写了{word}金额，缺少{word}日期")
            return None, None, False
        return None, None, True
    if before is None:
        err(date, f"上一环节未完成，不能填写{word}日期")
        return None, None, False
    if str(on) < str(before):
        err(date, f"{word}日期 {on} 早于上一环节日期 {before}")
        return None, None, False
    if cap is not None and value > cap:
        err(amount, f"{word}金额 {value:,} 元大于{cap_word} {cap:,} 元")
        return None, None, False
    return value, on, True


# --- 贴息申报 ------------------------------------------------------------------------------
SUBSIDY_TABLE = direct(
    "subsidy_claims",
    ("bank_code", "quarter", "eligible_loans", "interest_base", "applied_amount", "applied_on",
     "approved_amount", "approved_on", "paid_amount", "paid_on"),
    ("bank_code", "quarter"),
    {"bank_code": "银行", "quarter": "季度", "eligible_loans": "申报笔数", "interest_base": "计息基数",
     "applied_amount": "申报金额", "applied_on": "申报日期", "approved_amount": "核定金额",
     "approved_on": "审核日期", "paid_amount": "拨付金额", "paid_on": "拨付日期"},
)


def _quarter(r: dict, err: Err) -> str | None:
    q = str(r.get("quarter") or "").strip().upper().replace("Ｑ", "Q")
    if len(q) == 7 and q[:4].isdigit() and q[4:6] == "-Q" and q[6] in "1234":
        return q
    err("quarter", f"季度“{r.get('quarter')}”格式无效，应为 YYYY-Qn（如 2026-Q3）")
    return None


def _build_subsidy(ref: Ref, r: dict, err: Err) -> Built | None:
    q = _quarter(r, err)
    ok = q is not None
    if q and str(r["applied_on"]) <= fiscal.quarter_end(q).isoformat():
        err("applied_on", f"申报日期 {r['applied_on']} 不在{fiscal.quarter_label(q)}结束之后")
        ok = False
    if r["applied_amount"] > r["interest_base"]:
        err("applied_amount", f"申报金额 {r['applied_amount']:,} 元大于计息基数 {r['interest_base']:,} 元")
        ok = False
    approved, approved_on, good = _step(r, err, "approved_amount", "approved_on", "审核", r["applied_on"],
                                        r["applied_amount"], "申报金额")
    ok = ok and good
    paid, paid_on, good = _step(r, err, "paid_amount", "paid_on", "拨付", approved_on, approved, "核定金额")
    if not (ok and good):
        return None
    return [("subsidy_claims", (r["bank"], q, r["eligible_loans"], r["interest_base"], r["applied_amount"],
                                r["applied_on"], approved, approved_on, paid, paid_on), None)]


def _export_subsidy(db, month):
    where, params = ("WHERE substr(c.applied_on, 1, 7) = ?", [month]) if month else ("", [])
    return db.execute(f"""
        SELECT b.name, c.quarter, c.eligible_loans, c.interest_base, c.applied_amount, c.applied_on,
               c.approved_amount, c.approved_on, c.paid_amount, c.paid_on
        FROM subsidy_claims c JOIN banks b ON b.code = c.bank_code {where} ORDER BY c.quarter, b.code""",
                      params).fetchall()


_STEP_NOTE = "未审核（未拨付）时金额和日期都留空"
SUBSIDY = Feed(
    key="fiscal_subsidy",
    title="贴息申报",
    description="各银行每季度的贴息申报、审核和拨付：每家银行每个季度一行。核减明细另见“贴息核减明细”。",
    columns=(
        Column("银行", "bank", "enum", choices="bank", note="银行名称（下拉选择）", example="农商行"),
        Column("季度", "quarter", note="计息季度 YYYY-Qn", example="2026-Q3", max_len=8, width=10),
        Column("申报笔数", "eligible_loans", "int", note="申报贴息的贷款笔数", example="620"),
        Column("计息基数(元)", "interest_base", "money", note="申报贷款当季应付利息，单位元", example="1200000", width=16),
        Column("申报金额(元)", "applied_amount", "money", note="申请贴息金额，单位元", example="1190000", width=16),
        Column("申报日期", "applied_on", "date", note="YYYY-MM-DD，季度结束之后", example="2026-10-12", width=12),
        Column("核定金额(元)", "approved_amount", "money", required=False, note=_STEP_NOTE, example="1185000", width=16),
        Column("审核日期", "approved_on", "date", required=False, note=_STEP_NOTE, example="2026-10-28", width=12),
        Column("拨付金额(元)", "paid_amount", "money", required=False, note=_STEP_NOTE, example="1185000", width=16),
        Column("拨付日期", "paid_on", "date", required=False, note=_STEP_NOTE, example="2026-11-10", width=12),
    ),
    tables=(SUBSIDY_TABLE,),
    build=_build_subsidy,
    export=_export_subsidy,
    month_field="applied_on",
    replace_note="按银行和季度更新：同一银行同一季度的申报以新文件为准。",
)


# --- 贴息核减明细 ----------------------------------------------------------------------------
ITEM_TABLE = direct(
    "subsidy_rejections",
    ("claim_id", "item_no", "loan_no", "amount", "reason"),
    ("claim_id", "item_no"),
    {"claim_id": "申报", "item_no": "序号", "loan_no": "贷款编号", "amount": "核减金额", "reason": "核减原因"},
)


def _build_item(ref: Ref, r: dict, err: Err) -> Built | None:
    q = _quarter(r, err)
    if q is None:
        return None
    claim = _one(ref, "SELECT id FROM subsidy_claims WHERE bank_code = ? AND quarter = ?", r["bank"], q)
    if claim is None:
        err("quarter", f"{ref.banks.get(r['bank'], r['bank'])}没有{fiscal.quarter_label(q)}的贴息申报，请先导入申报")
        return None
    if r["amount"] <= 0:
        err("amount", "核减金额必须大于 0")
        return None
    return [("subsidy_rejections", (claim, r["item_no"], r["loan_no"], r["amount"], r["reason"]), None)]


def _export_items(db, month):
    where, params = ("WHERE substr(c.applied_on, 1, 7) = ?", [month]) if month else ("", [])
    return db.execute(f"""
        SELECT b.name, c.quarter, r.item_no, r.loan_no, r.amount, r.reason FROM subsidy_rejections r
        JOIN subsidy_claims c ON c.id = r.claim_id JOIN banks b ON b.code = c.bank_code {where}
        ORDER BY c.quarter, b.code, r.item_no""", params).fetchall()


ITEMS = Feed(
    key="fiscal_subsidy_items",
    title="贴息核减明细",
    description="贴息申报中被核减的贷款：每笔核减一行（须先导入对应的贴息申报）。",
    columns=(
        Column("银行", "bank", "enum", choices="bank", note="银行名称（下拉选择）", example="青禾村镇银行"),
        Column("季度", "quarter", note="计息季度 YYYY-Qn", example="2026-Q3", max_len=8, width=10),
        Column("序号", "item_no", "int", note="该申报内的核减序号", example="1", width=8),
        Column("贷款编号", "loan_no", note="被核减的贷款编号", example="XD00007887", max_len=40),
        Column("核减金额(元)", "amount", "money", note="单位元", example="431", width=14),
        Column("核减原因", "reason", note="如：贷款逾期，逾期期间利息不予贴息", example="贷款逾期，逾期期间利息不予贴息",
               max_len=200, width=30),
    ),
    tables=(ITEM_TABLE,),
    build=_build_item,
    export=_export_items,
    month_field=None,
    replace_note="按银行、季度和序号更新：同一条核减以新文件为准。",
)


# --- 补偿金代偿申报 ---------------------------------------------------------------------------
CLAIM_TABLE = direct(
    "fund_claims",
    ("claim_no", "loan_id", "bank_code", "town_code", "claim_amount", "county_share", "bank_share", "applied_on",
     "approved_amount", "approved_on", "paid_amount", "paid_on"),
    ("claim_no",),
    {"claim_no": "申报编号", "loan_id": "贷款", "bank_code": "银行", "town_code": "乡镇", "claim_amount": "损失金额",
     "county_share": "县级分担", "bank_share": "银行分担", "applied_on": "申报日期", "approved_amount": "核定金额",
     "approved_on": "审核日期", "paid_amount": "拨付金额", "paid_on": "拨付日期"},
)


def _build_claim(ref: Ref, r: dict, err: Err) -> Built | None:
    loan = ref.loans.get(str(r["loan_no"]).strip())
    if loan is None:
        err("loan_no", f"贷款编号“{r['loan_no']}”不存在")
        return None
    loan_id, bank, _amount, _on = loan
    town = _one(ref, "SELECT town_code FROM microloans WHERE id = ?", loan_id)
    days = config.THRESHOLDS.par_fund_days
    eligible = _one(ref, "SELECT 1 FROM microloan_status WHERE loan_id = ? AND days_overdue > ? AND month <= ? "
                         "LIMIT 1", loan_id, days, str(r["applied_on"])[:7])
    ok = True
    if not eligible:
        err("loan_no", f"贷款 {r['loan_no']} 在申报日期前没有逾期{days}天以上的记录，不符合代偿条件")
        ok = False
    if r["claim_amount"] <= 0:
        err("claim_amount", "损失金额必须大于 0")
        ok = False
    if r["county_share"] > r["claim_amount"]:
        err("county_share", f"县级分担 {r['county_share']:,} 元大于损失金额 {r['claim_amount']:,} 元")
        ok = False
    approved, approved_on, good = _step(r, err, "approved_amount", "approved_on", "审核", r["applied_on"],
                                        r["county_share"], "县级分担")
    ok = ok and good
    paid, paid_on, good = _step(r, err, "paid_amount", "paid_on", "拨付", approved_on, approved, "核定金额")
    if not (ok and good):
        return None
    return [("fund_claims", (r["claim_no"], loan_id, bank, town, r["claim_amount"], r["county_share"],
                             r["claim_amount"] - r["county_share"], r["applied_on"], approved, approved_on,
                             paid, paid_on), None)]


def _export_claims(db, month):
    where, params = ("WHERE substr(c.applied_on, 1, 7) = ?", [month]) if month else ("", [])
    return db.execute(f"""
        SELECT c.claim_no, l.loan_no, c.claim_amount, c.county_share, c.applied_on, c.approved_amount,
               c.approved_on, c.paid_amount, c.paid_on
        FROM fund_claims c JOIN microloans l ON l.id = c.loan_id {where} ORDER BY c.applied_on, c.claim_no""",
                      params).fetchall()


CLAIMS = Feed(
    key="fiscal_fund_claims",
    title="补偿金代偿申报",
    description="银行对逾期90天以上的脱贫人口小额信贷申请风险补偿金代偿：每笔申报一行。银行、乡镇按贷款台账确定。",
    columns=(
        Column("申报编号", "claim_no", note="银行申报编号（唯一）", example="BC000123", max_len=40),
        Column("贷款编号", "loan_no", note="小额信贷台账中的贷款编号", example="XD00007887", max_len=40),
        Column("损失金额(元)", "claim_amount", "money", note="申请代偿的贷款损失（本金余额），单位元", example="50000",
               width=14),
        Column("县级分担(元)", "county_share", "money", note="风险补偿金承担的部分，其余由银行承担", example="20000",
               width=14),
        Column("申报日期", "applied_on", "date", note="YYYY-MM-DD", example="2026-10-11", width=12),
        Column("核定金额(元)", "approved_amount", "money", required=False, note=_STEP_NOTE, example="20000", width=14),
        Column("审核日期", "approved_on", "date", required=False, note=_STEP_NOTE, example="2026-11-02", width=12),
        Column("拨付金额(元)", "paid_amount", "money", required=False, note=_STEP_NOTE, example="20000", width=14),
        Column("拨付日期", "paid_on", "date", required=False, note=_STEP_NOTE, example="2026-11-16", width=12),
    ),
    tables=(CLAIM_TABLE,),
    build=_build_claim,
    export=_export_claims,
    month_field="applied_on",
    replace_note="按申报编号更新：同一申报以新文件为准。",
)


# --- 补偿金追回 --------------------------------------------------------------------------------
RECOVERY_TABLE = direct(
    "fund_recoveries", ("claim_id", "recovered_on", "amount"), ("claim_id", "recovered_on"),
    {"claim_id": "申报", "recovered_on": "追回日期", "amount": "追回金额"},
)


def _build_recovery(ref: Ref, r: dict, err: Err) -> Built | None:
    row = ref.db.execute("SELECT id, paid_amount, paid_on FROM fund_claims WHERE claim_no = ?",
                         [r["claim_no"]]).fetchone()
    if row is None:
        err("claim_no", f"申报编号“{r['claim_no']}”不存在")
        return None
    cid, paid, paid_on = row
    if paid_on is None or str(r["recovered_on"]) < paid_on:
        err("recovered_on", "该申报尚未拨付，或追回日期早于拨付日期")
        return None
    if r["amount"] <= 0 or r["amount"] > paid:
        err("amount", f"追回金额应大于 0 且不超过已拨付的 {paid:,} 元")
        return None
    return [("fund_recoveries", (cid, r["recovered_on"], r["amount"]), None)]


def _export_recoveries(db, month):
    where, params = ("WHERE substr(r.recovered_on, 1, 7) = ?", [month]) if month else ("", [])
    return db.execute(f"""SELECT c.claim_no, r.recovered_on, r.amount FROM fund_recoveries r
        JOIN fund_claims c ON c.id = r.claim_id {where} ORDER BY r.recovered_on, c.claim_no""", params).fetchall()


RECOVERIES = Feed(
    key="fiscal_fund_recoveries",
    title="补偿金追回",
    description="已代偿贷款事后收回、返还风险补偿金的金额：每笔申报每个追回日期一行。",
    columns=(
        Column("申报编号", "claim_no", note="代偿申报编号", example="BC000092", max_len=40),
        Column("追回日期", "recovered_on", "date", note="YYYY-MM-DD", example="2026-11-20", width=12),
        Column("追回金额(元)", "amount", "money", note="返还补偿金的金额，单位元", example="20000", width=14),
    ),
    tables=(RECOVERY_TABLE,),
    build=_build_recovery,
    export=_export_recoveries,
    month_field="recovered_on",
    replace_note="按申报编号和追回日期更新。",
)


# --- 补偿金注资 --------------------------------------------------------------------------------
MOVE_TABLE = direct(
    "fund_moves", ("moved_on", "kind", "amount", "source", "note"), ("moved_on", "kind", "source"),
    {"moved_on": "日期", "kind": "类型", "amount": "金额", "source": "资金来源", "note": "说明"},
)


def _build_move(ref: Ref, r: dict, err: Err) -> Built | None:
    kind = _MOVE_KINDS.get(str(r["kind"]).strip())
    if kind is None:
        err("kind", f"类型应为 {'、'.join(_MOVE_KINDS)}")
        return None
    if r["amount"] <= 0:
        err("amount", "金额必须大于 0")
        return None
    return [("fund_moves", (r["moved_on"], kind, r["amount"], r["source"], r.get("note")), None)]


def _export_moves(db, month):
    where = "WHERE kind IN ('opening', 'topup')" + (" AND substr(moved_on, 1, 7) = ?" if month else "")
    return [(on, _MOVE_WORDS[kind], amount, source, note) for on, kind, amount, source, note in db.execute(
        f"SELECT moved_on, kind, amount, source, note FROM fund_moves {where} ORDER BY moved_on, id",
        [month] if month else []).fetchall()]


MOVES = Feed(
    key="fiscal_fund_moves",
    title="补偿金注资",
    description="风险补偿金的期初余额和财政注资：每个日期、类型、资金来源一行。",
    columns=(
        Column("日期", "moved_on", "date", note="YYYY-MM-DD", example="2026-01-15", width=12),
        Column("类型", "kind", note="、".join(_MOVE_KINDS), example="财政注资", max_len=8, width=10),
        Column("金额(元)", "amount", "money", note="单位元", example="5000000", width=14),
        Column("资金来源", "source", note="如 县级财政、省级财政", example="县级财政", max_len=40),
        Column("说明", "note", required=False, note="可选", example="年初预算注资", max_len=200, width=24),
    ),
    tables=(MOVE_TABLE,),
    build=_build_move,
    export=_export_moves,
    month_field="moved_on",
    replace_note="按日期、类型和资金来源更新。",
)


# --- 担保代偿分担拨付 ----------------------------------------------------------------------------
SHARE_TABLE = direct(
    "comp_share_payments", ("contract_id", "party", "paid_on", "amount"), ("contract_id", "party", "paid_on"),
    {"contract_id": "担保合同", "party": "分担方", "paid_on": "拨付日期", "amount": "金额"},
)


def _build_share(ref: Ref, r: dict, err: Err) -> Built | None:
    row = ref.db.execute(
        """SELECT c.id, c.compensated_amount, c.compensated_on, p.share_guarantor_pct, p.share_reguarantor_pct,
                  p.share_bank_pct, p.share_gov_pct FROM guarantee_contracts c
           JOIN guarantee_products p ON p.code = c.product_code WHERE c.contract_no = ?""",
        [r["contract_no"]]).fetchone()
    if row is None:
        err("contract_no", f"担保合同“{r['contract_no']}”不存在")
        return None
    cid, amount, on, *shares = row
    if not amount:
        err("contract_no", f"担保合同 {r['contract_no']} 没有代偿记录")
        return None
    party = _PARTIES.get(str(r["party"]).strip())
    if party is None:
        err("party", f"分担方应为 {'、'.join(_PARTIES)}")
        return None
    due = dict(zip(fiscal.PARTIES, fiscal.split_4321(amount, shares)))[party]
    if r["amount"] <= 0 or r["amount"] > due:
        err("amount", f"金额应大于 0 且不超过{r['party']}应担的 {due:,} 元")
        return None
    if str(r["paid_on"]) < on:
        err("paid_on", f"拨付日期早于代偿日期 {on}")
        return None
    return [("comp_share_payments", (cid, party, r["paid_on"], r["amount"]), None)]


def _export_shares(db, month):
    where, params = ("WHERE substr(s.paid_on, 1, 7) = ?", [month]) if month else ("", [])
    return [(no, fiscal.PARTY_NAMES[party], on, amount) for no, party, on, amount in db.execute(f"""
        SELECT c.contract_no, s.party, s.paid_on, s.amount FROM comp_share_payments s
        JOIN guarantee_contracts c ON c.id = s.contract_id {where} ORDER BY s.paid_on, c.contract_no, s.party""",
        params).fetchall()]


SHARES = Feed(
    key="fiscal_shares",
    title="担保代偿分担拨付",
    description="担保代偿后各分担方（担保公司、再担保、银行、地方政府）实际拨付的金额：每份合同、分担方、拨付日期一行。",
    columns=(
        Column("担保合同编号", "contract_no", note="已代偿的担保合同编号", example="DB0001442", max_len=40),
        Column("分担方", "party", note="、".join(_PARTIES), example="地方政府", max_len=8, width=10),
        Column("拨付日期", "paid_on", "date", note="YYYY-MM-DD", example="2026-11-05", width=12),
        Column("金额(元)", "amount", "money", note="本次拨付金额，单位元", example="236330", width=14),
    ),
    tables=(SHARE_TABLE,),
    build=_build_share,
    export=_export_shares,
    month_field="paid_on",
    replace_note="按合同、分担方和拨付日期更新。",
)


# --- 示范区资金 ---------------------------------------------------------------------------------
ZONE_FUND_TABLE = direct(
    "zone_funds", ("received_on", "level", "program", "amount", "note"), ("received_on", "level", "program"),
    {"received_on": "到账日期", "level": "资金级次", "program": "资金名称", "amount": "金额", "note": "备注"},
)


def _build_zone_fund(ref: Ref, r: dict, err: Err) -> Built | None:
    level = _LEVELS.get(str(r["level"]).strip())
    if level is None:
        err("level", f"资金级次应为 {'、'.join(_LEVELS)}")
        return None
    if r["amount"] <= 0:
        err("amount", "金额必须大于 0")
        return None
    return [("zone_funds", (r["received_on"], level, r["program"], r["amount"], r.get("note")), None)]


def _export_zone_funds(db, month):
    where, params = ("WHERE substr(received_on, 1, 7) = ?", [month]) if month else ("", [])
    return [(on, fiscal.LEVEL_NAMES[level], program, amount, note) for on, level, program, amount, note in
            db.execute(f"SELECT received_on, level, program, amount, note FROM zone_funds {where} "
                       f"ORDER BY received_on, id", params).fetchall()]


ZONE_FUNDS = Feed(
    key="fiscal_zone_funds",
    title="示范区资金到账",
    description="示范区及奖补资金的到账（中央、省级、县级）：每笔到账一行。",
    columns=(
        Column("到账日期", "received_on", "date", note="YYYY-MM-DD", example="2026-03-16", width=12),
        Column("资金级次", "level", note="、".join(_LEVELS), example="中央", max_len=4, width=10),
        Column("资金名称", "program", note="如 中央财政支持普惠金融发展示范区奖补资金", example=PROGRAM, max_len=80, width=34),
        Column("金额(元)", "amount", "money", note="单位元", example="10000000", width=14),
        Column("备注", "note", required=False, note="可选", example="第二批", max_len=200, width=16),
    ),
    tables=(ZONE_FUND_TABLE,),
    build=_build_zone_fund,
    export=_export_zone_funds,
    month_field="received_on",
    replace_note="按到账日期、资金级次和资金名称更新。",
)

PROJECT_TABLE = direct(
    "zone_projects", ("code", "name", "program", "allocated", "allocated_on"), ("code",),
    {"code": "项目代码", "name": "项目名称", "program": "资金来源", "allocated": "分配金额", "allocated_on": "分配日期"},
)


def _build_project(ref: Ref, r: dict, err: Err) -> Built | None:
    other = _one(ref, "SELECT code FROM zone_projects WHERE name = ? AND code <> ?", r["name"], r["code"])
    if other:
        err("name", f"项目名称“{r['name']}”已被项目 {other} 使用")
        return None
    return [("zone_projects", (r["code"], r["name"], r["program"], r["allocated"], r["allocated_on"]), None)]


def _export_projects(db, month):
    where, params = ("WHERE substr(allocated_on, 1, 7) = ?", [month]) if month else ("", [])
    return db.execute(f"SELECT code, name, program, allocated, allocated_on FROM zone_projects {where} "
                      f"ORDER BY code", params).fetchall()


PROJECTS = Feed(
    key="fiscal_zone_projects",
    title="示范区项目分配",
    description="示范区及奖补资金分配到的项目：每个项目一行。",
    columns=(
        Column("项目代码", "code", note="项目代码（唯一）", example="Z01", max_len=20, width=10),
        Column("项目名称", "name", note="项目名称（唯一）", example="数字普惠金融服务平台建设", max_len=80, width=30),
        Column("资金来源", "program", note="分配自哪项资金", example=PROGRAM, max_len=80, width=34),
        Column("分配金额(元)", "allocated", "money", note="单位元", example="6000000", width=14),
        Column("分配日期", "allocated_on", "date", note="YYYY-MM-DD", example="2025-07-01", width=12),
    ),
    tables=(PROJECT_TABLE,),
    build=_build_project,
    export=_export_projects,
    month_field="allocated_on",
    replace_note="按项目代码更新。",
)

SPENDING_TABLE = direct(
    "zone_spending", ("project_code", "month", "amount"), ("project_code", "month"),
    {"project_code": "项目", "month": "月份", "amount": "支出金额"},
)


def _build_spending(ref: Ref, r: dict, err: Err) -> Built | None:
    text = str(r["project"]).strip()
    code = _one(ref, "SELECT code FROM zone_projects WHERE code = ? OR name = ?", text, text)
    if code is None:
        err("project", f"项目“{text}”不存在（填项目代码或名称，须先导入项目分配）")
        return None
    return [("zone_spending", (code, r["month"], r["amount"]), None)]


def _export_spending(db, month):
    where, params = ("WHERE s.month = ?", [month]) if month else ("", [])
    return db.execute(f"""SELECT s.month, p.name, s.amount FROM zone_spending s
        JOIN zone_projects p ON p.code = s.project_code {where} ORDER BY s.month, p.code""", params).fetchall()


SPENDING = Feed(
    key=fiscal.ZONE_FEED,
    title="示范区资金支出",
    description="示范区资金各项目每月的支出：每个项目每月一行（当月无支出填 0，不要留缺）。",
    columns=(
        Column("月份", "month", "month", note="YYYY-MM（文本格式）", example="2026-11"),
        Column("项目", "project", note="项目名称或代码", example="数字普惠金融服务平台建设", max_len=80, width=30),
        Column("支出金额(元)", "amount", "money", note="当月支出，单位元", example="260000", width=14),
    ),
    tables=(SPENDING_TABLE,),
    build=_build_spending,
    export=_export_spending,
    month_field="month",
    replace_note="按项目和月份更新：同一项目同一月份的支出以新文件为准。",
)


# --- 上市奖补 -----------------------------------------------------------------------------------
AWARD_TABLE = direct(
    "ipo_awards", ("company_id", "stage", "paid_on", "amount"), ("company_id", "stage", "paid_on"),
    {"company_id": "企业", "stage": "阶段", "paid_on": "兑现日期", "amount": "金额"},
)


def _build_award(ref: Ref, r: dict, err: Err) -> Built | None:
    policy = fiscal.award_policy()
    if r["stage"] not in policy:
        err("stage", f"“{r['stage']}”不是奖补阶段（{'、'.join(policy)}）")
        return None
    reached = _one(ref, "SELECT MIN(event_date) FROM ipo_events WHERE company_id = ? AND stage = ?",
                   r["company"], r["stage"])
    if reached is None or str(r["paid_on"]) < reached:
        err("paid_on", "企业尚未进入该阶段，或兑现日期早于进入该阶段的日期")
        return None
    if r["amount"] <= 0 or r["amount"] > policy[r["stage"]]:
        err("amount", f"金额应大于 0 且不超过该阶段奖补标准 {policy[r['stage']]:,} 元")
        return None
    return [("ipo_awards", (r["company"], r["stage"], r["paid_on"], r["amount"]), None)]


def _export_awards(db, month):
    where, params = ("WHERE substr(a.paid_on, 1, 7) = ?", [month]) if month else ("", [])
    return db.execute(f"""SELECT c.name, a.stage, a.paid_on, a.amount FROM ipo_awards a
        JOIN companies c ON c.id = a.company_id {where} ORDER BY a.paid_on, c.id, a.stage""", params).fetchall()


AWARDS = Feed(
    key="fiscal_awards",
    title="上市奖补兑现",
    description="拟上市企业达到奖补阶段后兑现的奖补资金：每家企业、阶段、兑现日期一行（可分期兑现）。",
    columns=(
        Column("企业名称", "company", "enum", choices="company", note="企业全称（下拉选择）",
               example="瑞禾新材料股份有限公司", width=28),
        Column("阶段", "stage", "enum", choices="stage", note="奖补阶段：" + "、".join(fiscal.award_policy()),
               example="辅导备案"),
        Column("兑现日期", "paid_on", "date", note="YYYY-MM-DD", example="2026-11-20", width=12),
        Column("金额(元)", "amount", "money", note="本次兑现金额，单位元", example="1000000", width=14),
    ),
    tables=(AWARD_TABLE,),
    build=_build_award,
    export=_export_awards,
    month_field="paid_on",
    replace_note="按企业、阶段和兑现日期更新。",
)

FISCAL_FEEDS: tuple[Feed, ...] = (SUBSIDY, ITEMS, CLAIMS, RECOVERIES, MOVES, SHARES, ZONE_FUNDS, PROJECTS, SPENDING,
                                  AWARDS)
