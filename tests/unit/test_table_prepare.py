"""ui/widgets.table's preparation of a frame: formats, gaps, alert marks, column order."""
import numpy as np
import pandas as pd

from ui import widgets


def test_cells_and_column_settings_of_a_mixed_frame():
    df = pd.DataFrame({
        "乡镇": ["城关镇", "清溪镇", None],
        "余额（万元）": [1234.5, np.nan, 2.0],                          # amount with a gap -> text
        "户数": pd.array([1, None, 3], dtype="Int64"),                  # count with a gap -> text
        "笔数": [1.0, 2.0, 3.0],                                        # whole floats -> a count
        "比例（%）": [1.25, 4.56, 7.0],
        "预警": ["正常", "落后", None],                                  # alert column
        "缺口（万元）": np.array([None, 5, 6.5], dtype=object),          # numbers in an object column
        "已报送": [True, False, True],
    })
    table, config = widgets._prepare(df, (), ("预警",), ("正常",), ())
    # the alert column moves next to the name; every other column keeps its place
    assert table.column_names == ["乡镇", "预警", "余额（万元）", "户数", "笔数", "比例（%）", "缺口（万元）", "已报送"]
    assert table.to_pylist() == [
        {"乡镇": "城关镇", "预警": "✓ 正常", "余额（万元）": "1,234.50", "户数": "1", "笔数": 1.0,
         "比例（%）": 1.25, "缺口（万元）": "—", "已报送": True},
        {"乡镇": "清溪镇", "预警": "⚠ 落后", "余额（万元）": "—", "户数": "—", "笔数": 2.0,
         "比例（%）": 4.56, "缺口（万元）": "5.00", "已报送": False},
        {"乡镇": "—", "预警": "—", "余额（万元）": "2.00", "户数": "3", "笔数": 3.0,
         "比例（%）": 7.0, "缺口（万元）": "6.50", "已报送": True},
    ]
    kinds = {c: (v["type_config"]["type"], v["type_config"].get("format"), v["alignment"]) for c, v in config.items()}
    assert kinds == {"预警": ("text", None, None), "余额（万元）": ("text", None, "right"),
                     "户数": ("text", None, "right"), "笔数": ("number", "%,d", None),
                     "比例（%）": ("number", "%.1f", None), "缺口（万元）": ("text", None, "right")}
    assert config["预警"]["width"] == "medium"


def test_named_columns_and_formats_and_a_non_range_index():
    df = pd.DataFrame({"名称": ["甲", "乙"], "金额（万元）": [1.0, 2.5], "排名": [2, 1]}, index=[7, 3])
    table, config = widgets._prepare(df, ("排名", "名称", "金额（万元）"), (), (), (("金额（万元）", "{:,.0f}"),))
    assert table.column_names == ["排名", "名称", "金额（万元）"]
    assert table.to_pylist() == [{"排名": 2, "名称": "甲", "金额（万元）": 1.0}, {"排名": 1, "名称": "乙", "金额（万元）": 2.5}]
    assert config["金额（万元）"]["type_config"]["format"] == "%,d"
    assert config["排名"]["type_config"]["format"] == "%d"


def test_whole_numbers_with_gaps_stay_whole_under_any_format():
    df = pd.DataFrame({"名称": ["甲", "乙", "丙"], "户数": pd.array([1200, None, 3], dtype="Int64")})
    table, _ = widgets._prepare(df, (), (), (), (("户数", "{:,}"),))
    assert table.column("户数").to_pylist() == ["1,200", "—", "3"]
