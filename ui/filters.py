"""The shared filter bar (data month, towns, banks), bound to the URL."""
from __future__ import annotations

import streamlit as st

from finance_core import filters as ffilters

from . import data

FILTERS_KEY = "filters"
NOTICES_KEY = "_link_notices"


def filter_bar() -> ffilters.Filters:
    """Render the sidebar filters and return the validated :class:`Filters`.

    Link parameters that are not valid are dropped by the widgets; the notice
    saying so is worked out from the raw URL before the widgets render.
    """
    opts = data.options()
    raw = {k: st.query_params.get_all(k) for k in ("as_of", "town", "bank")}
    _, notices = ffilters.validate(opts, raw)
    town_names = [n for _, n in opts.towns]
    bank_names = [n for _, n in opts.banks]
    with st.sidebar:
        st.markdown("**筛选**")
        as_of = st.selectbox("数据月份", opts.months, key="as_of", bind="query-params",
                             help="月末数据。默认最新月份")
        towns = st.multiselect("乡镇", town_names, key="town", bind="query-params",
                               placeholder="全县")
        banks = st.multiselect("银行", bank_names, key="bank", bind="query-params",
                               placeholder="全部银行")
    f = ffilters.Filters(
        as_of=as_of if as_of in opts.months else opts.latest,
        towns=tuple(c for c, n in opts.towns if n in towns),
        banks=tuple(c for c, n in opts.banks if n in banks),
    )
    st.session_state[FILTERS_KEY] = f
    st.session_state[NOTICES_KEY] = notices
    return f


def current() -> ffilters.Filters:
    """The filters app.py validated for this run."""
    return st.session_state[FILTERS_KEY]


def show_notices(extra: list[str] | None = None) -> None:
    """One warning listing every link parameter that was dropped."""
    notices = list(st.session_state.get(NOTICES_KEY, [])) + list(extra or [])
    if notices:
        st.warning("\n".join(f"- {n}" for n in notices), title="链接中有无效参数，已忽略",
                   icon=":material/link_off:")


def page_params(specs: list[tuple[str, str, float, float]]) -> list[str]:
    """Validate numeric page parameters (name, label, min, max) from the URL."""
    notices = []
    for name, label, lo, hi in specs:
        _, notice = ffilters.check_number(name, label, st.query_params.get_all(name), lo, hi)
        if notice:
            notices.append(notice)
    return notices


def link(page: str, **extra) -> str:
    """A relative link to ``page`` carrying the current filters."""
    qs = ffilters.query_string(data.options(), current(), **extra)
    return f"/{page}" + (f"?{qs}" if qs else "")
