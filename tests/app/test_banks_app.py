"""AppTest runs of the 银行存贷款 page (issue 14): the numbers the URL's filters and
weights give, bad parameters, the weights what-if moving the ranking and the
link, a town scope naming the county-wide banks; the overview row and both briefs."""
from __future__ import annotations

import io

import openpyxl
import pytest

from finance_core import banks as bk
from finance_core import briefing
from finance_core import db as fdb
from finance_core import filters as ff
from finance_core import imports
from finance_core.imports import templates
from tests.apptest_support import card_text, card_values, shown_text

PAGE = "pages/banks.py"


def metrics(at) -> dict[str, str]:
    return card_values(at)


def frame_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def sliders(at) -> dict[str, int]:
    return {s.key: s.value for s in at.slider}


def test_default_view(app, demo_db):
    at = app(page=PAGE)
    assert not at.exception
    with fdb.opened(demo_db) as db:
        f = ff.Filters(ff.load_options(db).latest)
        kpis = bk.kpis(db, f)
        ranks = bk.ranking(db, f)
    shown = metrics(at)
    for k in kpis:
        assert shown[k.label] == k.text(), k.label
    assert sliders(at) == {i.param: bk.default_weights()[i.key] for i in bk.INDICATORS}
    shown_ranks = frame_with(at, "加权得分")
    assert shown_ranks["银行"].tolist() == ranks["银行"].tolist()
    text = " ".join(c.value for c in at.caption)
    assert "配置权重：各项贷款增长 20" in text          # the weights are stated on the page
    warnings = " ".join(w.value for w in at.warning)
    assert "建设银行存贷比" in warnings and "农业银行普惠小微未实现“两增”" in warnings


def test_url_filters_and_weights_drive_the_numbers(app, demo_db):
    weights = {i.param: "0" for i in bk.INDICATORS} | {"w_npl": "40", "w_loan": "10"}
    at = app({"as_of": "2026-06", "bank": ["建设银行", "农商行"], **weights}, page=PAGE)
    assert not at.exception
    with fdb.opened(demo_db) as db:
        opts = ff.load_options(db)
        f = ff.Filters("2026-06", (), (opts.bank_code("建设银行"), opts.bank_code("农商行")))
        kpis = bk.kpis(db, f)
        w = {i.key: 0 for i in bk.INDICATORS} | {"npl_rate": 40, "loan_growth": 10}
        ranks = bk.ranking(db, f, tuple(w.items()))
        default_loans = bk.kpis(db, ff.Filters(opts.latest))[2].text()
    shown = metrics(at)
    for k in kpis:
        assert shown[k.label] == k.text(), k.label
    assert shown["各项贷款余额"] != default_loans
    assert sliders(at)["w_npl"] == 40 and sliders(at)["w_loan"] == 10 and sliders(at)["w_agri"] == 0
    table = frame_with(at, "加权得分")
    assert table["银行"].tolist() == ranks["银行"].tolist()
    assert set(table["银行"]) == {"建设银行", "农商行"}
    assert [f"{v:.1f}" for v in table["加权得分"]] == [f"{v:.1f}" for v in ranks["加权得分"]]
    assert any("当前为测算权重" in i.value for i in at.info)


def test_moving_a_weight_moves_the_ranking(app):
    at = app({"as_of": "2026-10"}, page=PAGE)
    before = frame_with(at, "加权得分")["银行"].tolist()
    for i in bk.INDICATORS:
        at.slider(key=i.param).set_value(0)
    at.slider(key="w_npl").set_value(50).run()
    assert not at.exception
    after = frame_with(at, "加权得分")["银行"].tolist()
    assert after != before
    assert after[0] == "建设银行"          # the lowest 不良率 of the demo county
    # (the URL a bound widget writes is checked in the browser: tests/test_banks_browser.py)
    assert any("不良贷款 50" in i.value and "各项贷款增长 0" in i.value for i in at.info)


def test_bad_weights_are_named_and_dropped(app):
    at = app({"w_npl": "abc", "w_loan": "99", "w_agri": "12.4", "W_first": "5"}, page=PAGE)
    assert not at.exception
    notice = shown_text(" ".join(w.value for w in at.warning))
    assert "w_npl" in notice and "w_loan" in notice and "超出范围" in notice and "w_agri" in notice
    assert "W_first" in notice
    s = sliders(at)
    assert s["w_npl"] == bk.default_weights()["npl_rate"] and s["w_loan"] == bk.default_weights()["loan_growth"]
    assert s["w_agri"] == 12                 # rounded to its step, with a notice


def test_a_town_scope_names_the_county_wide_banks(app, demo_db):
    at = app({"town": "城关镇"}, page=PAGE)
    assert not at.exception
    infos = " ".join(i.value for i in at.info)
    assert "农业银行、建设银行、邮储银行按全县报送" in infos
    with fdb.opened(demo_db) as db:
        opts = ff.load_options(db)
        t = bk.totals(db, ff.Filters(opts.latest, (opts.town_code("城关镇"),)))
    assert metrics(at)["各项贷款余额"] == bk.money.fmt_money(t.loans)


