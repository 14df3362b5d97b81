"""`nnsim predict`: asking a scenario's network about new inputs from the command line."""

import json
import subprocess
import sys

import pytest
from cli_helpers import strict_json


def _one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_an_input_on_cat_vs_dog_gets_a_class_name_and_a_probability(run_nnsim):
    result = run_nnsim("predict", "cat-vs-dog", "--input", "0.24,0.31", code=0)
    assert result.stderr == ""
    header, row = result.stdout.splitlines()[:2]
    assert header.split()[:2] == ["size", "tail"]  # the raw columns, in their order
    assert "probability" in header
    cells = row.split()
    assert cells[:2] == ["0.24", "0.31"]
    assert cells[3] in ("cat", "dog")
    assert cells[4].endswith("%")
    assert 50.0 <= float(cells[4].rstrip("%")) <= 100.0


def test_json_is_strict_with_one_object_per_input(run_nnsim):
    result = run_nnsim(
        "predict", "cat-vs-dog", "--input", "0.24,0.31", "--input", "0.7,0.9", "--json", code=0
    )
    assert result.stderr == ""
    answers = strict_json(result.stdout)
    assert [answer["input"] for answer in answers] == [[0.24, 0.31], [0.7, 0.9]]
    for answer in answers:
        assert set(answer) == {"input", "output", "class", "probability"}
        assert answer["class"] in ("cat", "dog")
        (output,) = answer["output"]
        expected = output if answer["class"] == "dog" else 1.0 - output
        assert answer["probability"] == expected


def test_regression_json_has_no_class(run_nnsim):
    answers = strict_json(
        run_nnsim("predict", "regression-plane", "--input", "1,-2", "--json", code=0).stdout
    )
    assert set(answers[0]) == {"input", "output"}
    assert answers[0]["input"] == [1.0, -2.0]


def test_a_table_gives_the_same_answers_as_the_same_rows_typed(run_nnsim, tmp_path):
    # The columns in another order, and one the network does not take: read by name.
    (tmp_path / "animals.csv").write_text("name,tail length,size\nTom,0.31,0.24\nRex,0.9,0.7\n")
    from_table = run_nnsim(
        "predict", "cat-vs-dog", "--csv", "animals.csv", "--json", code=0, cwd=tmp_path
    )
    typed = run_nnsim(
        "predict", "cat-vs-dog", "--input", "0.24,0.31", "--input", "0.7,0.9", "--json", code=0
    )
    assert strict_json(from_table.stdout) == strict_json(typed.stdout)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--input", "0.24,0.31,1"), "expects 2 values (size, tail length), got 3"),
        (("--input", "0.24,big"), '"big" is not a number'),
        ((), "--input"),
    ],
)
def test_bad_typed_input_is_one_line_and_exit_2(run_nnsim, args, words):
    result = run_nnsim("predict", "cat-vs-dog", *args, code=2)
    assert words in _one_line(result)
    assert result.stdout == ""


def test_a_bad_table_row_is_one_line_naming_the_file_row_and_column(run_nnsim, tmp_path):
    (tmp_path / "animals.csv").write_text("size,tail length\n0.2,0.3\n0.4,long\n")
    result = run_nnsim("predict", "cat-vs-dog", "--csv", "animals.csv", code=2, cwd=tmp_path)
    line = _one_line(result)
    assert "animals.csv" in line
    assert "line 3" in line
    assert '"tail length"' in line
    assert result.stdout == ""


def test_a_folder_is_not_read_as_a_table(run_nnsim, tmp_path):
    (tmp_path / "table.csv").mkdir()
    result = run_nnsim("predict", "cat-vs-dog", "--csv", "table.csv", code=2, cwd=tmp_path)
    assert "not a regular file" in _one_line(result)


def test_predict_loads_no_qt():
    probe = (
        "import contextlib, io, sys\n"
        "from simulator.__main__ import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = main(['predict', 'cat-vs-dog', '--input', '0.24,0.31'])\n"
        "assert code == 0, code\n"
        "loaded = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)


def test_an_input_a_formula_feature_has_no_value_at_is_one_line_and_exit_2(run_nnsim, tmp_path):
    scenario = {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "A logarithm of the input",
        "network": {"inputs": ["X2", "log(X1)"], "layers": [{"units": 1, "activation": "sigmoid"}]},
        "training": {
            "loss": "bce",
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
            "batch_size": 3,
        },
        "data": {"train": {"inputs": [[1, 4], [2, 9], [3, 1]], "targets": [[0], [1], [1]]}},
    }
    path = tmp_path / "log.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    answers = strict_json(run_nnsim("predict", path, "--input", "2,1", "--json", code=0).stdout)
    assert len(answers) == 1
    line = _one_line(run_nnsim("predict", path, "--input", "2,1", "--input=-1,1", code=2))
    assert 'feature "log(X1)": log(X1) is not a number (NaN) on row 2 of the inputs' in line
