"""Edits of a live scenario: kept and drawn weights, the training state, and refused edits."""

from __future__ import annotations

import functools
import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.app import edits
from simulator.app.scenario import (
    GeneratorData,
    InlineData,
    Scenario,
    derived_task,
    scenario_to_dict,
)
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario, validate_scenario_dict

ROOT = Path(__file__).resolve().parent.parent.parent
DATA = ROOT / "tests" / "data"
PRESETS = ROOT / "scenarios"
ALL_FILES = sorted(DATA.glob("*.json")) + sorted(PRESETS.glob("*.json"))
ALL_IDS = [path.name for path in ALL_FILES]


# ---------------------------------------------------------------------------------------------
# Helpers


@functools.cache
def _live(path: Path, steps: int = 13) -> Scenario:
    """The file trained for `steps` steps (one epoch's history, usually mid-epoch), as the app
    hands it to an edit: `simulation.to_scenario()`. Scenarios are frozen, so sharing is safe."""
    simulation = Simulation(load_scenario(path))
    simulation.train_epochs(1)
    for _ in range(steps):
        simulation.trainer.step()
    return simulation.to_scenario()


def _accept(result: Scenario) -> Simulation:
    """Check that `result` validates as a file would, reads back equal, and builds a Simulation
    that trains a step; return that Simulation."""
    source = result.source_path
    checked = validate_scenario_dict(
        scenario_to_dict(result), file="x.json", base_dir=source.parent if source else None
    )
    assert checked == result  # nothing the file cannot hold (numpy values, unused settings)
    simulation = Simulation(result)
    record = simulation.trainer.step()
    assert record.step == simulation.trainer.step_count
    return simulation


def _bits(values) -> tuple:
    """Nested tuples of float.hex, so that equal means bit-identical (-0.0 and 0.0 differ)."""
    if isinstance(values, float):
        return values.hex()
    return tuple(_bits(v) for v in values)


def _weights(s: Scenario, index: int):
    return s.network.layers[index].weights


def _biases(s: Scenario, index: int):
    return s.network.layers[index].biases


def _column(matrix, k):
    return tuple(row[k] for row in matrix)


def _assert_plain(s: Scenario) -> None:
    """Every weight and bias is a Python float in tuples."""
    for layer in s.network.layers:
        assert type(layer.weights) is tuple
        assert type(layer.biases) is tuple
        assert all(type(row) is tuple for row in layer.weights)
        assert all(type(v) is float for row in layer.weights for v in row)
        assert all(type(v) is float for v in layer.biases)


def _assert_shapes(s: Scenario) -> None:
    for layer, fan_in in zip(s.network.layers, s.network.fan_ins, strict=True):
        assert len(layer.weights) == layer.units
        assert all(len(row) == fan_in for row in layer.weights)
        assert len(layer.biases) == layer.units


def _assert_reshaped_state(before: Scenario, after: Scenario) -> None:
    """After a shape change: optimizer state gone, Reset returns to the new weights, the run's
    position and history kept."""
    old, new = before.state, after.state
    assert new.optimizer is None
    assert len(new.initial_layers) == len(after.network.layers)
    for params, layer in zip(new.initial_layers, after.network.layers, strict=True):
        assert _bits(params.weights) == _bits(layer.weights)
        assert _bits(params.biases) == _bits(layer.biases)
    assert (new.epoch, new.step, new.batch_in_epoch) == (old.epoch, old.step, old.batch_in_epoch)
    assert new.shuffle_rng == old.shuffle_rng
    assert new.history == old.history


def _csv_live(tmp_path: Path) -> Scenario:
    """A three-class CSV scenario trained a few steps (its CSV beside the file)."""
    rows = ["length,width,species"] + [
        f"{1 + i * 0.1:.1f},{0.5 + (i % 3) * 0.7:.1f},{['rosa', 'iris', 'tulipa'][i % 3]}"
        for i in range(12)
    ]
    (tmp_path / "flowers.csv").write_text("\n".join(rows) + "\n")
    obj = json.loads((DATA / "three-class-momentum.json").read_text())
    obj["network"]["inputs"] = ["length", "width"]
    obj["data"] = {"csv": "flowers.csv", "targets": ["species"], "train_fraction": 0.75, "seed": 1}
    path = tmp_path / "flowers.json"
    path.write_text(json.dumps(obj))
    simulation = Simulation(load_scenario(path))
    for _ in range(3):
        simulation.trainer.step()
    return simulation.to_scenario()


SPIRAL = DATA / "spiral-adam.json"  # 7 inputs, 8 tanh, 6 relu, 1 sigmoid; adam; generated
THREE = DATA / "three-class-momentum.json"  # 2 inputs, 5 leaky_relu, 3 softmax; sgd; inline
CARD = DATA / "x1x2-design-card.json"  # explicit weights, one sample, no shuffling
XOR = PRESETS / "xor.json"
PLANE = PRESETS / "regression-plane.json"


def test_live_scenarios_are_mid_run():
    scenario = _live(SPIRAL)
    assert scenario.state.optimizer is not None
    assert scenario.state.batch_in_epoch != 0
    assert len(scenario.state.history["epoch"]) == 1


# ---------------------------------------------------------------------------------------------
# Architecture


