"""Declarative link parameters: one definition per parameter, one parser, one link builder.

A page declares each parameter it reads from its share link once, as a
:class:`Param`; :func:`parse` turns the raw query string into the values the
page shows and Chinese notices for everything it could not apply. The same
:func:`normalise` is used for every value, so a value is either applied
exactly (after normalisation) or named in a notice — never dropped silently.

Rules (the public share-link contract, see README "Share links"):

- values are normalised: Unicode NFKC (full-width digits and letters, the
  ideographic space), invisible and control characters removed, surrounding
  whitespace trimmed;
- a single-valued parameter given several times: the last value wins and the
  others are named in a notice;
- a repeatable parameter keeps each valid value once, in the link's order;
  each invalid value is named;
- a choice may have aliases (a town's or bank's stable code for its name);
- numbers must be finite, inside the declared range and on the declared step
  (an off-step value is rounded to the nearest step, with a notice);
- a parameter name the page does not know (``Town=``, ``as-of=``) is named in
  a notice and removed from the link.

Nothing here imports streamlit; ``ui/filters.py`` binds these to widgets.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import re
import unicodedata
from typing import Iterable, Mapping, Sequence
from urllib.parse import urlencode

CHOICE, MULTI, NUMBER, BOOL, MONTH = "choice", "multi", "number", "bool", "month"
KINDS = (CHOICE, MULTI, NUMBER, BOOL, MONTH)

# format characters (Cf: zero-width, bidi controls, BOM, soft hyphen...), controls (Cc),
# line/paragraph separators; none of them is ever part of a name a link can carry
_INVISIBLE_CATEGORIES = {"Cf", "Cc", "Zl", "Zp", "Co", "Cs", "Cn"}
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")  # no '1_0', hex or words
_SHOWN_MAX = 40  # characters of a rejected value quoted in a notice


def normalise(text: str) -> str:
    """The one normalisation of a link value (validator and widgets alike)."""
    text = unicodedata.normalize("NFKC", str(text))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)
    return text.strip()


def normalise_name(name: str) -> str:
    """A parameter name as it might have been meant: ``Town``, ``AS-OF`` -> ``town``, ``as_of``."""
    return normalise(name).lower().replace("-", "_").replace(" ", "_")


def shown(value: str) -> str:
    """A rejected value as quoted in a notice: normalised, at most 40 characters.

    Notices are plain text; the page escapes them before they reach Markdown
    (``ui.filters.show_notices``).
    """
    value = normalise(value)
    return value if len(value) <= _SHOWN_MAX else value[:_SHOWN_MAX] + "…"


@dataclasses.dataclass(frozen=True)
class Param:
    """One link parameter of a page.

    ``kind``: ``choice`` (one of ``choices``), ``multi`` (repeatable, any of
    ``choices``), ``number`` (finite, ``lo``–``hi``, on ``step``), ``bool``
    (``true``/``false``) or ``month`` (``YYYY-MM`` among ``choices``).
    ``aliases`` maps another spelling of a choice (a code) to the choice.
    ``old_names`` are earlier names of the parameter, still read.
    ``integer`` numbers are written without a decimal point.
    """

    name: str
    label: str
    kind: str
    choices: tuple = ()
    default: object = None
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    aliases: tuple[tuple[str, str], ...] = ()
    old_names: tuple[str, ...] = ()
    integer: bool = False
    unavailable: tuple[tuple[str, str], ...] = ()  # (value, why it cannot be chosen now)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")
        if self.kind == NUMBER and (self.lo is None or self.hi is None):
            raise ValueError(f"{self.name}: a number needs lo and hi")
        object.__setattr__(self, "choices", tuple(self.choices))
        object.__setattr__(self, "aliases", tuple(self.aliases))
        object.__setattr__(self, "unavailable", tuple(self.unavailable))

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.old_names)

    def with_choices(self, choices: Iterable, default: object = None,
                     aliases: Iterable[tuple[str, str]] = ()) -> "Param":
        """The same parameter over choices known only at run time (towns, products)."""
        return dataclasses.replace(self, choices=tuple(choices), default=default, aliases=tuple(aliases))

    # --- text <-> value -------------------------------------------------------------
    def text(self, value) -> str:
        """How a value is written in a link (the inverse of :meth:`parse_one`)."""
        if self.kind == BOOL:
            return "true" if value else "false"
        if self.kind == NUMBER:
            return format_number(value, self.integer)
        return str(value)

    def parse_one(self, text: str) -> tuple[object, str | None]:
        """(value, None) when ``text`` (already normalised) is valid; else (None, reason).
        A number off its step is returned rounded, with the reason saying so."""
        if self.kind in (CHOICE, MULTI, MONTH):
            if self.kind == MONTH and not _MONTH.fullmatch(text):
                return None, "格式无效（应为 YYYY-MM）"
            lookup = _choice_lookup(self)
            if text in lookup:
                return lookup[text], None
            why = dict((normalise(v), reason) for v, reason in self.unavailable).get(text) if self.unavailable else None
            if why:
                return None, why
            return None, "没有数据" if self.kind == MONTH else "不存在"
        if self.kind == BOOL:
            low = text.lower()
            if low in ("true", "false"):
                return low == "true", None
            return None, "应为 true 或 false"
        if text.lower().lstrip("+-") in ("inf", "infinity", "nan"):
            return None, "不是有限的数字"
        if not _NUMBER.fullmatch(text):
            return None, "不是数字"
        value = float(text)
        if not math.isfinite(value):
            return None, "不是有限的数字"
        if not (self.lo <= value <= self.hi):
            return None, f"超出范围 {format_number(self.lo)}–{format_number(self.hi)}"
        if self.integer and (self.step or 1) == 1 and value != int(value):
            return float(round(value)), f"不是整数，已取最接近的 {round(value)}"
        if self.step:
            k = round((value - self.lo) / self.step)
            snapped = min(self.hi, self.lo + k * self.step)
            snapped = round(snapped, 10)
            if self.integer:
                snapped = float(round(snapped))
            if not math.isclose(snapped, value, rel_tol=0, abs_tol=1e-9):
                return snapped, f"不在步长 {format_number(self.step)} 上，已取最接近的 {format_number(snapped, self.integer)}"
            value = snapped
        return value, None


def format_number(value, integer: bool = False) -> str:
    """5.0 -> '5', 0.35 -> '0.35' (no float noise), as links and notices write numbers."""
    value = float(value)
    if integer or value == int(value):
        return str(int(round(value)))
    return f"{value:.10f}".rstrip("0").rstrip(".")


@functools.lru_cache(maxsize=256)
def _choice_lookup(p: Param) -> dict[str, object]:
    """Normalised spelling -> choice (choices first, then aliases)."""
    out: dict[str, object] = {}
    for alias, choice in p.aliases:
        out[normalise(alias)] = choice
    for choice in p.choices:
        out[normalise(str(choice))] = choice
    return out


def _values(raw: Mapping[str, Iterable[str] | str], p: Param) -> list[str]:
    out: list[str] = []
    for name in p.names:
        value = raw.get(name)
        if value is None:
            continue
        out += [value] if isinstance(value, str) else [str(v) for v in value]
    return out


def _notice(p: Param, value: str, reason: str, fallback: str) -> str:
    return f"链接参数 {p.name}（{p.label}）的值“{shown(value)}”{reason}，{fallback}。"


@dataclasses.dataclass(frozen=True)
class Parsed:
    """What :func:`parse` found: the value of every parameter, the notices, and
    the canonical link text of every parameter (``None``: not in the link)."""

    values: dict
    notices: list
    canonical: dict


def parse(params: Sequence[Param], raw: Mapping[str, Iterable[str] | str]) -> Parsed:
    """Every parameter's value (its default when absent or invalid) and the notices."""
    values, notices, canonical = {}, [], {}
    for p in params:
        value, texts, ns = _parse_param(p, _values(raw, p))
        values[p.name], canonical[p.name] = value, texts
        notices += ns
    return Parsed(values, notices, canonical)


