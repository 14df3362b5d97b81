"""Training → Compare variants, driven as a learner drives it: variants typed or swept, a bad
value refused, the race's table equal to single runs, play and pause acting on all, a variant
opened as the main scenario, and no race thread left once the window closes."""

import dataclasses
import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from simulator.app.experiments.race_settings import (
    SETTING_BY_KEY,
    build_variants,
    plan_race,
    race_base,
)
from simulator.app.experiments.variants import parse_vary
from simulator.app.preferences import Preferences
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir
from simulator.ui.main_window import MainWindow
from simulator.ui.race_views import FIGURES, figure_text


def _discard():
    return QMessageBox.StandardButton.Discard


def _main_window(qtbot, tmp_path, preset):
    path = tmp_path / f"{preset}.json"
    shutil.copy(scenarios_dir() / f"{preset}.json", path)
    main = MainWindow(Simulation(load_scenario(path)), Preferences(tmp_path / "prefs.ini"))
    main.path = path
    main.resize(1280, 800)
    main.show()
    qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
    return main


@pytest.fixture
def window(qtbot, tmp_path):
    main = _main_window(qtbot, tmp_path, "circle")
    yield main
    main.ask_unsaved_changes = _discard  # a test that failed half-way must not hang on a question
    main.close()
    main.deleteLater()


def _compare(qtbot, main):
    main.compare_action.trigger()
    compare = main.compare_window
    qtbot.waitUntil(compare.isVisible, timeout=5000)
    return compare


def _race(qtbot, compare, setting: str, values: str, stop: int | None = None):
    compare.setting_combo.setCurrentIndex(compare.setting_combo.findText(setting))
    if stop is not None:
        compare.pacing.stop_spin.setValue(stop)
    compare.values_edit.clear()
    qtbot.keyClicks(compare.values_edit, values)
    qtbot.mouseClick(compare.race_button, Qt.MouseButton.LeftButton)


def _all_at(compare, epoch: int) -> bool:
    reports = compare.reports
    return (
        bool(reports)
        and all(r is not None and r.epoch == epoch for r in reports)
        and not compare.playing
    )


def test_a_race_typed_in_the_window_shows_the_figures_of_single_runs(qtbot, window):
    compare = _compare(qtbot, window)
    assert compare.current_label.text() == "now: 0.3"
    _race(qtbot, compare, "Learning rate", "0.03, 0.3, 3", stop=4)
    qtbot.waitUntil(lambda: _all_at(compare, 4), timeout=30_000)
    assert compare.message() == ""
    assert compare.labels == ["learning rate 0.03", "learning rate 0.3", "learning rate 3"]
    assert [compare.table.item(row, 0).text() for row in range(3)] == [
        f"■ {label}" for label in compare.labels
    ]
    assert [label.text() for label in compare.chart.legend_labels] == [
        f"━━ {label}" for label in compare.labels
    ]
    base, plan = plan_race(
        race_base(window.controller.current_scenario()),
        SETTING_BY_KEY["learning_rate"],
        "0.03, 0.3, 3",
    )
    variants = build_variants(base, plan, file="circle.json", base_dir=None)
    for row, variant in enumerate(variants):
        alone = Simulation(variant.scenario)
        alone.train_epochs(4)
        train, test = alone.evaluate()
        expected = {
            "epoch": 4,
            "train_loss": train.loss,
            "test_loss": test.loss,
            "train_accuracy": train.accuracy,
            "test_accuracy": test.accuracy,
        }
        for key in FIGURES:
            assert compare.table.figure(row, key) == expected[key], (row, key)
            column = FIGURES.index(key) + 1
            assert compare.table.item(row, column).text() == figure_text(key, expected[key])
        # The chart's curve is the variant's history, point for point.
        qtbot.waitUntil(lambda row=row: len(compare.chart.curve_data(row)[0]) == 4, timeout=5000)
        _, losses = compare.chart.curve_data(row)
        assert list(losses) == alone.history.to_dict()["train_loss"]
        # Its decision-boundary view shows where its network stands now.
        shown = compare.boundary_views[row].shown
        assert shown is not None
        assert (shown.values[:, :, 0] > 0.5).sum() != 0 or row == 0
    assert "epoch 4" in compare.status_label.text()
    # The main window's own run was left alone.
    assert window.controller.snapshot.epoch == 0


@pytest.mark.parametrize(
    ("setting", "values", "words"),
    [
        ("Learning rate", "0.1, -1", "learning_rate=-1"),
        ("Learning rate", "0.1, quick", "quick: not a number"),
        ("Hidden layout", "4,4; 4,a", "Hidden layout 4,a"),
        ("Batch size", "1,2,3,4,5,6,7", "at most 6"),
    ],
)
def test_a_bad_value_is_refused_with_one_message_and_nothing_starts(
    qtbot, window, setting, values, words
):
    compare = _compare(qtbot, window)
    _race(qtbot, compare, setting, values)
    qtbot.waitUntil(lambda: compare.message() != "", timeout=5000)
    assert words in compare.message()
    assert "\n" not in compare.message()
    assert compare.race is None
    assert compare.table.rowCount() == 0
    assert not compare.play_button.isEnabled()
    assert compare.race_button.isEnabled()  # the learner can fix it and try again


