"""Database schema and forward migrations.

The schema version lives in ``PRAGMA user_version``. ``MIGRATIONS[i]`` takes a
database from version ``i`` to ``i + 1``; :func:`migrate` applies the missing
ones in order, each in its own transaction. Never edit a migration that has
landed on main: add a new one.

Conventions
- Money is integer 元 (``*_amount``, ``balance`` ...). Rates are integer basis
  points (``*_bp``, 1% = 100 bp). Shares are integer percent (``share_*_pct``).
- Months are ``'YYYY-MM'`` text, dates ``'YYYY-MM-DD'`` text.
- Tables ending in ``_monthly`` are roll-ups, rebuilt by
  :mod:`finance_core.rollups` from the ledgers in the same transaction as any
  write to them; pages read roll-ups, never scan a ledger for an aggregate.
"""
from __future__ import annotations

import contextlib
import sqlite3

from . import versions

# --- version 1: reference data and ledgers of all four areas -----------------
V1 = """
CREATE TABLE towns (
    code        TEXT PRIMARY KEY,          -- stable code, e.g. 'T01'
    name        TEXT NOT NULL UNIQUE,      -- shown on screen and used in links
    households  INTEGER NOT NULL CHECK (households >= 0),
    population  INTEGER NOT NULL CHECK (population >= 0)
);

CREATE TABLE banks (
    code        TEXT PRIMARY KEY,          -- e.g. 'RCB'
    name        TEXT NOT NULL UNIQUE,      -- e.g. '农商行'
    kind        TEXT NOT NULL              -- 农村金融机构 / 国有大行 / ...
);

CREATE TABLE villages (
    code                   TEXT PRIMARY KEY,   -- e.g. 'T01V003'
    town_code              TEXT NOT NULL REFERENCES towns(code),
    name                   TEXT NOT NULL,
    households             INTEGER NOT NULL CHECK (households >= 0),
    poverty_households     INTEGER NOT NULL DEFAULT 0,  -- 脱贫户
    monitored_households   INTEGER NOT NULL DEFAULT 0,  -- 监测户
    is_credit_village      INTEGER NOT NULL DEFAULT 0 CHECK (is_credit_village IN (0, 1)),
    rating_year            INTEGER,                     -- year of the last 信用村 rating
    rated_households       INTEGER NOT NULL DEFAULT 0,  -- 信用户 (rated creditworthy)
    UNIQUE (town_code, name)
);
CREATE INDEX idx_villages_town ON villages(town_code);

-- 信用村: one report per bank, village and month (授信 cumulative, 用信 balance)
CREATE TABLE credit_reports (
    month              TEXT NOT NULL,
    village_code       TEXT NOT NULL REFERENCES villages(code),
    bank_code          TEXT NOT NULL REFERENCES banks(code),
    granted_households INTEGER NOT NULL CHECK (granted_households >= 0),
    granted_amount     INTEGER NOT NULL CHECK (granted_amount >= 0),
    used_households    INTEGER NOT NULL CHECK (used_households >= 0),
    used_amount        INTEGER NOT NULL CHECK (used_amount >= 0),
    npl_amount         INTEGER NOT NULL DEFAULT 0 CHECK (npl_amount >= 0),  -- 不良
    PRIMARY KEY (month, village_code, bank_code)
);
CREATE INDEX idx_credit_reports_village ON credit_reports(village_code, month);

-- 脱贫人口小额信贷: eligible households (脱贫户 / 监测户) with fake personal data
CREATE TABLE households (
    id            INTEGER PRIMARY KEY,
    village_code  TEXT NOT NULL REFERENCES villages(code),
    head_name     TEXT NOT NULL,
    id_number     TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('脱贫户', '监测户'))
);
CREATE INDEX idx_households_village ON households(village_code);

CREATE TABLE microloans (
    id             INTEGER PRIMARY KEY,
    loan_no        TEXT NOT NULL UNIQUE,
    household_id   INTEGER NOT NULL REFERENCES households(id),
    bank_code      TEXT NOT NULL REFERENCES banks(code),
    town_code      TEXT NOT NULL REFERENCES towns(code),   -- denormalised for filters
    amount         INTEGER NOT NULL CHECK (amount > 0 AND amount <= 50000),
    disbursed_on   TEXT NOT NULL,
    maturity_on    TEXT NOT NULL CHECK (maturity_on > disbursed_on),
    rate_bp        INTEGER NOT NULL,           -- annual rate, basis points (LPR-based)
    is_renewal     INTEGER NOT NULL DEFAULT 0, -- 续贷
    is_extension   INTEGER NOT NULL DEFAULT 0, -- 展期
    prev_loan_id   INTEGER REFERENCES microloans(id)
);
CREATE INDEX idx_microloans_household ON microloans(household_id);
CREATE INDEX idx_microloans_maturity ON microloans(maturity_on, town_code, bank_code);
CREATE INDEX idx_microloans_disbursed ON microloans(disbursed_on, town_code, bank_code, household_id, amount);

-- month-end status of every loan with a balance, or repaid in that month
CREATE TABLE microloan_status (
    loan_id        INTEGER NOT NULL REFERENCES microloans(id),
    month          TEXT NOT NULL,
    balance        INTEGER NOT NULL CHECK (balance >= 0),
    days_overdue   INTEGER NOT NULL DEFAULT 0 CHECK (days_overdue >= 0),
    subsidy_paid   INTEGER NOT NULL DEFAULT 0 CHECK (subsidy_paid >= 0), -- 贴息 paid in month
    PRIMARY KEY (loan_id, month)
) WITHOUT ROWID;
CREATE INDEX idx_microloan_status_month ON microloan_status(month, loan_id, balance, days_overdue);

-- 风险补偿金: county fund, monthly movements
CREATE TABLE risk_fund (
    month          TEXT PRIMARY KEY,
    contributed    INTEGER NOT NULL DEFAULT 0,
    paid_out       INTEGER NOT NULL DEFAULT 0,
    recovered      INTEGER NOT NULL DEFAULT 0,
    balance        INTEGER NOT NULL
);

-- 政府性融资担保
CREATE TABLE guarantors (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL
);
CREATE TABLE guarantor_monthly (
    guarantor_code TEXT NOT NULL REFERENCES guarantors(code),
    month          TEXT NOT NULL,
    net_assets     INTEGER NOT NULL CHECK (net_assets > 0),
    rating         TEXT,                 -- provincial annual evaluation, e.g. 'A'
    PRIMARY KEY (guarantor_code, month)
);
CREATE TABLE guarantee_products (
    code                   TEXT PRIMARY KEY,
    name                   TEXT NOT NULL UNIQUE,
    guarantor_code         TEXT NOT NULL REFERENCES guarantors(code),
    bank_code              TEXT REFERENCES banks(code),   -- NULL: several banks
    fee_rate_bp            INTEGER NOT NULL CHECK (fee_rate_bp >= 0),
    quota                  INTEGER NOT NULL CHECK (quota >= 0),   -- 合作授信额度, 元
    share_guarantor_pct    INTEGER NOT NULL,
    share_reguarantor_pct  INTEGER NOT NULL,
    share_bank_pct         INTEGER NOT NULL,
    share_gov_pct          INTEGER NOT NULL,
    launched_on            TEXT NOT NULL,
    CHECK (share_guarantor_pct + share_reguarantor_pct + share_bank_pct + share_gov_pct = 100)
);
CREATE TABLE guarantee_contracts (
    id                 INTEGER PRIMARY KEY,
    contract_no        TEXT NOT NULL UNIQUE,
    product_code       TEXT NOT NULL REFERENCES guarantee_products(code),
    bank_code          TEXT NOT NULL REFERENCES banks(code),
    town_code          TEXT NOT NULL REFERENCES towns(code),
    borrower_name      TEXT NOT NULL,
    borrower_type      TEXT NOT NULL CHECK (borrower_type IN ('small', 'agri', 'other')),
    amount             INTEGER NOT NULL CHECK (amount > 0),
    fee_amount         INTEGER NOT NULL CHECK (fee_amount >= 0),  -- annual fee
    start_on           TEXT NOT NULL,
    end_on             TEXT NOT NULL CHECK (end_on > start_on),
    released_on        TEXT,              -- 解保 (repaid or compensated)
    compensated_amount INTEGER NOT NULL DEFAULT 0,
    compensated_on     TEXT,
    recovered_amount   INTEGER NOT NULL DEFAULT 0,
    CHECK (released_on IS NULL OR released_on >= start_on),
    CHECK (recovered_amount <= compensated_amount)
);
CREATE INDEX idx_guarantee_contracts_start ON guarantee_contracts(start_on);
CREATE INDEX idx_guarantee_contracts_product ON guarantee_contracts(product_code);

-- 企业上市
CREATE TABLE companies (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    industry         TEXT NOT NULL,
    town_code        TEXT NOT NULL REFERENCES towns(code),
    park             TEXT,
    target_board     TEXT NOT NULL,
    sponsor          TEXT,          -- 保荐机构
    owner            TEXT NOT NULL, -- 包保责任人
    last_round_date  TEXT,
    last_round_amount     INTEGER,  -- 元
    last_round_valuation  INTEGER   -- post-money, 元
);
CREATE TABLE ipo_events (
    id          INTEGER PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    stage       TEXT NOT NULL,
    event_date  TEXT NOT NULL,
    note        TEXT
);
CREATE INDEX idx_ipo_events_company ON ipo_events(company_id, event_date);
CREATE TABLE ipo_notes (
    id             INTEGER PRIMARY KEY,
    company_id     INTEGER NOT NULL REFERENCES companies(id),
    month          TEXT NOT NULL,
    progress       TEXT NOT NULL,
    problems       TEXT,
    county_action  TEXT,
    owner          TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX idx_ipo_notes_company ON ipo_notes(company_id, month);

-- annual targets by metric and scope ('county' with scope_code '', 'town', 'bank')
CREATE TABLE targets (
    year        INTEGER NOT NULL,
    metric      TEXT NOT NULL,
    scope_type  TEXT NOT NULL CHECK (scope_type IN ('county', 'town', 'bank')),
    scope_code  TEXT NOT NULL DEFAULT '',
    value       INTEGER NOT NULL CHECK (value >= 0),
    PRIMARY KEY (year, metric, scope_type, scope_code)
);

-- 指标台账: monthly figures the four areas do not hold (助企贷款, 五进走访,
-- 资金互助关停, 防贫保), registry in finance_core.indicators. One value per month,
-- indicator and scope; money in 元, counts as integers, rates in basis points.
-- Annual targets live in ``targets`` under metric 'indicator:<key>'.
CREATE TABLE indicators (
    month       TEXT NOT NULL,
    indicator   TEXT NOT NULL,
    scope_type  TEXT NOT NULL CHECK (scope_type IN ('county', 'town', 'bank')),
    scope_code  TEXT NOT NULL DEFAULT '',
    value       INTEGER NOT NULL CHECK (value >= 0),
    unit        TEXT NOT NULL,
    PRIMARY KEY (month, indicator, scope_type, scope_code)
);
CREATE INDEX idx_indicators_key ON indicators(indicator, month);

CREATE TABLE import_log (
    id           INTEGER PRIMARY KEY,
    source       TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    file_hash    TEXT NOT NULL,
    month        TEXT,
    user_name    TEXT NOT NULL,
    imported_at  TEXT NOT NULL,
    rows_added   INTEGER NOT NULL DEFAULT 0,
    rows_updated INTEGER NOT NULL DEFAULT 0,
    rows_removed INTEGER NOT NULL DEFAULT 0,
    undone_at    TEXT
);
CREATE INDEX idx_import_log_source ON import_log(source, imported_at);

-- what an import replaced, so that it can be undone: JSON
-- {"tables": [{"table", "added": [keys], "before": [rows]}], "months": [...]}
CREATE TABLE import_changes (
    import_id    INTEGER PRIMARY KEY REFERENCES import_log(id),
    changes      TEXT NOT NULL
);

-- editors who may change data (viewers need no account). password_hash is
-- 'scrypt$n$r$p$salt_hex$hash_hex' (hashlib.scrypt); NULL: signs in by OIDC only
CREATE TABLE users (
    name            TEXT PRIMARY KEY,
    password_hash   TEXT,
    role            TEXT NOT NULL DEFAULT 'editor',
    created_at      TEXT NOT NULL,
    disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    last_failed_at  TEXT,
    last_login_at   TEXT
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    user_name   TEXT NOT NULL,
    action      TEXT NOT NULL,     -- import / edit / undo / ...
    entity      TEXT NOT NULL,
    detail      TEXT NOT NULL      -- JSON: what changed
);
"""

