"""调度简报 generator: number formatting, known sentences on a hand-built county,
omission of missing data, and the brief's own queries against plain SQL."""
import pytest

from finance_core import briefing as br
from finance_core import ipo, periods
from finance_core.filters import Filters
from tests import fixture_county


# --- numbers in the seed's register ------------------------------------------------------
@pytest.mark.parametrize("yuan, text", [
    (123_456_789, "1.23亿元"), (100_500_000, "1.01亿元"), (100_000_000, "1.00亿元"),
    (3_043_816_800, "30.44亿元"), (99_999_999, "10000万元"), (43_004_999, "4300万元"),
    (43_005_000, "4301万元"), (10_000_000, "1000万元"), (856_000, "85.6万元"), (1_200_000, "120万元"),
    (12_345, "1.23万元"), (12_350, "1.24万元"), (0, "0万元"), (None, None),
])
def test_amount_text(yuan, text):
    assert br.amount_text(yuan) == text


def test_rates_changes_and_progress():
    assert br.pct_text(0.4567) == "45.7%" and br.pct_text(None) is None
    assert br.count_text(48400, "户") == "48400户"
    assert br.change_text(110, 100) == "同比增长10.0%"
    assert br.change_text(90, 100) == "同比下降10.0%"
    assert br.change_text(100.01, 100) == "同比持平"
    assert br.change_text(100, 0) is None and br.change_text(100, None) is None
    assert br.rate_change_text(0.05, 0.03) == "同比上升2.0个百分点"
    assert br.rate_change_text(0.03, 0.05) == "同比下降2.0个百分点"
    assert br.rate_change_text(0.03, None) is None
    assert br.progress_text(3_100_000, 10_000_000, "万元", 0.5) == \
        "完成全年目标（1000万元）的31.0%，落后序时进度（50.0%）19.0个百分点"
    assert br.progress_text(60, 100, "家", 0.5) == "完成全年目标（100家）的60.0%，超过序时进度（50.0%）10.0个百分点"
    assert br.progress_text(95, 100, "户", 1.0) == "完成全年目标（100户）的95.0%，未完成全年目标"
    assert br.progress_text(-5, 100, "户", 0.5) == "全年目标（100户）尚无进度"
    assert br.progress_text(5, None, "户", 0.5) is None
    assert br.sentence(None, "x") is None and br.sentence(False, "x") is None
    assert br.sentence("a", None, False, "b") == "a，b。"
    assert br.sentence_any(None, "b", sep="；") == "b。" and br.sentence_any(None) is None
    assert br.short_name("富印新材料股份有限公司") == "富印新材料"


def test_period_of_monthly_and_annual():
    months = ("2026-10", "2026-09", "2025-12", "2025-11", "2025-01")  # data since January 2025
    p = br.period_for(months, br.ANNUAL, "2025-11")
    assert (p.as_of, p.start, p.label, p.when, p.ytd, p.year_word) == \
        ("2025-12", "2025-01", "2025年", "截至2025年末", "全年", "2025年")
    p = br.period_for(months, br.ANNUAL, "2026-03")
    assert (p.as_of, p.label, p.when, p.ytd) == ("2026-10", "2026年（1—10月）", "截至10月末", "1—10月")
    p = br.period_for(months, br.MONTHLY, "2026-09")
    assert (p.as_of, p.start, p.label, p.ytd, p.moves_word) == ("2026-09", "2026-09", "2026年9月", "今年以来", "本月")


# --- the hand-built county ----------------------------------------------------------------
@pytest.fixture
def county(empty_db):
    fixture_county.load(empty_db)
    return empty_db


def _texts(brief) -> dict[str, str]:
    return {s.key: "".join(s.paragraphs) for s in brief.sections}


def test_monthly_brief_of_the_fixture_writes_known_sentences(county):
    brief = br.build(county, br.MONTHLY, Filters("2024-06"))
    assert brief.title == "2024年6月普惠金融工作调度简报"
    assert brief.subtitle == "范围：全县 · 全部银行 · 数据截至2024年6月末"
    assert [s.heading for s in brief.sections] == [
        "一、总体情况", "二、企业上市", "三、信用村建设", "四、脱贫人口小额信贷", "五、政府性融资担保",
        "六、金融助企与风险防范", "七、存在问题"]
    t = _texts(brief)
    # 2024-06 (B2 did not report: its May report 2.5m / 1.0m, 50 / 20 户 is carried): 授信 5.5m +
    # 12.6m + 2.5m, 用信 2.2m + 5.6m + 1.0m; year start 15.0m / 5.6m; county target 10m; 序时进度 182/366
    assert ("全县推进党建引领信用村建设工作，截至6月末，累计授信2060万元，用信880万元，累计授信户数370户，"
            "用信户数165户，用信率42.7%。") in t["credit"]
    assert "今年以来新增授信560万元，完成全年目标（1000万元）的56.0%，超过序时进度（49.7%）6.3个百分点；新增用信320万元。" \
        in t["credit"]
    # the missing submission is named where the figures are, and in 总体情况
    note = "数据说明：邮储银行未报送2024年6月信用村银行报表（授信、用信沿用5月数据）。"
    assert brief.section("credit").paragraphs[-1] == note and note in t["overview"]
    assert "邮储银行" not in t["microloans"].split("分银行看")[0] or "数据说明" not in t["microloans"]
    # microloans: balance 130,000, 4 households; 2024 new loans L1 (Jan) + L4 (June)
    assert "全县脱贫人口小额信贷余额13万元，在贷4户。" in t["microloans"]
    assert "今年以来新增投放2户7万元，其中当月新增投放1户2万元。" in t["microloans"]
    assert "获贷率50.0%，逾期率61.5%，逾期30天以上贷款占比30.8%。" in t["microloans"]
    assert "分银行看，逾期率最高的是邮储银行（100.0%），最低的是农商行（44.4%）。" in t["microloans"]
    # guarantees: in force C1 + C3 = 8m; new C1 + C2; 代偿 0.4m of 1.5m released
    assert "担保公司在全省综合评价为A类。" in t["guarantees"]
    assert ("截至6月末，全县在保余额800万元，在保2户2笔，今年以来新增担保2户2笔300万元，担保公司放大倍数0.67倍，"
            "当年代偿率26.7%。") in t["guarantees"]
    assert "“黄牛贷”合作授信额度500万元（使用率160.0%），今年以来担保贷款企业2家，担保额度300万元。" in t["guarantees"]
    # IPO: one company in stage at the month end, moved to 辅导备案 on 2024-06-30
    assert "截至6月末，全县纳入上市后备资源库企业1家，其中辅导备案1家。" in t["ipo"]
    assert "本月，甲科技6月已向省证监局申报辅导备案。" in t["ipo"]
    assert "截至6月末，全年序时进度49.7%，纳入年度目标考核的1项指标" in t["overview"]
    assert "甲镇信用村新增授信完成率" not in t["issues"]     # 56.0%: on pace with the carried report
    # a missing submission first, then limits breached area by area (the page's KPI flags, then
    # the area's own rules: banks over the overdue line), then the rest
    assert t["issues"].startswith("存在问题：一是邮储银行未报送2024年6月信用村银行报表（授信、用信沿用5月数据）；"
                                  "二是小额信贷逾期率61.5%，高于2.0%；三是农商行小额信贷逾期率44.4%，高于2.0%；"
                                  "四是邮储银行小额信贷逾期率100.0%，高于2.0%；五是融资担保支小支农占比25.0%，低于80.0%；")
    assert "放大倍数（全公司）0.67倍，低于3倍，资本闲置" in t["issues"]


def test_missing_data_is_left_out_never_zero(county):
    t = _texts(br.build(county, br.MONTHLY, Filters("2024-06")))
    # no data a year before: no 同比 anywhere; no indicators ledger: the section says so
    assert "同比" not in "".join(t.values())
    assert t["indicators"] == br.NO_DATA
    assert "助企贷款" not in "".join(t.values()) and "防贫保" not in "".join(t.values())
    # one bank reported June (B2's figures are carried, so it is not ranked): no bank ranking for
    # credit; only 甲镇 has a town target: no town ranking
    assert "分银行看，用信率" not in t["credit"] and "分乡镇看" not in t["credit"]
    # 2024-01: no credit reports, no guarantee company figures
    t = _texts(br.build(county, br.MONTHLY, Filters("2024-01")))
    assert t["guarantees"] == br.NO_DATA
    # nobody reported credit for 2024-01 (the month has microloan data): no figures, and who is missing named
    assert t["credit"] == br.NO_DATA + ("数据说明：农商行未报送2024年1月信用村银行报表（本月尚无任何单位报送，不显示本月数据）；"
                                        "邮储银行未报送2024年1月信用村银行报表（本月尚无任何单位报送，不显示本月数据）。")
    assert "累计授信" not in "".join(t.values()) and "在保余额" not in "".join(t.values())
    assert "脱贫人口小额信贷余额5万元" in t["microloans"]
    # January: the year is the month, so no '其中当月'
    assert "今年以来新增投放1户5万元。" in t["microloans"]


