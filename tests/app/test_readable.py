"""Readable on a projector (issue 17), the parts that need no browser: the
status palette's contrast, status words with marks, neutral stage cards,
one message per panel for an empty scope, and 测算后 beside 当前."""
from __future__ import annotations

import pytest

from finance_core import config, credit, guarantees, microloans
from finance_core import db as fdb
from finance_core.money import fmt_pct
from finance_core import filters as ff
from ui import widgets
from tests.apptest_support import cards


def contrast(hex_a: str, hex_b: str = "#FFFFFF") -> float:
    """WCAG 2 contrast ratio, computed from the definition."""
    def lum(h):
        rgb = [int(h[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((lum(hex_a), lum(hex_b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_helper_matches_known_values():
    assert contrast("#000000") == pytest.approx(21.0)
    assert contrast("#777777") == pytest.approx(4.48, abs=0.01)   # the classic just-fails grey


@pytest.mark.parametrize("colour", [*config.PALETTE.values(), config.ACCENT, widgets.CHART_TEXT])
def test_every_status_and_chart_text_colour_reads_on_white(colour):
    assert contrast(colour) >= 4.5


def test_status_words_carry_a_mark_and_one_colour_per_level():
    assert config.status_text("领先") == "✓ 领先" and config.status_text("正常") == "✓ 正常"
    assert config.status_text("落后") == "⚠ 落后" and config.status_text("接近额度") == "⚠ 接近额度"
    assert config.status_text("超限") == "✕ 超限" and config.status_text("回退") == "✕ 回退"
    assert config.status_colour("领先") == config.status_colour("正常") == config.PALETTE[config.GOOD]
    assert config.status_colour("接近") == config.status_colour("落后") == config.PALETTE[config.WARN]
    assert config.status_colour("超限") == config.PALETTE[config.BAD]
    assert len(set(config.PALETTE.values())) == len(config.PALETTE)


def test_chart_helper_sets_projection_fonts():
    import altair as alt
    import pandas as pd

    spec = alt.Chart(pd.DataFrame({"a": [1]})).mark_bar().encode(x="a:Q")
    captured = {}

    class Target:
        def altair_chart(self, chart, **kw):
            captured["spec"] = chart.to_dict()

    widgets.chart(spec, container=Target())
    axis = captured["spec"]["config"]["axis"]
    assert axis["labelFontSize"] >= 14 and axis["titleFontSize"] >= 14 and axis["labelColor"] == widgets.CHART_TEXT
    assert captured["spec"]["config"]["legend"]["labelFontSize"] >= 14


def test_ipo_stage_cards_are_neutral(app, demo_db):
    """A company moving on empties its stage: the overview's stage cards that
    moved are grey, not red or green; a rate card keeps its colour."""
    from finance_core import ipo

    at = app()
    moved = [m for m in cards(at) if m.label in ipo.STAGES[:-1] and m.delta not in ("", "0")]
    assert moved, "no stage moved in the demo's latest month"
    assert {m.level for m in moved} == {"off"}
    usage = next(m for m in cards(at) if m.label == "用信率（金额）")
    assert usage.level in ("good", "bad")


def _bank_without(db, fn) -> str:
    opts = ff.load_options(db)
    for code, name in opts.banks:
        if fn(ff.Filters(opts.latest, banks=(code,))):
            return name
    pytest.skip("every demo bank has this business")


def test_empty_bank_scope_gives_one_message_per_panel(app, demo_db):
    with fdb.opened(demo_db) as db:
        no_credit = _bank_without(db, lambda f: credit.kpis(db, f)[0].value is None)
        no_loans = _bank_without(db, lambda f: not {k.key: k.value for k in microloans.kpis(db, f)}
                                 .get("ml_cumulative_n"))
        no_guarantees = _bank_without(db, lambda f: not any(
            k.value for k in guarantees.kpis(db, f) if k.key in ("g_outstanding", "g_new_amount", "g_count")))
    at = app({"bank": no_credit}, page="pages/credit-villages.py")
    assert not at.exception
    infos = " ".join(i.value for i in at.info)
    assert "不作乡镇排名" in infos and "不作测算" in infos and "没有村级信用数据" in infos
    assert "需新增授信户数" not in {m.label for m in cards(at)}     # no 65,080 户 for a bank with no business
    assert not any("乡镇" in list(d.value.columns) and "排名" in d.value.columns for d in at.dataframe)

    at = app({"bank": no_loans}, page="pages/microloans.py")
    assert not at.exception
    assert len(at.info) == 1 and "没有发放过" in at.info[0].value and not cards(at)

    at = app({"bank": no_guarantees}, page="pages/guarantees.py")
    assert not at.exception
    assert any("没有在保或当年新增" in i.value for i in at.info)
    charts = [e for e in at.main if type(e).__name__ == "UnknownElement" and hasattr(e.proto, "spec")]
    assert len(charts) == 1   # only the company-wide leverage chart


def test_what_ifs_show_current_beside_the_result(app, demo_db):
    at = app(page="pages/credit-villages.py")
    m = {x.label: x for x in at.metric}
    with fdb.opened(demo_db) as db:
        w = credit.whatif(db, ff.load_options(db).default(), 0.6, 0.45)
    now = w.done / w.target
    assert m["测算后新增用信目标完成率"].proto.delta_description == f"较当前 {fmt_pct(now)}"
    at = app(page="pages/guarantees.py")
    m = {x.label: x for x in at.metric}
    assert m["压力情景后放大倍数"].proto.delta_description.startswith("较当前 ")
    at = app(page="pages/microloans.py")
    m = {x.label: x for x in at.metric}
    assert m["代偿后补偿金余额"].proto.delta_description.startswith("较当前 ")


def test_scripts_survive_streamlit_s_sanitiser():
    """DOMPurify drops a script whose text has '<' before a letter: ours have none,
    and one that does is refused before it silently disappears."""
    import pytest

    from ui import style

    for script in (style.LANG_JS, style.TRANSLATE_JS):
        assert style._safe_script(script) == script
    with pytest.raises(ValueError):
        style._safe_script("<script>// see <the table></script>")
    assert style.UI_WORDS["Search"] == "搜索" and "Fullscreen" in style.TRANSLATE_JS
