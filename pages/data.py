"""数据管理: templates, import with preview, import history and undo, audit log, backup.

Viewers see when each source was last updated and a sign-in form; only a
signed-in editor (ui.auth.editor) sees the import, undo and backup controls.
"""
import streamlit as st

from finance_core import imports
from ui import auth, data, importing, reporting
from ui import filters as uf

TABS = ["导入数据", "导入记录", "操作日志", "数据备份"]

st.title("数据管理")
st.caption("银行、担保公司和各部门报送的月度数据在这里按模板导入：先预览、再确认；"
           "有任何错误的文件整份拒收，不会只导入一半。")
uf.show_notices(importing.param_notices(TABS))

reporting.matrix(uf.current())

user = auth.sign_in_panel()

if user is None:
    st.subheader("数据更新情况")
    st.dataframe(data.call(imports.freshness), hide_index=True, key="freshness")
    st.stop()

tabs = st.tabs(TABS, key="tab", bind="query-params")
with tabs[0]:
    if tabs[0].open:
        importing.import_section(user)
        st.subheader("数据更新情况")
        st.dataframe(data.call(imports.freshness), hide_index=True, key="freshness")
with tabs[1]:
    if tabs[1].open:
        importing.history_section(user)
with tabs[2]:
    if tabs[2].open:
        importing.audit_section()
with tabs[3]:
    if tabs[3].open:
        importing.backup_section(user)
