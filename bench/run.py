"""Benchmark: demo build, page runs, heavy aggregates, memory.

Usage (from the repo root; DuckDB comes from bench/requirements.txt):

    pip install -r bench/requirements.txt
    python bench/run.py                       # scales 1, 10, 100; 5 repeats
    python bench/run.py --scales 1,10 --repeats 5 --out bench/results.json

For each scale it builds a demo database with the demo CLI (reused from
``--workdir`` when already there), then measures, median of ``--repeats``
after ``--warmup`` runs:

- per page, AppTest (server side): a cold run (Streamlit caches cleared) and a
  warm rerun after changing one filter (the town, a different one each time,
  so finance_core really recomputes; the process and unrelated caches warm);
- per area, the heaviest aggregate: the app's finance_core function (reading
  roll-ups) vs a plain SQLite GROUP BY over the ledger vs DuckDB over the same
  ledger rows loaded in memory;
- the peak RSS of a real ``streamlit run`` process that served every page;
- at scales up to ``--asat-max-scale`` (default 10), as-at (pinned) views (``bench/asat.py``):
  the snapshot's build time and size, the change log's growth per import, and the
  pages' heavy reads on the snapshot against the current file (ratio pinned / current).

It prints a table and writes JSON. Timings are medians in milliseconds.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

END = "2026-10"


def median_ms(fn, repeats: int, warmup: int) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


# --- demo build ---------------------------------------------------------------------
def build(scale: int, workdir: Path, rebuild: bool) -> tuple[Path, float | None]:
    path = workdir / f"scale{scale}.db"
    if path.exists() and not rebuild:
        return path, None
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "finance_core.demo", "--scale", str(scale), "--out", str(path),
                    "--end", END], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return path, time.perf_counter() - t0


# --- pages ------------------------------------------------------------------------------
def page_timings(db_path: Path, pages: list[str], repeats: int, warmup: int) -> dict:
    os.environ["FINANCE_DB"] = str(db_path)
    from finance_core import db as fdb
    from bench.harness import clear_streamlit_caches, navigation_mode, new_app
    from ui.nav import PAGES

    with fdb.opened(db_path) as db:
        towns = [r[0] for r in db.execute("SELECT name FROM towns ORDER BY code")]
    out = {}
    with navigation_mode():
        for key in pages:
            file = PAGES[key][0]

            def cold():
                at = new_app()
                at.run()
                clear_streamlit_caches()
                t0 = time.perf_counter()
                at.switch_page(file).run()
                took = (time.perf_counter() - t0) * 1000
                assert not at.exception, at.exception
                return took

            colds = [cold() for _ in range(warmup)]
            colds = [cold() for _ in range(repeats)]
            at = new_app()
            at.run()
            at.switch_page(file).run()
            picks = iter(towns * (1 + (warmup + repeats) // max(1, len(towns))))

            def warm():
                at.multiselect(key="town").set_value([next(picks)])
                at.run()
                assert not at.exception, at.exception

            warm_ms = median_ms(warm, repeats, warmup)
            same_ms = median_ms(lambda: at.run(), repeats, warmup)
            out[key] = {"cold_ms": statistics.median(colds), "warm_filter_change_ms": warm_ms,
                        "rerun_unchanged_ms": same_ms}
    return out


# --- aggregates: app vs SQLite GROUP BY vs DuckDB ---------------------------------------------
AGGREGATES = {
    "信用村 授信/用信 by town": (
        "credit",
        """SELECT v.town_code, SUM(r.granted_amount), SUM(r.used_amount), SUM(r.granted_households),
                  SUM(r.used_households) FROM credit_reports r JOIN villages v ON v.code = r.village_code
           WHERE r.month = ? GROUP BY v.town_code""",
        ["credit_reports", "villages"],
    ),
    "小额信贷 余额/逾期/PAR by town and bank": (
        "microloans",
        """SELECT l.town_code, l.bank_code, SUM(s.balance),
                  SUM(CASE WHEN s.days_overdue > 0 THEN s.balance ELSE 0 END),
                  SUM(CASE WHEN s.days_overdue > 30 THEN s.balance ELSE 0 END),
                  SUM(CASE WHEN s.days_overdue > 90 THEN s.balance ELSE 0 END)
           FROM microloan_status s JOIN microloans l ON l.id = s.loan_id
           WHERE s.month = ? GROUP BY l.town_code, l.bank_code""",
        ["microloan_status", "microloans"],
    ),
    "融资担保 在保余额 by product": (
        "guarantees",
        """SELECT product_code, SUM(amount), COUNT(*) FROM guarantee_contracts
           WHERE start_on <= ? AND (released_on IS NULL OR released_on > ?) GROUP BY product_code""",
        ["guarantee_contracts"],
    ),
}


def _app_aggregate(area: str, db, f):
    from finance_core import credit, guarantees, microloans

    if area == "credit":
        return credit.totals(db, f)
    if area == "microloans":
        return microloans.totals(db, f)
    return guarantees.totals(db, f)


def aggregate_timings(db_path: Path, repeats: int, warmup: int) -> dict:
    from finance_core import db as fdb
    from finance_core import periods
    from finance_core.filters import Filters

    try:
        import duckdb
    except ImportError:  # the bench's own requirement; the smoke test runs without it
        duckdb = None
    f = Filters(END)
    month_end = periods.month_end(END).isoformat()
    out = {}
    with fdb.opened(db_path) as db:
        for label, (area, sql, tables) in AGGREGATES.items():
            params = [month_end, month_end] if area == "guarantees" else [END]
            row = {
                "app_ms": median_ms(lambda: _app_aggregate(area, db, f), repeats, warmup),
                "sqlite_groupby_ms": median_ms(lambda: db.execute(sql, params).fetchall(), repeats, warmup),
            }
            if duckdb is not None:
                con = duckdb.connect()
                for t in tables:
                    con.register(f"{t}_df", _frame(db_path, t))
                    con.execute(f"CREATE TABLE {t} AS SELECT * FROM {t}_df")
                    con.unregister(f"{t}_df")
                row["duckdb_ms"] = median_ms(lambda: con.execute(sql, params).fetchall(), repeats, warmup)
                con.close()
                row["app_vs_duckdb"] = row["app_ms"] / row["duckdb_ms"]
            row["app_vs_sqlite"] = row["app_ms"] / row["sqlite_groupby_ms"]
            out[label] = row
    return out


def _frame(db_path: Path, table: str):
    import pandas as pd

    conn = sqlite3.connect(db_path)
    try:
        return pd.read_sql_query(f"SELECT * FROM {table}", conn)
    finally:
        conn.close()


# --- memory of a real server ------------------------------------------------------------
def server_peak_rss(db_path: Path, pages: list[str]) -> float | None:
    """Serve the app on ``db_path``, visit every page twice (another town the
    second time) in headless chromium, return the server's peak RSS in MiB."""
    from bench.harness import CHROMIUM, CHROMIUM_ARGS, run_server

    if not Path(CHROMIUM).exists():
        return None
    from playwright.sync_api import sync_playwright

    from ui.nav import PAGES

    log = db_path.with_suffix(".server.log")
    with run_server(db_path, log) as url:
        port = url.rsplit(":", 1)[1]
        pid = _pid_listening(port)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            for key in pages:
                path = "" if key == "overview" else key
                for query in ("", "?town=高峰乡"):
                    page.goto(f"{url}/{path}{query}")
                    page.wait_for_selector('[data-testid="stApp"]')
                    page.wait_for_timeout(500)
                    page.wait_for_function(
                        "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
            browser.close()
        if pid is None:
            return None
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def _pid_listening(port: str) -> int | None:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "streamlit" in line and f"--server.port {port}" in line:
            return int(line.split()[0])
    return None


# --- main ------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--pages", default="", help="comma-separated page keys (default: all)")
    parser.add_argument("--workdir", default="/tmp/finance-bench")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--no-rss", action="store_true", help="skip the real-server memory run")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument("--asat-max-scale", type=int, default=10,
                        help="measure as-at views up to this scale (0: not at all)")
    args = parser.parse_args(argv)

    from ui.nav import PAGES

    pages = [p for p in args.pages.split(",") if p] or list(PAGES)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "repeats": args.repeats, "warmup": args.warmup, "end_month": END, "scales": {},
    }
    for scale in [int(s) for s in args.scales.split(",") if s]:
        path, build_s = build(scale, workdir, args.rebuild)
        conn = sqlite3.connect(path)
        sizes = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                 for t in ("households", "microloans", "microloan_status", "credit_reports", "guarantee_contracts")}
        conn.close()
        entry = {"build_s": build_s, "rows": sizes, "db_mib": path.stat().st_size / 2**20,
                 "pages": page_timings(path, pages, args.repeats, args.warmup),
                 "aggregates": aggregate_timings(path, args.repeats, args.warmup)}
        if not args.no_rss:
            entry["server_peak_rss_mib"] = server_peak_rss(path, pages)
        if scale <= args.asat_max_scale:
            from bench import asat as asat_bench

            entry["asat"] = asat_bench.measure(path, workdir / "asat", args.repeats, args.warmup, pages=False)
        results["scales"][str(scale)] = entry
        _print_scale(scale, entry)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"\nwrote {args.out}")
    return 0


