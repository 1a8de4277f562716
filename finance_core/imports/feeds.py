"""The import feeds: one template (and one import source) per monthly data flow.

A :class:`Feed` lists its columns (Chinese headers, type, notes for the 说明
sheet), the tables it writes (:class:`TableSpec`, with the natural key of a
row and the SQL to read, insert, update and delete by that key), a ``build``
function that turns one parsed row into table rows (or reports why not), and
an ``export`` function that writes existing data back in the template's
column order, so that export -> import is the identity.

Replacement rule: tables with a ``group_where`` are replaced per group (a
corrected file for a month replaces that month's rows of the banks it covers;
rows of that month and bank missing from the file are deleted). Other tables
are upserted by their key: rows not in the file are left alone.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from typing import Callable

import sqlite_utils

from .. import areas, config, guarantees, indicators, ipo, periods
from . import cells


@dataclasses.dataclass(frozen=True)
class Column:
    header: str                    # as in the template, e.g. '授信金额(元)'
    field: str
    kind: str = "text"             # text month date int money rate bool id enum raw
    required: bool = True
    note: str = ""
    example: str = ""
    choices: str | None = None     # enum: the name of a Ref list
    aliases: tuple[str, ...] = ()
    max_len: int = 200
    maximum: int | None = None
    width: int = 14
    mask: str | None = None        # 'id' / 'name': masked in previews
    multiline: bool = False        # text: line breaks allowed (notes); other text is one line
    future: bool = False           # date: a maturity, may lie ahead (config.maturity_horizon_years)


@dataclasses.dataclass(frozen=True)
class TableSpec:
    table: str
    fields: tuple[str, ...]
    key: tuple[str, ...]
    labels: dict
    select: str                    # SELECT <fields in order> FROM ...
    key_where: str                 # one key; params: key values
    insert: str                    # params: fields in order
    update: str                    # params: non-key fields, then key values
    delete: str                    # params: key values
    group_where: str | None = None  # replace scope; params: group values
    merge_duplicates: bool = False  # a key may repeat in a file (same values)
    fixup: str | None = None       # run after inserts for each changed row: (field, key...)
    fixup_field: str | None = None
    key_column: str | None = None  # single-column key: its SQL expression, to load rows in chunks
    order: str = "rowid"           # of the select: the first row of a key is the one key_where finds

    @functools.cached_property
    def key_index(self) -> tuple[int, ...]:
        return tuple(self.fields.index(k) for k in self.key)

    @property
    def value_fields(self) -> tuple[str, ...]:
        return tuple(f for f in self.fields if f not in self.key)


def direct(table: str, fields: tuple[str, ...], key: tuple[str, ...], labels: dict,
           group_where: str | None = None) -> TableSpec:
    """A table whose natural row is its own columns."""
    kw = " AND ".join(f"{k} = ?" for k in key)
    rest = [f for f in fields if f not in key]
    return TableSpec(
        table=table, fields=fields, key=key, labels=labels,
        select=f"SELECT {', '.join(fields)} FROM {table}",
        key_where=kw,
        insert=f"INSERT INTO {table} ({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})",
        update=f"UPDATE {table} SET {', '.join(f'{f} = ?' for f in rest)} WHERE {kw}",
        delete=f"DELETE FROM {table} WHERE {kw}",
        group_where=group_where,
        key_column=key[0] if len(key) == 1 else None,
    )


# --- reference data ---------------------------------------------------------------
BORROWER_TYPES = {label: code for code, label in guarantees.BORROWER_TYPES.items()}
SCOPE_TYPES = {"全县": "county", "乡镇": "town", "银行": "bank"}
HOUSEHOLD_KINDS = ("脱贫户", "监测户")


class Ref:
    """Codes and names that imported values are checked against (loaded lazily)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def _pairs(self, sql: str) -> list[tuple]:
        return self.db.execute(sql).fetchall()

    @functools.cached_property
    def towns(self) -> dict[str, str]:
        return dict(self._pairs("SELECT code, name FROM towns ORDER BY code"))

    @functools.cached_property
    def banks(self) -> dict[str, str]:
        return dict(self._pairs("SELECT code, name FROM banks ORDER BY code"))

    @functools.cached_property
    def villages(self) -> dict[str, tuple[str, str]]:
        """village code -> (town code, name)"""
        return {c: (t, n) for c, t, n in self._pairs("SELECT code, town_code, name FROM villages ORDER BY code")}

    @functools.cached_property
    def village_by_name(self) -> dict[tuple[str, str], str]:
        return {(t, n): c for c, (t, n) in self.villages.items()}

    @functools.cached_property
    def products(self) -> dict[str, tuple[str, str | None]]:
        """product code -> (name, bank code or None)"""
        return {c: (n, b) for c, n, b in self._pairs("SELECT code, name, bank_code FROM guarantee_products ORDER BY code")}

    @functools.cached_property
    def guarantors(self) -> dict[str, str]:
        return dict(self._pairs("SELECT code, name FROM guarantors ORDER BY code"))

    @functools.cached_property
    def companies(self) -> dict[int, str]:
        return dict(self._pairs("SELECT id, name FROM companies ORDER BY id"))

    @functools.cached_property
    def loans(self) -> dict[str, tuple[int, str, int, str]]:
        """loan_no -> (id, bank code, amount, disbursed_on)"""
        return {r[0]: r[1:] for r in self._pairs(
            "SELECT loan_no, id, bank_code, amount, disbursed_on FROM microloans")}

    def choices(self, name: str) -> dict[str, object]:
        """label (and code) -> code, for an enumeration column."""
        cache = self.__dict__.setdefault("_choice_cache", {})
        if name not in cache:
            cache[name] = self._choices(name)
        return cache[name]

    def _choices(self, name: str) -> dict:
        if name == "town":
            return _both(self.towns)
        if name == "bank":
            return _both(self.banks)
        if name == "product":
            return _both({c: n for c, (n, _) in self.products.items()})
        if name == "guarantor":
            return _both(self.guarantors)
        if name == "company":
            return {n: i for i, n in self.companies.items()}
        if name == "stage":
            return {s: s for s in ipo.STAGES}
        if name == "borrower_type":
            return {**BORROWER_TYPES, **{c: c for c in BORROWER_TYPES.values()}}
        if name == "household_kind":
            return {k: k for k in HOUSEHOLD_KINDS}
        if name == "metric":
            return {**{m.label: m.key for m in METRICS}, **{m.key: m.key for m in METRICS}}
        if name == "indicator":
            return {**{i.name: i.key for i in indicators.STORED}, **{i.key: i.key for i in indicators.STORED}}
        if name == "scope_type":
            return {**SCOPE_TYPES, **{v: v for v in SCOPE_TYPES.values()}}
        raise KeyError(name)

    def labels(self, name: str) -> list[str]:
        """The labels offered in the template's drop-down list."""
        if name == "town":
            return list(self.towns.values())
        if name == "bank":
            return list(self.banks.values())
        if name == "product":
            return [n for n, _ in self.products.values()]
        if name == "guarantor":
            return list(self.guarantors.values())
        if name == "company":
            return list(self.companies.values())
        if name == "stage":
            return list(ipo.STAGES)
        if name == "borrower_type":
            return list(BORROWER_TYPES)
        if name == "household_kind":
            return list(HOUSEHOLD_KINDS)
        if name == "metric":
            return [m.label for m in METRICS]
        if name == "indicator":
            return [i.name for i in indicators.STORED]
        if name == "scope_type":
            return list(SCOPE_TYPES)
        if name == "village":
            return sorted({n for _, n in self.villages.values()})
        if name == "yesno":
            return ["是", "否"]
        raise KeyError(name)

    def town_name(self, code: str) -> str:
        return self.towns.get(code, code)


