"""The step-through model: its stages, and that every number it shows is the trace's own."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from simulator.app import walkthrough as walk
from simulator.app.scenario import RegularizationSpec
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario, validate_scenario_dict
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
        if layer.softmax_sum is not None:
            arrays.append(layer.softmax_sum)
        for array in arrays:
            trace_values.update(float(v) for v in np.ravel(array))
    checked = 0
    for stage, focus, calc in _all_lines(trace, _names(simulation), digits=5):
        for line in calc.lines:
            if line.value is None:
                continue
            assert line.value in trace_values, (stage, focus, line)
            assert line.text.endswith(walk.number(line.value, 5)), line.text
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
    assert f"L2 share {walk.factor(share)}" in calc.lines[-1].text
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
    assert neuron.lines[0].text.startswith("δ = (ŷ − y) / 4 = ")


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
