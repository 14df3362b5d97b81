"""The scenario model: frozen dataclasses of plain Python values, and their JSON-object form."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

FORMAT_NAME = "nnsim-scenario"
FORMAT_VERSION = 1

ACTIVATIONS = (
    "linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax",
    "elu", "gelu", "silu", "softplus",
)  # fmt: skip
LOSSES = ("mse", "half_sse", "bce", "cross_entropy")
OPTIMIZERS = ("sgd", "adam", "rmsprop", "adamw")
SCHEDULES = ("step", "exponential", "cosine")
# The optimizer fields each optimizer uses, besides learning_rate (the rest are not saved).
OPTIMIZER_FIELDS: dict[str, tuple[str, ...]] = {
    "sgd": ("momentum",),
    "adam": ("beta1", "beta2", "eps"),
    "rmsprop": ("alpha", "eps", "momentum"),
    "adamw": ("beta1", "beta2", "eps", "weight_decay"),
}
# The fields each learning-rate schedule uses, besides its name.
SCHEDULE_FIELDS: dict[str, tuple[str, ...]] = {
    "step": ("step_size", "gamma"),
    "exponential": ("gamma",),
    "cosine": ("t_max", "eta_min"),
}
INIT_SCHEMES = ("xavier", "he", "uniform")
REGULARIZATIONS = ("none", "l1", "l2")
TASKS = ("classification", "regression")
CLASSIFICATION_GENERATORS = ("circle", "xor", "gaussian", "spiral")
REGRESSION_GENERATORS = ("regression_plane", "regression_gaussians")
# The data set from the user's own formula: its task is in the data (GeneratorData.task).
FUNCTION_GENERATOR = "function"
GENERATORS = (*CLASSIFICATION_GENERATORS, *REGRESSION_GENERATORS, FUNCTION_GENERATOR)
# A CSV path starting with this names a data set shipped in nnsim's resources folder, so a
# scenario using it works from wherever the scenario file is kept.
SHIPPED_PREFIX = "nnsim:"
HISTORY_KEYS = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")

Matrix = tuple[tuple[float, ...], ...]
Vector = tuple[float, ...]


@dataclass(frozen=True)
class InitSpec:
    """How layers without explicit weights are initialised: scheme name and RNG seed."""

    scheme: str = "xavier"
    seed: int = 0


@dataclass(frozen=True)
class LayerSpec:
    """One dense layer: `units` neurons with `activation`.

    `weights` has `units` rows of fan_in values and `biases` `units` values; None means
    "initialise from the network's InitSpec". Frozen parameters are not updated by training.
    `dropout` (hidden layers only, 0 ≤ p < 1) drops each of the layer's outputs with
    probability p in training steps and scales the kept ones by 1/(1−p), as nn.Dropout does.
    """

    units: int
    activation: str
    weights: Matrix | None = None
    biases: Vector | None = None
    freeze_weights: bool = False
    freeze_biases: bool = False
    dropout: float = 0.0


@dataclass(frozen=True)
class NetworkSpec:
    """Feature names fed to the network (in order), initialisation, and hidden + output layers."""

    inputs: tuple[str, ...]
    initialization: InitSpec
    layers: tuple[LayerSpec, ...]

    @property
    def fan_ins(self) -> tuple[int, ...]:
        """Return the number of inputs of each layer: len(inputs), then the previous units."""
        sizes = (len(self.inputs), *(layer.units for layer in self.layers))
        return sizes[:-1]

    @property
    def parameter_count(self) -> int:
        """Return the number of weights and biases of all layers."""
        return sum(
            layer.units * (fan_in + 1)
            for layer, fan_in in zip(self.layers, self.fan_ins, strict=True)
        )


@dataclass(frozen=True)
class OptimizerSpec:
    """Optimizer settings, used as OPTIMIZER_FIELDS says: `momentum` by sgd and rmsprop;
    `beta1`, `beta2` by adam and adamw; `eps` by adam, adamw and rmsprop; `alpha` by rmsprop;
    `weight_decay` by adamw. With a schedule, `learning_rate` is the rate of the first epoch.

    The fields the named optimizer does not use keep their defaults and are not saved.
    """

    name: str
    learning_rate: float
    momentum: float = 0.0
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    alpha: float = 0.99
    weight_decay: float = 0.01


@dataclass(frozen=True)
class ScheduleSpec:
    """A learning-rate schedule stepped at every epoch end, as PyTorch's StepLR ("step":
    step_size, gamma), ExponentialLR ("exponential": gamma) and CosineAnnealingLR ("cosine":
    t_max, eta_min). The fields the named schedule does not use keep their defaults and are
    not saved."""

    name: str
    step_size: int = 10
    gamma: float = 0.1
    t_max: int = 100
    eta_min: float = 0.0


@dataclass(frozen=True)
class RegularizationSpec:
    """Weight penalty: kind "none", "l1" or "l2", and its rate (>= 0)."""

    kind: str = "none"
    rate: float = 0.0


@dataclass(frozen=True)
class TrainingSpec:
    """Loss, optimizer, regularization and batching; `task` None means derived (`derived_task`)."""

    loss: str
    optimizer: OptimizerSpec
    regularization: RegularizationSpec
    batch_size: int
    shuffle: bool = True
    seed: int = 0
    task: str | None = None
    schedule: ScheduleSpec | None = None


@dataclass(frozen=True)
class DataScaling:
    """How the raw input columns are scaled before they feed the network (engine/scaling.py).

    `method` is "none", "standardize" or "min_max" for every raw column, or a tuple with one of
    these per column. `center` and `scale` (one number per raw column) are statistics the author
    fixed; None means "measured on the training split when the scenario is first built", and a
    saved scenario keeps the measured ones in its state (TrainingState.scaling).
    """

    method: str | tuple[str, ...]
    center: tuple[float, ...] | None = None
    scale: tuple[float, ...] | None = None


@dataclass(frozen=True)
class InlineData:
    """Samples written in the file: rows of d inputs and rows of (output units) targets.

    `columns` names the d raw input columns; None means "X1" ... "Xd". `classes` names the
    classes of a classification (class 0 first); None means "class 0", "class 1", ...
    """

    train_inputs: Matrix
    train_targets: Matrix
    test_inputs: Matrix = ()
    test_targets: Matrix = ()
    columns: tuple[str, ...] | None = None
    classes: tuple[str, ...] | None = None
    scaling: DataScaling | None = None

    kind: ClassVar[str] = "inline"

    @property
    def width(self) -> int:
        """Return d, the number of raw input values per sample."""
        return len(self.train_inputs[0]) if self.train_inputs else 0

    @property
    def raw_columns(self) -> tuple[str, ...]:
        """Return the raw input column names: `columns`, or X1 ... Xd."""
        if self.columns is not None:
            return self.columns
        return tuple(f"X{i + 1}" for i in range(self.width))


@dataclass(frozen=True)
class GeneratorData:
    """A Playground-style generated data set with raw columns X1, X2.

    `noise` is a fraction in [0, 1]; `train_fraction` in (0, 1] of `samples` go to training.
    The "function" generator draws from the user's formula `expression` of X1 (classification:
    above or below y = f(X1)) or of X1 and X2 (regression: y = f(X1, X2)), as `task` says;
    other generators have neither.
    """

    generator: str
    samples: int
    noise: float
    train_fraction: float
    seed: int
    scaling: DataScaling | None = None
    expression: str | None = None
    task: str | None = None

    kind: ClassVar[str] = "generator"

    @property
    def generated_task(self) -> str:
        """Return "classification" or "regression": what this generator's data asks for."""
        if self.generator == FUNCTION_GENERATOR:
            return self.task or "classification"
        return "classification" if self.generator in CLASSIFICATION_GENERATORS else "regression"

    @property
    def raw_columns(self) -> tuple[str, ...]:
        """Return the raw input column names, always ("X1", "X2")."""
        return ("X1", "X2")


