"""A tiny hand-built county with known answers (see the comments for the sums)."""
from tests import fixtures

TOWNS = [("T1", "甲镇", 1000, 3300), ("T2", "乙乡", 500, 1600)]
BANKS = [("B1", "农商行", "农村金融机构"), ("B2", "邮储银行", "国有大行")]
VILLAGES = [
    ("V1", "T1", "一村", 400, 3, 1, 1, 2024, 300),
    ("V2", "T1", "二村", 600, 4, 0, 1, 2024, 450),
    ("V3", "T2", "三村", 500, 2, 0, 0, None, 100),   # 乙乡: no credit village, zero credit
]
# (month, village, bank, granted_hh, granted, used_hh, used, npl); B2 did not report 2024-06
CREDIT = [
    ("2023-12", "V1", "B1", 80, 4_000_000, 30, 1_500_000, 0),
    ("2023-12", "V2", "B1", 150, 9_000_000, 60, 3_600_000, 0),
    ("2023-12", "V1", "B2", 40, 2_000_000, 10, 500_000, 0),
    ("2024-05", "V1", "B1", 100, 5_000_000, 40, 2_000_000, 10_000),
    ("2024-05", "V2", "B1", 200, 12_000_000, 90, 5_000_000, 0),
    ("2024-05", "V1", "B2", 50, 2_500_000, 20, 1_000_000, 0),
    ("2024-06", "V1", "B1", 110, 5_500_000, 45, 2_200_000, 20_000),
    ("2024-06", "V2", "B1", 210, 12_600_000, 100, 5_600_000, 0),
]
HOUSEHOLDS = [(i, "V1" if i <= 4 else ("V2" if i <= 8 else "V3"), f"户主{i}", "990101199001011234", "脱贫户")
              for i in range(1, 11)]
# id, no, household, bank, town, amount, disbursed, maturity, rate, renewal, extension, prev
LOANS = [
    (1, "L1", 1, "B1", "T1", 50_000, "2024-01-10", "2027-01-10", 345, 0, 0, None),
    (2, "L2", 2, "B1", "T1", 30_000, "2021-06-01", "2024-05-01", 345, 0, 0, None),
    (3, "L3", 3, "B2", "T1", 40_000, "2023-06-15", "2024-06-15", 345, 0, 0, None),
    (4, "L4", 4, "B2", "T1", 20_000, "2024-06-03", "2025-06-03", 345, 0, 0, None),  # repaid in June
    (5, "L5", 1, "B1", "T1", 20_000, "2022-01-01", "2023-01-01", 345, 0, 0, None),  # H1's 2nd loan
    (6, "L6", 9, "B1", "T2", 10_000, "2021-01-01", "2022-01-01", 345, 0, 0, None),
]
# loan, month, balance, days overdue, subsidy
STATUS = [
    (1, "2024-01", 50_000, 0, 0), (1, "2024-05", 50_000, 0, 0), (1, "2024-06", 50_000, 0, 431),
    (2, "2024-05", 30_000, 30, 0), (2, "2024-06", 30_000, 60, 0),
    (3, "2024-05", 40_000, 0, 0), (3, "2024-06", 40_000, 15, 0),
    (4, "2024-06", 0, 0, 0),
    (6, "2024-05", 10_000, 90, 0), (6, "2024-06", 10_000, 120, 0),
]
# 2024-06: balance 130,000; >0 days 80,000; >30 days 40,000; >90 days 10,000
GUARANTOR_MONTHS = [("G1", "2024-05", 10_000_000, "A"), ("G1", "2024-06", 12_000_000, "A")]
PRODUCTS = [("P1", "黄牛贷", "G1", "B1", 50, 5_000_000, 40, 30, 20, 10, "2023-01-01")]
CONTRACTS = [
    (1, "C1", "P1", "B1", "T1", "甲公司", "small", 2_000_000, 20_000, "2024-01-15", "2025-01-15", None, 0, None, 0),
    (2, "C2", "P1", "B1", "T1", "乙合作社", "agri", 1_000_000, 5_000, "2024-06-02", "2025-06-02", "2024-06-25", 0, None, 0),
    (3, "C3", "P1", "B2", "T2", "丙公司", "other", 6_000_000, 60_000, "2023-07-01", "2024-07-01", None, 0, None, 0),
    (4, "C4", "P1", "B1", "T1", "丁公司", "small", 500_000, 5_000, "2023-03-01", "2024-03-01", "2024-03-01",
     400_000, "2024-03-01", 100_000),
]
# 2024-06: outstanding 8,000,000 (C1 + C3); leverage 8e6 / 12e6
COMPANIES = [
    (1, "甲科技股份有限公司", "新材料", "T1", None, "创业板", "某证券", "张三（副县长）", None, None, None),
    (2, "乙能源股份有限公司", "新能源", "T2", None, "主板", None, "李四（金融办）", None, None, None),
]
EVENTS = [
    (1, 1, "后备资源库", "2022-01-01", None), (2, 1, "股改", "2023-05-01", None),
    (3, 1, "辅导备案", "2024-06-30", None), (4, 2, "后备资源库", "2024-07-01", None),
]
TARGETS = [(2024, "credit_granted_increase", "county", "", 10_000_000),
           (2024, "credit_granted_increase", "town", "T1", 10_000_000),
           (2024, "microloan_new_amount", "bank", "B1", 100_000)]


def load(db) -> None:
    fixtures.load(db, [("towns", TOWNS), ("banks", BANKS), ("villages", VILLAGES),
                       ("credit_reports", CREDIT), ("households", HOUSEHOLDS), ("microloans", LOANS),
                       ("microloan_status", STATUS), ("guarantors", [("G1", "担保公司")]),
                       ("guarantor_monthly", GUARANTOR_MONTHS), ("guarantee_products", PRODUCTS),
                       ("guarantee_contracts", CONTRACTS), ("companies", COMPANIES),
                       ("ipo_events", EVENTS), ("targets", TARGETS)])
