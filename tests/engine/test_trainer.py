"""Training steps: optimizers' update rules, freezing, divergence, shuffling and resuming."""

import numpy as np
import pytest
from linear_problem import linear_problem

from simulator.engine import losses
from simulator.engine import network as network_module
from simulator.engine.network import Network
from simulator.engine.optimizers import SGD, Adam, make_optimizer
from simulator.engine.trainer import Regularization, Trainer, evaluate


def _problem(seed=0, n=23, shuffle=True, optimizer="sgd", batch=5, **kwargs):
    rng = np.random.default_rng(seed)
    network = Network(2, [4, 1], ["tanh", "sigmoid"])
    network.initialize("xavier", np.random.default_rng(seed))
    x = rng.normal(size=(n, 2))
    y = (x[:, :1] * x[:, 1:] > 0).astype(float)
    opt = make_optimizer(
        optimizer, network.parameters.size, 0.1, momentum=kwargs.pop("momentum", 0)
    )
    trainer = Trainer(
        network,
        "bce",
        opt,
        x,
        y,
        batch,
        shuffle=shuffle,
        rng=np.random.default_rng(seed + 1),
        **kwargs,
    )
    return trainer


def test_sgd_momentum_follows_pytorch_rule():
    opt = SGD(3, learning_rate=0.5, momentum=0.9)
    g1, g2 = np.array([1.0, -2.0, 0.5]), np.array([0.25, 1.0, -1.0])
    step1 = opt.propose(g1).copy()
    opt.commit()
    step2 = opt.propose(g2).copy()
    opt.commit()
    # PyTorch: v1 = g1 (buffer starts as the first gradient); v2 = 0.9·v1 + g2; step = lr·v.
    np.testing.assert_array_equal(step1, 0.5 * g1)
    np.testing.assert_allclose(step2, 0.5 * (0.9 * g1 + g2), rtol=1e-15)


