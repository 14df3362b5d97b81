"""Changes the user makes to a scenario while working: each is a function Scenario -> Scenario."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise
from typing import Any, NamedTuple

import numpy as np

from ..engine import datasets, features, formula
from ..engine.network import Network
from ..engine.scaling import METHODS as SCALING_METHODS
from .scenario import (
    ACTIVATIONS,
    FUNCTION_GENERATOR,
    GENERATORS,
    INIT_SCHEMES,
    LOSSES,
    OPTIMIZER_FIELDS,
    OPTIMIZERS,
    REGULARIZATIONS,
    SCHEDULE_FIELDS,
    SCHEDULES,
    TASKS,
    CsvData,
    DataScaling,
    DataSpec,
    GeneratorData,
    InitSpec,
    InlineData,
    LayerParams,
    LayerSpec,
    Matrix,
    OptimizerSpec,
    Scenario,
    ScheduleSpec,
    Vector,
    derived_task,
)
from .storage import MAX_PARAMETERS, MAX_SAMPLES

# Limits of the file format (resources/scenario.schema.json), checked here so that an impossible
# edit is refused with a plain message before the scenario is validated.
MAX_LAYERS = 64
MAX_UNITS = 4096
MAX_BATCH_SIZE = 100_000
MAX_GENERATOR_SAMPLES = 1_000_000

DEFAULT_HIDDEN_ACTIVATION = "tanh"

# Mixed into the seed of newly drawn weights so that they differ from the network's first draw
# (which uses the bare initialisation seed).
_EDIT_SALT = 0x6E6E73

_CLASSIFICATION_LOSSES = ("bce", "cross_entropy")

# The formula a switch to the function data set starts from, per task.
DEFAULT_EXPRESSIONS = {"classification": "2*sin(X1)", "regression": "X1*X2/10"}


# ---------------------------------------------------------------------------------------------
# Architecture


def add_hidden_layer(
    s: Scenario, position: int, units: int = 4, activation: str | None = None
) -> Scenario:
    """Return `s` with a new hidden layer of `units` units inserted before layer `position`.

    `position` is 0 .. L-1 (L layers; L-1 puts it just before the output layer). `activation`
    None takes the activation of the neighbouring hidden layer (the one before, else the one
    after), or "tanh" when there is none. The new layer's weights are drawn with the network's
    initialisation; the following layer keeps the block of its weights that still fits and
    draws the rest. Raises ValueError for a bad position, size or activation.
    """
    layers = s.network.layers
    count = len(layers)
    _check_index(position, count, "layer position", "the network")
    if count >= MAX_LAYERS:
        raise ValueError(f"the network already has {MAX_LAYERS} layers, the most allowed")
    units = _check_units(units)
    if activation is None:
        neighbours = [i for i in (position - 1, position) if 0 <= i < count - 1]
        activation = layers[neighbours[0]].activation if neighbours else DEFAULT_HIDDEN_ACTIVATION
    _check_hidden_activation(activation)
    # The neighbour's dropout too, so that one rate set for all hidden layers stays one rate.
    neighbours = [i for i in (position - 1, position) if 0 <= i < count - 1]
    dropout = layers[neighbours[0]].dropout if neighbours else 0.0
    plan = _keep_all(s)
    new = _Plan(
        LayerSpec(units=units, activation=activation, dropout=dropout), None, (None,) * units
    )
    plan.insert(position, new)
    return _reshape(s, plan)


def remove_hidden_layer(s: Scenario, index: int) -> Scenario:
    """Return `s` without hidden layer `index` (0 .. L-2); the output layer cannot be removed.

    The network may end up with the output layer alone. The layer after the removed one keeps
    the block of its weights that still fits (min rows × min columns) and draws the rest.
    """
    _check_hidden_index(s, index)
    plan = _keep_all(s)
    del plan[index]
    return _reshape(s, plan)


def add_neuron(s: Scenario, layer_index: int) -> Scenario:
    """Return `s` with one more unit at the end of hidden layer `layer_index`.

    Its incoming weights and its weights into the next layer are drawn; all others are kept.
    """
    _check_hidden_index(s, layer_index)
    return set_units(s, layer_index, s.network.layers[layer_index].units + 1)


def remove_neuron(s: Scenario, layer_index: int, unit: int | None = None) -> Scenario:
    """Return `s` without unit `unit` (default: the last) of hidden layer `layer_index`.

    The unit's row of weights and bias go, and its column in the next layer. A layer keeps at
    least one unit.
    """
    _check_hidden_index(s, layer_index)
    units = s.network.layers[layer_index].units
    if unit is None:
        unit = units - 1
    _check_index(unit, units, "unit", f"layer {layer_index}")
    if units == 1:
        raise ValueError(f"layer {layer_index} has only one unit; a layer needs at least one")
    plan = _keep_all(s)
    spec, origin, rows = plan[layer_index]
    plan[layer_index] = _Plan(
        replace(spec, units=units - 1), origin, tuple(r for r in rows if r != unit)
    )
    return _reshape(s, plan)


def set_units(s: Scenario, layer_index: int, units: int) -> Scenario:
    """Return `s` with layer `layer_index` resized to `units` units (units past the new size go,
    new ones are added at the end with drawn weights).

    Hidden layers take 1 .. 4096 units. The output layer's size is set by the data, so it can
    change only for generated data: 1 or 2 units for a classification generator (2 with a
    softmax output), 1 for a regression generator.
    """
    layers = s.network.layers
    _check_index(layer_index, len(layers), "layer", "the network")
    units = _check_units(units)
    output = layer_index == len(layers) - 1
    if output:
        _check_output_units(s, units)
    old = layers[layer_index].units
    if units == old:
        return s
    plan = _keep_all(s)
    spec, origin, rows = plan[layer_index]
    new_rows = rows[:units] + (None,) * (units - old)
    plan[layer_index] = _Plan(replace(spec, units=units), origin, new_rows)
    return _reshape(s, plan)


# ---------------------------------------------------------------------------------------------
# Activations and loss


def set_activation(s: Scenario, layer_index: int, activation: str) -> Scenario:
    """Return `s` with layer `layer_index` using `activation`.

    softmax is allowed only on the output layer, with at least two units. When the output
    activation changes, the loss follows where the pair would be invalid: softmax takes
    cross_entropy, sigmoid turns cross_entropy into bce, and the other activations turn bce or
    cross_entropy into mse (mse and half_sse are kept).
    """
    layers = s.network.layers
    _check_index(layer_index, len(layers), "layer", "the network")
    _check_choice(activation, ACTIVATIONS, "activation")
    output = layer_index == len(layers) - 1
    if not output:
        _check_hidden_activation(activation)
    elif activation == "softmax" and layers[-1].units < 2:
        raise ValueError("softmax needs at least two output units")
    if layers[layer_index].activation == activation:
        return s
    changed = _with_layer(s, layer_index, replace(layers[layer_index], activation=activation))
    if output:
        loss = _loss_for_output(activation, s.training.loss)
        changed = replace(changed, training=replace(changed.training, loss=loss))
    return _keep_classification(s, changed)


def set_all_hidden_activations(s: Scenario, activation: str) -> Scenario:
    """Return `s` with every hidden layer using `activation` (not softmax); `s` itself when the
    network has no hidden layer."""
    _check_choice(activation, ACTIVATIONS, "activation")
    _check_hidden_activation(activation)
    layers = s.network.layers
    if all(layer.activation == activation for layer in layers[:-1]):
        return s
    hidden = tuple(replace(layer, activation=activation) for layer in layers[:-1])
    return replace(s, network=replace(s.network, layers=(*hidden, layers[-1])))


def set_dropout(s: Scenario, layer_index: int, p: float) -> Scenario:
    """Return `s` with hidden layer `layer_index` dropping its outputs with probability `p`
    (0 ≤ p < 1; 0 turns dropout off) in training steps. The training state is kept: the masks
    continue from the state's dropout RNG, or from the training seed's when it has none."""
    _check_hidden_index(s, layer_index)
    p = _check_dropout(p)
    layer = s.network.layers[layer_index]
    if layer.dropout == p:
        return s
    return _with_layer(s, layer_index, replace(layer, dropout=p))


def set_all_hidden_dropout(s: Scenario, p: float) -> Scenario:
    """Return `s` with every hidden layer at dropout rate `p` (0 ≤ p < 1), as the settings
    panel's one rate sets it; `s` itself when nothing changes (or there is no hidden layer)."""
    p = _check_dropout(p)
    layers = s.network.layers
    if all(layer.dropout == p for layer in layers[:-1]):
        return s
    hidden = tuple(replace(layer, dropout=p) for layer in layers[:-1])
    return replace(s, network=replace(s.network, layers=(*hidden, layers[-1])))


