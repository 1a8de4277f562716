"""企业上市 at the edges (issue 12, points 5 and 7): a fall-back followed by a
re-entry is not new progress, and every financing round is kept and reported
only for pipeline companies, in the period, before listing.

A hand-built county (the briefing fixture plus the companies below) with known
answers, checked against SQL written here; then the demo county.
"""
import re
import shutil

import pandas as pd
import pytest

from finance_core import areas, briefing as br
from finance_core import db as fdb
from finance_core import demo, ipo, targets
from finance_core.filters import Filters
from tests import fixture_county
from tests import fixtures

PAGE = "pages/ipo.py"
UP = "回升科技股份有限公司"      # withdrew its application, fell back to 辅导备案, re-entered 辅导验收
NEW = "新进材料股份有限公司"      # a genuine new 辅导备案 filing in 2024
DIRECT = "直入医药股份有限公司"   # joined the list in 辅导备案 in 2024 (round before joining)
REFORM = "退股改装备股份有限公司"  # fell back from 股改 to 后备资源库 and re-entered 股改 in 2024
LISTED = "上市电子股份有限公司"   # listed in 2023; a round after listing
TWICE = "反复科技股份有限公司"    # joined in 辅导备案, fell back to 股改, went through 辅导 again, then filed
COMPANIES = [
    (11, UP, "新材料", "T1", None, "创业板", "某证券", "王五", None, None, None),
    (12, NEW, "新材料", "T1", None, "北交所", "某证券", "王五", None, None, None),
    (13, DIRECT, "生物医药", "T2", None, "科创板", "某证券", "王五", None, None, None),
    (14, REFORM, "装备制造", "T2", None, "主板", None, "王五", None, None, None),
    (15, LISTED, "电子信息", "T1", None, "主板", "某证券", "王五", None, None, None),
    (16, TWICE, "电子信息", "T2", None, "主板", "某证券", "王五", None, None, None),
]
EVENTS = [
    (11, 11, "后备资源库", "2021-03-01", None), (12, 11, "股改", "2021-09-01", None),
    (13, 11, "辅导备案", "2022-06-01", None), (14, 11, "辅导验收", "2023-01-10", None),
    (15, 11, "申报受理", "2023-03-01", None), (16, 11, "审核问询", "2023-04-01", None),
    (17, 11, "辅导备案", "2024-02-15", "撤回申报"), (18, 11, "辅导验收", "2024-05-20", None),
    (21, 12, "后备资源库", "2023-01-01", None), (22, 12, "股改", "2023-06-01", None),
    (23, 12, "辅导备案", "2024-03-10", None),
    (31, 13, "辅导备案", "2024-04-01", None),
    (41, 14, "后备资源库", "2022-01-01", None), (42, 14, "股改", "2022-06-01", None),
    (43, 14, "后备资源库", "2023-08-01", "暂缓股改"), (44, 14, "股改", "2024-01-20", None),
    (50, 15, "审核问询", "2022-01-10", None), (51, 15, "注册", "2022-12-01", None),
    (52, 15, "发行上市", "2023-03-01", None),
    (61, 16, "辅导备案", "2020-01-01", None), (62, 16, "辅导验收", "2020-08-01", None),
    (63, 16, "股改", "2021-01-01", "重新股改"), (64, 16, "辅导备案", "2021-06-01", None),
    (65, 16, "辅导验收", "2022-01-01", None), (66, 16, "申报受理", "2022-06-01", None),
]
ROUNDS = [   # id, company, date, amount, post-money, name
    (1, 11, "2021-01-15", 10_000_000, 80_000_000, "天使轮"),        # before joining the list
    (2, 11, "2022-08-01", 30_000_000, 300_000_000, "A轮"),
    (3, 11, "2024-03-05", 45_000_000, 500_000_000, "B轮"),           # after the withdrawal: still pipeline
    (4, 12, "2024-01-10", 8_000_000, 60_000_000, "天使轮"),          # its first round, in 2024
    (5, 13, "2024-02-20", 20_000_000, 200_000_000, "A轮"),           # before it joined (2024-04-01)
    (6, 14, "2024-06-15", 5_000_000, None, None),                    # no valuation, no name (migrated)
    (7, 15, "2022-06-01", 60_000_000, 900_000_000, "B轮"),
    (8, 15, "2024-04-10", 200_000_000, 3_000_000_000, "定向增发"),   # after listing
]
TARGET = (2024, "ipo_guidance_filings", "county", "", 3)
STAGE_RANK = "CASE stage " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(ipo.STAGES)) + " END"

