"""Trust at the edges (issue 12, points 3, 4, 6, 8, 10): January, the first data
year, 户 against 笔, the 存在问题 list and rounded changes.

Each expected figure is recomputed here with plain SQL on the ledgers (the
hand-built county of ``tests/fixture_edges.py`` and the demo county), then
checked in finance_core, on the page (AppTest), in the brief and in an export.
"""
from __future__ import annotations

import pytest

from finance_core import areas, briefing as br
from finance_core import db as fdb
from finance_core import guarantees as g
from finance_core import indicators, kpi, microloans, money, overview, periods, targets
from finance_core.config import THRESHOLDS
from finance_core.filters import Filters, load_options
from tests import fixture_edges


@pytest.fixture
def edges(tmp_path):
    path = tmp_path / "edges.db"
    d = fdb.connect(path)
    fixture_edges.load(d)
    yield d, path
    d.close()


def by_key(items):
    return {k.key: k for k in items}


def wan(yuan: int) -> str:
    return money.fmt_money(yuan)


# --- independent SQL on the ledgers -------------------------------------------------------
def sql_guarantee_counts(db, month: str) -> dict[str, int]:
    """Contracts and distinct borrowers (name, trimmed) in force at the month end
    and started from January; the amount started from January."""
    end = periods.month_end(month).isoformat()
    jan = f"{month[:4]}-01-01"
    in_force = "start_on <= :end AND (released_on IS NULL OR released_on > :end)"
    started = "start_on BETWEEN :jan AND :end"
    row = db.execute(
        f"""SELECT (SELECT COUNT(*) FROM guarantee_contracts WHERE {in_force}),
                   (SELECT COUNT(DISTINCT TRIM(borrower_name)) FROM guarantee_contracts WHERE {in_force}),
                   (SELECT COUNT(*) FROM guarantee_contracts WHERE {started}),
                   (SELECT COUNT(DISTINCT TRIM(borrower_name)) FROM guarantee_contracts WHERE {started}),
                   (SELECT COALESCE(SUM(amount), 0) FROM guarantee_contracts WHERE {started})""",
        {"end": end, "jan": jan}).fetchone()
    return dict(zip(("contracts", "borrowers", "new_contracts", "new_borrowers", "new_amount"), row))


def sql_microloan_month_flow(db, month: str) -> tuple[int, int, int]:
    """Loans, distinct households and amount disbursed in ``month`` (展期 excluded)."""
    return db.execute(
        "SELECT COUNT(*), COUNT(DISTINCT household_id), COALESCE(SUM(amount), 0) FROM microloans "
        "WHERE substr(disbursed_on, 1, 7) = ? AND is_extension = 0", [month]).fetchone()


def sql_indicator(db, key: str, month: str) -> int | None:
    """A county indicator's month value: the county row, else the sum of the
    town rows, else of the bank rows."""
    for scope in ("county", "town", "bank"):
        (v,) = db.execute("SELECT SUM(value) FROM indicators WHERE indicator = ? AND month = ? AND scope_type = ?",
                          [key, month, scope]).fetchone()
        if v is not None:
            return v
    return None