@pytest.mark.parametrize("path", ALL_FILES, ids=ALL_IDS)
def test_add_hidden_layer_everywhere_keeps_what_fits(path):
    before = _live(path)
    layers = before.network.layers
    for position in range(len(layers)):
        after = edits.add_hidden_layer(before, position, units=3)
        new_layers = after.network.layers
        assert len(new_layers) == len(layers) + 1
        assert new_layers[position].units == 3
        for i in range(position):
            assert _bits(new_layers[i].weights) == _bits(layers[i].weights)
            assert _bits(new_layers[i].biases) == _bits(layers[i].biases)
        # The layer after the new one keeps its biases and the overlapping block of weights.
        following_old, following = layers[position], new_layers[position + 1]
        assert _bits(following.biases) == _bits(following_old.biases)
        overlap = min(3, len(following_old.weights[0]))
        for old_row, row in zip(following_old.weights, following.weights, strict=True):
            assert _bits(row[:overlap]) == _bits(old_row[:overlap])
        for i in range(position + 1, len(layers)):
            assert _bits(new_layers[i + 1].weights) == _bits(layers[i].weights)
        _assert_shapes(after)
        _assert_plain(after)
        _assert_reshaped_state(before, after)
        _accept(after)


def test_inserted_layer_activation_follows_its_neighbour_else_tanh():
    spiral = _live(SPIRAL)
    assert edits.add_hidden_layer(spiral, 0).network.layers[0].activation == "tanh"
    assert edits.add_hidden_layer(spiral, 2).network.layers[2].activation == "relu"
    assert edits.add_hidden_layer(spiral, 1).network.layers[1].activation == "tanh"
    lone = edits.remove_hidden_layer(_live(THREE), 0)
    assert len(lone.network.layers) == 1
    assert edits.add_hidden_layer(lone, 0).network.layers[0].activation == "tanh"
    chosen = edits.add_hidden_layer(spiral, 0, units=2, activation="sigmoid")
    assert chosen.network.layers[0].activation == "sigmoid"
    assert chosen.network.layers[0].units == 2


@pytest.mark.parametrize("path", ALL_FILES, ids=ALL_IDS)
def test_remove_each_hidden_layer(path):
    before = _live(path)
    layers = before.network.layers
    for index in range(len(layers) - 1):
        after = edits.remove_hidden_layer(before, index)
        new_layers = after.network.layers
        assert len(new_layers) == len(layers) - 1
        for i in range(index):
            assert _bits(new_layers[i].weights) == _bits(layers[i].weights)
        following_old, following = layers[index + 1], new_layers[index]
        assert _bits(following.biases) == _bits(following_old.biases)
        fan_in = len(following.weights[0])
        assert fan_in == after.network.fan_ins[index]
        overlap = min(fan_in, len(following_old.weights[0]))
        for old_row, row in zip(following_old.weights, following.weights, strict=True):
            assert _bits(row[:overlap]) == _bits(old_row[:overlap])
        for i in range(index + 2, len(layers)):
            assert _bits(new_layers[i - 1].weights) == _bits(layers[i].weights)
        _assert_shapes(after)
        _assert_reshaped_state(before, after)
        _accept(after)


def test_removing_every_hidden_layer_leaves_the_output_layer():
    scenario = _live(PRESETS / "spiral.json")
    while len(scenario.network.layers) > 1:
        scenario = edits.remove_hidden_layer(scenario, 0)
        _accept(scenario)
    assert scenario.network.fan_ins == (7,)
    with pytest.raises(ValueError, match="output layer"):
        edits.remove_hidden_layer(scenario, 0)


@pytest.mark.parametrize("path", ALL_FILES, ids=ALL_IDS)
def test_add_neuron_keeps_every_old_pair(path):
    before = _live(path)
    layers = before.network.layers
    for index in range(len(layers) - 1):
        after = edits.add_neuron(before, index)
        units = layers[index].units
        layer, following = after.network.layers[index], after.network.layers[index + 1]
        assert layer.units == units + 1
        assert _bits(layer.weights[:units]) == _bits(layers[index].weights)
        assert _bits(layer.biases[:units]) == _bits(layers[index].biases)
        assert len(layer.weights[units]) == len(layers[index].weights[0])
        assert _bits(tuple(row[:units] for row in following.weights)) == _bits(
            layers[index + 1].weights
        )
        assert len(following.weights[0]) == units + 1
        _assert_plain(after)
        _assert_reshaped_state(before, after)
        _accept(after)


def test_remove_neuron_drops_its_row_and_column():
    before = _live(SPIRAL)
    after = edits.remove_neuron(before, 1, unit=2)
    old_layer, old_next = before.network.layers[1], before.network.layers[2]
    layer, following = after.network.layers[1], after.network.layers[2]
    keep = [0, 1, 3, 4, 5]
    assert _bits(layer.weights) == _bits(tuple(old_layer.weights[u] for u in keep))
    assert _bits(layer.biases) == _bits(tuple(old_layer.biases[u] for u in keep))
    assert _bits(following.weights) == _bits(
        tuple(tuple(row[u] for u in keep) for row in old_next.weights)
    )
    assert _bits(after.network.layers[0].weights) == _bits(before.network.layers[0].weights)
    _assert_reshaped_state(before, after)
    _accept(after)
    last = edits.remove_neuron(before, 0)
    assert _bits(last.network.layers[0].weights) == _bits(before.network.layers[0].weights[:7])