# --- version 2: roll-ups, maintained by finance_core.rollups -------------------
V2 = """
CREATE TABLE data_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  INTEGER NOT NULL
);
INSERT INTO data_version (id, version) VALUES (1, 1);

-- credit reports summed per town, bank and month
CREATE TABLE credit_monthly (
    month              TEXT NOT NULL,
    town_code          TEXT NOT NULL,
    bank_code          TEXT NOT NULL,
    villages           INTEGER NOT NULL,   -- villages reporting
    granted_households INTEGER NOT NULL,
    granted_amount     INTEGER NOT NULL,
    used_households    INTEGER NOT NULL,
    used_amount        INTEGER NOT NULL,
    npl_amount         INTEGER NOT NULL,
    PRIMARY KEY (month, town_code, bank_code)
) WITHOUT ROWID;

-- microloan month-end position per town and bank. Household counts are exact
-- per (town, bank); a household borrows from one bank at a time (policy), so
-- sums over banks are exact for 在贷户数.
CREATE TABLE microloan_monthly (
    month              TEXT NOT NULL,
    town_code          TEXT NOT NULL,
    bank_code          TEXT NOT NULL,
    loans              INTEGER NOT NULL,   -- loans with balance > 0
    households         INTEGER NOT NULL,   -- households with balance > 0
    balance            INTEGER NOT NULL,
    overdue_balance    INTEGER NOT NULL,   -- balance of loans > 0 days overdue
    par30_balance      INTEGER NOT NULL,   -- balance of loans > 30 days overdue
    par90_balance      INTEGER NOT NULL,   -- balance of loans > 90 days overdue
    b1_30_balance      INTEGER NOT NULL, b1_30_loans   INTEGER NOT NULL,
    b31_60_balance     INTEGER NOT NULL, b31_60_loans  INTEGER NOT NULL,
    b61_90_balance     INTEGER NOT NULL, b61_90_loans  INTEGER NOT NULL,
    b91_180_balance    INTEGER NOT NULL, b91_180_loans INTEGER NOT NULL,
    b180p_balance      INTEGER NOT NULL, b180p_loans   INTEGER NOT NULL,
    new_loans          INTEGER NOT NULL,   -- disbursed in the month (续贷 included, 展期 not)
    new_amount         INTEGER NOT NULL,
    renewal_loans      INTEGER NOT NULL,   -- 续贷 disbursed in the month
    renewal_amount     INTEGER NOT NULL,
    extension_loans    INTEGER NOT NULL,   -- 展期 disbursed in the month
    extension_amount   INTEGER NOT NULL,
    subsidy_paid       INTEGER NOT NULL,   -- 贴息 paid in the month
    PRIMARY KEY (month, town_code, bank_code)
) WITHOUT ROWID;

-- first microloan of each household per bank: 获贷率 and new households without
-- scanning the ledger
CREATE TABLE microloan_first_loans (
    household_id  INTEGER NOT NULL,
    bank_code     TEXT NOT NULL,
    town_code     TEXT NOT NULL,
    first_month   TEXT NOT NULL,
    PRIMARY KEY (household_id, bank_code)
) WITHOUT ROWID;
CREATE INDEX idx_first_loans_month ON microloan_first_loans(first_month, town_code, bank_code);

-- first disbursement of each household per bank within a year: 当年新增投放户数
CREATE TABLE microloan_household_years (
    year          INTEGER NOT NULL,
    household_id  INTEGER NOT NULL,
    bank_code     TEXT NOT NULL,
    town_code     TEXT NOT NULL,
    first_month   TEXT NOT NULL,
    PRIMARY KEY (year, household_id, bank_code)
) WITHOUT ROWID;

-- loans disbursed per month, town and bank over the WHOLE ledger (also before
-- the first snapshot month): 新增投放 and 累计发放 (loans/amount: 续贷
-- included, 展期 records not, as they are no new lending), 续贷 and 展期.
-- First borrowers make 获贷率 additive: bank_new_households = households whose
-- first loan AT THIS BANK was in the month; new_households = households whose
-- first loan at ANY bank was in the month (kept on that loan's bank row).
CREATE TABLE microloan_disbursed_monthly (
    month               TEXT NOT NULL,
    town_code           TEXT NOT NULL,
    bank_code           TEXT NOT NULL,
    loans               INTEGER NOT NULL,
    amount              INTEGER NOT NULL,
    renewal_loans       INTEGER NOT NULL,
    renewal_amount      INTEGER NOT NULL,
    extension_loans     INTEGER NOT NULL,
    extension_amount    INTEGER NOT NULL,
    bank_new_households INTEGER NOT NULL,
    new_households      INTEGER NOT NULL,
    PRIMARY KEY (month, town_code, bank_code)
) WITHOUT ROWID;

-- eligible households per town (denominator of 获贷率)
CREATE TABLE household_counts (
    town_code  TEXT PRIMARY KEY,
    eligible   INTEGER NOT NULL
) WITHOUT ROWID;

-- guarantees outstanding and flows per month, product, bank, town and borrower type
CREATE TABLE guarantee_monthly (
    month               TEXT NOT NULL,
    product_code        TEXT NOT NULL,
    bank_code           TEXT NOT NULL,
    town_code           TEXT NOT NULL,
    borrower_type       TEXT NOT NULL,
    outstanding         INTEGER NOT NULL,  -- 在保余额 at month end
    outstanding_count   INTEGER NOT NULL,
    outstanding_le5m    INTEGER NOT NULL,  -- 在保 of single guarantees <= 500万元
    outstanding_fee     INTEGER NOT NULL,  -- annual fees of guarantees in force
    new_amount          INTEGER NOT NULL,  -- started in the month
    new_count           INTEGER NOT NULL,
    released_amount     INTEGER NOT NULL,  -- released (解保) in the month
    released_count      INTEGER NOT NULL,
    compensated_amount  INTEGER NOT NULL,  -- 代偿 paid in the month
    compensated_count   INTEGER NOT NULL,
    recovered_amount    INTEGER NOT NULL,  -- recoveries on those compensations
    PRIMARY KEY (month, product_code, bank_code, town_code, borrower_type)
) WITHOUT ROWID;
-- cumulative 解保 / 代偿 since the first guarantee read only the (few) rows with such flows
CREATE INDEX idx_guarantee_monthly_flows ON guarantee_monthly(
    month, released_count, compensated_count, released_amount, compensated_amount, recovered_amount
) WHERE released_count > 0 OR compensated_count > 0;
"""

