"""Upload amplification: peak memory and time of rejecting a hostile .xlsx.

    python bench/upload_limits.py [--out bench/upload_limits.json]

Builds the three files of issue 19 (item 6) from a real credit template:

- ``big_sheet``: a small upload whose data sheet unpacks to ~383 MB;
- ``huge_strings``: a shared-string table of ~388 MB;
- ``million_rows``: a data sheet of 1,048,576 rows (small enough unpacked to pass
  the size limits: the row limit has to catch it while the sheet streams);

then imports each in a fresh Python process (``engine.preview`` on a demo
database, as the page does) and reports the process's resident memory before
the upload, its peak (``ru_maxrss``), the difference, the wall time and the
message. The target: every one refused, peak <= 200 MiB.
"""
from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NS = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
HEADER = ["月份", "乡镇", "村名", "村代码", "银行", "授信户数", "授信金额(元)", "用信户数", "用信金额(元)", "不良金额(元)"]
LETTERS = "ABCDEFGHIJ"


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _header_row() -> bytes:
    return ('<row r="1">' + "".join(_inline(f"{c}1", h) for c, h in zip(LETTERS, HEADER)) + "</row>").encode()


def _with_sheet(template: bytes, path: Path, write_sheet, extra=None) -> None:
    """``template`` with its data sheet (and optionally more parts) streamed in."""
    with zipfile.ZipFile(io.BytesIO(template)) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for item in src.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with dst.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
                    write_sheet(_Counting(out))
            else:
                dst.writestr(item, src.read(item.filename))
        if extra:
            extra(dst)


class _Counting:
    def __init__(self, out):
        self.out, self.n = out, 0

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.n += len(data)


def big_sheet(template: bytes, path: Path) -> None:
    def write(out):
        out.write(NS + _header_row())
        r = 2
        while out.n < 383 * 1024 * 1024:
            # cells without r= (allowed: positions are implicit), so it packs like the campaign's 7 MB file
            out.write("".join(
                f'<row r="{i}">' + "<c t=\"inlineStr\"><is><t>2026-10</t></is></c><c t=\"inlineStr\"><is><t>城关镇</t>"
                "</is></c><c t=\"inlineStr\"><is><t>石岭村</t></is></c><c t=\"inlineStr\"><is><t>T01V001</t></is></c>"
                "<c t=\"inlineStr\"><is><t>农商行</t></is></c>" + "<c><v>100</v></c>" * 5 + "</row>"
                for i in range(r, r + 1000)).encode())
            r += 1000
        out.write(b"</sheetData></worksheet>")
    _with_sheet(template, path, write)


def huge_strings(template: bytes, path: Path) -> None:
    def write(out):
        out.write(NS + b'<row r="1">' + b"".join(
            f'<c r="{c}1" t="s"><v>{i}</v></c>'.encode() for i, c in enumerate(LETTERS)) + b"</row>")
        out.write(b"</sheetData></worksheet>")

    def strings(dst):
        with dst.open("xl/sharedStrings.xml", "w", force_zip64=True) as raw:
            out = _Counting(raw)
            out.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            out.write(b"".join(f"<si><t>{h}</t></si>".encode() for h in HEADER))
            block = b"<si><t>" + "青禾县普惠金融".encode() * 50 + b"</t></si>"
            chunk = block * 1000
            while out.n < 388 * 1024 * 1024:
                out.write(chunk)
            out.write(b"</sst>")
    _with_sheet(template, path, write, strings)


def million_rows(template: bytes, path: Path) -> None:
    def write(out):
        out.write(NS + _header_row())
        for start in range(2, 1_048_577, 10_000):
            out.write("".join(f'<row r="{i}"><c r="F{i}" t="n"><v>1</v></c></row>'
                              for i in range(start, min(start + 10_000, 1_048_577))).encode())
        out.write(b"</sheetData></worksheet>")
    _with_sheet(template, path, write)


CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[3])
from finance_core import db as fdb
from finance_core import imports
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
data = open(sys.argv[2], "rb").read()
with fdb.opened(sys.argv[1]) as db:
    imports.preview(db, "credit", "warm.csv", "月份,乡镇\n".encode())   # imports and caches warmed
    before = rss()
    t = time.perf_counter()
    p = imports.preview(db, "credit", "upload.xlsx", data)
    seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"ok": p.ok, "message": "; ".join(str(e) for e in p.errors[:2]), "seconds": seconds,
                  "rss_before_mib": before, "peak_mib": peak, "increase_mib": peak - before}, ensure_ascii=False))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/upload_limits.py")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    from finance_core import demo
    from finance_core import db as fdb
    from finance_core.imports import templates

    results = {}
    with tempfile.TemporaryDirectory(prefix="upload-limits-") as tmp:
        db_path = Path(tmp) / "county.db"
        demo.build(db_path, end="2026-10")
        with fdb.opened(db_path) as db:
            template = templates.workbook(db, "credit")
        for name, make in (("big_sheet", big_sheet), ("huge_strings", huge_strings), ("million_rows", million_rows)):
            path = Path(tmp) / f"{name}.xlsx"
            t = time.perf_counter()
            make(template, path)
            with zipfile.ZipFile(path) as z:
                unpacked = sum(i.file_size for i in z.infolist())
            built = time.perf_counter() - t
            out = subprocess.run([sys.executable, "-c", CHILD, str(db_path), str(path), str(ROOT)],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            r.update(upload_mb=path.stat().st_size / 1024 / 1024, unpacked_mb=unpacked / 1024 / 1024, build_s=built)
            results[name] = r
            print(f"{name:13} upload {r['upload_mb']:6.1f} MB, unpacked {r['unpacked_mb']:6.0f} MB: "
                  f"{'accepted' if r['ok'] else 'refused'} in {r['seconds']:.2f} s, "
                  f"RSS {r['rss_before_mib']:.0f} -> peak {r['peak_mib']:.0f} MiB (+{r['increase_mib']:.0f})\n"
                  f"              {r['message']}")
    if args.out:
        Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
