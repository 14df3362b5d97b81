"""The step-through model: its stages, and that every number it shows is the trace's own."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from simulator.app import walkthrough as walk
from simulator.app.scenario import RegularizationSpec
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario, validate_scenario_dict
from simulator.app.trace_report import trace_to_text
from simulator.resources import scenarios_dir

DATA = Path(__file__).resolve().parents[1] / "data"


def _simulation(path: Path, **training_changes) -> Simulation:
    scenario = load_scenario(path)
    if training_changes:
        training = dataclasses.replace(scenario.training, **training_changes)
        scenario = dataclasses.replace(scenario, training=training)
    return Simulation(scenario)


def _names(simulation: Simulation) -> list[str]:
    return list(simulation.scenario.network.inputs)


def _all_lines(trace, names, sample=0, digits=4):
    """Every calculation the panel can show: each stage with each neuron and edge in focus."""
    widths = [trace.inputs.shape[1], *(layer.z.shape[1] for layer in trace.layers)]
    for stage in walk.stages(trace, "neuron"):
        foci = [walk.Focus(0, i) for i in range(widths[0])]
        for column in range(1, len(widths)):
            foci += [walk.Focus(column, j) for j in range(widths[column])]
            foci += [
                walk.Focus(column, j, i)
                for j in range(widths[column])
                for i in range(widths[column - 1])
            ]
        for focus in foci:
            yield stage, focus, walk.calculation(trace, stage, focus, names, sample, digits)


NUMBER = r"−?\d+(?:\.\d+)?(?:e[−+]\d+)?"


def _value(text: str) -> float:
    """A number as the panel writes it (true minus signs) as a float."""
    return float(text.replace("−", "-"))


def _evaluate(expression: str) -> float:
    """Work out an expression as written on the panel, as a learner would with a calculator:
    ×, /, +, −, ², ^, √, e and ln."""
    python = expression.replace("−", "-").replace("×", "*").replace("²", "**2")
    python = python.replace("^", "**").replace("[", "(").replace("]", ")")
    python = re.sub(r"√(\S+)", r"sqrt(\1)", python)
    python = re.sub(r"ln (\(-?[\d.e+-]+\)|[\d.e+-]+)", r"log(\1)", python)
    return eval(python, {"__builtins__": {}, "sqrt": math.sqrt, "log": math.log, "e": math.e})


def _redo(text: str) -> tuple[float, list[float]]:
    """Split `rule = numbers = … = result` and return the result with every numeric middle part
    worked out; parts still holding a symbol (the rule) are skipped."""
    parts = text.split(" = ")
    worked = []
    for part in parts[1:-1]:
        bare = part.replace("ln ", "").replace("e^", "").replace("e−", "").replace("e+", "")
        if re.search(r"[a-zA-Zβημεσ∂δŷ]", bare):
            continue
        worked.append(_evaluate(part))
    return _value(parts[-1].split()[0]), worked


def _two_outputs(loss: str, activation: str, **training_changes) -> Simulation:
    """The X1/X2 network with a second output neuron, its targets (y, 1 − y)."""
    obj = json.loads((scenarios_dir() / "x1-x2-worked-example.json").read_text())
    output = obj["network"]["layers"][1]
    output.update(units=2, activation=activation, weights=[[1.0, 0.5], [0.3, -0.2]])
    output["biases"] = [0.0, 0.1]
    obj["training"]["loss"] = loss
    obj["training"].update(training_changes)
    for part in ("train", "test"):
        obj["data"][part]["targets"] = [[t[0], 1 - t[0]] for t in obj["data"][part]["targets"]]
    return Simulation(validate_scenario_dict(obj, file="two-outputs.json"))


def _with_state_before(simulation: Simulation, samples: list[int]):
    """Take a traced step on `samples`; where the trace does not carry the optimizer state the
    step started from, add it from a checkpoint taken just before (what the trainer is to
    record), so the panel's arithmetic can be checked either way."""
    before = simulation.checkpoint().optimizer
    _, trace = simulation.trace_batch(samples)
    if trace.layers[0].optimizer_state_before:
        return trace
    network = simulation.network
    size = len(network.parameters)
    flats = {
        key: np.zeros(size) if before.get(key) is None else np.asarray(before[key])
        for key in trace.layers[0].optimizer_state
    }
    split = {key: network.split(flat) for key, flat in flats.items()}
    layers = tuple(
        dataclasses.replace(
            layer,
            optimizer_state_before={
                key: (ws[i].copy(), bs[i].copy()) for key, (ws, bs) in split.items()
            },
        )
        for i, layer in enumerate(trace.layers)
    )
    return dataclasses.replace(trace, layers=layers)


