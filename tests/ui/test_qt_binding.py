"""Guards against a broken Qt binding: PySide6 6.12.0 on Python 3.11 drops a reference to None
on every call of a method that returns nothing, and the app crashes once None's count runs out."""

import sys

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot


def test_void_calls_keep_none_alive(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
    assert sys.getrefcount(None) - before > -100  # 6.12.0 loses exactly one per call