def set_loss(s: Scenario, loss: str) -> Scenario:
    """Return `s` trained with `loss`; the output activation follows where the pair requires it.

    bce makes the output sigmoid; cross_entropy makes it softmax (refused with one output unit);
    mse and half_sse turn a softmax output into sigmoid and keep any other.
    """
    _check_choice(loss, LOSSES, "loss")
    output = s.network.layers[-1]
    if loss == "cross_entropy" and output.units < 2:
        raise ValueError("cross_entropy needs at least two output units")
    if loss == s.training.loss:
        return s
    activation = _output_for_loss(loss, output.activation)
    changed = replace(s, training=replace(s.training, loss=loss))
    if activation != output.activation:
        last = len(s.network.layers) - 1
        changed = _with_layer(changed, last, replace(output, activation=activation))
    return _keep_classification(s, changed)


# ---------------------------------------------------------------------------------------------
# Training settings


def set_optimizer(
    s: Scenario,
    name: str | None = None,
    learning_rate: float | None = None,
    momentum: float | None = None,
    beta1: float | None = None,
    beta2: float | None = None,
    eps: float | None = None,
    alpha: float | None = None,
    weight_decay: float | None = None,
) -> Scenario:
    """Return `s` with the optimizer settings given (None keeps a setting).

    Each optimizer has its own fields (OPTIMIZER_FIELDS: momentum for sgd and rmsprop; beta1,
    beta2 for adam and adamw; eps for adam, adamw and rmsprop; alpha for rmsprop; weight_decay
    for adamw): giving one the optimizer does not use is refused. Changing the optimizer resets
    the other fields to their defaults (they are not saved) and drops the saved optimizer state.
    A new learning rate under a schedule is the schedule's new first rate: the current rate
    follows it at once.
    """
    current = s.training.optimizer
    if name is not None:
        _check_choice(name, OPTIMIZERS, "optimizer")
    target = current.name if name is None else name
    if learning_rate is not None:
        _check_real(learning_rate, "the learning rate", low=0.0, low_open=True)
    fields = {
        "momentum": momentum,
        "beta1": beta1,
        "beta2": beta2,
        "eps": eps,
        "alpha": alpha,
        "weight_decay": weight_decay,
    }
    for field, value in fields.items():
        if value is not None and field not in OPTIMIZER_FIELDS[target]:
            owners = " and ".join(n for n in OPTIMIZERS if field in OPTIMIZER_FIELDS[n])
            raise ValueError(f"{field} is a setting of {owners}, but the optimizer is {target}")
    for field in ("momentum", "beta1", "beta2", "alpha"):
        if fields[field] is not None:
            _check_real(fields[field], field, low=0.0, high=1.0, high_open=True)
    if eps is not None:
        _check_real(eps, "eps", low=0.0, low_open=True)
    if weight_decay is not None:
        _check_real(weight_decay, "weight_decay", low=0.0)

    if target != current.name:
        # The other optimizer's fields keep their defaults (they are not saved), so the edited
        # scenario equals itself read back from a file.
        optimizer = OptimizerSpec(name=target, learning_rate=current.learning_rate)
    else:
        optimizer = current
    given = {"learning_rate": learning_rate, **fields}
    updates = {key: float(value) for key, value in given.items() if value is not None}
    optimizer = replace(optimizer, **updates)
    if optimizer == current:
        return s
    state = s.state
    if state is not None and target != current.name:
        state = replace(state, optimizer=None)
    if state is not None and optimizer.learning_rate != current.learning_rate:
        state = replace(state, learning_rate=None)
    return replace(s, training=replace(s.training, optimizer=optimizer), state=state)