def test_stages_walk_forward_then_back_then_update():
    simulation = Simulation(load_scenario(scenarios_dir() / "x1-x2-worked-example.json"))
    _, trace = simulation.trace_sample(0)
    kinds = [(s.kind, s.column, s.neuron) for s in walk.stages(trace, "layer")]
    assert kinds == [
        ("input", None, None),
        ("forward", 1, None),
        ("forward", 2, None),
        ("loss", None, None),
        ("backward", 2, None),
        ("backward", 1, None),
        ("update", None, None),
    ]
    by_neuron = [(s.kind, s.column, s.neuron) for s in walk.stages(trace, "neuron")]
    assert by_neuron[1:4] == [("forward", 1, 0), ("forward", 1, 1), ("forward", 2, 0)]


def test_worked_example_calculations_are_the_trace_numbers():
    simulation = Simulation(load_scenario(scenarios_dir() / "x1-x2-worked-example.json"))
    _, trace = simulation.trace_sample(0)
    names = _names(simulation)
    hidden, output = trace.layers
    forward = walk.calculation(trace, walk.Stage("forward", 1, 0), walk.Focus(1, 0), names)
    assert [line.text for line in forward.lines] == [
        "z = −0.5 × 1 + 0.5 × 2 + 0 = 0.5",
        "a = ReLU(0.5) = 0.5",
    ]
    assert forward.lines[0].value == hidden.z[0, 0]
    loss = walk.calculation(trace, walk.Stage("loss"), walk.Focus(2, 0), names)
    assert loss.lines[-1].value == trace.loss
    assert loss.lines[-1].text.endswith("= 0.3133")
    delta = walk.calculation(trace, walk.Stage("backward", 2), walk.Focus(2, 0), names)
    assert delta.lines[0].text == "δ = ŷ − y = 0.7311 − 1 = −0.2689"
    assert delta.lines[0].value == output.delta[0, 0]
    hidden_delta = walk.calculation(trace, walk.Stage("backward", 1), walk.Focus(1, 1), names)
    assert [line.text for line in hidden_delta.lines[:2]] == [
        "ReLU′(1) = 1 (1 where z > 0, else 0)",
        "δ = (Σ_k w_k · δ_k) · ReLU′(z) = (0.5 × (−0.2689)) × 1 = −0.1345",
    ]
    assert hidden_delta.lines[1].value == hidden.delta[0, 1]
    update = walk.calculation(trace, walk.Stage("update"), walk.Focus(1, 0, 1), names)
    assert update.lines[-1].text == "w ← w − η · ∂L/∂w = 0.5 − 0.01 × (−0.5379) = 0.5054"
    assert update.lines[-1].value == hidden.weights_after[0, 1]
    assert update.explanation  # every stage explains itself


