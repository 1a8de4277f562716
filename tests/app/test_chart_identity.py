"""A filter change swaps a chart's data, not its spec.

The browser keeps a chart it has drawn and swaps in the new rows when the spec it
receives is the same apart from the datasets' names (Streamlit names a dataset by
a hash of its content, and the browser reads those names by position). A spec
that changes with the data, such as the towns listed in the order to draw them,
makes it build the chart anew: Vega parses and compiles the spec and draws it
from nothing, about 100 ms a chart on the meeting machine (bench/latency.py).
So every chart of every page is drawn from the same spec, and in the same place (the
browser matches elements by place), for the county, one town, two and four."""
import json

import pytest

from ui import widgets
from ui.nav import PAGES

from .test_chart_schema import OPEN


def drawn(at) -> dict[tuple, str]:
    """Each chart's spec by its place on the page, datasets named by position."""
    out = {}

    def walk(node, path):
        children = getattr(node, "children", None)
        for i, c in (children.items() if isinstance(children, dict) else []):
            if type(c).__name__ == "UnknownElement" and c.type == "vega_lite_chart":
                spec = c.proto.spec
                for n, d in enumerate(c.proto.datasets):
                    spec = spec.replace(json.dumps(d.name), json.dumps(f"dataset {n}"))
                out[(*path, i)] = spec
            walk(c, (*path, i))
    walk(at._tree, ())
    return out


@pytest.fixture(scope="module")
def towns(demo_db):
    from finance_core import db as fdb
    from finance_core import filters as ff

    with fdb.opened(demo_db) as db:
        return [name for _, name in ff.load_options(db).towns]


@pytest.mark.parametrize("page, params", [(p, OPEN.get(p)) for p in PAGES if p not in ("data", "briefing", "overview")]
                         + [("credit-villages", {"rank_by": "新增用信完成率"})])   # a percentage axis
def test_a_town_change_keeps_every_chart_spec(app, towns, page, params):
    at = app(query_params=params, page=PAGES[page][0])
    seen = []
    for scope in ([], [towns[0]], [towns[0], towns[1]], towns[:4]):   # from the county, as a link opens
        at.multiselect(key="town").set_value(scope).run()
        assert not at.exception, (page, scope)
        seen.append(drawn(at))
    assert seen[0], f"{page}: no chart drawn"
    for before, after in zip(seen, seen[1:]):
        assert before.keys() == after.keys()
        for place, spec in after.items():
            assert spec == before[place], f"{page}: the chart at {place} changed its spec with the data"


def test_row_order_sorts_by_a_column_not_a_list():
    import pandas as pd

    df = pd.DataFrame({"乡镇": ["乙镇", "甲镇", "丙镇"], "v": [3, 2, 1]})
    assert list(widgets.in_row_order(df)[widgets.ROW_ORDER]) == [0, 1, 2]
    spans = pd.DataFrame({"name": ["甲", "乙", "甲", "丁"]})
    assert list(widgets.in_row_order(spans, "name", ["乙", "甲"])[widgets.ROW_ORDER]) == [1, 0, 1, 2]
    # a value listed twice keeps its first place, as in a sort list
    assert list(widgets.in_row_order(spans, "name", ["乙", "甲", "乙"])[widgets.ROW_ORDER]) == [1, 0, 1, 3]
    # ... and a value not listed comes after every listed one
    assert list(widgets.in_row_order(spans, "name", ["乙", "甲", "乙", "丙"])[widgets.ROW_ORDER]) == [1, 0, 1, 4]
    assert widgets.row_order().to_dict() == {"field": widgets.ROW_ORDER, "op": "min", "order": "ascending"}
