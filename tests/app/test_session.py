"""A live simulation: built from a scenario, saved mid-run, loaded and continued bit for bit, and
fed from a CSV beside the scenario."""

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from simulator.app.session import Simulation, divergence_message
from simulator.app.storage import ScenarioError, load_scenario, save_scenario

DATA = Path(__file__).resolve().parent.parent / "data"
PRESETS = Path(__file__).resolve().parents[2] / "scenarios"


def _steps(simulation, count):
    for _ in range(count):
        assert not simulation.trainer.step().diverged


@pytest.mark.parametrize("name", ["spiral-adam.json", "three-class-momentum.json"])
def test_save_mid_epoch_load_and_continue_is_bit_identical(tmp_path, name):
    whole = Simulation(load_scenario(DATA / name))
    _steps(whole, 17)
    part = Simulation(load_scenario(DATA / name))
    _steps(part, 8)
    assert part.trainer.batch_in_epoch != 0  # saved inside an epoch, with its shuffled order
    saved = tmp_path / "mid.json"
    save_scenario(part.to_scenario(), saved)
    resumed = Simulation(load_scenario(saved))
    assert resumed.trainer.step_count == 8
    _steps(resumed, 9)
    np.testing.assert_array_equal(resumed.network.parameters, whole.network.parameters)
    assert resumed.trainer.position() == whole.trainer.position()


def test_saved_file_round_trips_to_an_equal_scenario(tmp_path):
    simulation = Simulation(load_scenario(DATA / "spiral-adam.json"))
    simulation.train_epochs(2)
    scenario = simulation.to_scenario()
    path = tmp_path / "s.json"
    save_scenario(scenario, path)
    again = load_scenario(path)
    assert again == scenario
    assert len(again.state.history["train_loss"]) == 2
    # The initial weights survive, so a reset can return to them.
    first = Simulation(load_scenario(DATA / "spiral-adam.json")).network.weights[0]
    np.testing.assert_array_equal(Simulation(again).initial_parameters[0][0], first)


def test_one_sample_trace_uses_the_same_step_as_training():
    traced = Simulation(load_scenario(DATA / "x1x2-design-card.json"))
    trained = Simulation(load_scenario(DATA / "x1x2-design-card.json"))
    _, trace = traced.trace_sample(0)
    trained.trainer.step()  # one sample, batch of one, no shuffle: the same step
    np.testing.assert_array_equal(traced.network.parameters, trained.network.parameters)
    np.testing.assert_array_equal(trace.layers[-1].biases_after, trained.network.biases[-1])


def _csv_scenario(tmp_path, csv_text, targets=("species",)):
    (tmp_path / "flowers.csv").write_text(csv_text)
    obj = json.loads((DATA / "three-class-momentum.json").read_text())
    obj["network"]["inputs"] = ["length", "width"]
    obj["data"] = {
        "csv": "flowers.csv",
        "targets": list(targets),
        "train_fraction": 0.75,
        "seed": 1,
    }
    path = tmp_path / "flowers.json"
    path.write_text(json.dumps(obj))
    return path


def test_csv_class_column_becomes_one_hot_targets(tmp_path):
    rows = ["length,width,species"] + [
        f"{1 + i * 0.1:.1f},{0.5 + (i % 3) * 0.7:.1f},{['rosa', 'iris', 'tulipa'][i % 3]}"
        for i in range(12)
    ]
    simulation = Simulation(load_scenario(_csv_scenario(tmp_path, "\n".join(rows) + "\n")))
    assert simulation.classification
    assert simulation.data.classes == ("iris", "rosa", "tulipa")
    assert simulation.data.train_targets.shape == (9, 3)
    assert simulation.data.test_targets.shape == (3, 3)
    assert set(simulation.data.train_targets.sum(axis=1)) == {1.0}


def test_csv_with_a_bad_row_names_file_field_line_and_column(tmp_path):
    text = "length,width,species\n1.0,0.5,rosa\n1.1,abc,iris\n1.2,0.7,tulipa\n"
    with pytest.raises(ScenarioError) as caught:
        Simulation(load_scenario(_csv_scenario(tmp_path, text)))
    error = caught.value
    assert error.file == "flowers.json"
    assert error.field == "data.csv"
    assert "flowers.csv" in error.reason
    assert "line 3" in error.reason
    assert "width" in error.reason


def test_csv_that_is_missing_is_a_clear_error(tmp_path):
    path = _csv_scenario(tmp_path, "length,width,species\n1,2,a\n")
    (tmp_path / "flowers.csv").unlink()
    with pytest.raises(ScenarioError, match="does not exist"):
        Simulation(load_scenario(path))


def test_csv_outside_the_scenario_folder_is_refused(tmp_path):
    inner = tmp_path / "inner"
    inner.mkdir()
    path = _csv_scenario(tmp_path, "length,width,species\n1,2,a\n")
    obj = json.loads(path.read_text())
    obj["data"]["csv"] = "../flowers.csv"
    (inner / "s.json").write_text(json.dumps(obj))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(inner / "s.json")
    assert caught.value.field == "data.csv"