# --- point 3: January ---------------------------------------------------------------------
def test_january_ytd_change_is_the_months_flow_on_the_fixture(edges):
    d, _ = edges
    jan, dec = sql_guarantee_counts(d, "2025-01"), sql_guarantee_counts(d, "2024-12")
    assert (jan["new_contracts"], jan["new_borrowers"], jan["new_amount"]) == (2, 1, 700_000)
    assert (dec["new_contracts"], dec["new_amount"]) == (4, 2_300_000)
    k = by_key(g.kpis(d, Filters("2025-01")))
    # the year restarts: 较上月 is January's own flow, never 2 − 4 = −2 笔
    assert k["g_new_count"].delta_prev() == f"+{jan['new_contracts']} 笔"
    assert k["g_new_borrowers"].delta_prev() == f"+{jan['new_borrowers']} 户"
    assert k["g_new_amount"].delta_prev() == "+" + wan(jan["new_amount"])
    assert k["g_new_amount"].prev == dec["new_amount"]          # the December figure is kept, not compared
    # a year-to-date rate has no 较上月 in January; a stock compares as usual
    assert k["g_comp_rate"].value == pytest.approx(30_000 / 600_000) and k["g_comp_rate"].delta_prev() is None
    assert k["g_count"].delta_prev() == f"+{jan['contracts'] - dec['contracts']} 笔"
    loans, households, amount = sql_microloan_month_flow(d, "2025-01")
    m = by_key(microloans.kpis(d, Filters("2025-01")))
    assert m["ml_new_amount"].delta_prev() == "+" + wan(amount)
    assert m["ml_new_n"].delta_prev() == f"+{loans} 笔" and m["ml_new_hh"].delta_prev() == f"+{households} 户"
    assert m["ml_subsidy"].delta_prev() == "+" + wan(100)
    ind = by_key(indicators.kpis(d, Filters("2025-01")))
    assert ind["ind_relief_loan_new"].delta_prev() == "+" + wan(sql_indicator(d, "relief_loan_new", "2025-01"))
    assert ind["ind_visit_rate"].value == pytest.approx(10 / 100) and ind["ind_visit_rate"].delta_prev() is None
    # in December the same figures compare with November as before
    k12 = by_key(g.kpis(d, Filters("2024-12")))
    assert k12["g_new_amount"].delta_prev() == "+" + wan(2_300_000 - sql_guarantee_counts(d, "2024-11")["new_amount"])
    assert by_key(indicators.kpis(d, Filters("2024-12")))["ind_visit_rate"].delta_prev() == "+50.0 个百分点"
    # exports carry the same 较上月
    frame = g.kpi_frame(g.kpis(d, Filters("2025-01"))).set_index("指标")
    assert frame.loc["当年新增担保笔数", "较上月"] == "较上月 +2 笔" and frame.loc["当年代偿率", "较上月"] == "—"
    table = microloans.kpi_table(microloans.kpis(d, Filters("2025-01"))).set_index("指标")
    assert table.loc["当年新增投放金额", "较上月"] == "较上月 +" + wan(amount)


def test_every_year_to_date_kpi_is_marked(db):
    """Any KPI named 当年… (or an indicator's year figure) restarts in January:
    each must carry the marker, so a new one cannot silently compare with December."""
    f = Filters("2026-01")
    items = g.kpis(db, f) + microloans.kpis(db, f) + indicators.kpis(db, f) + \
        overview.area_kpis(db, f, "microloans") + overview.area_kpis(db, f, "guarantees")
    for k in items:
        ytd_by_name = k.label.startswith("当年") or "（当年）" in k.label
        if ytd_by_name or k.key in ("ind_visit_rate",):
            assert k.ytd in (kpi.YTD_SUM, kpi.YTD_RATE) and k.as_of == f.as_of, k.label
    with pytest.raises(ValueError):
        kpi.Kpi("x", "当年x", kpi.COUNT, 1, ytd=kpi.YTD_SUM)     # a YTD figure must know its month


# --- point 4: 户 = distinct borrowers, 笔 = contracts ----------------------------------------
def test_guarantee_borrowers_are_distinct_on_the_fixture(edges):
    d, _ = edges
    expected = sql_guarantee_counts(d, "2025-01")
    assert (expected["contracts"], expected["borrowers"]) == (4, 2)   # 甲公司 (three contracts) and 乙合作社
    assert g.borrower_counts(d, Filters("2025-01")) == {"2025-01": (2, 1)}
    k = by_key(g.kpis(d, Filters("2025-01")))
    assert (k["g_borrowers"].text(), k["g_count"].text()) == ("2 户", "4 笔")
    assert (k["g_new_borrowers"].text(), k["g_new_count"].text()) == ("1 户", "2 笔")
    # per bank a borrower counts at each bank it borrows from (甲公司 at 农商行 and 邮储银行)
    banks = g.breakdown(d, Filters("2025-01"), by="bank").set_index("银行")
    assert (banks.loc["农商行", "在保户数"], banks.loc["农商行", "在保笔数"]) == (1, 2)
    assert (banks.loc["邮储银行", "在保户数"], banks.loc["邮储银行", "在保笔数"]) == (2, 2)
    assert banks["在保户数"].sum() == 3 > k["g_borrowers"].value
    products = g.product_table(d, Filters("2025-01")).set_index("产品")
    assert (products.loc["黄牛贷", "在保户数"], products.loc["黄牛贷", "在保笔数"]) == (2, 4)


