"""A race of variants: the stepper keeps them at the same epoch, each variant's figures are
those of training it alone (and of `nnsim compare`), sweeps, refused values, a variant that
fails or diverges stops alone, and the worker's play, pause and stop epoch."""

from __future__ import annotations

import json

import numpy as np
import pytest

from simulator.__main__ import main as nnsim_main
from simulator.app.experiments.race import Race, plane_map
from simulator.app.experiments.race_settings import (
    SETTING_BY_KEY,
    build_variants,
    plan_race,
    race_base,
    sweep_values,
    variant_labels,
)
from simulator.app.experiments.race_worker import RaceController
from simulator.app.experiments.variants import VariantError, make_variants, parse_vary
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario, read_scenario_object
from simulator.resources import scenarios_dir


def _variants(preset: str, key: str, text: str):
    path = scenarios_dir() / f"{preset}.json"
    base, plan = plan_race(race_base(load_scenario(path)), SETTING_BY_KEY[key], text)
    variants = build_variants(base, plan, file=path.name, base_dir=path.parent)
    return variants, variant_labels(plan, variants)


def test_the_stepper_keeps_variants_of_different_batch_sizes_at_the_same_epoch():
    variants, labels = _variants("circle", "batch_size", "1, 10, 50")
    race = Race.from_variants(variants, labels)
    per_epoch = [r.simulation.trainer.steps_per_epoch for r in race.runners]
    assert per_epoch == [250, 25, 5]  # 250 training samples
    for budget in (1, 7, 300, 1000):
        assert race.advance(budget) == budget
        progress = [runner.progress for runner in race.runners]
        # No variant is ever more than one of its own steps ahead of the one furthest behind.
        lead = max(1 / n for n in per_epoch)
        assert max(progress) - min(progress) <= lead + 1e-12, progress
    # Batch size 1 takes 50 times the steps of batch size 50 for the same epochs.
    steps = [r.simulation.trainer.step_count for r in race.runners]
    assert steps[0] > 40 * steps[2]


def test_each_variant_is_training_it_alone_through_the_real_race_worker(qtbot, capsys):
    varies = [parse_vary("training.optimizer.learning_rate=0.003,0.03,0.3,3")]
    path = scenarios_dir() / "xor.json"
    variants = make_variants(read_scenario_object(path), varies, file=path.name, base_dir=None)
    controller = RaceController(variants, [v.label for v in variants])
    epochs = 12
    controller.set_stop_epoch(epochs)
    reports = []
    controller.progressed.connect(reports.append)
    try:
        with qtbot.waitSignal(controller.progressed, timeout=10_000):
            controller.start(playing=True)
        qtbot.waitUntil(lambda: any(r.stopped_at == epochs for r in reports), timeout=30_000)
        answers = []
        controller.answered.connect(answers.append)
        for index in range(len(variants)):
            controller.request_scenario(index)
        qtbot.waitUntil(lambda: len(answers) == len(variants), timeout=10_000)
    finally:
        assert controller.shutdown()
    assert not reports[-1].playing

    capsys.readouterr()
    nnsim_main(["compare", str(path), "--vary", "training.optimizer.learning_rate=0.003,0.03,"
                "0.3,3", "--epochs", str(epochs), "--json"])  # fmt: skip
    cli = json.loads(capsys.readouterr().out)

    for answer in sorted(answers, key=lambda a: a.index):
        alone = Simulation(variants[answer.index].scenario)
        alone.train_epochs(epochs)
        raced = answer.scenario
        assert raced.state.epoch == alone.trainer.epoch == epochs
        assert raced.state.step == alone.trainer.step_count
        history = {key: list(values) for key, values in raced.state.history.items()}
        assert history == alone.history.to_dict()
        for layer, weights in zip(raced.network.layers, alone.network.weights, strict=True):
            assert np.array_equal(np.array(layer.weights), weights)  # bit for bit
        # The points the reports carried are the history too, in order, none lost.
        points = [p for report in reports for p in report.runners[answer.index].points]
        assert [p[0] for p in points] == list(range(1, epochs + 1))
        assert [p[1] for p in points] == history["train_loss"]
        train, test = alone.evaluate()
        assert cli[answer.index]["train_loss"] == train.loss == points[-1][1]
        assert cli[answer.index]["test_accuracy"] == test.accuracy == points[-1][4]