@dataclass(frozen=True)
class CsvData:
    """Samples read from the CSV file `csv`: a '/'-separated path relative to the scenario's folder,
    or, after the prefix SHIPPED_PREFIX, relative to nnsim's own resources folder. A name ending
    in ".gz" is read through gzip.

    `targets` names the target columns; the other columns are raw inputs. `one_hot` None means
    "true when a target column holds non-numbers" (decided when the CSV is read). `image_shape`
    (rows, columns) says the raw inputs are the pixels of an image, row by row.
    """

    csv: str
    targets: tuple[str, ...]
    one_hot: bool | None
    train_fraction: float
    seed: int
    image_shape: tuple[int, int] | None = None
    scaling: DataScaling | None = None

    kind: ClassVar[str] = "csv"


DataSpec = InlineData | GeneratorData | CsvData


@dataclass(frozen=True)
class LayerParams:
    """One layer's parameters: `weights` [units][fan_in] and `biases` [units]."""

    weights: Matrix
    biases: Vector


@dataclass(frozen=True)
class ScalingStatistics:
    """The scaling statistics a simulation measured, one number per raw column each: scaled =
    (raw − center) / scale. Saved so that a reloaded scenario uses exactly the same numbers."""

    center: tuple[float, ...]
    scale: tuple[float, ...]


