"""A dense feed-forward network whose parameters live in one flat vector, with its forward and
backward passes written into preallocated buffers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import activations, losses

INITIALIZATIONS: tuple[str, ...] = ("xavier", "he", "uniform")

# Playground starts biases at 0.1 with its ±0.5 uniform weights; xavier and he start them at 0.
_UNIFORM_BIAS = 0.1

# A pass over a whole data set keeps every layer's z and a; above this many cells (rows × units
# summed over the layers, 32 MB per array) it goes in chunks of rows, so that a big set never
# needs a (samples × layer width) array at once. The presets stay far below it, where one pass
# gives bit for bit what it always gave (a matrix product's rounding may depend on its size).
CHUNK_CELLS = 1 << 22


def rows_per_chunk(units: Sequence[int], rows: int) -> int:
    """Return how many of `rows` samples one pass over layers of `units` takes at once: all of
    them up to CHUNK_CELLS cells, else as many as fit in CHUNK_CELLS (at least 1)."""
    width = max(1, sum(units))
    if rows * width <= CHUNK_CELLS:
        return max(1, rows)
    return max(1, CHUNK_CELLS // width)


class Network:
    """Layers of units; `weights[l]` has shape (units, fan_in) as PyTorch's nn.Linear.weight.

    All weights (layer by layer, row-major) and then all biases are views into `parameters`, so an
    optimizer updates the whole network in a handful of vectorised operations.
    """

    def __init__(self, input_size: int, units: Sequence[int], activation_names: Sequence[str]):
        if len(units) != len(activation_names) or not units:
            raise ValueError("need one activation per layer and at least one layer")
        for name in activation_names:
            if name not in activations.FORWARD:
                raise ValueError(f"unknown activation {name!r}")
        self.sizes: tuple[int, ...] = (int(input_size), *(int(u) for u in units))
        self.activation_names: tuple[str, ...] = tuple(activation_names)
        shapes = [(self.sizes[i + 1], self.sizes[i]) for i in range(len(units))]
        self.weight_count = sum(r * c for r, c in shapes)
        self.parameters = np.zeros(self.weight_count + sum(self.sizes[1:]))
        self.weights = _views(self.parameters, shapes, 0)
        self.biases = _views(self.parameters, [(u,) for u in self.sizes[1:]], self.weight_count)
        # Transposed views, made once: z = a · Wᵀ + b each step without building a view per call.
        self.weights_t = [w.T for w in self.weights]
        self._forward = [activations.FORWARD[n] for n in self.activation_names]
        self._backward = [activations.BACKWARD[n] for n in self.activation_names]

    @property
    def layer_count(self) -> int:
        return len(self.sizes) - 1

    def weight_slices(self) -> list[slice]:
        """Return, per layer, the slice of `parameters` that holds its weights."""
        return _slices([w.size for w in self.weights], 0)

    def bias_slices(self) -> list[slice]:
        """Return, per layer, the slice of `parameters` that holds its biases."""
        return _slices([b.size for b in self.biases], self.weight_count)

    def split(self, flat: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Cut a flat vector laid out like `parameters` into per-layer (weights, biases) views."""
        shapes = [w.shape for w in self.weights]
        return (
            _views(flat, shapes, 0),
            _views(flat, [b.shape for b in self.biases], self.weight_count),
        )

    def set_parameters(self, weights: Sequence, biases: Sequence) -> None:
        """Copy per-layer weights (units, fan_in) and biases (units,) into the network."""
        for target, source in zip(self.weights, weights, strict=True):
            target[...] = np.asarray(source, dtype=np.float64).reshape(target.shape)
        for target, source in zip(self.biases, biases, strict=True):
            target[...] = np.asarray(source, dtype=np.float64).reshape(target.shape)

    def initialize(self, scheme: str, rng: np.random.Generator) -> None:
        """Draw fresh weights: `xavier` U(±√(6/(fan_in+fan_out))), `he` N(0, √(2/fan_in)) or
        `uniform` U(±0.5) as in Playground; biases 0 (0.1 for `uniform`)."""
        for w, b in zip(self.weights, self.biases, strict=True):
            fan_out, fan_in = w.shape
            if scheme == "xavier":
                limit = np.sqrt(6.0 / (fan_in + fan_out))
                w[...] = rng.uniform(-limit, limit, size=w.shape)
                b[...] = 0.0
            elif scheme == "he":
                w[...] = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=w.shape)
                b[...] = 0.0
            elif scheme == "uniform":
                w[...] = rng.uniform(-0.5, 0.5, size=w.shape)
                b[...] = _UNIFORM_BIAS
            else:
                raise ValueError(f"unknown initialization {scheme!r}")

    def forward(self, x: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Run inputs x (n, inputs) through the network; return per layer (z, a), each (n, units).

        Allocates fresh arrays: for evaluation and pictures, not for the training loop."""
        a = np.ascontiguousarray(x, dtype=np.float64)
        result = []
        for w, b, forward in zip(self.weights, self.biases, self._forward, strict=True):
            z = a @ w.T
            z += b
            a = np.empty_like(z)
            forward(z, a)
            result.append((z, a))
        return result

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Return the output activations (n, outputs) for inputs x (n, inputs), in chunks of
        rows_per_chunk rows when the data is large."""
        rows = rows_per_chunk(self.sizes[1:], len(x))
        if rows >= len(x):
            return self.forward(x)[-1][1]
        outputs = np.empty((len(x), self.sizes[-1]))
        for start in range(0, len(x), rows):
            outputs[start : start + rows] = self.forward(x[start : start + rows])[-1][1]
        return outputs


class Workspace:
    """Buffers of one batch size for the forward and backward passes: z, a, δ and a scratch
    array per layer, each (batch, units). Reused step after step so training allocates nothing."""

    def __init__(self, network: Network, batch: int) -> None:
        self.batch = batch
        units = network.sizes[1:]
        self.z = [np.zeros((batch, u)) for u in units]
        self.a = [np.zeros((batch, u)) for u in units]
        self.delta = [np.zeros((batch, u)) for u in units]
        self.scratch = [np.zeros((batch, u)) for u in units]
        self.ones = np.ones(batch)
        # The input batch of the last pass (a view or a gathered copy), needed for ∂L/∂W of layer 1.
        self.x: np.ndarray = np.zeros((batch, network.sizes[0]))
        # Dropout (see `use_dropout`): per layer, what the layer hands on (`out`: a itself, or
        # a · m/(1−p) in its own buffer) and the factor m/(1−p) (`noise`, None without dropout).
        self.out = self.a
        self.noise: list[np.ndarray | None] = [None] * len(units)
        self.draw: list[np.ndarray | None] = [None] * len(units)

    def use_dropout(self, rates: Sequence[float]) -> None:
        """Give each layer whose rate in `rates` is above 0 buffers for a mask: `noise` (batch,
        units) for the factor m/(1−p), `draw` for the uniform numbers it comes from, and an
        `out` buffer of its own for a · m/(1−p)."""
        self.out = list(self.a)
        for i, p in enumerate(rates):
            if p > 0.0:
                self.noise[i] = np.zeros_like(self.a[i])
                self.draw[i] = np.zeros_like(self.a[i])
                self.out[i] = np.zeros_like(self.a[i])


def forward_into(network: Network, x: np.ndarray, ws: Workspace) -> None:
    """Forward pass of x (batch, inputs) into the workspace's z and a buffers."""
    ws.x = x
    a_prev = x
    # np.dot with out= costs half of np.matmul's call overhead on these small arrays.
    for w_t, b, forward, z, a in zip(
        network.weights_t, network.biases, network._forward, ws.z, ws.a, strict=True
    ):
        np.dot(a_prev, w_t, out=z)
        z += b
        forward(z, a)
        a_prev = a


def backward_into(
    network: Network,
    loss: str,
    y: np.ndarray,
    ws: Workspace,
    grad_weights: list[np.ndarray],
    grad_biases: list[np.ndarray],
) -> None:
    """Backward pass after `forward_into`: δ per layer into the workspace, ∂L/∂W and ∂L/∂b into
    the given per-layer arrays (views into a flat gradient vector)."""
    last = network.layer_count - 1
    delta_out = ws.delta[last]
    fused = losses.output_gradient(loss, ws.a[last], y, delta_out)
    if not fused:
        network._backward[last](delta_out, ws.z[last], ws.a[last], ws.scratch[last])
    for layer in range(last, -1, -1):
        delta = ws.delta[layer]
        a_prev = ws.a[layer - 1] if layer else ws.x
        np.dot(delta.T, a_prev, out=grad_weights[layer])
        # ones · δ sums over the batch faster than δ.sum(axis=0) for small arrays.
        np.dot(ws.ones, delta, out=grad_biases[layer])
        if layer:
            below = ws.delta[layer - 1]
            np.dot(delta, network.weights[layer], out=below)
            network._backward[layer - 1](
                below, ws.z[layer - 1], ws.a[layer - 1], ws.scratch[layer - 1]
            )


# Dropout's passes are their own functions, not branches in forward_into and backward_into: a
# network without dropout runs the loops above untouched, so it pays nothing for the feature.


def draw_dropout_masks(rates: Sequence[float], rng: np.random.Generator, ws: Workspace) -> None:
    """Draw a fresh mask for every layer with dropout, as PyTorch's nn.Dropout does in training:
    each (sample, unit) is kept with probability 1 − p, independently; `ws.noise[l]` becomes
    m/(1−p), 0 where dropped and 1/(1−p) where kept. Uniform numbers are drawn layer by layer
    (row-major, batch × units each) from `rng`, and a unit is dropped where its number is < p."""
    for p, draw, noise in zip(rates, ws.draw, ws.noise, strict=True):
        if noise is None:
            continue
        rng.random(out=draw)
        # (u ≥ p) is 1.0 or 0.0; times 1/(1−p) as ATen's `noise.div_(1 − p)` gives it.
        np.greater_equal(draw, p, out=noise)
        noise /= 1.0 - p


def forward_dropout_into(network: Network, x: np.ndarray, ws: Workspace) -> None:
    """forward_into with the masks of `draw_dropout_masks` applied: a layer with dropout hands
    on out = a · m/(1−p), while its a buffer keeps act(z) for the backward pass."""
    ws.x = x
    a_prev = x
    for w_t, b, forward, z, a, out, noise in zip(
        network.weights_t, network.biases, network._forward, ws.z, ws.a, ws.out, ws.noise,
        strict=True,
    ):  # fmt: skip
        np.dot(a_prev, w_t, out=z)
        z += b
        forward(z, a)
        if noise is not None:
            np.multiply(a, noise, out=out)
        a_prev = out


def backward_dropout_into(
    network: Network,
    loss: str,
    y: np.ndarray,
    ws: Workspace,
    grad_weights: list[np.ndarray],
    grad_biases: list[np.ndarray],
) -> None:
    """backward_into after `forward_dropout_into`: ∂L/∂W uses what the layer below handed on,
    and ∂L/∂a of a layer with dropout is multiplied by its m/(1−p) before its activation's
    derivative (dropped units get δ = 0)."""
    last = network.layer_count - 1
    delta_out = ws.delta[last]
    fused = losses.output_gradient(loss, ws.a[last], y, delta_out)
    if not fused:
        network._backward[last](delta_out, ws.z[last], ws.a[last], ws.scratch[last])
    for layer in range(last, -1, -1):
        delta = ws.delta[layer]
        a_prev = ws.out[layer - 1] if layer else ws.x
        np.dot(delta.T, a_prev, out=grad_weights[layer])
        np.dot(ws.ones, delta, out=grad_biases[layer])
        if layer:
            below = ws.delta[layer - 1]
            np.dot(delta, network.weights[layer], out=below)
            noise = ws.noise[layer - 1]
            if noise is not None:
                below *= noise
            network._backward[layer - 1](
                below, ws.z[layer - 1], ws.a[layer - 1], ws.scratch[layer - 1]
            )


def _views(flat: np.ndarray, shapes: Sequence[tuple[int, ...]], start: int) -> list[np.ndarray]:
    views = []
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(flat[start : start + size].reshape(shape))
        start += size
    return views


def _slices(sizes: Sequence[int], start: int) -> list[slice]:
    result = []
    for size in sizes:
        result.append(slice(start, start + size))
        start += size
    return result
