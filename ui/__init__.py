"""Streamlit helpers shared by the pages: data access with caching, the shared
filter bar, KPI rows, tables and export buttons. With app.py and pages/, the
only code that imports streamlit."""
