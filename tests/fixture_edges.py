"""A hand-built county for the period and count edges (issue 12, points 3, 4, 6).

Data start in November 2024 (so 2024 is a partial first year) and run to
January 2025 (a January after a December). Sums are in the comments; the tests
recompute them with their own SQL.
"""
from finance_core import indicators
from tests import fixture_county as base
from tests import fixtures

MONTHS = ("2024-11", "2024-12", "2025-01")
GUARANTOR_MONTHS = [("G1", m, 10_000_000, "A") for m in MONTHS]
PRODUCTS = [("P1", "黄牛贷", "G1", "B1", 80, 50_000_000, 40, 30, 20, 10, "2023-01-01")]
# one borrower (甲公司, once written with a trailing space) holds three contracts
CONTRACTS = [
    (1, "C1", "P1", "B1", "T1", "甲公司", "small", 1_000_000, 8_000, "2024-06-01", "2026-06-01", None, 0, None, 0),
    (2, "C2", "P1", "B1", "T1", "甲公司", "small", 500_000, 4_000, "2025-01-10", "2026-01-10", None, 0, None, 0),
    (3, "C3", "P1", "B2", "T2", "乙合作社", "agri", 300_000, 2_400, "2024-12-05", "2025-12-05", None, 0, None, 0),
    (4, "C4", "P1", "B2", "T1", "甲公司 ", "small", 200_000, 1_600, "2025-01-20", "2026-01-20", None, 0, None, 0),
    (5, "C5", "P1", "B1", "T1", "丙公司", "other", 400_000, 3_200, "2024-03-01", "2025-03-01", "2024-12-20",
     0, None, 0),
    (6, "C6", "P1", "B1", "T2", "丁公司", "agri", 600_000, 4_800, "2024-01-05", "2025-01-05", "2025-01-05",
     30_000, "2025-01-05", 0),
]
# 2024-12: in force C1, C3, C6 (3 contracts, 3 borrowers); 2024 new C1, C3, C5, C6 (4, 4)
# 2025-01: in force C1, C2, C3, C4 (4 contracts, 2 borrowers); 2025 new C2, C4 (2 contracts, 1 borrower)
LOANS = [
    (1, "M0", 3, "B2", "T1", 40_000, "2024-06-01", "2027-06-01", 345, 0, 0, None),
    (2, "M1", 1, "B1", "T1", 30_000, "2024-12-10", "2027-12-10", 345, 0, 0, None),
    (3, "M2", 2, "B1", "T1", 20_000, "2025-01-15", "2028-01-15", 345, 0, 0, None),
    (4, "M3", 4, "B2", "T1", 10_000, "2025-01-20", "2028-01-20", 345, 0, 0, None),
]
STATUS = [(1, m, 40_000, 0, 0) for m in MONTHS] + [
    (2, "2024-12", 30_000, 0, 0), (2, "2025-01", 30_000, 0, 100),
    (3, "2025-01", 20_000, 0, 0), (4, "2025-01", 10_000, 0, 0),
]
# 2024 new lending M0 + M1 = 70,000 (2 loans, 2 households); January 2025 M2 + M3 = 30,000 (2, 2)
INDICATORS = [
    ("2024-11", "relief_loan_new", "county", "", 1_000_000), ("2024-12", "relief_loan_new", "county", "", 2_000_000),
    ("2025-01", "relief_loan_new", "county", "", 500_000),
    ("2024-11", "visit_players", "county", "", 40), ("2024-12", "visit_players", "county", "", 50),
    ("2025-01", "visit_players", "county", "", 10),
    *[(m, "active_players", "county", "", 100) for m in MONTHS],
]
# 2024-12: 助企贷款 300万 (two months only), 走访率 90%; 2025-01: 50万, 10%
TARGETS = [(2024, "guarantee_new_amount", "county", "", 1_000_000),   # 2024 actual 2.3m: not 230% — partial
           (2024, "indicator:relief_loan_new", "county", "", 30_000_000),
           (2025, "guarantee_new_amount", "county", "", 12_000_000)]


def load(db) -> None:
    fixtures.load(db, [("towns", base.TOWNS), ("banks", base.BANKS), ("villages", base.VILLAGES),
                       ("households", base.HOUSEHOLDS), ("microloans", LOANS), ("microloan_status", STATUS),
                       ("guarantors", [("G1", "担保公司")]), ("guarantor_monthly", GUARANTOR_MONTHS),
                       ("guarantee_products", PRODUCTS), ("guarantee_contracts", CONTRACTS),
                       ("targets", TARGETS)])
    indicators.upsert(db, INDICATORS)