def test_a_sweep_fills_log_spaced_values_and_races_them(qtbot, window):
    compare = _compare(qtbot, window)
    compare.setting_combo.setCurrentIndex(compare.setting_combo.findText("Learning rate"))
    compare.pacing.stop_spin.setValue(1)
    for edit, text in ((compare.sweep_from, "0.001"), (compare.sweep_to, "1")):
        edit.clear()
        qtbot.keyClicks(edit, text)
    compare.sweep_count.setValue(4)
    qtbot.mouseClick(compare.sweep_button, Qt.MouseButton.LeftButton)
    assert compare.values_edit.text() == "0.001, 0.01, 0.1, 1"
    qtbot.waitUntil(lambda: _all_at(compare, 1), timeout=30_000)
    assert compare.table.rowCount() == 4
    # A setting that is not a number has no sweep.
    compare.setting_combo.setCurrentIndex(compare.setting_combo.findText("Optimizer"))
    assert not compare.sweep_button.isEnabled()


def test_play_and_pause_act_on_every_variant(qtbot, window):
    compare = _compare(qtbot, window)
    _race(qtbot, compare, "Batch size", "5, 25")
    qtbot.waitUntil(lambda: compare.playing and compare.reports[0] is not None, timeout=10_000)
    assert compare.play_button.text() == "Pause"
    qtbot.mouseClick(compare.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not compare.playing, timeout=5000)
    assert compare.play_button.text() == "Play"
    paused = [report.step for report in compare.reports]
    # Paused, nothing moves: the scenario each variant answers with has the paused step.
    answers = []
    compare.race.answered.connect(answers.append)
    for index in range(2):
        compare.race.request_scenario(index)
    qtbot.waitUntil(lambda: len(answers) == 2, timeout=5000)
    assert [a.scenario.state.step for a in sorted(answers, key=lambda a: a.index)] == paused
    # Play again: both move on, and at the same epochs (25 is 5 times the steps of 5's).
    qtbot.mouseClick(compare.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: all(r.step > s for r, s in zip(compare.reports, paused, strict=True)),
        timeout=10_000,
    )
    qtbot.waitUntil(lambda: compare.reports[1].epoch >= 3, timeout=20_000)
    assert abs(compare.reports[0].epoch - compare.reports[1].epoch) <= 1


def test_open_as_main_scenario_hands_over_that_variant_trained(qtbot, window):
    compare = _compare(qtbot, window)
    _race(qtbot, compare, "Learning rate", "0.03, 0.1", stop=3)
    qtbot.waitUntil(lambda: _all_at(compare, 3), timeout=30_000)
    expected_loss = compare.table.figure(1, "train_loss")
    window.controller.mark_modified()  # the main window's work is unsaved: it must ask first
    asked = []

    def discard():
        asked.append(True)
        return QMessageBox.StandardButton.Discard

    window.ask_unsaved_changes = discard
    qtbot.mouseClick(compare.table.open_buttons[1], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            window.controller.scenario.training.optimizer.learning_rate == 0.1
            and window.controller.snapshot is not None
            and window.controller.snapshot.epoch == 3
        ),
        timeout=10_000,
    )
    assert asked == [True]
    assert window.controller.snapshot.train_loss == expected_loss
    assert window.path is None  # untitled: Save asks where
    assert window.isWindowModified()
    assert "untitled" in window.windowTitle()


def test_cancel_at_the_unsaved_question_keeps_the_main_scenario(qtbot, window):
    compare = _compare(qtbot, window)
    _race(qtbot, compare, "Learning rate", "0.03, 0.1", stop=1)
    qtbot.waitUntil(lambda: _all_at(compare, 1), timeout=30_000)
    window.controller.mark_modified()
    window.ask_unsaved_changes = lambda: QMessageBox.StandardButton.Cancel
    answers = []
    compare.race.answered.connect(answers.append)
    qtbot.mouseClick(compare.table.open_buttons[1], Qt.MouseButton.LeftButton)
    # The window handles the answer before this later-connected list hears of it.
    qtbot.waitUntil(lambda: bool(answers), timeout=5000)
    assert window.loader.current is None
    assert window.controller.scenario.training.optimizer.learning_rate == 0.3


