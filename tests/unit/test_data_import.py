"""Import: preview counts, apply, idempotency, month replacement, undo, roll-ups,
encodings and history — each checked against plain SQL written here."""
from __future__ import annotations

import hashlib
import io

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from finance_core import audit, periods, privacy
from finance_core import db as fdb
from finance_core import imports, rollups
from finance_core.config import THRESHOLDS
from finance_core.demo import id_checksum
from finance_core.imports import templates

USER = "测试编辑"
CREDIT_HEADER = "月份,乡镇,村名,村代码,银行,授信户数,授信金额(元),用信户数,用信金额(元),不良金额(元)\n"


@pytest.fixture
def wdb(writable_db):
    with fdb.opened(writable_db) as db:
        yield db


def dump(db, table: str) -> list[tuple]:
    return sorted(db.execute(f"SELECT * FROM {table}").fetchall(), key=repr)


def credit_rows(db, month="2026-10", to="2026-11"):
    return [(to,) + r[1:] for r in templates.export_rows(db, "credit", month)]


def rollup_matches_ledger(db, month: str) -> None:
    """credit_monthly equals a GROUP BY of credit_reports, computed here: each
    village-bank pair's latest report of the look-back window counts (carried
    forward when it is not this month's); ``villages`` counts this month's."""
    lo = periods.add_months(month, -THRESHOLDS.expected_lookback_months)
    expected = db.execute(
        "WITH latest AS (SELECT village_code, bank_code, MAX(month) AS m FROM credit_reports "
        "                WHERE month BETWEEN ? AND ? GROUP BY 1, 2) "
        "SELECT v.town_code, r.bank_code, SUM(r.month = ?), SUM(granted_amount), SUM(used_amount), "
        "       SUM(npl_amount), SUM(r.month < ?) "
        "FROM latest x JOIN credit_reports r ON r.village_code = x.village_code AND r.bank_code = x.bank_code "
        "     AND r.month = x.m JOIN villages v ON v.code = r.village_code "
        "GROUP BY 1, 2 ORDER BY 1, 2", (lo, month, month, month)).fetchall()
    got = db.execute(
        "SELECT town_code, bank_code, villages, granted_amount, used_amount, npl_amount, carried_villages "
        "FROM credit_monthly WHERE month = ? ORDER BY 1, 2", (month,)).fetchall()
    assert got == expected


def test_new_month_preview_apply_and_rollups(wdb):
    rows = credit_rows(wdb)
    data = templates.workbook(wdb, "credit", rows)
    p = imports.preview(wdb, "credit", "11月.xlsx", data)
    assert p.ok and (p.added, p.updated, p.unchanged, p.removed) == (len(rows), 0, 0, 0)
    assert p.parsed.months == ["2026-11"]
    assert list(p.sample["变化"].unique()) == ["新增"]
    result = imports.apply(wdb, p.parsed, USER)
    assert result.added == len(rows) and result.import_id is not None
    (n, granted) = wdb.execute("SELECT COUNT(*), SUM(granted_amount) FROM credit_reports WHERE month = '2026-11'").fetchone()
    assert n == len(rows) and granted == sum(r[6] for r in rows)
    rollup_matches_ledger(wdb, "2026-11")
    log = wdb.execute("SELECT source, file_name, file_hash, month, user_name, rows_added FROM import_log").fetchall()
    assert log == [("credit", "11月.xlsx", hashlib.sha256(data).hexdigest(), "2026-11", USER, len(rows))]
    entry = audit.recent(wdb, 1).iloc[0]
    assert entry["用户"] == USER and entry["操作"] == "import" and '"新增": %d' % len(rows) in entry["内容"]


def test_same_file_twice_changes_nothing(wdb, writable_db):
    data = templates.workbook(wdb, "credit", credit_rows(wdb))
    imports.import_file(wdb, "credit", "a.xlsx", data, USER)
    wdb.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = hashlib.sha256(writable_db.read_bytes()).hexdigest()
    version = fdb.data_version(wdb)
    p = imports.preview(wdb, "credit", "a.xlsx", data)
    assert p.ok and not p.has_changes and p.previous["user"] == USER
    result = imports.apply(wdb, p.parsed, USER)
    assert result.import_id is None and result.unchanged == p.unchanged
    assert fdb.data_version(wdb) == version
    wdb.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert hashlib.sha256(writable_db.read_bytes()).hexdigest() == before
    assert wdb.execute("SELECT COUNT(*) FROM import_log").fetchone() == (1,)


