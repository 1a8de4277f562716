"""Who may change data.

Viewing needs no account. Editing is off unless enabled: for now by the
setting ``FINANCE_EDITING=1`` in the environment (off by default), with the
editor's name from ``FINANCE_EDITOR`` (default 本地编辑). The data-management
work replaces this with signed-in editors; callers only use :func:`editor`.
"""
from __future__ import annotations

import os


def editor() -> str | None:
    """The signed-in editor's name, or None for a viewer."""
    if os.environ.get("FINANCE_EDITING") == "1":
        return os.environ.get("FINANCE_EDITOR", "本地编辑")
    return None
