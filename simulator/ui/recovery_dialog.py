"""The offer made at start-up after a crash: each autosave left by a process that is gone is
shown in turn (title, file, epoch, when saved), to be restored or discarded."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..app import recovery


class RecoveryDialog(QDialog):
    """Restore or Discard one autosave. Closing the dialog otherwise (Escape, the title bar's
    close) decides nothing: the autosave stays and is offered again at the next start."""

    restore_chosen = Signal(object)  # StaleRecovery
    discard_chosen = Signal(object)  # StaleRecovery

    def __init__(self, stale: recovery.StaleRecovery, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stale = stale
        info = stale.info
        self.setWindowTitle("Recover unsaved work")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        heading = QLabel("<b>nnsim did not close properly last time.</b>")
        layout.addWidget(heading)
        intro = QLabel("It had autosaved this scenario, with its weights and training so far:")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.details = QLabel(_details_html(info))
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setToolTip(info.file_path or "never saved")
        self.details.setAccessibleDescription(recovery.describe(info))
        layout.addWidget(self.details)
        where = (
            f"Restore opens it as {Path(info.file_path).name}, with unsaved changes: Save "
            f"writes it there."
            if info.file_path
            else "Restore opens it as an untitled scenario with unsaved changes."
        )
        advice = QLabel(f"{where} Discard deletes the autosave.")
        advice.setWordWrap(True)
        layout.addWidget(advice)
        buttons = QDialogButtonBox()
        self.restore_button = QPushButton("Restore")
        self.discard_button = QPushButton("Discard")
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.discard_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.restore_button.setDefault(True)
        self.restore_button.clicked.connect(self._on_restore_clicked)
        self.discard_button.clicked.connect(self._on_discard_clicked)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    @Slot()
    def _on_restore_clicked(self) -> None:
        self.restore_chosen.emit(self.stale)
        self.accept()

    @Slot()
    def _on_discard_clicked(self) -> None:
        self.discard_chosen.emit(self.stale)
        self.reject()


def _details_html(info: recovery.RecoveryInfo) -> str:
    name = Path(info.file_path).name if info.file_path else "untitled"
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.saved_at))
    rows = (
        ("Title", info.title),
        ("File", name),
        ("Epoch", f"{info.epoch:,} (step {info.step:,})"),
        ("Autosaved", when),
    )
    cells = "".join(
        f"<tr><td style='padding-right:14px'>{label}</td><td><b>{html.escape(value)}</b></td></tr>"
        for label, value in rows
    )
    return f"<table>{cells}</table>"


class RecoveryOffer(QObject):
    """Offers each autosave in turn (newest first). The first one restored goes into `window`
    when `window` is free for it (nothing was opened into it meanwhile), any later one into a
    new window from `make_window()`."""

    finished = Signal()

    def __init__(
        self,
        stale: list[recovery.StaleRecovery],
        window,
        make_window: Callable[[], object],
        *,
        window_is_free: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._queue = list(stale)
        self._window = window
        self._make_window = make_window
        self._window_is_free = window_is_free
        self.dialog: RecoveryDialog | None = None

    def start(self) -> None:
        """Show the first offer (or finish at once when there is nothing to offer)."""
        self._show_next()

    def _show_next(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None
        if not self._queue:
            self.finished.emit()
            return
        dialog = RecoveryDialog(self._queue.pop(0), self._window)
        dialog.restore_chosen.connect(self._on_dialog_restore_chosen)
        dialog.discard_chosen.connect(self._on_dialog_discard_chosen)
        dialog.finished.connect(self._on_dialog_finished)
        self.dialog = dialog
        dialog.open()

    @Slot(object)
    def _on_dialog_restore_chosen(self, stale: recovery.StaleRecovery) -> None:
        if self._window_is_free:
            self._window_is_free = False
            target = self._window
        else:
            target = self._make_window()
        target.restore_recovery(stale)

    @Slot(object)
    def _on_dialog_discard_chosen(self, stale: recovery.StaleRecovery) -> None:
        recovery.remove_slot(stale.slot)

    @Slot(int)
    def _on_dialog_finished(self, result: int) -> None:
        self._show_next()
