"""The step-through of one training step: its stages, the numbers each stage puts on the canvas,
and the calculation behind any neuron or edge, written out with the trace's own numbers.

Nothing here computes a value of the network: every number shown is read from the StepTrace of the
step the engine took. Formulas are text with those numbers put in.

Columns number the canvas from the left: column 0 holds the inputs, column c ≥ 1 the neurons of
trace.layers[c − 1]. A neuron is (column, index); an edge (column, neuron, source) runs from
neuron `source` of column − 1 into neuron `neuron` of `column`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine import losses
from ..engine.trace import StepTrace

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
class Focus:
    """What the calculation panel explains: a neuron (source None) or an edge."""

    column: int
    neuron: int
    source: int | None = None

    @property
    def is_edge(self) -> bool:
        return self.source is not None


@dataclass(frozen=True)
class Line:
    """One line of a calculation: `text` with numbers at the chosen precision; `value` the
    line's result at full precision (None for lines without one), `name` what it is."""

    name: str
    text: str
    value: float | None = None


@dataclass(frozen=True)
class Calculation:
    title: str
    lines: tuple[Line, ...]
    explanation: str


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


def stages(trace: StepTrace, granularity: str = "layer") -> list[Stage]:
    """Return the walk's stages in order: input, forward (per layer or per neuron), loss,
    backward from the output layer to the first, update."""
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
    walk.append(Stage("loss"))
    walk += [Stage("backward", column) for column in range(count, 0, -1)]
    walk.append(Stage("update"))
    return walk


def stage_title(stage: Stage, trace: StepTrace) -> str:
    count = len(trace.layers)
    if stage.kind == "input":
        return "1 · Inputs"
    if stage.kind == "loss":
        return "3 · Loss"
    if stage.kind == "update":
        return "5 · Update"
    role = _layer_name(stage.column, count)
    if stage.kind == "forward":
        suffix = "" if stage.neuron is None else f", neuron {stage.neuron + 1}"
        return f"2 · Forward: {role}{suffix}"
    return f"4 · Backward: {role}"


def default_focus(stage: Stage, trace: StepTrace, sample: int = 0) -> Focus:
    """The item a stage explains before the user picks one: the active neuron, or for a whole
    layer its most active neuron (forward) or the one with the largest |δ| (backward)."""
    count = len(trace.layers)
    if stage.kind == "input":
        return Focus(0, 0)
    if stage.kind in ("loss", "update"):
        return Focus(count, 0)
    if stage.neuron is not None:
        return Focus(stage.column, stage.neuron)
    layer = trace.layers[stage.column - 1]
    values = layer.a[sample] if stage.kind == "forward" else layer.delta[sample]
    return Focus(stage.column, int(np.argmax(np.abs(values))))


# ---------------------------------------------------------------------------------------------
# The canvas's numbers


def annotations(
    trace: StepTrace, stage: Stage, focus: Focus, sample: int = 0, digits: int = DEFAULT_DIGITS
) -> Annotations:
    """Return what the canvas shows at `stage`: inputs once shown stay shown, z and a stay beside
    neurons the forward pass has reached, δ beside those the backward pass has reached."""
    layers = trace.layers
    count = len(layers)
    n = lambda v: number(v, digits)  # noqa: E731 - a local shorthand keeps lines readable
    neuron_text: dict[tuple[int, int], str] = {}
    edge_text: dict[tuple[int, int, int], str] = {}
    lit_neurons: set[tuple[int, int]] = set()
    lit_edges: set[tuple[int, int, int]] = set()
    changed: set[tuple[int, int, int]] = set()
    locked: set[tuple[int, int, int]] = set()
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
            if not (reached or current) or not _labelled(column, j, trace, focus):
                continue
            neuron_text[(column, j)] = f"z {n(layer.z[sample, j])}\na {n(layer.a[sample, j])}"
            if current:
                lit_neurons.add((column, j))
                lit_edges.update(_incoming(column, j, trace))

    if stage.kind in ("loss", "backward", "update"):
        out = count
        for j in range(layers[-1].z.shape[1]):
            if _labelled(out, j, trace, focus):
                text = f"ŷ {n(layers[-1].a[sample, j])}\ny {n(trace.targets[sample, j])}"
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
    )


