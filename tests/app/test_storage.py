"""Tests of scenario files: loading, the error for each kind of bad input, saving, migration."""

from __future__ import annotations

import copy
import json
import os
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from simulator import resources
from simulator.app import storage
from simulator.app.files import migrate, read, rules
from simulator.app.files import write as file_write
from simulator.app.scenario import (
    CsvData,
    GeneratorData,
    InlineData,
    LayerParams,
    LayerSpec,
    Scenario,
    TrainingState,
    derived_task,
    scenario_from_dict,
    scenario_to_dict,
)
from simulator.app.storage import (
    ScenarioError,
    load_scenario,
    save_scenario,
    scenario_summary,
    validate_scenario_dict,
)

FILE = "x.json"


def example() -> dict:
    """The X1/X2 example of the format spec."""
    return {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "Two relu units",
        "network": {
            "inputs": ["X1", "X2"],
            "layers": [
                {
                    "units": 2,
                    "activation": "relu",
                    "weights": [[0.5, -0.5], [0.5, -0.5]],
                    "biases": [0, 0],
                },
                {"units": 1, "activation": "sigmoid", "weights": [[1, 1]], "biases": [0]},
            ],
        },
        "training": {
            "loss": "bce",
            "optimizer": {"name": "sgd", "learning_rate": 0.01},
            "batch_size": 4,
        },
        "data": {
            "train": {"inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "targets": [[0], [1], [1], [0]]}
        },
    }


def layer_params(units: int, fan_in: int, value: float = 0.0) -> dict:
    return {"weights": [[value] * fan_in for _ in range(units)], "biases": [value] * units}


def with_state(obj: dict) -> dict:
    """Add a complete adam training state (shapes of the example network) to `obj`."""
    obj["training"]["optimizer"] = {"name": "adam", "learning_rate": 0.001}
    rng = np.random.Generator(np.random.PCG64(5))
    rng.random(3)
    per_layer = [layer_params(2, 2, 0.25), layer_params(1, 2, -0.125)]
    obj["state"] = {
        "epoch": 3,
        "step": 12,
        "batch_in_epoch": 0,
        "shuffle_rng": rng.bit_generator.state,
        "optimizer": {"name": "adam", "t": 12, "m": per_layer, "v": copy.deepcopy(per_layer)},
        "history": {
            "epoch": [1, 2, 3],
            "train_loss": [0.7, 0.6, 0.5],
            "test_loss": None,
            "train_accuracy": [0.5, None, 0.75],
        },
        "initial_layers": copy.deepcopy(per_layer),
    }
    return obj


def error_of(obj: object, *, base_dir: Path | None = None) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        validate_scenario_dict(obj, file=FILE, base_dir=base_dir)
    return info.value


def write(path: Path, obj: object) -> Path:
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# Valid files


def test_spec_example_loads(tmp_path: Path) -> None:
    path = write(tmp_path / "xor.json", example())
    scenario = load_scenario(path)
    assert scenario.title == "Two relu units"
    assert scenario.description == ""
    assert scenario.source_path == path.absolute()
    network = scenario.network
    assert network.inputs == ("X1", "X2")
    assert network.initialization.scheme == "xavier"
    assert network.initialization.seed == 0
    assert network.layers[0] == LayerSpec(2, "relu", ((0.5, -0.5), (0.5, -0.5)), (0.0, 0.0))
    assert network.layers[1] == LayerSpec(1, "sigmoid", ((1.0, 1.0),), (0.0,))
    assert all(type(v) is float for row in network.layers[1].weights for v in row)
    assert network.fan_ins == (2, 2)
    assert network.parameter_count == 9
    training = scenario.training
    assert (training.loss, training.batch_size, training.shuffle, training.seed) == (
        "bce",
        4,
        True,
        0,
    )
    assert (training.optimizer.name, training.optimizer.learning_rate) == ("sgd", 0.01)
    assert training.optimizer.momentum == 0.0
    assert (training.regularization.kind, training.regularization.rate) == ("none", 0.0)
    assert training.task is None
    assert isinstance(scenario.data, InlineData)
    assert scenario.data.raw_columns == ("X1", "X2")
    assert scenario.data.test_inputs == ()
    assert scenario.state is None
    assert derived_task(scenario) == "classification"


def test_validate_does_not_change_its_argument() -> None:
    obj = with_state(example())
    before = copy.deepcopy(obj)
    validate_scenario_dict(obj, file=FILE, base_dir=None)
    assert obj == before


def test_state_loads_and_the_rng_state_restores() -> None:
    obj = with_state(example())
    scenario = validate_scenario_dict(obj, file=FILE)
    state = scenario.state
    assert (state.epoch, state.step, state.batch_in_epoch) == (3, 12, 0)
    assert state.history["epoch"] == (1, 2, 3)
    assert all(type(epoch) is int for epoch in state.history["epoch"])
    assert state.history["test_loss"] is None
    assert state.history["train_accuracy"] == (0.5, None, 0.75)
    assert state.initial_layers[1] == LayerParams(((-0.125, -0.125),), (-0.125,))
    generator = np.random.PCG64()
    generator.state = state.shuffle_rng
    expected = np.random.Generator(np.random.PCG64(5))
    expected.random(3)
    assert np.random.Generator(generator).random(4).tolist() == expected.random(4).tolist()


@pytest.mark.parametrize(
    ("data", "inputs", "outputs"),
    [
        (
            {"generator": "spiral", "samples": 500, "noise": 0.1, "train_fraction": 0.5, "seed": 3},
            ["X1", "X2", "X1^2", "sin(X2)", "X1*X2"],
            2,
        ),
        (
            {
                "generator": "regression_plane",
                "samples": 10,
                "noise": 0,
                "train_fraction": 1,
                "seed": 0,
            },
            ["X2"],
            1,
        ),
        (
            {"csv": "data/iris.csv", "targets": ["species"], "train_fraction": 0.8, "seed": 1},
            ["sepal_length", "anything goes before the CSV is read"],
            3,
        ),
        (
            {
                "train": {"inputs": [[1, 2, 3]], "targets": [[1]]},
                "test": {"inputs": [], "targets": []},
                "columns": ["a", "b", "c"],
            },
            ["c", "a"],
            1,
        ),
        (
            {"train": {"inputs": [[1, 2]], "targets": [[1]]}, "columns": ["age", "height"]},
            ["age^2", "age*height", "sin(height)"],
            1,
        ),
    ],
)
def test_data_forms_and_features(data: dict, inputs: list[str], outputs: int) -> None:
    obj = example()
    obj["network"] = {"inputs": inputs, "layers": [{"units": outputs, "activation": "linear"}]}
    obj["training"]["loss"] = "mse"
    obj["data"] = data
    scenario = validate_scenario_dict(obj, file=FILE)
    assert scenario.data.kind == (
        "generator" if "generator" in data else "csv" if "csv" in data else "inline"
    )
    assert scenario.network.inputs == tuple(inputs)


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(example()).encode())
    assert load_scenario(path).title == "Two relu units"


