"""Load test: N sessions open the same link at once, over Streamlit's own protocol.

Each simulated participant does what a browser does: it asks for the page (behind
the proxy, that request gets its affinity cookie), opens the websocket
``/_stcore/stream`` (subprotocol ``streamlit``) with that cookie, sends
one ``BackMsg`` whose ``rerun_script`` carries the link's query string and page
name, and reads ``ForwardMsg``s until ``script_finished`` says
``FINISHED_SUCCESSFULLY``. All N start together; for each session we record the
time from the common start to its finish, and report median, p95 and the last
one (when the last participant sees the page).

Every page of the app is measured beside the floor page (bench/floor_app.py:
20 metrics, a 300-row table, 2 Altair charts) in the same run, rounds
interleaved, and each figure is also given as a ratio to the floor page.

Usage (from the repo root; ``websockets`` is in bench/requirements.txt):

    python bench/loadtest.py --db /tmp/finance-bench/scale1.db            # one worker, direct
    python bench/loadtest.py --db ... --workers 1,2                        # behind nginx, 1 then 2 workers
    python bench/loadtest.py --app-url http://host:8080 --floor-url ...    # servers already running

Without URLs it starts the servers itself: ``streamlit run app.py`` (or
``scripts/serve.sh --workers N`` with ``--workers``) and the floor page behind
the same kind of front (direct, or nginx with as many workers).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The link everyone opens: the latest month, one town — what a meeting link looks like.
LINK = {"town": "城关镇"}
FLOOR = "floor"


async def one_session(base_url: str, page_name: str, query: str, start: float,
                      timeout: float, headings: list | None = None) -> float:
    """Seconds from ``start`` until this session's run finished successfully
    (the page's headings are appended to ``headings`` when given)."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ws_url = base_url.replace("http", "ws", 1).rstrip("/") + "/_stcore/stream"
    # as a browser: the page first, then its websocket with the affinity cookie the proxy set
    cookie = await first_visit(base_url, timeout)
    headers = {"Cookie": cookie} if cookie else {}
    async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None,
                                  additional_headers=headers, open_timeout=timeout,
                                  ping_interval=None) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page_name
        msg.rerun_script.page_script_hash = ""
        await ws.send(msg.SerializeToString())
        deadline = start + timeout
        while True:
            raw = await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.perf_counter()))
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            if fwd.WhichOneof("type") == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return time.perf_counter() - start
                if fwd.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise RuntimeError(f"{page_name}: compile error")
            elif fwd.WhichOneof("type") == "delta" and fwd.delta.new_element.WhichOneof("type") == "heading":
                if headings is not None:
                    headings.append(fwd.delta.new_element.heading.body)
            elif fwd.WhichOneof("type") == "delta" and fwd.delta.new_element.WhichOneof("type") == "exception":
                raise RuntimeError(f"{page_name}: {fwd.delta.new_element.exception.message}")


