"""Optimizers with PyTorch's update rules, working on one flat parameter vector.

Each optimizer first *proposes* a step from a gradient without touching its own state, so that a
step the trainer rejects (it would make a weight non-finite) leaves no trace; `commit` then makes
the proposed state current. Committing swaps buffers rather than copying them, so the state from
before the last commit is still at hand until the next proposal: `undo_commit` swaps it back, which
is how the trainer takes back a step whose next forward pass finds the loss non-finite.
"""

from __future__ import annotations

import math

import numpy as np

OPTIMIZERS: tuple[str, ...] = ("sgd", "adam", "rmsprop", "adamw")


class SGD:
    """SGD with optional momentum: v ← μ·v + g; θ ← θ − η·v (with μ = 0: θ ← θ − η·g)."""

    name = "sgd"

    def __init__(self, size: int, learning_rate: float, momentum: float = 0.0) -> None:
        self.learning_rate = float(learning_rate)
        self.momentum = float(momentum)
        self._step = np.zeros(size)
        # PyTorch creates the velocity buffer on the first step; None until then.
        self.velocity: np.ndarray | None = None
        self._proposed_velocity = np.zeros(size) if momentum else None
        self.can_undo_commit = False
        self._commit_swapped = False
        self._commit_created_velocity = False

    def propose(self, grad: np.ndarray, params: np.ndarray | None = None) -> np.ndarray:
        """Return the step s (shaped like `grad`) with θ_new = θ − s; the state is unchanged.
        `params` (θ) is read only by AdamW's weight decay."""
        # The proposal is written over the buffer that holds the state before the last commit.
        self.can_undo_commit = False
        if self.momentum:
            proposed = self._proposed_velocity
            if self.velocity is None:
                np.copyto(proposed, grad)
            else:
                np.multiply(self.velocity, self.momentum, out=proposed)
                proposed += grad
            np.multiply(proposed, self.learning_rate, out=self._step)
        else:
            np.multiply(grad, self.learning_rate, out=self._step)
        return self._step

    def commit(self) -> None:
        """Make the state of the last proposal current."""
        self._commit_swapped = bool(self.momentum)
        if self.momentum:
            self._commit_created_velocity = self.velocity is None
            if self.velocity is None:
                self.velocity = np.empty_like(self._proposed_velocity)
            self.velocity, self._proposed_velocity = self._proposed_velocity, self.velocity
        self.can_undo_commit = True

    def undo_commit(self) -> None:
        """Go back to the state before the last `commit` (velocity None again if it was), bit
        for bit; possible once, and only before the next `propose` or `load_state`."""
        if not self.can_undo_commit:
            raise RuntimeError("no commit to undo")
        self.can_undo_commit = False
        if self._commit_swapped:
            self.velocity, self._proposed_velocity = self._proposed_velocity, self.velocity
            if self._commit_created_velocity:
                self.velocity = None

    def state(self) -> dict:
        """Return the optimizer state as {"velocity": flat copy or None}."""
        return {"velocity": None if self.velocity is None else self.velocity.copy()}

    def load_state(self, state: dict) -> None:
        """Restore a state returned by `state` (velocity flat, or None)."""
        self.can_undo_commit = False
        velocity = state.get("velocity")
        self.velocity = None if velocity is None else np.array(velocity, dtype=np.float64)
        if self.velocity is not None and self._proposed_velocity is None:
            self._proposed_velocity = np.zeros_like(self.velocity)

    def set_momentum(self, momentum: float) -> None:
        """Change μ mid-run; a buffer appears on the next step when momentum becomes non-zero."""
        self.momentum = float(momentum)
        if self.momentum and self._proposed_velocity is None:
            self._proposed_velocity = np.zeros_like(self._step)


