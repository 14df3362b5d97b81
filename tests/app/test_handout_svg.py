"""The handout's network picture: valid SVG, one circle per neuron, one line per edge, the
stage's flow drawn over them, in the canvas's colours."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from simulator.app import walkthrough as walk
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.cli import scenario_path
from simulator.export import handout_svg
from simulator.ui import palette

SVG = "{http://www.w3.org/2000/svg}"


def _trace(name: str):
    simulation = Simulation(load_scenario(scenario_path(name)))
    _, trace = simulation.trace_sample(0)
    return trace, list(simulation.data.feature_plan.names)


def _pictures(trace, names):
    for stage in walk.stages(trace, "layer"):
        notes = walk.annotations(trace, stage, walk.default_focus(stage, trace), 0, 4)
        yield stage, notes, ET.fromstring(handout_svg.stage_svg(trace, notes, names))


def _group(root, name):
    return next(g for g in root.iter(f"{SVG}g") if g.get("class") == name)


@pytest.mark.parametrize("scenario", ["xor", "three-classes"])
def test_one_circle_per_neuron_and_one_line_per_edge(scenario):
    trace, names = _trace(scenario)
    neurons = trace.inputs.shape[1] + sum(layer.z.shape[1] for layer in trace.layers)
    edges = sum(layer.weights_before.size for layer in trace.layers)
    for stage, notes, root in _pictures(trace, names):
        assert root.tag == f"{SVG}svg"
        assert len(list(_group(root, "neurons").iter(f"{SVG}circle"))) == neurons
        assert len(list(_group(root, "edges").iter(f"{SVG}line"))) == edges
        flow = list(_group(root, "flow").iter(f"{SVG}line"))
        assert len(flow) == len(notes.lit_edges | notes.changed_edges), stage
        # The stage's numbers are written, each as the annotations give it.
        written = [text.text for text in _group(root, "numbers").iter(f"{SVG}text")]
        texts = list(notes.neuron_text.values()) + [
            f"{text} (locked)" if key in notes.locked_edges else text
            for key, text in notes.edge_text.items()
        ]
        expected = [line for text in texts for line in text.split("\n")]
        assert sorted(written) == sorted(expected)
        # Lit neurons wear the flow's ring.
        rings = [c for c in root.iter(f"{SVG}circle") if c.get("stroke") == palette.WALK_FLOW]
        assert len(rings) == len(notes.lit_neurons)


def test_the_forward_stage_lights_its_layer_with_arrows_right():
    trace, names = _trace("xor")
    stage = walk.Stage("forward", 1)
    notes = walk.annotations(trace, stage, walk.default_focus(stage, trace), 0, 4)
    root = ET.fromstring(handout_svg.stage_svg(trace, notes, names))
    fan_in, units = trace.inputs.shape[1], trace.layers[0].z.shape[1]
    assert len(notes.lit_edges) == fan_in * units
    assert len(list(_group(root, "flow").iter(f"{SVG}polygon"))) == fan_in * units


def test_edges_are_coloured_and_sized_as_the_canvas_draws_them():
    for weight in (-3.0, -0.5, -0.01, 0.0, 0.02, 0.3, 1.5, 4.0):
        bucket = int(palette.weight_buckets(np.array([weight]))[0])
        assert handout_svg.edge_colour(weight) == "#{:02X}{:02X}{:02X}".format(
            *palette.bucket_rgba(bucket)[:3]
        )
        assert handout_svg.edge_width(weight) == palette.bucket_width(bucket)


def test_the_colours_are_the_palettes():
    for name in (
        "NEGATIVE",
        "POSITIVE",
        "EDGE_NEUTRAL",
        "NEGATIVE_TEXT",
        "POSITIVE_TEXT",
        "WALK_FLOW",
        "WALK_CHANGED",
        "WALK_LABEL_BACKGROUND",
        "WALK_CHANGED_BACKGROUND",
        "WALK_LOCKED_BACKGROUND",
        "WALK_LABEL_BORDER",
        "LEVEL_WIDTHS",
    ):
        assert getattr(handout_svg, name) == getattr(palette, name), name
    np.testing.assert_array_equal(handout_svg.WEIGHT_THRESHOLDS, palette.WEIGHT_THRESHOLDS)


def test_a_wide_network_draws_its_strongest_edges_and_says_so():
    trace, names = _trace("digits")
    stage = walk.Stage("input")
    notes = walk.annotations(trace, stage, walk.default_focus(stage, trace), 0, 4)
    root = ET.fromstring(handout_svg.stage_svg(trace, notes, names))
    expected = sum(
        min(layer.weights_before.size, handout_svg.MAX_DRAWN_EDGES) for layer in trace.layers
    )
    assert len(list(_group(root, "edges").iter(f"{SVG}line"))) == expected
    assert any("the strongest" in (t.text or "") for t in root.iter(f"{SVG}text"))
    neurons = trace.inputs.shape[1] + sum(layer.z.shape[1] for layer in trace.layers)
    assert len(list(root.iter(f"{SVG}circle"))) == neurons
    height = float(root.get("height"))
    assert height <= handout_svg.MAX_PICTURE_HEIGHT + 1
