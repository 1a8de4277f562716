"""Importing the monthly feeds (Excel / CSV) with validation, preview and undo.

    from finance_core import imports
    p = imports.preview(db, "credit", "11月信用村.xlsx", data)   # read-only
    if p.ok and p.has_changes:
        imports.apply(db, p.parsed, user="张三")                 # one transaction
    imports.undo(db, "credit", user="张三")                      # latest import of a source

Templates: ``imports.templates.workbook(db, feed_key)``; existing data in the
template layout: ``imports.templates.export_workbook(db, feed_key, month)``.
"""
from . import templates  # noqa: F401
from .engine import (  # noqa: F401
    ImportRejected, ImportResult, Issue, Parsed, Preview, UndoError, apply, audit_log, file_hash, freshness,
    history, import_file, latest_import, parse, preview, undo, undoable,
)
from .feeds import FEED_BY_TITLE, FEEDS, Feed  # noqa: F401
from .reader import MAX_BYTES, FileRejected  # noqa: F401
