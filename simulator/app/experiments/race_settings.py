"""The settings a race can vary as a learner names them (learning rate, hidden layout, …): how
typed values become a Vary on the scenario object, the base a race starts from, and sweeps."""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import edits
from ..scenario import Scenario, scenario_to_dict
from .variants import Variant, VariantError, Vary, make_variants, parse_path

# At most this many variants race at once: each gets a curve, a picture and a row, and six
# colours are as many as stay apart for colour-blind readers on a white chart.
MAX_RACE_VARIANTS = 6


@dataclass(frozen=True)
class RaceSetting:
    """One setting the compare window offers: `name` as the combo shows it, an `example` of
    typed values, whether a sweep may span it (`sweepable`, with `integer` values), and
    whether its values change the network's shape (`fresh_weights`: explicit weights are
    dropped, so every variant draws its own from the seed)."""

    key: str
    name: str
    example: str
    sweepable: bool = False
    integer: bool = False
    fresh_weights: bool = False


SETTINGS: tuple[RaceSetting, ...] = (
    RaceSetting("learning_rate", "Learning rate", "0.003, 0.03, 0.3, 3", sweepable=True),
    RaceSetting("optimizer", "Optimizer", "sgd, adam, rmsprop, adamw"),
    RaceSetting("activation", "Hidden activation", "tanh, relu, sigmoid"),
    RaceSetting("batch_size", "Batch size", "1, 10, 50", sweepable=True, integer=True),
    RaceSetting("regularization", "Regularization", "none, l2 0.001, l1 0.001"),
    RaceSetting("regularization_rate", "Regularization rate", "0, 0.001, 0.01", sweepable=True),
    # Values hold commas and spaces themselves, so variants are separated by semicolons.
    RaceSetting("features", "Input features", "X1 X2; X1 X2 X1^2 X2^2", fresh_weights=True),
    RaceSetting("layout", "Hidden layout", "4,4; 8; 8,8,8; none", fresh_weights=True),
    RaceSetting("seed", "Weight seed", "1, 2, 3", fresh_weights=True),
)
SETTING_BY_KEY = {setting.key: setting for setting in SETTINGS}


@dataclass(frozen=True)
class RacePlan:
    """What to race: the varies (one here; presets may give several), a label per variant
    naming its difference as the learner typed it, and the base object they vary."""

    varies: tuple[Vary, ...]
    labels: tuple[str, ...]


def race_base(scenario: Scenario) -> dict:
    """The scenario object a race varies: `scenario` back at the start of its training (the
    initial weights, epoch 0, no history), so that every variant starts where the learner's run
    started and the only difference between them is the one chosen."""
    return scenario_to_dict(edits.reset_training(scenario))


def split_values(setting: RaceSetting, text: str) -> list[str]:
    """The typed values of `setting`, one per variant: separated by semicolons, or by commas
    where a value holds no commas itself. Raises VariantError when none is given."""
    if ";" in text or setting.key in ("features", "layout"):
        cells = [cell.strip() for cell in text.split(";")]
    else:
        cells = [cell.strip() for cell in text.split(",")]
    if not cells or any(not cell for cell in cells):
        raise VariantError(f"{setting.name}: a value is empty (example: {setting.example})")
    if len(cells) > MAX_RACE_VARIANTS:
        raise VariantError(
            f"{setting.name}: {len(cells)} values; at most {MAX_RACE_VARIANTS} variants race"
        )
    return cells


def plan_race(obj: dict, setting: RaceSetting, text: str) -> tuple[dict, RacePlan]:
    """Turn the values typed for `setting` into a base object and a plan. The values are read
    here (a number where a number is wanted) and checked by `make_variants` later; a value that
    cannot even be read raises VariantError naming the setting and the value."""
    cells = split_values(setting, text)
    base = _without_weights(obj) if setting.fresh_weights else obj
    path, convert = _SETTING_PATHS[setting.key]
    values = []
    for cell in cells:
        try:
            values.append(convert(base, cell))
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise VariantError(f"{setting.name} {cell}: {exc}") from None
    labels = tuple(f"{setting.name.lower()} {cell}" for cell in cells)
    return base, RacePlan((Vary(path, parse_path(path), tuple(values)),), labels)


def build_variants(
    obj: dict, plan: RacePlan, *, file: str, base_dir: Path | None, source: Path | None = None
) -> list[Variant]:
    """The checked variants of `plan` on `obj` (make_variants), at most MAX_RACE_VARIANTS;
    `source` is the file the scenario came from (its CSV is read beside it)."""
    count = math.prod(len(vary.values) for vary in plan.varies) if plan.varies else 0
    if count > MAX_RACE_VARIANTS:
        raise VariantError(f"{count} variants; at most {MAX_RACE_VARIANTS} race at once")
    try:
        return make_variants(obj, list(plan.varies), file=file, base_dir=base_dir, source=source)
    except VariantError as exc:
        # The message names the field as the command line gives it; a window has no --vary.
        raise VariantError(str(exc).removeprefix("--vary ")) from None


def plan_from_varies(varies: list[Vary]) -> RacePlan:
    """A plan from varies given as paths (a preset's race): no labels of its own, so each
    variant is named as Variant.label names it ("learning_rate 0.03")."""
    return RacePlan(tuple(varies), ())


