"""KPI rows, tables and export buttons used by several pages."""
from __future__ import annotations

import functools
import hashlib
import html
import json
import weakref
from typing import Callable, Sequence
from urllib.parse import parse_qsl

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit import dataframe_util
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec  # pinned streamlit

from finance_core import exports, targets
from finance_core import filters as ff
from finance_core.config import BAD, GOOD, MARKS, NEUTRAL, PALETTE, WARN, status_level, status_text
from finance_core.kpi import Kpi

from . import asat, data, memo, style
from . import filters as uf
from .nav import link_target

# Altair validates every chart object against the Vega-Lite schema as it is
# built; our charts are fixed code covered by the page tests, so skip that
# per-rerun cost (see also chart below).
alt.utils.schemapi.disable_debug_mode()


def _keep_altair_class_lookup() -> None:
    """Altair's ``from_dict`` builds its lookup of every schema class anew on each call (a
    JSON dump of ~570 schemas, about 8 ms), and ``encode`` calls it for every channel given
    as a string, a dict or a list: a chart of five channels paid 40 ms each time its data
    changed. The lookup depends only on the classes, which are all defined when altair is
    imported, so it is built once per kind of lookup and kept (tests/unit/test_chart_spec.py
    compares the specs made with and without it)."""
    schemapi = alt.utils.schemapi
    if getattr(schemapi.SchemaBase.from_dict, "_kept_lookup", False):
        return
    lookups: dict = {}
    original = schemapi.SchemaBase.from_dict.__func__

    @classmethod
    def from_dict(cls, dct, validate: bool = True):
        if validate:
            cls.validate(dct)
        kind = cls._default_wrapper_classes.__func__
        converter = lookups.get(kind)
        if converter is None:
            converter = lookups[kind] = schemapi._FromDict(cls._default_wrapper_classes())
        return converter.from_dict(dct, cls)
    from_dict.__func__._kept_lookup = True
    from_dict.__func__._original = original
    schemapi.SchemaBase.from_dict = from_dict


_keep_altair_class_lookup()


def _cheaper_altair_build() -> None:
    """Two costs of building a chart that add nothing to the spec drawn (altair is pinned):

    - A layer's view is named by a hash of the view as JSON, dumped with ``default=str``,
      so a DataFrame in it was printed in full by pandas (about 6 ms a layer, every time
      the data changes). The hash now takes the frame's content digest instead: the same
      data still gives the same name, other data another.
    - ``properties()`` checks each value against the Vega-Lite schema (about 3 ms a call).
      Like the check ``to_dict`` makes (off, see :func:`_no_validation`), it is left to
      tests/app/test_chart_schema.py, which validates every chart each page draws.
    """
    api = alt.vegalite.v6.api
    if getattr(api.Chart._compute_hash, "_cheaper", False):
        return
    original_hash = api.Chart._compute_hash

    def _compute_hash(self) -> str:
        data = getattr(self, "data", None)
        if self._kwds.get("_cached_hash") is not None or not isinstance(data, pd.DataFrame):
            return original_hash(self)
        key = memo.digest(data)
        if key is None:
            return original_hash(self)
        hash_data = {"class": type(self).__name__, "mark": getattr(self, "mark", None),
                     "encoding": getattr(self, "encoding", None), "data": "frame:" + key.hex(),
                     "transform": getattr(self, "transform", None)}
        text = json.dumps(hash_data, sort_keys=True, default=str)
        return "view_" + hashlib.sha256(text.encode()).hexdigest()[:16]

    _compute_hash._cheaper = True
    _compute_hash._original = original_hash
    api.Chart._compute_hash = _compute_hash
    original_check = alt.utils.schemapi.SchemaBase.__dict__["validate_property"]

    @classmethod
    def validate_property(cls, name, value, schema=None) -> None:
        """Not checked while drawing (see above)."""
    validate_property.__func__._original = original_check
    alt.utils.schemapi.SchemaBase.validate_property = validate_property


_cheaper_altair_build()


