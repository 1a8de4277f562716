"""An import while other threads read: nothing is lost, no "database is locked",
and a reader sees a month either not at all or complete (ledger and roll-up agree)."""
from __future__ import annotations

import threading

from finance_core import db as fdb
from finance_core import filters as ff
from finance_core import imports, overview
from finance_core.imports import templates

USER = "并发测试"


def test_imports_while_reading(writable_db):
    with fdb.opened(writable_db) as db:
        rows = [("2026-11",) + r[1:] for r in templates.export_rows(db, "credit", "2026-10")]
        credit_file = templates.workbook(db, "credit", rows)
        notes = [("2026-11",) + r[1:] for r in templates.export_rows(db, "ipo_notes", "2026-10")]
        notes_file = templates.workbook(db, "ipo_notes", notes)
        net = [(m, "青禾县融资担保有限公司", 300_000_000 + i, "A") for i, m in enumerate(["2026-11", "2026-12"])]
        net_file = templates.workbook(db, "guarantor", net)
    expected = (len(rows), sum(r[6] for r in rows))
    errors: list[BaseException] = []
    seen: set = set()
    done = threading.Event()

    def guard(fn):
        def run():
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
        return run

    def credit_writer():
        for step in range(3):   # import, undo, import again
            with fdb.opened(writable_db) as db:
                if step == 1:
                    imports.undo(db, "credit", USER)
                else:
                    imports.import_file(db, "credit", f"c{step}.xlsx", credit_file, USER)

    def other_writer():
        with fdb.opened(writable_db) as db:
            imports.import_file(db, "ipo_notes", "notes.xlsx", notes_file, USER)
        with fdb.opened(writable_db) as db:
            imports.import_file(db, "guarantor", "net.xlsx", net_file, USER)

    def reader():
        n = 0
        while not done.is_set() or n < 20:
            n += 1
            with fdb.opened(writable_db) as db:
                conn = db.conn
                conn.execute("BEGIN")
                ledger = conn.execute("SELECT COUNT(*), COALESCE(SUM(granted_amount), 0) FROM credit_reports "
                                      "WHERE month = '2026-11'").fetchone()
                (rollup,) = conn.execute("SELECT COALESCE(SUM(granted_amount), 0) FROM credit_monthly "
                                         "WHERE month = '2026-11'").fetchone()
                conn.execute("COMMIT")
                assert ledger in ((0, 0), expected), ledger
                assert rollup == ledger[1]
                seen.add(ledger[0])
                opts = ff.load_options(db)
                overview.area_kpis(db, ff.Filters(as_of=opts.latest), "credit-villages")

    writers = [threading.Thread(target=guard(credit_writer)), threading.Thread(target=guard(other_writer))]
    readers = [threading.Thread(target=guard(reader)) for _ in range(3)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join(120)
    done.set()
    for t in readers:
        t.join(120)
    assert not errors, [repr(e) for e in errors]
    assert not any("locked" in repr(e) for e in errors)
    with fdb.opened(writable_db) as db:
        assert db.execute("SELECT COUNT(*), SUM(granted_amount) FROM credit_reports WHERE month = '2026-11'"
                          ).fetchone() == expected
        assert db.execute("SELECT COUNT(*) FROM ipo_notes WHERE month = '2026-11'").fetchone() == (len(notes),)
        assert db.execute("SELECT month, net_assets FROM guarantor_monthly WHERE month >= '2026-11' ORDER BY month"
                          ).fetchall() == [(m, v) for m, _, v, _ in net]
        log = db.execute("SELECT source, undone_at IS NOT NULL FROM import_log ORDER BY id").fetchall()
        assert sorted(log) == sorted([("credit", True), ("credit", False), ("ipo_notes", False),
                                      ("guarantor", False)])
        assert "2026-12" in ff.load_options(db).months