# Settings a schedule starts with when the learner picks it: gentle enough to watch work.
SCHEDULE_DEFAULTS: dict[str, ScheduleSpec] = {
    "step": ScheduleSpec("step", step_size=10, gamma=0.5),
    "exponential": ScheduleSpec("exponential", gamma=0.95),
    "cosine": ScheduleSpec("cosine", t_max=100, eta_min=0.0),
}


def set_schedule(
    s: Scenario,
    name: str | None,
    *,
    step_size: int | None = None,
    gamma: float | None = None,
    t_max: int | None = None,
    eta_min: float | None = None,
) -> Scenario:
    """Return `s` with the learning-rate schedule `name` ("step", "exponential", "cosine"; None
    or "none" for a constant rate), its fields given (None keeps a field, or takes
    SCHEDULE_DEFAULTS when the schedule changes). A field the schedule does not use is refused.

    The training state is kept: the epoch under way finishes at the rate it began with, and the
    changed schedule applies from the next epoch (at an epoch's start, at once).
    """
    if name in (None, "none"):
        if s.training.schedule is None:
            return s
        state = s.state
        if state is not None:
            state = replace(state, learning_rate=None)
        return replace(s, training=replace(s.training, schedule=None), state=state)
    _check_choice(name, SCHEDULES, "schedule")
    given = {"step_size": step_size, "gamma": gamma, "t_max": t_max, "eta_min": eta_min}
    for field, value in given.items():
        if value is not None and field not in SCHEDULE_FIELDS[name]:
            owners = " and ".join(n for n in SCHEDULES if field in SCHEDULE_FIELDS[n])
            raise ValueError(f"{field} is a setting of the {owners} schedule, not of {name}")
    if step_size is not None:
        _check_whole(step_size, "step_size", 1, 1_000_000)
    if t_max is not None:
        _check_whole(t_max, "t_max", 1, 1_000_000)
    if gamma is not None:
        _check_real(gamma, "gamma", low=0.0, low_open=True)
    if eta_min is not None:
        _check_real(eta_min, "eta_min", low=0.0)
    current = s.training.schedule
    schedule = current if current is not None and current.name == name else None
    if schedule is None:
        schedule = SCHEDULE_DEFAULTS[name]
    updates = {key: value for key, value in given.items() if value is not None}
    schedule = replace(schedule, **updates)
    if schedule == current:
        return s
    return replace(s, training=replace(s.training, schedule=schedule))


def set_regularization(s: Scenario, kind: str, rate: float | None = None) -> Scenario:
    """Return `s` with the weight penalty `kind` ("none", "l1", "l2") at `rate` (>= 0; None
    keeps the current rate). The training state is kept."""
    _check_choice(kind, REGULARIZATIONS, "regularization")
    current = s.training.regularization
    rate = current.rate if rate is None else _check_real(rate, "the regularization rate", low=0.0)
    regularization = replace(current, kind=kind, rate=float(rate))
    if regularization == current:
        return s
    return replace(s, training=replace(s.training, regularization=regularization))


def set_batch_size(s: Scenario, n: int) -> Scenario:
    """Return `s` training with mini-batches of `n` samples (1 .. 100,000).

    The batches already done in the current epoch were counted in the old size, so the position
    goes back to the start of the current epoch (batch_in_epoch 0). The shuffle state is kept:
    it is the RNG state at the start of that epoch, so the epoch is replayed in the same order
    with the new batch size. Epoch, step and history are kept.
    """
    n = _check_whole(n, "the batch size", 1, MAX_BATCH_SIZE)
    if n == s.training.batch_size:
        return s
    return _restart_epoch(replace(s, training=replace(s.training, batch_size=n)))


def set_shuffle(s: Scenario, on: bool) -> Scenario:
    """Return `s` with shuffling of the training samples each epoch turned on or off.

    The current epoch's order changes with it, so the position goes back to the start of the
    current epoch (as `set_batch_size`).
    """
    if not isinstance(on, bool):
        raise ValueError(f"shuffle is on or off (True or False), not {on!r}")
    if on == s.training.shuffle:
        return s
    return _restart_epoch(replace(s, training=replace(s.training, shuffle=on)))


def set_scaling(s: Scenario, method: str) -> Scenario:
    """Return `s` with every raw input column scaled by `method` ("none", "standardize" or
    "min_max"); the weights are kept.

    Statistics fixed by hand in the file and those measured before are dropped, so the next
    build measures them on the training split: numbers of another method would scale wrongly.
    The inputs the network saw this epoch are no longer the ones it sees, so the position goes
    back to the start of the epoch.
    """
    _check_choice(method, SCALING_METHODS, "scaling method")
    current = s.data.scaling
    if current is not None and current.method == method and current.center is None:
        return s
    if current is None and method == "none":
        return s
    changed = replace(s, data=replace(s.data, scaling=DataScaling(method)))
    if changed.state is not None and changed.state.scaling is not None:
        changed = replace(changed, state=replace(changed.state, scaling=None))
    return _restart_epoch(changed)


