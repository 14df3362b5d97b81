"""The GUI thread's handle on training: owns the worker thread, keeps the latest report, and
turns the user's actions into commands for the worker."""

from __future__ import annotations

import dataclasses
import functools
import random
import time
import weakref
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout

import numpy as np
from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from ..engine.trace import ForwardTrace, StepTrace
from ..engine.trainer import trace_forward
from . import edits, undo
from .experiments.branches import Branches
from .frame_budget import FrameBudget
from .history import History
from .predict import Prediction, predict
from .scenario import Scenario, scenario_to_dict
from .session import Checkpoint, Dataset, Simulation
from .snapshot import DataPicture, Snapshot
from .storage import ScenarioError, validate_scenario_dict
from .walk_stages import RawInputs
from .worker import EMIT_INTERVAL, Answer, Progress, TrainingWorker

FRAME_INTERVAL_MS = 16
STOP_TIMEOUT_MS = 1000

Edit = Callable[[Scenario], Scenario]

# The kinds of request the controller makes of the worker.
SCENARIO_REQUEST = "scenario"  # the scenario with the current weights and training state
WALK_REQUEST = "walk"  # one traced step for the step-through
EDIT_REQUEST = "edit"  # a change of the scenario
PROBE_WALK_REQUEST = "probe walk"  # the forward pass alone on an input asked about
BRANCH_REQUEST = "branch"  # go back to a checkpoint and train on from there
DATA_REQUEST = "data"  # the scenario and the data its network trains on (for exports)

# Every controller made in this process, so that tests (and the app at exit) can check that no
# training thread outlives its window.
LIVE_CONTROLLERS: weakref.WeakSet = weakref.WeakSet()


