"""A window's crash-recovery autosave: every few seconds, when the scenario changed since the last
one and is not saved, its whole state (asked of the training worker by signal, as a save asks) is
written into the window's recovery folder on a thread of its own (simulator.app.recovery does the
writing); a save or a clean close removes it. Neither the GUI thread nor training waits for the
disk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from ..app import recovery
from ..app.controller import TrainingController
from ..app.scenario import Scenario
from ..app.snapshot import Snapshot
from ..app.storage import ScenarioError
from ..app.worker import Answer

CLOSE_WAIT_MS = 10_000


class _WriteSignals(QObject):
    """Lives in the GUI thread; the writing thread emits through it."""

    written = Signal(object)  # RecoveryInfo
    failed = Signal(str)


class _WriteTask(QRunnable):
    def __init__(
        self,
        autosave: recovery.Autosave,
        scenario: Scenario,
        file_path: Path | None,
        signals: _WriteSignals,
    ) -> None:
        super().__init__()
        self._autosave = autosave
        self._scenario = scenario
        self._file_path = file_path
        self._signals = signals

    def run(self) -> None:
        try:
            info = self._autosave.write(self._scenario, self._file_path)
        except (ScenarioError, OSError) as exc:
            self._signals.failed.emit(str(exc))
            return
        except Exception as exc:  # never swallowed: autosaving would stop without a word
            self._signals.failed.emit(f"unexpected error: {type(exc).__name__}: {exc}")
            return
        self._signals.written.emit(info)


class _RemoveTask(QRunnable):
    """Queued behind any write in progress, so a write that ends late cannot bring back a
    removed autosave."""

    def __init__(self, autosave: recovery.Autosave) -> None:
        super().__init__()
        self._autosave = autosave

    def run(self) -> None:
        self._autosave.remove()


class Autosaver(QObject):
    """Autosaves `controller`'s scenario every `seconds` while it has changed (a training step or
    an edit since the last autosave) and is modified. `file_path()` names the user's file (None:
    untitled), recorded beside the autosave so that a restore saves where the user's file is."""

    written = Signal(object)  # RecoveryInfo, after each autosave
    failed = Signal(str)  # why an autosave could not be written

    def __init__(
        self,
        controller: TrainingController,
        folder: Path,
        seconds: float,
        file_path: Callable[[], Path | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._file_path = file_path
        self._autosave = recovery.Autosave(recovery.new_slot(folder))
        # One thread: writes and removals of this slot happen in the order they were asked for.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _WriteSignals()
        self._signals.written.connect(self._on_task_written)
        self._signals.failed.connect(self._on_task_failed)
        # The state changes with each training step and each edit; an autosave is due when the
        # generation moved on since the one last written (or saved by the user).
        self._generation = 0
        self._written_generation = 0
        self._last_step: int | None = None
        # Writing: from asking the worker for the state until the file is on disk.
        self._writing = False
        self._request: int | None = None
        self._closed = False
        controller.answered.connect(self._on_controller_answered)
        controller.snapshot_changed.connect(self._on_controller_snapshot_changed)
        controller.scenario_changed.connect(self._on_controller_scenario_changed)
        controller.modified_changed.connect(self._on_controller_modified_changed)
        self._timer = QTimer(self)
        self._timer.setInterval(max(1, round(seconds * 1000)))
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()

    @property
    def slot(self) -> recovery.RecoverySlot:
        """This window's recovery folder."""
        return self._autosave.slot

    @property
    def due(self) -> bool:
        """Whether the scenario changed since the last autosave and is not saved."""
        return (
            not self._closed
            and self._controller.modified
            and self._generation != self._written_generation
        )

    def autosave_now(self) -> bool:
        """Start an autosave if one is due and none is being written; returns whether one was
        started (`written` follows when it is on disk)."""
        if not self.due or self._writing:
            return False
        self._writing = True
        self._written_generation = self._generation
        # Asked without counting as busy: an autosave must not disable the window's actions.
        self._request = self._controller.request_scenario(busy=False)
        return True

    def changed(self) -> None:
        """Note a change the controller does not report (a restored autosave: it must be
        autosaved again, into this window's own folder)."""
        self._generation += 1

    def close(self) -> None:
        """Stop autosaving and remove this window's autosave (a clean close): waits for a write
        in progress, so none is left behind to be offered as a crash at the next start."""
        if self._closed:
            return
        self._closed = True
        self._timer.stop()
        self._pool.start(_RemoveTask(self._autosave))
        # Bounded: a disk that hangs must not hang the close. Should it time out, the folder
        # stays and is offered at the next start, which loses nothing.
        self._pool.waitForDone(CLOSE_WAIT_MS)

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.autosave_now()

    @Slot(object)
    def _on_controller_answered(self, answer: Answer) -> None:
        if answer.number != self._request:
            return  # another request of the window's (a save, a step-through)
        self._request = None
        if self._closed or not self._controller.modified:
            # Closed, or saved while the worker was answering: the user's file holds the state.
            self._writing = False
            return
        if answer.error is not None:
            self._on_task_failed(answer.error)
            return
        scenario = answer.value
        self._pool.start(_WriteTask(self._autosave, scenario, self._file_path(), self._signals))

    @Slot(object)
    def _on_controller_snapshot_changed(self, snapshot: Snapshot) -> None:
        if snapshot.step != self._last_step:
            self._last_step = snapshot.step
            self._generation += 1

    @Slot(object)
    def _on_controller_scenario_changed(self, scenario: Scenario) -> None:
        self._generation += 1

    @Slot(bool)
    def _on_controller_modified_changed(self, modified: bool) -> None:
        if not modified and not self._closed:
            # Saved (or another file opened): the user's file holds the state now.
            self._written_generation = self._generation
            self._pool.start(_RemoveTask(self._autosave))

    @Slot(object)
    def _on_task_written(self, info: recovery.RecoveryInfo) -> None:
        self._writing = False
        self.written.emit(info)

    @Slot(str)
    def _on_task_failed(self, message: str) -> None:
        self._writing = False
        self._written_generation = -1  # try again at the next tick
        self.failed.emit(message)
