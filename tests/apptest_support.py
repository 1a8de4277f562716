"""AppTest helpers (they live in bench/harness.py, shared with the benchmark)."""
from bench.harness import clear_streamlit_caches, navigation_mode, new_app, shown_text  # noqa: F401
