"""The calculation behind any neuron or edge at a stage of the step-through, written out with
the trace's own numbers; also the public face of the step-through (stages and canvas numbers
live in walk_stages, the plain words in walk_texts).

Nothing here computes a value of the network: every number shown is read from the StepTrace of the
step the engine took. Formulas are text with those numbers put in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine import losses
from ..engine.trace import StepTrace
from .walk_stages import (
    DEFAULT_DIGITS,
    GRANULARITIES,
    MAX_LABELLED_EDGES,
    MAX_LABELLED_NEURONS,
    STAGE_KINDS,
    Annotations,
    Focus,
    Stage,
    annotations,
    default_focus,
    factor,
    neuron_name,
    number,
    signed_sum,
    stage_title,
    stages,
    width,
)
from .walk_texts import (
    EXPLAIN,
    EXPLAIN_ACTIVATION,
    EXPLAIN_LOSS,
    EXPLAIN_OPTIMIZER,
    EXPLAIN_PENALTY,
)

__all__ = [
    "DEFAULT_DIGITS",
    "GRANULARITIES",
    "MAX_LABELLED_EDGES",
    "MAX_LABELLED_NEURONS",
    "STAGE_KINDS",
    "Annotations",
    "Calculation",
    "Focus",
    "Line",
    "Stage",
    "annotations",
    "calculation",
    "default_focus",
    "factor",
    "neuron_name",
    "number",
    "signed_sum",
    "stage_title",
    "stages",
    "update_lines",
]


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


def _input_calculation(trace, focus, names, sample, digits) -> Calculation:
    i = focus.neuron
    value = float(trace.inputs[sample, i])
    line = Line("input", f"{names[i]} = {number(value, digits)}", value)
    return Calculation(f"Input {names[i]}", (line,), EXPLAIN["input"])


def _below_values(trace: StepTrace, column: int, sample: int) -> np.ndarray:
    return trace.inputs[sample] if column == 1 else trace.layers[column - 2].a[sample]


def _below_names(trace: StepTrace, column: int, names: list[str]) -> list[str]:
    count = len(trace.layers)
    return [neuron_name(column - 1, i, count, names) for i in range(width(column - 1, trace))]


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
