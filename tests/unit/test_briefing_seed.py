"""The seed's blanks: the generated yearly summary fills every numeric blank of the
seed's 普惠金融高质量发展 paragraph and 2024 plan paragraph that the app's data
covers, with the value the finance_core metric returns (parsed back from the text).

The seed (``../shared/seed/county-finance-2023-summary.txt``) has its numbers
redacted as ``*``; some ``*`` hide words (融资, 担保, names) instead of numbers.
BLANKS classifies every ``*`` of the two paragraphs; the test checks the list is
complete, then parses each covered blank out of the demo county's 2025 summary.
"""
import re
from pathlib import Path

import pytest

from finance_core import areas, briefing as br
from finance_core import credit, indicators, ipo, microloans, money, targets
from finance_core.filters import Filters

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "county-finance-2023-summary.txt"
INCLUSIVE = (
    "普惠金融高质量发展。建立企业上市工作包保调度机制，对企业上市实行月调度，推进上市进程，富印新材料*月已向省证监局"
    "申报辅导备案，绿动能源已完成首轮股权*万元，投后估值*亿元。开展“五进”走访活动，走访一级市场活跃主体*家，走访率*%。"
    "强化金融助企纾困，累计新增助企贷款*亿元。进一步加强农民专业合作社资金互助风险防范化解工作，*年关停资金互助业务共计*家，"
    "并实现了投放金、互助金“双降”目标。严格落实脱贫人口小额信贷政策，脱贫人口小额信贷余额*亿元，今年新增投放*户*万元。"
    "全县推进党建引领信用村建设工作，累计授信*亿元，用信*亿元，累计授信户数*户，用信户数*户。强化政府性*作用，县*公司在"
    "全省综合评价为A类。采取批量化*的新模式，创新推出“链担通--黄牛贷”特色业务品种，合作授信额度*万元。合理运用“税融通”"
    "业务品种，*年税融通信用*贷款企业*家,信用*额度*亿元，拓宽了企业*渠道，金融助企纾困工作成效显著。政策性农业保险工作扎实"
    "推进，“防贫保”综合保险试点稳步推动，全县*户农户参保，收取保费*万元。"
)
PLAN = (
    "（三）加大金融工作力度。继续巩固中央普惠金融示范区成果，大力发展普惠金融，预计全年贷款增长*亿元，全县*贷款金额超过*亿元。"
    "加大企业上市工作力度，推进*新材料申报创业板上市进程，持续推动深联通讯、绿动能源完成股改及申报辅导备案工作，紧盯*科技IPO"
    "重启计划；积极培育*钢构企业上市后备资源库，加快本地现有上市企业再*。积极引导金融机构承贷全县重大项目和重点基础设施建设，"
    "重点支持“一区三园”、*等重点项目的建设力度。加强金融对乡村振兴产业和基础设施等方面的支持。防范化解金融风险，守住不发生"
    "系统性金融风险底线。"
)
COVERED, OUTSIDE, WORD = "covered", "outside the app's data", "redacted word, not a number"
# every * of the two paragraphs, in order: (paragraph, context holding exactly that *, status, id or reason)
BLANKS = [
    (INCLUSIVE, "富印新材料*月已向省证监局申报辅导备案", COVERED, "guidance_month"),
    (INCLUSIVE, "已完成首轮股权*万元", COVERED, "round_amount"),
    (INCLUSIVE, "投后估值*亿元", COVERED, "round_valuation"),
    (INCLUSIVE, "走访一级市场活跃主体*家", COVERED, "visit_players"),
    (INCLUSIVE, "走访率*%", COVERED, "visit_rate"),
    (INCLUSIVE, "累计新增助企贷款*亿元", COVERED, "relief_loan_new"),
    (INCLUSIVE, "，*年关停资金互助业务", COVERED, "coop_year"),
    (INCLUSIVE, "资金互助业务共计*家", COVERED, "coop_closed"),
    (INCLUSIVE, "脱贫人口小额信贷余额*亿元", COVERED, "microloan_balance"),
    (INCLUSIVE, "今年新增投放*户", COVERED, "microloan_new_households"),
    (INCLUSIVE, "户*万元。全县推进", COVERED, "microloan_new_amount"),
    (INCLUSIVE, "累计授信*亿元", COVERED, "credit_granted"),
    (INCLUSIVE, "用信*亿元", COVERED, "credit_used"),
    (INCLUSIVE, "累计授信户数*户", COVERED, "credit_granted_households"),
    (INCLUSIVE, "用信户数*户", COVERED, "credit_used_households"),
    (INCLUSIVE, "强化政府性*作用", WORD, "融资担保"),
    (INCLUSIVE, "县*公司在全省综合评价", WORD, "融资担保 (the rating A itself is checked: guarantor_rating)"),
    (INCLUSIVE, "采取批量化*的新模式", WORD, "担保"),
    (INCLUSIVE, "合作授信额度*万元", COVERED, "chain_quota"),
    (INCLUSIVE, "，*年税融通", COVERED, "tax_year"),
    (INCLUSIVE, "税融通信用*贷款", WORD, "担保"),
    (INCLUSIVE, "贷款企业*家", COVERED, "tax_firms"),
    (INCLUSIVE, "信用*额度", WORD, "担保"),
    (INCLUSIVE, "额度*亿元，拓宽", COVERED, "tax_amount"),
    (INCLUSIVE, "拓宽了企业*渠道", WORD, "融资"),
    (INCLUSIVE, "全县*户农户参保", COVERED, "pab_households"),
    (INCLUSIVE, "收取保费*万元", COVERED, "pab_premium"),
    (PLAN, "预计全年贷款增长*亿元", OUTSIDE, "a forecast of all loans in the county: the app holds credit villages, "
                                          "microloans and guarantees, not the county's total lending"),
    (PLAN, "全县*贷款金额", WORD, "a loan category (涉农 / 普惠 ...)"),
    (PLAN, "超过*亿元", OUTSIDE, "the county's total of that loan category: not in the app's data"),
    (PLAN, "推进*新材料申报创业板", WORD, "a company name (the plan names the companies under review and "
                                          "their board: checked below)"),
    (PLAN, "紧盯*科技IPO重启计划", WORD, "a company name"),
    (PLAN, "积极培育*钢构企业", WORD, "a company name"),
    (PLAN, "上市企业再*。", WORD, "融资"),
    (PLAN, "、*等重点项目", WORD, "a project name"),
]
YEAR = 2025
F = Filters(f"{YEAR}-12")
AMOUNT = r"([\d.]+)(亿元|万元)"


