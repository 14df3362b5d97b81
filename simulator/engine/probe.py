"""The network looked at from outside: its neurons' outputs over a grid of the input plane."""

from __future__ import annotations

import numpy as np

from .features import FeatureError, FeaturePlan, build_inputs, resolve_features
from .network import Network
from .scaling import Scaling


def plane_grid(bounds: tuple[float, float, float, float], resolution: int) -> np.ndarray:
    """Return (resolution², 2) points covering bounds (x_min, x_max, y_min, y_max) at cell centres,
    row by row from the lowest y, so that reshaping a value per point to (resolution, resolution)
    gives an image whose row 0 is the bottom."""
    x_min, x_max, y_min, y_max = bounds
    xs = x_min + (np.arange(resolution) + 0.5) * (x_max - x_min) / resolution
    ys = y_min + (np.arange(resolution) + 0.5) * (y_max - y_min) / resolution
    grid_x, grid_y = np.meshgrid(xs, ys)
    return np.column_stack([grid_x.ravel(), grid_y.ravel()])


def feature_over_plane(
    raw_names: list[str],
    feature_name: str,
    bounds: tuple[float, float, float, float],
    resolution: int,
    scaling: Scaling | None = None,
) -> np.ndarray:
    """Return one input feature of 2-D data over the plane `bounds`, for its thumbnail: float64
    (resolution, resolution) at the cells of plane_grid (row 0 the lowest y, column 0 the
    lowest x). `bounds` are in raw units; `scaling` scales the points first, as the network's
    inputs are. Raises FeatureError unless there are two `raw_names` that allow the feature."""
    if len(raw_names) != 2:
        raise FeatureError(f"a feature picture needs exactly two raw columns, got {len(raw_names)}")
    plan = resolve_features(raw_names, [feature_name])
    grid = plane_grid(bounds, resolution)
    if scaling is not None:
        grid = scaling.apply(grid)
    return build_inputs(grid, plan).reshape(resolution, resolution)


def layer_outputs(
    network: Network, plan: FeaturePlan, raw: np.ndarray, scaling: Scaling | None = None
) -> list[np.ndarray]:
    """Return the outputs of every layer for raw data points (n, d): the input features (n, F)
    first, then each layer's activations (n, units). `scaling` scales the raw columns first, as
    the training data was (None: they feed the features unscaled)."""
    if scaling is not None:
        raw = scaling.apply(raw)
    inputs = build_inputs(raw, plan)
    with np.errstate(all="ignore"):
        return [inputs, *(a for _, a in network.forward(inputs))]


def plane_maps(
    network: Network,
    plan: FeaturePlan,
    bounds: tuple[float, float, float, float],
    resolution: int,
    scaling: Scaling | None = None,
) -> list[np.ndarray]:
    """Return, per layer (input features first), each neuron's output over the plane as an array
    (units, resolution, resolution) whose row 0 is the lowest y. `bounds` are in raw units;
    `scaling` scales the grid's points as the training data was."""
    outputs = layer_outputs(network, plan, plane_grid(bounds, resolution), scaling)
    return [
        np.ascontiguousarray(values.T.reshape(values.shape[1], resolution, resolution))
        for values in outputs
    ]
