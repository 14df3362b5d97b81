"""Learning-rate schedules stepped once per epoch, with PyTorch's StepLR, ExponentialLR and
CosineAnnealingLR numbers: the rate an epoch trains at, from the base rate and the epoch count."""

from __future__ import annotations

import math
from dataclasses import dataclass

SCHEDULES: tuple[str, ...] = ("step", "exponential", "cosine")


@dataclass(frozen=True)
class Schedule:
    """A schedule by name: "step" multiplies the rate by `gamma` every `step_size` epochs,
    "exponential" by `gamma` every epoch, "cosine" follows half a cosine from the base rate down
    to `eta_min` over `t_max` epochs (and, as PyTorch's, back up over the next `t_max`)."""

    name: str
    step_size: int = 1
    gamma: float = 0.1
    t_max: int = 1
    eta_min: float = 0.0

    def __post_init__(self) -> None:
        if self.name not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.name!r}")
        if self.step_size < 1 or self.t_max < 1:
            raise ValueError("step_size and t_max are at least 1")

    def next_rate(self, base: float, rate: float, epoch: int) -> float:
        """Return the rate of epoch `epoch` (≥ 1; epochs finished before it) from `rate`, the
        rate of epoch − 1, as one `scheduler.step()` of PyTorch computes it: the same recurrence,
        so the same floating-point numbers (the cosine is PyTorch's recursive form, not the
        closed form, which differs from it in the last bits)."""
        if self.name == "step":
            return rate * self.gamma if epoch % self.step_size == 0 else rate
        if self.name == "exponential":
            return rate * self.gamma
        t_max, eta_min = self.t_max, self.eta_min
        if (epoch - 1 - t_max) % (2 * t_max) == 0:
            return rate + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
        return (1 + math.cos(math.pi * epoch / t_max)) / (
            1 + math.cos(math.pi * (epoch - 1) / t_max)
        ) * (rate - eta_min) + eta_min


def rate_at(schedule: Schedule | None, base: float, epoch: int) -> float:
    """Return the learning rate epoch `epoch` trains at (0 for the first epoch: `base`), as
    PyTorch's scheduler gives it after `epoch` calls of `step()` made at epoch ends."""
    rate = float(base)
    if schedule is None:
        return rate
    for e in range(1, epoch + 1):
        rate = schedule.next_rate(base, rate, e)
    return rate


def rates(schedule: Schedule | None, base: float, epochs: int) -> list[float]:
    """Return the rates of epochs 0 .. epochs − 1, each as `rate_at` gives it (for the curve)."""
    result = []
    rate = float(base)
    for e in range(epochs):
        if e and schedule is not None:
            rate = schedule.next_rate(base, rate, e)
        result.append(rate)
    return result


def describe(schedule: Schedule | None) -> str:
    """Return the schedule in a few words, as the settings and the step-through write it."""
    if schedule is None:
        return "constant"
    if schedule.name == "step":
        return f"× {schedule.gamma:g} every {schedule.step_size} epochs"
    if schedule.name == "exponential":
        return f"× {schedule.gamma:g} every epoch"
    return f"cosine to {schedule.eta_min:g} over {schedule.t_max} epochs"