class TrainingController(QObject):
    """Latest wins: reports from the worker are stored as they come and handed to the views by
    a frame timer, so training speed and frame rate are independent."""

    snapshot_changed = Signal(object)  # Snapshot
    data_changed = Signal(object)  # DataPicture
    scenario_changed = Signal(object)  # Scenario (the settings; weights live in snapshots)
    history_changed = Signal(object)  # History
    playing_changed = Signal(bool)
    modified_changed = Signal(bool)
    message = Signal(str)
    # Play paused at the end of this epoch because it is a stop (the lesson's or the learner's).
    stop_reached = Signal(int)
    # An answer of the worker to `request_scenario` or `request_walk` (an Answer whose number
    # the request returned), after the controller has done its own part.
    answered = Signal(object)
    # True while such a request waits for its answer.
    busy_changed = Signal(bool)
    # The edits that can be undone or redone changed (see `edit_history`).
    edit_history_changed = Signal()
    # The views show the run as it was at a checkpoint (a Viewing), or again as it is (None);
    # sent just before the snapshot of that moment.
    viewing_changed = Signal(object)
    # The epochs the run keeps checkpoints at (a tuple of ints, oldest first).
    checkpoints_changed = Signal(object)
    # The futures abandoned by branching changed (see `branches`).
    branches_changed = Signal(object)

    def __init__(self, simulation: Simulation, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = History.from_dict(simulation.history.to_dict())
        self.snapshot: Snapshot | None = None
        # The raw input(s) the learner asks the network about (see set_probe).
        self.probe: np.ndarray | None = None
        self.data: DataPicture | None = None
        self.scenario: Scenario = simulation.scenario
        self.playing = False
        self.modified = False
        # Edits to undo and redo; "modified" is: trained (or otherwise changed outside the
        # history) since the save, or the edits in effect are not those of the save.
        self.edit_history = undo.EditHistory()
        self._moved_since_save = False
        # Edit requests waiting for the worker: number -> "edit", "undo" or "redo".
        self._edits_waiting: dict[int, str] = {}
        self.steps_per_second = 0.0
        # The timeline: the checkpoint on show (None: the run as it is), the epochs there are
        # checkpoints at, and the futures left when the run branched, until it starts over.
        self.viewing = None
        self.checkpoint_epochs: tuple[int, ...] = ()
        self.branches = Branches()
        self._pending: Progress | None = None
        self._last_step: int | None = None
        self._history_dirty = False
        self._full_speed = True
        self._budget = FrameBudget()
        self._thread = QThread()
        self._thread.setObjectName("training")
        self._worker = TrainingWorker(simulation)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progressed.connect(self._on_worker_progressed)
        self._worker.answered.connect(self._on_worker_answered)
        self._waiting: set[int] = set()  # requests whose answers the GUI waits for
        self._worker.finished.connect(self._thread.quit)
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_INTERVAL_MS)
        self._timer.timeout.connect(self._on_frame)
        self._stopped = False
        LIVE_CONTROLLERS.add(self)

    # ----- life cycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker thread and the frame timer."""
        self._thread.start()
        self._timer.start()

    def shutdown(self) -> bool:
        """Stop the worker and wait for its thread; returns True when it stopped in time."""
        if self._stopped:
            return True
        self._stopped = True
        self._timer.stop()
        self._worker.request_stop()
        self._thread.quit()
        stopped = self._thread.wait(STOP_TIMEOUT_MS)
        return bool(stopped)

    @property
    def thread(self) -> QThread:
        return self._thread

    # ----- reports from the worker -------------------------------------------------------------

    @Slot(object)
    def _on_worker_progressed(self, progress: Progress) -> None:
        if progress.started_over and len(self.branches):
            self.branches.clear()
            self.branches_changed.emit(self.branches)
        if progress.checkpoint_epochs is not None:
            self.checkpoint_epochs = progress.checkpoint_epochs
            self.checkpoints_changed.emit(self.checkpoint_epochs)
        if progress.history_reset is not None:
            self.history = History.from_dict(progress.history_reset)
            self.history.divergence = progress.divergence
            self.history.first_epoch_steps = list(progress.first_epoch_steps)
            self._history_dirty = True
        elif progress.divergence is not None:
            self.history.divergence = progress.divergence
            self._history_dirty = True
        if progress.history_reset is None and progress.first_epoch_steps:
            self.history.first_epoch_steps.extend(progress.first_epoch_steps)
            self._history_dirty = True
        for point in progress.history_points:
            self.history.append(*point)
            self._history_dirty = True
        if progress.data is not None:
            self.data = progress.data
            self.data_changed.emit(progress.data)
        if progress.scenario is not None:
            self.scenario = progress.scenario
            self.scenario_changed.emit(progress.scenario)
        if progress.playing != self.playing:
            self.playing = progress.playing
            self.playing_changed.emit(self.playing)
        if progress.snapshot is not None and progress.viewing is None:
            # A look at the past moves nothing: only the run's own steps count.
            step = progress.snapshot.step
            if (
                progress.scenario is None
                and self._last_step is not None
                and step != self._last_step
            ):
                self._note_moved()  # trained since the file was opened or saved
            self._last_step = step
        if progress.message:
            self.message.emit(progress.message)
        if progress.stopped_at is not None:
            self.stop_reached.emit(progress.stopped_at)
        self.steps_per_second = progress.steps_per_second
        self._pending = progress
        if progress.viewing is not None and progress.viewing != self.viewing:
            # Another moment asked for by the learner's hand (the worker sends at most one a
            # frame): on show now rather than at the next tick, which would add half a frame.
            self._on_frame()

    @Slot(object)
    def _on_worker_answered(self, answer: Answer) -> None:
        if answer.kind == BRANCH_REQUEST:
            if answer.error is not None:
                self.message.emit(f"Could not continue from there: {answer.error}")
            elif answer.value is not None:
                self.branches.add(answer.value)
                self.branches_changed.emit(self.branches)
            return
        if answer.kind == EDIT_REQUEST:
            purpose = self._edits_waiting.pop(answer.number, None)
            if answer.error is not None:
                self.message.emit(f"That change was not made: {answer.error}")
            elif answer.value:
                self._edit_applied(purpose, answer.value)  # only now: the worker applied it
            if purpose is not None:
                self.edit_history_changed.emit()
            return
        # A probe walk changes nothing, so it does not count as a move.
        if answer.kind == WALK_REQUEST and answer.error is None and not answer.value.trace.diverged:
            self._note_moved()
        was_busy = self.busy
        self._waiting.discard(answer.number)
        if was_busy and not self.busy:
            self.busy_changed.emit(False)
        self.answered.emit(answer)

    @property
    def busy(self) -> bool:
        """True while a request made through `request_scenario` or `request_walk` waits."""
        return bool(self._waiting)

    @Slot()
    def _on_frame(self) -> None:
        progress, self._pending = self._pending, None
        if progress is not None and progress.snapshot is not None:
            if progress.viewing != self.viewing:
                self.viewing = progress.viewing
                self.viewing_changed.emit(self.viewing)
            self.snapshot = progress.snapshot
            self.snapshot_changed.emit(progress.snapshot)
        if self._history_dirty:
            self._history_dirty = False
            self.history_changed.emit(self.history)
        if progress is not None:
            self._keep_to_budget()

    def _keep_to_budget(self) -> None:
        """While training flat out, slow the reports down when drawing them is dear (see
        frame_budget); at any other time report once a frame."""
        if self.playing and self._full_speed:
            interval = self._budget.frame_drawn(time.thread_time(), time.monotonic())
        elif self._budget.interval != EMIT_INTERVAL:
            self._budget.reset(EMIT_INTERVAL)
            interval = EMIT_INTERVAL
        else:
            self._budget.reset()
            return
        if interval is not None:
            self._worker.post(functools.partial(TrainingWorker.set_emit_interval, seconds=interval))

    @property
    def report_interval(self) -> float:
        """Seconds between the worker's reports, as the frame budget last chose."""
        return self._budget.interval

    def flush(self) -> None:
        """Hand a waiting report to the views now (tests and screenshots use this)."""
        self._on_frame()

    # ----- the user's actions ------------------------------------------------------------------

    def play(self) -> None:
        # Play goes on with the run as it is: a learner who looked back and presses Play
        # expects training to go on, not to throw away what came after the moment on show.
        # Branching from there is its own, named act (continue_from_here).
        self.show_live()
        self._worker.post(TrainingWorker.play)

    def pause(self) -> None:
        self._worker.post(TrainingWorker.pause)

    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def step(self, count: int = 1) -> None:
        self.show_live()
        self._worker.post(functools.partial(TrainingWorker.add_steps, count=count))

    def step_epoch(self) -> None:
        self.show_live()
        self._worker.post(TrainingWorker.add_epoch)

    def view_epoch(self, epoch: int | None) -> None:
        """Show the run as it was at the checkpoint of `epoch` (None: as it is now); training
        pauses. The pictures are recomputed from the stored weights on the worker thread and
        come with a later frame; a quick drag costs one picture a frame, the latest asked for."""
        self._worker.post(functools.partial(TrainingWorker.view, epoch=epoch))

    def show_live(self) -> None:
        """Show the run as it is again (the end of the timeline)."""
        self.view_epoch(None)

    def continue_from_here(self, epoch: int | None = None) -> int:
        """Branch: train on from the checkpoint of `epoch` (default: the one on show), bit for
        bit as the run went from there unless a setting was changed, which then applies from
        there. What the run did after it stays in `branches`, to be drawn faded, until the run
        starts over. Returns the request's number."""
        if epoch is None:
            if self.viewing is None:
                raise ValueError("no checkpoint is on show to continue from")
            epoch = self.viewing.epoch
        return self._worker.request(
            BRANCH_REQUEST,
            functools.partial(TrainingWorker.branch, epoch=epoch),
            expected=(KeyError,),
        )

    def set_speed(self, steps_per_second: float | None) -> None:
        """Limit training to this many steps a second (None: as fast as the engine goes)."""
        self._full_speed = steps_per_second is None
        self._worker.post(
            functools.partial(TrainingWorker.set_speed, steps_per_second=steps_per_second)
        )

    def set_stop_epoch(self, epoch: int | None) -> None:
        """Pause Play at the end of `epoch` as well as at the lesson's stops (None or 0: only
        at those)."""
        self._worker.post(functools.partial(TrainingWorker.set_stop_epoch, epoch=epoch))

    def select_sample(self, index: int | None) -> None:
        self._worker.post(functools.partial(TrainingWorker.select_sample, index=index))

    def set_samples_wanted(self, on: bool) -> None:
        """Have the snapshots carry every sample's probability or error (the samples table is
        shown) or not (it is hidden, and training need not pay for them)."""
        self._worker.post(functools.partial(TrainingWorker.want_samples, on=on))

    def reset(self) -> None:
        """Back to the initial weights (same seed: the same weights), epoch 0."""
        # Not in the edit history: training controls are not edits of the scenario.
        self.apply_edit(edits.reset_training, pause=True, undoable=False)

    def new_weights(self) -> None:
        """Draw fresh weights with a new seed, epoch 0."""
        seed = random.SystemRandom().randrange(2**31)
        self.apply_edit(
            functools.partial(edits.reset_training, new_seed=seed), pause=True, undoable=False
        )

    def apply_edit(self, edit: Edit, *, pause: bool = False, undoable: bool = True) -> None:
        """Change the scenario on the worker thread: `edit` maps the current scenario (with the
        current weights and training state) to a new one, which is validated and rebuilt. The
        scenario counts as modified once the worker has made the change; a refused edit leaves
        everything as it was and explains itself in `message`. An `undoable` edit joins the
        edit history once the worker has made it."""
        number = self._worker.request(
            EDIT_REQUEST, functools.partial(_rebuild, edit=edit, pause=pause)
        )
        if undoable:
            self._edits_waiting[number] = "edit"
            self.edit_history_changed.emit()  # undo waits until the edit is in the history

    @property
    def can_undo(self) -> bool:
        """Whether there is an edit to undo and no edit is on its way to the worker."""
        return self.edit_history.can_undo and not self._edits_waiting

    @property
    def can_redo(self) -> bool:
        return self.edit_history.can_redo and not self._edits_waiting

    def undo(self) -> None:
        """Take the latest edit back (see app/undo.py for how, when training moved on since)."""
        if self.can_undo:
            entry = self.edit_history.undo_entry()
            self._request_history_move("undo", functools.partial(undo.take_back, entry=entry))

    def redo(self) -> None:
        """Make the latest undone edit again."""
        if self.can_redo:
            entry = self.edit_history.redo_entry()
            self._request_history_move("redo", functools.partial(undo.make_again, entry=entry))

    def _request_history_move(self, purpose: str, edit: Edit) -> None:
        number = self._worker.request(
            EDIT_REQUEST, functools.partial(_rebuild, edit=edit, pause=True)
        )
        self._edits_waiting[number] = purpose
        self.edit_history_changed.emit()

    def _edit_applied(self, purpose: str | None, change: tuple[Scenario, Scenario]) -> None:
        if purpose == "edit":
            entry = undo.make_entry(*change)
            if entry is not None:
                self.edit_history.record(entry)
        elif purpose == "undo":
            self.edit_history.undone()
        elif purpose == "redo":
            self.edit_history.redone()
        else:
            self._moved_since_save = True  # a Reset, say: not in the history
        self._set_modified(self._moved_since_save or not self.edit_history.is_clean)

    def replace_simulation(self, simulation: Simulation) -> None:
        """Continue with another simulation (an opened file); training pauses. The edits of
        the previous one can no longer be undone."""
        self._worker.post(functools.partial(_replace, simulation=simulation))
        self.edit_history.clear()
        self.edit_history_changed.emit()

    def request_scenario(self, *, busy: bool = True, with_checkpoints: bool = False) -> int:
        """Ask for the scenario with the current weights and full training state (for saving).
        Returns the request's number; `answered` brings the Scenario as its value, between two
        steps, without the GUI thread waiting for it. With `busy` False the request does not
        count towards `busy` (a background autosave, say). `with_checkpoints` adds the run's
        checkpoints (state.checkpoints: Save with training history)."""
        ask = functools.partial(_current_scenario, with_checkpoints=with_checkpoints)
        return self._ask(SCENARIO_REQUEST, ask, busy=busy)

    def request_data(self) -> int:
        """Ask for the data the network trains on, for an export. Returns the request's number;
        `answered` brings (scenario, Dataset) of the simulation as it is: the Dataset's arrays
        are never changed in place (an edit of the data makes a new one), so they may be read
        on the GUI thread."""
        return self._ask(DATA_REQUEST, _current_data)

    def request_walk(self, samples: list[int]) -> int:
        """Ask the worker to pause, then take one traced training step on the training
        `samples` (one mini-batch) for the step-through. Returns the request's number;
        `answered` brings a Walk (what is needed to show the step and to take it back), or the
        error saying why there is none."""
        walk = functools.partial(_walk_step, samples=list(samples))
        self.show_live()  # the step is taken on the run as it is, so the picture shows that
        return self._ask(WALK_REQUEST, walk, expected=(IndexError, ValueError))

    def request_probe_walk(self, raw: np.ndarray) -> int:
        """Ask the worker to pause, then run the forward pass alone on `raw` (d,), one input in
        the data's raw columns, for the step-through. Nothing is trained or changed. Returns the
        request's number; `answered` brings a Walk whose trace is a ForwardTrace, or the error."""
        walk = functools.partial(_probe_walk, raw=np.array(raw, dtype=np.float64))
        self.show_live()
        return self._ask(PROBE_WALK_REQUEST, walk, expected=(ValueError,))

    def set_probe(self, raw: np.ndarray | None) -> None:
        """Ask the network about `raw` (n, d), rows in the data's raw columns, from now on:
        every snapshot carries its answer as `probe` (None: stop asking). A paused network
        answers with the next frame."""
        self.probe = None if raw is None else np.array(raw, dtype=np.float64)
        self._worker.post(functools.partial(TrainingWorker.set_probe, raw=self.probe))

    def _ask(
        self, kind: str, function, expected: tuple[type[Exception], ...] = (), busy: bool = True
    ) -> int:
        number = self._worker.request(kind, function, expected)
        if not busy:
            return number
        was_busy = self.busy
        self._waiting.add(number)
        if not was_busy:
            self.busy_changed.emit(True)
        return number

    def current_scenario(self, timeout: float = 10.0) -> Scenario:
        """Return the scenario with the current weights and full training state, waiting for
        the worker. For tests and scripts only: the window asks with `request_scenario`."""
        future = self._worker.call(Simulation.to_scenario)
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            raise TimeoutError("the training thread did not answer in time") from None

    def undo_walk(self, walk: Walk) -> None:
        """Take back the step of `walk`: weights, optimizer state and step count as before. A
        probe walk took no step: nothing to take back."""
        if walk.checkpoint is None:
            return
        self._worker.post(functools.partial(_restore, checkpoint=walk.checkpoint))

    def adopt_file(self, saved: Scenario) -> None:
        """The scenario on show was just written as `saved`: later edits read its data from the
        new file's folder (a CSV saved elsewhere was copied or its path rewritten there)."""
        self.scenario = dataclasses.replace(
            self.scenario, source_path=saved.source_path, data=saved.data
        )
        self._worker.post(functools.partial(_adopt_file, saved=saved))

    def mark_saved(self, step: int | None = None) -> None:
        """The scenario on show is saved; `step` is the training step the saved file holds, so
        that a report of that step still counts as unmodified."""
        if step is not None:
            self._last_step = step
        self._moved_since_save = False
        self.edit_history.mark_clean()
        self._set_modified(False)

    def mark_modified(self) -> None:
        """The scenario on show differs from any file (e.g. work restored after a crash)."""
        self._note_moved()

    def _note_moved(self) -> None:
        """Something outside the edit history changed the scenario (a training step)."""
        self._moved_since_save = True
        self._set_modified(True)

    def _set_modified(self, modified: bool) -> None:
        if modified != self.modified:
            self.modified = modified
            self.modified_changed.emit(modified)