@pytest.mark.parametrize(
    "path",
    [
        scenarios_dir() / "x1-x2-worked-example.json",
        DATA / "three-class-momentum.json",
        DATA / "spiral-adam.json",
        scenarios_dir() / "vanishing-gradients.json",
        scenarios_dir() / "regression-plane.json",
        scenarios_dir() / "learning-rate-too-high.json",
    ],
    ids=lambda p: p.stem,
)
def test_every_shown_value_is_a_trace_value_and_its_text_shows_it(path):
    simulation = Simulation(load_scenario(path))
    _, trace = simulation.trace_sample(1)
    trace_values = {float(trace.loss), float(trace.penalty)}
    trace_values.update(float(v) for v in trace.inputs.ravel())
    for layer in trace.layers:
        arrays = [layer.z, layer.a, layer.delta, layer.grad_weights, layer.grad_biases]
        arrays += [layer.weights_before, layer.weights_after, layer.biases_after]
        arrays += [layer.biases_before, layer.step_weights, layer.step_biases]
        arrays += [w for pair in layer.optimizer_state.values() for w in pair]
        arrays += [w for pair in layer.optimizer_state_before.values() for w in pair]
        if layer.softmax_sum is not None:
            arrays.append(layer.softmax_sum)
        for array in arrays:
            trace_values.update(float(v) for v in np.ravel(array))
    checked = 0
    for stage, focus, calc in _all_lines(trace, _names(simulation), digits=5):
        for line in calc.lines:
            if line.value is None:
                continue
            # A worked line's value comes from numbers on the panel: its arithmetic is checked
            # by the tests below; every other value is the trace's own.
            assert line.worked or line.value in trace_values, (stage, focus, line)
            assert f"= {walk.number(line.value, 5)}" in line.text, line.text
            checked += 1
    assert checked > 20


def test_softmax_shows_its_sum_and_prediction_minus_target():
    simulation = Simulation(load_scenario(DATA / "three-class-momentum.json"))
    _, trace = simulation.trace_sample(0)
    output = trace.layers[-1]
    calc = walk.calculation(
        trace, walk.Stage("forward", 2, 1), walk.Focus(2, 1), _names(simulation)
    )
    sums = [line for line in calc.lines if line.name == "softmax sum"]
    assert sums[0].value == output.softmax_sum[0]
    precise = walk.calculation(
        trace, walk.Stage("forward", 2), walk.Focus(2, 1), _names(simulation), digits=12
    )
    a_line = next(line for line in precise.lines if line.name == "a")
    _, worked = _redo(a_line.text)
    assert worked == [pytest.approx(output.a[0, 1], rel=1e-10)]
    delta = walk.calculation(trace, walk.Stage("backward", 2), walk.Focus(2, 1), _names(simulation))
    assert delta.lines[0].text.startswith("δ = ŷ − y = ")
    assert "Softmax" in calc.explanation


def test_momentum_and_adam_show_their_state_and_the_effective_step():
    momentum = Simulation(load_scenario(DATA / "three-class-momentum.json"))
    _, trace = momentum.trace_sample(0)
    layer = trace.layers[0]
    calc = walk.calculation(trace, walk.Stage("update"), walk.Focus(1, 2, 1), _names(momentum))
    values = {line.name: line.value for line in calc.lines}
    assert values["velocity"] == layer.optimizer_state["velocity"][0][2, 1]
    assert values["step"] == layer.step_weights[2, 1]
    adam = Simulation(load_scenario(DATA / "spiral-adam.json"))
    _, trace = adam.trace_sample(0)
    layer = trace.layers[1]
    calc = walk.calculation(trace, walk.Stage("update"), walk.Focus(2, 0, 3), _names(adam))
    values = {line.name: line.value for line in calc.lines}
    assert values["m"] == layer.optimizer_state["m"][0][0, 3]
    assert values["v"] == layer.optimizer_state["v"][0][0, 3]
    assert values["step"] == layer.step_weights[0, 3]
    assert values["new value"] == layer.weights_after[0, 3]


def test_regularization_shows_the_penalty_share():
    simulation = _simulation(
        scenarios_dir() / "x1-x2-worked-example.json",
        regularization=RegularizationSpec("l2", 0.1),
    )
    _, trace = simulation.trace_sample(0)
    calc = walk.calculation(
        trace, walk.Stage("backward", 1), walk.Focus(1, 0, 1), _names(simulation)
    )
    share = trace.layers[0].penalty_grad_weights[0, 1]
    assert share != 0
    gradient = calc.lines[-1]
    assert gradient.text.startswith("∂L/∂w = δ(h1.1) × a(X2) + L2 share = ")
    assert f" + {walk.factor(share)} = " in gradient.text
    _shown, worked = _redo(
        walk.calculation(
            trace, walk.Stage("backward", 1), walk.Focus(1, 0, 1), _names(simulation), digits=12
        )
        .lines[-1]
        .text
    )
    assert worked == [pytest.approx(trace.layers[0].grad_weights[0, 1], rel=1e-11)]
    assert "L2" in calc.explanation


