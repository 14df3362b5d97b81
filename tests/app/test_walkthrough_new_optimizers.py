"""The step-through writes out RMSprop's and AdamW's terms with the trace's numbers, the new
activations' slopes evaluated, and the learning rate a schedule gave the step."""

from __future__ import annotations

import math
import re

import pytest

from simulator.app import edits
from simulator.app import walkthrough as walk
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.app.trace_report import trace_to_text
from simulator.resources import scenarios_dir


def _simulation(optimizer: dict, hidden: str = "tanh", schedule: dict | None = None):
    scenario = load_scenario(scenarios_dir() / "three-classes.json")
    scenario = edits.set_optimizer(scenario, learning_rate=0.01, **optimizer)
    scenario = edits.set_all_hidden_activations(scenario, hidden)
    if schedule is not None:
        scenario = edits.set_schedule(scenario, **schedule)
    return Simulation(scenario)


def _names(simulation):
    return list(simulation.scenario.network.inputs)


def _evaluate(expression: str) -> float:
    python = expression.replace("−", "-").replace("×", "*").replace("²", "**2").replace("^", "**")
    python = re.sub(r"√(\S+)", r"sqrt(\1)", python)
    return eval(python, {"__builtins__": {}, "sqrt": math.sqrt})


def _redo(text: str) -> tuple[float, list[float]]:
    """The result of `rule = numbers = … = result` and every numeric middle part worked out."""
    parts = text.split(" = ")
    worked = [
        _evaluate(part)
        for part in parts[1:-1]
        if not re.search(r"[a-zA-Zαβημλεσ]", part.replace("e−", "").replace("e+", ""))
    ]
    return float(parts[-1].split()[0].replace("−", "-")), worked


def _update(simulation, focus):
    simulation.train_epochs(2)  # a state of its own, not zeros
    _, trace = simulation.trace_batch([0, 1, 2])
    calc = walk.calculation(trace, walk.Stage("update"), focus, _names(simulation), digits=12)
    return trace, {line.name: line for line in calc.lines}, calc.explanation


def _all_redone(lines, names):
    for name in names:
        shown, worked = _redo(lines[name].text)
        assert worked, lines[name].text
        for value in worked:
            assert value == pytest.approx(shown, rel=1e-9, abs=1e-15), lines[name].text


def test_rmsprop_writes_out_its_average_and_step():
    simulation = _simulation({"name": "rmsprop", "alpha": 0.9})
    trace, lines, explanation = _update(simulation, walk.Focus(1, 2, 1))
    layer = trace.layers[0]
    before = layer.optimizer_state_before["square_avg"][0][2, 1]
    assert before != 0
    assert f"0.9 × {walk.factor(before, 12)} + 0.1 × " in lines["s"].text
    _all_redone(lines, ("s", "√s + ε", "step", "step in η", "new value"))
    assert lines["s"].value == layer.optimizer_state["square_avg"][0][2, 1]
    assert lines["step"].value == layer.step_weights[2, 1]
    assert lines["new value"].value == layer.weights_after[2, 1]
    assert "RMSprop keeps a running average" in explanation
    assert "momentum_buffer" not in layer.optimizer_state


def test_rmsprop_with_momentum_writes_out_its_buffer():
    simulation = _simulation({"name": "rmsprop", "momentum": 0.6})
    trace, lines, explanation = _update(simulation, walk.Focus(2, 1))  # a bias
    layer = trace.layers[1]
    buffer_before = layer.optimizer_state_before["momentum_buffer"][1][1]
    assert f"0.6 × {walk.factor(buffer_before, 12)} + " in lines["b"].text
    _all_redone(lines, ("s", "b", "step", "new value"))
    assert lines["b"].value == layer.optimizer_state["momentum_buffer"][1][1]
    assert lines["new value"].value == layer.biases_after[1]
    assert "With momentum μ" in explanation