def _rebuild(worker: TrainingWorker, edit: Edit, pause: bool) -> tuple[Scenario, Scenario] | bool:
    """Runs on the worker thread; returns (before, after), the whole scenario just before and
    just after the change (for the edit history), when it was made, else False."""
    if pause:
        worker.pause()
    current = worker.simulation.to_scenario()
    try:
        # Every edit (undo and redo too) passes here: statistics of an old split go, once.
        changed = edits.remeasure_scaling(current, edit(current))
        source = current.source_path
        name = source.name if source else "scenario"
        checked = validate_scenario_dict(
            scenario_to_dict(changed), file=name, base_dir=source.parent if source else None
        )
        checked = _with_source(checked, source)
        simulation = Simulation(checked)
    except (ScenarioError, ValueError) as exc:
        worker.report(f"That change was not made: {exc}")
        return False
    continues = checked.state is not None and checked.state.step == current.state.step
    if continues:
        # The run goes on from where it stood (a lower learning rate, say): its curve keeps the
        # divergence mark, which only starting over (Reset, new weights or network) clears.
        simulation.history.divergence = worker.simulation.history.divergence
        simulation.history.first_epoch_steps = list(worker.simulation.history.first_epoch_steps)
        # And its timeline stays: a setting changed while looking back at epoch 40 is the
        # question "what if I had changed it there?", answered by continuing from epoch 40
        # with it. A Reset starts a new run, and a new run has no past to go back to.
        simulation.carry_checkpoints(worker.simulation)
    worker.replace_simulation(simulation, continues=continues)
    return current, simulation.to_scenario()


