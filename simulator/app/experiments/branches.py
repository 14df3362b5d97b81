"""The futures a run abandoned when it branched from an earlier checkpoint: their curves, kept
to be drawn faded beside the branch until the run starts over."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..history import History

# Each future holds at most a history's points (4,096 of them); a handful shows what changed
# without turning the chart into a thicket, and bounds the memory.
MAX_FUTURES = 8


@dataclass(frozen=True)
class AbandonedFuture:
    """The curves of what a run did after epoch `branched_at` before it went back there:
    epochs (n,), train_loss and test_loss (n,), NaN where a set had none. The first point is
    the branch point itself, so the faded curve starts where the new one does."""

    branched_at: int
    epochs: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray

    @classmethod
    def from_history(cls, history: History, branched_at: int) -> AbandonedFuture | None:
        """The part of `history` from `branched_at` on; None when nothing came after it."""
        epochs = history.column("epoch")
        keep = epochs >= branched_at
        if not (epochs > branched_at).any():
            return None
        return cls(
            int(branched_at),
            epochs[keep].copy(),
            history.column("train_loss")[keep].copy(),
            history.column("test_loss")[keep].copy(),
        )


class Branches:
    """The abandoned futures of the run on show, oldest first, at most MAX_FUTURES."""

    def __init__(self) -> None:
        self._futures: list[AbandonedFuture] = []

    def __len__(self) -> int:
        return len(self._futures)

    def __iter__(self):
        return iter(self._futures)

    def add(self, future: AbandonedFuture | None) -> None:
        if future is None:
            return
        self._futures.append(future)
        del self._futures[:-MAX_FUTURES]

    def clear(self) -> None:
        self._futures.clear()
