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
