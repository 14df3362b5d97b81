"""The race on its own thread: a worker that builds the variants' simulations and steps them in
turn between the GUI's commands, reporting at most ~30 times a second, and the GUI thread's
handle on it (start, play, pause, speed, stop, and the trained scenario of one variant)."""

from __future__ import annotations

import functools
import itertools
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..command_inbox import drain
from ..pacing import steps_due
from ..snapshot import DataPicture, data_picture
from ..worker import IDLE_WAIT, MAX_STEPS_PER_SLICE
from .race import PlaneMap, Race, plane_map
from .variants import Variant

# Between two looks at the inbox and the clock while racing flat out. A step of a small
# network takes ~20–50 µs, so 16 steps keep a command's wait well under a millisecond.
STEPS_BETWEEN_LOOKS = 16
# Reports at most ten a second (the main worker sends thirty): the race's pictures are small
# multiples, and every report costs the GUI thread turns of the interpreter the race holds
# most of the time. No point is lost: each report carries every epoch finished since the last.
RACE_EMIT_INTERVAL = 0.1
# The thumbnails' maps are sent at most this often: a boundary moves slowly to the eye, and
# redrawing several of them is dearer than the curves.
PLANE_INTERVAL = 0.25
STOP_TIMEOUT_MS = 2000

# Every race controller made in this process, so tests can check no race thread outlives its
# window (tests/conftest.py).
LIVE_RACES: weakref.WeakSet = weakref.WeakSet()

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunnerReport:
    """One variant's news: where it stands, the epochs finished since the last report (history
    points), why it stopped (None: racing; "diverged" or "failed", `message` says more), and
    its plane map when one is due (2-D data)."""

    epoch: int
    step: int
    points: tuple[tuple, ...]
    stopped: str | None
    message: str | None
    plane: PlaneMap | None


@dataclass(frozen=True)
class RaceProgress:
    """What the race did since its last report. `data` (one DataPicture per variant) comes
    with the first report only; `stopped_at` is the stop epoch all variants reached (play
    paused there); `message` explains a race that could not start."""

    runners: tuple[RunnerReport, ...]
    playing: bool
    steps_per_second: float
    data: tuple[DataPicture, ...] | None = None
    stopped_at: int | None = None
    message: str | None = None


@dataclass(frozen=True)
class RaceAnswer:
    """The answer to `request_scenario`: the variant's scenario with its trained weights and
    whole training state, or the error saying why there is none."""

    number: int
    index: int
    scenario: object = None
    error: str | None = None


Command = Callable[["RaceWorker"], None]


