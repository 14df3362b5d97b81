"""Export a scenario to PyTorch: a folder with model.py (the network and its training loop),
weights.safetensors, data.csv and README.md, written whole or not at all."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import pprint
import shutil
import tempfile
import textwrap
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from .. import __version__
from ..app.scenario import Scenario
from ..app.session import Simulation
from ..app.storage import ScenarioError
from .layout import linear_keys, sequential_layout
from .model_template import MODEL_PY, README_MD

# The PyTorch version the exported code was written for and compared with nnsim under
# (tests/cli/torch_export_comparison.py); nnsim itself never imports torch.
WRITTEN_FOR_TORCH = "2.15"

WEIGHTS_FILE = "weights.safetensors"
OPTIMIZER_FILE = "optimizer_state.safetensors"
# Every file an export writes; a folder holding only these is an earlier export, replaced whole.
EXPORT_FILES = ("model.py", WEIGHTS_FILE, "data.csv", "README.md", OPTIMIZER_FILE)


@dataclass(frozen=True)
class PytorchExport:
    """What an export wrote: the folder, its files, and the sizes it describes."""

    folder: Path
    files: tuple[str, ...]
    train_rows: int
    test_rows: int


def export_pytorch(scenario: Scenario, folder: str | os.PathLike) -> PytorchExport:
    """Write the PyTorch export of `scenario` (its current weights and training state) into
    `folder`: a new or empty folder, or one an earlier export made (replaced whole). The files
    are written into a temporary folder beside it that is then renamed into place, so `folder`
    holds a whole export or what it held before. Raises ScenarioError (folder or scenario, field,
    reason) when the folder cannot be used or the scenario's data cannot be had."""
    folder = Path(folder)
    name = folder.name or str(folder)
    _check_folder(folder, name)
    simulation = Simulation(scenario)
    files = _render(simulation, scenario)
    parent = folder.parent
    temp = None
    try:
        temp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=parent))
        os.chmod(temp, 0o755)  # mkdtemp's 0700 would keep the export from other users
        for file_name, data in files.items():
            _write_file(temp / file_name, data)
        _move_into_place(temp, folder)
    except OSError as exc:
        raise ScenarioError(name, "", f"could not be written: {exc.strerror or exc}") from None
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    _fsync_folder(parent)
    return PytorchExport(
        folder,
        tuple(files),
        len(simulation.data.train_inputs),
        len(simulation.data.test_inputs),
    )


# ----- the files -------------------------------------------------------------------------------


def _render(simulation: Simulation, scenario: Scenario) -> dict[str, bytes]:
    network = simulation.network
    modules = sequential_layout(network.sizes, network.activation_names, simulation.trainer.dropout)
    keys = linear_keys(modules)
    files = {
        "model.py": model_source(simulation, scenario).encode(),
        WEIGHTS_FILE: weights_bytes(network.weights, network.biases, keys),
        "data.csv": data_csv(simulation).encode(),
    }
    optimizer_state = _optimizer_tensors(simulation, keys)
    if optimizer_state:
        files[OPTIMIZER_FILE] = _safetensors_bytes(optimizer_state)
    files["README.md"] = _readme(simulation, scenario, OPTIMIZER_FILE in files).encode()
    return files


def weights_bytes(weights, biases, keys: list[tuple[str, str]]) -> bytes:
    """The safetensors file of per-layer `weights` (units, fan_in) and `biases` (units,) under
    the state-dict `keys` ((weight key, bias key) per layer), in float64."""
    tensors = {}
    for (w_key, b_key), w, b in zip(keys, weights, biases, strict=True):
        tensors[w_key] = np.ascontiguousarray(w, dtype=np.float64)
        tensors[b_key] = np.ascontiguousarray(b, dtype=np.float64)
    return _safetensors_bytes(tensors)


def _safetensors_bytes(tensors: dict[str, np.ndarray]) -> bytes:
    from safetensors.numpy import save

    return save(tensors, metadata={"format": "pt", "written_by": f"nnsim {__version__}"})