@dataclass(frozen=True)
class SavedCheckpoint:
    """One earlier moment of a run, kept so that it can be rewound to (state.checkpoints).

    The same fields as TrainingState's position and optimizer, plus the parameters then, one
    LayerParams per layer; the history up to `epoch` is the state's own history cut there.
    """

    epoch: int
    step: int
    batch_in_epoch: int
    layers: tuple[LayerParams, ...]
    shuffle_rng: dict | None = None
    optimizer: dict | None = None
    dropout_rng: dict | None = None


@dataclass(frozen=True)
class TrainingState:
    """Everything needed to continue training bit for bit.

    `shuffle_rng` is numpy's PCG64 `bit_generator.state` dict and `optimizer` the optimizer state
    as written in the file (plain JSON values: dicts, lists, numbers). `history` maps the keys of
    HISTORY_KEYS that are present to tuples of numbers (None where a value is missing) or None;
    it is stored in that form whatever sequences are passed in.
    `initial_layers` are the parameters a Reset returns to, one LayerParams per layer.
    `scaling` holds the statistics the data's scaling measured on the training split (None when
    no column is scaled, or the data gives its own).
    """

    epoch: int
    step: int
    batch_in_epoch: int
    shuffle_rng: dict | None = None
    optimizer: dict | None = None
    history: dict = field(default_factory=dict)
    initial_layers: tuple[LayerParams, ...] | None = None
    scaling: ScalingStatistics | None = None
    # Earlier moments to rewind to, oldest first; empty unless saved "with training history".
    checkpoints: tuple[SavedCheckpoint, ...] = ()
    # With a schedule: the rate the current epoch trains at. Mid-epoch it stands until the
    # epoch ends (a schedule changed since applies from the next epoch); at an epoch's start
    # the rate follows the epoch and this is only a record of it.
    learning_rate: float | None = None
    # With dropout: the state of the RNG that draws the masks (PCG64, as shuffle_rng), where
    # the next step's masks start; None when no layer has dropout.
    dropout_rng: dict | None = None

    def __post_init__(self) -> None:
        # The history is small; holding it in one form (tuples of int/float/None) makes states
        # built by the trainer compare equal to the same state read back from a file.
        history = {str(key): _series(values) for key, values in self.history.items()}
        object.__setattr__(self, "history", history)


def _series(values: Any) -> tuple[int | float | None, ...] | None:
    """Return a history series as a tuple of ints, floats and Nones (None stays None)."""
    if values is None:
        return None
    return tuple(v if v is None or type(v) is int else float(v) for v in values)


# A documented figure: one number, or the (low, high) range it spans where machines differ.
Figure = float | tuple[float, float]


