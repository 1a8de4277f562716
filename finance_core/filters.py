"""The shared filter value and the validation of link parameters.

Every page reads one :class:`Filters` value. Values from a URL are checked
against what exists in the database before they reach SQL; whatever is not
valid is dropped and reported as a Chinese notice, never raised.

Link contract (DESIGN.md): ``as_of=YYYY-MM``, ``town=`` and ``bank=``
(repeatable; the name shown on screen, which is what the bound widgets write).
"""
from __future__ import annotations

import dataclasses
from typing import Iterable, Mapping, Sequence
from urllib.parse import urlencode

import sqlite_utils

from . import links, periods, reuse


@dataclasses.dataclass(frozen=True)
class Filters:
    """What the user looks at: a data month and optional towns and banks (codes).

    Empty ``towns`` / ``banks`` mean "all". Hashable, so it can key a cache.
    """

    as_of: str
    towns: tuple[str, ...] = ()
    banks: tuple[str, ...] = ()

    def at(self, month: str) -> "Filters":
        """The same scope at another month."""
        return dataclasses.replace(self, as_of=month)

    @property
    def year(self) -> int:
        return periods.year_of(self.as_of)


@dataclasses.dataclass(frozen=True)
class FilterOptions:
    """What can be chosen: data months (newest first), towns and banks (code -> name)."""

    months: tuple[str, ...]
    towns: tuple[tuple[str, str], ...]
    banks: tuple[tuple[str, str], ...]

    @property
    def latest(self) -> str:
        return self.months[0]

    @property
    def town_names(self) -> dict[str, str]:
        return dict(self.towns)

    @property
    def bank_names(self) -> dict[str, str]:
        return dict(self.banks)

    def town_code(self, name: str) -> str | None:
        return _lookup(self.towns, name)

    def bank_code(self, name: str) -> str | None:
        return _lookup(self.banks, name)

    def default(self) -> Filters:
        return Filters(as_of=self.latest)


def county_wide(fn):
    """Mark a function of ``(db, f: Filters, ...)`` whose result does not depend on
    ``f.towns`` (a 全县口径 figure that the town filter does not change). A cache may
    then key it on the scope without towns (:func:`cache_args`), so choosing a town does
    not recompute it. tests/unit/test_filters.py checks every marked function."""
    fn.county_wide = True
    return fn


def cache_args(fn, args: tuple) -> tuple:
    """``args`` as a cache keys them for ``fn``: a county-wide function's Filters without towns."""
    if not getattr(fn, "county_wide", False):
        return args
    return tuple(dataclasses.replace(a, towns=()) if isinstance(a, Filters) and a.towns else a for a in args)


def _lookup(pairs: Sequence[tuple[str, str]], value: str) -> str | None:
    """The code of the entry whose name (as shown and linked) is ``value``."""
    value = str(value).strip()
    for code, name in pairs:
        if value == name:
            return code
    return None


@reuse.shared
def load_options(db: sqlite_utils.Database) -> FilterOptions:
    """Months with data in any area, and the towns and banks of the county.

    A month after the current one (an implausible value stored by an older
    import) is not offered: the default is the latest month with data that is
    not in the future.
    """
    months = [
        r[0]
        for r in db.execute(
            """
            SELECT month FROM credit_monthly
            UNION SELECT month FROM microloan_monthly
            UNION SELECT month FROM guarantor_monthly
            ORDER BY month DESC
            """
        ).fetchall()
        if periods.is_month(r[0]) and r[0] <= periods.current_month()
    ]
    if not months:
        months = [periods.last_full_month()]
    return FilterOptions(
        months=tuple(months),
        towns=tuple(names(db, "towns").items()),
        banks=tuple(names(db, "banks").items()),
    )


REFERENCE_TABLES = ("towns", "banks", "guarantors")


def names(db: sqlite_utils.Database, table: str) -> dict[str, str]:
    """code -> name of a reference table (towns, banks, guarantors), in code order:
    the one lookup of display names."""
    if table not in REFERENCE_TABLES:
        raise ValueError(table)
    return dict(db.execute(f"SELECT code, name FROM {table} ORDER BY code").fetchall())


# the shared parameters of every page (choices filled in by :func:`shared_params`)
AS_OF = links.Param("as_of", "数据月份", links.MONTH)
TOWN = links.Param("town", "乡镇", links.MULTI)
BANK = links.Param("bank", "银行", links.MULTI)