def kpi_row(kpis: Sequence[Kpi], per_row: int = 5) -> None:
    """KPI cards: value, change vs previous month, and the comparison base.

    The whole row is ONE element (an ``st.html`` block of cards): Streamlit
    spends about as much per element sent as our code spends per figure, and a
    card drawn as a bordered block + ``st.metric`` + a caption was three
    elements (ui/style.py draws the cards). The cards sit in a grid of at most
    ``per_row`` per row that fits fewer when a card would be narrower than a
    value needs, so a value is never cut at 1366 px or at 150 % zoom; every
    card of a row is as tall as the tallest."""
    if not kpis:
        return
    st.html(kpi_html(tuple(kpis), max(1, min(per_row, style.MAX_PER_ROW))))


DELTA_CLASS = {GOOD: "good", BAD: "bad", NEUTRAL: "off"}


def delta_level(k: Kpi, delta) -> str:
    """GOOD / BAD / NEUTRAL for the colour of a card's 较上月 (st.metric's rule:
    a rise is good unless the figure is better low; neutral figures stay grey)."""
    if delta in (None, 0) or k.neutral:
        return NEUTRAL
    up = not str(delta).startswith("-")
    return GOOD if up == k.good_when_up else BAD


@functools.lru_cache(maxsize=1024)   # Kpi values are frozen: the same row is the same HTML
def kpi_html(kpis: tuple[Kpi, ...], per_row: int) -> str:
    """The cards of a KPI row as HTML; every text escaped (a note names banks)."""
    cards = []
    for k in kpis:
        base = k.comparison_text()
        help_text = "\n\n".join(x for x in (k.help, base) if x)
        delta = k.delta_prev()
        label = esc(k.label)
        parts = [f'<div class="ifm-kpi-label">{label}'
                 + (f' <span class="ifm-kpi-help" title="{esc(help_text)}" aria-label="{esc(help_text)}">?</span>'
                    if help_text else "") + "</div>",
                 f'<div class="ifm-kpi-value">{esc(k.text())}</div>']
        if delta is not None:
            level = delta_level(k, delta)
            arrow = "" if delta == 0 else ("↑ " if not str(delta).startswith("-") else "↓ ")
            shown = "持平" if delta == 0 else str(delta)
            parts.append(f'<div class="ifm-kpi-delta"><span class="ifm-kpi-chg ifm-{DELTA_CLASS[level]}" '
                         f'data-delta="{esc(delta)}">{arrow}{esc(shown)}</span> <span class="ifm-kpi-vs">较上月</span></div>')
        if k.flag:
            parts.append(f'<div class="ifm-kpi-flag">{MARKS[BAD]} {esc(k.flag)}</div>')
        if base:
            parts.append(f'<div class="ifm-kpi-base">{esc(base)}</div>')
        if k.note:   # a missing submission behind the figure (DESIGN.md "Completeness")
            parts.append(f'<div class="ifm-kpi-note">{esc(k.note)}</div>')
        cards.append(f'<div class="ifm-kpi" role="group" aria-label="{label}" data-key="{esc(k.key)}">'
                     + "".join(parts) + "</div>")
    return f'<div class="ifm-kpis ifm-kpis-{per_row}">' + "".join(cards) + "</div>"


def esc(value) -> str:
    return html.escape(str(value), quote=True)


Table = pd.DataFrame | exports.Sheet


def export_buttons(tables: dict[str, Table | Callable[[], Table]], header: dict[str, str], stem: str) -> None:
    """One Excel workbook (a sheet per table plus a header sheet) and a CSV per
    table, as buttons that wrap onto more lines when there are many tables.

    The files are built only when a button is clicked (``data`` is a callable),
    so a rerun does not pay for exports nobody asked for; a table may be given
    as a function that makes it (a sheet only the export shows), made then too.
    A pinned view's header says which moment's data the files hold; a workbook made
    after the data changed since the page was drawn says that in its header.
    """
    header = {**header, **asat.header_line()}
    changed = data.changed_note()

    def made(table):
        return table() if callable(table) else table
    with st.container(horizontal=True):
        st.download_button(
            "下载 Excel",
            data=lambda: exports.workbook({name: made(t) for name, t in tables.items()}, {**header, **changed()}),
            file_name=f"{stem}.xlsx",
            mime=exports.MIME_XLSX,
            icon=":material/download:",
            key=f"xlsx_{stem}",
            on_click="ignore",
            width="content",
        )
        for name, df in tables.items():
            st.download_button(
                f"{name} CSV",
                data=lambda df=df: exports.csv_bytes(exports.frame(made(df))),
                file_name=f"{stem}-{name}.csv",
                mime="text/csv",
                icon=":material/table:",
                key=f"csv_{stem}_{name}",
                on_click="ignore",
                width="content",
            )


