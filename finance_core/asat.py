"""As-at views (issue 21): snapshots of the data at a version, what changed since, and
a page's headline KPIs then and now. The change capture and the version log are
:mod:`finance_core.versions`; this module builds on them and on the area registry.

Nothing here imports streamlit.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd
import sqlite_utils

from . import areas, completeness, overview, versions
from . import db as fdb
from .imports.feeds import FEEDS as IMPORT_FEEDS
from .kpi import fmt_value, signed_delta
from .versions import REFERENCE_TABLES, layout, q, reached_at, time_text, updates_since


# --- snapshots --------------------------------------------------------------------------
def _undo_changes(conn: sqlite3.Connection, version: int) -> set[str]:
    """Undo every captured change after ``version``, newest first; the tables touched."""
    layouts: dict[str, tuple[list[str], list[str], bool]] = {}
    touched: set[str] = set()
    rows = conn.execute("SELECT tbl, op, key, old FROM asat_changes WHERE version > ? ORDER BY seq DESC",
                        (int(version),)).fetchall()
    for tbl, op, key, old in rows:
        if tbl not in layouts:
            exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (tbl,)).fetchone()
            layouts[tbl] = layout(conn, tbl) if exists else ([], [], False)
        cols, keys, _ = layouts[tbl]
        if not cols:
            continue   # a table dropped since
        touched.add(tbl)
        where = " AND ".join(f"{q(k) if k != 'rowid' else 'rowid'} IS ?" for k in keys)
        if op == "B":
            conn.executemany(f"DELETE FROM {q(tbl)} WHERE {where}", versions.inserted_keys(op, key))
        elif op in ("I", "U") and key is not None:
            conn.execute(f"DELETE FROM {q(tbl)} WHERE {where}", json.loads(key))
        if op in ("U", "D") and old is not None:
            values = json.loads(old)
            names = [c for c in values if c in cols or c == "rowid"]
            conn.execute(f"INSERT OR REPLACE INTO {q(tbl)} ({', '.join(q(c) if c != 'rowid' else 'rowid' for c in names)}) "
                         f"VALUES ({', '.join('?' * len(names))})", [values[c] for c in names])
    return touched


def build_snapshot(main: str | os.PathLike, version: int, out: str | os.PathLike) -> dict:
    """Write the data as at ``version`` to ``out`` (a new file); return what was done."""
    t0 = dt.datetime.now()
    src = sqlite3.connect(str(main), timeout=10)
    dst = sqlite3.connect(str(out))
    try:
        src.backup(dst)
    finally:
        src.close()
    try:
        dst.execute("PRAGMA journal_mode = OFF")
        dst.execute("PRAGMA synchronous = OFF")
        dst.execute("PRAGMA foreign_keys = OFF")
        dst.execute("BEGIN")
        versions.drop_capture(dst)
        dst.execute("DROP TRIGGER IF EXISTS asat_version_time")
        at = reached_at(dst, version)
        undone = dst.execute("SELECT COUNT(*) FROM asat_changes WHERE version > ?", (int(version),)).fetchone()[0]
        touched = _undo_changes(dst, version)
        kinds = _areas_to_refresh(touched)
        for area in kinds:
            area.refresh(dst, None)
        kinds = [a.key for a in kinds]
        updates = len(updates_since(dst, version))
        dst.execute("DELETE FROM asat_changes WHERE version > ?", (int(version),))
        dst.execute("DELETE FROM asat_versions WHERE version > ?", (int(version),))
        dst.execute("UPDATE data_version SET version = ? WHERE id = 1", (int(version),))
        dst.execute("CREATE TABLE asat_snapshot (version INTEGER NOT NULL, at TEXT, built_at TEXT NOT NULL)")
        dst.execute("INSERT INTO asat_snapshot VALUES (?, ?, ?)",
                    (int(version), at, dt.datetime.now().isoformat(timespec="seconds")))
        dst.execute("COMMIT")
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()
    return {"version": int(version), "undone_changes": undone, "updates": updates, "refreshed": sorted(kinds),
            "seconds": (dt.datetime.now() - t0).total_seconds()}


def _areas_to_refresh(touched: set[str]) -> list:
    """The areas (finance_core.areas) whose roll-ups read a table the reversal changed:
    the ledgers of their import feeds; a reference table refreshes every area."""
    with_refresh = [a for a in areas.ALL if a.refresh is not None]
    if touched & REFERENCE_TABLES:
        return with_refresh
    return [a for a in with_refresh
            if touched & {spec.table for k in a.import_feeds for spec in IMPORT_FEEDS[k].tables}]


def _fresh(path: Path, main_at: str | None) -> bool:
    """A cached snapshot of this database's history (not of a restored backup's)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as c:
            row = c.execute("SELECT at FROM asat_snapshot").fetchone()
        return row is not None and row[0] == main_at
    except sqlite3.Error:
        return False


