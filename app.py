"""普惠金融监测 — entry point: page config, navigation and the shared filter bar."""
import streamlit as st

from ui import nav   # light: no pandas, Altair or database yet

wrong_path = nav.resolve_wrong_path()
pages = nav.st_pages()
# navigation first: a first visitor of a fresh server sees the Chinese sidebar
# (not file names) while the database is prepared below
pg = st.navigation(pages, position="hidden")
with st.sidebar:   # the menu (see .streamlit/config.toml showSidebarNavigation)
    for page in pages:   # no icon: st.page_link fetches a material icon from a Google host
        st.page_link(page, label=page.title)
    st.divider()
# inline SVG: a material icon as page icon makes the browser fetch a font from a Google host
st.set_page_config(page_title=f"{pg.title} · {nav.APP_TITLE}", page_icon=nav.PAGE_ICON, layout="wide")
from ui import data, style  # noqa: E402  (after the navigation on purpose)
from ui import filters as ui_filters  # noqa: E402
from ui import heap  # noqa: E402
from ui import outputs as ui_outputs  # noqa: E402

style.apply()

# one read of the data version per run keys every cached query
st.session_state["_data_version"] = data.data_version()
ui_filters.filter_bar([wrong_path] if wrong_path else [], page=pg.url_path or "overview")
ui_outputs.print_style()
with st.sidebar:
    nav.install_history()
pg.run()
heap.freeze_once()   # after the first page: the loaded modules leave the collector's scans
