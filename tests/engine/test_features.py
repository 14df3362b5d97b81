"""Tests for input features: raw columns and Playground's derived features of 2-D data."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from simulator.engine.features import (
    FeatureError,
    FeaturePlan,
    build_inputs,
    derived_feature_names,
    resolve_features,
)
from simulator.engine.probe import feature_over_plane

RAW = ["x1", "x2"]
ALL_2D = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]


def test_derived_feature_names() -> None:
    assert derived_feature_names("x1", "x2") == ALL_2D[2:]
    assert derived_feature_names("a", "b") == ["a^2", "b^2", "a*b", "sin(a)", "sin(b)"]


def test_build_inputs_against_hand_values() -> None:
    plan = resolve_features(RAW, ALL_2D)
    raw = np.array([[2.0, -3.0], [0.5, math.pi / 2]])
    out = build_inputs(raw, plan)
    expected = np.array(
        [
            [2.0, -3.0, 4.0, 9.0, -6.0, math.sin(2.0), math.sin(-3.0)],
            [0.5, math.pi / 2, 0.25, math.pi**2 / 4, math.pi / 4, math.sin(0.5), 1.0],
        ]
    )
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-15)
    assert out.dtype == np.float64
    assert out.flags.c_contiguous
    assert out.shape == (2, 7)


def test_order_follows_wanted_and_subsets_work() -> None:
    plan = resolve_features(RAW, ["sin(x2)", "x1"])
    assert plan.names == ("sin(x2)", "x1")
    out = build_inputs(np.array([[1.0, 0.0], [3.0, math.pi / 2]]), plan)
    np.testing.assert_allclose(out, [[0.0, 1.0], [1.0, 3.0]], atol=1e-15)


def test_integer_raw_input_is_converted() -> None:
    out = build_inputs(np.array([[2, 3]]), resolve_features(RAW, ["x1*x2", "x2"]))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[6.0, 3.0]])


def test_empty_batch() -> None:
    out = build_inputs(np.empty((0, 2)), resolve_features(RAW, ALL_2D))
    assert out.shape == (0, 7)


def test_raw_columns_of_wider_data() -> None:
    names = ["a", "b", "c"]
    plan = resolve_features(names, ["c", "a"])
    out = build_inputs(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), plan)
    np.testing.assert_array_equal(out, [[3.0, 1.0], [6.0, 4.0]])
    assert out.flags.c_contiguous


@pytest.mark.parametrize(
    ("derived", "expected"), [("a^2", [1.0, 16.0]), ("a*b", [2.0, 20.0]), ("sin(c)", None)]
)
def test_derived_names_of_wider_data_are_formulas(derived: str, expected) -> None:
    # Playground's names exist only for two columns; with three they are read as formulas,
    # which compute the same.
    plan = resolve_features(["a", "b", "c"], ["a", derived])
    raw = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    out = build_inputs(raw, plan)
    np.testing.assert_array_equal(out[:, 1], np.sin(raw[:, 2]) if expected is None else expected)
    assert plan.formula_of(1) is not None
    assert plan.formula_of(0) is None


def test_square_of_a_single_column_is_a_formula() -> None:
    plan = resolve_features(["a"], ["a^2"])
    np.testing.assert_array_equal(build_inputs(np.array([[-3.0]]), plan), [[9.0]])


def test_unknown_feature_message_names_first_unknown_and_allowed() -> None:
    with pytest.raises(FeatureError) as caught:
        resolve_features(RAW, ["x1", "x3", "cos(x1)"])
    message = str(caught.value)
    assert '"x3"' in message
    assert "cos(x1)" not in message
    for name in ALL_2D:
        assert f'"{name}"' in message
    assert isinstance(caught.value, ValueError)


def test_derived_names_follow_the_raw_names() -> None:
    plan = resolve_features(["u", "v"], ["u*v"])
    np.testing.assert_array_equal(build_inputs(np.array([[2.0, 5.0]]), plan), [[10.0]])
    with pytest.raises(FeatureError):
        resolve_features(["u", "v"], ["x1*x2"])


def test_raw_name_wins_over_a_derived_name() -> None:
    # A file may name a column like a derived feature; the raw column is meant.
    plan = resolve_features(["a", "a^2"], ["a^2"])
    np.testing.assert_array_equal(build_inputs(np.array([[3.0, 7.0]]), plan), [[7.0]])


@pytest.mark.parametrize(("raw", "wanted"), [(RAW, []), (RAW, ["x1", "x1"]), (["a", "a"], ["a"])])
def test_refusals(raw: list[str], wanted: list[str]) -> None:
    with pytest.raises(FeatureError):
        resolve_features(raw, wanted)


def test_build_inputs_checks_width() -> None:
    plan = resolve_features(RAW, ["x1"])
    with pytest.raises(ValueError, match="shape"):
        build_inputs(np.zeros((4, 3)), plan)
    with pytest.raises(ValueError, match="shape"):
        build_inputs(np.zeros(4), plan)


def test_plan_is_frozen() -> None:
    plan = resolve_features(RAW, ["x1"])
    assert isinstance(plan, FeaturePlan)
    with pytest.raises(AttributeError):
        plan.names = ("x2",)  # type: ignore[misc]


@given(
    raw=arrays(
        np.float64,
        st.tuples(st.integers(0, 20), st.just(2)),
        elements=st.floats(-100, 100),
    ),
    wanted=st.lists(st.sampled_from(ALL_2D), min_size=1, unique=True),
)
def test_every_column_matches_its_formula(raw: np.ndarray, wanted: list[str]) -> None:
    out = build_inputs(raw, resolve_features(RAW, wanted))
    x1, x2 = raw[:, 0], raw[:, 1]
    formulas = {
        "x1": x1,
        "x2": x2,
        "x1^2": x1 * x1,
        "x2^2": x2 * x2,
        "x1*x2": x1 * x2,
        "sin(x1)": np.sin(x1),
        "sin(x2)": np.sin(x2),
    }
    assert out.shape == (raw.shape[0], len(wanted))
    for column, name in enumerate(wanted):
        np.testing.assert_array_equal(out[:, column], formulas[name])


SQUARE = (-6.0, 6.0, -6.0, 6.0)


def test_feature_over_plane_orientation_and_values() -> None:
    grid = feature_over_plane(RAW, "x1", SQUARE, 4)
    assert grid.shape == (4, 4)
    assert grid.dtype == np.float64
    centres = [-4.5, -1.5, 1.5, 4.5]
    # Columns run along the first coordinate, rows along the second, row 0 lowest.
    np.testing.assert_allclose(grid, np.tile(centres, (4, 1)))
    second = feature_over_plane(RAW, "x2", SQUARE, 4)
    np.testing.assert_allclose(second[:, 0], centres)
    assert second[0, 0] < second[-1, 0]
    product = feature_over_plane(RAW, "x1*x2", SQUARE, 4)
    assert product[0, 0] == pytest.approx(4.5 * 4.5)
    assert product[0, -1] == pytest.approx(-4.5 * 4.5)


def test_feature_over_plane_covers_the_given_bounds() -> None:
    # Data in metres: the picture spans the data's own plane, not a fixed square.
    grid = feature_over_plane(["size", "tail"], "size", (0.2, 0.6, 0.0, 0.4), 4)
    np.testing.assert_allclose(grid[0], [0.25, 0.35, 0.45, 0.55])
    sine = feature_over_plane(["a", "b"], "sin(b)", SQUARE, 10)
    assert np.abs(sine).max() <= 1.0
    # sin(b) is constant along a row.
    np.testing.assert_array_equal(sine, np.repeat(sine[:, :1], 10, axis=1))


def test_feature_over_plane_needs_two_raw_columns() -> None:
    with pytest.raises(FeatureError):
        feature_over_plane(["a", "b", "c"], "a", SQUARE, 4)
    with pytest.raises(FeatureError):
        feature_over_plane(RAW, "x3", SQUARE, 4)


# ----- formulas of the raw columns -----------------------------------------------------------


def test_a_formula_feature_is_computed_from_the_raw_columns() -> None:
    plan = resolve_features(RAW, ["x1", "x1*x2 + sin(3*x1)", "sqrt(x1^2 + x2^2)"])
    raw = np.array([[3.0, 4.0], [-1.0, 0.5]])
    out = build_inputs(raw, plan)
    x1, x2 = raw[:, 0], raw[:, 1]
    np.testing.assert_allclose(out[:, 1], x1 * x2 + np.sin(3 * x1), rtol=1e-15)
    np.testing.assert_allclose(out[:, 2], np.hypot(x1, x2), rtol=1e-15)
    assert plan.formula_of(1).canonical == "x1*x2 + sin(3*x1)"


def test_a_formula_written_twice_differently_is_repeated() -> None:
    with pytest.raises(FeatureError, match="listed twice") as caught:
        resolve_features(RAW, ["x1*x2 + 1", "x1 * x2+1"])
    assert caught.value.index == 1
    # Playground's names and raw columns count too.
    with pytest.raises(FeatureError, match="listed twice"):
        resolve_features(RAW, ["x1", "(x1)"])


def test_a_bad_formula_is_refused_with_its_index_and_position() -> None:
    with pytest.raises(FeatureError) as caught:
        resolve_features(RAW, ["x1", "x1 + x3"])
    error = caught.value
    assert error.index == 1
    assert error.formula_error.position == 5
    assert 'feature "x1 + x3": unknown input "x3" (at character 6)' in str(error)


def test_non_finite_formula_values_are_refused_only_when_checked() -> None:
    plan = resolve_features(RAW, ["x2", "log(x1)"])
    raw = np.array([[1.0, 0.0], [-1.0, 2.0]])
    unchecked = build_inputs(raw, plan)
    assert np.isnan(unchecked[1, 1])
    with pytest.raises(FeatureError, match="on row 2 of the data, where x1 = -1") as caught:
        build_inputs(raw, plan, check=True)
    assert caught.value.index == 1


def test_feature_over_plane_draws_a_formula_with_its_holes() -> None:
    grid = feature_over_plane(RAW, "sqrt(x1)", SQUARE, 4)
    # Left half of the plane (x1 < 0) has no square root: NaN there, the root elsewhere.
    assert np.isnan(grid[:, :2]).all()
    np.testing.assert_allclose(grid[:, 2:], np.sqrt(np.tile([1.5, 4.5], (4, 1))))
