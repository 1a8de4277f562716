"""Validate, preview, apply and undo an import.

- :func:`parse` reads a file and checks every row; any error rejects the file.
- :func:`preview` compares the parsed rows with the database: new, updated,
  unchanged (and, for month-replaced tables, removed) rows. Read-only.
- :func:`apply` writes a parsed file in ONE transaction (``BEGIN IMMEDIATE``)
  together with the roll-up refresh, the import log, what is needed to undo it
  and the audit entry. A file with errors is refused before anything is
  written; a file that changes nothing writes nothing (not even a log row), so
  loading the same file twice changes nothing the second time.
- :func:`undo` reverts the latest (not yet undone) import of a source.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
import sqlite3
from typing import Iterable

import pandas as pd
import sqlite_utils

from .. import areas, audit, completeness, versions
from ..db import write_transaction
from . import cells
from .feeds import ENUM_NOUN, FEEDS, Column, Feed, Ref, TableSpec, months_of
from .reader import FileRejected, Sheet, read

log = logging.getLogger(__name__)
MAX_ERRORS = 1000
MEMO_SIZE = 20_000                 # parsed values remembered per column
SAMPLE_ROWS = 200
TABLE_TITLES = {
    "credit_reports": "信用村报表", "households": "借款户名册", "microloans": "贷款台账",
    "microloan_status": "贷款月末状态", "guarantee_contracts": "担保合同", "guarantor_monthly": "担保公司净资产",
    "ipo_events": "上市阶段变动", "ipo_notes": "上市调度记录", "ipo_rounds": "股权融资", "targets": "年度目标",
    "indicators": "指标台账",
}


# --- results ------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Issue:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column:
            where.append(f"“{self.column}”")
        return (" ".join(where) + "：" if where else "") + self.message


class ImportRejected(Exception):
    """A file that cannot be imported; ``issues`` says why (in Chinese)."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        head = "；".join(str(i) for i in issues[:3])
        more = f"（共 {len(issues)} 个问题）" if len(issues) > 3 else ""
        super().__init__(f"文件未导入：{head}{more}")


class UndoError(Exception):
    """An undo that cannot be done; the message is Chinese."""


@dataclasses.dataclass
class TableRows:
    spec: TableSpec
    rows: dict = dataclasses.field(default_factory=dict)      # key -> row
    rownums: dict = dataclasses.field(default_factory=dict)   # key -> file row number
    groups: set = dataclasses.field(default_factory=set)


@dataclasses.dataclass
class Parsed:
    feed: Feed
    file_name: str
    file_hash: str
    size: int
    errors: list[Issue]
    warnings: list[str]
    tables: dict[str, TableRows]
    months: list[str]
    sheet: Sheet | None
    columns: list[Column]          # columns found in the file, in file order
    column_index: dict[str, int]   # field -> index in the file's row


@dataclasses.dataclass(frozen=True)
class TablePlan:
    spec: TableSpec
    added: list
    updated: list
    unchanged: int
    removed: list
    before: dict                   # key -> row as it is in the database


@dataclasses.dataclass
class Preview:
    parsed: Parsed
    plans: list[TablePlan]
    previous: dict | None          # an earlier import of the same file, not undone

    @property
    def ok(self) -> bool:
        return not self.parsed.errors

    @property
    def errors(self) -> list[Issue]:
        return self.parsed.errors

    @property
    def added(self) -> int:
        return sum(len(p.added) for p in self.plans)

    @property
    def updated(self) -> int:
        return sum(len(p.updated) for p in self.plans)

    @property
    def unchanged(self) -> int:
        return sum(p.unchanged for p in self.plans)

    @property
    def removed(self) -> int:
        return sum(len(p.removed) for p in self.plans)

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def errors_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"行号": "" if i.row is None else i.row, "列": i.column or "", "问题": i.message}
             for i in self.parsed.errors], columns=["行号", "列", "问题"], dtype=object)

    def tables_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"数据表": TABLE_TITLES.get(p.spec.table, p.spec.table), "新增": len(p.added),
                              "更新": len(p.updated), "不变": p.unchanged, "删除": len(p.removed)}
                             for p in self.plans])

    sample: pd.DataFrame | None = None