def test_corrected_file_replaces_that_month_and_bank_only(wdb):
    rows = credit_rows(wdb)
    imports.import_file(wdb, "credit", "a.xlsx", templates.workbook(wdb, "credit", rows), USER)
    others_before = wdb.execute("SELECT * FROM credit_reports WHERE month = '2026-11' AND bank_code <> 'RCB' "
                                "ORDER BY village_code, bank_code").fetchall()
    rcb = [r for r in rows if r[4] == "农商行"]
    fixed = [rcb[0][:6] + (rcb[0][6] + 1000,) + rcb[0][7:]] + rcb[1:-1]     # one changed, last one dropped
    p = imports.preview(wdb, "credit", "b.xlsx", templates.workbook(wdb, "credit", fixed))
    assert (p.added, p.updated, p.unchanged, p.removed) == (0, 1, len(rcb) - 2, 1)
    assert "授信金额" in p.sample.iloc[0]["变更内容"]
    imports.apply(wdb, p.parsed, USER)
    got = wdb.execute("SELECT village_code, granted_amount FROM credit_reports WHERE month = '2026-11' "
                      "AND bank_code = 'RCB' ORDER BY village_code").fetchall()
    assert got == sorted((r[3], r[6]) for r in fixed)
    assert wdb.execute("SELECT * FROM credit_reports WHERE month = '2026-11' AND bank_code <> 'RCB' "
                       "ORDER BY village_code, bank_code").fetchall() == others_before
    rollup_matches_ledger(wdb, "2026-11")


def test_undo_restores_exactly_and_stacks(wdb):
    ledger0, rollup0 = dump(wdb, "credit_reports"), dump(wdb, "credit_monthly")
    rows = credit_rows(wdb, "2026-10", "2026-10")       # same month: unchanged ...
    rows[0] = rows[0][:6] + (rows[0][6] + 500,) + rows[0][7:]    # ... except one update
    dropped = rows.pop()                                 # and one removal
    imports.import_file(wdb, "credit", "fix.xlsx", templates.workbook(wdb, "credit", rows), USER)
    after1 = dump(wdb, "credit_reports")
    assert after1 != ledger0
    new = credit_rows(wdb, "2026-10", "2026-11")
    imports.import_file(wdb, "credit", "new.xlsx", templates.workbook(wdb, "credit", new), USER)
    entry = imports.undo(wdb, "credit", USER)
    assert entry["file_name"] == "new.xlsx"
    assert dump(wdb, "credit_reports") == after1
    imports.undo(wdb, "credit", USER)
    assert dump(wdb, "credit_reports") == ledger0 and dump(wdb, "credit_monthly") == rollup0
    assert dropped[3] in {r[1] for r in ledger0}
    with pytest.raises(imports.UndoError, match="没有可以撤销的导入"):
        imports.undo(wdb, "credit", USER)
    hist = imports.history(wdb)
    assert list(hist["文件名"]) == ["new.xlsx", "fix.xlsx"] and all(hist["状态"].str.startswith("已撤销"))
    actions = list(audit.recent(wdb)["操作"])
    assert actions[:4] == ["undo", "undo", "import", "import"]


def valid_id(seed: int) -> str:
    body = f"990199{1960 + seed % 40:04d}0{1 + seed % 9}1{seed % 10}{seed % 1000:03d}"
    return body + id_checksum(body)


MICROLOAN_ROLLUPS = ("microloan_monthly", "microloan_first_loans", "microloan_household_years",
                     "microloan_disbursed_monthly", "household_counts")