class Adam:
    """Adam (Kingma & Ba) with bias correction, computed in the order PyTorch computes it."""

    name = "adam"

    def __init__(
        self,
        size: int,
        learning_rate: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        self.learning_rate = float(learning_rate)
        self.beta1 = float(beta1)
        self.beta2 = float(beta2)
        self.eps = float(eps)
        self.t = 0
        self.m = np.zeros(size)
        self.v = np.zeros(size)
        self._m_next = np.zeros(size)
        self._v_next = np.zeros(size)
        self._scratch = np.zeros(size)
        self._step = np.zeros(size)
        self.can_undo_commit = False

    def propose(self, grad: np.ndarray, params: np.ndarray | None = None) -> np.ndarray:
        """Return the step s with θ_new = θ − s; m, v and t are unchanged until `commit`."""
        # The proposal is written over the buffers that hold the moments before the last commit.
        self.can_undo_commit = False
        t = self.t + 1
        m_next, v_next, scratch = self._m_next, self._v_next, self._scratch
        np.multiply(self.m, self.beta1, out=m_next)
        np.multiply(grad, 1.0 - self.beta1, out=scratch)
        m_next += scratch
        np.multiply(self.v, self.beta2, out=v_next)
        np.multiply(grad, grad, out=scratch)
        scratch *= 1.0 - self.beta2
        v_next += scratch
        bias_correction1 = 1.0 - self.beta1**t
        bias_correction2 = 1.0 - self.beta2**t
        # denominator = √v / √(1 − β2^t) + ε; step = (η / (1 − β1^t)) · m / denominator
        np.sqrt(v_next, out=scratch)
        scratch *= 1.0 / math.sqrt(bias_correction2)
        scratch += self.eps
        np.divide(m_next, scratch, out=self._step)
        self._step *= self.learning_rate / bias_correction1
        return self._step

    def commit(self) -> None:
        """Make the moments and step count of the last proposal current."""
        self.t += 1
        self.m, self._m_next = self._m_next, self.m
        self.v, self._v_next = self._v_next, self.v
        self.can_undo_commit = True

    def undo_commit(self) -> None:
        """Go back to the moments and step count before the last `commit`, bit for bit;
        possible once, and only before the next `propose` or `load_state`."""
        if not self.can_undo_commit:
            raise RuntimeError("no commit to undo")
        self.can_undo_commit = False
        self.t -= 1
        self.m, self._m_next = self._m_next, self.m
        self.v, self._v_next = self._v_next, self.v

    def state(self) -> dict:
        """Return {"t": int, "m": flat copy, "v": flat copy}."""
        return {"t": self.t, "m": self.m.copy(), "v": self.v.copy()}

    def load_state(self, state: dict) -> None:
        """Restore a state returned by `state`."""
        self.can_undo_commit = False
        self.t = int(state["t"])
        self.m = np.array(state["m"], dtype=np.float64)
        self.v = np.array(state["v"], dtype=np.float64)


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter): Adam's step plus the decoupled weight decay η·λ·θ, as
    PyTorch's AdamW, on the first `decay_count` parameters (the weights; biases never decay, as
    with nnsim's regularization)."""

    name = "adamw"

    def __init__(
        self,
        size: int,
        learning_rate: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        decay_count: int | None = None,
    ) -> None:
        super().__init__(size, learning_rate, beta1, beta2, eps)
        self.weight_decay = float(weight_decay)
        self.decay_count = size if decay_count is None else int(decay_count)

    def propose(self, grad: np.ndarray, params: np.ndarray | None = None) -> np.ndarray:
        """Return the step s with θ_new = θ − s: Adam's step plus η·λ·θ on the weights. PyTorch
        first shrinks θ by (1 − η·λ) and then takes Adam's step; the sum differs from that by a
        rounding at most."""
        step = super().propose(grad)
        if self.weight_decay and params is not None:
            count = self.decay_count
            decay = self._scratch[:count]
            np.multiply(params[:count], self.learning_rate * self.weight_decay, out=decay)
            step[:count] += decay
        return step


