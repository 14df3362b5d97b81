"""Undo and redo of the learner's edits: a bounded history of labelled (text, before, after)
scenarios, and the rule that takes an edit back (or makes it again) on the scenario as it is now.

The rule. An edit's `before` and `after` are whole scenarios, so when nothing has happened since
the edit (no training step, no other change: the scenario now is `after`), undo simply restores
`before`, bit for bit, optimizer state and training position included. When training has moved
the weights since, restoring `before` would also throw that training away, which a learner who
only wants a learning rate or one weight back does not expect. Then undo carries back only the
part the edit changed, onto the scenario as it is now: each weight or bias the edit changed gets
its old value (the others keep their trained values), a setting or the data its old one, and an
edit of the network's shape (layers, neurons, features, initialisation) restores the old network,
shape and the weights that were there, because trained weights of another shape have no place in
it. Redo is the same rule with `before` and `after` swapped.
"""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from itertools import pairwise

import numpy as np

from .edits import _explicit_layers
from .scenario import GeneratorData, InlineData, LayerParams, Scenario

MAX_ENTRIES = 200
# The weights and biases all entries may hold between them (each entry holds two scenarios, each
# with the network's parameters and their starting values). A network near the file format's
# limit of 2 million parameters would otherwise keep gigabytes of floats; the presets' edits fit
# by the hundred. The latest entry is kept whatever it costs.
MAX_STORED_PARAMETERS = 8_000_000


@dataclasses.dataclass(frozen=True)
class Entry:
    """One edit: `text` names it for the menu ("change of the learning rate"); `before` and
    `after` are the scenario just before and just after it (their loss history left out: it is
    the run's, not the edit's, and can be long)."""

    text: str
    before: Scenario
    after: Scenario

    @property
    def cost(self) -> int:
        """The number of weights and biases the entry holds (starting values included)."""
        return 2 * (_parameter_count(self.before) + _parameter_count(self.after))


def _parameter_count(s: Scenario) -> int:
    sizes = [len(s.network.inputs), *(layer.units for layer in s.network.layers)]
    return sum(units * (fan_in + 1) for fan_in, units in pairwise(sizes))


class EditHistory:
    """The edits made, oldest first, and how many of them are in effect (the rest can be
    redone). Holds at most `limit` entries, and entries of at most `budget` parameters between
    them (see Entry.cost); the oldest go first. Knows which point of the
    history was last saved, so that undoing back to it makes the scenario clean again."""

    def __init__(self, limit: int = MAX_ENTRIES, budget: int = MAX_STORED_PARAMETERS) -> None:
        self.limit = limit
        self.budget = budget
        self._entries: list[Entry] = []
        self._done = 0
        self._clean: int | None = 0

    def __len__(self) -> int:
        return len(self._entries)

    def record(self, entry: Entry) -> None:
        """Add `entry` as the latest edit; edits undone before it can no longer be redone."""
        if self._clean is not None and self._clean > self._done:
            self._clean = None  # the saved state was in the redo tail, which goes
        del self._entries[self._done :]
        self._entries.append(entry)
        dropped = max(0, len(self._entries) - self.limit)
        total = sum(kept.cost for kept in self._entries[dropped:])
        while dropped < len(self._entries) - 1 and total > self.budget:
            total -= self._entries[dropped].cost
            dropped += 1
        if dropped:
            del self._entries[:dropped]
            if self._clean is not None:
                self._clean = self._clean - dropped if self._clean >= dropped else None
        self._done = len(self._entries)

    @property
    def can_undo(self) -> bool:
        return self._done > 0

    @property
    def can_redo(self) -> bool:
        return self._done < len(self._entries)

    def undo_entry(self) -> Entry | None:
        """The edit an undo would take back, None when there is none."""
        return self._entries[self._done - 1] if self.can_undo else None

    def redo_entry(self) -> Entry | None:
        """The edit a redo would make again, None when there is none."""
        return self._entries[self._done] if self.can_redo else None

    def undone(self) -> None:
        """The latest edit in effect was taken back (call once the change is applied)."""
        if not self.can_undo:
            raise IndexError("there is no edit to undo")
        self._done -= 1

    def redone(self) -> None:
        """The first undone edit was made again (call once the change is applied)."""
        if not self.can_redo:
            raise IndexError("there is no edit to redo")
        self._done += 1

    def mark_clean(self) -> None:
        """The scenario as it is now was saved (or opened)."""
        self._clean = self._done

    @property
    def is_clean(self) -> bool:
        """Whether the edits in effect are those of the last save."""
        return self._clean == self._done

    def clear(self) -> None:
        """Forget every edit (another scenario was opened); the new one is clean."""
        self._entries.clear()
        self._done = 0
        self._clean = 0


# ---------------------------------------------------------------------------------------------
# Entries and their labels


