"""Activation functions: forward into a buffer, and backward from ∂L/∂a to ∂L/∂z in place."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

LEAKY_RELU_SLOPE = 0.01

ActivationForward = Callable[[np.ndarray, np.ndarray], None]
# backward(grad_a, z, a, scratch) turns ∂L/∂a into ∂L/∂z in place in grad_a.
ActivationBackward = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], None]


def _linear_forward(z: np.ndarray, out: np.ndarray) -> None:
    np.copyto(out, z)


def _linear_backward(grad: np.ndarray, z: np.ndarray, a: np.ndarray, scratch: np.ndarray) -> None:
    pass


def _relu_forward(z: np.ndarray, out: np.ndarray) -> None:
    np.maximum(z, 0.0, out=out)


def _relu_backward(grad: np.ndarray, z: np.ndarray, a: np.ndarray, scratch: np.ndarray) -> None:
    # PyTorch's convention: the derivative at exactly 0 is 0, which `z > 0` gives.
    np.greater(z, 0.0, out=scratch)
    grad *= scratch


def _leaky_relu_forward(z: np.ndarray, out: np.ndarray) -> None:
    np.multiply(z, LEAKY_RELU_SLOPE, out=out)
    np.maximum(z, out, out=out)


def _leaky_relu_backward(
    grad: np.ndarray, z: np.ndarray, a: np.ndarray, scratch: np.ndarray
) -> None:
    # slope 1 where z > 0, else the leak (PyTorch uses the leak at exactly 0).
    np.greater(z, 0.0, out=scratch)
    scratch *= 1.0 - LEAKY_RELU_SLOPE
    scratch += LEAKY_RELU_SLOPE
    grad *= scratch


def _sigmoid_forward(z: np.ndarray, out: np.ndarray) -> None:
    # σ(z) = (1 + tanh(z/2)) / 2 never overflows, unlike 1 / (1 + exp(−z)) for very negative z.
    np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5


def _sigmoid_backward(grad: np.ndarray, z: np.ndarray, a: np.ndarray, scratch: np.ndarray) -> None:
    np.subtract(1.0, a, out=scratch)
    scratch *= a
    grad *= scratch


def _tanh_forward(z: np.ndarray, out: np.ndarray) -> None:
    np.tanh(z, out=out)


def _tanh_backward(grad: np.ndarray, z: np.ndarray, a: np.ndarray, scratch: np.ndarray) -> None:
    np.multiply(a, a, out=scratch)
    np.subtract(1.0, scratch, out=scratch)
    grad *= scratch


def _softmax_forward(z: np.ndarray, out: np.ndarray) -> None:
    # Subtracting each row's maximum keeps exp from overflowing; the result is unchanged.
    np.subtract(z, z.max(axis=1, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=1, keepdims=True)


def _softmax_backward(grad: np.ndarray, z: np.ndarray, a: np.ndarray, scratch: np.ndarray) -> None:
    # Jacobian-vector product of softmax: ∂L/∂z = a ⊙ (g − Σ_k g_k a_k), row by row.
    np.multiply(grad, a, out=scratch)
    grad -= scratch.sum(axis=1, keepdims=True)
    grad *= a


FORWARD: dict[str, ActivationForward] = {
    "linear": _linear_forward,
    "relu": _relu_forward,
    "leaky_relu": _leaky_relu_forward,
    "sigmoid": _sigmoid_forward,
    "tanh": _tanh_forward,
    "softmax": _softmax_forward,
}

BACKWARD: dict[str, ActivationBackward] = {
    "linear": _linear_backward,
    "relu": _relu_backward,
    "leaky_relu": _leaky_relu_backward,
    "sigmoid": _sigmoid_backward,
    "tanh": _tanh_backward,
    "softmax": _softmax_backward,
}

ACTIVATIONS: tuple[str, ...] = tuple(FORWARD)

# Shown in the step-through and the trace text: how each activation is written.
FORMULAS: dict[str, str] = {
    "linear": "a = z",
    "relu": "a = max(0, z)",
    "leaky_relu": f"a = max({LEAKY_RELU_SLOPE}·z, z)",
    "sigmoid": "a = 1 / (1 + e^(−z))",
    "tanh": "a = tanh(z)",
    "softmax": "a_k = e^(z_k) / Σ_j e^(z_j)",
}


def apply(name: str, z: np.ndarray) -> np.ndarray:
    """Return the activation `name` of z (n, units), as a new array."""
    out = np.empty_like(z, dtype=np.float64)
    FORWARD[name](np.asarray(z, dtype=np.float64), out)
    return out