@dataclasses.dataclass(frozen=True)
class Walk:
    """A step taken for the step-through: its trace, the samples (training indices) it used,
    every training sample's prediction before the step, and the checkpoint to go back to;
    `raw_inputs` the batch's raw values, from the data, and the data's scaling.

    A probe walk (an input asked about, no target) has a ForwardTrace, no samples, no
    checkpoint (nothing changed), and `answer`, the engine's Prediction for that input."""

    samples: tuple[int, ...]
    trace: StepTrace | ForwardTrace
    predictions: np.ndarray
    checkpoint: Checkpoint | None
    raw_inputs: RawInputs | None = None
    answer: Prediction | None = None

    @property
    def forward_only(self) -> bool:
        return self.checkpoint is None


def _walk_step(worker: TrainingWorker, samples: list[int]) -> Walk:
    """Runs on the worker thread. An IndexError or ValueError (samples that do not exist) goes
    to the GUI, which explains it."""
    worker.pause()
    simulation = worker.simulation
    checkpoint = simulation.checkpoint()
    predictions = simulation.network.predict(simulation.data.train_inputs)
    try:
        _, trace = simulation.trace_batch(samples)
    except Exception:
        simulation.restore(checkpoint)  # a step that broke half-way leaves nothing behind
        raise
    worker.mark_changed()
    data = simulation.data
    raw = RawInputs(data.raw_names, data.train_raw[list(samples)].copy(), data.scaling)
    return Walk(tuple(samples), trace, predictions, checkpoint, raw)


