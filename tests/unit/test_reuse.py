"""finance_core.reuse: answers shared within one build, and county-wide answers kept per data version."""
import dataclasses
import shutil

import pandas as pd

from finance_core import areas, banks, briefing, completeness, overview, reuse
from finance_core import db as fdb
from finance_core import filters as ff


def test_shared_computes_once_inside_a_block_and_hands_out_copies(monkeypatch):
    calls = []

    @reuse.shared
    def frame(db, n):
        calls.append(n)
        return pd.DataFrame({"a": [n]})

    assert frame(None, 1) is not frame(None, 1) and calls == [1, 1]   # outside: as before
    calls.clear()
    with reuse.once():
        first, again, other = frame(None, 1), frame(None, 1), frame(None, 2)
        first["a"] = 99                       # a caller changing its copy
        assert frame(None, 1)["a"].tolist() == [1]
        with reuse.once():                    # a nested block shares the outer memo
            frame(None, 2)
    assert calls == [1, 2]
    assert again["a"].tolist() == [1] and other["a"].tolist() == [2]
    assert not reuse.active()


def test_gaps_of_one_area_inside_a_block_equal_its_own_call(db):
    opts = ff.load_options(db)
    for f in (ff.Filters(opts.latest), ff.Filters(opts.months[-1]), ff.Filters(opts.latest, (opts.towns[0][0],))):
        for area in ("credit-villages", "microloans", "guarantees", "banks", "fiscal", "ipo"):
            alone = completeness.gaps(db, f, (area,))
            with reuse.once():
                completeness.gaps(db, f)
                assert completeness.gaps(db, f, (area,)) == alone


def test_the_overview_board_equals_its_parts(db):
    opts = ff.load_options(db)
    for f in (ff.Filters(opts.latest), ff.Filters(opts.latest, (opts.towns[2][0],)), ff.Filters(opts.months[-1])):
        b = overview.board(db, f, opts.town_names, opts.bank_names)
        assert b.reporting == completeness.summary_line(db, f)
        assert [k for k, _ in b.rows] == [a.key for a in areas.ALL]
        for a in areas.ALL:
            assert b.kpis(a.key) == overview.area_kpis(db, f, a.key)
        pd.testing.assert_frame_equal(b.targets, overview.targets_table(db, f))
        assert list(b.flags) == overview.red_flags(db, f, opts.town_names, opts.bank_names)


def test_a_brief_built_with_shared_parts_equals_one_built_without(db, monkeypatch):
    opts = ff.load_options(db)
    f = ff.Filters(opts.latest, (opts.towns[1][0],))
    shared_build = briefing.build(db, briefing.MONTHLY, f)
    monkeypatch.setattr(reuse, "once", _no_block)
    reuse.forget()
    plain = briefing.build(db, briefing.MONTHLY, f)
    assert _plain(shared_build) == _plain(plain)


def _no_block():
    import contextlib
    return contextlib.nullcontext()


def _plain(brief):
    """The brief as comparable values (frames as records)."""
    def conv(x):
        if isinstance(x, pd.DataFrame):
            return x.to_dict("records")
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            return {k: conv(v) for k, v in vars(x).items()}
        if isinstance(x, (list, tuple)):
            return [conv(v) for v in x]
        if isinstance(x, dict):
            return {k: conv(v) for k, v in x.items()}
        return x
    return conv(brief)


