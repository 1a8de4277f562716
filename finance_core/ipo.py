"""企业上市: the IPO pipeline, stage events and monthly review notes.

A company sits in the stage of its latest event on or before a date. Stage
order is :data:`STAGES`.

Rules of the pipeline (checked by :func:`check_move`, tested in
``tests/test_ipo_rules.py``):

- Forward moves go one stage at a time: no skipping (股改 cannot jump to
  申报受理). A company's first event may be any stage: it joins the county's
  list where it actually stands.
- A company can fall back to ANY earlier stage (申报 withdrawn, 审核终止,
  辅导 restarted ...); a fall-back needs a written reason.
- 发行上市 is final: a listed company does not move again.
- A move is dated no earlier than the company's current stage and no later
  than today; moving to the stage it is already in is refused.

Months in a stage (:func:`months_in_stage`) are the completed months from the
day the company entered the stage to the END of the data month. Because the
reference is a month end this equals the difference of calendar months: a
company that entered on 3月1日 or on 3月31日 counts 0 months at the end of March
and 1 month at the end of April.

Typical durations (:data:`TYPICAL`, one place) drive the stuck flag (months
in stage above ``limit``) and the projected listing window
(:func:`project_listing`), a range of months, never a promise.

Progress and setbacks (``_CLASSIFIED``, the one definition): each event is
入库 (the company's first), 前进 (a stage the company had never reached: new
progress), 回退 (a fall-back) or 重新进入 (a forward move back into a stage it had
already reached before falling back). Stages before a company's first event
count as reached (it joined the list where it stood). Only 入库 and 前进 are
new entries into a stage (:func:`new_entries`): a company that withdrew its
application, fell back to 辅导备案 and files again is not a new 辅导备案 filing.

Financing rounds (股权融资) live in ``ipo_rounds``, every round of a company
(:func:`rounds`). ``companies.last_round_*`` is legacy: schema v3 copied it into
``ipo_rounds`` and nothing reads or writes it since, so there is one record of
rounds. A round is a pipeline company's financing (:func:`pipeline_rounds`, the
brief's 股权融资) when the company had joined the list by the round's date and had
not listed yet. 首轮 is a company's earliest recorded round that has a round name
(rounds carried over by the migration have none: only each company's latest
round survived, so none of them is called 首轮).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Mapping

import pandas as pd
import sqlite_utils

from . import audit, money, periods, reuse, targets
from .area import WATCH, Area, Flag, Names
from .config import THRESHOLDS, Thresholds
from .db import write_transaction
from .filters import FilterOptions, Filters, in_clause, scope_sql
from .filters import scope_label as filters_scope_label
from .kpi import COUNT, Kpi
from .textcheck import text

STAGES = ("后备资源库", "股改", "辅导备案", "辅导验收", "申报受理", "审核问询", "注册", "发行上市")
BOARDS = ("主板", "创业板", "科创板", "北交所")
LISTED = STAGES[-1]
RESERVE = STAGES[0]
UNDER_REVIEW = ("申报受理", "审核问询", "注册")   # 在审
TEXT_MAX = 500   # characters of one note field


# --- typical durations: the one place to change them ---------------------------
@dataclasses.dataclass(frozen=True)
class StageDuration:
    low: int      # typical shortest stay, whole months
    high: int     # typical longest stay
    limit: int    # longer than this: 停滞 (stuck)
    basis: str    # where the numbers come from (shown as help)


def typical_durations(th: Thresholds = THRESHOLDS) -> dict[str, StageDuration]:
    """Typical months per stage (DESIGN.md; 辅导 and 验收 limits from config)."""
    return {
        "后备资源库": StageDuration(6, 24, 24, "入库培育，一般 2 年内启动股改"),
        "股改": StageDuration(6, 18, 18, "股改后规范运作、完成审计，一般 6–18 个月内辅导备案"),
        # same limit as the overview's red flag (辅导备案 longer than the acceptance validity)
        "辅导备案": StageDuration(th.guidance_min_months, 12, th.acceptance_valid_months,
                              f"辅导期不少于 {th.guidance_min_months} 个月；"
                              f"超过 {th.acceptance_valid_months} 个月未验收视为停滞"),
        "辅导验收": StageDuration(1, 6, th.acceptance_valid_months,
                              f"验收约 20 个工作日；验收结论有效期 {th.acceptance_valid_months} 个月，期内须申报"),
        "申报受理": StageDuration(1, 2, 3, "受理后约 20 个工作日内发出首轮问询"),
        "审核问询": StageDuration(3, 9, 12, "交易所约 3 个月内出具审核意见（不含企业回复时间）"),
        "注册": StageDuration(1, 3, 12, "证监会 20 个工作日内作出注册决定，批文 12 个月内有效"),
    }


TYPICAL: dict[str, StageDuration] = typical_durations()


# --- pure rules -----------------------------------------------------------------
def _date(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def months_in_stage(since: str | dt.date, as_of: str) -> int:
    """Completed months from ``since`` to the end of month ``as_of`` (0 if later)."""
    start, end = _date(since), periods.month_end(as_of)
    if start > end:
        return 0
    return (end.year - start.year) * 12 + end.month - start.month


def is_stuck(stage: str, months: int, typical: Mapping[str, StageDuration] = TYPICAL) -> bool:
    d = typical.get(stage)
    return d is not None and months > d.limit


@dataclasses.dataclass(frozen=True)
class Projection:
    earliest: str          # 'YYYY-MM'
    latest: str
    beyond_typical: bool   # already longer than typical in the current stage

    def text(self) -> str:
        return f"{self.earliest} 至 {self.latest}" + ("（已超典型时长）" if self.beyond_typical else "")


def project_listing(stage: str, since: str | dt.date, as_of: str,
                    typical: Mapping[str, StageDuration] = TYPICAL) -> Projection | None:
    """The window of months in which the company may list, from typical durations.

    The current stage still takes ``low - elapsed`` (``high - elapsed``) months,
    at least one (at the end of ``as_of`` it has not moved yet); each later stage
    before 发行上市 adds its ``low`` (``high``). None for 后备资源库 (no timetable
    yet) and for a listed company.
    """
    if stage not in typical or stage == RESERVE:
        return None
    m = months_in_stage(since, as_of)
    d = typical[stage]
    later = [typical[s] for s in STAGES[STAGES.index(stage) + 1:] if s in typical]
    lo = max(d.low - m, 1) + sum(x.low for x in later)
    hi = max(d.high - m, 1) + sum(x.high for x in later)
    return Projection(periods.add_months(as_of, lo), periods.add_months(as_of, hi), m > d.high)


class EditError(ValueError):
    """A change refused by the pipeline rules; the message is Chinese, for the user."""


FORWARD, BACK, FIRST, REENTRY = "前进", "回退", "入库", "重新进入"
NEW_PROGRESS = (FIRST, FORWARD)   # kinds that are a new entry into a stage


def allowed_targets(current: str | None) -> list[str]:
    """Stages a company in ``current`` may move to: the next one, then earlier ones."""
    if current is None:
        return list(STAGES)
    if current == LISTED:
        return []
    i = STAGES.index(current)
    return [STAGES[i + 1]] + list(reversed(STAGES[:i]))


def check_move(current: str | None, current_since: str | dt.date | None, new_stage: str,
               when: str | dt.date, note: str | None, today: dt.date) -> str:
    """Validate a move; return its kind (入库 / 前进 / 回退) or raise :class:`EditError`."""
    if new_stage not in STAGES:
        raise EditError(f"阶段“{new_stage}”不存在。")
    try:
        when = _date(when)
    except ValueError:
        raise EditError(f"日期“{when}”无效。") from None
    if when > today:
        raise EditError(f"日期 {when} 晚于今天（{today}），不能登记未来的阶段变动。")
    if current is None:
        return FIRST
    if current_since is not None and when < _date(current_since):
        raise EditError(f"日期 {when} 早于进入当前阶段“{current}”的日期 {_date(current_since)}。")
    if current == LISTED:
        raise EditError("企业已发行上市，不能再变更阶段。")
    if new_stage == current:
        raise EditError(f"企业已处于“{current}”阶段。")
    i, j = STAGES.index(current), STAGES.index(new_stage)
    if j > i + 1:
        raise EditError(f"不能跳过阶段：当前为“{current}”，下一阶段应为“{STAGES[i + 1]}”。")
    if j < i and not (note or "").strip():
        raise EditError("阶段回退（如撤回申报、终止审核）须填写原因。")
    return FORWARD if j == i + 1 else BACK


# --- page parameters ---------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Selection:
    """Page filters (empty = all): current stages, target boards, industries."""

    stages: tuple[str, ...] = ()
    boards: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()

    def without_stages(self) -> "Selection":
        return dataclasses.replace(self, stages=())


@dataclasses.dataclass(frozen=True)
class IpoOptions:
    boards: tuple[str, ...]
    industries: tuple[str, ...]
    companies: tuple[str, ...]


def options(db: sqlite_utils.Database) -> IpoOptions:
    boards = [r[0] for r in db.execute("SELECT DISTINCT target_board FROM companies ORDER BY 1")]
    industries = [r[0] for r in db.execute("SELECT DISTINCT industry FROM companies ORDER BY 1")]
    companies = [r[0] for r in db.execute("SELECT name FROM companies ORDER BY id")]
    return IpoOptions(tuple(BOARDS) + tuple(b for b in boards if b not in BOARDS),
                      tuple(industries), tuple(companies))


# --- reads -----------------------------------------------------------------------
def current_stages(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """One row per company of the towns in scope with its stage at the end of
    ``f.as_of`` (companies with no event by then are left out)."""
    where, params = scope_sql(f, town_col="c.town_code", bank_col=None)
    month_end = periods.month_end(f.as_of).isoformat()
    return pd.read_sql_query(
        f"""
        SELECT c.id, c.name, c.town_code, e.stage, e.event_date AS since
        FROM companies c
        JOIN ipo_events e ON e.id = (
            SELECT e2.id FROM ipo_events e2
            WHERE e2.company_id = c.id AND e2.event_date <= ?
            ORDER BY e2.event_date DESC, e2.id DESC LIMIT 1)
        WHERE 1=1{where}
        ORDER BY c.id
        """,
        db.conn,
        params=[month_end, *params],
    )


def stage_counts(db: sqlite_utils.Database, f: Filters) -> dict[str, int]:
    """Companies per stage at ``f.as_of``, in stage order (zeros included)."""
    df = current_stages(db, f)
    counts = df["stage"].value_counts().to_dict() if not df.empty else {}
    return {stage: int(counts.get(stage, 0)) for stage in STAGES}


@reuse.shared
def pipeline(db: sqlite_utils.Database, f: Filters, sel: Selection = Selection(),
             typical: Mapping[str, StageDuration] = TYPICAL) -> pd.DataFrame:
    """The pipeline board at the end of ``f.as_of``: one row per company in scope,
    in stage order, with months in stage, the stuck flag, the projected listing
    window and the latest monthly note (money in 元)."""
    where, params = scope_sql(f, town_col="c.town_code", bank_col=None)
    for col, values in (("c.target_board", sel.boards), ("c.industry", sel.industries)):
        if values:
            clause, more = in_clause(col, values)
            where, params = where + " AND " + clause, params + more
    month_end = periods.month_end(f.as_of).isoformat()
    df = pd.read_sql_query(
        f"""
        SELECT c.id, c.name, c.industry, c.town_code, t.name AS town, c.park, c.target_board,
               c.sponsor, c.owner, e.stage, e.event_date AS since,
               r.round_date, r.amount AS round_amount, r.valuation AS round_valuation,
               n.month AS note_month, n.progress, n.problems, n.county_action
        FROM companies c
        JOIN towns t ON t.code = c.town_code
        JOIN ipo_events e ON e.id = (
            SELECT e2.id FROM ipo_events e2
            WHERE e2.company_id = c.id AND e2.event_date <= ?
            ORDER BY e2.event_date DESC, e2.id DESC LIMIT 1)
        LEFT JOIN ipo_rounds r ON r.id = (
            SELECT r2.id FROM ipo_rounds r2 WHERE r2.company_id = c.id AND r2.round_date <= ?
            ORDER BY r2.round_date DESC LIMIT 1)
        LEFT JOIN ipo_notes n ON n.id = (
            SELECT n2.id FROM ipo_notes n2 WHERE n2.company_id = c.id AND n2.month <= ?
            ORDER BY n2.month DESC, n2.created_at DESC, n2.id DESC LIMIT 1)
        WHERE 1=1{where}
        """,
        db.conn,
        params=[month_end, month_end, f.as_of, *params],
    )
    if sel.stages:
        df = df[df["stage"].isin(sel.stages)]
    df["months"] = [months_in_stage(s, f.as_of) for s in df["since"]]
    df["stuck"] = [is_stuck(st, m, typical) for st, m in zip(df["stage"], df["months"])]
    df["limit"] = [typical[s].limit if s in typical else None for s in df["stage"]]
    proj = [project_listing(st, s, f.as_of, typical) for st, s in zip(df["stage"], df["since"])]
    df["earliest"] = [p.earliest if p else None for p in proj]
    df["latest"] = [p.latest if p else None for p in proj]
    df["beyond_typical"] = [bool(p and p.beyond_typical) for p in proj]
    # an empty scope must still have boolean flags (an empty list makes floats,
    # and indexing with a float column selects columns instead of rows)
    df = df.astype({"stuck": bool, "beyond_typical": bool})
    df["stage_no"] = df["stage"].map({s: i for i, s in enumerate(STAGES)})
    return (df.sort_values(["stage_no", "months", "id"], ascending=[True, False, True])
              .drop(columns="stage_no").reset_index(drop=True))


def funnel(db: sqlite_utils.Database, f: Filters, sel: Selection = Selection()) -> pd.DataFrame:
    """Companies per current stage (all stages, zeros included) for the scope and
    the board/industry filters; ``fell_back``: of them, those that are in the
    stage because they fell back to it; ``selected`` marks the stages picked in ``sel``."""
    df = pipeline(db, f, sel.without_stages())
    counts = df["stage"].value_counts().to_dict()
    stuck = df[df["stuck"]]["stage"].value_counts().to_dict()
    spans = _spans(_events(db, [int(i) for i in df["id"]], f.as_of), f.as_of)
    now = spans[spans["current"]]
    back = now[now["kind"] == BACK]["stage"].value_counts().to_dict()
    return pd.DataFrame({
        "stage": list(STAGES),
        "companies": [int(counts.get(s, 0)) for s in STAGES],
        "stuck": [int(stuck.get(s, 0)) for s in STAGES],
        "fell_back": [int(back.get(s, 0)) for s in STAGES],
        "selected": [not sel.stages or s in sel.stages for s in STAGES],
    })


_RANK = "CASE e.stage " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STAGES)) + " END"
# The one definition of a move's kind (see the module docstring): each event
# against the company's event before it (``prev``) and the highest stage it had
# reached before it (``reached``), events ordered by date then id.
_CLASSIFIED = f"""
SELECT id, company_id, stage, event_date, note,
       CASE WHEN prev IS NULL THEN '{FIRST}' WHEN rnk > reached THEN '{FORWARD}'
            WHEN rnk > prev THEN '{REENTRY}' ELSE '{BACK}' END AS kind