# --- version 3: submissions (completeness) and every IPO financing round -------
V3 = """
-- 报送记录: one row per import (or demo load) that delivered a feed's month for a
-- reporter (bank code, guarantor code, company id as text, indicator key).
-- Whether a reporter reported is read from the data itself; this table says
-- when (the earliest submission whose import is not undone).
CREATE TABLE submissions (
    feed          TEXT NOT NULL,
    reporter      TEXT NOT NULL,
    month         TEXT NOT NULL,
    submitted_at  TEXT NOT NULL,             -- ISO time of the import
    import_id     INTEGER REFERENCES import_log(id),   -- NULL: demo / initial load
    PRIMARY KEY (feed, reporter, month, submitted_at)
) WITHOUT ROWID;
CREATE INDEX idx_submissions_month ON submissions(month, feed);

-- 股权融资: every financing round of a pipeline company (companies.last_round_*
-- kept only the latest)
CREATE TABLE ipo_rounds (
    id          INTEGER PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    round_date  TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),     -- 元
    valuation   INTEGER CHECK (valuation IS NULL OR valuation > 0),  -- post-money, 元
    round_name  TEXT,                                     -- 天使轮 / A轮 / Pre-IPO ...
    UNIQUE (company_id, round_date)
);
CREATE INDEX idx_ipo_rounds_date ON ipo_rounds(round_date);

-- carry-forward (DESIGN.md "Completeness"): a reporter that did not report a
-- month keeps its last reported balances in the roll-ups, marked here
-- (NULL: reported). credit: village reports carried into the row; microloans:
-- the whole bank-month's stock columns (its flows stay as the ledger has them).
ALTER TABLE credit_monthly ADD COLUMN carried_villages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE credit_monthly ADD COLUMN carried_from TEXT;
ALTER TABLE microloan_monthly ADD COLUMN carried_from TEXT;
INSERT INTO ipo_rounds (company_id, round_date, amount, valuation)
SELECT id, last_round_date, last_round_amount, last_round_valuation FROM companies
WHERE last_round_date IS NOT NULL AND last_round_amount > 0;
"""