def _probe_walk(worker: TrainingWorker, raw: np.ndarray) -> Walk:
    """Runs on the worker thread: the forward pass alone on one raw input; the network and
    the training state stay as they are. A ValueError (a wrong number of values) goes to the
    GUI."""
    worker.pause()
    simulation = worker.simulation
    data = simulation.data
    if raw.size != len(data.raw_names):
        raise ValueError(
            f"the network takes {len(data.raw_names)} raw values, {raw.size} were given"
        )
    row = raw.reshape(1, -1)
    with np.errstate(all="ignore"):
        trace = trace_forward(simulation.network, simulation.network_inputs(row))
        answer = predict(simulation, row)
    outputs = simulation.network.sizes[-1]
    return Walk(
        (),
        trace,
        np.zeros((0, outputs)),
        None,
        RawInputs(data.raw_names, row, data.scaling),
        answer,
    )


def _current_scenario(worker: TrainingWorker, with_checkpoints: bool = False) -> Scenario:
    """Runs on the worker thread."""
    return worker.simulation.to_scenario(with_checkpoints=with_checkpoints)


def _current_data(worker: TrainingWorker) -> tuple[Scenario, Dataset]:
    """Runs on the worker thread."""
    simulation = worker.simulation
    return simulation.scenario, simulation.data


def _restore(worker: TrainingWorker, checkpoint: Checkpoint) -> None:
    worker.simulation.restore(checkpoint)
    worker.mark_changed()


def _adopt_file(worker: TrainingWorker, saved: Scenario) -> None:
    # The data arrays stay: the saved CSV holds the same rows, only its place changed.
    simulation = worker.simulation
    simulation.scenario = dataclasses.replace(
        simulation.scenario, source_path=saved.source_path, data=saved.data
    )


def _replace(worker: TrainingWorker, simulation: Simulation) -> None:
    worker.pause()
    worker.replace_simulation(simulation)


def _with_source(scenario: Scenario, source) -> Scenario:
    return dataclasses.replace(scenario, source_path=source)
