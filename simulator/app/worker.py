"""The training worker: drives a Simulation on its own thread, runs the GUI's commands between
steps, and hands over throttled, immutable progress reports."""

from __future__ import annotations

import functools
import itertools
import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from .command_inbox import drain
from .experiments.branches import AbandonedFuture
from .experiments.checkpoints import RunCheckpoint
from .experiments.viewing import PictureCache, Viewing, snapshot_at
from .frame_budget import FASTEST_INTERVAL
from .history import FIRST_EPOCH_STEPS, DivergenceMark
from .pacing import steps_due, stop_epochs
from .session import Simulation, divergence_message
from .snapshot import DataPicture, Snapshot, data_picture, take_snapshot

EMIT_INTERVAL = FASTEST_INTERVAL  # at most one report per displayed frame
IDLE_WAIT = 0.25  # how long a paused worker sleeps on its inbox before looking at the stop flag
# Between two looks at the inbox while training flat out: small enough that a command waits well
# under a millisecond, large enough that looking costs nothing measurable.
STEPS_BETWEEN_LOOKS = 16
# A slice ends after this many steps whatever the clock says, so the stop flag is seen promptly
# even when steps are slow to be timed (a coarse clock).
MAX_STEPS_PER_SLICE = 4096

# Follows the plain words of `divergence_message`, which say which step was undone and why.
DIVERGENCE_ADVICE = (
    "Training paused with the weights from before that step. This usually means the learning "
    "rate is too high for this network and data: lower it (for example to a tenth) and go on, "
    "or Reset."
)

# Follows `failure_message` and the error: what the learner can do about an error in a step.
FAILURE_ADVICE = (
    "Training paused with the weights from before that step. Press Play to try again; the "
    "error's details are in the log."
)
# Follows any other error the worker caught (a command, a picture of the network).
ERROR_ADVICE = "Training paused; the error's details are in the log."

Command = Callable[["TrainingWorker"], None]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """The worker's answer to one `request`: `number` is the one `request` returned, `kind` the
    kind it was given; `value` is what the request's function returned, or `error` (one line)
    says why there is none."""

    number: int
    kind: str
    value: object = None
    error: str | None = None


@dataclass(frozen=True)
class Progress:
    """What the worker did since its last report.

    history_points: every epoch finished since then, as (epoch, train_loss, test_loss,
    train_accuracy, test_accuracy). data and scenario are set when the simulation was replaced
    (then history_reset holds the whole history as columns, and divergence the mark its history
    carries). divergence marks a divergence caught since the last report (the kept state's place
    and loss, the step undone). message explains a pause or a refused change. stopped_at is the
    epoch at whose end Play paused because it is a stop (the lesson's or the learner's).
    first_epoch_steps: the first epoch's steps taken since then, as (place in epochs, batch
    loss); all of the history's when the simulation was replaced.
    viewing: set while the snapshot shows the run as it was at a checkpoint, not as it is.
    checkpoint_epochs: the epochs checkpoints are kept at, when they changed since the last
    report. started_over: the simulation was replaced by one that does not go on from the
    last (a Reset, new weights, another file): what was drawn of the old run no longer holds.
    """

    snapshot: Snapshot | None
    history_points: tuple[tuple, ...]
    steps_per_second: float
    playing: bool
    data: DataPicture | None = None
    scenario: object | None = None
    history_reset: dict | None = None
    divergence: DivergenceMark | None = None
    message: str | None = None
    first_epoch_steps: tuple[tuple[float, float], ...] = ()
    stopped_at: int | None = None
    viewing: Viewing | None = None
    checkpoint_epochs: tuple[int, ...] | None = None
    started_over: bool = False


