"""ui/widgets.chart's spec override: projection fonts, no schema check, and no
reference cycle (the post-run full garbage collection is off)."""
import gc
import json
import weakref

import altair as alt
import pandas as pd

from ui import widgets


def test_a_drawn_chart_is_freed_without_the_cycle_collector():
    chart = alt.Chart(pd.DataFrame({"a": [1, 2]})).mark_bar().encode(x="a:Q")
    widgets._no_validation(chart)
    spec = chart.to_dict()
    assert spec["config"]["axis"]["labelFontSize"] == widgets.CHART_CONFIG["axis"]["labelFontSize"]
    ref = weakref.ref(chart)
    gc.disable()
    try:
        del chart
        assert ref() is None   # freed by reference counting alone
    finally:
        gc.enable()


def _charts():
    df = pd.DataFrame({"月份": ["2026-01", "2026-02"], "余额（亿元）": [1.5, 2.0], "银行": ["甲", "乙"]})
    line = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("月份:O", title=None), y="余额（亿元）:Q", color={"field": "银行", "type": "nominal"},
        tooltip=["月份:O", "银行:N", alt.Tooltip("余额（亿元）:Q", format=".2f")])
    rule = alt.Chart(pd.DataFrame({"目标": [1.8]})).mark_rule().encode(y="目标:Q", color=alt.value("#B45309"))
    bars = alt.Chart(df).mark_bar().encode(y=alt.Y("银行:N", sort=["乙", "甲"]), x="sum(余额（亿元）):Q",
                                          opacity=alt.condition(alt.datum.银行 == "甲", alt.value(1), alt.value(0.5)))
    return [line, alt.layer(line, rule), bars]


def test_the_kept_altair_class_lookup_makes_the_same_specs():
    """widgets keeps Altair's schema-class lookup instead of rebuilding it for every
    channel: the specs are exactly those Altair makes on its own."""
    from altair.utils import schemapi

    kept = schemapi.SchemaBase.__dict__["from_dict"]   # the classmethod itself, not one bound to SchemaBase
    assert kept.__func__._kept_lookup
    with_lookup = [c.to_dict() for c in _charts()]
    schemapi.SchemaBase.from_dict = classmethod(kept.__func__._original)
    try:
        assert [c.to_dict() for c in _charts()] == with_lookup
    finally:
        schemapi.SchemaBase.from_dict = kept


def test_the_cheaper_build_names_views_by_their_data():
    """widgets names a layer's views from a digest of the frame, not its printout,
    and leaves properties() unchecked: a chart without selections comes out exactly
    as Altair makes it; with one, the same data gives the same view names and other
    data other names, as with Altair's own hash."""
    from altair.vegalite.v6 import api
    from altair.utils import schemapi

    def with_selection(df):
        pick = alt.selection_point(name="pick", fields=["银行"])
        bars = alt.Chart(df).mark_bar().encode(y="银行:N", x="余额（亿元）:Q").add_params(pick)
        text = alt.Chart(df).mark_text().encode(y="银行:N", x="余额（亿元）:Q", text="余额（亿元）:Q")
        return bars + text

    def views(spec):
        return [layer.get("name") for layer in spec["layer"]]

    df = _charts()[0].data
    other = df.assign(**{"余额（亿元）": [9.0, 9.5]})
    assert api.Chart._compute_hash._cheaper
    ours = [c.to_dict() for c in _charts()]
    named, named_again, named_other = (with_selection(d).to_dict() for d in (df, df.copy(), other))
    cheap_hash, check = api.Chart._compute_hash, schemapi.SchemaBase.__dict__["validate_property"]
    api.Chart._compute_hash = cheap_hash._original
    schemapi.SchemaBase.validate_property = check.__func__._original
    try:
        assert [c.to_dict() for c in _charts()] == ours
        altairs = with_selection(df).to_dict()
    finally:
        api.Chart._compute_hash, schemapi.SchemaBase.validate_property = cheap_hash, check
    assert views(named) == views(named_again) != views(named_other)
    assert views(named)[0].startswith("view_") and views(named)[0] != views(altairs)[0]

    def unnamed(spec):   # the spec with its view names replaced by one word
        text = json.dumps(spec, sort_keys=True, ensure_ascii=False)
        for name in views(spec):
            if name:
                text = text.replace(name, "VIEW")
        return text
    assert unnamed(named) == unnamed(altairs)