def test_kept_answers_follow_every_write(tmp_path, demo_db):
    path = tmp_path / "county.db"
    shutil.copy(demo_db, path)
    reuse.forget()
    with fdb.opened(path) as d:
        as_of = ff.load_options(d).latest
        before, _ = banks.indicator_values(d, as_of)
        assert banks.indicator_values(d, as_of)[0] == before
        bank = next(b for b, v in before.items() if v["npl_rate"] is not None)
        npl_rate = before[bank]["npl_rate"]
        before[bank]["npl_rate"] = -1             # a caller's copy
        assert banks.indicator_values(d, as_of)[0][bank]["npl_rate"] != -1
        with fdb.write_transaction(d):            # a write through the app
            d.execute("UPDATE bank_monthly SET npl = npl + 1000000 WHERE month = ? AND bank_code = ?", [as_of, bank])
        after, _ = banks.indicator_values(d, as_of)
        assert after[bank]["npl_rate"] > npl_rate
        assert after == banks.indicator_values.__wrapped__(d, as_of)[0]
        d.execute("UPDATE bank_monthly SET npl = npl + 2000000 WHERE month = ? AND bank_code = ?", [as_of, bank])
        d.conn.commit()                           # a write that does not bump the data version
        again, _ = banks.indicator_values(d, as_of)
        assert again[bank]["npl_rate"] > after[bank]["npl_rate"]
        assert again == banks.indicator_values.__wrapped__(d, as_of)[0]


def test_the_ipo_board_view_equals_its_parts(db):
    from finance_core import ipo

    opts = ff.load_options(db)
    for f, sel in ((ff.Filters(opts.latest), ipo.Selection()),
                   (ff.Filters(opts.latest, (opts.towns[0][0],)), ipo.Selection()),
                   (ff.Filters(opts.months[len(opts.months) // 2]), ipo.Selection(stages=(ipo.STAGES[1],)))):
        v = ipo.board_view(db, f, sel)
        assert list(v.kpis) == ipo.summary(db, f, sel)
        pd.testing.assert_frame_equal(v.board, ipo.pipeline(db, f, sel))
        pd.testing.assert_frame_equal(v.moves, ipo.moves_in_month(db, f, sel))
        mine, theirs = list(v.groups), ipo.board_groups(db, f, sel)
        assert [(s, n) for s, _, n in mine] == [(s, n) for s, _, n in theirs]
        for (_, a, _), (_, b, _) in zip(mine, theirs):
            pd.testing.assert_frame_equal(a, b)


def test_a_default_that_cannot_be_hashed_still_shares():
    calls = []

    @reuse.shared
    def look(db, n, table={"a": 1}):   # noqa: B006  (a dict default, as ipo.pipeline's typical)
        calls.append(n)
        return n

    with reuse.once():
        look(None, 1), look(None, 1), look(None, 1, table=look.__wrapped__.__defaults__[0])
    assert calls == [1]


def test_the_ipo_board_view_reads_each_month_s_pipeline_once(db, monkeypatch):
    from finance_core import ipo

    f = ff.Filters(ff.load_options(db).latest)
    reads, original = [], ipo.pd.read_sql_query

    def counting(sql, *args, **kwargs):
        if "JOIN ipo_events e ON e.id" in sql:
            reads.append(kwargs.get("params", args[1] if len(args) > 1 else None)[0])
        return original(sql, *args, **kwargs)

    monkeypatch.setattr(ipo.pd, "read_sql_query", counting)
    ipo.board_view(db, f, ipo.Selection())
    assert len(reads) == len(set(reads)) == 3   # this month, the month before, a year before


def test_a_kept_read_of_a_file_that_went_is_computed(tmp_path, demo_db, monkeypatch):
    path = tmp_path / "county.db"
    shutil.copy(demo_db, path)
    reuse.forget()

    def gone(_path):
        raise FileNotFoundError(_path)

    with fdb.opened(path) as d:
        as_of = ff.load_options(d).latest
        monkeypatch.setattr(reuse, "_stamp", gone)
        assert banks.indicator_values(d, as_of)[0] == banks.indicator_values.__wrapped__(d, as_of)[0]


def test_an_argument_given_as_a_word_is_not_taken_for_the_default():
    calls = []

    @reuse.shared
    def by(db, how="bank"):
        calls.append(how)
        return how

    with reuse.once():
        assert by(None) == "bank" and by(None, "default") == "default" and by(None, how="bank") == "bank"
    assert calls == ["bank", "default"]
