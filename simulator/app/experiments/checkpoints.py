"""Checkpoints of a run: its whole training state at epoch ends, kept within a memory bound so
that any earlier moment can be looked at again or trained on from, bit for bit."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

# The bound stated to the user: whichever comes first. 64 MB holds 2,000 checkpoints of a
# network of ~4,000 parameters under Adam (parameters, m and v); bigger networks keep fewer,
# spread over the whole run.
MAX_BYTES = 64 * 2**20
MAX_COUNT = 2000


@dataclass(frozen=True)
class RunCheckpoint:
    """The state of a run at the end of an epoch: enough to continue exactly as the run did.

    `parameters` is a copy of the network's flat parameter vector; `optimizer` the optimizer's
    own state (arrays copied); `position` the trainer's position() (step, epoch, batch_in_epoch,
    shuffle_rng and, with dropout, dropout_rng), all copied so that later training cannot
    change them.
    """

    parameters: np.ndarray
    optimizer: dict
    position: dict

    @property
    def epoch(self) -> int:
        return int(self.position["epoch"])

    @property
    def step(self) -> int:
        return int(self.position["step"])

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays (the position's few integers are not counted)."""
        arrays = [self.parameters, *_arrays(self.optimizer)]
        return sum(array.nbytes for array in arrays)


def _arrays(value) -> list[np.ndarray]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, dict):
        return [array for item in value.values() for array in _arrays(item)]
    if isinstance(value, list | tuple):
        return [array for item in value for array in _arrays(item)]
    return []


class CheckpointStore:
    """Checkpoints of one run, oldest first, at most `max_count` of them in `max_bytes`.

    Epochs a multiple of `stride` after the first kept one are kept; `stride` starts at `every`.
    When a new checkpoint would break the bound, every second one is dropped and the stride
    doubles, as the history's points are thinned: a run of any length keeps checkpoints spread
    evenly over all of it, the first always among them.
    """

    def __init__(self, every: int = 1, max_bytes: int = MAX_BYTES, max_count: int = MAX_COUNT):
        if every < 1:
            raise ValueError(f"checkpoints are kept every 1 or more epochs, not {every}")
        self.every = int(every)
        self.stride = self.every
        self.max_bytes = int(max_bytes)
        self.max_count = max(2, int(max_count))
        self._kept: list[RunCheckpoint] = []
        self._epochs: list[int] = []  # the kept epochs, for bisecting without a list per call
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._kept)

    def __iter__(self):
        return iter(self._kept)

    @property
    def nbytes(self) -> int:
        return self._bytes

    @property
    def latest(self) -> RunCheckpoint | None:
        """The newest checkpoint kept, or None."""
        return self._kept[-1] if self._kept else None

    def epochs(self) -> list[int]:
        """The epochs a checkpoint is kept at, in order."""
        return list(self._epochs)

    def wants(self, epoch: int) -> bool:
        """Whether a checkpoint at `epoch` would be kept (ask before making one: copying the
        state costs more than asking). Kept ones from `epoch` on do not count: `offer` drops
        them as an abandoned future."""
        if not self._epochs or self._epochs[0] >= epoch:
            return True
        return (epoch - self._epochs[0]) % self.stride == 0

    def offer(self, checkpoint: RunCheckpoint) -> bool:
        """Keep `checkpoint` when its epoch is due; later ones than it (a future abandoned by a
        rewind) are dropped first. Returns whether it was kept."""
        self.forget_after(checkpoint.epoch - 1)
        if not self.wants(checkpoint.epoch):
            return False
        self._kept.append(checkpoint)
        self._epochs.append(checkpoint.epoch)
        self._bytes += checkpoint.nbytes
        while len(self._kept) > 1 and (
            len(self._kept) > self.max_count or self._bytes > self.max_bytes
        ):
            dropped = self._kept[1::2]
            del self._kept[1::2]
            del self._epochs[1::2]
            self._bytes -= sum(kept.nbytes for kept in dropped)
            self.stride *= 2
        return True

    def at(self, epoch: int) -> RunCheckpoint | None:
        """The checkpoint at exactly `epoch`, or None."""
        index = bisect.bisect_left(self._epochs, epoch)
        if index < len(self._kept) and self._kept[index].epoch == epoch:
            return self._kept[index]
        return None

    def at_or_before(self, epoch: float) -> RunCheckpoint | None:
        """The latest checkpoint at or before `epoch`, or None when all are later."""
        index = bisect.bisect_right(self._epochs, epoch)
        return self._kept[index - 1] if index else None

    def nearest(self, epoch: int, count: int = 2) -> list[int]:
        """Up to `count` kept epochs nearest to `epoch`, in order (for "no checkpoint at E")."""
        by_distance = sorted(self._epochs, key=lambda kept: (abs(kept - epoch), kept))
        return sorted(by_distance[:count])

    def forget_after(self, epoch: int) -> None:
        """Drop every checkpoint later than `epoch`: a branch from there makes them another
        future. The stride stays, so the branch keeps the epochs the first run kept."""
        index = bisect.bisect_right(self._epochs, epoch)
        dropped = self._kept[index:]
        del self._kept[index:]
        del self._epochs[index:]
        self._bytes -= sum(kept.nbytes for kept in dropped)

    def clear(self) -> None:
        self._kept.clear()
        self._epochs.clear()
        self._bytes = 0
        self.stride = self.every

    def adopt(self, checkpoints: list[RunCheckpoint], stride: int | None = None) -> None:
        """Hold `checkpoints` (oldest first), read back from a file, with the stride they were
        kept at (else the gap between the last two, else `every`)."""
        self.clear()
        for checkpoint in checkpoints:
            self._kept.append(checkpoint)
            self._epochs.append(checkpoint.epoch)
            self._bytes += checkpoint.nbytes
        if stride is None and len(self._kept) >= 2:
            stride = self._kept[-1].epoch - self._kept[-2].epoch
        self.stride = max(1, int(stride or self.every))
