"""Asking the network about an input: the step-through of its forward pass alone (input and
forward stages, no loss, no update), the input stage's scaling written out with the engine's own
numbers, and the snapshot's answer to the asked input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from simulator.app import walkthrough as walk
from simulator.app.predict import predict
from simulator.app.session import Simulation
from simulator.app.snapshot import take_snapshot
from simulator.app.storage import load_scenario
from simulator.engine.trainer import trace_forward
from simulator.resources import scenarios_dir

CAT_VS_DOG = scenarios_dir() / "cat-vs-dog.json"


def _scaled_cat_vs_dog(tmp_path: Path, method="standardize") -> Simulation:
    scenario = json.loads(CAT_VS_DOG.read_text())
    scenario["data"]["scaling"] = {"method": method}
    path = tmp_path / "scaled.json"
    path.write_text(json.dumps(scenario))
    return Simulation(load_scenario(path))


def _probe_trace(simulation: Simulation, raw):
    row = np.asarray(raw, dtype=np.float64).reshape(1, -1)
    return trace_forward(simulation.network, simulation.network_inputs(row)), row


def test_a_probe_walks_the_input_and_forward_stages_only():
    simulation = Simulation(load_scenario(CAT_VS_DOG))
    simulation.train_epochs(3)
    trace, _ = _probe_trace(simulation, [0.3, 0.1])
    assert walk.forward_only(trace)
    kinds = [stage.kind for stage in walk.stages(trace)]
    assert kinds == ["input", "forward", "forward"]
    neuron_kinds = {stage.kind for stage in walk.stages(trace, "neuron")}
    assert neuron_kinds == {"input", "forward"}
    # A training step's trace keeps all five kinds.
    _, step = Simulation(load_scenario(CAT_VS_DOG)).trace_sample(0)
    assert not walk.forward_only(step)
    assert [s.kind for s in walk.stages(step)][-1] == "update"


def test_the_output_stage_names_the_answer_and_says_there_is_no_target():
    simulation = Simulation(load_scenario(CAT_VS_DOG))
    simulation.train_epochs(20)
    raw = [0.62, 0.30]
    trace, row = _probe_trace(simulation, raw)
    answer = predict(simulation, row)
    name = answer.class_names[answer.classes[0]]
    output = walk.stages(trace)[-1]
    names = list(simulation.data.feature_plan.names)
    focus = walk.default_focus(output, trace)
    calc = walk.calculation(trace, output, focus, names, class_names=answer.class_names)
    assert calc.lines[-1].text.endswith(f": {name}")
    assert "no target" in calc.explanation
    a = next(line for line in calc.lines if line.name == "a")
    assert a.value == answer.outputs[0, 0]
    marks = walk.annotations(trace, output, focus, class_names=answer.class_names)
    assert marks.neuron_text[(2, 0)].endswith(f"answer {name}")
    # Before the output layer's stage, no answer is given yet.
    hidden = walk.stages(trace)[1]
    early = walk.annotations(trace, hidden, walk.default_focus(hidden, trace))
    assert (2, 0) not in early.neuron_text
    first = walk.calculation(trace, walk.stages(trace)[0], walk.Focus(0, 0), names)
    assert "no target" in first.explanation


def test_the_input_stage_shows_raw_to_scaled_with_the_engine_numbers(tmp_path):
    simulation = _scaled_cat_vs_dog(tmp_path)
    scaling = simulation.data.scaling
    assert not scaling.identity
    _, trace = simulation.trace_batch([4, 7])
    data = simulation.data
    raw = walk.RawInputs(data.raw_names, data.train_raw[[4, 7]].copy(), scaling)
    names = list(data.feature_plan.names)
    stage = walk.stages(trace)[0]
    for sample in (0, 1):
        calc = walk.calculation(trace, stage, walk.Focus(0, 1), names, sample, 6, raw)
        texts = [line.text for line in calc.lines]
        raw_value = data.train_raw[[4, 7][sample], 1]
        center, scale = scaling.center[1], scaling.scale[1]
        scaled = calc.lines[1]
        assert texts[0] == f"raw tail length = {walk.number(raw_value, 6)}"
        assert scaled.text == (
            f"scaled tail length = (raw − center) / scale = ({walk.number(raw_value, 6)} − "
            f"{walk.factor(center, 6)}) / {walk.factor(scale, 6)} = {walk.number(scaled.value, 6)}"
        )
        # The scaled value is the network's input itself, bit for bit.
        assert scaled.value == trace.inputs[sample, 1]
        assert calc.lines[-1].value == trace.inputs[sample, 1]
        assert "(raw − center) / scale" in calc.explanation
    # Without scaling (or without the raw values) the input stage is as it always was.
    plain = walk.calculation(trace, stage, walk.Focus(0, 1), names)
    assert [line.name for line in plain.lines] == ["input"]


def test_a_column_left_unscaled_says_so(tmp_path):
    simulation = _scaled_cat_vs_dog(tmp_path, method=["none", "min_max"])
    trace, row = _probe_trace(simulation, [0.4, 0.2])
    raw = walk.RawInputs(simulation.data.raw_names, row, simulation.data.scaling)
    names = list(simulation.data.feature_plan.names)
    calc = walk.calculation(trace, walk.stages(trace)[0], walk.Focus(0, 0), names, raw=raw)
    assert [line.name for line in calc.lines] == ["raw", "not scaled", "input"]
    assert calc.lines[-1].value == 0.4
    other = walk.calculation(trace, walk.stages(trace)[0], walk.Focus(0, 1), names, raw=raw)
    assert other.lines[1].name == "scaled"
    assert other.lines[1].value == trace.inputs[0, 1] != 0.2


def test_a_snapshot_answers_the_asked_input_as_predict_does(tmp_path):
    simulation = _scaled_cat_vs_dog(tmp_path)
    simulation.train_epochs(5)
    asked = np.array([[0.25, 0.3], [0.6, 0.1]])
    shot = take_snapshot(simulation, None, with_maps=False, asked=asked)
    expected = predict(simulation, asked)
    assert shot.probe.records() == expected.records()
    assert np.array_equal(shot.probe.outputs, expected.outputs)
    assert take_snapshot(simulation, None, with_maps=False).probe is None
    # Rows of another width (a scenario just replaced) get no answer rather than an error.
    assert take_snapshot(simulation, None, with_maps=False, asked=np.ones((1, 3))).probe is None


@pytest.mark.parametrize("count", [1, 3])
def test_a_normal_walk_keeps_the_raw_rows_of_the_data(qtbot, count):
    from simulator.app.controller import TrainingController

    simulation = Simulation(load_scenario(CAT_VS_DOG))
    raw_rows = simulation.data.train_raw.copy()
    controller = TrainingController(simulation)
    controller.start()
    try:
        samples = list(range(2, 2 + count))
        with qtbot.waitSignal(controller.answered, timeout=10_000) as blocker:
            controller.request_walk(samples)
        walked = blocker.args[0].value
        assert not walked.forward_only
        np.testing.assert_array_equal(walked.raw_inputs.values, raw_rows[samples])
        with qtbot.waitSignal(controller.answered, timeout=10_000) as blocker:
            controller.request_probe_walk(np.array([0.5, 0.2]))
        probe = blocker.args[0].value
        assert probe.forward_only
        assert probe.checkpoint is None
        assert probe.answer.records()[0]["input"] == [0.5, 0.2]
        assert [s.kind for s in walk.stages(probe.trace)] == ["input", "forward", "forward"]
    finally:
        controller.shutdown()
