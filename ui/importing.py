"""Streamlit sections of the 数据管理 page: import with preview, history and
undo, the audit log and the backup download. Logic lives in
finance_core.imports / finance_core.backup; this draws and wires buttons."""
from __future__ import annotations

import logging

import streamlit as st

from finance_core import backup, imports
from finance_core.imports import templates

from . import data
from . import filters as uf

log = logging.getLogger(__name__)
FEED_TITLES = [f.title for f in imports.FEEDS.values()]
PREVIEW_KEY = "_import_preview"
FLASH_KEY = "_data_flash"
UPLOAD_COUNTER = "_upload_counter"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def flash() -> None:
    """A message left by the button callback of the previous run."""
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        kind, text = message
        if kind == "error":
            st.error(text, icon=":material/block:")
        else:
            st.success(text, icon=":material/check_circle:")


def _done(text: str) -> None:
    """After a write (in a button callback, before the rerun draws the filter bar)."""
    st.session_state[FLASH_KEY] = ("success", text)
    st.session_state.pop(PREVIEW_KEY, None)
    st.session_state[UPLOAD_COUNTER] = st.session_state.get(UPLOAD_COUNTER, 0) + 1
    if "as_of" not in st.query_params:   # the view follows the latest month, which may be new now
        st.session_state["as_of"] = data.options().latest


def _apply(p: imports.Preview, user: str) -> None:
    try:
        result = data.run_write(imports.apply, p.parsed, user)
    except imports.ImportRejected as exc:
        st.session_state[FLASH_KEY] = ("error", str(exc))
        return
    except Exception:  # never a traceback or a server path on screen; the log has it
        log.exception("import failed")
        st.session_state[FLASH_KEY] = ("error", "导入没有完成：服务器出错，没有写入任何数据。请稍后再试；"
                                                "如反复出现请联系管理员（错误已记入服务器日志）。")
        return
    _done(f"已导入“{p.parsed.feed.title}”{p.parsed.file_name}：新增 {result.added:,} 行，"
          f"更新 {result.updated:,} 行，删除 {result.removed:,} 行。")


def _undo(entry: dict, user: str) -> None:
    try:
        data.run_write(imports.undo, entry["source"], user)
    except imports.UndoError as exc:
        st.session_state[FLASH_KEY] = ("error", str(exc))
        return
    except Exception:
        log.exception("undo failed")
        st.session_state[FLASH_KEY] = ("error", "撤销没有完成：服务器出错，数据保持原样。请稍后再试；"
                                                "如反复出现请联系管理员（错误已记入服务器日志）。")
        return
    _done(f"已撤销“{entry['title']}”的导入：{entry['file_name']}。")


def import_section(user: str) -> None:
    flash()
    title = st.selectbox("数据源（模板）", FEED_TITLES, key="feed", bind="query-params",
                         help="每个数据源一个模板；上传前先选好数据源")
    feed = imports.FEED_BY_TITLE[title]
    st.caption(f"{feed.description} {feed.replace_note}")
    month = uf.current().as_of
    path = data.database_path()
    buttons = st.container(horizontal=True)
    buttons.download_button("下载空白模板", data=data.call(templates.workbook, feed.key), mime=XLSX,
                         file_name=f"{feed.title}-模板.xlsx", icon=":material/download:", key="tpl")
    if not feed.personal:
        buttons.download_button(f"下载 {month} 现有数据", mime=XLSX, icon=":material/table_view:", key="existing",
                              data=lambda: _export(path, feed.key, month),
                              file_name=f"{feed.title}-{month}.xlsx",
                              help="模板格式，可修改后重新导入（月份取左侧“数据月份”）")
    counter = st.session_state.get(UPLOAD_COUNTER, 0)
    upload = st.file_uploader("上传填好的文件（.xlsx 或 .csv，不超过 20 MB）", key=f"upload_{feed.key}_{counter}",
                              type=["xlsx", "xlsm", "xlsb", "xls", "csv", "txt"], max_upload_size=20)
    if upload is None:
        st.session_state.pop(PREVIEW_KEY, None)
        return
    raw = upload.getvalue()
    ident = (feed.key, upload.name, imports.file_hash(raw))
    cached = st.session_state.get(PREVIEW_KEY)
    if not cached or cached[0] != ident:
        with st.spinner("正在检查文件…"):
            cached = (ident, data.run(imports.preview, feed.key, upload.name, raw, path=path))
        st.session_state[PREVIEW_KEY] = cached
    _show_preview(cached[1], user)


