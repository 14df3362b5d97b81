"""Machine output that strict parsers accept, and a quiet stderr when a command succeeds."""

import json

import pytest
from cli_helpers import strict_json

from simulator.resources import scenarios_dir

WORKED_EXAMPLE = scenarios_dir() / "x1-x2-worked-example.json"


def _variant(tmp_path, name, change):
    scenario = json.loads(WORKED_EXAMPLE.read_text())
    change(scenario)
    path = tmp_path / name
    path.write_text(json.dumps(scenario))
    return path


@pytest.fixture
def overflowing(tmp_path):
    """The worked example with weights so large that its first forward pass overflows (z = ∞)
    and a learning rate of 1e308, so that its first step overflows too."""

    def change(scenario):
        scenario["training"]["optimizer"]["learning_rate"] = 1e308
        hidden, output = scenario["network"]["layers"]
        hidden["weights"] = [[1e200, 1e200], [1e200, 1e200]]
        output["weights"] = [[1e200, 1e200]]

    return _variant(tmp_path, "overflowing.json", change)


def test_trace_json_after_an_overflow_is_strict_json_with_null_for_infinity(run_nnsim, overflowing):
    result = run_nnsim("trace", overflowing, "--json", code=0)
    trace = strict_json(result.stdout)
    assert trace["forward"][1]["z"] == [None]  # z = 1e200·1e200 + ... = ∞
    assert trace["loss"] is None
    assert result.stderr == ""  # no NumPy RuntimeWarning


def test_trace_text_after_an_overflow_warns_in_its_own_words_only(run_nnsim, overflowing):
    result = run_nnsim("trace", overflowing, code=0)
    assert "non-finite" in result.stdout
    assert result.stderr == ""


def test_gradcheck_where_the_loss_is_infinite_says_so_in_its_own_words(run_nnsim, overflowing):
    result = run_nnsim("gradcheck", overflowing, code=1)
    assert "not finite" in result.stdout
    assert "MISMATCH" not in result.stdout
    assert result.stderr == ""


def test_presets_json_is_strict_json(run_nnsim):
    presets = strict_json(run_nnsim("presets", "--json", code=0).stdout)
    assert {"name": "spiral", "title": "Spiral"} in presets


@pytest.mark.parametrize(
    "args",
    [
        ("train", "spiral", "--epochs", "2", "--json"),
        ("trace", "circle", "--json"),
        ("validate", "xor"),
        ("gradcheck", "iris"),
        ("presets",),
    ],
)
def test_a_successful_command_prints_nothing_on_stderr(run_nnsim, args):
    result = run_nnsim(*args, code=0)
    assert result.stderr == ""
    if "--json" in args:
        strict_json(result.stdout)
