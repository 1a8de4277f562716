"""The audit log: every write (import, edit, undo) with user, time and what changed."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
import sqlite_utils


def now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def record(db: sqlite_utils.Database, user: str, action: str, entity: str, detail: Any) -> None:
    """Append one entry. Call inside the write transaction of the change itself,
    so the change and its audit entry commit (or roll back) together."""
    db.conn.execute(
        "INSERT INTO audit_log (at, user_name, action, entity, detail) VALUES (?, ?, ?, ?, ?)",
        (now(), user, action, entity, json.dumps(detail, ensure_ascii=False, default=str)),
    )


def recent(db: sqlite_utils.Database, limit: int = 200) -> pd.DataFrame:
    """The newest entries first, with Chinese column names for display."""
    return pd.read_sql_query(
        "SELECT at AS 时间, user_name AS 用户, action AS 操作, entity AS 对象, detail AS 内容 "
        "FROM audit_log ORDER BY id DESC LIMIT ?",
        db.conn,
        params=[int(limit)],
    )