FROM (SELECT e.id, e.company_id, e.stage, e.event_date, e.note, {_RANK} AS rnk,
             LAG({_RANK}) OVER w AS prev,
             MAX({_RANK}) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reached
      FROM ipo_events e JOIN companies c ON c.id = e.company_id
      WHERE e.event_date <= ? {{where}}
      WINDOW w AS (PARTITION BY e.company_id ORDER BY e.event_date, e.id))
"""


def _events(db: sqlite_utils.Database, company_ids: list[int], as_of: str | None) -> pd.DataFrame:
    """Stage events of the companies with their ``kind``, by company, oldest
    first: up to the end of ``as_of``, or all."""
    if not company_ids:
        return pd.DataFrame(columns=["id", "company_id", "stage", "event_date", "note", "kind"])
    clause, ids = in_clause("e.company_id", company_ids)
    until = periods.month_end(as_of).isoformat() if as_of else "9999-12-31"
    return pd.read_sql_query(
        _CLASSIFIED.format(where=f"AND {clause}") + " ORDER BY company_id, event_date, id",
        db.conn, params=[until, *ids])


def stage_events(db: sqlite_utils.Database, f: Filters, start: str | None = None) -> pd.DataFrame:
    """Stage events of the companies of the towns in scope dated from month
    ``start`` (or the first) to the end of ``f.as_of``, oldest first, each with
    its ``kind`` (judged on the company's whole history) and ``new`` (入库 or
    前进: a new entry into the stage)."""
    where, params = scope_sql(f, town_col="c.town_code", bank_col=None)
    since = periods.month_start(start).isoformat() if start else ""
    ev = pd.read_sql_query(
        f"""SELECT k.*, c.name, c.target_board FROM ({_CLASSIFIED.format(where=where)}) k
            JOIN companies c ON c.id = k.company_id WHERE k.event_date >= ?
            ORDER BY k.event_date, k.id""",
        db.conn, params=[periods.month_end(f.as_of).isoformat(), *params, since])
    ev["new"] = ev["kind"].isin(NEW_PROGRESS).astype(bool)
    return ev


def new_entries(db: sqlite_utils.Database, f: Filters, stage: str, start: str | None = None) -> int:
    """Companies in scope that entered ``stage`` for the first time (入库 or
    前进, never a re-entry after a fall-back) from month ``start`` (default:
    January of ``f.as_of``'s year) to the end of ``f.as_of``."""
    ev = stage_events(db, f, start or periods.year_start_month(f.as_of))
    return int(ev[ev["new"] & (ev["stage"] == stage)]["company_id"].nunique())


def _spans(events: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """Each event as a span: until the next event of the company, or open."""
    ev = events.copy()
    ev["end_date"] = ev.groupby("company_id")["event_date"].shift(-1)
    ev["current"] = ev["end_date"].isna()
    until = periods.month_end(as_of).isoformat()
    ev["months"] = [months_in_stage(s, as_of) if pd.isna(e) else
                    (_date(e).year - _date(s).year) * 12 + _date(e).month - _date(s).month
                    for s, e in zip(ev["event_date"], ev["end_date"])]
    ev["bar_end"] = ev["end_date"].fillna(until)
    return ev


def history(db: sqlite_utils.Database, f: Filters, sel: Selection = Selection(),
            board: pd.DataFrame | None = None) -> pd.DataFrame:
    """Stage spans of every company on the board (for the Gantt chart and export);
    ``board``: ``pipeline(db, f, sel)`` when the caller has it already."""
    board = pipeline(db, f, sel) if board is None else board
    ev = _spans(_events(db, [int(i) for i in board["id"]], f.as_of), f.as_of)
    names = dict(zip(board["id"], board["name"]))
    ev.insert(1, "name", ev["company_id"].map(names))
    return ev.reset_index(drop=True)


def moves_in_month(db: sqlite_utils.Database, f: Filters, sel: Selection = Selection(),
                   board: pd.DataFrame | None = None) -> pd.DataFrame:
    """Stage moves dated in ``f.as_of`` of the companies on the board (``board`` as
    in :func:`history`)."""
    ev = history(db, f, sel, board)
    return ev[ev["event_date"].str[:7] == f.as_of].reset_index(drop=True)


def summary(db: sqlite_utils.Database, f: Filters, sel: Selection = Selection()) -> list[Kpi]:
    """The KPI row: companies, moves this month, stuck, under review, listed."""
    kinds: dict[str, int] = {}

    def counts(month: str) -> dict[str, int]:
        g = f.at(month)
        board = pipeline(db, g, sel)
        moves = moves_in_month(db, g, sel, board)
        if month == f.as_of:
            kinds.update(moves["kind"].value_counts().to_dict())
        return {
            "all": len(board),
            "moves": len(moves),
            "stuck": int(board["stuck"].sum()),
            "review": int(board["stage"].isin(UNDER_REVIEW).sum()),
            "listed": int((board["stage"] == LISTED).sum()),
        }
    now, prev, base = (counts(m) for m in
                       (f.as_of, periods.add_months(f.as_of, -1), periods.add_months(f.as_of, -12)))
    split = "、".join(f"{k}{kinds[k]}次" for k in (FIRST, FORWARD, REENTRY, BACK) if kinds.get(k))
    spec = [("all", "在库企业", None),
            ("moves", "本月阶段变动", "本月登记的阶段变动次数（含入库、前进、回退、回退后重新进入）"
             + (f"：{split}" if split else "") + "。回退和重新进入不是新进展"),
            ("stuck", "停滞企业", "在当前阶段停留超过典型时长上限的企业"),
            ("review", "在审企业", "处于申报受理、审核问询、注册阶段"), ("listed", "已上市", None)]
    return [Kpi(f"ipo_{k}", label, COUNT, now[k], prev[k], base[k], unit="家" if k != "moves" else "次",
                help=help_, good_when_up=k != "stuck", neutral=k in ("all", "moves", "review"))
            for k, label, help_ in spec]


ROUND_COLUMNS = ["id", "company_id", "name", "round_date", "amount", "valuation", "round_name", "first",
                 "joined_on", "listed_on", "counted"]


def rounds(db: sqlite_utils.Database, company_ids: list[int] | None = None, start: str | None = None,
           until: str | None = None) -> pd.DataFrame:
    """Financing rounds of the companies (all if None) dated from month ``start``
    to the end of month ``until`` (either open), by company and date. ``first``:
    the company's 首轮 (its earliest recorded round, when named); ``joined_on`` /
    ``listed_on``: the company's first stage event and listing date; ``counted``:
    a pipeline company's round (joined by then, not yet listed)."""
    where, params = [], []
    if company_ids is not None:
        if not company_ids:
            return pd.DataFrame(columns=ROUND_COLUMNS)
        clause, ids = in_clause("r.company_id", company_ids)
        where.append(clause)
        params += ids
    if start:
        where.append("r.round_date >= ?")
        params.append(periods.month_start(start).isoformat())
    if until:
        where.append("r.round_date <= ?")
        params.append(periods.month_end(until).isoformat())
    df = pd.read_sql_query(
        f"""SELECT r.id, r.company_id, c.name, r.round_date, r.amount, r.valuation, r.round_name,
                   (r.round_name IS NOT NULL AND NOT EXISTS (
                       SELECT 1 FROM ipo_rounds p WHERE p.company_id = r.company_id
                       AND p.round_date < r.round_date)) AS first,
                   (SELECT MIN(e.event_date) FROM ipo_events e WHERE e.company_id = r.company_id) AS joined_on,
                   (SELECT MIN(e.event_date) FROM ipo_events e WHERE e.company_id = r.company_id
                      AND e.stage = '{LISTED}') AS listed_on
            FROM ipo_rounds r JOIN companies c ON c.id = r.company_id
            {'WHERE ' + ' AND '.join(where) if where else ''}
            ORDER BY r.company_id, r.round_date""", db.conn, params=params)
    df["first"] = df["first"].astype(bool)
    # a boolean Series even when empty (an empty list would index columns, not rows)
    df["counted"] = pd.Series([bool(pd.notna(j) and j <= d and (pd.isna(l) or d < l))
                               for d, j, l in zip(df["round_date"], df["joined_on"], df["listed_on"])],
                              index=df.index, dtype=bool)
    return df[ROUND_COLUMNS]


def pipeline_rounds(db: sqlite_utils.Database, f: Filters, start: str) -> pd.DataFrame:
    """股权融资 of the pipeline: rounds dated from month ``start`` to the end of
    ``f.as_of`` of companies of the towns in scope that had joined the list by the
    round's date and had not listed yet; by date."""
    where, params = scope_sql(f, town_col="town_code", bank_col=None)
    ids = [int(r[0]) for r in db.execute(f"SELECT id FROM companies WHERE 1=1{where}", params)]
    df = rounds(db, ids, start, f.as_of)
    return df[df["counted"]].sort_values(["round_date", "id"]).reset_index(drop=True)


def latest_state(db: sqlite_utils.Database, name: str) -> tuple[str | None, str | None]:
    """The company's latest stage and since when, whatever the data month (for edits)."""
    row = db.execute("SELECT e.stage, e.event_date FROM ipo_events e JOIN companies c "
                     "ON c.id = e.company_id WHERE c.name = ? "
                     "ORDER BY e.event_date DESC, e.id DESC LIMIT 1", [name]).fetchone()
    return (row[0], row[1]) if row else (None, None)


@dataclasses.dataclass(frozen=True)
class CompanyDetail:
    info: dict                   # the companies row plus town name
    stage: str | None            # at the end of the data month
    since: str | None
    months: int | None
    stuck: bool
    projection: Projection | None
    latest: tuple[str, str] | None   # (stage, since) of the latest event, if after the data month
    history: pd.DataFrame        # ALL spans, oldest first; ``after`` marks those after the data month
    notes: pd.DataFrame          # ALL notes, newest first; ``after`` as above
    rounds: pd.DataFrame         # ALL financing rounds, oldest first; ``after`` as above
    last_round: dict | None      # the latest round on or before the end of the data month



def company_detail(db: sqlite_utils.Database, name: str, as_of: str,
                   typical: Mapping[str, StageDuration] = TYPICAL) -> CompanyDetail | None:
    """A company's file: its stage at the end of ``as_of`` and its whole record
    (every stage event and every monthly note, also those entered after the data
    month, marked ``after``). None if unknown."""
    info_df = pd.read_sql_query(
        "SELECT c.*, t.name AS town FROM companies c JOIN towns t ON t.code = c.town_code "
        "WHERE c.name = ?", db.conn, params=[name])
    if info_df.empty:
        return None
    info = {k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v)
            for k, v in info_df.iloc[0].items()}
    month_end = periods.month_end(as_of).isoformat()
    spans = _spans(_events(db, [info["id"]], None), as_of)
    spans["after"] = spans["event_date"] > month_end
    notes = pd.read_sql_query(
        "SELECT month, progress, problems, county_action, owner, created_at FROM ipo_notes "
        "WHERE company_id = ? ORDER BY month DESC, created_at DESC, id DESC",
        db.conn, params=[info["id"]])
    notes["after"] = notes["month"] > as_of
    rds = rounds(db, [info["id"]])
    rds["after"] = rds["round_date"] > month_end
    before = rds[~rds["after"]]
    last_round = None if before.empty else {
        k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v) for k, v in before.iloc[-1].items()}
    then = spans[~spans["after"]]
    latest = None
    if not spans.empty and spans["after"].iloc[-1]:
        latest = (spans["stage"].iloc[-1], spans["event_date"].iloc[-1])
    if then.empty:
        return CompanyDetail(info, None, None, None, False, None, latest, spans, notes, rds, last_round)
    stage, since = then["stage"].iloc[-1], then["event_date"].iloc[-1]
    months = months_in_stage(since, as_of)
    return CompanyDetail(info, stage, since, months, is_stuck(stage, months, typical),
                         project_listing(stage, since, as_of, typical), latest, spans, notes, rds, last_round)


