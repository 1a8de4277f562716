"""AppTest helpers (they live in bench/harness.py, shared with the benchmark)."""
from bench.harness import card_text, card_values, cards, clear_streamlit_caches, navigation_mode, new_app, shown_text  # noqa: F401


def page_text(at) -> str:
    """The page's markdown and the labels of its links in the page (a 需要关注 line is a
    link to its page, or markdown when no page explains it), as one text."""
    return " ".join([m.value for m in at.markdown] + link_labels(at))


def link_labels(at) -> list[str]:
    """Labels of the links drawn in the page (not the menu: those carry no icon)."""
    return [e.proto.label for e in at.get("page_link") if e.proto.icon]
