"""AppTest runs of the 数据管理 page: viewers see no controls, sign-in works,
editors upload -> preview -> apply, bad files are refused, undo, link parameters."""
from __future__ import annotations

import hashlib

import pytest

from finance_core import auth, imports, privacy
from finance_core import db as fdb
from finance_core.imports import templates
from tests.apptest_support import card_values, cards, shown_text

PAGE = "pages/data.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for kind in ("info", "success", "warning", "error") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def metrics(at) -> dict[str, str]:
    return card_values(at)


def credit_file(db_path, month="2026-11") -> bytes:
    with fdb.opened(db_path) as db:
        rows = [(month,) + r[1:] for r in templates.export_rows(db, "credit", "2026-10")]
        return templates.workbook(db, "credit", rows)


@pytest.fixture
def editor_env(monkeypatch):
    monkeypatch.setenv("FINANCE_EDITING", "1")
    monkeypatch.setenv("FINANCE_EDITOR", "测试编辑")


def test_viewer_sees_no_controls_and_freshness(app, demo_db, monkeypatch):
    monkeypatch.delenv("FINANCE_EDITING", raising=False)
    at = app(page=PAGE)
    assert not at.exception
    assert len(at.file_uploader) == 0 and len(at.tabs) == 0
    assert [b.label for b in at.button] == ["登录"]
    assert "查看数据无需登录" in texts(at)
    # first the 报送情况 matrix (for everyone), then 数据更新情况
    assert list(at.dataframe[0].value.columns[:2]) == ["数据源", "报送单位"]
    table = at.dataframe[1].value.set_index("数据源")
    with fdb.opened(demo_db) as db:
        (credit,) = db.execute("SELECT MAX(month) FROM credit_reports").fetchone()
        (contracts,) = db.execute("SELECT MAX(substr(start_on, 1, 7)) FROM guarantee_contracts").fetchone()
    assert table.loc["信用村银行报表", "最新数据"] == credit
    assert table.loc["担保合同", "最新数据"] == contracts
    assert not privacy.contains_unmasked_id(texts(at) + at.dataframe[1].value.to_csv())


def test_bad_link_parameters_give_a_notice(app, editor_env):
    at = app(query_params={"tab": "黑客", "feed": "不存在的表"}, page=PAGE)
    assert not at.exception
    warning = shown_text("\n".join(w.value for w in at.warning))
    assert "黑客" in warning and "不存在的表" in warning
    assert len(at.file_uploader) == 1     # the page still loads, on the default tab


def test_link_selects_feed_and_tab(app, editor_env):
    at = app(query_params={"feed": "担保合同"}, page=PAGE)
    assert not at.exception
    assert at.selectbox(key="feed").value == "担保合同"
    assert imports.FEEDS["guarantees"].description in texts(at)
    at = app(query_params={"tab": "操作日志"}, page=PAGE)
    assert not at.exception and len(at.file_uploader) == 0
    assert list(at.dataframe[1].value.columns) == ["时间", "用户", "操作", "对象", "内容"]


def test_sign_in_with_password(app, writable_db, monkeypatch):
    monkeypatch.delenv("FINANCE_EDITING", raising=False)
    monkeypatch.setattr(auth.time, "sleep", lambda s: None)
    with fdb.opened(writable_db) as db:
        auth.add_user(db, "张三", "correct horse")
    at = app(page=PAGE, db_path=writable_db)
    at.text_input(key="signin_user").input("张三")
    at.text_input(key="signin_password").input("wrong password")
    at.button[0].click().run()
    assert not at.exception and "用户名或密码错误" in texts(at) and len(at.file_uploader) == 0
    at.text_input(key="signin_user").input("张三")
    at.text_input(key="signin_password").input("correct horse")
    at.button[0].click().run()
    assert not at.exception
    assert "已登录编辑账号：**张三**" in texts(at)
    assert len(at.file_uploader) == 1 and [t.label for t in at.tabs] == ["导入数据", "导入记录", "操作日志", "数据备份"]
    at.button(key="signout").click().run()
    assert len(at.file_uploader) == 0


