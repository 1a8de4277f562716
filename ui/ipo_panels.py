"""企业上市 page panels: charts, the grouped board, company detail and edit forms.

Drawing only: every value comes from :mod:`finance_core.ipo`.
"""
from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from finance_core import ipo, money, periods

from . import data, widgets
from .filters import escape

STAGE_COLOURS = alt.Scale(domain=list(ipo.STAGES), range=[
    "#9E9E9E", "#8D6E63", "#42A5F5", "#1E88E5", "#7E57C2", "#AB47BC", "#FB8C00", "#2E7D32"])
FLASH_KEY = "_ipo_flash"


def funnel_chart(fun: pd.DataFrame) -> alt.Chart:
    """Companies per stage as a centred funnel; stages not selected are faded."""
    def label(n: int, stuck: int, back: int) -> str:
        marks = "，".join(f"{w} {k}" for w, k in (("停滞", stuck), ("回退", back)) if k)
        return f"{n} 家" + (f"（{marks}）" if marks else "")
    df = fun.assign(label=[label(*x) for x in zip(fun["companies"], fun["stuck"], fun["fell_back"])],
                    left=-fun["companies"] / 2, right=fun["companies"] / 2,
                    opacity=[1.0 if s else 0.3 for s in fun["selected"]])
    y = alt.Y("stage:N", sort=list(ipo.STAGES), title=None, axis=alt.Axis(labelFontSize=14))
    bars = alt.Chart(df).mark_bar(cornerRadius=3).encode(
        y=y, x=alt.X("left:Q", axis=None, title=None), x2="right:Q",
        color=alt.Color("stage:N", scale=STAGE_COLOURS, legend=None),
        opacity=alt.Opacity("opacity:Q", legend=None, scale=None),
        tooltip=[alt.Tooltip("stage:N", title="阶段"), alt.Tooltip("companies:Q", title="企业数（家）"),
                 alt.Tooltip("stuck:Q", title="停滞（家）"), alt.Tooltip("fell_back:Q", title="回退至本阶段（家）")])
    text = alt.Chart(df).mark_text(align="left", dx=4, fontSize=14).encode(
        y=y, x=alt.X("right:Q"), text="label:N")
    return (bars + text).properties(height=34 * len(df), title="各阶段企业数（家）")


def gantt_chart(spans: pd.DataFrame, order: list[str]) -> alt.Chart:
    """Each company's stage history as bars; fall-backs marked with a red triangle."""
    df = widgets.in_row_order(spans.assign(end=spans["end_date"].fillna("（当前）")), "name", order)
    y = alt.Y("name:N", sort=widgets.row_order(), title=None, axis=alt.Axis(labelLimit=220))
    tip = [alt.Tooltip("name:N", title="企业"), alt.Tooltip("stage:N", title="阶段"),
           alt.Tooltip("event_date:N", title="进入日期"), alt.Tooltip("end:N", title="离开日期"),
           alt.Tooltip("months:Q", title="停留月数"), alt.Tooltip("kind:N", title="变动"),
           alt.Tooltip("note:N", title="说明")]
    bars = alt.Chart(df).mark_bar(height=14).encode(
        y=y, x=alt.X("event_date:T", title="日期", axis=alt.Axis(format="%Y-%m")), x2="bar_end:T",
        color=alt.Color("stage:N", scale=STAGE_COLOURS, title="阶段",
                        legend=alt.Legend(orient="top", columns=8)),
        tooltip=tip)
    back = alt.Chart(df[df["kind"] == ipo.BACK]).mark_point(
        shape="triangle-down", size=90, filled=True, color="#C62828", yOffset=-9).encode(
        y=y, x="event_date:T", tooltip=tip)
    return (bars + back).properties(height=alt.Step(24), title="各企业阶段历程（▼ 为阶段回退）")