def test_set_units_grows_and_shrinks():
    before = _live(SPIRAL)
    grown = edits.set_units(before, 0, 11)
    assert grown.network.layers[0].units == 11
    assert _bits(grown.network.layers[0].weights[:8]) == _bits(before.network.layers[0].weights)
    shrunk = edits.set_units(grown, 0, 8)
    # Growing and shrinking back returns to the same numbers (apart from the state).
    assert _bits(shrunk.network.layers[0].weights) == _bits(before.network.layers[0].weights)
    assert _bits(shrunk.network.layers[1].weights) == _bits(before.network.layers[1].weights)
    assert edits.set_units(before, 0, 8) is before
    for scenario in (grown, shrunk):
        _accept(scenario)


def test_output_units_change_only_where_the_data_allows():
    xor = _live(XOR)
    two = edits.set_units(xor, 2, 2)
    assert two.network.layers[2].units == 2
    assert _bits(two.network.layers[2].weights[0]) == _bits(xor.network.layers[2].weights[0])
    assert _accept(two).data.train_targets.shape[1] == 2
    with pytest.raises(ValueError, match="1 or 2 units"):
        edits.set_units(xor, 2, 3)
    with pytest.raises(ValueError, match="needs 1 unit"):
        edits.set_units(_live(PLANE), 1, 2)
    with pytest.raises(ValueError, match="cannot be changed"):
        edits.set_units(_live(THREE), 1, 4)


def test_new_weights_are_drawn_deterministically_with_the_scheme():
    before = _live(SPIRAL)
    first = edits.add_neuron(before, 0)
    again = edits.add_neuron(before, 0)
    assert first == again
    assert _bits(_weights(first, 0)) == _bits(_weights(again, 0))
    assert first.network.layers[0].biases[8] == 0.0  # xavier starts biases at 0
    new_row = first.network.layers[0].weights[8]
    limit = math.sqrt(6 / (7 + 9))
    assert all(-limit <= w <= limit for w in new_row)
    assert len(set(new_row)) == len(new_row)
    uniform = edits.set_initialization(before, scheme="uniform")
    uniform = Simulation(uniform).to_scenario()
    grown = edits.add_neuron(uniform, 0)
    assert grown.network.layers[0].biases[8] == 0.1
    assert all(-0.5 <= w <= 0.5 for w in grown.network.layers[0].weights[8])


def test_scenario_without_explicit_weights_keeps_the_weights_simulation_draws():
    scenario = load_scenario(SPIRAL)
    assert scenario.network.layers[0].weights is None
    drawn = Simulation(scenario).network
    after = edits.add_neuron(scenario, 0)
    np.testing.assert_array_equal(np.array(after.network.layers[0].weights[:8]), drawn.weights[0])
    np.testing.assert_array_equal(np.array(after.network.layers[2].weights), drawn.weights[2])
    assert after.state is None
    _accept(after)


def test_architecture_edit_then_reset_returns_to_the_edited_weights():
    edited = edits.add_neuron(_live(SPIRAL), 1)
    simulation = Simulation(edited)
    simulation.train_epochs(1)
    reset = edits.reset_training(simulation.to_scenario())
    for layer, start in zip(reset.network.layers, edited.network.layers, strict=True):
        assert _bits(layer.weights) == _bits(start.weights)
        assert _bits(layer.biases) == _bits(start.biases)


def test_freeze_flags_stay_with_their_layer():
    card = load_scenario(CARD)
    frozen = replace(
        card,
        network=replace(
            card.network,
            layers=(replace(card.network.layers[0], freeze_weights=True), card.network.layers[1]),
        ),
    )
    after = edits.add_hidden_layer(frozen, 0)
    assert [layer.freeze_weights for layer in after.network.layers] == [False, True, False]
    _accept(after)


# ---------------------------------------------------------------------------------------------
# Activations and loss


def test_output_activation_drags_the_loss_along():
    xor = _live(XOR)
    tanh = edits.set_activation(xor, 2, "tanh")
    assert (tanh.network.layers[2].activation, tanh.training.loss) == ("tanh", "mse")
    assert tanh.state.optimizer == xor.state.optimizer  # no shape change
    _accept(tanh)
    back = edits.set_activation(tanh, 2, "sigmoid")
    assert back.training.loss == "mse"  # sigmoid with mse is a valid pair: kept
    three = _live(THREE)
    sigmoid = edits.set_activation(three, 1, "sigmoid")
    assert sigmoid.training.loss == "bce"
    softmax = edits.set_activation(sigmoid, 1, "softmax")
    assert softmax.training.loss == "cross_entropy"
    linear = edits.set_activation(three, 1, "linear")
    assert linear.training.loss == "mse"
    # Inline three-class data stays a classification task although mse alone says regression.
    assert linear.training.task == "classification"
    assert _accept(linear).classification
    for scenario in (sigmoid, softmax):
        _accept(scenario)


