"""Turns a StepTrace into the `nnsim trace` outputs: a JSON object and a worked example in text."""

from __future__ import annotations

from ..engine import activations, losses
from ..engine.trace import StepTrace
from .walkthrough import factor, number, signed_sum

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
        "forward": [
            {"layer": i + 1, "z": layer.z[0].tolist(), "a": layer.a[0].tolist()}
            for i, layer in enumerate(layers)
        ],
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


def trace_to_text(
    trace: StepTrace, sample: int, input_names: list[str], digits: int = REPORT_DIGITS
) -> str:
    """Return the step as a worked example: every formula with its numbers substituted."""
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
        below_values = layer.a[0]

    out = layers[-1]
    lines += ["", f"Loss ({trace.loss_name}: {losses.FORMULAS[trace.loss_name]})"]
    predicted = ", ".join(n(v) for v in out.a[0])
    lines.append(f"  ŷ = [{predicted}], y = [{target}]")
    lines.append(f"  L = {n(trace.loss)}")
    if trace.regularization != "none":
        lines.append(
            f"  {trace.regularization.upper()} penalty (rate {n(trace.regularization_rate)}), "
            f"reported apart: {n(trace.penalty)}"
        )

    lines += ["", "Backward pass (δ = ∂L/∂z, from the output back)"]
    fused = trace.loss_name in losses.REQUIRED_OUTPUT
    for li in range(count - 1, -1, -1):
        layer = layers[li]
        lines.append(f"  Layer {li + 1}")
        for j in range(layer.delta.shape[1]):
            if li == count - 1:
                how = "ŷ − y" if fused else "∂L/∂ŷ · f′(z)"
                lines.append(f"    δ{li + 1}_{j + 1} = {how} = {n(layer.delta[0, j])}")
            else:
                above = layers[li + 1]
                terms = [
                    f"{n(above.weights_before[k, j])} × {f(above.delta[0, k])}"
                    for k in range(above.delta.shape[1])
                ]
                lines.append(
                    f"    δ{li + 1}_{j + 1} = ({signed_sum(terms)}) · "
                    f"{trace.activation_names[li]}′({n(layer.z[0, j])}) = {n(layer.delta[0, j])}"
                )
        below_values = trace.inputs[0] if li == 0 else layers[li - 1].a[0]
        below_names = (
            input_names if li == 0 else [f"a{li}_{i + 1}" for i in range(len(below_values))]
        )
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
                lines.append(
                    "    "
                    + _update_line(
                        f"w{li + 1}_{j + 1},{i + 1}",
                        trace,
                        layer.weights_before[j, i],
                        layer.grad_weights[j, i],
                        layer.step_weights[j, i],
                        layer.weights_after[j, i],
                        layer.weights_frozen,
                        n,
                        f,
                    )
                )
            lines.append(
                "    "
                + _update_line(
                    f"b{li + 1}_{j + 1}",
                    trace,
                    layer.biases_before[j],
                    layer.grad_biases[j],
                    layer.step_biases[j],
                    layer.biases_after[j],
                    layer.biases_frozen,
                    n,
                    f,
                )
            )
    if trace.diverged:
        lines += ["", "This step made a number non-finite, so it was not applied."]
    return "\n".join(lines) + "\n"


def _update_heading(trace: StepTrace) -> str:
    eta = number(trace.learning_rate, REPORT_DIGITS)
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


def _update_line(name, trace, before, grad, step, after, frozen, n, f) -> str:
    if frozen:
        return f"{name} = {n(before)} (frozen: not updated)"
    if trace.optimizer_name == "sgd" and not trace.optimizer_settings.get("momentum"):
        return f"{name} ← {n(before)} − {n(trace.learning_rate)} × {f(grad)} = {n(after)}"
    return f"{name} ← {n(before)} − {f(step)} = {n(after)}   (gradient {n(grad)})"