def set_initialization(s: Scenario, scheme: str | None = None, seed: int | None = None) -> Scenario:
    """Return `s` with the initialisation `scheme` and/or `seed` changed (None keeps each).

    A changed initialisation only means something for weights drawn with it, so the network is
    drawn afresh (explicit weights and biases are dropped) and training restarts (state None),
    as `reset_training` with a new seed. `s` itself when nothing changes.
    """
    init = s.network.initialization
    if scheme is not None:
        _check_choice(scheme, INIT_SCHEMES, "initialization scheme")
    if seed is not None:
        seed = _check_whole(seed, "the initialization seed", 0)
    new = InitSpec(
        scheme=init.scheme if scheme is None else scheme, seed=init.seed if seed is None else seed
    )
    if new == init:
        return s
    return reset_training(
        replace(s, network=replace(s.network, initialization=new)), new_seed=new.seed
    )


def reset_training(s: Scenario, new_seed: int | None = None) -> Scenario:
    """Return `s` back at the start of training: state None (epoch 0, empty history).

    Without `new_seed` the weights and biases return to `state.initial_layers`; when the state
    has none they are dropped so they are drawn again from the initialisation; a scenario with
    no state has not been trained, so its weights stay. With `new_seed` the initialisation seed
    becomes `new_seed` and all explicit weights and biases are dropped, so they are drawn fresh.
    """
    layers = s.network.layers
    if new_seed is not None:
        new_seed = _check_whole(new_seed, "the initialization seed", 0)
        init = replace(s.network.initialization, seed=new_seed)
        fresh = tuple(replace(layer, weights=None, biases=None) for layer in layers)
        return replace(s, network=replace(s.network, initialization=init, layers=fresh), state=None)
    state = s.state
    if state is None:
        return s
    initial = state.initial_layers
    if initial is not None:
        if len(initial) != len(layers):
            raise ValueError(
                f"the saved initial weights have {len(initial)} layers, the network {len(layers)}"
            )
        layers = tuple(
            replace(layer, weights=params.weights, biases=params.biases)
            for layer, params in zip(layers, initial, strict=True)
        )
    else:
        layers = tuple(replace(layer, weights=None, biases=None) for layer in layers)
    return replace(s, network=replace(s.network, layers=layers), state=None)


# ---------------------------------------------------------------------------------------------
# Data


def set_generator(
    s: Scenario,
    generator: str | None = None,
    samples: int | None = None,
    noise: float | None = None,
    train_fraction: float | None = None,
    seed: int | None = None,
    expression: str | None = None,
    task: str | None = None,
) -> Scenario:
    """Return `s` with its generated data changed (None keeps a field); weights are kept.

    Only for generated data (ValueError otherwise). Switching to a regression generator makes
    the output one unit and, if the loss was bce or cross_entropy, linear with mse; switching to
    a classification generator turns a linear output into sigmoid with bce and keeps at most two
    output units. A `training.task` the new generator contradicts is cleared (derived again).
    The "function" generator takes `expression` and `task` (switching to it without them keeps
    the current task with DEFAULT_EXPRESSIONS' formula); an expression that does not parse or
    uses an input its task does not allow raises FormulaError (a ValueError) with its position.
    """
    data = s.data
    if not isinstance(data, GeneratorData):
        raise ValueError(f"the data is {data.kind} data, not generated; it has no generator")
    if generator is not None:
        _check_choice(generator, GENERATORS, "generator")
    function = (generator or data.generator) == FUNCTION_GENERATOR
    if (expression is not None or task is not None) and not function:
        raise ValueError("only the function data set takes an expression and a task")
    if function:
        task = task or data.task or data.generated_task
        _check_choice(task, TASKS, "task")
        if expression is None:
            expression = data.expression
            if expression is None or task != data.task:
                expression = DEFAULT_EXPRESSIONS[task]
        expression = function_expression(expression, task)
    if samples is not None:
        samples = _check_whole(samples, "the number of samples", 1, MAX_GENERATOR_SAMPLES)
    if noise is not None:
        _check_real(noise, "the noise", low=0.0, high=1.0)
    if train_fraction is not None:
        _check_real(train_fraction, "the training share", low=0.0, high=1.0, low_open=True)
    if seed is not None:
        seed = _check_whole(seed, "the data seed", 0)
    fields = {
        "generator": generator,
        "samples": samples,
        "noise": None if noise is None else float(noise),
        "train_fraction": None if train_fraction is None else float(train_fraction),
        "seed": seed,
    }
    new = replace(data, **{key: value for key, value in fields.items() if value is not None})
    if function:
        new = replace(new, expression=expression, task=task)
    else:  # only the function generator has these
        new = replace(new, expression=None, task=None)
    if new == data:
        return s
    return replace_data(s, new)


def replace_data(s: Scenario, data_spec: DataSpec) -> Scenario:
    """Return `s` training on `data_spec` (inline, generated or CSV); weights are kept.

    Input features the new data does not offer make the network take the new data's raw
    columns instead (weights of features that stay are kept, by name). Generated data adjusts
    the output layer and loss as `set_generator` does. Inline targets must have one value per
    output unit (ValueError otherwise). The current epoch's order no longer applies, so
    batch_in_epoch becomes 0; epoch, step and history are kept.
    """
    if not isinstance(data_spec, InlineData | GeneratorData | CsvData):
        raise ValueError(f"{type(data_spec).__name__} is not a data form of a scenario")
    if data_spec == s.data:
        return s
    if isinstance(data_spec, InlineData):
        data_spec = _inline(
            data_spec.train_inputs,
            data_spec.train_targets,
            data_spec.test_inputs,
            data_spec.test_targets,
            data_spec.columns,
            outputs=s.network.layers[-1].units,
        )
    changed = replace(s, data=data_spec)
    if isinstance(data_spec, GeneratorData) and _kind(data_spec) != _kind(s.data):
        # Only a change of task touches the output layer: within one kind of generated data the
        # user's own choice (say a linear output on xor) stays.
        changed = _fit_to_generator(changed, data_spec)
    if not isinstance(data_spec, CsvData):
        raw = data_spec.raw_columns
        try:
            features.resolve_features(list(raw), list(changed.network.inputs))
        except features.FeatureError:
            changed = set_features(changed, raw)
    return _restart_epoch(changed)


