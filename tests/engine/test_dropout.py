"""Dropout in the engine: inverted dropout as PyTorch's nn.Dropout in train mode, masks from
their own seeded RNG, identity at p = 0, no dropout in evaluation, exact gradients under a fixed
mask, and the mask's RNG put back with an undone step."""

import math

import numpy as np
import pytest

from simulator.engine.gradcheck import check_gradients
from simulator.engine.network import Network
from simulator.engine.optimizers import make_optimizer
from simulator.engine.trainer import Trainer, dropout_rng, evaluate


def _trainer(dropout=None, seed=0, n=40, batch=8, units=(6, 5), optimizer="sgd", rate=0.1):
    rng = np.random.default_rng(seed)
    network = Network(3, [*units, 1], ["relu"] * len(units) + ["sigmoid"])
    network.initialize("xavier", np.random.default_rng(seed))
    x = rng.normal(size=(n, 3))
    y = (x[:, :1] * x[:, 1:2] > 0).astype(float)
    opt = make_optimizer(optimizer, network.parameters.size, rate)
    kwargs = {} if dropout is None else {"dropout": dropout, "dropout_rng": dropout_rng(seed)}
    return Trainer(network, "bce", opt, x, y, batch, rng=np.random.default_rng(seed + 1), **kwargs)


def test_mask_keeps_one_minus_p_of_units_and_scales_them_by_its_inverse():
    p = 0.3
    trainer = _trainer(dropout=(p, 0.0, 0.0), n=2000, batch=2000, units=(50, 5))
    trainer.step(trace=True)
    layer = trainer.last_trace.layers[0]
    kept = layer.kept
    assert kept.shape == (2000, 50)  # one draw per (sample, unit), as PyTorch draws
    # 100,000 Bernoulli(0.7) draws: the share is within 0.005 of 0.7 (over 7 standard errors).
    assert abs(kept.mean() - (1 - p)) < 0.005
    np.testing.assert_array_equal(layer.output[~kept], 0.0)
    np.testing.assert_array_equal(layer.output[kept], layer.a[kept] * (1.0 / (1.0 - p)))
    assert layer.dropout == p
    # The layer without dropout keeps no mask, and hands on its own a.
    assert trainer.last_trace.layers[1].kept is None
    assert trainer.last_trace.layers[1].forwarded is trainer.last_trace.layers[1].a


def test_a_fresh_mask_each_step():
    trainer = _trainer(dropout=(0.5, 0.5, 0.0))
    trainer.step(trace=True)
    first = trainer.last_trace.layers[0].kept
    trainer.step(trace=True)
    assert not np.array_equal(first, trainer.last_trace.layers[0].kept)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_rate_zero_is_the_plain_path_bit_for_bit(optimizer):
    plain, zero = _trainer(optimizer=optimizer), _trainer((0.0, 0.0, 0.0), optimizer=optimizer)
    assert not zero.uses_dropout
    for _ in range(12):
        a, b = plain.step(), zero.step()
        assert a == b
    assert plain.network.parameters.tobytes() == zero.network.parameters.tobytes()
    assert "dropout_rng" not in zero.position()


def test_dropout_leaves_the_shuffle_order_alone_and_changes_training():
    plain, dropped = _trainer(), _trainer((0.5, 0.0, 0.0))
    for _ in range(7):
        plain.step()
        dropped.step()
    assert plain._order.tobytes() == dropped._order.tobytes()
    assert plain.rng.bit_generator.state == dropped.rng.bit_generator.state
    assert plain.network.parameters.tobytes() != dropped.network.parameters.tobytes()