def test_credit_household_help_says_bank_sums(db):
    from finance_core import credit

    for items in (credit.kpis(db, Filters("2026-10")), overview.area_kpis(db, Filters("2026-10"), "credit-villages")):
        k = by_key(items)
        assert "各银行按村报送的户数之和" in k["credit_granted_hh"].help and "无法去重" in k["credit_granted_hh"].help


# --- point 6: the first data year --------------------------------------------------------
def test_partial_first_year_targets_on_the_fixture(edges):
    d, _ = edges
    assert periods.data_start(d) == "2024-11" and periods.partial_year("2024-11", "2024-12")
    assert not periods.partial_year("2024-11", "2025-01") and not periods.partial_year("2024-01", "2024-06")
    (actual,) = d.execute("SELECT SUM(amount) FROM guarantee_contracts WHERE start_on LIKE '2024%'").fetchone()
    p = targets.progress(d, Filters("2024-12"), areas.METRIC_BY_KEY["guarantee_new_amount"])
    assert (p.actual, p.target, p.partial) == (actual, 1_000_000, True)
    assert p.completion is None and p.behind is None and p.status == targets.PARTIAL   # not 230%, not 超额
    table = overview.targets_table(d, Filters("2024-12"))
    assert set(table["进度"]) == {targets.PARTIAL} and table["完成率"].isna().all()
    opts = load_options(d)
    assert not [x for x in overview.red_flags(d, Filters("2024-12"), opts.town_names, opts.bank_names)
                if "目标" in x.text or "序时" in x.text]
    brief = br.build(d, br.ANNUAL, Filters("2024-12"))
    assert brief.title == "2024年（数据自11月起）普惠金融工作总结"
    text = brief.text()
    assert "数据自2024年11月起" in text and "全年新增" not in text and "230.0%" not in text
    assert "全年目标100万元（首年数据不完整，不计算完成率）" in brief.section("guarantees").paragraphs[0]
    # the next year is a full year; its 同比 of a year-to-date figure is not taken against the partial one
    k = by_key(g.kpis(d, Filters("2025-01")))
    assert k["g_new_amount"].delta_base() is None and "不作同比" in k["g_new_amount"].delta_base_text()


# --- point 8: 存在问题 lists every flag the pages show -----------------------------------
def _issue_table(brief):
    tables = dict(brief.section("issues").tables)
    return list(tables["需要关注的问题"]["问题"]) if tables else []


