"""House rules that a test can check: layering and what pages may contain."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
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
        assert len(text.splitlines()) <= 150, f"{page.name} is too long (DESIGN: ~150 lines): logic has leaked into it"


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


# --- the import graph ------------------------------------------------------------------------
def _modules(package: str) -> dict[str, Path]:
    out = {}
    for path in (ROOT / package).rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _targets(module: str, path: Path, node: ast.ImportFrom, known: dict[str, Path]) -> set[str]:
    """The finance_core/ui modules an ``from ... import ...`` statement loads (with their packages)."""
    here = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = (here[: len(here) - node.level + 1] if node.level else []) + (node.module.split(".") if node.module else [])
    out = set()
    for alias in node.names:
        full = ".".join(base + [alias.name])
        hit = full if full in known else ".".join(base)
        parts = hit.split(".")
        out |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & set(known)   # packages run their __init__
    return out


def _graph(package: str) -> dict[str, set[str]]:
    known = _modules(package)
    graph = {}
    for module, path in known.items():
        deps = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:   # module level only
            if isinstance(node, ast.ImportFrom):
                deps |= _targets(module, path, node, known)
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name in known}
        parents = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
        graph[module] = deps - {module} - parents
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    state, stack, found = {}, [], []

    def visit(u):
        state[u] = 1
        stack.append(u)
        for v in sorted(graph[u]):
            if state.get(v) == 1:
                found.append(stack[stack.index(v):] + [v])
            elif v not in state:
                visit(v)
        stack.pop()
        state[u] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    return found


def test_finance_core_has_no_import_circle():
    graph = _graph("finance_core")
    assert "finance_core.areas" in graph and "finance_core.credit" in graph["finance_core.areas"]
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_function_level_import_hides_a_circle():
    """Inside finance_core and ui, imports of the project's own modules sit at the top
    of the module (a function-level import is how a circle hides). Lazy imports of
    heavy third-party packages (altair, vl_convert, lxml, python_calamine) are fine."""
    offenders = []
    for package in ("finance_core", "ui"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for sub in ast.walk(node):
                    if isinstance(sub, ast.ImportFrom) and (sub.level or (sub.module or "").split(".")[0] in
                                                            ("finance_core", "ui")):
                        offenders.append(f"{path.relative_to(ROOT)}:{sub.lineno}")
    assert offenders == []


def test_bench_does_not_import_tests():
    for path in (ROOT / "bench").rglob("*.py"):
        assert "tests" not in _imports(path), path.name


def test_ui_holds_no_sql():
    for path in (ROOT / "ui").rglob("*.py"):
        assert not SQL.search(path.read_text(encoding="utf-8")), f"SQL in ui/{path.name}"


def test_every_area_s_rollups_are_known_to_the_as_at_log():
    """A roll-up an area's refresh rewrites is rebuilt in an as-at snapshot, not logged
    row by row: versions.ROLLUP_TABLES must list every area's (and only real tables)."""
    from finance_core import areas, versions

    declared = {t for a in areas.ALL for t in a.rollup_tables}
    assert {"credit_monthly", "microloan_monthly", "guarantee_company_monthly"} <= declared
    assert declared <= versions.ROLLUP_TABLES, declared - versions.ROLLUP_TABLES
    assert versions.ROLLUP_TABLES <= declared, versions.ROLLUP_TABLES - declared
