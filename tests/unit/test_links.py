"""The link-parameter contract in finance_core.links: normalisation, repeats,
numbers, aliases, unknown names, and the link builder round trip."""
import os
from urllib.parse import parse_qs

from hypothesis import given, settings
from hypothesis import strategies as st

from finance_core import filters as ff
from finance_core import links

OPTS = ff.FilterOptions(
    months=("2024-06", "2024-05"),
    towns=(("T01", "城关镇"), ("T02", "高峰乡")),
    banks=(("RCB", "农商行"), ("PSBC", "邮储银行")),
)
USAGE = links.Param("usage_target", "目标用信率", links.NUMBER, default=0.6, lo=0.0, hi=1.0, step=0.01)
CAPITAL = links.Param("capital_add", "新增注资（万元）", links.NUMBER, default=0, lo=0, hi=500_000, step=1,
                      integer=True)
FLAGGED = links.Param("flagged", "只看预警村", links.BOOL, default=False)
BY = links.Param("by", "分组", links.CHOICE, ("乡镇", "银行"), "乡镇")

SETTINGS = settings(max_examples=int(os.environ.get("LINK_EXAMPLES", 200)), deadline=None,
                    derandomize=bool(os.environ.get("CI")))


def test_normalise_trims_strips_invisibles_and_folds_width():
    assert links.normalise(" 城关镇") == "城关镇"
    assert links.normalise("农商行\u200b") == "农商行"
    assert links.normalise("\u202e城关\u200d镇\ufeff") == "城关镇"
    assert links.normalise("\u3000２０２６－０６\t") == "2026-06"
    assert links.normalise("城关 镇") == "城关 镇"  # an inner space is part of the value


def test_whitespace_and_invisible_characters_are_applied_not_dropped():
    f, notices = ff.validate(OPTS, {"as_of": [" 2024-05"], "town": [" 城关镇"], "bank": ["农商行\u200b"]})
    assert notices == []
    assert f == ff.Filters("2024-05", ("T01",), ("RCB",))


def test_codes_are_aliases_of_names():
    f, notices = ff.validate(OPTS, {"town": ["T02", "城关镇", "T01"], "bank": "RCB"})
    assert notices == [] and f.towns == ("T01", "T02") and f.banks == ("RCB",)


def test_repeated_single_valued_parameter_last_wins_and_the_others_are_named():
    f, notices = ff.validate(OPTS, {"as_of": ["2099-13", "2024-05"]})
    assert f.as_of == "2024-05"
    assert len(notices) == 1 and "2099-13" in notices[0] and "最后" in notices[0]
    parsed = links.parse([USAGE], {"usage_target": ["0.5", "0.7"]})
    assert parsed.values["usage_target"] == 0.7 and "0.5" in parsed.notices[0]
    parsed = links.parse([BY], {"by": ["银行", "乡镇"]})
    assert parsed.values["by"] == "乡镇" and "银行" in parsed.notices[0]


def test_last_value_invalid_falls_back_to_default_and_names_both():
    parsed = links.parse([USAGE], {"usage_target": ["0.5", "abc"]})
    assert parsed.values["usage_target"] == 0.6
    text = " ".join(parsed.notices)
    assert "0.5" in text and "abc" in text


def test_numbers_reject_inf_nan_overflow_and_out_of_range():
    for bad, reason in (("inf", "有限"), ("-inf", "有限"), ("nan", "有限"), ("1e400", "有限"),
                        ("Infinity", "有限"), ("1e20", "超出范围"), ("-1", "超出范围"), ("abc", "不是数字")):
        parsed = links.parse([CAPITAL], {"capital_add": [bad]})
        assert parsed.values["capital_add"] == 0, bad
        assert reason in parsed.notices[0] and bad in parsed.notices[0], bad


def test_off_step_numbers_are_rounded_with_a_notice():
    parsed = links.parse([CAPITAL], {"capital_add": ["100.5"]})
    assert parsed.values["capital_add"] == 100 and "整数" in parsed.notices[0]
    assert parsed.canonical["capital_add"] == ["100"]
    parsed = links.parse([USAGE], {"usage_target": ["0.555"]})
    assert abs(parsed.values["usage_target"] - 0.56) < 1e-12 and "0.555" in parsed.notices[0]
    parsed = links.parse([USAGE], {"usage_target": ["0.70"]})  # on the step: no notice
    assert parsed.values["usage_target"] == 0.7 and parsed.notices == [] and parsed.canonical["usage_target"] == ["0.7"]


def test_booleans_any_case_and_garbage_named():
    assert links.parse([FLAGGED], {"flagged": ["TRUE"]}).values["flagged"] is True
    parsed = links.parse([FLAGGED], {"flagged": ["maybe"]})
    assert parsed.values["flagged"] is False and "maybe" in parsed.notices[0]


def test_value_that_is_only_invisible_is_named():
    parsed = links.parse([BY], {"by": ["\u200b"]})
    assert parsed.values["by"] == "乡镇" and len(parsed.notices) == 1
    assert links.parse([BY], {"by": [""]}).notices == []  # what a cleared widget writes


def test_unavailable_choice_says_why():
    p = links.Param("village_town", "下钻乡镇", links.CHOICE, ("城关镇",),
                    unavailable=(("高峰乡", "不在当前筛选的乡镇范围内"),))
    parsed = links.parse([p], {"village_town": ["高峰乡"]})
    assert "不在当前筛选的乡镇范围内" in parsed.notices[0] and "不存在" not in parsed.notices[0]