# Company-level roll-up of guarantee_monthly (no town dimension): the county-wide
# position and year-to-date flows per month, product, bank and borrower type, one
# row for every month of guarantee_monthly and every product x bank x borrower
# type that occurs in it (zero rows included, so a year-to-date figure never depends on
# whether the month had activity). Filled from guarantee_monthly by
# GUARANTEE_COMPANY_FILL, here and in rollups.refresh_guarantees.
GUARANTEE_COMPANY_FILL = """
INSERT INTO guarantee_company_monthly
WITH g AS (
    SELECT month, product_code, bank_code, borrower_type,
           SUM(outstanding) AS outstanding, SUM(outstanding_count) AS outstanding_count,
           SUM(outstanding_le5m) AS outstanding_le5m, SUM(outstanding_fee) AS outstanding_fee,
           SUM(new_amount) AS new_amount, SUM(new_count) AS new_count,
           SUM(released_amount) AS released_amount, SUM(compensated_amount) AS compensated_amount,
           SUM(recovered_amount) AS recovered_amount, SUM(compensated_count) AS compensated_count
    FROM guarantee_monthly GROUP BY month, product_code, bank_code, borrower_type
),
grid AS (
    SELECT m.month, k.product_code, k.bank_code, k.borrower_type
    FROM (SELECT DISTINCT month FROM guarantee_monthly) m
    CROSS JOIN (SELECT DISTINCT product_code, bank_code, borrower_type FROM g) k
)
SELECT grid.month, grid.product_code, grid.bank_code, grid.borrower_type,
       COALESCE(g.outstanding, 0), COALESCE(g.outstanding_count, 0),
       COALESCE(g.outstanding_le5m, 0), COALESCE(g.outstanding_fee, 0),
       SUM(COALESCE(g.new_amount, 0)) OVER ytd, SUM(COALESCE(g.new_count, 0)) OVER ytd,
       SUM(COALESCE(g.released_amount, 0)) OVER ytd, SUM(COALESCE(g.compensated_amount, 0)) OVER ytd,
       SUM(COALESCE(g.recovered_amount, 0)) OVER ytd, SUM(COALESCE(g.compensated_count, 0)) OVER ytd
FROM grid LEFT JOIN g
  ON g.month = grid.month AND g.product_code = grid.product_code AND g.bank_code = grid.bank_code
     AND g.borrower_type = grid.borrower_type
WINDOW ytd AS (PARTITION BY grid.product_code, grid.bank_code, grid.borrower_type, substr(grid.month, 1, 4)
               ORDER BY grid.month ROWS UNBOUNDED PRECEDING)
"""