def _position(stage: Stage, order: list[tuple]) -> int:
    """Where `stage` stands in the neuron-granularity walk (a layer stage at its first neuron)."""
    if stage.kind == "forward" and stage.neuron is None:
        return order.index(("forward", stage.column, 0))
    if stage.kind == "forward":
        return order.index(("forward", stage.column, stage.neuron))
    return order.index((stage.kind, stage.column, None))


def _width(column: int, trace: StepTrace) -> int:
    return trace.inputs.shape[1] if column == 0 else trace.layers[column - 1].z.shape[1]


def _labelled(column: int, neuron: int, trace: StepTrace, focus: Focus) -> bool:
    """Numbers for every neuron of a narrow column; for a wide one, the focused neuron only."""
    if _width(column, trace) <= MAX_LABELLED_NEURONS:
        return True
    return (column, neuron) == (focus.column, focus.neuron) or (
        focus.is_edge and (column, neuron) == (focus.column - 1, focus.source)
    )


def _incoming(column: int, neuron: int, trace: StepTrace) -> list[tuple[int, int, int]]:
    return [(column, neuron, i) for i in range(_width(column - 1, trace))]


def _edges(column: int, trace: StepTrace, focus: Focus) -> list[tuple[int, int, int]]:
    """Edges into `column` that get a number: all when few, else those of the focused neuron."""
    units, fan_in = _width(column, trace), _width(column - 1, trace)
    if units * fan_in <= MAX_LABELLED_EDGES:
        return [(column, j, i) for j in range(units) for i in range(fan_in)]
    if focus.column == column:
        return _incoming(column, focus.neuron, trace)
    if focus.column == column - 1 and not focus.is_edge:
        return [(column, j, focus.neuron) for j in range(units)]
    return []


# ---------------------------------------------------------------------------------------------
# The calculation panel


def calculation(
    trace: StepTrace,
    stage: Stage,
    focus: Focus,
    names: list[str],
    sample: int = 0,
    digits: int = DEFAULT_DIGITS,
) -> Calculation:
    """Return the calculation of `focus` at `stage`, numbers at `digits` significant digits.

    `names` are the input features' names; `sample` the row of the batch shown (the walk of a
    mini-batch shows one sample's forward and backward numbers at a time)."""
    if stage.kind == "input":
        shown = focus if focus.column == 0 else Focus(0, 0)
        return _input_calculation(trace, shown, names, sample, digits)
    if stage.kind == "loss":
        return _loss_calculation(trace, sample, digits)
    if focus.column == 0:
        return _input_calculation(trace, focus, names, sample, digits)
    if stage.kind == "forward":
        return _forward_calculation(trace, focus, names, sample, digits)
    if stage.kind == "backward":
        return _backward_calculation(trace, focus, names, sample, digits)
    return _update_calculation(trace, focus, names, digits)


def neuron_name(column: int, neuron: int, count: int, names: list[str]) -> str:
    if column == 0:
        return names[neuron]
    if column == count:
        return f"output {neuron + 1}" if count else "output"
    return f"h{column}.{neuron + 1}"


def _layer_name(column: int, count: int) -> str:
    return "output layer" if column == count else f"hidden layer {column}"


def _input_calculation(trace, focus, names, sample, digits) -> Calculation:
    i = focus.neuron
    value = float(trace.inputs[sample, i])
    line = Line("input", f"{names[i]} = {number(value, digits)}", value)
    return Calculation(f"Input {names[i]}", (line,), EXPLAIN["input"])


def _below_values(trace: StepTrace, column: int, sample: int) -> np.ndarray:
    return trace.inputs[sample] if column == 1 else trace.layers[column - 2].a[sample]


def _below_names(trace: StepTrace, column: int, names: list[str]) -> list[str]:
    count = len(trace.layers)
    return [neuron_name(column - 1, i, count, names) for i in range(_width(column - 1, trace))]


