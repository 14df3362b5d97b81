"""Turns a StepTrace into the `nnsim trace` outputs: a JSON object and a worked example in text."""

from __future__ import annotations

from ..engine import activations, losses
from ..engine.trace import StepTrace
from .walkthrough import activation_slope, factor, loss_lines, number, signed_sum, update_lines

# `nnsim trace` prints six significant digits; the step-through lets the user choose.
REPORT_DIGITS = 6


def trace_to_json(trace: StepTrace, sample: int) -> dict:
    """Return the trace of a one-sample step in the documented shape: sample, input, target,
    forward (layers 1..L: z, a), loss, backward (layers L..1: delta, grad_weights, grad_biases)
    and update (layers 1..L: weights and biases before and after)."""
    layers = trace.layers
    return {
        "sample": sample,
        "input": trace.inputs[0].tolist(),
        "target": trace.targets[0].tolist(),
        "forward": [_forward_json(i, layer) for i, layer in enumerate(layers)],
        "loss": trace.loss,
        "backward": [
            {
                "layer": i + 1,
                "delta": layers[i].delta[0].tolist(),
                "grad_weights": layers[i].grad_weights.tolist(),
                "grad_biases": layers[i].grad_biases.tolist(),
            }
            for i in range(len(layers) - 1, -1, -1)
        ],
        "update": [
            {
                "layer": i + 1,
                "weights_before": layer.weights_before.tolist(),
                "weights_after": layer.weights_after.tolist(),
                "biases_before": layer.biases_before.tolist(),
                "biases_after": layer.biases_after.tolist(),
            }
            for i, layer in enumerate(layers)
        ],
    }


def _forward_json(i: int, layer) -> dict:
    """One layer's forward numbers; with dropout also its rate, this step's mask (1 kept, 0
    dropped) and what it handed on, a · m/(1 − p)."""
    out = {"layer": i + 1, "z": layer.z[0].tolist(), "a": layer.a[0].tolist()}
    if layer.kept is not None:
        out["dropout"] = layer.dropout
        out["mask"] = layer.kept[0].astype(int).tolist()
        out["out"] = layer.output[0].tolist()
    return out


