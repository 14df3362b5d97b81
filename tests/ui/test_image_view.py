"""Image data in the data view: test images captioned "true → predicted" from the snapshot's
predictions, wrong ones marked, the confusion matrix a tab away, live in the main window."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMessageBox, QToolTip

from simulator.app.preferences import Preferences
from simulator.app.session import Simulation
from simulator.app.snapshot import data_picture, take_snapshot
from simulator.app.storage import load_scenario
from simulator.ui.data_view import IMAGE_COUNT, DataView
from simulator.ui.image_view import ARROW, WRONG_MARK, ImageGrid
from simulator.ui.main_window import MainWindow
from simulator.ui.palette import WRONG_PREDICTION

SHAPE = (4, 4)
CLASSES = ("bar", "column", "diagonal")


def _images(rng: np.random.Generator, count: int) -> tuple[np.ndarray, list[str]]:
    """Noisy 4×4 pictures of a horizontal bar, a vertical bar or a diagonal, values 0..16."""
    patterns = np.zeros((3, *SHAPE))
    patterns[0, 1, :] = 16
    patterns[1, :, 2] = 16
    patterns[2][np.eye(4, dtype=bool)] = 16
    labels = rng.integers(0, 3, count)
    pixels = patterns[labels] + rng.integers(0, 6, (count, *SHAPE))
    return np.clip(pixels, 0, 16).reshape(count, -1), [CLASSES[k] for k in labels]


@pytest.fixture
def image_scenario(tmp_path):
    """A scenario file reading a CSV of 4×4 images in three classes (tmp_path/images.json)."""
    pixels, labels = _images(np.random.default_rng(3), 120)
    names = [f"p{r}_{c}" for r in range(SHAPE[0]) for c in range(SHAPE[1])]
    rows = [
        ",".join([*map(str, map(int, p)), label]) for p, label in zip(pixels, labels, strict=True)
    ]
    (tmp_path / "images.csv").write_text("\n".join([",".join([*names, "shape"]), *rows]) + "\n")
    scenario = {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "Bars and diagonals",
        "description": "Three 4 × 4 patterns.",
        "network": {
            "inputs": names,
            "initialization": {"scheme": "xavier", "seed": 2},
            "layers": [{"units": 3, "activation": "softmax"}],
        },
        "training": {
            "loss": "cross_entropy",
            "optimizer": {"name": "sgd", "learning_rate": 0.01},
            "batch_size": 10,
            "seed": 0,
        },
        "data": {
            "csv": "images.csv",
            "targets": ["shape"],
            "one_hot": True,
            "train_fraction": 0.5,
            "seed": 1,
            "image_shape": list(SHAPE),
        },
    }
    path = tmp_path / "images.json"
    path.write_text(json.dumps(scenario))
    return path


def _view(qtbot, simulation: Simulation, snapshot=None) -> DataView:
    view = DataView()
    qtbot.addWidget(view)
    view.resize(560, 460)
    view.set_data(data_picture(simulation), image_shape=SHAPE)
    view.set_snapshot(snapshot if snapshot is not None else take_snapshot(simulation))
    view.show()
    qtbot.waitExposed(view)
    return view


def _parse(caption: str) -> tuple[str, str, bool]:
    wrong = caption.endswith(WRONG_MARK)
    true, predicted = caption.removesuffix(WRONG_MARK).split(ARROW)
    return true.strip(), predicted.strip(), wrong


def test_captions_show_the_true_and_the_predicted_class_of_the_snapshot(qtbot, image_scenario):
    simulation = Simulation(load_scenario(image_scenario))
    simulation.train_epochs(1)  # part-trained: some right, some wrong
    snapshot = take_snapshot(simulation)
    view = _view(qtbot, simulation, snapshot)
    assert view.stack.currentWidget() is view.images_page
    assert view.view_tabs.isVisible()
    picture = data_picture(simulation)
    count = min(IMAGE_COUNT, len(picture.test_raw))
    grid = view.image_grid
    assert grid.count() == count
    predicted = np.argmax(snapshot.test_predictions[:count], axis=1)
    captions = [_parse(c) for c in grid.captions()]
    assert [c[0] for c in captions] == [CLASSES[k] for k in picture.test_classes[:count]]
    assert [c[1] for c in captions] == [CLASSES[k] for k in predicted]
    assert [c[2] for c in captions] == list(predicted != picture.test_classes[:count])


def test_captions_follow_the_predictions_they_are_given(qtbot, image_scenario):
    # The view draws the snapshot's predictions; it does not run the network itself. A snapshot
    # that predicts the next class for every sample must caption every image as wrong.
    simulation = Simulation(load_scenario(image_scenario))
    snapshot = take_snapshot(simulation)
    truth = data_picture(simulation).test_classes
    shifted = (truth + 1) % 3
    outputs = np.eye(3)[shifted] * 0.8 + 0.1
    snapshot = dataclasses.replace(
        snapshot, test_predictions=outputs, test_predicted_classes=np.argmax(outputs, axis=1)
    )
    view = _view(qtbot, simulation, snapshot)
    grid = view.image_grid
    count = grid.count()
    assert [_parse(c)[1] for c in grid.captions()] == [CLASSES[k] for k in shifted[:count]]
    assert grid.wrong().all()
    shown = grid.visible_count()
    assert 0 < shown <= count
    assert view.images_summary.text().startswith(f"{shown} of {shown} shown are wrong")

    # Drawn as well as said: a wrong image's frame is orange.
    image = view.grab().toImage()
    rect = grid.image_rect(0)
    point = grid.mapTo(view, QPoint(rect.left() + 1, rect.center().y()))
    assert image.pixelColor(point) == QColor(WRONG_PREDICTION)


def test_confusion_matrix_is_a_tab_away(qtbot, image_scenario):
    simulation = Simulation(load_scenario(image_scenario))
    simulation.train_epochs(1)
    snapshot = take_snapshot(simulation)
    view = _view(qtbot, simulation, snapshot)
    assert view.set_combo.isVisible()  # the images follow the set chooser too
    view.show_view_tab(DataView.MATRIX_TAB)
    assert view.stack.currentWidget() is view.matrix_page
    assert view.set_combo.isVisible()
    view.set_combo.setCurrentIndex(0)  # training data
    picture = data_picture(simulation)
    expected = np.zeros((3, 3), dtype=int)
    np.add.at(expected, (picture.train_classes, snapshot.train_predicted_classes), 1)
    np.testing.assert_array_equal(view.confusion_matrix(), expected)
    view.show_view_tab(DataView.IMAGES_TAB)
    assert view.stack.currentWidget() is view.images_page


def test_a_shape_that_does_not_fit_the_data_is_ignored(qtbot, image_scenario):
    simulation = Simulation(load_scenario(image_scenario))
    view = DataView()
    qtbot.addWidget(view)
    view.set_data(data_picture(simulation), image_shape=(3, 3))  # 9 pixels, the data has 16
    assert view.image_shape() is None
    assert view.stack.currentWidget() is view.matrix_page
    view.set_image_shape(SHAPE)
    assert view.image_shape() == SHAPE
    assert view.stack.currentWidget() is view.images_page


def test_the_main_window_shows_images_that_follow_training(qtbot, tmp_path, image_scenario):
    window = MainWindow(
        Simulation(load_scenario(image_scenario)), Preferences(tmp_path / "prefs.ini")
    )
    window.resize(1280, 800)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.controller.snapshot is not None, timeout=10_000)
        view = window.data_view
        assert view.image_shape() == SHAPE
        assert view.stack.currentWidget() is view.images_page
        grid = view.image_grid

        def captions_match_snapshot() -> bool:
            snapshot = window.controller.snapshot
            predicted = np.argmax(snapshot.test_predictions[: grid.count()], axis=1)
            return [_parse(c)[1] for c in grid.captions()] == [CLASSES[k] for k in predicted]

        qtbot.waitUntil(captions_match_snapshot, timeout=5000)
        window.controller.step_epoch()
        window.controller.step_epoch()
        qtbot.waitUntil(lambda: window.controller.snapshot.epoch == 2, timeout=10_000)
        qtbot.waitUntil(captions_match_snapshot, timeout=5000)
    finally:
        window.ask_unsaved_changes = lambda: QMessageBox.StandardButton.Discard
        window.close()
        window.deleteLater()


def _grid(qtbot, set_name: str, count: int = 6) -> ImageGrid:
    pixels, labels = _images(np.random.default_rng(5), count)
    grid = ImageGrid()
    qtbot.addWidget(grid)
    grid.resize(420, 300)
    truth = np.array([CLASSES.index(label) for label in labels])
    # The images shown are samples 10, 12, 14, … of their set.
    grid.set_images(
        pixels,
        SHAPE,
        0,
        16,
        list(CLASSES),
        truth,
        set_name=set_name,
        sample_numbers=np.arange(10, 10 + 2 * count, 2),
    )
    grid.show()
    qtbot.waitExposed(grid)
    return grid


def test_a_click_on_a_training_image_takes_that_sample(qtbot):
    grid = _grid(qtbot, "training")
    centre = grid.image_rect(3).center()
    with qtbot.waitSignal(grid.training_sample_clicked) as blocker:
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=centre)
    assert blocker.args == [16]
    # Between the images nothing is taken.
    with qtbot.assertNotEmitted(grid.training_sample_clicked):
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=QPoint(grid.width() - 1, 1))


@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_a_click_on_a_test_image_takes_nothing_and_says_why(qtbot):
    grid = _grid(qtbot, "test")
    with qtbot.assertNotEmitted(grid.training_sample_clicked):
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.image_rect(1).center())
    assert "test image" in QToolTip.text()
    QToolTip.hideText()


def test_clicking_a_training_image_in_the_window_steps_through_it(qtbot, tmp_path):
    # Images with no test set: the data view shows training images.
    pixels, labels = _images(np.random.default_rng(3), 40)
    scenario = _image_scenario_without_test_set(tmp_path, pixels, labels)
    window = MainWindow(Simulation(load_scenario(scenario)), Preferences(tmp_path / "prefs.ini"))
    window.resize(1280, 800)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.controller.snapshot is not None, timeout=10_000)
        grid = window.data_view.image_grid
        qtbot.waitUntil(lambda: grid.visible_count() > 5)
        assert grid.clickable()
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.image_rect(5).center())
        qtbot.waitUntil(lambda: window.controller.snapshot.sample_index == 5, timeout=5000)
        window.walk_action.trigger()
        qtbot.waitUntil(lambda: window.walk is not None, timeout=5000)
        assert window.walk.samples == (5,)
        # While stepping through, a click on another image takes the step on that one.
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.image_rect(2).center())
        qtbot.waitUntil(lambda: window.walk.samples == (2,), timeout=5000)
    finally:
        window.ask_unsaved_changes = lambda: QMessageBox.StandardButton.Discard
        window.close()
        window.deleteLater()


def _image_scenario_without_test_set(tmp_path, pixels, labels):
    names = [f"p{r}_{c}" for r in range(SHAPE[0]) for c in range(SHAPE[1])]
    rows = [
        ",".join([*map(str, map(int, p)), label]) for p, label in zip(pixels, labels, strict=True)
    ]
    (tmp_path / "train.csv").write_text("\n".join([",".join([*names, "shape"]), *rows]) + "\n")
    scenario = {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "Bars and diagonals, all for training",
        "description": "Three 4 × 4 patterns.",
        "network": {
            "inputs": names,
            "initialization": {"scheme": "xavier", "seed": 2},
            "layers": [{"units": 3, "activation": "softmax"}],
        },
        "training": {
            "loss": "cross_entropy",
            "optimizer": {"name": "sgd", "learning_rate": 0.01},
            "batch_size": 10,
            "seed": 0,
        },
        "data": {
            "csv": "train.csv",
            "targets": ["shape"],
            "one_hot": True,
            "train_fraction": 1.0,
            "seed": 1,
            "image_shape": list(SHAPE),
        },
    }
    path = tmp_path / "train.json"
    path.write_text(json.dumps(scenario))
    return path


def test_image_data_opens_on_the_test_images_and_the_chooser_shows_the_training_ones(
    qtbot, image_scenario
):
    simulation = Simulation(load_scenario(image_scenario))
    picture = data_picture(simulation)
    view = _view(qtbot, simulation, take_snapshot(simulation))
    grid = view.image_grid
    count = grid.count()
    assert [_parse(c)[0] for c in grid.captions()][:count] == [
        CLASSES[k] for k in picture.test_classes[:count]
    ]
    view.set_combo.setCurrentIndex(0)  # "Training data": images a click can step through
    count = grid.count()
    assert [_parse(c)[0] for c in grid.captions()][:count] == [
        CLASSES[k] for k in picture.train_classes[:count]
    ]
    with qtbot.waitSignal(grid.training_sample_clicked) as blocker:
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.image_rect(2).center())
    assert blocker.args == [2]