def test_upload_preview_apply(app, writable_db, editor_env):
    data = credit_file(writable_db)
    at = app(page=PAGE, db_path=writable_db)
    at.file_uploader[0].set_value(("11月信用村.xlsx", data, XLSX)).run()
    assert not at.exception
    with fdb.opened(writable_db) as db:
        p = imports.preview(db, "credit", "11月信用村.xlsx", data)
        (expected,) = db.execute("SELECT COUNT(*) FROM credit_reports WHERE month = '2026-10'").fetchone()
    assert p.added == expected
    assert metrics(at) == {"新增（行）": f"{expected:,}", "更新（行）": "0", "不变（行）": "0", "删除（行）": "0"}
    at.button(key="apply").click().run()
    assert not at.exception
    assert f"新增 {expected:,} 行" in texts(at)
    with fdb.opened(writable_db) as db:
        assert db.execute("SELECT COUNT(*) FROM credit_reports WHERE month = '2026-11'").fetchone() == (expected,)
        assert db.execute("SELECT user_name FROM import_log").fetchall() == [("测试编辑",)]
    assert len(at.file_uploader) == 1 and not cards(at)      # uploader cleared after the import
    assert at.selectbox(key="as_of").options[0] == "2026-11"   # the new month is offered ...
    assert at.selectbox(key="as_of").value == "2026-11"        # ... and shown, since the view was on the latest


def test_bad_upload_is_refused_and_nothing_changes(app, writable_db, editor_env):
    before = hashlib.sha256(writable_db.read_bytes()).hexdigest()
    bad = ("月份,乡镇,村名,村代码,银行,授信户数,授信金额(元),用信户数,用信金额(元)\n"
           "2026-11,城关镇,,T01V001,农商行,10,100,20,50\n2026-11,火星镇,,T01V002,农商行,10,100,5,50\n").encode("gb18030")
    at = app(page=PAGE, db_path=writable_db)
    at.file_uploader[0].set_value(("bad.csv", bad, "text/csv")).run()
    assert not at.exception
    assert "文件未导入：发现 2 个问题" in texts(at)
    errors = at.dataframe[1].value   # the errors (after the 报送情况 matrix), above the freshness table
    assert list(errors["行号"]) == [2, 3]
    assert "用信户数 20 大于授信户数 10" in errors["问题"].iloc[0] and "火星镇" in errors["问题"].iloc[1]
    assert not [b for b in at.button if b.key == "apply"]
    assert hashlib.sha256(writable_db.read_bytes()).hexdigest() == before


def test_history_and_undo(app, writable_db, editor_env):
    with fdb.opened(writable_db) as db:
        imports.import_file(db, "credit", "11月.xlsx", credit_file(writable_db), "另一位编辑")
    at = app(query_params={"tab": "导入记录"}, page=PAGE, db_path=writable_db)
    assert not at.exception
    hist = at.dataframe[1].value
    assert list(hist["文件名"]) == ["11月.xlsx"] and list(hist["导入人"]) == ["另一位编辑"]
    assert at.button(key="undo").disabled
    at.checkbox[0].check().run()
    at.button(key="undo").click().run()
    assert not at.exception and "已撤销" in texts(at)
    with fdb.opened(writable_db) as db:
        assert db.execute("SELECT COUNT(*) FROM credit_reports WHERE month = '2026-11'").fetchone() == (0,)
        assert db.execute("SELECT user_name, action FROM audit_log ORDER BY id DESC LIMIT 1").fetchone() == \
            ("测试编辑", "undo")
    assert "没有可以撤销的导入" in texts(at)


def oidc_app(monkeypatch, db_path, user: dict):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT, clear_streamlit_caches

    monkeypatch.delenv("FINANCE_EDITING", raising=False)
    monkeypatch.setenv("FINANCE_DB", str(db_path))
    clear_streamlit_caches()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "finance", "client_secret": "s",
                          "server_metadata_url": "https://id.example.gov.cn/.well-known/openid-configuration"}
    at.user = user
    at.run()
    at.switch_page(PAGE)
    at.run()
    return at


def test_oidc_editor_must_be_a_user(writable_db, monkeypatch):
    with fdb.opened(writable_db) as db:
        auth.add_user(db, "li@example.gov.cn", None)
    at = oidc_app(monkeypatch, writable_db, {"is_logged_in": True, "email": "li@example.gov.cn"})
    assert not at.exception
    assert "已登录编辑账号：**li@example.gov.cn**" in texts(at) and len(at.file_uploader) == 1
    at = oidc_app(monkeypatch, writable_db, {"is_logged_in": True, "email": "wang@example.gov.cn"})
    assert not at.exception
    assert "wang@example.gov.cn 不是编辑人员" in texts(at) and len(at.file_uploader) == 0
    at = oidc_app(monkeypatch, writable_db, {"is_logged_in": False})
    assert not at.exception and len(at.file_uploader) == 0
    assert "统一身份认证" in texts(at) or any("统一身份认证" in b.label for b in at.button)