def trace_to_text(
    trace: StepTrace, sample: int, input_names: list[str], digits: int = REPORT_DIGITS
) -> str:
    """Return the step as a worked example: every formula with its numbers substituted, every
    slope evaluated. `sample` is printed as given: the sample's number as the caller counts
    (the CLI, like the app, from 1)."""
    n = lambda v: number(float(v), digits)  # noqa: E731 - local shorthands keep lines readable
    f = lambda v: factor(float(v), digits)  # noqa: E731
    layers = trace.layers
    count = len(layers)
    lines = [f"One training step on sample {sample} (a batch of one)", ""]
    lines.append("Input")
    for name, value in zip(input_names, trace.inputs[0], strict=True):
        lines.append(f"  {name} = {n(value)}")
    target = ", ".join(n(v) for v in trace.targets[0])
    lines.append(f"  target y = [{target}]")

    lines += ["", "Forward pass"]
    below_values = trace.inputs[0]
    for li, layer in enumerate(layers):
        name = trace.activation_names[li]
        role = "output layer" if li == count - 1 else "hidden layer"
        lines.append(f"  Layer {li + 1} ({role}, {name}: {activations.FORMULAS[name]})")
        for j in range(layer.z.shape[1]):
            terms = [
                f"{n(w)} × {f(v)}"
                for w, v in zip(layer.weights_before[j], below_values, strict=True)
            ]
            terms.append(n(layer.biases_before[j]))
            lines.append(f"    z{li + 1}_{j + 1} = {signed_sum(terms)} = {n(layer.z[0, j])}")
            if name == "softmax":
                continue
            lines.append(f"    a{li + 1}_{j + 1} = {name}({n(layer.z[0, j])}) = {n(layer.a[0, j])}")
        if name == "softmax":
            lines.append(
                "    softmax: a_k = e^(z_k − max z) / Σ_j e^(z_j − max z), Σ = "
                + n(layer.softmax_sum[0])
            )
            for j in range(layer.z.shape[1]):
                lines.append(f"    a{li + 1}_{j + 1} = {n(layer.a[0, j])}")
        if layer.kept is not None:
            lines += _dropout_lines(li, layer, n, f)
        below_values = layer.forwarded[0]

    out = layers[-1]
    lines += ["", f"Loss ({trace.loss_name}: {losses.FORMULAS[trace.loss_name]})"]
    predicted = ", ".join(n(v) for v in out.a[0])
    lines.append(f"  ŷ = [{predicted}], y = [{target}]")
    worked = loss_lines(trace, 0, float(trace.loss), digits)
    # The last worked line ends in the loss itself, which gets a line of its own.
    last = worked[-1].text
    worked_texts = [line.text for line in worked[:-1]] + [last[: last.rindex(" = ")]]
    lines += [f"  {text}" for text in worked_texts]
    lines.append(f"  L = {n(trace.loss)}")
    if trace.regularization != "none":
        lines.append(
            f"  {trace.regularization.upper()} penalty (rate {n(trace.regularization_rate)}), "
            f"reported apart: {n(trace.penalty)}"
        )

    lines += ["", "Backward pass (δ = ∂L/∂z, from the output back)"]
    for li in range(count - 1, -1, -1):
        layer = layers[li]
        name = trace.activation_names[li]
        lines.append(f"  Layer {li + 1}")
        for j in range(layer.delta.shape[1]):
            delta_name = f"δ{li + 1}_{j + 1}"
            slope_name = f"{name}′(z{li + 1}_{j + 1})"
            if li == count - 1 and trace.loss_name in losses.REQUIRED_OUTPUT:
                lines.append(
                    f"    {delta_name} = {_fused_delta_rule(trace)} = {n(layer.delta[0, j])}"
                )
                continue
            # Every slope is written out evaluated, on a line of its own, before it is used.
            slope = activation_slope(trace, li + 1, 0, j)
            lines.append(f"    {slope_name} = {name}′({n(layer.z[0, j])}) = {n(slope)}")
            if li == count - 1:
                rule, numbers = _output_delta_rule(trace, j, n, f)
            else:
                above = layers[li + 1]
                terms = [
                    f"{n(above.weights_before[k, j])} × {f(above.delta[0, k])}"
                    for k in range(above.delta.shape[1])
                ]
                rule = f"(Σ_k w{li + 2}_k,{j + 1} · δ{li + 2}_k)"
                numbers = f"({signed_sum(terms)})"
                if layer.kept is not None:  # dropout: the blame passes through the mask too
                    m = int(layer.kept[0, j])
                    rule += f" · m{li + 1}_{j + 1}/(1 − p)"
                    numbers += f" × {m}/(1 − {f(layer.dropout)})"
            lines.append(
                f"    {delta_name} = {rule} · {slope_name} = {numbers} × {f(slope)}"
                f" = {n(layer.delta[0, j])}"
            )
        below_values = trace.inputs[0] if li == 0 else layers[li - 1].forwarded[0]
        below_names = (
            input_names if li == 0 else [f"out{li}_{i + 1}" for i in range(len(below_values))]
        )
        if li and layers[li - 1].kept is None:
            below_names = [f"a{li}_{i + 1}" for i in range(len(below_values))]
        for j in range(layer.grad_weights.shape[0]):
            for i in range(layer.grad_weights.shape[1]):
                penalty = layer.penalty_grad_weights[j, i]
                extra = f" + penalty {n(penalty)}" if penalty else ""
                lines.append(
                    f"    ∂L/∂w{li + 1}_{j + 1},{i + 1} = δ{li + 1}_{j + 1} × {below_names[i]}"
                    f" = {n(layer.delta[0, j])} × {f(below_values[i])}{extra}"
                    f" = {n(layer.grad_weights[j, i])}"
                )
            lines.append(f"    ∂L/∂b{li + 1}_{j + 1} = {n(layer.grad_biases[j])}")

    lines += ["", _update_heading(trace)]
    for li, layer in enumerate(layers):
        lines.append(f"  Layer {li + 1}")
        for j in range(layer.weights_before.shape[0]):
            for i in range(layer.weights_before.shape[1]):
                lines += _update_text(
                    f"w{li + 1}_{j + 1},{i + 1}",
                    trace,
                    layer,
                    (j, i),
                    (
                        layer.weights_before[j, i],
                        layer.grad_weights[j, i],
                        layer.step_weights[j, i],
                        layer.weights_after[j, i],
                    ),
                    layer.weights_frozen,
                    digits,
                )
            lines += _update_text(
                f"b{li + 1}_{j + 1}",
                trace,
                layer,
                (j,),
                (
                    layer.biases_before[j],
                    layer.grad_biases[j],
                    layer.step_biases[j],
                    layer.biases_after[j],
                ),
                layer.biases_frozen,
                digits,
            )
    if trace.diverged:
        lines += ["", "This step made a number non-finite, so it was not applied."]
    return "\n".join(lines) + "\n"


def _loss_divisor(trace: StepTrace) -> int:
    """What the output's δ is divided by: the loss averages over the batch and, for bce and mse,
    over the K outputs as well."""
    batch, outputs = trace.targets.shape
    return batch * outputs if trace.loss_name in ("bce", "mse") else batch


def _fused_delta_rule(trace: StepTrace) -> str:
    divisor = _loss_divisor(trace)
    return "ŷ − y" if divisor == 1 else f"(ŷ − y) / {divisor}"