def test_a_sweep_is_log_spaced_and_readable():
    assert sweep_values(0.001, 1, 4) == [0.001, 0.01, 0.1, 1.0]
    assert sweep_values(0.001, 1, 3) == [0.001, 0.0316, 1.0]
    assert sweep_values(1, 100, 5, integer=True) == [1, 3, 10, 32, 100]
    assert sweep_values(1, 2, 4, integer=True) == [1, 2]  # repeats dropped
    for args, words in (
        ((0.0, 1.0, 4), "above 0"),
        ((0.1, 1.0, 7), "2 to 6"),
        ((0.1, 0.1, 3), "nothing between"),
    ):
        with pytest.raises(VariantError, match=words):
            sweep_values(*args)


@pytest.mark.parametrize(
    ("key", "text", "words"),
    [
        ("learning_rate", "0.1, fast", "Learning rate fast: not a number"),
        ("learning_rate", "0.1, -1", "learning_rate=-1"),
        ("learning_rate", "0.1,,0.3", "a value is empty"),
        ("learning_rate", "1,2,3,4,5,6,7", "at most 6"),
        ("batch_size", "10, 2.5", "Batch size 2.5: not a whole number"),
        ("layout", "4,4; 4,a", "Hidden layout 4,a"),
        ("activation", "tanh, wobbly", "wobbly"),
        ("features", "X1 X2; X1 Z9", "Z9"),
        ("optimizer", "sgd, nesterov", "nesterov"),
    ],
)
def test_a_value_that_cannot_be_used_is_refused_naming_setting_and_value(key, text, words):
    with pytest.raises(VariantError) as caught:
        _variants("circle", key, text)
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)
    assert "--vary" not in str(caught.value)  # the command line's words, not the window's


def test_each_setting_makes_the_variants_it_names():
    variants, labels = _variants("circle", "layout", "4,4; 8; none")
    assert labels == ["hidden layout 4,4", "hidden layout 8", "hidden layout none"]
    sizes = [[layer.units for layer in v.scenario.network.layers] for v in variants]
    assert sizes == [[4, 4, 1], [8, 1], [1]]
    variants, _ = _variants("circle", "activation", "relu, sigmoid")
    assert [v.scenario.network.layers[0].activation for v in variants] == ["relu", "sigmoid"]
    assert [v.scenario.network.layers[-1].activation for v in variants] == ["sigmoid"] * 2
    variants, _ = _variants("circle", "optimizer", "sgd, adam")
    assert [v.scenario.training.optimizer.name for v in variants] == ["sgd", "adam"]
    variants, _ = _variants("circle", "regularization", "none, l2 0.01")
    assert [v.scenario.training.regularization.rate for v in variants] == [0.0, 0.01]
    variants, _ = _variants("circle", "features", "X1 X2; X1 X2 X1^2 X2^2")
    assert [len(v.scenario.network.inputs) for v in variants] == [2, 4]
    variants, _ = _variants("circle", "seed", "1, 2")
    first, second = (Simulation(v.scenario).network.weights[0] for v in variants)
    assert not np.array_equal(first, second)  # each draws its own weights from its seed


def test_a_race_starts_from_the_start_of_the_learners_run():
    # Trained on for a while, the scenario still races from its initial weights at epoch 0.
    path = scenarios_dir() / "circle.json"
    simulation = Simulation(load_scenario(path))
    initial = [w.copy() for w in simulation.network.weights]
    simulation.train_epochs(3)
    base, plan = plan_race(race_base(simulation.to_scenario()), SETTING_BY_KEY["learning_rate"],
                           "0.1, 0.3")  # fmt: skip
    variants = build_variants(base, plan, file="circle.json", base_dir=None)
    for variant in variants:
        raced = Simulation(variant.scenario)
        assert raced.trainer.epoch == 0
        assert len(raced.history) == 0
        assert all(
            np.array_equal(a, b) for a, b in zip(raced.network.weights, initial, strict=True)
        )


