"""RMSprop, AdamW and learning-rate schedules in files and sessions: the format accepts and
refuses them by field, and save → load → continue is the uninterrupted run bit for bit."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from simulator.app import edits
from simulator.app.rate_schedule import engine_schedule
from simulator.app.scenario import ScheduleSpec, scenario_from_dict, scenario_to_dict
from simulator.app.session import Simulation
from simulator.app.storage import (
    ScenarioError,
    load_scenario,
    save_scenario,
    validate_scenario_dict,
)
from simulator.engine.schedules import rate_at
from simulator.resources import scenarios_dir

SCHEDULES = {
    "constant": None,
    "step": {"name": "step", "step_size": 2, "gamma": 0.5},
    "exponential": {"name": "exponential", "gamma": 0.8},
    "cosine": {"name": "cosine", "t_max": 3, "eta_min": 0.001},
}
OPTIMIZERS = {
    "rmsprop": {"name": "rmsprop", "alpha": 0.9},
    "rmsprop+momentum": {"name": "rmsprop", "momentum": 0.6},
    "adamw": {"name": "adamw", "weight_decay": 0.05},
    "sgd": {"name": "sgd", "momentum": 0.9},
    "adam": {"name": "adam"},
}


def _scenario(optimizer: str, schedule: str, shuffle: bool = True):
    scenario = load_scenario(scenarios_dir() / "three-classes.json")
    scenario = edits.set_optimizer(scenario, **OPTIMIZERS[optimizer], learning_rate=0.01)
    scenario = edits.set_all_hidden_activations(scenario, "gelu")
    if SCHEDULES[schedule] is not None:
        scenario = edits.set_schedule(scenario, **SCHEDULES[schedule])
    return edits.set_shuffle(scenario, shuffle)


def _same_run(a: Simulation, b: Simulation) -> None:
    np.testing.assert_array_equal(a.network.parameters, b.network.parameters)
    state_a, state_b = a.trainer.optimizer.state(), b.trainer.optimizer.state()
    assert state_a.keys() == state_b.keys()
    for key in state_a:
        np.testing.assert_array_equal(state_a[key], state_b[key])
    assert a.trainer.position() == b.trainer.position()
    assert a.trainer.optimizer.learning_rate == b.trainer.optimizer.learning_rate


def _steps(simulation: Simulation, count: int) -> None:
    for _ in range(count):
        assert not simulation.trainer.step().diverged


CASES = [("rmsprop", "constant"), ("rmsprop+momentum", "constant"), ("adamw", "constant")] + [
    (optimizer, schedule)
    for schedule in ("step", "exponential", "cosine")
    for optimizer in ("sgd", "adam", "rmsprop", "adamw")
]


@pytest.mark.parametrize(("optimizer", "schedule"), CASES)
def test_save_load_continue_is_the_uninterrupted_run(tmp_path, optimizer, schedule):
    scenario = _scenario(optimizer, schedule)
    straight = Simulation(scenario)
    straight.train_epochs(7)
    _steps(straight, 3)

    first = Simulation(scenario)
    first.train_epochs(2)
    _steps(first, 2)  # saved mid-epoch
    path = tmp_path / "run.json"
    save_scenario(first.to_scenario(), path)
    second = Simulation(load_scenario(path))
    second.train_epochs(5)
    _steps(second, 3)
    _same_run(straight, second)
    if schedule != "constant":
        assert straight.trainer.optimizer.learning_rate != 0.01  # the schedule did move it


@pytest.mark.parametrize("schedule", ["step", "exponential", "cosine"])
def test_rewinding_through_checkpoints_the_rate_follows_the_epoch(schedule):
    scenario = _scenario("adamw", schedule)
    straight = Simulation(scenario)
    straight.train_epochs(9)

    branched = Simulation(scenario)
    branched.train_epochs(12)
    spec = scenario.training.schedule
    for epoch in (10, 6, 1):
        branched.rewind(epoch)
        base = scenario.training.optimizer.learning_rate
        expected = rate_at(_engine(spec), base, epoch)
        assert branched.trainer.optimizer.learning_rate == expected
    branched.train_epochs(8)
    _same_run(straight, branched)


def _engine(spec: ScheduleSpec):
    return engine_schedule(spec)


def test_a_file_saved_with_checkpoints_rewinds_with_the_schedule(tmp_path):
    scenario = _scenario("rmsprop+momentum", "cosine")
    straight = Simulation(scenario)
    straight.train_epochs(8)
    run = Simulation(scenario)
    run.train_epochs(11)
    path = tmp_path / "run.json"
    save_scenario(run.to_scenario(with_checkpoints=True), path)
    reopened = Simulation(load_scenario(path))
    reopened.rewind(3)
    reopened.train_epochs(5)
    _same_run(straight, reopened)


def test_a_changed_schedule_applies_from_the_next_epoch():
    simulation = Simulation(_scenario("sgd", "exponential"))
    simulation.train_epochs(3)
    _steps(simulation, 1)  # mid-epoch 3
    rate_before = simulation.trainer.optimizer.learning_rate
    assert rate_before == pytest.approx(0.01 * 0.8**3, rel=1e-15)
    changed = edits.set_schedule(simulation.to_scenario(), "step", step_size=1, gamma=0.5)
    rebuilt = Simulation(changed)
    assert rebuilt.trainer.optimizer.learning_rate == rate_before  # this epoch: as it began
    while rebuilt.trainer.batch_in_epoch:
        rebuilt.trainer.step()
    assert rebuilt.trainer.epoch == 4
    assert rebuilt.trainer.optimizer.learning_rate == pytest.approx(0.01 * 0.5**4, rel=1e-15)
    # At an epoch's start the new schedule applies at once.
    at_start = Simulation(edits.set_schedule(rebuilt.to_scenario(), "exponential", gamma=0.9))
    assert at_start.trainer.optimizer.learning_rate == pytest.approx(0.01 * 0.9**4, rel=1e-15)


def test_a_new_learning_rate_under_a_schedule_rescales_the_curve_at_once():
    simulation = Simulation(_scenario("adam", "step"))
    simulation.train_epochs(2)
    _steps(simulation, 1)
    changed = Simulation(edits.set_optimizer(simulation.to_scenario(), learning_rate=0.1))
    assert changed.trainer.optimizer.learning_rate == pytest.approx(0.05, rel=1e-15)


def test_the_state_keeps_the_current_rate_only_with_a_schedule():
    with_schedule = Simulation(_scenario("sgd", "step"))
    with_schedule.train_epochs(2)
    assert with_schedule.to_scenario().state.learning_rate == 0.005
    without = Simulation(_scenario("sgd", "constant"))
    without.train_epochs(2)
    assert without.to_scenario().state.learning_rate is None
    assert "learning_rate" not in scenario_to_dict(without.to_scenario())["state"]


def test_the_optimizer_and_schedule_round_trip_exactly():
    scenario = _scenario("adamw", "cosine")
    obj = scenario_to_dict(scenario)
    assert obj["training"]["optimizer"] == {
        "name": "adamw",
        "learning_rate": 0.01,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
        "weight_decay": 0.05,
    }
    assert obj["training"]["schedule"] == {"name": "cosine", "t_max": 3, "eta_min": 0.001}
    back = scenario_from_dict(copy.deepcopy(obj), source=None)
    assert back.training == scenario.training


# ----- the format: accepted, and refused by field ---------------------------------------------


def _example(**training) -> dict:
    return {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "t",
        "network": {
            "inputs": ["X1", "X2"],
            "layers": [{"units": 2, "activation": "softplus"}, {"units": 1, "activation": "elu"}],
        },
        "training": {
            "loss": "mse",
            "optimizer": {"name": "rmsprop", "learning_rate": 0.01},
            "batch_size": 2,
            **training,
        },
        "data": {"train": {"inputs": [[0, 0], [1, 1]], "targets": [[0], [1]]}},
    }


@pytest.mark.parametrize(
    "training",
    [
        {},
        {"optimizer": {"name": "rmsprop", "learning_rate": 0.1, "alpha": 0.9, "momentum": 0.5}},
        {"optimizer": {"name": "adamw", "learning_rate": 0.1, "weight_decay": 0}},
        {"schedule": {"name": "step", "step_size": 5}},
        {"schedule": {"name": "exponential", "gamma": 0.99}},
        {"schedule": {"name": "cosine", "t_max": 50, "eta_min": 0.0001}},
    ],
)
def test_the_format_accepts_the_new_settings(training):
    scenario = validate_scenario_dict(_example(**training), file="x.json")
    assert scenario.network.layers[0].activation == "softplus"


@pytest.mark.parametrize(
    ("training", "field", "reason"),
    [
        (
            {"optimizer": {"name": "rmsprop", "learning_rate": 0.1, "beta1": 0.9}},
            "training.optimizer.beta1",
            "unknown field",
        ),
        (
            {"optimizer": {"name": "rmsprop", "learning_rate": 0.1, "alpha": 1}},
            "training.optimizer.alpha",
            "less than 1",
        ),
        (
            {"optimizer": {"name": "adamw", "learning_rate": 0.1, "weight_decay": -1}},
            "training.optimizer.weight_decay",
            "",
        ),
        (
            {"optimizer": {"name": "adamw", "learning_rate": 0.1, "momentum": 0.5}},
            "training.optimizer.momentum",
            "unknown field",
        ),
        ({"schedule": {"name": "step"}}, "training.schedule.step_size", "missing"),
        ({"schedule": {"name": "step", "step_size": 0}}, "training.schedule.step_size", ""),
        ({"schedule": {"name": "cosine", "gamma": 0.5, "t_max": 3}}, "training.schedule.gamma", ""),
        ({"schedule": {"name": "exponential", "gamma": 0}}, "training.schedule.gamma", ""),
        ({"schedule": {"name": "linear"}}, "training.schedule.name", ""),
    ],
)
def test_the_format_refuses_bad_settings_by_field(training, field, reason):
    with pytest.raises(ScenarioError) as info:
        validate_scenario_dict(_example(**training), file="x.json")
    assert info.value.field == field, str(info.value)
    assert reason in str(info.value)


def test_a_kept_rate_without_a_schedule_is_refused_by_its_field():
    obj = _example()
    obj["state"] = {"epoch": 1, "step": 1, "batch_in_epoch": 0, "learning_rate": 0.5}
    with pytest.raises(ScenarioError) as info:
        validate_scenario_dict(obj, file="x.json")
    assert info.value.field == "state.learning_rate"
    assert "training.schedule" in str(info.value)


def test_a_saved_rmsprop_state_for_another_optimizer_is_refused():
    obj = _example(optimizer={"name": "adamw", "learning_rate": 0.1})
    square = [
        {"weights": [[0, 0], [0, 0]], "biases": [0, 0]},
        {"weights": [[0, 0]], "biases": [0]},
    ]
    obj["state"] = {
        "epoch": 1,
        "step": 1,
        "batch_in_epoch": 0,
        "optimizer": {"name": "rmsprop", "square_avg": square},
    }
    with pytest.raises(ScenarioError) as info:
        validate_scenario_dict(obj, file="x.json")
    assert info.value.field == "state.optimizer.name"


# ----- edits ----------------------------------------------------------------------------------


def test_set_schedule_edits():
    scenario = _scenario("sgd", "constant")
    step = edits.set_schedule(scenario, "step")
    assert step.training.schedule == ScheduleSpec("step", step_size=10, gamma=0.5)
    assert edits.set_schedule(step, "step", gamma=0.25).training.schedule.gamma == 0.25
    assert edits.set_schedule(step, "none").training.schedule is None
    assert edits.set_schedule(scenario, None) is scenario
    with pytest.raises(ValueError, match="t_max is a setting of the cosine schedule"):
        edits.set_schedule(scenario, "step", t_max=3)
    with pytest.raises(ValueError, match="not a known schedule"):
        edits.set_schedule(scenario, "linear")
    with pytest.raises(ValueError, match="step_size must be"):
        edits.set_schedule(scenario, "step", step_size=0)
    with pytest.raises(ValueError, match="weight_decay is a setting of adamw"):
        edits.set_optimizer(scenario, name="rmsprop", weight_decay=0.1)
    rms = edits.set_optimizer(scenario, name="rmsprop", alpha=0.9, momentum=0.3)
    assert (rms.training.optimizer.alpha, rms.training.optimizer.momentum) == (0.9, 0.3)