def test_hidden_activation_edits():
    spiral = _live(SPIRAL)
    relu = edits.set_activation(spiral, 0, "relu")
    assert [layer.activation for layer in relu.network.layers] == ["relu", "relu", "sigmoid"]
    assert relu.training == spiral.training
    _accept(relu)
    all_sigmoid = edits.set_all_hidden_activations(spiral, "sigmoid")
    assert [layer.activation for layer in all_sigmoid.network.layers] == ["sigmoid"] * 3
    assert _bits(all_sigmoid.network.layers[0].weights) == _bits(spiral.network.layers[0].weights)
    _accept(all_sigmoid)
    lone = edits.remove_hidden_layer(_live(THREE), 0)
    assert edits.set_all_hidden_activations(lone, "relu") is lone


def test_loss_drags_the_output_activation_along():
    plane = _live(PLANE)
    bce = edits.set_loss(plane, "bce")
    assert (bce.network.layers[-1].activation, bce.training.loss) == ("sigmoid", "bce")
    _accept(bce)
    mse = edits.set_loss(bce, "mse")
    assert mse.network.layers[-1].activation == "sigmoid"
    three = _live(THREE)
    half = edits.set_loss(three, "half_sse")
    assert half.network.layers[-1].activation == "sigmoid"
    assert half.training.task == "classification"
    _accept(half)
    ce = edits.set_loss(edits.set_loss(three, "bce"), "cross_entropy")
    assert ce.network.layers[-1].activation == "softmax"
    _accept(ce)
    with pytest.raises(ValueError, match=r"^cross_entropy needs at least two output units$"):
        edits.set_loss(plane, "cross_entropy")


def test_regression_generator_is_not_pinned_to_classification():
    plane = _live(PLANE)
    round_trip = edits.set_loss(edits.set_loss(plane, "bce"), "mse")
    assert round_trip.training.task is None
    assert derived_task(round_trip) == "regression"


# ---------------------------------------------------------------------------------------------
# Training settings


def test_set_optimizer():
    spiral = _live(SPIRAL)
    faster = edits.set_optimizer(spiral, learning_rate=0.05)
    assert faster.training.optimizer.learning_rate == 0.05
    assert faster.state.optimizer == spiral.state.optimizer
    _accept(faster)
    sgd = edits.set_optimizer(spiral, name="sgd", momentum=0.5)
    assert sgd.training.optimizer.name == "sgd"
    assert sgd.training.optimizer.momentum == 0.5
    assert sgd.training.optimizer.learning_rate == 0.01
    assert sgd.state.optimizer is None
    assert sgd.state.batch_in_epoch == spiral.state.batch_in_epoch
    _accept(sgd)
    adam = edits.set_optimizer(sgd, name="adam", beta1=0.8)
    assert adam.training.optimizer.momentum == 0.0  # not adam's: back to its default
    assert adam.training.optimizer.beta1 == 0.8
    _accept(adam)
    assert edits.set_optimizer(spiral, name="adam") is spiral
    with pytest.raises(ValueError, match="momentum is a setting of sgd"):
        edits.set_optimizer(spiral, momentum=0.5)
    with pytest.raises(ValueError, match="beta2 is a setting of adam"):
        edits.set_optimizer(sgd, beta2=0.9)
    with pytest.raises(ValueError, match="greater than 0"):
        edits.set_optimizer(spiral, learning_rate=0)
    with pytest.raises(ValueError, match="less than 1"):
        edits.set_optimizer(sgd, momentum=1.0)
    with pytest.raises(ValueError, match="not a known optimizer"):
        edits.set_optimizer(spiral, name="lbfgs")


def test_set_regularization():
    spiral = _live(SPIRAL)
    l1 = edits.set_regularization(spiral, "l1", 0.01)
    assert (l1.training.regularization.kind, l1.training.regularization.rate) == ("l1", 0.01)
    assert l1.state == spiral.state
    _accept(l1)
    assert edits.set_regularization(spiral, "none").training.regularization.rate == 0.001
    with pytest.raises(ValueError, match="at least 0"):
        edits.set_regularization(spiral, "l2", -1.0)
    with pytest.raises(ValueError, match="not a known regularization"):
        edits.set_regularization(spiral, "l3", 0.1)


@pytest.mark.parametrize("path", [SPIRAL, THREE, XOR], ids=lambda p: p.name)
def test_set_batch_size_restarts_the_current_epoch_in_the_same_order(path):
    before = _live(path)
    assert before.state.batch_in_epoch != 0
    after = edits.set_batch_size(before, 3)
    assert after.training.batch_size == 3
    state = after.state
    assert state.batch_in_epoch == 0
    assert state.shuffle_rng == before.state.shuffle_rng
    assert state.optimizer == before.state.optimizer
    assert (state.epoch, state.step, state.history) == (
        before.state.epoch,
        before.state.step,
        before.state.history,
    )
    _accept(after)
    assert edits.set_batch_size(before, before.training.batch_size) is before
    with pytest.raises(ValueError, match="whole number"):
        edits.set_batch_size(before, 2.5)
    with pytest.raises(ValueError, match="from 1 to 100,000"):
        edits.set_batch_size(before, 0)


def test_set_shuffle():
    spiral = _live(SPIRAL)
    off = edits.set_shuffle(spiral, False)
    assert not off.training.shuffle
    assert off.state.batch_in_epoch == 0
    _accept(off)
    assert edits.set_shuffle(spiral, True) is spiral
    with pytest.raises(ValueError, match="on or off"):
        edits.set_shuffle(spiral, 1)


