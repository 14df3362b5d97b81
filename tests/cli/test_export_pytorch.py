"""`nnsim export FILE --pytorch DIR` and `nnsim import-weights FILE WEIGHTS --out OUT`, without
PyTorch: the files an export writes (whole or not at all), and weights coming back bit for bit
or refused in one line naming the file and the key. (With PyTorch: test_against_pytorch_export.)"""

import ast
import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch_export_comparison as compared  # its configurations; torch only when it compares
from safetensors.numpy import load_file, save_file

from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.engine.trainer import dropout_rng
from simulator.export import layout, pytorch
from simulator.resources import preset_path

FILES = {"model.py", "weights.safetensors", "data.csv", "README.md"}


def _one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def spiral_export(run_nnsim, tmp_path):
    folder = tmp_path / "spiral-torch"
    result = run_nnsim("export", "spiral", "--pytorch", folder, code=0)
    assert str(folder) in result.stdout
    return folder


def test_export_writes_the_four_files_and_nothing_beside_them(spiral_export, tmp_path):
    assert {p.name for p in spiral_export.iterdir()} == FILES  # no optimizer state: untrained
    assert [p.name for p in tmp_path.iterdir()] == [spiral_export.name]  # no temporary left


def test_data_csv_holds_train_then_test_rows_with_a_set_column(spiral_export):
    simulation = Simulation(load_scenario(preset_path("spiral")))
    data = simulation.data
    with open(spiral_export / "data.csv", newline="") as stream:
        rows = list(csv.reader(stream))
    header, body = rows[0], rows[1:]
    assert header == [*data.feature_plan.names, "target", "set"]
    assert len(body) == len(data.train_inputs) + len(data.test_inputs)
    sets = [row[-1] for row in body]
    assert sets == ["train"] * len(data.train_inputs) + ["test"] * len(data.test_inputs)
    values = np.array([[float(v) for v in row[:-1]] for row in body])
    inputs = np.concatenate([data.train_inputs, data.test_inputs])
    targets = np.concatenate([data.train_targets, data.test_targets])
    # The network's inputs (scaled, features derived) and targets, exactly.
    assert np.array_equal(values, np.concatenate([inputs, targets], axis=1))


def test_weights_are_keyed_as_the_state_dict_of_the_sequential(spiral_export):
    network = Simulation(load_scenario(preset_path("spiral"))).network
    tensors = load_file(spiral_export / "weights.safetensors")
    # Linear, activation, Linear, ...: the Linear modules sit at the even indices.
    expected = {
        f"{2 * i}.{part}" for i in range(network.layer_count) for part in ("weight", "bias")
    }
    assert set(tensors) == expected
    for i, (w, b) in enumerate(zip(network.weights, network.biases, strict=True)):
        assert tensors[f"{2 * i}.weight"].dtype == np.float64
        assert np.array_equal(tensors[f"{2 * i}.weight"], w)
        assert np.array_equal(tensors[f"{2 * i}.bias"], b)


def test_model_py_is_python_naming_the_settings(spiral_export):
    source = (spiral_export / "model.py").read_text()
    tree = ast.parse(source)  # never run here: nnsim's environment has no torch
    names = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert {"build_model", "load_data", "data_loss", "make_optimizer", "train", "main"} <= names
    assert "nn.Linear(7, 8, dtype=DTYPE)" in source
    assert "nn.Sigmoid()" in source
    assert "binary_cross_entropy_with_logits" in source
    assert "torch.optim.Adam(" in source
    readme = (spiral_export / "README.md").read_text()
    assert "python model.py --epochs" in readme
    assert f"PyTorch {pytorch.WRITTEN_FOR_TORCH}" in readme


@pytest.mark.parametrize("case", list(compared.CASES))
def test_model_py_of_every_compared_configuration_is_readable_python(case, tmp_path):
    scenario = load_scenario(compared.make_file(case, tmp_path))
    pytorch.export_pytorch(scenario, tmp_path / "out")
    source = (tmp_path / "out" / "model.py").read_text()
    compile(source, "model.py", "exec")  # compiled, never run: no torch here
    assert max(len(line) for line in source.splitlines()) <= 100


