"""信用村银行报表: the banks' monthly credit-village report."""
from __future__ import annotations

from .base import Built, Column, Err, Feed, Ref, direct, village


# --- 信用村银行报表 ------------------------------------------------------------------------
CREDIT_TABLE = direct(
    "credit_reports",
    ("month", "village_code", "bank_code", "granted_households", "granted_amount",
     "used_households", "used_amount", "npl_amount"),
    ("month", "village_code", "bank_code"),
    {"month": "月份", "village_code": "村代码", "bank_code": "银行", "granted_households": "授信户数",
     "granted_amount": "授信金额", "used_households": "用信户数", "used_amount": "用信金额",
     "npl_amount": "不良金额"},
    group_where="month = ? AND bank_code = ?",
)


def _build_credit(ref: Ref, r: dict, err: Err) -> Built | None:
    vcode = village(ref, r, err)
    ok = vcode is not None
    if r["used_households"] > r["granted_households"]:
        err("used_households", f"用信户数 {r['used_households']:,} 大于授信户数 {r['granted_households']:,}")
        ok = False
    if r["used_amount"] > r["granted_amount"]:
        err("used_amount", f"用信金额 {r['used_amount']:,} 元大于授信金额 {r['granted_amount']:,} 元")
        ok = False
    if r["npl_amount"] > r["used_amount"]:
        err("npl_amount", f"不良金额 {r['npl_amount']:,} 元大于用信金额 {r['used_amount']:,} 元")
        ok = False
    if not ok:
        return None
    row = (r["month"], vcode, r["bank"], r["granted_households"], r["granted_amount"],
           r["used_households"], r["used_amount"], r["npl_amount"])
    return [("credit_reports", row, (r["month"], r["bank"]))]


def _export_credit(db, month):
    where, params = ("WHERE r.month = ?", [month]) if month else ("", [])
    return db.execute(f"""
        SELECT r.month, t.name, v.name, v.code, b.name, r.granted_households, r.granted_amount,
               r.used_households, r.used_amount, r.npl_amount
        FROM credit_reports r JOIN villages v ON v.code = r.village_code
        JOIN towns t ON t.code = v.town_code JOIN banks b ON b.code = r.bank_code
        {where} ORDER BY r.month, v.code, b.code""", params).fetchall()


CREDIT = Feed(
    key="credit",
    title="信用村银行报表",
    description="各银行每月报送的信用村授信、用信情况：每个村、每家银行、每个月一行。授信为累计数，用信为月末余额。",
    columns=(
        Column("月份", "month", "month", note="数据所属月份，格式 YYYY-MM（文本格式）", example="2026-11"),
        Column("乡镇", "town", "enum", choices="town", note="乡镇名称（下拉选择）", example="城关镇"),
        Column("村名", "village", required=False, note="行政村名称；与村代码至少填一项",
               example="石岭村", choices="village", aliases=("行政村", "村")),
        Column("村代码", "village_code", required=False, note="系统中的村代码，如 T01V001；填了就以代码为准",
               example="T01V001", max_len=20),
        Column("银行", "bank", "enum", choices="bank", note="报送银行（下拉选择）", example="农商行",
               aliases=("金融机构", "报送银行")),
        Column("授信户数", "granted_households", "int", note="累计授信户数，非负整数", example="320"),
        Column("授信金额(元)", "granted_amount", "money", note="累计授信金额，单位元（表头写“(万元)”则按万元读取）",
               example="19200000", width=16),
        Column("用信户数", "used_households", "int", note="月末有贷款余额的户数，不能大于授信户数", example="120"),
        Column("用信金额(元)", "used_amount", "money", note="月末用信余额，单位元，不能大于授信金额",
               example="6400000", width=16),
        Column("不良金额(元)", "npl_amount", "money", required=False, note="不良贷款余额，单位元，空白按 0",
               example="0", width=16),
    ),
    tables=(CREDIT_TABLE,),
    build=_build_credit,
    export=_export_credit,
    month_field="month",
    replace_note="再次导入某月某银行的数据时，该月该银行的全部信用村数据以新文件为准（文件中没有的村会被删除）。",
)
