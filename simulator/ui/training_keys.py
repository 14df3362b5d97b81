"""Keeps the training keys (Space, R, →, ←, T) working wherever the focus is in a window, except
while a text field is being edited; Enter or Escape ends the edit and gives the keys back."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit, QWidget

TRAINING_KEYS = frozenset(
    {Qt.Key.Key_Space, Qt.Key.Key_R, Qt.Key.Key_Right, Qt.Key.Key_Left, Qt.Key.Key_T}
)
# Keys a number cannot contain: while a numeric field is being edited they still go to training.
NOT_IN_NUMBERS = frozenset({Qt.Key.Key_Space, Qt.Key.Key_R, Qt.Key.Key_T})
END_OF_EDIT = frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape})
EDITING = "nnsimEditing"
# Set on a widget whose own ← and → come first while it has the focus (the timeline's slider).
OWNS_ARROWS = "nnsimOwnsArrows"
ARROWS = frozenset({Qt.Key.Key_Left, Qt.Key.Key_Right})
NUMERIC = "nnsimNumeric"
# Shift and the keypad flag leave a key what it is (Shift+R and Shift+→ are training keys too).
_PLAIN = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier


def mark_numeric(editor: QLineEdit) -> None:
    """Say that `editor` holds a number, so Space, R and T still train while it is edited."""
    editor.setProperty(NUMERIC, True)


class TrainingKeys(QObject):
    """An application event filter for one window.

    Qt lets the focused widget claim a key before the window's shortcuts see it (a combo box
    takes Space to open, a spin box takes the arrows), so a key pressed after touching a setting
    went to the setting. This filter refuses those claims for the training keys unless a text
    field is in the middle of an edit: typing into a field starts an edit, Enter or Escape (or
    leaving the field) ends it.
    """

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        # A child of the window, so it dies with it, and Qt drops a deleted filter from the
        # application's list by itself. (A slot on the window's `destroyed` would run after
        # the window's children, this filter among them, were gone.)
        QApplication.instance().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress, QEvent.Type.FocusOut):
            return False
        if not isinstance(watched, QWidget) or watched.window() is not self._window:
            return False
        editor = _text_editor(watched)
        if kind == QEvent.Type.FocusOut:
            if editor is not None:
                editor.setProperty(EDITING, False)
            return False
        key = Qt.Key(event.key())
        if kind == QEvent.Type.KeyPress:
            if editor is not None:
                if key in END_OF_EDIT:
                    editor.setProperty(EDITING, False)
                elif event.text() and key not in TRAINING_KEYS:
                    editor.setProperty(EDITING, True)
            return False
        if key not in TRAINING_KEYS or event.modifiers() & ~_PLAIN:
            return False
        # Shift+→ still trains an epoch: only the plain arrows (keypad or not) are the widget's.
        shifted = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        if key in ARROWS and not shifted and watched.property(OWNS_ARROWS):
            return False
        # A field being typed into keeps its keys, but for those a number cannot hold. Refusing
        # the claim (True) leaves the override unaccepted, so the window's shortcut runs.
        typing = editor is not None and editor.property(EDITING)
        return not typing or bool(editor.property(NUMERIC) and key in NOT_IN_NUMBERS)


def _text_editor(widget: QWidget) -> QLineEdit | None:
    """The text field a focused widget types into (a line edit, a spin box's or an editable
    combo box's), or None for widgets that take no text."""
    if isinstance(widget, QLineEdit):
        return widget
    if isinstance(widget, QAbstractSpinBox):
        editor = widget.findChild(QLineEdit)
        if editor is not None:
            mark_numeric(editor)
        return editor
    line_edit = getattr(widget, "lineEdit", None)
    if callable(line_edit):
        return line_edit()
    return None