def test_frozen_weights_are_shown_locked():
    obj = json.loads((scenarios_dir() / "x1-x2-worked-example.json").read_text())
    obj["network"]["layers"][0]["freeze"] = ["weights"]
    simulation = Simulation(validate_scenario_dict(obj, file="frozen.json"))
    _, trace = simulation.trace_sample(0)
    calc = walk.calculation(trace, walk.Stage("update"), walk.Focus(1, 0, 0), _names(simulation))
    assert "locked" in calc.lines[0].text
    assert calc.lines[0].value == trace.layers[0].weights_before[0, 0]
    marks = walk.annotations(trace, walk.Stage("update"), walk.Focus(1, 0))
    assert (1, 0, 0) in marks.locked_edges
    assert (2, 0, 0) in marks.changed_edges


def test_mini_batch_lists_each_samples_gradient_and_their_mean():
    simulation = Simulation(load_scenario(scenarios_dir() / "x1-x2-worked-example.json"))
    _, trace = simulation.trace_batch([0, 1, 2, 3])
    calc = walk.calculation(
        trace, walk.Stage("backward", 2), walk.Focus(2, 0, 1), _names(simulation)
    )
    per_sample = [line.value for line in calc.lines if line.name.startswith("sample ")]
    assert len(per_sample) == 4
    assert calc.lines[-1].value == trace.layers[1].grad_weights[0, 1]
    assert np.mean(per_sample) == pytest.approx(calc.lines[-1].value, rel=1e-12)
    neuron = walk.calculation(
        trace, walk.Stage("backward", 2), walk.Focus(2, 0), _names(simulation)
    )
    per_sample = [line.value for line in neuron.lines if line.name.startswith("sample ")]
    assert len(per_sample) == 4
    assert neuron.lines[-1].value == trace.layers[1].grad_biases[0]
    assert np.mean(per_sample) == pytest.approx(neuron.lines[-1].value, rel=1e-12)
    assert neuron.lines[0].text.startswith("δ = (ŷ − y) / n = (")
    assert " / 4 = " in neuron.lines[0].text


def test_wide_layers_show_numbers_for_the_focused_neuron_only():
    obj = json.loads((scenarios_dir() / "x1-x2-worked-example.json").read_text())
    obj["network"]["layers"] = [
        {"units": 20, "activation": "relu"},
        {"units": 1, "activation": "sigmoid"},
    ]
    simulation = Simulation(validate_scenario_dict(obj, file="wide.json"))
    _, trace = simulation.trace_sample(0)
    focus = walk.Focus(1, 7)
    marks = walk.annotations(trace, walk.Stage("backward", 1), focus)
    assert [key for key in marks.neuron_text if key[0] == 1] == [(1, 7)]
    assert set(marks.edge_text) == {(1, 7, 0), (1, 7, 1)}


def test_restoring_a_checkpoint_undoes_the_step():
    path = scenarios_dir() / "x1-x2-worked-example.json"
    walked, untouched = Simulation(load_scenario(path)), Simulation(load_scenario(path))
    checkpoint = walked.checkpoint()
    walked.trace_sample(3)
    assert not np.array_equal(walked.network.parameters, untouched.network.parameters)
    walked.restore(checkpoint)
    walked.train_epochs(2)
    untouched.train_epochs(2)
    np.testing.assert_array_equal(walked.network.parameters, untouched.network.parameters)


# ---------------------------------------------------------------------------------------------
# Every number on the panel can be redone with a pocket calculator from the panel's numbers


