"""Guards against the PySide6 build that drops a reference to None on every void Qt call
(PySide6-Essentials 6.12.0 on Python 3.11 aborts the process after a few thousand calls)."""

import sys

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_leave_none_refcount_unchanged(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(10_000):
        label.setText(str(i & 7))
    # Other code may take or drop a handful of references meanwhile; the bug moves it by 10,000.
    assert abs(sys.getrefcount(None) - before) < 100