def test_set_initialization_draws_the_network_afresh():
    spiral = _live(SPIRAL)
    he = edits.set_initialization(spiral, scheme="he", seed=9)
    assert (he.network.initialization.scheme, he.network.initialization.seed) == ("he", 9)
    assert all(layer.weights is None and layer.biases is None for layer in he.network.layers)
    assert he.state is None
    _accept(he)
    assert edits.set_initialization(spiral) is spiral
    assert edits.set_initialization(spiral, scheme="xavier", seed=3) is spiral
    with pytest.raises(ValueError, match="not a known initialization"):
        edits.set_initialization(spiral, scheme="zeros")
    with pytest.raises(ValueError, match="at least 0"):
        edits.set_initialization(spiral, seed=-1)


@pytest.mark.parametrize("path", ALL_FILES, ids=ALL_IDS)
def test_reset_returns_exactly_to_the_initial_weights(path):
    fresh = Simulation(load_scenario(path)).network
    reset = edits.reset_training(_live(path))
    assert reset.state is None
    for i, layer in enumerate(reset.network.layers):
        np.testing.assert_array_equal(np.array(layer.weights), fresh.weights[i], strict=True)
        np.testing.assert_array_equal(np.array(layer.biases), fresh.biases[i], strict=True)
    simulation = Simulation(reset)
    assert (simulation.trainer.epoch, simulation.trainer.step_count) == (0, 0)
    assert len(simulation.history) == 0
    _accept(reset)


def test_reset_with_a_new_seed_draws_fresh_weights():
    spiral = _live(SPIRAL)
    reset = edits.reset_training(spiral, new_seed=42)
    assert reset.network.initialization.seed == 42
    assert reset.state is None
    assert all(layer.weights is None and layer.biases is None for layer in reset.network.layers)
    drawn = Simulation(reset).network.weights[0]
    other = replace(
        load_scenario(SPIRAL),
        network=replace(load_scenario(SPIRAL).network, initialization=reset.network.initialization),
    )
    np.testing.assert_array_equal(drawn, Simulation(other).network.weights[0])
    _accept(reset)
    with pytest.raises(ValueError, match="whole number"):
        edits.reset_training(spiral, new_seed=1.5)


def test_reset_of_an_untrained_scenario_keeps_its_weights():
    card = load_scenario(CARD)
    assert edits.reset_training(card) is card
    no_initial = replace(_live(CARD), state=replace(_live(CARD).state, initial_layers=None))
    redrawn = edits.reset_training(no_initial)
    assert all(layer.weights is None for layer in redrawn.network.layers)
    _accept(redrawn)


# ---------------------------------------------------------------------------------------------
# Data


def test_regenerating_keeps_weights_and_restarts_the_epoch():
    spiral = _live(SPIRAL)
    for change in ({"noise": 0.3}, {"samples": 120}, {"train_fraction": 0.4}, {"seed": 9}):
        after = edits.set_generator(spiral, **change)
        assert after.network == spiral.network
        assert after.state.batch_in_epoch == 0
        assert after.state.optimizer == spiral.state.optimizer
        assert (after.state.epoch, after.state.step, after.state.history) == (
            spiral.state.epoch,
            spiral.state.step,
            spiral.state.history,
        )
        assert after.state.shuffle_rng == spiral.state.shuffle_rng
        _accept(after)
    assert edits.set_generator(spiral, noise=0.1) is spiral


def test_switching_between_classification_and_regression_generators():
    spiral = _live(SPIRAL)
    plane = edits.set_generator(spiral, generator="regression_plane")
    assert (plane.network.layers[-1].activation, plane.training.loss) == ("linear", "mse")
    assert plane.network == replace(spiral.network, layers=plane.network.layers)
    assert not _accept(plane).classification
    circle = edits.set_generator(_live(PLANE), generator="circle")
    assert (circle.network.layers[-1].activation, circle.training.loss) == ("sigmoid", "bce")
    assert _accept(circle).classification
    # Two one-hot softmax units become one linear unit; the optimizer state no longer fits.
    two = edits.set_loss(edits.set_units(_live(XOR), 2, 2), "cross_entropy")
    two = Simulation(two).to_scenario()
    assert two.state.optimizer is not None
    regression = edits.set_generator(two, generator="regression_gaussians")
    output = regression.network.layers[-1]
    assert (output.units, output.activation, regression.training.loss) == (1, "linear", "mse")
    assert _bits(output.weights[0]) == _bits(two.network.layers[-1].weights[0])
    assert regression.state.optimizer is None
    _accept(regression)
    pinned = replace(spiral, training=replace(spiral.training, task="classification"))
    assert edits.set_generator(pinned, generator="regression_plane").training.task is None


def test_regenerating_keeps_the_users_output_choice():
    linear = edits.set_activation(_live(XOR), 2, "linear")
    noisier = edits.set_generator(linear, noise=0.2, generator="circle")
    assert (noisier.network.layers[-1].activation, noisier.training.loss) == ("linear", "mse")
    _accept(noisier)
    bce = edits.set_loss(_live(PLANE), "bce")
    other = edits.set_generator(bce, generator="regression_gaussians")
    assert (other.network.layers[-1].activation, other.training.loss) == ("sigmoid", "bce")
    _accept(other)