@pytest.mark.parametrize(("loss", "activation"), [("bce", "sigmoid"), ("mse", "linear")])
def test_two_outputs_show_the_one_over_k_and_the_terms_add_up_to_the_loss(loss, activation):
    simulation = _two_outputs(loss, activation)
    _, trace = simulation.trace_sample(0)
    calc = walk.calculation(trace, walk.Stage("loss"), walk.Focus(2, 0), ["X1", "X2"], digits=12)
    texts = {line.name: line.text for line in calc.lines}
    assert "(1/K)" in texts["formula"]
    assert "K = 2" in texts["formula"]
    assert "(1/2) × (" in texts["substituted"]
    # Each output's term, substituted: worked out, it is the term written on the next line.
    substituted = _evaluate(texts["substituted"].removeprefix("L = "))
    shown, worked = _redo(texts["loss"])
    assert shown == pytest.approx(trace.loss, rel=1e-11)
    assert worked == [pytest.approx(trace.loss, rel=1e-9)]
    assert substituted == pytest.approx(trace.loss, rel=1e-9)
    # Without the 1/2 the terms would add up to twice the loss.
    terms = [_value(t) for t in re.findall(NUMBER, texts["loss"].split(" = ")[1])[2:]]
    assert len(terms) == 2
    assert abs(sum(terms)) == pytest.approx(2 * trace.loss, rel=1e-9)


@pytest.mark.parametrize(("loss", "activation"), [("bce", "sigmoid"), ("mse", "sigmoid")])
def test_two_outputs_show_the_one_over_k_in_delta_and_in_nnsim_trace(loss, activation):
    simulation = _two_outputs(loss, activation)
    _, trace = simulation.trace_sample(0)
    output = trace.layers[-1]
    for j in range(2):
        calc = walk.calculation(
            trace, walk.Stage("backward", 2), walk.Focus(2, j), ["X1", "X2"], digits=12
        )
        delta = next(line for line in calc.lines if line.name == "delta")
        assert "(ŷ − y) / K" in delta.text
        assert ") / 2 " in delta.text
        shown, worked = _redo(delta.text)
        assert shown == pytest.approx(output.delta[0, j], rel=1e-11)
        assert worked == [pytest.approx(output.delta[0, j], rel=1e-9)]
    text = trace_to_text(trace, 1, ["X1", "X2"])
    assert "δ = ŷ − y" not in text
    if loss == "bce":
        assert re.search(r"δ2_1 = \(ŷ − y\) / 2 = ", text)
        assert "L = −(1/2) × ([" in text
    else:
        assert re.search(r"δ2_1 = 2 · \(ŷ − y\) / 2 · sigmoid′\(z2_1\) = ", text)
        assert "L = (1/2) × ((" in text


def _update_texts(trace, focus, names):
    calc = walk.calculation(trace, walk.Stage("update"), focus, names, digits=12)
    return {line.name: line for line in calc.lines}


def test_momentum_shows_the_velocity_it_started_from_and_redoes_the_step():
    simulation = Simulation(load_scenario(DATA / "three-class-momentum.json"))
    simulation.train_epochs(2)  # a velocity of its own, not 0
    trace = _with_state_before(simulation, [0, 1, 2])
    layer = trace.layers[0]
    lines = _update_texts(trace, walk.Focus(1, 2, 1), _names(simulation))
    previous = layer.optimizer_state_before["velocity"][0][2, 1]
    assert previous != 0
    velocity = lines["velocity"].text
    assert f"× {walk.factor(previous, 12)} + " in velocity
    for name in ("velocity", "step", "new value"):
        shown, worked = _redo(lines[name].text)
        assert worked, lines[name].text
        for value in worked:
            assert value == pytest.approx(shown, rel=1e-9, abs=1e-15), lines[name].text
    assert lines["velocity"].value == layer.optimizer_state["velocity"][0][2, 1]
    assert lines["new value"].value == layer.weights_after[2, 1]


