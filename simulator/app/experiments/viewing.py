"""Looking at a run as it was: a Snapshot of the network with a checkpoint's parameters, taken
without changing the run, and what the views are told about the moment they show."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..session import Simulation
from ..snapshot import Snapshot, take_snapshot
from .checkpoints import RunCheckpoint


@dataclass(frozen=True)
class Viewing:
    """The run is shown as it was at the end of `epoch` (after `step` steps) while it stands at
    `live_epoch` (`live_step`): the views show the past, the counter says so."""

    epoch: int
    step: int
    live_epoch: int
    live_step: int


def snapshot_at(
    simulation: Simulation, checkpoint: RunCheckpoint, sample_index: int | None = None, **options
) -> Snapshot:
    """Return a Snapshot of `simulation`'s network with `checkpoint`'s parameters: its pictures
    and losses are recomputed from the stored weights (nothing is trained), its step and epoch
    are the checkpoint's. `options` go to take_snapshot. The run is left exactly as it was:
    the live parameters are put back bit for bit, whatever happens in between. Call it on the
    thread that drives the simulation, between steps."""
    parameters = simulation.network.parameters
    live = parameters.copy()
    # Copied into the same vector, not swapped for another array: the network's weights and
    # biases are views into it, and the trainer holds them too.
    np.copyto(parameters, checkpoint.parameters)
    try:
        snapshot = take_snapshot(simulation, sample_index, **options)
    finally:
        np.copyto(parameters, live)
    return dataclasses.replace(snapshot, step=checkpoint.step, epoch=checkpoint.epoch)
