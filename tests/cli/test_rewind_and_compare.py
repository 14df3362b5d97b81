"""`nnsim train --checkpoints`, `nnsim rewind` and `nnsim compare` from the command line."""

import json

import pytest
from cli_helpers import strict_json

from simulator.resources import scenarios_dir


def _one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("preset", ["xor", "three-classes"])
def test_rewinding_and_training_on_gives_the_bits_of_the_straight_run(run_nnsim, tmp_path, preset):
    run = tmp_path / "run.json"
    run_nnsim("train", preset, "--epochs", "30", "--checkpoints", "5", "--out", run, code=0)
    kept = [c["epoch"] for c in json.loads(run.read_text())["state"]["checkpoints"]]
    assert kept == [0, 5, 10, 15, 20, 25]

    rewound = tmp_path / "rewound.json"
    result = run_nnsim("rewind", run, "--epoch", "10", "--out", rewound, code=0)
    assert result.stdout.startswith("epoch 10,")
    again = tmp_path / "again.json"
    run_nnsim("train", rewound, "--epochs", "12", "--out", again, code=0)
    straight = tmp_path / "straight.json"
    run_nnsim("train", preset, "--epochs", "22", "--out", straight, code=0)

    def weights_and_state(path):
        obj = json.loads(path.read_text())
        obj["state"].pop("checkpoints", None)
        return obj["network"]["layers"], obj["state"]

    assert weights_and_state(again) == weights_and_state(straight)


def test_rewinding_to_an_epoch_without_a_checkpoint_names_the_nearest(run_nnsim, tmp_path):
    run = tmp_path / "run.json"
    run_nnsim("train", "xor", "--epochs", "20", "--checkpoints", "10", "--out", run, code=0)
    out = tmp_path / "out.json"
    result = run_nnsim("rewind", run, "--epoch", "13", "--out", out, code=2)
    assert "no checkpoint at epoch 13" in _one_line(result)
    assert "10 and 20" in _one_line(result)
    assert not out.exists()


def test_checkpoints_need_an_out_file(run_nnsim):
    result = run_nnsim("train", "xor", "--epochs", "2", "--checkpoints", "1", code=2)
    assert "--out" in _one_line(result)


def test_each_variant_is_what_train_gives_for_the_file_with_that_field_set(run_nnsim, tmp_path):
    result = run_nnsim(
        "compare", "xor", "--vary", "training.optimizer.learning_rate=0.03,0.3",
        "--vary", "network.layers[0].activation=tanh,relu", "--epochs", "15", "--json", code=0,
    )  # fmt: skip
    variants = strict_json(result.stdout)
    assert [v["vary"] for v in variants] == [
        {"training.optimizer.learning_rate": rate, "network.layers[0].activation": activation}
        for rate in (0.03, 0.3)
        for activation in ("tanh", "relu")
    ]
    obj = json.loads((scenarios_dir() / "xor.json").read_text())
    for variant in variants:
        obj["training"]["optimizer"]["learning_rate"] = variant["vary"][
            "training.optimizer.learning_rate"
        ]
        obj["network"]["layers"][0]["activation"] = variant["vary"]["network.layers[0].activation"]
        single = tmp_path / "single.json"
        single.write_text(json.dumps(obj))
        trained = strict_json(run_nnsim("train", single, "--epochs", "15", "--json", code=0).stdout)
        for key in ("epochs", "train_loss", "test_loss", "train_accuracy", "test_accuracy"):
            assert variant[key] == trained[key], key
        assert variant["history"]["epoch"][-1] == 15
        assert variant["history"]["train_loss"][-1] == trained["train_loss"]


@pytest.mark.parametrize(
    ("vary", "words"),
    [
        ("training.optimizer.learning_rate=0.1,-1", "learning_rate=-1"),
        ("network.layers[7].units=3", "network.layers[7]"),
        ("training.batch_size", "PATH=V1,V2"),
        ("training..batch_size=1", "not a field path"),
        ("network.layers[0].activation=tanh,wobbly", "wobbly"),
    ],
)
def test_a_bad_vary_is_refused_up_front_naming_path_and_value(run_nnsim, vary, words):
    result = run_nnsim("compare", "xor", "--vary", vary, "--epochs", "100000", code=2)
    assert words in _one_line(result)
    assert result.stdout == ""  # nothing trained


def test_a_file_that_prepares_a_race_is_compared_without_vary(run_nnsim):
    result = strict_json(run_nnsim("compare", "learning-rate-race", "--json", code=0).stdout)
    assert [v["vary"] for v in result] == [
        {"training.optimizer.learning_rate": rate} for rate in (0.003, 0.03, 0.3, 3)
    ]
    assert {v["epochs"] for v in result} == {50}


def test_a_file_without_a_race_needs_vary(run_nnsim):
    result = run_nnsim("compare", "xor", "--epochs", "3", code=2)
    assert "prepares no race" in _one_line(result)


@pytest.mark.parametrize(
    ("race", "words"),
    [
        ({"vary": {"training.optimizer.learning_rate": [0.1, -1]}}, "learning_rate=-1"),
        ({"vary": {"training.batch_size": [1, 2, 3], "training.seed": [1, 2, 3]}}, "9 variants"),
        ({"vary": {"network.layers[9].units": [2]}}, "network.layers[9]"),
        ({"vary": {}}, "race.vary"),
    ],
)
def test_a_race_that_cannot_run_is_refused_when_the_file_is_read(run_nnsim, tmp_path, race, words):
    obj = json.loads((scenarios_dir() / "xor.json").read_text())
    obj["race"] = race
    path = tmp_path / "race.json"
    path.write_text(json.dumps(obj))
    result = run_nnsim("validate", path, code=2)
    assert words in result.stdout + result.stderr