def _amount_ok(value: str, unit: str, yuan: int) -> None:
    """The text's amount is the metric rounded half-up in the unit the office uses."""
    assert unit == ("亿元" if abs(yuan) >= money.YI else "万元"), (value, unit, yuan)
    if unit == "亿元":
        assert float(value) == money.to_yi(yuan, 2)
    else:
        assert float(value) == money.to_wan(yuan, 0 if abs(yuan) >= 1000 * money.WAN else 2)


def test_seed_paragraphs_are_quoted_verbatim():
    if not SEED.exists():
        pytest.skip("seed document not checked out next to the repository")
    lines = SEED.read_text(encoding="utf-8").splitlines()
    assert INCLUSIVE in lines and PLAN in lines


def test_every_blank_of_the_two_paragraphs_is_classified():
    for paragraph in (INCLUSIVE, PLAN):
        mine = [(ctx, status) for p, ctx, status, _ in BLANKS if p is paragraph]
        assert len(mine) == paragraph.count("*")
        pos = 0
        for ctx, _ in mine:   # in order, each context locates one * of the paragraph
            assert ctx.count("*") == 1 and ctx in paragraph
            at = paragraph.index(ctx, pos) + ctx.index("*")
            assert paragraph[pos:at].count("*") == 0
            pos = at + 1
    covered = [b for b in BLANKS if b[2] == COVERED]
    assert len(covered) == 21


@pytest.fixture(scope="module")
def summary(demo_db):
    from finance_core import db as fdb

    with fdb.opened(demo_db) as db:
        brief = br.build(db, br.ANNUAL, Filters(f"{YEAR}-06"))
    assert brief.period.as_of == f"{YEAR}-12" and brief.title == f"{YEAR}年普惠金融工作总结"
    return brief.text()


def _one(pattern: str, text: str) -> tuple[str, ...]:
    found = re.findall(pattern, text)
    assert len(found) == 1, (pattern, found)
    return found[0] if isinstance(found[0], tuple) else (found[0],)


