"""Share links through the real pages (AppTest): every parameter of every page is
applied exactly or named in the notice; unknown names are named and removed;
nothing from a link or an import renders as Markdown.

The parameters are not restated here: each run records the Params its page
declared (``ui.filters.PARAMS_KEY``), so a parameter added to a page is fuzzed
without touching this file.
"""
from __future__ import annotations

import math
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance_core import links
from tests.apptest_support import clear_streamlit_caches, link_labels, navigation_mode, new_app, shown_text
from ui.filters import PARAMS_KEY, escape
from ui.nav import PAGES, path_notice

PAGE_FILES = [file for file, _, _ in PAGES.values()]
EXAMPLES = int(os.environ.get("LINK_APP_EXAMPLES", 8))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=bool(os.environ.get("CI")),
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
DECORATIONS = ["", " ", "\u3000", "\u200b", "\ufeff", "\u202e", "\u2060"]
UNKNOWN = ["Town", "TOWN", "towns", "AS_OF", "as-of", "Bank", "zzz"]
GARBAGE = st.one_of(
    st.sampled_from(["inf", "nan", "-inf", "1e400", "1e20", "-5", "2099-13", "火星镇", "T99", "maybe", "100.5",
                     "![x](http://127.0.0.1:9/p.png)", "[请点此重新登录](http://x.test)", ":red[**x**]", "$x^2$"]),
    st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S"]), min_size=1, max_size=10),
)


@pytest.fixture
def run(monkeypatch, demo_db):
    """``run(page, query) -> AppTest`` with warm caches (one county, many links)."""
    monkeypatch.setenv("FINANCE_DB", str(demo_db))
    monkeypatch.setenv("FINANCE_EDITING", "1")  # the data page's tabs are for editors
    clear_streamlit_caches()
    with navigation_mode():
        def go(page: str, query: dict | None = None):
            at = new_app()
            for key, value in (query or {}).items():
                at.query_params[key] = value
            at.switch_page(page)
            at.run()
            assert not at.exception, [e.message for e in at.exception]
            return at
        yield go
    clear_streamlit_caches()


def declared(at) -> dict[str, links.Param]:
    return {p.name: p for p in at.session_state[PARAMS_KEY]}


def notice_text(at) -> str:
    return shown_text("\n".join(w.value for w in at.warning))


@st.composite
def valid_value(draw, p: links.Param):
    """(text in the link, the value it means) for a value the declaration allows."""
    if p.kind in (links.CHOICE, links.MULTI, links.MONTH):
        pairs = [(str(c), c) for c in p.choices] + [(a, c) for a, c in p.aliases]
        if not pairs:
            return draw(GARBAGE), None
        text, value = draw(st.sampled_from(pairs))
    elif p.kind == links.BOOL:
        value = draw(st.booleans())
        text = draw(st.sampled_from([str(value).lower(), str(value).upper()]))
    else:
        k = draw(st.integers(0, int(round((p.hi - p.lo) / p.step))))
        value = round(p.lo + k * p.step, 10)
        text = links.format_number(value, p.integer)
    return draw(st.sampled_from(DECORATIONS)) + text + draw(st.sampled_from(DECORATIONS)), value


def widget_value(at, p: links.Param):
    if p.name not in at.session_state:
        # the widget is not on screen this run (a lazy tab): the link keeps the value for it
        texts = at.query_params[p.name] if p.name in at.query_params else []
        texts = [texts] if isinstance(texts, str) else list(texts)
        found = [p.parse_one(t)[0] for t in texts]
        if p.kind == links.MULTI:
            return tuple(found)
        return found[-1] if found else p.default
    value = at.session_state[p.name]
    if p.kind == links.MULTI:
        return tuple(value or ())
    if p.kind == links.CHOICE and value is None:
        return p.default
    return value


def same(p, a, b) -> bool:
    if p.kind == links.NUMBER:
        return a is not None and b is not None and math.isclose(float(a), float(b), abs_tol=1e-9)
    return a == b