# --- display tables (Chinese headers, money in 万元 / 亿元) ----------------------------
def board_table(board: pd.DataFrame) -> pd.DataFrame:
    def window(r):
        if r.stage == LISTED:
            return f"已上市（{r.since[:7]}）"
        if r.stage == RESERVE:
            return "未启动股改，暂不测算"
        return Projection(r.earliest, r.latest, r.beyond_typical).text()
    board = board.fillna({c: "—" for c in ("park", "sponsor", "round_date", "note_month", "problems",
                                           "county_action")})
    return pd.DataFrame({
        "阶段": board["stage"], "企业": board["name"], "行业": board["industry"],
        "乡镇/园区": [t if p == "—" else f"{t} · {p}" for t, p in zip(board["town"], board["park"])],
        "目标板块": board["target_board"],
        "保荐机构": board["sponsor"], "包保责任人": board["owner"],
        "进入本阶段": board["since"], "本阶段月数": board["months"].astype(int),
        "状态": ["停滞" if s else "正常" for s in board["stuck"]],
        "最近融资日期": board["round_date"],
        "最近融资金额（万元）": [money.to_wan(v) if pd.notna(v) else None for v in board["round_amount"]],
        "投后估值（亿元）": [money.to_yi(v) if pd.notna(v) else None for v in board["round_valuation"]],
        "预计上市（测算区间）": [window(r) for r in board.itertuples()],
        "最近调度月份": board["note_month"], "存在问题": board["problems"],
        "需县里协调": board["county_action"],
    })


