"""指标台账: registry, scope resolution, year figures, KPIs and targets, demo data."""
import sqlite3

import pytest

from finance_core import indicators as ind
from finance_core import money, periods, targets
from finance_core.filters import Filters
from finance_core.kpi import COUNT, MONEY, RATIO
from tests import fixture_county


def _load(db, rows, targets=()):
    conn = db.conn
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO indicators VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.executemany("INSERT INTO targets VALUES (?, ?, ?, ?, ?)", targets)
    conn.execute("COMMIT")


@pytest.fixture
def ledger(empty_db):
    """Hand-built ledger over the fixture county (towns T1, T2; banks B1, B2)."""
    fixture_county.load(empty_db)
    _load(empty_db, [
        # relief loans by bank: 2024-05 both banks, 2024-06 only B1, 2023-06 both
        ("2024-05", "relief_loan_new", "bank", "B1", 3_000_000, "元"),
        ("2024-05", "relief_loan_new", "bank", "B2", 1_000_000, "元"),
        ("2024-06", "relief_loan_new", "bank", "B1", 2_000_000, "元"),
        ("2023-06", "relief_loan_new", "bank", "B1", 500_000, "元"),
        ("2023-06", "relief_loan_new", "bank", "B2", 500_000, "元"),
        # visits by town, and a county row that overrides the town sum
        ("2024-06", "visit_players", "town", "T1", 40, "家"),
        ("2024-06", "visit_players", "town", "T2", 10, "家"),
        ("2024-05", "visit_players", "town", "T1", 30, "家"),
        ("2024-06", "active_players", "town", "T1", 100, "家"),
        ("2024-06", "active_players", "town", "T2", 100, "家"),
        ("2024-06", "active_players", "county", "", 250, "家"),
        # closures: a real zero in June
        ("2024-06", "coop_closed", "county", "", 0, "家"),
        ("2024-03", "coop_closed", "county", "", 2, "家"),
    ], targets=[(2024, "indicator:relief_loan_new", "county", "", 20_000_000),
                (2024, "indicator:visit_players", "town", "T1", 100)])
    return empty_db


def test_registry_exposes_what_a_template_needs():
    spec = ind.template_spec()
    assert list(spec["指标代码"]) == list(ind.KEYS)
    assert set(spec["指标名称"]) == {"助企贷款新增", "五进走访主体数", "一级市场活跃主体数", "资金互助关停家数",
                                   "防贫保参保户数", "防贫保保费"}
    assert dict(zip(spec["指标代码"], spec["单位"]))["relief_loan_new"] == "元"
    assert "visit_rate" not in ind.KEYS  # derived, never stored
    assert ind.key_of("防贫保保费") == "pab_premium" and ind.key_of("pab_premium") == "pab_premium"
    assert ind.key_of("不存在") is None


def test_flow_year_value_sums_reported_months_and_needs_the_data_month(ledger):
    f = Filters("2024-06")
    # county: no county row -> sum of the bank rows; May 4.0m + June 2.0m
    assert ind.year_value(ledger, f, "relief_loan_new") == 6_000_000
    assert ind.month_value(ledger, f, "relief_loan_new") == 2_000_000
    # B2 did not report June: a B2-filtered year figure is missing, not zero
    assert ind.year_value(ledger, Filters("2024-06", banks=("B2",)), "relief_loan_new") is None
    assert ind.year_value(ledger, Filters("2024-05", banks=("B2",)), "relief_loan_new") == 1_000_000
    assert ind.year_value(ledger, Filters("2024-06", banks=("B1",)), "relief_loan_new") == 5_000_000
    # the ledger is by bank: a town filter has no value; towns and banks together neither
    assert ind.year_value(ledger, Filters("2024-06", towns=("T1",)), "relief_loan_new") is None
    assert ind.year_value(ledger, Filters("2024-06", ("T1",), ("B1",)), "visit_players") is None
    # a month nobody reported
    assert ind.year_value(ledger, Filters("2024-04"), "relief_loan_new") is None
    # a real zero stays a zero
    assert ind.month_value(ledger, f, "coop_closed") == 0
    assert ind.year_value(ledger, f, "coop_closed") == 2


def test_scope_resolution_county_row_first_then_towns(ledger):
    f = Filters("2024-06")
    assert ind.year_value(ledger, f, "active_players") == 250          # county row wins
    assert ind.year_value(ledger, Filters("2024-06", ("T1",)), "active_players") == 100
    assert ind.year_value(ledger, Filters("2024-06", ("T1", "T2")), "visit_players") == 50
    assert ind.year_value(ledger, f, "visit_players") == 80             # 40 + 10 (June) + 30 (May)
    # T2 did not report May: its year counts June only
    assert ind.year_value(ledger, Filters("2024-06", ("T2",)), "visit_players") == 10
    # 走访率 = year's visits / month-end players
    assert ind.year_value(ledger, f, "visit_rate") == pytest.approx(80 / 250)
    assert ind.year_value(ledger, Filters("2024-06", ("T1",)), "visit_rate") == pytest.approx(70 / 100)
    assert ind.year_value(ledger, Filters("2024-05"), "visit_rate") is None


