"""Benchmark of as-at (pinned) views, issue 21.

Usage (from the repo root):

    python bench/asat.py --db /tmp/finance-bench/scale1.db [--db ...scale10.db] [--out bench/asat.json]

On a private copy of each database it measures:

- **writes**: two corrected files imported through finance_core (a month of 信用村
  reports for one bank, a month of 小额信贷 loan status for one bank): apply time with
  the change capture and on a copy without it (the capture's overhead), the change-log
  rows and bytes, and the growth of the database file per import;
- **snapshot**: building the snapshot of the version before both imports (copy, reversal,
  roll-up refresh) and its size;
- **reads**: the pages' heavy finance_core calls (KPIs of every area, rankings, ageing,
  the brief) on the snapshot against the same calls on the current file, medians, and the
  ratio pinned / current (target ≤ 2);
- **page runs**: AppTest cold runs (caches cleared) of pages with ``?v=`` against the
  same pages unpinned; the pinned run includes the banner (changes since, KPIs then and now).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ("overview", "credit-villages", "microloans", "guarantees")


def _pair_ms(current, pinned, repeats: int, warmup: int) -> dict:
    """Medians of two calls timed alternately (a load change on the shared machine
    hits both alike), and their ratio pinned / current."""
    for _ in range(warmup):
        current(), pinned()
    times: dict[str, list[float]] = {"current_ms": [], "pinned_ms": [], "current_cpu_ms": [], "pinned_cpu_ms": []}
    for i in range(repeats):
        order = (("current", current), ("pinned", pinned))
        for key, fn in (order if i % 2 == 0 else order[::-1]):
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            times[f"{key}_ms"].append((time.perf_counter() - t0) * 1000)
            times[f"{key}_cpu_ms"].append((time.process_time() - c0) * 1000)
    out = {k: statistics.median(v) for k, v in times.items()}
    out["ratio"] = out["pinned_ms"] / out["current_ms"]
    out["cpu_ratio"] = out["pinned_cpu_ms"] / out["current_cpu_ms"] if out["current_cpu_ms"] else None
    return out


def _file_bytes(path: Path) -> int:
    with sqlite3.connect(path) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return c.execute("PRAGMA page_count").fetchone()[0] * c.execute("PRAGMA page_size").fetchone()[0]


def _corrections(db, month: str):
    """(label, feed, rows): one bank's month re-filed with corrected figures."""
    from finance_core.imports import templates

    credit = [r[:6] + (int(r[6] * 1.1),) + r[7:] for r in templates.export_rows(db, "credit", month)
              if r[4] == "农商行"]
    status = [r[:3] + (max(0, int(r[3] * 0.99)),) + r[4:] for r in templates.export_rows(db, "microloan_status", month)
              if r[2] == "农商行"]
    return [("信用村报表更正", "credit", credit), ("小额信贷月末状态更正", "microloan_status", status)]


def _import(path: Path, feed: str, rows, capture: bool) -> tuple[float, int]:
    from finance_core import db as fdb
    from finance_core import imports, versions
    from finance_core.imports import templates

    with fdb.opened(path) as db:
        if not capture:
            with fdb.write_transaction(db):
                versions.drop_capture(db.conn)
        data = templates.workbook(db, feed, rows)
        parsed = imports.parse(db, feed, f"{feed}.xlsx", data)
        t0 = time.perf_counter()
        result = imports.apply(db, parsed, "bench")
        return time.perf_counter() - t0, result.added + result.updated + result.removed


def writes(work: Path, month: str) -> tuple[int, list[dict]]:
    """Import the corrections on ``work`` (captured) and on a copy without capture."""
    from finance_core import db as fdb
    from finance_core import versions

    bare = work.with_name(work.stem + "-nocapture.db")
    shutil.copy(work, bare)
    with fdb.opened(work) as db:
        v0 = versions.current(db)
        plan = _corrections(db, month)
    out = []
    for label, feed, rows in plan:
        size0 = _file_bytes(work)
        with fdb.opened(work) as db:
            seq0 = db.execute("SELECT COALESCE(MAX(seq), 0) FROM asat_changes").fetchone()[0]
        seconds, changed = _import(work, feed, rows, capture=True)
        bare0 = _file_bytes(bare)
        bare_seconds, _ = _import(bare, feed, rows, capture=False)
        bare_growth = _file_bytes(bare) - bare0
        with fdb.opened(work) as db:
            n, nbytes = db.execute("SELECT COUNT(*), SUM(LENGTH(key)) + SUM(COALESCE(LENGTH(old), 0)) "
                                   "FROM asat_changes WHERE seq > ?", (seq0,)).fetchone()
        out.append({"import": label, "rows_in_file": len(rows), "rows_changed": changed,
                    "apply_s": seconds, "apply_without_capture_s": bare_seconds,
                    "capture_overhead": seconds / bare_seconds if bare_seconds else None,
                    "log_rows": n, "log_kib": (nbytes or 0) / 1024,
                    "file_growth_kib": (_file_bytes(work) - size0) / 1024,
                    "file_growth_without_capture_kib": bare_growth / 1024})
    for suffix in ("", "-wal", "-shm"):
        if Path(str(bare) + suffix).exists():
            os.unlink(str(bare) + suffix)
    return v0, out


