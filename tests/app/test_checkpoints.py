"""Checkpoints of a run: rewinding to one and training on is the run itself, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.app import edits
from simulator.app.experiments.checkpoints import CheckpointStore, RunCheckpoint
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario, save_scenario
from simulator.resources import scenarios_dir

OPTIMIZERS = {
    "sgd": {"name": "sgd", "momentum": 0.0},
    "momentum": {"name": "sgd", "momentum": 0.9},
    "adam": {"name": "adam"},
}


def _scenario(optimizer: str, shuffle: bool):
    scenario = load_scenario(scenarios_dir() / "three-classes.json")
    scenario = edits.set_optimizer(scenario, **OPTIMIZERS[optimizer], learning_rate=0.05)
    return edits.set_shuffle(scenario, shuffle)


def _same_run(a: Simulation, b: Simulation) -> None:
    np.testing.assert_array_equal(a.network.parameters, b.network.parameters)
    state_a, state_b = a.trainer.optimizer.state(), b.trainer.optimizer.state()
    assert state_a.keys() == state_b.keys()
    for key in state_a:
        np.testing.assert_array_equal(state_a[key], state_b[key])
    assert a.trainer.position() == b.trainer.position()
    assert a.history.to_dict() == b.history.to_dict()


@pytest.mark.parametrize("shuffle", [True, False], ids=["shuffle", "in-order"])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_rewind_then_train_on_is_the_uninterrupted_run(optimizer, shuffle):
    scenario = _scenario(optimizer, shuffle)
    straight = Simulation(scenario)
    straight.train_epochs(12)

    branched = Simulation(scenario)
    branched.train_epochs(20)
    branched.rewind(5)
    assert branched.trainer.epoch == 5
    assert branched.history.column("epoch")[-1] == 5
    assert branched.checkpoints.epochs()[-1] == 5  # the abandoned future is forgotten
    branched.train_epochs(7)
    _same_run(straight, branched)


def test_a_file_saved_with_its_checkpoints_rewinds_as_the_run_did(tmp_path):
    scenario = _scenario("adam", True)
    straight = Simulation(scenario)
    straight.train_epochs(9)

    run = Simulation(scenario)
    run.train_epochs(15)
    path = tmp_path / "run.json"
    save_scenario(run.to_scenario(with_checkpoints=True), path)
    reopened = Simulation(load_scenario(path))
    assert reopened.checkpoints.epochs() == list(range(16))  # and where it stands
    reopened.rewind(4)
    reopened.train_epochs(5)
    _same_run(straight, reopened)
    # Plain Save stays small: no checkpoints unless asked for.
    plain = tmp_path / "plain.json"
    save_scenario(run.to_scenario(), plain)
    assert "checkpoints" not in plain.read_text()
    assert plain.stat().st_size * 3 < path.stat().st_size


def test_no_checkpoint_at_an_epoch_names_the_nearest():
    simulation = Simulation(_scenario("sgd", True))
    simulation.checkpoints = CheckpointStore(every=10)
    simulation.checkpoints.offer(simulation._kept_state())
    simulation.train_epochs(35)
    assert simulation.checkpoints.epochs() == [0, 10, 20, 30]
    with pytest.raises(KeyError, match="nearest are at epochs 10 and 20"):
        simulation.rewind(14)


def _checkpoint(epoch: int, size: int = 100) -> RunCheckpoint:
    return RunCheckpoint(np.zeros(size), {"velocity": None}, {"epoch": epoch, "step": epoch})


def test_the_store_thins_evenly_within_its_bound():
    store = CheckpointStore(max_count=64)
    for epoch in range(100_000):
        if store.wants(epoch):
            store.offer(_checkpoint(epoch))
    epochs = store.epochs()
    assert len(epochs) <= 64
    assert epochs[0] == 0
    gaps = set(np.diff(epochs).tolist())
    assert gaps == {store.stride}
    assert epochs[-1] > 100_000 - 2 * store.stride


def test_the_store_keeps_to_its_byte_bound():
    size = 1000  # 8,000 bytes each
    store = CheckpointStore(max_bytes=80_000)
    for epoch in range(500):
        if store.wants(epoch):
            store.offer(_checkpoint(epoch, size))
        assert store.nbytes <= 80_000
        assert store.nbytes == sum(kept.nbytes for kept in store)
    assert len(store) >= 5


def test_a_bad_checkpoint_in_a_file_is_refused_by_its_field(tmp_path):
    import json

    from simulator.app.storage import ScenarioError

    run = Simulation(_scenario("sgd", True))
    run.train_epochs(3)
    path = tmp_path / "run.json"
    save_scenario(run.to_scenario(with_checkpoints=True), path)
    obj = json.loads(path.read_text())
    obj["state"]["checkpoints"][1]["layers"][0]["biases"].append(0.5)
    path.write_text(json.dumps(obj))
    with pytest.raises(ScenarioError, match=r"state\.checkpoints\[1\]\.layers\[0\]\.biases"):
        load_scenario(path)
    obj["state"]["checkpoints"][1]["layers"][0]["biases"].pop()
    obj["state"]["checkpoints"][1]["epoch"] = 0
    path.write_text(json.dumps(obj))
    with pytest.raises(ScenarioError, match=r"state\.checkpoints\[1\]\.epoch"):
        load_scenario(path)
