"""A step is kept only if the loss it leads to is finite: the step that sends the loss to
infinity is undone exactly, and training after the undo equals training that never took it."""

import numpy as np
import pytest
from linear_problem import linear_problem

from simulator.engine.network import Network
from simulator.engine.optimizers import make_optimizer
from simulator.engine.trainer import DIVERGED_LOSS, DIVERGED_WEIGHTS, Trainer

OPTIMIZERS = {
    "sgd": {"optimizer": "sgd"},
    "momentum": {"optimizer": "sgd", "momentum": 0.9},
    "adam": {"optimizer": "adam"},
}


def _trainer(optimizer="sgd", momentum=0.0, n=23, batch=5, shuffle=True) -> Trainer:
    """Five batches an epoch (the last one short), shuffled: epoch ends come often."""
    rng = np.random.default_rng(3)
    network = Network(2, [4, 1], ["tanh", "sigmoid"])
    network.initialize("xavier", np.random.default_rng(3))
    x = rng.normal(size=(n, 2))
    y = (x[:, :1] * x[:, 1:] > 0).astype(float)
    opt = make_optimizer(optimizer, network.parameters.size, 0.1, momentum=momentum)
    return Trainer(network, "bce", opt, x, y, batch, shuffle=shuffle, rng=np.random.default_rng(4))


def _state(trainer: Trainer) -> dict:
    """Everything a step may change, copied."""
    optimizer = trainer.optimizer
    state = {
        "parameters": trainer.network.parameters.copy(),
        "step": trainer.step_count,
        "epoch": trainer.epoch,
        "batch_in_epoch": trainer.batch_in_epoch,
        "position": trainer.position(),
        "rng": trainer.rng.bit_generator.state,
        "order": None if trainer._order is None else trainer._order.copy(),
    }
    if optimizer.name == "adam":
        state.update(t=optimizer.t, m=optimizer.m.copy(), v=optimizer.v.copy())
    else:
        velocity = optimizer.velocity
        state["velocity"] = None if velocity is None else velocity.copy()
    return state


def _assert_same_state(trainer: Trainer, expected: dict) -> None:
    actual = _state(trainer)
    assert actual.keys() == expected.keys()
    for key, value in expected.items():
        if isinstance(value, np.ndarray):
            # Bit for bit: the same bytes, not merely close values.
            assert actual[key].tobytes() == value.tobytes(), key
        else:
            assert actual[key] == value, key


def _poison(trainer: Trainer) -> np.ndarray:
    """Make the next forward pass's loss not a number (whatever the batch); returns the inputs
    to put back."""
    saved = trainer.inputs.copy()
    trainer.inputs[...] = np.nan
    return saved


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("steps_before", [0, 2])
def test_undo_restores_the_exact_state_before_the_step(name, steps_before):
    trainer = _trainer(**OPTIMIZERS[name])
    for _ in range(steps_before):
        trainer.step()
    before = _state(trainer)
    record = trainer.step()
    assert not record.diverged
    assert not np.array_equal(trainer.network.parameters, before["parameters"])

    undone = trainer.undo_last_step(loss=np.inf)

    assert undone.diverged
    assert undone.undone_step == steps_before + 1
    assert undone.divergence == DIVERGED_LOSS
    assert undone.step == steps_before
    # With momentum the velocity is None again before the first step, as PyTorch's buffer.
    _assert_same_state(trainer, before)
    assert trainer.undo_last_step() is None  # one step back, not two


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_the_next_steps_infinite_loss_undoes_the_step_that_led_there(name):
    trainer = _trainer(**OPTIMIZERS[name])
    for _ in range(3):
        trainer.step()
    before = _state(trainer)
    trainer.step()  # step 4: leads to the infinite loss below
    saved = _poison(trainer)

    record = trainer.step()

    trainer.inputs[...] = saved
    assert record.diverged
    assert (record.undone_step, record.divergence, record.step) == (4, DIVERGED_LOSS, 3)
    assert np.isnan(record.loss)
    _assert_same_state(trainer, before)


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("next_epoch_drawn", [False, True], ids=["undone at once", "next drawn"])
def test_undo_across_an_epoch_boundary(name, next_epoch_drawn):
    # Step 5 finishes epoch 1; the next call draws epoch 2's order before its forward pass
    # finds the loss infinite. The undo takes back the draw too: the RNG is where it was.
    trainer = _trainer(**OPTIMIZERS[name])
    for _ in range(4):
        trainer.step()
    before = _state(trainer)
    assert trainer.step().epoch_finished

    if next_epoch_drawn:
        saved = _poison(trainer)
        record = trainer.step()
        trainer.inputs[...] = saved
    else:
        record = trainer.undo_last_step(loss=np.inf)

    assert (record.undone_step, record.step, record.epoch) == (5, 4, 0)
    _assert_same_state(trainer, before)


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("undone_step", [1, 3, 5, 6])
def test_training_after_an_undo_equals_training_that_never_took_the_step(name, undone_step):
    undone, never = _trainer(**OPTIMIZERS[name]), _trainer(**OPTIMIZERS[name])
    for _ in range(undone_step):
        undone.step()
    saved = _poison(undone)
    assert undone.step().undone_step == undone_step
    undone.inputs[...] = saved
    for _ in range(undone_step - 1):
        never.step()
    for _ in range(12):  # across two more epoch ends
        undone.step()
        never.step()
    assert undone.network.parameters.tobytes() == never.network.parameters.tobytes()
    assert undone.position() == never.position()
    _assert_same_state(undone, _state(never))


def test_step_whose_loss_overflows_is_undone_and_named():
    # w and b grow by a factor of about 1e60 a step (1e120 → 1e180); the loss (w + b)² first
    # overflows at the fourth forward pass while the weights are still finite: step 3 led
    # there and is the one undone.
    trainer = linear_problem(1.0, 1e60)
    records = []
    for _ in range(3):
        after_two = trainer.network.parameters.copy()
        records.append(trainer.step())
    assert not any(r.diverged for r in records)
    assert np.isfinite(trainer.network.parameters).all()
    kept = records[2]

    record = trainer.step()

    assert record.diverged
    assert (record.undone_step, record.divergence) == (3, DIVERGED_LOSS)
    assert (record.step, trainer.step_count) == (2, 2)
    assert trainer.network.parameters.tobytes() == after_two.tobytes()
    # The kept weights' loss is the finite one the third step started from.
    assert np.isfinite(kept.loss)
    assert trainer.step().loss == kept.loss


def test_step_that_makes_a_weight_infinite_is_named_as_such():
    # loss = (1e150)² = 1e300 is finite; the gradient 2e300 times the rate 1e10 is not.
    trainer = linear_problem(1e150, 1e10)
    before = trainer.network.parameters.copy()
    record = trainer.step()
    assert record.diverged
    assert (record.undone_step, record.divergence, record.step) == (1, DIVERGED_WEIGHTS, 0)
    assert trainer.network.parameters.tobytes() == before.tobytes()


def test_nothing_to_undo_when_the_first_loss_is_already_infinite():
    trainer = _trainer()
    trainer.network.weights[0][0, 0] = np.nan
    state = _state(trainer)
    record = trainer.step()
    assert record.diverged
    assert (record.undone_step, record.divergence) == (None, DIVERGED_LOSS)
    # The epoch order the call drew is put back: nothing of the refused step remains.
    _assert_same_state(trainer, state)


def test_a_restored_position_cannot_be_undone_into():
    trainer = _trainer()
    trainer.step()
    trainer.restore_position(trainer.position())
    assert trainer.undo_last_step() is None
