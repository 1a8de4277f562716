"""The benchmark script runs end to end at the smallest scale (so it cannot rot).

Timings are not asserted: benchmarks are not tests."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_runs_at_tiny_scale(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "bench/run.py", "--scales", "1", "--repeats", "1", "--warmup", "0",
         "--pages", "overview,guarantees", "--no-rss", "--workdir", str(tmp_path), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    scale = result["scales"]["1"]
    assert scale["build_s"] > 0 and scale["rows"]["microloan_status"] > 100_000
    assert set(scale["pages"]) == {"overview", "guarantees"}
    for timings in scale["pages"].values():
        assert all(v > 0 for v in timings.values())
    assert len(scale["aggregates"]) == 3
    for row in scale["aggregates"].values():
        assert row["app_ms"] > 0 and row["sqlite_groupby_ms"] > 0
    assert "scale 1" in proc.stdout and "overview" in proc.stdout