def test_set_generator_refusals():
    spiral = _live(SPIRAL)
    with pytest.raises(ValueError, match="not generated"):
        edits.set_generator(_live(THREE), noise=0.1)
    with pytest.raises(ValueError, match="not a known generator"):
        edits.set_generator(spiral, generator="moons")
    with pytest.raises(ValueError, match="at most 1"):
        edits.set_generator(spiral, noise=1.5)
    with pytest.raises(ValueError, match="greater than 0"):
        edits.set_generator(spiral, train_fraction=0.0)
    with pytest.raises(ValueError, match="from 1 to"):
        edits.set_generator(spiral, samples=0)


def _picture(s: Scenario):
    data = Simulation(s).data
    return (
        data.train_raw.tolist(),
        data.train_targets.tolist(),
        data.test_raw.tolist(),
        data.test_targets.tolist(),
        list(data.raw_names),
    )


def test_to_inline_then_add_and_remove_points():
    xor = _live(XOR)
    inline = edits.to_inline(xor, *_picture(xor))
    assert isinstance(inline.data, InlineData)
    assert len(inline.data.train_inputs) == 250
    assert type(inline.data.train_inputs[0][0]) is float
    assert inline.network == xor.network
    assert inline.state.batch_in_epoch == 0
    _accept(inline)
    added = edits.add_point(inline, 0.5, -0.25, (1.0,))
    assert added.data.train_inputs[-1] == (0.5, -0.25)
    assert added.data.train_targets[-1] == (1.0,)
    assert added.data.train_inputs[:-1] == inline.data.train_inputs
    _accept(added)
    removed = edits.remove_point(added, 0)
    assert removed.data.train_inputs == added.data.train_inputs[1:]
    assert removed.data.train_targets == added.data.train_targets[1:]
    _accept(removed)


def test_to_inline_keeps_a_classification_task_under_mse():
    xor = edits.set_loss(_live(XOR), "mse")
    assert derived_task(xor) == "classification"  # from the generator
    inline = edits.to_inline(xor, *_picture(xor))
    assert inline.training.task == "classification"
    assert _accept(inline).classification