# speed (issue 18): the company-level guarantee roll-up; appended after the lead's V3
V_GUARANTEE_COMPANY = """
CREATE TABLE guarantee_company_monthly (
    month               TEXT NOT NULL,
    product_code        TEXT NOT NULL,
    bank_code           TEXT NOT NULL,
    borrower_type       TEXT NOT NULL,
    outstanding         INTEGER NOT NULL,  -- 在保余额 at month end
    outstanding_count   INTEGER NOT NULL,
    outstanding_le5m    INTEGER NOT NULL,
    outstanding_fee     INTEGER NOT NULL,
    new_amount_ytd      INTEGER NOT NULL,  -- January up to the month, inclusive
    new_count_ytd       INTEGER NOT NULL,
    released_ytd        INTEGER NOT NULL,
    compensated_ytd     INTEGER NOT NULL,
    recovered_ytd       INTEGER NOT NULL,
    compensated_count_ytd INTEGER NOT NULL,
    PRIMARY KEY (month, product_code, bank_code, borrower_type)
) WITHOUT ROWID;
""" + GUARANTEE_COMPANY_FILL + ";\n"

# 银行存贷款 (issue 14): each bank's monthly report of deposits and loans, per town where
# the bank reports by town, else for the whole county (town_code ''). Balances at month
# end; *_ytd columns are 当年累计 (January to the month, as banks report them); the
# weighted average rate of this year's disbursements is in basis points (4.35% = 435).
# bank_monthly is its roll-up: the reports plus, for a bank that did not report a month,
# its last report of the look-back carried forward (balances only: its flows are NULL).
V_BANKS = """
CREATE TABLE IF NOT EXISTS bank_reports (
    month                TEXT NOT NULL,
    bank_code            TEXT NOT NULL REFERENCES banks(code),
    town_code            TEXT NOT NULL DEFAULT '',   -- '' : the bank reports the county as a whole
    deposits             INTEGER NOT NULL CHECK (deposits >= 0),          -- 各项存款余额
    loans                INTEGER NOT NULL CHECK (loans >= 0),             -- 各项贷款余额
    agri_loans           INTEGER NOT NULL CHECK (agri_loans >= 0),        -- 涉农贷款
    small_loans          INTEGER NOT NULL CHECK (small_loans >= 0),       -- 普惠小微贷款
    small_borrowers      INTEGER NOT NULL CHECK (small_borrowers >= 0),   -- 普惠小微户数
    inclusive_agri_loans INTEGER NOT NULL CHECK (inclusive_agri_loans >= 0),  -- 普惠型涉农贷款
    credit_loans         INTEGER NOT NULL CHECK (credit_loans >= 0),      -- 信用贷款
    long_loans           INTEGER NOT NULL CHECK (long_loans >= 0),        -- 中长期贷款
    npl                  INTEGER NOT NULL CHECK (npl >= 0),               -- 不良贷款余额
    first_borrowers_ytd  INTEGER NOT NULL CHECK (first_borrowers_ytd >= 0),   -- 首贷户数（当年累计）
    first_amount_ytd     INTEGER NOT NULL CHECK (first_amount_ytd >= 0),      -- 首贷金额（当年累计）
    renewal_ytd          INTEGER NOT NULL CHECK (renewal_ytd >= 0),           -- 无还本续贷（当年累计）
    disbursed_ytd        INTEGER NOT NULL CHECK (disbursed_ytd >= 0),         -- 当年累计发放
    rate_bp              INTEGER CHECK (rate_bp IS NULL OR rate_bp >= 0),     -- its weighted average rate
    CHECK (agri_loans <= loans AND small_loans <= loans AND credit_loans <= loans
           AND long_loans <= loans AND npl <= loans AND inclusive_agri_loans <= agri_loans),
    PRIMARY KEY (month, bank_code, town_code)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS bank_monthly (
    month                TEXT NOT NULL,
    bank_code            TEXT NOT NULL,
    town_code            TEXT NOT NULL,
    deposits             INTEGER NOT NULL,
    loans                INTEGER NOT NULL,
    agri_loans           INTEGER NOT NULL,
    small_loans          INTEGER NOT NULL,
    small_borrowers      INTEGER NOT NULL,
    inclusive_agri_loans INTEGER NOT NULL,
    credit_loans         INTEGER NOT NULL,
    long_loans           INTEGER NOT NULL,
    npl                  INTEGER NOT NULL,
    first_borrowers_ytd  INTEGER,          -- NULL on a carried row: a flow is missing, not zero
    first_amount_ytd     INTEGER,
    renewal_ytd          INTEGER,
    disbursed_ytd        INTEGER,
    rate_bp              INTEGER,
    carried_from         TEXT,             -- NULL: reported; else the month carried forward
    PRIMARY KEY (month, bank_code, town_code)
) WITHOUT ROWID;
"""

