"""A scenario's learning-rate schedule as the engine runs it and as the GUI draws it: the
engine's Schedule, the rate of each epoch and the schedule in words."""

from __future__ import annotations

import numpy as np

from ..engine import schedules
from .scenario import ScheduleSpec, TrainingSpec

# Epochs the curve spans at least, beyond the current one: enough to see the shape coming.
MIN_CURVE_EPOCHS = 20


def engine_schedule(spec: ScheduleSpec | None) -> schedules.Schedule | None:
    """The engine's Schedule of a scenario's `spec` (None: a constant rate)."""
    if spec is None:
        return None
    return schedules.Schedule(spec.name, spec.step_size, spec.gamma, spec.t_max, spec.eta_min)


def curve_epochs(spec: ScheduleSpec | None, epoch: int) -> int:
    """How many epochs the schedule's curve shows with training at `epoch`: two of its periods
    (four steps of a step schedule, 2·t_max for a cosine) and a little past the current epoch."""
    span = MIN_CURVE_EPOCHS
    if spec is not None and spec.name == "step":
        span = max(span, 4 * spec.step_size)
    elif spec is not None and spec.name == "cosine":
        span = max(span, 2 * spec.t_max)
    return max(span, epoch + 1 + epoch // 4)


def rate_curve(training: TrainingSpec, epochs: int) -> np.ndarray:
    """The rate each of epochs 0 .. epochs − 1 trains at under `training`'s schedule, (epochs,),
    each the number the trainer uses (the same recurrence)."""
    base = training.optimizer.learning_rate
    return np.array(schedules.rates(engine_schedule(training.schedule), base, epochs))


def schedule_words(spec: ScheduleSpec | None) -> str:
    """The schedule in a few words: "constant", "× 0.5 every 10 epochs", …"""
    return schedules.describe(engine_schedule(spec))