# ---------------------------------------------------------------------------------------------
# Bad files: each gives a ScenarioError naming the file and the field


def test_error_message_format() -> None:
    error = ScenarioError("a.json", "network.layers[1].weights", "bad")
    assert str(error) == "a.json: network.layers[1].weights: bad"
    assert str(ScenarioError("a.json", "", "bad")) == "a.json: bad"
    assert isinstance(error, ValueError)
    assert (error.file, error.field, error.reason) == ("a.json", "network.layers[1].weights", "bad")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"format": "nnsim-scenario",\n "version": 1,', "not valid JSON"),
        ("", "not valid JSON"),
        ('{"a": 1} trailing', "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested more than"),
        ("[]", "expected a JSON object"),
        ("42", "expected a JSON object"),
    ],
)
def test_unparsable_files(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.file == "bad.json"
    assert info.value.field == ""
    assert reason in info.value.reason


def test_malformed_json_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"format": "nnsim-scenario",\n "version": 1 "title": "x"}', encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value) == (
        "bad.json: not valid JSON: Expecting ',' delimiter (line 2, column 15)"
    )


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.json"
    path.write_bytes('{"title": "café"}'.encode("latin-1"))
    with pytest.raises(ScenarioError, match=r"^latin\.json: not UTF-8 text"):
        load_scenario(path)


def test_missing_file_folder_and_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ScenarioError, match=r"^nope\.json: no such file$"):
        load_scenario(tmp_path / "nope.json")
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(ScenarioError, match=r"^dir\.json: is a folder"):
        load_scenario(tmp_path / "dir.json")
    path = write(tmp_path / "big.json", example())
    monkeypatch.setattr(read, "MAX_FILE_BYTES", 100)
    with pytest.raises(ScenarioError, match=r"^big\.json: the file is too large"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("token", "shown"),
    [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity"), ("1e999", "infinite")],
)
def test_non_finite_numbers_are_refused_by_field(tmp_path: Path, token: str, shown: str) -> None:
    text = json.dumps(example()).replace('"learning_rate": 0.01', f'"learning_rate": {token}')
    assert token in text
    path = tmp_path / "nan.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.field == "training.optimizer.learning_rate"
    assert shown in info.value.reason
    assert "finite" in info.value.reason


def test_non_finite_in_a_weight_matrix(tmp_path: Path) -> None:
    text = json.dumps(example()).replace("[[1, 1]]", "[[1, NaN]]")
    path = tmp_path / "nan.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value) == (
        "nan.json: network.layers[1].weights[0][1]: NaN is not allowed; every number must be finite"
    )


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    text = json.dumps(example()).replace('"batch_size": 4', '"batch_size": 4, "batch_size": 8')
    path = tmp_path / "dup.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.field == "training.batch_size"
    assert "more than once" in info.value.reason


def mutate(path: str, value: object = None, *, delete: bool = False) -> dict:
    """Return the example with the field at dotted `path` (ints index lists) set or deleted."""
    obj = example()
    *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
    target = obj
    for part in parents:
        target = target[part]
    if delete:
        del target[last]
    else:
        target[last] = value
    return obj


