"""finance_core.db.reading: kept read connections are reused, never stale, never handed
out inside a transaction; a replaced file gets new ones."""
import shutil

from finance_core import db as fdb


def _bump(path):
    with fdb.opened(path) as db:
        with fdb.write_transaction(db):
            pass   # an empty write still moves the data version on
        return fdb.data_version(db)


def test_a_kept_connection_is_reused(writable_db):
    fdb.close_kept()
    with fdb.reading(writable_db) as db:
        first = db.conn
        assert db.execute("SELECT COUNT(*) FROM towns").fetchone()[0] > 0
    with fdb.reading(writable_db) as db:
        assert db.conn is first
    fdb.close_kept()


def test_a_connection_holding_an_old_snapshot_is_not_handed_out(writable_db):
    fdb.close_kept()
    with fdb.reading(writable_db) as db:
        stale = db.conn
        before = fdb.data_version(db)
        pending = db.execute("SELECT id FROM households")   # left unfinished: it holds its snapshot
        pending.fetchone()
    after = _bump(writable_db)
    assert after != before
    with fdb.reading(writable_db) as db:
        assert db.conn is not stale
        assert fdb.data_version(db) == after
    del pending
    fdb.close_kept()


def test_a_transaction_is_never_kept(writable_db):
    fdb.close_kept()
    with fdb.reading(writable_db) as db:
        db.conn.execute("BEGIN")
        open_one = db.conn
    with fdb.reading(writable_db) as db:
        assert db.conn is not open_one and not db.conn.in_transaction
    fdb.close_kept()


def test_a_replaced_file_gets_new_connections(writable_db, tmp_path):
    fdb.close_kept()
    with fdb.reading(writable_db) as db:
        old = db.conn
    copy = tmp_path / "copy.db"
    shutil.copy(writable_db, copy)
    _bump(copy)
    shutil.move(copy, writable_db)   # another file (inode) at the same path
    with fdb.reading(writable_db) as db:
        assert db.conn is not old
        assert fdb.data_version(db) == fdb.current_version(writable_db)
    fdb.close_kept()