@dataclass(frozen=True)
class Outcome:
    """The result a preset documents: what seeded training reaches after `epochs` epochs.

    Each figure is None when not documented, a number when every machine measured reaches the
    same, or a (low, high) range when they differ (OpenBLAS kernels and NumPy's CPU dispatch
    round differently, and training amplifies the last bit). `diverges` says training blows up
    within `epochs`.
    """

    epochs: int
    train_loss: Figure | None = None
    test_loss: Figure | None = None
    train_accuracy: Figure | None = None
    test_accuracy: Figure | None = None
    diverges: bool = False


OUTCOME_FIGURES = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")


def figure_range(figure: Figure) -> tuple[float, float]:
    """Return (low, high) of a documented figure; a single number is its own range."""
    if isinstance(figure, tuple):
        return figure
    return (figure, figure)


def format_figure(figure: Figure, *, percent: bool = False) -> str:
    """Return a documented figure as people read it: "0.0501", "0.0501–0.112", or as a
    percentage with one decimal ("99.2", "97.2–99.2"; the caller adds the % sign)."""
    low, high = figure_range(figure)
    shown = [f"{100 * v:.1f}" if percent else f"{v:.3g}" for v in (low, high)]
    return shown[0] if shown[0] == shown[1] else f"{shown[0]}–{shown[1]}"


@dataclass(frozen=True)
class Lesson:
    """How a story preset is meant to be played: `speed` names one of simulator.app.pacing's
    PACES (None: the learner's own choice stands), and Play pauses at the end of each epoch of
    `pause_at` (whole numbers >= 1, strictly increasing), where the story in the description
    turns."""

    speed: str | None = None
    pause_at: tuple[int, ...] = ()


@dataclass(frozen=True)
class Race:
    """A race of variants a lesson prepares (the file's `race`): `vary` pairs a field path, as
    error messages write it, with the values to try, one variant per combination; `epochs` is
    how long the lesson means them to train."""

    vary: tuple[tuple[str, tuple[Any, ...]], ...]
    epochs: int | None = None


@dataclass(frozen=True)
class Scenario:
    """A whole scenario. `source_path` is where it was loaded from; it takes no part in ==."""

    title: str
    description: str
    network: NetworkSpec
    training: TrainingSpec
    data: DataSpec
    state: TrainingState | None = None
    outcome: Outcome | None = None
    lesson: Lesson | None = None
    race: Race | None = None
    source_path: Path | None = field(default=None, compare=False)


def derived_task(scenario: Scenario, *, csv_one_hot: bool | None = None) -> str:
    """Return "classification" or "regression" for the scenario.

    An explicit `training.task` wins. Otherwise classification when the loss is bce or
    cross_entropy, the data is a classification generator, or CSV data is one-hot encoded;
    regression else. For CSV data with `one_hot` None, pass the value decided when the CSV was
    read as `csv_one_hot` (None counts as not one-hot).
    """
    training, data = scenario.training, scenario.data
    if training.task is not None:
        return training.task
    if training.loss in ("bce", "cross_entropy"):
        return "classification"
    if isinstance(data, GeneratorData) and data.generated_task == "classification":
        return "classification"
    if isinstance(data, CsvData):
        one_hot = data.one_hot if data.one_hot is not None else csv_one_hot
        if one_hot:
            return "classification"
    return "regression"


# ---------------------------------------------------------------------------------------------
# To the JSON object. Values may have been replaced by numpy arrays or scalars along the way, so
# every number is converted to a Python int or float: json writes those (floats by repr) exactly.


def _floats(values: Any) -> list[float]:
    return [float(value) for value in values]


def _rows(rows: Any) -> list[list[float]]:
    return [_floats(row) for row in rows]