def test_a_trained_file_exports_its_optimizer_state_and_position(run_nnsim, tmp_path):
    trained = tmp_path / "trained.json"
    run_nnsim("train", "spiral", "--epochs", "2", "--out", trained, code=0)
    folder = tmp_path / "out"
    run_nnsim("export", trained, "--pytorch", folder, code=0)
    state = load_file(folder / "optimizer_state.safetensors")
    assert {"0.weight.exp_avg", "0.weight.exp_avg_sq", "0.weight.step", "6.bias.step"} <= set(state)
    assert state["0.weight.step"].tolist() == [50.0]  # 2 epochs of 25 batches
    assert "START = {'epoch': 2,\n 'step': 50," in (folder / "model.py").read_text()


def test_export_replaces_an_earlier_export_whole(run_nnsim, spiral_export):
    (spiral_export / "README.md").write_text("old")
    run_nnsim("export", "xor", "--pytorch", spiral_export, code=0)
    assert {p.name for p in spiral_export.iterdir()} == FILES
    assert "xor" in (spiral_export / "README.md").read_text().lower()


def test_export_refuses_a_folder_holding_other_files(run_nnsim, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    result = run_nnsim("export", "spiral", "--pytorch", folder, code=2)
    assert "mine" in _one_line(result)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]


def test_export_needs_a_target(run_nnsim):
    result = run_nnsim("export", "spiral", code=2)
    assert "--pytorch" in _one_line(result)


