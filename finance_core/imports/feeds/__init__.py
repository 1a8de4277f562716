"""The import feeds: one template (and one import source) per monthly data flow.

A :class:`Feed` lists its columns (Chinese headers, type, notes for the 说明
sheet), the tables it writes (:class:`TableSpec`, with the natural key of a
row and the SQL to read, insert, update and delete by that key), a ``build``
function that turns one parsed row into table rows (or reports why not), and
an ``export`` function that writes existing data back in the template's
column order, so that export -> import is the identity.

Replacement rule: tables with a ``group_where`` are replaced per group (a
corrected file for a month replaces that month's rows of the banks it covers;
rows of that month and bank missing from the file are deleted). Other tables
are upserted by their key: rows not in the file are left alone.
"""
from __future__ import annotations

from . import credit, fiscal, guarantees, indicators, ipo, microloans, targets
from .base import (ENUM_NOUN, METRIC_BY_KEY, METRICS, Column, Feed, Ref, TableSpec, TargetMetric,  # noqa: F401
                   direct, months_of)

# one file per area; their feeds in the order the data page lists them
FEEDS: dict[str, Feed] = {f.key: f for f in (credit.CREDIT, microloans.LEDGER, microloans.STATUS,
                                             guarantees.CONTRACTS, guarantees.GUARANTOR, ipo.EVENTS, ipo.NOTES,
                                             ipo.ROUNDS, targets.TARGETS, indicators.INDICATOR_FEED,
                                             *fiscal.FISCAL_FEEDS)}
FEED_BY_TITLE: dict[str, Feed] = {f.title: f for f in FEEDS.values()}
