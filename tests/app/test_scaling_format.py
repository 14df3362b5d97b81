"""Feature scaling in scenarios: statistics from the training split, kept in the saved file and
used for every new input; a table of very different units that only trains once scaled; bad
scaling fields refused by name."""

import json
from pathlib import Path

import numpy as np
import pytest

from simulator.app import snapshot
from simulator.app.session import Simulation
from simulator.app.storage import ScenarioError, load_scenario, save_scenario

PRESETS = Path(__file__).resolve().parents[2] / "scenarios"


def _table(method, train_inputs, train_targets, test_inputs=(), test_targets=(), **scaling):
    """A scenario dict on inline data: one linear layer, plain SGD on the squared error."""
    data = {"train": {"inputs": train_inputs, "targets": train_targets}}
    if len(test_inputs):
        data["test"] = {"inputs": test_inputs, "targets": test_targets}
    if method is not None:
        data["scaling"] = {"method": method, **scaling}
    width = len(train_inputs[0])
    return {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "scaling",
        "network": {
            "inputs": [f"X{i + 1}" for i in range(width)],
            "initialization": {"scheme": "xavier", "seed": 3},
            "layers": [{"units": len(train_targets[0]), "activation": "linear"}],
        },
        "training": {
            "loss": "mse",
            "optimizer": {"name": "sgd", "learning_rate": 0.05},
            "batch_size": 8,
            "shuffle": True,
            "seed": 0,
        },
        "data": data,
    }


def _load(tmp_path, obj, name="s.json"):
    path = tmp_path / name
    path.write_text(json.dumps(obj))
    return load_scenario(path)


def _houses(count, seed):
    """Rows (size in square metres times 10⁴, rooms) and a price that depends on both alike: the
    first column's numbers are about 10⁶ times the second's."""
    rng = np.random.default_rng(seed)
    size = rng.uniform(0.5e6, 2e6, count)
    rooms = rng.uniform(1, 4, count)
    price = size / 1e6 + rooms / 2
    return np.column_stack([size, rooms]).tolist(), price.reshape(-1, 1).tolist()


def test_statistics_come_from_the_training_split_only(tmp_path):
    train = [[1.0, 4.0], [3.0, 8.0], [2.0, 0.0], [6.0, 4.0]]
    targets = [[0.0]] * 4
    near = _load(tmp_path, _table("standardize", train, targets, [[2.0, 3.0]], [[0.0]]))
    far = _load(tmp_path, _table("standardize", train, targets, [[1e9, -1e9]], [[0.0]]))
    near_data, far_data = Simulation(near).data, Simulation(far).data
    np.testing.assert_array_equal(near_data.scaling.center, [3.0, 4.0])
    np.testing.assert_array_equal(far_data.scaling.center, near_data.scaling.center)
    np.testing.assert_array_equal(far_data.scaling.scale, near_data.scaling.scale)
    np.testing.assert_allclose(near_data.train_inputs.mean(axis=0), 0.0, atol=1e-15)
    np.testing.assert_allclose(near_data.train_inputs.std(axis=0), 1.0)
    # The far test row is scaled with the training numbers: (10⁹ − 3) / sd.
    scale = far_data.scaling.scale
    assert far_data.test_inputs[0, 0] == (1e9 - 3.0) / scale[0]


def test_min_max_puts_the_training_range_on_minus_one_to_one(tmp_path):
    train = [[2.0, -5.0], [4.0, 5.0], [10.0, 0.0]]
    data = Simulation(_load(tmp_path, _table("min_max", train, [[0.0]] * 3))).data
    np.testing.assert_array_equal(data.train_inputs, [[-1.0, -1.0], [-0.5, 1.0], [1.0, 0.0]])


def test_a_saved_and_reloaded_scenario_predicts_the_same_bits(tmp_path):
    inputs, targets = _houses(40, seed=1)
    simulation = Simulation(_load(tmp_path, _table("standardize", inputs, targets)))
    simulation.train_epochs(3)
    saved = tmp_path / "saved.json"
    save_scenario(simulation.to_scenario(), saved)
    written = json.loads(saved.read_text())
    assert written["data"]["scaling"] == {"method": "standardize"}  # as the author wrote it
    stored = written["state"]["scaling"]
    assert stored["center"] == simulation.data.scaling.center.tolist()
    assert stored["scale"] == simulation.data.scaling.scale.tolist()
    reloaded = Simulation(load_scenario(saved))
    new_rows = np.array([[1.7e6, 2.5], [9e5, 1.0], [3e6, 6.0]])
    before = simulation.network.predict(simulation.network_inputs(new_rows))
    after = reloaded.network.predict(reloaded.network_inputs(new_rows))
    np.testing.assert_array_equal(after, before)
    # The inputs a prediction is made of are scaled: the training rows give the training inputs.
    np.testing.assert_array_equal(
        reloaded.network_inputs(reloaded.data.train_raw), reloaded.data.train_inputs
    )


