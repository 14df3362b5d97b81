"""Two-dimensional toy data sets in the manner of TensorFlow Playground, and train/test splits."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import formula

# Points fall (mostly) inside [-DOMAIN, DOMAIN]^2, the square the views draw.
DOMAIN = 6.0

GeneratorFunction = Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]

# Class 0 is Playground's positive class, class 1 its negative one.
_CIRCLE_RADIUS = 5.0
_XOR_HALF_WIDTH = 5.0
_XOR_PADDING = 0.3  # keeps points off the axes, where the XOR label is ambiguous
_SPIRAL_RADIUS = 5.0
_SPIRAL_TURNS = 1.75
_BUMP_RADIUS = 2.0  # a bump falls linearly from 1 at its centre to 0 at this distance
_BUMPS = np.array(
    [
        [-4.0, 2.5, 1.0],
        [0.0, 2.5, -1.0],
        [4.0, 2.5, 1.0],
        [-4.0, -2.5, -1.0],
        [0.0, -2.5, 1.0],
        [4.0, -2.5, -1.0],
    ]
)


def _class_sizes(samples: int) -> tuple[int, int]:
    return (samples + 1) // 2, samples // 2


def _class_labels(first: int, second: int) -> np.ndarray:
    return np.concatenate([np.zeros(first, dtype=np.int64), np.ones(second, dtype=np.int64)])


# Every generator draws its noise even at zero noise, so for one seed the noise slider moves the
# same points rather than drawing a new data set.


def _circle(samples: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    inner, outer = _class_sizes(samples)
    radius = np.concatenate(
        [
            rng.uniform(0.0, 0.5 * _CIRCLE_RADIUS, inner),
            rng.uniform(0.7 * _CIRCLE_RADIUS, _CIRCLE_RADIUS, outer),
        ]
    )
    angle = rng.uniform(0.0, 2.0 * np.pi, samples)
    points = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    points += rng.uniform(-_CIRCLE_RADIUS, _CIRCLE_RADIUS, (samples, 2)) * noise
    return points, _class_labels(inner, outer)


def _xor(samples: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    same, opposite = _class_sizes(samples)
    magnitude = rng.uniform(_XOR_PADDING, _XOR_HALF_WIDTH, (samples, 2))
    x_sign = rng.choice(np.array([-1.0, 1.0]), samples)
    # Class 0 lies where x*y > 0 (same signs), class 1 where x*y < 0.
    y_sign = np.concatenate([x_sign[:same], -x_sign[same:]])
    points = magnitude * np.column_stack([x_sign, y_sign])
    points += rng.uniform(-_XOR_HALF_WIDTH, _XOR_HALF_WIDTH, (samples, 2)) * noise
    return points, _class_labels(same, opposite)


def _gaussian(
    samples: int, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    first, second = _class_sizes(samples)
    # Playground maps its noise slider 0..50 % linearly onto a variance of 0.5..4.
    variance = 0.5 + 7.0 * noise
    centres = np.repeat(np.array([[2.0, 2.0], [-2.0, -2.0]]), [first, second], axis=0)
    points = centres + np.sqrt(variance) * rng.standard_normal((samples, 2))
    return points, _class_labels(first, second)


def _spiral_arm(count: int, turn: float) -> np.ndarray:
    fraction = np.arange(count) / max(count, 1)
    radius = _SPIRAL_RADIUS * fraction
    angle = _SPIRAL_TURNS * 2.0 * np.pi * fraction + turn
    return np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])


def _spiral(samples: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    first, second = _class_sizes(samples)
    points = np.concatenate([_spiral_arm(first, 0.0), _spiral_arm(second, np.pi)])
    points += rng.uniform(-1.0, 1.0, (samples, 2)) * noise
    return points, _class_labels(first, second)


def _regression_inputs(
    samples: int, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Return uniform points in the domain, and the same points shifted by noise for the target."""
    points = rng.uniform(-DOMAIN, DOMAIN, (samples, 2))
    # As in Playground the noise perturbs where the target is read, not where the point is drawn.
    shifted = points + rng.uniform(-DOMAIN, DOMAIN, (samples, 2)) * noise
    return points, shifted


