"""The forward pass alone, recorded for an input without a target: its numbers are the network's
own (bit for bit what predict answers), and recording it changes nothing."""

import numpy as np
import pytest

from simulator.engine.network import Network
from simulator.engine.trace import ForwardTrace
from simulator.engine.trainer import trace_forward


def _network(activations, sizes=(3, 5, 4), seed=0):
    network = Network(sizes[0], list(sizes[1:]), list(activations))
    network.initialize("xavier", np.random.default_rng(seed))
    # Non-zero biases, so that a pass that forgot them could not agree by chance.
    network.biases[-1][...] = np.linspace(-0.3, 0.4, sizes[-1])
    return network


@pytest.mark.parametrize(
    "activations",
    [("tanh", "softmax"), ("relu", "sigmoid"), ("leaky_relu", "linear"), ("sigmoid", "tanh")],
)
def test_the_output_is_predict_bit_for_bit_and_each_layer_follows_from_the_one_below(
    activations,
):
    network = _network(activations)
    x = np.random.default_rng(1).normal(size=(6, 3)) * 3
    trace = trace_forward(network, x)
    assert isinstance(trace, ForwardTrace)
    assert trace.targets is None
    assert not trace.diverged
    assert trace.activation_names == network.activation_names
    np.testing.assert_array_equal(trace.inputs, x)
    assert np.array_equal(trace.layers[-1].a, network.predict(x))
    # One row alone too: the probe asks about one input at a time.
    single = trace_forward(network, x[2])
    assert np.array_equal(single.layers[-1].a, network.predict(x[2:3]))
    below = x
    for layer, w, b in zip(trace.layers, network.weights, network.biases, strict=True):
        np.testing.assert_array_equal(layer.weights_before, w)
        np.testing.assert_array_equal(layer.biases_before, b)
        np.testing.assert_allclose(layer.z, below @ w.T + b, rtol=1e-12, atol=1e-12)
        below = layer.a
    last = trace.layers[-1]
    if activations[-1] == "softmax":
        expected = np.exp(last.z - last.z.max(axis=1, keepdims=True)).sum(axis=1)
        np.testing.assert_allclose(last.softmax_sum, expected, rtol=1e-12)
    else:
        assert last.softmax_sum is None


def test_recording_changes_no_weight_and_keeps_copies():
    network = _network(("tanh", "sigmoid"), sizes=(2, 4, 1))
    before = network.parameters.copy()
    trace = trace_forward(network, np.array([[0.3, -1.2]]))
    assert np.array_equal(network.parameters, before)
    # The record holds copies: a later training step must not rewrite what was shown.
    network.parameters[...] += 1.0
    assert np.array_equal(trace.layers[0].weights_before, network.split(before)[0][0])


def test_a_row_of_the_wrong_width_is_refused():
    network = _network(("tanh", "sigmoid"), sizes=(2, 4, 1))
    with pytest.raises(ValueError, match="reshape"):
        trace_forward(network, np.array([1.0, 2.0, 3.0]))