def test_point_refusals():
    three = _live(THREE)
    with pytest.raises(ValueError, match="inline data"):
        edits.add_point(_live(XOR), 0.0, 0.0, (1.0,))
    with pytest.raises(ValueError, match="has 1 values, but the output layer has 3 units"):
        edits.add_point(three, 0.0, 0.0, (1.0,))
    with pytest.raises(ValueError, match="finite"):
        edits.add_point(three, math.nan, 0.0, (1.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="there is no training sample 11"):
        edits.remove_point(three, 11)
    card = load_scenario(CARD)
    with pytest.raises(ValueError, match="at least one sample"):
        edits.remove_point(card, 0)
    wide = edits.replace_data(
        card, InlineData(((1.0, 2.0, 3.0),), ((1.0,),), columns=("X1", "X2", "X3"))
    )
    with pytest.raises(ValueError, match="two input columns"):
        edits.add_point(wide, 0.0, 0.0, (1.0,))


def test_to_inline_refusals():
    xor = _live(XOR)
    train, targets, test, test_targets, columns = _picture(xor)
    with pytest.raises(ValueError, match="one target row per input row"):
        edits.to_inline(xor, train, targets[:-1], test, test_targets, columns)
    with pytest.raises(ValueError, match="one per unit of the output layer"):
        edits.to_inline(xor, train, [[*row, 0.0] for row in targets], test, test_targets, columns)
    with pytest.raises(ValueError, match="at least one sample"):
        edits.to_inline(xor, [], [], test, test_targets, columns)
    with pytest.raises(ValueError, match="3 column names"):
        edits.to_inline(xor, train, targets, test, test_targets, ["X1", "X2", "X3"])


def test_replace_data_falls_back_to_the_new_columns():
    spiral = _live(SPIRAL)
    data = InlineData(((0.0, 1.0), (1.0, 0.0)), ((0.0,), (1.0,)), columns=("a", "X1"))
    after = edits.replace_data(spiral, data)
    assert after.network.inputs == ("a", "X1")
    # X1 was input 0: its column of weights moves along.
    assert _bits(_column(_weights(after, 0), 1)) == _bits(_column(_weights(spiral, 0), 0))
    assert after.state.optimizer is None
    _accept(after)
    with pytest.raises(ValueError, match="one per unit of the output layer"):
        edits.replace_data(_live(THREE), data)


def test_replace_data_with_a_generator_or_a_csv(tmp_path):
    three = _live(THREE)
    generated = edits.replace_data(three, GeneratorData("circle", 100, 0.0, 0.5, 1))
    assert generated.network.layers[-1].units == 2
    assert generated.training.loss == "cross_entropy"
    _accept(generated)
    csv = _csv_live(tmp_path)
    moved = replace(csv.data, train_fraction=0.5)
    after = edits.replace_data(csv, moved)
    assert after.data == moved
    assert after.network == csv.network
    _accept(after)
    with pytest.raises(ValueError, match="not a data form"):
        edits.replace_data(three, {"generator": "xor"})


def test_set_features_keeps_columns_by_name():
    spiral = _live(SPIRAL)  # X1, X2, X1^2, X2^2, X1*X2, sin(X1), sin(X2)
    after = edits.set_features(spiral, ["sin(X2)", "X1", "X1*X2", "X2"])
    old, new = _weights(spiral, 0), _weights(after, 0)
    for k, source in enumerate([6, 0, 4, 1]):
        assert _bits(_column(new, k)) == _bits(_column(old, source))
    assert _bits(_weights(after, 1)) == _bits(_weights(spiral, 1))
    assert after.network.inputs == ("sin(X2)", "X1", "X1*X2", "X2")
    _assert_reshaped_state(spiral, after)
    _accept(after)
    grown = edits.set_features(after, ["sin(X2)", "X1", "X1*X2", "X2", "X1^2"])
    assert len(_weights(grown, 0)[0]) == 5
    assert _bits(tuple(row[:4] for row in _weights(grown, 0))) == _bits(new)
    _accept(grown)
    assert edits.set_features(spiral, list(spiral.network.inputs)) is spiral
    with pytest.raises(ValueError, match="unknown feature"):
        edits.set_features(spiral, ["X3"])
    with pytest.raises(ValueError, match="at least one input feature"):
        edits.set_features(spiral, [])
    with pytest.raises(ValueError, match="listed twice"):
        edits.set_features(spiral, ["X1", "X1"])


def test_set_features_on_csv_data(tmp_path):
    csv = _csv_live(tmp_path)
    after = edits.set_features(csv, ["width"])
    assert _bits(_column(_weights(after, 0), 0)) == _bits(_column(_weights(csv, 0), 1))
    _accept(after)


# ---------------------------------------------------------------------------------------------
# Single parameters


def test_set_weight_and_bias():
    spiral = _live(SPIRAL)
    after = edits.set_weight(spiral, 1, 2, 3, -1.25)
    assert after.network.layers[1].weights[2][3] == -1.25
    old, new = _weights(spiral, 1), _weights(after, 1)
    assert all(
        _bits(new[r][c]) == _bits(old[r][c]) for r in range(6) for c in range(8) if (r, c) != (2, 3)
    )
    assert after.state == spiral.state  # trained already: a Reset still goes to the start
    _accept(after)
    biased = edits.set_bias(spiral, 2, 0, 3)
    assert biased.network.layers[2].biases == (3.0,)
    assert type(biased.network.layers[2].biases[0]) is float
    _accept(biased)


def test_hand_set_weight_before_training_is_the_new_start():
    start = Simulation(load_scenario(CARD)).to_scenario()
    assert start.state.step == 0
    after = edits.set_weight(start, 0, 0, 1, 2.0)
    assert after.state.initial_layers[0].weights[0] == (0.5, 2.0)
    assert edits.reset_training(after).network.layers[0].weights[0] == (0.5, 2.0)
    without = edits.set_bias(load_scenario(SPIRAL), 0, 0, 0.5)  # weights drawn, then set
    assert without.network.layers[0].biases[0] == 0.5
    drawn = Simulation(load_scenario(SPIRAL)).network.weights[0]
    np.testing.assert_array_equal(np.array(without.network.layers[0].weights), drawn)
    _accept(without)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: edits.set_weight(s, 0, 0, 0, math.inf), "finite"),
        (lambda s: edits.set_weight(s, 0, 0, 0, math.nan), "finite"),
        (lambda s: edits.set_weight(s, 0, 0, 0, "1"), "a number"),
        (lambda s: edits.set_weight(s, 3, 0, 0, 1.0), "there is no layer 3"),
        (lambda s: edits.set_weight(s, 0, 8, 0, 1.0), "there is no unit 8: layer 0 has 8 units"),
        (lambda s: edits.set_weight(s, 1, 0, 8, 1.0), "there is no input 8"),
        (lambda s: edits.set_bias(s, 2, 1, 1.0), "there is no unit 1: layer 2 has 1 unit,"),
        (lambda s: edits.set_bias(s, 0, 0, -math.inf), "finite"),
        (lambda s: edits.set_bias(s, 0, 0, True), "a number"),
    ],
)
def test_parameter_refusals(edit, message):
    with pytest.raises(ValueError, match=message):
        edit(_live(SPIRAL))


