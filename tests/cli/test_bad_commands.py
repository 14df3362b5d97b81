"""Every bad command line gets one clear line on stderr and exit code 2, never a window."""

import json
import os

import pytest
from cli_helpers import environment

from simulator.cli import COMMANDS
from simulator.resources import scenarios_dir

SPIRAL = scenarios_dir() / "spiral.json"


def _one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("display", [True, False])
def test_a_mistyped_command_is_an_error_naming_it_and_the_commands(run_nnsim, tmp_path, display):
    (tmp_path / "x.json").write_text(SPIRAL.read_text())
    result = run_nnsim(
        "trian", "x.json", code=2, cwd=tmp_path, env=environment(display=display), timeout=20
    )
    line = _one_line(result)
    assert "'trian'" in line
    assert "not a command" in line
    for command in COMMANDS:
        assert command in line


@pytest.mark.parametrize("name", ["missing.json", "folder.json", "notes.txt"])
def test_a_file_to_open_must_exist_and_look_like_a_scenario(run_nnsim, tmp_path, name):
    (tmp_path / "folder.json").mkdir()
    (tmp_path / "notes.txt").write_text("{}")
    result = run_nnsim(name, code=2, cwd=tmp_path, timeout=20)
    assert name in _one_line(result)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_a_fifo_named_like_a_scenario_is_not_opened(run_nnsim, tmp_path):
    os.mkfifo(tmp_path / "pipe.json")
    result = run_nnsim("pipe.json", code=2, cwd=tmp_path, timeout=20)
    assert "pipe.json" in _one_line(result)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("train", "spiral"), "--epochs"),  # a required option missing
        (("train", "spiral", "--epochs", "many"), "invalid int value"),
        (("trace", "spiral", "--bogus"), "--bogus"),
        (("--bogus",), "--bogus"),
        (("validate",), "FILE"),
    ],
)
def test_argparse_errors_are_one_line(run_nnsim, args, words):
    line = _one_line(run_nnsim(*args, code=2))
    assert line.startswith("nnsim")
    assert words in line
    assert "--help" in line  # where to read more


def test_an_empty_out_is_refused_and_nothing_is_trained(run_nnsim, tmp_path):
    result = run_nnsim("train", SPIRAL, "--epochs", 1, "--out", "", code=2)
    assert "--out" in _one_line(result)
    assert result.stdout == ""


def test_an_unknown_name_is_neither_a_file_nor_a_preset(run_nnsim, tmp_path):
    result = run_nnsim("train", "spirl", "--epochs", 1, code=2, cwd=tmp_path)
    line = _one_line(result)
    assert "spirl" in line
    assert "no preset of that name" in line


def test_a_too_large_csv_says_its_size_and_the_limit_precisely(run_nnsim, tmp_path):
    big = tmp_path / "big.csv"
    with big.open("wb") as stream:
        stream.truncate(250_000_000)  # sparse: costs no disk, and is refused from its size
    scenario = json.loads(SPIRAL.read_text())
    scenario["network"]["inputs"] = ["x"]
    scenario["data"] = {"csv": "big.csv", "targets": ["y"], "train_fraction": 0.8, "seed": 0}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(scenario))
    line = _one_line(run_nnsim("validate", path, code=2))
    assert "big.csv is too large (250 MB; data files may have at most 210 MB)" in line


def test_a_second_file_for_the_app_is_refused(run_nnsim, tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(json.loads(SPIRAL.read_text())))
    result = run_nnsim("a.json", "b.json", code=2, cwd=tmp_path, timeout=20)
    assert "b.json" in _one_line(result)
