"""Asking a trained network about new inputs: the raw values go through the same features as
the training data, and the answers are the engine's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir

PRESETS = sorted(scenarios_dir().glob("*.json"))


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.stem)
def test_network_inputs_of_the_training_rows_are_the_training_inputs(preset: Path) -> None:
    simulation = Simulation(load_scenario(preset))
    made = simulation.network_inputs(simulation.data.train_raw)
    assert made.dtype == simulation.data.train_inputs.dtype
    assert made.shape == simulation.data.train_inputs.shape
    assert made.tobytes() == simulation.data.train_inputs.tobytes()