def test_adam_shows_its_moments_before_and_the_corrected_ones_and_redoes_the_step():
    simulation = Simulation(load_scenario(DATA / "spiral-adam.json"))
    for _ in range(14):
        simulation.trainer.step()
    trace = _with_state_before(simulation, [0, 1, 2, 3])
    assert trace.optimizer_step_count == 15
    layer = trace.layers[1]
    lines = _update_texts(trace, walk.Focus(2, 0, 3), _names(simulation))
    m_before = layer.optimizer_state_before["m"][0][0, 3]
    v_before = layer.optimizer_state_before["v"][0][0, 3]
    assert f"0.9 × {walk.factor(m_before, 12)} + " in lines["m"].text
    assert f"0.999 × {walk.factor(v_before, 12)} + " in lines["v"].text
    assert "^15" in lines["m̂"].text
    assert "^15" in lines["v̂"].text
    for name in ("m", "v", "m̂", "v̂", "step", "step in η", "new value"):
        shown, worked = _redo(lines[name].text)
        assert worked, lines[name].text
        for value in worked:
            assert value == pytest.approx(shown, rel=1e-9, abs=1e-15), lines[name].text
    assert lines["m"].value == layer.optimizer_state["m"][0][0, 3]
    assert lines["v"].value == layer.optimizer_state["v"][0][0, 3]
    assert lines["step"].value == layer.step_weights[0, 3]
    assert lines["new value"].value == layer.weights_after[0, 3]
    # The step is not "about η" in general: the panel says what it is.
    assert lines["step in η"].value == pytest.approx(layer.step_weights[0, 3] / 0.01)
    explanation = walk.calculation(
        trace, walk.Stage("update"), walk.Focus(2, 0, 3), _names(simulation)
    ).explanation
    assert "whatever the size" not in explanation
    assert "first step" in explanation


def test_the_trainer_records_the_optimizer_state_a_step_started_from():
    simulation = Simulation(load_scenario(DATA / "spiral-adam.json"))
    simulation.train_epochs(1)
    before = simulation.checkpoint().optimizer
    _, trace = simulation.trace_sample(0)
    weights, biases = simulation.network.split(np.asarray(before["m"]))
    for layer, w, b in zip(trace.layers, weights, biases, strict=True):
        np.testing.assert_array_equal(layer.optimizer_state_before["m"][0], w)
        np.testing.assert_array_equal(layer.optimizer_state_before["m"][1], b)


@pytest.mark.parametrize(
    "path",
    [scenarios_dir() / "x1-x2-worked-example.json", scenarios_dir() / "vanishing-gradients.json"],
    ids=lambda p: p.stem,
)
def test_every_stage_opens_on_the_first_neuron_of_its_layer(path):
    simulation = Simulation(load_scenario(path))
    _, trace = simulation.trace_sample(0)
    for stage in walk.stages(trace, "layer"):
        focus = walk.default_focus(stage, trace)
        assert focus.neuron == 0
        assert focus.source is None
        if stage.column is not None:
            assert focus.column == stage.column


def test_an_edge_shows_what_it_adds_to_z_and_later_its_gradient():
    simulation = Simulation(load_scenario(scenarios_dir() / "x1-x2-worked-example.json"))
    _, trace = simulation.trace_sample(0)
    names = _names(simulation)
    hidden = trace.layers[0]
    for column, j, i in [(1, 0, 0), (1, 1, 1), (2, 0, 1)]:
        layer = trace.layers[column - 1]
        below = trace.inputs[0] if column == 1 else hidden.a[0]
        edge = walk.Focus(column, j, i)
        forward = walk.calculation(trace, walk.Stage("forward", column), edge, names, digits=12)
        product = next(line for line in forward.lines if line.name == "product")
        assert "w × x = " in product.text
        assert product.value == layer.weights_before[j, i] * below[i]
        _shown, worked = _redo(product.text)
        assert worked == [pytest.approx(product.value, rel=1e-12)]
        backward = walk.calculation(trace, walk.Stage("backward", column), edge, names, digits=12)
        gradient = backward.lines[-1]
        assert gradient.text.startswith("∂L/∂w = δ(")
        assert gradient.value == layer.grad_weights[j, i]
        _, worked = _redo(gradient.text)
        assert worked == [pytest.approx(gradient.value, rel=1e-11)]
    edge = walk.calculation(trace, walk.Stage("forward", 1), walk.Focus(1, 0, 0), names)
    assert [line.text for line in edge.lines] == [
        "w(X1 → h1.1) = −0.5",
        "x = X1 = 1",
        "into z of h1.1: w × x = −0.5 × 1 = −0.5",
    ]