def test_a_failing_or_diverging_variant_stops_alone_with_its_weights_kept():
    variants, labels = _variants("regression-plane", "learning_rate", "0.03, 1000, 0.3")
    race = Race.from_variants(variants, labels)
    broken = race.runners[2]
    before = broken.simulation.network.parameters.copy()

    def fail(*args, **kwargs):
        broken.simulation.network.parameters[:] = np.nan  # half-written, then an error
        raise RuntimeError("out of luck")

    broken.simulation.trainer.step = fail
    race.advance(2000)
    assert race.runners[1].stopped == "diverged"
    assert "was undone" in race.runners[1].message
    assert broken.stopped == "failed"
    assert "RuntimeError: out of luck" in broken.message
    assert np.array_equal(broken.simulation.network.parameters, before)
    assert race.runners[0].stopped is None
    assert race.runners[0].simulation.trainer.step_count > 1000  # the others raced on
    assert race.runners[1].simulation.trainer.step_count < 100


def test_a_plane_map_is_the_networks_output_over_the_plane():
    variants, labels = _variants("circle", "learning_rate", "0.3")
    simulation = Race.from_variants(variants, labels).runners[0].simulation
    picture = plane_map(simulation, resolution=8)
    assert picture.values.shape == (8, 8, 1)
    assert picture.classes.shape == (8, 8)
    assert np.array_equal(picture.classes, (picture.values[:, :, 0] > 0.5).astype(int))
    iris = Race.from_variants(*_variants("iris", "learning_rate", "0.3"))
    assert plane_map(iris.runners[0].simulation) is None  # four columns: no plane


def test_pause_stops_every_variant_and_play_goes_on(qtbot):
    variants, labels = _variants("xor", "batch_size", "5, 50")
    controller = RaceController(variants, labels)
    reports = []
    controller.progressed.connect(reports.append)
    try:
        with qtbot.waitSignal(controller.progressed, timeout=10_000):
            controller.start(playing=True)
        qtbot.waitUntil(lambda: any(r.runners and r.runners[0].epoch >= 3 for r in reports),
                        timeout=20_000)  # fmt: skip
        controller.pause()
        qtbot.waitUntil(lambda: not reports[-1].playing, timeout=5000)
        count = len(reports)
        paused = [r.step for r in reports[-1].runners]
        # Asked for a scenario while paused, the answer shows the same steps: nothing moved.
        answers = []
        controller.answered.connect(answers.append)
        controller.request_scenario(1)
        qtbot.waitUntil(lambda: bool(answers), timeout=5000)
        assert answers[0].scenario.state.step == paused[1]
        assert len(reports) <= count + 1
        controller.play()
        qtbot.waitUntil(
            lambda: all(r.step > s for r, s in zip(reports[-1].runners, paused, strict=True)),
            timeout=10_000,
        )
    finally:
        assert controller.shutdown()
    assert not controller.thread.isRunning()


def test_the_worker_pauses_all_at_the_stop_epoch_and_play_goes_on_past_it():
    # Driven synchronously, on a clock that only moves when told: reports are throttled to one
    # per interval, and the stop's report goes out at once.
    from simulator.app.experiments.race_worker import RACE_EMIT_INTERVAL, RaceWorker

    now = [0.0]
    variants, labels = _variants("xor", "batch_size", "5, 50")
    worker = RaceWorker(variants, labels, clock=lambda: now[0])
    reports = []
    worker.progressed.connect(reports.append)
    worker.build()
    worker.set_stop_epoch(3)
    worker.play()
    worker.tick()
    assert len(reports) == 1  # the first report goes out at once, with the data
    assert reports[0].data is not None
    for _ in range(10_000):
        if not worker.playing:
            break
        worker.tick()  # the clock stands still: no report is due
    assert len(reports) == 2
    stop = reports[-1]
    assert stop.stopped_at == 3
    assert not stop.playing
    assert [runner.epoch for runner in stop.runners] == [3, 3]
    points = [[p[0] for r in reports for p in r.runners[i].points] for i in range(2)]
    assert points == [[1, 2, 3], [1, 2, 3]]
    worker.play()  # at the stop: Play goes on past it
    worker.tick()  # one slice: at most MAX_STEPS_PER_SLICE steps on a clock that stands still
    now[0] += RACE_EMIT_INTERVAL
    worker.tick()
    assert worker.playing
    assert min(runner.epoch for runner in reports[-1].runners) > 3