def _output_delta_rule(trace: StepTrace, j: int, n, f) -> tuple[str, str]:
    """The slope of the loss at ŷ for output j, as a rule and with the numbers put in."""
    divisor = _loss_divisor(trace)
    over = "" if divisor == 1 else f" / {divisor}"
    two = "2 · " if trace.loss_name == "mse" else ""
    a, y = trace.layers[-1].a[0, j], trace.targets[0, j]
    return f"{two}(ŷ − y){over}", f"{two.replace('·', '×')}({n(a)} − {f(y)}){over}"


def _update_heading(trace: StepTrace) -> str:
    heading = _optimizer_heading(trace)
    if trace.schedule:
        heading += f"; η is this epoch's, by the schedule: {trace.schedule}"
    return heading


def _optimizer_heading(trace: StepTrace) -> str:
    eta = number(trace.learning_rate, REPORT_DIGITS)
    s = trace.optimizer_settings
    if trace.optimizer_name == "rmsprop":
        settings = f"α = {number(s['alpha'], REPORT_DIGITS)}, ε = {number(s['eps'], REPORT_DIGITS)}"
        if s["momentum"]:
            return (
                f"Update (RMSprop, η = {eta}, {settings}, μ = {number(s['momentum'], 6)}: "
                "s ← α·s + (1 − α)·g²; b ← μ·b + g/(√s + ε); w ← w − η·b)"
            )
        rule = "s ← α·s + (1 − α)·g²; w ← w − η·g/(√s + ε)"
        return f"Update (RMSprop, η = {eta}, {settings}: {rule})"
    if trace.optimizer_name == "adamw":
        return (
            f"Update (AdamW, η = {eta}, β1 = {number(s['beta1'], REPORT_DIGITS)}, "
            f"β2 = {number(s['beta2'], REPORT_DIGITS)}, λ = {number(s['weight_decay'], 6)}, "
            f"step t = {trace.optimizer_step_count}: w ← w − η·m̂/(√v̂ + ε) − η·λ·w; "
            "biases without the decay)"
        )
    if trace.optimizer_name == "adam":
        s = trace.optimizer_settings
        return (
            f"Update (Adam, η = {eta}, β1 = {number(s['beta1'], REPORT_DIGITS)}, "
            f"β2 = {number(s['beta2'], REPORT_DIGITS)}, "
            f"step t = {trace.optimizer_step_count}: w ← w − η·m̂/(√v̂ + ε))"
        )
    momentum = trace.optimizer_settings.get("momentum", 0.0)
    if momentum:
        return (
            f"Update (SGD with momentum μ = {number(momentum, REPORT_DIGITS)}, η = {eta}: "
            "v ← μ·v + g; w ← w − η·v)"
        )
    return f"Update (SGD, η = {eta}: w ← w − η · ∂L/∂w)"


def _update_text(name, trace, layer, where, values, frozen, digits) -> list[str]:
    """The update of the parameter `name` at index `where` of its layer's weights (j, i) or
    biases (j,): one line for plain SGD, the optimizer's state worked out line by line for
    momentum and Adam."""
    n = lambda v: number(float(v), digits)  # noqa: E731
    f = lambda v: factor(float(v), digits)  # noqa: E731
    before, grad, step, after = (float(v) for v in values)
    if frozen:
        return [f"    {name} = {n(before)} (frozen: not updated)"]
    if trace.diverged:
        return [f"    {name} = {n(before)} (kept: the step was undone)"]
    if trace.optimizer_name == "sgd" and not trace.optimizer_settings.get("momentum"):
        return [f"    {name} ← {n(before)} − {n(trace.learning_rate)} × {f(grad)} = {n(after)}"]
    part = 0 if len(where) == 2 else 1  # optimizer state holds (weights, biases) per layer
    state = {key: float(pair[part][where]) for key, pair in layer.optimizer_state.items()}
    previous = {key: float(pair[part][where]) for key, pair in layer.optimizer_state_before.items()}
    worked = update_lines(
        trace, name, before, grad, step, after, state, False, digits, previous,
        weight=part == 0,
    )  # fmt: skip
    return [f"    {name}"] + [f"      {line.text}" for line in worked]


def _dropout_lines(li: int, layer, n, f) -> list[str]:
    """The layer's dropout in this step: the rate, the dropped units and, per unit, what it
    handed on, out = a · m/(1 − p), with the trace's numbers."""
    p = layer.dropout
    dropped = [f"a{li + 1}_{j + 1}" for j in range(layer.z.shape[1]) if not layer.kept[0, j]]
    lines = [
        f"    dropout p = {n(p)}: each unit kept with probability 1 − p, kept ones × "
        f"1/(1 − p) = {n(1.0 / (1.0 - p))}; dropped in this step: "
        + (", ".join(dropped) if dropped else "none")
    ]
    for j in range(layer.z.shape[1]):
        m = int(layer.kept[0, j])
        lines.append(
            f"    out{li + 1}_{j + 1} = a{li + 1}_{j + 1} × m/(1 − p) = {n(layer.a[0, j])} × "
            f"{m}/(1 − {f(p)}) = {n(layer.output[0, j])}"
        )
    return lines
