"""指标台账: the indicators ledger (金融助企与风险防范)."""
from __future__ import annotations

from ... import indicators
from .. import cells
from .base import SCOPE_WORD, Built, Column, Err, Feed, Ref, direct, scope_code


# --- 指标台账 -------------------------------------------------------------------------------------------
INDICATOR_TABLE = direct(
    "indicators",
    ("month", "indicator", "scope_type", "scope_code", "value", "unit"),
    ("month", "indicator", "scope_type", "scope_code"),
    {"month": "月份", "indicator": "指标", "scope_type": "范围类型", "scope_code": "范围", "value": "数值",
     "unit": "单位"},
)


def _build_indicator(ref: Ref, r: dict, err: Err) -> Built | None:
    ind = indicators.BY_KEY[r["indicator"]]
    code = scope_code(ref, r["scope_type"], (r.get("scope") or "").strip(), err)
    value, reason = cells.money(r["value"]) if ind.unit == "元" else cells.integer(r["value"])
    if reason:
        err("value", reason)
    if code is None or reason:
        return None
    return [("indicators", (r["month"], ind.key, r["scope_type"], code, value, ind.unit), None)]


def _export_indicators(db, month):
    where, params = ("WHERE month = ?", [month]) if month else ("", [])
    ref = Ref(db)
    out = []
    for m, key, stype, code, value in db.execute(
            f"SELECT month, indicator, scope_type, scope_code, value FROM indicators {where} "
            "ORDER BY month, indicator, scope_type, scope_code", params).fetchall():
        ind = indicators.BY_KEY.get(key)
        if ind is None:
            continue
        scope = {"county": "", "town": ref.towns.get(code, code), "bank": ref.banks.get(code, code)}[stype]
        out.append((m, ind.name, SCOPE_WORD[stype], scope, value))
    return out


INDICATOR_FEED = Feed(
    key="indicators",
    title="指标台账",
    description="其他部门报送的月度指标（助企贷款、五进走访、资金互助关停、防贫保）：每月、每个指标、每个范围一行。"
                "当月发生额类指标填当月数，时点类指标填月末数。",
    columns=(
        Column("月份", "month", "month", note="YYYY-MM（文本格式）", example="2026-11"),
        Column("指标", "indicator", "enum", choices="indicator",
               note="；".join(f"{i.name}（{i.unit}）" for i in indicators.STORED), example="助企贷款新增", width=22),
        Column("范围类型", "scope_type", "enum", choices="scope_type", note="全县 / 乡镇 / 银行", example="全县"),
        Column("范围", "scope", required=False, note="乡镇或银行名称；全县留空", example=""),
        Column("数值", "value", "raw", note="金额单位为元（整数），户数填户、家数填家", example="12000000", width=16),
    ),
    tables=(INDICATOR_TABLE,),
    build=_build_indicator,
    export=_export_indicators,
    month_field="month",
    replace_note="按月份、指标和范围更新：同一指标同一范围同一月份以新文件为准。",
)
