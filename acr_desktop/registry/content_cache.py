"""Verified registry content by digest, kept in memory for the session (bounded, least recently
used first out)."""

from __future__ import annotations

import threading
from collections import OrderedDict

from acr_desktop.registry.sending import MiB


class ContentCache:
    """Verified content by digest. Content-addressed bytes never change, so a repeat inspect
    needs only the tag's manifest. Keyed by repository too: access is granted per repository."""

    def __init__(self, max_bytes: int = 32 * MiB) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, str, str], tuple[bytes, str | None]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> tuple[bytes, str | None] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple[str, str, str], data: bytes, content_type: str | None) -> None:
        with self._lock:
            if key in self._items or len(data) > self.max_bytes:
                return
            self._items[key] = (data, content_type)
            self._size += len(data)
            while self._size > self.max_bytes:
                _, (old, _) = self._items.popitem(last=False)
                self._size -= len(old)
