"""ui/heap: the objects loaded with the first page leave the collector's scans, once."""
import gc

from ui import heap


def test_freeze_once_freezes_the_loaded_objects_one_time(monkeypatch):
    monkeypatch.setattr(heap, "_frozen", False)
    before = gc.get_freeze_count()
    try:
        assert heap.freeze_once() is True
        assert gc.get_freeze_count() > before
        assert heap.freeze_once() is False
    finally:
        gc.unfreeze()
