"""House rules that a test can check: layering and what pages may contain."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL = re.compile(r"\b(select|insert|update|delete)\b.+\b(from|into|set)\b", re.I)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_finance_core_never_imports_streamlit():
    files = sorted((ROOT / "finance_core").rglob("*.py"))
    assert files
    offenders = [str(p.relative_to(ROOT)) for p in files if "streamlit" in _imports(p)]
    assert offenders == []


def test_pages_hold_no_sql_and_stay_thin():
    pages = sorted((ROOT / "pages").glob("*.py"))
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not SQL.search(text), f"SQL in {page.name}"
        assert "sqlite" not in text, f"{page.name} talks to the database directly"
        assert len(text.splitlines()) <= 200, f"{page.name} is too long: logic has leaked into it"


def test_only_ui_layers_import_streamlit():
    allowed = {"app.py", "pages", "ui", "tests", "bench", "scripts"}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0].startswith(".") or rel.parts[0] in allowed:
            continue
        assert "streamlit" not in _imports(path), f"{rel} imports streamlit"


def test_every_registered_page_exists():
    from ui.nav import PAGES

    assert list(PAGES)[0] == "overview"
    for path, (file, title, icon) in PAGES.items():
        assert (ROOT / file).exists(), file
        assert re.fullmatch(r"[a-z][a-z-]*", path)