def shared_params(options: FilterOptions) -> tuple[links.Param, links.Param, links.Param]:
    """``as_of``, ``town`` and ``bank`` over what exists; a town's or bank's code is
    accepted as an alias of its name (``town=T01`` is ``town=城关镇``)."""
    return (
        AS_OF.with_choices(options.months, default=options.latest),
        TOWN.with_choices([n for _, n in options.towns], aliases=options.towns),
        BANK.with_choices([n for _, n in options.banks], aliases=options.banks),
    )


def validate(
    options: FilterOptions, raw: Mapping[str, Iterable[str] | str]
) -> tuple[Filters, list[str]]:
    """Turn raw link parameters into a valid :class:`Filters` and notices.

    ``raw`` maps parameter names to one or several strings (as a URL holds
    them). Invalid values are dropped; each drop gives one Chinese notice.
    """
    parsed = links.parse(shared_params(options), raw)
    return filters_from(options, parsed.values), parsed.notices


def filters_from(options: FilterOptions, values: Mapping[str, object]) -> Filters:
    """The :class:`Filters` of parsed shared values (names -> codes)."""
    def codes(pairs, names) -> tuple[str, ...]:
        names = set(names or ())
        return tuple(c for c, n in pairs if n in names)  # in the options' order (a cache key)

    return Filters(as_of=values.get("as_of") or options.latest,
                   towns=codes(options.towns, values.get("town")), banks=codes(options.banks, values.get("bank")))


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def check_number(
    name: str, label: str, raw: Iterable[str] | str | None, lo: float, hi: float
) -> tuple[float | None, str | None]:
    """Validate one numeric parameter from a link (see :class:`links.Param`).

    Returns ``(value, None)`` when valid, ``(None, notice)`` when it must be
    dropped, ``(None, None)`` when absent.
    """
    p = links.Param(name, label, links.NUMBER, lo=lo, hi=hi)
    parsed = links.parse([p], {name: _as_list(raw)})
    if parsed.notices:
        return None, parsed.notices[-1]
    return (parsed.values[name] if parsed.canonical[name] else None), None


def in_clause(col: str, values) -> tuple[str, list]:
    """``'town_code IN (?,?)'`` and its parameters: the one builder of IN lists
    (an empty list matches nothing)."""
    values = list(values)
    return (f"{col} IN ({','.join('?' * len(values))})" if values else "0"), values


def scope_sql(
    f: Filters, town_col: str | None = "town_code", bank_col: str | None = "bank_code"
) -> tuple[str, list]:
    """``' AND town_code IN (?,?) AND bank_code IN (?)'`` and its parameters."""
    sql, params = "", []
    for col, values in ((town_col, f.towns), (bank_col, f.banks)):
        if col and values:
            clause, more = in_clause(col, values)
            sql, params = sql + " AND " + clause, params + more
    return sql, params


def query_string(options: FilterOptions, f: Filters, **extra) -> str:
    """The share-link query string for ``f`` plus page parameters (the one link
    builder); an extra ``town``/``bank``/``as_of`` replaces the filter's own.
    Numbers are written as the parser reads them back (no float noise)."""
    names = {"as_of": f.as_of, "town": [options.town_names[c] for c in f.towns],
             "bank": [options.bank_names[c] for c in f.banks]}
    shared = links.query_string((p, names[p.name]) for p in shared_params(options) if p.name not in extra)
    pairs: list[tuple[str, str]] = []
    for key, value in extra.items():
        if isinstance(value, bool):
            values = ["true" if value else "false"]
        elif isinstance(value, (int, float)):
            values = [links.format_number(value)]
        else:
            values = _as_list(value)
        pairs += [(key, v) for v in values]
    return "&".join(x for x in (shared, urlencode(pairs)) if x)


def scope_label(options: FilterOptions, f: Filters, banks: bool = True) -> str:
    """'全县 · 全部银行 · 截至2024年6月末' in words, for headers and exports; without
    ``banks`` for an area the bank filter does not apply to ('全县 · 截至2024年6月末')."""
    towns = "、".join(options.town_names[c] for c in f.towns) or "全县"
    bank_words = ("、".join(options.bank_names[c] for c in f.banks) or "全部银行") if banks else None
    return " · ".join(x for x in (towns, bank_words, periods.as_of_text(f.as_of)) if x)
