"""Every page renders for every single town and every single bank (some have no
companies, no credit villages or no loans), and for the earliest data month."""
import pytest

from finance_core import filters as ff
from ui.nav import PAGES


@pytest.fixture(scope="module")
def scopes(demo_db):
    from finance_core import db as fdb

    with fdb.opened(demo_db) as db:
        opts = ff.load_options(db)
    return opts


@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_for_every_town_bank_and_the_first_month(app, scopes, page):
    at = app(page=PAGES[page][0])
    assert not at.exception
    for _, town in scopes.towns:
        at.multiselect(key="town").set_value([town]).run()
        assert not at.exception, (page, town, at.exception)
    at.multiselect(key="town").set_value([]).run()
    for _, bank in scopes.banks:
        at.multiselect(key="bank").set_value([bank]).run()
        assert not at.exception, (page, bank, at.exception)
    at.selectbox(key="as_of").set_value(scopes.months[-1]).run()
    assert not at.exception, (page, scopes.months[-1], at.exception)
