"""Scaling statistics across edits: measured again on the new training rows when an edit changes
the data (its split, seed, points), kept to the bit when an edit changes anything else."""

import dataclasses
import functools
import json

import numpy as np

from simulator.app import edits
from simulator.app.controller import _rebuild
from simulator.app.scenario import ScalingStatistics
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario, save_scenario
from simulator.app.worker import TrainingWorker
from simulator.engine.scaling import fit
from simulator.resources import scenarios_dir

# Statistics no measurement of the circle's points would give: if they survive an edit, the edit
# kept them; if they are gone, it measured again.
KEPT = ScalingStatistics(center=(0.25, -0.5), scale=(3.0, 5.0))


def _worker(tmp_path) -> TrainingWorker:
    obj = json.loads((scenarios_dir() / "circle.json").read_text())
    obj["data"]["scaling"] = {"method": "standardize"}
    path = tmp_path / "scaled-circle.json"
    path.write_text(json.dumps(obj))
    scenario = Simulation(load_scenario(path)).to_scenario()
    assert scenario.state.scaling is not None  # measured when first built, kept in the state
    scenario = dataclasses.replace(
        scenario, state=dataclasses.replace(scenario.state, scaling=KEPT)
    )
    return TrainingWorker(Simulation(scenario))


def test_a_new_training_split_measures_the_statistics_again(tmp_path):
    worker = _worker(tmp_path)
    assert _rebuild(worker, functools.partial(edits.set_generator, train_fraction=0.8), False)
    data = worker.simulation.data
    measured = fit(data.train_raw, ("standardize", "standardize"))
    assert np.array_equal(data.scaling.center, measured.center)
    assert np.array_equal(data.scaling.scale, measured.scale)
    # The network is given the new rows scaled by the new statistics.
    assert np.array_equal(data.train_inputs, measured.apply(data.train_raw))
    saved = worker.simulation.to_scenario().state.scaling
    assert saved == ScalingStatistics(tuple(measured.center), tuple(measured.scale))


def test_another_data_seed_measures_the_statistics_again(tmp_path):
    worker = _worker(tmp_path)
    assert _rebuild(worker, functools.partial(edits.set_generator, seed=11), False)
    assert worker.simulation.to_scenario().state.scaling != KEPT


def test_a_change_that_keeps_the_data_keeps_the_statistics_to_the_bit(tmp_path):
    worker = _worker(tmp_path)
    before = tmp_path / "before.json"
    save_scenario(worker.simulation.to_scenario(), before)
    change = functools.partial(edits.set_optimizer, learning_rate=0.1)
    assert _rebuild(worker, change, False)
    assert np.array_equal(worker.simulation.data.scaling.center, KEPT.center)
    assert worker.simulation.to_scenario().state.scaling == KEPT
    # Back to the old learning rate: the saved file is the one saved before, byte for byte.
    assert _rebuild(worker, functools.partial(edits.set_optimizer, learning_rate=0.3), False)
    after = tmp_path / "after.json"
    save_scenario(worker.simulation.to_scenario(), after)
    assert after.read_bytes() == before.read_bytes()


def test_remeasure_scaling_drops_only_statistics_of_other_data(tmp_path):
    scenario = _worker(tmp_path).simulation.to_scenario()
    same = edits.set_optimizer(scenario, learning_rate=0.2)
    assert edits.remeasure_scaling(scenario, same).state.scaling == KEPT
    split = edits.set_generator(scenario, train_fraction=0.6)
    assert edits.remeasure_scaling(scenario, split).state.scaling is None
