"""The format's rules that JSON Schema cannot say: shapes that must agree, the loss that fits the
output layer, limits on size, features the data offers, a CSV path that stays in its folder."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import stat
from collections.abc import Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from simulator.app.scenario import (
    FUNCTION_GENERATOR,
    HISTORY_KEYS,
    OUTCOME_FIGURES,
    SHIPPED_PREFIX,
    CsvData,
    GeneratorData,
    InlineData,
    Lesson,
    NetworkSpec,
    Outcome,
    Scenario,
    TrainingSpec,
    TrainingState,
    scenario_to_dict,
)
from simulator.resources import resource_path

from .errors import Invalid, count, describe
from .read import file_kind

MAX_PARAMETERS = 2_000_000  # keeps a saved file (with optimizer state) well under MAX_FILE_BYTES
MAX_SAMPLES = 1_000_000


def check_rules(scenario: Scenario, base_dir: Path | None) -> None:
    """Raise Invalid for the first rule `scenario` breaks; `base_dir` is the folder a CSV path is
    relative to (None: the path is checked only as text)."""
    network, training, data = scenario.network, scenario.training, scenario.data
    _check_network(network)
    _check_loss(network, training)
    if isinstance(data, InlineData):
        _check_inline(data, network.layers[-1].units)
    elif isinstance(data, GeneratorData):
        _check_generator(data, network)
        _check_function_data(data, training)
    else:
        _check_csv_path(data.csv, base_dir)
    if not isinstance(data, CsvData):  # a CSV's columns are known only once it is read
        _check_features(network.inputs, data.raw_columns)
    columns = None if isinstance(data, CsvData) else len(data.raw_columns)
    if data.scaling is not None:
        method = data.scaling.method
        _check_scaling(
            "data.scaling",
            None if isinstance(method, str) else method,
            data.scaling.center,
            data.scaling.scale,
            columns,
        )
    if scenario.state is not None:
        _check_state(scenario.state, network, training)
        kept = scenario.state.scaling
        if kept is not None:
            _check_scaling("state.scaling", None, kept.center, kept.scale, columns)
    if scenario.outcome is not None:
        _check_outcome(scenario.outcome)
    if scenario.lesson is not None:
        _check_lesson(scenario.lesson)
    if scenario.race is not None:
        _check_race(scenario, base_dir)


# A race's variants share one window: more than this many curves and pictures cannot be told
# apart.
MAX_RACE_VARIANTS = 6


def _check_race(scenario: Scenario, base_dir: Path | None) -> None:
    """Every variant the race makes is a scenario nnsim accepts: a lesson must not prepare a
    race that fails when it is started."""
    # Imported here: variants checks each variant through the loader, which imports this module.
    from ..experiments.variants import VariantError, make_variants, parse_vary

    race = scenario.race
    count = 1
    for _, values in race.vary:
        count *= len(values)
    if count > MAX_RACE_VARIANTS:
        raise Invalid("race.vary", f"{count} variants; a race holds at most {MAX_RACE_VARIANTS}")
    obj = dataclasses.replace(scenario, race=None)
    plain = scenario_to_dict(obj)
    try:
        varies = [
            parse_vary(f"{path}=" + ",".join(json.dumps(value) for value in values))
            for path, values in race.vary
        ]
        make_variants(plain, varies, file="", base_dir=base_dir)
    except VariantError as exc:
        raise Invalid("race.vary", str(exc)) from None


def _check_lesson(lesson: Lesson) -> None:
    # The stops are met in the order training reaches them; a repeated or out-of-order epoch
    # is a slip of the author's, which would otherwise silently never stop.
    for i, (before, epoch) in enumerate(itertools.pairwise(lesson.pause_at), start=1):
        if epoch <= before:
            raise Invalid(
                f"lesson.pause_at[{i}]",
                f"epochs are listed in increasing order, each once; {epoch} comes after {before}",
            )


def _check_outcome(outcome: Outcome) -> None:
    for name in OUTCOME_FIGURES:
        value = getattr(outcome, name)
        if isinstance(value, tuple) and value[0] > value[1]:
            raise Invalid(
                f"outcome.{name}",
                f"a range is [low, high]; {value[0]!r} is above {value[1]!r}",
            )


def _check_network(network: NetworkSpec) -> None:
    layers = network.layers
    last = len(layers) - 1
    for i, layer in enumerate(layers[:-1]):
        if layer.activation == "softmax":
            raise Invalid(
                f"network.layers[{i}].activation",
                f"softmax is allowed only on the output layer (network.layers[{last}])",
            )
    for i, layer in enumerate(layers):
        # The schema bounds the rate; this also holds for scenarios built in code.
        if not 0.0 <= layer.dropout < 1.0:
            raise Invalid(
                f"network.layers[{i}].dropout",
                f"{layer.dropout!r} is not a rate: dropout needs 0 ≤ p < 1",
            )
    if layers[-1].dropout:
        raise Invalid(
            f"network.layers[{last}].dropout",
            "dropout is allowed only on hidden layers: the output layer gives the prediction",
        )
    parameters = network.parameter_count
    if parameters > MAX_PARAMETERS:
        raise Invalid(
            "network.layers", f"{parameters:,} parameters; at most {MAX_PARAMETERS:,} are allowed"
        )
    first = layers[0].weights
    inputs = len(network.inputs)
    if first is not None and len(first) == layers[0].units:
        widths = {len(row) for row in first}
        if len(widths) == 1 and inputs not in widths:
            raise Invalid(
                "network.inputs",
                f"{count(inputs, 'feature')} listed, but the rows of "
                f"network.layers[0].weights have {count(widths.pop(), 'value')}",
            )
    for i, (layer, fan_in) in enumerate(zip(layers, network.fan_ins, strict=True)):
        if layer.weights is not None:
            _check_matrix(f"network.layers[{i}].weights", layer.weights, layer.units, fan_in)
        if layer.biases is not None:
            _check_vector(f"network.layers[{i}].biases", layer.biases, layer.units)


def _check_loss(network: NetworkSpec, training: TrainingSpec) -> None:
    output = network.layers[-1].activation
    where = f"network.layers[{len(network.layers) - 1}]"
    loss = training.loss
    if loss == "bce" and output != "sigmoid":
        raise Invalid("training.loss", f"bce needs a sigmoid output layer, but {where} is {output}")
    if loss == "cross_entropy" and output != "softmax":
        raise Invalid(
            "training.loss", f"cross_entropy needs a softmax output layer, but {where} is {output}"
        )
    if output == "softmax" and loss != "cross_entropy":
        raise Invalid(
            "training.loss",
            f"a softmax output layer ({where}) needs the cross_entropy loss, not {loss}",
        )


def _check_inline(data: InlineData, outputs: int) -> None:
    total = len(data.train_inputs) + len(data.test_inputs)
    if total > MAX_SAMPLES:
        raise Invalid("data", f"{total:,} samples; at most {MAX_SAMPLES:,} are allowed")
    width = data.width
    if width == 0:
        raise Invalid("data.train.inputs[0]", "a row needs at least one value")
    for part, inputs, targets in (
        ("train", data.train_inputs, data.train_targets),
        ("test", data.test_inputs, data.test_targets),
    ):
        for r, row in enumerate(inputs):
            if len(row) != width:
                raise Invalid(
                    f"data.{part}.inputs[{r}]",
                    f"has {count(len(row), 'value')}, expected {width} like data.train.inputs[0]",
                )
        if len(targets) != len(inputs):
            raise Invalid(
                f"data.{part}.targets",
                f"expected {count(len(inputs), 'row')}, one per input row, got {len(targets)}",
            )
        for r, row in enumerate(targets):
            if len(row) != outputs:
                raise Invalid(
                    f"data.{part}.targets[{r}]",
                    f"has {count(len(row), 'value')}, expected {outputs}, one per "
                    "unit of the output layer",
                )
    if data.columns is not None and len(data.columns) != width:
        raise Invalid(
            "data.columns",
            f"{count(len(data.columns), 'name')} for input rows of {count(width, 'value')}",
        )
    expected_classes = max(2, outputs)
    if data.classes is not None and len(data.classes) != expected_classes:
        raise Invalid(
            "data.classes",
            f"{count(len(data.classes), 'name')}, expected {expected_classes} for an output "
            f"layer of {count(outputs, 'unit')}",
        )


def _check_scaling(
    where: str,
    methods: Sequence[str] | None,
    center: Sequence[float] | None,
    scale: Sequence[float] | None,
    columns: int | None,
) -> None:
    """One method or statistic per raw column (`columns`, None for a CSV not yet read: then the
    lists need only agree with each other, and reading the CSV checks the rest); a scale of 0
    would divide by zero, which is why a constant column is stored with scale 1. `where` is the
    field holding them ("data.scaling" or "state.scaling")."""
    if (center is None) != (scale is None):
        missing = "scale" if scale is None else "center"
        raise Invalid(f"{where}.{missing}", "center and scale are given together or not at all")
    lengths = {
        name: len(values)
        for name, values in (("method", methods), ("center", center), ("scale", scale))
        if values is not None
    }
    for name, length in lengths.items():
        if columns is not None and length != columns:
            raise Invalid(
                f"{where}.{name}",
                f"{count(length, 'value')} for {count(columns, 'raw input column')}",
            )
        first, first_length = next(iter(lengths.items()))
        if length != first_length:
            raise Invalid(
                f"{where}.{name}",
                f"{count(length, 'value')}, but {where}.{first} has {first_length}",
            )
    for index, value in enumerate(scale or ()):
        if value == 0:
            raise Invalid(
                f"{where}.scale[{index}]",
                "is 0, which would divide by zero (a column whose training values are all "
                "equal is stored with scale 1)",
            )


def _check_generator(data: GeneratorData, network: NetworkSpec) -> None:
    last = len(network.layers) - 1
    units = network.layers[last].units
    if data.generated_task == "classification":
        # Two classes: one unit (0/1 or -1/+1 targets) or two one-hot units.
        if units > 2:
            raise Invalid(
                f"network.layers[{last}].units",
                f"{data.generator} data has 2 classes, so the output layer needs 1 "
                f"or 2 units, not {units}",
            )
    elif units != 1:
        raise Invalid(
            f"network.layers[{last}].units",
            f"{data.generator} data has one target, so the output layer needs 1 unit, not {units}",
        )


def _check_function_data(data: GeneratorData, training: TrainingSpec) -> None:
    """The function generator's expression and task: both given, and only with it; a formula
    that parses and uses only the inputs its task allows (whether it is finite on the drawn
    points is known once they are drawn, when the data is built)."""
    if data.generator != FUNCTION_GENERATOR:
        for name in ("expression", "task"):
            if getattr(data, name) is not None:
                raise Invalid(f"data.{name}", "only the function generator takes this field")
        return
    # Imported here: files that use no formula load without the engine (and numpy).
    from simulator.engine.datasets import function_inputs
    from simulator.engine.formula import FormulaError, parse

    try:
        parse(data.expression, function_inputs(data.task))
    except FormulaError as exc:
        raise Invalid("data.expression", str(exc)) from None
    if training.task is not None and training.task != data.task:
        raise Invalid(
            "training.task",
            f"{training.task}, but the function data set is for {data.task} (data.task)",
        )


def _check_csv_path(text: str, base_dir: Path | None) -> None:
    field = "data.csv"
    if text.startswith(SHIPPED_PREFIX):
        _check_shipped_csv(text.removeprefix(SHIPPED_PREFIX))
        return
    if "\x00" in text:
        raise Invalid(field, "contains a NUL character")
    if "\\" in text:
        raise Invalid(field, "use / between folders, not \\")
    windows = PureWindowsPath(text)
    if PurePosixPath(text).is_absolute() or windows.drive or windows.root:
        raise Invalid(
            field, "must be a path relative to the scenario's folder, not an absolute path"
        )
    depth = 0
    for part in text.split("/"):
        if part in ("", "."):
            continue
        depth += -1 if part == ".." else 1
        if depth < 0:
            raise Invalid(field, "leads outside the scenario's folder")
    if depth == 0:
        raise Invalid(field, "does not name a file")
    if base_dir is None:
        return
    # Links inside the folder may still point outside it.
    try:
        root = base_dir.resolve()
        target = root.joinpath(*PurePosixPath(text).parts).resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise Invalid(field, f"cannot resolve the path: {exc}") from None
    if not target.is_relative_to(root):
        raise Invalid(field, "leads outside the scenario's folder (through a link)")
    try:
        mode = os.stat(target).st_mode
    except (OSError, ValueError):
        return  # a missing file is reported when the data is read, naming what to put where
    if not stat.S_ISREG(mode):
        # Refused now, from stat() alone: reading a FIFO or a device would wait for ever.
        raise Invalid(field, f"{text} is {file_kind(mode)}, not a regular file")


def _check_shipped_csv(name: str) -> None:
    try:
        path = resource_path(name)
    except ValueError:
        raise Invalid(
            "data.csv", f"{SHIPPED_PREFIX}{name} is not a name of a data set shipped with nnsim"
        ) from None
    if not path.is_file():
        raise Invalid("data.csv", f"nnsim ships no data set {name!r}")


def _available_features(raw: tuple[str, ...]) -> list[str]:
    # The same names as simulator.engine.features, kept here so loading needs no engine code.
    names = list(raw)
    if len(raw) == 2:
        first, second = raw
        names += [
            f"{first}^2",
            f"{second}^2",
            f"{first}*{second}",
            f"sin({first})",
            f"sin({second})",
        ]
    return names


def _check_features(inputs: tuple[str, ...], raw: tuple[str, ...]) -> None:
    """Every input is a feature the data offers or a formula of its raw columns; that a
    formula is finite on the data is known once the data is built."""
    available = _available_features(raw)
    known = set(available)
    for i, name in enumerate(inputs):
        if name in known:
            continue
        # Imported here: files that use no formula load without the engine (and numpy).
        from simulator.engine.formula import FormulaError, is_plain_name, parse

        if is_plain_name(name):  # a single unknown word: most likely a misspelt column
            shown = ", ".join(available[:12]) + (", ..." if len(available) > 12 else "")
            raise Invalid(
                f"network.inputs[{i}]",
                f"unknown feature {describe(name)}; the data offers {shown}, or a formula of "
                "its columns",
            )
        try:
            parse(name, raw)
        except FormulaError as exc:
            raise Invalid(f"network.inputs[{i}]", f"formula {describe(name)}: {exc}") from None


def _check_state(state: TrainingState, network: NetworkSpec, training: TrainingSpec) -> None:
    shapes = [
        (layer.units, fan_in) for layer, fan_in in zip(network.layers, network.fan_ins, strict=True)
    ]
    _check_optimizer_state("state.optimizer", state.optimizer, shapes, training)
    if state.initial_layers is not None:
        _check_params(
            "state.initial_layers", [(p.weights, p.biases) for p in state.initial_layers], shapes
        )
    _check_checkpoints(state, shapes, training)
    _check_schedule_state(state, training)
    lengths = [
        (key, len(state.history[key])) for key in HISTORY_KEYS if state.history.get(key) is not None
    ]
    for key, length in lengths[1:]:
        first_key, first_length = lengths[0]
        if length != first_length:
            raise Invalid(
                f"state.history.{key}",
                f"has {count(length, 'value')}, expected {first_length} like "
                f"state.history.{first_key}",
            )


def _check_optimizer_state(
    field: str, optimizer: dict | None, shapes: list[tuple[int, int]], training: TrainingSpec
) -> None:
    if optimizer is None:
        return
    name = optimizer["name"]
    if name != training.optimizer.name:
        raise Invalid(
            f"{field}.name",
            f"the saved state is for {name}, but training.optimizer.name is "
            f"{training.optimizer.name}",
        )
    for key in _OPTIMIZER_STATE_KEYS[name]:
        entries = optimizer.get(key)
        if entries is not None:
            _check_params(
                f"{field}.{key}", [(entry["weights"], entry["biases"]) for entry in entries], shapes
            )


# The per-layer arrays each optimizer's saved state holds.
_OPTIMIZER_STATE_KEYS = {
    "sgd": ("velocity",),
    "adam": ("m", "v"),
    "adamw": ("m", "v"),
    "rmsprop": ("square_avg", "momentum_buffer"),
}


def _check_schedule_state(state: TrainingState, training: TrainingSpec) -> None:
    """A kept learning rate belongs to a schedule; without one the rate is the optimizer's."""
    if state.learning_rate is not None and training.schedule is None:
        raise Invalid(
            "state.learning_rate",
            "a current learning rate is kept only with a schedule (training.schedule); "
            "without one the rate is training.optimizer.learning_rate",
        )


