"""Markdown tables for the README from benchmark JSON files.

Usage: python bench/report.py FILE [FILE ...] — each a JSON written by
bench/run.py (pages, aggregates, memory), bench/loadtest.py (N sessions at once)
or bench/latency.py (browser and what-if latency); the kind is told by its keys.
"""
import json, sys
from urllib.parse import unquote


def loadtest(r) -> str:
    out = [f"{r['sessions']} sessions open `?{unquote(r['link'])}` at once ({r['rounds']} rounds, medians over rounds; "
           f"load average {r['load_before']} before, {r['load_after']} after):\n"]
    for label, run in r["runs"].items():
        out.append(f"*{label}*\n")
        out.append("| page | median s | p95 s | last finished s | floor just before, last s | last ÷ floor | "
                   "sessions/s | server CPU s | CPU ÷ floor |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for page, x in run.items():
            cpu = x.get("server_cpu_s")
            beside = x.get("floor_beside", x)
            out.append(f"| {page} | {x['median_s']:.2f} | {x['p95_s']:.2f} | {x['last_s']:.2f} | "
                       f"{beside['last_s']:.2f} | {x['last_ratio']:.2f} | {x['throughput_sessions_per_s']:.1f} | "
                       + (f"{cpu:.2f} | {x['server_cpu_ratio']:.2f} |" if x.get("server_cpu_ratio") else "— | — |"))
        out.append("")
    runs = list(r["runs"].values())
    if len(runs) == 2:
        out.append("| page | throughput 2 workers ÷ 1 worker |")
        out.append("|---|---|")
        for page in runs[0]:
            a, b = runs[0][page], runs[1].get(page)
            if b:
                out.append(f"| {page} | {b['throughput_sessions_per_s'] / a['throughput_sessions_per_s']:.2f} |")
        out.append("")
    return "\n".join(out)


def latency(r) -> str:
    out = [f"Latency of one change ({r['repeats']} repeats, medians; load average {r['load_before']} before, "
           f"{r['load_after']} after). Browser: from the key press to the painted result; "
           "÷ floor: to the floor page measured just before the page (the floor row: their median).\n"]
    out.append("| page | browser: town filter ms | ÷ floor | browser: what-if step ms | ÷ floor | "
               "server: what-if step in its fragment, ms (CPU ms) | the same step as a full rerun, ms (CPU ms) |")
    out.append("|---|---|---|---|---|---|---|")

    def ms(x):
        return "—" if x is None else f"{x:.0f}"

    nan = float("nan")
    for page, b in r["browser"].items():
        s = r["server"].get(page, {})
        if "error" in b:
            out.append(f"| {page} | not measured: {b['error'].split(':')[0]} | | | | | |")
            continue
        out.append(f"| {page} | {b['filter_ms']:.0f} | {b.get('filter_ratio', nan):.2f} | "
                   f"{b.get('whatif_ms', float('nan')):.0f} | {b.get('whatif_ratio', float('nan')):.2f} | "
                   f"{ms(s.get('fragment_run_ms'))} ({ms(s.get('fragment_cpu_ms'))}) | "
                   f"{ms(s['full_rerun_ms'])} ({ms(s.get('full_cpu_ms'))}) |" if s else
                   f"| {page} | {b['filter_ms']:.0f} | {b.get('filter_ratio', nan):.2f} | — | — | — | — |")
    return "\n".join(out) + "\n"


def main():
    for path in sys.argv[1:]:
        r = json.load(open(path, encoding="utf-8"))
        if "runs" in r:
            print(loadtest(r))
        elif "browser" in r:
            print(latency(r))
        else:
            print(pages_and_aggregates(r))


def pages_and_aggregates(r) -> str:
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
    return "\n".join(out)


if __name__ == "__main__":
    main()
