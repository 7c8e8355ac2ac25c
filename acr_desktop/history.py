"""Back / forward through inspected references, like a browser (references only, no secrets)."""

from __future__ import annotations

from acr_desktop.registry.reference import Reference


class History:
    def __init__(self, limit: int = 200) -> None:
        self.limit = limit
        self._items: list[Reference] = []
        self._pos = -1

    def visit(self, ref: Reference) -> None:
        """A new inspect: drop anything forward of here, then append (not twice in a row)."""
        if self.current == ref:
            return
        del self._items[self._pos + 1 :]
        self._items.append(ref)
        if len(self._items) > self.limit:
            del self._items[0]
        self._pos = len(self._items) - 1

    @property
    def current(self) -> Reference | None:
        return self._items[self._pos] if 0 <= self._pos < len(self._items) else None

    def can_go_back(self) -> bool:
        return self._pos > 0

    def can_go_forward(self) -> bool:
        return self._pos < len(self._items) - 1

    def back(self) -> Reference | None:
        if not self.can_go_back():
            return None
        self._pos -= 1
        return self._items[self._pos]

    def forward(self) -> Reference | None:
        if not self.can_go_forward():
            return None
        self._pos += 1
        return self._items[self._pos]