def to_inline(
    s: Scenario,
    train_inputs: Sequence[Sequence[float]],
    train_targets: Sequence[Sequence[float]],
    test_inputs: Sequence[Sequence[float]] = (),
    test_targets: Sequence[Sequence[float]] = (),
    columns: Sequence[str] | None = None,
) -> Scenario:
    """Return `s` with the given samples written into it as inline data (so points can be added
    and removed): raw input rows, target rows (one value per output unit) and column names.

    A classification task stays classification even when the loss alone would not say so.
    """
    data = _inline(
        train_inputs,
        train_targets,
        test_inputs,
        test_targets,
        columns,
        outputs=s.network.layers[-1].units,
    )
    return _keep_classification(s, replace_data(s, data))


def add_point(s: Scenario, x: float, y: float, target_row: Sequence[float]) -> Scenario:
    """Return `s` with the training sample (x, y) -> `target_row` appended to its inline data.

    The data must be inline with two raw columns; `target_row` has one value per output unit.
    """
    data = _require_inline(s)
    if data.width != 2:
        raise ValueError(f"points need two input columns, but the data has {data.width}")
    if len(data.train_inputs) + len(data.test_inputs) >= MAX_SAMPLES:
        raise ValueError(f"the data already has {MAX_SAMPLES:,} samples, the most allowed")
    point = (_check_real(x, "x"), _check_real(y, "y"))
    target = _row(target_row, "the target")
    outputs = s.network.layers[-1].units
    if len(target) != outputs:
        raise ValueError(
            f"the target has {len(target)} values, but the output layer has {outputs} units"
        )
    new = replace(
        data,
        train_inputs=(*data.train_inputs, point),
        train_targets=(*data.train_targets, target),
    )
    return _restart_epoch(replace(s, data=new))


def remove_point(s: Scenario, train_index: int) -> Scenario:
    """Return `s` without training sample `train_index` of its inline data (one must remain)."""
    data = _require_inline(s)
    count = len(data.train_inputs)
    _check_index(train_index, count, "training sample", "the data")
    if count == 1:
        raise ValueError("the training set needs at least one sample")
    new = replace(
        data,
        train_inputs=_without(data.train_inputs, train_index),
        train_targets=_without(data.train_targets, train_index),
    )
    return _restart_epoch(replace(s, data=new))


def set_features(s: Scenario, names: Sequence[str]) -> Scenario:
    """Return `s` whose network takes the input features `names`, in that order.

    The first layer keeps the weight columns of features that stay (matched by name) and draws
    columns for new ones. The names must be features the data offers (checked when the data is
    not a CSV file, whose columns are known only once it is read).
    """
    if isinstance(names, str) or not all(isinstance(name, str) for name in names):
        raise ValueError("the input features are a list of names")
    names = tuple(names)
    if not names:
        raise ValueError("the network needs at least one input feature")
    if len(set(names)) != len(names):
        repeated = next(name for i, name in enumerate(names) if name in names[:i])
        raise ValueError(f'feature "{repeated}" is listed twice')
    if len(names) > 1024:
        raise ValueError(f"{len(names)} input features; at most 1024 are allowed")
    if not isinstance(s.data, CsvData):
        features.resolve_features(list(s.data.raw_columns), list(names))
    old = s.network.inputs
    if names == old:
        return s
    input_map = tuple(old.index(name) if name in old else None for name in names)
    return _reshape(s, _keep_all(s), inputs=names, input_map=input_map)


def feature_formula(s: Scenario, text: str, raw_names: Sequence[str] | None = None) -> str:
    """Return the input feature that `text` asks for: a raw column or ready-made feature's
    name as it is, else the formula `text` written the one way nnsim writes it (`X1 * X2+1`
    becomes `X1*X2 + 1`). `raw_names` are the data's raw columns, needed for CSV data (whose
    columns are known once it is read); other data knows its own. Raises FormulaError (a
    ValueError) with the position of the problem when it does not parse or names an input the
    data lacks, and ValueError when the network takes it already. Whether it is finite on the
    data is known when the data is built."""
    raw = list(_raw_columns(s, raw_names))
    known = raw + (features.derived_feature_names(*raw) if len(raw) == 2 else [])
    # Not stripped before parsing: a position must count the characters as they were typed.
    name = text.strip() if text.strip() in known else formula.parse(text, raw).canonical
    if name in s.network.inputs:
        raise ValueError(f'the network takes "{name}" already')
    return name


def add_feature(s: Scenario, text: str, raw_names: Sequence[str] | None = None) -> Scenario:
    """Return `s` whose network also takes the feature `text` (see `feature_formula`), last;
    the first layer draws weights for it and keeps the others."""
    return set_features(s, (*s.network.inputs, feature_formula(s, text, raw_names)))


def _raw_columns(s: Scenario, raw_names: Sequence[str] | None) -> tuple[str, ...]:
    if not isinstance(s.data, CsvData):
        return s.data.raw_columns
    if raw_names is None:
        raise ValueError("the columns of CSV data are known once it is read")
    return tuple(raw_names)