def _regression_plane(
    samples: int, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    points, shifted = _regression_inputs(samples, noise, rng)
    values = np.clip(shifted.sum(axis=1) / 10.0, -1.0, 1.0)
    return points, values


def _regression_gaussians(
    samples: int, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    points, shifted = _regression_inputs(samples, noise, rng)
    distance = np.linalg.norm(shifted[:, None, :] - _BUMPS[None, :, :2], axis=2)  # (n, 6)
    strength = np.clip(1.0 - distance / _BUMP_RADIUS, 0.0, 1.0)
    strongest = np.argmax(strength, axis=1)
    rows = np.arange(samples)
    values = _BUMPS[strongest, 2] * strength[rows, strongest]
    return points, values


GENERATORS: dict[str, GeneratorFunction] = {
    "circle": _circle,
    "xor": _xor,
    "gaussian": _gaussian,
    "spiral": _spiral,
    "regression_plane": _regression_plane,
    "regression_gaussians": _regression_gaussians,
}

CLASSIFICATION_GENERATORS = frozenset({"circle", "xor", "gaussian", "spiral"})


def generate(name: str, samples: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Generate one of the GENERATORS' data sets.

    In: `name` a key of GENERATORS; `samples` >= 1; `noise` a fraction in [0, 1] (Playground's
    slider 0..50 % is 0..0.5); `seed` an int (or a `numpy.random.Generator`) for `default_rng`.
    Out: `points` float64 (samples, 2) and `values` (samples,): for the classification sets the
    class index 0 or 1 as int64, class 0 first and holding the extra point when `samples` is odd;
    for the regression sets a float64 target in [-1, 1]. The same arguments give the same arrays.
    Raises ValueError for an unknown name, samples < 1 or noise outside [0, 1].
    """
    generator = GENERATORS.get(name)
    if generator is None:
        allowed = ", ".join(f'"{key}"' for key in GENERATORS)
        raise ValueError(f'unknown data set "{name}"; choose one of {allowed}')
    _check_size(samples, noise)
    points, values = generator(int(samples), float(noise), np.random.default_rng(seed))
    return np.ascontiguousarray(points, dtype=np.float64), values


# The function data set draws its points in this square (the classification sets' extent).
FUNCTION_HALF_WIDTH = 5.0
FUNCTION_TASKS = ("classification", "regression")


def function_inputs(task: str) -> tuple[str, ...]:
    """The inputs a function data set's expression may use: X1 alone for a curve y = f(X1)
    that splits classes, X1 and X2 for a target y = f(X1, X2)."""
    return ("X1",) if task == "classification" else ("X1", "X2")


def generate_function(
    expression: str, task: str, samples: int, noise: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Generate a data set from the user's formula `expression` (engine/formula.py).

    X1 and X2 are drawn uniformly in [-FUNCTION_HALF_WIDTH, FUNCTION_HALF_WIDTH]. For `task`
    "classification" a point is class 0 when it lies above the curve (X2 > f(X1)) and class 1
    otherwise; then, as Playground's noise does, every point moves by up to ±5·noise in each
    direction, keeping its class. For "regression" the target is f(X1, X2) read, as Playground's
    regression sets do, where the point moved by up to ±5·noise lies; it is not clipped.
    Out: as `generate`: points float64 (samples, 2) and int64 classes or float64 targets
    (samples,), the same for the same arguments. The class sizes follow the curve.
    Raises FormulaError (a ValueError) when the expression does not parse, uses an input the
    task does not allow, or is not finite on the drawn points; ValueError for a bad
    task, samples or noise.
    """
    if task not in FUNCTION_TASKS:
        raise ValueError(f'task must be "classification" or "regression", got {task!r}')
    _check_size(samples, noise)
    samples, noise = int(samples), float(noise)
    parsed = formula.parse(expression, function_inputs(task))
    rng = np.random.default_rng(seed)
    points = rng.uniform(-FUNCTION_HALF_WIDTH, FUNCTION_HALF_WIDTH, (samples, 2))
    # Drawn at zero noise too, so that the noise slider moves the same points.
    shift = rng.uniform(-FUNCTION_HALF_WIDTH, FUNCTION_HALF_WIDTH, (samples, 2)) * noise
    if task == "classification":
        curve = formula.evaluate(parsed, {"X1": points[:, 0]}, check=True)
        values = np.where(points[:, 1] > curve, 0, 1).astype(np.int64)
        points = points + shift
    else:
        moved = points + shift
        values = formula.evaluate(parsed, {"X1": moved[:, 0], "X2": moved[:, 1]}, check=True)
    return np.ascontiguousarray(points), values


def _check_size(samples: int, noise: float) -> None:
    if isinstance(samples, bool) or int(samples) != samples or samples < 1:
        raise ValueError(f"samples must be a whole number of at least 1, got {samples!r}")
    if not 0.0 <= noise <= 1.0:  # also refuses NaN
        raise ValueError(f"noise must be a fraction between 0 and 1, got {noise!r}")


def split(n: int, train_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split n samples into train and test sets at random.

    In: `n` >= 1 samples; `train_fraction` in [0, 1]; `seed` for `default_rng`.
    Out: (train, test) int64 index arrays that together form a seeded permutation of range(n);
    train holds round(n * train_fraction) indices but at least 1, test the rest (maybe none).
    """
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be a whole number of at least 1, got {n!r}")
    if not 0.0 <= train_fraction <= 1.0:
        raise ValueError(f"train_fraction must be between 0 and 1, got {train_fraction!r}")
    train_count = min(int(n), max(1, round(n * train_fraction)))
    order = np.random.default_rng(seed).permutation(int(n)).astype(np.int64, copy=False)
    return order[:train_count].copy(), order[train_count:].copy()