def test_a_bank_without_reports_in_the_month_says_so(app):
    at = app({"as_of": "2099-01"}, page=PAGE)          # dropped: the latest month shows
    assert not at.exception
    assert "as_of" in shown_text(" ".join(w.value for w in at.warning))


def test_the_overview_has_the_bank_row(app, demo_db):
    at = app()
    assert not at.exception
    heads = [s.value for s in at.subheader] + [h.value for h in at.header]
    assert any("银行存贷款" in h for h in heads)
    shown = metrics(at)
    with fdb.opened(demo_db) as db:
        by = {k.key: k for k in bk.kpis(db, ff.Filters(ff.load_options(db).latest))}
    assert shown["各项贷款余额"] == by["bank_loans"].text() and shown["存贷比"] == by["bank_ldr"].text()


@pytest.mark.parametrize("kind", [briefing.MONTHLY, briefing.ANNUAL])
def test_both_briefs_have_the_bank_section(db, kind):
    f = ff.Filters("2026-10")
    brief = briefing.build(db, kind, f)
    section = brief.section("banks")
    assert section is not None and section.heading == "二、银行存贷款"
    text = "".join(section.paragraphs)
    t = bk.totals(db, f)
    assert f"各项贷款余额超过{int(t.loans // 100_000_000)}亿元" in text
    assert f"全年贷款增长目标{bk.target_for(db, f) / 1e8:.2f}亿元" in text
    assert "建设银行" in text and "未实现普惠小微“两增”" in text
    issues = brief.section("issues")
    assert any("存贷比" in str(v) for _, table in issues.tables for v in table["问题"])


def test_import_template_round_trips(writable_db):
    """Export a month of bank reports in the template and import it back: nothing
    changes; a bad row is refused whole with row, column and reason."""
    with fdb.opened(writable_db) as db:
        before = db.execute("SELECT * FROM bank_reports ORDER BY 1, 2, 3").fetchall()
        data = templates.export_workbook(db, bk.FEED, "2026-10")
        p = imports.preview(db, bk.FEED, "banks.xlsx", data)
        assert p.ok, [str(e) for e in p.errors[:5]]
        assert not p.has_changes
        imports.apply(db, p.parsed, "测试")
        assert db.execute("SELECT * FROM bank_reports ORDER BY 1, 2, 3").fetchall() == before
        # the template's 说明 and a row made bad: 涉农贷款 above 各项贷款
        wb = openpyxl.load_workbook(io.BytesIO(data))
        ws = wb.worksheets[0]
        header_row = next(r for r in range(1, 10) if ws.cell(r, 1).value == "月份")
        headers = [c.value for c in ws[header_row]]
        loans = ws.cell(header_row + 1, headers.index("各项贷款余额(元)") + 1).value
        ws.cell(header_row + 1, headers.index("涉农贷款余额(元)") + 1).value = int(loans) + 1
        out = io.BytesIO()
        wb.save(out)
        bad = imports.preview(db, bk.FEED, "bad.xlsx", out.getvalue())
        assert not bad.ok
        issue = bad.errors[0]
        assert issue.row == header_row + 1 and "涉农贷款余额" in issue.column and "大于各项贷款余额" in issue.message


def test_import_of_a_corrected_month_replaces_the_bank_and_is_recorded(writable_db):
    with fdb.opened(writable_db) as db:
        rows = templates.export_rows(db, bk.FEED, "2026-10")
        ccb = [r for r in rows if r[1] == "建设银行"]
        assert len(ccb) == 1 and ccb[0][2] is None               # county-wide: 乡镇 blank
        fixed = [tuple(v + 10_000 if i == 3 else v for i, v in enumerate(ccb[0]))]   # deposits + 1万元
        data = templates.workbook(db, bk.FEED, fixed)
        p = imports.preview(db, bk.FEED, "ccb.xlsx", data)
        assert p.ok and p.has_changes
        imports.apply(db, p.parsed, "测试")
        (deposits,) = db.execute("SELECT deposits FROM bank_monthly WHERE month = '2026-10' AND bank_code = 'CCB'"
                                 ).fetchone()
        assert deposits == ccb[0][3] + 10_000          # the roll-up follows in the same transaction
        (n,) = db.execute("SELECT COUNT(*) FROM submissions WHERE feed = ? AND reporter = 'CCB' AND month = '2026-10' "
                          "AND import_id IS NOT NULL", [bk.FEED]).fetchone()
        assert n == 1


def test_a_missing_bank_is_named_carried_and_not_ranked(app, empty_db, tmp_path):
    from tests.unit import test_banks_data as fixture

    fixture.load(empty_db)
    at = app({"as_of": "2024-06"}, page=PAGE, db_path=tmp_path / "fixture.db")
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "邮储银行未报送2024年6月银行存贷款月报" in warnings
    captions = " ".join([c.value for c in at.caption] + [card_text(at)])   # cards' second lines too
    assert "含沿用5月数据（邮储银行）" in captions and "缺邮储银行6月数据" in captions
    ranks = frame_with(at, "加权得分")
    row = ranks[ranks["银行"] == "邮储银行"].iloc[0]
    assert row["排名"] in ("—", None) and "不参与排名" in row["报送情况"]
