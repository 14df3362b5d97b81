"""What the canvas's hover tooltip says about a neuron or an edge: each number at the learner's
precision with its full value on the line below, read from the snapshot the canvas draws.
Qt-free, so that the words can be read and tested without a window."""

from __future__ import annotations

from ...app.snapshot import Snapshot
from ...app.walkthrough import number


def value_lines(text: str, value: float, digits: int, note: str = "") -> list[str]:
    """`text = value` with `digits` significant digits (and `note` after it), then the value
    with every digit it has; the second line is left out when the short value is exact."""
    short = number(value, digits)
    lines = [f"{text} = {short}{note}"]
    if float(short.replace("−", "-")) != value:
        lines.append(f"    full precision: {value!r}")
    return lines


def neuron_name(snapshot: Snapshot, column: int, unit: int) -> str:
    """ "input 2: X2" for column 0, "layer 1, neuron 3" beyond it."""
    if column == 0:
        return f"input {unit + 1}: {snapshot.input_names[unit]}"
    return f"layer {column}, neuron {unit + 1}"


def describe(target: tuple, snapshot: Snapshot, digits: int, walking: bool) -> str:
    """The tooltip of ("edge", layer, unit, source) or ("neuron" or "bias", column, unit).
    In a step-through (`walking`) a click explains instead of editing, and the hint says so."""
    layers = len(snapshot.layer_sizes) - 1

    def click_hint(editing: str) -> str:
        return "Click to see its calculation." if walking else editing

    if target[0] == "edge":
        _, layer, unit, source = target
        value = float(snapshot.weights[layer - 1][unit, source])
        frozen = " (frozen)" if snapshot.frozen_weights[layer - 1] else ""
        heading = f"w[{layer}] unit {unit + 1} ← source {source + 1}"
        return "\n".join(
            [
                *value_lines(heading, value, digits, frozen),
                f"from: {neuron_name(snapshot, layer - 1, source)}",
                f"to: {neuron_name(snapshot, layer, unit)}",
                click_hint("Click to edit this weight."),
            ]
        )
    _, column, unit = target
    lines = [neuron_name(snapshot, column, unit)]
    if column > 0:
        bias = float(snapshot.biases[column - 1][unit])
        frozen = " (frozen)" if snapshot.frozen_biases[column - 1] else ""
        lines.append(f"activation: {snapshot.activation_names[column - 1]}")
        lines += value_lines(f"bias b[{column}] unit {unit + 1}", bias, digits, frozen)
    if snapshot.sample_outputs is not None:
        value = float(snapshot.sample_outputs[column][unit])
        word = "value" if column == 0 else "output"
        # Counted from 1, as the step-through and the data view's tooltips count samples.
        sample = snapshot.sample_index
        which = "the selected sample" if sample is None else f"training sample {sample + 1}"
        lines += value_lines(f"{word} for {which}", value, digits)
    if column > 0 or walking:
        lines.append(click_hint("Click to edit the bias."))
    if column == layers and layers > 0:
        lines[0] += " (output layer)"
    return "\n".join(lines)
