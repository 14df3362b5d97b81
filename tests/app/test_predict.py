"""Asking a network about new inputs in raw units: the raw values go through the same features
as the training data, and the answers (outputs, class, probability) are the engine's own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulator.app.predict import PredictError, parse_input, predict, read_input_table
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.engine.trainer import predicted_classes
from simulator.resources import preset_path, scenarios_dir

PRESETS = sorted(scenarios_dir().glob("*.json"))


def _simulation(name: str) -> Simulation:
    return Simulation(load_scenario(preset_path(name)))


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.stem)
def test_network_inputs_of_the_training_rows_are_the_training_inputs(preset: Path) -> None:
    simulation = Simulation(load_scenario(preset))
    made = simulation.network_inputs(simulation.data.train_raw)
    assert made.dtype == simulation.data.train_inputs.dtype
    assert made.shape == simulation.data.train_inputs.shape
    assert made.tobytes() == simulation.data.train_inputs.tobytes()


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.stem)
def test_predicting_the_raw_test_rows_is_the_networks_own_evaluation(preset: Path) -> None:
    simulation = Simulation(load_scenario(preset))
    simulation.train_epochs(1)  # trained weights, not only the initial ones
    data = simulation.data
    raw = data.test_raw if len(data.test_raw) else data.train_raw
    inputs = data.test_inputs if len(data.test_raw) else data.train_inputs
    prediction = predict(simulation, raw)
    own = simulation.network.predict(inputs)
    assert prediction.outputs.shape == own.shape
    assert prediction.outputs.tobytes() == own.tobytes()
    if simulation.classification:
        activation = simulation.scenario.network.layers[-1].activation
        assert np.array_equal(prediction.classes, predicted_classes(own, activation))
        names = [record["class"] for record in prediction.records()]
        assert names == [data.classes[index] for index in prediction.classes]
    else:
        assert prediction.classes is None
        assert all("class" not in record for record in prediction.records())


def test_one_sigmoid_unit_gives_the_probability_of_the_class_it_chose() -> None:
    simulation = _simulation("cat-vs-dog")
    prediction = predict(simulation, np.array([[0.24, 0.31], [0.7, 0.9], [0.1, 0.95]]))
    output = prediction.outputs[:, 0]
    chosen_dog = prediction.classes == 1
    expected = np.where(chosen_dog, output, 1.0 - output)
    assert np.array_equal(prediction.probabilities, expected)
    assert (prediction.probabilities >= 0.5).all()
    for record in prediction.records():
        assert record["class"] in ("cat", "dog")


def test_softmax_outputs_give_the_chosen_class_value_as_its_probability() -> None:
    simulation = _simulation("iris")
    prediction = predict(simulation, simulation.data.test_raw[:5])
    rows = np.arange(5)
    assert np.array_equal(prediction.probabilities, prediction.outputs[rows, prediction.classes])
    assert np.array_equal(prediction.classes, np.argmax(prediction.outputs, axis=1))


def test_a_typed_input_needs_one_number_per_raw_column_named_in_the_message() -> None:
    names = ("size", "tail length")
    assert parse_input("0.24, 0.31", names).tolist() == [0.24, 0.31]
    with pytest.raises(PredictError, match=r"expects 2 values \(size, tail length\), got 3"):
        parse_input("1,2,3", names)
    for bad in ("0.2,abc", "0.2,nan", "0.2,inf", "0.2,"):
        with pytest.raises(PredictError, match="tail length"):
            parse_input(bad, names)


def test_a_table_is_read_by_column_name_with_other_columns_ignored(tmp_path: Path) -> None:
    table = tmp_path / "animals.csv"
    table.write_text("name,tail length,size\nTom,0.31,0.24\n\nRex,0.9,0.7\n")
    rows = read_input_table(table, ("size", "tail length"))
    assert rows.tolist() == [[0.24, 0.31], [0.7, 0.9]]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("size,tail length\n0.2,0.3\n0.4,oops\n", 'line 3, column "tail length": "oops"'),
        ("size,tail length\n0.2,\n", 'line 2, column "tail length": the cell is empty'),
        ("size,tail length\n0.2,0.3,0.4\n", "line 2: 3 cells"),
        ("size,weight\n0.2,0.3\n", "lacks tail length"),
        ("size,tail length\n", "no rows"),
        ("", "empty"),
    ],
)
def test_a_bad_table_is_one_message_naming_the_file_and_where(
    tmp_path: Path, text: str, words: str
) -> None:
    table = tmp_path / "animals.csv"
    table.write_text(text)
    with pytest.raises(PredictError) as caught:
        read_input_table(table, ("size", "tail length"))
    message = str(caught.value)
    assert str(table) in message
    assert words in message
    assert "\n" not in message


def test_only_a_regular_file_is_read_as_a_table(tmp_path: Path) -> None:
    with pytest.raises(PredictError, match="not a regular file"):
        read_input_table(tmp_path, ("size", "tail length"))