def _check_checkpoints(
    state: TrainingState, shapes: list[tuple[int, int]], training: TrainingSpec
) -> None:
    """Each checkpoint fits the network and the optimizer, and they run forward in time up to
    the state itself, so that rewinding to one and training on can reach the state again."""
    previous = None
    for i, kept in enumerate(state.checkpoints):
        field = f"state.checkpoints[{i}]"
        _check_params(f"{field}.layers", [(p.weights, p.biases) for p in kept.layers], shapes)
        _check_optimizer_state(f"{field}.optimizer", kept.optimizer, shapes, training)
        if previous is not None and kept.epoch <= previous.epoch:
            raise Invalid(
                f"{field}.epoch",
                f"{kept.epoch} does not come after the checkpoint before it (epoch "
                f"{previous.epoch}); checkpoints run oldest first",
            )
        if kept.epoch > state.epoch or kept.step > state.step:
            raise Invalid(
                f"{field}.epoch",
                f"epoch {kept.epoch}, step {kept.step} lies after the state itself (epoch "
                f"{state.epoch}, step {state.step})",
            )
        previous = kept


def _check_params(
    field: str, entries: list[tuple[Any, Any]], shapes: list[tuple[int, int]]
) -> None:
    if len(entries) != len(shapes):
        raise Invalid(
            field,
            f"expected {count(len(shapes), 'entry', 'entries')}, one per layer, got {len(entries)}",
        )
    for i, ((weights, biases), (units, fan_in)) in enumerate(zip(entries, shapes, strict=True)):
        _check_matrix(f"{field}[{i}].weights", weights, units, fan_in)
        _check_vector(f"{field}[{i}].biases", biases, units)


def _check_matrix(field: str, rows: Any, n_rows: int, n_cols: int) -> None:
    if len(rows) != n_rows:
        raise Invalid(
            field,
            f"expected {count(n_rows, 'row')} of {count(n_cols, 'value')}, "
            f"got {count(len(rows), 'row')}",
        )
    for r, row in enumerate(rows):
        if len(row) != n_cols:
            raise Invalid(field, f"row {r} has {count(len(row), 'value')}, expected {n_cols}")


def _check_vector(field: str, values: Any, n: int) -> None:
    if len(values) != n:
        raise Invalid(field, f"expected {count(n, 'value')}, got {len(values)}")