async def first_visit(base_url: str, timeout: float) -> str | None:
    """GET the app's page as a browser's first request does; the ``ifm_route=...``
    cookie the proxy (scripts/serve.sh) set with it, or None (no proxy)."""
    from urllib.parse import urlsplit

    u = urlsplit(base_url)
    reader, writer = await asyncio.wait_for(asyncio.open_connection(u.hostname, u.port or 80), timeout)
    try:
        writer.write(f"GET {u.path or '/'} HTTP/1.1\r\nHost: {u.netloc}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)).decode("latin-1")
    finally:
        writer.close()
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "set-cookie" and value.strip().startswith("ifm_route="):
            return value.strip().split(";", 1)[0]
    return None


async def wave(base_url: str, page_name: str, query: str, n: int, timeout: float) -> list[float]:
    start = time.perf_counter()
    return sorted(await asyncio.gather(*(one_session(base_url, page_name, query, start, timeout)
                                         for _ in range(n))))


def summary(times: list[float]) -> dict:
    times = sorted(times)
    p95 = times[min(len(times) - 1, max(0, int(round(0.95 * len(times))) - 1))]
    return {"median_s": statistics.median(times), "p95_s": p95, "last_s": times[-1],
            "first_s": times[0], "sessions": len(times)}


def server_cpu_s(url: str, workers: int = 0) -> float | None:
    """CPU seconds used so far by the Streamlit process(es) serving ``url``: the
    one listening on its port, or with ``workers`` the ones on the next ports
    (scripts/serve.sh). Unlike wall time, this hardly depends on what else the
    machine runs. None when the processes are not found (a remote server)."""
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    ports = [port + i for i in range(1, workers + 1)] if workers else [port]
    total, found = 0.0, 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            if b"streamlit" not in b" ".join(args) or b"--server.port" not in args:
                continue
            if int(args[args.index(b"--server.port") + 1]) not in ports:
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            found += 1
        except (OSError, ValueError, IndexError):
            continue
    return total if found == len(ports) else None


def measure(app_url: str, floor_url: str, pages: list[str], n: int, rounds: int,
            timeout: float = 300.0, workers: int = 0) -> dict:
    """Every app page's wave right after a wave of the floor page, in every round; one
    unmeasured pair first. Besides wall times, each wave's server CPU seconds (see
    :func:`server_cpu_s`).

    Pairs, not one floor wave per round: a server keeps a closed session for
    ``server.disconnectedSessionTTL`` (120 s) in case it reconnects, and what it holds
    makes every later run dearer (Python's collector walks it). Thirty sessions a wave, a
    server that served eight waves a round to the floor page's one held about eight times
    as many closed sessions, and the pages measured late in a round looked slower than
    the same pages measured first. Paired, both servers hold the same. Each page's
    ratios are to the floor waves measured just before its own."""
    from ui.nav import PAGES

    floor = (FLOOR, floor_url, "", urlencode({"town": "乡镇01"}))
    targets = [(key, app_url, "" if key == next(iter(PAGES)) else key, urlencode(LINK)) for key in pages]
    for key, url, name, query in [floor, *targets]:  # the page name reached the right page
        headings: list[str] = []
        asyncio.run(one_session(url, name, query, time.perf_counter(), timeout, headings))
        expected = "floor" if key == FLOOR else PAGES[key][1]
        if expected not in headings:
            raise RuntimeError(f"{key}: expected the title {expected!r}, got {headings[:3]}")
    raw: dict[str, list[list[float]]] = {key: [] for key, *_ in [floor, *targets]}
    cpu: dict[str, list[float | None]] = {key: [] for key, *_ in [floor, *targets]}   # one per wave
    beside: dict[str, list[int]] = {key: [] for key, *_ in targets}   # indexes of each page's floor waves
    for measured in [False] + [True] * rounds:   # warm-up: imports, caches, first query of the link
        for target in targets:
            for key, url, name, query in (floor, target):
                before = server_cpu_s(url, workers)
                times = asyncio.run(wave(url, name, query, n, timeout))
                after = server_cpu_s(url, workers)
                if not measured:
                    continue
                raw[key].append(times)
                cpu[key].append(None if before is None or after is None else after - before)
                print(f"  {key:16s} last {times[-1]:6.2f} s, server cpu "
                      f"{cpu[key][-1] if cpu[key][-1] is not None else float('nan'):6.2f} s", flush=True)
            if measured:
                beside[target[0]].append(len(raw[FLOOR]) - 1)

    def figures(waves: list[list[float]], cpus: list[float | None]) -> dict:
        per_round = [summary(w) for w in waves]
        cpus = [c for c in cpus if c is not None]
        return {"rounds": per_round,   # the figures are medians over the waves
                **{k: statistics.median(r[k] for r in per_round) for k in ("median_s", "p95_s", "last_s")},
                "server_cpu_s": statistics.median(cpus) if cpus else None}

    out = {FLOOR: figures(raw[FLOOR], cpu[FLOOR])}
    for key, *_ in targets:
        r = out[key] = figures(raw[key], cpu[key])
        idx = beside[key]
        fl = figures([raw[FLOOR][i] for i in idx], [cpu[FLOOR][i] for i in idx])
        r["floor_beside"] = {k: fl[k] for k in ("median_s", "p95_s", "last_s", "server_cpu_s")}
        for k in ("median_s", "p95_s", "last_s"):
            r[k.replace("_s", "_ratio")] = r[k] / fl[k]
        if r["server_cpu_s"] is not None and fl["server_cpu_s"]:
            r["server_cpu_ratio"] = r["server_cpu_s"] / fl["server_cpu_s"]
    for r in out.values():
        r["throughput_sessions_per_s"] = n / r["last_s"]
    f = out[FLOOR]
    f.update({"median_ratio": 1.0, "p95_ratio": 1.0, "last_ratio": 1.0, "server_cpu_ratio": 1.0})
    return out


# --- servers ----------------------------------------------------------------------------
@contextlib.contextmanager
def direct_servers(db: Path, log_dir: Path):
    from bench.harness import run_server

    with run_server(db, log_dir / "app.log") as app_url, \
            run_server(db, log_dir / "floor.log", script="bench/floor_app.py") as floor_url:
        yield app_url, floor_url


@contextlib.contextmanager
def proxied_servers(db: Path, log_dir: Path, workers: int):
    """The app and the floor page each behind nginx with ``workers`` processes
    (scripts/serve.sh, the supported way to serve several workers)."""
    from bench.harness import free_port, serve_sh

    with serve_sh(db, workers, free_port(workers + 1), log_dir / f"app-{workers}w") as app_url, \
            serve_sh(db, workers, free_port(workers + 1), log_dir / f"floor-{workers}w",
                     script="bench/floor_app.py") as floor_url:
        yield app_url, floor_url


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/finance-bench/scale1.db")
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pages", default="", help="comma-separated page keys (default: all but data)")
    parser.add_argument("--workers", default="", help="e.g. 1,2: serve behind nginx with that many workers")
    parser.add_argument("--app-url")
    parser.add_argument("--floor-url")
    parser.add_argument("--out", default=str(ROOT / "bench" / "loadtest.json"))
    args = parser.parse_args(argv)

    from ui.nav import PAGES

    pages = [p for p in args.pages.split(",") if p] or [p for p in PAGES if p != "data"]
    log_dir = Path("/tmp/finance-bench/loadtest-logs")
    log_dir.mkdir(parents=True, exist_ok=True)
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "sessions": args.sessions, "rounds": args.rounds, "link": urlencode(LINK),
              "load_before": load_average(), "runs": {}}
    fronts: list[tuple[str, contextlib.AbstractContextManager, int]] = []
    if args.app_url:
        fronts.append(("given", contextlib.nullcontext((args.app_url, args.floor_url)), 0))
    elif args.workers:
        fronts += [(f"{w} worker(s) behind nginx", proxied_servers(Path(args.db), log_dir, int(w)), int(w))
                   for w in args.workers.split(",")]
    else:
        fronts.append(("1 worker, direct", direct_servers(Path(args.db), log_dir), 0))
    for label, front, workers in fronts:
        print(f"== {label}: {args.sessions} sessions, {args.rounds} rounds", flush=True)
        with front as (app_url, floor_url):
            result["runs"][label] = measure(app_url, floor_url, pages, args.sessions, args.rounds,
                                            workers=workers)
        _print(result["runs"][label])
    result["load_after"] = load_average()
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(f"load average before {result['load_before']}, after {result['load_after']}; wrote {args.out}")
    return 0


def _print(run: dict) -> None:
    print(f"{'page':16s} {'median s':>9s} {'p95 s':>7s} {'last s':>7s} {'last/floor':>11s} {'cpu/floor':>10s}")
    for key, r in run.items():
        print(f"{key:16s} {r['median_s']:9.2f} {r['p95_s']:7.2f} {r['last_s']:7.2f} {r['last_ratio']:11.2f} "
              f"{r.get('server_cpu_ratio', float('nan')):10.2f}")


if __name__ == "__main__":
    sys.exit(main())