def test_figures_kpis_and_targets(ledger):
    f = Filters("2024-06")
    figs = ind.figures(ledger, f)
    r = figs["relief_loan_new"]
    assert (r.value, r.month, r.base, r.target) == (6_000_000, 2_000_000, 1_000_000, 20_000_000)
    assert r.completion == pytest.approx(0.3)
    assert figs["pab_households"].value is None and figs["pab_households"].target is None
    assert figs["visit_players"].target is None                        # only a town target
    assert ind.figures(ledger, Filters("2024-06", ("T1",)))["visit_players"].target == 100
    kpis = {k.key: k for k in ind.kpis(ledger, f)}
    assert kpis["ind_relief_loan_new"].kind == MONEY
    assert (kpis["ind_relief_loan_new"].value, kpis["ind_relief_loan_new"].prev,
            kpis["ind_relief_loan_new"].base) == (6_000_000, 4_000_000, 1_000_000)
    assert kpis["ind_visit_rate"].kind == RATIO
    assert kpis["ind_coop_closed"].kind == COUNT and kpis["ind_coop_closed"].unit == "家"
    assert kpis["ind_pab_premium"].value is None and kpis["ind_pab_premium"].text() == "—"
    table = targets.progress_table(ledger, f, ind.metrics())
    assert list(table["key"]) == ["indicator:relief_loan_new"]
    row = table.iloc[0]
    assert (row["全年目标"], row["累计完成"]) == (2000.0, 600.0)        # 万元
    assert row["完成率"] == pytest.approx(0.3)
    assert row["进度"] == ("落后" if 0.3 < periods.time_progress("2024-06") else "领先")


def test_upsert_writes_units_and_refuses_bad_rows(ledger):
    assert ind.upsert(ledger, [("2024-07", "pab_premium", "town", "T1", 12_300),
                               ("2024-07", "relief_loan_new", "county", "ignored", 5)]) == 2
    rows = ledger.execute("SELECT indicator, scope_code, value, unit FROM indicators WHERE month = '2024-07' "
                          "ORDER BY indicator").fetchall()
    assert rows == [("pab_premium", "T1", 12_300, "元"), ("relief_loan_new", "", 5, "元")]
    for bad in [("2024-07", "visit_rate", "county", "", 1), ("2024-13", "pab_premium", "county", "", 1),
                ("2024-07", "pab_premium", "village", "V1", 1), ("2024-07", "pab_premium", "county", "", -1)]:
        with pytest.raises(ValueError):
            ind.upsert(ledger, [bad])
    with pytest.raises(sqlite3.IntegrityError):   # the schema refuses negatives as well
        ledger.execute("INSERT INTO indicators VALUES ('2024-08', 'pab_premium', 'county', '', -5, '元')")


def test_demo_ledger_and_kpis_match_sql(db):
    months = [r[0] for r in db.execute("SELECT DISTINCT month FROM indicators ORDER BY 1")]
    assert months[-1] == "2026-10" and len(months) == 36
    per_key = dict(db.execute("SELECT indicator, COUNT(DISTINCT month) FROM indicators GROUP BY 1").fetchall())
    assert per_key == {k: 36 for k in ind.KEYS}
    f = Filters("2026-10")
    (relief,) = db.execute("SELECT SUM(value) FROM indicators WHERE indicator = 'relief_loan_new' "
                           "AND month BETWEEN '2026-01' AND '2026-10' AND scope_type = 'bank'").fetchone()
    (visits,) = db.execute("SELECT SUM(value) FROM indicators WHERE indicator = 'visit_players' "
                           "AND month BETWEEN '2026-01' AND '2026-10'").fetchone()
    (players,) = db.execute("SELECT SUM(value) FROM indicators WHERE indicator = 'active_players' "
                            "AND month = '2026-10'").fetchone()
    (prem_t1,) = db.execute("SELECT SUM(value) FROM indicators WHERE indicator = 'pab_premium' "
                            "AND month BETWEEN '2026-01' AND '2026-10' AND scope_code = 'T01'").fetchone()
    kpis = {k.key: k for k in ind.kpis(db, f)}
    assert kpis["ind_relief_loan_new"].value == relief
    assert kpis["ind_visit_players"].value == visits
    assert kpis["ind_visit_rate"].value == pytest.approx(visits / players)
    assert ind.year_value(db, Filters("2026-10", ("T01",)), "pab_premium") == prem_t1
    (target,) = db.execute("SELECT value FROM targets WHERE year = 2026 AND metric = 'indicator:relief_loan_new' "
                           "AND scope_type = 'county'").fetchone()
    table = targets.progress_table(db, f, ind.metrics()).set_index("key")
    assert table.loc["indicator:relief_loan_new", "全年目标"] == money.to_wan(target)
    assert table.loc["indicator:relief_loan_new", "完成率"] == pytest.approx(relief / target)


def test_monthly_in_sql_matches_the_scope_rules(db):
    """monthly() resolves scopes in SQL; _resolve states the rules row by row."""
    from collections import defaultdict

    from finance_core import indicators as ind
    from finance_core.filters import Filters

    towns = [r[0] for r in db.execute("SELECT code FROM towns ORDER BY code LIMIT 3")]
    banks = [r[0] for r in db.execute("SELECT code FROM banks ORDER BY code LIMIT 2")]
    scopes = [Filters("2026-10"), Filters("2026-10", tuple(towns)), Filters("2026-10", (towns[0],)),
              Filters("2026-10", (), tuple(banks)), Filters("2026-10", (towns[0],), (banks[0],))]
    for key in ind.KEYS:
        rows = defaultdict(lambda: defaultdict(dict))
        for month, scope, code, value in db.execute(
                "SELECT month, scope_type, scope_code, value FROM indicators WHERE indicator = ? "
                "AND month BETWEEN '2025-01' AND '2026-10'", [key]):
            rows[month][scope][code] = value
        for f in scopes:
            expected = {m: v for m in sorted(rows) if (v := ind._resolve(rows[m], f)) is not None}
            assert ind.monthly(db, f, key, "2025-01", "2026-10") == expected, (key, f)
