"""The shared filter value and the validation of link parameters.

Every page reads one :class:`Filters` value. Values from a URL are checked
against what exists in the database before they reach SQL; whatever is not
valid is dropped and reported as a Chinese notice, never raised.

Link contract (DESIGN.md): ``as_of=YYYY-MM``, ``town=`` and ``bank=``
(repeatable; the name shown on screen, which is what the bound widgets write).
"""
from __future__ import annotations

import dataclasses
import math
from typing import Iterable, Mapping, Sequence
from urllib.parse import urlencode

import sqlite_utils

from . import periods


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


def _lookup(pairs: Sequence[tuple[str, str]], value: str) -> str | None:
    """The code of the entry whose name (as shown and linked) is ``value``."""
    value = str(value).strip()
    for code, name in pairs:
        if value == name:
            return code
    return None


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
    towns = db.execute("SELECT code, name FROM towns ORDER BY code").fetchall()
    banks = db.execute("SELECT code, name FROM banks ORDER BY code").fetchall()
    return FilterOptions(
        months=tuple(months),
        towns=tuple((c, n) for c, n in towns),
        banks=tuple((c, n) for c, n in banks),
    )


def validate(
    options: FilterOptions, raw: Mapping[str, Iterable[str] | str]
) -> tuple[Filters, list[str]]:
    """Turn raw link parameters into a valid :class:`Filters` and notices.

    ``raw`` maps parameter names to one or several strings (as a URL holds
    them). Invalid values are dropped; each drop gives one Chinese notice.
    """
    notices: list[str] = []
    as_of = options.latest
    values = _as_list(raw.get("as_of"))
    if values:
        value = values[-1].strip()
        if not periods.is_month(value):
            notices.append(f"链接中的数据月份“{value}”格式无效（应为 YYYY-MM），已改用最新月份 {options.latest}。")
        elif value not in options.months:
            notices.append(f"链接中的数据月份 {value} 没有数据，已改用最新月份 {options.latest}。")
        else:
            as_of = value
    towns = _codes(options.towns, _as_list(raw.get("town")), "乡镇", notices)
    banks = _codes(options.banks, _as_list(raw.get("bank")), "银行", notices)
    return Filters(as_of=as_of, towns=towns, banks=banks), notices


def _codes(pairs, values: list[str], what: str, notices: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        code = _lookup(pairs, value)
        if code is None:
            notices.append(f"链接中的{what}“{value}”不存在，已忽略。")
        elif code not in out:
            out.append(code)
    order = {c: i for i, (c, _) in enumerate(pairs)}
    return tuple(sorted(out, key=order.__getitem__))


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def check_number(
    name: str, label: str, raw: Iterable[str] | str | None, lo: float, hi: float
) -> tuple[float | None, str | None]:
    """Validate one numeric what-if parameter from a link.

    Returns ``(value, None)`` when valid, ``(None, notice)`` when it must be
    dropped, ``(None, None)`` when absent.
    """
    values = _as_list(raw)
    if not values:
        return None, None
    text = values[-1].strip()
    try:
        value = float(text)
    except ValueError:
        return None, f"链接参数 {name}（{label}）的值“{text}”不是数字，已改用默认值。"
    if math.isnan(value) or not (lo <= value <= hi):
        return None, f"链接参数 {name}（{label}）的值 {text} 超出范围 {lo:g}–{hi:g}，已改用默认值。"
    return value, None


def check_choices(
    name: str, label: str, raw: Iterable[str] | str | None, allowed: Iterable[str]
) -> tuple[list[str], list[str]]:
    """Validate a (repeatable) choice parameter: ``(kept values, notices)``."""
    allowed = list(allowed)
    kept, notices = [], []
    for value in _as_list(raw):
        if value in allowed:
            if value not in kept:
                kept.append(value)
        else:
            notices.append(f"链接参数 {name}（{label}）的值“{value}”不存在，已忽略。")
    return kept, notices


def scope_sql(
    f: Filters, town_col: str | None = "town_code", bank_col: str | None = "bank_code"
) -> tuple[str, list]:
    """``' AND town_code IN (?,?) AND bank_code IN (?)'`` and its parameters."""
    sql, params = "", []
    if town_col and f.towns:
        sql += f" AND {town_col} IN ({','.join('?' * len(f.towns))})"
        params += list(f.towns)
    if bank_col and f.banks:
        sql += f" AND {bank_col} IN ({','.join('?' * len(f.banks))})"
        params += list(f.banks)
    return sql, params


def query_string(options: FilterOptions, f: Filters, **extra) -> str:
    """The share-link query string for ``f`` plus page parameters; an extra
    ``town``/``bank``/``as_of`` replaces the filter's own."""
    pairs: list[tuple[str, str]] = []
    if f.as_of != options.latest and "as_of" not in extra:
        pairs.append(("as_of", f.as_of))
    if "town" not in extra:
        pairs += [("town", options.town_names[c]) for c in f.towns]
    if "bank" not in extra:
        pairs += [("bank", options.bank_names[c]) for c in f.banks]
    for key, value in extra.items():
        for v in _as_list(value) if not isinstance(value, (int, float)) else [str(value)]:
            pairs.append((key, v))
    return urlencode(pairs)


def scope_label(options: FilterOptions, f: Filters) -> str:
    """'全县 · 全部银行 · 截至2024年6月末' in words, for headers and exports."""
    towns = "、".join(options.town_names[c] for c in f.towns) or "全县"
    banks = "、".join(options.bank_names[c] for c in f.banks) or "全部银行"
    return f"{towns} · {banks} · {periods.as_of_text(f.as_of)}"
