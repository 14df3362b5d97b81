"""Saturated and dead hidden neurons, counted from the snapshot's own forward pass, and the
first epoch's steps kept for the loss curve. No Qt widgets."""

import dataclasses
import functools
from pathlib import Path

import numpy as np
import pytest

from simulator.app import edits
from simulator.app.neuron_health import (
    DEAD,
    HEALTHY,
    PERSISTENT_STEPS,
    SATURATED,
    HealthWatch,
    flat_counts,
    neuron_states,
)
from simulator.app.session import Simulation
from simulator.app.snapshot import take_snapshot
from simulator.app.storage import load_scenario
from simulator.app.worker import TrainingWorker

PRESETS = Path(__file__).resolve().parents[2] / "scenarios"


def _simulation(name: str, edit=None) -> Simulation:
    scenario = load_scenario(PRESETS / f"{name}.json")
    if edit is not None:
        scenario = edit(scenario)
    return Simulation(scenario)


def test_flat_counts_use_each_activations_flat_part():
    z = np.array([[3.5, -0.1, 6.0], [-4.0, 0.0, -5.5], [2.9, 2.0, 4.9]])
    assert flat_counts("tanh", z).tolist() == [2, 0, 3]  # |z| > 3
    assert flat_counts("sigmoid", z).tolist() == [0, 0, 2]  # |z| > 5
    assert flat_counts("relu", z).tolist() == [1, 2, 1]  # z ≤ 0
    assert flat_counts("linear", z) is None
    assert flat_counts("leaky_relu", z) is None


def test_saturated_neurons_count_only_when_most_are():
    shares = (np.array([1.0, 0.95, 0.2, 0.0]),)
    assert neuron_states(("tanh",), shares)[0].tolist() == [SATURATED, SATURATED, 0, 0]
    few = (np.array([1.0, 0.2, 0.2, 0.0]),)
    assert neuron_states(("tanh",), few)[0].tolist() == [HEALTHY] * 4
    # A dead ReLU is marked however few there are, and only when zero for every sample.
    relu = (np.array([1.0, 0.99, 0.0]),)
    assert neuron_states(("relu",), relu)[0].tolist() == [DEAD, HEALTHY, HEALTHY]


def test_snapshot_predictions_are_predicts_bit_for_bit_and_shares_count_the_same_pass():
    simulation = _simulation("circle")
    simulation.train_epochs(3)
    snapshot = take_snapshot(simulation, with_maps=False)
    network, inputs = simulation.network, simulation.data.train_inputs
    assert np.array_equal(snapshot.train_predictions, network.predict(inputs))
    layers = network.forward(inputs)
    for index, activation in enumerate(network.activation_names[:-1]):
        expected = flat_counts(activation, layers[index][0]) / len(inputs)
        assert np.array_equal(snapshot.flat_shares[index], expected)
    assert len(snapshot.flat_shares) == len(network.sizes) - 2


def test_a_learning_rate_of_50_saturates_most_tanh_neurons():
    fresh = _simulation("circle")
    states = neuron_states(fresh.network.activation_names[:-1], take_snapshot(fresh).flat_shares)
    assert all((s == HEALTHY).all() for s in states)

    simulation = _simulation("circle", functools.partial(edits.set_optimizer, learning_rate=50.0))
    simulation.train_epochs(2)
    snapshot = take_snapshot(simulation, with_maps=False)
    states = neuron_states(snapshot.activation_names[:-1], snapshot.flat_shares)
    marked = sum(int((s == SATURATED).sum()) for s in states)
    assert marked > 0.5 * sum(len(s) for s in states)


def test_the_dead_relu_preset_has_dead_neurons():
    simulation = _simulation("dead-relu")
    simulation.train_epochs(20)
    snapshot = take_snapshot(simulation, with_maps=False)
    states = neuron_states(snapshot.activation_names[:-1], snapshot.flat_shares)
    assert (states[0] == DEAD).sum() >= 1
    assert snapshot.flat_shares[0][states[0] == DEAD].min() == 1.0


def _fake_snapshot(step, shares, activations=("tanh", "sigmoid"), sizes=(2, 4, 1)):
    return dataclasses.make_dataclass(
        "S", ["step", "layer_sizes", "activation_names", "flat_shares"]
    )(step, sizes, activations, shares)


def test_the_watch_waits_for_many_steps_and_starts_over_on_reset():
    watch = HealthWatch()
    flat = (np.ones(4),)
    first = watch.update(_fake_snapshot(5, flat))
    assert not first.states[0].any()
    assert first.hint == ""
    later = watch.update(_fake_snapshot(5 + PERSISTENT_STEPS, flat))
    assert later.states[0].tolist() == [SATURATED] * 4
    assert "saturated" in later.hint
    assert "learning rate" in later.hint
    assert "ReLU" in later.hint
    # A neuron that recovered loses its mark at once; back in the flat part it waits again.
    mixed = (np.array([1.0, 1.0, 1.0, 0.0]),)
    assert watch.update(_fake_snapshot(6 + PERSISTENT_STEPS, mixed)).states[0][3] == HEALTHY
    assert watch.update(_fake_snapshot(7 + PERSISTENT_STEPS, flat)).states[0][3] == HEALTHY
    # Reset: the step count goes back, and nothing is marked until it has held again.
    assert not watch.update(_fake_snapshot(1, flat)).states[0].any()


def test_the_worker_keeps_the_first_epochs_steps_until_a_blow_up(qapp):
    simulation = _simulation("learning-rate-too-high")
    worker = TrainingWorker(simulation, clock=lambda: 0.0, emit_interval=0.0)
    reports = []
    worker.progressed.connect(reports.append)
    worker.post(TrainingWorker.play)
    for _ in range(5):
        worker.tick()
    assert simulation.divergence is not None
    assert simulation.trainer.epoch == 0  # it blew up within the first epoch
    steps = [point for report in reports for point in report.first_epoch_steps]
    assert len(steps) >= 2
    places = [place for place, _ in steps]
    assert places[0] == 0.0
    assert all(0 <= p < 1 for p in places)
    assert places == sorted(places)
    losses = [loss for _, loss in steps]
    assert max(losses) > 10 * losses[0]  # the jump before the blow-up is there to see
    assert simulation.history.first_epoch_steps == steps


@pytest.mark.parametrize("batch_size", [1, 7])
def test_first_epoch_steps_stop_at_the_end_of_the_first_epoch(qapp, batch_size):
    simulation = _simulation("circle", functools.partial(edits.set_batch_size, n=batch_size))
    # No report is due while it trains: the slices run whole.
    worker = TrainingWorker(simulation, clock=lambda: 0.0, emit_interval=1e9)
    per_epoch = simulation.trainer.steps_per_epoch
    worker.post(functools.partial(TrainingWorker.add_steps, count=per_epoch + 5))
    while simulation.trainer.step_count < per_epoch + 5:
        worker.tick()
    places = [p for p, _ in simulation.history.first_epoch_steps]
    assert places == [step / per_epoch for step in range(per_epoch)]