def accepted(p: links.Param, text: str, meant):
    """(value, must be named) — what the page's own declaration (of this run) makes
    of a generated value: ``None`` when refused; a number off its step is applied
    rounded *and* named."""
    if not links.normalise(text):
        return None, False
    value, reason = p.parse_one(links.normalise(text))
    if meant is not None and p.kind in (links.CHOICE, links.MULTI, links.MONTH) and meant not in p.choices:
        return None, True  # valid in general, not here (a drill-down town outside the town filter)
    return value, value is None or reason is not None


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_parameter_is_applied_exactly_or_named(run, page):
    params = list(declared(run(page)).values())
    assert params, f"{page} declares no link parameters"

    @SETTINGS
    @given(st.data())
    def check(draw):
        query, meant = {}, {}
        for p in draw.draw(st.lists(st.sampled_from(params), unique_by=lambda p: p.name, max_size=4)):
            items = draw.draw(st.lists(st.one_of(valid_value(p), GARBAGE.map(lambda g: (g, None))),
                                       min_size=1, max_size=3))
            query[p.name], meant[p.name] = [t for t, _ in items], [v for _, v in items]
        unknown = draw.draw(st.lists(st.sampled_from(UNKNOWN), unique=True, max_size=2))
        for name in unknown:
            query[name] = ["城关镇"]
        at = run(page, query)
        now, text = declared(at), notice_text(at)
        for name, texts in query.items():
            if name in unknown:
                assert f"链接参数 {name} 不是本页的参数" in text and name not in at.query_params
                continue
            p = now[name]
            got = widget_value(at, p)
            judged = [accepted(p, t, v) for t, v in zip(texts, meant[name])]
            values = [v for v, _ in judged]
            for t, (_, named) in zip(texts, judged):
                if named:
                    assert links.shown(t) in text, (name, t, text)
            if p.kind == links.MULTI:
                want = []
                for v in values:
                    if v is not None and v not in want:
                        want.append(v)
                assert set(got) == set(want), (name, texts, got)
            else:
                last = values[-1]
                assert same(p, got, p.default if last is None else last), (name, texts, got, p.default)
                for t in texts[:-1]:
                    if links.normalise(t):
                        assert links.shown(t) in text, (name, t, text)

    check()


# --- markup from a link or an import never renders ---------------------------------
def test_escape_neutralises_markdown_directives_and_latex():
    for value in ("![x](http://127.0.0.1/p.png)", "[请点此重新登录](http://x)", ":red[**x**]", "$x^2$",
                  ":material/home:", "<b>x</b>", "# 标题", "`code`", "a\\b"):
        escaped = escape(value)
        assert shown_text(escaped) == value
        for ch in "![]():$*`#<>":
            assert f"{ch}" not in escaped.replace(f"\\{ch}", "")


MARKUP = "![x](http://127.0.0.1:9/p.png)"


def _unescaped_markup(at) -> list[str]:
    """Markdown sources on the page holding the markup unescaped."""
    sources = ([w.value for w in at.warning] + [m.value for m in at.markdown] + [c.value for c in at.caption]
               + link_labels(at))
    return [s for s in sources if MARKUP in s or "](http" in s and "查看" not in s]


@pytest.mark.parametrize("query", [
    {"town": MARKUP}, {"as_of": MARKUP}, {"bank": ":red[**x**]"}, {MARKUP: "1"},
])
def test_link_values_in_notices_are_escaped(run, query):
    at = run("pages/overview.py", query)
    assert at.warning and not _unescaped_markup(at)
    assert list(query.values())[0] in notice_text(at) or list(query)[0] in notice_text(at)


@pytest.mark.parametrize("page, query", [
    ("pages/microloans.py", {"by": MARKUP}),
    ("pages/ipo.py", {"company": MARKUP, "tab": "$x^2$"}),
    ("pages/credit-villages.py", {"village_town": "[请点此重新登录](http://x.test)"}),
    ("pages/guarantees.py", {"product": ":red[**x**]", "capital_add": "$1$"}),
])
def test_page_parameter_values_in_notices_are_escaped(run, page, query):
    at = run(page, query)
    assert at.warning and not _unescaped_markup(at)
    assert "$" not in notice_text(at).replace("$x^2$", "").replace("$1$", "")


