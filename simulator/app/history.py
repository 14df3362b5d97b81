"""The learning curves of a run, kept at bounded memory however long the run goes."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .scenario import HISTORY_KEYS

DEFAULT_CAPACITY = 4096
# The first epoch's steps kept for the curve: an epoch of more steps keeps every k-th one.
FIRST_EPOCH_STEPS = 2048


class DivergenceMark(NamedTuple):
    """Where a run diverged, for the learning curves: the kept state's place in epochs (a
    fraction within an epoch: epoch + batch_in_epoch / batches per epoch), its training loss
    (finite; None only when no finite state could be kept) and the step that was undone (None
    when none could be)."""

    epoch: float
    train_loss: float | None
    undone_step: int | None


class History:
    """Per-epoch train and test loss and accuracy.

    When `capacity` points are held, every second one is dropped and from then on only epochs a
    multiple of `stride` after the first are kept, so a run of millions of epochs still holds at
    most `capacity` evenly spread points. The stride follows from the epochs themselves, so a
    saved and reloaded history goes on exactly as the original would.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = max(16, int(capacity))
        self.stride = 1
        self._columns: dict[str, list] = {key: [] for key in HISTORY_KEYS}
        # Shown on the curves until the run starts again; never saved with the columns.
        self.divergence: DivergenceMark | None = None
        # The batch loss of each step of the first epoch, as (place in epochs, loss): a blow-up
        # before the first whole epoch shows on the curve. Not saved either.
        self.first_epoch_steps: list[tuple[float, float]] = []

    def add_first_epoch_step(self, place: float, loss: float) -> None:
        """Keep one first-epoch step's batch loss at `place` (0 ≤ place < 1 epochs)."""
        self.first_epoch_steps.append((float(place), float(loss)))

    def first_epoch_columns(self) -> tuple[np.ndarray, np.ndarray]:
        """The first epoch's steps as (places (m,), batch losses (m,))."""
        if not self.first_epoch_steps:
            return np.zeros(0), np.zeros(0)
        places, values = zip(*self.first_epoch_steps, strict=True)
        return np.array(places, dtype=float), np.array(values, dtype=float)

    def __len__(self) -> int:
        return len(self._columns["epoch"])

    def append(self, epoch: int, train_loss, test_loss, train_accuracy, test_accuracy) -> bool:
        """Offer one epoch's figures (None where there is no value); returns True when kept."""
        epochs = self._columns["epoch"]
        if epochs and (epoch - epochs[0]) % self.stride:
            return False
        for key, value in zip(
            HISTORY_KEYS, (epoch, train_loss, test_loss, train_accuracy, test_accuracy), strict=True
        ):
            self._columns[key].append(value)
        if len(self) >= self.capacity:
            for key in HISTORY_KEYS:
                del self._columns[key][1::2]
            self.stride *= 2
        return True

    def cut_after(self, epoch: int) -> None:
        """Forget every point after `epoch` (and the divergence mark): the run went back there.
        The stride stays, so the points kept from there on are those the run kept."""
        epochs = self._columns["epoch"]
        keep = len(epochs)
        while keep and epochs[keep - 1] > epoch:
            keep -= 1
        for key in HISTORY_KEYS:
            del self._columns[key][keep:]
        self.divergence = None
        if epoch < 1:
            self.first_epoch_steps.clear()

    def column(self, key: str) -> np.ndarray:
        """Return one series as a float array (NaN where a value is missing)."""
        return np.array([np.nan if v is None else v for v in self._columns[key]], dtype=float)

    def to_dict(self) -> dict[str, list]:
        """Return the columns as plain lists, as a scenario file's state.history holds them."""
        return {key: list(values) for key, values in self._columns.items()}

    @classmethod
    def from_dict(cls, columns: dict, capacity: int = DEFAULT_CAPACITY) -> History:
        """Rebuild a history from saved columns (missing columns are filled with None)."""
        history = cls(capacity)
        epochs = list(columns.get("epoch") or [])
        for key in HISTORY_KEYS:
            values = list(columns.get(key) or [])
            values += [None] * (len(epochs) - len(values))
            history._columns[key] = values[: len(epochs)]
        while len(history) >= history.capacity:
            for key in HISTORY_KEYS:
                del history._columns[key][1::2]
        kept = history._columns["epoch"]
        if len(kept) >= 2:
            history.stride = max(1, int(kept[-1] - kept[-2]))
        return history
