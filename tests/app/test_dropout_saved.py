"""Dropout in files and sessions: save → load → continue and rewinding through checkpoints are
the uninterrupted run bit for bit, the step-through's undo puts the masks' RNG back, and the
format accepts and refuses dropout by field."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from simulator.app import edits
from simulator.app.scenario import scenario_to_dict
from simulator.app.session import Simulation
from simulator.app.storage import (
    ScenarioError,
    load_scenario,
    save_scenario,
    validate_scenario_dict,
)
from simulator.app.undo import describe_change
from simulator.resources import scenarios_dir


def _scenario(optimizer: str = "adam", p: float = 0.3):
    scenario = load_scenario(scenarios_dir() / "three-classes.json")
    scenario = edits.set_optimizer(scenario, name=optimizer, learning_rate=0.01)
    return edits.set_all_hidden_dropout(scenario, p)


def _same_run(a: Simulation, b: Simulation) -> None:
    assert a.network.parameters.tobytes() == b.network.parameters.tobytes()
    state_a, state_b = a.trainer.optimizer.state(), b.trainer.optimizer.state()
    assert state_a.keys() == state_b.keys()
    for key in state_a:
        np.testing.assert_array_equal(state_a[key], state_b[key])
    assert a.trainer.position() == b.trainer.position()


def _steps(simulation: Simulation, count: int) -> None:
    for _ in range(count):
        assert not simulation.trainer.step().diverged


def test_the_preset_has_hidden_layers_and_dropout_is_on():
    scenario = _scenario()
    layers = scenario.network.layers
    assert len(layers) >= 2
    assert all(layer.dropout == 0.3 for layer in layers[:-1])
    assert layers[-1].dropout == 0.0
    assert Simulation(scenario).trainer.uses_dropout


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_save_load_continue_is_the_uninterrupted_run_mid_epoch(tmp_path, optimizer):
    scenario = _scenario(optimizer)
    straight = Simulation(scenario)
    straight.train_epochs(4)
    _steps(straight, 3)

    first = Simulation(scenario)
    first.train_epochs(1)
    _steps(first, 2)  # saved mid-epoch
    assert first.trainer.batch_in_epoch == 2
    path = tmp_path / "run.json"
    save_scenario(first.to_scenario(), path)
    assert "dropout_rng" in json.loads(path.read_text())["state"]
    second = Simulation(load_scenario(path))
    second.train_epochs(3)
    _steps(second, 3)
    _same_run(straight, second)


def test_without_the_saved_mask_state_the_continuation_differs(tmp_path):
    """The saved dropout_rng is what makes resume exact: drop it and the masks start over."""
    scenario = _scenario()
    straight = Simulation(scenario)
    straight.train_epochs(2)
    first = Simulation(scenario)
    first.train_epochs(1)
    obj = scenario_to_dict(first.to_scenario())
    del obj["state"]["dropout_rng"]
    path = tmp_path / "run.json"
    path.write_text(json.dumps(obj))
    second = Simulation(load_scenario(path))
    second.train_epochs(1)
    assert straight.network.parameters.tobytes() != second.network.parameters.tobytes()


def test_dropout_leaves_the_shuffle_order_as_without_it():
    plain = Simulation(_scenario(p=0.0))
    dropped = Simulation(_scenario(p=0.5))
    plain.train_epochs(2)
    dropped.train_epochs(2)
    assert plain.trainer.position()["shuffle_rng"] == dropped.trainer.position()["shuffle_rng"]
    assert "dropout_rng" not in plain.trainer.position()
    assert plain.network.parameters.tobytes() != dropped.network.parameters.tobytes()


def test_rewind_through_checkpoints_then_train_on_is_the_uninterrupted_run():
    scenario = _scenario()
    straight = Simulation(scenario)
    straight.train_epochs(6)
    branched = Simulation(scenario)
    branched.train_epochs(10)
    branched.rewind(3)
    branched.train_epochs(3)
    _same_run(straight, branched)


def test_a_file_saved_with_checkpoints_rewinds_with_its_masks(tmp_path):
    scenario = _scenario()
    straight = Simulation(scenario)
    straight.train_epochs(5)
    run = Simulation(scenario)
    run.train_epochs(8)
    path = tmp_path / "run.json"
    save_scenario(run.to_scenario(with_checkpoints=True), path)
    saved = json.loads(path.read_text())["state"]["checkpoints"]
    assert all("dropout_rng" in kept for kept in saved)
    reopened = Simulation(load_scenario(path))
    reopened.rewind(2)
    reopened.train_epochs(3)
    _same_run(straight, reopened)


def test_the_step_through_draws_a_mask_and_its_undo_puts_the_rng_back():
    scenario = _scenario(p=0.5)
    straight = Simulation(scenario)
    straight.train_epochs(1)
    walked = Simulation(scenario)
    checkpoint = walked.checkpoint()
    _, trace = walked.trace_sample(0)
    assert trace.layers[0].kept is not None
    assert trace.layers[0].kept.shape == (1, scenario.network.layers[0].units)
    walked.restore(checkpoint)
    walked.train_epochs(1)
    _same_run(straight, walked)


def test_evaluation_of_a_session_uses_no_dropout():
    simulation = Simulation(_scenario(p=0.5))
    simulation.train_epochs(1)
    state = simulation.trainer.dropout_rng.bit_generator.state
    assert simulation.evaluate() == simulation.evaluate()
    assert simulation.trainer.dropout_rng.bit_generator.state == state


# ----- the format -----------------------------------------------------------------------------


def _example(hidden: dict | None = None, output: dict | None = None) -> dict:
    return {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "t",
        "network": {
            "inputs": ["X1", "X2"],
            "layers": [
                {"units": 2, "activation": "relu", **(hidden or {})},
                {"units": 1, "activation": "sigmoid", **(output or {})},
            ],
        },
        "training": {
            "loss": "bce",
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
            "batch_size": 2,
        },
        "data": {"train": {"inputs": [[0, 0], [1, 1]], "targets": [[0], [1]]}},
    }


@pytest.mark.parametrize("p", [0, 0.0, 0.25, 0.5, 0.999])
def test_the_format_accepts_dropout_on_a_hidden_layer(p):
    scenario = validate_scenario_dict(_example({"dropout": p}), file="x.json")
    assert scenario.network.layers[0].dropout == p
    back = scenario_to_dict(scenario)["network"]["layers"][0]
    assert ("dropout" in back) == (p != 0)


@pytest.mark.parametrize(
    ("hidden", "output", "field", "reason"),
    [
        ({"dropout": 1}, None, "network.layers[0].dropout", "1"),
        ({"dropout": 1.5}, None, "network.layers[0].dropout", ""),
        ({"dropout": -0.1}, None, "network.layers[0].dropout", ""),
        ({"dropout": "half"}, None, "network.layers[0].dropout", ""),
        (None, {"dropout": 0.2}, "network.layers[1].dropout", "hidden layers"),
    ],
)
def test_the_format_refuses_bad_dropout_by_field(hidden, output, field, reason):
    with pytest.raises(ScenarioError) as info:
        validate_scenario_dict(_example(hidden, output), file="x.json")
    assert info.value.field == field, str(info.value)
    assert reason in str(info.value)


def test_a_bad_dropout_rng_state_is_refused_by_its_field():
    obj = _example({"dropout": 0.5})
    obj["state"] = {"epoch": 0, "step": 1, "batch_in_epoch": 0, "dropout_rng": {"state": 3}}
    with pytest.raises(ScenarioError) as info:
        validate_scenario_dict(copy.deepcopy(obj), file="x.json")
    assert info.value.field.startswith("state.dropout_rng"), str(info.value)


# ----- edits ----------------------------------------------------------------------------------


def test_dropout_edits():
    scenario = load_scenario(scenarios_dir() / "three-classes.json")
    last = len(scenario.network.layers) - 1
    one = edits.set_dropout(scenario, 0, 0.25)
    assert one.network.layers[0].dropout == 0.25
    assert describe_change(scenario, one) == "change of the dropout"
    assert edits.set_dropout(one, 0, 0.25) is one
    with pytest.raises(ValueError, match="output layer"):
        edits.set_dropout(scenario, last, 0.2)
    for bad in (1.0, -0.5, float("nan")):
        with pytest.raises(ValueError, match="dropout rate"):
            edits.set_dropout(scenario, 0, bad)
    every = edits.set_all_hidden_dropout(scenario, 0.5)
    assert [layer.dropout for layer in every.network.layers] == [0.5] * last + [0.0]
    # A layer added later takes its neighbour's rate: one rate for all stays one.
    grown = edits.add_hidden_layer(every, 0)
    assert [layer.dropout for layer in grown.network.layers[:-1]] == [0.5] * (last + 1)
