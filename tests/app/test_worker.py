"""The training worker, driven synchronously with a fake clock, and once on a real thread."""

import dataclasses
import functools
import math
from pathlib import Path

import numpy as np
import pytest

from simulator.app import edits
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.app.worker import TrainingWorker

DATA = Path(__file__).resolve().parent.parent / "data"
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
    worker = TrainingWorker(simulation, clock=clock, emit_interval=0.05)
    worker.clock = clock
    worker.reports = []
    worker.progressed.connect(worker.reports.append)
    return worker


def test_reports_are_throttled_but_lose_no_epoch(worker):
    worker.tick()  # the first report (the opened scenario) goes out at once
    assert len(worker.reports) == 1
    assert worker.reports[0].data is not None
    worker.post(TrainingWorker.play)
    # The clock stands still: the worker trains slice after slice but may not report.
    for _ in range(3):
        worker.tick()
    assert len(worker.reports) == 1
    trained_epochs = worker.simulation.trainer.epoch
    assert trained_epochs > 0
    worker.clock.now += 0.05
    worker.tick()
    assert len(worker.reports) == 2
    points = worker.reports[1].history_points
    assert [p[0] for p in points] == list(range(1, len(points) + 1))
    assert len(points) >= trained_epochs  # every finished epoch reached the GUI
    assert worker.reports[1].snapshot.step == worker.simulation.trainer.step_count


def test_steps_command_runs_exactly_that_many_steps(worker):
    worker.post(lambda w: w.add_steps(3))
    for _ in range(5):
        worker.tick()
    assert worker.simulation.trainer.step_count == 3
    assert not worker.playing


def test_divergence_pauses_undoes_and_explains(qapp):
    simulation = Simulation(load_scenario(PRESETS / "regression-plane.json"))
    simulation.trainer.optimizer.learning_rate = 1e300
    worker = TrainingWorker(simulation, clock=FakeClock(), emit_interval=0.05)
    reports = []
    worker.progressed.connect(reports.append)
    worker.post(TrainingWorker.play)
    worker.tick()
    assert not worker.playing
    messages = [r.message for r in reports if r.message]
    assert len(messages) == 1
    assert "learning rate" in messages[0]
    assert np.isfinite(simulation.network.parameters).all()
    assert reports[-1].snapshot.step == simulation.trainer.step_count


def test_call_runs_on_the_worker_and_returns_a_result(worker):
    future = worker.call(lambda simulation: simulation.trainer.step_count + 41)
    worker.tick()
    assert future.result(timeout=0) == 41


def test_stop_ends_the_run_loop(worker):
    worker.request_stop()
    worker.run()  # returns at once instead of looping
    assert worker._stop.is_set()


def test_real_thread_trains_reports_and_stops(qtbot):
    from PySide6.QtCore import QThread

    simulation = Simulation(load_scenario(PRESETS / "circle.json"))
    worker = TrainingWorker(simulation)
    thread = QThread()
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit)
    seen = []
    worker.progressed.connect(seen.append)
    thread.start()
    worker.post(TrainingWorker.play)
    qtbot.waitUntil(lambda: any(r.snapshot.epoch >= 3 for r in seen), timeout=10_000)
    worker.request_stop()
    thread.quit()  # the thread's event loop has not started yet: it ends as soon as run returns
    assert thread.wait(2000)
    assert not thread.isRunning()


def _preset_at(name, learning_rate=None):
    scenario = load_scenario(PRESETS / f"{name}.json")
    if learning_rate is not None:
        optimizer = dataclasses.replace(scenario.training.optimizer, learning_rate=learning_rate)
        training = dataclasses.replace(scenario.training, optimizer=optimizer)
        scenario = dataclasses.replace(scenario, training=training)
    return Simulation(scenario)


def _play_until_paused(worker, reports):
    worker.progressed.connect(reports.append)
    worker.post(TrainingWorker.play)
    for _ in range(100):
        worker.tick()
        if not worker.playing:
            break
    assert not worker.playing


def test_divergence_message_names_the_undone_step_and_why(qapp):
    simulation = _preset_at("learning-rate-too-high")
    worker = TrainingWorker(simulation, clock=FakeClock(), emit_interval=0.05)
    reports = []
    _play_until_paused(worker, reports)
    messages = [r.message for r in reports if r.message]
    assert len(messages) == 1
    assert messages[0].startswith("Step 6 was undone: it made the loss infinite.")
    assert "learning rate" in messages[0]
    assert "before it is applied" not in messages[0]
    # The report carries the mark for the curve: the kept state's place and finite loss.
    marks = [r.divergence for r in reports if r.divergence is not None]
    train, _ = simulation.evaluate()
    assert marks == [(0.5, train.loss, 6)]
    assert math.isfinite(train.loss)
    assert reports[-1].snapshot.step == simulation.trainer.step_count == 5
    assert np.isfinite(simulation.network.parameters).all()


def test_epoch_end_divergence_sends_no_infinite_point(qapp):
    simulation = _preset_at("learning-rate-too-high", 0.2)
    worker = TrainingWorker(simulation, clock=FakeClock(), emit_interval=0.05)
    reports = []
    _play_until_paused(worker, reports)
    points = [p for r in reports for p in r.history_points]
    assert all(math.isfinite(v) for p in points for v in p[1:3])
    assert all(math.isfinite(v) for v in simulation.history.to_dict()["train_loss"])
    message = next(r.message for r in reports if r.message)
    assert message.startswith("Step 10 was undone: it made the loss infinite.")
    assert simulation.trainer.step_count == 9
    assert math.isfinite(simulation.evaluate()[0].loss)


def test_the_curve_keeps_its_divergence_mark_until_reset(qtbot):
    from simulator.app.controller import TrainingController

    controller = TrainingController(_preset_at("learning-rate-too-high"))
    controller.start()
    try:
        controller.play()
        qtbot.waitUntil(lambda: controller.history.divergence is not None, timeout=10_000)
        assert controller.history.divergence.undone_step == 6
        assert len(controller.history) == 0  # no epoch ended: the mark is the only point
        # A lower learning rate goes on from the kept state: the mark stays.
        lower = functools.partial(edits.set_optimizer, learning_rate=0.03)
        controller.apply_edit(lower, pause=True)
        qtbot.waitUntil(
            lambda: controller.scenario.training.optimizer.learning_rate == 0.03, timeout=5000
        )
        controller.flush()
        assert controller.history.divergence is not None
        controller.reset()
        qtbot.waitUntil(lambda: controller.history.divergence is None, timeout=5000)
    finally:
        assert controller.shutdown()