def _plain(value: Any) -> Any:
    """Return `value` as plain JSON values: numpy arrays/scalars and tuples become lists/numbers."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars, without importing numpy here
        return _plain(value.tolist())
    raise TypeError(f"cannot write a {type(value).__name__} to a scenario file")


def _layer_params_to_dict(params: LayerParams) -> dict:
    return {"weights": _rows(params.weights), "biases": _floats(params.biases)}


def _layer_to_dict(layer: LayerSpec) -> dict:
    out: dict[str, Any] = {"units": int(layer.units), "activation": layer.activation}
    if layer.weights is not None:
        out["weights"] = _rows(layer.weights)
    if layer.biases is not None:
        out["biases"] = _floats(layer.biases)
    freeze = [
        name
        for name, on in (("weights", layer.freeze_weights), ("biases", layer.freeze_biases))
        if on
    ]
    if freeze:
        out["freeze"] = freeze
    if layer.dropout:
        out["dropout"] = float(layer.dropout)
    return out


def _optimizer_to_dict(spec: OptimizerSpec) -> dict:
    out: dict[str, Any] = {"name": spec.name, "learning_rate": float(spec.learning_rate)}
    for name in OPTIMIZER_FIELDS[spec.name]:
        out[name] = float(getattr(spec, name))
    return out


def _schedule_to_dict(spec: ScheduleSpec) -> dict:
    out: dict[str, Any] = {"name": spec.name}
    for name in SCHEDULE_FIELDS[spec.name]:
        value = getattr(spec, name)
        out[name] = int(value) if name in ("step_size", "t_max") else float(value)
    return out


def _schedule_from_dict(obj: dict | None) -> ScheduleSpec | None:
    if obj is None:
        return None
    defaults = ScheduleSpec(obj["name"])
    return ScheduleSpec(
        name=obj["name"],
        step_size=int(obj.get("step_size", defaults.step_size)),
        gamma=float(obj.get("gamma", defaults.gamma)),
        t_max=int(obj.get("t_max", defaults.t_max)),
        eta_min=float(obj.get("eta_min", defaults.eta_min)),
    )


def _training_to_dict(spec: TrainingSpec) -> dict:
    out: dict[str, Any] = {
        "loss": spec.loss,
        "optimizer": _optimizer_to_dict(spec.optimizer),
        "regularization": {
            "kind": spec.regularization.kind,
            "rate": float(spec.regularization.rate),
        },
        "batch_size": int(spec.batch_size),
        "shuffle": bool(spec.shuffle),
        "seed": int(spec.seed),
    }
    if spec.task is not None:
        out["task"] = spec.task
    if spec.schedule is not None:
        out["schedule"] = _schedule_to_dict(spec.schedule)
    return out


def _data_to_dict(data: DataSpec) -> dict:
    out = _data_form_to_dict(data)
    if data.scaling is not None:
        out["scaling"] = _scaling_to_dict(data.scaling)
    return out


def _scaling_to_dict(scaling: DataScaling) -> dict:
    method = scaling.method
    out: dict[str, Any] = {"method": method if isinstance(method, str) else list(method)}
    if scaling.center is not None:
        out["center"] = [float(v) for v in scaling.center]
    if scaling.scale is not None:
        out["scale"] = [float(v) for v in scaling.scale]
    return out


def _scaling_from_dict(obj: dict | None) -> DataScaling | None:
    if obj is None:
        return None
    method = obj["method"]
    center, scale = obj.get("center"), obj.get("scale")
    return DataScaling(
        method=method if isinstance(method, str) else tuple(method),
        center=None if center is None else tuple(float(v) for v in center),
        scale=None if scale is None else tuple(float(v) for v in scale),
    )


def _data_form_to_dict(data: DataSpec) -> dict:
    if isinstance(data, InlineData):
        out: dict[str, Any] = {
            "train": {"inputs": _rows(data.train_inputs), "targets": _rows(data.train_targets)},
        }
        if len(data.test_inputs) or len(data.test_targets):
            out["test"] = {"inputs": _rows(data.test_inputs), "targets": _rows(data.test_targets)}
        if data.columns is not None:
            out["columns"] = list(data.columns)
        if data.classes is not None:
            out["classes"] = list(data.classes)
        return out
    if isinstance(data, GeneratorData):
        drawn: dict[str, Any] = {"generator": data.generator}
        if data.expression is not None:
            drawn.update(expression=data.expression, task=data.task)
        return drawn | {
            "samples": int(data.samples),
            "noise": float(data.noise),
            "train_fraction": float(data.train_fraction),
            "seed": int(data.seed),
        }
    if isinstance(data, CsvData):
        out = {"csv": data.csv, "targets": list(data.targets)}
        if data.one_hot is not None:
            out["one_hot"] = bool(data.one_hot)
        out.update(train_fraction=float(data.train_fraction), seed=int(data.seed))
        if data.image_shape is not None:
            out["image_shape"] = [int(n) for n in data.image_shape]
        return out
    raise TypeError(f"unknown data form {type(data).__name__}")


def _state_to_dict(state: TrainingState) -> dict:
    out: dict[str, Any] = {
        "epoch": int(state.epoch),
        "step": int(state.step),
        "batch_in_epoch": int(state.batch_in_epoch),
    }
    if state.shuffle_rng is not None:
        out["shuffle_rng"] = _plain(state.shuffle_rng)
    if state.optimizer is not None:
        out["optimizer"] = _plain(state.optimizer)
    out["history"] = {
        str(key): None if series is None else list(series)
        for key, series in ((key, _series(values)) for key, values in state.history.items())
    }
    if state.initial_layers is not None:
        out["initial_layers"] = [_layer_params_to_dict(p) for p in state.initial_layers]
    if state.scaling is not None:
        out["scaling"] = {
            "center": [float(v) for v in state.scaling.center],
            "scale": [float(v) for v in state.scaling.scale],
        }
    if state.checkpoints:
        out["checkpoints"] = [_checkpoint_to_dict(kept) for kept in state.checkpoints]
    if state.learning_rate is not None:
        out["learning_rate"] = float(state.learning_rate)
    if state.dropout_rng is not None:
        out["dropout_rng"] = _plain(state.dropout_rng)
    return out


def _checkpoint_to_dict(kept: SavedCheckpoint) -> dict:
    out: dict[str, Any] = {
        "epoch": int(kept.epoch),
        "step": int(kept.step),
        "batch_in_epoch": int(kept.batch_in_epoch),
    }
    if kept.shuffle_rng is not None:
        out["shuffle_rng"] = _plain(kept.shuffle_rng)
    if kept.optimizer is not None:
        out["optimizer"] = _plain(kept.optimizer)
    if kept.dropout_rng is not None:
        out["dropout_rng"] = _plain(kept.dropout_rng)
    out["layers"] = [_layer_params_to_dict(p) for p in kept.layers]
    return out


def _checkpoint_from_dict(obj: dict) -> SavedCheckpoint:
    return SavedCheckpoint(
        epoch=obj["epoch"],
        step=obj["step"],
        batch_in_epoch=obj["batch_in_epoch"],
        layers=tuple(
            LayerParams(weights=_matrix(p["weights"]), biases=_vector(p["biases"]))
            for p in obj["layers"]
        ),
        shuffle_rng=obj.get("shuffle_rng"),
        optimizer=obj.get("optimizer"),
        dropout_rng=obj.get("dropout_rng"),
    )


def scenario_to_dict(scenario: Scenario) -> dict:
    """Return the scenario as the JSON object written to a file (format and version included).

    Optional fields that are None are left out. All numbers are Python ints and floats.
    """
    network = scenario.network
    out: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "title": scenario.title,
        "description": scenario.description,
        "network": {
            "inputs": list(network.inputs),
            "initialization": {
                "scheme": network.initialization.scheme,
                "seed": int(network.initialization.seed),
            },
            "layers": [_layer_to_dict(layer) for layer in network.layers],
        },
        "training": _training_to_dict(scenario.training),
        "data": _data_to_dict(scenario.data),
    }
    if scenario.outcome is not None:
        out["outcome"] = outcome_to_dict(scenario.outcome)
    if scenario.lesson is not None:
        out["lesson"] = lesson_to_dict(scenario.lesson)
    if scenario.race is not None:
        out["race"] = race_to_dict(scenario.race)
    if scenario.state is not None:
        out["state"] = _state_to_dict(scenario.state)
    return out


def outcome_to_dict(outcome: Outcome) -> dict:
    """Return an outcome as its file's `outcome` object (a range as [low, high])."""
    out: dict[str, Any] = {"epochs": int(outcome.epochs)}
    for name in OUTCOME_FIGURES:
        value = getattr(outcome, name)
        if value is not None:
            low, high = figure_range(value)
            out[name] = float(low) if low == high else [float(low), float(high)]
    if outcome.diverges:
        out["diverges"] = True
    return out