BOARD_OFF_SCREEN = ("进入本阶段", "最近融资日期", "最近调度月份")   # in the export, not on the board


def board_groups(db: sqlite_utils.Database, f: Filters, sel: Selection = Selection()
                 ) -> list[tuple[str, pd.DataFrame, int]]:
    """The pipeline board as drawn: (stage, its companies, how many are stuck)
    for every stage with companies, in stage order; the stage column and the
    export-only columns (:data:`BOARD_OFF_SCREEN`) left out."""
    table = board_table(pipeline(db, f, sel))
    groups = []
    for stage in STAGES:
        part = table[table["阶段"] == stage]
        if not part.empty:
            groups.append((stage, part.drop(columns=["阶段", *BOARD_OFF_SCREEN]).reset_index(drop=True),
                           int((part["状态"] == "停滞").sum())))
    return groups


@dataclasses.dataclass(frozen=True)
class BoardView:
    """The page's KPI row and first tab, computed together (:func:`board_view`)."""
    kpis: tuple[Kpi, ...]                                # summary
    board: pd.DataFrame                                  # pipeline
    moves: pd.DataFrame                                  # moves_in_month
    groups: tuple[tuple[str, pd.DataFrame, int], ...]    # board_groups


def board_view(db: sqlite_utils.Database, f: Filters, sel: Selection = Selection()) -> BoardView:
    """The KPI row, the pipeline, the month's moves and the board by stage: each the
    same as its own function gives, built inside one :func:`finance_core.reuse.once`
    block so the month's pipeline, which all of them read, is computed once."""
    with reuse.once():
        return BoardView(kpis=tuple(summary(db, f, sel)), board=pipeline(db, f, sel),
                         moves=moves_in_month(db, f, sel), groups=tuple(board_groups(db, f, sel)))


