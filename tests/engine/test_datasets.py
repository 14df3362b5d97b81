"""Tests for the Playground-style 2-D data generators and the train/test split."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.engine.datasets import (
    CLASSIFICATION_GENERATORS,
    FUNCTION_HALF_WIDTH,
    GENERATORS,
    generate,
    generate_function,
    split,
)
from simulator.engine.formula import FormulaError

ALL_NAMES = sorted(GENERATORS)
CLASSIFIERS = sorted(CLASSIFICATION_GENERATORS)
REGRESSIONS = sorted(set(GENERATORS) - CLASSIFICATION_GENERATORS)


def test_names() -> None:
    assert set(GENERATORS) == {
        "circle",
        "xor",
        "gaussian",
        "spiral",
        "regression_plane",
        "regression_gaussians",
    }
    assert {"circle", "xor", "gaussian", "spiral"} == CLASSIFICATION_GENERATORS


@pytest.mark.parametrize("name", ALL_NAMES)
@pytest.mark.parametrize("samples", [1, 2, 7, 200])
def test_shapes_and_dtypes(name: str, samples: int) -> None:
    points, values = generate(name, samples, 0.25, seed=3)
    assert points.shape == (samples, 2)
    assert points.dtype == np.float64
    assert points.flags.c_contiguous
    assert values.shape == (samples,)
    assert np.isfinite(points).all()
    if name in CLASSIFICATION_GENERATORS:
        assert values.dtype == np.int64
        assert set(np.unique(values)) <= {0, 1}
    else:
        assert values.dtype == np.float64
        assert np.isfinite(values).all()


@pytest.mark.parametrize("name", ALL_NAMES)
def test_same_seed_same_data_other_seed_other_data(name: str) -> None:
    first = generate(name, 100, 0.2, seed=11)
    again = generate(name, 100, 0.2, seed=11)
    other = generate(name, 100, 0.2, seed=12)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


@pytest.mark.parametrize("name", CLASSIFIERS)
@pytest.mark.parametrize(("samples", "zeros"), [(1, 1), (2, 1), (9, 5), (10, 5), (501, 251)])
def test_classes_balanced_first_class_gets_the_extra_point(
    name: str, samples: int, zeros: int
) -> None:
    _, labels = generate(name, samples, 0.5, seed=0)
    assert (labels == 0).sum() == zeros
    assert (labels == 1).sum() == samples - zeros


@pytest.mark.parametrize("name", ALL_NAMES)
def test_noise_moves_the_points_of_one_seed_rather_than_drawing_new_ones(name: str) -> None:
    clean, _ = generate(name, 300, 0.0, seed=5)
    slight, _ = generate(name, 300, 0.001, seed=5)
    # Regression points stay put (noise shifts where the target is read); the others move a bit.
    assert np.abs(slight - clean).max() < 0.1
    assert (name in CLASSIFICATION_GENERATORS) == (not np.array_equal(slight, clean))


def test_circle_geometry_without_noise() -> None:
    points, labels = generate("circle", 1000, 0.0, seed=1)
    radius = np.hypot(points[:, 0], points[:, 1])
    assert radius[labels == 0].max() <= 2.5
    assert radius[labels == 1].min() >= 3.5
    assert radius[labels == 1].max() <= 5.0
    # All four quadrants are used.
    assert len({(x > 0, y > 0) for x, y in points}) == 4


def test_circle_noise_spreads_points() -> None:
    points, labels = generate("circle", 1000, 0.5, seed=1)
    radius = np.hypot(points[:, 0], points[:, 1])
    assert radius[labels == 0].max() > 2.5
    assert radius[labels == 1].min() < 3.5


def test_xor_geometry_without_noise() -> None:
    points, labels = generate("xor", 1000, 0.0, seed=2)
    product = points[:, 0] * points[:, 1]
    assert (product[labels == 0] > 0).all()
    assert (product[labels == 1] < 0).all()
    # Padding keeps points off the axes; the square stays within [-5, 5].
    assert np.abs(points).min() >= 0.3
    assert np.abs(points).max() <= 5.0
    # Both diagonal quadrants hold class 0 points.
    class0 = points[labels == 0]
    assert (class0[:, 0] > 0).any()
    assert (class0[:, 0] < 0).any()


def test_gaussian_clusters_without_noise() -> None:
    points, labels = generate("gaussian", 2000, 0.0, seed=3)
    np.testing.assert_allclose(points[labels == 0].mean(axis=0), [2.0, 2.0], atol=0.1)
    np.testing.assert_allclose(points[labels == 1].mean(axis=0), [-2.0, -2.0], atol=0.1)
    # Variance 0.5 at zero noise.
    np.testing.assert_allclose(points[labels == 0].var(axis=0), [0.5, 0.5], rtol=0.15)


def test_gaussian_spread_grows_with_noise() -> None:
    quiet, labels = generate("gaussian", 2000, 0.0, seed=3)
    loud, _ = generate("gaussian", 2000, 0.5, seed=3)
    assert loud[labels == 0].std() > 2 * quiet[labels == 0].std()
    # Playground: variance 4 at its 50 % noise.
    np.testing.assert_allclose(loud[labels == 0].var(axis=0), [4.0, 4.0], rtol=0.15)


def test_spiral_geometry_without_noise() -> None:
    samples = 200
    points, labels = generate("spiral", samples, 0.0, seed=4)
    for arm in (0, 1):
        arm_points = points[labels == arm]
        radius = np.hypot(arm_points[:, 0], arm_points[:, 1])
        assert np.all(np.diff(radius) > 0)
        np.testing.assert_allclose(radius, 5.0 * np.arange(100) / 100, atol=1e-12)
    # The second arm is the first turned by pi: point for point, the negation.
    np.testing.assert_allclose(points[labels == 1], -points[labels == 0], atol=1e-12)
    # Point i = 10 of the first arm lies at angle 1.75 * 2 pi * 10 / 100 (x = r sin t, y = r cos t).
    t = 1.75 * 2 * np.pi * 0.1
    np.testing.assert_allclose(points[10], [0.5 * np.sin(t), 0.5 * np.cos(t)], atol=1e-12)


def test_spiral_noise_moves_points_at_most_noise() -> None:
    clean, _ = generate("spiral", 200, 0.0, seed=4)
    noisy, _ = generate("spiral", 200, 0.4, seed=4)
    shift = np.abs(noisy - clean)
    assert shift.max() <= 0.4
    assert shift.max() > 0.2


@pytest.mark.parametrize("name", REGRESSIONS)
@pytest.mark.parametrize("noise", [0.0, 0.3, 1.0])
def test_regression_targets_in_range_and_points_in_domain(name: str, noise: float) -> None:
    points, values = generate(name, 1000, noise, seed=6)
    assert values.min() >= -1.0
    assert values.max() <= 1.0
    assert np.abs(points).max() <= 6.0


def test_regression_plane_target_without_noise() -> None:
    points, values = generate("regression_plane", 500, 0.0, seed=7)
    expected = np.clip((points[:, 0] + points[:, 1]) / 10.0, -1.0, 1.0)
    np.testing.assert_allclose(values, expected, atol=1e-15)
    # Both clamps are reached with points uniform in [-6, 6]^2.
    assert (values == 1.0).any()
    assert (values == -1.0).any()


def test_regression_plane_noise_perturbs_target_not_points() -> None:
    clean_points, clean_values = generate("regression_plane", 500, 0.0, seed=7)
    noisy_points, noisy_values = generate("regression_plane", 500, 0.5, seed=7)
    np.testing.assert_array_equal(clean_points, noisy_points)
    assert np.abs(noisy_values - clean_values).max() > 0.1


def _bump_target(x: float, y: float) -> float:
    """Hand reference: the strongest signed bump, each falling from 1 to 0 over distance 2."""
    bumps = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
    best = 0.0
    for cx, cy, sign in bumps:
        value = sign * max(0.0, 1.0 - np.hypot(x - cx, y - cy) / 2.0)
        if abs(value) > abs(best):
            best = value
    return best


def test_regression_gaussians_target_without_noise() -> None:
    points, values = generate("regression_gaussians", 400, 0.0, seed=8)
    expected = [_bump_target(x, y) for x, y in points]
    np.testing.assert_allclose(values, expected, atol=1e-12)
    assert values.max() > 0.8
    assert values.min() < -0.8
    # Far from every centre the target is 0.
    assert (values == 0.0).any()


def test_regression_gaussians_signs_at_the_centres() -> None:
    assert _bump_target(-4, 2.5) == 1.0
    points, values = generate("regression_gaussians", 5000, 0.0, seed=9)
    near_positive = np.hypot(points[:, 0] - 0.0, points[:, 1] + 2.5) < 0.5
    near_negative = np.hypot(points[:, 0] - 0.0, points[:, 1] - 2.5) < 0.5
    assert near_positive.any()
    assert near_negative.any()
    assert (values[near_positive] > 0.7).all()
    assert (values[near_negative] < -0.7).all()


def test_unknown_name_lists_allowed() -> None:
    with pytest.raises(ValueError, match="moons") as caught:
        generate("moons", 10, 0.0, seed=0)
    for name in ALL_NAMES:
        assert name in str(caught.value)


@pytest.mark.parametrize(
    ("samples", "noise", "word"),
    [
        (0, 0.0, "samples"),
        (-5, 0.0, "samples"),
        (2.5, 0.0, "samples"),
        (10, -0.1, "noise"),
        (10, 1.5, "noise"),
    ],
)
def test_bad_arguments(samples: int, noise: float, word: str) -> None:
    with pytest.raises(ValueError, match=word):
        generate("circle", samples, noise, seed=0)


def test_bad_noise_nan() -> None:
    with pytest.raises(ValueError, match="noise"):
        generate("xor", 10, float("nan"), seed=0)


@given(
    n=st.integers(1, 500),
    fraction=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_split_is_a_partition(n: int, fraction: float, seed: int) -> None:
    train, test = split(n, fraction, seed)
    assert train.dtype == np.int64
    assert test.dtype == np.int64
    assert len(train) == min(n, max(1, round(n * fraction)))
    assert len(train) + len(test) == n
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(n))


def test_split_counts_and_determinism() -> None:
    train, test = split(10, 0.5, seed=1)
    assert (len(train), len(test)) == (5, 5)
    train_again, test_again = split(10, 0.5, seed=1)
    np.testing.assert_array_equal(train, train_again)
    np.testing.assert_array_equal(test, test_again)
    other = [split(100, 0.5, seed=s)[0] for s in (1, 2)]
    assert not np.array_equal(other[0], other[1])
    # Shuffled, not the first half in order.
    assert not np.array_equal(np.sort(split(100, 0.5, seed=1)[0]), np.arange(50))


def test_split_edges() -> None:
    train, test = split(10, 0.0, seed=0)
    assert (len(train), len(test)) == (1, 9)
    train, test = split(10, 1.0, seed=0)
    assert (len(train), len(test)) == (10, 0)
    train, test = split(1, 0.5, seed=0)
    np.testing.assert_array_equal(train, [0])
    assert test.shape == (0,)


@pytest.mark.parametrize(
    ("n", "fraction", "word"),
    [(0, 0.5, "n must"), (10, -0.1, "train_fraction"), (10, 1.1, "train")],
)
def test_split_bad_arguments(n: int, fraction: float, word: str) -> None:
    with pytest.raises(ValueError, match=word):
        split(n, fraction, seed=0)


# ----- the function data set ---------------------------------------------------------------


def test_function_classification_splits_at_the_curve() -> None:
    points, classes = generate_function("2*sin(X1)", "classification", 400, 0.0, 5)
    assert points.shape == (400, 2)
    assert classes.dtype == np.int64
    above = points[:, 1] > 2 * np.sin(points[:, 0])
    np.testing.assert_array_equal(classes, np.where(above, 0, 1))
    assert 0 < classes.sum() < 400  # both classes are there
    assert np.abs(points).max() <= FUNCTION_HALF_WIDTH


def test_function_noise_moves_the_same_points_and_keeps_their_classes() -> None:
    clean, classes = generate_function("X1/2", "classification", 300, 0.0, 1)
    noisy, noisy_classes = generate_function("X1/2", "classification", 300, 0.2, 1)
    np.testing.assert_array_equal(classes, noisy_classes)
    shift = noisy - clean
    assert 0 < np.abs(shift).max() <= 0.2 * FUNCTION_HALF_WIDTH
    # Some points now lie on the wrong side of the curve: that is the noise.
    assert np.any((noisy[:, 1] > noisy[:, 0] / 2) != (classes == 0))


def test_function_regression_reads_the_formula_where_noise_moved_the_point() -> None:
    points, values = generate_function("X1*X2 - X2^2", "regression", 200, 0.0, 2)
    assert values.dtype == np.float64
    x1, x2 = points[:, 0], points[:, 1]
    np.testing.assert_array_equal(values, x1 * x2 - x2**2)
    moved, noisy = generate_function("X1*X2 - X2^2", "regression", 200, 0.3, 2)
    np.testing.assert_array_equal(moved, points)  # the points stay; their targets move
    assert not np.array_equal(noisy, values)


def test_function_data_is_seeded() -> None:
    first = generate_function("X1", "classification", 50, 0.1, 9)
    second = generate_function("X1", "classification", 50, 0.1, 9)
    other = generate_function("X1", "classification", 50, 0.1, 10)
    np.testing.assert_array_equal(first[0], second[0])
    assert not np.array_equal(first[0], other[0])


@pytest.mark.parametrize(
    ("expression", "task", "words"),
    [
        ("X2 + 1", "classification", 'unknown input "X2"'),
        ("sin(X1", "classification", "not closed"),
        ("log(X1)", "regression", "log(X1) is not a number"),
        ("1/(X1 - X1)", "classification", "is infinite"),
    ],
)
def test_function_refusals(expression: str, task: str, words: str) -> None:
    with pytest.raises(FormulaError, match=re.escape(words)):
        generate_function(expression, task, 100, 0.0, 0)


def test_function_refuses_a_bad_task_or_size() -> None:
    with pytest.raises(ValueError, match="task"):
        generate_function("X1", "ranking", 10, 0.0, 0)
    with pytest.raises(ValueError, match="samples"):
        generate_function("X1", "regression", 0, 0.0, 0)
    with pytest.raises(ValueError, match="noise"):
        generate_function("X1", "regression", 10, 1.5, 0)
