"""The garbage collector after the first page: what is loaded once is left alone.

Streamlit's full collection after every run is off (.streamlit/config.toml,
``postScriptGC``), but Python's own collector still scans every tracked object in
its oldest generation now and then: with pandas, Arrow, Altair's ~570 schema
classes and the app's modules loaded that is ~170,000 objects, and a run that
happened to trigger it took 130 ms longer (a town change is ~150 ms). The objects
made while the process loads its modules and draws its first page live as long as
the process, so after that first page they are moved out of the collector's sight
(``gc.freeze``). Objects made later are collected as before, and a frozen object
is still freed when nothing refers to it; only a reference cycle among frozen
objects would stay: module-level objects, which live anyway, and whatever cycles the
process's first session had made by then (a one-off, bounded amount).
"""
from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen = False


def freeze_once() -> bool:
    """After the process's first page: collect once, then freeze what is left.
    True the one time it does so."""
    global _frozen
    if _frozen:
        return False
    with _lock:
        if _frozen:
            return False
        gc.collect()
        gc.freeze()
        _frozen = True
        return True
