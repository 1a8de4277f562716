"""普惠金融监测 — entry point: page config, navigation and the shared filter bar."""
from pathlib import Path

import streamlit as st

from ui import data
from ui import filters as ui_filters
from ui.nav import PAGES

# a local file: a material icon as page icon makes the browser fetch a font from a Google host
ICON = Path(__file__).parent / "ui" / "icon.png"
st.set_page_config(page_title="普惠金融监测", page_icon=str(ICON), layout="wide")

# one read of the data version per run keys every cached query
st.session_state["_data_version"] = data.data_version()

pages = [
    st.Page(file, title=title, icon=icon, url_path=path, default=(i == 0))
    for i, (path, (file, title, icon)) in enumerate(PAGES.items())
]
pg = st.navigation(pages)
ui_filters.filter_bar()
pg.run()
