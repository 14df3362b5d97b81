"""Fuzz the scenario loader: any mutated file gives a Scenario or a ScenarioError, never a crash."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from simulator.app.files import schema
from simulator.app.scenario import Scenario, scenario_to_dict
from simulator.app.storage import ScenarioError, load_scenario, validate_scenario_dict

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _layer(units: int, fan_in: int, value: float) -> dict:
    return {"weights": [[value] * fan_in for _ in range(units)], "biases": [value] * units}


def _bases() -> list[dict]:
    """Valid scenarios that together use every part of the format."""
    inline = {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "XOR",
        "description": "Two relu units.",
        "network": {
            "inputs": ["X1", "X2"],
            "layers": [
                {
                    "units": 2,
                    "activation": "relu",
                    "weights": [[0.5, -0.5], [0.5, -0.5]],
                    "biases": [0, 0],
                },
                {
                    "units": 1,
                    "activation": "sigmoid",
                    "weights": [[1, 1]],
                    "biases": [0],
                    "freeze": ["biases"],
                },
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
    rng = np.random.Generator(np.random.PCG64(1))
    generator = {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "Spiral",
        "network": {
            "inputs": ["X1", "X2", "X1^2", "X2^2", "X1*X2", "sin(X1)", "sin(X2)"],
            "initialization": {"scheme": "he", "seed": 7},
            "layers": [{"units": 3, "activation": "tanh"}, {"units": 2, "activation": "softmax"}],
        },
        "training": {
            "loss": "cross_entropy",
            "optimizer": {
                "name": "adam",
                "learning_rate": 0.003,
                "beta1": 0.9,
                "beta2": 0.999,
                "eps": 1e-8,
            },
            "regularization": {"kind": "l2", "rate": 0.001},
            "batch_size": 10,
            "shuffle": True,
            "seed": 3,
            "task": "classification",
        },
        "data": {
            "generator": "spiral",
            "samples": 400,
            "noise": 0.25,
            "train_fraction": 0.5,
            "seed": 2,
        },
        "state": {
            "epoch": 2,
            "step": 40,
            "batch_in_epoch": 0,
            "shuffle_rng": rng.bit_generator.state,
            "optimizer": {
                "name": "adam",
                "t": 40,
                "m": [_layer(3, 7, 0.1), _layer(2, 3, 0.2)],
                "v": [_layer(3, 7, 0.01), _layer(2, 3, 0.02)],
            },
            "history": {
                "epoch": [1, 2],
                "train_loss": [0.7, 0.6],
                "test_loss": [0.8, 0.7],
                "train_accuracy": [0.5, 0.6],
                "test_accuracy": [0.4, None],
            },
            "initial_layers": [_layer(3, 7, -0.5), _layer(2, 3, 0.5)],
        },
    }
    csv = {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "Iris",
        "network": {
            "inputs": ["sepal_length", "petal_width"],
            "layers": [{"units": 3, "activation": "linear"}],
        },
        "training": {
            "loss": "mse",
            "optimizer": {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9},
            "batch_size": 16,
            "shuffle": False,
        },
        "data": {
            "csv": "data/iris.csv",
            "targets": ["species"],
            "one_hot": True,
            "train_fraction": 0.8,
            "seed": 0,
        },
    }
    columns = {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "Columns and a test set",
        "network": {
            "inputs": ["height", "age*height"],
            "layers": [
                {"units": 2, "activation": "leaky_relu"},
                {"units": 2, "activation": "linear", "freeze": ["weights"]},
            ],
        },
        "training": {
            "loss": "half_sse",
            "optimizer": {"name": "sgd", "learning_rate": 0.5, "momentum": 0.5},
            "batch_size": 1,
        },
        "data": {
            "train": {"inputs": [[1.5, 2], [3, 4.25]], "targets": [[1, 0], [0, 1]]},
            "test": {"inputs": [[5, 6]], "targets": [[0.5, 0.5]]},
            "columns": ["age", "height"],
        },
        "state": {
            "epoch": 0,
            "step": 1,
            "batch_in_epoch": 1,
            "optimizer": {"name": "sgd", "velocity": [_layer(2, 2, 0.0), _layer(2, 2, 1.0)]},
            "history": {},
        },
    }
    return [inline, generator, csv, columns]


BASES = _bases()

# Words of the format, so mutations also produce near-misses that pass the schema.
VOCABULARY = [
    "format",
    "version",
    "title",
    "description",
    "network",
    "inputs",
    "initialization",
    "scheme",
    "seed",
    "layers",
    "units",
    "activation",
    "weights",
    "biases",
    "freeze",
    "training",
    "loss",
    "optimizer",
    "name",
    "learning_rate",
    "momentum",
    "beta1",
    "beta2",
    "eps",
    "regularization",
    "kind",
    "rate",
    "batch_size",
    "shuffle",
    "task",
    "data",
    "train",
    "test",
    "targets",
    "columns",
    "generator",
    "samples",
    "noise",
    "train_fraction",
    "csv",
    "one_hot",
    "state",
    "epoch",
    "step",
    "batch_in_epoch",
    "shuffle_rng",
    "history",
    "train_loss",
    "initial_layers",
    "velocity",
    "m",
    "v",
    "t",
    "X1",
    "X2",
    "X3",
    "X1^2",
    "sin(X2)",
    "age",
    "linear",
    "relu",
    "sigmoid",
    "tanh",
    "softmax",
    "mse",
    "bce",
    "cross_entropy",
    "sgd",
    "adam",
    "xavier",
    "he",
    "l1",
    "circle",
    "spiral",
    "regression_plane",
    "classification",
    "regression",
    "PCG64",
    "nnsim-scenario",
    "../x.csv",
    "/abs.csv",
    "a/b.csv",
    "",
]

NUMBERS = [
    0,
    1,
    -1,
    2,
    3,
    0.5,
    -0.0,
    1.5,
    2.0,
    0.999999,
    1e-320,
    4096,
    4097,
    10**6,
    10**6 + 1,
    10**9,
    2**64,
    2**128,
    10**400,
    -(10**400),
    1e308,
    -1e308,
    float("nan"),
    float("inf"),
]

json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=6),
    st.sampled_from(VOCABULARY),
    st.sampled_from(NUMBERS),
)
json_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.one_of(st.text(max_size=6), st.sampled_from(VOCABULARY)), inner, max_size=3
        )
    ),
    max_leaves=8,
)


def _locations(node: Any) -> list[tuple[Any, Any]]:
    """Return (container, key) for every value inside `node`."""
    found = []
    stack = [node]
    while stack:
        container = stack.pop()
        keys = container.keys() if isinstance(container, dict) else range(len(container))
        for key in keys:
            found.append((container, key))
            if isinstance(container[key], dict | list):
                stack.append(container[key])
    return found


def _mutate(draw: st.DrawFn, obj: dict) -> None:
    """Apply one random change to `obj` in place."""
    # Hypothesis favours the first items of sampled_from (and its own randoms); a Random seeded
    # from a drawn integer spreads the changes evenly over the file and still replays.
    rnd = random.Random(draw(st.integers(0, 2**32)))
    locations = _locations(obj)
    if not locations:
        obj[rnd.choice(VOCABULARY)] = draw(json_values)
        return
    container, key = rnd.choice(locations)
    value = container[key]
    operation = rnd.choice(
        [
            "delete",
            "retype",
            "number",
            "float",
            "word",
            "truncate",
            "extend",
            "insert_key",
            "rename",
        ]
    )
    if operation == "delete":
        del container[key]
    elif operation == "retype":
        container[key] = draw(json_values)
    elif operation == "number":
        container[key] = rnd.choice(NUMBERS)
    elif operation == "float":
        container[key] = draw(st.floats(allow_nan=False, allow_infinity=False))
    elif operation == "word":
        container[key] = rnd.choice(VOCABULARY)
    elif operation == "truncate" and isinstance(value, list):
        container[key] = value[: rnd.randint(0, max(0, len(value) - 1))]
    elif operation == "extend" and isinstance(value, list):
        value.append(copy.deepcopy(value[0]) if value and rnd.random() < 0.5 else draw(json_values))
    elif operation == "insert_key" and isinstance(value, dict):
        value[draw(st.text(max_size=8)) if rnd.random() < 0.5 else rnd.choice(VOCABULARY)] = draw(
            json_values
        )
    elif operation == "rename" and isinstance(container, dict):
        container[rnd.choice(VOCABULARY)] = container.pop(key)
    else:
        container[key] = draw(json_values)


@st.composite
def mutated_dicts(draw: st.DrawFn) -> dict:
    obj = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 4))):
        _mutate(draw, obj)
    return obj


def _outcome(run, file: str) -> Scenario | None:
    """Run `run()`; return its Scenario or None after checking its ScenarioError is well formed."""
    error = None
    try:
        scenario = run()
    except ScenarioError as caught:
        error = caught
    if error is None:
        assert isinstance(scenario, Scenario)
        event("accepted")
        return scenario
    event(f"refused: {error.field.split('.')[0].split('[')[0] or '(file)'}")
    assert error.file == file
    assert isinstance(error.field, str)
    assert error.reason
    prefix = f"{file}: {error.field}: " if error.field else f"{file}: "
    assert str(error) == prefix + error.reason
    return None


@FUZZ
@given(obj=mutated_dicts())
def test_mutated_dicts_give_a_scenario_or_a_scenario_error(obj: dict) -> None:
    before = copy.deepcopy(obj) if "nan" not in repr(obj) else None
    scenario = _outcome(lambda: validate_scenario_dict(obj, file="fuzz.json"), "fuzz.json")
    if before is not None:
        assert obj == before  # the argument is never changed
    if scenario is not None:
        # Whatever is accepted can be written and read back unchanged.
        text = json.dumps(scenario_to_dict(scenario), allow_nan=False)
        assert validate_scenario_dict(json.loads(text), file="fuzz.json") == scenario


@FUZZ
@given(obj=mutated_dicts())
def test_fast_number_checks_agree_with_the_full_schema(obj: dict) -> None:
    version = obj.get("version")
    if type(version) is not int or version != 1:
        return  # the loader checks the version itself
    full = schema.SchemaValidator(schema.scenario_schema())
    fast = schema.loader_validator()
    assert full.is_valid(obj) == fast.is_valid(obj)
    if not full.is_valid(obj):
        with pytest.raises(ScenarioError):
            validate_scenario_dict(obj, file="fuzz.json")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@st.composite
def corrupted_bytes(draw: st.DrawFn) -> bytes:
    obj = draw(st.one_of(st.sampled_from(BASES), mutated_dicts()))
    text = json.dumps(obj, indent=draw(st.sampled_from([None, 1])))
    data = text.encode("utf-8")
    operation = draw(st.sampled_from(["cut", "flip", "insert", "token", "none"]))
    if operation == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif operation == "flip":
        for _ in range(draw(st.integers(1, 3))):
            i = draw(st.integers(0, len(data) - 1))
            data = data[:i] + bytes([data[i] ^ (1 << draw(st.integers(0, 7)))]) + data[i + 1 :]
    elif operation == "insert":
        i = draw(st.integers(0, len(data)))
        data = data[:i] + draw(st.binary(min_size=1, max_size=8)) + data[i:]
    elif operation == "token":
        # Swap one number for a token Python's json would accept by default.
        token = draw(
            st.sampled_from(
                [
                    "NaN",
                    "Infinity",
                    "-Infinity",
                    "1e999",
                    "-1e400",
                    "1" * 400,
                    "1" * 5000,
                    "0.1e-400",
                ]
            )
        )
        starts = [
            i
            for i, ch in enumerate(text)
            if ch in "-0123456789" and (i == 0 or text[i - 1] in " [:,")
        ]
        if starts:
            i = draw(st.sampled_from(starts))
            end = i + 1
            while end < len(text) and text[end] in "0123456789.eE+-":
                end += 1
            data = (text[:i] + token + text[end:]).encode("utf-8")
    return data


@FUZZ
@given(data=corrupted_bytes())
def test_corrupted_files_give_a_scenario_or_a_scenario_error(folder: Path, data: bytes) -> None:
    path = folder / "fuzz.json"
    path.write_bytes(data)
    scenario = _outcome(lambda: load_scenario(path), "fuzz.json")
    if scenario is not None:
        assert scenario.source_path == path.absolute()


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=200))
def test_random_bytes_give_a_scenario_error(folder: Path, data: bytes) -> None:
    path = folder / "noise.json"
    path.write_bytes(data)
    with pytest.raises(ScenarioError):
        load_scenario(path)


def test_every_base_is_valid() -> None:
    for obj in BASES:
        assert isinstance(validate_scenario_dict(obj, file="base.json"), Scenario)