def details(label: str, key: str):
    """An expander, closed at first, whose content is made and sent only while it is
    open (opening or closing it reruns the page, or the fragment it sits in): use as
    ``if box := details(...):`` then ``with box:``. Detail tables nobody opened cost
    neither a query nor an element."""
    box = st.expander(label, expanded=False, key=key, on_change="rerun")
    return box if box.open else None


def made_together(names: Sequence[str], make: Callable[[], dict[str, Table]]) -> dict[str, Callable[[], Table]]:
    """Tables for :func:`export_buttons` that one call ``make()`` gives together, made only
    when a file is asked for (the first file asked for makes them all)."""
    made: dict[str, Table] = {}

    def one(name: str) -> Table:
        if not made:
            made.update(make())
        return made[name]
    return {name: functools.partial(one, name) for name in names}


def progress_table(table: pd.DataFrame) -> None:
    """Targets with 完成率 against 序时进度 (percent, one decimal); every row shown.

    The bar is neutral (a bar's colour cannot follow each row's status); the
    status is the 进度 column, word and mark (✓ 领先, ⚠ 落后)."""
    shown, config = _drawn("progress", _progress_shown, (table,))
    st.dataframe(shown, hide_index=True, alt="年度目标完成率与序时进度", height=table_height(shown.num_rows),
                 column_config=config)


def _progress_shown(table: pd.DataFrame) -> tuple[pa.Table, dict]:
    shown = table.drop(columns=["key"]).copy()
    for col in ("全年目标", "累计完成"):   # each row in its own unit: 万元 with decimals, counts whole
        shown[col] = [targets.shown(v, u) for v, u in zip(shown[col], shown["单位"])]
    shown = shown.drop(columns=["单位"])
    shown["完成率"] = shown["完成率"] * 100
    shown["序时进度"] = shown["序时进度"] * 100
    shown["进度"] = [status_text(v) if isinstance(v, str) and v else "—" for v in shown["进度"]]
    cols = [c for c in ("指标", "完成率", "序时进度", "进度") if c in shown.columns]
    shown = shown[cols + [c for c in shown.columns if c not in cols]]
    return _arrow(shown), {
        "全年目标": st.column_config.TextColumn("全年目标"),
        "累计完成": st.column_config.TextColumn("累计完成"),
        "完成率": st.column_config.ProgressColumn("完成率", format="%.1f%%", min_value=0, max_value=100,
                                                color=PALETTE[NEUTRAL]),
        "序时进度": st.column_config.NumberColumn("序时进度", format="%.1f%%"),
    }


def table_height(rows: int, limit: int = 600) -> int:
    """Pixels that show ``rows`` rows and the header (a short table in full),
    at most ``limit`` (then the table scrolls)."""
    return min(limit, 35 * (max(rows, 1) + 1) + 3)


ALERT_MARK = MARKS[WARN] + " "
ALERT_OK = ("", "—", "正常", "已报送", "领先")
STATUS_WORDS = ("正常", "领先", "已报送")
KEY_WORDS = ("完成率", "进度", "预警", "状态", "逾期率")   # ok values that get their ✓ mark


def _alert(value) -> str:
    """An alert cell: the palette's mark for its word (⚠ 落后, ✕ 超出额度)."""
    text = str(value)
    level = status_level(text)
    return f"{MARKS[level if level != GOOD and level != NEUTRAL else WARN]} {text}"