def test_ledger_then_status_rollups_and_undo_order(wdb):
    ledger = ("贷款编号,身份证号,户主姓名,乡镇,村名,村代码,户类型,银行,贷款金额(元),发放日期,到期日期,年利率(%),"
              "续贷,展期,原贷款编号\n")
    ids = [valid_id(i) for i in range(3)]
    ledger += "".join(f"XN2611000{i},{ids[i]},测试户{i},城关镇,,T01V00{i + 1},脱贫户,农商行,{(i + 2) * 10000},"
                      f"2026-11-0{i + 1},2028-11-0{i + 1},3.00,否,否,\n" for i in range(3))
    result = imports.import_file(wdb, "microloans", "台账.csv", ledger.encode("utf-8-sig"), USER)
    assert result.added == 6          # three new households and three loans
    status = "月份,贷款编号,贷款余额(元),逾期天数,当月贴息(元)\n" + "".join(
        f"2026-11,XN2611000{i},{(i + 2) * 10000},{i * 40},0\n" for i in range(3))
    imports.import_file(wdb, "microloan_status", "状态.csv", status.encode("gb18030"), USER)
    got = wdb.execute("SELECT SUM(balance), SUM(par30_balance), SUM(new_amount), SUM(new_loans) "
                      "FROM microloan_monthly WHERE month = '2026-11' AND carried_from IS NULL").fetchone()
    assert got == (90000, 30000 + 40000, 90000, 3)   # 40 and 80 days overdue: both in PAR30
    # the banks that did not report 2026-11 keep their October position, marked
    carried = wdb.execute("SELECT bank_code, SUM(balance), MIN(carried_from), MAX(carried_from) "
                          "FROM microloan_monthly WHERE month = '2026-11' AND carried_from IS NOT NULL "
                          "GROUP BY bank_code").fetchall()
    october = dict(wdb.execute("SELECT bank_code, SUM(balance) FROM microloan_monthly WHERE month = '2026-10' "
                               "AND bank_code != 'RCB' GROUP BY bank_code").fetchall())
    assert {b: bal for b, bal, _lo, _hi in carried} == october
    assert {(lo, hi) for _b, _bal, lo, hi in carried} == {("2026-10", "2026-10")}
    # the status import skipped the ledger's helper tables: every roll-up still equals a full rebuild
    rollups_now = {t: dump(wdb, t) for t in MICROLOAN_ROLLUPS}
    with fdb.write_transaction(wdb):
        rollups.refresh_microloans(wdb)
    assert {t: dump(wdb, t) for t in MICROLOAN_ROLLUPS} == rollups_now
    # the ledger cannot be undone while the status rows refer to its loans
    with pytest.raises(imports.UndoError, match="请先撤销后来的那次导入"):
        imports.undo(wdb, "microloans", USER)
    assert wdb.execute("SELECT COUNT(*) FROM microloans WHERE loan_no LIKE 'XN2611%'").fetchone() == (3,)
    imports.undo(wdb, "microloan_status", USER)
    imports.undo(wdb, "microloans", USER)
    assert wdb.execute("SELECT COUNT(*) FROM microloans WHERE loan_no LIKE 'XN2611%'").fetchone() == (0,)
    assert wdb.execute("SELECT COUNT(*) FROM households WHERE id_number IN (?, ?, ?)", ids).fetchone() == (0,)
    assert wdb.execute("SELECT COUNT(*) FROM microloan_monthly WHERE month = '2026-11'").fetchone() == (0,)


def test_preview_masks_personal_data(wdb):
    data = templates.export_workbook(wdb, "microloans", "2026-10")
    rows = templates.export_rows(wdb, "microloans", "2026-10")
    wb = load_workbook(io.BytesIO(data))
    ws = wb["数据"]
    ws.cell(row=2, column=3, value="改名字")        # 户主姓名 of the first loan's household
    buf = io.BytesIO()
    wb.save(buf)
    p = imports.preview(wdb, "microloans", "台账.xlsx", buf.getvalue())
    assert p.ok and p.updated == 1 and p.unchanged == 2 * len(rows) - 1
    text = p.sample.to_csv() + p.tables_frame().to_csv()
    assert not privacy.contains_unmasked_id(text)
    assert "改名字" not in text


def test_csv_encodings_and_units_give_identical_data(tmp_path, demo_db):
    import shutil

    results = []
    for i, (encoding, header) in enumerate([("utf-8", CREDIT_HEADER), ("utf-8-sig", CREDIT_HEADER),
                                            ("gb18030", CREDIT_HEADER),
                                            ("gb18030", CREDIT_HEADER.replace("(元)", "（万元）"))]):
        path = tmp_path / f"{i}.db"
        shutil.copy(demo_db, path)
        unit = 10_000 if "万元" in header else 1
        body = "".join(f"2026-11,城关镇,,T01V00{v},农商行,100,{5_000_000 / unit:g},40,{2_012_300 / unit:g},0\n"
                       for v in range(1, 4))
        # a title row above the header, as banks often add, is skipped
        text = "青禾县信用村授信用信情况表（2026年11月）\n" + header + body
        with fdb.opened(path) as db:
            imports.import_file(db, "credit", "x.csv", text.encode(encoding), USER)
            results.append(db.execute("SELECT * FROM credit_reports WHERE month = '2026-11' ORDER BY 2").fetchall())
    assert results[0] == results[1] == results[2] == results[3]
    assert [r[6] for r in results[0]] == [2_012_300] * 3