def lesson_to_dict(lesson: Lesson) -> dict:
    """Return a lesson as its file's `lesson` object (fields not set are left out)."""
    out: dict[str, Any] = {}
    if lesson.speed is not None:
        out["speed"] = lesson.speed
    if lesson.pause_at:
        out["pause_at"] = [int(epoch) for epoch in lesson.pause_at]
    return out


def race_to_dict(race: Race) -> dict:
    """Return a race as its file's `race` object."""
    out: dict[str, Any] = {"vary": {path: _plain(list(values)) for path, values in race.vary}}
    if race.epochs is not None:
        out["epochs"] = int(race.epochs)
    return out


# ---------------------------------------------------------------------------------------------
# From the JSON object. The object has passed the schema, so only defaults need filling in.


def _matrix(rows: list) -> Matrix:
    return tuple(tuple(map(float, row)) for row in rows)


def _vector(values: list) -> Vector:
    return tuple(map(float, values))


def _layer_from_dict(obj: dict) -> LayerSpec:
    freeze = obj.get("freeze", ())
    weights, biases = obj.get("weights"), obj.get("biases")
    return LayerSpec(
        units=obj["units"],
        activation=obj["activation"],
        weights=None if weights is None else _matrix(weights),
        biases=None if biases is None else _vector(biases),
        freeze_weights="weights" in freeze,
        freeze_biases="biases" in freeze,
        dropout=float(obj.get("dropout", 0.0)),
    )