def function_expression(text: str, task: str) -> str:
    """Return the function data set's formula `text` as nnsim writes it, for `task`: X1 alone
    for classification (the curve y = f(X1)), X1 and X2 for regression. Raises FormulaError
    with the position of the problem."""
    if not isinstance(text, str):
        raise ValueError("the expression is a text")
    return formula.parse(text, datasets.function_inputs(task)).canonical


# ---------------------------------------------------------------------------------------------
# Single parameters


def set_weight(s: Scenario, layer_index: int, unit: int, source: int, value: float) -> Scenario:
    """Return `s` with the weight from `source` (an input feature or a unit of the previous
    layer) into `unit` of layer `layer_index` set to `value` (a finite number).

    Before any training step (state None or step 0) the change is also the new starting point:
    a Reset keeps it.
    """
    layers = _explicit_layers(s)
    _check_index(layer_index, len(layers), "layer", "the network")
    weights, biases = layers[layer_index]
    _check_index(unit, len(weights), "unit", f"layer {layer_index}")
    _check_index(source, len(weights[unit]), "input", f"layer {layer_index}")
    value = _check_real(value, "a weight")
    row = weights[unit]
    new_row = (*row[:source], value, *row[source + 1 :])
    weights = (*weights[:unit], new_row, *weights[unit + 1 :])
    return _with_parameters(s, layers, layer_index, weights, biases)


def set_bias(s: Scenario, layer_index: int, unit: int, value: float) -> Scenario:
    """Return `s` with the bias of `unit` of layer `layer_index` set to `value` (finite).

    As `set_weight`, before any training step the change is also the new starting point.
    """
    layers = _explicit_layers(s)
    _check_index(layer_index, len(layers), "layer", "the network")
    weights, biases = layers[layer_index]
    _check_index(unit, len(biases), "unit", f"layer {layer_index}")
    value = _check_real(value, "a bias")
    biases = (*biases[:unit], value, *biases[unit + 1 :])
    return _with_parameters(s, layers, layer_index, weights, biases)


# ---------------------------------------------------------------------------------------------
# Reshaping the network while keeping the weights that still fit


class _Plan(NamedTuple):
    """One layer of the edited network: its spec (weights ignored), the index of the old layer
    it continues (None for a new layer), and per new unit the old unit it continues (None:
    new)."""

    spec: LayerSpec
    origin: int | None
    rows: tuple[int | None, ...]


def _keep_all(s: Scenario) -> list[_Plan]:
    """Return the plan that keeps every layer and unit of `s` as it is."""
    return [
        _Plan(layer, index, tuple(range(layer.units)))
        for index, layer in enumerate(s.network.layers)
    ]


def _reshape(
    s: Scenario,
    plan: list[_Plan],
    inputs: tuple[str, ...] | None = None,
    input_map: tuple[int | None, ...] | None = None,
) -> Scenario:
    """Return `s` with the network described by `plan` (and `inputs`, whose entries continue
    the old inputs given by `input_map`).

    A weight is kept when its unit and its source both continue old ones of the same pair of
    layers; where a layer's source layer is new or different (a layer was inserted or removed
    before it), the overlapping block (min rows × min columns) is kept by position. Everything
    else is drawn. The saved optimizer state no longer fits and is dropped; a Reset now returns
    to the new weights.
    """
    old = _explicit_layers(s)
    if inputs is None:
        inputs = s.network.inputs
        input_map = tuple(range(len(inputs)))
    sizes = [len(inputs), *(p.spec.units for p in plan)]
    count = sum(units * (fan_in + 1) for fan_in, units in pairwise(sizes))
    if count > MAX_PARAMETERS:
        raise ValueError(
            f"that network would have {count:,} parameters; at most {MAX_PARAMETERS:,} are allowed"
        )
    init = s.network.initialization
    # The inputs act as layer -1, so that the first layer keeps its columns by input_map.
    previous_origin: int | None = -1
    previous_rows: tuple[int | None, ...] = input_map
    layers = []
    for index, (spec, origin, rows) in enumerate(plan):
        fan_in = len(previous_rows)
        if origin is None:
            source = None
            cols: tuple[int | None, ...] = (None,) * fan_in
        else:
            source = old[origin]
            if previous_origin is not None and origin - 1 == previous_origin:
                cols = previous_rows
            else:
                old_fan_in = len(source[0][0])
                cols = tuple(k if k < old_fan_in else None for k in range(fan_in))
        weights, biases = _fit(source, rows, cols, init, index)
        layers.append(replace(spec, weights=weights, biases=biases))
        previous_origin, previous_rows = origin, rows
    network = replace(s.network, inputs=tuple(inputs), layers=tuple(layers))
    state = s.state
    if state is not None:
        state = replace(
            state,
            optimizer=None,
            initial_layers=tuple(LayerParams(layer.weights, layer.biases) for layer in layers),
        )
    return replace(s, network=network, state=state)


def _fit(
    source: tuple[Matrix, Vector] | None,
    rows: tuple[int | None, ...],
    cols: tuple[int | None, ...],
    init: InitSpec,
    index: int,
) -> tuple[Matrix, Vector]:
    """Return one layer's (weights, biases): entry [j][k] is source weight [rows[j]][cols[k]]
    where both exist (the same float object), else a value drawn for layer `index`."""
    units, fan_in = len(rows), len(cols)
    fresh_weights: list[list[float]] | None = None
    fresh_biases: list[float] | None = None
    if source is None or None in rows or None in cols:
        fresh_weights, fresh_biases = _draw(init, index, units, fan_in)
    weights = []
    biases = []
    for j, r in enumerate(rows):
        if r is None:
            weights.append(tuple(fresh_weights[j]))
            biases.append(fresh_biases[j])
            continue
        old_row = source[0][r]
        weights.append(
            tuple(old_row[c] if c is not None else fresh_weights[j][k] for k, c in enumerate(cols))
        )
        biases.append(source[1][r])
    return tuple(weights), tuple(biases)