class RaceWorker(QObject):
    """Owns the Race on the worker thread. The GUI talks to it only through `post` and
    `request_stop`; it answers with `progressed` and `answered`; `finished` always comes."""

    progressed = Signal(object)  # RaceProgress
    answered = Signal(object)  # RaceAnswer
    finished = Signal()

    def __init__(
        self,
        variants: list[Variant],
        labels: list[str],
        *,
        clock: Callable[[], float] = time.monotonic,
        emit_interval: float = RACE_EMIT_INTERVAL,
    ) -> None:
        super().__init__()
        self._variants = variants
        self._labels = labels
        self.race: Race | None = None
        self._clock = clock
        self._emit_interval = emit_interval
        self._inbox: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._stop = threading.Event()
        self.playing = False
        self.steps_per_second_limit: float | None = None
        self.stop_epoch: int | None = None
        self._stopped_at: int | None = None
        self._message: str | None = None
        self._dirty = True
        self._first = True
        self._last_emit = -1e9
        self._last_planes = -1e9
        self._steps_since_emit = 0
        self._pace_origin = 0.0
        self._pace_steps = 0

    # ----- called from any thread ---------------------------------------------------------

    def post(self, command: Command) -> None:
        """Queue `command(worker)` to run on the worker thread between two turns."""
        self._inbox.put(command)

    def request_stop(self) -> None:
        self._stop.set()
        self._inbox.put(_no_op)

    # ----- the worker thread --------------------------------------------------------------

    @Slot()
    def run(self) -> None:
        """Build the race, then serve it until `request_stop`; `finished` comes however the
        loop ends."""
        try:
            self.build()
            while not self._stop.is_set():
                try:
                    self.tick()
                except Exception as error:  # the loop's own bookkeeping: say so, pause
                    log.error("The race thread hit an error", exc_info=error)
                    self.playing = False
                    self._message = f"The race paused because of an error: {error}"
        finally:
            self.finished.emit()

    def build(self) -> None:
        """Make each variant's simulation (their data may take a while to read, so here and
        not on the GUI thread). A variant that cannot be built leaves no race and a message."""
        try:
            self.race = Race.from_variants(self._variants, self._labels)
            self.race.stop_epoch = self.stop_epoch
        except Exception as error:  # a ScenarioError names the file and field
            log.error("A race could not start", exc_info=error)
            self.race = None
            self._message = f"The race could not start: {error}"
        self._dirty = True

    def tick(self) -> None:
        """One turn: take commands, race a slice, report when a report is due."""
        self._drain(wait=0.0 if self.playing else self._idle_wait())
        if self._stop.is_set():
            return
        if self.playing and self.race is not None:
            self._race_slice()
        self._maybe_emit()

    def _idle_wait(self) -> float:
        if self._dirty or self._message or self._stopped_at is not None:
            return max(0.0, self._last_emit + self._emit_interval - self._clock())
        return IDLE_WAIT

    def _drain(self, wait: float) -> None:
        drain(self._inbox, self, wait, self._on_command_error)

    def _on_command_error(self, error: Exception) -> None:
        # The command is not carried out; the loop goes on.
        log.error("A race command failed", exc_info=error)
        self._message = f"That could not be done: {error}"

    def _race_slice(self) -> None:
        """Race until the next report is due or a command arrives, in small chunks."""
        race = self.race
        deadline = self._last_emit + self._emit_interval
        allowed = self._paced_allowance()
        done = 0
        while True:
            chunk = STEPS_BETWEEN_LOOKS if allowed is None else min(STEPS_BETWEEN_LOOKS, allowed)
            if chunk <= 0:
                break
            taken = race.advance(chunk)
            done += taken
            if allowed is not None:
                allowed -= taken
            if taken < chunk or not self._inbox.empty() or self._clock() >= deadline:
                break
            if done >= MAX_STEPS_PER_SLICE:  # a coarse clock must not keep the stop flag waiting
                break
        if race.at_stop():
            self.playing = False
            if race.stop_epoch is not None and any(r.stopped is None for r in race.runners):
                self._stopped_at = race.stop_epoch
        self._steps_since_emit += done
        self._pace_steps += done
        if done or not self.playing:
            self._dirty = True

    def _paced_allowance(self) -> int | None:
        """Steps allowed now under the speed limit (None: none). The limit is per variant, so
        a race of four at "5 steps a frame" moves each as the main window would move one."""
        if self.steps_per_second_limit is None:
            return None
        rate = self.steps_per_second_limit * max(1, len(self.race.active()))
        due, wait = steps_due(self._clock(), self._pace_origin, self._pace_steps, rate)
        if not due:
            self._drain(wait=min(wait, IDLE_WAIT))
        return due

    def _maybe_emit(self) -> None:
        now = self._clock()
        urgent = self._message is not None or self._stopped_at is not None or self._first
        if not (self._dirty or urgent):
            return
        if now - self._last_emit < self._emit_interval and not urgent:
            return
        elapsed = now - self._last_emit
        rate = self._steps_since_emit / elapsed if 0 < elapsed < 10 else 0.0
        race = self.race
        runners: tuple[RunnerReport, ...] = ()
        data = None
        if race is not None:
            planes_due = now - self._last_planes >= PLANE_INTERVAL or not self.playing
            if planes_due:
                self._last_planes = now
            points = race.take_points()
            runners = tuple(
                RunnerReport(
                    epoch=runner.simulation.trainer.epoch,
                    step=runner.simulation.trainer.step_count,
                    points=points[index],
                    stopped=runner.stopped,
                    message=runner.message,
                    plane=plane_map(runner.simulation) if planes_due else None,
                )
                for index, runner in enumerate(race.runners)
            )
            if self._first:
                data = tuple(data_picture(runner.simulation) for runner in race.runners)
        progress = RaceProgress(
            runners=runners,
            playing=self.playing,
            steps_per_second=rate,
            data=data,
            stopped_at=self._stopped_at,
            message=self._message,
        )
        self._first = False
        self._message = None
        self._stopped_at = None
        self._dirty = False
        self._steps_since_emit = 0
        self._last_emit = now
        try:
            self.progressed.emit(progress)
        except RuntimeError:  # the controller is gone without stopping us: nobody listens
            self._stop.set()

    # ----- commands (run on the worker thread through `post`) ------------------------------

    def play(self) -> None:
        race = self.race
        if race is None:
            return
        if race.stop_epoch is not None and race.at_stop():
            # Play again at the stop goes on past it, as Play does at a lesson's stop.
            race.stop_epoch = None
        self.playing = bool(race.active())
        self._pace_origin = self._clock()
        self._pace_steps = 0
        self._dirty = True

    def pause(self) -> None:
        self.playing = False
        self._dirty = True

    def set_speed(self, steps_per_second: float | None) -> None:
        self.steps_per_second_limit = steps_per_second
        self._pace_origin = self._clock()
        self._pace_steps = 0

    def set_stop_epoch(self, epoch: int | None) -> None:
        """Pause when every variant has finished `epoch` (None or 0: no stop)."""
        self.stop_epoch = epoch or None
        if self.race is not None:
            self.race.stop_epoch = self.stop_epoch

    def answer_scenario(self, number: int, index: int) -> None:
        """Answer with variant `index`'s scenario, trained weights and state included."""
        try:
            scenario = self.race.runners[index].simulation.to_scenario()
        except Exception as error:  # the asker says why
            log.error("A race variant's scenario could not be made", exc_info=error)
            self.answered.emit(RaceAnswer(number, index, error=str(error)))
        else:
            self.answered.emit(RaceAnswer(number, index, scenario))