def test_indicators_paragraph_writes_what_was_reported(county):
    county.conn.executemany("INSERT INTO indicators VALUES (?, ?, ?, ?, ?, ?)", [
        ("2024-06", "relief_loan_new", "county", "", 123_456_789, "元"),
        ("2024-05", "relief_loan_new", "county", "", 10_000_000, "元"),
        ("2024-06", "pab_households", "town", "T1", 300, "户"),
        ("2024-06", "pab_households", "town", "T2", 120, "户"),
        ("2024-06", "coop_closed", "county", "", 0, "家"),
    ])
    county.conn.execute("INSERT INTO targets VALUES (2024, 'indicator:relief_loan_new', 'county', '', 300000000)")
    county.conn.commit()
    t = _texts(br.build(county, br.MONTHLY, Filters("2024-06")))["indicators"]
    assert ("强化金融助企纾困，今年以来累计新增助企贷款1.33亿元，其中当月新增1.23亿元，"
            "完成全年目标（3.00亿元）的44.5%，落后序时进度（49.7%）5.2个百分点。") in t
    # premiums and visits were not reported: their clauses and sentences are left out
    assert "全县420户农户参保。" in t and "保费" not in t and "走访" not in t
    assert "今年以来关停资金互助业务共计0家，其中当月0家。" in t
    # a town filter: relief loans are county-wide only, 防贫保 is per town
    t = _texts(br.build(county, br.MONTHLY, Filters("2024-06", ("T2",))))["indicators"]
    assert "助企贷款" not in t and "乙乡120户农户参保" in t


def test_annual_summary_of_the_fixture(county):
    brief = br.build(county, br.ANNUAL, Filters("2024-05"))
    assert brief.period.as_of == "2024-06"                 # the latest month of 2024 with data
    assert brief.title == "2024年（1—6月）普惠金融工作总结"
    assert brief.sections[-1].heading == "八、2025年工作计划"
    t = _texts(brief)
    assert "1—6月新增授信560万元" in t["credit"]     # B2's May report carried into June
    assert "今年以来，甲科技6月已向省证监局申报辅导备案。" in t["ipo"]
    assert "2024年1—6月担保贷款企业2家，担保额度300万元" in t["guarantees"]
    assert "督促甲科技加快辅导验收" in t["plan"]
    text = brief.text()
    assert text.startswith("2024年（1—6月）普惠金融工作总结\n范围：全县")
    assert "\n八、2025年工作计划\n" in text


def test_scope_words_follow_the_filters(county):
    t = _texts(br.build(county, br.MONTHLY, Filters("2024-06", banks=("B1",))))
    assert "全县农商行脱贫人口小额信贷余额9万元" in t["microloans"]
    assert "截至6月末，全县纳入上市后备资源库企业1家" in t["ipo"]   # IPO has no bank dimension
    t = _texts(br.build(county, br.MONTHLY, Filters("2024-06", towns=("T2",))))
    assert t["ipo"] == br.NO_DATA
    assert "乙乡脱贫人口小额信贷余额1万元" in t["microloans"]


