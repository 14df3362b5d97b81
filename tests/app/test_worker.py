"""The training worker, driven synchronously with a fake clock, and once on a real thread."""

import dataclasses
import functools
import logging
import math
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QObject, QThread, Signal, Slot

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


def _bits(array):
    """The array's bytes: equal bit for bit, -0.0 and NaN payloads included."""
    return np.ascontiguousarray(array).tobytes()


def _failing_step(trainer, fail_at: int, seen: dict, after_applying: bool = False):
    """A stand-in for `trainer.step` that raises on its `fail_at`-th call (counting from 1),
    leaving the parameters half written (or, `after_applying`, once the step was applied).
    `seen` receives the parameters before that call."""
    original = trainer.step
    calls = []

    def step(*, trace=False):
        calls.append(1)
        if len(calls) != fail_at:
            return original(trace=trace)
        seen["parameters"] = trainer.network.parameters.copy()
        seen["optimizer"] = trainer.optimizer.state()
        seen["step"] = trainer.step_count
        if after_applying:
            original(trace=trace)
        else:
            trainer.network.parameters[:3] += 1.0  # half an update written, then the fault
        raise RuntimeError("probe: the step broke")

    return step


@pytest.mark.parametrize("after_applying", [False, True], ids=["half-written", "applied"])
def test_a_step_that_raises_pauses_reports_logs_and_keeps_the_last_good_state(
    worker, monkeypatch, caplog, after_applying
):
    trainer = worker.simulation.trainer
    seen = {}
    monkeypatch.setattr(trainer, "step", _failing_step(trainer, 8, seen, after_applying))
    worker.post(TrainingWorker.play)
    with caplog.at_level(logging.ERROR, logger="simulator.app.worker"):
        for _ in range(5):
            worker.tick()
            worker.clock.now += 0.05
    assert not worker.playing
    messages = [r.message for r in worker.reports if r.message]
    assert len(messages) == 1
    assert messages[0].startswith("Step 8 failed with an error and was not applied")
    assert "RuntimeError: probe: the step broke" in messages[0]
    assert "Press Play" in messages[0]
    assert not worker.reports[-1].playing
    # The log has the whole story, traceback included.
    logged = [r for r in caplog.records if r.exc_info]
    assert len(logged) == 1
    assert logged[0].exc_info[0] is RuntimeError
    # The state is the one before the failed step, bit for bit.
    assert trainer.step_count == seen["step"] == 7
    assert _bits(worker.simulation.network.parameters) == _bits(seen["parameters"])
    assert worker.reports[-1].snapshot.step == 7
    for key, value in seen["optimizer"].items():
        assert _bits(trainer.optimizer.state()[key]) == _bits(value)

    # The cause removed, Play trains on from there.
    monkeypatch.undo()
    worker.post(TrainingWorker.play)
    worker.tick()
    assert worker.playing
    assert trainer.step_count > 7


def test_a_failed_step_resumes_exactly_as_if_it_never_happened(worker, monkeypatch):
    twin = Simulation(load_scenario(PRESETS / "circle.json"))
    trainer = worker.simulation.trainer
    monkeypatch.setattr(trainer, "step", _failing_step(trainer, 4, {}))
    worker.post(lambda w: w.add_steps(10))
    for _ in range(3):
        worker.tick()
    assert trainer.step_count == 3
    monkeypatch.undo()
    worker.post(lambda w: w.add_steps(7))
    for _ in range(3):
        worker.tick()
    for _ in range(10):
        twin.trainer.step()
    assert trainer.step_count == 10
    assert _bits(worker.simulation.network.parameters) == _bits(twin.network.parameters)


def test_a_command_that_raises_pauses_and_reports_and_the_loop_goes_on(worker, caplog):
    def broken(_worker):
        raise KeyError("no such setting")

    worker.post(TrainingWorker.play)
    worker.tick()
    assert worker.playing
    worker.post(broken)
    with caplog.at_level(logging.ERROR, logger="simulator.app.worker"):
        worker.clock.now += 0.05
        worker.tick()
    assert not worker.playing
    assert "KeyError" in worker.reports[-1].message
    assert any(r.exc_info for r in caplog.records)
    worker.post(TrainingWorker.play)
    worker.tick()
    assert worker.playing


def test_requests_are_answered_by_signal_with_the_value_or_the_error(worker, caplog):
    answers = []
    worker.answered.connect(answers.append)
    first = worker.request("count", lambda w: w.simulation.trainer.step_count + 41)

    def expected_failure(_worker):
        raise IndexError("sample 99 does not exist")

    def unexpected_failure(_worker):
        raise ZeroDivisionError("division by zero")

    second = worker.request("walk", expected_failure, (IndexError,))
    worker.post(TrainingWorker.play)
    with caplog.at_level(logging.ERROR, logger="simulator.app.worker"):
        third = worker.request("scenario", unexpected_failure)
        worker.tick()
    assert [a.number for a in answers] == [first, second, third]
    assert answers[0].value == 41
    assert answers[0].error is None
    assert answers[1].error == "sample 99 does not exist"
    assert not [r for r in caplog.records if "walk" in r.getMessage()]  # the asker explains it
    assert answers[2].error == "ZeroDivisionError: division by zero"
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [ZeroDivisionError]
    assert not worker.playing


class _Relay(QObject):
    """Lives in the GUI thread and passes the worker's signals on there: qtbot's own callbacks,
    connected to the worker's signals directly, would run in the worker's thread."""

    progressed = Signal(object)
    finished = Signal()

    @Slot(object)
    def on_progressed(self, progress) -> None:
        self.progressed.emit(progress)

    @Slot()
    def on_finished(self) -> None:
        self.finished.emit()


def test_real_thread_a_failed_step_pauses_reports_and_play_trains_again(qtbot, monkeypatch):
    simulation = Simulation(load_scenario(PRESETS / "circle.json"))
    trainer = simulation.trainer
    seen = {}
    monkeypatch.setattr(trainer, "step", _failing_step(trainer, 50, seen))
    worker = TrainingWorker(simulation)
    thread = QThread()
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit)
    relay = _Relay()
    worker.progressed.connect(relay.on_progressed)
    worker.finished.connect(relay.on_finished)
    thread.start()
    try:
        with qtbot.waitSignal(
            relay.progressed, timeout=10_000, check_params_cb=lambda p: p.message is not None
        ) as blocker:
            worker.post(TrainingWorker.play)
        report = blocker.args[0]
        assert report.message.startswith("Step 50 failed with an error and was not applied")
        assert not report.playing
        assert report.snapshot.step == 49
        # Paused: the worker waits on its inbox, and its parameters are those before step 50.
        assert _bits(simulation.network.parameters) == _bits(seen["parameters"])
        monkeypatch.undo()
        with qtbot.waitSignal(
            relay.progressed,
            timeout=10_000,
            check_params_cb=lambda p: p.playing and p.snapshot.step > 60,
        ):
            worker.post(TrainingWorker.play)
    finally:
        # However the loop ends, `finished` comes.
        with qtbot.waitSignal(relay.finished, timeout=5000):
            worker.request_stop()
        assert thread.wait(2000)
