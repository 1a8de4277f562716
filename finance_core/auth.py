"""Editors: accounts with salted scrypt password hashes, and a slow failed login.

Viewing needs no account; changing data does. Passwords are hashed with
``hashlib.scrypt`` (random 16-byte salt, n=2**14, r=8, p=1) and stored as
``scrypt$n$r$p$salt_hex$hash_hex``; comparison is constant-time. Every failed
sign-in waits 2 s and after 10 consecutive failures the account refuses
sign-in for 15 minutes, so guessing is slow; the attempts are serialised in
the database, so concurrent guesses count too. An unknown name, a locked
account and a wrong password cost the same work, delay and message, so names
cannot be probed.

A user without a password can sign in only through OIDC (``st.login``), by
the e-mail address the identity provider reports.

CLI::

    python -m finance_core.auth add-user NAME [--oidc] [--password-stdin] [--db PATH]
    python -m finance_core.auth passwd NAME [--password-stdin] [--db PATH]
    python -m finance_core.auth remove-user NAME [--db PATH]
    python -m finance_core.auth unlock NAME [--db PATH]
    python -m finance_core.auth list-users [--db PATH]
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import getpass
import hashlib
import hmac
import os
import secrets
import sys
import time
from typing import Callable

import sqlite_utils

from . import audit, demo
from .db import opened, write_transaction

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
MIN_PASSWORD = 8
FAILURE_DELAY = 2.0       # seconds after every failed sign-in, whatever the reason
LOCK_AFTER = 10           # consecutive failures
LOCK_MINUTES = 15
CLI_USER = "命令行"
FAILURE_MESSAGE = (f"用户名或密码错误（同一账号连续失败 {LOCK_AFTER} 次会锁定 {LOCK_MINUTES} 分钟，"
                   "锁定期间即使密码正确也无法登录）")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    try:
        scheme, n, r, p, salt, digest = (stored or "").split("$")
        if scheme != "scrypt":
            return False
        expected = bytes.fromhex(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                             p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


_DUMMY_HASH = hash_password("not a password", salt=b"\0" * 16)


class UserError(ValueError):
    """A user-management request that cannot be done (Chinese message)."""


@dataclasses.dataclass(frozen=True)
class LoginResult:
    ok: bool
    user: str | None
    message: str            # Chinese, for the sign-in form
    delay: float = 0.0      # seconds waited after a failure
    checked: bool = False   # the password was compared with an account's (not shown: tests, audits)


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 64 or any(ord(c) < 32 for c in name):
        raise UserError("用户名应为 1–64 个字符，不含控制字符")
    return name


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"密码至少 {MIN_PASSWORD} 位")


def add_user(db: sqlite_utils.Database, name: str, password: str | None, *, by: str = CLI_USER) -> None:
    """Add an editor; ``password`` None makes an OIDC-only account."""
    name = check_name(name)
    if password is not None:
        check_password(password)
    with write_transaction(db):
        if db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise UserError(f"用户“{name}”已存在")
        db.execute("INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, 'editor', ?)",
                   (name, hash_password(password) if password is not None else None, audit.now()))
        audit.record(db, by, "user", "用户", {"新增编辑人员": name, "登录方式": "密码" if password else "OIDC"})


def set_password(db: sqlite_utils.Database, name: str, password: str, *, by: str = CLI_USER) -> None:
    check_password(password)
    with write_transaction(db):
        cur = db.execute("UPDATE users SET password_hash = ?, failed_logins = 0 WHERE name = ?",
                         (hash_password(password), name))
        if cur.rowcount == 0:
            raise UserError(f"用户“{name}”不存在")
        audit.record(db, by, "user", "用户", {"重设密码": name})


def remove_user(db: sqlite_utils.Database, name: str, *, by: str = CLI_USER) -> None:
    with write_transaction(db):
        cur = db.execute("DELETE FROM users WHERE name = ?", (name,))
        if cur.rowcount == 0:
            raise UserError(f"用户“{name}”不存在")
        audit.record(db, by, "user", "用户", {"删除编辑人员": name})


def unlock(db: sqlite_utils.Database, name: str, *, by: str = CLI_USER) -> None:
    with write_transaction(db):
        cur = db.execute("UPDATE users SET failed_logins = 0, last_failed_at = NULL WHERE name = ?", (name,))
        if cur.rowcount == 0:
            raise UserError(f"用户“{name}”不存在")
        audit.record(db, by, "user", "用户", {"解除锁定": name})


def list_users(db: sqlite_utils.Database) -> list[dict]:
    rows = db.execute("SELECT name, password_hash IS NOT NULL, role, created_at, disabled, failed_logins, "
                      "last_login_at FROM users ORDER BY name").fetchall()
    keys = ("name", "has_password", "role", "created_at", "disabled", "failed_logins", "last_login_at")
    return [dict(zip(keys, r)) for r in rows]


def is_editor(db: sqlite_utils.Database, name: str | None) -> bool:
    """True for an enabled editor account (used for OIDC identities)."""
    if not name:
        return False
    row = db.execute("SELECT disabled FROM users WHERE name = ? COLLATE NOCASE", (name.strip(),)).fetchone()
    return row is not None and not row[0]


@contextlib.contextmanager
def _serialised(db: sqlite_utils.Database):
    """``BEGIN IMMEDIATE`` … ``COMMIT``: sign-in attempts on one database run one
    at a time, in every process. (Not :func:`db.write_transaction`: a sign-in
    changes no data, so the cached views stay valid.)"""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def authenticate(db: sqlite_utils.Database, name: str, password: str, *,
                 sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], dt.datetime] = _now) -> LoginResult:
    """Check a name and password; a failure waits before it returns.

    The lock check, the password check and the failure count happen in one
    serialised transaction, so concurrent attempts cannot all read "0 failures"
    and together get more than ``LOCK_AFTER`` guesses. Every failure -- wrong
    password, unknown name, locked or disabled account -- costs the same work,
    the same delay and the same message, so names cannot be probed.
    """
    name = (name or "").strip()
    at = now()
    with _serialised(db):
        row = db.execute("SELECT password_hash, disabled, failed_logins, last_failed_at FROM users "
                         "WHERE name = ?", (name,)).fetchone() if name else None
        locked = False
        if row is not None and row[2] >= LOCK_AFTER and row[3]:
            locked = at < dt.datetime.fromisoformat(row[3]) + dt.timedelta(minutes=LOCK_MINUTES)
        usable = row is not None and bool(row[0]) and not row[1] and not locked
        ok = verify_password(password or "", row[0] if usable else _DUMMY_HASH) and usable
        if ok:
            db.execute("UPDATE users SET failed_logins = 0, last_failed_at = NULL, last_login_at = ? WHERE name = ?",
                       (at.isoformat(), name))
        elif row is not None and locked:   # counted, but the lock is not extended by further attempts
            db.execute("UPDATE users SET failed_logins = failed_logins + 1 WHERE name = ?", (name,))
        elif row is not None:
            db.execute("UPDATE users SET failed_logins = failed_logins + 1, last_failed_at = ? WHERE name = ?",
                       (at.isoformat(), name))
    if ok:
        return LoginResult(True, name, f"已登录：{name}", checked=True)
    sleep(FAILURE_DELAY)
    return LoginResult(False, None, FAILURE_MESSAGE, FAILURE_DELAY, checked=usable)


# --- CLI -------------------------------------------------------------------------------
def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码: ")
    if getpass.getpass("再输入一次: ") != first:
        raise UserError("两次输入的密码不一致")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m finance_core.auth", description="管理编辑人员账号")
    parser.add_argument("--db", default=None, help="数据库文件（默认 $FINANCE_DB 或 data/county.db）")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("add-user", help="新增编辑人员")
    p.add_argument("name")
    p.add_argument("--oidc", action="store_true", help="只通过 OIDC 统一身份认证登录（name 为邮箱），不设密码")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（脚本用）")
    p = sub.add_parser("passwd", help="重设密码")
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true")
    sub.add_parser("remove-user", help="删除编辑人员").add_argument("name")
    sub.add_parser("unlock", help="解除登录失败锁定").add_argument("name")
    sub.add_parser("list-users", help="列出编辑人员")
    args = parser.parse_args(argv)
    path = args.db or os.environ.get("FINANCE_DB") or None
    if path is None:
        path = demo.ensure_database()
    try:
        with opened(path) as db:
            if args.cmd == "add-user":
                password = None if args.oidc else _read_password(args.password_stdin)
                add_user(db, args.name, password)
                print(f"已添加编辑人员：{args.name}")
            elif args.cmd == "passwd":
                set_password(db, args.name, _read_password(args.password_stdin))
                print(f"已重设密码：{args.name}")
            elif args.cmd == "remove-user":
                remove_user(db, args.name)
                print(f"已删除：{args.name}")
            elif args.cmd == "unlock":
                unlock(db, args.name)
                print(f"已解除锁定：{args.name}")
            else:
                for u in list_users(db):
                    how = "密码" if u["has_password"] else "OIDC"
                    print(f"{u['name']}\t{how}\t创建于 {u['created_at']}\t最近登录 {u['last_login_at'] or '—'}"
                          f"\t连续失败 {u['failed_logins']}")
    except UserError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
