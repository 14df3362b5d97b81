"""The backward pass agrees with finite differences for every activation and loss pairing."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.engine import activations, losses
from simulator.engine.gradcheck import check_gradients
from simulator.engine.network import Network
from simulator.engine.trainer import Regularization

HIDDEN = ["linear", "relu", "leaky_relu", "sigmoid", "tanh", "elu", "gelu", "silu", "softplus"]
# Every allowed (output activation, loss) pair: bce needs sigmoid, cross_entropy needs softmax.
PAIRS = [
    (out, loss)
    for out in activations.ACTIVATIONS
    for loss in losses.LOSSES
    if losses.pairing_error(loss, out) is None
]
REGULARIZATIONS = [Regularization(), Regularization("l2", 0.3), Regularization("l1", 0.2)]


def _targets(rng, loss, n, k):
    if loss == "cross_entropy":
        return np.eye(k)[rng.integers(0, k, n)]
    if loss == "bce":
        return rng.integers(0, 2, (n, k)).astype(float)
    return rng.normal(size=(n, k))


def test_every_pairing_is_listed():
    assert set(HIDDEN) == set(activations.ACTIVATIONS) - {"softmax"}
    for new in ("elu", "gelu", "silu", "softplus"):
        assert (new, "mse") in PAIRS
        assert (new, "half_sse") in PAIRS
        assert (new, "bce") not in PAIRS
    assert ("sigmoid", "bce") in PAIRS
    assert ("softmax", "cross_entropy") in PAIRS
    assert ("linear", "mse") in PAIRS
    assert ("tanh", "bce") not in PAIRS
    assert ("softmax", "mse") not in PAIRS


@pytest.mark.parametrize("regularization", REGULARIZATIONS, ids=lambda r: r.kind)
@pytest.mark.parametrize(("output", "loss"), PAIRS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradients_match_finite_differences(hidden, output, loss, regularization):
    rng = np.random.default_rng(7)
    k = 3 if output == "softmax" else 2
    network = Network(3, [4, 3, k], [hidden, hidden, output])
    network.initialize("xavier", rng)
    # Keep pre-activations away from ReLU's kink, where central differences are not defined.
    x = rng.normal(size=(6, 3))
    y = _targets(rng, loss, 6, k)
    result = check_gradients(network, loss, x, y, regularization)
    assert result.max_absolute_error < 1e-7, result
    assert np.abs(result.analytic).max() > 1e-6  # the check compared something real


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=5),
    hidden=st.sampled_from(HIDDEN),
    pair=st.sampled_from(PAIRS),
    batch=st.integers(1, 7),
    seed=st.integers(0, 2**32 - 1),
    regularization=st.sampled_from(REGULARIZATIONS),
)
def test_gradients_match_for_random_shapes(sizes, hidden, pair, batch, seed, regularization):
    output, loss = pair
    rng = np.random.default_rng(seed)
    k = max(2, sizes[-1]) if output == "softmax" else sizes[-1]
    units = [*sizes[1:-1], k]
    network = Network(sizes[0], units, [hidden] * (len(units) - 1) + [output])
    network.initialize("xavier", rng)
    x = rng.normal(size=(batch, sizes[0]))
    y = _targets(rng, loss, batch, k)
    result = check_gradients(network, loss, x, y, regularization)
    # A ReLU unit whose z sits within ε of 0 has no derivative there; skip those rare draws.
    kinked = [
        z
        for (z, _), name in zip(network.forward(x), network.activation_names, strict=True)
        if name in ("relu", "leaky_relu")
    ]
    if any(np.abs(z).min() < 1e-4 for z in kinked):
        return
    assert result.max_absolute_error < 1e-6


def test_loss_values_are_stable_for_extreme_logits():
    z = np.array([[800.0], [-800.0]])
    a = activations.apply("sigmoid", z)
    y = np.array([[0.0], [1.0]])
    assert losses.loss_value("bce", z, a, y) == pytest.approx(800.0)
    z3 = np.array([[1000.0, 0.0, -1000.0]])
    a3 = activations.apply("softmax", z3)
    assert np.isfinite(a3).all()
    assert losses.loss_value("cross_entropy", z3, a3, np.array([[0.0, 0.0, 1.0]])) == (
        pytest.approx(2000.0)
    )


def test_bce_of_huge_logits_is_never_negative():
    # A thousand right answers with huge logits and one sample at z = 0: summing before
    # subtracting left the difference of two sums near 1e27, whose rounding swamps the true loss.
    rng = np.random.default_rng(0)
    z = np.vstack([rng.uniform(1e23, 1e24, (1000, 1)), [[0.0]]])
    y = np.vstack([np.ones((1000, 1)), [[0.0]]])
    a = activations.apply("sigmoid", z)
    assert losses.loss_value("bce", z, a, y) == pytest.approx(np.log(2.0) / 1001)


@pytest.mark.parametrize(
    ("name", "z", "expected_derivative"),
    [
        ("relu", 0.0, 0.0),
        ("relu", 2.0, 1.0),
        ("leaky_relu", 0.0, 0.01),
        ("leaky_relu", -3.0, 0.01),
        # ELU (α = 1): PyTorch takes e^z at z ≤ 0, so exactly 1 at 0; e^z below.
        ("elu", 0.0, 1.0),
        ("elu", -2.0, np.exp(-2.0)),
        ("elu", 3.0, 1.0),
        ("gelu", 0.0, 0.5),
        ("silu", 0.0, 0.5),
        # Softplus: at the threshold itself still e^z / (e^z + 1); above it exactly 1.
        ("softplus", 20.0, np.exp(20.0) / (np.exp(20.0) + 1.0)),
        ("softplus", 20.5, 1.0),
        ("softplus", 0.0, 0.5),
        ("softplus", -800.0, 0.0),
    ],
)
def test_derivative_conventions_match_pytorch(name, z, expected_derivative):
    zz = np.array([[z]])
    a = activations.apply(name, zz)
    grad = np.ones_like(zz)
    activations.BACKWARD[name](grad, zz, a, np.empty_like(zz))
    assert grad[0, 0] == expected_derivative


@pytest.mark.parametrize(
    ("name", "z", "expected"),
    [
        ("elu", 0.0, 0.0),
        ("elu", -1e-300, -1e-300),  # expm1 keeps the tiniest values exact
        ("elu", -50.0, -1.0),
        ("elu", 2.5, 2.5),
        ("gelu", 0.0, 0.0),
        ("gelu", 1.0, 0.8413447460685429),  # 1·Φ(1)
        ("gelu", -1.0, -0.15865525393145707),
        ("silu", 1.0, 1.0 / (1.0 + np.exp(-1.0))),
        ("silu", -800.0, -0.0),
        ("softplus", 0.0, np.log(2.0)),
        ("softplus", 20.0, np.log1p(np.exp(20.0))),  # the formula up to the threshold …
        ("softplus", 20.000001, 20.000001),  # … z itself above it, as PyTorch
        ("softplus", -800.0, 0.0),
    ],
)
def test_new_activations_follow_pytorchs_definitions(name, z, expected):
    value = activations.apply(name, np.array([[z]]))[0, 0]
    assert value == pytest.approx(expected, rel=1e-15, abs=1e-300)
