"""普惠金融监测 — entry point: page config, navigation and the shared filter bar."""
import streamlit as st

from ui import data, nav
from ui import filters as ui_filters

st.set_page_config(page_title="普惠金融监测", page_icon=":material/account_balance:", layout="wide")

# one read of the data version per run keys every cached query
st.session_state["_data_version"] = data.data_version()

wrong_path = nav.resolve_wrong_path()
pages = [
    st.Page(file, title=title, icon=icon, url_path=path, default=(i == 0))
    for i, (path, (file, title, icon)) in enumerate(nav.PAGES.items())
]
pg = st.navigation(pages)
ui_filters.filter_bar([wrong_path] if wrong_path else [])
with st.sidebar:
    nav.install_history()
pg.run()