@pytest.mark.parametrize(
    ("obj", "field", "reason"),
    [
        # header
        (mutate("format", "other"), "format", "expected \"nnsim-scenario\", got 'other'"),
        (mutate("format", delete=True), "format", "missing"),
        (mutate("version", "1"), "version", "expected a whole number, got '1'"),
        (mutate("version", 1.0), "version", "expected a whole number, got 1.0"),
        (mutate("version", 0), "version", "version 0 is unknown"),
        (mutate("version", delete=True), "version", "missing"),
        # missing fields
        (mutate("title", delete=True), "title", "required field is missing"),
        (mutate("network.layers", delete=True), "network.layers", "required field is missing"),
        (
            mutate("training.batch_size", delete=True),
            "training.batch_size",
            "required field is missing",
        ),
        (
            mutate("data.train.targets", delete=True),
            "data.train.targets",
            "required field is missing",
        ),
        (
            mutate("network.layers.0.activation", delete=True),
            "network.layers[0].activation",
            "required field is missing",
        ),
        (mutate("data", {}), "data", 'needs "train"'),
        # mistyped or out-of-range fields
        (mutate("title", 5), "title", "expected text in quotes, got 5"),
        (mutate("title", ""), "title", "must not be empty"),
        (mutate("title", "t" * 201), "title", "at most 200 characters"),
        (mutate("training.shuffle", "yes"), "training.shuffle", "expected true or false"),
        (mutate("training.batch_size", 1.5), "training.batch_size", "expected a whole number"),
        (mutate("training.batch_size", 0), "training.batch_size", "must be at least 1, got 0"),
        (
            mutate("network.layers.0.units", "2"),
            "network.layers[0].units",
            "expected a whole number, got '2'",
        ),
        (
            mutate("network.layers.0.units", 10**9),
            "network.layers[0].units",
            "must be at most 4096, got 1000000000",
        ),
        (mutate("network.layers.0.units", -1), "network.layers[0].units", "at least 1"),
        (
            mutate("network.layers.0.weights", "heavy"),
            "network.layers[0].weights",
            "expected a list [...], got 'heavy'",
        ),
        (
            mutate("network.layers.0.weights.1", [0.5, "x"]),
            "network.layers[0].weights[1][1]",
            "expected a number, got 'x'",
        ),
        (
            mutate("network.layers.0.biases.1", True),
            "network.layers[0].biases[1]",
            "expected a number, got true",
        ),
        (
            mutate("network.layers.1.activation", "foo"),
            "network.layers[1].activation",
            "'foo' is not one of linear, relu, leaky_relu, sigmoid, tanh, softmax",
        ),
        (
            mutate("network.layers.0.freeze", ["weights", "weights"]),
            "network.layers[0].freeze",
            "'weights' appears more than once",
        ),
        (mutate("network.inputs", []), "network.inputs", "must have at least 1 item"),
        (
            mutate("training.optimizer.learning_rate", 0),
            "training.optimizer.learning_rate",
            "must be greater than 0",
        ),
        (
            mutate("training.optimizer.momentum", 1),
            "training.optimizer.momentum",
            "must be less than 1",
        ),
        (
            mutate("training.optimizer.name", "lbfgs"),
            "training.optimizer.name",
            "'lbfgs' is not one of sgd, adam, rmsprop, adamw",
        ),
        (mutate("training.optimizer.beta1", 0.5), "training.optimizer.beta1", "unknown field"),
        (mutate("training.task", "clustering"), "training.task", "is not one of"),
        (
            mutate("network.layers.0.colour", "red"),
            "network.layers[0].colour",
            "unknown field; allowed here: units, activation, weights, biases, freeze",
        ),
        (mutate("odd key", 1), '["odd key"]', "unknown field"),
        (
            mutate(
                "data",
                {
                    "generator": "xor",
                    "samples": 9,
                    "noise": 0,
                    "train_fraction": 1,
                    "seed": 0,
                    "train": {},
                },
            ),
            "data.train",
            "unknown field",
        ),
        # weight shapes
        (
            mutate("network.layers.1.weights", [[1, 1], [1, 1]]),
            "network.layers[1].weights",
            "expected 1 row of 2 values, got 2 rows",
        ),
        (
            mutate("network.layers.1.weights", [[1, 1, 1]]),
            "network.layers[1].weights",
            "row 0 has 3 values, expected 2",
        ),
        (
            mutate("network.layers.0.weights", [[1, 1], [1]]),
            "network.layers[0].weights",
            "row 1 has 1 value, expected 2",
        ),
        (
            mutate("network.layers.0.weights", [[1], [1]]),
            "network.inputs",
            "2 features listed, but the rows of network.layers[0].weights have 1 value",
        ),
        (
            mutate("network.layers.1.biases", [0, 0]),
            "network.layers[1].biases",
            "expected 1 value, got 2",
        ),
        (mutate("network.inputs", ["X1", "X2", "X1^2"]), "network.inputs", "3 features listed"),
        # layer and loss rules
        (
            mutate("network.layers.0.activation", "softmax"),
            "network.layers[0].activation",
            "softmax is allowed only on the output layer",
        ),
        (
            mutate("network.layers.1.activation", "relu"),
            "training.loss",
            "bce needs a sigmoid output layer, but network.layers[1] is relu",
        ),
        (
            mutate("training.loss", "cross_entropy"),
            "training.loss",
            "cross_entropy needs a softmax output layer",
        ),
        # inline data
        (
            mutate("data.train.targets.3", [1, 0]),
            "data.train.targets[3]",
            "has 2 values, expected 1",
        ),
        (
            mutate("data.train.inputs.2", [1, 0, 1]),
            "data.train.inputs[2]",
            "has 3 values, expected 2",
        ),
        (
            mutate("data.train.targets", [[0]]),
            "data.train.targets",
            "expected 4 rows, one per input row, got 1",
        ),
        (
            mutate("data.test", {"inputs": [[1]], "targets": [[1]]}),
            "data.test.inputs[0]",
            "has 1 value, expected 2",
        ),
        (mutate("data.columns", ["a", "b", "c"]), "data.columns", "3 names for input rows"),
        (mutate("data.columns", ["a", "b"]), "network.inputs[0]", "unknown feature 'X1'"),
        (
            mutate("network.inputs", ["X1", "X3"]),
            "network.inputs[1]",
            "unknown feature 'X3'; the data offers X1, X2, X1^2, X2^2, X1*X2, sin(X1), sin(X2)",
        ),
    ],
)
def test_bad_fields(obj: dict, field: str, reason: str) -> None:
    error = error_of(obj)
    assert error.file == FILE
    assert error.field == field
    assert reason in error.reason
    assert str(error) == f"{FILE}: {field}: {error.reason}"