def snapshot(main: str | os.PathLike, version: int) -> Path:
    """The read-only file with the data as at ``version``, built on first use.

    Raises ValueError when ``version`` cannot be reproduced."""
    main = Path(main)
    with contextlib.closing(sqlite3.connect(str(main), timeout=10)) as c:
        if not versions.has_versions(c) or not versions.valid(c, version):
            raise ValueError(f"数据版本 {version} 无法重现")
        main_at = reached_at(c, version)
        schema_version = c.execute("PRAGMA user_version").fetchone()[0]
    path = versions.snapshot_file(main, version, schema_version)
    if path.exists() and _fresh(path, main_at):
        with contextlib.suppress(OSError):
            os.utime(path)
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with fdb.temp_beside(path) as tmp:
        build_snapshot(main, version, tmp)
        os.chmod(tmp, 0o444)
        fdb.close_kept(path)   # connections to a stale copy at this path
        os.replace(tmp, path)
    for gone in versions.evict(main):
        fdb.close_kept(gone)   # an open connection would keep the deleted file's space
    return path


# --- what changed since -----------------------------------------------------------------
ACTION_TEXT = {"import": "导入", "undo": "撤销导入", "edit": "修改"}
CHANGE_COLUMNS = ["时间", "操作", "数据", "报送单位", "月份", "操作人"]


def _months_text(text: str | None) -> str:
    return text or ""


def _first_month(text: str | None) -> str | None:
    return (text or "")[:7] or None


def changes_since(db, version: int, sources: Iterable[str] | None = None, banks: Sequence[str] = (),
                  upto: str | None = None) -> pd.DataFrame:
    """The writes after ``version`` (imports, undos, edits), oldest first, with who
    reported what for which month and when. ``sources`` limits them to those import
    sources (a page's feeds), ``banks`` to the banks in scope (other reporters kept),
    ``upto`` to data months not after it."""
    conn = versions.connection(db)
    sources = None if sources is None else set(sources)
    names = completeness.reporter_names(sqlite_utils.Database(conn))
    audit = conn.execute(
        "SELECT a.id, a.at, a.user_name, a.action, a.entity, a.detail FROM audit_log a "
        "WHERE a.id IN (SELECT CAST(json_extract(key, '$[0]') AS INTEGER) FROM asat_changes "
        "WHERE tbl = 'audit_log' AND op = 'I' AND version > ?) AND a.action IN ('import', 'undo', 'edit') "
        "ORDER BY a.id", (int(version),)).fetchall()
    out = []
    for _, at, user, action, entity, detail in audit:
        try:
            d = json.loads(detail)
        except (TypeError, ValueError):
            d = {}
        d = d if isinstance(d, dict) else {}
        source, month, reporters = None, None, []
        if action in ("import", "undo"):
            import_id = d.get("导入编号") if action == "import" else d.get("撤销导入编号")
            row = conn.execute("SELECT source, month FROM import_log WHERE id = ?", (import_id,)).fetchone()
            if row:
                source, month = row
                feed = completeness.BY_KEY.get(completeness.SOURCE_FEED.get(source, ""))
                codes = [r[0] for r in conn.execute("SELECT DISTINCT reporter FROM submissions WHERE import_id = ? "
                                                    "ORDER BY reporter", (import_id,))]
                codes = codes or _reporters_of_import(conn, import_id)
                reporters += [(c, names.get((feed.reporter, c), c) if feed else c) for c in codes]
        elif action == "edit" and str(entity).startswith("企业上市"):
            source = "ipo_events" if d.get("change") == "stage" else "ipo_notes"
            month = d.get("month") or (d.get("date") or "")[:7] or None
            reporters = [(completeness.TASK_FORCE_CODE, completeness.TASK_FORCE_NAME)]
        if sources is not None and source not in sources:
            continue
        if banks and reporters and all(code not in banks for code, _ in reporters) \
                and source in ("credit", "microloans", "microloan_status"):
            continue
        if upto and _first_month(month) and _first_month(month) > upto:
            continue
        title = IMPORT_FEEDS[source].title if source in IMPORT_FEEDS else str(entity)
        out.append({"时间": time_text(at), "操作": ACTION_TEXT.get(action, action), "数据": title,
                    "报送单位": "、".join(n for _, n in reporters) or "—", "月份": _months_text(month) or "—",
                    "操作人": user or "—"})
    return pd.DataFrame(out, columns=CHANGE_COLUMNS)