def projection_chart(board: pd.DataFrame, as_of: str) -> alt.Chart:
    """The projected listing window of each company, as a range of months."""
    df = board[board["earliest"].notna()].copy()
    df["start"] = df["earliest"] + "-01"
    df["end"] = [periods.month_end(m).isoformat() for m in df["latest"]]
    df["window"] = df["earliest"] + " 至 " + df["latest"]
    df = widgets.in_row_order(df, "name", list(df.sort_values(["earliest", "latest"])["name"]))
    y = alt.Y("name:N", sort=widgets.row_order(), title=None,
              axis=alt.Axis(labelLimit=220))
    bars = alt.Chart(df).mark_bar(height=12, opacity=0.75).encode(
        y=y, x=alt.X("start:T", title="预计上市月份", axis=alt.Axis(format="%Y-%m")), x2="end:T",
        color=alt.Color("stage:N", scale=STAGE_COLOURS, title="当前阶段",
                        legend=alt.Legend(orient="top", columns=4)),
        tooltip=[alt.Tooltip("name:N", title="企业"), alt.Tooltip("stage:N", title="当前阶段"),
                 alt.Tooltip("window:N", title="预计上市区间"), alt.Tooltip("months:Q", title="本阶段月数")])
    now = alt.Chart(pd.DataFrame({"d": [periods.month_end(as_of).isoformat()]})).mark_rule(
        color="#616161", strokeDash=[4, 3]).encode(x="d:T")
    return (bars + now).properties(height=alt.Step(24), title="预计上市时间区间（按典型时长测算，非承诺）")


def board(groups: list[tuple[str, pd.DataFrame, int]]) -> None:
    """The pipeline board (:func:`finance_core.ipo.board_groups`): one bordered
    group per stage, stuck rows in red."""
    for stage, part, stuck in groups:
        with st.container(border=True):
            st.markdown(f"**{stage}** · {len(part)} 家" + (f" · :red[停滞 {stuck} 家]" if stuck else ""))
            widgets.flagged_table(part, flag_col="状态", bad=("停滞",), alt=f"{stage}阶段企业")


def flash() -> None:
    msg = st.session_state.pop(FLASH_KEY, None)
    if msg:
        st.success(msg, icon=":material/check_circle:")


def detail(d: ipo.CompanyDetail, as_of: str) -> None:
    """Header metrics, facts, the whole stage history and every monthly note (newest first)."""
    info = d.info
    cols = st.columns([1, 1, 1.8, 1.4, 1])
    cols[0].metric("当前阶段", d.stage or "—", help=f"{as_of} 月末所处阶段")
    cols[1].metric("本阶段月数", "—" if d.months is None else f"{d.months} 个月",
                   delta="停滞" if d.stuck else None, delta_color="inverse" if d.stuck else "normal",
                   delta_arrow="off")
    window = (f"已上市（{d.since[:7]}）" if d.stage == ipo.LISTED else
              d.projection.text() if d.projection else "暂不测算")
    cols[2].metric("预计上市（测算区间）", window, help="按各阶段典型时长测算，是区间估计，不是承诺")
    last = d.last_round or {}
    cols[3].metric("最近融资金额", money.fmt_wan(last.get("amount"), 0),
                   help=f"截至 {as_of} 月末最近一轮：{last.get('round_date') or '—'} {last.get('round_name') or ''}")
    cols[4].metric("投后估值", money.fmt_yi(last.get("valuation")))
    st.caption(" · ".join(f"{k}：{escape(v or '—')}" for k, v in (
        ("行业", info["industry"]), ("乡镇", info["town"]), ("园区", info["park"]),
        ("目标板块", info["target_board"]), ("保荐机构", info["sponsor"]), ("包保责任人", info["owner"]))))
    if d.latest:
        st.info(f"最新登记阶段：{d.latest[0]}（{d.latest[1]} 起），晚于数据月份 {as_of}，"
                "看板和图表在该月份数据发布后显示。", icon=":material/schedule:")
    st.markdown("**阶段历程**（全部记录）")
    widgets.flagged_table(ipo.history_table(d.history), flag_col="变动", bad=(ipo.BACK,),
                          alt="阶段历程")
    st.markdown(f"**股权融资**（{len(d.rounds)} 轮，全部记录）")
    if d.rounds.empty:
        st.info("暂无股权融资记录。", icon=":material/info:")
    else:
        widgets.flagged_table(ipo.rounds_table(d.rounds), alt="股权融资")
        st.caption("计入股权融资：企业入库后、上市前的融资计入调度简报的股权融资；首轮为该企业最早一轮融资。")
    st.markdown(f"**月调度记录**（{len(d.notes)} 条，最新在前）")
    if d.notes.empty:
        st.info("暂无月调度记录。", icon=":material/info:")
    else:
        widgets.flagged_table(ipo.notes_table(d.notes), alt="月调度记录")