def _both(code_to_name: dict) -> dict:
    out = {c: c for c in code_to_name}
    out.update({n: c for c, n in code_to_name.items()})
    return out


@dataclasses.dataclass(frozen=True)
class TargetMetric:
    key: str          # targets.metric
    label: str
    unit: str         # '万元' (stored in 元), '户', '家'
    scopes: tuple[str, ...]


# the annual-target metrics: the areas' (finance_core.areas) and the indicators ledger's (by its name)
METRICS: tuple[TargetMetric, ...] = tuple(
    TargetMetric(m.key, m.label, m.unit, m.scopes) for m in areas.METRICS
    if not m.key.startswith(indicators.TARGET_PREFIX)) + tuple(
    TargetMetric(i.metric_key, i.name, i.target_unit, tuple(indicators.SCOPE_TYPES))
    for i in indicators.INDICATORS if i.has_target)
METRIC_BY_KEY = {m.key: m for m in METRICS}

ENUM_NOUN = {"indicator": "指标", "town": "乡镇", "bank": "银行", "product": "担保产品", "guarantor": "担保机构",
             "company": "企业", "stage": "阶段", "borrower_type": "借款人类型",
             "household_kind": "户类型", "metric": "指标", "scope_type": "范围类型"}


# --- feed ----------------------------------------------------------------------------
Err = Callable[[str | None, str], None]
Built = list[tuple[str, tuple, tuple | None]]


