"""Editors (scrypt hashes, failed-login delay, lock-out, CLI) and backups."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import sqlite3
import threading

import pytest

from finance_core import auth, backup
from finance_core import db as fdb


@pytest.fixture
def users_db(empty_db):
    auth.add_user(empty_db, "张三", "correct horse")
    return empty_db


def test_password_hash_is_salted_scrypt(users_db):
    (stored,) = users_db.execute("SELECT password_hash FROM users WHERE name = '张三'").fetchone()
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2 ** 14, 8, 1)
    assert digest == hashlib.scrypt(b"correct horse", salt=bytes.fromhex(salt), n=2 ** 14, r=8, p=1,
                                    dklen=32).hex()
    assert "correct horse" not in stored
    assert auth.hash_password("correct horse") != auth.hash_password("correct horse")   # fresh salt
    assert auth.verify_password("correct horse", stored)
    assert not auth.verify_password("correct horsE", stored)
    assert not auth.verify_password("x", "garbage")


def test_failed_logins_wait_and_lock(users_db):
    waits = []
    clock = [dt.datetime(2026, 11, 1, 9, 0)]
    kw = {"sleep": waits.append, "now": lambda: clock[0]}
    assert auth.authenticate(users_db, "张三", "correct horse", **kw).ok
    assert waits == []
    for _ in range(auth.LOCK_AFTER):
        result = auth.authenticate(users_db, "张三", "wrong", **kw)
        assert not result.ok and result.message == auth.FAILURE_MESSAGE
    assert waits == [auth.FAILURE_DELAY] * auth.LOCK_AFTER
    locked = auth.authenticate(users_db, "张三", "correct horse", **kw)   # right password, still locked
    assert not locked.ok and not locked.checked
    clock[0] += dt.timedelta(minutes=auth.LOCK_MINUTES + 1)
    assert auth.authenticate(users_db, "张三", "correct horse", **kw).ok
    assert users_db.execute("SELECT failed_logins FROM users").fetchone() == (0,)


def test_unknown_locked_and_wrong_look_the_same(users_db):
    """No enumeration: an unknown name, a wrong password and a locked account get
    the same message and the same delay, at every attempt."""
    clock = [dt.datetime(2026, 11, 1, 9, 0)]
    seen = {}
    for who, password in (("李四", "whatever"), ("张三", "wrong")):
        for i in range(auth.LOCK_AFTER + 2):   # the known name is locked from the 11th attempt on
            waits = []
            result = auth.authenticate(users_db, who, password, sleep=waits.append, now=lambda: clock[0])
            seen.setdefault((result.message, tuple(waits)), []).append((who, i))
    assert len(seen) == 1, seen
    ((message, waits),) = seen
    assert message == auth.FAILURE_MESSAGE and "张三" not in message and waits == (auth.FAILURE_DELAY,)
    assert "锁定" not in message.split("（")[0]   # the message itself never says this account is locked


def _concurrent_attempts(path, passwords: list[str], clock: dt.datetime) -> list:
    barrier = threading.Barrier(len(passwords))
    results = []

    def attempt(password: str) -> None:
        with fdb.opened(path) as d:
            barrier.wait()
            results.append((password, auth.authenticate(d, "张三", password, sleep=lambda s: None,
                                                        now=lambda: clock)))

    threads = [threading.Thread(target=attempt, args=(p,)) for p in passwords]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == len(passwords)
    return results


def test_concurrent_guesses_cannot_outrun_the_lock(tmp_path):
    """14 sessions submit wrong guesses at once: the attempts are counted
    atomically, so exactly LOCK_AFTER of them are checked against the account,
    none is lost, and the right password is refused afterwards."""
    path = tmp_path / "users.db"
    with fdb.opened(path) as d:
        auth.add_user(d, "张三", "correct horse")
    clock = dt.datetime(2026, 11, 1, 9, 0)
    results = _concurrent_attempts(path, [f"guess-{i}" for i in range(14)], clock)
    assert not any(r.ok for _, r in results)
    assert sum(r.checked for _, r in results) == auth.LOCK_AFTER
    assert {r.message for _, r in results} == {auth.FAILURE_MESSAGE}
    with fdb.opened(path) as d:
        assert d.execute("SELECT failed_logins FROM users").fetchone() == (14,)
        assert not auth.authenticate(d, "张三", "correct horse", sleep=lambda s: None, now=lambda: clock).ok


def test_concurrent_right_password_among_guesses(tmp_path):
    """13 wrong guesses and the right password at once: the right one gets in
    only if it was checked before the lock; either way no failure is lost."""
    path = tmp_path / "users.db"
    with fdb.opened(path) as d:
        auth.add_user(d, "张三", "correct horse")
        with fdb.write_transaction(d):   # 5 failures already on record
            d.execute("UPDATE users SET failed_logins = 5, last_failed_at = '2026-11-01T08:59:00'")
    clock = dt.datetime(2026, 11, 1, 9, 0)
    results = _concurrent_attempts(path, [f"guess-{i}" for i in range(13)] + ["correct horse"], clock)
    right = next(r for p, r in results if p == "correct horse")
    checked_wrong = sum(r.checked and not r.ok for _, r in results)
    with fdb.opened(path) as d:
        (failures,) = d.execute("SELECT failed_logins FROM users").fetchone()
    if right.ok:   # before the lock: at most 4 guesses before it, the count restarted at it
        assert failures <= 13 and checked_wrong <= (auth.LOCK_AFTER - 5) + auth.LOCK_AFTER
    else:          # after the lock: every attempt counted, only 5 guesses checked
        assert failures == 5 + 14 and checked_wrong == auth.LOCK_AFTER - 5


def test_oidc_only_user_cannot_use_a_password(users_db):
    auth.add_user(users_db, "a@example.gov.cn", None)
    assert not auth.authenticate(users_db, "a@example.gov.cn", "", sleep=lambda s: None).ok
    assert auth.is_editor(users_db, "A@example.gov.cn")
    assert not auth.is_editor(users_db, "b@example.gov.cn")


def test_user_management_errors(users_db):
    with pytest.raises(auth.UserError, match="已存在"):
        auth.add_user(users_db, "张三", "another one")
    with pytest.raises(auth.UserError, match="至少"):
        auth.add_user(users_db, "王五", "short")
    auth.set_password(users_db, "张三", "new password")
    assert auth.authenticate(users_db, "张三", "new password", sleep=lambda s: None).ok
    auth.remove_user(users_db, "张三")
    assert auth.list_users(users_db) == []
    actions = [r[0] for r in users_db.execute("SELECT detail FROM audit_log ORDER BY id")]
    assert len(actions) == 3 and "新增编辑人员" in actions[0] and "删除编辑人员" in actions[-1]


def test_cli_add_user_and_list(tmp_path, monkeypatch, capsys):
    path = tmp_path / "cli.db"
    fdb.connect(path).close()
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pass\n"))
    assert auth.main(["--db", str(path), "add-user", "赵六", "--password-stdin"]) == 0
    assert auth.main(["--db", str(path), "add-user", "o@example.gov.cn", "--oidc"]) == 0
    assert auth.main(["--db", str(path), "list-users"]) == 0
    out = capsys.readouterr().out
    assert "赵六\t密码" in out and "o@example.gov.cn\tOIDC" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert auth.main(["--db", str(path), "add-user", "钱七", "--password-stdin"]) == 1
    with fdb.opened(path) as db:
        assert auth.authenticate(db, "赵六", "s3cret-pass", sleep=lambda s: None).ok


# --- backups --------------------------------------------------------------------------
def table_counts(path) -> dict:
    conn = sqlite3.connect(str(path))
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: conn.execute(f"SELECT COUNT(*) FROM {n}").fetchone()[0] for n in names}
    finally:
        conn.close()


def test_backup_is_a_consistent_standalone_copy(writable_db, tmp_path):
    out = backup.backup_to(writable_db, tmp_path / "copy.db")
    assert table_counts(out) == table_counts(writable_db)
    conn = sqlite3.connect(str(out))
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    data = backup.download_copy(writable_db, "测试编辑")
    assert data[:16] == b"SQLite format 3\x00"
    with fdb.opened(writable_db) as db:
        assert db.execute("SELECT user_name, action FROM audit_log ORDER BY id DESC LIMIT 1").fetchone() == \
            ("测试编辑", "backup")
    with pytest.raises(backup.BackupError):
        backup.download_copy(writable_db, "")


def test_backup_during_writes_sees_whole_transactions(writable_db, tmp_path):
    stop = threading.Event()

    def writer():
        with fdb.opened(writable_db) as db:
            i = 0
            while not stop.is_set():
                with fdb.write_transaction(db):   # two rows per transaction
                    db.execute("INSERT INTO risk_fund VALUES (?, 0, 0, 0, 1)", (f"{3000 + i}-01",))
                    db.execute("INSERT INTO risk_fund VALUES (?, 0, 0, 0, 1)", (f"{3000 + i}-02",))
                i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        copies = [backup.backup_to(writable_db, tmp_path / f"b{i}.db") for i in range(3)]
    finally:
        stop.set()
        t.join()
    for c in copies:
        conn = sqlite3.connect(str(c))
        (n,) = conn.execute("SELECT COUNT(*) FROM risk_fund WHERE month >= '3000'").fetchone()
        conn.close()
        assert n % 2 == 0


def test_nightly_cli_keeps_the_newest(writable_db, tmp_path, capsys):
    out = tmp_path / "nightly"
    out.mkdir()
    for name in ("county-20260101-020000.db", "county-20260102-020000.db", "notes.txt"):
        (out / name).write_bytes(b"old")
    assert backup.main(["--out", str(out), "--db", str(writable_db), "--keep", "2"]) == 0
    files = sorted(p.name for p in out.iterdir())
    assert files[0] == "county-20260102-020000.db" and files[-1] == "notes.txt" and len(files) == 3
    assert "已备份到" in capsys.readouterr().out
    assert backup.main(["--out", str(out), "--db", str(tmp_path / "missing.db")]) == 1