def test_input_feature_missing_from_the_data_is_named(tmp_path):
    obj = json.loads((DATA / "x1x2-design-card.json").read_text())
    obj["data"]["columns"] = ["size", "tail"]
    path = tmp_path / "s.json"
    path.write_text(json.dumps(obj))
    with pytest.raises(ScenarioError) as caught:
        Simulation(load_scenario(path))
    assert caught.value.field.startswith("network.inputs")
    assert "X1" in caught.value.reason


def test_derived_features_feed_the_network():
    simulation = Simulation(load_scenario(DATA / "spiral-adam.json"))
    raw = simulation.data.train_raw
    inputs = simulation.data.train_inputs
    np.testing.assert_array_equal(inputs[:, 2], raw[:, 0] ** 2)
    np.testing.assert_array_equal(inputs[:, 4], raw[:, 0] * raw[:, 1])
    np.testing.assert_array_equal(inputs[:, 6], np.sin(raw[:, 1]))


def test_generator_classes_are_encoded_for_the_output_layer(tmp_path):
    obj = json.loads((DATA / "spiral-adam.json").read_text())
    obj["network"]["layers"][-1] = {"units": 1, "activation": "tanh"}
    obj["training"]["loss"] = "half_sse"
    (tmp_path / "s.json").write_text(json.dumps(obj))
    simulation = Simulation(load_scenario(tmp_path / "s.json"))
    assert set(np.unique(simulation.data.train_targets)) == {-1.0, 1.0}  # Playground's labels
    assert simulation.classification


def _preset_at(name: str, learning_rate: float | None = None) -> Simulation:
    scenario = load_scenario(PRESETS / f"{name}.json")
    if learning_rate is not None:
        optimizer = dataclasses.replace(scenario.training.optimizer, learning_rate=learning_rate)
        training = dataclasses.replace(scenario.training, optimizer=optimizer)
        scenario = dataclasses.replace(scenario, training=training)
    return Simulation(scenario)


def test_learning_rate_too_high_keeps_only_finite_steps():
    simulation = _preset_at("learning-rate-too-high")
    records = []
    last = simulation.train_epochs(5, on_step=records.append)
    applied = [r for r in records if not r.diverged]
    assert last.diverged
    assert all(math.isfinite(r.loss) for r in applied)
    # The sixth step sent the loss to infinity: the seventh forward pass found it, undid it.
    assert (last.undone_step, last.divergence, last.step) == (6, "loss", 5)
    assert len(applied) == 6
    assert simulation.trainer.step_count == 5
    assert np.isfinite(simulation.network.parameters).all()
    train, test = simulation.evaluate()
    assert math.isfinite(train.loss)
    assert math.isfinite(test.loss)
    mark = simulation.history.divergence
    assert (mark.epoch, mark.train_loss, mark.undone_step) == (0.5, train.loss, 6)
    assert divergence_message(last) == "Step 6 was undone: it made the loss infinite."


def test_learning_rate_0_2_records_no_infinite_loss_in_its_history():
    # Step 10 ends epoch 1 with weights whose loss on the whole training set is infinite: the
    # epoch-end evaluation undoes it instead of recording the point.
    simulation = _preset_at("learning-rate-too-high", 0.2)
    last = simulation.train_epochs(5)
    assert last.diverged
    assert (last.undone_step, last.step, last.epoch) == (10, 9, 0)
    columns = simulation.history.to_dict()
    for key in ("train_loss", "test_loss"):
        assert all(math.isfinite(v) for v in columns[key])
    assert (simulation.trainer.epoch, simulation.trainer.batch_in_epoch) == (0, 9)
    train, test = simulation.evaluate()
    assert math.isfinite(train.loss)
    assert math.isfinite(test.loss)
    assert simulation.history.divergence.train_loss == train.loss


def test_when_undoing_one_step_is_not_enough_training_goes_back_to_the_last_finite_epoch():
    simulation = Simulation(load_scenario(DATA / "three-class-momentum.json"))
    simulation.train_epochs(2)
    at_epoch_two = simulation.network.parameters.copy()
    position = simulation.trainer.position()
    _steps(simulation, 2)
    # Weights changed from outside (no step to undo) to ones whose loss is infinite.
    simulation.network.parameters[...] *= 1e300
    simulation.trainer.forget_last_step()

    last = simulation.train_epochs(1)

    assert last.diverged
    assert last.undone_step is None
    assert simulation.network.parameters.tobytes() == at_epoch_two.tobytes()
    assert simulation.trainer.position() == position
    assert (last.step, last.epoch) == (position["step"], 2)
    assert math.isfinite(simulation.evaluate()[0].loss)
    assert len(simulation.history) == 2