def _export(path: str, feed_key: str, month: str) -> bytes:
    return data.run(templates.export_workbook, feed_key, month, path=path)


def _show_preview(p: imports.Preview, user: str) -> None:
    if not p.ok:
        whole = [e for e in p.errors if e.row is None and e.column is None]
        if whole and len(whole) == len(p.errors):   # about the whole file: the full reason, not a table cell
            st.error("文件未导入，整个文件都没有写入：\n\n" + "\n\n".join(e.message for e in whole),
                     icon=":material/block:")
        else:
            st.error(f"文件未导入：发现 {len(p.errors)} 个问题，整个文件都没有写入。请按下表改正后重新上传。",
                     icon=":material/block:")
            st.dataframe(p.errors_frame(), hide_index=True, key="errors",
                         column_config={"问题": st.column_config.TextColumn("问题", width="large")})
        for w in p.parsed.warnings:
            st.caption(w)
        return
    st.markdown(f"**预览**：{uf.escape(p.parsed.file_name)} · 月份 {'、'.join(p.parsed.months) or '—'}")
    cols = st.columns(4)
    for col, (label, value) in zip(cols, (("新增", p.added), ("更新", p.updated), ("不变", p.unchanged),
                                         ("删除", p.removed))):
        col.metric(f"{label}（行）", f"{value:,}")
    if len(p.plans) > 1:
        st.dataframe(p.tables_frame(), hide_index=True, key="tables")
    for w in p.parsed.warnings:
        st.warning(w, icon=":material/warning:")
    if p.previous:
        st.info(f"此文件（同一内容）已于 {p.previous['at'].replace('T', ' ')} 由 {p.previous['user']} 导入过。",
                icon=":material/history:")
    if not p.has_changes:
        st.success("文件检查通过，与数据库中的数据完全相同，无需导入。", icon=":material/done_all:")
        return
    if p.sample is not None and not p.sample.empty:
        st.caption("将要变化的行（最多显示 200 行；个人信息已脱敏）")
        st.dataframe(p.sample, hide_index=True, key="sample")
    st.button("确认导入", type="primary", icon=":material/upload:", key="apply", on_click=_apply, args=(p, user))


def history_section(user: str) -> None:
    flash()
    st.dataframe(data.call(imports.history), hide_index=True, key="history")
    candidates = data.call(imports.undoable)
    if not candidates:
        st.caption("没有可以撤销的导入。")
        return
    st.markdown("**撤销导入**：每个数据源只能撤销最近一次有效的导入（可以连续撤销）。")
    labels = {f"{e['title']} · {e['file_name']} · {e['at'].replace('T', ' ')} · {e['user']}": e
              for e in candidates}
    choice = st.selectbox("撤销哪一次导入", list(labels), key="undo_choice")
    entry = labels[choice]
    sure = st.checkbox(f"确认撤销：恢复导入前的数据（删除新增的 {entry['added']:,} 行，还原更新的 "
                       f"{entry['updated']:,} 行和删除的 {entry['removed']:,} 行）",
                       key=f"undo_sure_{st.session_state.get(UPLOAD_COUNTER, 0)}")
    st.button("撤销这次导入", disabled=not sure, icon=":material/undo:", key="undo", on_click=_undo,
              args=(entry, user))


def audit_section() -> None:
    st.caption("每一次写入（导入、撤销、账号管理、备份下载）都记录操作人、时间和内容。")
    st.dataframe(data.call(imports.audit_log), hide_index=True, key="audit")


def backup_section(user: str) -> None:
    path = data.database_path()
    st.markdown("下载整个数据库的一致性副本（SQLite 在线备份，导入进行中也不会拿到一半的数据）。"
                "备份含个人信息，请妥善保管；每次下载都记入操作日志。")
    st.download_button("下载数据库备份", data=lambda: backup.download_copy(path, user),
                       file_name=backup.backup_name(), mime="application/vnd.sqlite3",
                       icon=":material/backup:", key="backup", type="primary")
    st.caption("服务器每晚自动备份：`python -m finance_core.backup --out 备份目录 --keep 30`（加入 cron）。")
