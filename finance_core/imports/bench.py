"""Benchmark: import of a large microloan status sheet.

    python -m finance_core.imports.bench [--rows 100000] [--db DEMO.db]

Builds (or copies) a demo database, adds as many synthetic loans as needed,
writes a status sheet for a new month with ``--rows`` rows, and reports:
openpyxl alone reading the file, the import's validation + preview, the apply
(one transaction, roll-up refresh included) and the ratio of the import to
openpyxl alone; then the roll-up refresh of that month on its own.
"""
from __future__ import annotations

import argparse
import io
import shutil
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook, load_workbook

from .. import demo, periods, rollups
from ..db import opened, write_transaction
from . import engine
from .feeds import STATUS

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

            t0 = time.perf_counter()
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            n = sum(1 for _ in wb["数据"].iter_rows(values_only=True))
            wb.close()
            t_openpyxl = time.perf_counter() - t0

            t0 = time.perf_counter()
            preview = engine.preview(db, "microloan_status", "status.xlsx", data)
            t_preview = time.perf_counter() - t0
            assert preview.ok, [str(e) for e in preview.errors[:5]]

            t0 = time.perf_counter()
            result = engine.apply(db, preview.parsed, "benchmark")
            t_apply = time.perf_counter() - t0

            t0 = time.perf_counter()
            with write_transaction(db):
                rollups.refresh_microloans(db, [month])
            t_refresh = time.perf_counter() - t0
    return {
        "rows": rows, "file_mb": len(data) / 1024 / 1024, "read_rows": n - 1, "added": result.added,
        "openpyxl_s": t_openpyxl, "preview_s": t_preview, "apply_s": t_apply,
        "import_s": t_preview + t_apply, "ratio": (t_preview + t_apply) / t_openpyxl, "refresh_s": t_refresh,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m finance_core.imports.bench")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default=None, help="a demo database to copy (default: build one)")
    args = parser.parse_args(argv)
    r = run(args.rows, args.db)
    print(f"小额信贷月末状态 {r['rows']:,} 行（{r['file_mb']:.1f} MB .xlsx）")
    print(f"  openpyxl 只读取文件      {r['openpyxl_s']:7.2f} s")
    print(f"  校验 + 预览（含读取）    {r['preview_s']:7.2f} s")
    print(f"  写入（单个事务，含汇总） {r['apply_s']:7.2f} s")
    print(f"  导入合计                 {r['import_s']:7.2f} s   = openpyxl 的 {r['ratio']:.2f} 倍")
    print(f"  当月汇总表刷新（单独）   {r['refresh_s']:7.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