def _reporters_of_import(conn: sqlite3.Connection, import_id) -> list[str]:
    """The banks (or guarantors) whose rows an import changed, from the change log
    (when ``submissions`` kept an earlier import's row of the same second)."""
    row = conn.execute("SELECT version FROM asat_changes WHERE tbl = 'import_log' AND op = 'I' AND key = ?",
                       (json.dumps([import_id]),)).fetchone()
    if row is None:
        return []
    found: set[str] = set()
    for tbl, op, key, old in conn.execute(
            "SELECT tbl, op, key, old FROM asat_changes WHERE version = ? AND tbl NOT IN "
            "('audit_log', 'import_log', 'import_changes', 'submissions')", (row[0],)):
        rows = [json.loads(old)] if old else []
        if not rows and key and op in ("I", "B"):
            cols, keys, _ = layout(conn, tbl)
            if not {"bank_code", "guarantor_code"} & set(cols):
                continue
            where = " AND ".join(f"{q(k) if k != 'rowid' else 'rowid'} IS ?" for k in keys)
            hits = (conn.execute(f"SELECT * FROM {q(tbl)} WHERE {where}", k).fetchone()
                    for k in versions.inserted_keys(op, key))
            rows = [dict(zip(cols, hit)) for hit in hits if hit]
        for values in rows:
            for col in ("bank_code", "guarantor_code"):
                if values.get(col):
                    found.add(str(values[col]))
    return sorted(found)


# --- the headline KPIs of a page, then and now --------------------------------------------
def page_sources(page: str) -> set[str] | None:
    """The import sources whose data a page shows (None: every source): an area page's
    import feeds (finance_core.areas) and the annual targets."""
    area = areas.BY_KEY.get(page)
    if area is None:
        return None
    return set(area.import_feeds) | {"targets"}


def headline(db, page: str, f) -> list:
    """The headline KPIs of ``page``: its area's KPIs the overview shows; on the
    overview and the brief (no area of their own), the first two of every area."""
    return [k for fn, args, pick in headline_calls(page) for k in pick(fn(db, f, *args))]


def headline_calls(page: str) -> list[tuple]:
    """(fn, extra args, selection) whose ``selection(fn(db, f, *args))`` together are
    :func:`headline` (the same calls the pages make, so a cached page call serves both)."""
    area = areas.BY_KEY.get(page)
    if area is not None and ("<" in area.kpis.__qualname__ or "." in area.kpis.__qualname__):
        return [(overview.area_kpis, (area.key,), list)]   # not a module-level function: by its key
    if area is not None:
        keys = area.overview

        def pick(kpis, keys=keys):
            by = {k.key: k for k in kpis}
            return [by[k] for k in keys if k in by] if keys else list(kpis)
        return [(area.kpis, (), pick)]
    return [(overview.area_kpis, (a.key,), _first_two) for a in areas.ALL if a.page]


def _first_two(kpis) -> list:
    return list(kpis)[:2]


def compare_kpis(then: list, now: list) -> pd.DataFrame:
    """指标 / 当时 / 现在 / 变化 for KPIs present at either moment."""
    now_by = {k.key: k for k in now}
    rows = []
    keys = [k.key for k in then] + [k.key for k in now if k.key not in {t.key for t in then}]
    then_by = {k.key: k for k in then}
    for key in keys:
        a, b = then_by.get(key), now_by.get(key)
        k = a or b
        va = None if a is None else a.value
        vb = None if b is None else b.value
        change = "—"
        if va is not None and vb is not None:
            delta = signed_delta(k.kind, vb, va, k.unit, k.decimals)
            change = "无变化" if va == vb else (str(delta) if delta not in (None, "") else "—")
        rows.append({"指标": k.label,
                     "当时": "—" if va is None else fmt_value(k.kind, va, k.unit, k.decimals),
                     "现在": "—" if vb is None else fmt_value(k.kind, vb, k.unit, k.decimals),
                     "变化": change})
    return pd.DataFrame(rows, columns=["指标", "当时", "现在", "变化"])