def test_unknown_names_are_named_with_a_hint():
    params = ff.shared_params(OPTS)
    unknown, notices = links.unknown_names(["Town", "as-of", "towns", "BANK", "town", "foo"], params)
    assert unknown == ["Town", "as-of", "towns", "BANK", "foo"]
    assert "应为 town" in notices[0] and "应为 as_of" in notices[1] and "应为 town" in notices[2]
    assert "应为 bank" in notices[3] and "foo" in notices[4] and "应为" not in notices[4]


def test_old_names_are_read():
    p = links.Param("usage_target", "目标用信率", links.NUMBER, default=0.6, lo=0, hi=1, old_names=("usage",))
    assert links.parse([p], {"usage": ["0.8"]}).values["usage_target"] == 0.8
    assert links.unknown_names(["usage"], [p])[0] == []


def test_long_rejected_values_are_cut_in_the_notice():
    parsed = links.parse([BY], {"by": ["x" * 500]})
    assert len(parsed.notices[0]) < 120 and "…" in parsed.notices[0]


# --- properties -------------------------------------------------------------------
PARAMS = [*ff.shared_params(OPTS), USAGE, CAPITAL, FLAGGED, BY]
DECORATIONS = ["", " ", "\u3000", "\u200b", "\ufeff", "\u200e", "\u2060"]


@st.composite
def valid_value(draw, p):
    """(text in the link, the value it means)"""
    if p.kind in (links.CHOICE, links.MULTI, links.MONTH):
        pairs = [(str(c), c) for c in p.choices] + [(a, c) for a, c in p.aliases]
        text, value = draw(st.sampled_from(pairs))
    elif p.kind == links.BOOL:
        value = draw(st.booleans())
        text = draw(st.sampled_from([str(value).lower(), str(value).upper(), str(value)]))
    else:
        k = draw(st.integers(0, int(round((p.hi - p.lo) / p.step))))
        value = round(p.lo + k * p.step, 10)
        text = draw(st.sampled_from([links.format_number(value, p.integer), repr(float(value))]))
    before, after = draw(st.sampled_from(DECORATIONS)), draw(st.sampled_from(DECORATIONS))
    return before + text + after, value


GARBAGE = st.one_of(
    st.sampled_from(["inf", "nan", "-inf", "1e400", "1e20", "-5", "2099-13", "火星镇", "T99", "maybe",
                     "![x](http://127.0.0.1/p.png)", ":red[**x**]", "$x^2$", "0x10", "1_0"]),
    st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]), min_size=1, max_size=12),
)


@st.composite
def link(draw):
    """A raw link over PARAMS and what each parameter should end up as."""
    raw, meant, garbage = {}, {}, {}
    for p in draw(st.lists(st.sampled_from(PARAMS), unique_by=lambda p: p.name, max_size=len(PARAMS))):
        items = draw(st.lists(st.one_of(valid_value(p), GARBAGE.map(lambda g: (g, None))), min_size=1, max_size=3))
        raw[p.name] = [t for t, _ in items]
        meant[p.name] = [v for _, v in items]
    return raw, meant


def _is_valid_garbage(p, text):
    """Some generated 'garbage' happens to be valid (a town name typed by hypothesis)."""
    value, reason = p.parse_one(links.normalise(text))
    return value is not None and reason is None


@SETTINGS
@given(link())
def test_every_value_is_applied_exactly_or_named(case):
    raw, meant = case
    parsed = links.parse(PARAMS, raw)
    text = "\n".join(parsed.notices)
    for p in PARAMS:
        if p.name not in raw:
            assert parsed.values[p.name] == (() if p.kind == links.MULTI else p.default)
            continue
        pairs = list(zip(raw[p.name], meant[p.name]))
        if p.kind == links.MULTI:
            want = []
            for t, v in pairs:
                if v is None and _is_valid_garbage(p, t):
                    v = p.parse_one(links.normalise(t))[0]
                if v is None:
                    assert links.shown(t) in text or not links.normalise(t).strip()
                elif v not in want:
                    want.append(v)
            assert parsed.values[p.name] == tuple(want)
            continue
        last_text, last = pairs[-1]
        if last is None and _is_valid_garbage(p, last_text):
            last = p.parse_one(links.normalise(last_text))[0]
        if last is not None:
            assert parsed.values[p.name] == last
        else:
            assert parsed.values[p.name] == p.default
            assert links.shown(last_text) in text
        for t, _ in pairs[:-1]:  # earlier values of a single-valued parameter are named
            assert links.shown(t) in text


@SETTINGS
@given(st.fixed_dictionaries({
    "as_of": st.sampled_from(OPTS.months),
    "town": st.lists(st.sampled_from([n for _, n in OPTS.towns]), unique=True),
    "bank": st.lists(st.sampled_from([n for _, n in OPTS.banks]), unique=True),
    "usage": st.integers(0, 100).map(lambda k: round(k * 0.01, 10)),
    "flagged": st.booleans(),
}))
def test_the_link_builder_round_trips_through_the_parser(v):
    f = ff.validate(OPTS, {"as_of": v["as_of"], "town": v["town"], "bank": v["bank"]})[0]
    qs = ff.query_string(OPTS, f, usage_target=v["usage"], flagged=v["flagged"])
    raw = parse_qs(qs, keep_blank_values=True)
    back, notices = ff.validate(OPTS, raw)
    assert back == f and notices == []
    parsed = links.parse([USAGE, FLAGGED], raw)
    assert parsed.notices == [] and parsed.values == {"usage_target": v["usage"], "flagged": v["flagged"]}


def test_numbers_are_plain_decimals():
    for bad in ("1_0", "0x10", "1,5", "１_０", "10%"):
        parsed = links.parse([CAPITAL], {"capital_add": [bad]})
        assert parsed.values["capital_add"] == 0 and parsed.notices, bad
    assert links.parse([CAPITAL], {"capital_add": ["１０００"]}).values["capital_add"] == 1000  # full width
