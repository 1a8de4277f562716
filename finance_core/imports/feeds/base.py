"""What every import feed is made of: columns, table specs, reference data (:class:`Ref`), the
annual-target metrics, and :class:`Feed` itself."""
from __future__ import annotations

import dataclasses
import functools
from typing import Callable

import sqlite_utils

from ... import areas, filters, guarantees, indicators, ipo, periods


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
        return filters.names(self.db, "towns")

    @functools.cached_property
    def banks(self) -> dict[str, str]:
        return filters.names(self.db, "banks")

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
        return filters.names(self.db, "guarantors")

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


def village(ref: Ref, r: dict, err: Err) -> str | None:
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


def scope_code(ref: Ref, stype: str, scope: str, err: Err) -> str | None:
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


SCOPE_WORD = {"county": "全县", "town": "乡镇", "bank": "银行"}