# an event is new progress when its stage is above every stage the company reached before it
NEW_ENTRIES_SQL = f"""
WITH ranked AS (
    SELECT e.company_id, e.stage, e.event_date, c.town_code, {STAGE_RANK} AS rank,
           MAX({STAGE_RANK}) OVER (PARTITION BY e.company_id ORDER BY e.event_date, e.id
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
    FROM ipo_events e JOIN companies c ON c.id = e.company_id)
SELECT COUNT(DISTINCT company_id) FROM ranked
WHERE stage = :stage AND event_date BETWEEN :start AND :end AND (before IS NULL OR rank > before)
"""
# a round is reported when the company had joined by its date and had not listed yet
ROUNDS_SQL = """
SELECT c.name, r.round_date, r.amount FROM ipo_rounds r JOIN companies c ON c.id = r.company_id
WHERE r.round_date BETWEEN :start AND :end
  AND r.round_date >= (SELECT MIN(event_date) FROM ipo_events e WHERE e.company_id = r.company_id)
  AND NOT EXISTS (SELECT 1 FROM ipo_events e WHERE e.company_id = r.company_id
                  AND e.stage = '发行上市' AND e.event_date <= r.round_date)
ORDER BY r.round_date
"""


@pytest.fixture
def county(empty_db):
    fixture_county.load(empty_db)
    # the roll-ups are rebuilt: 2024-04 becomes a data month (the page's as_of)
    fixtures.load(empty_db, (("companies", COMPANIES), ("ipo_events", EVENTS), ("ipo_rounds", ROUNDS),
                             ("targets", [TARGET]), ("guarantor_monthly", [("G1", "2024-04", 10_000_000, "A")])))
    return empty_db


def sql_new(db, stage: str, start: str, end: str) -> int:
    return db.execute(NEW_ENTRIES_SQL, {"stage": stage, "start": start, "end": end}).fetchone()[0]


# --- point 5: a setback is not progress -------------------------------------------------------
def test_kinds_of_the_fall_back_and_the_re_entry(county):
    up = ipo.company_detail(county, UP, "2024-06").history
    assert list(up["kind"]) == ["入库", "前进", "前进", "前进", "前进", "前进", "回退", "重新进入"]
    reform = ipo.company_detail(county, REFORM, "2024-06").history
    assert list(reform["kind"]) == ["入库", "前进", "回退", "重新进入"]
    # stages before the first event count as reached: 股改 after joining in 辅导备案 is a fall-back
    twice = ipo.company_detail(county, TWICE, "2024-06").history
    assert list(twice["kind"]) == ["入库", "前进", "回退", "重新进入", "重新进入", "前进"]


def test_new_guidance_filings_exclude_the_fall_back(county):
    f = Filters("2024-06")
    expected = sql_new(county, "辅导备案", "2024-01-01", "2024-06-30")
    naive = county.execute("SELECT COUNT(DISTINCT company_id) FROM ipo_events WHERE stage = '辅导备案' "
                           "AND event_date BETWEEN '2024-01-01' AND '2024-06-30'").fetchone()[0]
    assert (expected, naive) == (3, 4)    # 新进, 直入, 甲科技; not 回升 (fell back)
    p = targets.progress(county, f, areas.METRIC_BY_KEY["ipo_guidance_filings"])
    assert (p.actual, p.target, p.completion) == (expected, 3, 1.0)
    for stage in ipo.STAGES:
        assert ipo.new_entries(county, f, stage) == sql_new(county, stage, "2024-01-01", "2024-06-30"), stage
    assert ipo.new_entries(county, f, "股改") == 0          # 退股改 re-entered 股改: not a new 股改
    assert ipo.new_entries(county, f, "辅导验收") == 0      # 回升 re-entered 辅导验收
    # the town scope counts only its companies
    assert ipo.new_entries(county, Filters("2024-06", towns=("T2",)), "辅导备案") == 1   # 直入


