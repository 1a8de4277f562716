"""Who may change data.

Viewing needs no account. Editors sign in on the 数据管理 page with a name
and password from the ``users`` table (see ``python -m finance_core.auth``);
the sign-in lives in this browser session's state. When an ``[auth]`` section
is configured in ``.streamlit/secrets.toml``, editors can also sign in with
OIDC (``st.login``): the e-mail the provider reports must be an enabled user
(``add-user EMAIL --oidc``).

The setting ``FINANCE_EDITING=1`` (tests, local development) makes every
session an editor named ``$FINANCE_EDITOR`` (default 本地编辑).

Pages use only :func:`editor`: a name, or None for a viewer.
"""
from __future__ import annotations

import importlib.util
import os

import streamlit as st

from finance_core import auth as fauth

from . import data

SESSION_KEY = "_editor_name"
OIDC_KEY = "_oidc_editor"


def editor() -> str | None:
    """The signed-in editor's name, or None for a viewer."""
    if os.environ.get("FINANCE_EDITING") == "1":
        return os.environ.get("FINANCE_EDITOR", "本地编辑")
    name = st.session_state.get(SESSION_KEY)
    if name:
        return name
    return _oidc_editor()


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _oidc_email() -> str | None:
    if not oidc_configured():
        return None
    try:
        if not st.user.is_logged_in:
            return None
        return st.user.get("email") or None
    except Exception:
        return None


def _oidc_editor() -> str | None:
    email = _oidc_email()
    if not email:
        return None
    cached = st.session_state.get(OIDC_KEY)
    if not cached or cached[0] != email:
        cached = (email, data.run(fauth.is_editor, email))
        st.session_state[OIDC_KEY] = cached
    return email if cached[1] else None


def _provider() -> str | None:
    """None for a single provider configured in [auth]; else the first named one."""
    try:
        section = st.secrets["auth"]
        if "client_id" in section:
            return None
        return next((k for k, v in section.items() if hasattr(v, "keys")), None)
    except Exception:
        return None


def _sign_out() -> None:
    st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop(OIDC_KEY, None)
    if _oidc_email():
        st.logout()


def sign_in_panel() -> str | None:
    """The signed-in editor with a sign-out button, or the sign-in form.

    Returns the editor's name, or None for a viewer.
    """
    name = editor()
    if name:
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.success(f"已登录编辑账号：**{name}**", icon=":material/verified_user:")
        if os.environ.get("FINANCE_EDITING") != "1":
            right.button("退出登录", on_click=_sign_out, key="signout", icon=":material/logout:")
        return name
    st.info("查看数据无需登录。导入数据、撤销导入、查看导入记录和操作日志、下载备份需要编辑人员登录。",
            icon=":material/lock:")
    with st.expander("编辑人员登录", expanded=True, icon=":material/login:"):
        with st.form("signin", clear_on_submit=True, border=False):
            user = st.text_input("用户名", key="signin_user", autocomplete="username", placeholder="输入用户名")
            password = st.text_input("密码", type="password", key="signin_password", placeholder="输入密码",
                                     autocomplete="current-password")
            submitted = st.form_submit_button("登录", type="primary")
        if submitted:
            with st.spinner("正在验证…"):
                result = data.run(fauth.authenticate, user, password)
            if result.ok:
                st.session_state[SESSION_KEY] = result.user
                st.rerun()
            st.error(result.message, icon=":material/error:")
        if oidc_configured():
            email = _oidc_email()
            if email:
                st.warning(f"统一身份认证账号 {email} 不是编辑人员，请联系管理员添加。",
                           icon=":material/person_off:")
                st.button("退出统一身份认证", on_click=st.logout, key="oidc_logout")
            elif importlib.util.find_spec("authlib") is None:
                st.caption("已配置统一身份认证（OIDC），但服务器未安装 Authlib，暂不能使用。")
            else:
                provider = _provider()
                st.button("使用统一身份认证登录", key="oidc_login", icon=":material/badge:",
                          on_click=(lambda: st.login(provider)) if provider else st.login)
        st.caption("编辑账号由系统管理员开通；如需导入数据或编辑企业上市信息，请联系管理员。")
    return None
