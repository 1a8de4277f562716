"""The as-at benchmark runs end to end at scale 1 (timings are not asserted)."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_asat_bench_runs(tmp_path, demo_db):
    out = tmp_path / "asat.json"
    proc = subprocess.run(
        [sys.executable, "bench/asat.py", "--db", str(demo_db), "--workdir", str(tmp_path / "work"),
         "--repeats", "1", "--warmup", "0", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    entry = json.loads(out.read_text())["county"]
    assert [i["rows_changed"] > 0 for i in entry["imports"]] == [True, True]
    assert all(i["log_rows"] >= i["rows_changed"] for i in entry["imports"])
    assert entry["snapshot"]["build_s"] > 0 and entry["snapshot"]["log_rows_reversed"] > 0
    assert set(entry["page_runs"]) == {"overview", "credit-villages", "microloans", "guarantees"}
    assert all(r["pinned_ms"] > 0 and r["current_ms"] > 0 for r in {**entry["reads"], **entry["page_runs"]}.values())
    assert "as-at" in proc.stdout
