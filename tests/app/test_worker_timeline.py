"""The worker's timeline: a look at a checkpoint changes nothing, branching goes back bit for bit
and hands over the abandoned future, edits keep the run's checkpoints and a Reset drops them."""

import functools
from pathlib import Path

import numpy as np
import pytest

from simulator.app import edits
from simulator.app.controller import _rebuild
from simulator.app.experiments.viewing import snapshot_at
from simulator.app.session import Simulation
from simulator.app.snapshot import take_snapshot
from simulator.app.storage import load_scenario
from simulator.app.worker import TrainingWorker

PRESETS = Path(__file__).resolve().parents[2] / "scenarios"


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def worker(qapp):
    clock = FakeClock()
    simulation = Simulation(load_scenario(PRESETS / "circle.json"))
    simulation.train_epochs(6)
    worker = TrainingWorker(simulation, clock=clock, emit_interval=0.05)
    worker.clock = clock
    worker.reports = []
    worker.answers = []
    worker.progressed.connect(worker.reports.append)
    worker.answered.connect(worker.answers.append)
    worker.tick()
    return worker


def _report(worker):
    worker.clock.now += 1.0
    worker.tick()
    return worker.reports[-1]


def test_the_first_report_lists_the_checkpoints_and_says_the_run_is_new(worker):
    first = worker.reports[0]
    assert first.checkpoint_epochs == tuple(range(7))
    assert first.started_over
    assert first.viewing is None


def test_snapshot_at_a_checkpoint_shows_its_weights_and_leaves_the_run_alone(worker):
    simulation = worker.simulation
    live = simulation.network.parameters.copy()
    kept = simulation.checkpoints.at(2)
    snapshot = snapshot_at(simulation, kept, 0)
    flat = np.concatenate([w.ravel() for w in snapshot.weights])
    assert np.array_equal(flat, kept.parameters[: len(flat)])
    assert (snapshot.epoch, snapshot.step) == (2, kept.step)
    assert np.array_equal(simulation.network.parameters, live)
    assert snapshot.train_loss != take_snapshot(simulation, 0).train_loss


def test_viewing_an_epoch_pauses_and_reports_its_picture_until_live_again(worker):
    worker.post(TrainingWorker.play)
    worker.post(functools.partial(TrainingWorker.view, epoch=3))
    report = _report(worker)
    assert not worker.playing
    assert report.viewing is not None
    assert (report.viewing.epoch, report.viewing.live_epoch) == (3, 6)
    assert report.snapshot.epoch == 3
    assert worker.simulation.trainer.epoch == 6  # nothing was trained or rewound
    worker.post(functools.partial(TrainingWorker.view, epoch=None))
    report = _report(worker)
    assert report.viewing is None
    assert report.snapshot.epoch == 6


def test_many_looks_between_two_reports_cost_one_picture(worker):
    count = len(worker.reports)
    for epoch in (1, 2, 3, 4, 5):
        worker.post(functools.partial(TrainingWorker.view, epoch=epoch))
    report = _report(worker)
    assert len(worker.reports) == count + 1
    assert report.viewing.epoch == 5


def test_the_checkpoint_of_the_current_epoch_is_the_live_run(worker):
    worker.post(functools.partial(TrainingWorker.view, epoch=6))
    assert _report(worker).viewing is None


def test_branch_goes_back_and_hands_over_the_future_it_left(worker):
    number = worker.request(
        "branch", functools.partial(TrainingWorker.branch, epoch=2), expected=(KeyError,)
    )
    report = _report(worker)
    (answer,) = [a for a in worker.answers if a.number == number]
    future = answer.value
    assert future.branched_at == 2
    assert list(future.epochs) == [2, 3, 4, 5, 6]
    assert worker.simulation.trainer.epoch == 2
    assert report.history_reset["epoch"][-1] == 2
    assert report.checkpoint_epochs == (0, 1, 2)
    assert not report.started_over