def _optimizer_tensors(simulation: Simulation, keys) -> dict[str, np.ndarray]:
    """The optimizer's buffers in PyTorch's names ("0.weight.exp_avg"), {} when it has none yet
    (a fresh optimizer of PyTorch starts where nnsim's does)."""
    optimizer = simulation.trainer.optimizer
    state = optimizer.state()
    flat: dict[str, np.ndarray] = {}
    steps = None
    if optimizer.name in ("adam", "adamw"):
        if state["t"]:
            flat = {"exp_avg": state["m"], "exp_avg_sq": state["v"]}
            steps = state["t"]
    elif optimizer.name == "rmsprop":
        if simulation.trainer.step_count:
            flat = {"square_avg": state["square_avg"]}
            if state["momentum_buffer"] is not None:
                flat["momentum_buffer"] = state["momentum_buffer"]
            steps = simulation.trainer.step_count
    elif state["velocity"] is not None:
        flat = {"momentum_buffer": state["velocity"]}
    tensors: dict[str, np.ndarray] = {}
    for buffer, values in flat.items():
        weights, biases = simulation.network.split(values)
        for (w_key, b_key), w, b in zip(keys, weights, biases, strict=True):
            tensors[f"{w_key}.{buffer}"] = np.ascontiguousarray(w)
            tensors[f"{b_key}.{buffer}"] = np.ascontiguousarray(b)
    if tensors and steps is not None:
        for w_key, b_key in keys:
            tensors[f"{w_key}.step"] = np.array([float(steps)])
            tensors[f"{b_key}.step"] = np.array([float(steps)])
    return tensors


def data_csv(simulation: Simulation) -> str:
    """data.csv: the network's inputs, the targets and a set column (train, then test rows)."""
    data = simulation.data
    outputs = data.train_targets.shape[1]
    if data.classes is not None and outputs >= 2:
        targets = [f"target {name}" for name in data.classes[:outputs]]
    elif outputs == 1:
        targets = ["target"]
    else:
        targets = [f"target {k + 1}" for k in range(outputs)]
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([*data.feature_plan.names, *targets, "set"])
    for label, inputs, target in (
        ("train", data.train_inputs, data.train_targets),
        ("test", data.test_inputs, data.test_targets),
    ):
        # repr gives the shortest text that reads back to the same float: exact in model.py.
        writer.writerows(
            [*map(repr, x), *map(repr, y), label]
            for x, y in zip(inputs.tolist(), target.tolist(), strict=True)
        )
    return stream.getvalue()


def model_source(simulation: Simulation, scenario: Scenario) -> str:
    """The text of model.py for the simulation's network, training settings and position."""
    network = simulation.network
    trainer = simulation.trainer
    training = scenario.training
    modules = sequential_layout(network.sizes, network.activation_names, trainer.dropout)
    module_lines = []
    for module in modules:
        comment = (
            f"  # {module.index}: {module.comment}" if module.comment else f"  # {module.index}"
        )
        module_lines.append(f"        {module.code},{comment}")
    position = trainer.position()
    start = {
        "epoch": position["epoch"],
        "step": position["step"],
        "batch_in_epoch": position["batch_in_epoch"],
        "shuffle_rng": _plain_rng_state(position["shuffle_rng"]),
        "learning_rate": position.get("learning_rate"),
        # Where the next step's masks start (the trainer's generator: the training seed's fresh
        # one for an untrained file); None without dropout.
        "dropout_rng": (
            _plain_rng_state(position["dropout_rng"]) if "dropout_rng" in position else None
        ),
    }
    loss_doc, loss_code = _loss_code(training.loss)
    penalty_doc, penalty_code = _penalty_code(trainer.regularization)
    optimizer_doc, optimizer_code = _optimizer_code(trainer.optimizer, trainer.base_learning_rate)
    schedule_doc, schedule_code = _schedule_code(trainer.schedule)
    replacements = {
        "HEADLINE": _headline(scenario.title),
        "VERSION": __version__,
        "EPOCH": str(position["epoch"]),
        "STEP": str(position["step"]),
        "INPUTS": str(network.sizes[0]),
        "OUTPUTS": str(network.sizes[-1]),
        "BATCH_SIZE": str(trainer.batch_size),
        "SHUFFLE": repr(trainer.shuffle),
        "START": pprint.pformat(start, sort_dicts=False, width=92).replace("\n", "\n" + " " * 0),
        "MODULES": "\n".join(module_lines),
        "LOSS_DOC": loss_doc,
        "LOSS_CODE": loss_code,
        "PENALTY_DOC": penalty_doc,
        "PENALTY_CODE": penalty_code,
        "OPTIMIZER_DOC": optimizer_doc,
        "OPTIMIZER_CODE": optimizer_code,
        "FROZEN_WEIGHTS": repr(list(trainer.frozen_weights)),
        "FROZEN_BIASES": repr(list(trainer.frozen_biases)),
        "SCHEDULE_DOC": schedule_doc,
        "SCHEDULE_CODE": schedule_code,
    }
    return _fill(MODEL_PY, replacements)


def _headline(title: str) -> str:
    """model.py's first paragraph, wrapped to 96 columns; the title can close no docstring."""
    text = f"{title}: the network and its training, exported from nnsim {__version__} for PyTorch."
    text = text.replace("\\", "/").replace('"""', "'''")
    return textwrap.fill(text, 96, subsequent_indent="")


