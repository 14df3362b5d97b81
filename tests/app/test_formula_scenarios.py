"""Formulas in scenarios: formula input features and the function data set, through the file
format (schema and rules), the built simulation and the edits."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import numpy as np
import pytest

from simulator.app import edits, undo
from simulator.app.predict import answer_text, predict
from simulator.app.scenario import GeneratorData, derived_task, scenario_from_dict, scenario_to_dict
from simulator.app.session import Simulation, load_dataset
from simulator.app.storage import (
    ScenarioError,
    load_scenario,
    save_scenario,
    validate_scenario_dict,
)
from simulator.engine.formula import FormulaError
from simulator.resources import scenarios_dir

FILE = "f.json"


def function_file(expression: str = "2*sin(X1)", task: str = "classification") -> dict:
    regression = task == "regression"
    return {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "Above or below",
        "network": {
            "inputs": ["X1", "X2", "X1*X2 + sin(3*X1)"],
            "layers": [
                {"units": 3, "activation": "tanh"},
                {"units": 1, "activation": "linear" if regression else "sigmoid"},
            ],
        },
        "training": {
            "loss": "mse" if regression else "bce",
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
            "batch_size": 10,
        },
        "data": {
            "generator": "function",
            "expression": expression,
            "task": task,
            "samples": 100,
            "noise": 0.0,
            "train_fraction": 0.5,
            "seed": 3,
        },
    }


def error_of(obj: dict) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        validate_scenario_dict(obj, file=FILE)
    return info.value


def scenario_of(obj: dict):
    return validate_scenario_dict(obj, file=FILE)


# ----- the format -----------------------------------------------------------------------------


def test_a_function_file_loads_builds_and_round_trips(tmp_path: Path) -> None:
    scenario = scenario_of(function_file())
    assert scenario.data == GeneratorData(
        "function", 100, 0.0, 0.5, 3, expression="2*sin(X1)", task="classification"
    )
    assert derived_task(scenario) == "classification"
    assert scenario_from_dict(scenario_to_dict(scenario), source=None) == scenario
    path = tmp_path / "f.json"
    save_scenario(scenario, path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["data"]["expression"] == "2*sin(X1)"
    assert saved["data"]["task"] == "classification"
    assert load_scenario(path) == scenario


def test_the_built_data_follows_the_formulas() -> None:
    data = load_dataset(scenario_of(function_file()))
    raw = np.concatenate([data.train_raw, data.test_raw])
    classes = np.concatenate([data.train_targets, data.test_targets])[:, 0]
    # At zero noise class 0 (target 0) lies above the curve, class 1 below.
    np.testing.assert_array_equal(classes == 0, raw[:, 1] > 2 * np.sin(raw[:, 0]))
    x1, x2 = data.train_raw[:, 0], data.train_raw[:, 1]
    np.testing.assert_allclose(data.train_inputs[:, 2], x1 * x2 + np.sin(3 * x1), rtol=1e-15)
    assert data.feature_plan.formula_of(2).canonical == "X1*X2 + sin(3*X1)"


def test_regression_targets_are_the_formula() -> None:
    data = load_dataset(scenario_of(function_file("X1*X2/10", "regression")))
    assert data.task == "regression"
    x1, x2 = data.train_raw[:, 0], data.train_raw[:, 1]
    np.testing.assert_array_equal(data.train_targets[:, 0], x1 * x2 / 10)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda o: o["data"].pop("expression"), "data.expression", "required"),
        (lambda o: o["data"].pop("task"), "data.task", "required"),
        (lambda o: o["data"].update(task="ranking"), "data.task", "not one of"),
        (lambda o: o["data"].update(expression=""), "data.expression", "empty"),
        (lambda o: o["data"].update(expression="2*sin(X1"), "data.expression", "character 6"),
        (lambda o: o["data"].update(expression="X2 + 1"), "data.expression", "the inputs are X1"),
        (lambda o: o["data"].update(expression="os.system"), "data.expression", "character 3"),
        (lambda o: o["training"].update(task="regression"), "training.task", "data.task"),
        (lambda o: o["network"]["inputs"].append("X1 +"), "network.inputs[3]", "character 5"),
        (lambda o: o["network"]["inputs"].append("X3*2"), "network.inputs[3]", '"X3"'),
        (lambda o: o["network"]["inputs"].append("age"), "network.inputs[3]", "the data offers"),
    ],
)
def test_refusals_name_the_field_and_position(change, field, words) -> None:
    obj = function_file()
    change(obj)
    error = error_of(obj)
    assert error.field == field
    assert words in error.reason


def test_only_the_function_generator_takes_an_expression() -> None:
    obj = function_file()
    obj["data"]["generator"] = "circle"
    error = error_of(obj)
    assert error.field == "data.expression"
    assert "only the function generator" in error.reason


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda o: o["data"].update(expression="log(X1)"), "data.expression", "log(X1) is not"),
        (
            lambda o: o["network"]["inputs"].append("sqrt(X2)"),
            "network.inputs[3]",
            'feature "sqrt(X2)": sqrt(X2) is not a number (NaN) on row',
        ),
        (lambda o: o["network"]["inputs"].append("X1*X2+sin(3*X1)"), "network.inputs[3]", "twice"),
    ],
)
def test_values_the_data_cannot_take_are_refused_when_built(change, field, words) -> None:
    obj = function_file()
    change(obj)
    scenario = scenario_of(obj)  # the rules cannot know the data's values
    with pytest.raises(ScenarioError) as info:
        Simulation(scenario)
    assert info.value.field == field
    assert words in info.value.reason


def test_formula_features_on_inline_data_with_named_columns() -> None:
    obj = function_file()
    obj["data"] = {
        "train": {"inputs": [[1, 4], [2, 9]], "targets": [[0], [1]]},
        "columns": ["tail length", "mass"],
    }
    obj["network"]["inputs"] = ["mass", "sqrt(mass)/`tail length`"]
    data = load_dataset(scenario_of(obj))
    np.testing.assert_array_equal(data.train_inputs[:, 1], [2.0, 1.5])


# ----- edits ----------------------------------------------------------------------------------


def test_add_feature_writes_the_formula_canonically_and_keeps_the_weights() -> None:
    scenario = Simulation(scenario_of(function_file())).to_scenario()
    added = edits.add_feature(scenario, " X1  ×X1 ")
    assert added.network.inputs == (*scenario.network.inputs, "X1*X1")
    first, before = added.network.layers[0].weights, scenario.network.layers[0].weights
    assert [row[:3] for row in first] == [tuple(row) for row in before]
    assert undo.describe_change(scenario, added) == "change of the input features"
    Simulation(added)  # it builds


@pytest.mark.parametrize(
    ("text", "error", "words"),
    [
        (" X1 + ", FormulaError, "character 7"),
        ("X9", FormulaError, 'unknown input "X9"'),
        ("X1 * X2 + sin(3 * X1)", ValueError, "already"),
        ("X2", ValueError, "already"),
    ],
)
def test_add_feature_refusals(text, error, words) -> None:
    scenario = scenario_of(function_file())
    with pytest.raises(error, match=re.escape(words)):
        edits.add_feature(scenario, text)


def test_switching_to_the_function_data_set_and_back() -> None:
    obj = function_file()
    obj["data"] = {"generator": "circle", "samples": 50, "noise": 0, "train_fraction": 1, "seed": 0}
    circle = scenario_of(obj)
    function = edits.set_generator(circle, generator="function")
    assert function.data.expression == edits.DEFAULT_EXPRESSIONS["classification"]
    assert function.data.task == "classification"
    regression = edits.set_generator(function, task="regression")
    assert regression.data.expression == edits.DEFAULT_EXPRESSIONS["regression"]
    # The output layer and loss follow the task, as for the other generators.
    assert regression.network.layers[-1].activation == "linear"
    assert regression.training.loss == "mse"
    assert derived_task(regression) == "regression"
    typed = edits.set_generator(regression, expression="X1 ^ 2 −X2")
    assert typed.data.expression == "X1^2 - X2"
    assert undo.describe_change(regression, typed) == "change of the function"
    back = edits.set_generator(typed, generator="circle")
    assert back.data.expression is None
    assert back.data.task is None
    Simulation(typed)
    Simulation(back)


def test_set_generator_refuses_a_bad_expression_with_its_position() -> None:
    scenario = scenario_of(function_file())
    with pytest.raises(FormulaError) as caught:
        edits.set_generator(scenario, expression="sin(X1")
    assert caught.value.position == 3
    with pytest.raises(FormulaError, match='unknown input "X2"'):
        edits.set_generator(scenario, expression="X2")  # classification: y = f(X1)
    with pytest.raises(ValueError, match="only the function data set"):
        edits.set_generator(scenario, generator="xor", expression="X1")


def test_the_function_data_keeps_its_output_layer_within_its_task() -> None:
    scenario = scenario_of(function_file())
    with pytest.raises(ValueError, match="needs 1 or 2 units"):
        edits.set_units(scenario, len(scenario.network.layers) - 1, 3)
    copied = copy.deepcopy(function_file())
    copied["network"]["layers"][-1]["units"] = 3
    assert error_of(copied).field == "network.layers[1].units"


def test_a_formula_of_csv_columns_needs_the_columns_the_file_has() -> None:
    penguins = load_scenario(scenarios_dir() / "penguins.json")
    with pytest.raises(ValueError, match="known once it is read"):
        edits.add_feature(penguins, "bill_length_mm/bill_depth_mm")
    columns = Simulation(penguins).data.raw_names
    added = edits.add_feature(penguins, "bill_length_mm / bill_depth_mm", columns)
    assert added.network.inputs[-1] == "bill_length_mm/bill_depth_mm"
    data = load_dataset(added)
    raw = data.scaling.apply(data.train_raw)
    length, depth = columns.index("bill_length_mm"), columns.index("bill_depth_mm")
    np.testing.assert_allclose(data.train_inputs[:, -1], raw[:, length] / raw[:, depth])


def test_asking_where_a_formula_has_no_value_says_so() -> None:
    obj = function_file()
    obj["data"] = {
        "train": {"inputs": [[1, 4], [2, 9], [3, 1]], "targets": [[0], [1], [1]]},
    }
    obj["network"]["inputs"] = ["X2", "log(X1)"]
    simulation = Simulation(scenario_of(obj))
    fine = predict(simulation, np.array([[2.0, 1.0]]))
    assert fine.problem is None
    assert answer_text(fine) != "no answer"
    asked = predict(simulation, np.array([[2.0, 1.0], [-1.0, 1.0]]))
    assert "log(X1) is not a number (NaN) on row 2 of the inputs, where X1 = -1" in asked.problem
    assert answer_text(asked, 1) == "no answer"
    assert answer_text(asked, 0) == answer_text(fine)
