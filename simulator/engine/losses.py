"""Loss functions: the batch-mean loss value and its gradient with respect to the output layer."""

from __future__ import annotations

import numpy as np

LOSSES: tuple[str, ...] = ("mse", "half_sse", "bce", "cross_entropy")

# Losses that work on the output's pre-activation directly, so that δ = (ŷ − y)/n is exact and
# stable instead of a ratio of two tiny numbers; each needs this output activation.
REQUIRED_OUTPUT: dict[str, str] = {"bce": "sigmoid", "cross_entropy": "softmax"}

FORMULAS: dict[str, str] = {
    "mse": "L = (1/(n·K)) Σ_i Σ_k (y_ik − ŷ_ik)²",
    "half_sse": "L = (1/n) Σ_i ½ Σ_k (y_ik − ŷ_ik)²",
    "bce": "L = −(1/(n·K)) Σ_i Σ_k [y·ln ŷ + (1 − y)·ln(1 − ŷ)]",
    "cross_entropy": "L = −(1/n) Σ_i Σ_k y_ik · ln ŷ_ik",
}


def pairing_error(loss: str, output_activation: str) -> str | None:
    """Return why `loss` cannot follow `output_activation`, or None when the pair is allowed."""
    needed = REQUIRED_OUTPUT.get(loss)
    if needed is not None and output_activation != needed:
        return f"{loss} needs a {needed} output layer, not {output_activation}"
    if output_activation == "softmax" and loss != "cross_entropy":
        return f"a softmax output layer needs the cross_entropy loss, not {loss}"
    return None


def loss_value(name: str, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
    """Return the mean loss of a batch: z and a are the output layer's (n, K) pre-activation and
    activation, y the (n, K) targets."""
    n, k = a.shape
    if name == "mse":
        diff = a - y
        return float(np.vdot(diff, diff)) / (n * k)
    if name == "half_sse":
        diff = a - y
        return 0.5 * float(np.vdot(diff, diff)) / n
    if name == "bce":
        # −[y ln σ(z) + (1−y) ln(1−σ(z))] = ln(1 + e^z) − z·y; logaddexp(0, z) is ln(1 + e^z)
        # without overflow, so the loss stays finite for every z. The difference is taken per
        # sample, before summing: with huge z, two huge sums cancel to noise (even below zero).
        per_sample = np.logaddexp(0.0, z)
        per_sample -= z * y
        return float(np.add.reduce(per_sample, axis=None)) / (n * k)
    if name == "cross_entropy":
        # ln softmax(z)_k = z_k − logsumexp(z), with the row maximum taken out for stability.
        shifted = z - z.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -float(np.vdot(y, shifted - log_norm)) / n
    raise ValueError(f"unknown loss {name!r}")


def output_gradient(name: str, a: np.ndarray, y: np.ndarray, out: np.ndarray) -> bool:
    """Write the loss gradient for the output layer into `out` (n, K).

    Returns True when `out` already holds δ = ∂L/∂z (the fused pairs sigmoid+bce and
    softmax+cross_entropy), False when it holds ∂L/∂a and the activation's derivative is still due.
    """
    n, k = a.shape
    np.subtract(a, y, out=out)
    if name == "mse":
        out *= 2.0 / (n * k)
        return False
    if name == "half_sse":
        out *= 1.0 / n
        return False
    if name == "bce":
        out *= 1.0 / (n * k)
        return True
    if name == "cross_entropy":
        out *= 1.0 / n
        return True
    raise ValueError(f"unknown loss {name!r}")