def _fill(template: str, replacements: dict[str, str]) -> str:
    for key, value in replacements.items():
        template = template.replace(f"@{key}@", value)
    return template


def _plain_rng_state(state: dict) -> dict:
    return {
        "bit_generator": state["bit_generator"],
        "state": {"state": int(state["state"]["state"]), "inc": int(state["state"]["inc"])},
        "has_uint32": int(state["has_uint32"]),
        "uinteger": int(state["uinteger"]),
    }


def _loss_code(loss: str) -> tuple[str, str]:
    if loss == "mse":
        return (
            "Mean squared error over every output of the batch: (1/(n·K)) Σ (ŷ − y)².",
            "    return ((model(x) - y) ** 2).mean()",
        )
    if loss == "half_sse":
        return (
            "Half the summed squared error, averaged over the batch: (1/n) Σ_i ½ Σ_k (ŷ − y)².",
            "    return 0.5 * ((model(x) - y) ** 2).sum() / len(x)",
        )
    if loss == "bce":
        return (
            "Binary cross-entropy, a mean over every output, computed from the output layer's\n"
            "    pre-activation z (the model without its final Sigmoid), as nnsim does, for\n"
            "    stability.",
            "    z = model[:-1](x)\n"
            "    return nn.functional.binary_cross_entropy_with_logits(z, y)",
        )
    if loss == "cross_entropy":
        return (
            "Cross-entropy −(1/n) Σ_i Σ_k y_ik · ln softmax(z)_ik, from the pre-activation z\n"
            "    (the model without its final Softmax), as nnsim does, for stability.",
            "    z = model[:-1](x)\n"
            "    return nn.functional.cross_entropy(z, y)  # y holds one-hot rows (probabilities)",
        )
    raise ValueError(f"unknown loss {loss!r}")


def _penalty_code(regularization) -> tuple[str, str]:
    if not regularization.active:
        return "No regularization.", "    return 0.0"
    rate = repr(regularization.rate)
    linears = "    linears = [module for module in model if isinstance(module, nn.Linear)]\n"
    if regularization.kind == "l2":
        return (
            f"L2 regularization (rate/2)·Σw² with rate {rate}: the weights only, never the\n"
            "    biases, as nnsim does; added to the loss by hand (so its gradient rate·w joins\n"
            "    the weights' gradients before the optimizer's step).",
            linears
            + f"    return 0.5 * {rate} * sum((linear.weight**2).sum() for linear in linears)",
        )
    return (
        f"L1 regularization rate·Σ|w| with rate {rate}: the weights only, never the biases, as\n"
        "    nnsim does; added to the loss by hand. Its gradient rate·sign(w) is 0 at w = 0,\n"
        "    in both.",
        linears + f"    return {rate} * sum(linear.weight.abs().sum() for linear in linears)",
    )


def _optimizer_code(optimizer, base_rate: float) -> tuple[str, str]:
    lr = repr(base_rate)
    groups = '    groups = [{"params": group} for group in (weights, biases) if group]\n'
    if optimizer.name == "sgd":
        momentum = repr(optimizer.momentum)
        return (
            f"SGD with momentum {momentum} (PyTorch's rule is nnsim's: v ← μ·v + g; θ ← θ − η·v).",
            groups + f"    optimizer = torch.optim.SGD(groups, lr={lr}, momentum={momentum})",
        )
    if optimizer.name == "adam":
        return (
            "Adam, with nnsim's settings.",
            groups
            + _call(
                "Adam",
                f"lr={lr}, betas=({optimizer.beta1!r}, {optimizer.beta2!r}), eps={optimizer.eps!r}",
            ),
        )
    if optimizer.name == "adamw":
        return (
            "AdamW, with nnsim's settings; the decoupled weight decay applies to the weights only\n"
            "    (a parameter group of its own), never the biases, as in nnsim.",
            "    groups = [\n"
            f'        {{"params": weights, "weight_decay": {optimizer.weight_decay!r}}},\n'
            '        {"params": biases, "weight_decay": 0.0},\n'
            "    ]\n"
            '    groups = [group for group in groups if group["params"]]\n'
            + _call(
                "AdamW",
                f"lr={lr}, betas=({optimizer.beta1!r}, {optimizer.beta2!r}), eps={optimizer.eps!r}",
            ),
        )
    if optimizer.name == "rmsprop":
        return (
            "RMSprop (not centered), with nnsim's settings.",
            groups
            + _call(
                "RMSprop",
                f"lr={lr}, alpha={optimizer.alpha!r}, eps={optimizer.eps!r}, "
                f"momentum={optimizer.momentum!r}",
            ),
        )
    raise ValueError(f"unknown optimizer {optimizer.name!r}")