def history_table(spans: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({
        "阶段": spans["stage"], "进入日期": spans["event_date"],
        "离开日期": spans["end_date"].fillna("（当前）"), "停留月数": spans["months"].astype(int),
        "变动": spans["kind"], "说明": spans["note"].fillna("—"),
    })
    if "after" in spans and spans["after"].any():
        out["晚于数据月份"] = ["是" if a else "" for a in spans["after"]]
    if "name" in spans:
        out.insert(0, "企业", spans["name"])
    return out


def notes_table(notes: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({
        "月份": notes["month"], "工作进展": notes["progress"], "存在问题": notes["problems"].fillna("—"),
        "需县里协调": notes["county_action"].fillna("—"), "包保责任人": notes["owner"], "录入时间": notes["created_at"],
    })
    if "after" in notes and notes["after"].any():
        out["晚于数据月份"] = ["是" if a else "" for a in notes["after"]]
    return out


def rounds_table(rds: pd.DataFrame) -> pd.DataFrame:
    """Financing rounds with Chinese headers (money in 万元 / 亿元); ``计入股权融资``
    says whether the brief's 股权融资 counts the round and, if not, why."""
    def status(r) -> str:
        if r.counted:
            return "计入"
        if pd.isna(r.joined_on) or r.round_date < r.joined_on:
            return "不计入（入库前融资）"
        return "不计入（上市后融资）"
    out = pd.DataFrame({
        "融资日期": rds["round_date"], "轮次": rds["round_name"].fillna("—"),
        "首轮": ["是" if x else "" for x in rds["first"]],
        "融资金额（万元）": [money.to_wan(v) for v in rds["amount"]],
        "投后估值（亿元）": [money.to_yi(v) if pd.notna(v) else None for v in rds["valuation"]],
        "计入股权融资": [status(r) for r in rds.itertuples()],
    })
    if "after" in rds and rds["after"].any():
        out["晚于数据月份"] = ["是" if a else "" for a in rds["after"]]
    return out


def all_rounds(db: sqlite_utils.Database, f: Filters, sel: Selection = Selection()) -> pd.DataFrame:
    """Financing rounds up to the end of ``f.as_of`` of the companies on the board (export)."""
    board = pipeline(db, f, sel)
    rds = rounds(db, [int(i) for i in board["id"]], None, f.as_of)
    out = rounds_table(rds)
    out.insert(0, "企业", rds["name"])
    return out


def all_notes(db: sqlite_utils.Database, f: Filters, sel: Selection = Selection()) -> pd.DataFrame:
    """Monthly notes of the companies on the board up to ``f.as_of``, newest first (export)."""
    board = pipeline(db, f, sel)
    ids = [int(i) for i in board["id"]]
    clause, ids = in_clause("n.company_id", ids)
    df = pd.read_sql_query(
        f"SELECT c.name, n.month, n.progress, n.problems, n.county_action, n.owner, n.created_at "
        f"FROM ipo_notes n JOIN companies c ON c.id = n.company_id "
        f"WHERE {clause} AND n.month <= ? "
        f"ORDER BY n.month DESC, c.id, n.created_at DESC, n.id DESC",
        db.conn, params=[*ids, f.as_of])
    out = notes_table(df)
    out.insert(0, "企业", df["name"])
    return out


def typical_table(typical: Mapping[str, StageDuration] = TYPICAL) -> pd.DataFrame:
    return pd.DataFrame({
        "阶段": list(typical), "典型时长（月）": [f"{d.low}–{d.high}" for d in typical.values()],
        "超过即停滞（月）": [d.limit for d in typical.values()], "依据": [d.basis for d in typical.values()],
    })


# --- writes ---------------------------------------------------------------------
def _company(db: sqlite_utils.Database, name: str) -> int:
    row = db.execute("SELECT id FROM companies WHERE name = ?", [name]).fetchone()
    if row is None:
        raise EditError(f"企业“{name}”不存在。")
    return int(row[0])


def _clean_text(label: str, value: str | None, *, multiline: bool) -> str | None:
    """The import's text rules (one line unless a note, no invisible characters,
    no ID numbers), for the page's own forms; raises :class:`EditError`."""
    value = (value or "").strip()[:TEXT_MAX]
    if not value:
        return None
    clean, reason = text(value, TEXT_MAX, multiline=multiline)
    if reason:
        raise EditError(f"{label}：{reason}")
    return clean or None


def move_stage(db: sqlite_utils.Database, company: str, new_stage: str, when: str | dt.date,
               note: str | None, user: str, today: dt.date | None = None) -> str:
    """Record a stage move (rules of :func:`check_move`) and its audit entry in one
    transaction; return the kind of move."""
    today = today or dt.date.today()
    note = _clean_text("说明", note, multiline=True)
    with write_transaction(db):
        cid = _company(db, company)
        current, since = latest_state(db, company)
        kind = check_move(current, since, new_stage, when, note, today)
        if kind == FORWARD:
            reached = {r[0] for r in db.execute("SELECT stage FROM ipo_events WHERE company_id = ?", [cid])}
            if max(STAGES.index(s) for s in reached) >= STAGES.index(new_stage):
                kind = REENTRY   # back into a stage reached before a fall-back: not new progress
        when = _date(when).isoformat()
        db.execute("INSERT INTO ipo_events (company_id, stage, event_date, note) VALUES (?, ?, ?, ?)",
                   [cid, new_stage, when, note or f"进入{new_stage}阶段"])
        audit.record(db, user, "edit", f"企业上市/{company}",
                     {"change": "stage", "kind": kind, "from": current, "to": new_stage,
                      "date": when, "note": note})
    return kind


def add_note(db: sqlite_utils.Database, company: str, month: str, progress: str,
             problems: str | None, county_action: str | None, owner: str, user: str,
             today: dt.date | None = None) -> None:
    """Add a monthly review note (月调度) and its audit entry in one transaction."""
    today = today or dt.date.today()
    month = str(month).strip()
    if not periods.is_month(month):
        raise EditError(f"月份“{month}”格式无效（应为 YYYY-MM）。")
    if month > periods.month_str(today.year, today.month):
        raise EditError(f"月份 {month} 晚于本月，不能登记未来的调度记录。")
    progress, problems, county_action = (_clean_text(label, v, multiline=True) for label, v in (
        ("工作进展", progress), ("存在问题", problems), ("需县里协调事项", county_action)))
    owner = _clean_text("包保责任人", owner, multiline=False)
    if not progress:
        raise EditError("请填写工作进展。")
    if not owner:
        raise EditError("请填写包保责任人。")
    with write_transaction(db):
        cid = _company(db, company)
        created = audit.now().replace("T", " ")
        db.execute("INSERT INTO ipo_notes (company_id, month, progress, problems, county_action, owner, "
                   "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [cid, month, progress, problems, county_action, owner, created])
        audit.record(db, user, "edit", f"企业上市/{company}",
                     {"change": "note", "month": month, "progress": progress, "problems": problems,
                      "county_action": county_action, "owner": owner})


# --- page header and exports ------------------------------------------------------------
def scope_label(opts: FilterOptions, f: Filters) -> str:
    """'城关镇、清溪镇 · 截至2026年10月末' (the bank filter does not apply to this area)."""
    return filters_scope_label(opts, f, banks=False)


EXPORT_SHEETS = ("企业名单", "阶段历程", "月调度记录", "股权融资", "典型时长")


def export_tables(db: sqlite_utils.Database, f: Filters, sel: Selection = Selection()) -> dict[str, pd.DataFrame]:
    """The sheets of the page's export (:data:`EXPORT_SHEETS`): board, stage history,
    monthly notes, financing rounds, typical durations."""
    tables = (board_table(pipeline(db, f, sel)), history_table(history(db, f, sel)), all_notes(db, f, sel),
              all_rounds(db, f, sel), typical_table())
    return dict(zip(EXPORT_SHEETS, tables))


def export_header(opts: FilterOptions, f: Filters, sel: Selection = Selection()) -> dict[str, str]:
    return {"页面": "企业上市", "范围": scope_label(opts, f), "阶段": "、".join(sel.stages) or "全部",
            "目标板块": "、".join(sel.boards) or "全部", "行业": "、".join(sel.industries) or "全部",
            "口径": "阶段为数据月末所处阶段；本阶段月数 = 进入本阶段至数据月末的完整月数",
            "说明": "预计上市时间按各阶段典型时长测算，为区间估计，不是承诺"}


# --- the area: KPIs, target, red flags, registry entry ------------------------------
def stage_kpis(db: sqlite_utils.Database, f: Filters) -> list[Kpi]:
    """Companies per stage at the month, the month before and a year before."""
    now, prev, base = (stage_counts(db, f.at(m)) for m in
                       (f.as_of, periods.add_months(f.as_of, -1), periods.add_months(f.as_of, -12)))
    return [Kpi(f"ipo_{i}", stage, COUNT, now[stage], prev[stage], base[stage], unit="家",
                neutral=stage != LISTED)   # a company moving on empties its stage: not a fall
            for i, stage in enumerate(STAGES)]


def _guidance_filings(db, f: Filters) -> int | None:
    """Companies that entered 辅导备案 for the first time this year: a company
    that fell back to it (application withdrawn) and re-entered is not counted."""
    return new_entries(db, f, "辅导备案")


GUIDANCE_TARGET = targets.Metric("ipo_guidance_filings", "新增辅导备案企业", "家", ("county",), _guidance_filings)


def flags(db: sqlite_utils.Database, f: Filters, names: Names, th: Thresholds = THRESHOLDS) -> list[Flag]:
    """企业上市 red flags: companies longer in their stage than its typical limit
    (the page's own stuck rule, so the overview and the page agree)."""
    board = pipeline(db, f)
    return [Flag(AREA.title, f"{row.name}处于{row.stage}已 {row.months} 个月（通常不超过 {row.limit:g} 个月）",
                 AREA.key, (("stage", row.stage),), WATCH, subject=row.name, value=row.months, limit=row.limit)
            for row in board[board["stuck"]].itertuples()]


AREA = Area(
    key="ipo", title="企业上市", heading="企业上市（各阶段企业数）", kpis=stage_kpis, per_row=8,
    dimensions=("town", "stage", "board"), flags=flags, targets=(GUIDANCE_TARGET,),
    import_feeds=("ipo_events", "ipo_notes", "ipo_rounds"), completeness_feeds=("ipo_notes",), target_feeds=(),
)