def test_moves_and_kpis_say_fall_back_and_re_entry(county):
    moves = ipo.moves_in_month(county, Filters("2024-05"))
    assert list(zip(moves["name"], moves["kind"])) == [(UP, "重新进入")]
    k = {x.label: x for x in ipo.summary(county, Filters("2024-05"))}
    assert k["本月阶段变动"].value == 1 and "重新进入1次" in k["本月阶段变动"].help
    fun = ipo.funnel(county, Filters("2024-04")).set_index("stage")
    # at the end of April 回升 sits in 辅导备案 because it fell back there
    assert fun.loc["辅导备案", "fell_back"] == 1 and fun["fell_back"].sum() == 1
    assert fun.loc["辅导备案", "companies"] == 3     # 回升, 新进, 直入


def test_monthly_brief_does_not_call_a_re_entry_progress(county):
    brief = br.build(county, br.MONTHLY, Filters("2024-05"))
    text = next(s for s in brief.sections if s.key == "ipo").paragraphs[0]
    assert "回升科技5月回退后重新进入辅导验收阶段" in text
    assert "通过辅导验收" not in text
    table = next(s for s in brief.sections if s.key == "ipo").tables[0][1].set_index("阶段")
    assert table.loc["辅导验收", "本月新进入本阶段（家次）"] == 0


def test_annual_brief_lists_fall_backs_and_counts_only_new_progress(county):
    brief = br.build(county, br.ANNUAL, Filters("2024-06"))
    sec = {s.key: s for s in brief.sections}
    text = sec["ipo"].paragraphs[0]
    assert "回升科技2月撤回申报，回退至辅导备案阶段" in text
    assert "回升科技5月回退后重新进入辅导验收阶段" in text
    assert "新进材料3月已向省证监局申报辅导备案" in text and "甲科技6月已向省证监局申报辅导备案" in text
    assert "直入医药4月以辅导备案阶段纳入上市后备资源库" in text
    assert "启动股份制改造" not in text         # 退股改's 股改 is a re-entry
    table = sec["ipo"].tables[0][1].set_index("阶段")
    new_col = [c for c in table.columns if c.endswith("新进入本阶段（家次）")][0]
    back_col = [c for c in table.columns if c.endswith("回退至本阶段（家次）")][0]
    assert table.loc["辅导备案", new_col] == sql_new(county, "辅导备案", "2024-01-01", "2024-06-30") == 3
    assert table.loc["辅导备案", back_col] == 1 and table.loc["后备资源库", back_col] == 0
    assert table.loc["股改", new_col] == 0 and table.loc["辅导验收", new_col] == 0
    goals = sec["overview"].tables[0][1].set_index("指标")
    assert goals.loc["新增辅导备案企业", "累计完成"] == "3家" and goals.loc["新增辅导备案企业", "完成率"] == "100.0%"


# --- point 7: every financing round --------------------------------------------------------------
def test_rounds_keep_every_round_and_mark_the_first(county):
    rds = ipo.rounds(county, [11])
    assert list(rds["round_date"]) == ["2021-01-15", "2022-08-01", "2024-03-05"]
    assert list(rds["first"]) == [True, False, False] and list(rds["counted"]) == [False, True, True]
    table = ipo.rounds_table(rds)
    assert list(table["计入股权融资"]) == ["不计入（入库前融资）", "计入", "计入"]
    assert list(table["首轮"]) == ["是", "", ""] and list(table["融资金额（万元）"]) == [1000, 3000, 4500]
    listed = ipo.rounds_table(ipo.rounds(county, [15]))
    assert list(listed["计入股权融资"]) == ["计入", "不计入（上市后融资）"]
    # a round without a name (as the v3 migration carries them over) is never called 首轮
    assert not ipo.rounds(county, [14])["first"].any()


