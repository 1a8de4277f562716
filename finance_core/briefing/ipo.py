"""企业上市 section of the brief."""
from __future__ import annotations

import dataclasses

import pandas as pd
import sqlite_utils

from .. import ipo
from ..filters import Filters
from .common import NO_DATA, Section, Writer
from .text import amount_text, month_word, paragraph, sentence, short_name

KEY = "ipo"            # the section's key (``Brief.section``)
AREA = "ipo"   # the area whose missing submissions the section names


# one definition of a move's kind: finance_core.ipo (stage_events)
FORWARD, BACK, FIRST, REENTRY = ipo.FORWARD, ipo.BACK, ipo.FIRST, ipo.REENTRY


@dataclasses.dataclass(frozen=True)
class Move:
    company: str
    board: str
    stage: str
    date: str
    kind: str           # FIRST, FORWARD (new progress), BACK or REENTRY (not new progress)
    note: str | None

    @property
    def new(self) -> bool:
        """A new entry into the stage (入库 or 前进), not a fall-back or re-entry."""
        return self.kind in ipo.NEW_PROGRESS


def ipo_moves(db: sqlite_utils.Database, f: Filters, start: str) -> list[Move]:
    """Stage events dated from ``start`` to the end of ``f.as_of`` of the companies
    of the towns in scope, oldest first, each classified on the company's whole
    history (:func:`finance_core.ipo.stage_events`)."""
    ev = ipo.stage_events(db, f, start)
    return [Move(r.name, r.target_board, r.stage, r.event_date, r.kind, None if pd.isna(r.note) else r.note)
            for r in ev.itertuples()]


@dataclasses.dataclass(frozen=True)
class Round:
    company: str
    date: str
    amount: int | None
    valuation: int | None
    name: str | None = None     # 轮次
    first: bool = False         # the company's 首轮


def round_word(r: Round) -> str:
    """'首轮' for a company's first round (as the seed writes it), else its name ('B轮'), else ''."""
    if r.first:
        return "首轮"
    return r.name if r.name and r.name.endswith("轮") else ""


def ipo_rounds(db: sqlite_utils.Database, f: Filters, start: str) -> list[Round]:
    """股权融资 dated from ``start`` to the end of ``f.as_of`` of pipeline companies
    of the towns in scope: joined the list by the round's date, not yet listed
    (:func:`finance_core.ipo.pipeline_rounds`)."""
    df = ipo.pipeline_rounds(db, f, start)
    return [Round(r.name, r.round_date, int(r.amount), None if pd.isna(r.valuation) else int(r.valuation),
                  None if pd.isna(r.round_name) else r.round_name, bool(r.first)) for r in df.itertuples()]


_MOVE_PHRASES = {
    "辅导备案": "已向省证监局申报辅导备案",
    "辅导验收": "通过辅导验收",
    "申报受理": "申报{board}上市获受理",
    "审核问询": "进入审核问询阶段",
    "注册": "获准注册",
    "发行上市": "在{board}成功上市",
}


# -- 二、企业上市
def section(w: Writer) -> Section:
    counts = ipo.stage_counts(w.db, w.f)
    total = sum(counts.values())
    if not total:
        return Section("ipo", "企业上市", (NO_DATA,))
    parts = "、".join(f"{s}{'阶段' if s == ipo.RESERVE else ''}{n}家" for s, n in counts.items() if n)
    s1 = sentence("建立企业上市工作包保调度机制，对企业上市实行月调度，推进上市进程")
    s2 = sentence(f"{w.p.when}，{w.town_scope}纳入上市后备资源库企业{total}家", f"其中{parts}")
    moves = ipo_moves(w.db, w.f, w.p.start)
    clauses = []
    new = [m for m in moves if m.stage == ipo.RESERVE and m.kind == FIRST]
    if new:
        clauses.append(f"新纳入上市后备资源库企业{len(new)}家")
    reform = [m for m in moves if m.stage == "股改" and m.new]
    if reform:
        clauses.append("、".join(short_name(m.company) for m in reform) + "启动股份制改造")
    for m in moves:
        name, when = short_name(m.company), month_word(m.date)
        if m.kind == BACK:
            note = m.note or ""
            clauses.append(f"{name}{when}" + (note if "回退" in note or "退回" in note else
                                              (note + "，" if note else "") + f"回退至{m.stage}阶段"))
        elif m.kind == REENTRY:
            clauses.append(f"{name}{when}回退后重新进入{m.stage}阶段")
        elif m.stage in (ipo.RESERVE, "股改"):
            continue
        elif m.kind == FIRST:
            clauses.append(f"{name}{when}以{m.stage}阶段纳入上市后备资源库")
        else:
            clauses.append(name + when + _MOVE_PHRASES.get(m.stage, "进入{stage}阶段").format(
                stage=m.stage, board=m.board))
    s3 = sentence(f"{w.p.moves_word}，" + "；".join(clauses)) if clauses else None
    rounds = ipo_rounds(w.db, w.f, w.p.start)
    s4 = None
    if rounds:
        s4 = "；".join(
            f"{short_name(r.company)}{month_word(r.date)}已完成{round_word(r)}股权融资{amount_text(r.amount)}"
            + (f"，投后估值{amount_text(r.valuation)}" if r.valuation else "") for r in rounds) + "。"
    moved_in = {s: sum(1 for m in moves if m.stage == s and m.new) for s in ipo.STAGES}
    fell_back = {s: sum(1 for m in moves if m.stage == s and m.kind == BACK) for s in ipo.STAGES}
    table = pd.DataFrame([{"阶段": s, "企业数（家）": n, f"{w.p.moves_word}新进入本阶段（家次）": moved_in[s],
                           f"{w.p.moves_word}回退至本阶段（家次）": fell_back[s]}
                          for s, n in counts.items()])
    chart = pd.DataFrame([{"阶段": s, "指标": "企业数", "数值": n} for s, n in counts.items()])
    return Section("ipo", "企业上市", (paragraph(s1, s2, s3, s4),),
                   (("上市后备企业分阶段情况", table),), chart, "上市后备企业分阶段（家）", "家", "bar", "阶段")
