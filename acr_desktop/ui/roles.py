"""The item-data roles every table model of the app answers (a module of its own: the
navigator's models need them at start-up, the inspector's models and their imports do not)."""

from PySide6.QtCore import Qt

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # the raw value a column sorts by
OBJECT_ROLE = Qt.ItemDataRole.UserRole + 2  # the row's object (a Descriptor, a TagInfo, …)