def test_other_feeds_import_and_refresh(wdb):
    (old,) = wdb.execute("SELECT SUM(outstanding) FROM guarantee_monthly WHERE month = '2026-10'").fetchone()
    g = ("合同编号,担保产品,合作银行,乡镇,借款人,借款人类型,担保金额(元),年担保费(元),起始日期,到期日期,解保日期,"
         "代偿金额(元),代偿日期,追偿金额(元)\nDBT0001,税融通,农业银行,城关镇,=HYPERLINK(\"x\"),小微企业,3000000,"
         "24000,2026-10-10,2027-10-10,,0,,0\n")
    imports.import_file(wdb, "guarantees", "g.csv", g.encode(), USER)
    (new,) = wdb.execute("SELECT SUM(outstanding) FROM guarantee_monthly WHERE month = '2026-10'").fetchone()
    assert new - old == 3_000_000
    assert wdb.execute("SELECT borrower_name FROM guarantee_contracts WHERE contract_no = 'DBT0001'").fetchone() == \
        ('=HYPERLINK("x")',)
    # exported again, the formula is escaped for Excel and comes back unchanged
    csv_bytes = templates.export_csv(wdb, "guarantees", "2026-10")
    assert "'=HYPERLINK" in csv_bytes.decode("utf-8-sig")
    assert not imports.preview(wdb, "guarantees", "g2.csv", csv_bytes).has_changes
    t = "年度,指标,范围类型,范围,目标值\n2027,小额信贷新增投放,乡镇,城关镇,1234.5678\n2027,新增辅导备案企业,全县,,3\n"
    imports.import_file(wdb, "targets", "t.csv", t.encode(), USER)
    assert wdb.execute("SELECT metric, scope_code, value FROM targets WHERE year = 2027 ORDER BY metric").fetchall() == \
        [("ipo_guidance_filings", "", 3), ("microloan_new_amount", "T01", 12_345_678)]


def test_history_freshness_and_audit_frames(wdb):
    imports.import_file(wdb, "credit", "a.xlsx", templates.workbook(wdb, "credit", credit_rows(wdb)), USER)
    fresh = imports.freshness(wdb).set_index("数据源")
    (latest,) = wdb.execute("SELECT MAX(month) FROM credit_reports").fetchone()
    assert fresh.loc["信用村银行报表", "最新数据"] == latest == "2026-11"
    assert fresh.loc["担保合同", "最近导入"] == "—"
    hist = imports.history(wdb)
    assert hist.iloc[0]["新增"] == wdb.execute("SELECT COUNT(*) FROM credit_reports WHERE month = '2026-11'").fetchone()[0]
    log = imports.audit_log(wdb)
    assert log.iloc[0]["操作"] == "导入" and "文件：a.xlsx" in log.iloc[0]["内容"]
    assert [e["source"] for e in imports.undoable(wdb)] == ["credit"]


def test_apply_needs_a_user(wdb):
    parsed = imports.parse(wdb, "credit", "a.xlsx", templates.workbook(wdb, "credit", credit_rows(wdb)))
    with pytest.raises(imports.ImportRejected, match="编辑人员"):
        imports.apply(wdb, parsed, "")
    with pytest.raises(imports.UndoError):
        imports.undo(wdb, "credit", "")


def test_templates_have_notes_lists_and_text_formats(wdb):
    for key, feed in imports.FEEDS.items():
        wb = load_workbook(io.BytesIO(templates.workbook(wdb, key)))
        assert wb.sheetnames == ["数据", "选项", "说明"]
        ws = wb["数据"]
        assert [c.value for c in ws[1]] == [c.header for c in feed.columns]
        notes = [r[0] for r in wb["说明"].iter_rows(min_row=6, max_col=1, values_only=True)]
        assert all(c.header in notes for c in feed.columns)
        enums = [c for c in feed.columns if c.kind == "enum"]
        assert len(ws.data_validations.dataValidation) >= len(enums)
        for i, c in enumerate(feed.columns, start=1):
            if c.kind in ("month", "id"):      # Excel would turn them into a date / 9.9E+17
                assert ws.column_dimensions[get_column_letter(i)].number_format == "@"


def test_examples_in_the_notes_are_valid(wdb):
    from finance_core.imports import cells
    from finance_core.imports.engine import _parse_cell
    from finance_core.imports.feeds import Ref

    ref = Ref(wdb)
    for feed in imports.FEEDS.values():
        for col in feed.columns:
            if col.example and col.kind not in ("raw",) and col.choices not in ("village", "company"):
                value, reason = _parse_cell(col, col.example, 1, ref)
                assert reason is None, (feed.title, col.header, reason)
            assert not cells.is_blank(col.note)
