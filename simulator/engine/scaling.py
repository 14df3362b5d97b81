"""Feature scaling of raw input columns: statistics from the training split, applied to any rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

METHODS = ("none", "standardize", "min_max")


class ScalingError(ValueError):
    """A scaling that cannot be used: an unknown method, or statistics of the wrong length."""


@dataclass(frozen=True)
class Scaling:
    """Per raw column, scaled = (raw − center) / scale.

    `methods` (d,) names each column's method; `center` and `scale` are float64 (d,). A column
    under "none" has center 0 and scale 1, which leaves its values bit for bit as they were.
    """

    methods: tuple[str, ...]
    center: np.ndarray
    scale: np.ndarray

    @property
    def identity(self) -> bool:
        """True when no column is changed (every method is "none")."""
        return all(method == "none" for method in self.methods)

    def apply(self, raw: np.ndarray) -> np.ndarray:
        """In: raw rows (n, d). Out: float64 (n, d), the rows scaled; `raw` itself (as float64)
        when no column is scaled, so that unscaled data takes exactly the path it always took."""
        raw = np.asarray(raw, dtype=np.float64)
        if raw.ndim != 2 or raw.shape[1] != len(self.methods):
            raise ValueError(f"raw must have shape (n, {len(self.methods)}), got {raw.shape}")
        if self.identity:
            return raw
        return (raw - self.center) / self.scale


def expand_methods(method: str | Sequence[str], columns: int) -> tuple[str, ...]:
    """Return one method per raw column: `method` repeated when it is one name, else the list
    itself, which must have `columns` entries. Raises ScalingError for an unknown name."""
    methods = (method,) * columns if isinstance(method, str) else tuple(method)
    if len(methods) != columns:
        raise ScalingError(f"{len(methods)} methods for {columns} raw columns")
    for name in methods:
        if name not in METHODS:
            raise ScalingError(f'unknown method "{name}"; allowed: {", ".join(METHODS)}')
    return methods


def fit(train_raw: np.ndarray, methods: Sequence[str]) -> Scaling:
    """Measure the statistics on the training rows `train_raw` (n, d), one method per column.

    standardize: center the mean, scale the standard deviation (over n, not n − 1).
    min_max: center the midpoint of min and max, scale half the range, so the training values
    fill [−1, 1]. A constant column (zero deviation or range), or no training rows at all, gets
    scale 1: dividing by zero would make every value infinite or NaN.
    """
    train_raw = np.asarray(train_raw, dtype=np.float64)
    columns = train_raw.shape[1]
    methods = expand_methods(list(methods), columns)
    center = np.zeros(columns)
    scale = np.ones(columns)
    if len(train_raw):
        for column, method in enumerate(methods):
            values = train_raw[:, column]
            if method == "standardize":
                center[column] = values.mean()
                spread = values.std()
            elif method == "min_max":
                low, high = values.min(), values.max()
                center[column] = (low + high) / 2
                spread = (high - low) / 2
            else:
                continue
            scale[column] = spread if spread > 0 else 1.0
    return Scaling(methods, center, scale)


def stored(methods: Sequence[str], center: Sequence[float], scale: Sequence[float]) -> Scaling:
    """Rebuild a Scaling from statistics saved in a scenario; raises ScalingError when the
    lengths differ from the methods' or a scale is zero or not finite."""
    center_array = np.asarray(center, dtype=np.float64)
    scale_array = np.asarray(scale, dtype=np.float64)
    columns = len(methods)
    for name, array in (("center", center_array), ("scale", scale_array)):
        if array.shape != (columns,):
            raise ScalingError(f"{name} has {array.size} values for {columns} raw columns")
        if not np.all(np.isfinite(array)):
            raise ScalingError(f"{name} holds a value that is not a finite number")
    if np.any(scale_array == 0):
        raise ScalingError("a scale of 0 would divide by zero")
    return Scaling(tuple(methods), center_array, scale_array)