DERIVATIVE = re.compile(
    r"(ReLU|LeakyReLU|σ|tanh|linear|relu|leaky_relu|sigmoid)′\(("
    + NUMBER
    + r")\)(.{0,3})("
    + NUMBER
    + ")?"
)
SLOPES = {
    "relu": lambda z: float(z > 0),
    "leakyrelu": lambda z: 1.0 if z > 0 else 0.01,
    "leaky_relu": lambda z: 1.0 if z > 0 else 0.01,
    "σ": lambda z: 1 / (1 + math.exp(-z)) * (1 - 1 / (1 + math.exp(-z))),
    "sigmoid": lambda z: 1 / (1 + math.exp(-z)) * (1 - 1 / (1 + math.exp(-z))),
    "tanh": lambda z: 1 - math.tanh(z) ** 2,
    "linear": lambda z: 1.0,
}


def _derivatives_are_evaluated(text: str) -> int:
    """Assert that every derivative at a number, f′(0.5), is followed by `= value` and that the
    value is that slope (worked out here from the z shown); return how many there were."""
    found = 0
    for match in DERIVATIVE.finditer(text):
        label, z, after, value = match.groups()
        assert after == " = ", text
        assert value, text
        assert _value(value) == pytest.approx(SLOPES[label.lower()](_value(z)), rel=1e-8), text
        found += 1
    return found


@pytest.mark.parametrize(
    "path",
    [
        scenarios_dir() / "x1-x2-worked-example.json",
        DATA / "spiral-adam.json",
        DATA / "three-class-momentum.json",
        scenarios_dir() / "vanishing-gradients.json",
        scenarios_dir() / "learning-rate-too-high.json",
        scenarios_dir() / "regression-plane.json",
    ],
    ids=lambda p: p.stem,
)
def test_no_derivative_is_left_unevaluated(path):
    simulation = Simulation(load_scenario(path))
    _, trace = simulation.trace_sample(0)
    found = 0
    for _, _, calc in _all_lines(trace, _names(simulation), digits=12):
        for line in calc.lines:
            found += _derivatives_are_evaluated(line.text)
    text = trace_to_text(trace, 1, _names(simulation), digits=12)
    found_in_text = _derivatives_are_evaluated(text)
    assert found > 0
    assert found_in_text > 0 or len(trace.layers) == 1


def test_only_the_output_sigmoid_reads_as_a_probability():
    simulation = Simulation(load_scenario(scenarios_dir() / "vanishing-gradients.json"))
    _, trace = simulation.trace_sample(0)
    names = _names(simulation)
    count = len(trace.layers)
    for column in range(1, count):
        calc = walk.calculation(trace, walk.Stage("forward", column), walk.Focus(column, 0), names)
        assert "sigmoid" in calc.explanation
        assert "probability" not in calc.explanation
    output = walk.calculation(trace, walk.Stage("forward", count), walk.Focus(count, 0), names)
    assert "probability" in output.explanation
    answer = next(line for line in output.lines if line.name == "decision")
    assert "0.5" in answer.text
    assert answer.text.endswith("so 1") == (trace.layers[-1].a[0, 0] > 0.5)


def test_softmax_answers_with_the_largest_output():
    simulation = Simulation(load_scenario(DATA / "three-class-momentum.json"))
    _, trace = simulation.trace_sample(0)
    calc = walk.calculation(trace, walk.Stage("forward", 2), walk.Focus(2, 0), _names(simulation))
    answer = next(line for line in calc.lines if line.name == "decision")
    best = int(np.argmax(trace.layers[-1].a[0]))
    assert answer.text.startswith(f"answer: class {best}, the largest output")
    assert "argmax" in calc.explanation


def test_a_mini_batch_explains_that_delta_is_a_share_of_the_samples_own():
    simulation = Simulation(load_scenario(scenarios_dir() / "x1-x2-worked-example.json"))
    _, trace = simulation.trace_batch([0, 1, 2, 3])
    hidden = trace.layers[0]
    for sample in range(4):
        calc = walk.calculation(
            trace, walk.Stage("backward", 1), walk.Focus(1, 0), _names(simulation), sample, 12
        )
        own = next(line for line in calc.lines if line.name == "own delta")
        assert own.text.startswith("this sample's own δ = 4 × δ = 4 × ")
        assert own.value == hidden.sample_grad_biases[sample, 0]
        _, worked = _redo(own.text)
        assert worked == [pytest.approx(own.value, rel=1e-11)]
        listed = next(line for line in calc.lines if line.name == f"sample {sample + 1}")
        assert listed.value == own.value
        assert "1/4" in calc.explanation