def test_covered_blanks_hold_the_finance_core_values(summary, db):
    text, filled = summary, set()

    # 企业上市: filing months of 辅导备案 this year, and financing rounds (amount, valuation)
    filings = set(re.findall(r"(?:^|[，；。])([^，；。\n]+?)(\d{1,2})月已向省证监局申报辅导备案", text, re.M))
    moves = br.ipo_moves(db, F, f"{YEAR}-01")
    expected = {(br.short_name(m.company), str(int(m.date[5:7]))) for m in moves
                if m.stage == "辅导备案" and m.kind == br.FORWARD}
    assert filings == expected and filings
    assert len(filings) == areas.METRIC_BY_KEY["ipo_guidance_filings"].actual(db, F)
    filled.add("guidance_month")
    rounds = re.findall(rf"(?:^|[，；。])([^，；。\n]+?)(\d{{1,2}})月已完成([^，；。\n]*?)股权融资{AMOUNT}，投后估值{AMOUNT}",
                        text, re.M)
    expected = br.ipo_rounds(db, F, f"{YEAR}-01")
    assert len(rounds) == len(expected) > 0
    for (name, month, word, amount, unit, valuation, vunit), r in zip(rounds, expected):
        assert name == br.short_name(r.company) and int(month) == int(r.date[5:7])
        assert word == ("首轮" if r.first else r.name)     # the seed's '已完成首轮股权融资'
        _amount_ok(amount, unit, r.amount)
        _amount_ok(valuation, vunit, r.valuation)
    assert any(r.first for r in expected)
    filled |= {"round_amount", "round_valuation"}

    # 指标台账
    fig = indicators.figures(db, F)
    players, rate = _one(r"走访一级市场活跃主体(\d+)家，走访率([\d.]+)%", text)
    assert int(players) == fig["visit_players"].value
    assert rate + "%" == money.fmt_pct(fig["visit_rate"].value)
    amount, unit = _one(rf"累计新增助企贷款{AMOUNT}", text)
    _amount_ok(amount, unit, fig["relief_loan_new"].value)
    year, closed = _one(r"(\d{4})年关停资金互助业务共计(\d+)家", text)
    assert int(year) == YEAR and int(closed) == fig["coop_closed"].value
    households, premium, punit = _one(rf"全县(\d+)户农户参保，收取保费{AMOUNT}", text)
    assert int(households) == fig["pab_households"].value
    _amount_ok(premium, punit, fig["pab_premium"].value)
    filled |= {"visit_players", "visit_rate", "relief_loan_new", "coop_year", "coop_closed", "pab_households",
               "pab_premium"}

    # 小额信贷
    m = microloans.totals(db, F)
    amount, unit = _one(rf"脱贫人口小额信贷余额{AMOUNT}", text)
    _amount_ok(amount, unit, m.balance)
    households, amount, unit = _one(rf"(?:今年|全年)新增投放(\d+)户{AMOUNT}", text)
    assert int(households) == m.new_households_ytd
    _amount_ok(amount, unit, m.new_amount_ytd)
    filled |= {"microloan_balance", "microloan_new_households", "microloan_new_amount"}

    # 信用村
    c = credit.totals(db, F)
    g, gu, u, uu, gh, uh = _one(rf"累计授信{AMOUNT}，用信{AMOUNT}，累计授信户数(\d+)户，用信户数(\d+)户", text)
    _amount_ok(g, gu, c.granted_amount)
    _amount_ok(u, uu, c.used_amount)
    assert (int(gh), int(uh)) == (c.granted_households, c.used_households)
    filled |= {"credit_granted", "credit_used", "credit_granted_households", "credit_used_households"}

    # 融资担保: rating, the livestock-chain product's quota, 税融通 firms and amount this year
    (rating,) = _one(r"融资担保有限公司在全省综合评价为([A-Z])类", text)
    assert [(r,) for _, r in br.guarantor_ratings(db, F.as_of)] == [(rating,)]
    products = {a.name: a for a in br.product_activity(db, F, f"{YEAR}-01")}
    amount, unit = _one(rf"“链担通—黄牛贷”合作授信额度{AMOUNT}", text)
    _amount_ok(amount, unit, products["链担通—黄牛贷"].quota)
    year, firms, amount, unit = _one(rf"“税融通”[^。]*?(\d{{4}})年担保贷款企业(\d+)家，担保额度{AMOUNT}", text)
    assert int(year) == YEAR and int(firms) == products["税融通"].firms
    _amount_ok(amount, unit, products["税融通"].amount)
    filled |= {"chain_quota", "tax_year", "tax_firms", "tax_amount"}

    assert filled == {ident for _, _, status, ident in BLANKS if status == COVERED}


def test_plan_names_the_companies_under_review_and_their_boards(summary, db):
    """The plan paragraph's '推进*新材料申报创业板上市进程' (a name, not a number)."""
    named = {}
    for names, board in re.findall(r"推进([^，。；]+?)申报(主板|创业板|科创板|北交所)上市进程", summary):
        for name in names.split("、"):
            named[name] = board
    stages = ipo.current_stages(db, F)
    boards = dict(db.execute("SELECT name, target_board FROM companies").fetchall())
    late = stages[stages["stage"].isin(("辅导验收", "申报受理", "审核问询", "注册"))]
    assert named == {br.short_name(n): boards[n] for n in late["name"]} and named
    reform = re.search(r"持续推动([^，。；]+?)完成股改及申报辅导备案工作", summary).group(1).split("、")
    assert sorted(reform) == sorted(br.short_name(n) for n in stages[stages["stage"] == "股改"]["name"])