def _draw(init: InitSpec, index: int, units: int, fan_in: int) -> tuple[list, list]:
    """Return weights [units][fan_in] and biases [units] drawn as `Network.initialize` draws a
    layer of that shape, from a generator seeded by the init seed, the layer index and shape
    (the same edit gives the same numbers)."""
    rng = np.random.default_rng([init.seed, _EDIT_SALT, index, units, fan_in])
    layer = Network(fan_in, [units], ["linear"])
    layer.initialize(init.scheme, rng)
    return layer.weights[0].tolist(), layer.biases[0].tolist()


def _explicit_layers(s: Scenario) -> list[tuple[Matrix, Vector]]:
    """Return every layer's (weights, biases) as the Simulation would build them: the explicit
    ones, and those left out drawn from the initialisation as `Network.initialize` does."""
    layers = s.network.layers
    if all(layer.weights is not None and layer.biases is not None for layer in layers):
        return [(layer.weights, layer.biases) for layer in layers]
    spec = s.network
    network = Network(
        len(spec.inputs), [layer.units for layer in layers], [layer.activation for layer in layers]
    )
    network.initialize(spec.initialization.scheme, np.random.default_rng(spec.initialization.seed))
    result = []
    for layer, weights, biases in zip(layers, network.weights, network.biases, strict=True):
        result.append(
            (
                layer.weights
                if layer.weights is not None
                else tuple(tuple(row) for row in weights.tolist()),
                layer.biases if layer.biases is not None else tuple(biases.tolist()),
            )
        )
    return result


def _with_parameters(
    s: Scenario,
    layers: list[tuple[Matrix, Vector]],
    layer_index: int,
    weights: Matrix,
    biases: Vector,
) -> Scenario:
    """Return `s` with all layers' parameters explicit and layer `layer_index`'s replaced."""
    params = list(layers)
    params[layer_index] = (weights, biases)
    specs = tuple(
        replace(layer, weights=w, biases=b)
        for layer, (w, b) in zip(s.network.layers, params, strict=True)
    )
    state = s.state
    if state is not None and state.step == 0:
        # Nothing has been trained yet, so the hand-set value is where training starts from.
        state = replace(state, initial_layers=tuple(LayerParams(w, b) for w, b in params))
    return replace(s, network=replace(s.network, layers=specs), state=state)


def _with_layer(s: Scenario, index: int, layer: LayerSpec) -> Scenario:
    layers = s.network.layers
    return replace(
        s, network=replace(s.network, layers=(*layers[:index], layer, *layers[index + 1 :]))
    )


# ---------------------------------------------------------------------------------------------
# Pairing the output layer, the loss and the data


def _loss_for_output(activation: str, loss: str) -> str:
    """Return the loss to use with a new output `activation`, given the current `loss`."""
    if activation == "softmax":
        return "cross_entropy"
    if activation == "sigmoid":
        return "bce" if loss == "cross_entropy" else loss
    return "mse" if loss in _CLASSIFICATION_LOSSES else loss


def _output_for_loss(loss: str, activation: str) -> str:
    """Return the output activation to use with a new `loss`, given the current `activation`."""
    if loss == "bce":
        return "sigmoid"
    if loss == "cross_entropy":
        return "softmax"
    return "sigmoid" if activation == "softmax" else activation


def _keep_classification(before: Scenario, after: Scenario) -> Scenario:
    """Return `after`, with the task pinned to classification if it was so in `before` and
    would now be derived as regression only because the loss or the data form changed.

    Inline and CSV data cannot tell their task themselves: without this, trying mse on a
    classification set would silently turn it into a regression task. Generated data can.
    """
    if (
        after.training.task is None
        and not isinstance(after.data, GeneratorData)
        and derived_task(before) == "classification"
        and derived_task(after) == "regression"
    ):
        return replace(after, training=replace(after.training, task="classification"))
    return after


def _kind(data: DataSpec) -> str | None:
    """Return "classification" or "regression" for generated data, None for other data."""
    if not isinstance(data, GeneratorData):
        return None
    return data.generated_task


def _check_output_units(s: Scenario, units: int) -> None:
    data = s.data
    if not isinstance(data, GeneratorData):
        raise ValueError(
            f"the output layer has one unit per target value of the {data.kind} data; "
            "its size cannot be changed"
        )
    regression = data.generated_task == "regression"
    if regression and units != 1:
        raise ValueError(f"{data.generator} data has one target, so the output layer needs 1 unit")
    if not regression and units > 2:
        raise ValueError(
            f"{data.generator} data has 2 classes, so the output layer needs 1 or 2 units"
        )
    if units < 2 and s.network.layers[-1].activation == "softmax":
        raise ValueError("softmax needs at least two output units")


def _fit_to_generator(s: Scenario, data: GeneratorData) -> Scenario:
    """Return `s` with its output layer, loss and task made to suit the generated `data`."""
    regression = data.generated_task == "regression"
    output = s.network.layers[-1]
    loss = s.training.loss
    activation = output.activation
    if regression:
        units = 1
        if loss in _CLASSIFICATION_LOSSES:
            activation, loss = "linear", "mse"
    else:
        units = min(output.units, 2)
        if activation == "linear":
            activation, loss = "sigmoid", "bce"
    if units != output.units:
        plan = _keep_all(s)
        spec, origin, rows = plan[-1]
        plan[-1] = _Plan(replace(spec, units=units), origin, rows[:units])
        s = _reshape(s, plan)
    last = len(s.network.layers) - 1
    s = _with_layer(s, last, replace(s.network.layers[-1], activation=activation))
    task = s.training.task
    if task is not None and (task == "regression") != regression:
        task = None  # contradicted by the new data: derive it again
    return replace(s, training=replace(s.training, loss=loss, task=task))