def test_exact_messages() -> None:
    error = error_of(mutate("network.layers.1.weights", [[1, 1], [1, 1]]))
    assert str(error) == "x.json: network.layers[1].weights: expected 1 row of 2 values, got 2 rows"
    error = error_of(mutate("network.layers.1.weights", [[1, 1, 1]]))
    assert str(error) == "x.json: network.layers[1].weights: row 0 has 3 values, expected 2"
    error = error_of(mutate("version", 99))
    assert (
        str(error) == "x.json: version: this file is version 99, newer than this nnsim "
        "understands (1)"
    )


def test_version_99_is_refused_from_disk(tmp_path: Path) -> None:
    path = write(tmp_path / "future.json", mutate("version", 99))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert (info.value.file, info.value.field) == ("future.json", "version")
    assert "version 99" in info.value.reason


def test_softmax_needs_cross_entropy() -> None:
    obj = example()
    obj["network"]["layers"][1] = {"units": 2, "activation": "softmax"}
    obj["training"]["loss"] = "mse"
    obj["data"]["train"]["targets"] = [[1, 0]] * 4
    error = error_of(obj)
    assert error.field == "training.loss"
    assert "softmax output layer (network.layers[1]) needs the cross_entropy loss" in error.reason
    obj["training"]["loss"] = "cross_entropy"
    assert validate_scenario_dict(obj, file=FILE).training.loss == "cross_entropy"


def test_too_many_parameters() -> None:
    obj = example()
    obj["network"]["layers"] = [{"units": 4096, "activation": "relu"}] * 3 + [
        {"units": 1, "activation": "sigmoid"}
    ]
    error = error_of(obj)
    assert error.field == "network.layers"
    assert "at most 2,000,000" in error.reason


def test_too_many_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "MAX_SAMPLES", 5)
    obj = mutate("data.test", {"inputs": [[0, 0]] * 2, "targets": [[0]] * 2})
    error = error_of(obj)
    assert error.field == "data"
    assert "6 samples" in error.reason


@pytest.mark.parametrize(
    ("generator", "units", "ok"),
    [
        ("circle", 1, True),
        ("xor", 2, True),
        ("gaussian", 3, False),
        ("regression_gaussians", 1, True),
        ("regression_plane", 2, False),
    ],
)
def test_generator_output_units(generator: str, units: int, ok: bool) -> None:
    obj = example()
    obj["network"]["layers"] = [{"units": units, "activation": "tanh"}]
    obj["training"]["loss"] = "mse"
    obj["data"] = {
        "generator": generator,
        "samples": 100,
        "noise": 0.0,
        "train_fraction": 0.5,
        "seed": 0,
    }
    if ok:
        validate_scenario_dict(obj, file=FILE)
    else:
        assert error_of(obj).field == "network.layers[0].units"


@pytest.mark.parametrize(
    ("csv", "reason"),
    [
        ("../data.csv", "leads outside the scenario's folder"),
        ("sub/../../data.csv", "leads outside the scenario's folder"),
        ("/etc/passwd", "not an absolute path"),
        ("C:/data.csv", "not an absolute path"),
        ("C:data.csv", "not an absolute path"),
        ("//server/share/data.csv", "not an absolute path"),
        ("sub\\data.csv", "use / between folders"),
        ("sub/..", "does not name a file"),
        ("", "must not be empty"),
    ],
)
def test_csv_path_must_stay_inside_the_folder(tmp_path: Path, csv: str, reason: str) -> None:
    obj = mutate("data", {"csv": csv, "targets": ["y"], "train_fraction": 0.5, "seed": 0})
    for base_dir in (None, tmp_path):
        error = error_of(obj, base_dir=base_dir)
        assert (error.field, error.reason.startswith(reason) or reason in error.reason) == (
            "data.csv",
            True,
        )


def test_csv_path_through_a_link_outside(tmp_path: Path) -> None:
    folder = tmp_path / "scenario"
    folder.mkdir()
    (tmp_path / "outside").mkdir()
    (folder / "link").symlink_to(tmp_path / "outside", target_is_directory=True)
    obj = mutate(
        "data", {"csv": "link/data.csv", "targets": ["y"], "train_fraction": 0.5, "seed": 0}
    )
    assert "through a link" in error_of(obj, base_dir=folder).reason
    obj["data"]["csv"] = "sub/../data.csv"
    scenario = validate_scenario_dict(obj, file=FILE, base_dir=folder)
    assert scenario.data == CsvData("sub/../data.csv", ("y",), None, 0.5, 0)


