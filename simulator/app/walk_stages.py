"""The stages of a step-through and what each puts on the canvas, built from one StepTrace.

Nothing here computes a value of the network: every number shown is read from the trace of the
step the engine took.

Columns number the canvas from the left: column 0 holds the inputs, column c ≥ 1 the neurons of
trace.layers[c − 1]. A neuron is (column, index); an edge (column, neuron, source) runs from
neuron `source` of column − 1 into neuron `neuron` of `column`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..engine.scaling import Scaling
from ..engine.trace import ForwardTrace, StepTrace
from ..engine.trainer import predicted_classes
from .walk_texts import STAGE_TITLES

GRANULARITIES = ("layer", "neuron")
STAGE_KINDS = ("input", "forward", "loss", "backward", "update")
# Wider columns show numbers for the focused neuron and its edges only: more would not be read.
MAX_LABELLED_NEURONS = 16
# Edge numbers for every edge between two columns only up to this many edges.
MAX_LABELLED_EDGES = 16
DEFAULT_DIGITS = 4


@dataclass(frozen=True)
class Stage:
    """One stop of the walk: `kind` one of STAGE_KINDS; `column` the canvas column it works on
    (forward and backward), `neuron` the single neuron in neuron granularity (forward only)."""

    kind: str
    column: int | None = None
    neuron: int | None = None


@dataclass(frozen=True)
class RawInputs:
    """The raw values behind a walk's inputs, for the input stage to show how they were scaled:
    `names` the data's columns (d), `values` (n, d) one row per row of the trace's batch, taken
    from the data (or as the learner typed them), and `scaling` the data's own Scaling."""

    names: tuple[str, ...]
    values: np.ndarray
    scaling: Scaling


def forward_only(trace: StepTrace | ForwardTrace) -> bool:
    """Whether `trace` is a forward pass alone (an input asked about, without a target)."""
    return trace.targets is None


@dataclass(frozen=True)
class Focus:
    """What the calculation panel explains: a neuron (source None) or an edge."""

    column: int
    neuron: int
    source: int | None = None

    @property
    def is_edge(self) -> bool:
        return self.source is not None


@dataclass(frozen=True)
class Annotations:
    """What the canvas shows at a stage: text beside neurons and on edges, the neurons and edges
    lit, whether the flow runs right to left, and edges whose value changed in the update."""

    neuron_text: dict[tuple[int, int], str]
    edge_text: dict[tuple[int, int, int], str]
    lit_neurons: frozenset[tuple[int, int]]
    lit_edges: frozenset[tuple[int, int, int]]
    backward: bool
    changed_edges: frozenset[tuple[int, int, int]] = frozenset()
    locked_edges: frozenset[tuple[int, int, int]] = frozenset()
    # Neurons dropout switched off in this step for the shown sample, once the forward pass has
    # reached them (the mask holds for the rest of the step: backward and update too).
    dropped_neurons: frozenset[tuple[int, int]] = frozenset()


# ---------------------------------------------------------------------------------------------
# Numbers as text


def number(value: float, digits: int = DEFAULT_DIGITS) -> str:
    """`digits` significant digits, a true minus sign, never −0."""
    text = f"{float(value) + 0.0:.{digits}g}"  # + 0.0 turns −0.0 into 0.0
    return text.replace("-", "−")


def factor(value: float, digits: int = DEFAULT_DIGITS) -> str:
    """A number that follows × or −: negative ones in parentheses."""
    text = number(value, digits)
    return f"({text})" if text.startswith("−") else text


def signed_sum(terms: list[str]) -> str:
    """Join terms with + and −, folding a term's own minus sign into the operator."""
    text = terms[0]
    for term in terms[1:]:
        text += f" − {term[1:]}" if term.startswith("−") else f" + {term}"
    return text


# ---------------------------------------------------------------------------------------------
# Stages