def _number_format(col: str, values: pd.Series) -> tuple[str, str] | None:
    """(grid printf format, the same as a Python format) for a number column:
    万元/亿元 two decimals, (%) one, counts with separators; None for text."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return None  # text (object columns holding only numbers are converted by the caller)
    if "万元" in col or "亿元" in col:
        return "%,.2f", "{:,.2f}"
    if "%" in col:
        return "%.1f", "{:.1f}"
    if col in ("评定年度", "排名", "年度"):
        return "%d", "{:.0f}"
    if pd.api.types.is_integer_dtype(values) or _whole(values.to_numpy()):
        return "%,d", "{:,.0f}"
    return "%,.2f", "{:,.2f}"


def _whole(numbers) -> bool:
    """Whether every number present (gaps left out) is whole."""
    numbers = numbers[~pd.isna(numbers)]
    return bool(np.all(np.mod(numbers.astype(float), 1) == 0))


def _printf(python_format: str) -> str:
    """'{:,.2f}' -> '%,.2f'; whole numbers as '%,d'."""
    body = python_format.strip("{}").lstrip(":")
    if body.endswith(".0f"):
        return "%,d" if "," in body else "%d"
    return "%" + body


def table(df: pd.DataFrame, alt: str | None = None, height: int | str = "auto",
          alert_cols: Sequence[str] = (), ok_values: Sequence[str] = ALERT_OK,
          formats: dict[str, str] | None = None, empty_text: str = "当前筛选范围内没有记录。",
          columns: Sequence[str] | None = None) -> None:
    """A table with amounts (columns naming 万元/亿元) to two decimals, percentages
    (columns naming %) to one, counts with separators, missing values as '—', and
    alerts (a value of an ``alert_cols`` column not in ``ok_values``) marked ⚠.

    Formats are column settings, not a pandas Styler: a Styler is marshalled on
    every rerun and costs about a second per thousand rows. Streamlit draws a
    missing number as "None", so a number column with gaps goes as
    right-aligned text with "—". ``formats`` (Python format strings) overrides
    the format of named columns; ``columns`` shows only those, in that order.
    Everything after the empty check is cached on the frame's content.
    """
    if df.empty:   # one Chinese sentence, not a grid saying "empty"
        st.info(empty_text, icon=":material/info:")
        return
    if height == "auto":
        height = table_height(len(df), limit=700)   # a short table in full, 15 towns + 合计 too
    args = (df, tuple(columns or ()), tuple(alert_cols), tuple(ok_values), tuple(sorted((formats or {}).items())))
    data, config = _drawn("table", _prepare, args, big=len(df) >= CACHE_ROWS_MAX, store=TABLES)
    st.dataframe(data, hide_index=True, height=height, alt=alt, column_config=config)


CACHE_ROWS_MAX = 50_000   # larger frames are prepared on every run, not kept
# what tables and charts draw, keyed on their data's content (see ui/memo.py)
DRAWN = memo.Memo(max_bytes=64 * 2**20)
# a prepared table is an Arrow table (immutable) and column settings that st.dataframe
# clones before use: kept as they are, not unpickled on every run
TABLES = memo.Memo(max_bytes=64 * 2**20, copies=False)


def _drawn(kind: str, make, args: tuple, big: bool = False, store: memo.Memo = DRAWN):
    """``make(*args)``, kept in ``store`` under ``kind`` and the arguments' digest."""
    key = None if big else memo.digest(*args)
    if key is None:
        return make(*args)
    return store.value((kind, key), lambda: make(*args))


def _prepare(df: pd.DataFrame, columns: tuple, alert_cols: tuple, ok_values: tuple,
             formats: tuple) -> tuple[pa.Table, dict]:
    """The shown table (as Arrow, ready to send) and its column settings for
    :func:`table`; cached on the frame's content, so a rerun with the same data
    neither formats every cell nor converts the frame again."""
    cols = list(columns or df.columns)
    # status columns (完成率, 进度, 预警) next to the name so they show at 1366 without scrolling
    lead = cols[:2] if len(cols) > 1 and cols[0] == "排名" else cols[:1]   # rank and name stay first
    key_cols = [c for c in cols[len(lead):] if any(w in c for w in KEY_WORDS)]
    if key_cols and len(cols) > 5:
        cols = [*lead, *key_cols, *(c for c in cols[len(lead):] if c not in key_cols)]
    # one pass per column over its values, and one frame at the end: setting
    # columns of a copy one by one cost ~0.7 ms a column, most of a small table
    out, config, formats = {}, {}, dict(formats)
    for col in cols:
        values = df[col]
        if values.dtype == object:
            try:  # numbers with gaps arrive as an object column
                values = pd.to_numeric(values)
            except (ValueError, TypeError):
                pass
        pattern = _number_format(col, values)
        if pattern is not None and col in formats:
            pattern = (_printf(formats[col]), formats[col])
        # an extension dtype (nullable Int64, pyarrow) as Python values: its to_numpy() would
        # turn whole numbers with gaps into floats
        cells = values.to_numpy() if isinstance(values.dtype, np.dtype) else values.to_numpy(dtype=object)
        missing = pd.isna(cells)
        if pattern is None:
            alerts = col in alert_cols
            cells = cells.tolist() if cells.dtype == object else values.astype(object).tolist()
            out[col] = [("—" if m else (_alert(v) if alerts and v not in ok_values else
                                        status_text(v) if alerts and v in STATUS_WORDS else v))
                        for v, m in zip(cells, missing)]
            if alerts:
                config[col] = st.column_config.TextColumn(col, width="medium")
        elif missing.any():
            fmt = pattern[1].format
            out[col] = ["—" if m else fmt(v) for v, m in zip(cells.tolist(), missing)]
            config[col] = st.column_config.TextColumn(col, alignment="right")
        else:
            out[col] = cells if isinstance(values.dtype, np.dtype) else values.array
            config[col] = st.column_config.NumberColumn(col, format=pattern[0])
    return _arrow(pd.DataFrame(out, columns=cols) if out else df[cols].reset_index(drop=True)), config