@pytest.mark.parametrize("earlier", [False, True])
def test_a_failed_export_leaves_no_half_folder(tmp_path, monkeypatch, earlier):
    folder = tmp_path / "out"
    scenario = load_scenario(preset_path("xor"))
    if earlier:
        pytorch.export_pytorch(scenario, folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()} if earlier else None
    written = []

    def failing(path, data):
        if written:
            raise OSError(28, "No space left on device")
        written.append(path)
        path.write_bytes(data)

    monkeypatch.setattr(pytorch, "_write_file", failing)
    with pytest.raises(pytorch.ScenarioError, match="No space left"):
        pytorch.export_pytorch(load_scenario(preset_path("spiral")), folder)
    assert [p.name for p in tmp_path.iterdir()] == (["out"] if earlier else [])
    if earlier:
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_export_and_import_load_no_qt():
    code = (
        "import simulator.export.pytorch, simulator.export.weights_import, sys; "
        "print([m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'torch'))])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


# ----- import-weights ------------------------------------------------------------------------


def _layers(path: Path):
    return [(layer.weights, layer.biases) for layer in load_scenario(path).network.layers]


def test_exported_weights_come_back_bit_for_bit(run_nnsim, tmp_path):
    trained = tmp_path / "trained.json"
    run_nnsim("train", "spiral", "--epochs", "3", "--out", trained, code=0)
    folder = tmp_path / "out"
    run_nnsim("export", trained, "--pytorch", folder, code=0)
    # Another file of the same network (its own untrained weights) takes the trained ones.
    out = tmp_path / "imported.json"
    result = run_nnsim(
        "import-weights", "spiral", folder / "weights.safetensors", "--out", out, code=0
    )
    assert "optimizer state was reset" in result.stdout
    assert _layers(out) == _layers(trained)


def test_import_resets_the_optimizer_state_and_keeps_the_position(run_nnsim, tmp_path):
    trained = tmp_path / "trained.json"
    run_nnsim("train", "spiral", "--epochs", "2", "--out", trained, code=0)
    weights = tmp_path / "w.safetensors"
    save_file(load_file(_export(run_nnsim, trained, tmp_path) / "weights.safetensors"), weights)
    out = tmp_path / "imported.json"
    run_nnsim("import-weights", trained, weights, "--out", out, code=0)
    state = json.loads(out.read_text())["state"]
    assert state.get("optimizer") is None
    assert state["epoch"] == 2
    assert json.loads(trained.read_text())["state"]["optimizer"]["name"] == "adam"


def _export(run_nnsim, file, tmp_path) -> Path:
    folder = tmp_path / "export"
    run_nnsim("export", file, "--pytorch", folder, code=0)
    return folder


def test_float32_weights_are_widened_exactly(run_nnsim, tmp_path):
    network = Simulation(load_scenario(preset_path("xor"))).network
    rng = np.random.default_rng(1)
    tensors = {}
    for i, w in enumerate(network.weights):
        tensors[f"{i}.weight"] = rng.normal(size=w.shape).astype(np.float32)
        tensors[f"{i}.bias"] = rng.normal(size=w.shape[0]).astype(np.float32)
    path = tmp_path / "f32.safetensors"  # an nn.Sequential of Linear layers alone: 0, 1, 2
    save_file(tensors, path)
    out = tmp_path / "out.json"
    run_nnsim("import-weights", "xor", path, "--out", out, code=0)
    for i, (w, b) in enumerate(_layers(out)):
        assert np.array_equal(np.array(w), tensors[f"{i}.weight"].astype(np.float64))
        assert np.array_equal(np.array(b), tensors[f"{i}.bias"].astype(np.float64))


def _good_tensors():
    network = Simulation(load_scenario(preset_path("xor"))).network
    tensors = {}
    for i, (w, b) in enumerate(zip(network.weights, network.biases, strict=True)):
        tensors[f"{2 * i}.weight"] = w.copy()
        tensors[f"{2 * i}.bias"] = b.copy()
    return tensors


def _broken(kind: str) -> tuple[dict, str]:
    """Tensors broken as `kind` says, and the key the refusal must name."""
    tensors = _good_tensors()
    if kind == "wrong key":
        tensors["2.kernel"] = tensors.pop("2.weight")
        return tensors, "2.kernel"
    if kind == "missing bias":
        del tensors["4.bias"]
        return tensors, "4.bias"
    if kind == "shape":
        tensors["2.weight"] = np.zeros((3, 4))
        return tensors, "2.weight"
    if kind == "int dtype":
        tensors["0.bias"] = np.arange(4, dtype=np.int64)
        return tensors, "0.bias"
    if kind == "float16":
        tensors["4.weight"] = tensors["4.weight"].astype(np.float16)
        return tensors, "4.weight"
    if kind == "NaN":
        tensors["2.bias"][1] = np.nan
        return tensors, "2.bias"
    if kind == "infinity":
        tensors["0.weight"][0, 1] = -np.inf
        return tensors, "0.weight"
    raise ValueError(kind)


@pytest.mark.parametrize(
    "kind", ["wrong key", "missing bias", "shape", "int dtype", "float16", "NaN", "infinity"]
)
def test_bad_weights_are_refused_naming_the_file_and_key(run_nnsim, tmp_path, kind):
    tensors, key = _broken(kind)
    path = tmp_path / "bad.safetensors"
    save_file(tensors, path)
    out = tmp_path / "out.json"
    result = run_nnsim("import-weights", "xor", path, "--out", out, code=2)
    line = _one_line(result)
    assert f"bad.safetensors: {key}:" in line
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "not a safetensors file"),
        (b"0.weight,0.bias\n1,2\n", "not a safetensors file"),
        (b"\x02\x00\x00\x00\x00\x00\x00\x00{}", "0 Linear layers"),
    ],
)
def test_a_file_that_is_not_a_state_dict_is_refused(run_nnsim, tmp_path, content, words):
    path = tmp_path / "weights.safetensors"
    path.write_bytes(content)
    out = tmp_path / "out.json"
    result = run_nnsim("import-weights", "xor", path, "--out", out, code=2)
    line = _one_line(result)
    assert "weights.safetensors" in line
    assert words in line
    assert not out.exists()


def test_too_many_layers_are_refused(run_nnsim, tmp_path):
    tensors = _good_tensors()
    tensors["6.weight"], tensors["6.bias"] = np.zeros((1, 1)), np.zeros(1)
    path = tmp_path / "deep.safetensors"
    save_file(tensors, path)
    result = run_nnsim("import-weights", "xor", path, "--out", tmp_path / "out.json", code=2)
    assert "4 Linear layers (0, 2, 4, 6); the scenario's network has 3" in _one_line(result)