def _training_from_dict(obj: dict) -> TrainingSpec:
    opt = obj["optimizer"]
    defaults = OptimizerSpec(name=opt["name"], learning_rate=float(opt["learning_rate"]))
    optimizer = OptimizerSpec(
        name=opt["name"],
        learning_rate=float(opt["learning_rate"]),
        momentum=float(opt.get("momentum", defaults.momentum)),
        beta1=float(opt.get("beta1", defaults.beta1)),
        beta2=float(opt.get("beta2", defaults.beta2)),
        eps=float(opt.get("eps", defaults.eps)),
        alpha=float(opt.get("alpha", defaults.alpha)),
        weight_decay=float(opt.get("weight_decay", defaults.weight_decay)),
    )
    reg = obj.get("regularization", {})
    return TrainingSpec(
        loss=obj["loss"],
        optimizer=optimizer,
        regularization=RegularizationSpec(
            kind=reg.get("kind", "none"), rate=float(reg.get("rate", 0.0))
        ),
        batch_size=obj["batch_size"],
        shuffle=obj.get("shuffle", True),
        seed=obj.get("seed", 0),
        task=obj.get("task"),
        schedule=_schedule_from_dict(obj.get("schedule")),
    )


def _data_from_dict(obj: dict) -> DataSpec:
    if "generator" in obj:
        return GeneratorData(
            generator=obj["generator"],
            samples=obj["samples"],
            noise=float(obj["noise"]),
            train_fraction=float(obj["train_fraction"]),
            seed=obj["seed"],
            scaling=_scaling_from_dict(obj.get("scaling")),
            expression=obj.get("expression"),
            task=obj.get("task"),
        )
    if "csv" in obj:
        return CsvData(
            csv=obj["csv"],
            targets=tuple(obj["targets"]),
            one_hot=obj.get("one_hot"),
            train_fraction=float(obj["train_fraction"]),
            seed=obj["seed"],
            image_shape=tuple(obj["image_shape"]) if "image_shape" in obj else None,
            scaling=_scaling_from_dict(obj.get("scaling")),
        )
    test = obj.get("test", {"inputs": [], "targets": []})
    columns = obj.get("columns")
    classes = obj.get("classes")
    return InlineData(
        train_inputs=_matrix(obj["train"]["inputs"]),
        train_targets=_matrix(obj["train"]["targets"]),
        test_inputs=_matrix(test["inputs"]),
        test_targets=_matrix(test["targets"]),
        columns=None if columns is None else tuple(columns),
        classes=None if classes is None else tuple(classes),
        scaling=_scaling_from_dict(obj.get("scaling")),
    )


