"""Every chart a page draws is valid Vega-Lite.

ui/widgets draws charts without Altair's schema checks (in ``to_dict`` and in
``properties()``: they cost more than the rest of a chart), so this test is where
a chart's spec is checked: every page, for the county, one town, one bank and the
first data month, each spec against Vega-Lite's own JSON schema as Altair ships it."""
import json

import altair as alt
import jsonschema
import pytest

from finance_core import filters as ff
from ui.nav import PAGES

SCHEMA = alt.vegalite.v6.schema.core.load_schema()


def drawn_specs(at) -> list[dict]:
    out = []

    def walk(node):
        children = getattr(node, "children", None)
        for c in (children.values() if isinstance(children, dict) else []):
            if type(c).__name__ == "UnknownElement" and c.type == "vega_lite_chart":
                out.append(json.loads(c.proto.spec))
            walk(c)
    walk(at._tree)
    return out


def schema_errors(spec: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(spec)]


def test_the_check_finds_a_wrong_property():
    good = {"mark": "bar", "encoding": {"x": {"field": "a", "type": "quantitative"}}, "data": {"name": "d"}}
    assert schema_errors(good) == []
    assert schema_errors({**good, "height": "tall"})
    assert schema_errors({**good, "mark": {"type": "bar", "strokeWidht": 2}})


@pytest.fixture(scope="module")
def options(demo_db):
    from finance_core import db as fdb

    with fdb.opened(demo_db) as db:
        return ff.load_options(db)


# the tab a page draws its charts in, when they are not on its first tab
OPEN = {"ipo": {"tab": "进度图表"}}


@pytest.mark.parametrize("page", [p for p in PAGES if p not in ("data", "briefing")])
def test_every_drawn_chart_is_valid_vega_lite(app, options, page):
    at = app(query_params=OPEN.get(page), page=PAGES[page][0])
    seen = 0
    for label, steps in (("全县", []), ("one town", [("town", [options.towns[-1][1]])]),
                         ("one bank", [("town", []), ("bank", [options.banks[0][1]])]),
                         ("first month", [("bank", []), ("as_of", options.months[-1])])):
        for key, value in steps:
            (at.selectbox(key=key) if key == "as_of" else at.multiselect(key=key)).set_value(value).run()
        assert not at.exception, (page, label)
        for spec in drawn_specs(at):
            seen += 1
            assert schema_errors(spec) == [], (page, label, spec.get("title"))
    assert seen or page == "overview"   # every area page draws charts