def _write(fn, message: str, clear: tuple[str, ...], *args) -> None:
    """Run a write; on success empty the form (``clear`` keys) and rerun with a message."""
    try:
        result = data.run_write(fn, *args)
    except ipo.EditError as e:
        st.error(str(e), icon=":material/error:")
        return
    for key in clear:
        st.session_state.pop(key, None)
    st.session_state[FLASH_KEY] = message.replace("{result}", str(result or ""))
    st.rerun()


def edit_forms(name: str, owner: str, user: str, today: dt.date) -> None:
    """Stage move and monthly note forms for an editor; each write is audited."""
    if data.pinned() is not None:
        st.caption("本链接固定为过去某一时点的数据，不能在此登记；请点击上方“查看最新数据”后再编辑。")
        return
    stage, since = data.call(ipo.latest_state, name)
    left, right = st.columns(2)
    with left, st.form("ipo_move", border=True):
        st.markdown(f"**变更阶段** · 最新阶段：{stage or '—'}" + (f"（{since} 起）" if since else ""))
        targets = ipo.allowed_targets(stage)
        order = {s: i for i, s in enumerate(ipo.STAGES)}
        new = st.selectbox("新阶段", targets, key="ipo_move_stage", disabled=not targets,
                           format_func=lambda s: s if stage is None else
                           f"{s}（{'前进' if order[s] > order[stage] else '回退'}）")
        when = st.date_input("变动日期", value=today, max_value=today, key="ipo_move_date")
        note = st.text_area("说明（回退须写明原因，如撤回申报、终止审核）", key="ipo_move_note",
                            max_chars=ipo.TEXT_MAX)
        if st.form_submit_button("保存阶段变更", key="ipo_move_submit", type="primary",
                                 disabled=not targets):
            _write(ipo.move_stage, f"已登记{name}阶段变动（" + "{result}" + f"）：{new}。",
                   ("ipo_move_stage", "ipo_move_date", "ipo_move_note"), name, new, when, note, user)
    with right, st.form("ipo_note", border=True):
        st.markdown("**新增月调度记录**")
        this = periods.month_str(today.year, today.month)
        months = [periods.add_months(this, -k) for k in range(12)]
        month = st.selectbox("月份", months, key="ipo_note_month")
        progress = st.text_area("工作进展", key="ipo_note_progress", max_chars=ipo.TEXT_MAX)
        problems = st.text_area("存在问题", key="ipo_note_problems", max_chars=ipo.TEXT_MAX)
        action = st.text_area("需县里协调事项", key="ipo_note_action", max_chars=ipo.TEXT_MAX)
        who = st.text_input("包保责任人", value=owner, key="ipo_note_owner")
        if st.form_submit_button("保存调度记录", key="ipo_note_submit", type="primary"):
            _write(ipo.add_note, f"已新增{name} {month} 月调度记录。",
                   ("ipo_note_progress", "ipo_note_problems", "ipo_note_action"), name, month, progress,
                   problems, action, who, user)
