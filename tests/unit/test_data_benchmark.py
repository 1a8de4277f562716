"""The import benchmark runs (small here; the report uses --rows 100000)."""
from finance_core.imports import bench


def test_benchmark_small(demo_db):
    r = bench.run(2_000, str(demo_db))
    assert r["rows"] == r["read_rows"] == r["added"] == 2_000
    assert r["ratio"] > 0 and r["refresh_s"] >= 0
