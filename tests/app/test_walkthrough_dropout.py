"""The step-through and `nnsim trace` with dropout: the dropped neurons are named and marked,
and a = act(z) · m/(1 − p) is written with the trace's own mask, factor and numbers."""

from __future__ import annotations

import pytest

from simulator.app import edits
from simulator.app import walkthrough as walk
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.app.trace_report import trace_to_json, trace_to_text
from simulator.resources import scenarios_dir

P = 0.5


@pytest.fixture(scope="module")
def stepped():
    """A one-sample step with dropout in which the first hidden layer dropped some neurons and
    kept others (the masks are seeded: the same sample every run)."""
    scenario = load_scenario(scenarios_dir() / "three-classes.json")
    scenario = edits.set_all_hidden_dropout(scenario, P)
    simulation = Simulation(scenario)
    for sample in range(20):
        checkpoint = simulation.checkpoint()
        _, trace = simulation.trace_sample(sample)
        kept = trace.layers[0].kept[0]
        if kept.any() and not kept.all():
            return simulation, trace
        simulation.restore(checkpoint)
    raise AssertionError("no sample with both kept and dropped neurons")


def _forward_stage(trace, column):
    return next(
        s for s in walk.stages(trace, "layer") if s.kind == "forward" and s.column == column
    )


def test_the_forward_stage_writes_the_mask_and_factor_with_the_traces_numbers(stepped):
    simulation, trace = stepped
    names = list(simulation.scenario.network.inputs)
    layer = trace.layers[0]
    stage = _forward_stage(trace, 1)
    for j, kept in enumerate(layer.kept[0]):
        calc = walk.calculation(trace, stage, walk.Focus(1, j), names)
        line = next(line for line in calc.lines if line.name == "dropout")
        m = 1 if kept else 0
        a = walk.number(float(layer.a[0, j]))
        assert line.text.startswith(f"out = a × m/(1 − p) = {a} × {m}/(1 − 0.5) = ")
        assert line.value == float(layer.output[0, j])
        if kept:
            assert line.value == float(layer.a[0, j]) * 2.0
            assert "kept (m = 1)" in calc.explanation
            assert "1/(1 − p) = 2" in calc.explanation
        else:
            assert line.value == 0.0
            assert "dropped in this step" in line.text
            assert "dropped (m = 0)" in calc.explanation


def test_the_canvas_marks_the_dropped_neurons_once_the_forward_pass_reaches_them(stepped):
    _, trace = stepped
    dropped = {(1, j) for j, kept in enumerate(trace.layers[0].kept[0]) if not kept}
    input_stage = walk.stages(trace, "layer")[0]
    before = walk.annotations(trace, input_stage, walk.default_focus(input_stage, trace))
    assert not before.dropped_neurons
    stage = _forward_stage(trace, 1)
    marks = walk.annotations(trace, stage, walk.default_focus(stage, trace))
    assert dropped <= marks.dropped_neurons
    assert all(column >= 1 for column, _ in marks.dropped_neurons)
    j = next(iter(dropped))[1]
    assert marks.neuron_text[(1, j)].endswith("dropped → 0")
    # It stays marked through the backward pass: the mask holds for the whole step.
    last = walk.stages(trace, "layer")[-1]
    assert dropped <= walk.annotations(trace, last, walk.default_focus(last, trace)).dropped_neurons


def test_the_next_layer_adds_up_what_was_handed_on(stepped):
    simulation, trace = stepped
    names = list(simulation.scenario.network.inputs)
    stage = _forward_stage(trace, 2)
    dropped = next(j for j, kept in enumerate(trace.layers[0].kept[0]) if not kept)
    edge = walk.calculation(trace, stage, walk.Focus(2, 0, dropped), names)
    carried = next(line for line in edge.lines if line.name == "carried")
    assert "m/(1 − p)" in carried.text
    assert carried.value == 0.0


def test_the_backward_stage_multiplies_the_blame_by_the_mask(stepped):
    simulation, trace = stepped
    names = list(simulation.scenario.network.inputs)
    layer = trace.layers[0]
    stage = next(s for s in walk.stages(trace, "layer") if s.kind == "backward" and s.column == 1)
    for j, kept in enumerate(layer.kept[0]):
        calc = walk.calculation(trace, stage, walk.Focus(1, j), names)
        delta = next(line for line in calc.lines if line.name == "delta")
        assert f"× {int(kept)}/(1 − 0.5) ×" in delta.text
        if not kept:
            assert delta.value == 0.0


def test_nnsim_trace_names_the_dropped_neurons_and_writes_the_factor(stepped):
    simulation, trace = stepped
    names = list(simulation.scenario.network.inputs)
    text = trace_to_text(trace, 1, names)
    kept = trace.layers[0].kept[0]
    dropped = ", ".join(f"a1_{j + 1}" for j, k in enumerate(kept) if not k)
    assert f"dropped in this step: {dropped}" in text
    j = int(kept.argmax())
    a = walk.number(float(trace.layers[0].a[0, j]), 6)
    out = walk.number(float(trace.layers[0].output[0, j]), 6)
    assert f"out1_{j + 1} = a1_{j + 1} × m/(1 − p) = {a} × 1/(1 − 0.5) = {out}" in text
    forward = trace_to_json(trace, 1)["forward"][0]
    assert forward["mask"] == [int(k) for k in kept]
    assert forward["out"] == trace.layers[0].output[0].tolist()
    assert "mask" not in trace_to_json(trace, 1)["forward"][-1]
