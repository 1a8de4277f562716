"""担保合同 and 担保公司净资产: the guarantor's contracts and net assets."""
from __future__ import annotations

from ... import guarantees
from .base import Built, Column, Err, Feed, Ref, direct


# --- 担保合同 -----------------------------------------------------------------------------------
CONTRACT_TABLE = direct(
    "guarantee_contracts",
    ("contract_no", "product_code", "bank_code", "town_code", "borrower_name", "borrower_type", "amount",
     "fee_amount", "start_on", "end_on", "released_on", "compensated_amount", "compensated_on",
     "recovered_amount"),
    ("contract_no",),
    {"contract_no": "合同编号", "product_code": "担保产品", "bank_code": "合作银行", "town_code": "乡镇",
     "borrower_name": "借款人", "borrower_type": "借款人类型", "amount": "担保金额", "fee_amount": "年担保费",
     "start_on": "起始日期", "end_on": "到期日期", "released_on": "解保日期",
     "compensated_amount": "代偿金额", "compensated_on": "代偿日期", "recovered_amount": "追偿金额"},
)


def _build_contract(ref: Ref, r: dict, err: Err) -> Built | None:
    ok = True
    if r["amount"] <= 0:
        err("amount", "担保金额必须大于 0")
        ok = False
    if r["fee_amount"] > r["amount"]:
        err("fee_amount", "年担保费大于担保金额")
        ok = False
    if r["end_on"] <= r["start_on"]:
        err("end_on", f"到期日期 {r['end_on']} 早于或等于起始日期 {r['start_on']}")
        ok = False
    if r.get("released_on") and r["released_on"] < r["start_on"]:
        err("released_on", f"解保日期 {r['released_on']} 早于起始日期 {r['start_on']}")
        ok = False
    comp, comp_on = r["compensated_amount"], r.get("compensated_on")
    if comp > r["amount"]:
        err("compensated_amount", f"代偿金额 {comp:,} 元大于担保金额 {r['amount']:,} 元")
        ok = False
    if comp and not comp_on:
        err("compensated_on", "填写了代偿金额，代偿日期不能为空")
        ok = False
    if comp_on and not comp:
        err("compensated_amount", "填写了代偿日期，代偿金额不能为 0")
        ok = False
    if comp_on and comp_on < r["start_on"]:
        err("compensated_on", f"代偿日期 {comp_on} 早于起始日期 {r['start_on']}")
        ok = False
    if r["recovered_amount"] > comp:
        err("recovered_amount", f"追偿金额 {r['recovered_amount']:,} 元大于代偿金额 {comp:,} 元")
        ok = False
    product_name, product_bank = ref.products[r["product"]]
    if product_bank and product_bank != r["bank"]:
        err("bank", f"担保产品“{product_name}”只与{ref.banks.get(product_bank, product_bank)}合作")
        ok = False
    if not ok:
        return None
    row = (r["contract_no"], r["product"], r["bank"], r["town"], r["borrower_name"], r["borrower_type"],
           r["amount"], r["fee_amount"], r["start_on"], r["end_on"], r.get("released_on"), comp, comp_on,
           r["recovered_amount"])
    return [("guarantee_contracts", row, None)]


def _export_contracts(db, month):
    where, params = ("WHERE ? IN (substr(c.start_on, 1, 7), substr(c.released_on, 1, 7), "
                     "substr(c.compensated_on, 1, 7))", [month]) if month else ("", [])
    rows = db.execute(f"""
        SELECT c.contract_no, p.name, b.name, t.name, c.borrower_name, c.borrower_type, c.amount,
               c.fee_amount, c.start_on, c.end_on, c.released_on, c.compensated_amount, c.compensated_on,
               c.recovered_amount
        FROM guarantee_contracts c JOIN guarantee_products p ON p.code = c.product_code
        JOIN banks b ON b.code = c.bank_code JOIN towns t ON t.code = c.town_code
        {where} ORDER BY c.start_on, c.contract_no""", params).fetchall()
    return [r[:5] + (guarantees.BORROWER_TYPES.get(r[5], r[5]),) + r[6:] for r in rows]


