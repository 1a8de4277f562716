"""The load and latency benchmarks run end to end at a tiny size (so they cannot
rot), and the protocol client sees what the pages are built to do: every page's
run finishes for every session, and a what-if step is a fragment run.

Timings are not asserted: benchmarks are not tests."""
from concurrent.futures import ThreadPoolExecutor

from bench import latency, loadtest
from bench.loadtest import FLOOR
from tests.conftest import run_server


def test_load_and_what_if_over_the_websocket(demo_db, tmp_path):
    # the benchmarks call asyncio.run(): in a thread of their own, since a browser test that ran
    # before (Playwright's sync API, a session fixture) leaves an event loop running in this one
    with ThreadPoolExecutor(1) as pool:
        pool.submit(_measure, demo_db, tmp_path).result()


def _measure(demo_db, tmp_path):
    with run_server(demo_db, tmp_path / "app.log") as app_url, \
            run_server(demo_db, tmp_path / "floor.log", script="bench/floor_app.py") as floor_url:
        run = loadtest.measure(app_url, floor_url, ["overview", "guarantees"], n=3, rounds=1)
        assert set(run) == {FLOOR, "overview", "guarantees"}
        # a floor wave just before every page's wave: both servers serve as many sessions
        assert len(run[FLOOR]["rounds"]) == 2 and all(len(run[p]["rounds"]) == 1 for p in ("overview", "guarantees"))
        for row in run.values():
            for r in row["rounds"]:
                assert r["sessions"] == 3 and 0 < r["first_s"] <= r["median_s"] <= r["last_s"]
        assert run[FLOOR]["last_ratio"] == 1.0
        for page in ("overview", "guarantees"):
            beside = run[page]["floor_beside"]["last_s"]
            assert beside in [r["last_s"] for r in run[FLOOR]["rounds"]]
            assert run[page]["last_ratio"] == run[page]["last_s"] / beside
        steps = latency.server_whatif(app_url, floor_url, ["guarantees", "microloans"], repeats=2)
        assert not steps[FLOOR]["in_fragment"]
        for page in ("guarantees", "microloans"):
            assert steps[page]["in_fragment"] and steps[page]["fragment_only"], steps[page]
            assert steps[page]["fragment_run_ms"] > 0 and steps[page]["full_rerun_ms"] > 0
