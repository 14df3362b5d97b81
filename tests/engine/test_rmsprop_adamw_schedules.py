"""RMSprop, AdamW and the learning-rate schedules: hand-worked numbers, PyTorch's formulas,
and the trainer stepping the rate once per epoch end (and back when a step is undone)."""

import math

import numpy as np
import pytest

from simulator.engine.network import Network
from simulator.engine.optimizers import AdamW, RMSprop, make_optimizer
from simulator.engine.schedules import Schedule, rate_at, rates
from simulator.engine.trainer import Trainer


def test_one_rmsprop_step_by_hand():
    opt = RMSprop(2, learning_rate=0.01, alpha=0.99, eps=1e-8)
    step = opt.propose(np.array([0.5, -2.0])).copy()
    opt.commit()
    # s = 0.01·g² = [0.0025, 0.04]; √s = [0.05, 0.2]; step = 0.01·g/(√s + ε).
    np.testing.assert_allclose(opt.square_avg, [0.0025, 0.04], rtol=1e-15)
    np.testing.assert_allclose(step, [0.01 * 0.5 / (0.05 + 1e-8), -0.01 * 2.0 / (0.2 + 1e-8)])
    assert step[0] == pytest.approx(0.0999999800000040, rel=1e-14)


def test_rmsprop_momentum_keeps_a_buffer_of_scaled_gradients():
    opt = RMSprop(1, learning_rate=0.1, alpha=0.5, eps=0.0, momentum=0.9)
    g1, g2 = 2.0, 1.0
    opt.propose(np.array([g1]))
    opt.commit()
    step = opt.propose(np.array([g2]))[0]
    opt.commit()
    s1 = 0.5 * g1 * g1  # 2
    s2 = 0.5 * s1 + 0.5 * g2 * g2  # 1.5
    b1 = g1 / math.sqrt(s1)
    b2 = 0.9 * b1 + g2 / math.sqrt(s2)
    assert opt.momentum_buffer[0] == pytest.approx(b2, rel=1e-15)
    assert step == pytest.approx(0.1 * b2, rel=1e-15)


def test_one_adamw_step_by_hand_decays_weights_only():
    # Two parameters: a weight (decays) and a bias (does not).
    opt = AdamW(2, learning_rate=0.1, weight_decay=0.5, decay_count=1)
    params = np.array([2.0, 2.0])
    step = opt.propose(np.array([0.3, 0.3]), params).copy()
    # First Adam step: m̂ = g, v̂ = g², so Adam's part is η·g/(|g| + ε) ≈ η; the weight also
    # loses η·λ·θ = 0.1 · 0.5 · 2 = 0.1.
    adam = 0.1 * 0.3 / (0.3 + 1e-8)
    assert step[1] == pytest.approx(adam, rel=1e-15)
    assert step[0] == pytest.approx(adam + 0.1, rel=1e-15)
    # PyTorch's order: θ·(1 − ηλ) then Adam's step; the same number up to a rounding.
    assert 2.0 - step[0] == pytest.approx(2.0 * (1 - 0.05) - adam, abs=1e-15)


def test_undoing_a_commit_restores_rmsprop_and_adamw_exactly():
    rng = np.random.default_rng(3)
    for opt in (RMSprop(5, 0.1, momentum=0.5), AdamW(5, 0.1)):
        params = rng.normal(size=5)
        opt.propose(rng.normal(size=5), params)
        opt.commit()
        before = opt.state()  # copies
        opt.propose(rng.normal(size=5), params)
        opt.commit()
        opt.undo_commit()
        for key, value in opt.state().items():
            np.testing.assert_array_equal(value, before[key])


# Closed forms from PyTorch's documentation; the recurrences PyTorch (and nnsim) compute agree
# with them to rounding.
def _step_closed(base, e, step_size, gamma):
    return base * gamma ** (e // step_size)


def _cosine_closed(base, e, t_max, eta_min):
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * e / t_max)) / 2