CONTRACTS = Feed(
    key="guarantees",
    title="担保合同",
    description="融资担保公司的担保合同台账：每份合同一行，解保、代偿、追偿发生后更新同一行再导入。",
    columns=(
        Column("合同编号", "contract_no", note="担保合同编号，唯一", example="DB0012345", max_len=40),
        Column("担保产品", "product", "enum", choices="product", note="担保产品名称（下拉选择）", example="税融通",
               width=18),
        Column("合作银行", "bank", "enum", choices="bank", note="贷款银行（下拉选择）", example="农业银行",
               aliases=("银行",)),
        Column("乡镇", "town", "enum", choices="town", note="借款人所在乡镇（下拉选择）", example="城关镇"),
        Column("借款人", "borrower_name", note="借款企业或经营主体名称", example="青禾食品有限公司",
               max_len=100, width=24),
        Column("借款人类型", "borrower_type", "enum", choices="borrower_type",
               note="小微企业 / 涉农 / 其他（下拉选择）", example="小微企业"),
        Column("担保金额(元)", "amount", "money", note="单位元", example="3000000"),
        Column("年担保费(元)", "fee_amount", "money", note="每年收取的担保费，单位元", example="24000"),
        Column("起始日期", "start_on", "date", note="YYYY-MM-DD", example="2026-11-10", width=12),
        Column("到期日期", "end_on", "date", note="YYYY-MM-DD，晚于起始日期", example="2027-11-10", width=12,
               future=True),
        Column("解保日期", "released_on", "date", required=False, note="还款或代偿后解除担保的日期，未解保留空",
               example="", width=12),
        Column("代偿金额(元)", "compensated_amount", "money", required=False, note="单位元，空白按 0", example="0"),
        Column("代偿日期", "compensated_on", "date", required=False, note="发生代偿时填写", example="", width=12),
        Column("追偿金额(元)", "recovered_amount", "money", required=False, note="已追回的代偿款，单位元，空白按 0",
               example="0"),
    ),
    tables=(CONTRACT_TABLE,),
    build=_build_contract,
    export=_export_contracts,
    month_field="start_on",
    replace_note="按合同编号更新：文件中的合同新增或覆盖原记录，文件中没有的合同保持不变。",
)


# --- 担保公司净资产 -----------------------------------------------------------------------------
GUARANTOR_TABLE = direct(
    "guarantor_monthly",
    ("guarantor_code", "month", "net_assets", "rating"),
    ("guarantor_code", "month"),
    {"guarantor_code": "担保机构", "month": "月份", "net_assets": "净资产", "rating": "评级"},
)


def _build_guarantor(ref: Ref, r: dict, err: Err) -> Built | None:
    if r["net_assets"] <= 0:
        err("net_assets", "净资产必须大于 0")
        return None
    return [("guarantor_monthly", (r["guarantor"], r["month"], r["net_assets"], r.get("rating")), None)]


def _export_guarantor(db, month):
    where, params = ("WHERE g.month = ?", [month]) if month else ("", [])
    return db.execute(f"""
        SELECT g.month, o.name, g.net_assets, g.rating FROM guarantor_monthly g
        JOIN guarantors o ON o.code = g.guarantor_code {where} ORDER BY g.month, o.code""", params).fetchall()


GUARANTOR = Feed(
    key="guarantor",
    title="担保公司净资产",
    description="政府性融资担保公司每月末的净资产和最近一次评级，用于计算放大倍数。",
    columns=(
        Column("月份", "month", "month", note="YYYY-MM（文本格式）", example="2026-11"),
        Column("担保机构", "guarantor", "enum", choices="guarantor", note="担保公司名称（下拉选择）",
               example="青禾县融资担保有限公司", width=26),
        Column("净资产(元)", "net_assets", "money", note="月末净资产，单位元", example="300000000", width=16),
        Column("评级", "rating", required=False, note="省级年度评价结果，如 A", example="A", max_len=10),
    ),
    tables=(GUARANTOR_TABLE,),
    build=_build_guarantor,
    export=_export_guarantor,
    month_field="month",
    replace_note="按担保机构和月份更新：同一机构同一月份的数据以新文件为准。",
)
