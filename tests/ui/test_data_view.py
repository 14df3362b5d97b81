"""The data view: heatmap colours and placement, point editing clicks, the confusion matrix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from simulator.app.session import Simulation
from simulator.app.snapshot import data_picture, take_snapshot
from simulator.app.storage import load_scenario, validate_scenario_dict
from simulator.resources import scenarios_dir
from simulator.ui import palette
from simulator.ui.data_view import DataView, background_color

TEST_DATA = Path(__file__).parents[1] / "data"


def _three_input_scenario() -> dict:
    """Three raw inputs, three classes around three corners, a 3-unit softmax output."""
    rng = np.random.default_rng(5)
    corners = np.eye(3) * 2.0
    inputs, targets = [], []
    for i in range(48):
        k = i % 3
        inputs.append([round(float(v), 3) for v in corners[k] + rng.normal(0.0, 0.9, 3)])
        targets.append([1 if j == k else 0 for j in range(3)])
    return {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "Three inputs, three classes",
        "network": {
            "inputs": ["X1", "X2", "X3"],
            "initialization": {"scheme": "xavier", "seed": 1},
            "layers": [
                {"units": 4, "activation": "tanh"},
                {"units": 3, "activation": "softmax"},
            ],
        },
        "training": {
            "loss": "cross_entropy",
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
            "batch_size": 8,
            "seed": 0,
        },
        "data": {
            "train": {"inputs": inputs[:36], "targets": targets[:36]},
            "test": {"inputs": inputs[36:], "targets": targets[36:]},
        },
    }


def _simulation(name: str, epochs: int) -> Simulation:
    simulation = Simulation(load_scenario(scenarios_dir() / f"{name}.json"))
    simulation.train_epochs(epochs)
    return simulation


def _show(qtbot, simulation: Simulation, sample: int | None = None) -> DataView:
    view = DataView()
    qtbot.addWidget(view)
    view.resize(600, 450)
    view.set_data(data_picture(simulation))
    view.set_snapshot(take_snapshot(simulation, sample))
    view.show()
    qtbot.waitExposed(view)
    return view


def _viewport_point(view: DataView, x: float, y: float) -> QPoint:
    """The plane position (x, y) in the plot's viewport pixels."""
    view_box = view.plane.getPlotItem().getViewBox()
    return view.plane.mapFromScene(view_box.mapViewToScene(QPointF(x, y)))


def _pixel(image, view: DataView, x: float, y: float) -> tuple[int, int, int]:
    point = view.plane.viewport().mapTo(view, _viewport_point(view, x, y))
    color = image.pixelColor(point)
    return color.red(), color.green(), color.blue()


def _cell_centre(bounds, resolution: int, row: int, column: int) -> tuple[float, float]:
    x_min, x_max, y_min, y_max = bounds
    return (
        x_min + (column + 0.5) * (x_max - x_min) / resolution,
        y_min + (row + 0.5) * (y_max - y_min) / resolution,
    )


