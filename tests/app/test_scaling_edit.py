"""Choosing how the raw columns are scaled: the edit, and the statistics measured again."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.app import edits
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.engine.scaling import fit
from simulator.resources import scenarios_dir


def _trained_penguins():
    simulation = Simulation(load_scenario(scenarios_dir() / "penguins.json"))
    simulation.train_epochs(1)
    return simulation


def test_another_method_is_measured_on_the_training_split_and_weights_stay():
    simulation = _trained_penguins()
    saved = simulation.to_scenario()
    assert saved.state.scaling is not None  # standardize measured, kept in the state

    changed = edits.set_scaling(saved, "min_max")
    assert changed.data.scaling.method == "min_max"
    assert changed.state.scaling is None  # the standardize numbers would scale wrongly
    assert changed.network.layers == saved.network.layers

    rebuilt = Simulation(changed)
    expected = fit(rebuilt.data.train_raw, ("min_max",) * 4)
    np.testing.assert_array_equal(rebuilt.data.scaling.center, expected.center)
    np.testing.assert_array_equal(rebuilt.data.scaling.scale, expected.scale)
    assert rebuilt.data.train_inputs.min() == pytest.approx(-1.0, abs=1e-12)
    assert rebuilt.data.train_inputs.max() == pytest.approx(1.0, abs=1e-12)


def test_none_leaves_the_raw_values():
    simulation = Simulation(edits.set_scaling(_trained_penguins().to_scenario(), "none"))
    assert simulation.data.scaling.identity
    np.testing.assert_array_equal(simulation.data.train_inputs, simulation.data.train_raw)


def test_the_same_method_again_changes_nothing_and_a_wrong_one_is_refused():
    saved = _trained_penguins().to_scenario()
    assert edits.set_scaling(saved, "standardize") is saved
    with pytest.raises(ValueError, match="scaling method"):
        edits.set_scaling(saved, "log")
