"""Undo and redo without Qt: the edit history's moves and the rule that takes each kind of edit
back, wholesale when nothing happened since and part by part after training."""

from __future__ import annotations

import functools
from dataclasses import replace

import pytest

from simulator.app import edits, undo
from simulator.app.scenario import Scenario, scenario_to_dict
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario, validate_scenario_dict
from simulator.resources import scenarios_dir


def _as_worker_has_it(s: Scenario) -> Scenario:
    """`s` validated and built as the worker does with an edit, then read back."""
    checked = validate_scenario_dict(scenario_to_dict(s), file="x.json")
    return Simulation(checked).to_scenario()


def _trained(s: Scenario, steps: int) -> Scenario:
    simulation = Simulation(validate_scenario_dict(scenario_to_dict(s), file="x.json"))
    for _ in range(steps):
        simulation.trainer.step()
    return simulation.to_scenario()


@functools.cache
def _start() -> Scenario:
    """The circle lesson trained a few steps, its data written inline (so points can change)."""
    s = _trained(load_scenario(scenarios_dir() / "circle.json"), 7)
    simulation = Simulation(s)
    data = simulation.data
    inline = edits.to_inline(
        s,
        data.train_raw.tolist(),
        data.train_targets.tolist(),
        data.test_raw.tolist(),
        data.test_targets.tolist(),
        list(data.raw_names),
    )
    return _as_worker_has_it(inline)


def _bits(values) -> tuple:
    if isinstance(values, float):
        return values.hex()
    return tuple(_bits(v) for v in values)


def _parameters(s: Scenario) -> tuple:
    return tuple(_bits((layer.weights, layer.biases)) for layer in s.network.layers)


def _same(a: Scenario, b: Scenario) -> None:
    """Equal settings, data, training position and weights bit for bit (histories aside)."""
    assert _parameters(a) == _parameters(b)
    assert replace(a, state=replace(a.state, history={})) == replace(
        b, state=replace(b.state, history={})
    )


EDITS = {
    "weight": (functools.partial(edits.set_weight, layer_index=0, unit=1, source=0, value=0.1),),
    "bias": (functools.partial(edits.set_bias, layer_index=1, unit=0, value=-0.3),),
    "point added": (functools.partial(edits.add_point, x=0.5, y=-1.0, target_row=(1.0,)),),
    "point removed": (functools.partial(edits.remove_point, train_index=3),),
    "layer added": (functools.partial(edits.add_hidden_layer, position=1, units=3),),
    "layer removed": (functools.partial(edits.remove_hidden_layer, index=0),),
    "neuron added": (functools.partial(edits.add_neuron, layer_index=0),),
    "neuron removed": (functools.partial(edits.remove_neuron, layer_index=0, unit=1),),
    "features": (functools.partial(edits.set_features, names=("X1", "X2", "X1^2")),),
    "learning rate": (functools.partial(edits.set_optimizer, learning_rate=0.03),),
    "optimizer": (functools.partial(edits.set_optimizer, name="adam"),),
    "momentum": (functools.partial(edits.set_optimizer, momentum=0.9),),
    "batch size": (functools.partial(edits.set_batch_size, n=3),),
    "regularization": (functools.partial(edits.set_regularization, kind="l2", rate=0.01),),
    "regularization rate": (
        functools.partial(edits.set_regularization, kind="l2", rate=0.01),
        functools.partial(edits.set_regularization, kind="l2", rate=0.2),
    ),
    "activations": (functools.partial(edits.set_all_hidden_activations, activation="relu"),),
    "output activation": (
        functools.partial(edits.set_activation, layer_index=2, activation="tanh"),
    ),
    "loss": (functools.partial(edits.set_loss, loss="mse"),),
    "initialization": (functools.partial(edits.set_initialization, scheme="he"),),
    "seed": (functools.partial(edits.set_initialization, seed=99),),
}

LABELS = {
    "weight": "change of w(X1 → h1.2)",
    "bias": "change of b(h2.1)",
    "point added": "adding a point",
    "point removed": "removing a point",
    "layer added": "adding a layer",
    "layer removed": "removing a layer",
    "neuron added": "adding a neuron",
    "neuron removed": "removing a neuron",
    "features": "change of the input features",
    "learning rate": "change of the learning rate",
    "optimizer": "change of the optimizer",
    "momentum": "change of the momentum",
    "batch size": "change of the batch size",
    "regularization": "change of the regularization",
    "regularization rate": "change of the regularization rate",
    "activations": "change of the activation",
    "output activation": "change of the output activation and loss",
    "loss": "change of the loss",
    "initialization": "change of the initialization",
    "seed": "change of the initialization",
}