def test_imported_names_in_captions_flags_and_tables_are_escaped(run, writable_db, monkeypatch):
    """A town named with Markdown (an import can carry any text) shows literally in the
    scope caption, the red-flag list, the IPO detail caption, the table cells and the brief."""
    from finance_core import db as fdb

    with fdb.opened(writable_db) as db:
        code, = db.execute("SELECT code FROM towns ORDER BY code LIMIT 1").fetchone()
        db.execute("UPDATE towns SET name = ? WHERE code = ?", [MARKUP, code])
        company, = db.execute("SELECT name FROM companies WHERE town_code = ? LIMIT 1", [code]).fetchone() or (None,)
        db.conn.commit()
    monkeypatch.setenv("FINANCE_DB", str(writable_db))
    clear_streamlit_caches()
    at = run("pages/overview.py", {"town": code})
    assert not _unescaped_markup(at)
    assert any(MARKUP in shown_text(c.value) for c in at.caption)  # the scope caption names it, escaped
    at = run("pages/credit-villages.py", {"town": code})
    assert not _unescaped_markup(at)
    assert MARKUP in set(at.dataframe[0].value["乡镇"])  # a table cell holds the text as it is
    if company:
        at = run("pages/ipo.py", {"company": company})
        assert not _unescaped_markup(at)
        assert any(MARKUP in shown_text(c.value) for c in at.caption)
    at = run("pages/briefing.py", {"town": code})
    assert not _unescaped_markup(at)
    assert MARKUP in at.text_area[0].value  # brief text is plain text (a text area), never Markdown


def test_unknown_names_are_named_and_removed_but_kept_after_a_wrong_path(run):
    at = run("pages/credit-villages.py", {"Town": "城关镇", "as-of": "2026-06", "usage_target": "0.7"})
    text = notice_text(at)
    assert "Town" in text and "应为 town" in text and "as-of" in text and "应为 as_of" in text
    assert "Town" not in at.query_params and "as-of" not in at.query_params
    assert at.session_state["usage_target"] == 0.7 and at.multiselect(key="town").value == []


def test_wrong_page_path_notice():
    assert path_notice("microloans") is None and path_notice("") is None
    notice = path_notice("Microloans")
    assert "/Microloans" in notice and "总览" in notice and "/microloans" in notice and "小额信贷" in notice
    assert "/credit-villages" in path_notice("credit_villages")
    assert "可能" not in path_notice("foo")


@pytest.mark.parametrize("page, query, key, want, named", [
    ("pages/credit-villages.py", {"usage_target": ["0.5", "0.7"]}, "usage_target", 0.7, "0.5"),
    ("pages/microloans.py", {"fund_share": ["1.0", "1.0"]}, "fund_share", 1.0, "出现了 2 次"),
    ("pages/microloans.py", {"by": ["银行", "乡镇"]}, "by", "乡镇", "银行"),
    ("pages/credit-villages.py", {"flagged": "TRUE"}, "flagged", True, None),
    ("pages/guarantees.py", {"capital_add": "100.5"}, "capital_add", 100, "100.5"),
    ("pages/guarantees.py", {"capital_add": "inf"}, "capital_add", 0, "inf"),
    ("pages/overview.py", {"as_of": [" 2026-09"]}, "as_of", "2026-09", None),
    ("pages/overview.py", {"town": ["城关镇", "T02"], "bank": "农商行\u200b"}, "town", ["城关镇", "清溪镇"], None),
    ("pages/overview.py", {"as_of": ["2099-13", "2025-06"]}, "as_of", "2025-06", "2099-13"),
])
def test_issue_examples(run, page, query, key, want, named):
    """The examples of issues 19 (item 12) and 20, one by one."""
    at = run(page, query)
    assert at.session_state[key] == want
    if named:
        assert named in notice_text(at)
    else:
        assert not at.warning
