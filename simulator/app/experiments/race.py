"""A race of variants: up to six simulations trained side by side by one stepper that always
moves the one furthest behind, so that all advance at the same epochs a second. Qt-free; the
worker thread that drives it is race_worker.py."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np

from ...engine import probe
from ...engine.trainer import predicted_classes
from ..session import Simulation, divergence_message
from ..snapshot import plane_bounds
from .variants import Variant

# The small decision-boundary pictures: coarse, as each is a thumbnail beside five others.
PLANE_RESOLUTION = 48

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlaneMap:
    """A variant's output over the data's plane (2-D data only): bounds (x_min, x_max, y_min,
    y_max) in raw units; values (R, R, K) the network's outputs, row 0 the lowest y; classes
    (R, R) the predicted class (classification), else None; output the output activation."""

    bounds: tuple[float, float, float, float]
    values: np.ndarray
    classes: np.ndarray | None
    output: str


@dataclass
class Runner:
    """One variant in the race: its simulation, the label naming its difference, the epochs
    finished since the last report, and why it stopped (None while it races)."""

    label: str
    variant: Variant | None
    simulation: Simulation
    points: list[tuple] = field(default_factory=list)
    stopped: str | None = None  # "diverged" or "failed"
    message: str | None = None
    kept: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def progress(self) -> float:
        """Where the run stands in epochs, a fraction within the current one."""
        trainer = self.simulation.trainer
        return trainer.epoch + trainer.batch_in_epoch / trainer.steps_per_epoch


class Race:
    """Steps several simulations in turn.

    Fairness is in epochs, not steps: `advance` always steps the runner furthest behind (the
    lowest epoch + fraction), and keeps stepping it only until it passes the next one. Variants
    of different batch sizes take different numbers of steps per epoch; stepping each once in
    turn would let the batch-size-100 variant run ten epochs ahead of the batch-size-10 one,
    and the chart would compare runs at different epochs. Each runner's own steps are exactly
    those `Simulation.train_epochs` takes (step, then the epoch's history at an epoch end,
    divergences settled the same way), so a variant's figures equal training it alone.
    """

    def __init__(self, runners: list[Runner], stop_epoch: int | None = None) -> None:
        self.runners = runners
        self.stop_epoch = stop_epoch

    @classmethod
    def from_variants(cls, variants: list[Variant], labels: list[str]) -> Race:
        """One runner per variant, each a fresh Simulation of its scenario (ScenarioError when
        one cannot be built, its data say)."""
        return cls(
            [
                Runner(label, variant, Simulation(variant.scenario))
                for variant, label in zip(variants, labels, strict=True)
            ]
        )

    def racing(self, runner: Runner) -> bool:
        """Whether `runner` still takes steps: not stopped, and short of the stop epoch."""
        if runner.stopped is not None:
            return False
        return self.stop_epoch is None or runner.simulation.trainer.epoch < self.stop_epoch

    def active(self) -> list[Runner]:
        return [runner for runner in self.runners if self.racing(runner)]

    def at_stop(self) -> bool:
        """Whether every runner that has not stopped stands at the stop epoch (or none is
        left to race)."""
        return not self.active()

    def advance(self, budget: int) -> int:
        """Take up to `budget` steps, always on the runner furthest behind; returns how many
        were taken (fewer when every runner stopped or reached the stop epoch)."""
        done = 0
        while done < budget:
            active = self.active()
            if not active:
                break
            lead = min(active, key=lambda runner: runner.progress)  # ties: the first listed
            others = [runner.progress for runner in active if runner is not lead]
            # Step the one behind until it passes the next one: one comparison a step, not a
            # search over all runners.
            target = min(others) if others else math.inf
            while done < budget:
                self.step(lead)
                done += 1
                if not self.racing(lead) or lead.progress > target:
                    break
        return done

    def step(self, runner: Runner) -> None:
        """One training step of `runner`. A divergence or an error stops that runner alone
        (with the weights from before the step, as the training worker keeps them) and says
        why in its message; the others race on."""
        simulation = runner.simulation
        trainer = simulation.trainer
        parameters = simulation.network.parameters
        if runner.kept.shape != parameters.shape:
            runner.kept = np.empty_like(parameters)
        np.copyto(runner.kept, parameters)
        before = trainer.step_count
        try:
            record = trainer.step()
            if record.diverged:
                simulation.settle_divergence(record)
                self._stop(runner, "diverged", divergence_message(simulation.divergence))
                return
            if record.epoch_finished:
                point = simulation.record_history()
                if point is None:
                    self._stop(runner, "diverged", divergence_message(simulation.divergence))
                    return
                runner.points.append(point)
        except Exception as error:  # one variant's failure ends its run, not the race
            log.error("A race variant's step failed", exc_info=error)
            self._take_back(runner, before)
            text = str(error).strip().splitlines()
            reason = f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
            self._stop(runner, "failed", f"Step {before + 1} failed with an error: {reason}")

    @staticmethod
    def _take_back(runner: Runner, steps_before: int) -> None:
        trainer = runner.simulation.trainer
        if trainer.step_count > steps_before and trainer.undo_last_step() is not None:
            return
        np.copyto(runner.simulation.network.parameters, runner.kept)
        trainer.forget_last_step()

    @staticmethod
    def _stop(runner: Runner, why: str, message: str) -> None:
        runner.stopped = why
        runner.message = message

    def take_points(self) -> list[tuple[tuple, ...]]:
        """The epochs each runner finished since the last call, as history points (epoch,
        train_loss, test_loss, train_accuracy, test_accuracy)."""
        taken = []
        for runner in self.runners:
            taken.append(tuple(runner.points))
            runner.points.clear()
        return taken


def plane_map(simulation: Simulation, resolution: int = PLANE_RESOLUTION) -> PlaneMap | None:
    """The network's output over the plane of 2-D data (None for other data), computed as the
    data view's output map is: the plane's points scaled and turned into the network's features
    as the training data were."""
    bounds = plane_bounds(simulation)
    if bounds is None:
        return None
    grid = probe.plane_grid(bounds, resolution)
    output = simulation.network.activation_names[-1]
    with np.errstate(all="ignore"):
        values = simulation.network.predict(simulation.network_inputs(grid))
    classes = None
    if simulation.classification:
        classes = predicted_classes(values, output).reshape(resolution, resolution)
    return PlaneMap(bounds, values.reshape(resolution, resolution, -1), classes, output)