def _read_calls(month: str):
    from finance_core import areas, briefing, credit, guarantees, microloans, overview
    from finance_core.filters import Filters

    f = Filters(month)
    return {
        "总览 各领域指标": lambda db: [overview.area_kpis(db, f, a.key) for a in areas.ALL],
        "信用村 乡镇排名": lambda db: credit.town_ranking(db, f),
        "小额信贷 指标+账龄": lambda db: (microloans.kpis(db, f), microloans.ageing(db, f)),
        "融资担保 指标+产品": lambda db: (guarantees.kpis(db, f), guarantees.product_table(db, f)),
        "调度简报 月报": lambda db: briefing.build(db, briefing.MONTHLY, f),
    }


def reads(work: Path, snap: Path, month: str, repeats: int, warmup: int) -> dict:
    from finance_core import db as fdb

    out = {}
    with fdb.opened(work) as live, fdb.opened(snap) as pinned:
        for label, fn in _read_calls(month).items():
            out[label] = _pair_ms(lambda: fn(live), lambda: fn(pinned), repeats, warmup)
    return out


def page_runs(work: Path, version: int, repeats: int, warmup: int) -> dict:
    os.environ["FINANCE_DB"] = str(work)
    from bench.harness import clear_streamlit_caches, navigation_mode, new_app
    from ui.nav import PAGES as FILES

    out = {}
    with navigation_mode():
        for key in PAGES:
            def run(query: dict):
                clear_streamlit_caches()
                at = new_app(timeout=300)
                for k, v in query.items():
                    at.query_params[k] = v
                at.switch_page(FILES[key][0])
                at.run()
                assert not at.exception, [e.message for e in at.exception]
            out[key] = _pair_ms(lambda: run({}), lambda: run({"v": str(version)}), repeats, warmup)
    return out


def measure(db_path: Path, workdir: Path, repeats: int = 5, warmup: int = 1, pages: bool = True) -> dict:
    from finance_core import db as fdb
    from finance_core import asat as fasat
    from finance_core import versions

    workdir.mkdir(parents=True, exist_ok=True)
    work = workdir / f"asat-{Path(db_path).stem}.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(str(work) + suffix).exists():
            os.unlink(str(work) + suffix)
    shutil.rmtree(versions.snapshot_dir(work), ignore_errors=True)
    with sqlite3.connect(db_path) as src, sqlite3.connect(work) as dst:
        src.backup(dst)
    with fdb.opened(work) as db:    # migrates an older benchmark database (and starts capturing)
        month = db.execute("SELECT MAX(month) FROM credit_reports").fetchone()[0]
    t0 = time.perf_counter()
    fasat.snapshot(work, versions_current(work))      # what 固定为当前数据 costs: a copy, nothing to reverse
    pin_s = time.perf_counter() - t0
    shutil.rmtree(versions.snapshot_dir(work), ignore_errors=True)
    v0, imported = writes(work, month)
    t0 = time.perf_counter()
    snap = fasat.snapshot(work, v0)
    build_s = time.perf_counter() - t0
    with fdb.opened(work) as db:
        log_rows = db.execute("SELECT COUNT(*) FROM asat_changes").fetchone()[0]
    entry = {"db_mib": _file_bytes(work) / 2**20, "month": month, "imports": imported,
             "snapshot": {"version": v0, "build_s": build_s, "pin_now_s": pin_s, "mib": snap.stat().st_size / 2**20,
                          "log_rows_reversed": log_rows},
             "reads": reads(work, snap, month, repeats, warmup)}
    if pages:
        entry["page_runs"] = page_runs(work, v0, max(1, repeats // 2), warmup)
    return entry


def versions_current(path: Path) -> int:
    from finance_core import db as fdb
    from finance_core import versions

    with fdb.opened(path) as db:
        return versions.current(db)


def print_entry(name: str, e: dict) -> None:
    print(f"\n== as-at, {name}: {e['db_mib']:.0f} MiB, month {e['month']}")
    for i in e["imports"]:
        print(f"  import {i['import']}: {i['rows_changed']:,} rows changed, apply {i['apply_s']:.2f} s "
              f"(without capture {i['apply_without_capture_s']:.2f} s, x{i['capture_overhead']:.2f}); "
              f"log +{i['log_rows']:,} rows, {i['log_kib']:.0f} KiB; file +{i['file_growth_kib']:.0f} KiB "
              f"(without capture +{i['file_growth_without_capture_kib']:.0f} KiB)")
    s = e["snapshot"]
    print(f"  snapshot v{s['version']}: built in {s['build_s']:.2f} s, {s['mib']:.0f} MiB, "
          f"{s['log_rows_reversed']:,} changes reversed; pinning the current version (a copy) {s['pin_now_s']:.2f} s")
    print(f"  {'read':24s} {'current ms':>11s} {'pinned ms':>10s} {'ratio':>6s} {'CPU ms cur/pin':>16s} {'CPU ratio':>9s}")
    for label, r in {**e["reads"], **e.get("page_runs", {})}.items():
        cpu = r.get("cpu_ratio")
        print(f"  {label:24s} {r['current_ms']:11.1f} {r['pinned_ms']:10.1f} {r['ratio']:6.2f} "
              f"{r['current_cpu_ms']:7.1f}/{r['pinned_cpu_ms']:<8.1f} {(f'{cpu:9.2f}' if cpu else '      n/a')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", required=True, help="a demo database (repeatable)")
    parser.add_argument("--workdir", default="/tmp/finance-bench/asat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--no-pages", action="store_true", help="skip the AppTest page runs")
    parser.add_argument("--out", default=str(ROOT / "bench" / "asat.json"))
    args = parser.parse_args(argv)
    results = {}
    for db in args.db:
        entry = measure(Path(db), Path(args.workdir), args.repeats, args.warmup, not args.no_pages)
        results[Path(db).stem] = entry
        print_entry(Path(db).stem, entry)
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
