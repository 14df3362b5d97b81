"""What lies under the pointer on the network canvas, by vectorised NumPy tests over the arrays
the canvas draws from (no per-item events): a bias square, a neuron, or the nearest edge. Targets
are small named tuples whose first field names their kind, so they read as ("edge", layer, unit,
source) wherever a plain tuple is expected."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# An edge is hit within this many pixels of its line, or half its pen width and a little more.
EDGE_SLOP = 3.0
# Edges whose distance is within this many pixels of the nearest count as tied.
EDGE_TIE = 0.75


class BiasTarget(NamedTuple):
    kind: str  # "bias"
    layer: int  # 1..L
    unit: int


class NeuronTarget(NamedTuple):
    kind: str  # "neuron"
    column: int  # 0 the inputs
    unit: int


class EdgeTarget(NamedTuple):
    kind: str  # "edge"
    layer: int  # 1..L: the weight is snapshot.weights[layer - 1][unit, source]
    unit: int
    source: int


def hit_bias(
    x: float, y: float, centres: np.ndarray, half_sides: np.ndarray, ids: np.ndarray
) -> BiasTarget | None:
    """The first bias square (centres (m, 2), half_sides (m,), ids (m, 2) layer and unit) that
    holds the point, or None."""
    if not len(centres):
        return None
    inside = np.all(np.abs(centres - (x, y)) <= half_sides[:, None], axis=1)
    found = np.flatnonzero(inside)
    if not found.size:
        return None
    layer, unit = ids[found[0]]
    return BiasTarget("bias", int(layer), int(unit))


def hit_neuron(
    x: float, y: float, centres: np.ndarray, radii: np.ndarray, ids: np.ndarray
) -> NeuronTarget | None:
    """The neuron nearest the point if the point lies within its hit radius: centres (n, 2),
    radii (n,), ids (n, 2) column and unit."""
    if not len(centres):
        return None
    d2 = np.sum((centres - (x, y)) ** 2, axis=1)
    nearest = int(np.argmin(d2))
    if d2[nearest] > radii[nearest] ** 2:
        return None
    column, unit = ids[nearest]
    return NeuronTarget("neuron", int(column), int(unit))


def hit_edge(
    x: float, y: float, edges: dict[str, np.ndarray], ids: np.ndarray
) -> EdgeTarget | None:
    """The edge nearest the point, of those drawn: `edges` holds (k,) arrays "x0", "y0", "x1",
    "y1" (the ends), "width" (the pen) and "z" (the stacking order); ids (k, 3) layer, unit,
    source. Wide edges are easier to hit; among near ties the one drawn on top wins."""
    x0, y0 = edges["x0"], edges["y0"]
    if not x0.size:
        return None
    dx, dy = edges["x1"] - x0, edges["y1"] - y0
    length2 = np.maximum(dx * dx + dy * dy, 1e-12)
    t = np.clip(((x - x0) * dx + (y - y0) * dy) / length2, 0.0, 1.0)
    distance = np.hypot(x0 + t * dx - x, y0 + t * dy - y)
    slack = distance - np.maximum(EDGE_SLOP, edges["width"] / 2 + 1.5)
    candidates = np.flatnonzero(slack <= 0)
    if not candidates.size:
        return None
    near = candidates[distance[candidates] <= distance[candidates].min() + EDGE_TIE]
    best = near[np.argmax(edges["z"][near])]
    layer, unit, source = ids[best]
    return EdgeTarget("edge", int(layer), int(unit), int(source))