def _forward_calculation(trace, focus, names, sample, digits) -> Calculation:
    n = lambda v: number(v, digits)  # noqa: E731
    f = lambda v: factor(v, digits)  # noqa: E731
    count = len(trace.layers)
    column, j = focus.column, focus.neuron
    layer = trace.layers[column - 1]
    activation = trace.activation_names[column - 1]
    below = _below_values(trace, column, sample)
    below_names = _below_names(trace, column, names)
    who = neuron_name(column, j, count, names)
    if focus.is_edge:
        i = focus.source
        w = float(layer.weights_before[j, i])
        lines = (
            Line("weight", f"w({below_names[i]} → {who}) = {n(w)}", w),
            Line(
                "carried",
                f"carries into z of {who}: {below_names[i]} = {n(below[i])}",
                float(below[i]),
            ),
        )
        return Calculation(f"Edge {below_names[i]} → {who}", lines, EXPLAIN["forward_edge"])
    terms = [f"{n(w)} × {f(v)}" for w, v in zip(layer.weights_before[j], below, strict=True)]
    terms.append(n(layer.biases_before[j]))
    z = float(layer.z[sample, j])
    a = float(layer.a[sample, j])
    lines = [Line("z", f"z = {signed_sum(terms)} = {n(z)}", z)]
    if activation == "softmax":
        total = float(layer.softmax_sum[sample])
        lines.append(Line("softmax sum", f"Σ = Σ_k e^(z_k − max z) = {n(total)}", total))
        lines.append(Line("a", f"a = e^(z − max z) / Σ = {n(a)}", a))
    else:
        lines.append(Line("a", f"a = {_activation_label(activation)}({n(z)}) = {n(a)}", a))
    explanation = EXPLAIN["forward"] + " " + EXPLAIN_ACTIVATION[activation]
    return Calculation(f"Forward: {who}", tuple(lines), explanation)


def _activation_label(name: str) -> str:
    return {"relu": "ReLU", "leaky_relu": "LeakyReLU", "sigmoid": "σ", "tanh": "tanh"}.get(
        name, name
    )


def _loss_calculation(trace: StepTrace, sample: int, digits: int) -> Calculation:
    n = lambda v: number(v, digits)  # noqa: E731
    f = lambda v: factor(v, digits)  # noqa: E731
    out = trace.layers[-1]
    predicted, target = out.a[sample], trace.targets[sample]
    name = trace.loss_name
    if name == "bce":
        parts = [
            f"{n(y)} × ln {f(p)} + {f(1 - y)} × ln {f(1 - p)}"
            for p, y in zip(predicted, target, strict=True)
        ]
        formula = "L = −[y · ln ŷ + (1 − y) · ln(1 − ŷ)]"
        substituted = " + ".join(f"[{p}]" for p in parts)
        text = f"L = −{substituted}" if len(parts) == 1 else f"L = −({substituted})"
    elif name == "cross_entropy":
        parts = [f"{n(y)} × ln {f(p)}" for p, y in zip(predicted, target, strict=True)]
        formula = "L = −Σ_k y_k · ln ŷ_k"
        text = f"L = −({signed_sum(parts)})"
    else:
        squares = [f"({n(y)} − {f(p)})²" for p, y in zip(predicted, target, strict=True)]
        formula = losses.FORMULAS[name].replace("_ik", "_k").replace("Σ_i ", "")
        scale = "½ · " if name == "half_sse" else ("" if len(squares) == 1 else "mean of ")
        text = f"L = {scale}({' + '.join(squares)})"
    lines = [
        Line("prediction", "ŷ = " + ", ".join(n(v) for v in predicted), None),
        Line("target", "y = " + ", ".join(n(v) for v in target), None),
        Line("formula", formula, None),
    ]
    batch = len(trace.inputs)
    result = f"{text} = {n(trace.loss)}" if batch == 1 else f"batch mean L = {n(trace.loss)}"
    lines.append(Line("loss", result, float(trace.loss)))
    if trace.regularization != "none":
        lines.append(
            Line(
                "penalty",
                f"{trace.regularization.upper()} penalty (rate {n(trace.regularization_rate)}), "
                f"added to the objective: {n(trace.penalty)}",
                float(trace.penalty),
            )
        )
    return Calculation("Loss", tuple(lines), EXPLAIN_LOSS[name])