# ---------------------------------------------------------------------------------------------
# State and data helpers


def remeasure_scaling(before: Scenario, after: Scenario) -> Scenario:
    """Return `after` ready to be built once an edit turned `before` into it: when the data
    changed (another split, seed, noise, added or removed points), the scaling statistics its
    state kept were measured on the old training rows, so they are dropped and the new
    training rows are measured when it is built. Any other change keeps them, so a file saved
    after it holds the very same numbers."""
    state = after.state
    if state is None or state.scaling is None or after.data == before.data:
        return after
    return replace(after, state=replace(state, scaling=None))


def _restart_epoch(s: Scenario) -> Scenario:
    """Return `s` with the training position at the start of the current epoch.

    The shuffle state in the file is the RNG state at the epoch's start, so it stays valid.
    """
    state = s.state
    if state is None or state.batch_in_epoch == 0:
        return s
    return replace(s, state=replace(state, batch_in_epoch=0))


def _require_inline(s: Scenario) -> InlineData:
    if not isinstance(s.data, InlineData):
        raise ValueError(f"the data is {s.data.kind} data; points can be changed in inline data")
    return s.data


def _without(rows: Matrix, index: int) -> Matrix:
    return (*rows[:index], *rows[index + 1 :])


def _inline(
    train_inputs: Any,
    train_targets: Any,
    test_inputs: Any,
    test_targets: Any,
    columns: Any,
    *,
    outputs: int,
) -> InlineData:
    """Return InlineData of plain float tuples after checking the shapes against each other and
    against `outputs` target values per row; raises ValueError naming the first problem."""
    parts = {}
    for part, inputs, targets in (
        ("training", train_inputs, train_targets),
        ("test", test_inputs, test_targets),
    ):
        inputs = tuple(_row(row, f"a {part} input row") for row in inputs)
        targets = tuple(_row(row, f"a {part} target row") for row in targets)
        if len(inputs) != len(targets):
            raise ValueError(
                f"{len(inputs)} {part} input rows but {len(targets)} target rows; "
                "one target row per input row"
            )
        parts[part] = (inputs, targets)
    train, test = parts["training"], parts["test"]
    if not train[0]:
        raise ValueError("the training set needs at least one sample")
    if len(train[0]) + len(test[0]) > MAX_SAMPLES:
        raise ValueError(f"at most {MAX_SAMPLES:,} samples are allowed")
    width = len(train[0][0])
    if width == 0:
        raise ValueError("an input row needs at least one value")
    for inputs, targets in (train, test):
        if any(len(row) != width for row in inputs):
            raise ValueError(f"every input row needs {width} values, like the first")
        if any(len(row) != outputs for row in targets):
            raise ValueError(
                f"every target row needs {outputs} values, one per unit of the output layer"
            )
    if columns is not None:
        if isinstance(columns, str) or not all(isinstance(name, str) for name in columns):
            raise ValueError("the column names are a list of texts")
        columns = tuple(columns)
        if len(columns) != width:
            raise ValueError(f"{len(columns)} column names for input rows of {width} values")
        if len(set(columns)) != len(columns):
            raise ValueError("the column names must differ")
    return InlineData(train[0], train[1], test[0], test[1], columns)


def _row(values: Any, what: str) -> tuple[float, ...]:
    if isinstance(values, str):
        raise ValueError(f"{what} is a list of numbers")
    return tuple(_check_real(value, what) for value in values)


# ---------------------------------------------------------------------------------------------
# Argument checks: each raises ValueError with a message for the learner


def _check_index(index: Any, count: int, noun: str, owner: str) -> None:
    if isinstance(index, bool) or not isinstance(index, int | np.integer):
        raise ValueError(f"a {noun} is chosen by a whole number, not {index!r}")
    if not 0 <= index < count:
        plural = noun if count == 1 else noun + "s"
        raise ValueError(
            f"there is no {noun} {index}: {owner} has {count} {plural}, numbered from 0"
        )


def _check_hidden_index(s: Scenario, index: Any) -> None:
    count = len(s.network.layers)
    _check_index(index, count, "layer", "the network")
    if index == count - 1:
        raise ValueError(
            f"layer {index} is the output layer; only hidden layers can be removed or resized "
            "this way"
        )


def _check_dropout(p: Any) -> float:
    return _check_real(p, "the dropout rate", low=0.0, high=1.0, high_open=True)


def _check_units(units: Any) -> int:
    return _check_whole(units, "the number of units", 1, MAX_UNITS)


def _check_hidden_activation(activation: str) -> None:
    _check_choice(activation, ACTIVATIONS, "activation")
    if activation == "softmax":
        raise ValueError("softmax is allowed only on the output layer")


def _check_choice(value: Any, choices: tuple[str, ...], what: str) -> None:
    if value not in choices:
        raise ValueError(f"{value!r} is not a known {what}; choose one of {', '.join(choices)}")


def _check_whole(value: Any, what: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{what} must be a whole number, not {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"at least {low:,}" if high is None else f"from {low:,} to {high:,}"
        raise ValueError(f"{what} must be {bound}, not {value:,}")
    return int(value)


def _check_real(
    value: Any,
    what: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return `value` as a float after checking it is a finite number within the bounds."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{what} must be a number, not {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, not {number}")
    if low is not None and (number < low or (low_open and number == low)):
        relation = "greater than" if low_open else "at least"
        raise ValueError(f"{what} must be {relation} {low:g}, not {number:g}")
    if high is not None and (number > high or (high_open and number == high)):
        relation = "less than" if high_open else "at most"
        raise ValueError(f"{what} must be {relation} {high:g}, not {number:g}")
    return number
