"""The calculation behind any neuron or edge at a stage of the step-through, written out with
the trace's own numbers; also the public face of the step-through (stages and canvas numbers
live in walk_stages, the plain words in walk_texts).

Nothing here computes a value of the network: every result shown is read from the StepTrace of
the step the engine took. Formulas are text with those numbers put in; the few steps between
them that the trace does not hold (a product w × x, a slope f′(z), a bias-corrected m̂) are
worked out with the engine's own rules and marked `worked`, so a learner can redo every line
with a pocket calculator from numbers on the same panel.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from ..engine import activations, features, losses
from ..engine import formula as formula_grammar
from ..engine.trace import ForwardTrace, StepTrace
from .walk_stages import (
    DEFAULT_DIGITS,
    GRANULARITIES,
    MAX_LABELLED_EDGES,
    MAX_LABELLED_NEURONS,
    STAGE_KINDS,
    Annotations,
    Focus,
    RawInputs,
    Stage,
    annotations,
    default_focus,
    factor,
    forward_only,
    neuron_name,
    number,
    output_answer,
    signed_sum,
    stage_title,
    stages,
    width,
)
from .walk_texts import (
    DECISION,
    EXPLAIN,
    EXPLAIN_ACTIVATION,
    EXPLAIN_DECISION,
    EXPLAIN_LOSS,
    EXPLAIN_OPTIMIZER,
    EXPLAIN_OUTPUT_ACTIVATION,
    EXPLAIN_PENALTY,
    EXPLAIN_SCALING,
    EXPLAIN_SCHEDULE,
    SLOPE_RULES,
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
    "RawInputs",
    "Stage",
    "activation_slope",
    "annotations",
    "calculation",
    "default_focus",
    "factor",
    "forward_only",
    "loss_lines",
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
    line's result at full precision (None for lines without one), `name` what it is.

    `worked` marks a value worked out here from numbers on the same panel (a product w × x, a
    slope f′(z), a bias-corrected m̂) rather than read from the trace: the pocket-calculator
    steps between the trace's numbers."""

    name: str
    text: str
    value: float | None = None
    worked: bool = False


@dataclass(frozen=True)
class Calculation:
    title: str
    lines: tuple[Line, ...]
    explanation: str


# ---------------------------------------------------------------------------------------------
# The calculation panel


def calculation(
    trace: StepTrace | ForwardTrace,
    stage: Stage,
    focus: Focus,
    names: list[str],
    sample: int = 0,
    digits: int = DEFAULT_DIGITS,
    raw: RawInputs | None = None,
    class_names: tuple[str, ...] | None = None,
) -> Calculation:
    """Return the calculation of `focus` at `stage`, numbers at `digits` significant digits.

    `names` are the input features' names; `sample` the row of the batch shown (the walk of a
    mini-batch shows one sample's forward and backward numbers at a time). With `raw`, the
    inputs of scaled data show how each raw value became the scaled one; with `class_names`,
    the output's answer is named."""
    if stage.kind == "input":
        shown = focus if focus.column == 0 else Focus(0, 0)
        return _input_calculation(trace, shown, names, sample, digits, raw)
    if stage.kind == "loss":
        return _loss_calculation(trace, sample, digits)
    if focus.column == 0:
        return _input_calculation(trace, focus, names, sample, digits, raw)
    if stage.kind == "forward":
        return _forward_calculation(trace, focus, names, sample, digits, class_names)
    if stage.kind == "backward":
        return _backward_calculation(trace, focus, names, sample, digits)
    return _update_calculation(trace, focus, names, digits)


def _input_calculation(trace, focus, names, sample, digits, raw=None) -> Calculation:
    i = focus.neuron
    value = float(trace.inputs[sample, i])
    line = Line("input", f"{names[i]} = {number(value, digits)}", value)
    explanation = EXPLAIN["input_asked" if forward_only(trace) else "input"]
    formula = _formula_of(names[i], raw)
    if formula is not None:
        line = _formula_line(formula, names[i], raw, sample, value, digits)
        explanation += " " + EXPLAIN["input_formula"]
    if raw is None or raw.scaling.identity:
        return Calculation(f"Input {names[i]}", (line,), explanation)
    lines = [*scaling_lines(raw, sample, _raw_columns_of(names[i], raw.names), digits), line]
    return Calculation(
        f"Input {names[i]}", tuple(lines), explanation + " " + EXPLAIN_SCALING["scaled"]
    )


