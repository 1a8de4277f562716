"""AppTest runs split from tests/unit/test_edges.py (the same subject, through the page)."""
from __future__ import annotations

import pytest

from finance_core import areas, briefing as br
from finance_core import db as fdb
from finance_core import guarantees as g
from finance_core import indicators, kpi, microloans, money, overview, periods, targets
from finance_core.config import THRESHOLDS
from finance_core.filters import Filters, load_options
from tests import fixture_edges
from tests.apptest_support import card_text, card_values, cards, page_text
from tests.unit.test_edges import _issue_table, by_key, sql_guarantee_counts, sql_indicator, sql_microloan_month_flow, wan  # noqa: F401  (helpers and fixtures)


def test_january_on_the_demo_pages_and_brief(app, db):
    loans, households, amount = sql_microloan_month_flow(db, "2026-01")
    relief = sql_indicator(db, "relief_loan_new", "2026-01")
    jan = sql_guarantee_counts(db, "2026-01")
    at = app({"as_of": "2026-01"}, page="pages/overview.py")
    assert not at.exception
    deltas = {m.label: m.delta for m in cards(at)}
    assert deltas["当年新增投放户数"] == f"+{households:,} 户"
    assert deltas["当年新增投放金额"] == "+" + wan(amount)
    assert deltas["当年新增助企贷款"] == "+" + wan(relief)
    assert not deltas["走访率"] and not deltas["当年代偿率"]           # no 较上月 for a YTD rate
    at = app({"as_of": "2026-01"}, page="pages/guarantees.py")
    deltas = {m.label: m.delta for m in cards(at)}
    assert deltas["当年新增担保笔数"] == f"+{jan['new_contracts']} 笔"
    assert deltas["当年新增担保户数"] == f"+{jan['new_borrowers']} 户"
    assert deltas["当年新增担保金额"] == "+" + wan(jan["new_amount"])
    at = app({"as_of": "2026-01"}, page="pages/microloans.py")
    deltas = {m.label: m.delta for m in cards(at)}
    assert deltas["当年新增投放笔数"] == f"+{loans:,} 笔"
    # the brief already wrote January as the year: no "其中当月" clause, the year's figure
    t = br.build(db, br.MONTHLY, Filters("2026-01")).section("microloans").paragraphs[0]
    assert f"今年以来新增投放{households}户{br.amount_text(amount)}" in t and "其中当月" not in t


def test_guarantee_counts_on_the_demo_page_brief_and_export(app, db):
    f = Filters("2026-10")
    expected = sql_guarantee_counts(db, "2026-10")
    assert expected["borrowers"] < expected["contracts"]          # the demo has repeat borrowers
    k = by_key(g.kpis(db, f))
    assert (k["g_borrowers"].value, k["g_count"].value) == (expected["borrowers"], expected["contracts"])
    assert (k["g_new_borrowers"].value, k["g_new_count"].value) == (expected["new_borrowers"],
                                                                   expected["new_contracts"])
    at = app({"as_of": "2026-10"}, page="pages/guarantees.py")
    shown = card_values(at)
    assert shown["在保户数"] == f"{expected['borrowers']:,} 户" and shown["在保笔数"] == f"{expected['contracts']:,} 笔"
    assert shown["当年新增担保户数"] == f"{expected['new_borrowers']:,} 户"
    assert shown["当年新增担保笔数"] == f"{expected['new_contracts']:,} 笔"
    ov = app({"as_of": "2026-10"}, page="pages/overview.py")
    assert card_values(ov)["在保户数"] == f"{expected['borrowers']:,} 户"
    text = br.build(db, br.MONTHLY, f).section("guarantees").paragraphs[0]
    assert f"在保{expected['borrowers']}户{expected['contracts']}笔" in text
    assert f"今年以来新增担保{expected['new_borrowers']}户{expected['new_contracts']}笔" in text
    frame = g.kpi_frame(g.kpis(db, f)).set_index("指标")
    assert frame.loc["在保户数", "数值"] == f"{expected['borrowers']:,} 户"
    assert frame.loc["在保笔数", "数值"] == f"{expected['contracts']:,} 笔"


