"""总体情况, 存在问题 and the next year's plan: the sections over every area."""
from __future__ import annotations

import pandas as pd

from .. import areas, ipo, targets
from ..filters import Filters
from .common import MAX_ISSUES_IN_TEXT, NO_DATA, Section, Writer, issue_text
from .text import ordinal, paragraph, pct_text, sentence, short_name, target_text


# -- 一、总体情况

# -- 七、存在问题


# -- 一、总体情况
def overview(w: Writer) -> Section:
    rows, ahead, behind = [], [], []
    metrics = list(areas.METRICS)
    for m in metrics:
        p = targets.progress(w.db, w.f, m)
        if p.target is None or p.actual is None:
            continue
        if p.partial:
            rows.append({"指标": m.label, "全年目标": target_text(p.target, m.unit),
                         "累计完成": target_text(p.actual, m.unit), "完成率": "—",
                         "序时进度": pct_text(w.tp), "进度": targets.PARTIAL})
            continue
        c = p.completion
        (behind if c < w.tp else ahead).append(m.label)
        rows.append({"指标": m.label, "全年目标": target_text(p.target, m.unit),
                     "累计完成": target_text(p.actual, m.unit), "完成率": pct_text(c),
                     "序时进度": pct_text(w.tp), "进度": "落后" if c < w.tp else "达到序时"})
    first = f"{w.p.when}，全年序时进度{pct_text(w.tp)}"
    if w.p.partial:
        text = sentence(first, w.p.partial_note)
    elif rows:
        n = len(rows)
        if w.tp >= 1:
            if not behind:
                tail = f"纳入年度目标考核的{n}项指标均完成全年目标"
            elif not ahead:
                tail = f"纳入年度目标考核的{n}项指标均未完成全年目标（{'、'.join(behind)}）"
            else:
                tail = (f"纳入年度目标考核的{n}项指标中，{len(ahead)}项完成全年目标，"
                        f"{len(behind)}项未完成（{'、'.join(behind)}）")
        elif behind and not ahead:
            tail = f"纳入年度目标考核的{n}项指标均落后于序时进度（{'、'.join(behind)}）"
        elif behind:
            tail = (f"纳入年度目标考核的{n}项指标中，{len(ahead)}项完成率达到序时进度，"
                    f"{len(behind)}项落后于序时进度（{'、'.join(behind)}）")
        else:
            tail = f"纳入年度目标考核的{n}项指标完成率均达到序时进度"
        text = sentence(first, tail)
    else:
        text = None
    table = pd.DataFrame(rows, columns=["指标", "全年目标", "累计完成", "完成率", "序时进度", "进度"])
    return Section("overview", "总体情况", (text,) if text else (NO_DATA,),
                   (("年度目标完成情况", table),) if rows else ())


# -- 七、存在问题
def issues(w: Writer) -> Section:
    # the overview's one ranked list (every area's flags and the targets behind or missed)
    flags = [(fl.area, issue_text(fl))
             for fl in areas.red_flags(w.db, w.f, w.town_names, w.bank_names)]
    if not flags:
        return Section("issues", "存在问题", ("当前范围内各项监测指标均未超出预警阈值，年度目标均达到序时进度。",))
    # the prose names the first few; the table lists every one
    shown = flags[:MAX_ISSUES_IN_TEXT]
    items = [f"{ordinal(i)}是{text}" for i, (_, text) in enumerate(shown)]
    rest = len(flags) - len(shown)
    tail = f"；另有{rest}项，详见附表" if rest > 0 else ""
    table = pd.DataFrame([{"领域": area, "问题": text} for area, text in flags])
    return Section("issues", "存在问题", ("存在问题：" + "；".join(items) + tail + "。",),
                   (("需要关注的问题", table),))


# -- 八、下一年工作计划 (年报)
def plan(w: Writer) -> Section:
    nxt = w.p.year + 1
    nf = Filters(f"{nxt}-01", w.f.towns, w.f.banks)
    goals = []
    for m in list(areas.METRICS):
        t = targets.target_for(w.db, m, nf)
        if t is not None:
            label = m.label.replace("（当年）", "").removeprefix("当年")
            goals.append(f"{label}{target_text(t, m.unit)}")
    s1 = sentence("继续巩固普惠金融发展成果，大力发展普惠金融",
                  goals and f"{nxt}年力争实现" + "、".join(goals))
    board = ipo.current_stages(w.db, w.f)
    boards = dict(w.db.execute("SELECT name, target_board FROM companies").fetchall())
    late = board[board["stage"].isin(("辅导验收", "申报受理", "审核问询", "注册"))]
    by_board: dict[str, list[str]] = {}
    for name in late["name"]:
        by_board.setdefault(boards.get(name, ""), []).append(short_name(name))
    clauses = [f"推进{'、'.join(v)}申报{k}上市进程" for k, v in by_board.items()]
    guidance = [short_name(n) for n in board[board["stage"] == "辅导备案"]["name"]]
    if guidance:
        clauses.append(f"督促{'、'.join(guidance)}加快辅导验收")
    reform = [short_name(n) for n in board[board["stage"] == "股改"]["name"]]
    if reform:
        clauses.append(f"持续推动{'、'.join(reform)}完成股改及申报辅导备案工作")
    s2 = sentence("加大企业上市工作力度", *clauses) if clauses else None
    s3 = "加强金融对乡村振兴产业和基础设施等方面的支持。防范化解金融风险，守住不发生系统性金融风险底线。"
    return Section("plan", f"{nxt}年工作计划", (paragraph(s1, s2, s3),))