def test_stored_statistics_are_used_rather_than_measured_again(tmp_path):
    train = [[1.0, 2.0], [3.0, 6.0]]
    obj = _table("standardize", train, [[0.0]] * 2, center=[0.0, 1.0], scale=[2.0, 0.5])
    data = Simulation(_load(tmp_path, obj)).data
    np.testing.assert_array_equal(data.train_inputs, [[0.5, 2.0], [1.5, 10.0]])


def test_units_a_million_apart_train_only_when_standardized(tmp_path):
    """Without scaling, SGD at this rate diverges: the first column's gradient is about 10¹² times
    the second's. Standardized, the same network and rate fit the linear price to a small loss."""
    inputs, targets = _houses(64, seed=2)
    raw = Simulation(_load(tmp_path, _table(None, inputs, targets), "raw.json"))
    raw.train_epochs(30)
    assert raw.divergence is not None  # the loss went infinite within the first epoch
    scaled = Simulation(_load(tmp_path, _table("standardize", inputs, targets), "scaled.json"))
    scaled.train_epochs(30)
    assert scaled.divergence is None
    assert scaled.evaluate()[0].loss < 1e-3


def test_plane_pictures_use_the_scaled_inputs(tmp_path):
    train = [[1.0, 100.0], [3.0, 300.0], [2.0, 150.0], [6.0, 800.0]]
    simulation = Simulation(_load(tmp_path, _table("standardize", train, [[0.0]] * 4)))
    picture = snapshot.take_snapshot(simulation, sample_index=2)
    # The sample's input stage shows the network's own (scaled) inputs.
    np.testing.assert_array_equal(picture.sample_outputs[0], simulation.data.train_inputs[2])
    # The plane is in raw units and its picture is the network's answer on scaled points.
    x_min, x_max, y_min, y_max = picture.bounds
    assert x_min < 1.0 < 6.0 < x_max
    assert y_min < 100.0 < 800.0 < y_max
    r = snapshot.OUTPUT_MAP_RESOLUTION
    grid = snapshot.probe.plane_grid(picture.bounds, r)
    expected = simulation.network.predict(simulation.network_inputs(grid))
    np.testing.assert_array_equal(picture.output_map, expected.reshape(r, r, -1))
    scaled_maps = picture.neuron_maps[0]
    assert scaled_maps[1].max() < 10.0  # scaled, not the raw hundreds


@pytest.mark.parametrize(
    ("scaling", "field", "words"),
    [
        ({"method": "zscore"}, "data.scaling.method", "zscore"),
        ({"method": ["none"]}, "data.scaling.method", "1 value for 2 raw input columns"),
        ({"method": "standardize", "center": [0.0, 1.0]}, "data.scaling", "scale"),
        (
            {"method": "standardize", "center": [0.0], "scale": [1.0]},
            "data.scaling.center",
            "1 value for 2 raw input columns",
        ),
        (
            {"method": "min_max", "center": [0.0, 1.0], "scale": [1.0, 0.0]},
            "data.scaling.scale[1]",
            "divide by zero",
        ),
    ],
)
def test_bad_scaling_fields_are_refused_by_name(tmp_path, scaling, field, words):
    obj = _table("none", [[1.0, 2.0], [3.0, 4.0]], [[0.0], [1.0]])
    obj["data"]["scaling"] = scaling
    with pytest.raises(ScenarioError) as caught:
        _load(tmp_path, obj)
    assert caught.value.field.startswith(field)
    assert words in caught.value.reason


def test_statistics_for_a_csv_are_checked_against_its_columns_once_read(tmp_path):
    preset = json.loads((PRESETS / "iris.json").read_text())
    preset["data"]["scaling"] = {"method": "standardize", "center": [0.0] * 3, "scale": [1.0] * 3}
    scenario = _load(tmp_path, preset)  # the CSV's four columns are not known before it is read
    with pytest.raises(ScenarioError) as caught:
        Simulation(scenario)
    assert caught.value.field == "data.scaling.center"
    assert "3 values for 4 raw columns" in caught.value.reason


def test_bad_statistics_in_a_saved_state_are_refused_by_name(tmp_path):
    inputs, targets = _houses(8, seed=4)
    simulation = Simulation(_load(tmp_path, _table("standardize", inputs, targets)))
    save_scenario(simulation.to_scenario(), tmp_path / "saved.json")
    obj = json.loads((tmp_path / "saved.json").read_text())
    obj["state"]["scaling"]["scale"][0] = 0.0
    with pytest.raises(ScenarioError) as caught:
        _load(tmp_path, obj, "broken.json")
    assert caught.value.field == "state.scaling.scale[0]"
    obj["state"]["scaling"]["scale"] = [1.0, 2.0, 3.0]
    with pytest.raises(ScenarioError) as caught:
        _load(tmp_path, obj, "broken.json")
    assert caught.value.field == "state.scaling.scale"
    assert "3 values for 2 raw input columns" in caught.value.reason
