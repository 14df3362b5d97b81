"""The headless CLI, run as a user runs it: in a subprocess, reading its output and exit code."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.resources import scenarios_dir

DATA = Path(__file__).resolve().parent.parent / "data"
DESIGN_CARD = DATA / "x1x2-design-card.json"


def nnsim(*args, check_code=None):
    result = subprocess.run(
        [sys.executable, "-m", "simulator", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check_code is not None:
        assert result.returncode == check_code, result.stderr
    assert "Traceback" not in result.stderr
    return result


def test_trace_json_of_the_design_card_example_has_its_true_numbers():
    trace = json.loads(nnsim("trace", DESIGN_CARD, "--sample", 1, "--json", check_code=0).stdout)
    assert set(trace) == {"sample", "input", "target", "forward", "loss", "backward", "update"}
    assert trace["sample"] == 1  # samples are numbered from 1, as in the app
    assert trace["input"] == [1.0, 2.0]
    assert trace["target"] == [1.0]
    # Read literally, both hidden units get z = 0.5·1 − 0.5·2 = −0.5 and ReLU silences them.
    hidden, output = trace["forward"]
    assert hidden == {"layer": 1, "z": [-0.5, -0.5], "a": [0.0, 0.0]}
    assert output == {"layer": 2, "z": [0.0], "a": [0.5]}
    assert trace["loss"] == pytest.approx(math.log(2), rel=1e-15)
    assert [b["layer"] for b in trace["backward"]] == [2, 1]
    out_back, hidden_back = trace["backward"]
    assert out_back["delta"] == [-0.5]  # δ = ŷ − y
    assert out_back["grad_weights"] == [[0.0, 0.0]]
    assert out_back["grad_biases"] == [-0.5]
    assert hidden_back["delta"] == [0.0, 0.0]  # ReLU′(−0.5) = 0: no gradient flows
    first, second = trace["update"]
    assert first["weights_after"] == first["weights_before"] == [[0.5, -0.5], [0.5, -0.5]]
    assert second["biases_after"] == [pytest.approx(0.005, rel=1e-15)]  # 0 − 0.01 × (−0.5)


def test_trace_text_reads_like_a_worked_example():
    text = nnsim("trace", DESIGN_CARD, check_code=0).stdout
    assert "z1_1 = 0.5 × 1 − 0.5 × 2 + 0 = −0.5" in text
    assert "a1_1 = relu(−0.5) = 0" in text
    assert "L = 0.693147" in text
    assert "δ2_1 = ŷ − y = −0.5" in text
    assert "b2_1 ← 0 − 0.01 × (−0.5) = 0.005" in text


def test_trace_of_an_active_network_matches_a_hand_computation(tmp_path):
    scenario = json.loads(DESIGN_CARD.read_text())
    scenario["network"]["layers"][0]["weights"] = [[0.5, 0.25], [-0.5, 0.75]]
    scenario["network"]["layers"][0]["biases"] = [0.1, -0.2]
    scenario["network"]["layers"][1]["weights"] = [[1.5, -1.0]]
    path = tmp_path / "active.json"
    path.write_text(json.dumps(scenario))
    trace = json.loads(nnsim("trace", path, "--json", check_code=0).stdout)
    z1 = [0.5 * 1 + 0.25 * 2 + 0.1, -0.5 * 1 + 0.75 * 2 - 0.2]
    a1 = [max(0.0, z) for z in z1]
    z2 = 1.5 * a1[0] - 1.0 * a1[1]
    y_hat = 1 / (1 + math.exp(-z2))
    assert trace["forward"][0]["z"] == pytest.approx(z1, rel=1e-14)
    assert trace["forward"][1]["a"] == pytest.approx([y_hat], rel=1e-14)
    assert trace["loss"] == pytest.approx(-math.log(y_hat), rel=1e-13)
    delta2 = y_hat - 1.0
    delta1 = [1.5 * delta2, -1.0 * delta2]
    grad = trace["backward"][1]["grad_weights"]
    assert grad[0] == pytest.approx([delta1[0] * 1, delta1[0] * 2], rel=1e-13)
    assert grad[1] == pytest.approx([delta1[1] * 1, delta1[1] * 2], rel=1e-13)
    assert trace["update"][1]["weights_after"][0] == pytest.approx(
        [1.5 - 0.01 * delta2 * a1[0], -1.0 - 0.01 * delta2 * a1[1]], rel=1e-14
    )


@pytest.mark.parametrize("name", ["spiral-adam.json", "three-class-momentum.json"])
def test_three_epochs_twice_equal_six_at_once_bit_for_bit(tmp_path, name):
    source = DATA / name
    half, twice, once = tmp_path / "half.json", tmp_path / "twice.json", tmp_path / "once.json"
    nnsim("train", source, "--epochs", 3, "--out", half, check_code=0)
    nnsim("train", half, "--epochs", 3, "--out", twice, check_code=0)
    nnsim("train", source, "--epochs", 6, "--out", once, check_code=0)
    a, b = json.loads(twice.read_text()), json.loads(once.read_text())
    assert a["network"]["layers"] == b["network"]["layers"]  # floats compared exactly
    assert a["state"] == b["state"]
    assert a["state"]["epoch"] == 6
    assert a["network"]["layers"] != json.loads(half.read_text())["network"]["layers"]


def test_train_json_reports_losses_accuracy_and_speed():
    result = json.loads(
        nnsim(
            "train", DATA / "three-class-momentum.json", "--epochs", 5, "--json", check_code=0
        ).stdout
    )
    for key in (
        "epochs",
        "steps",
        "train_loss",
        "test_loss",
        "train_accuracy",
        "test_accuracy",
        "seconds",
        "steps_per_second",
    ):
        assert key in result
    assert result["epochs"] == 5
    assert result["steps"] == 5 * 3  # 11 samples in batches of 4
    assert 0 <= result["train_accuracy"] <= 1
    assert result["steps_per_second"] > 0


def test_train_without_test_data_reports_null_test_loss():
    result = json.loads(nnsim("train", DESIGN_CARD, "--epochs", 2, "--json", check_code=0).stdout)
    assert result["test_loss"] is None
    assert result["train_loss"] < math.log(2)  # the output bias moved towards the target


def test_validate_reports_each_file_and_fails_on_a_bad_one(tmp_path):
    bad = tmp_path / "bad.json"
    broken = json.loads(DESIGN_CARD.read_text())
    broken["title"] = 3
    bad.write_text(json.dumps(broken))
    good = nnsim("validate", DESIGN_CARD, DATA / "spiral-adam.json", check_code=0)
    assert good.stdout.count(": ok") == 2
    result = nnsim("validate", DESIGN_CARD, bad, check_code=2)
    assert "bad.json" in result.stderr
    assert "title" in result.stderr


def test_every_shipped_preset_validates():
    shipped = sorted(scenarios_dir().glob("*.json"))
    result = nnsim("validate", *shipped, check_code=0)
    assert result.stdout.count(": ok") == len(shipped)
    assert result.stderr == ""


@pytest.mark.parametrize("command", ["train", "trace", "gradcheck"])
def test_missing_file_is_bad_input_with_one_line(tmp_path, command):
    extra = ["--epochs", "1"] if command == "train" else []
    result = nnsim(command, tmp_path / "nowhere.json", *extra, check_code=2)
    assert "nowhere.json" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_sample_out_of_range_is_bad_input():
    result = nnsim("trace", DESIGN_CARD, "--sample", 5, check_code=2)
    assert "--sample 5" in result.stderr


def test_trace_numbers_samples_from_one_as_the_app_does():
    preset = scenarios_dir() / "learning-rate-too-high.json"
    first = json.loads(nnsim("trace", preset, "--json", check_code=0).stdout)
    second = json.loads(nnsim("trace", preset, "--sample", 2, "--json", check_code=0).stdout)
    assert (first["sample"], second["sample"]) == (1, 2)
    from simulator.app.session import Simulation
    from simulator.app.storage import load_scenario

    data = Simulation(load_scenario(preset)).data
    assert first["input"] == data.train_inputs[0].tolist()  # sample 1 is the first row
    assert second["input"] == data.train_inputs[1].tolist()
    assert "sample 100" in nnsim("trace", preset, "--sample", 100, check_code=0).stdout
    for outside in (0, 101):
        result = nnsim("trace", preset, "--sample", outside, check_code=2)
        assert "the training set has 100 samples (1 to 100)" in result.stderr


def test_train_after_a_divergence_reports_and_saves_the_kept_finite_state(tmp_path):
    out = tmp_path / "kept.json"
    preset = scenarios_dir() / "learning-rate-too-high.json"
    result = nnsim("train", preset, "--epochs", 5, "--json", "--out", out, check_code=1)
    report = json.loads(result.stdout)
    assert report["diverged"]
    assert (report["undone_step"], report["divergence"], report["steps"]) == (6, "loss", 5)
    assert report["train_loss"] is not None
    assert math.isfinite(report["train_loss"])
    assert report["test_loss"] is not None
    assert math.isfinite(report["test_loss"])
    assert "Step 6 was undone: it made the loss infinite" in result.stderr
    assert "training stopped at step 5" in result.stderr.lower()
    assert "before it is applied" not in result.stderr

    saved = json.loads(out.read_text())
    weights = [
        value
        for layer in saved["network"]["layers"]
        for value in [*(w for row in layer["weights"] for w in row), *layer["biases"]]
    ]
    assert all(math.isfinite(w) for w in weights)
    assert max(abs(w) for w in weights) < 1e100  # not the 7e103 the overflowing step made
    again = json.loads(nnsim("train", out, "--epochs", 1, "--json", check_code=1).stdout)
    assert again["steps"] == 5  # it goes on from the kept step, and diverges again
    from simulator.app.session import Simulation
    from simulator.app.storage import load_scenario

    kept = Simulation(load_scenario(out))
    assert kept.evaluate()[0].loss == report["train_loss"]


def test_train_help_says_a_step_is_kept_only_if_its_loss_is_finite():
    text = " ".join(nnsim("train", "--help", check_code=0).stdout.split())
    assert "A step is kept only if the loss it leads to is finite" in text


def test_usage_error_exits_2():
    nnsim("train", DESIGN_CARD, check_code=2)  # --epochs missing


def test_gradcheck_agrees():
    result = nnsim("gradcheck", DATA / "spiral-adam.json", check_code=0)
    assert "agrees" in result.stdout


def test_bench_json_lists_the_four_configurations():
    rows = json.loads(
        nnsim("bench", "--json", "--seconds", "0.05", "--repeats", "1", check_code=0).stdout
    )
    assert [r["name"] for r in rows] == ["2-8-8-1", "2-8-8-8-8-8-8-1", "2-64-64-1", "64-32-10"]
    assert [r["batch_size"] for r in rows] == [10, 10, 100, 32]
    assert all(r["steps_per_second"] > 0 for r in rows)


def test_console_script_runs():
    script = Path(sys.executable).parent / "nnsim"
    result = subprocess.run(
        [str(script), "validate", str(DESIGN_CARD)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout
