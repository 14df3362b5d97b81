"""Looking at a run as it was: a Snapshot of the network with a checkpoint's parameters, taken
without changing the run, and what the views are told about the moment they show."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
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


# Pictures of moments looked at lately, kept so that going back to one (flicking between two
# epochs to compare them) costs no recomputation; a few, and a few megabytes at most.
PICTURES_KEPT = 32
PICTURE_BYTES = 32 * 2**20


class PictureCache:
    """The latest pictures of checkpoints (Snapshots), at most PICTURES_KEPT of them in
    PICTURE_BYTES, the least recently shown dropped first. A picture is found only for the very
    checkpoint it was taken of (a branch makes new checkpoints of the same epochs) and the same
    `options` (sample, question asked, tables wanted); `clear` when the simulation changes."""

    def __init__(self, max_count: int = PICTURES_KEPT, max_bytes: int = PICTURE_BYTES) -> None:
        self.max_count = max_count
        self.max_bytes = max_bytes
        self._kept: OrderedDict[int, tuple[RunCheckpoint, tuple, Snapshot, int]] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, checkpoint: RunCheckpoint, options: tuple) -> Snapshot | None:
        entry = self._kept.get(id(checkpoint))
        if entry is None or entry[0] is not checkpoint or entry[1] != options:
            return None
        self._kept.move_to_end(id(checkpoint))
        return entry[2]

    def put(self, checkpoint: RunCheckpoint, options: tuple, snapshot: Snapshot) -> None:
        size = snapshot_nbytes(snapshot)
        old = self._kept.pop(id(checkpoint), None)
        if old is not None:
            self._bytes -= old[3]
        # The checkpoint itself is held, so its id cannot name another one while it is here.
        self._kept[id(checkpoint)] = (checkpoint, options, snapshot, size)
        self._bytes += size
        while self._kept and (len(self._kept) > self.max_count or self._bytes > self.max_bytes):
            _, (_, _, _, dropped) = self._kept.popitem(last=False)
            self._bytes -= dropped

    def clear(self) -> None:
        self._kept.clear()
        self._bytes = 0


def snapshot_nbytes(snapshot: Snapshot) -> int:
    """Memory held by a Snapshot's arrays (its few numbers and names not counted)."""
    total = 0
    for field in dataclasses.fields(snapshot):
        total += _nbytes(getattr(snapshot, field.name))
    return total


def _nbytes(value) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, tuple | list):
        return sum(_nbytes(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(_nbytes(getattr(value, f.name)) for f in dataclasses.fields(value))
    return 0