# 财政资金 (issue 15): the bureau's own money. Ledgers only; the 风险补偿金
# balance (risk_fund) becomes a roll-up of fund_moves + fund_claims +
# fund_recoveries once they hold anything (finance_core.fiscal_rollup), and the
# rows already in risk_fund are carried into fund_moves here, so the balance a
# database showed before the migration is the balance it shows after it.
V_FISCAL = """
-- 贴息: one claim per bank and quarter of interest ('YYYY-Qn'); approved = applied
-- minus the rejected items; NULL approved/paid: not (yet) at that step
CREATE TABLE IF NOT EXISTS subsidy_claims (
    id               INTEGER PRIMARY KEY,
    bank_code        TEXT NOT NULL REFERENCES banks(code),
    quarter          TEXT NOT NULL CHECK (quarter GLOB '[0-9][0-9][0-9][0-9]-Q[1-4]'),
    eligible_loans   INTEGER NOT NULL CHECK (eligible_loans >= 0),
    interest_base    INTEGER NOT NULL CHECK (interest_base >= 0),   -- interest of the eligible loans, 元
    applied_amount   INTEGER NOT NULL CHECK (applied_amount >= 0),
    applied_on       TEXT NOT NULL,
    approved_amount  INTEGER CHECK (approved_amount IS NULL OR approved_amount BETWEEN 0 AND applied_amount),
    approved_on      TEXT,
    paid_amount      INTEGER CHECK (paid_amount IS NULL OR (approved_amount IS NOT NULL
                                                        AND paid_amount BETWEEN 0 AND approved_amount)),
    paid_on          TEXT,
    UNIQUE (bank_code, quarter),
    CHECK ((approved_amount IS NULL) = (approved_on IS NULL)),
    CHECK ((paid_amount IS NULL) = (paid_on IS NULL)),
    CHECK (approved_on IS NULL OR approved_on >= applied_on),
    CHECK (paid_on IS NULL OR paid_on >= approved_on)
);
CREATE TABLE IF NOT EXISTS subsidy_rejections (
    claim_id   INTEGER NOT NULL REFERENCES subsidy_claims(id) ON DELETE CASCADE,
    item_no    INTEGER NOT NULL,
    loan_no    TEXT NOT NULL,
    amount     INTEGER NOT NULL CHECK (amount > 0),
    reason     TEXT NOT NULL,
    PRIMARY KEY (claim_id, item_no)
);

-- 风险补偿金代偿: a claim on a microloan more than 90 days overdue. The loss
-- (claim_amount) is split into the fund's (county) share and the bank's; the
-- fund pays at most the county share.
CREATE TABLE IF NOT EXISTS fund_claims (
    id               INTEGER PRIMARY KEY,
    claim_no         TEXT NOT NULL UNIQUE,
    loan_id          INTEGER NOT NULL REFERENCES microloans(id),
    bank_code        TEXT NOT NULL REFERENCES banks(code),
    town_code        TEXT NOT NULL REFERENCES towns(code),
    claim_amount     INTEGER NOT NULL CHECK (claim_amount > 0),
    county_share     INTEGER NOT NULL CHECK (county_share >= 0),
    bank_share       INTEGER NOT NULL CHECK (bank_share >= 0),
    applied_on       TEXT NOT NULL,
    approved_amount  INTEGER CHECK (approved_amount IS NULL OR approved_amount BETWEEN 0 AND county_share),
    approved_on      TEXT,
    paid_amount      INTEGER CHECK (paid_amount IS NULL OR (approved_amount IS NOT NULL
                                                        AND paid_amount BETWEEN 0 AND approved_amount)),
    paid_on          TEXT,
    CHECK (county_share + bank_share = claim_amount),
    CHECK ((approved_amount IS NULL) = (approved_on IS NULL)),
    CHECK ((paid_amount IS NULL) = (paid_on IS NULL)),
    CHECK (approved_on IS NULL OR approved_on >= applied_on),
    CHECK (paid_on IS NULL OR paid_on >= approved_on)
);
CREATE INDEX IF NOT EXISTS idx_fund_claims_loan ON fund_claims(loan_id);
-- later recoveries on a paid claim, returned to the fund
CREATE TABLE IF NOT EXISTS fund_recoveries (
    id            INTEGER PRIMARY KEY,
    claim_id      INTEGER NOT NULL REFERENCES fund_claims(id) ON DELETE CASCADE,
    recovered_on  TEXT NOT NULL,
    amount        INTEGER NOT NULL CHECK (amount > 0)
);
-- money into the fund (opening balance, 财政注资) and, for databases migrated
-- from the monthly risk_fund table, the monthly payouts/recoveries it recorded
CREATE TABLE IF NOT EXISTS fund_moves (
    id        INTEGER PRIMARY KEY,
    moved_on  TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('opening', 'topup', 'legacy_payout', 'legacy_recovery')),
    amount    INTEGER NOT NULL CHECK (amount >= 0 OR kind = 'opening'),
    source    TEXT NOT NULL DEFAULT '县级财政',
    note      TEXT
);
CREATE INDEX IF NOT EXISTS idx_fund_moves_date ON fund_moves(moved_on);

-- 担保代偿分担 (4321): what each party actually paid towards a compensation
-- (guarantee_contracts.compensated_amount); what is due follows from the
-- product's shares (finance_core.fiscal.split_4321)
CREATE TABLE IF NOT EXISTS comp_share_payments (
    id           INTEGER PRIMARY KEY,
    contract_id  INTEGER NOT NULL REFERENCES guarantee_contracts(id) ON DELETE CASCADE,
    party        TEXT NOT NULL CHECK (party IN ('guarantor', 'reguarantor', 'bank', 'gov')),
    paid_on      TEXT NOT NULL,
    amount       INTEGER NOT NULL CHECK (amount > 0)
);
CREATE INDEX IF NOT EXISTS idx_comp_share_contract ON comp_share_payments(contract_id, party);

-- 示范区及奖补资金: money received (by level), allocated to projects, spent by month
CREATE TABLE IF NOT EXISTS zone_funds (
    id           INTEGER PRIMARY KEY,
    received_on  TEXT NOT NULL,
    level        TEXT NOT NULL CHECK (level IN ('central', 'provincial', 'county')),
    program      TEXT NOT NULL,
    amount       INTEGER NOT NULL CHECK (amount > 0),
    note         TEXT
);
CREATE TABLE IF NOT EXISTS zone_projects (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    program       TEXT NOT NULL,
    allocated     INTEGER NOT NULL CHECK (allocated >= 0),
    allocated_on  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS zone_spending (
    project_code  TEXT NOT NULL REFERENCES zone_projects(code),
    month         TEXT NOT NULL,
    amount        INTEGER NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (project_code, month)
) WITHOUT ROWID;
-- 上市奖补 paid to a company for a stage it reached (amount due: config policy)
CREATE TABLE IF NOT EXISTS ipo_awards (
    id          INTEGER PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    stage       TEXT NOT NULL,
    paid_on     TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0)
);
CREATE INDEX IF NOT EXISTS idx_ipo_awards_company ON ipo_awards(company_id, stage);

-- carry the monthly risk_fund rows into the fund ledger (same balances after), only
-- into an empty ledger: re-run on a database that holds it (a tool set user_version
-- back), the migration changes nothing
CREATE TEMP TABLE fiscal_carry AS
SELECT NOT EXISTS (SELECT 1 FROM fund_moves) AND NOT EXISTS (SELECT 1 FROM fund_claims) AS go;
INSERT INTO fund_moves (moved_on, kind, amount, note)
SELECT month || '-01', 'opening', balance - contributed + paid_out - recovered, '迁移前期初余额'
FROM risk_fund WHERE month = (SELECT MIN(month) FROM risk_fund) AND (SELECT go FROM fiscal_carry);
INSERT INTO fund_moves (moved_on, kind, amount, note)
SELECT month || '-01', 'topup', contributed, '迁移前月度汇总' FROM risk_fund
WHERE contributed > 0 AND (SELECT go FROM fiscal_carry);
INSERT INTO fund_moves (moved_on, kind, amount, note)
SELECT date(month || '-01', '+1 month', '-1 day'), 'legacy_payout', paid_out, '迁移前月度汇总'
FROM risk_fund WHERE paid_out > 0 AND (SELECT go FROM fiscal_carry);
INSERT INTO fund_moves (moved_on, kind, amount, note)
SELECT date(month || '-01', '+1 month', '-1 day'), 'legacy_recovery', recovered, '迁移前月度汇总'
FROM risk_fund WHERE recovered > 0 AND (SELECT go FROM fiscal_carry);
DROP TABLE fiscal_carry;
"""