# --- the brief's own queries against plain SQL (demo county) ------------------------------
def test_product_activity_matches_sql(db):
    f = Filters("2025-12", towns=("T01", "T02", "T03"))
    got = {a.name: a for a in br.product_activity(db, f, "2025-01")}
    rows = db.execute(
        """SELECT p.name, p.quota, COUNT(DISTINCT c.borrower_name), COUNT(c.id), COALESCE(SUM(c.amount), 0)
           FROM guarantee_products p LEFT JOIN guarantee_contracts c ON c.product_code = p.code
             AND c.start_on >= '2025-01-01' AND c.start_on <= '2025-12-31' AND c.town_code IN ('T01','T02','T03')
           GROUP BY p.code""").fetchall()
    assert len(rows) == len(got) == 4
    for name, quota, firms, n, amount in rows:
        a = got[name]
        assert (a.quota, a.firms, a.contracts, a.amount) == (quota, firms, n, amount)
        (used,) = db.execute("SELECT COALESCE(SUM(amount), 0) FROM guarantee_contracts c JOIN guarantee_products p "
                             "ON p.code = c.product_code WHERE p.name = ? AND start_on <= '2025-12-31' "
                             "AND (released_on IS NULL OR released_on > '2025-12-31')", [name]).fetchone()
        assert a.used == used
    assert any(a.firms for a in got.values())


def test_ipo_moves_and_rounds_match_sql(db):
    f = Filters("2025-12")
    moves = br.ipo_moves(db, f, "2025-01")
    events = db.execute("SELECT e.id, c.name, e.stage, e.event_date FROM ipo_events e JOIN companies c "
                        "ON c.id = e.company_id ORDER BY c.id, e.event_date, e.id").fetchall()
    order = {s: i for i, s in enumerate(ipo.STAGES)}
    expected, last, highest = [], {}, {}
    for _id, name, stage, date in events:
        prev, top = last.get(name), highest.get(name, -1)
        if "2025-01-01" <= date <= "2025-12-31":
            kind = (br.FIRST if prev is None else br.FORWARD if order[stage] > top else
                    br.REENTRY if order[stage] > order[prev] else br.BACK)
            expected.append((date, name, stage, kind))
        last[name], highest[name] = stage, max(top, order[stage])
    assert sorted((m.date, m.company, m.stage, m.kind) for m in moves) == sorted(expected)
    assert len(moves) > 5
    # rounds of pipeline companies: joined the list by the round's date, not yet listed
    rounds = br.ipo_rounds(db, Filters("2025-12", towns=("T01", "T05")), "2025-01")
    rows = db.execute("""
        SELECT c.name, r.amount FROM ipo_rounds r JOIN companies c ON c.id = r.company_id
        WHERE r.round_date BETWEEN '2025-01-01' AND '2025-12-31' AND c.town_code IN ('T01', 'T05')
          AND (SELECT MIN(event_date) FROM ipo_events e WHERE e.company_id = c.id) <= r.round_date
          AND NOT EXISTS (SELECT 1 FROM ipo_events e WHERE e.company_id = c.id AND e.stage = '发行上市'
                          AND e.event_date <= r.round_date)""").fetchall()
    assert sorted((r.company, r.amount) for r in rounds) == sorted(rows)


def test_rankings_match_sql(db):
    f = Filters("2026-10")
    usage = {r.name: r.value for r in br.bank_credit_usage(db, f)}
    rows = db.execute("SELECT b.name, SUM(used_amount) * 1.0 / SUM(granted_amount) FROM credit_monthly m "
                      "JOIN banks b ON b.code = m.bank_code WHERE month = '2026-10' GROUP BY b.code").fetchall()
    assert usage == pytest.approx(dict(rows))
    overdue = {r.name: r.value for r in br.bank_overdue_rate(db, f)}
    rows = db.execute("SELECT b.name, SUM(overdue_balance) * 1.0 / SUM(balance) FROM microloan_monthly m "
                      "JOIN banks b ON b.code = m.bank_code WHERE month = '2026-10' GROUP BY b.code "
                      "HAVING SUM(balance) > 0").fetchall()
    assert overdue == pytest.approx(dict(rows))
    best, worst = br.best_and_worst([br.Ranked(n, v) for n, v in rows])
    assert worst.value == min(v for _, v in rows) and best.name == "青禾村镇银行"
    completion = {r.name: r.value for r in br.town_completion(db, f, "credit_granted_increase")}
    rows = db.execute(
        """SELECT t.name, (SELECT SUM(granted_amount) FROM credit_monthly WHERE town_code = t.code AND month = '2026-10')
                  - (SELECT SUM(granted_amount) FROM credit_monthly WHERE town_code = t.code AND month = '2025-12'),
                  g.value
           FROM towns t JOIN targets g ON g.scope_code = t.code AND g.scope_type = 'town'
             AND g.metric = 'credit_granted_increase' AND g.year = 2026""").fetchall()
    assert completion == pytest.approx({n: inc / goal for n, inc, goal in rows})
    assert br.town_completion(db, Filters("2026-10", banks=("RCB",)), "credit_granted_increase") == []
    assert br.guarantor_ratings(db, "2026-10") == db.execute(
        "SELECT g.name, m.rating FROM guarantor_monthly m JOIN guarantors g ON g.code = m.guarantor_code "
        "WHERE m.month = '2026-10'").fetchall()


