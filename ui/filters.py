"""Link parameters on screen: the shared filter bar, the one widget helper and the notices.

Every page declares its parameters as :class:`finance_core.links.Param` and
reads them with :func:`read`: the parser's canonical text of each value is
written back into the URL *before* the widget bound to it renders, so the
widget (``bind="query-params"``) shows exactly what the parser applied, and
what the parser could not apply is named in the page's notice.
"""
from __future__ import annotations

import re
from typing import Sequence

import streamlit as st
from streamlit.runtime.state.session_state_proxy import get_session_state

from finance_core import filters as ffilters
from finance_core import links

from . import asat, data

FILTERS_KEY = "filters"
NOTICES_KEY = "_link_notices"
PARAMS_KEY = "_link_params"
KEEP_UNKNOWN_KEY = "_link_keep_unknown"

# inline Markdown (emphasis, code, links and images, HTML, entities, strikethrough,
# tables), directives (:red[...], :material/x:) and LaTeX ($): always escaped;
# block markers (headings, lists, quotes) only where they would act, at the start
_MD_INLINE = re.compile(r"([\\`*_{}\[\]()!|<>~:$&])")
_MD_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")
_WJ = "\u2060"  # word joiner: invisible, stripped again by links.normalise


def escape(text: str) -> str:
    """A value from a link or an import, shown literally inside Markdown.

    Markdown's inline characters are backslash-escaped (no emphasis, links,
    images, directives, LaTeX or HTML), and so is a block marker at the start
    (values never hold a line break). GFM also turns bare ``http://``, ``www.``
    and e-mail addresses into links after escapes are resolved, so those get an
    invisible word joiner (copied text pasted into a link loses it again in
    :func:`finance_core.links.normalise`).
    """
    text = str(text).replace("\n", " ")
    text = re.sub(r"(?i)(www)\.", r"\1" + _WJ + ".", text.replace("://", ":" + _WJ + "//").replace("@", _WJ + "@"))
    text = _MD_INLINE.sub(r"\\\1", text)
    # '# x' -> '\# x', '12. x' -> '12\. x'
    return _MD_BLOCK_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


# --- the URL ---------------------------------------------------------------------------
def _set_url(changes: dict[str, list[str] | None]) -> None:
    """Write canonical values (``None``: remove) into the URL before the widgets render.

    Streamlit seeds a bound widget from the query string it received with the
    request (``_initial_query_params``), and refuses ``st.query_params[key] = ...``
    for a bound key; so both the received and the current query string are set,
    and the browser's URL follows with one message. (Streamlit 1.67 internals,
    pinned in requirements.txt; tests/test_links_app.py fails if they change.)
    """
    with get_session_state().query_params() as qp:
        for key, values in changes.items():
            for store in (qp._query_params, qp._initial_query_params):
                store.pop(key, None)
            if values:
                qp._query_params[key] = values[0] if len(values) == 1 else list(values)
                qp._initial_query_params[key] = list(values)
        qp._send_query_param_msg()


def _url_names() -> list[str]:
    return list(st.query_params)


def read(params: Sequence[links.Param]) -> tuple[dict, list[str]]:
    """Parse this page's parameters from the URL: (values, notices).

    Values that normalise to a valid one are written back in their canonical
    form (``town=%20城关镇`` -> ``town=城关镇``, ``flagged=TRUE`` -> ``true``,
    a code -> the name); invalid and repeated ones are removed, each named in a
    notice. The parameters are remembered for this run, so that
    :func:`show_notices` can name the link's unknown parameters.
    """
    raw = {n: st.query_params.get_all(n) for p in params for n in p.names}
    parsed = links.parse(params, raw)
    changes: dict[str, list[str] | None] = {}
    for p in params:
        target = parsed.canonical[p.name] or []
        if raw[p.name] != target:
            changes[p.name] = target or None
        for old in p.old_names:
            if raw[old]:
                changes[old] = None
    if changes:
        _set_url(changes)
    st.session_state.setdefault(PARAMS_KEY, [])
    st.session_state[PARAMS_KEY] = [q for q in st.session_state[PARAMS_KEY]
                                    if q.name not in {p.name for p in params}] + list(params)
    return parsed.values, parsed.notices


