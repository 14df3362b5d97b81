"""A scenario's lesson: its pace and the epochs Play pauses at, in the file format; the worker
pausing exactly there; the story's sentences that name an epoch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QThread, Signal, Slot

from simulator.app.files.schema import scenario_schema
from simulator.app.pacing import PACES, next_stop, sentences_naming, stop_epochs, stop_message
from simulator.app.scenario import Lesson, scenario_from_dict, scenario_to_dict
from simulator.app.session import Simulation
from simulator.app.storage import (
    ScenarioError,
    load_scenario,
    save_scenario,
    validate_scenario_dict,
)
from simulator.app.worker import TrainingWorker

PRESETS = Path(__file__).resolve().parents[2] / "scenarios"


def _preset_dict(name: str) -> dict:
    return json.loads((PRESETS / f"{name}.json").read_text(encoding="utf-8"))


# ----- the format ---------------------------------------------------------------------------


def test_the_cat_vs_dog_lesson_is_read_and_written_back_unchanged(tmp_path):
    scenario = load_scenario(PRESETS / "cat-vs-dog.json")
    assert scenario.lesson == Lesson(speed="slowest", pause_at=(8, 20, 100, 200, 350))
    written = scenario_to_dict(scenario)
    assert written["lesson"] == {"speed": "slowest", "pause_at": [8, 20, 100, 200, 350]}
    assert written["version"] == 1  # an optional field: files without it are unchanged
    saved = tmp_path / "copy.json"
    save_scenario(scenario, saved)
    assert load_scenario(saved) == scenario


@pytest.mark.parametrize(
    ("lesson", "expected"),
    [
        ({"speed": "fast"}, Lesson(speed="fast")),
        ({"pause_at": [3]}, Lesson(pause_at=(3,))),
        ({}, Lesson()),
    ],
)
def test_either_half_of_a_lesson_may_be_left_out(lesson, expected):
    obj = _preset_dict("circle")
    obj["lesson"] = lesson
    scenario = validate_scenario_dict(obj, file="circle.json")
    assert scenario.lesson == expected
    again = scenario_from_dict(scenario_to_dict(scenario), source=None)
    assert again.lesson == expected


def test_a_scenario_without_a_lesson_writes_none():
    scenario = load_scenario(PRESETS / "circle.json")
    assert scenario.lesson is None
    assert "lesson" not in scenario_to_dict(scenario)


@pytest.mark.parametrize(
    ("lesson", "field", "words"),
    [
        ({"pause_at": [8, 8]}, "lesson.pause_at[1]", "increasing order"),
        ({"pause_at": [8, 20, 10]}, "lesson.pause_at[2]", "10 comes after 20"),
        ({"pause_at": [0, 8]}, "lesson.pause_at[0]", "at least 1"),
        ({"pause_at": [-3]}, "lesson.pause_at[0]", "at least 1"),
        ({"pause_at": [8.0]}, "lesson.pause_at[0]", "whole number"),
        ({"pause_at": [8.5]}, "lesson.pause_at[0]", "whole number"),
        ({"pause_at": ["8"]}, "lesson.pause_at[0]", "whole number"),
        ({"pause_at": []}, "lesson.pause_at", ""),
        ({"speed": "ludicrous"}, "lesson.speed", "slowest"),
        ({"speed": "slowest", "stops": [8]}, "lesson.stops", "unknown field"),
    ],
)
def test_a_bad_lesson_is_refused_naming_the_field(lesson, field, words):
    obj = _preset_dict("cat-vs-dog")
    obj["lesson"] = lesson
    with pytest.raises(ScenarioError) as info:
        validate_scenario_dict(obj, file="cat-vs-dog.json")
    assert info.value.field == field, str(info.value)
    assert words.lower() in info.value.reason.lower(), str(info.value)


def test_the_schema_names_the_same_speeds_as_the_app():
    lesson = scenario_schema()["$defs"]["lesson"]
    assert lesson["properties"]["speed"]["enum"] == [pace.name for pace in PACES]
    for part in (lesson, *lesson["properties"].values()):
        assert part["title"]
        assert part["description"]


# ----- the story's words ----------------------------------------------------------------------


def test_a_stop_finds_the_sentences_naming_its_epoch_and_no_other():
    paragraphs = [
        "Press Play. Around epoch 8 it finds a rule. At epoch 20 it bends.\nTry: epoch 2,000.",
        "After about 350 epochs it settles. From epoch 100 on it wobbles.",
        "Within the first epoch it is right.",
    ]
    assert sentences_naming(paragraphs, 8) == [(0, 12, 43)]
    assert paragraphs[0][12:43] == "Around epoch 8 it finds a rule."
    assert sentences_naming(paragraphs, 2) == []  # "epoch 20" and "epoch 2,000" are not 2
    assert sentences_naming(paragraphs, 2000) == [(0, 66, 83)]
    assert paragraphs[0][66:83] == "Try: epoch 2,000."
    assert [paragraphs[1][s:e] for _, s, e in sentences_naming(paragraphs, 350)] == [
        "After about 350 epochs it settles."
    ]
    assert sentences_naming(paragraphs, 1) == [(2, 0, len(paragraphs[2]))]
    assert sentences_naming(paragraphs, 35) == []  # "350 epochs" is not 35


def test_every_stop_of_a_shipped_lesson_is_named_by_its_story():
    """A stop the description does not mention would pause with nothing to read."""
    for path in sorted(PRESETS.glob("*.json")):
        scenario = load_scenario(path)
        if scenario.lesson is None:
            continue
        paragraphs = scenario.description.split("\n\n")
        for epoch in scenario.lesson.pause_at:
            named = sentences_naming(paragraphs, epoch)
            # The documented result ("after 200 epochs") counts: the window shows it too.
            in_outcome = scenario.outcome is not None and scenario.outcome.epochs == epoch
            assert named or in_outcome, f"{path.name}: nothing names epoch {epoch}"


def test_the_stop_message_names_the_epoch_and_the_next_stop():
    stops = stop_epochs(Lesson(pause_at=(8, 20)), 50)
    assert stops == {8, 20, 50}
    assert next_stop(stops, 8) == 20
    assert next_stop(stops, 50) is None
    text = stop_message(8, in_story=True, following=20)
    assert "epoch 8" in text
    assert "epoch 20" in text
    assert "highlighted" in text
    assert "highlighted" not in stop_message(3, in_story=False, following=None)


# ----- the worker -------------------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _worker(qapp, name: str) -> TrainingWorker:
    worker = TrainingWorker(
        Simulation(load_scenario(PRESETS / f"{name}.json")), clock=FakeClock(), emit_interval=0.05
    )
    worker.reports = []
    worker.progressed.connect(worker.reports.append)
    return worker


def _play_until_paused(worker: TrainingWorker) -> None:
    worker.post(TrainingWorker.play)
    worker.tick()
    for _ in range(1000):
        if not worker.playing:
            return
        worker.tick()
    raise AssertionError("the worker never paused")


def test_play_at_full_speed_pauses_exactly_at_each_stop_and_goes_on_to_the_next(qapp):
    worker = _worker(qapp, "cat-vs-dog")
    assert worker.steps_per_second_limit is None  # flat out: a slice could run 4,096 steps
    trainer = worker.simulation.trainer
    for stop in (8, 20, 100, 200, 350):
        _play_until_paused(worker)
        # At the end of the epoch: not one step further.
        assert (trainer.epoch, trainer.batch_in_epoch) == (stop, 0)
        assert trainer.step_count == stop * trainer.steps_per_epoch
        stopped = [report.stopped_at for report in worker.reports if report.stopped_at]
        assert stopped[-1] == stop
        assert worker.reports[-1].snapshot.epoch == stop
        assert not worker.reports[-1].playing
        # Every epoch trained reached the curve.
        assert worker.simulation.history.column("epoch")[-1] == stop
    assert len(stopped) == 5


def test_the_learners_stop_pauses_a_scenario_without_a_lesson(qapp):
    worker = _worker(qapp, "circle")
    worker.post(lambda w: w.set_stop_epoch(3))
    _play_until_paused(worker)
    trainer = worker.simulation.trainer
    assert (trainer.epoch, trainer.batch_in_epoch) == (3, 0)
    assert [r.stopped_at for r in worker.reports if r.stopped_at] == [3]
    # 0 takes it away: Play then runs on.
    worker.post(lambda w: w.set_stop_epoch(0))
    worker.post(TrainingWorker.play)
    for _ in range(3):
        worker.tick()
    assert worker.playing
    assert trainer.epoch > 3


def test_stepping_through_a_stop_epoch_does_not_pause_there(qapp):
    """Only Play stops: a learner stepping epoch by epoch is already going at their own pace."""
    worker = _worker(qapp, "cat-vs-dog")
    worker.post(lambda w: w.add_steps(8 * 12 + 1))
    for _ in range(5):
        worker.tick()
    assert worker.simulation.trainer.step_count == 97
    assert not any(r.stopped_at for r in worker.reports)


class _Relay(QObject):
    """Lives in the GUI thread and passes the worker's reports on there: qtbot's own callbacks,
    connected to the worker's signal directly, would run in the worker's thread."""

    progressed = Signal(object)

    @Slot(object)
    def on_progressed(self, progress) -> None:
        self.progressed.emit(progress)


def test_the_real_thread_stops_at_the_lesson_epoch(qtbot):
    worker = TrainingWorker(Simulation(load_scenario(PRESETS / "cat-vs-dog-with-sound.json")))
    thread = QThread()
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit)
    relay = _Relay()
    worker.progressed.connect(relay.on_progressed)
    thread.start()
    try:
        with qtbot.waitSignal(
            relay.progressed, timeout=10_000, check_params_cb=_is_stop
        ) as blocker:
            worker.post(TrainingWorker.play)
        report = blocker.args[0]
        assert report.stopped_at == 1
        assert (report.snapshot.epoch, report.snapshot.step) == (1, 12)
        assert not report.playing
    finally:
        worker.request_stop()
        thread.quit()
        assert thread.wait(2000)


def _is_stop(report) -> bool:
    return report.stopped_at is not None