def _formula_of(feature: str, raw: RawInputs | None) -> formula_grammar.Formula | None:
    """The user's formula behind an input feature, read as the engine reads it when it builds
    the inputs; None for a raw column or one of Playground's features."""
    if raw is None or feature in raw.names:
        return None
    try:
        return features.resolve_features(list(raw.names), [feature]).formula_of(0)
    except features.FeatureError:
        return None


def _formula_line(formula, name: str, raw: RawInputs, sample: int, value: float, digits: int):
    """`name = the formula with the sample's (scaled) raw values put in = value`. The value is
    the trace's input, the very number the engine's evaluation of the formula gave."""
    scaled = raw.scaling.apply(raw.values[sample : sample + 1])[0]
    shown = {column: number(float(scaled[index]), digits) for index, column in enumerate(raw.names)}
    # Only numbers and operators are left, so the signs can take the walk's own typography.
    filled = formula_grammar.to_text(formula.tree, shown).replace("*", "×").replace("-", "−")
    return Line("input", f"{name} = {filled} = {number(value, digits)}", value)


# A feature made of every raw column (x1·x2, say) shows at most this many columns' scaling.
MAX_SCALING_LINES = 8


def _raw_columns_of(feature: str, raw_names: tuple[str, ...]) -> list[int]:
    """The raw columns an input feature is made from: its own column; the columns a formula
    of the user's names; else (a feature such as x1² or x1·x2) every column, the first
    MAX_SCALING_LINES of many."""
    if feature in raw_names:
        return [raw_names.index(feature)]
    try:
        formula = features.resolve_features(list(raw_names), [feature]).formula_of(0)
    except features.FeatureError:
        formula = None
    if formula is not None:
        return [raw_names.index(name) for name in formula.inputs][:MAX_SCALING_LINES]
    return list(range(min(len(raw_names), MAX_SCALING_LINES)))


def scaling_lines(raw: RawInputs, sample: int, columns: list[int], digits: int) -> list[Line]:
    """Per raw column in `columns`: the raw value (from the data, or as typed) and, for a scaled
    column, scaled = (raw − center) / scale with the numbers put in. The scaled value is the
    engine's Scaling.apply of the raw row, the very step that made the network's inputs."""
    n = lambda v: number(v, digits)  # noqa: E731
    f = lambda v: factor(v, digits)  # noqa: E731
    row = raw.values[sample : sample + 1]
    scaled = raw.scaling.apply(row)[0]
    lines = []
    for column in columns:
        name = raw.names[column]
        value = float(row[0, column])
        method = raw.scaling.methods[column]
        lines.append(Line("raw", f"raw {name} = {n(value)}", value))
        if method == "none":
            lines.append(Line("not scaled", EXPLAIN_SCALING["none"].format(name=name)))
            continue
        center = float(raw.scaling.center[column])
        scale = float(raw.scaling.scale[column])
        result = float(scaled[column])
        text = (
            f"scaled {name} = (raw − center) / scale = ({n(value)} − {f(center)}) / "
            f"{f(scale)} = {n(result)}"
        )
        lines.append(Line("scaled", text, result, worked=True))
    return lines


def _below_values(trace: StepTrace, column: int, sample: int) -> np.ndarray:
    # What the layer below handed on: with dropout, its a × m/(1 − p), not its a.
    return trace.inputs[sample] if column == 1 else trace.layers[column - 2].forwarded[sample]


def _below_names(trace: StepTrace, column: int, names: list[str]) -> list[str]:
    count = len(trace.layers)
    return [neuron_name(column - 1, i, count, names) for i in range(width(column - 1, trace))]


def _value_name(column: int, below_name: str) -> str:
    """How the value leaving a neuron is written: an input by its name, a neuron's output a(·)."""
    return below_name if column == 1 else f"a({below_name})"


