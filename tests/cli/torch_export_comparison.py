"""The PyTorch export against nnsim: the exported model.py, run as a user runs it, trains as
`nnsim train` does (per-epoch train and test losses), build_model() predicts as nnsim's network
does, and weights trained in PyTorch come back through `nnsim import-weights` predicting as
they did in PyTorch. Figures are maximum absolute differences.

Needs torch (and safetensors, numpy); nnsim's test suite runs it only where torch is there
(test_against_pytorch_export.py). Run it alone to print the figures:

    PYTHONPATH=. python tests/cli/torch_export_comparison.py
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from simulator.app.scenario import OptimizerSpec, RegularizationSpec, ScheduleSpec
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario, save_scenario
from simulator.resources import preset_path

ROOT = Path(__file__).resolve().parents[2]
EPOCHS = 5

SGD = OptimizerSpec("sgd", 0.1)
MOMENTUM = OptimizerSpec("sgd", 0.05, momentum=0.9)
ADAM = OptimizerSpec("adam", 0.01)

# name: (preset, changes to its training and layers, steps trained in nnsim before the export)
CASES: dict[str, tuple[str, dict, int]] = {
    "sgd": ("spiral", {"optimizer": SGD}, 0),
    "sgd+momentum": ("spiral", {"optimizer": MOMENTUM}, 0),
    "adam": ("spiral", {"optimizer": ADAM}, 0),
    "rmsprop": ("spiral", {"optimizer": OptimizerSpec("rmsprop", 0.003)}, 0),
    "rmsprop+momentum": (
        "spiral",
        {"optimizer": OptimizerSpec("rmsprop", 0.002, momentum=0.5, alpha=0.9, eps=1e-6)},
        0,
    ),
    "adamw": ("spiral", {"optimizer": OptimizerSpec("adamw", 0.01, weight_decay=0.05)}, 0),
    "schedule step": (
        "spiral",
        {"optimizer": MOMENTUM, "schedule": ScheduleSpec("step", step_size=2, gamma=0.5)},
        0,
    ),
    "schedule exponential": (
        "spiral",
        {"optimizer": ADAM, "schedule": ScheduleSpec("exponential", gamma=0.8)},
        0,
    ),
    "schedule cosine": (
        "spiral",
        {"optimizer": ADAM, "schedule": ScheduleSpec("cosine", t_max=2, eta_min=0.001)},
        0,
    ),
    "l1": ("spiral", {"optimizer": MOMENTUM, "regularization": RegularizationSpec("l1", 0.001)}, 0),
    "l2": ("spiral", {"optimizer": ADAM, "regularization": RegularizationSpec("l2", 0.01)}, 0),
    "frozen": ("spiral", {"optimizer": ADAM, "frozen": ((0, "weights"), (2, "biases"))}, 0),
    "frozen+momentum+l2": (
        "spiral",
        {
            "optimizer": MOMENTUM,
            "regularization": RegularizationSpec("l2", 0.01),
            "frozen": ((1, "weights"), (3, "biases")),
        },
        0,
    ),
    "softmax+cross-entropy": ("iris", {"optimizer": MOMENTUM}, 0),
    "softmax+cross-entropy adam": ("three-classes", {"optimizer": ADAM}, 0),
    "shuffle off": ("spiral", {"optimizer": MOMENTUM, "shuffle": False}, 0),
    "mse": ("regression-plane", {"loss": "mse"}, 0),
    "half_sse": ("regression-plane", {}, 0),
    # Exported from a trained file: the optimizer state, the shuffle generator and the schedule
    # go on from where they stood (mid-epoch too).
    "resumed sgd+momentum": ("spiral", {"optimizer": MOMENTUM}, 75),
    "resumed adam mid-epoch + step schedule": (
        "spiral",
        {"optimizer": ADAM, "schedule": ScheduleSpec("step", step_size=1, gamma=0.7)},
        57,
    ),
    "resumed rmsprop+momentum mid-epoch": (
        "spiral",
        {"optimizer": OptimizerSpec("rmsprop", 0.002, momentum=0.5)},
        33,
    ),
    # Dropout: NumpyDropout's masks from one NumPy generator, drawn as nnsim draws them (layer by
    # layer, once per step), continued from a trained file's state mid-epoch too.
    "dropout": ("spiral", {"optimizer": ADAM, "dropout": ((0, 0.2),)}, 0),
    "dropout two rates": ("spiral", {"optimizer": MOMENTUM, "dropout": ((0, 0.1), (1, 0.3))}, 0),
    "dropout softmax+cross-entropy": ("iris", {"optimizer": MOMENTUM, "dropout": ((0, 0.25),)}, 0),
    "resumed dropout mid-epoch": (
        "spiral",
        {"optimizer": ADAM, "dropout": ((0, 0.2), (1, 0.2), (2, 0.1))},
        57,
    ),
}


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment(),
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{args} failed ({result.returncode}): {result.stderr.strip()}")
    return result


def make_file(name: str, folder: Path) -> Path:
    """Write the scenario file of case `name` into `folder` and return its path."""
    preset, changes, steps = CASES[name]
    scenario = load_scenario(preset_path(preset))
    changes = dict(changes)
    frozen = changes.pop("frozen", ())
    dropout = changes.pop("dropout", ())
    layers = list(scenario.network.layers)
    for index, part in frozen:
        layers[index] = dataclasses.replace(layers[index], **{f"freeze_{part}": True})
    for index, rate in dropout:
        layers[index] = dataclasses.replace(layers[index], dropout=rate)
    scenario = dataclasses.replace(
        scenario,
        training=dataclasses.replace(scenario.training, **changes),
        network=dataclasses.replace(scenario.network, layers=tuple(layers)),
    )
    if steps:
        simulation = Simulation(scenario)
        while simulation.trainer.step_count < steps:
            record = simulation.trainer.step()
            if record.epoch_finished:
                simulation.record_history()
        scenario = simulation.to_scenario()
    path = folder / (name.replace(" ", "_").replace("+", "_") + ".json")
    save_scenario(scenario, path)
    return path


def export(file: Path, folder: Path) -> Path:
    target = folder / (file.stem + "-pytorch")
    run(["-m", "simulator", "export", file, "--pytorch", target])
    return target


def model_py(folder: Path, epochs: int, save: Path | None = None) -> tuple[list, list, dict]:
    """Run the exported model.py; return its per-epoch train and test losses and last line."""
    args = [folder / "model.py", "--epochs", str(epochs)]
    if save is not None:
        args += ["--save", save]
    lines = run(args, cwd=folder).stdout.splitlines()
    train, test = [], []
    for line in lines[:-1]:
        words = line.split()
        train.append(float(words[words.index("train") + 2]))
        test.append(None if words[-1] == "None" else float(words[-1]))
    return train, test, json.loads(lines[-1])


def nnsim_train(file: Path, epochs: int, out: Path) -> tuple[list, list, dict]:
    """Run `nnsim train FILE --epochs N --json --out OUT`; return the losses of the N epochs
    from the saved history and the JSON it printed."""
    printed = json.loads(
        run(["-m", "simulator", "train", file, "--epochs", epochs, "--json", "--out", out]).stdout
    )
    history = json.loads(out.read_text())["state"]["history"]
    return history["train_loss"][-epochs:], history["test_loss"][-epochs:], printed


def _difference(ours: list, theirs: list) -> float:
    assert len(ours) == len(theirs), (ours, theirs)
    worst = 0.0
    for a, b in zip(ours, theirs, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            worst = max(worst, abs(a - b))
    return worst


def compare_case(name: str, epochs: int = EPOCHS) -> float:
    """The largest difference between model.py's and nnsim train's losses of case `name`:
    per epoch (train and test) and in the last JSON line."""
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        file = make_file(name, folder)
        exported = export(file, folder)
        train, test, last = model_py(exported, epochs)
        nn_train, nn_test, printed = nnsim_train(file, epochs, folder / "trained.json")
        assert last["epochs"] == printed["epochs"]
        return max(
            _difference(train, nn_train),
            _difference(test, nn_test),
            _difference(
                [last["train_loss"], last["test_loss"]],
                [printed["train_loss"], printed["test_loss"]],
            ),
        )


def _module(folder: Path):
    spec = importlib.util.spec_from_file_location(
        f"exported_{abs(hash(folder))}", folder / "model.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _inputs(module):
    import torch

    x_train, _, x_test, _ = module.load_data()
    return torch.cat([x_train, x_test])


def compare_predictions(name: str) -> float:
    """The largest difference between build_model()'s outputs and nnsim's network's outputs
    on every row of data.csv (train and test)."""
    import torch

    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        file = make_file(name, folder)
        module = _module(export(file, folder))
        x = _inputs(module)
        with torch.no_grad():
            theirs = module.build_model().eval()(x).numpy()  # eval: no dropout, as nnsim predicts
        ours = Simulation(load_scenario(file)).network.predict(x.numpy())
        return float(np.max(np.abs(ours - theirs)))


def compare_round_trip(name: str, epochs: int = 3) -> float:
    """Train `epochs` epochs in PyTorch with the exported loop, save the state dict, import it
    with `nnsim import-weights`: the largest difference between nnsim's predictions and
    PyTorch's on every row of data.csv."""
    import torch
    from safetensors.torch import load_file

    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        file = make_file(name, folder)
        exported = export(file, folder)
        trained = folder / "trained.safetensors"
        model_py(exported, epochs, save=trained)
        out = folder / "imported.json"
        run(["-m", "simulator", "import-weights", file, trained, "--out", out])
        module = _module(exported)
        model = module.build_model()
        model.load_state_dict(load_file(trained))
        model.eval()
        x = _inputs(module)
        with torch.no_grad():
            theirs = model(x).numpy()
        ours = Simulation(load_scenario(out)).network.predict(x.numpy())
        return float(np.max(np.abs(ours - theirs)))


PREDICTION_CASES = (
    "adam",
    "softmax+cross-entropy",
    "half_sse",
    "dropout two rates",
    "resumed dropout mid-epoch",
)


def main() -> None:
    import torch

    torch.set_default_dtype(torch.float64)
    print(f"torch {torch.__version__}, numpy {np.__version__}; epochs {EPOCHS}")
    for name in CASES:
        print(f"losses      {name:<42} {compare_case(name):.3g}")
    for name in PREDICTION_CASES:
        print(f"predictions {name:<42} {compare_predictions(name):.3g}")
    for name in PREDICTION_CASES:
        print(f"round trip  {name:<42} {compare_round_trip(name):.3g}")


if __name__ == "__main__":
    main()