def _backward_calculation(trace, focus, names, sample, digits) -> Calculation:
    n = lambda v: number(v, digits)  # noqa: E731
    f = lambda v: factor(v, digits)  # noqa: E731
    layers = trace.layers
    count = len(layers)
    column, j = focus.column, focus.neuron
    layer = layers[column - 1]
    who = neuron_name(column, j, count, names)
    batch = len(trace.inputs)
    if focus.is_edge:
        return _gradient_calculation(trace, focus, names, sample, digits)
    delta = float(layer.delta[sample, j])
    if column == count:
        a, y = layer.a[sample, j], trace.targets[sample, j]
        text, explanation = _output_delta(trace, layer, sample, j, a, y, delta, n, f)
    else:
        above = layers[column]
        terms = [
            f"{n(above.weights_before[k, j])} × {f(above.delta[sample, k])}"
            for k in range(above.delta.shape[1])
        ]
        activation = _activation_label(trace.activation_names[column - 1])
        text = f"δ = ({signed_sum(terms)}) · {activation}′({n(layer.z[sample, j])}) = {n(delta)}"
        explanation = EXPLAIN["delta_hidden"]
    lines = [Line("delta", text, delta)]
    bias_grad = float(layer.grad_biases[j])
    if batch == 1:
        lines.append(Line("bias gradient", f"∂L/∂b = δ = {n(bias_grad)}", bias_grad))
    else:
        per_sample = layer.sample_grad_biases
        if per_sample is not None:
            for s in range(batch):
                value = float(per_sample[s, j])
                lines.append(Line(f"sample {s + 1}", f"sample {s + 1}: ∂L/∂b = {n(value)}", value))
        text = f"∂L/∂b = mean of the samples' = Σ over the batch of δ = {n(bias_grad)}"
        lines.append(Line("bias gradient", text, bias_grad))
    return Calculation(f"Backward: {who}", tuple(lines), explanation)


def _output_delta(trace, layer, sample, j, a, y, delta, n, f) -> tuple[str, str]:
    """δ of output neuron j: the loss's slope at ŷ (scaled as the loss averages over the batch
    and the outputs) times the activation's slope, with sample's numbers put in."""
    batch, outputs = trace.targets.shape
    name = trace.loss_name
    # The loss is a mean: over the batch (and, for bce and mse, over the outputs too).
    divisor = batch * outputs if name in ("bce", "mse") else batch
    over = "" if divisor == 1 else f" / {divisor}"
    difference = f"({n(a)} − {f(y)})"
    if name in losses.REQUIRED_OUTPUT:
        if divisor == 1:
            return f"δ = ŷ − y = {n(a)} − {f(y)} = {n(delta)}", EXPLAIN["delta_output_fused"]
        text = f"δ = (ŷ − y){over} = {difference}{over} = {n(delta)}"
        return text, EXPLAIN["delta_output_fused"]
    slope = f"{_activation_label(trace.activation_names[-1])}′({n(layer.z[sample, j])})"
    factor_text = "2 · " if name == "mse" else ""
    rule = f"δ = {factor_text}(ŷ − y){over} · f′(z)"
    text = f"{rule} = {factor_text.replace('·', '×')}{difference}{over} · {slope} = {n(delta)}"
    return text, EXPLAIN["delta_output"]


def _gradient_calculation(trace, focus, names, sample, digits) -> Calculation:
    n = lambda v: number(v, digits)  # noqa: E731
    f = lambda v: factor(v, digits)  # noqa: E731
    count = len(trace.layers)
    column, j, i = focus.column, focus.neuron, focus.source
    layer = trace.layers[column - 1]
    below = _below_values(trace, column, sample)
    below_name = _below_names(trace, column, names)[i]
    who = neuron_name(column, j, count, names)
    batch = len(trace.inputs)
    grad = float(layer.grad_weights[j, i])
    penalty = float(layer.penalty_grad_weights[j, i])
    lines = []
    if batch == 1:
        data_part = f"δ({who}) × a({below_name}) = {n(layer.delta[0, j])} × {f(below[i])}"
    else:
        per_sample = layer.sample_grad_weights
        if per_sample is not None:
            for s in range(batch):
                value = float(per_sample[s, j, i])
                lines.append(Line(f"sample {s + 1}", f"sample {s + 1}: ∂L/∂w = {n(value)}", value))
        data_part = "mean of the samples' gradients"
    if penalty:
        kind = trace.regularization.upper()
        text = f"∂L/∂w = {data_part} + {kind} share {f(penalty)} = {n(grad)}"
    else:
        text = f"∂L/∂w = {data_part} = {n(grad)}"
    lines.append(Line("gradient", text, grad))
    explanation = EXPLAIN["gradient"]
    if penalty:
        explanation += " " + EXPLAIN_PENALTY[trace.regularization]
    if batch > 1:
        explanation += " " + EXPLAIN["batch"]
    return Calculation(f"Gradient of w({below_name} → {who})", tuple(lines), explanation)


