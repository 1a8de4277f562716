"""Import feed 银行存贷款月报 (issue 14): each bank's monthly report, one row per bank,
month and town, or one row per bank and month with 乡镇 blank for a bank that
reports the county as a whole.

A corrected file for a month replaces that bank's whole month (all its town rows),
so a bank can also switch between reporting by town and for the county. A bank's
month must be either by town or county-wide, not both (checked across the file).
"""
from __future__ import annotations

from ... import banks
from .base import Built, Column, Err, Feed, Ref, direct

FIELDS = ("month", "bank_code", "town_code", *banks.COLUMNS)
TABLE = direct(
    "bank_reports", FIELDS, ("month", "bank_code", "town_code"),
    {"month": "月份", "bank_code": "银行", "town_code": "乡镇", **banks.COLUMN_LABELS},
    group_where="month = ? AND bank_code = ?",
)

_MONEY = ("deposits", "loans", "agri_loans", "small_loans", "inclusive_agri_loans", "credit_loans", "long_loans",
          "npl", "first_amount_ytd", "renewal_ytd", "disbursed_ytd")
_NOTES = {
    "deposits": ("月末各项存款余额", "15800000000"),
    "loans": ("月末各项贷款余额", "12190000000"),
    "agri_loans": ("人民银行涉农贷款统计口径，不能大于各项贷款", "7560000000"),
    "small_loans": ("单户授信1000万元及以下小微企业和个体工商户经营性贷款，不能大于各项贷款", "3587000000"),
    "inclusive_agri_loans": ("普惠型涉农贷款，不能大于涉农贷款", "2650000000"),
    "credit_loans": ("信用贷款余额，不能大于各项贷款", "2680000000"),
    "long_loans": ("中长期贷款余额，不能大于各项贷款", "4880000000"),
    "npl": ("不良贷款余额，不能大于各项贷款", "259000000"),
    "first_amount_ytd": ("当年1月至本月首贷户获得的贷款金额", "480000000"),
    "renewal_ytd": ("当年1月至本月办理无还本续贷的金额", "120000000"),
    "disbursed_ytd": ("当年1月至本月累计发放的贷款", "7150000000"),
}
# the balances a bank reports are parts of its loans
_PARTS = (("agri_loans", "loans"), ("small_loans", "loans"), ("credit_loans", "loans"), ("long_loans", "loans"),
          ("npl", "loans"), ("inclusive_agri_loans", "agri_loans"))


def _columns() -> tuple[Column, ...]:
    cols = [
        Column("月份", "month", "month", note="数据所属月份，格式 YYYY-MM（文本格式）", example="2026-10"),
        Column("银行", "bank", "enum", choices="bank", note="报送银行（下拉选择）", example="农商行",
               aliases=("金融机构", "报送银行")),
        Column("乡镇", "town", "enum", choices="town", required=False,
               note="按乡镇报送的银行填乡镇（下拉选择）；按全县报送的留空", example="城关镇"),
    ]
    for field in banks.COLUMNS:
        label = banks.COLUMN_LABELS[field]
        if field in _MONEY:
            note, example = _NOTES[field]
            cols.append(Column(f"{label}(元)", field, "money", note=f"{note}，单位元（表头写“(万元)”则按万元读取）",
                               example=example, width=18))
        elif field == "rate_bp":
            cols.append(Column("当年发放加权平均利率(%)", field, "rate", required=False,
                               note="当年累计发放贷款按金额加权的平均年利率，如 4.56 表示 4.56%；未发放可留空",
                               example="4.56", width=16))
        else:
            example = "8468" if field == "small_borrowers" else "1955"
            note = "月末普惠小微贷款户数，非负整数" if field == "small_borrowers" else "当年1月至本月首次获得贷款的户数"
            cols.append(Column(label, field, "int", note=note, example=example))
    return tuple(cols)


def _build(ref: Ref, r: dict, err: Err) -> Built | None:
    ok = True
    for part, whole in _PARTS:
        if r[part] > r[whole]:
            err(part, f"{banks.COLUMN_LABELS[part]} {r[part]:,} 元大于{banks.COLUMN_LABELS[whole]} {r[whole]:,} 元")
            ok = False
    if r.get("rate_bp") is None and r["disbursed_ytd"] > 0:
        err("rate_bp", "当年累计发放贷款大于 0 时须填加权平均利率")
        ok = False
    if not ok:
        return None
    town = r.get("town") or banks.COUNTY_WIDE
    row = (r["month"], r["bank"], town, *(r.get(c) for c in banks.COLUMNS))
    return [("bank_reports", row, (r["month"], r["bank"]))]


def _finish(ref: Ref, tables: dict, err_at) -> None:
    """A bank's month is reported either by town or for the whole county."""
    rows = tables.get("bank_reports")
    if not rows:
        return
    kinds: dict[tuple[str, str], set[bool]] = {}
    for key in rows.rows:
        kinds.setdefault((key[0], key[1]), set()).add(key[2] == banks.COUNTY_WIDE)
    for key, number in rows.rownums.items():
        if len(kinds[(key[0], key[1])]) > 1 and key[2] == banks.COUNTY_WIDE:
            err_at(number, "town", f"{ref.banks.get(key[1], key[1])}{key[0]}既有按乡镇的行又有全县行（乡镇留空），"
                               "同一银行同一月份只能选一种报送方式")


def _export(db, month):
    where, params = ("WHERE r.month = ?", [month]) if month else ("", [])
    cols = ", ".join(f"r.{c}" if c != "rate_bp" else "r.rate_bp / 100.0" for c in banks.COLUMNS)
    return db.execute(f"""
        SELECT r.month, b.name, t.name, {cols}
        FROM bank_reports r JOIN banks b ON b.code = r.bank_code LEFT JOIN towns t ON t.code = r.town_code
        {where} ORDER BY r.month, b.code, r.town_code""", params).fetchall()


BANK_REPORTS = Feed(
    key=banks.FEED,
    title="银行存贷款月报",
    description="各银行每月报送的存贷款情况：每家银行、每个月一行（按乡镇报送的银行每个乡镇一行）。"
                "余额为月末数，“当年”各列为当年1月至本月的累计数。",
    columns=_columns(),
    tables=(TABLE,),
    build=_build,
    export=_export,
    month_field="month",
    replace_note="再次导入某月某银行的数据时，该月该银行的全部数据以新文件为准（文件中没有的乡镇会被删除）。",
    finish=_finish,
)