# Data versions (issue 21): the row-change log and the time of every version; the capture
# triggers themselves are (re)created by versions.install_capture after every migration.
V_VERSIONS = """
-- (idempotent: a database whose user_version was set back re-runs it safely)
-- 数据版本: every captured row change, with the data version it belongs to
-- (op I: key of the inserted row; U: key after the update and the old row; D: the old row)
CREATE TABLE IF NOT EXISTS asat_changes (
    seq      INTEGER PRIMARY KEY,
    version  INTEGER NOT NULL,
    tbl      TEXT NOT NULL,
    op       TEXT NOT NULL CHECK (op IN ('I', 'U', 'D')),
    key      TEXT,
    old      TEXT
);
CREATE INDEX IF NOT EXISTS idx_asat_changes_version ON asat_changes(version, tbl);
-- when each version was reached (the first row: when versions started to be kept)
CREATE TABLE IF NOT EXISTS asat_versions (
    version  INTEGER PRIMARY KEY,
    at       TEXT NOT NULL
);
INSERT OR IGNORE INTO asat_versions (version, at)
SELECT version, strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime') FROM data_version WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS asat_version_time AFTER UPDATE OF version ON data_version BEGIN
    INSERT OR REPLACE INTO asat_versions (version, at)
    VALUES (NEW.version, strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime'));
END;
"""