def make_entry(before: Scenario, after: Scenario) -> Entry | None:
    """Return the Entry of an edit that turned `before` into `after` (both as the worker had
    them, weights and training state included), None when it changed nothing."""
    if _without_history(before) == _without_history(after):
        return None
    text = describe_change(before, after)
    kept_before = before
    if _history(before) == _history(after):
        kept_before = _without_history(before)
    # When the edit cleared the curve (a new initialisation), `before` keeps it to bring back.
    return Entry(text, kept_before, _without_history(after))


def describe_change(before: Scenario, after: Scenario) -> str:
    """Name the change from `before` to `after` for the Edit menu, e.g. "change of w(X1 → h1.1)",
    "adding a point", "removing a layer", "change of the learning rate"."""
    b, a = before, after
    if b.data != a.data:
        return _describe_data(b, a)
    if b.network.inputs != a.network.inputs:
        return "change of the input features"
    units_before = [layer.units for layer in b.network.layers]
    units_after = [layer.units for layer in a.network.layers]
    if len(units_before) != len(units_after):
        return "adding a layer" if len(units_after) > len(units_before) else "removing a layer"
    if units_before != units_after:
        return "adding a neuron" if sum(units_after) > sum(units_before) else "removing a neuron"
    if b.network.initialization != a.network.initialization:
        return "change of the initialization"
    tb, ta = b.training, a.training
    activations_before = [layer.activation for layer in b.network.layers]
    activations_after = [layer.activation for layer in a.network.layers]
    if activations_before != activations_after:
        # The loss and the output activation follow each other where a pair would be invalid.
        both = tb.loss != ta.loss
        return "change of the output activation and loss" if both else "change of the activation"
    if [layer.dropout for layer in b.network.layers] != [
        layer.dropout for layer in a.network.layers
    ]:
        return "change of the dropout"
    if tb.loss != ta.loss:
        return "change of the loss"
    if tb.optimizer.name != ta.optimizer.name:
        return "change of the optimizer"
    if tb.optimizer.learning_rate != ta.optimizer.learning_rate:
        return "change of the learning rate"
    if tb.optimizer.momentum != ta.optimizer.momentum:
        return "change of the momentum"
    if tb.optimizer != ta.optimizer:
        return "change of the optimizer's settings"
    if tb.regularization.kind != ta.regularization.kind:
        return "change of the regularization"
    if tb.regularization != ta.regularization:
        return "change of the regularization rate"
    if tb.batch_size != ta.batch_size:
        return "change of the batch size"
    if tb.schedule != ta.schedule:
        return "change of the learning-rate schedule"
    if tb != ta:
        return "change of the training settings"
    changed = _changed_parameters(b, a)
    if len(changed) == 1:
        return f"change of {_parameter_name(a, *changed[0])}"
    if changed:
        return f"change of {len(changed)} weights and biases"
    return "change of the scenario"


def _describe_data(before: Scenario, after: Scenario) -> str:
    b, a = before.data, after.data
    if isinstance(b, InlineData | GeneratorData) and isinstance(a, InlineData):
        count_before = len(b.train_inputs) if isinstance(b, InlineData) else None
        count_after = len(a.train_inputs)
        # Generated data turns into inline data with the first point added.
        if count_before is None or (
            count_after == count_before + 1 and a.train_inputs[:-1] == b.train_inputs
        ):
            return "adding a point"
        if count_before is not None and count_after == count_before - 1:
            return "removing a point"
    if isinstance(b, GeneratorData) and isinstance(a, GeneratorData):
        if b.generator != a.generator:
            return "change of the data set"
        if (b.expression, b.task) != (a.expression, a.task):
            return "change of the function"
        if b.noise != a.noise:
            return "change of the noise"
        if b.samples != a.samples:
            return "change of the number of samples"
        if b.train_fraction != a.train_fraction:
            return "change of the training share"
        if b.seed != a.seed:
            return "new data"
    return "change of the data"


def _changed_parameters(before: Scenario, after: Scenario) -> list[tuple[int, int, int | None]]:
    """(layer, unit, source) of each weight and (layer, unit, None) of each bias that differs
    (compared bit for bit, so -0.0 and 0.0 differ); the shapes must match."""
    changed: list[tuple[int, int, int | None]] = []
    for index, ((wb, bb), (wa, ba)) in enumerate(
        zip(_explicit_layers(before), _explicit_layers(after), strict=True)
    ):
        for unit, source in np.argwhere(_bits(wb) != _bits(wa)).tolist():
            changed.append((index, unit, source))
        changed.extend((index, unit, None) for unit in np.flatnonzero(_bits(bb) != _bits(ba)))
    return changed


def _parameter_name(s: Scenario, layer: int, unit: int, source: int | None) -> str:
    """ "w(X1 → h1.1)" for the weight from input X1 into unit 1 of hidden layer 1, "b(out.1)"
    for the bias of the first output unit; units counted from 1, as the canvas does."""
    target = _unit_name(s, layer, unit)
    if source is None:
        return f"b({target})"
    origin = s.network.inputs[source] if layer == 0 else _unit_name(s, layer - 1, source)
    return f"w({origin} → {target})"