@pytest.mark.parametrize(
    ("schedule", "closed"),
    [
        (Schedule("step", step_size=4, gamma=0.5), lambda e: _step_closed(0.2, e, 4, 0.5)),
        (Schedule("step", step_size=1, gamma=0.9), lambda e: _step_closed(0.2, e, 1, 0.9)),
        (Schedule("exponential", gamma=0.93), lambda e: 0.2 * 0.93**e),
        # Past t_max PyTorch's cosine climbs back up, as the closed form does.
        (Schedule("cosine", t_max=10, eta_min=0.01), lambda e: _cosine_closed(0.2, e, 10, 0.01)),
        (Schedule("cosine", t_max=7, eta_min=0.0), lambda e: _cosine_closed(0.2, e, 7, 0.0)),
    ],
    ids=["step4", "step1", "exponential", "cosine10", "cosine7"],
)
def test_thirty_epochs_of_each_schedule_follow_pytorchs_formulas(schedule, closed):
    curve = rates(schedule, 0.2, 30)
    assert len(curve) == 30
    assert curve[0] == 0.2
    for epoch, rate in enumerate(curve):
        assert rate == pytest.approx(closed(epoch), rel=1e-12, abs=1e-15), epoch
        assert rate == rate_at(schedule, 0.2, epoch)  # from scratch: the same bits


def test_step_schedule_changes_exactly_at_multiples_of_step_size():
    curve = rates(Schedule("step", step_size=3, gamma=0.1), 1.0, 7)
    assert curve[:3] == [1.0, 1.0, 1.0]
    assert curve[3:6] == [0.1, 0.1, 0.1]
    assert curve[6] == pytest.approx(0.01, rel=1e-15)


def _trainer(schedule, optimizer="sgd", n=6, batch=3):
    rng = np.random.default_rng(0)
    network = Network(2, [3, 1], ["silu", "linear"])
    network.initialize("xavier", rng)
    opt = make_optimizer(optimizer, network.parameters.size, 0.1)
    x, y = rng.normal(size=(n, 2)), rng.normal(size=(n, 1))
    return Trainer(network, "mse", opt, x, y, batch, schedule=schedule)


def test_the_rate_moves_once_per_epoch_end_and_every_step_uses_its_epochs_rate():
    schedule = Schedule("exponential", gamma=0.5)
    trainer = _trainer(schedule)
    seen = []
    for _ in range(6):  # two steps an epoch
        trainer.step(trace=True)
        seen.append(trainer.last_trace.learning_rate)
    assert seen == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    assert trainer.optimizer.learning_rate == 0.0125
    assert trainer.position()["learning_rate"] == 0.0125


def test_without_a_schedule_the_position_has_no_rate():
    trainer = _trainer(None)
    trainer.run_epochs(3)
    assert "learning_rate" not in trainer.position()
    assert trainer.optimizer.learning_rate == 0.1


def test_undoing_the_step_that_ended_an_epoch_takes_the_rate_back():
    trainer = _trainer(Schedule("step", step_size=1, gamma=0.5), optimizer="adam")
    trainer.step()
    trainer.step()  # ends epoch 0: the rate halves
    assert trainer.optimizer.learning_rate == 0.05
    record = trainer.undo_last_step()
    assert record is not None
    assert (trainer.epoch, trainer.batch_in_epoch) == (0, 1)
    assert trainer.optimizer.learning_rate == 0.1


def test_restoring_a_position_sets_the_epochs_rate_or_the_kept_mid_epoch_rate():
    schedule = Schedule("cosine", t_max=5, eta_min=0.0)
    trainer = _trainer(schedule)
    trainer.restore_position({"step": 8, "epoch": 4, "batch_in_epoch": 0, "learning_rate": 9.0})
    assert trainer.optimizer.learning_rate == rate_at(schedule, 0.1, 4)  # the epoch's rate
    trainer.restore_position({"step": 9, "epoch": 4, "batch_in_epoch": 1, "learning_rate": 0.07})
    assert trainer.optimizer.learning_rate == 0.07  # the epoch began at it
    trainer.step()  # ends epoch 4: from here the schedule again
    assert trainer.optimizer.learning_rate == rate_at(schedule, 0.1, 5)


def test_frozen_weights_do_not_move_under_adamw_decay():
    rng = np.random.default_rng(1)
    network = Network(2, [3, 1], ["elu", "linear"])
    network.initialize("xavier", rng)
    before = network.weights[0].copy()
    opt = make_optimizer(
        "adamw", network.parameters.size, 0.1, weight_decay=0.5,
        decay_count=network.weight_count,
    )  # fmt: skip
    x, y = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    trainer = Trainer(network, "mse", opt, x, y, 4, frozen_weights=(True, False))
    trainer.run_epochs(5)
    np.testing.assert_array_equal(network.weights[0], before)
    assert not np.array_equal(network.biases[0], 0.0)  # the rest trained
