"""Input features for the network: raw data columns and, for 2-D data, Playground's derived ones."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_RAW, _SQUARE, _PRODUCT, _SINE = "raw", "square", "product", "sine"


class FeatureError(ValueError):
    """A requested feature does not exist for the data's columns."""


@dataclass(frozen=True)
class FeaturePlan:
    """How to build the network's inputs from the raw columns; made by `resolve_features`.

    `raw_names` are the data's columns, `names` the features in input order. `steps` is internal:
    one (kind, column, column) triple per feature.
    """

    raw_names: tuple[str, ...]
    names: tuple[str, ...]
    steps: tuple[tuple[str, int, int], ...]


def derived_feature_names(first: str, second: str) -> list[str]:
    """Return the five derived feature names of two raw columns named `first` and `second`."""
    return [f"{first}^2", f"{second}^2", f"{first}*{second}", f"sin({first})", f"sin({second})"]


def _derived_steps(raw_names: list[str]) -> dict[str, tuple[str, int, int]]:
    if len(raw_names) != 2:
        return {}
    kinds = [(_SQUARE, 0, 0), (_SQUARE, 1, 1), (_PRODUCT, 0, 1), (_SINE, 0, 0), (_SINE, 1, 1)]
    return dict(zip(derived_feature_names(*raw_names), kinds, strict=True))


def resolve_features(raw_names: list[str], wanted: list[str]) -> FeaturePlan:
    """Check the wanted features against the raw columns and plan how to compute them.

    In: `raw_names`, the data's column names (d of them, distinct); `wanted`, feature names in the
    order the network takes them: raw column names or, only when d == 2, the names from
    `derived_feature_names(*raw_names)`. Out: a FeaturePlan for `build_inputs`.
    Raises FeatureError naming the first unknown or repeated feature, or when none is wanted.
    """
    raw_names = list(raw_names)
    if len(set(raw_names)) != len(raw_names):
        raise FeatureError(f"the data's column names repeat: {raw_names}")
    # A raw column wins over a derived name if a file happens to name a column like "x^2".
    available = _derived_steps(raw_names) | {
        name: (_RAW, index, index) for index, name in enumerate(raw_names)
    }
    if not wanted:
        raise FeatureError("choose at least one input feature")
    steps = []
    for position, name in enumerate(wanted):
        if name not in available:
            allowed = ", ".join(f'"{key}"' for key in [*raw_names, *_derived_steps(raw_names)])
            raise FeatureError(f'unknown feature "{name}"; allowed: {allowed}')
        if name in wanted[:position]:
            raise FeatureError(f'feature "{name}" is listed twice')
        steps.append(available[name])
    return FeaturePlan(tuple(raw_names), tuple(wanted), tuple(steps))


def build_inputs(raw: np.ndarray, plan: FeaturePlan) -> np.ndarray:
    """Compute the network's inputs.

    In: `raw` (n, d) with d == len(plan.raw_names); `plan` from `resolve_features`.
    Out: float64 C-contiguous (n, len(plan.names)), one column per feature in plan order.
    """
    raw = np.asarray(raw, dtype=np.float64)
    if raw.ndim != 2 or raw.shape[1] != len(plan.raw_names):
        raise ValueError(f"raw must have shape (n, {len(plan.raw_names)}), got {raw.shape}")
    out = np.empty((raw.shape[0], len(plan.steps)), dtype=np.float64)
    for column, (kind, i, j) in enumerate(plan.steps):
        target = out[:, column]
        if kind == _RAW:
            target[...] = raw[:, i]
        elif kind == _SINE:
            np.sin(raw[:, i], out=target)
        else:  # square and product: a square is the product of a column with itself
            np.multiply(raw[:, i], raw[:, j], out=target)
    return out