def test_a_folder_that_cannot_be_made_is_a_scenario_error(tmp_path, monkeypatch):
    def refuse(**kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(pytorch.tempfile, "mkdtemp", refuse)
    with pytest.raises(pytorch.ScenarioError, match="out: could not be written: Permission"):
        pytorch.export_pytorch(load_scenario(preset_path("xor")), tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


# ----- dropout ---------------------------------------------------------------------------------


def _start(source: str) -> dict:
    """model.py's START, read as the literal it is (model.py is never run here: no torch)."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "START":
            return ast.literal_eval(node.value)
    raise AssertionError("model.py has no START")


def _plain(state: dict) -> dict:
    # As JSON keeps a generator's state (and model.py's START writes it): plain ints.
    return json.loads(json.dumps(state))


def test_dropout_is_exported_as_numpy_dropout_modules(tmp_path):
    file = compared.make_file("dropout two rates", tmp_path)  # rates 0.1 and 0.3, layers 1, 2
    scenario = load_scenario(file)
    pytorch.export_pytorch(scenario, tmp_path / "out")
    source = (tmp_path / "out" / "model.py").read_text()
    tree = ast.parse(source)
    assert "NumpyDropout" in {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    assert "NumpyDropout(0.1, DROPOUT_RNG),  # 2: dropout of layer 1" in source
    assert "NumpyDropout(0.3, DROPOUT_RNG),  # 5: dropout of layer 2" in source
    assert source.count("NumpyDropout(0") == 2  # none after the output layer
    assert "model.eval()" in source  # evaluate() draws no masks
    # An untrained file: the masks start from the training seed's own fresh generator.
    fresh = dropout_rng(scenario.training.seed).bit_generator.state
    assert _start(source)["dropout_rng"] == _plain(fresh)


def test_without_dropout_model_py_has_no_dropout_generator_state(spiral_export):
    source = (spiral_export / "model.py").read_text()
    assert _start(source)["dropout_rng"] is None
    assert "NumpyDropout(0" not in source


def test_the_state_dict_keys_skip_the_dropout_slots(tmp_path):
    file = compared.make_file("dropout two rates", tmp_path)
    network = Simulation(load_scenario(file)).network
    pytorch.export_pytorch(load_scenario(file), tmp_path / "out")
    tensors = load_file(tmp_path / "out" / "weights.safetensors")
    # Linear, Tanh, Dropout, Linear, Tanh, Dropout, Linear, Tanh, Linear, Sigmoid.
    indices = (0, 3, 6, 8)
    assert set(tensors) == {f"{i}.{part}" for i in indices for part in ("weight", "bias")}
    for i, w, b in zip(indices, network.weights, network.biases, strict=True):
        assert np.array_equal(tensors[f"{i}.weight"], w)
        assert np.array_equal(tensors[f"{i}.bias"], b)
    modules = layout.sequential_layout(network.sizes, network.activation_names, (0.1, 0.3, 0, 0))
    assert layout.linear_keys(modules)[1] == ("3.weight", "3.bias")


def test_a_trained_dropout_file_continues_its_masks_and_comes_back_bit_for_bit(run_nnsim, tmp_path):
    # Trained 57 steps (mid-epoch) with dropout on the three hidden layers.
    trained = compared.make_file("resumed dropout mid-epoch", tmp_path)
    folder = tmp_path / "out"
    run_nnsim("export", trained, "--pytorch", folder, code=0)
    saved = json.loads(trained.read_text())["state"]
    start = _start((folder / "model.py").read_text())
    assert start["dropout_rng"] == saved["dropout_rng"]
    assert (start["step"], start["batch_in_epoch"]) == (57, 57 - 25 * 2)
    # The optimizer's buffers under the shifted keys: Linear modules 0, 3, 6, 9.
    state = load_file(folder / "optimizer_state.safetensors")
    assert {"0.weight.exp_avg", "3.weight.exp_avg", "6.bias.step", "9.bias.exp_avg_sq"} <= set(
        state
    )
    # The weights go back into an untrained file of the same network with dropout, bit for bit.
    untrained = compared.make_file("dropout", tmp_path)
    assert _layers(untrained) != _layers(trained)
    out = tmp_path / "imported.json"
    run_nnsim("import-weights", untrained, folder / "weights.safetensors", "--out", out, code=0)
    assert _layers(out) == _layers(trained)