def test_csv_path_is_resolved_against_the_scenario_folder(tmp_path: Path) -> None:
    obj = mutate(
        "data",
        {"csv": "sets/d.csv", "targets": ["y"], "one_hot": True, "train_fraction": 1, "seed": 0},
    )
    path = write(tmp_path / "s.json", obj)
    scenario = load_scenario(path)
    assert storage.csv_path(scenario) == tmp_path.absolute() / "sets" / "d.csv"
    assert derived_task(scenario) == "classification"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (
            lambda s: s.update(optimizer={"name": "sgd", "velocity": None}),
            "state.optimizer.name",
            "the saved state is for sgd, but training.optimizer.name is adam",
        ),
        (
            lambda s: s["optimizer"]["m"].pop(),
            "state.optimizer.m",
            "expected 2 entries, one per layer, got 1",
        ),
        (
            lambda s: s["optimizer"]["v"][1]["weights"].append([0, 0]),
            "state.optimizer.v[1].weights",
            "expected 1 row of 2 values, got 2 rows",
        ),
        (
            lambda s: s["initial_layers"][0]["biases"].append(0),
            "state.initial_layers[0].biases",
            "expected 2 values, got 3",
        ),
        (
            lambda s: s["history"]["train_loss"].append(0.1),
            "state.history.train_loss",
            "has 4 values, expected 3 like state.history.epoch",
        ),
        (
            lambda s: s["shuffle_rng"].update(bit_generator="MT19937"),
            "state.shuffle_rng.bit_generator",
            'expected "PCG64"',
        ),
        (lambda s: s.update(epoch=-1), "state.epoch", "must be at least 0"),
        (lambda s: s.pop("step"), "state.step", "required field is missing"),
        (lambda s: s["optimizer"].pop("t"), "state.optimizer.t", "required field is missing"),
    ],
)
def test_bad_state(change, field: str, reason: str) -> None:
    obj = with_state(example())
    change(obj["state"])
    error = error_of(obj)
    assert error.field == field
    assert reason in error.reason


def test_non_json_python_values_are_refused() -> None:
    obj = example()
    obj["network"]["layers"][0]["weights"] = np.zeros((2, 2))
    assert "not a JSON value" in error_of(obj).reason
    obj = example()
    obj["description"] = obj  # a cycle
    assert "nested more than" in error_of(obj).reason
    assert "expected a JSON object" in error_of(["not", "a", "dict"]).reason


# ---------------------------------------------------------------------------------------------
# Saving and round trips


