"""The canvas's hit tests alone, on hand-made arrays."""

from __future__ import annotations

import numpy as np

from simulator.ui.canvas.hit_test import (
    BiasTarget,
    EdgeTarget,
    NeuronTarget,
    hit_bias,
    hit_edge,
    hit_neuron,
)


def _edges(*segments) -> dict[str, np.ndarray]:
    rows = np.array(segments, dtype=float)
    keys = ("x0", "y0", "x1", "y1", "width", "z")
    return {key: rows[:, i] for i, key in enumerate(keys)}


def test_of_two_crossing_edges_the_one_on_top_is_hit():
    # Two edges crossing at (50, 50); the second is drawn above the first.
    edges = _edges((0, 0, 100, 100, 1, 0), (0, 100, 100, 0, 1, 5))
    ids = np.array([[1, 0, 0], [1, 1, 0]])
    assert hit_edge(50, 50, edges, ids) == EdgeTarget("edge", 1, 1, 0)
    # Away from the crossing each is its own.
    assert hit_edge(20, 21, edges, ids) == ("edge", 1, 0, 0)
    assert hit_edge(50, 80, edges, ids) is None


def test_a_wide_edge_is_easier_to_hit():
    ids = np.array([[2, 0, 3]])
    assert hit_edge(50, 5, _edges((0, 0, 100, 0, 2, 0)), ids) is None
    assert hit_edge(50, 5, _edges((0, 0, 100, 0, 8, 0)), ids) == ("edge", 2, 0, 3)


def test_neurons_and_bias_squares_answer_within_their_size():
    centres = np.array([[10.0, 10.0], [10.0, 40.0]])
    radii, ids = np.array([6.0, 6.0]), np.array([[1, 0], [1, 1]])
    assert hit_neuron(12, 38, centres, radii, ids) == NeuronTarget("neuron", 1, 1)
    assert hit_neuron(12, 25, centres, radii, ids) is None
    squares, half, bias_ids = np.array([[8.0, 13.0]]), np.array([2.5]), np.array([[1, 0]])
    assert hit_bias(9, 14, squares, half, bias_ids) == BiasTarget("bias", 1, 0)
    assert hit_bias(12, 14, squares, half, bias_ids) is None
    empty = {key: np.zeros(0) for key in ("x0", "y0", "x1", "y1", "width", "z")}
    assert hit_edge(0, 0, empty, np.zeros((0, 3))) is None
