"""Finite-difference check of the backward pass: compares analytic gradients with central
differences of the loss, parameter by parameter (with dropout, under one fixed mask)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import losses
from .network import (
    Network,
    Workspace,
    backward_dropout_into,
    backward_into,
    forward_dropout_into,
    forward_into,
)
from .trainer import Regularization

# Per layer, a fixed dropout factor m/(1−p) (batch, units), or None for a layer without dropout.
Noise = Sequence[np.ndarray | None]


@dataclass(frozen=True)
class GradientCheck:
    """analytic and numeric are flat gradients laid out like `Network.parameters`;
    max_relative_error is max |a − n| / max(1e-8, |a| + |n|) over all parameters."""

    analytic: np.ndarray
    numeric: np.ndarray
    max_relative_error: float
    max_absolute_error: float


def total_loss(
    network: Network,
    loss: str,
    x: np.ndarray,
    y: np.ndarray,
    regularization: Regularization,
    noise: Noise | None = None,
) -> float:
    """Return data loss plus regularization penalty for inputs x (n, in) and targets y (n, out),
    with each layer's output multiplied by its fixed dropout factor in `noise` when given."""
    if noise is None:
        z, a = network.forward(x)[-1]
    else:
        ws = _workspace(network, x, noise)
        forward_dropout_into(network, np.ascontiguousarray(x, dtype=np.float64), ws)
        z, a = ws.z[-1], ws.a[-1]
    value = losses.loss_value(loss, z, a, y)
    w = network.parameters[: network.weight_count]
    if regularization.kind == "l2":
        value += 0.5 * regularization.rate * float(np.vdot(w, w))
    elif regularization.kind == "l1":
        value += regularization.rate * float(np.abs(w).sum())
    return value


def analytic_gradient(
    network: Network,
    loss: str,
    x: np.ndarray,
    y: np.ndarray,
    regularization: Regularization,
    noise: Noise | None = None,
) -> np.ndarray:
    """Return the backward pass's gradient of the total loss, flat like `network.parameters`
    (under the fixed dropout factors `noise` when given)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    grad = np.zeros_like(network.parameters)
    grad_w, grad_b = network.split(grad)
    if noise is None:
        ws = Workspace(network, len(x))
        forward_into(network, x, ws)
        backward_into(network, loss, y, ws, grad_w, grad_b)
    else:
        ws = _workspace(network, x, noise)
        forward_dropout_into(network, x, ws)
        backward_dropout_into(network, loss, y, ws, grad_w, grad_b)
    w = network.parameters[: network.weight_count]
    if regularization.kind == "l2":
        grad[: network.weight_count] += regularization.rate * w
    elif regularization.kind == "l1":
        grad[: network.weight_count] += regularization.rate * np.sign(w)
    return grad


def check_gradients(
    network: Network,
    loss: str,
    x: np.ndarray,
    y: np.ndarray,
    regularization: Regularization | None = None,
    epsilon: float = 1e-6,
    noise: Noise | None = None,
) -> GradientCheck:
    """Compare the analytic gradient with central differences (L(θ+ε) − L(θ−ε)) / 2ε for every
    parameter, under the fixed dropout factors `noise` when given (dropout is a function of θ
    only once its mask is fixed). The network's parameters are restored exactly afterwards."""
    regularization = regularization or Regularization()
    analytic = analytic_gradient(network, loss, x, y, regularization, noise)
    params = network.parameters
    numeric = np.zeros_like(params)
    for i in range(params.size):
        original = params[i]
        params[i] = original + epsilon
        plus = total_loss(network, loss, x, y, regularization, noise)
        params[i] = original - epsilon
        minus = total_loss(network, loss, x, y, regularization, noise)
        params[i] = original
        numeric[i] = (plus - minus) / (2 * epsilon)
    difference = np.abs(analytic - numeric)
    scale = np.maximum(1e-8, np.abs(analytic) + np.abs(numeric))
    return GradientCheck(
        analytic=analytic,
        numeric=numeric,
        max_relative_error=float(np.max(difference / scale)),
        max_absolute_error=float(np.max(difference)),
    )


def _workspace(network: Network, x: np.ndarray, noise: Noise) -> Workspace:
    """A workspace for x's rows whose dropout factors are the given fixed ones."""
    ws = Workspace(network, len(x))
    ws.use_dropout([0.0 if m is None else 1.0 for m in noise])
    for i, m in enumerate(noise):
        if m is not None:
            ws.noise[i][...] = m
    return ws