@dataclasses.dataclass(frozen=True)
class ImportResult:
    import_id: int | None          # None: nothing changed, nothing written
    added: int
    updated: int
    removed: int
    unchanged: int
    months: tuple[str, ...]


# --- parsing ----------------------------------------------------------------------------
def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _norm(text) -> str:
    s = str(text or "").replace("（", "(").replace("）", ")")
    return re.sub(r"[\s\u3000*＊]", "", s).lower()


def _variants(col: Column) -> dict[str, int]:
    """normalised header -> unit factor, for the header and its aliases."""
    out: dict[str, int] = {}
    for name in (col.header, *col.aliases):
        n = _norm(name)
        if col.kind == "money":
            base = n[:-3] if n.endswith("(元)") else n
            out[base] = out[base + "(元)"] = 1
            out[base + "(万元)"] = 10_000
        else:
            out[n] = 1
    return out


def _header_matcher(feed: Feed):
    known = {}
    for col in feed.columns:
        for v in _variants(col):
            known[v] = col.field
    need = max(2, -(-sum(c.required for c in feed.columns) // 2))

    def is_header(cells_: Iterable) -> bool:
        found = {known[_norm(c)] for c in cells_ if c is not None and _norm(c) in known}
        return len(found) >= need
    return is_header


def _map_columns(feed: Feed, headers: list[str], errors: list[Issue], warnings: list[str]):
    """field -> (index, factor) for the columns present; reports missing and unknown columns."""
    found: dict[str, tuple[int, int]] = {}
    variants = {c.field: _variants(c) for c in feed.columns}
    for i, h in enumerate(headers):
        n = _norm(h)
        if not n:
            continue
        field = next((f for f, vs in variants.items() if n in vs), None)
        if field is None:
            warnings.append(f"忽略了模板中没有的列“{h}”")
            continue
        if field in found:
            errors.append(Issue(None, feed.header_of(field), f"列“{h}”出现了两次"))
            continue
        found[field] = (i, variants[field][n])
    missing = [c.header for c in feed.columns if c.required and c.field not in found]
    if missing:
        errors.append(Issue(None, None, "缺少必填的列：" + "、".join(f"“{m}”" for m in missing)
                            + "；请使用本页下载的模板"))
    fields = {c.field for c in feed.columns}
    if {"village", "village_code"} <= fields and "village" not in found and "village_code" not in found:
        errors.append(Issue(None, None, "缺少列“村名”或“村代码”（至少要有一列）"))
    return found


def _parse_cell(col: Column, raw, factor: int, ref: Ref):
    kind = col.kind
    if kind == "text":
        return cells.text(raw, col.max_len, multiline=col.multiline)
    if kind == "month":
        return cells.month(raw)
    if kind == "date":
        return cells.date(raw, future=col.future)
    if kind == "int":
        return cells.integer(raw, maximum=col.maximum)
    if kind == "money":
        return cells.money(raw, factor)
    if kind == "rate":
        return cells.rate_bp(raw)
    if kind == "bool":
        return cells.boolean(raw)
    if kind == "id":
        return cells.id_number(raw)
    if kind == "raw":
        return raw, None
    if kind == "enum":
        value, reason = cells.text(raw, 100)
        if reason:
            return None, reason
        code = ref.choices(col.choices).get(value)
        if code is None:
            labels = ref.labels(col.choices)
            hint = f"，可填：{'、'.join(labels)}" if len(labels) <= 10 else "，请从模板的下拉列表中选择"
            return None, f"{ENUM_NOUN.get(col.choices, col.header)}“{value}”不存在{hint}"
        return code, None
    raise ValueError(kind)


def _default(col: Column):
    return 0 if col.kind in ("money", "int", "bool") else None


def parse(db: sqlite_utils.Database, feed_key: str, file_name: str, data: bytes) -> Parsed:
    """Read and validate a file for feed ``feed_key``. Never writes."""
    feed = FEEDS[feed_key]
    digest = file_hash(data) if data else ""
    errors: list[Issue] = []
    warnings: list[str] = []
    parsed = Parsed(feed, file_name, digest, len(data), errors, warnings, {}, [], None, [], {})
    try:
        sheet = read(file_name, data, _header_matcher(feed))
    except FileRejected as exc:
        message = str(exc)
        if exc.top_rows:
            message = _wrong_template_hint(feed, [cells_ for _, cells_ in exc.top_rows]) or message
        errors.append(Issue(None, None, message))
        return parsed
    parsed.sheet = sheet
    found = _map_columns(feed, sheet.headers, errors, warnings)
    if errors:
        hint = _wrong_template_hint(feed, [sheet.headers])
        if hint:
            errors[:] = [Issue(None, None, hint)]
        return parsed
    if not sheet.rows:
        errors.append(Issue(None, None, "文件中没有数据行（表头下面是空的）"))
        return parsed
    ref = Ref(db)
    present = [c for c in feed.columns if c.field in found]
    parsed.columns = sorted(present, key=lambda c: found[c.field][0])
    parsed.column_index = {f: i for f, (i, _) in found.items()}
    absent = [c for c in feed.columns if c.field not in found]
    tables = {spec.table: TableRows(spec) for spec in feed.tables}
    parsed.tables = tables

    def add_error(row: int | None, field: str | None, message: str) -> None:
        errors.append(Issue(row, feed.header_of(field), message))

    defaults = {c.field: _default(c) for c in absent}
    # a cell's result depends only on its value: repeated values (months, banks,
    # amounts) are parsed once per column
    plan_ = [(col, *found[col.field], {}) for col in present]
    for number, row in sheet.rows:
        if len(errors) >= MAX_ERRORS:
            break
        rec = dict(defaults)
        ok = True
        width = len(row)
        for col, index, factor, memo in plan_:
            raw = row[index] if index < width else None
            if raw is None or raw == "" or (raw.__class__ is str and not raw.strip()):
                if col.required:
                    add_error(number, col.field, "不能为空")
                    ok = False
                else:
                    rec[col.field] = _default(col)
                continue
            key = (raw.__class__, raw)
            hit = memo.get(key)
            if hit is None:
                hit = _parse_cell(col, raw, factor, ref)
                if len(memo) < MEMO_SIZE:
                    memo[key] = hit
            value, reason = hit
            if reason:
                add_error(number, col.field, reason)
                ok = False
            else:
                rec[col.field] = value
        if not ok:
            continue
        built = feed.build(ref, rec, lambda field, msg, n=number: add_error(n, field, msg))
        for table, values, group in built or ():
            _add_row(tables[table], values, group, number, ref, add_error)
    if feed.finish and not errors:
        feed.finish(ref, tables, add_error)
    if len(errors) >= MAX_ERRORS:
        warnings.append(f"错误过多，只列出前 {MAX_ERRORS} 个")
    errors.sort(key=lambda i: (i.row or 0))
    parsed.months = months_of(feed, tables)
    return parsed


def _add_row(rows: TableRows, values: tuple, group, number: int, ref: Ref, add_error) -> None:
    spec = rows.spec
    ki = spec.key_index
    key = (values[ki[0]],) if len(ki) == 1 else tuple(values[i] for i in ki)
    first = rows.rownums.get(key)
    if first is not None:
        if spec.merge_duplicates:
            if rows.rows[key] != values:
                add_error(number, None, f"与第 {first} 行的{describe_key(ref, spec, key)}相同，但其他信息"
                                        f"（{_diff_text(ref, spec, rows.rows[key], values)}）不一致")
            return
        add_error(number, None, f"与第 {first} 行重复（{describe_key(ref, spec, key)}）：同一文件中每条记录只能出现一次")
        return
    rows.rows[key] = values
    rows.rownums[key] = number
    if group is not None:
        rows.groups.add(group)


def _wrong_template_hint(feed: Feed, top_rows: list) -> str | None:
    """When the header rows are another feed's (every required column of it
    present, and more of its columns than of this feed's), say which template
    the file is."""
    def fit(f: Feed, cells_) -> tuple[bool, int]:
        names = {_norm(c) for c in cells_ if c is not None and str(c).strip()}
        fields = {c.field for c in f.columns for v in _variants(c) if v in names}
        required = all(c.field in fields for c in f.columns if c.required)
        return required, len(fields)

    for cells_ in top_rows:
        own_ok, own = fit(feed, cells_)
        if own_ok:
            return None
        for other in FEEDS.values():
            if other is feed:
                continue
            ok, n = fit(other, cells_)
            if ok and n > own:
                return (f"这个文件看起来是“{other.title}”，不是“{feed.title}”；"
                        f"请先在上方选择“{other.title}”再上传")
    return None


# --- showing values -------------------------------------------------------------------
def _show(ref: Ref, field: str, value) -> str:
    if value is None or value == "":
        return "（空）"
    if field == "village_code":
        v = ref.villages.get(value)
        return f"{ref.town_name(v[0])}{v[1]}" if v else str(value)
    if field in ("bank_code",):
        return ref.banks.get(value, value)
    if field == "town_code":
        return ref.towns.get(value, value)
    if field == "product_code":
        return ref.products.get(value, (value,))[0]
    if field == "guarantor_code":
        return ref.guarantors.get(value, value)
    if field == "company_id":
        return ref.companies.get(value, str(value))
    if field == "loan_id":
        by_id = ref.__dict__.setdefault("_loan_no_by_id", {v[0]: k for k, v in ref.loans.items()})
        return by_id.get(value, str(value))
    if field == "id_number":
        return cells.mask_id(value)
    if field == "head_name":
        return cells.mask_name(value)
    if field == "rate_bp":
        return f"{value / 100:.2f}%"
    if field in ("is_renewal", "is_extension"):
        return "是" if value else "否"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1000:
        return f"{value:,}"
    return str(value)


def describe_key(ref: Ref, spec: TableSpec, key: tuple) -> str:
    return " / ".join(_show(ref, f, v) for f, v in zip(spec.key, key))


def _diff_text(ref: Ref, spec: TableSpec, old: tuple, new: tuple) -> str:
    parts = []
    for f, a, b in zip(spec.fields, old, new):
        if a != b:
            parts.append(f"{spec.labels.get(f, f)} {_show(ref, f, a)} → {_show(ref, f, b)}")
    return "；".join(parts)


# --- planning ---------------------------------------------------------------------------
def _existing(db: sqlite_utils.Database, rows: TableRows) -> dict:
    spec = rows.spec
    ki = spec.key_index
    out: dict = {}
    if spec.group_where:
        sql = f"{spec.select} WHERE {spec.group_where}"
        for group in sorted(rows.groups):
            for r in db.execute(sql, group).fetchall():
                out[tuple(r[i] for i in ki)] = tuple(r)
        return out
    if spec.key_column:
        keys = [k[0] for k in rows.rows]
        for chunk in _chunks(keys):
            sql = (f"{spec.select} WHERE {spec.key_column} IN ({','.join('?' * len(chunk))}) "
                   f"ORDER BY {spec.order}")
            for r in db.execute(sql, chunk).fetchall():
                key = tuple(r[i] for i in ki)
                out.setdefault(key, tuple(r))     # the first row is the one key_where addresses
        return out
    sql = f"{spec.select} WHERE {spec.key_where} LIMIT 1"
    for key in rows.rows:
        r = db.execute(sql, key).fetchone()
        if r is not None:
            out[key] = tuple(r)
    return out


def plan(db: sqlite_utils.Database, parsed: Parsed) -> list[TablePlan]:
    plans = []
    for spec in parsed.feed.tables:
        rows = parsed.tables.get(spec.table) or TableRows(spec)
        existing = _existing(db, rows)
        added, updated, unchanged = [], [], 0
        for key, values in rows.rows.items():
            old = existing.get(key)
            if old is None:
                added.append(key)
            elif old != values:
                updated.append(key)
            else:
                unchanged += 1
        removed = [k for k in existing if k not in rows.rows] if spec.group_where else []
        before = {k: existing[k] for k in updated + removed}
        plans.append(TablePlan(spec, added, updated, unchanged, removed, before))
    return plans


def previous_import(db: sqlite_utils.Database, source: str, digest: str) -> dict | None:
    r = db.execute(
        "SELECT id, file_name, user_name, imported_at FROM import_log "
        "WHERE source = ? AND file_hash = ? AND undone_at IS NULL ORDER BY id DESC LIMIT 1",
        (source, digest)).fetchone()
    return None if r is None else {"id": r[0], "file_name": r[1], "user": r[2], "at": r[3]}


def preview(db: sqlite_utils.Database, feed_key: str, file_name: str, data: bytes) -> Preview:
    """Parse and compare with the database, without writing anything."""
    parsed = parse(db, feed_key, file_name, data)
    if parsed.errors:
        return Preview(parsed, [], None, None)
    plans = plan(db, parsed)
    p = Preview(parsed, plans, previous_import(db, parsed.feed.key, parsed.file_hash))
    p.sample = _sample(db, parsed, plans)
    return p


def _sample(db, parsed: Parsed, plans: list[TablePlan]) -> pd.DataFrame:
    """Up to SAMPLE_ROWS changed rows as the file shows them (personal data masked)."""
    ref = Ref(db)
    by_number = dict(parsed.sheet.rows) if parsed.sheet else {}
    headers = [c.header for c in parsed.columns]
    out = []
    main = plans[-1]
    rows = parsed.tables[main.spec.table]
    for label, keys in (("新增", main.added), ("更新", main.updated)):
        for key in keys:
            if len(out) >= SAMPLE_ROWS:
                break
            number = rows.rownums[key]
            raw = by_number.get(number, ())
            rec = {"变化": label, "行号": number}
            for col in parsed.columns:
                i = parsed.column_index[col.field]
                v = raw[i] if i < len(raw) else None
                v = "" if v is None else cells.shown(v) if not isinstance(v, str) else v
                if col.mask == "id":
                    v = cells.mask_id(v)
                elif col.mask == "name":
                    v = cells.mask_name(v)
                rec[col.header] = v
            rec["变更内容"] = _diff_text(ref, main.spec, main.before[key], rows.rows[key]) if label == "更新" else ""
            out.append(rec)
    for key in main.removed[:max(0, SAMPLE_ROWS - len(out))]:
        out.append({"变化": "删除", "行号": "",
                    "变更内容": f"文件中没有，将删除：{describe_key(ref, main.spec, key)}"})
    return pd.DataFrame(out, columns=["变化", "行号", *headers, "变更内容"], dtype=object).fillna("")


# --- applying ------------------------------------------------------------------------------
class _NothingToDo(Exception):
    pass


def _chunks(items: list, n: int = 500):
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _affected_months(db, feed: Feed, plans: list[TablePlan], parsed_rows: dict) -> list[str]:
    months: set[str] = set()
    for p in plans:
        spec = p.spec
        field = feed.month_field if feed.month_field in spec.fields else None
        if field is None:
            continue
        i = spec.fields.index(field)
        rows = parsed_rows[spec.table].rows
        months.update(str(rows[k][i])[:7] for k in p.added + p.updated)
        months.update(str(row[i])[:7] for row in p.before.values())
    if feed.key == "microloans":
        loans = [k[0] for p in plans if p.spec.table == "microloans" for k in p.added + p.updated]
        for chunk in _chunks(loans):
            months.update(r[0] for r in db.execute(
                f"SELECT DISTINCT s.month FROM microloan_status s JOIN microloans l ON l.id = s.loan_id "
                f"WHERE l.loan_no IN ({','.join('?' * len(chunk))})", chunk).fetchall())
    return sorted(months)


def _refresh(db, feed_key: str, months: list[str], tables: set[str] | None = None) -> None:
    """Rebuild the roll-ups of the area the feed loads (only ``months`` where it can;
    ``tables``: the data tables the import changed, None for any)."""
    area = areas.rollup_of(feed_key)
    if area is not None:
        area.refresh(db, months, tables=tables)


def _month_text(months: list[str]) -> str | None:
    if not months:
        return None
    return months[0] if len(months) == 1 else f"{months[0]}~{months[-1]}"


def apply(db: sqlite_utils.Database, parsed: Parsed, user: str) -> ImportResult:
    """Write a validated file in one transaction; see the module docstring."""
    if parsed.errors:
        raise ImportRejected(parsed.errors)
    if not user:
        raise ImportRejected([Issue(None, None, "只有登录的编辑人员可以导入数据")])
    feed = parsed.feed
    conn = db.conn
    result: ImportResult | None = None
    try:
        with write_transaction(db):
            plans = plan(db, parsed)
            added = sum(len(p.added) for p in plans)
            updated = sum(len(p.updated) for p in plans)
            removed = sum(len(p.removed) for p in plans)
            unchanged = sum(p.unchanged for p in plans)
            if not (added or updated or removed):
                result = ImportResult(None, 0, 0, 0, unchanged, tuple(parsed.months))
                raise _NothingToDo
            for p in reversed(plans):
                conn.executemany(p.spec.delete, p.removed)
            for p in plans:
                spec, rows = p.spec, parsed.tables[p.spec.table].rows
                vi = [spec.fields.index(f) for f in spec.value_fields]
                conn.executemany(spec.update, [[rows[k][i] for i in vi] + list(k) for k in p.updated])
                versions.insert_many(conn, spec.table, spec.insert, [rows[k] for k in p.added], spec.fields)
                if spec.fixup:
                    fi = spec.fields.index(spec.fixup_field)
                    conn.executemany(spec.fixup, [(rows[k][fi], *k) for k in p.added + p.updated
                                                  if rows[k][fi] is not None])
            months = _affected_months(db, feed, plans, parsed.tables)
            _refresh(db, feed.key, months, {p.spec.table for p in plans if p.added or p.updated or p.removed})
            now = audit.now()
            cur = conn.execute(
                "INSERT INTO import_log (source, file_name, file_hash, month, user_name, imported_at, "
                "rows_added, rows_updated, rows_removed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (feed.key, parsed.file_name, parsed.file_hash, _month_text(parsed.months), user, now,
                 added, updated, removed))
            import_id = cur.lastrowid
            completeness.record(conn, feed.key, completeness.import_pairs(db, feed.key, {
                p.spec.table: (p.spec.fields, [parsed.tables[p.spec.table].rows[k] for k in p.added + p.updated],
                               parsed.tables[p.spec.table].groups) for p in plans}), now, import_id)
            changes = {"months": months, "tables": [
                {"table": p.spec.table, "added": [list(k) for k in p.added],
                 "before": [list(r) for r in p.before.values()]} for p in plans]}
            conn.execute("INSERT INTO import_changes (import_id, changes) VALUES (?, ?)",
                         (import_id, json.dumps(changes, ensure_ascii=False)))
            audit.record(db, user, "import", feed.title, {
                "导入编号": import_id, "文件": parsed.file_name, "哈希": parsed.file_hash[:16],
                "月份": parsed.months, "新增": added, "更新": updated, "删除": removed,
                "明细": {TABLE_TITLES.get(p.spec.table, p.spec.table):
                         {"新增": len(p.added), "更新": len(p.updated), "删除": len(p.removed)} for p in plans},
            })
            result = ImportResult(import_id, added, updated, removed, unchanged, tuple(parsed.months))
    except _NothingToDo:
        pass
    except sqlite3.Error as exc:
        log.exception("import of %s (%s) failed in the database", parsed.file_name, feed.key)
        raise ImportRejected([Issue(None, None, database_message(exc) + "；没有写入任何数据")]) from None
    assert result is not None
    return result


def database_message(exc: sqlite3.Error) -> str:
    """A Chinese reason for a database error (the English one goes to the log)."""
    text = str(exc).lower()
    if isinstance(exc, sqlite3.IntegrityError):
        return "数据库拒绝了这次导入：数据与数据库中已有的数据冲突（完整性检查未通过）"
    if "overflow" in text or "too big" in text:
        return "数据库拒绝了这次导入：有数值超出数据库能保存的范围"
    if "locked" in text or "busy" in text:
        return "数据库正忙（可能有人正在导入），请稍后再试"
    if "disk" in text or "full" in text or "readonly" in text or "read-only" in text:
        return "服务器无法写入数据库（磁盘已满或没有写权限），请联系管理员"
    return "数据库出错，这次导入没有完成，请稍后再试；如反复出现请联系管理员"


def import_file(db: sqlite_utils.Database, feed_key: str, file_name: str, data: bytes,
                user: str) -> ImportResult:
    """Parse and apply in one call (CLI, tests): raises :class:`ImportRejected`."""
    return apply(db, parse(db, feed_key, file_name, data), user)


# --- undo --------------------------------------------------------------------------------------
def latest_import(db: sqlite_utils.Database, source: str) -> dict | None:
    r = db.execute(
        "SELECT id, file_name, user_name, imported_at, month, rows_added, rows_updated, rows_removed "
        "FROM import_log WHERE source = ? AND undone_at IS NULL ORDER BY id DESC LIMIT 1",
        (source,)).fetchone()
    if r is None:
        return None
    keys = ("id", "file_name", "user", "at", "month", "added", "updated", "removed")
    return dict(zip(keys, r))


def undo(db: sqlite_utils.Database, source: str, user: str) -> dict:
    """Revert the latest not-yet-undone import of ``source``; returns its log entry."""
    if not user:
        raise UndoError("只有登录的编辑人员可以撤销导入")
    feed = FEEDS.get(source)
    if feed is None:
        raise UndoError(f"未知的数据源“{source}”")
    conn = db.conn
    try:
        with write_transaction(db):
            entry = latest_import(db, source)
            if entry is None:
                raise UndoError(f"“{feed.title}”没有可以撤销的导入")
            row = conn.execute("SELECT changes FROM import_changes WHERE import_id = ?", (entry["id"],)).fetchone()
            if row is None:
                raise UndoError("这次导入没有保存撤销所需的数据，无法撤销")
            changes = json.loads(row[0])
            specs = {t.table: t for t in feed.tables}
            for t in reversed(changes["tables"]):
                conn.executemany(specs[t["table"]].delete, [tuple(k) for k in t["added"]])
            for t in changes["tables"]:
                spec = specs[t["table"]]
                ki = spec.key_index
                vi = [spec.fields.index(f) for f in spec.value_fields]
                exists_sql = f"{spec.select} WHERE {spec.key_where} LIMIT 1"
                for values in t["before"]:
                    key = tuple(values[i] for i in ki)
                    if conn.execute(exists_sql, key).fetchone() is None:
                        conn.execute(spec.insert, values)
                    else:
                        conn.execute(spec.update, [values[i] for i in vi] + list(key))
                if spec.fixup:
                    fi = spec.fields.index(spec.fixup_field)
                    conn.executemany(spec.fixup, [(v[fi], *(v[i] for i in ki)) for v in t["before"]
                                                  if v[fi] is not None])
            _refresh(db, feed.key, changes.get("months") or [])
            conn.execute("UPDATE import_log SET undone_at = ? WHERE id = ?", (audit.now(), entry["id"]))
            audit.record(db, user, "undo", feed.title, {
                "撤销导入编号": entry["id"], "文件": entry["file_name"], "原导入人": entry["user"],
                "原导入时间": entry["at"], "月份": entry["month"],
                "恢复": {"删除新增行": entry["added"], "还原更新行": entry["updated"], "恢复删除行": entry["removed"]},
            })
    except sqlite3.IntegrityError:
        raise UndoError("无法撤销：这次导入的数据已被后来导入的数据引用（例如月末状态引用了台账中的贷款），"
                        "请先撤销后来的那次导入") from None
    except sqlite3.Error as exc:
        log.exception("undo of %s failed in the database", source)
        raise UndoError(database_message(exc).replace("这次导入", "这次撤销")) from None
    return entry


# --- history and status -------------------------------------------------------------------------
def history(db: sqlite_utils.Database, limit: int = 100) -> pd.DataFrame:
    rows = db.execute(
        "SELECT id, imported_at, user_name, source, file_name, file_hash, month, rows_added, rows_updated, "
        "rows_removed, undone_at FROM import_log ORDER BY id DESC LIMIT ?", (int(limit),)).fetchall()
    cols = ["编号", "导入时间", "导入人", "数据源", "文件名", "文件哈希", "月份", "新增", "更新", "删除", "状态"]
    out = []
    for r in rows:
        feed = FEEDS.get(r[3])
        out.append([r[0], r[1].replace("T", " "), r[2], feed.title if feed else r[3], r[4], r[5][:12], r[6] or "",
                    r[7], r[8], r[9], f"已撤销（{r[10].replace('T', ' ')}）" if r[10] else "有效"])
    return pd.DataFrame(out, columns=cols)


def undoable(db: sqlite_utils.Database) -> list[dict]:
    """For each source, its latest import that can still be undone."""
    out = []
    for feed in FEEDS.values():
        entry = latest_import(db, feed.key)
        if entry:
            out.append({**entry, "source": feed.key, "title": feed.title})
    return sorted(out, key=lambda e: -e["id"])


_LATEST = {
    "credit": "SELECT MAX(month) FROM credit_reports",
    "microloans": "SELECT MAX(substr(disbursed_on, 1, 7)) FROM microloans",
    "microloan_status": "SELECT MAX(month) FROM microloan_status",
    "guarantees": "SELECT MAX(substr(start_on, 1, 7)) FROM guarantee_contracts",
    "guarantor": "SELECT MAX(month) FROM guarantor_monthly",
    "ipo_events": "SELECT MAX(substr(event_date, 1, 7)) FROM ipo_events",
    "ipo_notes": "SELECT MAX(month) FROM ipo_notes",
    "ipo_rounds": "SELECT MAX(substr(round_date, 1, 7)) FROM ipo_rounds",
    "targets": "SELECT CAST(MAX(year) AS TEXT) || ' 年' FROM targets",
    "indicators": "SELECT MAX(month) FROM indicators",
}


def _latest_sql(feed: Feed) -> str | None:
    """The latest month of a feed not listed above: its month field in its first table."""
    spec = feed.tables[0]
    if feed.month_field not in spec.fields:
        return None
    return f"SELECT MAX(substr({feed.month_field}, 1, 7)) FROM {spec.table}"


def freshness(db: sqlite_utils.Database) -> pd.DataFrame:
    """Per source: the latest data month and the last import (no user names)."""
    out = []
    for feed in FEEDS.values():
        sql = _LATEST.get(feed.key) or _latest_sql(feed)
        (latest,) = db.execute(sql).fetchone() if sql else (None,)
        (last,) = db.execute("SELECT MAX(imported_at) FROM import_log WHERE source = ? AND undone_at IS NULL",
                             (feed.key,)).fetchone()
        out.append({"数据源": feed.title, "最新数据": latest or "—", "最近导入": (last or "—").replace("T", " ")})
    return pd.DataFrame(out, columns=["数据源", "最新数据", "最近导入"])


ACTIONS = {"import": "导入", "undo": "撤销导入", "edit": "修改", "backup": "下载备份", "user": "账号管理"}


def _detail_text(detail: str) -> str:
    try:
        value = json.loads(detail)
    except (TypeError, ValueError):
        return str(detail)
    if not isinstance(value, dict):
        return str(value)

    def show(v) -> str:
        if isinstance(v, dict):
            return "，".join(f"{k} {show(x)}" for k, x in v.items())
        if isinstance(v, list):
            return "、".join(map(str, v))
        return str(v)
    return "；".join(f"{k}：{show(v)}" for k, v in value.items())


def audit_log(db: sqlite_utils.Database, limit: int = 200) -> pd.DataFrame:
    """The audit log, newest first, with the action in Chinese and the detail as text."""
    frame = audit.recent(db, limit)
    frame["时间"] = frame["时间"].str.replace("T", " ")
    frame["操作"] = frame["操作"].map(lambda a: ACTIONS.get(a, a))
    frame["内容"] = frame["内容"].map(_detail_text)
    return frame