def float_bits(value: object) -> object:
    """Return `value` with every float replaced by its exact hex form (tells -0.0 from 0.0)."""
    if isinstance(value, float):
        return ("float", value.hex())
    if isinstance(value, dict):
        return {key: float_bits(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [float_bits(item) for item in value]
    return value


finite = st.floats(allow_nan=False, allow_infinity=False)  # includes subnormals and -0.0


@st.composite
def scenario_dicts(draw: st.DrawFn) -> dict:
    """Valid scenario objects with inline data, arbitrary finite floats and optional state."""
    width = draw(st.integers(1, 3))
    raw = [f"X{i + 1}" for i in range(width)]
    available = raw + (["X1^2", "X2^2", "X1*X2", "sin(X1)", "sin(X2)"] if width == 2 else [])
    inputs = draw(st.permutations(available))[: draw(st.integers(1, len(available)))]
    hidden = draw(st.lists(st.integers(1, 3), max_size=2))
    loss, output, outputs = draw(
        st.sampled_from(
            [
                ("bce", "sigmoid", 1),
                ("cross_entropy", "softmax", 2),
                ("mse", "linear", 2),
                ("half_sse", "tanh", 1),
            ]
        )
    )
    units = [*hidden, outputs]
    fan_ins = [len(inputs), *units[:-1]]
    activations = ["linear", "relu", "leaky_relu", "sigmoid", "tanh"]
    layers = []
    for n, fan_in in zip(units, fan_ins, strict=True):
        layer = {"units": n, "activation": draw(st.sampled_from(activations))}
        if draw(st.booleans()):
            layer["weights"] = draw(
                st.lists(st.lists(finite, min_size=fan_in, max_size=fan_in), min_size=n, max_size=n)
            )
        if draw(st.booleans()):
            layer["biases"] = draw(st.lists(finite, min_size=n, max_size=n))
        freeze = draw(st.sampled_from([[], ["weights"], ["biases"], ["biases", "weights"]]))
        if freeze:
            layer["freeze"] = freeze
        layers.append(layer)
    layers[-1]["activation"] = output

    def rows(count: int, size: int) -> list:
        return draw(
            st.lists(st.lists(finite, min_size=size, max_size=size), min_size=count, max_size=count)
        )

    n_train, n_test = draw(st.integers(1, 4)), draw(st.integers(0, 2))
    data: dict = {"train": {"inputs": rows(n_train, width), "targets": rows(n_train, outputs)}}
    if n_test:
        data["test"] = {"inputs": rows(n_test, width), "targets": rows(n_test, outputs)}
    if draw(st.booleans()):
        data["columns"] = raw
    unit = st.floats(0, 1, exclude_max=True)
    if draw(st.booleans()):
        optimizer = {
            "name": "sgd",
            "learning_rate": draw(st.floats(0, 1e300, exclude_min=True)),
            "momentum": draw(unit),
        }
    else:
        optimizer = {
            "name": "adam",
            "learning_rate": draw(st.floats(0, 10, exclude_min=True)),
            "beta1": draw(unit),
            "beta2": draw(unit),
            "eps": draw(st.floats(0, 1, exclude_min=True)),
        }
    obj = {
        "format": "nnsim-scenario",
        "version": 1,
        "title": draw(st.text(min_size=1, max_size=20).filter(str.isprintable)),
        "description": draw(st.text(max_size=30).filter(str.isprintable)),
        "network": {
            "inputs": inputs,
            "initialization": {
                "scheme": draw(st.sampled_from(["xavier", "he", "uniform"])),
                "seed": draw(st.integers(0, 2**64)),
            },
            "layers": layers,
        },
        "training": {
            "loss": loss,
            "optimizer": optimizer,
            "regularization": {
                "kind": draw(st.sampled_from(["none", "l1", "l2"])),
                "rate": draw(st.floats(0, 1e6)),
            },
            "batch_size": draw(st.integers(1, 100_000)),
            "shuffle": draw(st.booleans()),
            "seed": draw(st.integers(0, 2**32)),
        },
        "data": data,
    }
    if draw(st.booleans()):
        obj["training"]["task"] = draw(st.sampled_from(["classification", "regression"]))
    if draw(st.booleans()):

        def params() -> list:
            return [
                {"weights": rows(n, fan_in), "biases": rows(1, n)[0]}
                for n, fan_in in zip(units, fan_ins, strict=True)
            ]

        epochs = draw(st.integers(0, 3))
        series = st.lists(st.one_of(st.none(), finite), min_size=epochs, max_size=epochs)
        state = {
            "epoch": epochs,
            "step": draw(st.integers(0, 10**6)),
            "batch_in_epoch": 0,
            "history": {
                "epoch": list(range(1, epochs + 1)),
                "train_loss": draw(series),
                "test_accuracy": draw(st.one_of(st.none(), series)),
            },
            "initial_layers": params(),
        }
        if optimizer["name"] == "sgd":
            state["optimizer"] = {
                "name": "sgd",
                "velocity": draw(st.one_of(st.none(), st.just(params()))),
            }
        else:
            state["optimizer"] = {"name": "adam", "t": epochs, "m": params(), "v": params()}
        state["shuffle_rng"] = np.random.PCG64(draw(st.integers(0, 2**64))).state
        obj["state"] = state
    return obj


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(obj=scenario_dicts())
def test_save_load_round_trip_bit_for_bit(tmp_path: Path, obj: dict) -> None:
    scenario = validate_scenario_dict(obj, file=FILE)
    path = tmp_path / "round.json"
    save_scenario(scenario, path)
    loaded = load_scenario(path)
    assert loaded == scenario
    assert float_bits(scenario_to_dict(loaded)) == float_bits(scenario_to_dict(scenario))
    # Every float the file's author wrote comes back with the same bits.
    for original, back in zip(obj["network"]["layers"], loaded.network.layers, strict=True):
        if "weights" in original:
            assert float_bits(original["weights"]) == float_bits(back.weights)
        if "biases" in original:
            assert float_bits(original["biases"]) == float_bits(back.biases)
    assert float_bits(obj["data"]["train"]["inputs"]) == float_bits(loaded.data.train_inputs)
    # And a second save writes the same bytes.
    second = tmp_path / "again.json"
    save_scenario(loaded, second)
    assert second.read_bytes() == path.read_bytes()


def test_round_trip_keeps_subnormals_and_negative_zero(tmp_path: Path) -> None:
    tricky = [-0.0, 5e-324, -2.2250738585072014e-308, 1.7976931348623157e308, 0.1, 1 / 3]
    obj = example()
    obj["network"]["layers"][0]["weights"] = [tricky[:2], tricky[2:4]]
    obj["network"]["layers"][0]["biases"] = tricky[4:]
    scenario = validate_scenario_dict(obj, file=FILE)
    save_scenario(scenario, tmp_path / "t.json")
    layer = load_scenario(tmp_path / "t.json").network.layers[0]
    assert [v.hex() for row in layer.weights for v in row] == [v.hex() for v in tricky[:4]]
    assert [v.hex() for v in layer.biases] == [v.hex() for v in tricky[4:]]


def test_save_writes_plain_numbers_from_numpy_values(tmp_path: Path) -> None:
    scenario = validate_scenario_dict(with_state(example()), file=FILE)
    weights = np.array([[0.1, np.float32(0.2)], [-0.0, 3.0]])
    layers = (
        replace(scenario.network.layers[0], weights=weights, biases=np.zeros(2), units=np.int64(2)),
        *scenario.network.layers[1:],
    )
    state = replace(
        scenario.state,
        epoch=np.int64(4),
        optimizer={**scenario.state.optimizer, "t": np.int64(12)},
        history={"epoch": np.arange(3.0)},
    )
    scenario = replace(scenario, network=replace(scenario.network, layers=layers), state=state)
    save_scenario(scenario, tmp_path / "np.json")
    text = (tmp_path / "np.json").read_text()
    assert '"epoch": 4' in text
    loaded = load_scenario(tmp_path / "np.json")
    assert loaded.network.layers[0].weights == ((0.1, float(np.float32(0.2))), (-0.0, 3.0))
    assert loaded.state.optimizer["t"] == 12
    assert loaded.state.history == {"epoch": (0.0, 1.0, 2.0)}


def test_save_refuses_nan_weights_and_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(b"old")
    scenario = validate_scenario_dict(example(), file=FILE)
    layer = replace(scenario.network.layers[1], weights=((float("nan"), 1.0),))
    broken = replace(
        scenario, network=replace(scenario.network, layers=(scenario.network.layers[0], layer))
    )
    with pytest.raises(ScenarioError) as info:
        save_scenario(broken, path)
    assert info.value.field == "network.layers[1].weights[0][0]"
    assert "cannot be saved" in info.value.reason
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["s.json"]


@pytest.mark.parametrize("failing", ["fsync", "replace", "write"])
def test_failed_save_leaves_the_old_file_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "keep.json"
    save_scenario(validate_scenario_dict(example(), file=FILE), path)
    old = path.read_bytes()
    changed = validate_scenario_dict(mutate("title", "new title"), file=FILE)

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(file_write.os, failing, fail)
    with pytest.raises(ScenarioError) as info:
        save_scenario(changed, path)
    assert (info.value.file, info.value.field) == ("keep.json", "")
    assert info.value.reason == "could not save: No space left on device"
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["keep.json"]
    assert load_scenario(path).title == "Two relu units"


def test_save_into_missing_folder(tmp_path: Path) -> None:
    scenario = validate_scenario_dict(example(), file=FILE)
    with pytest.raises(ScenarioError, match=r"^s\.json: could not save: "):
        save_scenario(scenario, tmp_path / "missing" / "s.json")


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_save_keeps_permissions_and_links(tmp_path: Path) -> None:
    scenario = validate_scenario_dict(example(), file=FILE)
    path = tmp_path / "s.json"
    path.write_text("{}")
    path.chmod(0o640)
    save_scenario(scenario, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert load_scenario(path) == scenario
    new = tmp_path / "new.json"
    save_scenario(scenario, new)
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
    link = tmp_path / "link.json"
    link.symlink_to(path)
    save_scenario(replace(scenario, title="via link"), link)
    assert link.is_symlink()
    assert load_scenario(path).title == "via link"


def test_saved_text_is_the_documented_json(tmp_path: Path) -> None:
    scenario = validate_scenario_dict(example(), file=FILE)
    save_scenario(scenario, tmp_path / "s.json")
    text = (tmp_path / "s.json").read_text(encoding="utf-8")
    assert text.startswith('{\n "format": "nnsim-scenario",\n "version": 1,')
    obj = json.loads(text)
    assert "state" not in obj
    assert "task" not in obj["training"]
    assert obj["training"]["optimizer"] == {"name": "sgd", "learning_rate": 0.01, "momentum": 0.0}
    assert scenario_from_dict(obj, source="") == scenario


# ---------------------------------------------------------------------------------------------
# Migration


def test_migrations_run_in_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls = []

    def one_to_two(obj: dict) -> dict:
        calls.append(obj["version"])
        obj["network"]["layers"] = obj["network"].pop("stack")
        return obj

    def two_to_three(obj: dict) -> dict:
        calls.append(obj["version"])
        obj["title"] = obj.pop("name")
        return obj

    monkeypatch.setattr(migrate, "CURRENT_VERSION", 3)
    monkeypatch.setattr(migrate, "MIGRATIONS", {1: one_to_two, 2: two_to_three})
    old = example()
    old["name"] = old.pop("title")
    old["network"]["stack"] = old["network"].pop("layers")
    before = copy.deepcopy(old)
    scenario = validate_scenario_dict(old, file=FILE)
    assert calls == [1, 2]
    assert old == before  # migrations work on a copy
    assert scenario.title == "Two relu units"
    assert len(scenario.network.layers) == 2

    # From disk too, and a file of the current version is not touched.
    calls.clear()
    assert load_scenario(write(tmp_path / "old.json", old)).title == "Two relu units"
    assert calls == [1, 2]
    calls.clear()
    validate_scenario_dict(mutate("version", 3), file=FILE)
    assert calls == []
    error = error_of(mutate("version", 4))
    assert (
        str(error) == "x.json: version: this file is version 4, newer than this nnsim "
        "understands (3)"
    )


def test_migration_from_an_older_version(monkeypatch: pytest.MonkeyPatch) -> None:
    def zero_to_one(obj: dict) -> dict:
        obj["training"]["optimizer"] = {"name": "sgd", "learning_rate": obj["training"].pop("lr")}
        return obj

    monkeypatch.setattr(migrate, "MIGRATIONS", {0: zero_to_one})
    old = example()
    old["version"] = 0
    old["training"]["lr"] = old["training"].pop("optimizer")["learning_rate"]
    assert validate_scenario_dict(old, file=FILE).training.optimizer.learning_rate == 0.01
    error = error_of(mutate("version", -1))
    assert error.field == "version"
    assert "reads versions 0 to 1" in error.reason


def test_failing_migration_is_a_scenario_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(migrate, "CURRENT_VERSION", 2)
    monkeypatch.setattr(migrate, "MIGRATIONS", {1: lambda obj: obj["no such key"]})
    error = error_of(example())
    assert error.field == ""
    assert "cannot upgrade from version 1 to 2: KeyError" in error.reason
    monkeypatch.setattr(migrate, "MIGRATIONS", {})
    assert "version 1 is unknown" in error_of(example()).reason


def test_shipped_migrations_form_a_chain() -> None:
    assert sorted(migrate.MIGRATIONS) == list(range(1, migrate.CURRENT_VERSION))


# ---------------------------------------------------------------------------------------------
# The schema, the summary, the task rule, resources


def test_schema_is_valid_and_documents_every_field() -> None:
    schema = storage.scenario_schema()
    Draft202012Validator.check_schema(schema)
    assert Draft202012Validator(schema).is_valid(example())
    assert Draft202012Validator(schema).is_valid(with_state(example()))

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                documented = "description" in sub or "title" in sub or "$ref" in sub
                assert documented or name == "name" or where.startswith("/$defs/pcg64"), (
                    f"{where}/{name} has no title or description"
                )
            for key, sub in node.items():
                walk(sub, f"{where}/{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    walk(schema, "")


def test_summary_and_derived_task() -> None:
    scenario = validate_scenario_dict(example(), file=FILE)
    assert scenario_summary(scenario) == (
        "Two relu units: 2-2-1 relu/sigmoid, loss bce, sgd lr 0.01, inline data 4 samples"
    )
    obj = with_state(example())
    obj["data"] = {
        "generator": "circle",
        "samples": 200,
        "noise": 0.2,
        "train_fraction": 0.5,
        "seed": 1,
    }
    obj["training"]["loss"] = "mse"
    scenario = validate_scenario_dict(obj, file=FILE)
    assert scenario_summary(scenario) == (
        "Two relu units: 2-2-1 relu/sigmoid, loss mse, "
        "adam lr 0.001, circle data 200 samples, noise 0.2, "
        "saved at epoch 3"
    )
    assert derived_task(scenario) == "classification"
    regression = replace(scenario, data=GeneratorData("regression_plane", 10, 0.0, 1.0, 0))
    assert derived_task(regression) == "regression"
    explicit = replace(regression, training=replace(regression.training, task="classification"))
    assert derived_task(explicit) == "classification"
    csv = replace(regression, data=CsvData("d.csv", ("y",), None, 1.0, 0))
    assert derived_task(csv) == "regression"
    assert derived_task(csv, csv_one_hot=True) == "classification"
    inline = replace(regression, data=InlineData(((1.0,),), ((1.0,),)))
    assert derived_task(inline) == "regression"


def test_model_equality_ignores_source_path() -> None:
    scenario = validate_scenario_dict(example(), file=FILE)
    assert replace(scenario, source_path=Path("elsewhere.json")) == scenario
    assert isinstance(scenario, Scenario)
    state = TrainingState(0, 0, 0)
    assert state.history == {}
    built = TrainingState(
        1,
        4,
        0,
        history={
            "epoch": [1],
            "train_loss": [np.float64(0.5)],
            "test_loss": [None],
            "test_accuracy": None,
        },
    )
    assert built.history == {
        "epoch": (1,),
        "train_loss": (0.5,),
        "test_loss": (None,),
        "test_accuracy": None,
    }
    assert type(built.history["train_loss"][0]) is float


def test_resources_from_a_checkout_and_from_a_wheel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert resources.resource_path("scenario.schema.json").is_file()
    assert resources.scenarios_dir().is_dir()
    package = tmp_path / "site-packages" / "simulator"
    for name in ("resources", "scenarios"):
        (package / "_data" / name).mkdir(parents=True)
    (tmp_path / "site-packages" / "resources").mkdir()  # somebody else's folder
    monkeypatch.setattr(resources, "_PACKAGE_DIR", package)
    assert resources.resources_dir() == package / "_data" / "resources"
    assert resources.scenarios_dir() == package / "_data" / "scenarios"
    assert (
        resources.resource_path("icons/a.svg")
        == package / "_data" / "resources" / "icons" / "a.svg"
    )
    for bad in ("../x", "/etc/passwd", ""):
        with pytest.raises(ValueError, match="not a resource name"):
            resources.resource_path(bad)
    monkeypatch.setattr(resources, "_PACKAGE_DIR", tmp_path / "nowhere" / "simulator")
    with pytest.raises(FileNotFoundError):
        resources.resources_dir()


def test_storage_does_not_load_qt() -> None:
    code = (
        "import sys, simulator.app.storage, simulator.resources; "
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_save_refuses_a_scenario_it_could_not_load_back(tmp_path: Path) -> None:
    scenario = validate_scenario_dict(with_state(example()), file=FILE)
    broken = replace(
        scenario, state=replace(scenario.state, history={"epoch": (1.0,), "train_loss": ()})
    )
    path = tmp_path / "s.json"
    with pytest.raises(ScenarioError) as info:
        save_scenario(broken, path)
    assert str(info.value) == (
        "s.json: state.history.train_loss: cannot be saved: has 0 values, "
        "expected 1 like state.history.epoch"
    )
    assert not path.exists()
    assert os.listdir(tmp_path) == []


def test_file_names_with_nul_characters(tmp_path: Path) -> None:
    scenario = validate_scenario_dict(example(), file=FILE)
    with pytest.raises(ScenarioError, match="could not save"):
        save_scenario(scenario, tmp_path / "a\0b.json")
    with pytest.raises(ScenarioError, match="cannot read the file"):
        load_scenario(tmp_path / "a\0b.json")


def test_examples_in_the_format_reference_are_valid() -> None:
    text = resources.resource_path("scenario-format.md").read_text(encoding="utf-8")
    blocks = [block.split("```", 1)[0] for block in text.split("```json\n")[1:]]
    assert len(blocks) == 8
    # The first example is a whole scenario (since c6353a5 the symmetry lesson).
    first = validate_scenario_dict(json.loads(blocks[0]), file=FILE)
    assert first.title == "Symmetry: two neurons that stay twins"
    # The others are one field each (three forms of data, the function data set, a schedule, a
    # lesson, a race), each shown in a whole file.
    for block in blocks[1:]:
        obj = example()
        obj.update(json.loads("{" + block + "}"))
        validate_scenario_dict(obj, file=FILE, base_dir=None)


def test_schema_key_for_editors_is_accepted() -> None:
    obj = example()
    obj["$schema"] = "../resources/scenario.schema.json"
    assert validate_scenario_dict(obj, file=FILE).title == obj["title"]
    obj["$schema"] = 5
    assert "$schema" in error_of(obj).field