def test_branch_to_an_epoch_without_checkpoint_names_the_nearest(worker):
    number = worker.request(
        "branch", functools.partial(TrainingWorker.branch, epoch=60), expected=(KeyError,)
    )
    worker.tick()
    (answer,) = [a for a in worker.answers if a.number == number]
    assert "nearest" in answer.error
    assert worker.simulation.trainer.epoch == 6


def test_an_edit_keeps_the_checkpoints_and_a_branch_trains_with_the_new_setting(worker):
    worker.post(functools.partial(TrainingWorker.view, epoch=3))
    _report(worker)
    lower = functools.partial(edits.set_optimizer, learning_rate=0.001)
    worker.post(functools.partial(_rebuild, edit=lower, pause=True))
    report = _report(worker)
    assert not report.started_over
    assert report.viewing is not None
    assert report.viewing.epoch == 3
    assert worker.simulation.checkpoints.epochs() == list(range(7))
    worker.branch(3)
    assert worker.simulation.trainer.optimizer.learning_rate == 0.001
    assert worker.simulation.trainer.epoch == 3


def test_reset_starts_a_run_with_no_past(worker):
    worker.post(functools.partial(_rebuild, edit=edits.reset_training, pause=True))
    report = _report(worker)
    assert report.started_over
    assert report.checkpoint_epochs == (0,)


def test_another_optimizer_cannot_train_from_the_old_checkpoints_so_the_run_keeps_none(worker):
    to_adam = functools.partial(edits.set_optimizer, name="adam")
    worker.post(functools.partial(_rebuild, edit=to_adam, pause=True))
    report = _report(worker)
    # The stored states are SGD's: only the epoch the run stands at can be gone back to.
    assert report.checkpoint_epochs == (6,)
    assert worker.simulation.trainer.optimizer.state().keys() == {"t", "m", "v"}


def test_an_edited_weight_is_in_the_checkpoint_of_the_current_epoch(worker):
    set_weight = functools.partial(edits.set_weight, layer_index=0, unit=0, source=0, value=1.5)
    worker.post(functools.partial(_rebuild, edit=set_weight, pause=True))
    _report(worker)
    kept = worker.simulation.checkpoints.at(6)
    assert kept.parameters[0] == 1.5
    assert worker.simulation.checkpoints.at(5).parameters[0] != 1.5


def _look(worker, epoch):
    worker.post(functools.partial(TrainingWorker.view, epoch=epoch))
    return _report(worker).snapshot


def test_a_picture_looked_at_again_is_not_computed_again_while_it_holds(worker):
    first = _look(worker, 3)
    _look(worker, 4)
    assert _look(worker, 3) is first
    worker.post(functools.partial(TrainingWorker.set_probe, raw=np.array([[0.5, -0.5]])))
    asked = _report(worker).snapshot
    assert asked is not first  # it answers the question now
    assert asked.probe is not None
    # A branch from epoch 2 makes another epoch 3: its picture is of the new weights.
    worker.branch(2)
    worker.add_epoch()
    while worker.simulation.trainer.epoch < 3:
        worker.tick()
    again = _look(worker, 3)
    assert again is not asked


def test_the_picture_cache_keeps_the_latest_within_its_bounds(worker):
    from simulator.app.experiments.viewing import PictureCache, snapshot_nbytes

    simulation = worker.simulation
    pictures = [snapshot_at(simulation, simulation.checkpoints.at(epoch), 0) for epoch in range(4)]
    size = snapshot_nbytes(pictures[0])
    assert size > 0
    cache = PictureCache(max_count=3, max_bytes=10 * size)
    for epoch, picture in enumerate(pictures):
        cache.put(simulation.checkpoints.at(epoch), (), picture)
    assert len(cache) == 3
    assert cache.get(simulation.checkpoints.at(0), ()) is None  # the oldest went
    assert cache.get(simulation.checkpoints.at(3), ()) is pictures[3]
    assert cache.get(simulation.checkpoints.at(3), ("other",)) is None
    small = PictureCache(max_count=10, max_bytes=int(2.5 * size))
    for epoch, picture in enumerate(pictures):
        small.put(simulation.checkpoints.at(epoch), (), picture)
    assert len(small) == 2