class TrainingWorker(QObject):
    """Owns a Simulation while it lives on the worker thread. The GUI thread talks to it only
    through `post` (a command queue), `request` and `request_stop`; it answers with
    `progressed` and `answered`. An exception in a step or a command never ends the loop: it
    pauses training, goes to the log with its traceback and to the GUI as a report's message, and
    the simulation is left as it was before the failed step. `finished` always comes."""

    progressed = Signal(object)  # Progress
    answered = Signal(object)  # Answer
    finished = Signal()

    def __init__(
        self,
        simulation: Simulation,
        *,
        clock: Callable[[], float] = time.monotonic,
        emit_interval: float = EMIT_INTERVAL,
    ) -> None:
        super().__init__()
        self.simulation = simulation
        self._clock = clock
        self._emit_interval = emit_interval
        self._inbox: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._stop = threading.Event()
        self.playing = False
        self.steps_per_second_limit: float | None = None
        # The epoch the learner asked Play to pause at (None: none); the lesson's stops come
        # with the simulation's scenario.
        self.stop_epoch: int | None = None
        self._stops = stop_epochs(simulation.scenario.lesson, None)
        self._stopped_at: int | None = None
        self.sample_index: int | None = 0
        # Raw rows (n, d) the learner asks the network about; every report answers them.
        self.probe: np.ndarray | None = None
        # Whether the reports carry the samples table's answers (only while it is shown).
        self.samples_wanted = False
        self._pending_steps = 0
        self._pending_epochs = 0
        self._history_points: list[tuple] = []
        self._first_epoch_steps: list[tuple[float, float]] = []
        self._dirty = True
        self._replaced = True
        self._message: str | None = None
        self._divergence: DivergenceMark | None = None
        self._last_emit = -1e9
        self._steps_since_emit = 0
        self._pace_origin = 0.0
        self._pace_steps = 0
        self._request_numbers = itertools.count(1)
        # The parameters before the step being taken: a step that raises half-way may have
        # written some of them already, and the next one must start from a whole state.
        self._parameters_before_step = np.empty(0)
        # The checkpoint's epoch the reports show instead of the run as it is (None: live).
        self.view_epoch: int | None = None
        # The history goes out whole with the next report (the run went back to a checkpoint).
        self._resend_history = False
        self._started_over = True
        self._checkpoints_sent: tuple | None = None
        self._pictures = PictureCache()
        # Counts the questions asked (set_probe), so that a picture answering an older one is
        # not shown again.
        self._probe_version = 0

    # ----- called from any thread ---------------------------------------------------------

    def post(self, command: Command) -> None:
        """Queue `command(worker)` to run on the worker thread between two steps."""
        self._inbox.put(command)

    def request_stop(self) -> None:
        """Ask the run loop to return; wakes a paused worker at once."""
        self._stop.set()
        self._inbox.put(_no_op)

    def request(
        self,
        kind: str,
        function: Callable[[TrainingWorker], object],
        expected: tuple[type[Exception], ...] = (),
    ) -> int:
        """Queue `function(worker)` to run on the worker thread; its result, or the error it
        raised, comes back as one `answered` Answer carrying the number returned here. Errors of
        the `expected` types are the caller's to explain; any other also pauses training and is
        logged with its traceback."""
        number = next(self._request_numbers)
        self.post(
            functools.partial(
                _answer, number=number, kind=kind, function=function, expected=expected
            )
        )
        return number

    def call(self, function: Callable[[Simulation], object]) -> Future:
        """Run `function(simulation)` on the worker thread; the Future receives its result. For
        tests and scripts: the GUI thread must never wait on it (use `request`)."""
        future: Future = Future()

        def command(worker: TrainingWorker) -> None:
            try:
                future.set_result(function(worker.simulation))
            except Exception as exc:  # handed to the caller, who decides what to show
                future.set_exception(exc)

        self.post(command)
        return future

    # ----- the worker thread --------------------------------------------------------------

    @Slot()
    def run(self) -> None:
        """Run until `request_stop`: the QThread's started signal is connected here. Emits
        `finished` however the loop ends."""
        try:
            while not self._stop.is_set():
                try:
                    self.tick()
                except Exception as error:  # a fault in the loop's own bookkeeping
                    # Reported by the next turn's report; paused, that turn waits on the inbox.
                    self._stop_at_error(error, "The training thread hit an error")
        finally:
            self.finished.emit()

    def tick(self) -> None:
        """One turn of the loop: take commands, train a slice, report when a report is due."""
        busy = self.playing or self._pending_steps or self._pending_epochs
        self._drain(wait=0.0 if busy else self._idle_wait())
        if self._stop.is_set():
            return
        if self.playing or self._pending_steps or self._pending_epochs:
            self._train_slice()
        self._maybe_emit()

    def _idle_wait(self) -> float:
        if self._dirty:
            return max(0.0, self._last_emit + self._emit_interval - self._clock())
        return IDLE_WAIT

    def _drain(self, wait: float) -> None:
        drain(self._inbox, self, wait, self._on_command_error)

    def _on_command_error(self, error: Exception) -> None:
        # The command's change is not made; the loop goes on.
        self._stop_at_error(error, "A change could not be made because of an error")

    def _train_slice(self) -> None:
        """Train until the next report is due, a command arrives, or a limit is reached."""
        simulation = self.simulation
        trainer = simulation.trainer
        step = trainer.step
        inbox = self._inbox
        deadline = self._last_emit + self._emit_interval
        allowed = self._paced_allowance()
        parameters = simulation.network.parameters
        kept = self._parameters_before_step
        if kept.shape != parameters.shape:
            kept = self._parameters_before_step = np.empty_like(parameters)
        done = 0
        while True:
            if self._pending_steps == 0 and self._pending_epochs == 0 and not self.playing:
                break
            if (allowed is not None and done >= allowed) or done >= MAX_STEPS_PER_SLICE:
                break
            # One copy a step (under a microsecond for the presets) buys a whole state to go
            # back to whatever a step breaks half-way.
            np.copyto(kept, parameters)
            steps_before = trainer.step_count
            try:
                record = step()
                if record.diverged:
                    self._stop_at_divergence(simulation.settle_divergence(record))
                    done += 1
                    break
                point = simulation.record_history() if record.epoch_finished else None
            except Exception as error:
                self._take_back_failed_step(steps_before, error)
                break
            # Only the first epoch, where a whole-epoch curve has no point yet; one subtraction
            # a step otherwise.
            if record.epoch - record.epoch_finished == 0 and (point or not record.epoch_finished):
                self._keep_first_epoch_step(record)
            done += 1
            if self._pending_steps:
                self._pending_steps -= 1
            if record.epoch_finished:
                if point is None:  # the epoch's last step made the loss on the whole set infinite
                    self._stop_at_divergence(simulation.divergence)
                    break
                self._history_points.append(point)
                if self._pending_epochs:
                    self._pending_epochs -= 1
                if self.playing and record.epoch in self._stops:
                    # Exactly here, whatever the speed: the next step would start a new epoch.
                    self._stop_at_epoch(record.epoch)
                    break
            if done % STEPS_BETWEEN_LOOKS == 0 and (not inbox.empty() or self._clock() >= deadline):
                break
        self._steps_since_emit += done
        self._pace_steps += done
        if done:
            self._dirty = True

    def _keep_first_epoch_step(self, record) -> None:
        """Keep a first-epoch step's batch loss at its place within the epoch: where the
        network stood before the step, as that is what the loss was measured on."""
        trainer = self.simulation.trainer
        per_epoch = trainer.steps_per_epoch
        batch = per_epoch - 1 if record.epoch_finished else trainer.batch_in_epoch - 1
        if batch % -(-per_epoch // FIRST_EPOCH_STEPS) or not math.isfinite(record.loss):
            return
        point = (batch / per_epoch, float(record.loss))
        self.simulation.history.add_first_epoch_step(*point)
        self._first_epoch_steps.append(point)

    def _stop_at_divergence(self, record) -> None:
        """Pause and say which step was undone and why; the curve marks where it happened."""
        self.playing = False
        self._pending_steps = self._pending_epochs = 0
        self._message = f"{divergence_message(record)} {DIVERGENCE_ADVICE}"
        self._divergence = self.simulation.history.divergence

    def _stop_at_epoch(self, epoch: int) -> None:
        """Pause at the end of `epoch`, a stop; the report says where (and goes out at once)."""
        self.playing = False
        self._pending_steps = self._pending_epochs = 0
        self._stopped_at = epoch

    def _take_back_failed_step(self, steps_before: int, error: Exception) -> None:
        """Put the simulation back as it was before the step that raised `error`, then pause
        and say so. `steps_before` is the trainer's step count before that step."""
        simulation = self.simulation
        trainer = simulation.trainer
        failed_step = steps_before + 1
        if trainer.step_count > steps_before:
            # The step was applied (the error came after it, say while measuring the epoch's
            # losses): the trainer takes it back exactly, optimizer state and position too.
            if trainer.undo_last_step() is None:
                np.copyto(simulation.network.parameters, self._parameters_before_step)
                trainer.forget_last_step()
        elif trainer.step_count == steps_before:
            # Not applied, but the parameters may be half written; nothing else has moved.
            np.copyto(simulation.network.parameters, self._parameters_before_step)
            trainer.forget_last_step()
        # A lower count: the trainer had undone the step before (a divergence), exactly, and
        # that state stands.
        self._stop_at_error(error, failure_message(failed_step), FAILURE_ADVICE)

    def _stop_at_error(self, error: Exception, what: str, advice: str = ERROR_ADVICE) -> None:
        """Pause, log `error` with its traceback and tell the GUI `what` went wrong."""
        self._pause_after_error(error, what)
        self._message = f"{what}: {_one_line(error)}. {advice}"

    def _pause_after_error(self, error: Exception, what: str) -> None:
        """Pause and log `error` with its traceback; `what` says what failed."""
        log.error("%s; training paused.", what, exc_info=error)
        self.playing = False
        self._pending_steps = self._pending_epochs = 0
        self._dirty = True

    def _paced_allowance(self) -> int | None:
        """Steps allowed now under the speed limit (None: no limit). Sleeps on the inbox when
        the next step is not due yet, so a slow speed costs no CPU."""
        if self.steps_per_second_limit is None or not self.playing:
            return None
        due, wait = steps_due(
            self._clock(), self._pace_origin, self._pace_steps, self.steps_per_second_limit
        )
        if not due:
            self._drain(wait=min(wait, IDLE_WAIT))
        return due

    def _maybe_emit(self) -> None:
        now = self._clock()
        urgent = self._message or self._stopped_at is not None
        if not (self._dirty or urgent or self._history_points or self._divergence):
            return
        if now - self._last_emit < self._emit_interval and not urgent:
            return
        elapsed = now - self._last_emit
        rate = self._steps_since_emit / elapsed if 0 < elapsed < 10 else 0.0
        simulation = self.simulation
        replaced = self._replaced
        whole_history = replaced or self._resend_history
        viewed = self._viewed_checkpoint()
        options = {"asked": self.probe, "with_samples": self.samples_wanted}
        try:
            progress = Progress(
                snapshot=take_snapshot(simulation, self.sample_index, **options)
                if viewed is None
                else self._picture_at(viewed, options),
                history_points=tuple(self._history_points),
                steps_per_second=rate,
                playing=self.playing,
                data=data_picture(simulation) if replaced else None,
                scenario=simulation.scenario if replaced else None,
                history_reset=simulation.history.to_dict() if whole_history else None,
                divergence=simulation.history.divergence if whole_history else self._divergence,
                message=self._message,
                first_epoch_steps=tuple(
                    simulation.history.first_epoch_steps
                    if whole_history
                    else self._first_epoch_steps
                ),
                stopped_at=self._stopped_at,
                viewing=None
                if viewed is None
                else Viewing(
                    viewed.epoch,
                    viewed.step,
                    simulation.trainer.epoch,
                    simulation.trainer.step_count,
                ),
                checkpoint_epochs=self._changed_checkpoint_epochs(),
                started_over=replaced and self._started_over,
            )
        except Exception as error:  # the picture failed, not the training: say so all the same
            self._stop_at_error(error, "The network's picture could not be drawn")
            progress = Progress(
                snapshot=None,
                history_points=tuple(self._history_points),
                steps_per_second=rate,
                playing=False,
                message=self._message,
                stopped_at=self._stopped_at,
            )
        self._history_points = []
        self._first_epoch_steps = []
        self._divergence = None
        self._steps_since_emit = 0
        self._dirty = False
        # A new simulation's data and settings go out with the first report that could be made.
        self._replaced = replaced and progress.scenario is None
        self._resend_history = self._resend_history and progress.history_reset is None
        self._message = None
        self._stopped_at = None
        self._last_emit = now
        self.progressed.emit(progress)

    def _picture_at(self, checkpoint: RunCheckpoint, options: dict) -> Snapshot:
        """The picture of `checkpoint`: taken once, then kept while nothing it shows changes."""
        key = (self.sample_index, self._probe_version, self.samples_wanted)
        snapshot = self._pictures.get(checkpoint, key)
        if snapshot is None:
            snapshot = snapshot_at(self.simulation, checkpoint, self.sample_index, **options)
            self._pictures.put(checkpoint, key, snapshot)
        return snapshot

    def _viewed_checkpoint(self) -> RunCheckpoint | None:
        if self.view_epoch is None:
            return None
        return self.simulation.checkpoints.at(self.view_epoch)

    def _changed_checkpoint_epochs(self) -> tuple[int, ...] | None:
        """The kept epochs when they changed since the last report, else None. Told by a
        few numbers rather than by the list, which a long run would copy thirty times a
        second."""
        store = self.simulation.checkpoints
        latest = store.latest
        signature = (id(store), len(store), store.stride, latest.epoch if latest else None)
        if signature == self._checkpoints_sent and not self._replaced:
            return None
        self._checkpoints_sent = signature
        return tuple(store.epochs())

    # ----- commands (run on the worker thread through `post`) ------------------------------

    def play(self) -> None:
        self.playing = True
        self._pace_origin = self._clock()
        self._pace_steps = 0
        self._dirty = True

    def pause(self) -> None:
        self.playing = False
        self._pending_steps = self._pending_epochs = 0
        self._dirty = True

    def add_steps(self, count: int) -> None:
        self._pending_steps += count
        self._dirty = True

    def add_epoch(self) -> None:
        """Train to the end of the current epoch (a whole epoch from its start)."""
        self._pending_epochs += 1
        self._dirty = True

    def set_speed(self, steps_per_second: float | None) -> None:
        self.steps_per_second_limit = steps_per_second
        self._pace_origin = self._clock()
        self._pace_steps = 0

    def set_stop_epoch(self, epoch: int | None) -> None:
        """Pause Play at the end of `epoch` too (None or 0: only at the lesson's stops)."""
        self.stop_epoch = epoch or None
        self._stops = stop_epochs(self.simulation.scenario.lesson, self.stop_epoch)

    def set_emit_interval(self, seconds: float) -> None:
        """Report at most once every `seconds` (the GUI's frame budget decides)."""
        self._emit_interval = seconds

    def select_sample(self, index: int | None) -> None:
        self.sample_index = index
        self._dirty = True

    def set_probe(self, raw: np.ndarray | None) -> None:
        """Ask the network about `raw` (n, d) in every report from now on (None: stop asking);
        the next report comes as soon as one may, so a paused network answers at once."""
        self.probe = raw
        self._probe_version += 1
        self._dirty = True

    def want_samples(self, on: bool) -> None:
        """Add (or stop adding) the samples table's answers to the reports."""
        self.samples_wanted = on
        self._dirty = True

    def replace_simulation(
        self, simulation: Simulation, message: str | None = None, *, continues: bool = False
    ) -> None:
        """Continue with another simulation (a rebuilt or newly opened scenario). `continues`:
        it goes on from where the last one stood (a setting changed), so a checkpoint being
        viewed stays in view when it kept it; otherwise the run starts over."""
        self.simulation = simulation
        self._pictures.clear()  # pictures of another network, data or settings
        if not continues or self._viewed_checkpoint() is None:
            self.view_epoch = None
        self._started_over = not continues
        self._stops = stop_epochs(simulation.scenario.lesson, self.stop_epoch)
        count = len(simulation.data.train_raw)
        if self.sample_index is not None and self.sample_index >= count:
            self.sample_index = 0
        self._history_points = []
        self._first_epoch_steps = []
        self._replaced = True
        self._dirty = True
        if message:
            self._message = message

    def view(self, epoch: int | None) -> None:
        """Show the run as it was at the checkpoint nearest `epoch` (None: as it is now) in
        every report from now on; nothing is trained or changed. Looking back pauses training:
        the past stays on show until the learner goes on. Many calls between two reports cost
        one picture (the latest wins)."""
        kept = None
        if epoch is not None:
            store = self.simulation.checkpoints
            kept = store.at(epoch) or store.at_or_before(epoch)
            if kept is None and len(store):
                kept = store.at(store.nearest(epoch, 1)[0])
        if kept is not None and kept.step == self.simulation.trainer.step_count:
            kept = None  # the checkpoint of the epoch the run stands at is the run itself
        wanted = None if kept is None else kept.epoch
        if wanted is not None:
            self.pause()
        if wanted != self.view_epoch:
            self.view_epoch = wanted
            self._dirty = True

    def branch(self, epoch: int) -> AbandonedFuture | None:
        """Go back to the checkpoint at `epoch` to train on from there (see Simulation.rewind;
        a KeyError names the nearest kept epochs when there is none) and return the future
        left behind, for the chart to keep drawing faded (None when there was none)."""
        self.pause()
        simulation = self.simulation
        future = AbandonedFuture.from_history(simulation.history, epoch)
        simulation.rewind(epoch)
        self.view_epoch = None
        # What was collected for the next report belongs to the abandoned future; the history
        # goes out whole instead.
        self._history_points = []
        self._first_epoch_steps = []
        self._resend_history = True
        self._dirty = True
        return future

    def mark_changed(self) -> None:
        """The simulation was changed by a command: report a fresh snapshot."""
        self._dirty = True

    def report(self, message: str) -> None:
        self._message = message


def failure_message(step: int) -> str:
    """Say that training step `step` raised an error (its text follows after a colon)."""
    return f"Step {step} failed with an error and was not applied"


def _one_line(error: Exception) -> str:
    """The error's type and the first line of its text, for a message the learner reads."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def _answer(
    worker: TrainingWorker,
    number: int,
    kind: str,
    function: Callable[[TrainingWorker], object],
    expected: tuple[type[Exception], ...],
) -> None:
    """Runs on the worker thread: one request, answered whatever happens."""
    try:
        value = function(worker)
    except expected as error:
        worker.answered.emit(Answer(number, kind, error=str(error)))
    except Exception as error:  # the asker shows the error; the log keeps the traceback
        worker._pause_after_error(error, f"The training thread could not answer a {kind} request")
        worker.answered.emit(Answer(number, kind, error=_one_line(error)))
    else:
        worker.answered.emit(Answer(number, kind, value=value))


def _no_op(worker: TrainingWorker) -> None:
    """Wakes a worker that sleeps on its inbox."""
