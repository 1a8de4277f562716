"""A small in-process cache of pickled values, keyed cheaply.

Streamlit's ``st.cache_data`` hashes every argument with its own hasher on
each call: 3-5 ms for one of our small frames (15 towns, 150 villages), and a
page draws several tables and charts per run. :class:`Memo` keys instead on the
BLAKE2 digest of the arguments' pickle (0.1-0.2 ms for the same frames). Equal
digests mean equal pickles and so equal content; a frame that pickles
differently (another object layout) is only a miss, never a wrong hit.

Values are kept pickled and every hit is a fresh copy, as with
``st.cache_data``, so a caller that changes what it got cannot change what the
next caller gets; a Memo made with ``copies=False`` keeps values that nobody
changes (an Arrow table is immutable) as they are and hands out the same object.
The store is bounded by bytes (least recently used first out)
and shared by every session of the process, behind one lock.
"""
from __future__ import annotations

import hashlib
import pickle
import threading
import weakref
from collections import OrderedDict
from typing import Any, Callable, Hashable


class Memo:
    def __init__(self, max_bytes: int, copies: bool = True):
        self.max_bytes = max_bytes
        self.copies = copies
        self._store: OrderedDict[Hashable, Any] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        _ALL.add(self)

    def get(self, key: Hashable) -> Any:
        """What is kept under ``key`` (the pickle, or with ``copies=False`` the value), or None."""
        with self._lock:
            kept = self._store.get(key)
            if kept is not None:
                self._store.move_to_end(key)
            return kept

    def put(self, key: Hashable, kept: Any, size: int) -> None:
        with self._lock:
            if key in self._store:
                return
            self._store[key] = kept
            self._sizes[key] = size
            self._bytes += size
            while self._bytes > self.max_bytes and len(self._store) > 1:
                old, _ = self._store.popitem(last=False)
                self._bytes -= self._sizes.pop(old)

    def value(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached value of ``key`` (a fresh copy, or the kept object with
        ``copies=False``), computing it on a miss."""
        kept = self.get(key)
        if kept is not None:
            return pickle.loads(kept) if self.copies else kept
        value = compute()
        blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self.put(key, blob if self.copies else value, len(blob))
        return value

    def clear(self) -> None:
        with self._lock:
            self._store.clear()
            self._sizes.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._store)

    @property
    def size_bytes(self) -> int:
        return self._bytes


_ALL: weakref.WeakSet[Memo] = weakref.WeakSet()


def clear_all() -> None:
    """Empty every Memo of the process (tests' and the benchmark's cold runs)."""
    for m in list(_ALL):
        m.clear()


def digest(*args: Any) -> bytes | None:
    """The BLAKE2 digest of ``args``' pickle; None when they cannot be pickled
    (the caller then computes without caching)."""
    try:
        return hashlib.blake2b(pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL), digest_size=20).digest()
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