@dataclasses.dataclass(frozen=True)
class Feed:
    key: str                       # the import source, e.g. 'credit'
    title: str                     # Chinese name
    description: str
    columns: tuple[Column, ...]
    tables: tuple[TableSpec, ...]
    build: Callable[[Ref, dict, Err], Built | None]
    export: Callable[[sqlite_utils.Database, str | None], list[tuple]]
    month_field: str | None        # field whose month the log and preview report
    replace_note: str
    personal: bool = False         # holds personal data (no data export on the page)
    finish: Callable[[Ref, dict, Callable[[int, str | None, str], None]], None] | None = None

    def column(self, field: str) -> Column:
        return next(c for c in self.columns if c.field == field)

    def header_of(self, field: str | None) -> str | None:
        if field is None:
            return None
        for c in self.columns:
            if c.field == field:
                return c.header
        return field

    def table(self, name: str) -> TableSpec:
        return next(t for t in self.tables if t.table == name)


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


def _village(ref: Ref, r: dict, err: Err) -> str | None:
    town, code, name = r["town"], r.get("village_code"), r.get("village")
    if code:
        v = ref.villages.get(code)
        if v is None:
            err("village_code", f"村代码“{code}”不存在")
            return None
        if v[0] != town:
            err("village_code", f"村代码 {code} 属于{ref.town_name(v[0])}，与“乡镇”列的{ref.town_name(town)}不一致")
            return None
        if name and name != v[1]:
            err("village", f"村名“{name}”与村代码 {code}（{v[1]}）不一致")
            return None
        return code
    if not name:
        err("village", "村名和村代码至少填一项")
        return None
    code = ref.village_by_name.get((town, name))
    if code is None:
        err("village", f"{ref.town_name(town)}没有名为“{name}”的村")
    return code


def _build_credit(ref: Ref, r: dict, err: Err) -> Built | None:
    vcode = _village(ref, r, err)
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
    vcode = _village(ref, r, err)
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


# --- 年度目标 ---------------------------------------------------------------------------------------
TARGET_TABLE = direct(
    "targets",
    ("year", "metric", "scope_type", "scope_code", "value"),
    ("year", "metric", "scope_type", "scope_code"),
    {"year": "年度", "metric": "指标", "scope_type": "范围类型", "scope_code": "范围", "value": "目标值"},
)
_SCOPE_WORD = {"county": "全县", "town": "乡镇", "bank": "银行"}


def _build_target(ref: Ref, r: dict, err: Err) -> Built | None:
    metric = METRIC_BY_KEY[r["metric"]]
    stype, scope = r["scope_type"], (r.get("scope") or "").strip()
    ok = True
    if not (2000 <= r["year"] <= 2100):
        err("year", f"年度 {r['year']} 应为 2000–2100 之间的四位年份")
        ok = False
    if stype not in metric.scopes:
        allowed = "、".join(_SCOPE_WORD[s] for s in metric.scopes)
        err("scope_type", f"指标“{metric.label}”只按{allowed}设定目标")
        ok = False
    code = _scope_code(ref, stype, scope, err)
    if code is None:
        ok = False
    if metric.unit == "万元":
        value, reason = cells.money(r["value"], 10_000)
    else:
        value, reason = cells.integer(r["value"])
    if reason:
        err("value", reason)
        ok = False
    if not ok:
        return None
    return [("targets", (r["year"], metric.key, stype, code, value), None)]


def _export_targets(db, month):
    where, params = ("WHERE year = ?", [int(month[:4])]) if month else ("", [])
    ref = Ref(db)
    out = []
    for year, metric, stype, code, value in db.execute(
            f"SELECT year, metric, scope_type, scope_code, value FROM targets {where} "
            "ORDER BY year, metric, scope_type, scope_code", params).fetchall():
        m = METRIC_BY_KEY.get(metric)
        if m is None:
            continue
        scope = {"county": "", "town": ref.towns.get(code, code), "bank": ref.banks.get(code, code)}[stype]
        shown = value / 10_000 if m.unit == "万元" else value
        if isinstance(shown, float) and shown.is_integer():
            shown = int(shown)
        out.append((year, m.label, _SCOPE_WORD[stype], scope, shown))
    return out


TARGETS = Feed(
    key="targets",
    title="年度目标",
    description="年度工作目标：每年、每个指标、每个范围（全县、某乡镇或某银行）一行。",
    columns=(
        Column("年度", "year", "int", note="四位年份", example="2027", maximum=2100),
        Column("指标", "metric", "enum", choices="metric", note="、".join(m.label for m in METRICS),
               example="小额信贷新增投放", width=22),
        Column("范围类型", "scope_type", "enum", choices="scope_type", note="全县 / 乡镇 / 银行", example="全县"),
        Column("范围", "scope", required=False, note="乡镇或银行名称；全县留空", example=""),
        Column("目标值", "value", "raw", note="金额类指标单位为万元（最多 4 位小数），户数填户、企业数填家",
               example="12000"),
    ),
    tables=(TARGET_TABLE,),
    build=_build_target,
    export=_export_targets,
    month_field=None,
    replace_note="按年度、指标和范围更新：同一目标以新文件为准，文件中没有的目标保持不变。",
)


