"""Hidden neurons that have stopped learning: the flat part of tanh and sigmoid (saturated) and
ReLUs that are zero for every training sample (dead), measured from the snapshot's forward pass
over the training set, and the hint the window gives once they stay so for many steps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Where an activation's slope has fallen below about 1 % of its largest: tanh'(3) ≈ 0.0099,
# σ'(5) ≈ 0.0066 (σ' peaks at 0.25). ReLU is flat (slope 0) for z ≤ 0.
SATURATION_Z = {"tanh": 3.0, "sigmoid": 5.0}
DEAD_ACTIVATIONS = ("relu",)
# A tanh or sigmoid neuron is saturated when it sits in the flat part for this share of the
# training samples; a ReLU is dead only when it is zero for every one of them.
MOSTLY = 0.9
# Saturated neurons are marked when at least this share of the saturable hidden neurons are.
MOST_NEURONS = 0.5
# The state must have held in every picture over at least this many training steps: one step
# at a high learning rate can pass through the flat part and out again.
PERSISTENT_STEPS = 20

HEALTHY, SATURATED, DEAD = 0, 1, 2


def flat_counts(activation: str, z: np.ndarray) -> np.ndarray | None:
    """Per neuron, how many rows of z (n, units) sit in `activation`'s flat part; None for an
    activation without one (linear, leaky ReLU)."""
    if activation in SATURATION_Z:
        return np.count_nonzero(np.abs(z) > SATURATION_Z[activation], axis=0)
    if activation in DEAD_ACTIVATIONS:
        return np.count_nonzero(z <= 0.0, axis=0)
    return None


def neuron_states(
    activation_names: tuple[str, ...], flat_shares: tuple[np.ndarray | None, ...]
) -> list[np.ndarray]:
    """Per hidden layer, each neuron's state (HEALTHY, SATURATED or DEAD) from its share of
    training samples in the flat part (flat_shares[l] (units,) or None). Saturated neurons count
    only when most saturable hidden neurons are: a trained network has a few of them by right."""
    states = []
    saturable = saturated = 0
    for activation, shares in zip(activation_names, flat_shares, strict=False):
        state = np.zeros(0 if shares is None else len(shares), dtype=np.int8)
        if shares is not None and activation in SATURATION_Z:
            flat = shares >= MOSTLY
            state[flat] = SATURATED
            saturable += len(shares)
            saturated += int(flat.sum())
        elif shares is not None and activation in DEAD_ACTIVATIONS:
            state[shares >= 1.0] = DEAD
        states.append(state)
    if not saturable or saturated < MOST_NEURONS * saturable:
        for state in states:
            state[state == SATURATED] = HEALTHY
    return states


@dataclass(frozen=True)
class HealthReport:
    """What to show: per hidden layer the neurons' states (HEALTHY, SATURATED or DEAD) that
    have held for PERSISTENT_STEPS steps; the status line's hint, short, and its full words
    ("" for none)."""

    states: tuple[np.ndarray, ...]
    hint: str
    detail: str


class HealthWatch:
    """Follows the snapshots of one run and reports the neurons that have stayed saturated or
    dead since at least PERSISTENT_STEPS steps ago. Starts over when the network changes or the
    step count goes back (Reset, new weights, another scenario)."""

    def __init__(self, persistent_steps: int = PERSISTENT_STEPS) -> None:
        self.persistent_steps = persistent_steps
        self._key: tuple | None = None
        self._last_step = -1
        # Per hidden layer, per neuron: the step since which it has been in its state (-1: not).
        self._since: list[np.ndarray] = []
        self._states: list[np.ndarray] = []

    def update(self, snapshot) -> HealthReport:
        """Take the next snapshot (its activation_names, layer_sizes, step and flat_shares)."""
        key = (tuple(snapshot.layer_sizes), tuple(snapshot.activation_names))
        step = int(snapshot.step)
        now = neuron_states(snapshot.activation_names[:-1], snapshot.flat_shares)
        if key != self._key or step < self._last_step or len(now) != len(self._states):
            self._key = key
            self._since = [np.full(len(s), -1, dtype=np.int64) for s in now]
            self._states = [np.zeros(len(s), dtype=np.int8) for s in now]
        for state, before, since in zip(now, self._states, self._since, strict=True):
            changed = state != before
            since[changed] = step
            since[state == HEALTHY] = -1
            before[...] = state
        self._last_step = step
        shown = tuple(
            np.where((since >= 0) & (step - since >= self.persistent_steps), state, HEALTHY).astype(
                np.int8
            )
            for state, since in zip(self._states, self._since, strict=True)
        )
        return HealthReport(shown, *hint_text(shown, snapshot.activation_names[:-1]))


def hint_text(states: tuple[np.ndarray, ...], activation_names: tuple[str, ...]) -> tuple[str, str]:
    """The status line's words for the marked neurons with what to try, short and in full;
    ("", "") when none are marked."""
    hidden = sum(len(s) for s in states)
    saturated = sum(int(np.count_nonzero(s == SATURATED)) for s in states)
    dead = sum(int(np.count_nonzero(s == DEAD)) for s in states)
    if saturated:
        kinds = [a for a in dict.fromkeys(activation_names) if a in SATURATION_Z]
        where = " and ".join(f"{k} beyond ±{SATURATION_Z[k]:g}" for k in kinds)
        short = (
            f"{saturated} of {hidden} hidden neurons saturated (flat): lower the learning rate, "
            "try ReLU or leaky ReLU, or smaller initial weights"
        )
        detail = (
            f"{saturated} of {hidden} hidden neurons are saturated: their input z lies in the "
            f"flat part ({where}) for at least {MOSTLY:.0%} of the training samples, so their "
            "slope is almost zero and they barely learn. They are marked “flat” on the canvas. "
            "Lower the learning rate, try ReLU or leaky ReLU as the hidden activation, or start "
            "from smaller weights (Initialization “Uniform ±0.5”) and Reset."
        )
        return short, detail
    if dead:
        short = (
            f"{dead} of {hidden} hidden ReLU neurons dead: try leaky ReLU, a lower learning "
            "rate, or New weights"
        )
        detail = (
            f"{dead} of {hidden} hidden neurons are dead ReLUs: their input z is at most 0 for "
            "every training sample, so they output 0, get no gradient and no longer learn. They "
            "are marked “dead” on the canvas. Try leaky ReLU as the hidden activation, a lower "
            "learning rate, or New weights."
        )
        return short, detail
    return "", ""