def variant_labels(plan: RacePlan, variants: list[Variant]) -> list[str]:
    """One label per variant: the plan's, else each variant's own."""
    if len(plan.labels) == len(variants):
        return list(plan.labels)
    return [variant.label for variant in variants]


def sweep_values(low: float, high: float, count: int, *, integer: bool = False) -> list[float]:
    """`count` values from `low` to `high`, spaced evenly on a log scale (both must be above 0),
    each rounded to three significant figures (or to a whole number, repeats dropped) so that
    the legend stays readable. Raises VariantError for a sweep that cannot be made."""
    if not 2 <= count <= MAX_RACE_VARIANTS:
        raise VariantError(f"a sweep has 2 to {MAX_RACE_VARIANTS} values, not {count}")
    if not (math.isfinite(low) and math.isfinite(high)) or low <= 0 or high <= 0:
        raise VariantError(f"a log-spaced sweep needs two values above 0, not {low} and {high}")
    if low == high:
        raise VariantError(f"a sweep from {low} to {high} has nothing between")
    values = []
    for value in np.geomspace(low, high, count):
        rounded = round(float(value)) if integer else float(f"{float(value):.3g}")
        if rounded not in values:
            values.append(rounded)
    if len(values) < 2:
        raise VariantError(f"from {low} to {high} there are not 2 different whole values")
    return values


def sweep_text(values: list[float]) -> str:
    """The values of a sweep as typed values ("0.001, 0.01, 0.1")."""
    return ", ".join(_number_text(value) for value in values)


def _number_text(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _without_weights(obj: dict) -> dict:
    """`obj` with every layer's explicit weights and biases dropped (drawn from the seed)."""
    changed = copy.deepcopy(obj)
    for layer in changed["network"]["layers"]:
        layer.pop("weights", None)
        layer.pop("biases", None)
    return changed


def _number(_obj: dict, cell: str) -> float:
    try:
        value = float(cell.replace(" ", ""))
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def _whole(_obj: dict, cell: str) -> int:
    value = _number(_obj, cell)
    if not value.is_integer():
        raise ValueError("not a whole number")
    return int(value)


def _name(_obj: dict, cell: str) -> str:
    return cell.strip().lower()


def _optimizer(obj: dict, cell: str) -> dict:
    # A new optimizer keeps the learning rate and takes its own defaults for the rest (sgd's
    # momentum is no setting of adam's), as the settings panel changes it.
    current = obj["training"]["optimizer"]
    name = cell.strip().lower()
    if name == current.get("name"):
        return copy.deepcopy(current)
    return {"name": name, "learning_rate": current["learning_rate"]}


def _regularization(_obj: dict, cell: str) -> dict:
    parts = cell.replace(",", " ").split()
    kind = parts[0].lower()
    if len(parts) > 2:
        raise ValueError('expected a kind and a rate, such as "l2 0.001"')
    rate = _number(_obj, parts[1]) if len(parts) == 2 else (0.0 if kind == "none" else 0.001)
    return {"kind": kind, "rate": rate}


def _activation(obj: dict, cell: str) -> list:
    name = cell.strip().lower()
    layers = copy.deepcopy(obj["network"]["layers"])
    for layer in layers[:-1]:
        layer["activation"] = name
    return layers


def _layout(obj: dict, cell: str) -> list:
    layers = obj["network"]["layers"]
    hidden = layers[:-1]
    activation = hidden[0]["activation"] if hidden else "tanh"
    text = cell.strip().lower()
    units = [] if text in ("none", "0", "-") else re.split(r"[\s,x×]+", text)
    new = []
    for unit in units:
        if not unit.isdigit() or int(unit) < 1:
            raise ValueError('hidden units are whole numbers above 0, such as "4,4"')
        new.append({"units": int(unit), "activation": activation})
    output = {key: value for key, value in layers[-1].items() if key not in ("weights", "biases")}
    return [*new, output]


def _features(_obj: dict, cell: str) -> list:
    return [name for name in re.split(r"[\s,]+", cell.strip()) if name]


_SETTING_PATHS: dict[str, tuple[str, Callable[[dict, str], Any]]] = {
    "learning_rate": ("training.optimizer.learning_rate", _number),
    "optimizer": ("training.optimizer", _optimizer),
    "activation": ("network.layers", _activation),
    "batch_size": ("training.batch_size", _whole),
    "regularization": ("training.regularization", _regularization),
    "regularization_rate": ("training.regularization.rate", _number),
    "features": ("network.inputs", _features),
    "layout": ("network.layers", _layout),
    "seed": ("network.initialization.seed", _whole),
}


def current_value(scenario: Scenario, setting: RaceSetting) -> str:
    """The setting's value in `scenario`, as it would be typed (shown beside the values)."""
    training, network = scenario.training, scenario.network
    hidden = network.layers[:-1]
    texts = {
        "learning_rate": lambda: _number_text(training.optimizer.learning_rate),
        "optimizer": lambda: training.optimizer.name,
        "activation": lambda: hidden[0].activation if hidden else "(no hidden layer)",
        "batch_size": lambda: str(training.batch_size),
        "regularization": lambda: (
            f"{training.regularization.kind} {_number_text(training.regularization.rate)}"
        ),
        "regularization_rate": lambda: _number_text(training.regularization.rate),
        "features": lambda: " ".join(network.inputs),
        "layout": lambda: ",".join(str(layer.units) for layer in hidden) or "none",
        "seed": lambda: str(network.initialization.seed),
    }
    return texts[setting.key]()