def _no_op(worker: RaceWorker) -> None:
    """Wakes a worker that sleeps on its inbox."""


class RaceController(QObject):
    """Owns one race's thread. Relays the worker's reports (`progressed`) and answers
    (`answered`) in the GUI thread; `finished` once the thread has ended."""

    progressed = Signal(object)  # RaceProgress
    answered = Signal(object)  # RaceAnswer

    def __init__(
        self, variants: list[Variant], labels: list[str], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.labels = list(labels)
        self._numbers = itertools.count(1)
        self._thread = QThread()
        self._thread.setObjectName("race")
        self._worker = RaceWorker(variants, labels)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progressed.connect(self._on_worker_progressed)
        self._worker.answered.connect(self._on_worker_answered)
        self._worker.finished.connect(self._thread.quit)
        self._stopped = False
        LIVE_RACES.add(self)

    @property
    def thread(self) -> QThread:
        return self._thread

    def start(self, *, playing: bool = False) -> None:
        """Start the thread (building the simulations there); `playing` starts racing too."""
        if playing:
            self.play()
        self._thread.start()

    def shutdown(self) -> bool:
        """Stop the race and wait for its thread; True when it stopped in time."""
        if self._stopped:
            return True
        self._stopped = True
        self._worker.request_stop()
        self._thread.quit()
        return bool(self._thread.wait(STOP_TIMEOUT_MS))

    @Slot(object)
    def _on_worker_progressed(self, progress: RaceProgress) -> None:
        self.progressed.emit(progress)

    @Slot(object)
    def _on_worker_answered(self, answer: RaceAnswer) -> None:
        self.answered.emit(answer)

    def play(self) -> None:
        self._worker.post(RaceWorker.play)

    def pause(self) -> None:
        self._worker.post(RaceWorker.pause)

    def set_speed(self, steps_per_second: float | None) -> None:
        self._worker.post(
            functools.partial(RaceWorker.set_speed, steps_per_second=steps_per_second)
        )

    def set_stop_epoch(self, epoch: int | None) -> None:
        self._worker.post(functools.partial(RaceWorker.set_stop_epoch, epoch=epoch))

    def request_scenario(self, index: int) -> int:
        """Ask for variant `index`'s trained scenario; `answered` brings it with the number
        returned here, between two steps, without the GUI thread waiting."""
        number = next(self._numbers)
        self._worker.post(functools.partial(RaceWorker.answer_scenario, number=number, index=index))
        return number