def test_evaluation_and_predictions_use_no_dropout():
    trainer = _trainer((0.5, 0.5, 0.0))
    for _ in range(3):
        trainer.step()
    network = trainer.network
    x, y = trainer.inputs, trainer.targets
    state = trainer.dropout_rng.bit_generator.state
    first = evaluate(network, "bce", x, y, True)
    assert evaluate(network, "bce", x, y, True) == first
    np.testing.assert_array_equal(network.predict(x), network.predict(x))
    # By hand, without any mask.
    a = x
    for w, b, name in zip(
        network.weights, network.biases, ("relu", "relu", "sigmoid"), strict=True
    ):
        z = a @ w.T + b
        a = np.maximum(z, 0) if name == "relu" else 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(network.predict(x), a, rtol=1e-12)
    assert trainer.dropout_rng.bit_generator.state == state  # evaluation draws nothing


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "gelu"])
def test_gradients_match_finite_differences_under_a_fixed_mask(activation):
    rng = np.random.default_rng(5)
    network = Network(3, [5, 4, 2], [activation, activation, "softmax"])
    network.initialize("xavier", rng)
    x = rng.normal(size=(6, 3))
    y = np.eye(2)[rng.integers(0, 2, 6)]
    noise = [
        (rng.random((6, 5)) >= 0.4) / 0.6,
        (rng.random((6, 4)) >= 0.25) / 0.75,
        None,
    ]
    assert (noise[0] == 0).any()
    check = check_gradients(network, "cross_entropy", x, y, noise=noise)
    assert check.max_relative_error < 1e-6
    # The mask matters: the gradient without it is a different one.
    plain = check_gradients(network, "cross_entropy", x, y)
    assert np.abs(plain.analytic - check.analytic).max() > 1e-3


def test_dropped_units_pass_no_gradient_to_their_weights():
    trainer = _trainer((0.5, 0.0, 0.0), batch=1)
    trainer.step(trace=True)
    first, second = trainer.last_trace.layers[:2]
    dropped = ~first.kept[0]
    assert dropped.any()
    np.testing.assert_array_equal(first.delta[0, dropped], 0.0)
    np.testing.assert_array_equal(first.grad_weights[dropped], 0.0)
    np.testing.assert_array_equal(second.grad_weights[:, dropped], 0.0)


def test_traced_step_equals_untraced_step_with_dropout():
    a, b = _trainer((0.4, 0.2, 0.0)), _trainer((0.4, 0.2, 0.0))
    for _ in range(9):
        assert a.step() == b.step(trace=True)
    assert a.network.parameters.tobytes() == b.network.parameters.tobytes()


def test_resume_from_position_mid_epoch_is_bit_for_bit():
    whole = _trainer((0.5, 0.3, 0.0), optimizer="adam")
    for _ in range(7):  # five batches an epoch: mid-epoch
        whole.step()
    position = whole.position()
    assert "dropout_rng" in position
    parameters = whole.network.parameters.copy()
    optimizer_state = whole.optimizer.state()
    resumed = _trainer((0.5, 0.3, 0.0), optimizer="adam", seed=0)
    np.copyto(resumed.network.parameters, parameters)
    resumed.optimizer.load_state(optimizer_state)
    resumed.restore_position(position)
    for _ in range(8):
        assert whole.step() == resumed.step()
    assert whole.network.parameters.tobytes() == resumed.network.parameters.tobytes()


def test_undoing_a_diverged_step_puts_the_mask_rng_back():
    trainer = _trainer((0.5, 0.0, 0.0), rate=0.1)
    for _ in range(3):
        trainer.step()
    rng_before = trainer.dropout_rng.bit_generator.state
    parameters = trainer.network.parameters.copy()
    trainer.step()  # step 4, then a whole-set evaluation finds a non-finite loss
    assert trainer.dropout_rng.bit_generator.state != rng_before
    record = trainer.undo_last_step(math.inf)
    assert record.undone_step == 4
    assert trainer.dropout_rng.bit_generator.state == rng_before
    assert trainer.network.parameters.tobytes() == parameters.tobytes()
    # Taken again, it draws the same mask and lands where it landed.
    twin = _trainer((0.5, 0.0, 0.0), rate=0.1)
    for _ in range(4):
        twin.step()
    trainer.step()
    assert trainer.network.parameters.tobytes() == twin.network.parameters.tobytes()


def test_a_step_that_finds_a_non_finite_loss_undoes_the_one_before_with_its_masks():
    trainer = _trainer((0.5, 0.0, 0.0))
    trainer.step()
    rng_before = trainer.dropout_rng.bit_generator.state
    trainer.step()
    trainer.network.parameters[0] = np.nan  # as if step 2 had broken the network
    record = trainer.step()
    assert record.diverged
    assert record.undone_step == 2
    assert trainer.dropout_rng.bit_generator.state == rng_before


def test_the_output_layer_and_rates_outside_zero_to_one_are_refused():
    with pytest.raises(ValueError, match="output layer"):
        _trainer((0.0, 0.0, 0.5))
    with pytest.raises(ValueError, match="below 1"):
        _trainer((1.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="below 1"):
        _trainer((-0.1, 0.0, 0.0))