def test_adam_follows_bias_corrected_rule():
    opt = Adam(2, learning_rate=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    grads = [np.array([0.3, -1.0]), np.array([0.1, 2.0]), np.array([-0.5, 0.0])]
    m = np.zeros(2)
    v = np.zeros(2)
    for t, g in enumerate(grads, start=1):
        step = opt.propose(g).copy()
        opt.commit()
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        expected = 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        np.testing.assert_allclose(step, expected, rtol=1e-12)
    assert opt.t == 3


def test_proposal_without_commit_leaves_state_alone():
    opt = Adam(2, learning_rate=0.01)
    opt.propose(np.array([1.0, 1.0]))
    assert opt.t == 0
    assert not opt.m.any()
    sgd = SGD(2, 0.1, momentum=0.5)
    sgd.propose(np.array([1.0, 1.0]))
    assert sgd.velocity is None


def test_traced_step_equals_untraced_step():
    plain, traced = _problem(), _problem()
    for _ in range(7):
        plain.step()
        traced.step(trace=True)
    np.testing.assert_array_equal(plain.network.parameters, traced.network.parameters)
    trace = traced.last_trace
    np.testing.assert_array_equal(trace.layers[0].weights_after, traced.network.weights[0])
    np.testing.assert_array_equal(
        trace.layers[0].weights_before - trace.layers[0].step_weights, trace.layers[0].weights_after
    )


def test_trace_records_forward_and_backward_numbers():
    trainer = _problem(shuffle=False)
    before = [w.copy() for w in trainer.network.weights]
    trainer.step(trace=True)
    trace = trainer.last_trace
    x = trace.inputs
    z1 = x @ before[0].T + trace.layers[0].biases_before
    np.testing.assert_allclose(trace.layers[0].z, z1, rtol=1e-14)
    np.testing.assert_allclose(trace.layers[0].a, np.tanh(z1), rtol=1e-14)
    out = trace.layers[1]
    np.testing.assert_allclose(out.delta, (out.a - trace.targets) / len(x), rtol=1e-12)
    np.testing.assert_allclose(out.grad_weights, out.delta.T @ trace.layers[0].a, rtol=1e-12)


def test_each_sample_gradient_is_its_own_step_and_their_mean_is_the_batch_gradient():
    batch = _problem(shuffle=False, batch=5)
    batch.step(trace=True)
    batch_trace = batch.last_trace
    for s in range(5):
        alone = _problem(shuffle=False, batch=5)
        _, own = alone.step_on(batch_trace.inputs[s : s + 1], batch_trace.targets[s : s + 1])
        for layer, own_layer in zip(batch_trace.layers, own.layers, strict=True):
            np.testing.assert_allclose(
                layer.sample_grad_weights[s], own_layer.grad_weights, rtol=1e-12
            )
            np.testing.assert_allclose(
                layer.sample_grad_biases[s], own_layer.grad_biases, rtol=1e-12
            )
    for layer in batch_trace.layers:
        np.testing.assert_allclose(
            layer.sample_grad_weights.mean(axis=0), layer.grad_weights, rtol=1e-12
        )
        np.testing.assert_allclose(
            layer.sample_grad_biases.mean(axis=0), layer.grad_biases, rtol=1e-12
        )


def test_last_batch_may_be_smaller_and_order_is_file_order_without_shuffle():
    trainer = _problem(n=23, batch=5, shuffle=False)
    assert trainer.steps_per_epoch == 5
    seen = []
    for _ in range(5):
        trainer.step(trace=True)
        seen.append(trainer.last_trace.inputs)
    np.testing.assert_array_equal(np.concatenate(seen), trainer.inputs)
    assert len(seen[-1]) == 3
    assert trainer.epoch == 1


def test_shuffle_visits_every_sample_once_per_epoch_in_seeded_order():
    first, second = _problem(seed=3), _problem(seed=3)
    rows_a, rows_b = [], []
    for _ in range(first.steps_per_epoch):
        first.step(trace=True)
        second.step(trace=True)
        rows_a.append(first.last_trace.inputs)
        rows_b.append(second.last_trace.inputs)
    epoch = np.concatenate(rows_a)
    np.testing.assert_array_equal(epoch, np.concatenate(rows_b))
    assert not np.array_equal(epoch, first.inputs)  # shuffled
    np.testing.assert_array_equal(np.sort(epoch, axis=0), np.sort(first.inputs, axis=0))


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_resume_from_position_mid_epoch_is_bit_identical(optimizer):
    whole = _problem(optimizer=optimizer, momentum=0.9)
    for _ in range(13):
        whole.step()
    part = _problem(optimizer=optimizer, momentum=0.9)
    for _ in range(7):
        part.step()
    position = part.position()
    params = part.network.parameters.copy()
    state = part.optimizer.state()
    resumed = _problem(optimizer=optimizer, momentum=0.9)
    resumed.network.parameters[...] = params
    resumed.optimizer.load_state(state)
    resumed.restore_position(position)
    for _ in range(6):
        resumed.step()
    np.testing.assert_array_equal(resumed.network.parameters, whole.network.parameters)
    assert resumed.step_count == whole.step_count
    assert resumed.epoch == whole.epoch


def test_frozen_parameters_do_not_move_even_with_l2():
    trainer = _problem(
        frozen_weights=(False, True),
        frozen_biases=(True, True),
        regularization=Regularization("l2", 0.5),
    )
    w_out = trainer.network.weights[1].copy()
    b = [b.copy() for b in trainer.network.biases]
    w_hidden = trainer.network.weights[0].copy()
    for _ in range(10):
        trainer.step()
    np.testing.assert_array_equal(trainer.network.weights[1], w_out)
    for before, after in zip(b, trainer.network.biases, strict=True):
        np.testing.assert_array_equal(before, after)
    assert not np.array_equal(trainer.network.weights[0], w_hidden)


def test_l2_adds_rate_times_weight_to_the_gradient_and_reports_penalty_apart():
    plain = _problem(shuffle=False)
    regular = _problem(shuffle=False, regularization=Regularization("l2", 0.25))
    record_plain = plain.step(trace=True)
    record_reg = regular.step(trace=True)
    assert record_plain.loss == record_reg.loss  # the reported loss is the data loss
    w = plain.last_trace.layers[0].weights_before
    assert record_reg.penalty == pytest.approx(
        0.125 * sum(float((t.weights_before**2).sum()) for t in regular.last_trace.layers)
    )
    np.testing.assert_allclose(
        regular.last_trace.layers[0].grad_weights - plain.last_trace.layers[0].grad_weights,
        0.25 * w,
        rtol=1e-12,
    )


def test_step_that_would_make_a_weight_infinite_is_reported_and_undone():
    # loss = (1e150)² = 1e300 is finite; the gradient 2e300 times the rate 1e10 is not.
    trainer = linear_problem(1e150, 1e10)
    before = trainer.network.parameters.copy()
    record = trainer.step(trace=True)
    assert np.isfinite(record.loss)
    assert record.diverged
    assert trainer.last_trace.diverged
    np.testing.assert_array_equal(trainer.network.parameters, before)
    assert trainer.step_count == 0
    assert trainer.batch_in_epoch == 0
    trainer.optimizer.learning_rate = 1e-310
    assert not trainer.step().diverged


def test_non_finite_loss_is_divergence():
    trainer = _problem(shuffle=False)
    trainer.network.weights[0][0, 0] = np.inf
    before = trainer.network.parameters.copy()
    assert trainer.step().diverged
    np.testing.assert_array_equal(trainer.network.parameters, before)


def test_training_reduces_loss_and_evaluation_reports_accuracy():
    trainer = _problem(n=200, batch=10)
    start = evaluate(trainer.network, "bce", trainer.inputs, trainer.targets, True)
    trainer.optimizer.learning_rate = 0.5
    trainer.run_epochs(60)
    end = evaluate(trainer.network, "bce", trainer.inputs, trainer.targets, True)
    assert end.loss < start.loss * 0.6
    assert end.accuracy > 0.85
    assert trainer.epoch == 60


# ----- evaluation over large data, in chunks ---------------------------------------------------


def _wide_problem(rows, units, loss="cross_entropy", outputs=3, seed=0):
    rng = np.random.default_rng(seed)
    output = "softmax" if loss == "cross_entropy" else "linear"
    network = Network(2, [units, outputs], ["relu", output])
    network.initialize("he", rng)
    x = rng.normal(size=(rows, 2))
    targets = np.eye(outputs)[rng.integers(0, outputs, rows)]
    return network, x, targets


@pytest.mark.parametrize(("loss", "classification"), [("cross_entropy", True), ("mse", False)])
def test_evaluation_in_chunks_agrees_with_one_pass(monkeypatch, loss, classification):
    network, x, y = _wide_problem(1000, 16, loss)
    whole = evaluate(network, loss, x, y, classification)
    monkeypatch.setattr(network_module, "CHUNK_CELLS", 7 * 19)  # chunks of 7 rows, a ragged end
    assert network_module.rows_per_chunk(network.sizes[1:], 1000) == 7
    chunked = evaluate(network, loss, x, y, classification)
    assert chunked.loss == pytest.approx(whole.loss, rel=1e-12)
    assert chunked.accuracy == whole.accuracy  # counts of right answers: exact


def test_prediction_in_chunks_agrees_with_one_pass(monkeypatch):
    network, x, _ = _wide_problem(1000, 16)
    whole = network.forward(x)[-1][1]
    monkeypatch.setattr(network_module, "CHUNK_CELLS", 7 * 19)
    np.testing.assert_allclose(network.predict(x), whole, rtol=1e-13, atol=0)


def test_evaluation_below_the_chunk_size_is_one_pass_bit_for_bit():
    network, x, y = _wide_problem(500, 16)
    z, a = network.forward(x)[-1]
    assert evaluate(network, "cross_entropy", x, y, True).loss == losses.loss_value(
        "cross_entropy", z, a, y
    )


def test_evaluating_a_large_set_never_holds_samples_by_widest_layer_at_once():
    import tracemalloc

    # 8,192 samples × 1,024 units: one pass keeps z and a of 64 MB each.
    network, x, y = _wide_problem(8192, 1024)
    tracemalloc.start()
    try:
        evaluate(network, "cross_entropy", x, y, True)
        network.predict(x)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    chunk_bytes = 8 * network_module.CHUNK_CELLS
    assert peak < 2.5 * chunk_bytes < 2 * 8 * 8192 * 1024