def test_the_loss_shown_is_the_data_loss_and_the_penalty_stands_apart():
    simulation = _simulation(
        scenarios_dir() / "x1-x2-worked-example.json",
        regularization=RegularizationSpec("l2", 0.1),
    )
    _, trace = simulation.trace_sample(0)
    calc = walk.calculation(trace, walk.Stage("loss"), walk.Focus(2, 0), _names(simulation))
    lines = {line.name: line for line in calc.lines}
    assert lines["loss"].value == trace.loss
    assert lines["penalty"].value == trace.penalty > 0
    assert "apart from L" in lines["penalty"].text
    assert "added to the objective" not in calc.explanation + lines["penalty"].text
    assert "data loss" in calc.explanation
    # The loss written out is the data loss alone: its terms work out to L, not L + penalty.
    shown, _ = _redo(lines["loss"].text)
    assert shown == pytest.approx(-math.log(trace.layers[-1].a[0, 0]), rel=1e-3)


def test_the_plain_words_meet_a_tutorials_reader():
    simulation = Simulation(load_scenario(scenarios_dir() / "x1-x2-worked-example.json"))
    _, trace = simulation.trace_sample(0)
    names = _names(simulation)
    loss = walk.calculation(trace, walk.Stage("loss"), walk.Focus(2, 0), names).explanation
    assert "error" in loss
    assert "δ" in loss
    delta = walk.calculation(trace, walk.Stage("backward", 2), walk.Focus(2, 0), names)
    assert "target − prediction" in delta.explanation
    assert "opposite sign" in delta.explanation
    edge = walk.calculation(trace, walk.Stage("forward", 1), walk.Focus(1, 0, 0), names)
    assert "w(X1 → h1.1)" in edge.explanation
    assert "W1" in edge.explanation
    update = walk.calculation(trace, walk.Stage("update"), walk.Focus(2, 0), names)
    assert "iteration" in update.explanation
    assert "epoch" in update.explanation


def test_the_output_neuron_shows_the_answer_on_the_canvas():
    simulation = Simulation(load_scenario(scenarios_dir() / "x1-x2-worked-example.json"))
    _, trace = simulation.trace_sample(0)
    marks = walk.annotations(trace, walk.Stage("loss"), walk.Focus(2, 0))
    assert marks.neuron_text[(2, 0)] == "ŷ 0.7311\ny 1\nanswer 1"
    softmax = Simulation(load_scenario(DATA / "three-class-momentum.json"))
    _, trace = softmax.trace_sample(0)
    best = int(np.argmax(trace.layers[-1].a[0]))
    marks = walk.annotations(trace, walk.Stage("loss"), walk.Focus(2, 0))
    answers = [key for key, text in marks.neuron_text.items() if "answer" in text]
    assert answers == [(2, best)]
    # Counted from 0, as the data's classes ("class 0", "class 1", …) and the canvas's rule are.
    assert marks.neuron_text[(2, best)].endswith(f"answer class {best}")


def test_an_undone_step_shows_the_weights_kept_not_an_update_that_never_happened():
    obj = json.loads((scenarios_dir() / "x1-x2-worked-example.json").read_text())
    obj["training"]["optimizer"]["learning_rate"] = 1e308  # the first step overflows
    simulation = Simulation(validate_scenario_dict(obj, file="overflow.json"))
    _, trace = simulation.trace_sample(0)
    assert trace.diverged
    hidden = trace.layers[0]
    calc = walk.calculation(trace, walk.Stage("update"), walk.Focus(1, 0, 1), ["X1", "X2"])
    assert [line.text for line in calc.lines] == ["w = 0.5 (kept: this step was undone)"]
    assert calc.lines[0].value == hidden.weights_before[0, 1] == hidden.weights_after[0, 1]
    assert "undone" in calc.explanation
    text = trace_to_text(trace, 1, ["X1", "X2"])
    assert "w1_1,2 = 0.5 (kept: the step was undone)" in text
    updates = text.split("\nUpdate")[-1].split("\n", 1)[1]  # below the rule in the heading
    assert "←" not in updates