def _arrow(df: pd.DataFrame) -> pa.Table:
    """``df`` as the Arrow table st.dataframe would send (index dropped: tables
    hide it), with Streamlit's own repair of columns Arrow cannot type."""
    try:
        return pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowTypeError, pa.ArrowInvalid, pa.ArrowNotImplementedError, OverflowError):
        return pa.Table.from_pandas(dataframe_util.fix_arrow_incompatible_column_types(df), preserve_index=False)


def flagged_table(df: pd.DataFrame, flag_col: str | None = None, bad: Sequence[str] = (),
                  alt: str | None = None, formats: dict[str, str] | None = None,
                  empty_text: str = "当前筛选范围内没有记录。") -> None:
    """:func:`table` where the rows whose ``flag_col`` is in ``bad`` are marked ⚠."""
    ok = tuple(v for v in df[flag_col].dropna().unique() if v not in bad) if flag_col in df.columns else ()
    table(df, alt=alt, alert_cols=(flag_col,) if flag_col in df.columns else (), ok_values=ok + ALERT_OK,
          formats=formats, empty_text=empty_text)


# projection theme for charts (config.toml cannot set chart fonts): axis and
# legend text >= 14 px in dark grey (contrast >= 4.5:1 on white)
CHART_TEXT = "#37474F"   # 9.9:1 on white
CHART_CONFIG = {
    "axis": {"labelFontSize": 14, "titleFontSize": 14, "labelColor": CHART_TEXT, "titleColor": CHART_TEXT,
             "titleFontWeight": "normal"},
    "legend": {"labelFontSize": 14, "titleFontSize": 14, "labelColor": CHART_TEXT, "titleColor": CHART_TEXT,
               "labelLimit": 320},
    "title": {"fontSize": 16, "color": "#263238", "anchor": "start"},
    "text": {"fontSize": 14, "color": CHART_TEXT},
    "header": {"labelFontSize": 14, "titleFontSize": 14, "labelColor": CHART_TEXT},
}


def chart(spec, *args, container=None, **kwargs) -> None:
    """Draw an Altair chart with the projection fonts, built and serialised once per data.

    ``spec`` is either a builder (a function returning an Altair chart; its
    ``args`` are the data it is built from) or a built chart. A builder's
    Vega-Lite dict is cached on the builder and its arguments, so a rerun that
    draws the same data again (the data is cached per data version) neither
    rebuilds the Altair objects nor converts the frames: building a chart
    (Altair deep-copies every encoding) costs more than drawing the rest of a
    page. Either way the spec is never re-validated against the Vega-Lite
    schema: our charts are fixed code, checked by the page tests.
    ``container`` is a column or container to draw in (default: the current one);
    ``key``/``on_select``/``selection_mode`` pass through (click-to-drill).
    """
    target = container or st
    if callable(spec) and not isinstance(spec, alt.TopLevelMixin):
        build_id = f"{spec.__code__.co_filename}:{spec.__qualname__}"
        uncached = (any(isinstance(a, pd.DataFrame) and len(a) >= CACHE_ROWS_MAX for a in args)
                    # only a module-level function is known by its name: a lambda or closure is not kept
                    or spec.__closure__ is not None or spec.__name__ == "<lambda>")
        target.vega_lite_chart(_drawn(build_id, lambda *a: _vega_spec_of(spec, *a), args, big=uncached), **kwargs)
        return
    if args and container is None:  # a built chart: chart(spec, container) as before
        target = args[0]
    _no_validation(spec)
    target.altair_chart(spec, **kwargs)


