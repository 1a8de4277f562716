"""Benchmark: import of a large microloan status sheet.

    python -m finance_core.imports.bench [--rows 100000] [--db DEMO.db]

Builds (or copies) a demo database, adds as many synthetic loans as needed,
writes a status sheet for a new month with ``--rows`` rows, and reports:
openpyxl alone and python-calamine alone reading the file, the import's
checks + validation + preview (calamine), the apply (one transaction, roll-up
refresh included) and the ratio of the import to openpyxl alone; then the
roll-up refresh of that month on its own. Each phase is given as wall time and
as this process's CPU time (on a shared machine the CPU time is the steadier
figure).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import tempfile
import time
from pathlib import Path

import python_calamine
from openpyxl import Workbook, load_workbook

from .. import demo, periods, rollups
from ..db import opened, write_transaction
from . import engine
from .feeds.microloans import STATUS

BANKS = tuple(code for code, _, _ in demo.BANKS)
BANK_NAMES = {code: name for code, name, _ in demo.BANKS}


def status_sheet(rows: list[tuple]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("数据")
    ws.append([c.header for c in STATUS.columns])
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run(rows: int, db_path: str | None = None, month: str | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="finance-bench-") as tmp:
        path = Path(tmp) / "bench.db"
        if db_path:
            shutil.copy(db_path, path)
        else:
            demo.build(path, end="2026-10")
        with opened(path) as db:
            (last,) = db.execute("SELECT MAX(month) FROM microloan_status").fetchone()
            month = month or periods.add_months(last, 1)
            day = periods.month_start(month).isoformat()
            (households,) = db.execute("SELECT COUNT(*) FROM households").fetchone()
            with write_transaction(db):
                db.conn.executemany(
                    "INSERT INTO microloans (loan_no, household_id, bank_code, town_code, amount, disbursed_on, "
                    "maturity_on, rate_bp, is_renewal, is_extension) SELECT ?, h.id, ?, v.town_code, 50000, ?, "
                    "date(?, '+2 years'), 300, 0, 0 FROM households h JOIN villages v ON v.code = h.village_code "
                    "WHERE h.id = ?",
                    [(f"BM{i:07d}", BANKS[i % len(BANKS)], day, day, 1 + i % households) for i in range(rows)])
            sheet = [(month, f"BM{i:07d}", BANK_NAMES[BANKS[i % len(BANKS)]], 50_000 - (i % 50) * 100,
                      (i % 97) if i % 13 == 0 else 0, 0)
                     for i in range(rows)]
            data = status_sheet(sheet)

            clock = _Clock()
            with clock("openpyxl"):
                wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
                n = sum(1 for _ in wb["数据"].iter_rows(values_only=True))
                wb.close()
            with clock("calamine"):
                cw = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
                n_cal = sum(1 for _ in cw.get_sheet_by_name("数据").iter_rows())
            with clock("preview"):
                preview = engine.preview(db, "microloan_status", "status.xlsx", data)
            assert preview.ok, [str(e) for e in preview.errors[:5]]
            with clock("apply"):
                result = engine.apply(db, preview.parsed, "benchmark")
            with clock("refresh"):
                with write_transaction(db):
                    rollups.refresh_microloans(db, [month])
    out = {"rows": rows, "file_mb": len(data) / 1024 / 1024, "read_rows": n - 1, "calamine_rows": n_cal - 1,
           "added": result.added}
    for name, (wall, cpu) in clock.times.items():
        out[f"{name}_s"], out[f"{name}_cpu_s"] = wall, cpu
    out["import_s"] = out["preview_s"] + out["apply_s"]
    out["import_cpu_s"] = out["preview_cpu_s"] + out["apply_cpu_s"]
    out["ratio"] = out["import_s"] / out["openpyxl_s"]
    return out


class _Clock:
    """``with clock(name):`` records wall and CPU seconds of the block."""

    def __init__(self):
        self.times: dict[str, tuple[float, float]] = {}

    @contextlib.contextmanager
    def __call__(self, name: str):
        w, c = time.perf_counter(), time.process_time()
        yield
        self.times[name] = (time.perf_counter() - w, time.process_time() - c)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m finance_core.imports.bench")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default=None, help="a demo database to copy (default: build one)")
    args = parser.parse_args(argv)
    r = run(args.rows, args.db)
    print(f"小额信贷月末状态 {r['rows']:,} 行（{r['file_mb']:.1f} MB .xlsx）")
    print("   墙钟时间    CPU 时间")
    for label, key in (("openpyxl 只读取文件", "openpyxl"), ("calamine 只读取文件", "calamine"),
                       ("检查 + 校验 + 预览（含读取）", "preview"), ("写入（单个事务，含汇总）", "apply"),
                       ("导入合计（预览 + 写入）", "import"), ("当月汇总表刷新（单独）", "refresh")):
        print(f"{r[key + '_s']:9.2f} s {r[key + '_cpu_s']:9.2f} s   {label}")
    print(f"  导入合计为 openpyxl 只读取的 {r['ratio']:.2f} 倍")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
