"""The step-through's input stage of a formula feature: the formula with the sample's values
put in, and the value the engine computed."""

from __future__ import annotations

import numpy as np

from simulator.app import walkthrough as walk
from simulator.app.scenario import DataScaling
from simulator.app.session import Simulation
from simulator.app.storage import validate_scenario_dict
from simulator.app.walk_stages import RawInputs, Stage

FORMULA = "X1*X2 + sin(3*X1)"


def simulation(scaling: dict | None = None) -> Simulation:
    data = {
        "generator": "function",
        "expression": "2*sin(X1)",
        "task": "classification",
        "samples": 40,
        "noise": 0.0,
        "train_fraction": 0.5,
        "seed": 3,
    }
    if scaling is not None:
        data["scaling"] = scaling
    obj = {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "Walk a formula",
        "network": {
            "inputs": ["X1", FORMULA],
            "layers": [{"units": 2, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}],
        },
        "training": {
            "loss": "bce",
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
            "batch_size": 4,
        },
        "data": data,
    }
    return Simulation(validate_scenario_dict(obj, file="walk.json"))


def input_calculation(sim: Simulation, feature: int) -> tuple[walk.Calculation, float, np.ndarray]:
    _, trace = sim.trace_sample(0)
    data = sim.data
    raw = RawInputs(data.raw_names, data.train_raw[[0]].copy(), data.scaling)
    names = list(sim.scenario.network.inputs)
    shown = walk.calculation(trace, Stage("input"), walk.Focus(0, feature), names, raw=raw)
    return shown, float(trace.inputs[0, feature]), data.train_raw[0]


def test_a_formula_input_shows_the_values_put_in_and_the_engines_value() -> None:
    shown, value, (x1, x2) = input_calculation(simulation(), 1)
    assert x1 != 0
    line = shown.lines[-1]
    assert line.value == value  # the trace's own number, bit for bit
    n = walk.number
    assert line.text.startswith(f"{FORMULA} = ")
    assert line.text.endswith(f" = {n(value)}")
    middle = line.text[len(FORMULA) + 3 : -len(f" = {n(value)}")]
    # The values are the sample's, negative ones in parentheses, with the walk's signs.
    expected = f"{_f(x1)}×{_f(x2)} + sin(3×{_f(x1)})"
    assert middle == expected
    assert "formula of your own" in shown.explanation
    # A raw input is shown as before.
    plain, plain_value, _ = input_calculation(simulation(), 0)
    assert plain.lines[-1].text == f"X1 = {walk.number(plain_value)}"
    assert "formula" not in plain.explanation


def test_scaled_inputs_go_into_the_formula_scaled() -> None:
    sim = simulation({"method": "standardize"})
    assert isinstance(sim.scenario.data.scaling, DataScaling)
    shown, value, raw_row = input_calculation(sim, 1)
    scaled = sim.data.scaling.apply(raw_row.reshape(1, -1))[0]
    expected = f"{_f(scaled[0])}×{_f(scaled[1])} + sin(3×{_f(scaled[0])})"
    assert shown.lines[-1].text == f"{FORMULA} = {expected} = {walk.number(value)}"
    # The scaling of both raw columns the formula uses comes first.
    assert [line.name for line in shown.lines[:-1]] == ["raw", "scaled", "raw", "scaled"]


def _f(value: float) -> str:
    text = walk.number(float(value))
    return f"({text})" if text.startswith("−") else text