def _update_calculation(trace, focus, names, digits) -> Calculation:
    count = len(trace.layers)
    column, j = focus.column, focus.neuron
    layer = trace.layers[column - 1]
    who = neuron_name(column, j, count, names)
    if focus.is_edge:
        i = focus.source
        below_name = _below_names(trace, column, names)[i]
        title = f"Update of w({below_name} → {who})"
        values = (
            layer.weights_before[j, i],
            layer.grad_weights[j, i],
            layer.step_weights[j, i],
            layer.weights_after[j, i],
        )
        state = {key: float(w[j, i]) for key, (w, _) in layer.optimizer_state.items()}
        frozen, symbol = layer.weights_frozen, "w"
    else:
        title = f"Update of the bias of {who}"
        values = (
            layer.biases_before[j],
            layer.grad_biases[j],
            layer.step_biases[j],
            layer.biases_after[j],
        )
        state = {key: float(b[j]) for key, (_, b) in layer.optimizer_state.items()}
        frozen, symbol = layer.biases_frozen, "b"
    lines = update_lines(trace, symbol, *(float(v) for v in values), state, frozen, digits)
    explanation = EXPLAIN["frozen"] if frozen else EXPLAIN_OPTIMIZER[_optimizer_kind(trace)]
    return Calculation(title, tuple(lines), explanation)


def _optimizer_kind(trace: StepTrace) -> str:
    if trace.optimizer_name == "adam":
        return "adam"
    return "momentum" if trace.optimizer_settings.get("momentum") else "sgd"


def update_lines(
    trace: StepTrace,
    symbol: str,
    before: float,
    grad: float,
    step: float,
    after: float,
    state: dict[str, float],
    frozen: bool,
    digits: int = DEFAULT_DIGITS,
) -> list[Line]:
    """The update of one parameter written out for the trace's optimizer."""
    n = lambda v: number(v, digits)  # noqa: E731
    f = lambda v: factor(v, digits)  # noqa: E731
    if frozen:
        return [Line("locked", f"{symbol} = {n(before)} (frozen: locked, not updated)", before)]
    eta = trace.learning_rate
    kind = _optimizer_kind(trace)
    lines = []
    if kind == "sgd":
        rule = f"{symbol} ← {symbol} − η · ∂L/∂{symbol}"
        text = f"{rule} = {n(before)} − {n(eta)} × {f(grad)} = {n(after)}"
        return [Line("new value", text, after)]
    if kind == "momentum":
        mu = trace.optimizer_settings["momentum"]
        velocity = state["velocity"]
        lines.append(
            Line(
                "velocity",
                f"v ← μ · v + ∂L/∂{symbol} (μ = {n(mu)}, gradient {n(grad)}) = {n(velocity)}",
                velocity,
            )
        )
        lines.append(Line("step", f"step = η · v = {n(eta)} × {f(velocity)} = {n(step)}", step))
    else:
        settings = trace.optimizer_settings
        m, v = state["m"], state["v"]
        lines.append(
            Line(
                "m",
                f"m ← β1 · m + (1 − β1) · g (β1 = {n(settings['beta1'])}, g = {n(grad)}) = {n(m)}",
                m,
            )
        )
        lines.append(
            Line("v", f"v ← β2 · v + (1 − β2) · g² (β2 = {n(settings['beta2'])}) = {n(v)}", v)
        )
        lines.append(
            Line(
                "step",
                f"step = η · m̂ / (√v̂ + ε) at t = {trace.optimizer_step_count}, "
                f"η = {n(eta)}: {n(step)}",
                step,
            )
        )
    lines.append(Line("new value", f"{symbol} ← {n(before)} − {f(step)} = {n(after)}", after))
    return lines


# ---------------------------------------------------------------------------------------------
# What each stage does, for a beginner. Our own words.