def test_first_data_year_on_the_demo(app, db):
    first = periods.data_start(db)
    (month,) = db.execute("SELECT MIN(month) FROM microloan_monthly").fetchone()
    assert first == month and first.startswith("2023-") and first != "2023-01"   # 36 months to 2026-10
    since = periods.since_text(first)
    table = overview.targets_table(db, Filters("2023-12"))
    assert not table.empty and set(table["进度"]) == {targets.PARTIAL} and table["完成率"].isna().all()
    brief = br.build(db, br.ANNUAL, Filters("2023-12"))
    assert brief.title.startswith(f"2023年（数据自{int(first[5:])}月起）")
    assert since in brief.section("overview").paragraphs[0]
    assert "1943.9%" not in brief.text() and "完成全年目标（" not in brief.text()
    at = app({"as_of": "2023-12"}, page="pages/overview.py")
    assert not at.exception
    captions = " ".join([c.value for c in at.caption] + [card_text(at)])   # cards' second lines too
    assert f"{since}，首年累计可能不完整" in captions
    shown = at.dataframe[0].value   # the status column carries the readable mark (⚠) before the word
    assert {v.replace("⚠", "").strip() for v in shown["进度"]} == {targets.PARTIAL}
    ranking = microloans.rankings(db, Filters("2023-12"))
    assert set(ranking["进度"]) == {targets.PARTIAL} and ranking["完成率（%）"].isna().all()
    # 2024: the 同比 of a year-to-date figure against partial 2023 is withheld (stocks keep theirs)
    k = by_key(microloans.kpis(db, Filters("2024-12")))
    assert k["ml_new_amount"].delta_base() is None and k["ml_balance"].delta_base() is not None
    b = br.build(db, br.ANNUAL, Filters("2024-12"))
    rows = b.section("microloans").tables[0][1].set_index("指标")
    assert rows.loc["全年新增投放金额", "同比"] == "—" and rows.loc["贷款余额", "同比"] != "—"


def test_monthly_brief_and_overview_page_share_the_flags(app, db):
    f = Filters("2026-10")
    (balance, overdue) = db.execute(
        "SELECT SUM(s.balance), SUM(CASE WHEN s.days_overdue > 0 THEN s.balance ELSE 0 END) "
        "FROM microloan_status s WHERE s.month = '2026-10'").fetchone()
    rate = overdue / balance
    brief = br.build(db, br.MONTHLY, f)
    listed = _issue_table(brief)
    if rate > THRESHOLDS.overdue_rate_max:
        assert f"小额信贷逾期率{money.fmt_pct(rate)}，高于2.0%" in listed
    opts = load_options(db)
    flags = overview.red_flags(db, f, opts.town_names, opts.bank_names)
    assert listed == [br.issue_text(x) for x in flags]
    assert [x.severity for x in flags] == sorted(x.severity for x in flags)
    behind = overview.targets_table(db, f)
    behind = behind[behind["进度"] == targets.BEHIND]
    for name in behind["指标"]:
        assert any(t.startswith(f"{name}完成率") and "落后序时进度" in t for t in listed), name
    at = app({"as_of": "2026-10"}, page="pages/overview.py")
    # a 需要关注 line is the link to its page, or markdown when no page explains it
    shown = page_text(at)
    for x in flags:
        assert x.text in shown


def test_fee_rate_and_leverage_change_on_the_demo(app, db):
    f = Filters("2026-10")
    end = periods.month_end("2026-10").isoformat()
    fee, amount = db.execute(
        "SELECT SUM(fee_amount), SUM(amount) FROM guarantee_contracts "
        "WHERE start_on <= ? AND (released_on IS NULL OR released_on > ?)", [end, end]).fetchone()
    at = app({"as_of": "2026-10"}, page="pages/guarantees.py")
    fee_metric = next(m for m in cards(at) if m.label == "加权担保费率")
    assert fee_metric.value == money.fmt_pct(fee / amount, 2)
    assert "上限 1.00%" in fee_metric.help
    by_bank = at.dataframe[2].value if "银行" in at.dataframe[2].value.columns else at.dataframe[1].value
    assert "在保户数" in by_bank.columns and "在保笔数" in by_bank.columns
    rows = br.build(db, br.MONTHLY, f).section("guarantees").tables[0][1].set_index("指标")
    change = rows.loc["放大倍数", "同比"]
    assert change.endswith("倍") and "%" not in change
    now, before = g.leverage(db, "2026-10"), g.leverage(db, "2025-10")
    assert change == br.multiple_change_text(now, before).replace("同比", "")