class RMSprop:
    """RMSprop as PyTorch's (not centered): s ← α·s + (1 − α)·g²; with momentum μ > 0,
    b ← μ·b + g / (√s + ε) and θ ← θ − η·b, else θ ← θ − η·g / (√s + ε)."""

    name = "rmsprop"

    def __init__(
        self,
        size: int,
        learning_rate: float,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
    ) -> None:
        self.learning_rate = float(learning_rate)
        self.alpha = float(alpha)
        self.eps = float(eps)
        self.momentum = float(momentum)
        self.square_avg = np.zeros(size)
        # PyTorch keeps a momentum buffer (zeros at first) only when momentum > 0.
        self.momentum_buffer: np.ndarray | None = np.zeros(size) if self.momentum else None
        self._square_next = np.zeros(size)
        self._buffer_next = np.zeros(size) if self.momentum else None
        self._scratch = np.zeros(size)
        self._step = np.zeros(size)
        self.can_undo_commit = False

    def propose(self, grad: np.ndarray, params: np.ndarray | None = None) -> np.ndarray:
        """Return the step s with θ_new = θ − s; the averages are unchanged until `commit`."""
        self.can_undo_commit = False
        square_next, scratch = self._square_next, self._scratch
        np.multiply(self.square_avg, self.alpha, out=square_next)
        np.multiply(grad, grad, out=scratch)
        scratch *= 1.0 - self.alpha
        square_next += scratch
        np.sqrt(square_next, out=scratch)
        scratch += self.eps
        if self.momentum_buffer is not None:
            buffer_next = self._buffer_next
            np.divide(grad, scratch, out=scratch)
            np.multiply(self.momentum_buffer, self.momentum, out=buffer_next)
            buffer_next += scratch
            np.multiply(buffer_next, self.learning_rate, out=self._step)
        else:
            np.divide(grad, scratch, out=self._step)
            self._step *= self.learning_rate
        return self._step

    def commit(self) -> None:
        """Make the averages of the last proposal current."""
        self.square_avg, self._square_next = self._square_next, self.square_avg
        if self.momentum_buffer is not None:
            self.momentum_buffer, self._buffer_next = self._buffer_next, self.momentum_buffer
        self.can_undo_commit = True

    def undo_commit(self) -> None:
        """Go back to the averages before the last `commit`, bit for bit; possible once, and
        only before the next `propose` or `load_state`."""
        if not self.can_undo_commit:
            raise RuntimeError("no commit to undo")
        self.can_undo_commit = False
        self.square_avg, self._square_next = self._square_next, self.square_avg
        if self.momentum_buffer is not None:
            self.momentum_buffer, self._buffer_next = self._buffer_next, self.momentum_buffer

    def state(self) -> dict:
        """Return {"square_avg": flat copy, "momentum_buffer": flat copy or None}."""
        buffer = self.momentum_buffer
        return {
            "square_avg": self.square_avg.copy(),
            "momentum_buffer": None if buffer is None else buffer.copy(),
        }

    def load_state(self, state: dict) -> None:
        """Restore a state returned by `state`; a missing momentum buffer starts at zeros."""
        self.can_undo_commit = False
        self.square_avg = np.array(state["square_avg"], dtype=np.float64)
        if self.momentum:
            buffer = state.get("momentum_buffer")
            self.momentum_buffer = (
                np.zeros_like(self.square_avg)
                if buffer is None
                else np.array(buffer, dtype=np.float64)
            )


Optimizer = SGD | Adam | AdamW | RMSprop


def make_optimizer(
    name: str,
    size: int,
    learning_rate: float,
    momentum: float = 0.0,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    *,
    alpha: float = 0.99,
    weight_decay: float = 0.01,
    decay_count: int | None = None,
) -> Optimizer:
    """Return the optimizer `name` (one of OPTIMIZERS) for a flat vector of `size` parameters.
    momentum serves sgd and rmsprop; beta1, beta2 adam and adamw; eps adam, adamw and rmsprop;
    alpha rmsprop; weight_decay adamw, on the first `decay_count` parameters (all if None)."""
    if name == "sgd":
        return SGD(size, learning_rate, momentum)
    if name == "adam":
        return Adam(size, learning_rate, beta1, beta2, eps)
    if name == "adamw":
        return AdamW(size, learning_rate, beta1, beta2, eps, weight_decay, decay_count)
    if name == "rmsprop":
        return RMSprop(size, learning_rate, alpha, eps, momentum)
    raise ValueError(f"unknown optimizer {name!r}")
