"""As-at links through the real pages (AppTest): a pinned link shows the banner and
the figures of its version; a bad ``v=`` is dropped with a notice; an unpinned
link shows the current data exactly as before."""
from __future__ import annotations

import os
import shutil

import pytest

from finance_core import asat, credit, versions
from finance_core import db as fdb
from finance_core.filters import Filters
from finance_core.money import fmt_money
from tests.apptest_support import card_values, shown_text
from tests.unit.test_asat_core import NOV, _apply

PAGE = "pages/credit-villages.py"


@pytest.fixture(scope="module")
def county(tmp_path_factory, demo_db):
    """The demo county after November's first import (version ``v1``), then 邮储银行's
    late submission and 农商行's correction (versions after ``v1``)."""
    path = tmp_path_factory.mktemp("asat_app") / "county.db"
    shutil.copy(demo_db, path)
    vs = _apply(path, 3)
    return path, vs


def _granted(path) -> str:
    with fdb.opened(path) as d:
        return fmt_money(credit.totals(d, Filters(NOV)).granted_amount)


def _metrics(at) -> dict[str, str]:
    return card_values(at)


def _qp(at, name) -> list[str]:
    value = at.query_params.get(name)
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def _text(at) -> str:
    return shown_text("\n".join(m.value for m in at.markdown))


def test_a_pinned_link_shows_the_banner_and_the_old_figures(app, county):
    path, vs = county
    at = app({"v": str(vs[0]), "as_of": NOV}, page=PAGE, db_path=path)
    assert not at.exception
    then = _granted(asat.snapshot(path, vs[0]))
    assert _metrics(at)["授信金额"] == then != _granted(path)
    text = _text(at)
    assert "本链接显示" in text and "此后数据已更新 2 次" in text
    changes = next(df.value for df in at.dataframe if "报送单位" in df.value.columns)
    assert list(changes["报送单位"]) == ["邮储银行", "农商行"]
    kpis = next(df.value for df in at.dataframe if "当时" in df.value.columns).set_index("指标")
    assert kpis.loc["授信金额", "当时"] == then and kpis.loc["授信金额", "现在"] == _granted(path)
    assert any(b.label == "查看最新数据" for b in at.button)
    assert _qp(at, "v") == [str(vs[0])]


def test_the_current_view_button_unpins_with_the_same_filters(app, county):
    path, vs = county
    at = app({"v": str(vs[0]), "as_of": NOV, "town": "城关镇"}, page=PAGE, db_path=path)
    next(b for b in at.button if b.label == "查看最新数据").click().run()
    assert not at.exception
    assert _qp(at, "v") == [] and _qp(at, "town") == ["城关镇"]
    assert "本链接显示" not in _text(at)


def test_a_pinned_link_at_the_latest_version_has_no_changes(app, county):
    path, vs = county
    at = app({"v": str(vs[-1])}, page=PAGE, db_path=path)
    assert "此后数据已更新 0 次" in _text(at)
    assert _metrics(at)["授信金额"] == _granted(path)


@pytest.mark.parametrize("bad", ["99999", "abc", "0", "1.5", "-1"])
def test_a_bad_version_is_dropped_with_a_notice(app, county, bad):
    path, vs = county
    at = app({"v": bad, "as_of": NOV}, page=PAGE, db_path=path)
    assert not at.exception
    notice = shown_text("\n".join(w.value for w in at.warning))
    assert "v（数据版本）" in notice and f"不是可以重现的数据版本（可用 1–{vs[-1]}）" in notice
    assert "本链接显示" not in _text(at)
    assert _metrics(at)["授信金额"] == _granted(path)


def test_unpinned_links_are_unchanged(app, county):
    path, _ = county
    at = app({"as_of": NOV}, page=PAGE, db_path=path)
    assert not at.exception and not at.warning
    assert "本链接显示" not in _text(at)
    assert _metrics(at)["授信金额"] == _granted(path)
    assert any(b.label == "固定为当前数据" for b in at.button)


def test_pinning_writes_the_current_version_into_the_link(app, county):
    path, vs = county
    at = app({"as_of": NOV}, page=PAGE, db_path=path)
    next(b for b in at.button if b.label == "固定为当前数据").click().run()
    assert _qp(at, "v") == [str(vs[-1])]
    assert "本链接显示" in _text(at)


def test_the_data_page_ignores_the_pin(app, county, monkeypatch):
    path, vs = county
    monkeypatch.setenv("FINANCE_EDITING", "1")
    at = app({"v": str(vs[0])}, page="pages/data.py", db_path=path)
    assert not at.exception
    assert "数据管理页始终显示最新数据" in shown_text("\n".join(w.value for w in at.warning))
    assert "本链接显示" not in _text(at)


def test_the_overview_and_brief_of_a_pinned_view(app, county):
    path, vs = county
    at = app({"v": str(vs[0]), "as_of": NOV}, page="pages/overview.py", db_path=path)
    assert not at.exception and "此后数据已更新 2 次" in _text(at)
    at = app({"v": str(vs[0]), "as_of": NOV}, page="pages/briefing.py", db_path=path)
    assert not at.exception
    draft = at.text_area[0].value
    assert "固定链接" in draft and versions.time_text(None) not in draft.splitlines()[1]


def test_a_page_switch_keeps_the_pin(app, county):
    path, vs = county
    at = app({"v": str(vs[0]), "as_of": NOV}, page=PAGE, db_path=path)
    at.switch_page("pages/microloans.py").run()
    assert not at.exception
    assert _qp(at, "v") == [str(vs[0])] and "本链接显示" in _text(at)
    # the banner's KPIs are the microloan page's, and its change list is empty (only credit files changed)
    assert "此后数据已更新 2 次" in _text(at) and "（0 项" in _text(at)


def test_a_pinned_export_header_names_the_version(app, county):
    from ui import asat, data

    path, vs = county
    at = app({"v": str(vs[0]), "as_of": NOV}, page=PAGE, db_path=path)
    pin = at.session_state[data.PIN_KEY]
    assert pin["version"] == vs[0]
    line = versions.note_text(pin["version"], pin["at"])
    assert "固定链接" in line and str(vs[0]) in line
    with fdb.opened(pin["path"]) as d:
        assert versions.header(d) == {"数据版本": line}
    assert asat.NO_PIN_PAGES == ("data",)


def test_an_evicted_snapshot_is_rebuilt_not_opened_empty(app, county):
    path, vs = county
    at = app({"v": str(vs[0]), "as_of": NOV}, page=PAGE, db_path=path)
    pinned = at.session_state["_asat_pin"]["path"]
    os.chmod(pinned, 0o644)
    os.unlink(pinned)
    at.run()
    assert not at.exception
    assert _metrics(at)["授信金额"] == _granted(asat.snapshot(path, vs[0])) != _granted(path)