# --- 指标台账 -------------------------------------------------------------------------------------------
INDICATOR_TABLE = direct(
    "indicators",
    ("month", "indicator", "scope_type", "scope_code", "value", "unit"),
    ("month", "indicator", "scope_type", "scope_code"),
    {"month": "月份", "indicator": "指标", "scope_type": "范围类型", "scope_code": "范围", "value": "数值",
     "unit": "单位"},
)


def _scope_code(ref: Ref, stype: str, scope: str, err: Err) -> str | None:
    if stype == "county":
        if scope not in ("", "全县"):
            err("scope", f"范围类型为全县时“范围”应留空（收到“{scope}”）")
            return None
        return ""
    code = ref.choices(stype).get(scope)
    if code is None:
        noun = "乡镇" if stype == "town" else "银行"
        err("scope", f"{noun}“{scope}”不存在" if scope else f"范围类型为{noun}时“范围”应填{noun}名称")
    return code


def _build_indicator(ref: Ref, r: dict, err: Err) -> Built | None:
    ind = indicators.BY_KEY[r["indicator"]]
    code = _scope_code(ref, r["scope_type"], (r.get("scope") or "").strip(), err)
    value, reason = cells.money(r["value"]) if ind.unit == "元" else cells.integer(r["value"])
    if reason:
        err("value", reason)
    if code is None or reason:
        return None
    return [("indicators", (r["month"], ind.key, r["scope_type"], code, value, ind.unit), None)]


def _export_indicators(db, month):
    where, params = ("WHERE month = ?", [month]) if month else ("", [])
    ref = Ref(db)
    out = []
    for m, key, stype, code, value in db.execute(
            f"SELECT month, indicator, scope_type, scope_code, value FROM indicators {where} "
            "ORDER BY month, indicator, scope_type, scope_code", params).fetchall():
        ind = indicators.BY_KEY.get(key)
        if ind is None:
            continue
        scope = {"county": "", "town": ref.towns.get(code, code), "bank": ref.banks.get(code, code)}[stype]
        out.append((m, ind.name, _SCOPE_WORD[stype], scope, value))
    return out


INDICATOR_FEED = Feed(
    key="indicators",
    title="指标台账",
    description="其他部门报送的月度指标（助企贷款、五进走访、资金互助关停、防贫保）：每月、每个指标、每个范围一行。"
                "当月发生额类指标填当月数，时点类指标填月末数。",
    columns=(
        Column("月份", "month", "month", note="YYYY-MM（文本格式）", example="2026-11"),
        Column("指标", "indicator", "enum", choices="indicator",
               note="；".join(f"{i.name}（{i.unit}）" for i in indicators.STORED), example="助企贷款新增", width=22),
        Column("范围类型", "scope_type", "enum", choices="scope_type", note="全县 / 乡镇 / 银行", example="全县"),
        Column("范围", "scope", required=False, note="乡镇或银行名称；全县留空", example=""),
        Column("数值", "value", "raw", note="金额单位为元（整数），户数填户、家数填家", example="12000000", width=16),
    ),
    tables=(INDICATOR_TABLE,),
    build=_build_indicator,
    export=_export_indicators,
    month_field="month",
    replace_note="按月份、指标和范围更新：同一指标同一范围同一月份以新文件为准。",
)

from .fiscal_feeds import FISCAL_FEEDS  # noqa: E402  (the 财政资金 area's feeds, in their own file)

FEEDS: dict[str, Feed] = {f.key: f for f in (CREDIT, LEDGER, STATUS, CONTRACTS, GUARANTOR, EVENTS, NOTES, ROUNDS,
                                             TARGETS, INDICATOR_FEED, *FISCAL_FEEDS)}
FEED_BY_TITLE: dict[str, Feed] = {f.title: f for f in FEEDS.values()}


def months_of(feed: Feed, rows_by_table: dict) -> list[str]:
    """The months a parsed file covers (from the feed's month or date field)."""
    out = set()
    for spec in feed.tables:
        rows = rows_by_table.get(spec.table)
        if rows is None or feed.month_field not in spec.fields:
            continue
        i = spec.fields.index(feed.month_field)
        out.update(str(row[i])[:7] for row in rows.rows.values())
    return sorted(m for m in out if periods.is_month(m))