def widget(p: links.Param, how: str, container=None, **kwargs):
    """The widget ``how`` (``st.<how>``) bound to ``p`` in the URL, under the key ``p.name``.

    Options, range, step and default come from the declaration; ``kwargs`` are
    passed on (``help=``, ``placeholder=``, ``format=``; ``label=`` overrides).
    ``how="tabs"`` returns the tab containers.
    """
    c = container or st
    label = kwargs.pop("label", p.label)
    bound = {"key": p.name, "bind": "query-params"}
    if how in ("selectbox", "radio"):
        index = None if p.default is None else list(p.choices).index(p.default)
        return getattr(c, how)(label, p.choices, index=index, **bound, **kwargs)
    if how == "segmented_control":
        value = c.segmented_control(label, p.choices, default=p.default, **bound, **kwargs)
        return p.default if value is None else value
    if how == "multiselect":
        return c.multiselect(label, p.choices, **bound, **kwargs)
    if how == "slider":
        return c.slider(label, p.lo, p.hi, p.default, p.step, **bound, **kwargs)
    if how == "number_input":
        if p.integer:
            return c.number_input(label, int(p.lo), int(p.hi), int(p.default), **bound, **kwargs)
        return c.number_input(label, p.lo, p.hi, p.default, **bound, **kwargs)
    if how == "toggle":
        return c.toggle(label, value=bool(p.default), **bound, **kwargs)
    if how == "tabs":
        default = None if p.default in (None, p.choices[0]) else p.default
        return c.tabs(list(p.choices), default=default, **bound, **kwargs)
    raise ValueError(f"no widget {how!r}")


# --- the shared filter bar -------------------------------------------------------------
def filter_bar(extra_notices: Sequence[str] = (), page: str = "") -> ffilters.Filters:
    """Render the sidebar filters and return the :class:`Filters` validation gives.

    ``extra_notices`` (a wrong page path, from app.py) join the link notices;
    after a wrong path the link's other parameters are kept (they were meant
    for the page the path misspelt), not named as unknown. The link's ``v``
    (an as-at pin, ui/asat.py) is read first: it decides which data the
    filters' choices come from.
    """
    st.session_state[PARAMS_KEY] = []
    keep = asat.keep_on_page_switch(page)
    if keep:
        _set_url({"v": keep})
    pin, pin_notices = read([asat.param()])
    pin_notices = asat.explain(pin_notices) + asat.apply(pin["v"], page)
    opts = data.options()
    params = ffilters.shared_params(opts)
    as_of_p, town_p, bank_p = params
    _, notices = read(params)
    notices = pin_notices + notices
    with st.sidebar:
        st.markdown("**筛选**")
        as_of = widget(as_of_p, "selectbox", help="月末数据。默认最新月份")
        towns = widget(town_p, "multiselect", placeholder="全县")
        banks = widget(bank_p, "multiselect", placeholder="全部银行")
        asat.control(page)
    # the widgets hold what the parser applied (or what the user chose since)
    f, _ = ffilters.validate(opts, {"as_of": [as_of or opts.latest], "town": towns, "bank": banks})
    st.session_state[FILTERS_KEY] = f
    st.session_state[NOTICES_KEY] = list(extra_notices) + notices
    st.session_state[KEEP_UNKNOWN_KEY] = bool(extra_notices)
    return f


def current() -> ffilters.Filters:
    """The filters app.py validated for this run."""
    return st.session_state[FILTERS_KEY]


def show_notices(extra: list[str] | None = None) -> None:
    """One warning listing every link parameter that was not applied, and the
    link's parameters this page does not know (removed from the URL).

    Every notice is escaped: a value from a link never renders as Markdown.
    """
    unknown, unknown_notices = links.unknown_names(_url_names(), st.session_state.get(PARAMS_KEY, []))
    if st.session_state.get(KEEP_UNKNOWN_KEY):
        unknown, unknown_notices = [], []
    if unknown:
        _set_url({name: None for name in unknown})
    notices = list(st.session_state.get(NOTICES_KEY, [])) + list(extra or []) + unknown_notices
    if notices:
        st.warning("\n".join(f"- {escape(n)}" for n in notices), title="链接中有无效参数，已忽略",
                   icon=":material/link_off:")
    asat.banner(st.session_state.get(asat.PAGE_KEY, ""), current())


def link(page: str, **extra) -> str:
    """A relative link to ``page`` carrying the current filters."""
    qs = ffilters.query_string(data.options(), current(), **{**data.pin_params(), **extra})
    return f"/{page}" + (f"?{qs}" if qs else "")