ROW_ORDER = "_行序"   # a chart frame's row order, for a nominal axis drawn in it (see row_order)


def in_row_order(df: pd.DataFrame, by: str | None = None, order: Sequence | None = None) -> pd.DataFrame:
    """``df`` with the column :func:`row_order` sorts by: each row's place in the
    frame, or with ``by`` and ``order``, the place of the row's ``by`` value in
    ``order`` (values not in it come after, as with a sort list)."""
    if by is None:
        return df.assign(**{ROW_ORDER: range(len(df))})
    order = list(order or ())
    place: dict = {}
    for i, v in enumerate(order):
        place.setdefault(v, i)   # a value listed twice takes its first place, as in a sort list
    return df.assign(**{ROW_ORDER: [place.get(v, len(order)) for v in df[by]]})


def row_order() -> alt.EncodingSortField:
    """A nominal axis in the order of :func:`in_row_order`'s column, not in a list
    of its values written into the spec. A spec listing the towns or banks changes
    whenever the data does, and the browser then builds the chart anew (Vega parses
    and compiles the spec and draws it, with its selection handlers, about 100 ms a
    chart here); when only the data changes it swaps the new rows into the chart it has."""
    return alt.EncodingSortField(field=ROW_ORDER, op="min", order="ascending")


def _no_validation(spec) -> None:
    """Serialise ``spec`` without the schema check, with the projection fonts.

    The override reaches its chart through a weak reference: a chart holding a
    function that holds the chart would be a cycle, left for Python's collector
    (the post-run full collection is off, see .streamlit/config.toml)."""
    chart = weakref.ref(spec)

    def to_dict(*a, **kw):
        kw["validate"] = False
        return _with_theme(type(chart()).to_dict(chart(), *a, **kw))

    object.__setattr__(spec, "to_dict", functools.partial(to_dict))


def _with_theme(d: dict) -> dict:
    config = d.setdefault("config", {})
    for part, values in CHART_CONFIG.items():
        config[part] = {**values, **config.get(part, {})}
    return d


def _vega_spec_of(build, *args) -> dict:
    """The Vega-Lite dict of ``build(*args)`` as ``st.altair_chart`` sends it
    (datasets as Arrow bytes); :func:`chart` keeps it under the builder's name
    and the arguments' digest."""
    spec = build(*args)
    _no_validation(spec)
    return _convert_altair_to_vega_lite_spec(spec)


def drill(chart_key: str, selection: str, field: str, filter_key: str):
    """An ``on_select`` callback: a click on a chart mark sets the shared filter
    ``filter_key`` (bound to the URL) to the clicked ``field`` value, so the
    page and its share link narrow to it. A click on empty space does nothing."""
    def callback() -> None:
        state = st.session_state.get(chart_key)
        points = (state or {}).get("selection", {}).get(selection) or []
        picked = [p[field] for p in points if isinstance(p, dict) and p.get(field)]
        if picked:
            st.session_state[filter_key] = picked[:1]
            st.session_state[DRILL_KEY] = picked[0]
    return callback


DRILL_KEY = "_drilled"


def drill_notice() -> None:
    """After a drill: say what changed and how to go back (once)."""
    name = st.session_state.pop(DRILL_KEY, None)
    if name:
        st.toast(f"已筛选到「{name}」，在左侧筛选栏可改回全县", icon=":material/filter_alt:")


def detail_link(page: str, label: str = "查看详情", width: str = "content", **extra) -> None:
    """A link to ``page`` (its url path) in the same tab, carrying the current
    filters and ``extra`` page parameters (the share-link contract). ``label``
    is markdown (escape what comes from data)."""
    pairs = parse_qsl(ff.query_string(data.options(), uf.current(), **{**data.pin_params(), **extra}))
    st.page_link(link_target(page), label=label, icon=":material/arrow_forward:", icon_position="right",
                 query_params=pairs or None, width=width)
