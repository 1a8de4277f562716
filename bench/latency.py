"""Latency of one participant's change, per page, beside the floor page.

Two measurements, both against the floor page (bench/floor_app.py) in the same run
(in the browser, since 2026-12-08, each page right after the floor page measured again,
its ratios to that floor measurement: the floor page alone moved by ±10 % within a run):

- **browser**: headless Debian chromium. For every page: one more town in the
  sidebar filter (a full rerun), timed from the Enter that takes the typed town
  (opening the list and typing come before and are not timed: until 2026-12-08
  they were, ~300 ms the same on every page, which brought every ratio nearer 1)
  until the page's run finished and the browser painted the result; and the same
  for one step of a what-if slider (pages with one), from its key press. The run's end is the ``script_finished``
  message on the page's own websocket; then two animation frames.
- **server**: a what-if step sent over Streamlit's websocket protocol the way
  the browser sends it (``rerun_script`` with the slider's new value, and the
  fragment's id when the slider sits in a fragment) and the time until
  ``script_finished``: the server's run plus a local round trip. Also the same
  step sent as a full rerun, to show what the fragment saves.

Usage: python bench/latency.py --db /tmp/finance-bench/scale1.db [--repeats 5]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadtest import FLOOR, load_average, server_cpu_s  # noqa: E402

# page -> the key of its what-if slider (None: the page has none)
SLIDERS = {FLOOR: "share", "overview": None, "credit-villages": "usage_target", "microloans": "stress_default",
           "guarantees": "stress_comp", "ipo": None, "banks": "w_loan", "fiscal": "loan_growth", "briefing": None}
NO_METRICS = ("briefing", "data")   # pages drawn without st.metric (wait for the run, not for a metric)
TOWNS = {FLOOR: [f"乡镇{i:02d}" for i in range(1, 15)]}
START = {"town": "城关镇"}


# --- browser -------------------------------------------------------------------------
def browser_latency(app_url: str, floor_url: str, pages: list[str], towns: list[str], repeats: int) -> dict:
    from playwright.sync_api import sync_playwright
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    from bench.harness import CHROMIUM, CHROMIUM_ARGS, wait_for_app

    done = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)

    def one(browser, key: str, turn: int = 0) -> dict:
        # the floor page starts each measurement at another town: new towns, as for a page
        turn %= len(TOWNS[FLOOR])
        floor_towns = TOWNS[FLOOR][turn:] + TOWNS[FLOOR][:turn]
        try:
            ctx = browser.new_context(viewport={"width": 1600, "height": 1100}, locale="zh-CN")
            page = ctx.new_page()
            page.set_default_timeout(120_000)
            finishes: list[tuple[float, int]] = []

            def on_frame(payload, finishes=finishes):
                if isinstance(payload, (bytes, bytearray)):
                    msg = ForwardMsg()
                    msg.ParseFromString(bytes(payload))
                    if msg.WhichOneof("type") == "script_finished":
                        finishes.append((time.perf_counter(), msg.script_finished))

            page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
            base = floor_url if key == FLOOR else app_url
            path = "" if key in (FLOOR, "overview") else key
            first = floor_towns[0] if key == FLOOR else towns[0]
            page.goto(f"{base}/{path}?{urlencode({'town': first})}")
            wait_for_app(page, min_metrics=0 if key in NO_METRICS else 1)

            def timed(action, prepare=None) -> float:
                if prepare:   # what comes before the key press (opening the list, typing)
                    prepare()
                n = len(finishes)
                t0 = time.perf_counter()
                action()
                deadline = time.time() + 120
                while not any(s in done for _, s in finishes[n:]):
                    if time.time() > deadline:
                        raise RuntimeError(f"{key}: no finished run")
                    page.wait_for_timeout(5)
                page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
                took = time.perf_counter() - t0
                wait_for_app(page)
                return took * 1000

            picks = iter((floor_towns if key == FLOOR else towns)[1:])

            box = page.locator(".st-key-town input")

            def type_town():
                box.click()
                box.fill(next(picks))

            def choose_town():   # Enter takes the typed town: the rerun starts here
                box.press("Enter")
                page.keyboard.press("Escape")

            row = {"filter_ms": statistics.median([timed(choose_town, type_town) for _ in range(repeats)])}
            slider = SLIDERS.get(key)
            if slider:
                page.locator(f".st-key-{slider}").scroll_into_view_if_needed()
                thumb = page.locator(f".st-key-{slider} input[type='range']")
                thumb.focus()
                row["whatif_ms"] = statistics.median([timed(lambda: thumb.press("ArrowRight"))
                                                      for _ in range(repeats)])
            ctx.close()
            return row
        except Exception as exc:  # a loaded machine can time out one page; keep the others
            return {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}

    out, floors = {FLOOR: {}}, []   # the floor page first: the median of its measurements
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for turn, key in enumerate(pages):   # each page right after the floor page, as in the load test
            floor = one(browser, FLOOR, turn)
            row = out[key] = one(browser, key)
            if "error" not in floor:
                floors.append(floor)
                row["floor_beside"] = floor
                for kind in ("filter", "whatif"):
                    if f"{kind}_ms" in row and f"{kind}_ms" in floor:
                        row[f"{kind}_ratio"] = row[f"{kind}_ms"] / floor[f"{kind}_ms"]
            print(f"  browser {key:16s} {row}", flush=True)
        browser.close()
    out[FLOOR] = {k: statistics.median(f[k] for f in floors) for k in ("filter_ms", "whatif_ms")} if floors else \
        {"error": "the floor page was not measured"}
    if floors:
        out[FLOOR].update(filter_ratio=1.0, whatif_ratio=1.0)
    return out


# --- server: one what-if step over the websocket protocol --------------------------------
async def _whatif_rtt(base_url: str, page_name: str, query: str, key: str, repeats: int, as_fragment: bool):
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ws_url = base_url.replace("http", "ws", 1).rstrip("/") + "/_stcore/stream"
    async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None, ping_interval=None,
                                  additional_headers={"Cookie": "ifm_route=latency"}) as ws:
        async def run(widget=None, value=None, fragment=""):
            msg = BackMsg()
            msg.rerun_script.query_string = query
            msg.rerun_script.page_name = page_name
            if widget:
                state = msg.rerun_script.widget_states.widgets.add()
                state.id = widget
                state.double_array_value.data.append(value)
            if fragment:
                msg.rerun_script.fragment_id = fragment
            t0 = time.perf_counter()
            await ws.send(msg.SerializeToString())
            found = {}
            while True:
                fwd = ForwardMsg()
                fwd.ParseFromString(await ws.recv())
                kind = fwd.WhichOneof("type")
                if kind == "delta" and fwd.delta.new_element.WhichOneof("type") == "slider":
                    s = fwd.delta.new_element.slider
                    if s.id.endswith(key):
                        found = {"id": s.id, "value": list(s.value) or list(s.default), "step": s.step,
                                 "fragment": fwd.delta.fragment_id}
                if kind == "script_finished" and fwd.script_finished in (
                        ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                    return (time.perf_counter() - t0) * 1000, found, fwd.script_finished

        _, slider, _ = await run()
        if not slider:
            raise RuntimeError(f"{page_name}: slider {key} not found")
        times, value, kinds, cpu0 = [], slider["value"][0], set(), None
        for i in range(repeats + 1):
            if i == 1:  # the first step is a warm-up
                cpu0 = server_cpu_s(base_url)
            value = round(value + slider["step"] * (1 if i % 2 == 0 else -1), 6)
            took, _, kind = await run(slider["id"], value, slider["fragment"] if as_fragment else "")
            kinds.add(kind)
            if i:
                times.append(took)
        cpu1 = server_cpu_s(base_url)
        cpu_ms = None if cpu0 is None or cpu1 is None else (cpu1 - cpu0) * 1000 / repeats
        return statistics.median(times), bool(slider["fragment"]), kinds, cpu_ms


def server_whatif(app_url: str, floor_url: str, pages: list[str], repeats: int) -> dict:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    out = {}
    for key in [FLOOR, *pages]:
        slider = SLIDERS.get(key)
        if not slider:
            continue
        base, name = (floor_url, "") if key == FLOOR else (app_url, key)
        query = urlencode({"town": TOWNS[FLOOR][0]} if key == FLOOR else START)
        frag, in_fragment, kinds, frag_cpu = asyncio.run(_whatif_rtt(base, name, query, slider, repeats, True))
        full, _, _, full_cpu = asyncio.run(_whatif_rtt(base, name, query, slider, repeats, False))
        # server CPU per step: hardly depends on what else the machine runs
        out[key] = {"fragment_run_ms": frag if in_fragment else None, "full_rerun_ms": full,
                    "fragment_cpu_ms": frag_cpu if in_fragment else None, "full_cpu_ms": full_cpu,
                    "in_fragment": in_fragment,
                    "fragment_only": kinds == {ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}}
        print(f"  server  {key:16s} {out[key]}", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/finance-bench/scale1.db")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pages", default="")
    parser.add_argument("--out", default=str(ROOT / "bench" / "latency.json"))
    args = parser.parse_args(argv)

    from finance_core import db as fdb
    from bench.harness import run_server
    from ui.nav import PAGES

    pages = [p for p in args.pages.split(",") if p] or [p for p in PAGES if p != "data"]
    with fdb.opened(args.db) as db:
        towns = [r[0] for r in db.execute("SELECT name FROM towns ORDER BY code")]
    towns = [START["town"]] + [t for t in towns if t != START["town"]]
    log_dir = Path("/tmp/finance-bench/latency-logs")
    log_dir.mkdir(parents=True, exist_ok=True)
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "db": args.db, "repeats": args.repeats, "load_before": load_average()}
    with run_server(Path(args.db), log_dir / "app.log") as app_url, \
            run_server(Path(args.db), log_dir / "floor.log", script="bench/floor_app.py") as floor_url:
        result["server"] = server_whatif(app_url, floor_url, pages, args.repeats * 4)
        result["browser"] = browser_latency(app_url, floor_url, pages, towns, args.repeats)
    result["load_after"] = load_average()
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(f"load average before {result['load_before']}, after {result['load_after']}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
