from urllib.parse import parse_qsl

from finance_core import filters as ff

OPTS = ff.FilterOptions(
    months=("2024-06", "2024-05"),
    towns=(("T1", "甲镇"), ("T2", "乙乡")),
    banks=(("B1", "农商行"), ("B2", "邮储银行")),
)


def test_valid_parameters_pass_in_canonical_order():
    f, notices = ff.validate(OPTS, {"as_of": ["2024-05"], "town": ["乙乡", "甲镇", "乙乡"], "bank": "邮储银行"})
    assert notices == []
    assert f == ff.Filters("2024-05", ("T1", "T2"), ("B2",))


def test_garbage_is_dropped_with_one_notice_each():
    f, notices = ff.validate(OPTS, {"as_of": ["2099-13"], "town": ["火星镇", "甲镇"], "bank": ["'; DROP TABLE x"]})
    assert f == ff.Filters("2024-06", ("T1",), ())
    assert len(notices) == 3
    assert "2099-13" in notices[0] and "火星镇" in notices[1] and "DROP" in notices[2]


def test_month_without_data_falls_back_to_latest():
    f, notices = ff.validate(OPTS, {"as_of": "2020-01"})
    assert f.as_of == "2024-06" and "没有数据" in notices[0]


def test_check_number():
    assert ff.check_number("usage_target", "用信率目标", ["0.6"], 0, 1) == (0.6, None)
    value, notice = ff.check_number("usage_target", "用信率目标", ["abc"], 0, 1)
    assert value is None and "不是数字" in notice
    value, notice = ff.check_number("usage_target", "用信率目标", ["nan"], 0, 1)
    assert value is None and "不是有限的数字" in notice
    assert ff.check_number("x", "x", [], 0, 1) == (None, None)


def test_query_string_round_trips_through_validate():
    f = ff.Filters("2024-05", ("T2",), ("B1", "B2"))
    qs = ff.query_string(OPTS, f, usage_target=0.7)
    pairs = parse_qsl(qs)
    raw: dict[str, list[str]] = {}
    for k, v in pairs:
        raw.setdefault(k, []).append(v)
    back, notices = ff.validate(OPTS, raw)
    assert back == f and notices == [] and raw["usage_target"] == ["0.7"]
    # an extra town replaces the filter's towns
    assert parse_qsl(ff.query_string(OPTS, f, town="甲镇")).count(("town", "甲镇")) == 1
    assert ("town", "乙乡") not in parse_qsl(ff.query_string(OPTS, f, town="甲镇"))


def test_scope_sql_is_parameterised():
    sql, params = ff.scope_sql(ff.Filters("2024-06", ("T1", "T2"), ("B1",)))
    assert sql == " AND town_code IN (?,?) AND bank_code IN (?)" and params == ["T1", "T2", "B1"]


def test_county_wide_functions_do_not_change_with_the_town(db):
    """A function marked county-wide is cached once for every town (ui/data.call); so it
    must give, for each town and month, exactly what it gives for the whole county."""
    import importlib
    import pkgutil

    import pandas as pd

    import finance_core

    marked = {f"{m.name}.{name}": fn
              for m in pkgutil.iter_modules(finance_core.__path__)
              for name, fn in vars(importlib.import_module(f"finance_core.{m.name}")).items()
              if getattr(fn, "county_wide", False) and getattr(fn, "__module__", "") == f"finance_core.{m.name}"}
    assert {"banks.ranking", "banks.checks", "banks.check_table", "banks.target_table"} <= set(marked)
    opts = ff.load_options(db)
    for month in (opts.latest, "2026-01"):
        county = ff.Filters(month)
        for code, _ in opts.towns[:4]:
            town = ff.Filters(month, towns=(code,), banks=(opts.banks[0][0],))
            assert ff.cache_args(marked["banks.ranking"], (town, 1)) == (ff.Filters(month, (), town.banks), 1)
            for name, fn in marked.items():
                a, b = fn(db, town), fn(db, ff.Filters(month, banks=town.banks))
                assert a.equals(b) if isinstance(a, pd.DataFrame) else a == b, (name, code, month)
        assert fn(db, county) is not None


def test_cache_args_leave_other_functions_alone():
    f = ff.Filters("2024-06", ("T1",))
    assert ff.cache_args(ff.scope_label, (OPTS, f)) == (OPTS, f)