def _edited(kind: str) -> tuple[Scenario, Scenario]:
    """(before, after) of the last edit of `kind`, each as the worker hands it over."""
    before = _start()
    *setup, edit = EDITS[kind]
    for step in setup:
        before = _as_worker_has_it(step(before))
    return before, _as_worker_has_it(edit(before))


@pytest.mark.parametrize("kind", EDITS)
def test_undo_then_redo_restores_each_state_exactly(kind):
    before, after = _edited(kind)
    entry = undo.make_entry(before, after)
    assert entry is not None
    assert entry.text == LABELS[kind]
    undone = _as_worker_has_it(undo.take_back(after, entry))
    _same(undone, before)
    redone = _as_worker_has_it(undo.make_again(undone, entry))
    _same(redone, after)


def test_undoing_a_weight_after_training_restores_it_and_keeps_the_training():
    before, after = _edited("weight")
    entry = undo.make_entry(before, after)
    trained = _trained(after, 5)
    undone = _as_worker_has_it(undo.take_back(trained, entry))
    old = before.network.layers[0].weights[1][0]
    assert undone.network.layers[0].weights[1][0].hex() == old.hex()
    assert undone.state.step == trained.state.step  # training is not rewound
    # Every other parameter keeps its trained value.
    for index, (got, want) in enumerate(
        zip(undone.network.layers, trained.network.layers, strict=True)
    ):
        expected = [list(row) for row in want.weights]
        if index == 0:
            expected[1][0] = old
        assert _bits(got.weights) == _bits(tuple(tuple(row) for row in expected))
        assert _bits(got.biases) == _bits(want.biases)


def test_undoing_a_setting_after_training_keeps_the_trained_weights():
    before, after = _edited("learning rate")
    entry = undo.make_entry(before, after)
    trained = _trained(after, 5)
    undone = _as_worker_has_it(undo.take_back(trained, entry))
    assert undone.training.optimizer.learning_rate == before.training.optimizer.learning_rate
    assert _parameters(undone) == _parameters(trained)
    assert undone.state.step == trained.state.step


def test_undoing_an_added_neuron_after_training_restores_the_shape_and_weights():
    before, after = _edited("neuron added")
    entry = undo.make_entry(before, after)
    undone = _as_worker_has_it(undo.take_back(_trained(after, 5), entry))
    assert [layer.units for layer in undone.network.layers] == [4, 2, 1]
    assert _parameters(undone) == _parameters(before)


def test_undoing_an_added_point_after_training_removes_it():
    before, after = _edited("point added")
    entry = undo.make_entry(before, after)
    undone = _as_worker_has_it(undo.take_back(_trained(after, 5), entry))
    assert undone.data == before.data


def test_an_edit_that_changes_nothing_is_not_an_entry():
    before = _start()
    assert undo.make_entry(before, _as_worker_has_it(edits.set_batch_size(before, 10))) is None


def _entry(text: str) -> undo.Entry:
    return undo.Entry(text, _start(), _start())


def test_history_moves_back_and_forth_and_a_new_edit_drops_the_redo_tail():
    history = undo.EditHistory()
    assert not history.can_undo
    assert not history.can_redo
    assert history.undo_entry() is None
    for text in ("a", "b", "c"):
        history.record(_entry(text))
    assert history.undo_entry().text == "c"
    history.undone()
    history.undone()
    assert history.undo_entry().text == "a"
    assert history.redo_entry().text == "b"
    history.redone()
    assert history.undo_entry().text == "b"
    history.record(_entry("d"))
    assert not history.can_redo
    assert [history.undo_entry().text] == ["d"]
    history.undone()
    assert history.undo_entry().text == "b"
    with pytest.raises(IndexError):
        undo.EditHistory().undone()


def test_history_is_bounded_and_knows_the_saved_point():
    history = undo.EditHistory(limit=3)
    assert history.is_clean
    for text in "abcde":
        history.record(_entry(text))
    assert len(history) == 3
    assert not history.is_clean  # the saved point fell off the front
    history.mark_clean()
    history.undone()
    assert not history.is_clean
    history.redone()
    assert history.is_clean
    history.undone()
    history.undone()
    history.undone()
    assert not history.can_undo
    history.clear()
    assert history.is_clean
    assert len(history) == 0


def test_history_keeps_the_parameters_it_holds_within_its_budget():
    entry = _entry("a")
    assert entry.cost == 4 * (4 * 3 + 2 * 5 + 1 * 3)  # circle: 2 → 4 → 2 → 1, twice over
    history = undo.EditHistory(budget=3 * entry.cost)
    for text in "abcde":
        history.record(_entry(text))
    assert len(history) == 3
    assert history.undo_entry().text == "e"
    tight = undo.EditHistory(budget=1)
    tight.record(_entry("big"))
    assert len(tight) == 1  # the latest edit stays undoable whatever it costs