def stages(trace: StepTrace | ForwardTrace, granularity: str = "layer") -> list[Stage]:
    """Return the walk's stages in order: input, forward (per layer or per neuron), loss,
    backward from the output layer to the first, update. A forward pass alone (no target) has
    the input and forward stages only: without a target there is no loss and no update."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}")
    count = len(trace.layers)
    walk = [Stage("input")]
    for column in range(1, count + 1):
        units = trace.layers[column - 1].z.shape[1]
        if granularity == "neuron":
            walk += [Stage("forward", column, j) for j in range(units)]
        else:
            walk.append(Stage("forward", column))
    if forward_only(trace):
        return walk
    walk.append(Stage("loss"))
    walk += [Stage("backward", column) for column in range(count, 0, -1)]
    walk.append(Stage("update"))
    return walk


def stage_title(stage: Stage, trace: StepTrace | ForwardTrace) -> str:
    layer = "" if stage.column is None else layer_name(stage.column, len(trace.layers))
    neuron = "" if stage.neuron is None else f", neuron {stage.neuron + 1}"
    return STAGE_TITLES[stage.kind].format(layer=layer, neuron=neuron)


def default_focus(stage: Stage, trace: StepTrace) -> Focus:
    """The item a stage explains before the user picks one: the stage's own neuron, else the
    first neuron of the stage's layer (of the output layer for loss and update), so that every
    stage opens where a reader starts reading, whatever the numbers."""
    if stage.kind == "input":
        return Focus(0, 0)
    if stage.kind in ("loss", "update"):
        return Focus(len(trace.layers), 0)
    return Focus(stage.column, 0 if stage.neuron is None else stage.neuron)


# ---------------------------------------------------------------------------------------------
# The canvas's numbers


def annotations(
    trace: StepTrace | ForwardTrace,
    stage: Stage,
    focus: Focus,
    sample: int = 0,
    digits: int = DEFAULT_DIGITS,
    class_names: tuple[str, ...] | None = None,
) -> Annotations:
    """Return what the canvas shows at `stage`: inputs once shown stay shown, z and a stay beside
    neurons the forward pass has reached, δ beside those the backward pass has reached. A
    forward pass alone ends on its answer beside the output neuron, named from `class_names`
    when given."""
    layers = trace.layers
    count = len(layers)
    n = lambda v: number(v, digits)  # noqa: E731 - a local shorthand keeps lines readable
    neuron_text: dict[tuple[int, int], str] = {}
    edge_text: dict[tuple[int, int, int], str] = {}
    lit_neurons: set[tuple[int, int]] = set()
    lit_edges: set[tuple[int, int, int]] = set()
    changed: set[tuple[int, int, int]] = set()
    locked: set[tuple[int, int, int]] = set()
    dropped: set[tuple[int, int]] = set()
    order = [(s.kind, s.column, s.neuron) for s in stages(trace, "neuron")]
    position = _position(stage, order)

    for i, value in enumerate(trace.inputs[sample]):
        if _labelled(0, i, trace, focus):
            neuron_text[(0, i)] = n(value)
    if stage.kind == "input":
        lit_neurons.update((0, i) for i in range(trace.inputs.shape[1]))

    for column in range(1, count + 1):
        layer = layers[column - 1]
        for j in range(layer.z.shape[1]):
            reached = position > order.index(("forward", column, j))
            current = stage.kind == "forward" and stage.column == column
            current = current and (stage.neuron is None or stage.neuron == j)
            if not (reached or current):
                continue
            if layer.kept is not None and not layer.kept[sample, j]:
                dropped.add((column, j))
            if not _labelled(column, j, trace, focus):
                continue
            neuron_text[(column, j)] = f"z {n(layer.z[sample, j])}\na {n(layer.a[sample, j])}"
            if layer.kept is not None:
                # What the neuron handed on this step: 0 when dropped, else a × 1/(1 − p).
                kept = layer.kept[sample, j]
                neuron_text[(column, j)] += (
                    f"\n×{n(1.0 / (1.0 - layer.dropout))} → {n(layer.output[sample, j])}"
                    if kept
                    else "\ndropped → 0"
                )
            if column == count and forward_only(trace):
                # No loss stage follows to show the answer: the output layer's stage does.
                answer = output_answer(trace, sample, class_names)
                if answer is not None and answer.neuron == j:
                    neuron_text[(column, j)] += f"\nanswer {answer.label}"
            if current:
                lit_neurons.add((column, j))
                lit_edges.update(_incoming(column, j, trace))

    if stage.kind in ("loss", "backward", "update"):
        out = count
        answer = output_answer(trace, sample)
        for j in range(layers[-1].z.shape[1]):
            if _labelled(out, j, trace, focus):
                text = f"ŷ {n(layers[-1].a[sample, j])}\ny {n(trace.targets[sample, j])}"
                if answer is not None and answer.neuron == j:
                    text += f"\nanswer {answer.label}"
                neuron_text[(out, j)] = text
        if stage.kind == "loss":
            lit_neurons.update((out, j) for j in range(layers[-1].z.shape[1]))

    if stage.kind in ("backward", "update"):
        # Going back, each neuron shows its δ alone: the forward numbers have done their part
        # (they stay in the calculation panel), and a deep network has no room for both.
        neuron_text = {key: text for key, text in neuron_text.items() if key[0] == 0}
        last_done = stage.column if stage.kind == "backward" else 1
        for column in range(count, last_done - 1, -1):
            layer = layers[column - 1]
            for j in range(layer.delta.shape[1]):
                if _labelled(column, j, trace, focus):
                    neuron_text[(column, j)] = f"δ {n(layer.delta[sample, j])}"
            if stage.kind == "backward" and column == stage.column:
                lit_neurons.update((column, j) for j in range(layer.delta.shape[1]))
                for edge in _edges(column, trace, focus):
                    _, j, i = edge
                    edge_text[edge] = f"∂L/∂w {n(layer.grad_weights[j, i])}"
                    lit_edges.add(edge)

    if stage.kind == "update":
        for column in range(1, count + 1):
            layer = layers[column - 1]
            for edge in _edges(column, trace, focus):
                _, j, i = edge
                before, after = layer.weights_before[j, i], layer.weights_after[j, i]
                edge_text[edge] = f"{n(before)} → {n(after)}"
                if layer.weights_frozen:
                    locked.add(edge)
                elif after != before:
                    changed.add(edge)
            for j in range(layer.biases_before.shape[0]):
                if not _labelled(column, j, trace, focus):
                    continue
                before, after = layer.biases_before[j], layer.biases_after[j]
                lock = " (locked)" if layer.biases_frozen else ""
                neuron_text[(column, j)] = f"b {n(before)} → {n(after)}{lock}"
        lit_edges.update(changed)

    return Annotations(
        neuron_text=neuron_text,
        edge_text=edge_text,
        lit_neurons=frozenset(lit_neurons),
        lit_edges=frozenset(lit_edges),
        backward=stage.kind == "backward",
        changed_edges=frozenset(changed),
        locked_edges=frozenset(locked),
        dropped_neurons=frozenset(dropped),
    )


class Answer(NamedTuple):
    """The answer the network gives for one sample: `label` as the learner reads it (0 or 1 for
    one output, "class k" for several, counted from 0 as the data's classes are), shown beside
    output neuron `neuron`."""

    neuron: int
    label: str


def output_answer(
    trace: StepTrace | ForwardTrace, sample: int, class_names: tuple[str, ...] | None = None
) -> Answer | None:
    """How the output becomes an answer, as the engine's accuracy reads it
    (trainer.predicted_classes): one sigmoid output says 1 when ŷ > 0.5, else 0; several
    sigmoid or softmax outputs name the largest (argmax). None for linear and tanh outputs,
    which are not read as classes here. With `class_names` the answer is the class's name."""
    activation = trace.activation_names[-1]
    if activation not in ("sigmoid", "softmax"):
        return None
    outputs = trace.layers[-1].a[sample : sample + 1]
    chosen = int(predicted_classes(outputs, activation)[0])
    if class_names is not None and chosen < len(class_names):
        return Answer(0 if outputs.shape[1] == 1 else chosen, class_names[chosen])
    if outputs.shape[1] == 1:
        return Answer(0, str(chosen))
    return Answer(chosen, f"class {chosen}")


def _position(stage: Stage, order: list[tuple]) -> int:
    """Where `stage` stands in the neuron-granularity walk (a layer stage at its first neuron)."""
    if stage.kind == "forward" and stage.neuron is None:
        return order.index(("forward", stage.column, 0))
    if stage.kind == "forward":
        return order.index(("forward", stage.column, stage.neuron))
    return order.index((stage.kind, stage.column, None))


def width(column: int, trace: StepTrace) -> int:
    return trace.inputs.shape[1] if column == 0 else trace.layers[column - 1].z.shape[1]


def _labelled(column: int, neuron: int, trace: StepTrace, focus: Focus) -> bool:
    """Numbers for every neuron of a narrow column; for a wide one, the focused neuron only."""
    if width(column, trace) <= MAX_LABELLED_NEURONS:
        return True
    return (column, neuron) == (focus.column, focus.neuron) or (
        focus.is_edge and (column, neuron) == (focus.column - 1, focus.source)
    )


def _incoming(column: int, neuron: int, trace: StepTrace) -> list[tuple[int, int, int]]:
    return [(column, neuron, i) for i in range(width(column - 1, trace))]


def _edges(column: int, trace: StepTrace, focus: Focus) -> list[tuple[int, int, int]]:
    """Edges into `column` that get a number: all when few, else those of the focused neuron."""
    units, fan_in = width(column, trace), width(column - 1, trace)
    if units * fan_in <= MAX_LABELLED_EDGES:
        return [(column, j, i) for j in range(units) for i in range(fan_in)]
    if focus.column == column:
        return _incoming(column, focus.neuron, trace)
    if focus.column == column - 1 and not focus.is_edge:
        return [(column, j, focus.neuron) for j in range(units)]
    return []


# ---------------------------------------------------------------------------------------------
# Names of the canvas's items


def neuron_name(column: int, neuron: int, count: int, names: list[str]) -> str:
    if column == 0:
        return names[neuron]
    if column == count:
        return f"output {neuron + 1}" if count else "output"
    return f"h{column}.{neuron + 1}"


def layer_name(column: int, count: int) -> str:
    return "output layer" if column == count else f"hidden layer {column}"
