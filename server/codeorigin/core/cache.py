"""The two things every cache of codeorigin shares: a bounded LRU map and the key of a text.

Scores (`engine`) and explanations (`model.attributor`) are both cached by a hash of the normalised
text, so two texts that normalise alike share an entry; both caches forget the least recently used
entry first.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


def text_hash(normalized_text: str) -> str:
    """A 32-hex-digit hash of a normalised text (blake2b, 16 bytes)."""
    data = normalized_text.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class LruCache(Generic[K, V]):
    """A thread-safe map of at most `max_size` entries (0: keeps nothing) that evicts the least
    recently used one; `hits` counts the lookups that found their entry."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max(0, int(max_size))
        self.hits = 0
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            item = self._data.get(key)
            if item is not None:
                self._data.move_to_end(key)
                self.hits += 1
            return item

    def put(self, key: K, value: V) -> None:
        if not self.max_size:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.max_size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