def _forward_calculation(trace, focus, names, sample, digits, class_names=None) -> Calculation:
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
        w, x = float(layer.weights_before[j, i]), float(below[i])
        product = w * x
        carried = _value_name(column, below_names[i])
        if column > 1 and trace.layers[column - 2].kept is not None:
            carried += " · m/(1 − p)"  # dropout: the value handed on, not a itself
        lines = (
            Line("weight", f"w({below_names[i]} → {who}) = {n(w)}", w),
            Line("carried", f"x = {carried} = {n(x)}", x),
            Line(
                "product",
                f"into z of {who}: w × x = {n(w)} × {f(x)} = {n(product)}",
                product,
                worked=True,
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
        top = float(layer.z[sample].max())
        numbers = f"e^({n(z)} − {f(top)}) / {n(total)}"
        lines.append(Line("a", f"a = e^(z − max z) / Σ = {numbers} = {n(a)}", a))
    else:
        lines.append(Line("a", f"a = {_activation_label(activation)}({n(z)}) = {n(a)}", a))
    output = column == count
    explanation = EXPLAIN["forward"] + " " + EXPLAIN_ACTIVATION[activation]
    if layer.kept is not None:
        line, words = _dropout_line(layer, sample, j, digits)
        lines.append(line)
        explanation += " " + words
    if output and activation in EXPLAIN_OUTPUT_ACTIVATION:
        explanation += " " + EXPLAIN_OUTPUT_ACTIVATION[activation]
    decision = _decision_line(trace, sample, n, class_names) if output else None
    if decision is not None:
        lines.append(decision)
        several = "several outputs" if layer.a.shape[1] > 1 else "one output"
        explanation += " " + EXPLAIN_DECISION[several]
    if output and forward_only(trace):
        explanation += " " + EXPLAIN["no_target"]
    return Calculation(f"Forward: {who}", tuple(lines), explanation)


def _dropout_line(layer, sample: int, j: int, digits: int) -> tuple[Line, str]:
    """What neuron j handed on in a step with dropout: a × m/(1 − p) with this step's mask
    value m and the layer's p, the result read from the trace; and the words for it."""
    n = lambda v: number(v, digits)  # noqa: E731
    f = lambda v: factor(v, digits)  # noqa: E731
    p = layer.dropout
    kept = bool(layer.kept[sample, j])
    out = float(layer.output[sample, j])
    a = float(layer.a[sample, j])
    m = 1 if kept else 0
    tail = "" if kept else " (dropped in this step)"
    text = f"out = a × m/(1 − p) = {n(a)} × {m}/(1 − {f(p)}) = {n(out)}{tail}"
    words = EXPLAIN["dropout_kept" if kept else "dropout_dropped"].format(
        p=n(p), scale=n(1.0 / (1.0 - p))
    )
    return Line("dropout", text, out), words


def _decision_line(trace, sample: int, n, class_names=None) -> Line | None:
    """The answer the output gives (see output_answer), with the number it rests on; named
    after its class when `class_names` are given."""
    answer = output_answer(trace, sample)
    if answer is None:
        return None
    predicted = trace.layers[-1].a[sample]
    if len(predicted) == 1:
        key = "above" if answer.label == "1" else "not above"
        text = DECISION[key].format(a=n(predicted[0]))
        chosen = int(answer.label)
    else:
        count = len(trace.layers)
        text = DECISION["largest"].format(
            who=neuron_name(count, answer.neuron, count, []),
            a=n(predicted[answer.neuron]),
            k=answer.neuron,
        )
        chosen = answer.neuron
    if class_names is not None and chosen < len(class_names):
        text += f": {class_names[chosen]}"
    return Line("decision", text)


def _activation_label(name: str) -> str:
    return {
        "relu": "ReLU",
        "leaky_relu": "LeakyReLU",
        "sigmoid": "σ",
        "tanh": "tanh",
        "elu": "ELU",
        "gelu": "GELU",
        "silu": "SiLU",
        "softplus": "softplus",
    }.get(name, name)


def activation_slope(trace: StepTrace, column: int, sample: int, j: int) -> float:
    """f′(z) of neuron j of `column` for `sample`, by the engine's own backward rule (its
    ∂L/∂a → ∂L/∂z step applied to ∂L/∂a = 1), so the slope shown is the one the step used."""
    layer = trace.layers[column - 1]
    name = trace.activation_names[column - 1]
    grad = np.ones((1, 1))
    z = layer.z[sample : sample + 1, j : j + 1]
    a = layer.a[sample : sample + 1, j : j + 1]
    activations.BACKWARD[name](grad, z, a, np.empty((1, 1)))
    return float(grad[0, 0])


def _slope_line(trace: StepTrace, column: int, sample: int, j: int, digits: int) -> Line:
    """`f′(z) = value (how)`: the slope evaluated, then the rule that gives it."""
    name = trace.activation_names[column - 1]
    layer = trace.layers[column - 1]
    z, a = float(layer.z[sample, j]), float(layer.a[sample, j])
    slope = activation_slope(trace, column, sample, j)
    label = _activation_label(name)
    n = lambda v: number(v, digits)  # noqa: E731
    how = SLOPE_RULES[name].format(a=factor(a, digits), leak=activations.LEAKY_RELU_SLOPE)
    return Line("slope", f"{label}′({n(z)}) = {n(slope)} ({how})", slope, worked=True)


def _loss_terms(trace: StepTrace, sample: int, n, f) -> tuple[list[str], np.ndarray]:
    """Each output's part of the loss: the formula with this sample's numbers put in, and its
    value, computed as the engine computes the loss (from z where it does so, for stability)."""
    out = trace.layers[-1]
    z, predicted, target = out.z[sample], out.a[sample], trace.targets[sample]
    name = trace.loss_name
    pairs = list(zip(predicted, target, strict=True))
    if name == "bce":
        texts = [f"[{n(y)} × ln {f(p)} + {f(1 - y)} × ln {f(1 - p)}]" for p, y in pairs]
        # y·ln σ(z) + (1 − y)·ln(1 − σ(z)) = z·y − ln(1 + e^z), the engine's form.
        values = z * target - np.logaddexp(0.0, z)
    elif name == "cross_entropy":
        texts = [f"{n(y)} × ln {f(p)}" for p, y in pairs]
        shifted = z - z.max()
        values = target * (shifted - np.log(np.exp(shifted).sum()))
    else:
        texts = [f"({n(y)} − {f(p)})²" for p, y in pairs]
        values = (predicted - target) ** 2
    return texts, values


def loss_lines(trace: StepTrace, sample: int, value: float, digits: int) -> list[Line]:
    """The loss of batch row `sample`: substituted, then (with several outputs) each output's
    part evaluated and combined; the last line's result is `value`, the loss it comes to."""
    n = lambda v: number(v, digits)  # noqa: E731
    f = lambda v: factor(v, digits)  # noqa: E731
    name = trace.loss_name
    outputs = trace.targets.shape[1]
    texts, values = _loss_terms(trace, sample, n, f)
    # bce and mse average over the K outputs; cross-entropy sums (one target is 1); half_sse
    # takes half the sum.
    scale = {"bce": "−", "cross_entropy": "−", "mse": "", "half_sse": "½ × "}[name]
    if outputs > 1 and name in ("bce", "mse"):
        scale = f"{scale}(1/{outputs}) × "
    if len(texts) == 1:
        substituted = f"L = {scale}{texts[0]}"
        return [Line("loss", f"{substituted} = {n(value)}", value)]
    parts = [f(v) for v in values]
    if name == "cross_entropy":
        joined_texts, joined_values = signed_sum(texts), " + ".join(parts)
    else:
        joined_texts, joined_values = " + ".join(texts), " + ".join(parts)
    return [
        Line("substituted", f"L = {scale}({joined_texts})"),
        Line("loss", f"L = {scale}({joined_values}) = {n(value)}", value),
    ]


def _loss_formula(name: str, outputs: int) -> str:
    if name == "bce":
        if outputs == 1:
            return "L = −[y · ln ŷ + (1 − y) · ln(1 − ŷ)]"
        return f"L = −(1/K) · Σ_k [y_k · ln ŷ_k + (1 − y_k) · ln(1 − ŷ_k)], K = {outputs}"
    if name == "cross_entropy":
        return "L = −Σ_k y_k · ln ŷ_k"
    if name == "mse":
        return "L = (y − ŷ)²" if outputs == 1 else f"L = (1/K) · Σ_k (y_k − ŷ_k)², K = {outputs}"
    return "L = ½ · (y − ŷ)²" if outputs == 1 else "L = ½ · Σ_k (y_k − ŷ_k)²"


def _loss_calculation(trace: StepTrace, sample: int, digits: int) -> Calculation:
    n = lambda v: number(v, digits)  # noqa: E731
    out = trace.layers[-1]
    predicted, target = out.a[sample], trace.targets[sample]
    name = trace.loss_name
    batch, outputs = trace.targets.shape
    lines = [
        Line("prediction", "ŷ = " + ", ".join(n(v) for v in predicted), None),
        Line("target", "y = " + ", ".join(n(v) for v in target), None),
        Line("formula", _loss_formula(name, outputs), None),
    ]
    if batch == 1:
        lines += loss_lines(trace, sample, float(trace.loss), digits)
    else:
        rows = slice(sample, sample + 1)
        own = losses.loss_value(name, out.z[rows], out.a[rows], trace.targets[rows])
        worked = [
            dataclasses.replace(
                line,
                name=f"sample {line.name}",
                text="this sample's " + line.text,
                worked=line.value is not None,
            )
            for line in loss_lines(trace, sample, own, digits)
        ]
        lines += worked
        lines.append(
            Line(
                "loss",
                f"batch L = mean of the {batch} samples' L = {n(trace.loss)}",
                float(trace.loss),
            )
        )
    explanation = EXPLAIN_LOSS[name] + " " + EXPLAIN["error_loss_delta"]
    if trace.regularization != "none":
        kind = trace.regularization.upper()
        lines.append(
            Line(
                "penalty",
                f"penalty ({kind}, rate {n(trace.regularization_rate)}, apart from L) = "
                f"{n(trace.penalty)}",
                float(trace.penalty),
            )
        )
        explanation += " " + EXPLAIN["penalty_apart"].format(kind=kind)
    return Calculation("Loss", tuple(lines), explanation)


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
        lines, explanation = _output_delta(trace, sample, j, digits)
    else:
        above = layers[column]
        terms = [
            f"{n(above.weights_before[k, j])} × {f(above.delta[sample, k])}"
            for k in range(above.delta.shape[1])
        ]
        slope = _slope_line(trace, column, sample, j, digits)
        label = _activation_label(trace.activation_names[column - 1])
        if layer.kept is None:
            text = (
                f"δ = (Σ_k w_k · δ_k) · {label}′(z) = ({signed_sum(terms)}) × {f(slope.value)}"
                f" = {n(delta)}"
            )
            explanation = EXPLAIN["delta_hidden"]
        else:
            m = 1 if layer.kept[sample, j] else 0
            text = (
                f"δ = (Σ_k w_k · δ_k) · m/(1 − p) · {label}′(z) = ({signed_sum(terms)}) × "
                f"{m}/(1 − {f(layer.dropout)}) × {f(slope.value)} = {n(delta)}"
            )
            explanation = EXPLAIN["delta_hidden"] + " " + EXPLAIN["delta_dropout"]
        lines = [slope, Line("delta", text, delta)]
    bias_grad = float(layer.grad_biases[j])
    if batch == 1:
        lines.append(Line("bias gradient", f"∂L/∂b = δ = {n(bias_grad)}", bias_grad))
        return Calculation(f"Backward: {who}", tuple(lines), explanation)
    per_sample = layer.sample_grad_biases
    if per_sample is not None:
        own = float(per_sample[sample, j])
        text = f"this sample's own δ = {batch} × δ = {batch} × {f(delta)} = {n(own)}"
        lines.append(Line("own delta", text, own))
        for s in range(batch):
            value = float(per_sample[s, j])
            lines.append(
                Line(f"sample {s + 1}", f"sample {s + 1}: ∂L/∂b = own δ = {n(value)}", value)
            )
    text = f"∂L/∂b = mean of the samples' = Σ over the batch of δ = {n(bias_grad)}"
    lines.append(Line("bias gradient", text, bias_grad))
    explanation += " " + EXPLAIN["batch_delta"].format(n=batch)
    return Calculation(f"Backward: {who}", tuple(lines), explanation)


def _output_delta(trace, sample, j, digits) -> tuple[list[Line], str]:
    """δ of output neuron j: the loss's slope at ŷ (scaled as the loss averages over the batch
    and, for bce and mse, the outputs) times the activation's slope, with sample's numbers."""
    n = lambda v: number(v, digits)  # noqa: E731
    f = lambda v: factor(v, digits)  # noqa: E731
    layer = trace.layers[-1]
    count = len(trace.layers)
    a, y = float(layer.a[sample, j]), float(trace.targets[sample, j])
    delta = float(layer.delta[sample, j])
    batch, outputs = trace.targets.shape
    name = trace.loss_name
    per_output = name in ("bce", "mse") and outputs > 1
    divisor = batch * outputs if per_output else batch
    if divisor == 1:
        over_symbol = over = ""
    else:
        symbols = {(True, True): "(n · K)", (True, False): "n", (False, True): "K"}
        over_symbol = f" / {symbols[(batch > 1, per_output)]}"
        over = f" / {divisor}"
    difference = f"({n(a)} − {f(y)})"
    if name in losses.REQUIRED_OUTPUT:
        if divisor == 1:
            text = f"δ = ŷ − y = {n(a)} − {f(y)} = {n(delta)}"
        else:
            text = f"δ = (ŷ − y){over_symbol} = {difference}{over} = {n(delta)}"
        return [Line("delta", text, delta)], EXPLAIN["delta_output_fused"]
    slope = _slope_line(trace, count, sample, j, digits)
    label = _activation_label(trace.activation_names[-1])
    two = "2 · " if name == "mse" else ""
    rule = f"δ = {two}(ŷ − y){over_symbol} · {label}′(z)"
    numbers = f"{two.replace('·', '×')}{difference}{over} × {f(slope.value)}"
    text = f"{rule} = {numbers} = {n(delta)}"
    return [slope, Line("delta", text, delta)], EXPLAIN["delta_output"]


def _gradient_calculation(trace, focus, names, sample, digits) -> Calculation:
    n = lambda v: number(v, digits)  # noqa: E731
    f = lambda v: factor(v, digits)  # noqa: E731
    count = len(trace.layers)
    column, j, i = focus.column, focus.neuron, focus.source
    layer = trace.layers[column - 1]
    below_name = _below_names(trace, column, names)[i]
    who = neuron_name(column, j, count, names)
    batch = len(trace.inputs)
    grad = float(layer.grad_weights[j, i])
    penalty = float(layer.penalty_grad_weights[j, i])
    share = f" + {trace.regularization.upper()} share" if penalty else ""
    share_value = f" + {f(penalty)}" if penalty else ""
    lines = []
    if batch == 1:
        x = float(_below_values(trace, column, 0)[i])
        rule = f"∂L/∂w = δ({who}) × a({below_name}){share}"
        numbers = f"{n(layer.delta[0, j])} × {f(x)}{share_value}"
        lines.append(Line("gradient", f"{rule} = {numbers} = {n(grad)}", grad))
    else:
        per_sample = layer.sample_grad_weights
        if per_sample is not None:
            for s in range(batch):
                value = float(per_sample[s, j, i])
                own = layer.sample_grad_biases[s, j]
                x = _below_values(trace, column, s)[i]
                text = f"sample {s + 1}: ∂L/∂w = own δ × a = {n(own)} × {f(x)} = {n(value)}"
                lines.append(Line(f"sample {s + 1}", text, value))
        text = f"∂L/∂w = mean of the samples'{share}{share_value} = {n(grad)}"
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
        previous = {key: float(w[j, i]) for key, (w, _) in layer.optimizer_state_before.items()}
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
        previous = {key: float(b[j]) for key, (_, b) in layer.optimizer_state_before.items()}
        frozen, symbol = layer.biases_frozen, "b"
    lines = update_lines(
        trace, symbol, *(float(v) for v in values), state, frozen, digits, previous,
        weight=focus.is_edge,
    )  # fmt: skip
    if frozen:
        explanation = EXPLAIN["frozen"]
    elif trace.diverged:
        explanation = EXPLAIN["undone"]
    else:
        explanation = EXPLAIN_OPTIMIZER[_optimizer_kind(trace)] + " " + EXPLAIN["steps"]
        if trace.schedule:
            rate = number(trace.learning_rate, digits)
            explanation += " " + EXPLAIN_SCHEDULE.format(schedule=trace.schedule, rate=rate)
    return Calculation(title, tuple(lines), explanation)


def _optimizer_kind(trace: StepTrace) -> str:
    name = trace.optimizer_name
    if name in ("adam", "adamw"):
        return name
    if name == "rmsprop":
        return "rmsprop_momentum" if trace.optimizer_settings.get("momentum") else "rmsprop"
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
    previous: dict[str, float] | None = None,
    weight: bool = True,
) -> list[Line]:
    """The update of one parameter written out for the trace's optimizer: `state` is the
    optimizer's state after the step, `previous` the state it started from (keys as in
    LayerTrace.optimizer_state; empty or None when the trace did not record it, and the lines
    then name the old state without its number). `weight` says whether the parameter is a
    weight (AdamW decays weights, not biases)."""
    n = lambda v: number(v, digits)  # noqa: E731
    f = lambda v: factor(v, digits)  # noqa: E731
    if frozen:
        return [Line("locked", f"{symbol} = {n(before)} (frozen: locked, not updated)", before)]
    if trace.diverged:
        # The step was undone: its arithmetic would end in a number the trace does not hold.
        return [Line("kept", f"{symbol} = {n(before)} (kept: this step was undone)", before)]
    eta = trace.learning_rate
    kind = _optimizer_kind(trace)
    previous = previous or {}
    g = f"∂L/∂{symbol}"
    if kind == "sgd":
        rule = f"{symbol} ← {symbol} − η · {g}"
        text = f"{rule} = {n(before)} − {n(eta)} × {f(grad)} = {n(after)}"
        return [Line("new value", text, after)]
    lines = []
    if kind == "momentum":
        mu = trace.optimizer_settings["momentum"]
        velocity = state["velocity"]
        if "velocity" in previous:
            numbers = f"{n(mu)} × {f(previous['velocity'])} + {f(grad)}"
        else:
            numbers = f"{n(mu)} × v + {f(grad)}"
        text = f"v ← μ · v + {g} = {numbers} = {n(velocity)}"
        lines.append(Line("velocity", text, velocity))
        lines.append(Line("step", f"step = η · v = {n(eta)} × {f(velocity)} = {n(step)}", step))
    elif kind in ("rmsprop", "rmsprop_momentum"):
        lines += _rmsprop_lines(trace, grad, step, state, previous, n, f)
    elif kind == "adamw" and weight:
        # The trace holds the whole step; Adam's part is what is left of it without the decay.
        decay = eta * trace.optimizer_settings["weight_decay"] * before
        lines += _adam_lines(trace, grad, step - decay, state, previous, n, f, label="Adam's step")
        lam = trace.optimizer_settings["weight_decay"]
        text = f"decay = η · λ · {symbol} = {n(eta)} × {n(lam)} × {f(before)} = {n(decay)}"
        lines.append(Line("decay", text, decay, worked=True))
        text = f"step = Adam's step + decay = {n(step - decay)} + {f(decay)} = {n(step)}"
        lines.append(Line("step", text, step))
    else:
        lines += _adam_lines(trace, grad, step, state, previous, n, f)
        if kind == "adamw":
            lines.append(Line("no decay", "(a bias does not decay: the step is Adam's)", step))
    lines.append(
        Line(
            "new value", f"{symbol} ← {symbol} − step = {n(before)} − {f(step)} = {n(after)}", after
        )
    )
    return lines


def _rmsprop_lines(trace, grad, step, state, previous, n, f) -> list[Line]:
    settings = trace.optimizer_settings
    alpha, eps, mu = settings["alpha"], settings["eps"], settings["momentum"]
    eta = trace.learning_rate
    s_new = state["square_avg"]
    s_old = f(previous["square_avg"]) if "square_avg" in previous else "s"
    numbers = f"{n(alpha)} × {s_old} + {n(1 - alpha)} × {f(grad)}²"
    lines = [Line("s", f"s ← α · s + (1 − α) · g² = {numbers} = {n(s_new)}", s_new)]
    # The divisor the optimizer used, written out so that the step can be redone by hand.
    root = math.sqrt(s_new) + eps
    text = f"√s + ε = √{n(s_new)} + {n(eps)} = {n(root)}"
    lines.append(Line("√s + ε", text, root, worked=True))
    if mu:
        buffer = state["momentum_buffer"]
        b_old = f(previous["momentum_buffer"]) if "momentum_buffer" in previous else "b"
        numbers = f"{n(mu)} × {b_old} + {f(grad)} / {n(root)}"
        lines.append(Line("b", f"b ← μ · b + g / (√s + ε) = {numbers} = {n(buffer)}", buffer))
        lines.append(Line("step", f"step = η · b = {n(eta)} × {f(buffer)} = {n(step)}", step))
    else:
        text = f"step = η · g / (√s + ε) = {n(eta)} × {f(grad)} / {n(root)} = {n(step)}"
        lines.append(Line("step", text, step))
    if eta:
        ratio = step / eta
        lines.append(
            Line("step in η", f"step / η = {n(step)} / {n(eta)} = {n(ratio)}", ratio, worked=True)
        )
    return lines


def _adam_lines(trace, grad, step, state, previous, n, f, label="step") -> list[Line]:
    settings = trace.optimizer_settings
    beta1, beta2, eps = settings["beta1"], settings["beta2"], settings["eps"]
    eta, t = trace.learning_rate, trace.optimizer_step_count
    m, v = state["m"], state["v"]
    lines = []
    if "m" in previous and "v" in previous:
        m_old, v_old = f(previous["m"]), f(previous["v"])
    else:
        m_old = v_old = None
    m_numbers = f"{n(beta1)} × {m_old or 'm'} + {n(1 - beta1)} × {f(grad)}"
    v_numbers = f"{n(beta2)} × {v_old or 'v'} + {n(1 - beta2)} × {f(grad)}²"
    lines.append(Line("m", f"m ← β1 · m + (1 − β1) · g = {m_numbers} = {n(m)}", m))
    lines.append(Line("v", f"v ← β2 · v + (1 − β2) · g² = {v_numbers} = {n(v)}", v))
    # The bias corrections divide by the same 1 − β^t the optimizer divides by at step t.
    correction1, correction2 = 1.0 - beta1**t, 1.0 - beta2**t
    m_hat, v_hat = m / correction1, v / correction2
    lines.append(
        Line(
            "m̂",
            f"m̂ = m / (1 − β1^t) = {f(m)} / (1 − {n(beta1)}^{t}) = {f(m)} / {n(correction1)}"
            f" = {n(m_hat)}",
            m_hat,
            worked=True,
        )
    )
    lines.append(
        Line(
            "v̂",
            f"v̂ = v / (1 − β2^t) = {f(v)} / (1 − {n(beta2)}^{t}) = {f(v)} / {n(correction2)}"
            f" = {n(v_hat)}",
            v_hat,
            worked=True,
        )
    )
    lines.append(
        Line(
            label,
            f"{label} = η · m̂ / (√v̂ + ε) = {n(eta)} × {f(m_hat)} / (√{n(v_hat)} + {n(eps)})"
            f" = {n(step)}",
            step,
            worked=label != "step",  # AdamW's part of the step is not in the trace alone
        )
    )
    if eta:
        ratio = step / eta
        lines.append(
            Line("step in η", f"step / η = {n(step)} / {n(eta)} = {n(ratio)}", ratio, worked=True)
        )
    return lines
