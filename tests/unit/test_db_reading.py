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


def test_kept_connections_are_bounded_and_closed_with_their_file(writable_db, tmp_path):
    """A snapshot's connections close when it is evicted (close_kept(path)); only the files
    read last keep connections."""
    fdb.close_kept()
    copies = []
    for i in range(fdb.POOL_FILES + 1):
        copy = tmp_path / f"copy{i}.db"
        shutil.copy(writable_db, copy)
        copies.append(copy)
        with fdb.reading(copy):
            pass
    assert str(copies[0]) not in fdb._POOL and len(fdb._POOL) == fdb.POOL_FILES
    with fdb.reading(copies[-1]) as db:
        conn = db.conn
    fdb.current_version(copies[-1])
    fdb.close_kept(copies[-1])
    assert str(copies[-1]) not in fdb._POOL and str(copies[-1]) not in fdb._VERSION_READERS
    assert str(copies[-2]) in fdb._POOL
    try:
        conn.execute("SELECT 1")
        closed = False
    except Exception:
        closed = True
    assert closed
    fdb.close_kept()


def test_changed_since_names_the_newer_version(writable_db):
    seen = fdb.current_version(writable_db)
    assert fdb.changed_since(writable_db, seen) is None
    now = _bump(writable_db)
    assert fdb.changed_since(writable_db, seen) == now != seen