# ---------------------------------------------------------------------------------------------
# Impossible edits


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: edits.add_hidden_layer(s, 3), "there is no layer position 3"),
        (lambda s: edits.add_hidden_layer(s, -1), "there is no layer position -1"),
        (lambda s: edits.add_hidden_layer(s, 0, units=0), "from 1 to 4,096"),
        (lambda s: edits.add_hidden_layer(s, 0, units=5000), "from 1 to 4,096"),
        (lambda s: edits.add_hidden_layer(s, 0, activation="softmax"), "only on the output"),
        (lambda s: edits.add_hidden_layer(s, 0, activation="swish"), "not a known activation"),
        (
            lambda s: edits.add_hidden_layer(edits.add_hidden_layer(s, 1, 4096), 1, 4096),
            "at most 2,000,000 are allowed",
        ),
        (lambda s: edits.remove_hidden_layer(s, 2), "layer 2 is the output layer"),
        (lambda s: edits.remove_hidden_layer(s, 5), "there is no layer 5"),
        (lambda s: edits.add_neuron(s, 2), "output layer"),
        (lambda s: edits.remove_neuron(s, 2), "output layer"),
        (lambda s: edits.remove_neuron(s, 0, unit=8), "there is no unit 8"),
        (lambda s: edits.remove_neuron(s, 0, unit="1"), "whole number"),
        (lambda s: edits.set_units(s, 0, 0), "from 1 to 4,096"),
        (lambda s: edits.set_units(s, 0, 2.0), "whole number"),
        (lambda s: edits.set_activation(s, 0, "softmax"), "only on the output"),
        (lambda s: edits.set_activation(s, 2, "softmax"), "at least two output units"),
        (lambda s: edits.set_activation(s, 1, "mish"), "not a known activation"),
        (lambda s: edits.set_all_hidden_activations(s, "softmax"), "only on the output"),
        (lambda s: edits.set_loss(s, "hinge"), "not a known loss"),
        (lambda s: edits.add_point(s, 0.0, 0.0, (1.0,)), "inline data"),
        (lambda s: edits.remove_point(s, 0), "inline data"),
    ],
)
def test_impossible_edits_are_refused(edit, message):
    spiral = _live(SPIRAL)
    with pytest.raises(ValueError, match=message):
        edit(spiral)


def test_a_neuron_is_the_least_a_layer_keeps():
    one = edits.set_units(_live(SPIRAL), 1, 1)
    _accept(one)
    with pytest.raises(ValueError, match="needs at least one"):
        edits.remove_neuron(one, 1)


def test_too_many_layers_is_refused():
    scenario = load_scenario(CARD)
    while len(scenario.network.layers) < edits.MAX_LAYERS:
        scenario = edits.add_hidden_layer(scenario, 0, units=1)
    _accept(scenario)
    with pytest.raises(ValueError, match="already has 64 layers"):
        edits.add_hidden_layer(scenario, 0)


def test_edits_leave_their_input_alone():
    spiral = _live(SPIRAL)
    copy = replace(spiral)
    edits.add_hidden_layer(spiral, 1)
    edits.set_features(spiral, ["X1"])
    edits.set_generator(spiral, generator="xor", samples=50)
    edits.reset_training(spiral, new_seed=1)
    assert spiral == copy


# ---------------------------------------------------------------------------------------------
# Random sequences of architecture edits


_OPERATIONS = (
    "add_layer",
    "remove_layer",
    "add_neuron",
    "remove_neuron",
    "set_units",
    "activation",
    "features",
)
_FEATURES = ("X1", "X2", "X1^2", "X2^2", "X1*X2", "sin(X1)", "sin(X2)")


def _apply(scenario: Scenario, operation: str, a: int, b: int) -> Scenario:
    layers = scenario.network.layers
    if operation == "add_layer":
        return edits.add_hidden_layer(scenario, a % (len(layers) + 1), units=b)
    if operation == "remove_layer":
        return edits.remove_hidden_layer(scenario, a % len(layers))
    if operation == "add_neuron":
        return edits.add_neuron(scenario, a % len(layers))
    if operation == "remove_neuron":
        return edits.remove_neuron(scenario, a % len(layers), unit=b - 1)
    if operation == "set_units":
        return edits.set_units(scenario, a % len(layers), b)
    if operation == "activation":
        names = ("relu", "tanh", "sigmoid", "linear", "leaky_relu", "softmax")
        return edits.set_activation(scenario, a % len(layers), names[b % len(names)])
    chosen = [name for i, name in enumerate(_FEATURES) if (a * 7 + b) >> i & 1]
    return edits.set_features(scenario, chosen)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    start=st.sampled_from([SPIRAL, THREE, CARD, XOR]),
    steps=st.lists(
        st.tuples(st.sampled_from(_OPERATIONS), st.integers(0, 9), st.integers(1, 5)),
        min_size=1,
        max_size=8,
    ),
)
def test_random_architecture_edits_always_validate_and_build(start, steps):
    scenario = _live(start)
    refusals = []
    for operation, a, b in steps:
        try:
            changed = _apply(scenario, operation, a, b)
        except ValueError as exc:  # an impossible edit: refused, the scenario stays
            refusals.append(str(exc))
            continue
        _assert_shapes(changed)
        _assert_plain(changed)
        old_layers, new_layers = scenario.network.layers, changed.network.layers
        if operation in ("add_neuron", "remove_neuron", "set_units", "activation"):
            touched = {a % len(old_layers), a % len(old_layers) + 1}
            if operation == "activation":
                touched = set()
            for j, (old, new) in enumerate(zip(old_layers, new_layers, strict=True)):
                if j not in touched:
                    assert _bits(new.weights) == _bits(old.weights)
                    assert _bits(new.biases) == _bits(old.biases)
        if changed.network.fan_ins != scenario.network.fan_ins or len(new_layers) != len(
            old_layers
        ):
            assert changed.state.optimizer is None
        simulation = _accept(changed)
        # Continue as the app does: from the rebuilt simulation's current scenario.
        scenario = simulation.to_scenario()
    assert all(refusals)  # every refusal explains itself