def _call(optimizer: str, arguments: str) -> str:
    """`optimizer = torch.optim.NAME(groups, ARGUMENTS)`, on one line when it fits in 99."""
    line = f"    optimizer = torch.optim.{optimizer}(groups, {arguments})"
    if len(line) <= 99:
        return line
    return f"    optimizer = torch.optim.{optimizer}(\n        groups, {arguments}\n    )"


def _schedule_code(schedule) -> tuple[str, str]:
    if schedule is None:
        return "A constant learning rate: no scheduler.", "    return None"
    lr_scheduler = "torch.optim.lr_scheduler"
    if schedule.name == "step":
        return (
            f"The rate × {schedule.gamma!r} every {schedule.step_size} epochs, stepped at epoch\n"
            "    ends.",
            f"    return {lr_scheduler}.StepLR(optimizer, step_size={schedule.step_size}, "
            f"gamma={schedule.gamma!r})",
        )
    if schedule.name == "exponential":
        return (
            f"The rate × {schedule.gamma!r} every epoch, stepped at epoch ends.",
            f"    return {lr_scheduler}.ExponentialLR(optimizer, gamma={schedule.gamma!r})",
        )
    return (
        f"Cosine annealing to {schedule.eta_min!r} over {schedule.t_max} epochs, stepped at epoch\n"
        "    ends.",
        f"    return {lr_scheduler}.CosineAnnealingLR(optimizer, T_max={schedule.t_max}, "
        f"eta_min={schedule.eta_min!r})",
    )


def _readme(simulation: Simulation, scenario: Scenario, with_optimizer_file: bool) -> str:
    trainer = simulation.trainer
    position = trainer.position()
    data = simulation.data
    summary = (
        f"{scenario.training.loss} loss, {trainer.optimizer.name} at learning rate "
        f"{trainer.base_learning_rate!r}, batch size {trainer.batch_size}, shuffle "
        f"{'on' if trainer.shuffle else 'off'}, regularization {trainer.regularization.kind}."
    )
    optimizer_line = ""
    if with_optimizer_file:
        optimizer_line = (
            f"- `{OPTIMIZER_FILE}`: the optimizer's buffers where nnsim left them (as PyTorch's "
            "optimizer state names them, per parameter), so training continues exactly.\n"
        )
    outputs = data.train_targets.shape[1]
    return _fill(
        README_MD,
        {
            "TITLE": scenario.title,
            "VERSION": __version__,
            "SOURCE": scenario.source_path.name if scenario.source_path else "an unsaved scenario",
            "EPOCH": str(position["epoch"]),
            "STEP": str(position["step"]),
            "TORCH_VERSION": WRITTEN_FOR_TORCH,
            "NUMPY_VERSION": np.__version__,
            "SAFETENSORS_VERSION": _version("safetensors"),
            "SUMMARY": summary,
            "FEATURES": ", ".join(data.feature_plan.names),
            "TARGETS": f"{outputs} column{'s' if outputs != 1 else ''}",
            "OPTIMIZER_FILE": optimizer_line,
        },
    )


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


# ----- writing whole or not at all -------------------------------------------------------------


def _check_folder(folder: Path, name: str) -> None:
    if not folder.parent.is_dir():
        raise ScenarioError(name, "", f"its parent folder {folder.parent} does not exist")
    if folder.exists() or folder.is_symlink():
        if not folder.is_dir() or folder.is_symlink():
            raise ScenarioError(name, "", "exists and is not a folder")
        if not _is_empty_or_export(folder):
            raise ScenarioError(
                name, "", "is not empty and holds more than an earlier export: choose a new folder"
            )


def _is_empty_or_export(folder: Path) -> bool:
    entries = list(folder.iterdir())
    if not entries:
        return True
    names = {entry.name for entry in entries}
    return (
        "model.py" in names
        and WEIGHTS_FILE in names
        and names <= set(EXPORT_FILES)
        and all(entry.is_file() and not entry.is_symlink() for entry in entries)
    )


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "xb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def _move_into_place(temp: Path, folder: Path) -> None:
    """Rename the finished `temp` folder to `folder`; an empty `folder` or an earlier export
    there gives way (the earlier export is moved aside first and removed once the new one is in
    place, so a failure between the two renames leaves the earlier one)."""
    if not folder.exists():
        os.rename(temp, folder)
        return
    if not any(folder.iterdir()):
        os.rmdir(folder)
        os.rename(temp, folder)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=folder.parent))
    os.rmdir(aside)
    os.rename(folder, aside)
    try:
        os.rename(temp, folder)
    except OSError:
        os.rename(aside, folder)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