def test_demo_brief_numbers_come_from_the_area_functions(db):
    from finance_core import credit, microloans

    f = Filters("2026-10")
    t = _texts(br.build(db, br.MONTHLY, f))
    c, m = credit.totals(db, f), microloans.totals(db, f)
    assert f"累计授信{br.amount_text(c.granted_amount)}，用信{br.amount_text(c.used_amount)}" in t["credit"]
    assert f"累计授信户数{c.granted_households}户，用信户数{c.used_households}户" in t["credit"]
    assert f"今年以来新增投放{m.new_households_ytd}户{br.amount_text(m.new_amount_ytd)}" in t["microloans"]
    assert all(br.NO_DATA != v for v in t.values())
    assert "分乡镇看，新增授信完成率最高的是" in t["credit"] and "最低的是高峰乡" in t["credit"]
    assert "逾期率最高的是青禾村镇银行" in t["microloans"]
    assert f"全年序时进度{br.pct_text(periods.time_progress('2026-10'))}，" in t["overview"]
    assert "序时进度（83.3%）" in t["credit"]


def test_demo_brief_changes_and_charts_come_from_the_same_totals(db):
    from finance_core import credit, indicators, money

    f = Filters("2026-10")
    brief = br.build(db, br.MONTHLY, f)
    text = "".join(brief.section("credit").paragraphs)
    now, base = credit.totals(db, f), credit.totals(db, f.at("2025-10"))
    assert f"累计授信{br.change_text(now.granted_amount, base.granted_amount)}" in text
    assert f"用信{br.change_text(now.used_amount, base.used_amount)}" in text
    chart = brief.section("credit").chart
    months = periods.months_between("2025-10", "2026-10")
    assert list(chart["月份"].unique()) == months
    granted = chart[chart["指标"] == "累计授信"].set_index("月份")["数值"]
    (sql,) = db.execute("SELECT SUM(granted_amount) FROM credit_monthly WHERE month = '2026-03'").fetchone()
    assert granted["2026-03"] == money.to_yi(sql, 2)
    relief = brief.section("indicators").chart.set_index("月份")["数值"]
    (sql,) = db.execute("SELECT SUM(value) FROM indicators WHERE indicator = 'relief_loan_new' "
                        "AND month = '2026-10'").fetchone()
    assert relief["2026-10"] == money.to_wan(sql, 0)
    assert len(relief) == 13 and indicators.month_value(db, f, "relief_loan_new") == sql


def test_ordinals_and_long_issue_lists():
    from finance_core.briefing import MAX_ISSUES_IN_TEXT
    from finance_core.briefing import ordinal as _ordinal

    assert [_ordinal(i) for i in (0, 8, 9, 10, 19, 20, 98, 99)] == \
        ["一", "九", "十", "十一", "二十", "二十一", "九十九", "一百"]
    assert _ordinal(149) == "150"
    assert MAX_ISSUES_IN_TEXT == 10


def test_a_long_list_of_issues_names_ten_and_counts_the_rest(db, monkeypatch):
    from finance_core import briefing as b
    from finance_core import overview as ov
    from finance_core.filters import Filters, load_options

    many = [ov.Flag("企业上市", f"第{i}家企业处于辅导备案已 20 个月", "ipo") for i in range(25)]
    monkeypatch.setattr(b.summary.areas, "red_flags", lambda *a, **k: many)
    brief = b.build(db, "月报", Filters(load_options(db).latest))
    issues = next(s for s in brief.sections if s.key == "issues")
    text = issues.paragraphs[0]
    assert text.count("是第") == 10 and "十是第9家" in text and "另有15项，详见附表" in text
    assert len(issues.tables[0][1]) == 25
