"""Markdown tables for the README from a bench/run.py JSON file.

Usage: python bench/report.py bench/results.json
"""
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
builds = {s: (f"{e['build_s']:.0f} s" if e.get("build_s") else "reused") for s, e in r["scales"].items()}
out = []
out.append(f"Machine: {r['machine']}; medians of {r['repeats']} after {r['warmup']} warm-up run(s); "
           f"demo county ending {r['end_month']}. Reproduce with `pip install -r bench/requirements.txt && python bench/run.py`.\n")
out.append("| scale | households | loan snapshots | DB size | demo build | server peak RSS |")
out.append("|---|---|---|---|---|---|")
for s, e in r["scales"].items():
    rss = e.get("server_peak_rss_mib")
    out.append(f"| {s} | {e['rows']['households']:,} | {e['rows']['microloan_status']:,} | {e['db_mib']:.0f} MiB | {builds.get(s, '—')} | {rss:.0f} MiB |" if rss else
               f"| {s} | {e['rows']['households']:,} | {e['rows']['microloan_status']:,} | {e['db_mib']:.0f} MiB | {builds.get(s, '—')} | — |")
out.append("")
out.append("Page runs (AppTest, server side, ms): cold = caches cleared; warm = rerun after changing the town filter to one not seen before; same = rerun with nothing changed.\n")
scales = list(r["scales"])
out.append("| page | " + " | ".join(f"scale {s} cold / warm / same" for s in scales) + " |")
out.append("|---|" + "---|" * len(scales))
for page in r["scales"][scales[0]]["pages"]:
    cells = []
    for s in scales:
        t = r["scales"][s]["pages"].get(page)
        cells.append(f"{t['cold_ms']:.0f} / {t['warm_filter_change_ms']:.0f} / {t['rerun_unchanged_ms']:.0f}" if t else "—")
    out.append(f"| {page} | " + " | ".join(cells) + " |")
out.append("")
out.append("Heaviest aggregate per area (ms): the app's finance_core function (roll-ups) vs a plain SQLite GROUP BY over the ledger vs DuckDB over the same rows in memory.\n")
out.append("| aggregate | scale | app | SQLite GROUP BY | DuckDB | app ÷ DuckDB |")
out.append("|---|---|---|---|---|---|")
for label in r["scales"][scales[0]]["aggregates"]:
    for s in scales:
        a = r["scales"][s]["aggregates"][label]
        out.append(f"| {label} | {s} | {a['app_ms']:.2f} | {a['sqlite_groupby_ms']:.2f} | {a.get('duckdb_ms', float('nan')):.2f} | {a.get('app_vs_duckdb', float('nan')):.2f} |")
print("\n".join(out))
