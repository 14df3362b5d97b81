"""Activation functions: forward into a buffer, and backward from ∂L/∂a to ∂L/∂z in place."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from . import special

LEAKY_RELU_SLOPE = 0.01
# PyTorch's defaults: nn.ELU(alpha=1.0) and nn.Softplus(beta=1, threshold=20).
ELU_ALPHA = 1.0
SOFTPLUS_THRESHOLD = 20.0

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


def _elu_forward(z: np.ndarray, out: np.ndarray) -> None:
    # a = z for z > 0, α·(e^z − 1) otherwise; expm1 keeps e^z − 1 exact near 0. expm1(z) ≥ z for
    # every z, so the maximum picks z exactly where z > 0 (there expm1(min(z, 0)) is 0).
    np.minimum(z, 0.0, out=out)
    np.expm1(out, out=out)
    out *= ELU_ALPHA
    np.maximum(z, out, out=out)


def _elu_backward(grad: np.ndarray, z: np.ndarray, a: np.ndarray, scratch: np.ndarray) -> None:
    # α·e^z for z ≤ 0 (PyTorch's side at exactly 0), 1 above; with α = 1 both are e^min(z, 0),
    # which is exactly 1 for z > 0, and the derivative at 0 is 1 from either side.
    np.minimum(z, 0.0, out=scratch)
    np.exp(scratch, out=scratch)
    grad *= scratch


_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _normal_cdf(z: np.ndarray, out: np.ndarray) -> None:
    """Φ(z) = (1 + erf(z/√2)) / 2 into out."""
    np.multiply(z, _SQRT_HALF, out=out)
    special.erf(out, out)
    out += 1.0
    out *= 0.5


def _gelu_forward(z: np.ndarray, out: np.ndarray) -> None:
    # The exact form, PyTorch's default (approximate="none"): a = z·Φ(z).
    _normal_cdf(z, out)
    out *= z


def _gelu_backward(grad: np.ndarray, z: np.ndarray, a: np.ndarray, scratch: np.ndarray) -> None:
    # a' = Φ(z) + z·φ(z), φ(z) = e^(−z²/2)/√(2π); grad takes the two parts one after the other
    # (g·Φ + g·z·φ) so that one scratch buffer is enough.
    extra = grad * z
    np.multiply(z, z, out=scratch)
    scratch *= -0.5
    np.exp(scratch, out=scratch)
    scratch *= _INV_SQRT_2PI
    extra *= scratch
    _normal_cdf(z, scratch)
    grad *= scratch
    grad += extra


def _silu_forward(z: np.ndarray, out: np.ndarray) -> None:
    # a = z·σ(z), σ taken as sigmoid takes it (never overflows).
    _sigmoid_forward(z, out)
    out *= z


def _silu_backward(grad: np.ndarray, z: np.ndarray, a: np.ndarray, scratch: np.ndarray) -> None:
    # a' = σ(z)·(1 + z·(1 − σ(z))), as PyTorch's silu_backward writes it.
    _sigmoid_forward(z, scratch)
    grad *= scratch
    np.subtract(1.0, scratch, out=scratch)
    scratch *= z
    scratch += 1.0
    grad *= scratch


def _softplus_forward(z: np.ndarray, out: np.ndarray) -> None:
    # a = ln(1 + e^z), and a = z itself above the threshold, as PyTorch (beta 1, threshold 20).
    np.minimum(z, SOFTPLUS_THRESHOLD, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    np.copyto(out, z, where=z > SOFTPLUS_THRESHOLD)


def _softplus_backward(grad: np.ndarray, z: np.ndarray, a: np.ndarray, scratch: np.ndarray) -> None:
    # a' = e^z / (e^z + 1) as PyTorch computes it, and exactly 1 above the threshold (at z = 20
    # itself still the ratio, as PyTorch's `z > threshold`).
    np.minimum(z, SOFTPLUS_THRESHOLD, out=scratch)
    np.exp(scratch, out=scratch)
    np.divide(scratch, scratch + 1.0, out=scratch)
    np.copyto(scratch, 1.0, where=z > SOFTPLUS_THRESHOLD)
    grad *= scratch


FORWARD: dict[str, ActivationForward] = {
    "linear": _linear_forward,
    "relu": _relu_forward,
    "leaky_relu": _leaky_relu_forward,
    "sigmoid": _sigmoid_forward,
    "tanh": _tanh_forward,
    "softmax": _softmax_forward,
    "elu": _elu_forward,
    "gelu": _gelu_forward,
    "silu": _silu_forward,
    "softplus": _softplus_forward,
}

BACKWARD: dict[str, ActivationBackward] = {
    "linear": _linear_backward,
    "relu": _relu_backward,
    "leaky_relu": _leaky_relu_backward,
    "sigmoid": _sigmoid_backward,
    "tanh": _tanh_backward,
    "softmax": _softmax_backward,
    "elu": _elu_backward,
    "gelu": _gelu_backward,
    "silu": _silu_backward,
    "softplus": _softplus_backward,
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
    "elu": "a = z if z > 0, else e^z − 1",
    "gelu": "a = z·Φ(z) = z·(1 + erf(z/√2))/2",
    "silu": "a = z·σ(z) = z / (1 + e^(−z))",
    "softplus": "a = ln(1 + e^z)  (a = z above z = 20)",
}


def apply(name: str, z: np.ndarray) -> np.ndarray:
    """Return the activation `name` of z (n, units), as a new array."""
    out = np.empty_like(z, dtype=np.float64)
    FORWARD[name](np.asarray(z, dtype=np.float64), out)
    return out
