"""The handout page of other walks than one sample: a mini-batch, and an input asked about (the
forward pass alone)."""

from __future__ import annotations

import html

import numpy as np

from simulator.app import walkthrough as walk
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.app.walk_stages import RawInputs
from simulator.cli import scenario_path
from simulator.engine.trainer import trace_forward
from simulator.export import handout


def _simulation(name: str) -> Simulation:
    return Simulation(load_scenario(scenario_path(name)))


def test_a_mini_batch_shows_the_chosen_samples_numbers():
    simulation = _simulation("three-classes")
    samples = (0, 4, 7)
    _, trace = simulation.trace_batch(list(samples))
    data = simulation.data
    names = list(data.feature_plan.names)
    raw = RawInputs(data.raw_names, data.train_raw[list(samples)].copy(), data.scaling)
    page = handout.handout_html(
        trace, names, scenario="t", samples=samples, sample=1, digits=4, raw=raw
    )
    assert "a mini-batch of 3 samples (1, 5, 8), the numbers of sample 5" in page
    for stage in walk.stages(trace, "layer"):
        for focus in handout.stage_focuses(trace, stage)[0]:
            calculation = walk.calculation(trace, stage, focus, names, 1, 4, raw)
            for line in calculation.lines:
                assert f"<p>{html.escape(line.text)}</p>" in page


def test_an_input_asked_about_is_the_forward_pass_alone():
    simulation = _simulation("xor")
    raw_row = np.array([[0.5, -1.0]])
    trace = trace_forward(simulation.network, simulation.network_inputs(raw_row))
    names = list(simulation.data.feature_plan.names)
    page = handout.handout_html(
        trace, names, scenario="XOR", samples=(), digits=4, class_names=("no", "yes")
    )
    assert "forward pass alone" in page
    assert "Loss" not in page
    assert "Update" not in page
    assert page.count("<svg ") == len(walk.stages(trace, "layer"))
    assert "target" not in page.split("<h2>")[0]