def test_annual_brief_lists_every_page_flag_and_missed_target(db):
    f = Filters("2025-12")
    # independent figures: 支小支农占比 and 补偿金放大倍数 at 2025-12
    end = periods.month_end("2025-12").isoformat()
    total, small_agri = db.execute(
        "SELECT SUM(amount), SUM(CASE WHEN borrower_type IN ('small', 'agri') THEN amount ELSE 0 END) "
        "FROM guarantee_contracts WHERE start_on <= ? AND (released_on IS NULL OR released_on > ?)",
        [end, end]).fetchone()
    (balance,) = db.execute("SELECT SUM(balance) FROM microloan_status WHERE month = '2025-12'").fetchone()
    (fund,) = db.execute("SELECT balance FROM risk_fund WHERE month = '2025-12'").fetchone()
    share, lev = small_agri / total, balance / fund
    assert share < THRESHOLDS.small_agri_share_min and lev < THRESHOLDS.fund_leverage_required
    brief = br.build(db, br.ANNUAL, f)
    issues = brief.section("issues").paragraphs[0]
    assert "均未超出预警阈值" not in issues
    assert f"支小支农占比{money.fmt_pct(share)}，低于80.0%" in issues
    assert f"补偿金放大倍数（全县）{lev:.2f}倍，低于10倍" in issues
    # every annual target whose actual is below the target at December is listed as missed
    table = overview.targets_table(db, f)
    missed = table[table["累计完成"] < table["全年目标"]]
    assert len(missed) >= 1
    listed = _issue_table(brief)
    for name in missed["指标"]:
        assert any(t.startswith(f"{name}完成全年目标的") and t.endswith("未完成全年目标") for t in listed), name
    # one list: each KPI flag of the area pages is in the brief, breaches ranked before targets
    from finance_core import credit

    page_flags = [area + br.tidy(f"{k.label} {k.text()}，{k.flag}")
                  for area, fn in (("信用村", credit.kpis), ("小额信贷", microloans.kpis), ("融资担保", g.kpis))
                  for k in fn(db, f) if k.flag]
    assert page_flags and all(p in listed for p in page_flags)
    first_target = min(i for i, t in enumerate(listed) if "全年目标" in t)
    assert all(listed.index(p) < first_target for p in page_flags if "资本闲置" not in p and "用信率" not in p)


def test_a_registered_area_s_flags_reach_the_brief(db, monkeypatch):
    from finance_core import areas
    from finance_core.area import Area

    extra = overview.Flag("新领域", "某银行存贷比52.0%，低于60.0%", "new-area", severity=overview.BREACH)
    new = Area(key="new-area", title="新领域", heading="新领域", kpis=lambda d, f: [],
               flags=lambda d, f, names, th: [extra])
    monkeypatch.setattr(areas, "ALL", areas.ALL + (new,))
    listed = _issue_table(br.build(db, br.MONTHLY, Filters("2026-10")))
    assert extra.text in listed


def test_no_flags_says_so(edges, monkeypatch):
    from finance_core import areas as registry

    d, _ = edges
    monkeypatch.setattr(registry, "red_flags", lambda *a, **k: [])
    text = br.build(d, br.MONTHLY, Filters("2025-01")).section("issues").paragraphs[0]
    assert text.startswith("当前范围内各项监测指标均未超出预警阈值")


# --- point 10: changes match the shown values ----------------------------------------------
def test_rate_changes_are_differences_of_shown_values():
    # 1.249% shows as 1.2%, 0.651% as 0.7%: the change is 0.5 points, not round(0.598) = 0.6
    assert kpi.signed_delta(kpi.RATIO, 0.01249, 0.00651) == "+0.5 个百分点"
    assert br.rate_change_text(0.01249, 0.00651) == "同比上升0.5个百分点"
    assert br.rate_change_text(0.00651, 0.01249) == "同比下降0.5个百分点"
    assert br.rate_change_text(0.01249, 0.01151) == "同比持平"        # 1.2% and 1.2%
    assert "落后序时进度（8.5%）0.5个百分点" in br.progress_text(7.96, 100, "家", 0.0849)   # 8.0% vs 8.5%
    # multiples change in 倍, as the difference of the two-decimal values shown
    assert kpi.signed_delta(kpi.MULTIPLE, 6.804, 7.246) == "-0.45 倍"
    assert br.multiple_change_text(6.804, 7.246) == "同比下降0.45倍"
    # a fee rate keeps two decimals against its cap
    k = kpi.Kpi("g_fee_rate", "加权担保费率", kpi.RATIO, 0.00834, 0.00815, decimals=2)
    assert (k.text(), k.delta_prev()) == ("0.83%", "+0.01 个百分点")