def _print_scale(scale: int, e: dict) -> None:
    build = f"{e['build_s']:.1f} s" if e["build_s"] is not None else "reused"
    print(f"\n== scale {scale}: build {build}, {e['db_mib']:.0f} MiB, rows {e['rows']}")
    print(f"{'page':18s} {'cold ms':>9s} {'warm ms':>9s} {'same ms':>9s}")
    for key, t in e["pages"].items():
        print(f"{key:18s} {t['cold_ms']:9.1f} {t['warm_filter_change_ms']:9.1f} {t['rerun_unchanged_ms']:9.1f}")
    print(f"{'aggregate':40s} {'app ms':>8s} {'sqlite ms':>10s} {'duckdb ms':>10s} {'app/duckdb':>11s}")
    for label, a in e["aggregates"].items():
        duck = a.get("duckdb_ms")
        ratio = a.get("app_vs_duckdb")
        print(f"{label:40s} {a['app_ms']:8.2f} {a['sqlite_groupby_ms']:10.2f} "
              f"{(f'{duck:10.2f}' if duck is not None else '       n/a')} "
              f"{(f'{ratio:11.3f}' if ratio is not None else '        n/a')}")
    if e.get("server_peak_rss_mib") is not None:
        print(f"server peak RSS: {e['server_peak_rss_mib']:.0f} MiB")
    if e.get("asat"):
        from bench import asat as asat_bench

        asat_bench.print_entry(f"scale {scale}", e["asat"])


if __name__ == "__main__":
    sys.exit(main())