@pytest.mark.parametrize("kind, as_of, start", [(br.MONTHLY, "2024-06", "2024-06-01"),
                                               (br.ANNUAL, "2024-06", "2024-01-01"),
                                               (br.MONTHLY, "2024-03", "2024-03-01")])
def test_brief_rounds_are_pipeline_rounds_in_the_period(county, kind, as_of, start):
    end = f"{as_of}-31"
    expected = county.execute(ROUNDS_SQL, {"start": start, "end": end}).fetchall()
    got = [(r.company, r.date, r.amount) for r in br.ipo_rounds(county, Filters(as_of), start[:7])]
    assert got == expected and got
    text = next(s for s in br.build(county, kind, Filters(as_of)).sections if s.key == "ipo").paragraphs[0]
    found = re.findall(r"(?:^|[，；。])([^，；。]+?)(\d{1,2})月已完成[^，；。]*?股权融资", text)
    assert found == [(br.short_name(n), str(int(d[5:7]))) for n, d, _ in expected]
    assert text.count("股权融资") == len(expected)


def test_annual_brief_round_sentences(county):
    text = next(s for s in br.build(county, br.ANNUAL, Filters("2024-06")).sections
                if s.key == "ipo").paragraphs[0]
    assert "新进材料1月已完成首轮股权融资800万元，投后估值6000万元" in text
    assert "回升科技3月已完成B轮股权融资4500万元，投后估值5.00亿元" in text
    assert "退股改装备6月已完成股权融资500万元" in text
    assert "直入医药2月" not in text and "上市电子4月" not in text


def test_board_latest_round_is_the_latest_up_to_the_data_month(county):
    board = ipo.pipeline(county, Filters("2024-02")).set_index("name")
    assert board.loc[UP, "round_date"] == "2022-08-01" and board.loc[UP, "round_amount"] == 30_000_000
    board = ipo.pipeline(county, Filters("2024-06")).set_index("name")
    assert board.loc[UP, "round_date"] == "2024-03-05" and pd.isna(board.loc[REFORM, "round_valuation"])
    (n,) = county.execute("SELECT COUNT(*) FROM ipo_rounds r WHERE r.round_date <= '2024-06-30' AND "
                          "r.company_id IN (11, 12, 13, 14, 15)").fetchone()
    assert len(ipo.all_rounds(county, Filters("2024-06"))) == n


# --- the demo county -------------------------------------------------------------------------
def test_demo_guidance_filings_exclude_the_withdrawn_company(db):
    from tests.conftest import DEMO_END
    from tests.app.test_ipo_app import WITHDRAWN

    year = DEMO_END[:4]
    f = Filters(DEMO_END)
    (back,) = db.execute("SELECT COUNT(*) FROM ipo_events e JOIN companies c ON c.id = e.company_id "
                         "WHERE c.name = ? AND e.stage = '辅导备案' AND e.event_date >= ?",
                         [WITHDRAWN, f"{year}-01-01"]).fetchone()
    assert back == 1                      # the fall-back is in the data year
    expected = sql_new(db, "辅导备案", f"{year}-01-01", f"{DEMO_END}-31")
    p = targets.progress(db, f, areas.METRIC_BY_KEY["ipo_guidance_filings"])
    assert p.actual == expected
    (naive,) = db.execute("SELECT COUNT(DISTINCT company_id) FROM ipo_events WHERE stage = '辅导备案' "
                          "AND event_date BETWEEN ? AND ?", [f"{year}-01-01", f"{DEMO_END}-31"]).fetchone()
    assert naive == expected + 1


@pytest.fixture(scope="module")
def demo_nov(tmp_path_factory):
    """The demo county ending 2026-11, as the issue was tried."""
    path = tmp_path_factory.mktemp("demo-nov") / "county.db"
    demo.build(path, scale=1, end="2026-11")
    return path