def _clear_cells(snapshot, picture, view: DataView, klass: int, count: int) -> list:
    """Cells of class `klass` inside a patch of their own class, whose vertical mirror is of
    another class (a flipped image would fail) and with no point drawn over them."""
    classes = snapshot.output_class_map
    resolution = classes.shape[0]
    points = np.concatenate([picture.train_raw, picture.test_raw])
    pixel = view.plane.getPlotItem().getViewBox().viewPixelSize()
    found = []
    for row in range(2, resolution - 2):
        for column in range(2, resolution - 2):
            patch = classes[row - 2 : row + 3, column - 2 : column + 3]
            if not (patch == klass).all() or classes[resolution - 1 - row, column] == klass:
                continue
            x, y = _cell_centre(snapshot.bounds, resolution, row, column)
            distance = np.hypot((points[:, 0] - x) / pixel[0], (points[:, 1] - y) / pixel[1])
            if distance.min() > 12:
                found.append((row, column, x, y))
    assert len(found) >= count, f"no clear cell of class {klass}"
    step = max(1, len(found) // count)
    return found[::step][:count]


def _isolated_training_point(picture, view: DataView) -> int:
    points = picture.train_raw
    pixel = view.plane.getPlotItem().getViewBox().viewPixelSize()
    scaled = points / np.array(pixel)
    gaps = np.hypot(*(scaled[:, None, :] - scaled[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(gaps, np.inf)
    return int(np.argmax(gaps.min(axis=1)))


@pytest.fixture(scope="module")
def spiral():
    return _simulation("spiral", 10)


@pytest.fixture(scope="module")
def three_classes():
    simulation = Simulation(load_scenario(TEST_DATA / "three-class-momentum.json"))
    simulation.train_epochs(20)
    return simulation


@pytest.fixture(scope="module")
def three_inputs():
    simulation = Simulation(validate_scenario_dict(_three_input_scenario(), file="x.json"))
    simulation.train_epochs(3)
    return simulation


# ----- the heatmap ---------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["spiral", "three_classes"])
def test_discretized_plane_pixel_has_its_cells_class_colour(qtbot, request, fixture):
    simulation = request.getfixturevalue(fixture)
    view = _show(qtbot, simulation)
    view.discretize_check.setChecked(True)
    snapshot = take_snapshot(simulation)
    picture = data_picture(simulation)
    image = view.grab().toImage()
    classes = np.unique(snapshot.output_class_map)
    assert len(classes) >= 2
    for klass in classes:
        expected = background_color(int(klass))
        for _, _, x, y in _clear_cells(snapshot, picture, view, int(klass), 3):
            got = _pixel(image, view, x, y)
            want = (expected.red(), expected.green(), expected.blue())
            assert np.abs(np.subtract(got, want)).max() <= 2, (klass, x, y, got, want)


def test_multi_class_plane_lightness_follows_confidence(qtbot, three_classes):
    view = _show(qtbot, three_classes)
    snapshot = take_snapshot(three_classes)
    picture = data_picture(three_classes)
    image = view.grab().toImage()
    lut = view.heatmap.lut
    confidence = snapshot.output_map.max(axis=2)
    outputs = snapshot.output_map.shape[2]
    for klass in range(outputs):
        for row, column, x, y in _clear_cells(snapshot, picture, view, klass, 2):
            share = (confidence[row, column] - 1 / outputs) / (1 - 1 / outputs)
            index = klass * 16 + round(float(share) * 15)
            assert np.abs(np.subtract(_pixel(image, view, x, y), lut[index][:3])).max() <= 2


# ----- one meaning per colour ------------------------------------------------------------------


def _isolated_point_of_class(picture, view: DataView, klass: int) -> int:
    """The training point of class `klass` farthest from every other point (none overlaps it)."""
    pixel = np.array(view.plane.getPlotItem().getViewBox().viewPixelSize())
    scaled = np.concatenate([picture.train_raw, picture.test_raw])[:, :2] / pixel
    gaps = np.hypot(*(scaled[:, None, :] - scaled[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(gaps, np.inf)
    candidates = np.flatnonzero(picture.train_classes == klass)
    return int(candidates[np.argmax(gaps[candidates].min(axis=1))])


@pytest.mark.parametrize("fixture", ["spiral", "three_classes"])
def test_points_are_drawn_in_their_class_colour(qtbot, request, fixture):
    simulation = request.getfixturevalue(fixture)
    view = _show(qtbot, simulation)
    picture = data_picture(simulation)
    image = view.grab().toImage()
    for klass in range(len(picture.classes)):
        x, y = picture.train_raw[_isolated_point_of_class(picture, view, klass), :2]
        want = palette.hex_rgb(palette.CLASS_COLOURS[klass])
        got = _pixel(image, view, x, y)
        assert np.abs(np.subtract(got, want)).max() <= 2, (klass, got, want)


def test_two_class_plane_is_shaded_in_class_colours_not_weight_colours(qtbot, spiral):
    # The neuron pictures show values in the weight colours; the plane shows the predicted
    # class, so its two ends are the classes' colours.
    view = _show(qtbot, spiral)
    assert take_snapshot(spiral).output_map.shape[2] == 1
    lut = np.asarray(view.heatmap.lut)[:, :3].astype(int)
    for end, klass in ((lut[0], 0), (lut[-1], 1)):
        assert np.abs(end - background_color(klass).getRgb()[:3]).max() <= 1
    # Not the weights' pale orange and blue, as the same map drawn in weight colours would be.
    neutral = palette.hex_rgb(palette.NEUTRAL)
    strength = palette.CLASS_BACKGROUND_STRENGTH
    for end in (lut[0], lut[-1]):
        for weight in (palette.NEGATIVE, palette.POSITIVE):
            pale_weight = neutral + (palette.hex_rgb(weight) - neutral) * strength
            assert np.abs(end - pale_weight).max() > 40


def test_legend_names_the_classes_and_the_wrong_mark(qtbot, three_classes):
    view = _show(qtbot, three_classes)
    picture = data_picture(three_classes)
    assert view.legend.isVisible()
    text = view.legend.text().replace("&nbsp;", " ")
    for klass, name in enumerate(picture.classes):
        # Each name follows its own colour's swatch.
        colour = palette.CLASS_COLOURS[klass]
        assert f'<span style="color:{colour}">●</span> {name}' in text
    assert "✗</span> predicted wrong" in text
    assert palette.WRONG_PREDICTION in text


def test_legend_names_classes_from_the_data(qtbot):
    view = _show(qtbot, _simulation("cat-vs-dog", 5))
    text = view.legend.text()
    assert "cat" in text
    assert "dog" in text


def test_wrong_predictions_are_marked_beside_their_points(qtbot):
    simulation = _simulation("three-classes", 30)
    view = _show(qtbot, simulation)
    picture = data_picture(simulation)
    snapshot = take_snapshot(simulation)
    wrong = snapshot.train_predicted_classes != picture.train_classes
    assert 0 < wrong.sum() < len(wrong)  # a test that could fail either way
    np.testing.assert_array_equal(view.wrong_positions(), picture.train_raw[wrong, :2])
    view.test_check.setChecked(True)
    test_wrong = snapshot.test_predicted_classes != picture.test_classes
    assert len(view.wrong_positions()) == wrong.sum() + test_wrong.sum()
    # Drawn in the wrong-prediction colour: some pixel near a marked point has it.
    image = view.grab().toImage()
    size = view.wrong_marks.opts["size"]
    x, y = picture.train_raw[np.flatnonzero(wrong)[0], :2]
    centre = view.plane.viewport().mapTo(view, _viewport_point(view, x, y))
    want = palette.hex_rgb(palette.WRONG_PREDICTION)
    found = min(
        np.abs(np.subtract(_rgb_at(image, centre.x() + dx, centre.y() + dy), want)).max()
        for dx in range(0, size // 2 + 1)
        for dy in range(-size // 2, 1)
    )
    assert found <= 30


def _rgb_at(image, x: int, y: int) -> tuple[int, int, int]:
    color = image.pixelColor(x, y)
    return color.red(), color.green(), color.blue()


def test_confusion_matrix_shades_right_grey_and_wrong_red(qtbot, three_inputs):
    view = _show(qtbot, three_inputs)
    counts = view.confusion_matrix()
    shares = counts / counts.sum(axis=1, keepdims=True)
    neutral = palette.hex_rgb(palette.NEUTRAL)
    for (row, column), share in np.ndenumerate(shares):
        end = palette.MATRIX_RIGHT if row == column else palette.WRONG_PREDICTION
        want = neutral + (palette.hex_rgb(end) - neutral) * share
        got = view.matrix.item(row, column).background().color().getRgb()[:3]
        assert np.abs(np.subtract(got, want)).max() <= 1, (row, column, got, want)
        # A cue beside the colour: right counts are bold.
        assert view.matrix.item(row, column).font().bold() == (row == column)


def test_heatmap_changes_when_the_network_learns(qtbot):
    simulation = _simulation("spiral", 0)
    view = _show(qtbot, simulation)
    before = view.heatmap.image.copy()
    simulation.train_epochs(3)
    view.set_snapshot(take_snapshot(simulation))
    assert not np.array_equal(before, view.heatmap.image)
    assert np.array_equal(view.heatmap.image, take_snapshot(simulation).output_map[:, :, 0])


def test_axes_name_the_raw_columns_and_test_points_toggle(qtbot, spiral):
    view = _show(qtbot, spiral)
    item = view.plane.getPlotItem()
    assert item.getAxis("bottom").labelText == "X1"
    assert item.getAxis("left").labelText == "X2"
    assert not view.test_points.isVisible()
    view.test_check.setChecked(True)
    assert view.test_points.isVisible()
    assert len(view.test_points.data) == len(spiral.data.test_raw)


# ----- editing and selecting -------------------------------------------------------------------


def test_click_adds_a_point_of_the_chosen_class(qtbot, spiral):
    view = _show(qtbot, spiral)
    view.set_adding_points(True)
    picture = data_picture(spiral)
    snapshot = take_snapshot(spiral)
    _, _, x, y = _clear_cells(snapshot, picture, view, 0, 1)[0]
    view.set_current_class(1)
    with qtbot.waitSignal(view.point_added) as blocker:
        qtbot.mouseClick(
            view.plane.viewport(), Qt.MouseButton.LeftButton, pos=_viewport_point(view, x, y)
        )
    got_x, got_y, klass = blocker.args
    cell = (picture.bounds[1] - picture.bounds[0]) / snapshot.output_class_map.shape[0]
    assert abs(got_x - x) < cell
    assert abs(got_y - y) < cell
    assert klass == 1


def test_click_on_a_regression_plane_adds_the_typed_target(qtbot):
    simulation = _simulation("regression-plane", 1)
    view = _show(qtbot, simulation)
    view.set_adding_points(True)
    view.set_target_value(0.75)
    with (
        qtbot.assertNotEmitted(view.point_added),
        qtbot.waitSignal(view.point_added_value) as blocker,
    ):
        qtbot.mouseClick(
            view.plane.viewport(), Qt.MouseButton.LeftButton, pos=_viewport_point(view, 1.0, -2.0)
        )
    x, y, target = blocker.args
    assert abs(x - 1.0) < 0.12
    assert abs(y + 2.0) < 0.12
    assert target == pytest.approx(0.75)


def test_right_click_on_a_training_point_removes_it(qtbot, spiral):
    view = _show(qtbot, spiral)
    view.set_adding_points(True)
    picture = data_picture(spiral)
    index = _isolated_training_point(picture, view)
    x, y = picture.train_raw[index]
    with qtbot.waitSignal(view.point_removed) as blocker:
        qtbot.mouseClick(
            view.plane.viewport(), Qt.MouseButton.RightButton, pos=_viewport_point(view, x, y)
        )
    assert blocker.args == [index]


def test_right_click_away_from_points_removes_nothing(qtbot, spiral):
    view = _show(qtbot, spiral)
    view.set_adding_points(True)
    _, _, x, y = _clear_cells(take_snapshot(spiral), data_picture(spiral), view, 1, 1)[0]
    with qtbot.assertNotEmitted(view.point_removed), qtbot.assertNotEmitted(view.point_added):
        qtbot.mouseClick(
            view.plane.viewport(), Qt.MouseButton.RightButton, pos=_viewport_point(view, x, y)
        )


def test_shift_click_selects_the_nearest_training_point(qtbot, spiral):
    view = _show(qtbot, spiral)
    picture = data_picture(spiral)
    index = _isolated_training_point(picture, view)
    x, y = picture.train_raw[index]
    with qtbot.assertNotEmitted(view.point_added), qtbot.waitSignal(view.sample_selected) as got:
        qtbot.mouseClick(
            view.plane.viewport(),
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.ShiftModifier,
            pos=_viewport_point(view, x, y),
        )
    assert got.args == [index]
    view.set_snapshot(take_snapshot(spiral, index))
    assert np.allclose(view.selection.getData(), ([x], [y]))


def test_while_choosing_samples_a_plain_click_selects_and_never_edits(qtbot, spiral):
    # The step-through picks its sample with a click; the data must not change under it.
    view = _show(qtbot, spiral)
    view.choosing_samples = True
    picture = data_picture(spiral)
    index = _isolated_training_point(picture, view)
    x, y = picture.train_raw[index]
    with qtbot.assertNotEmitted(view.point_added), qtbot.waitSignal(view.sample_selected) as got:
        qtbot.mouseClick(
            view.plane.viewport(), Qt.MouseButton.LeftButton, pos=_viewport_point(view, x, y)
        )
    assert got.args == [index]
    with qtbot.assertNotEmitted(view.point_removed):
        qtbot.mouseClick(
            view.plane.viewport(), Qt.MouseButton.RightButton, pos=_viewport_point(view, x, y)
        )


# ----- more than two inputs -------------------------------------------------------------------


def test_confusion_matrix_counts_the_training_samples(qtbot, three_inputs):
    view = _show(qtbot, three_inputs)
    assert view.stack.currentWidget() is view.matrix_page
    picture = data_picture(three_inputs)
    snapshot = take_snapshot(three_inputs)
    counts = view.confusion_matrix()
    correct = int((snapshot.train_predicted_classes == picture.train_classes).sum())
    assert counts.sum() == len(picture.train_raw)
    assert np.trace(counts) == correct
    assert 0 < correct < len(picture.train_raw)  # a test that could fail either way
    expected = np.zeros((3, 3), dtype=int)
    np.add.at(expected, (picture.train_classes, snapshot.train_predicted_classes), 1)
    assert np.array_equal(counts, expected)  # rows true, columns predicted
    shown = [[int(view.matrix.item(r, c).text()) for c in range(3)] for r in range(3)]
    assert np.array_equal(shown, counts)
    assert view.matrix.verticalHeaderItem(2).text() == picture.classes[2]
    assert view.matrix.horizontalHeaderItem(2).text() == "2"  # "class " is left to the rows
    assert f"{correct} of {len(picture.train_raw)}" in view.matrix_summary.text()


def test_confusion_matrix_switches_to_the_test_set(qtbot, three_inputs):
    view = _show(qtbot, three_inputs)
    picture = data_picture(three_inputs)
    snapshot = take_snapshot(three_inputs)
    view.set_combo.setCurrentIndex(1)
    counts = view.confusion_matrix()
    assert counts.sum() == len(picture.test_raw)
    assert np.trace(counts) == (snapshot.test_predicted_classes == picture.test_classes).sum()


def test_many_input_regression_plots_predicted_against_true(qtbot):
    obj = _three_input_scenario()
    obj["network"]["layers"][-1] = {"units": 1, "activation": "linear"}
    obj["training"]["loss"] = "half_sse"
    for part in ("train", "test"):
        targets = obj["data"][part]["targets"]
        obj["data"][part]["targets"] = [[float(row.index(1))] for row in targets]
    simulation = Simulation(validate_scenario_dict(obj, file="x.json"))
    simulation.train_epochs(2)
    view = _show(qtbot, simulation)
    assert view.stack.currentWidget() is view.scatter
    x, y = view.scatter_train.getData()
    assert np.array_equal(x, simulation.data.train_targets[:, 0])
    assert np.allclose(y, take_snapshot(simulation).train_predictions[:, 0])