def _parse_param(p: Param, given: list[str]) -> tuple[object, list[str] | None, list[str]]:
    notices: list[str] = []
    texts = [(g, normalise(g)) for g in given]
    # an empty value (``?town=``) is what a cleared widget writes: it means "not given";
    # a value that normalises to empty (only spaces or invisible characters) is named
    for g, t in texts:
        if not t and g.strip(" "):
            notices.append(f"链接参数 {p.name}（{p.label}）的值只有空白或不可见字符，已忽略。")
    texts = [(g, t) for g, t in texts if t]
    if p.kind == MULTI:
        kept = []
        for g, t in texts:
            value, reason = p.parse_one(t)
            if reason:
                notices.append(_notice(p, g, reason, "已忽略"))
            elif value not in kept:
                kept.append(value)
        return tuple(kept), ([p.text(v) for v in kept] or None), notices
    if not texts:
        return p.default, None, notices
    if len(texts) > 1:
        others = "、".join(f"“{shown(g)}”" for g, _ in texts[:-1])
        notices.append(f"链接参数 {p.name}（{p.label}）出现了 {len(texts)} 次，采用最后一个值"
                       f"“{shown(texts[-1][0])}”，忽略 {others}。")
    g, t = texts[-1]
    value, reason = p.parse_one(t)
    if value is None:
        fallback = f"已改用默认值 {_default_text(p)}" if p.default is not None else "已忽略"
        notices.append(_notice(p, g, reason, fallback))
        return p.default, None, notices
    if reason:  # a number rounded to its step
        notices.append(f"链接参数 {p.name}（{p.label}）的值“{shown(g)}”{reason}。")
    return value, [p.text(value)], notices


def _default_text(p: Param) -> str:
    if p.kind == BOOL:
        return "（开）" if p.default else "（关）"
    return p.text(p.default)


def unknown_names(raw_names: Iterable[str], params: Sequence[Param],
                  reserved: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """(names to remove from the link, notices) for parameter names nobody reads."""
    known = {n for p in params for n in p.names} | set(reserved)
    by_normal = {normalise_name(n): p.name for p in params for n in p.names}
    unknown, notices = [], []
    for name in raw_names:
        if name in known or name in unknown:
            continue
        unknown.append(name)
        guess = by_normal.get(normalise_name(name)) or by_normal.get(normalise_name(name).rstrip("s"))
        hint = f"（参数名区分大小写，应为 {guess}）" if guess else ""
        notices.append(f"链接参数 {shown(name) or '（空）'} 不是本页的参数{hint}，已忽略并从链接中去掉。")
    return unknown, notices


def query_string(pairs: Iterable[tuple[Param, object]]) -> str:
    """The query string for (parameter, value) pairs; a default value is left out,
    as the widgets leave it out of the URL."""
    out: list[tuple[str, str]] = []
    for p, value in pairs:
        if p.kind == MULTI:
            out += [(p.name, p.text(v)) for v in (value or ())]
        elif value is not None and value != p.default:
            out.append((p.name, p.text(value)))
    return urlencode(out)