def test_closing_the_window_stops_the_race_thread(qtbot, window):
    compare = _compare(qtbot, window)
    _race(qtbot, compare, "Hidden activation", "tanh, relu")
    qtbot.waitUntil(lambda: compare.playing, timeout=10_000)
    race = compare.race
    assert race.thread.isRunning()
    compare.close()
    assert not race.thread.isRunning()
    assert compare.race is None
    # Opened again, it races anew; closing the main window takes the race's thread with it.
    window.compare_action.trigger()
    _race(qtbot, compare, "Learning rate", "0.1, 0.3")
    qtbot.waitUntil(lambda: compare.playing, timeout=10_000)
    second = compare.race
    window.ask_unsaved_changes = _discard
    window.close()
    assert not second.thread.isRunning()


def test_set_varies_races_a_presets_fields_by_path(qtbot, window):
    compare = _compare(qtbot, window)
    compare.pacing.stop_spin.setValue(2)
    compare.set_varies([parse_vary("training.batch_size=5,50")])
    qtbot.waitUntil(lambda: _all_at(compare, 2), timeout=30_000)
    assert compare.labels == ["batch_size 5", "batch_size 50"]
    assert compare.reports[0].step == 10 * compare.reports[1].step


def test_data_without_a_plane_says_so_instead_of_boundaries(qtbot, tmp_path):
    main = _main_window(qtbot, tmp_path, "iris")
    try:
        compare = _compare(qtbot, main)
        _race(qtbot, compare, "Learning rate", "0.01, 0.1", stop=1)
        qtbot.waitUntil(lambda: _all_at(compare, 1), timeout=30_000)
        assert compare.no_plane_label.isVisible()
        assert "4 columns" in compare.no_plane_label.text()
        assert not any(view.isVisible() for view in compare.boundary_views)
        assert compare.chart.metric() == "test_accuracy"
    finally:
        main.ask_unsaved_changes = _discard
        main.close()
        main.deleteLater()


def test_a_scenario_reading_a_csv_beside_it_races(qtbot, tmp_path):
    # The variants find the data where the scenario's file is, not in the current folder.
    import json

    from simulator.resources import resource_path

    folder = tmp_path / "lesson"
    folder.mkdir()
    (folder / "flowers.csv").write_bytes(resource_path("datasets/iris.csv").read_bytes())
    obj = json.loads((scenarios_dir() / "iris.json").read_text())
    obj["data"]["csv"] = "flowers.csv"
    path = folder / "mine.json"
    path.write_text(json.dumps(obj))
    main = MainWindow(Simulation(load_scenario(path)), Preferences(tmp_path / "prefs.ini"))
    main.show()
    try:
        qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
        compare = _compare(qtbot, main)
        _race(qtbot, compare, "Batch size", "5, 10", stop=1)
        qtbot.waitUntil(lambda: _all_at(compare, 1) or compare.message() != "", timeout=30_000)
        assert compare.message() == ""
        assert compare.table.figure(0, "epoch") == 1
    finally:
        main.ask_unsaved_changes = _discard
        main.close()
        main.deleteLater()


def test_a_presets_race_with_a_bad_path_is_refused_with_a_message(qtbot, window):
    compare = _compare(qtbot, window)
    compare.set_varies([parse_vary("network.layers[7].units=3,4")])
    qtbot.waitUntil(lambda: compare.message() != "", timeout=5000)
    assert "network.layers[7]" in compare.message()
    assert compare.race is None


def test_a_lesson_that_prepares_a_race_has_it_ready_and_paused_at_its_epochs(qtbot, tmp_path):
    main = _main_window(qtbot, tmp_path, "learning-rate-race")
    try:
        race = main.controller.scenario.race
        compare = _compare(qtbot, main)
        rates = race.vary[0][1]
        qtbot.waitUntil(lambda: len(compare.reports) == len(rates), timeout=10_000)
        assert compare.pacing.stop_epoch() == race.epochs
        qtbot.waitUntil(lambda: _all_at(compare, race.epochs), timeout=120_000)
        # The same figures the command line's race gives: the first variant alone, 50 epochs.
        from simulator.app.experiments.variants import make_variants, parse_vary
        from simulator.app.scenario import scenario_to_dict

        plain = scenario_to_dict(dataclasses.replace(main.controller.scenario, race=None))
        path, values = race.vary[0]
        vary = parse_vary(f"{path}=" + ",".join(str(v) for v in values))
        variants = make_variants(plain, [vary], file="race.json", base_dir=None)
        alone = Simulation(variants[0].scenario)
        alone.train_epochs(race.epochs)
        assert compare.table.figure(0, "test_accuracy") == alone.evaluate()[1].accuracy
        # Opening the window again does not start the race anew.
        main.compare_window.hide()
        first_race = compare.race
        _compare(qtbot, main)
        assert compare.race is first_race
    finally:
        main.ask_unsaved_changes = _discard
        main.close()
        main.deleteLater()