EXPLAIN = {
    "input": (
        "The sample's feature values are placed on the input neurons. Nothing is computed yet: "
        "the inputs simply hold the numbers that describe this one example."
    ),
    "forward": (
        "Each neuron multiplies every incoming value by the weight of its edge, adds them up "
        "together with its bias, and gets z. Then it passes z through its activation function "
        "to get its output a, which travels on to the next layer."
    ),
    "forward_edge": (
        "An edge carries the value of the neuron on its left into the sum of the neuron on its "
        "right, scaled by its weight. A large weight makes that input matter a lot; a negative "
        "weight makes it push the sum down."
    ),
    "delta_output_fused": (
        "δ says how much the loss would change if this neuron's z moved a little. With a "
        "sigmoid output and binary cross-entropy, or softmax and cross-entropy, the calculus "
        "simplifies to prediction minus target: a negative δ means the output was too low."
    ),
    "delta_output": (
        "δ says how much the loss would change if this neuron's z moved a little: the slope of "
        "the loss with respect to the prediction, times the slope of the activation at z."
    ),
    "delta_hidden": (
        "A hidden neuron has no target of its own. Its share of the blame is collected from "
        "the layer to its right: each δ there, weighted by the edge that connects them, summed, "
        "and then scaled by the slope of this neuron's activation at its z. Where that slope is "
        "0 (ReLU below zero), no blame gets through."
    ),
    "gradient": (
        "The gradient of a weight is the δ of the neuron the edge enters times the value that "
        "flowed along the edge. An edge that carried a large value, into a neuron with a large "
        "δ, gets a large gradient: it is most responsible for the error."
    ),
    "batch": (
        "In a mini-batch every sample gives its own gradient; the step uses their mean, which "
        "is steadier than any one of them."
    ),
    "frozen": (
        "This parameter is frozen: training computes its gradient but does not change it, so "
        "it stays locked at its value."
    ),
}

EXPLAIN_ACTIVATION = {
    "linear": "The linear activation passes z through unchanged.",
    "relu": "ReLU keeps a positive z and turns a negative one into 0.",
    "leaky_relu": (
        "Leaky ReLU keeps a positive z and multiplies a negative one by a small slope, so the "
        "neuron never goes completely silent."
    ),
    "sigmoid": ("The sigmoid squeezes any z into the range 0 to 1, which reads as a probability."),
    "tanh": "tanh squeezes any z into the range −1 to 1.",
    "softmax": (
        "Softmax turns the output layer's z values into probabilities: each e^z divided by the "
        "sum Σ over all classes, so the outputs add up to 1."
    ),
}

EXPLAIN_LOSS = {
    "bce": (
        "Binary cross-entropy measures how surprised the network is by the true answer: near 0 "
        "when it gave the right class a probability near 1, large when it was confidently wrong."
    ),
    "cross_entropy": (
        "Cross-entropy looks only at the probability given to the true class: minus its "
        "logarithm. A confident right answer costs almost nothing, a confident wrong one a lot."
    ),
    "mse": (
        "Mean squared error averages the squared differences between prediction and target, "
        "so large misses count far more than small ones."
    ),
    "half_sse": (
        "Half the sum of squared errors: the ½ makes its slope simply prediction minus target."
    ),
}

EXPLAIN_PENALTY = {
    "l2": (
        "L2 regularization adds rate × w to every weight's gradient, so each step also shrinks "
        "the weight a little towards 0."
    ),
    "l1": (
        "L1 regularization adds rate × sign(w) to every weight's gradient, pulling each weight "
        "towards 0 by a fixed amount per step."
    ),
}

EXPLAIN_OPTIMIZER = {
    "sgd": (
        "Gradient descent moves the parameter a small step against its gradient: the learning "
        "rate η sets the step's size. Against the gradient is the direction in which the loss "
        "falls."
    ),
    "momentum": (
        "Momentum keeps a running velocity: each step adds the new gradient to a share μ of "
        "the old velocity, so steps grow along directions that keep pointing the same way and "
        "cancel out where the gradient keeps flipping."
    ),
    "adam": (
        "Adam keeps two running averages per parameter: m of the gradient and v of its square. "
        "The step is m divided by the square root of v (each corrected for starting at 0), so "
        "every parameter gets a step of about η whatever the size of its gradient."
    ),
}