def test_adamw_splits_its_step_into_adams_and_the_decay_of_the_weight():
    simulation = _simulation({"name": "adamw", "weight_decay": 0.5})
    trace, lines, explanation = _update(simulation, walk.Focus(1, 0, 1))
    layer = trace.layers[0]
    w = layer.weights_before[0, 1]
    assert f"0.01 × 0.5 × {walk.factor(w, 12)} = " in lines["decay"].text
    _all_redone(lines, ("m", "v", "m̂", "v̂", "Adam's step", "decay", "step", "new value"))
    assert lines["step"].value == layer.step_weights[0, 1]
    assert lines["new value"].value == layer.weights_after[0, 1]
    assert "Biases do not decay" in explanation
    # A bias: Adam's step alone.
    _, bias_lines, _ = _update(simulation, walk.Focus(1, 0))
    assert "decay" not in bias_lines
    assert "no decay" in bias_lines
    text = trace_to_text(trace, 1, _names(simulation), digits=12)
    assert "AdamW" in text
    assert "decay = η · λ · " in text


def test_a_schedule_is_named_with_the_rate_this_epoch():
    simulation = _simulation({"name": "sgd"}, schedule={"name": "exponential", "gamma": 0.5})
    trace, _, explanation = _update(simulation, walk.Focus(1, 0, 0))
    assert trace.learning_rate == 0.0025
    assert "× 0.5 every epoch" in explanation
    assert "this epoch it is η = 0.0025" in explanation
    assert "by the schedule: × 0.5 every epoch" in trace_to_text(trace, 1, _names(simulation))


SLOPES = {
    "ELU": lambda z: 1.0 if z > 0 else math.exp(z),
    "GELU": lambda z: (
        0.5 * (1 + math.erf(z / math.sqrt(2))) + z * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    ),
    "SiLU": lambda z: (s := 1 / (1 + math.exp(-z))) * (1 + z * (1 - s)),
    "softplus": lambda z: 1.0 if z > 20 else math.exp(z) / (math.exp(z) + 1),
}
NUMBER = r"−?\d+(?:\.\d+)?(?:e[−+]\d+)?"
SLOPE = re.compile(r"(ELU|GELU|SiLU|softplus)′\((" + NUMBER + r")\) = (" + NUMBER + ")")


@pytest.mark.parametrize("hidden", ["elu", "gelu", "silu", "softplus"])
def test_the_new_activations_show_their_formula_and_evaluated_slope(hidden):
    simulation = _simulation({"name": "adam"}, hidden=hidden)
    _, trace = simulation.trace_sample(0)
    names = _names(simulation)
    found = 0
    for stage in walk.stages(trace, "neuron"):
        for j in range(trace.layers[0].z.shape[1]):
            calc = walk.calculation(trace, stage, walk.Focus(1, j), names, digits=12)
            for line in calc.lines:
                for label, z, value in SLOPE.findall(line.text):
                    z, value = (float(v.replace("−", "-")) for v in (z, value))
                    assert value == pytest.approx(SLOPES[label](z), rel=1e-9), line.text
                    found += 1
    assert found > 0
    forward = walk.calculation(trace, walk.Stage("forward", 1), walk.Focus(1, 0), names)
    assert forward.lines[-1].text.startswith(f"a = {walk._activation_label(hidden)}(")
    assert forward.explanation.split(". ")[-1]  # the activation explained in words


@pytest.mark.parametrize(
    "optimizer",
    [{"name": "rmsprop"}, {"name": "rmsprop", "momentum": 0.5}, {"name": "adamw"}],
    ids=["rmsprop", "rmsprop+momentum", "adamw"],
)
def test_every_update_value_is_the_traces_or_worked_from_the_panel(optimizer):
    simulation = _simulation(optimizer)
    simulation.train_epochs(1)
    _, trace = simulation.trace_batch([0, 1])
    values = set()
    for layer in trace.layers:
        arrays = [layer.weights_before, layer.weights_after, layer.biases_before]
        arrays += [layer.biases_after, layer.step_weights, layer.step_biases]
        arrays += [layer.grad_weights, layer.grad_biases]
        arrays += [part for pair in layer.optimizer_state.values() for part in pair]
        arrays += [part for pair in layer.optimizer_state_before.values() for part in pair]
        for array in arrays:
            values.update(float(v) for v in array.ravel())
    names = _names(simulation)
    checked = 0
    for focus in (walk.Focus(1, 0, 0), walk.Focus(1, 1), walk.Focus(2, 2, 3), walk.Focus(2, 0)):
        calc = walk.calculation(trace, walk.Stage("update"), focus, names, digits=6)
        for line in calc.lines:
            if line.value is None:
                continue
            assert line.worked or line.value in values, line
            assert f"= {walk.number(line.value, 6)}" in line.text or line.name == "no decay"
            checked += 1
    assert checked >= 12
