"""Scenario files read and built off the GUI thread: one request per file opened, a busy dialog
with Cancel when it takes a while, and the result (or the error) handed back by signal."""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from ..app.session import Simulation
from ..app.storage import ScenarioError

# A load quicker than this shows nothing: a dialog flashing up and away reads as a glitch.
SHOW_PROGRESS_AFTER_MS = 300


class LoadPurpose(enum.Enum):
    """What the window does with a loaded simulation."""

    OPEN = "open"  # a file the user opened: it becomes the window's file
    PRESET = "preset"  # a preset: opens untitled, so Save never overwrites the shipped file
    RECOVER = "recover"  # an autosave after a crash: opens as the file it was, modified
    IMPORT = "import"  # made by New from data: opens untitled and unsaved, its data inline


class LoadRequest:
    """One file being loaded. `build` runs on a pool thread and returns the Simulation (raising
    ScenarioError for a file that cannot be opened); `outcome` is set when the request ends:
    "loaded", "failed" or "cancelled". `context` is the caller's, handed back untouched; `name`
    is what the progress dialog calls the file (its file name unless given)."""

    def __init__(
        self,
        number: int,
        path: Path,
        build: Callable[[], Simulation],
        purpose: LoadPurpose,
        context: object = None,
        name: str | None = None,
    ) -> None:
        self.number = number
        self.path = Path(path)
        self.name = name or self.path.name
        self.build = build
        self.purpose = purpose
        self.context = context
        self.outcome: str | None = None


class _TaskSignals(QObject):
    """Lives in the GUI thread; the pool threads emit through it, so the answers arrive queued
    in the loader's slots."""

    built = Signal(int, object)  # request number, Simulation
    failed = Signal(int, str)  # request number, message


class _BuildTask(QRunnable):
    def __init__(self, request: LoadRequest, signals: _TaskSignals) -> None:
        super().__init__()
        self._request = request
        self._signals = signals

    def run(self) -> None:
        request = self._request
        try:
            simulation = request.build()
        except ScenarioError as exc:
            self._signals.failed.emit(request.number, str(exc))
            return
        except Exception as exc:  # never swallowed: the window says what went wrong
            name = request.name
            self._signals.failed.emit(
                request.number, f"{name}: unexpected error: {type(exc).__name__}: {exc}"
            )
            return
        self._signals.built.emit(request.number, simulation)


class LoadingDialog(QDialog):
    """ "Opening circle.json…" with a busy bar and Cancel, shown while a slow load runs."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Opening")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        self.label = QLabel()
        self.label.setMinimumWidth(320)
        self.label.setWordWrap(True)
        layout.addWidget(self.label)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # no figure to show: a read and a build have no known length
        self.bar.setTextVisible(False)
        layout.addWidget(self.bar)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def set_file(self, request: LoadRequest) -> None:
        verb = "Restoring" if request.purpose is LoadPurpose.RECOVER else "Opening"
        self.setWindowTitle(f"{verb} a scenario")
        self.label.setText(f"{verb} {request.name}…\nReading the file and its data.")
        self.label.setToolTip(str(request.path))

    def reject(self) -> None:
        """Escape, the close button and Cancel all abandon the load."""
        super().reject()
        self.cancel_requested.emit()


class ScenarioLoader(QObject):
    """Runs one load at a time on its own thread pool (a newer request abandons the older one).
    Emits exactly one of `loaded`, `failed` or `cancelled` per request, then `finished`."""

    loaded = Signal(object, object)  # LoadRequest, Simulation
    failed = Signal(object, str)  # LoadRequest, message naming the file and the field
    cancelled = Signal(object)  # LoadRequest
    finished = Signal(object)  # LoadRequest

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._numbers = itertools.count(1)
        self._pool = QThreadPool(self)
        self._signals = _TaskSignals()
        self._signals.built.connect(self._on_task_built)
        self._signals.failed.connect(self._on_task_failed)
        self._current: LoadRequest | None = None
        self.dialog = LoadingDialog(parent)
        self.dialog.cancel_requested.connect(self._on_dialog_cancel_requested)
        self._show_timer = QTimer(self)
        self._show_timer.setSingleShot(True)
        self._show_timer.setInterval(SHOW_PROGRESS_AFTER_MS)
        self._show_timer.timeout.connect(self._on_show_timer_timeout)

    @property
    def current(self) -> LoadRequest | None:
        """The request being loaded, None when idle."""
        return self._current

    def start(
        self,
        path: Path,
        build: Callable[[], Simulation],
        purpose: LoadPurpose,
        context: object = None,
        name: str | None = None,
    ) -> LoadRequest:
        """Begin loading on the pool; returns at once with the request."""
        if self._current is not None:
            self.cancel()
        request = LoadRequest(next(self._numbers), path, build, purpose, context, name)
        self._current = request
        self.dialog.set_file(request)
        self._show_timer.start()
        self._pool.start(_BuildTask(request, self._signals))
        return request

    def cancel(self) -> None:
        """Abandon the current load: its result is dropped when it comes, nothing changes."""
        request = self._current
        if request is not None:
            self._end(request, "cancelled")
            self.cancelled.emit(request)
            self.finished.emit(request)

    def wait(self, request: LoadRequest) -> str:
        """Run the event loop until `request` ends (the GUI stays live meanwhile); returns its
        outcome. For scripts and tests: the menus never wait."""
        if request.outcome is None:
            loop = QEventLoop()
            self.finished.connect(loop.quit)
            try:
                while request.outcome is None:
                    loop.exec()
            finally:
                self.finished.disconnect(loop.quit)
        return request.outcome

    def wait_for_threads(self, msecs: int = -1) -> bool:
        """Wait for abandoned loads still running on the pool (a window about to go)."""
        return self._pool.waitForDone(msecs)

    def _end(self, request: LoadRequest, outcome: str) -> None:
        request.outcome = outcome
        self._current = None
        self._show_timer.stop()
        if self.dialog.isVisible():
            self.dialog.hide()

    def _take(self, number: int) -> LoadRequest | None:
        request = self._current
        return request if request is not None and request.number == number else None

    @Slot(int, object)
    def _on_task_built(self, number: int, simulation: Simulation) -> None:
        request = self._take(number)
        if request is None:  # cancelled or overtaken: the app stays as it is
            return
        self._end(request, "loaded")
        self.loaded.emit(request, simulation)
        self.finished.emit(request)

    @Slot(int, str)
    def _on_task_failed(self, number: int, message: str) -> None:
        request = self._take(number)
        if request is None:
            return
        self._end(request, "failed")
        self.failed.emit(request, message)
        self.finished.emit(request)

    @Slot()
    def _on_show_timer_timeout(self) -> None:
        if self._current is not None:
            self.dialog.open()

    @Slot()
    def _on_dialog_cancel_requested(self) -> None:
        self.cancel()