# the change log takes bulk entries (op B: the keys of many rows one statement inserted,
# versions.insert_many); SQLite cannot alter a CHECK constraint, so the table is rebuilt
V_BULK_LOG = """
CREATE TABLE asat_changes_bulk (
    seq      INTEGER PRIMARY KEY,
    version  INTEGER NOT NULL,
    tbl      TEXT NOT NULL,
    op       TEXT NOT NULL CHECK (op IN ('I', 'U', 'D', 'B')),
    key      TEXT,
    old      TEXT
);
INSERT INTO asat_changes_bulk (seq, version, tbl, op, key, old) SELECT seq, version, tbl, op, key, old FROM asat_changes;
DROP TABLE asat_changes;
ALTER TABLE asat_changes_bulk RENAME TO asat_changes;
CREATE INDEX idx_asat_changes_version ON asat_changes(version, tbl);
"""


# a town scope without reading the county's rows (scale 100): a town's guarantee borrowers
# (guarantees.borrower_counts: 182 of 250,000 contracts), its microloan borrowers of the year
# (microloans.totals), the compensations (fiscal.compensations: a few thousand of 250,000);
# and the months with guarantee activity, per product (completeness of the contract ledger)
V_SCOPE_INDEXES = """
CREATE INDEX IF NOT EXISTS idx_guarantee_contracts_town ON guarantee_contracts(town_code, start_on);
CREATE INDEX IF NOT EXISTS idx_microloan_household_years_town
    ON microloan_household_years(year, town_code, first_month, household_id);
CREATE INDEX IF NOT EXISTS idx_guarantee_monthly_activity ON guarantee_monthly(month, product_code)
WHERE new_count > 0 OR released_count > 0;
CREATE INDEX IF NOT EXISTS idx_guarantee_contracts_compensated ON guarantee_contracts(compensated_on, town_code)
WHERE compensated_amount > 0;
"""


MIGRATIONS: list[str] = [V1, V2, V3, V_GUARANTEE_COMPANY, V_FISCAL, V_VERSIONS, V_BANKS, V_BULK_LOG, V_SCOPE_INDEXES]
LATEST = len(MIGRATIONS)


def version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, target: int = LATEST, refresh=None) -> int:
    """Apply the missing migrations up to ``target``; return the new version.

    Each migration runs in one transaction together with its version bump, so a
    failure leaves the database at the previous version, unchanged.
    """
    current = version(conn)
    if current > LATEST:
        raise RuntimeError(
            f"数据库版本 {current} 比程序支持的版本 {LATEST} 新，请升级程序。"
        )
    if current < target:
        # the capture triggers name every column: off while tables change, back on after
        with _transaction(conn):
            versions.drop_capture(conn)
    for number in range(current, target):
        script = MIGRATIONS[number]
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(script):
                conn.execute(statement)
            if number + 1 == target and target >= 2 and refresh is not None:
                # the roll-ups (version 2) are filled from the existing ledgers by the
                # last step, with this program's roll-up code (``refresh``, e.g.
                # rollups.refresh_all; version 3 adds the carried-forward rows)
                refresh(conn)
            conn.execute(f"PRAGMA user_version = {number + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    if current < target:
        with _transaction(conn):
            versions.install_capture(conn)
    return version(conn)


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection):
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    """Split a DDL script into statements (executescript would auto-commit)."""
    out, buf = [], []
    for line in script.splitlines():
        buf.append(line)
        chunk = "\n".join(buf)
        if sqlite3.complete_statement(chunk):
            if chunk.strip():
                out.append(chunk)
            buf = []
    if "\n".join(buf).strip():
        out.append("\n".join(buf))
    return out