def _unit_name(s: Scenario, layer: int, unit: int) -> str:
    if layer == len(s.network.layers) - 1:
        return f"out.{unit + 1}"
    return f"h{layer + 1}.{unit + 1}"


def _bits(values) -> np.ndarray:
    """The float64 bit patterns of `values` (a matrix or a vector of floats), to compare exactly:
    NumPy does it at C speed even for a network of millions of weights."""
    return np.asarray(values, dtype=np.float64).view(np.int64)


# ---------------------------------------------------------------------------------------------
# Undo and redo as edits


def take_back(current: Scenario, entry: Entry) -> Scenario:
    """Return `current` with `entry`'s edit taken back (see the module's docstring)."""
    return _move(current, entry.before, entry.after)


def make_again(current: Scenario, entry: Entry) -> Scenario:
    """Return `current` with `entry`'s edit made again, after it was taken back."""
    return _move(current, entry.after, entry.before)


def _move(current: Scenario, target: Scenario, origin: Scenario) -> Scenario:
    """Go from `origin` to `target`: wholesale when `current` is still `origin`, else carrying
    the parts in which `target` differs from `origin` onto `current`."""
    if _same_run(current, origin):
        state = target.state
        if state is not None and not state.history and current.state is not None:
            state = replace(state, history=current.state.history)
        return replace(target, state=state, source_path=current.source_path)
    return _carry(current, target, origin)


def _same_run(current: Scenario, origin: Scenario) -> bool:
    """Whether nothing happened between `origin` and `current`: same settings, data, weights
    (bit for bit) and training position."""
    return _without_history(current) == _without_history(origin) and all(
        np.array_equal(_bits(w_now), _bits(w_then)) and np.array_equal(_bits(b_now), _bits(b_then))
        for (w_now, b_now), (w_then, b_then) in zip(
            _explicit_layers(current), _explicit_layers(origin), strict=True
        )
    )


def _shape(s: Scenario) -> tuple:
    return (s.network.inputs, tuple(layer.units for layer in s.network.layers))


def _carry(current: Scenario, target: Scenario, origin: Scenario) -> Scenario:
    """Return `current` with each part in which `target` differs from `origin` taken from
    `target`: the data, the training settings, the network (whole when its shape or its
    initialisation differs, else each activation and each changed weight and bias)."""
    result = current
    restart_epoch = False
    if target.data != origin.data:
        result = replace(result, data=target.data)
        restart_epoch = True
    if target.training != origin.training:
        result = replace(result, training=target.training)
        restart_epoch |= target.training.batch_size != current.training.batch_size
    reshaped = _shape(target) != _shape(origin) or (
        target.network.initialization != origin.network.initialization
    )
    if reshaped or _shape(current) != _shape(origin):
        result = replace(result, network=target.network)
        state = result.state
        if state is not None:
            # The saved optimizer moments belong to the other shape; Reset goes to these weights.
            layers = _explicit_layers(result)
            state = replace(
                state,
                optimizer=None,
                initial_layers=tuple(LayerParams(w, b) for w, b in layers),
            )
            result = replace(result, state=state)
    else:
        result = _carry_layers(result, target, origin)
    state = result.state
    if target.training.optimizer.name != current.training.optimizer.name and state is not None:
        result = replace(result, state=replace(state, optimizer=None))
    if restart_epoch and result.state is not None and result.state.batch_in_epoch:
        result = replace(result, state=replace(result.state, batch_in_epoch=0))
    return result


def _carry_layers(current: Scenario, target: Scenario, origin: Scenario) -> Scenario:
    """`current` with each layer's activation and each weight and bias in which `target`
    differs from `origin` taken from `target`; the shapes of all three match."""
    now = _explicit_layers(current)
    layers = []
    for spec, (w_now, b_now), (w_target, b_target), (w_origin, b_origin), t, o in zip(
        current.network.layers,
        now,
        _explicit_layers(target),
        _explicit_layers(origin),
        target.network.layers,
        origin.network.layers,
        strict=True,
    ):
        weights = _pick(w_target, w_origin, w_now)
        biases = _pick(b_target, b_origin, b_now)
        activation = t.activation if t.activation != o.activation else spec.activation
        layers.append(replace(spec, activation=activation, weights=weights, biases=biases))
    return replace(current, network=replace(current.network, layers=tuple(layers)))


def _pick(target, origin, now) -> tuple:
    """`now` (a matrix or vector of floats, as nested tuples) with each value in which `target`
    differs from `origin` (bit for bit) taken from `target`."""
    values = np.where(_bits(target) != _bits(origin), _bits(target), _bits(now)).view(np.float64)
    if values.ndim == 1:
        return tuple(values.tolist())
    return tuple(tuple(row) for row in values.tolist())


def _history(s: Scenario) -> dict:
    return s.state.history if s.state is not None else {}


def _without_history(s: Scenario) -> Scenario:
    if s.state is None or not s.state.history:
        return s
    return replace(s, state=replace(s.state, history={}))
