"""ui/widgets.chart's spec override: projection fonts, no schema check, and no
reference cycle (the post-run full garbage collection is off)."""
import gc
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
