"""File → Export in the main window: the data as CSV (asked of the training worker, written by
simulator/export/data_csv.py) and pictures of the views (simulator/export/pictures.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSize, Signal, Slot
from PySide6.QtWidgets import QDialog, QFileDialog, QToolButton, QWidget

from ..app.storage import ScenarioError
from ..app.worker import Answer
from ..export.data_csv import data_table, write_data_csv
from ..export.pictures import PNG, PictureError, covered_size, save_picture
from .picture_dialog import CANVAS, DATA, DEFAULT_CHOICE, LOSS, WINDOW, PictureChoice, PictureDialog

if TYPE_CHECKING:
    from .main_window import MainWindow

FILTERS = {PNG: "PNG pictures (*.png)", "svg": "SVG pictures (*.svg)"}


class WindowExports(QObject):
    """The export actions of `window`: Data as CSV… and Picture…. `exported(path)` is sent
    once a file is written; failures are shown in the window's error box."""

    exported = Signal(str)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        # Data exports waiting for the worker's answer: request number → target file.
        self._pending: dict[int, Path] = {}
        self.last_choice = DEFAULT_CHOICE
        self.picture_dialog: PictureDialog | None = None
        window.controller.answered.connect(self._on_controller_answered)

    # ----- data --------------------------------------------------------------------------------

    @Slot()
    def on_export_data_triggered(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self.window, "Export data as CSV", self._start("data", "csv"), "CSV files (*.csv)"
        )
        if not name:
            return
        if not name.lower().endswith(".csv"):
            name += ".csv"
        self.export_data_to(Path(name))

    def export_data_to(self, path: Path) -> None:
        """Ask the worker for the data and write it to `path` when it answers."""
        number = self.window.controller.request_data()
        self._pending[number] = Path(path)
        self.window.statusBar().showMessage(f"Exporting the data to {Path(path).name}…")

    @Slot(object)
    def _on_controller_answered(self, answer: Answer) -> None:
        path = self._pending.pop(answer.number, None)
        if path is None:
            return
        error = answer.error
        if error is None:
            try:
                table = data_table(*answer.value)
                write_data_csv(table, path)
            except ScenarioError as exc:
                error = str(exc)
        if error is not None:
            self.window.statusBar().clearMessage()
            self.window.report_error("Cannot export the data", error)
            return
        self.window.statusBar().showMessage(f"Exported {table.rows} samples to {path}", 5000)
        self.exported.emit(str(path))

    # ----- pictures ----------------------------------------------------------------------------

    @Slot()
    def on_export_picture_triggered(self) -> None:
        dialog = PictureDialog(self.window, initial=self.last_choice, size_of=self.view_size)
        self.picture_dialog = dialog
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            choice = dialog.choice()
        finally:
            self.picture_dialog = None
            dialog.deleteLater()
        self.last_choice = choice
        suffix = choice.picture_format
        name, _ = QFileDialog.getSaveFileName(
            self.window, "Export picture", self._start(choice.view, suffix), FILTERS[suffix]
        )
        if not name:
            return
        if not name.lower().endswith(f".{suffix}"):
            name += f".{suffix}"
        self.export_picture(choice, Path(name))

    def export_picture(self, choice: PictureChoice, path: Path) -> bool:
        """Write the picture `choice` asks for to `path`; True if it was written, else the
        error is shown in one message and nothing is left at `path`."""
        parts, hide = self.picture_parts(choice.view)
        try:
            save_picture(parts, path, choice.picture_format, choice.scale, hide=hide)
        except PictureError as exc:
            self.window.report_error("Cannot export the picture", str(exc))
            return False
        self.window.statusBar().showMessage(f"Exported the picture to {path}", 5000)
        self.exported.emit(str(path))
        return True

    def picture_parts(self, view: str) -> tuple[list[QWidget], list[QWidget]]:
        """The widgets a picture of `view` paints, and the controls left out of it."""
        window = self.window
        if view == CANVAS:
            # The edit buttons above the columns mean nothing on paper; titles and sizes stay.
            return [window.canvas], window.canvas.header.findChildren(QToolButton)
        if view == DATA:
            data_view = window.data_view
            return [data_view.stack.currentWidget(), data_view.legend], []
        if view == LOSS:
            return [window.loss_plot], [window.loss_plot.log_check]
        if view == WINDOW:
            return [window], []
        raise ValueError(f"unknown view {view!r}")

    def view_size(self, view: str) -> QSize:
        """The size in widget units that a picture of `view` covers (empty when not shown)."""
        try:
            return covered_size(self.picture_parts(view)[0])
        except PictureError:
            return QSize()

    def _start(self, what: str, suffix: str) -> str:
        start = Path(self.window._save_as_start())
        return str(start.with_name(f"{start.stem}-{what}.{suffix}"))
