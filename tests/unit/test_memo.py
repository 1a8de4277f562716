"""ui/memo: the cache that tables and charts are drawn from is keyed on content,
returns copies, and keeps within its byte bound."""
import pickle

import pandas as pd

from ui import memo


def frame(values):
    return pd.DataFrame({"乡镇": ["城关镇", "清溪镇"], "用信金额（万元）": values})


def test_equal_content_is_a_hit_and_changed_content_a_miss():
    m, made = memo.Memo(max_bytes=2**20), []

    def draw(df):
        made.append(1)
        return df["用信金额（万元）"].sum()

    a = frame([1.0, 2.0])
    b = pickle.loads(pickle.dumps(a))      # the same data as the call front hands out: a copy
    assert m.value(("t", memo.digest(a)), lambda: draw(a)) == 3.0
    assert m.value(("t", memo.digest(b)), lambda: draw(b)) == 3.0
    assert len(made) == 1                  # drawn once for equal content
    c = frame([1.0, 2.5])                  # one cell changed: drawn again, with the new value
    assert m.value(("t", memo.digest(c)), lambda: draw(c)) == 3.5
    assert len(made) == 2
    assert memo.digest(a, "x") != memo.digest(a, "y")   # the other arguments are part of the key


def test_a_hit_is_a_copy_the_caller_may_change():
    m = memo.Memo(max_bytes=2**20)
    first = m.value("k", lambda: frame([1.0, 2.0]))
    first.loc[0, "用信金额（万元）"] = 99.0
    assert m.value("k", lambda: None).loc[0, "用信金额（万元）"] == 1.0


def test_the_store_stays_within_its_bytes_least_recently_used_out():
    m = memo.Memo(max_bytes=3000)
    for i in range(10):
        m.value(i, lambda i=i: b"x" * 1000)
        m.value(0, lambda: b"")            # 0 is used all the time: it stays
    assert m.size_bytes <= 3000 and 0 in m._store and 1 not in m._store
    assert m.value(9, lambda: b"new") == b"x" * 1000


def test_what_cannot_be_pickled_is_not_cached():
    assert memo.digest(lambda: None) is None


def test_clear_all_empties_every_memo():
    m = memo.Memo(max_bytes=2**20)
    m.value("k", lambda: 1)
    memo.clear_all()
    assert len(m) == 0


def test_a_memo_without_copies_hands_out_the_kept_object_within_its_bytes():
    import pyarrow as pa

    m = memo.Memo(max_bytes=2**20, copies=False)
    table = pa.table({"乡镇": ["城关镇"], "户数": [3]})
    assert m.value("t", lambda: table) is table
    assert m.value("t", lambda: None) is table          # a hit: the same (immutable) table
    small = memo.Memo(max_bytes=3000, copies=False)
    for i in range(10):
        small.value(i, lambda i=i: b"x" * 1000)
    assert small.size_bytes <= 3000 and 0 not in small._store and 9 in small._store


def test_the_drawn_tables_are_kept_without_copies_and_charts_with():
    from ui import widgets

    assert widgets.TABLES.copies is False and widgets.DRAWN.copies is True