def _state_from_dict(obj: dict) -> TrainingState:
    initial = obj.get("initial_layers")
    scaling = obj.get("scaling")
    return TrainingState(
        scaling=None
        if scaling is None
        else ScalingStatistics(
            tuple(float(v) for v in scaling["center"]), tuple(float(v) for v in scaling["scale"])
        ),
        epoch=obj["epoch"],
        step=obj["step"],
        batch_in_epoch=obj["batch_in_epoch"],
        shuffle_rng=obj.get("shuffle_rng"),
        optimizer=obj.get("optimizer"),
        history=obj.get("history", {}),
        checkpoints=tuple(_checkpoint_from_dict(kept) for kept in obj.get("checkpoints", ())),
        learning_rate=None if obj.get("learning_rate") is None else float(obj["learning_rate"]),
        dropout_rng=obj.get("dropout_rng"),
        initial_layers=None
        if initial is None
        else tuple(
            LayerParams(weights=_matrix(p["weights"]), biases=_vector(p["biases"])) for p in initial
        ),
    )


def outcome_from_dict(obj: dict) -> Outcome:
    """Return the Outcome of a file's `outcome` object (schema-valid; a range [low, high])."""
    figures: dict[str, Figure] = {}
    for name in OUTCOME_FIGURES:
        value = obj.get(name)
        if isinstance(value, list):
            figures[name] = (float(value[0]), float(value[1]))
        elif value is not None:
            figures[name] = float(value)
    return Outcome(epochs=obj["epochs"], diverges=bool(obj.get("diverges", False)), **figures)


def lesson_from_dict(obj: dict) -> Lesson:
    """Return the Lesson of a file's (schema-valid) `lesson` object."""
    return Lesson(speed=obj.get("speed"), pause_at=tuple(obj.get("pause_at", ())))


def race_from_dict(obj: dict) -> Race:
    """Return the Race of a file's (schema-valid) `race` object."""
    return Race(
        vary=tuple((path, tuple(_plain(values))) for path, values in obj["vary"].items()),
        epochs=obj.get("epochs"),
    )


def scenario_from_dict(obj: dict, *, source: str | os.PathLike | None) -> Scenario:
    """Build a Scenario from a JSON object that is already validated and migrated.

    `source` is the path the object was read from (it becomes `source_path`), or None / "" when it
    did not come from a file. Defaults of optional fields are filled in; numbers that stand for
    reals become floats. Nothing in `obj` is kept by reference except the state's `shuffle_rng`
    and `optimizer` dicts, which are copied.
    """
    network = obj["network"]
    init = network.get("initialization", {})
    state = obj.get("state")
    outcome = obj.get("outcome")
    lesson = obj.get("lesson")
    return Scenario(
        title=obj["title"],
        description=obj.get("description", ""),
        network=NetworkSpec(
            inputs=tuple(network["inputs"]),
            initialization=InitSpec(scheme=init.get("scheme", "xavier"), seed=init.get("seed", 0)),
            layers=tuple(_layer_from_dict(layer) for layer in network["layers"]),
        ),
        training=_training_from_dict(obj["training"]),
        data=_data_from_dict(obj["data"]),
        state=None if state is None else _state_from_dict(_plain(state)),
        outcome=None if outcome is None else outcome_from_dict(outcome),
        lesson=None if lesson is None else lesson_from_dict(lesson),
        race=None if obj.get("race") is None else race_from_dict(obj["race"]),
        source_path=Path(source) if source else None,
    )
