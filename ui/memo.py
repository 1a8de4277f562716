"""A small in-process cache of pickled values, keyed cheaply.

Streamlit's ``st.cache_data`` hashes every argument with its own hasher on
each call: 3-5 ms for one of our small frames (15 towns, 150 villages), and a
page draws several tables and charts per run. :class:`Memo` keys instead on the
BLAKE2 digest of the arguments' pickle (0.1-0.2 ms for the same frames). Equal
digests mean equal pickles and so equal content; a frame that pickles
differently (another object layout) is only a miss, never a wrong hit.

Values are kept pickled and every hit is a fresh copy, as with
``st.cache_data``, so a caller that changes what it got cannot change what the
next caller gets. The store is bounded by bytes (least recently used first out)
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
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._store: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        _ALL.add(self)

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            blob = self._store.get(key)
            if blob is not None:
                self._store.move_to_end(key)
            return blob

    def put(self, key: Hashable, blob: bytes) -> None:
        with self._lock:
            if key in self._store:
                return
            self._store[key] = blob
            self._bytes += len(blob)
            while self._bytes > self.max_bytes and len(self._store) > 1:
                _, old = self._store.popitem(last=False)
                self._bytes -= len(old)

    def value(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached value of ``key`` (a fresh copy), computing it on a miss."""
        blob = self.get(key)
        if blob is not None:
            return pickle.loads(blob)
        value = compute()
        self.put(key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        return value

    def clear(self) -> None:
        with self._lock:
            self._store.clear()
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
