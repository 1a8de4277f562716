"""Issue 19 items 3, 4 and 11 at the configuration level: no error details in the
browser (the log has them), no built-in table CSV download, a local page icon."""
from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_production_config_hides_error_details_and_table_downloads():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["disableDataExport"] is True


def test_an_exception_shows_no_details(app, monkeypatch):
    """With the production config an uncaught error shows Streamlit's generic
    message: no exception text, no server path."""
    from finance_core import overview

    def boom(*args, **kwargs):
        raise RuntimeError("/srv/secret/path integer overflow")

    monkeypatch.setattr(overview, "area_kpis", boom)
    at = app()
    assert at.exception
    shown = " ".join(str(e.message) for e in at.exception) + " ".join(
        " ".join(e.stack_trace or []) for e in at.exception)
    assert "/srv/secret/path" not in shown and "RuntimeError" not in shown


def test_page_icon_is_inline_not_fetched():
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "set_page_config"]
    (call,) = calls
    icon = next(k.value for k in call.keywords if k.arg == "page_icon")
    assert ast.unparse(icon) == "nav.PAGE_ICON"
    from streamlit.commands.page_config import _get_favicon_string

    from ui import nav

    # served as a data URL: the browser requests nothing for it
    assert _get_favicon_string(nav.PAGE_ICON).startswith("data:image/svg+xml;base64,")
