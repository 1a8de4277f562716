"""年度目标: the annual targets of every area (``areas.METRICS``) and the indicators."""
from __future__ import annotations

from .. import cells
from .base import METRIC_BY_KEY, METRICS, SCOPE_WORD, Built, Column, Err, Feed, Ref, direct, scope_code


# --- 年度目标 ---------------------------------------------------------------------------------------
TARGET_TABLE = direct(
    "targets",
    ("year", "metric", "scope_type", "scope_code", "value"),
    ("year", "metric", "scope_type", "scope_code"),
    {"year": "年度", "metric": "指标", "scope_type": "范围类型", "scope_code": "范围", "value": "目标值"},
)


def _build_target(ref: Ref, r: dict, err: Err) -> Built | None:
    metric = METRIC_BY_KEY[r["metric"]]
    stype, scope = r["scope_type"], (r.get("scope") or "").strip()
    ok = True
    if not (2000 <= r["year"] <= 2100):
        err("year", f"年度 {r['year']} 应为 2000–2100 之间的四位年份")
        ok = False
    if stype not in metric.scopes:
        allowed = "、".join(SCOPE_WORD[s] for s in metric.scopes)
        err("scope_type", f"指标“{metric.label}”只按{allowed}设定目标")
        ok = False
    code = scope_code(ref, stype, scope, err)
    if code is None:
        ok = False
    if metric.unit == "万元":
        value, reason = cells.money(r["value"], 10_000)
    else:
        value, reason = cells.integer(r["value"])
    if reason:
        err("value", reason)
        ok = False
    if not ok:
        return None
    return [("targets", (r["year"], metric.key, stype, code, value), None)]


def _export_targets(db, month):
    where, params = ("WHERE year = ?", [int(month[:4])]) if month else ("", [])
    ref = Ref(db)
    out = []
    for year, metric, stype, code, value in db.execute(
            f"SELECT year, metric, scope_type, scope_code, value FROM targets {where} "
            "ORDER BY year, metric, scope_type, scope_code", params).fetchall():
        m = METRIC_BY_KEY.get(metric)
        if m is None:
            continue
        scope = {"county": "", "town": ref.towns.get(code, code), "bank": ref.banks.get(code, code)}[stype]
        shown = value / 10_000 if m.unit == "万元" else value
        if isinstance(shown, float) and shown.is_integer():
            shown = int(shown)
        out.append((year, m.label, SCOPE_WORD[stype], scope, shown))
    return out


TARGETS = Feed(
    key="targets",
    title="年度目标",
    description="年度工作目标：每年、每个指标、每个范围（全县、某乡镇或某银行）一行。",
    columns=(
        Column("年度", "year", "int", note="四位年份", example="2027", maximum=2100),
        Column("指标", "metric", "enum", choices="metric", note="、".join(m.label for m in METRICS),
               example="小额信贷新增投放", width=22),
        Column("范围类型", "scope_type", "enum", choices="scope_type", note="全县 / 乡镇 / 银行", example="全县"),
        Column("范围", "scope", required=False, note="乡镇或银行名称；全县留空", example=""),
        Column("目标值", "value", "raw", note="金额类指标单位为万元（最多 4 位小数），户数填户、企业数填家",
               example="12000"),
    ),
    tables=(TARGET_TABLE,),
    build=_build_target,
    export=_export_targets,
    month_field=None,
    replace_note="按年度、指标和范围更新：同一目标以新文件为准，文件中没有的目标保持不变。",
)
