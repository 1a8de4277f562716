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


def test_failed_logins_wait_longer_and_lock(users_db):
    waits = []
    clock = [dt.datetime(2026, 11, 1, 9, 0)]
    kw = {"sleep": waits.append, "now": lambda: clock[0]}
    assert auth.authenticate(users_db, "张三", "correct horse", **kw).ok
    assert waits == []
    for _ in range(auth.LOCK_AFTER):
        result = auth.authenticate(users_db, "张三", "wrong", **kw)
        assert not result.ok and result.message == "用户名或密码错误"
    assert waits == [1, 2, 4, 8, 8, 8, 8, 8, 8, 8]
    locked = auth.authenticate(users_db, "张三", "correct horse", **kw)   # right password, still locked
    assert not locked.ok and "暂时锁定" in locked.message
    clock[0] += dt.timedelta(minutes=auth.LOCK_MINUTES + 1)
    assert auth.authenticate(users_db, "张三", "correct horse", **kw).ok
    assert users_db.execute("SELECT failed_logins FROM users").fetchone() == (0,)


def test_unknown_user_looks_like_wrong_password(users_db):
    waits = []
    result = auth.authenticate(users_db, "李四", "whatever", sleep=waits.append)
    assert not result.ok and result.message == "用户名或密码错误" and waits == [auth.BASE_DELAY]


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