def test_demo_2026_guidance_filings_are_2_of_2(demo_nov):
    with fdb.opened(demo_nov) as d:
        p = targets.progress(d, Filters("2026-11"), areas.METRIC_BY_KEY["ipo_guidance_filings"])
        assert (p.actual, p.target, p.completion) == (2, 2, 1.0)
        assert sql_new(d, "辅导备案", "2026-01-01", "2026-11-30") == 2


def test_demo_2025_annual_rounds(demo_nov, tmp_path):
    with fdb.opened(demo_nov) as d:
        expected = d.execute(ROUNDS_SQL, {"start": "2025-01-01", "end": "2025-12-31"}).fetchall()
        (all_2025,) = d.execute("SELECT COUNT(*) FROM ipo_rounds WHERE round_date LIKE '2025-%'").fetchone()
        got = br.ipo_rounds(d, Filters("2025-12"), "2025-01")
        assert [(r.company, r.date, r.amount) for r in got] == expected
        assert len(expected) < all_2025
        text = next(s for s in br.build(d, br.ANNUAL, Filters("2025-12")).sections
                    if s.key == "ipo").paragraphs[0]
        assert text.count("股权融资") == len(expected)
        assert (d.execute("SELECT COUNT(*) FROM companies WHERE last_round_date IS NOT NULL").fetchone()
                == (0,))   # legacy columns are not written any more
    # the data: only each company's latest round (as the v3 migration carries it over)
    latest = tmp_path / "latest.db"
    shutil.copy(demo_nov, latest)
    with fdb.opened(latest) as d:
        with fdb.write_transaction(d):
            d.execute("DELETE FROM ipo_rounds WHERE round_date < (SELECT MAX(round_date) FROM ipo_rounds x "
                      "WHERE x.company_id = ipo_rounds.company_id)")
            d.execute("UPDATE ipo_rounds SET round_name = NULL")
        (ten,) = d.execute("SELECT COUNT(*) FROM ipo_rounds WHERE round_date LIKE '2025-%'").fetchone()
        got = br.ipo_rounds(d, Filters("2025-12"), "2025-01")
        assert (ten, len(got)) == (10, 7)
        assert len(got) == len(d.execute(ROUNDS_SQL, {"start": "2025-01-01", "end": "2025-12-31"}).fetchall())
        assert not any(r.first for r in got)


# --- the import feed ----------------------------------------------------------------------------
def test_rounds_feed_imports_every_round_and_refuses_a_bad_one(county):
    from finance_core import imports
    from finance_core.imports import templates

    rows = [(NEW, "2024-06-20", "A轮", 30_000_000, 250_000_000), (DIRECT, "2024-05-05", "B轮", 40_000_000, None)]
    p = imports.preview(county, "ipo_rounds", "r.xlsx", templates.workbook(county, "ipo_rounds", rows))
    assert p.ok, [str(e) for e in p.errors]
    imports.apply(county, p.parsed, "测试")
    got = county.execute("SELECT c.name, r.round_date, r.round_name, r.amount, r.valuation FROM ipo_rounds r "
                         "JOIN companies c ON c.id = r.company_id WHERE r.round_date >= '2024-05-01' "
                         "AND r.company_id IN (12, 13) ORDER BY r.round_date DESC").fetchall()
    assert got == rows
    assert [r[1] for r in templates.export_rows(county, "ipo_rounds", "2024-06")] == ["2024-06-15", "2024-06-20"]
    # 新进's A轮 is now in the June brief; its 天使轮 stays its 首轮
    assert list(ipo.rounds(county, [12])["first"]) == [True, False]
    bad = [(UP, "2024-06-01", "C轮", 50_000_000, 10_000_000), ("不存在的公司", "2024-06-01", "A轮", 1, None)]
    p = imports.preview(county, "ipo_rounds", "bad.xlsx", templates.workbook(county, "ipo_rounds", bad))
    assert not p.ok
    messages = " ".join(str(e) for e in p.errors)
    assert "投后估值 10,000,000 元小于融资金额 50,000,000 元" in messages and "不存在" in messages
    (n,) = county.execute("SELECT COUNT(*) FROM ipo_rounds").fetchone()
    assert n == len(ROUNDS) + 2
