"""Consistent copies of the database with SQLite's online backup API.

The backup API copies a consistent snapshot even while the app reads and
writes (WAL mode), which copying the file would not. A copy is written to a
temporary file next to its destination, checked (``PRAGMA quick_check``),
switched to a single self-contained file (journal mode DELETE) and moved into
place atomically.

CLI for nightly backups (e.g. cron ``15 2 * * *``)::

    python -m finance_core.backup --out /srv/backups/finance [--db PATH] [--keep 30]

writes ``county-YYYYMMDD-HHMMSS.db`` and deletes the oldest such files beyond
``--keep``.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

from . import audit
from .db import BUSY_TIMEOUT_MS, default_path, opened, write_transaction

PREFIX = "county-"


class BackupError(RuntimeError):
    pass


def backup_to(src: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Copy the database at ``src`` to ``dest`` (replaced atomically)."""
    src, dest = Path(src), Path(dest)
    if not src.exists():
        raise BackupError(f"数据库文件不存在：{src}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=dest.name + ".", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    try:
        source = sqlite3.connect(str(src), timeout=BUSY_TIMEOUT_MS / 1000)
        target = sqlite3.connect(tmp)
        try:
            source.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            source.backup(target, pages=4096)
            target.execute("PRAGMA journal_mode = DELETE")
            (status,) = target.execute("PRAGMA quick_check").fetchone()
            if status != "ok":
                raise BackupError(f"备份校验失败：{status}")
        finally:
            target.close()
            source.close()
        os.replace(tmp, dest)
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp + suffix)
    return dest


def backup_bytes(src: str | os.PathLike) -> bytes:
    """A consistent copy of the database as bytes (for a download button)."""
    with tempfile.TemporaryDirectory(prefix="finance-backup-") as tmp:
        path = backup_to(src, Path(tmp) / "county.db")
        return path.read_bytes()


def download_copy(src: str | os.PathLike, user: str) -> bytes:
    """An editor's download of a copy: recorded in the audit log first."""
    if not user:
        raise BackupError("只有登录的编辑人员可以下载备份")
    with opened(src) as db:
        with write_transaction(db):
            audit.record(db, user, "backup", "数据库", {"下载备份": backup_name()})
    return backup_bytes(src)


def backup_name(when: dt.datetime | None = None) -> str:
    when = when or dt.datetime.now()
    return f"{PREFIX}{when:%Y%m%d-%H%M%S}.db"


def nightly(src: str | os.PathLike, out_dir: str | os.PathLike, keep: int = 30) -> Path:
    """Write a dated backup into ``out_dir`` and keep only the newest ``keep``."""
    out_dir = Path(out_dir)
    dest = backup_to(src, out_dir / backup_name())
    if keep > 0:
        old = sorted(out_dir.glob(f"{PREFIX}*.db"))
        for path in old[:-keep]:
            path.unlink()
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m finance_core.backup", description="备份数据库")
    parser.add_argument("--out", required=True, help="备份目录")
    parser.add_argument("--db", default=None, help="数据库文件（默认 $FINANCE_DB 或 data/county.db）")
    parser.add_argument("--keep", type=int, default=30, help="保留最近几份备份（0 为全部保留）")
    args = parser.parse_args(argv)
    try:
        dest = nightly(args.db or default_path(), args.out, keep=args.keep)
    except (BackupError, sqlite3.Error, OSError) as exc:
        print(f"备份失败：{exc}", file=sys.stderr)
        return 1
    print(f"已备份到 {dest}（{dest.stat().st_size / 1024 / 1024:.1f} MB）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
