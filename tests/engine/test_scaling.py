"""Feature scaling in the engine: each method's formula, constant columns, and "none" leaving the
values bit for bit as they were."""

import numpy as np
import pytest

from simulator.engine.probe import feature_over_plane
from simulator.engine.scaling import ScalingError, expand_methods, fit, stored

TRAIN = np.array([[1.0, 10.0, 5.0], [2.0, 30.0, 5.0], [6.0, 20.0, 5.0], [3.0, 60.0, 5.0]])


def test_standardize_subtracts_the_mean_and_divides_by_the_standard_deviation():
    scaling = fit(TRAIN[:, :2], ["standardize", "standardize"])
    # Worked by hand: column 0 has mean 3 and variance (4 + 1 + 9 + 0) / 4 = 3.5.
    assert scaling.center[0] == 3.0
    assert scaling.scale[0] == np.sqrt(3.5)
    scaled = scaling.apply(TRAIN[:, :2])
    np.testing.assert_array_equal(scaled[:, 0], (TRAIN[:, 0] - 3.0) / np.sqrt(3.5))
    np.testing.assert_allclose(scaled.mean(axis=0), 0.0, atol=1e-15)
    np.testing.assert_allclose(scaled.std(axis=0), 1.0)


def test_min_max_maps_the_training_range_onto_minus_one_to_one():
    scaling = fit(TRAIN[:, :2], ["min_max", "min_max"])
    # Column 1 runs from 10 to 60: centre 35, half range 25.
    assert (scaling.center[1], scaling.scale[1]) == (35.0, 25.0)
    scaled = scaling.apply(TRAIN[:, :2])
    np.testing.assert_array_equal(scaled.min(axis=0), [-1.0, -1.0])
    np.testing.assert_array_equal(scaled.max(axis=0), [1.0, 1.0])
    # A new value beyond the training range goes beyond 1, by the same formula.
    assert scaling.apply(np.array([[11.0, 85.0]]))[0, 1] == 2.0


def test_none_and_a_constant_column_keep_finite_values():
    scaling = fit(TRAIN, ["none", "min_max", "standardize"])
    assert (scaling.center[0], scaling.scale[0]) == (0.0, 1.0)
    # The third column is constant: scale 1 rather than a division by zero.
    assert (scaling.center[2], scaling.scale[2]) == (5.0, 1.0)
    scaled = scaling.apply(TRAIN)
    np.testing.assert_array_equal(scaled[:, 0], TRAIN[:, 0])
    np.testing.assert_array_equal(scaled[:, 2], 0.0)


def test_no_scaled_column_hands_back_the_rows_untouched():
    raw = np.array([[0.1, 0.7], [1e300, -3.3]])
    scaling = fit(raw, ["none", "none"])
    assert scaling.identity
    assert scaling.apply(raw) is raw


def test_statistics_come_only_from_the_rows_they_are_fitted_on():
    train = TRAIN[:, :2]
    scaling = fit(train, ["standardize", "min_max"])
    far_test = np.array([[1e6, -1e6]])
    refit = fit(train, ["standardize", "min_max"])
    np.testing.assert_array_equal(scaling.center, refit.center)
    # A test row far away is scaled with the training numbers, and lands far away.
    assert scaling.apply(far_test)[0, 0] == (1e6 - 3.0) / np.sqrt(3.5)


def test_methods_and_stored_statistics_are_checked():
    assert expand_methods("standardize", 3) == ("standardize",) * 3
    with pytest.raises(ScalingError, match="unknown method"):
        expand_methods("zscore", 2)
    with pytest.raises(ScalingError, match="2 methods for 3"):
        expand_methods(["none", "none"], 3)
    with pytest.raises(ScalingError, match="scale of 0"):
        stored(("none", "standardize"), [0.0, 1.0], [1.0, 0.0])
    with pytest.raises(ScalingError, match="center has 1 values for 2"):
        stored(("none", "standardize"), [0.0], [1.0, 2.0])


def test_a_feature_picture_over_the_raw_plane_shows_the_scaled_feature():
    scaling = fit(np.array([[10.0, 0.0], [30.0, 4.0]]), ["min_max", "none"])
    picture = feature_over_plane(["X1", "X2"], "X1", (10.0, 30.0, 0.0, 4.0), 2, scaling)
    # Cell centres at x = 15 and 25 in raw units are −0.5 and 0.5 once scaled.
    np.testing.assert_array_equal(picture, [[-0.5, 0.5], [-0.5, 0.5]])
