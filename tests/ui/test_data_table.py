"""The samples table in the main window: its rows, sorting, the network's answers as `predict`
gives them, the wrong-only filter, and the link with the data view both ways."""

import shutil

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from simulator.app.predict import predict
from simulator.app.preferences import Preferences
from simulator.app.session import Simulation
from simulator.app.snapshot import data_picture, take_snapshot
from simulator.app.storage import load_scenario, validate_scenario_dict
from simulator.resources import scenarios_dir
from simulator.ui.data_table import FILTERS, RIGHT_MARK, WRONG, WRONG_MARK
from simulator.ui.data_view import DataView
from simulator.ui.main_window import MainWindow


def _open(qtbot, tmp_path, name: str) -> MainWindow:
    tmp_path.mkdir(parents=True, exist_ok=True)
    preset = tmp_path / f"{name}.json"
    shutil.copy(scenarios_dir() / f"{name}.json", preset)
    main = MainWindow(Simulation(load_scenario(preset)), Preferences(tmp_path / "prefs.ini"))
    main.path = preset
    main.resize(1280, 860)
    main.show()
    qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
    return main


@pytest.fixture
def windows(qtbot, tmp_path):
    opened = []

    def make(name: str) -> MainWindow:
        opened.append(_open(qtbot, tmp_path / str(len(opened)), name))
        return opened[-1]

    yield make
    for main in opened:
        main.ask_unsaved_changes = _discard  # a failed test must not hang on the question
        main.close()
        main.deleteLater()


def _discard():
    from PySide6.QtWidgets import QMessageBox

    return QMessageBox.StandardButton.Discard


def _train_and_show_table(qtbot, window: MainWindow, steps: int) -> None:
    """Train `steps` steps, open the table and wait until it shows that step's answers."""
    window.samples_action.trigger()
    window.controller.step(steps)
    qtbot.waitUntil(lambda: window.controller.snapshot.step == steps, timeout=10_000)
    table = window.data_table
    qtbot.waitUntil(
        lambda: table.refreshed_step == steps and table.model.answered(), timeout=10_000
    )


def _viewport_point(window: MainWindow, x: float, y: float) -> QPoint:
    view = window.data_view
    view_box = view.plane.getPlotItem().getViewBox()
    return view.plane.mapFromScene(view_box.mapViewToScene(QPointF(x, y)))


def _isolated(points: np.ndarray, others: np.ndarray, window: MainWindow) -> int:
    """The point of `points` farthest (on screen) from every other point of both sets."""
    pixel = np.array(window.data_view.plane.getPlotItem().getViewBox().viewPixelSize())
    scaled = points / pixel
    every = np.concatenate([points, others]) / pixel
    gaps = np.hypot(*(scaled[:, None, :] - every[None, :, :]).transpose(2, 0, 1))
    gaps[gaps == 0] = np.inf  # the point itself
    return int(np.argmax(gaps.min(axis=1)))


def test_hidden_by_default_and_toggled_from_the_view_menu(qtbot, windows):
    window = windows("circle")
    assert window.samples_dock.isHidden()
    view_menu = next(
        m for m in window.menuBar().findChildren(type(window.edit_menu)) if m.title() == "&View"
    )
    assert window.samples_action in view_menu.actions()
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert not window.samples_dock.isHidden()
    assert window.samples_action.isChecked()
    assert window.dockWidgetArea(window.samples_dock) == Qt.DockWidgetArea.BottomDockWidgetArea


def test_one_row_per_training_and_test_sample(qtbot, windows):
    window = windows("iris")
    _train_and_show_table(qtbot, window, 3)
    picture = window.controller.data
    table = window.data_table
    assert table.proxy.rowCount() == len(picture.train_raw) + len(picture.test_raw)
    listed = table.visible_samples()
    assert listed[0] == ("train", 0)
    assert listed[len(picture.train_raw)] == ("test", 0)
    assert listed[-1] == ("test", len(picture.test_raw) - 1)
    # The raw columns are named as the data names them, and show the raw values.
    assert table.cell_text(0, "sepal_length") == f"{picture.train_raw[0, 0]:.4g}"
    assert table.cell_text(0, "target") == picture.classes[picture.train_classes[0]]


def test_sorting_by_a_numeric_column_is_numeric(qtbot, windows):
    window = windows("circle")
    _train_and_show_table(qtbot, window, 5)
    table = window.data_table
    header = table.view.horizontalHeader()
    # X1 holds negative numbers: as text "-0.4" would come before "-1.8".
    column = table.model.column_index("X1")
    qtbot.mouseClick(
        header.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(header.sectionViewportPosition(column) + 5, header.height() // 2),
    )
    values = [float(table.cell_text(r, "X1")) for r in range(table.proxy.rowCount())]
    assert values == sorted(values)
    assert values[0] < -1 < values[-1]
    # The sample numbers (0..249) run 0, 1, 2, …, 10, not 0, 1, 10, 100.
    table.view.sortByColumn(table.model.column_index("#"), Qt.SortOrder.AscendingOrder)
    numbers = [int(table.cell_text(r, "#")) for r in range(table.proxy.rowCount())]
    assert numbers[:4] == [0, 0, 1, 1]  # one training and one test sample of each number
    assert numbers == sorted(numbers)


def test_predictions_are_those_predict_gives(qtbot, windows):
    window = windows("iris")
    _train_and_show_table(qtbot, window, 12)
    # The same network, rebuilt from the state the window would save.
    simulation = Simulation(window.controller.current_scenario())
    picture = window.controller.data
    raw = np.concatenate([picture.train_raw, picture.test_raw])
    expected = predict(simulation, raw)
    table = window.data_table
    names = [expected.class_names[c] for c in expected.classes]
    shown = [table.cell_text(r, "prediction") for r in range(len(raw))]
    assert shown == names
    probabilities = [table.cell_text(r, "probability") for r in range(len(raw))]
    assert probabilities == [f"{p:.1%}" for p in expected.probabilities]
    truth = np.concatenate([picture.train_classes, picture.test_classes])
    marks = [table.cell_text(r, "right?") for r in range(len(raw))]
    assert marks == [
        WRONG_MARK if c != t else RIGHT_MARK for c, t in zip(expected.classes, truth, strict=True)
    ]


def test_regression_shows_the_value_and_its_error(qtbot, windows):
    window = windows("regression-plane")
    _train_and_show_table(qtbot, window, 4)
    simulation = Simulation(window.controller.current_scenario())
    picture = window.controller.data
    expected = predict(simulation, picture.train_raw[:5]).outputs[:, 0]
    table = window.data_table
    assert [table.cell_text(r, "prediction") for r in range(5)] == [f"{v:.4g}" for v in expected]
    errors = expected - picture.train_targets[:5, 0]
    assert [table.cell_text(r, "error") for r in range(5)] == [f"{v:.4g}" for v in errors]
    # There is no "wrong" in a regression: the filter does not offer it.
    assert not table.filter_combo.model().item(WRONG).isEnabled()


def test_wrong_only_lists_exactly_the_misclassified(qtbot, windows):
    window = windows("iris")
    _train_and_show_table(qtbot, window, 2)
    snapshot = window.controller.snapshot
    picture = window.controller.data
    wrong = {
        ("train", int(i))
        for i in np.flatnonzero(snapshot.train_predicted_classes != picture.train_classes)
    } | {
        ("test", int(i))
        for i in np.flatnonzero(snapshot.test_predicted_classes != picture.test_classes)
    }
    assert 0 < len(wrong) < len(picture.train_raw) + len(picture.test_raw)
    table = window.data_table
    table.filter_combo.setCurrentIndex(FILTERS.index("Wrong only"))
    listed = table.visible_samples()
    assert set(listed) == wrong
    assert len(listed) == len(wrong)
    assert all(table.cell_text(r, "right?") == WRONG_MARK for r in range(len(listed)))
    table.filter_combo.setCurrentIndex(FILTERS.index("Test"))
    assert table.visible_samples() == [("test", i) for i in range(len(picture.test_raw))]


def test_selecting_a_row_rings_its_point_on_the_plane(qtbot, windows):
    window = windows("circle")
    _train_and_show_table(qtbot, window, 5)
    table = window.data_table
    picture = window.controller.data
    for set_name, number, raw in (("train", 7, picture.train_raw), ("test", 11, picture.test_raw)):
        row = table.visible_samples().index((set_name, number))
        table.view.scrollTo(table.proxy.index(row, 1))
        rect = table.view.visualRect(table.proxy.index(row, 1))
        qtbot.mouseClick(table.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert table.selected_sample() == (set_name, number)
        assert window.data_view.highlighted_sample() == (set_name, number)
        assert np.allclose(window.data_view.highlight_position(), raw[number : number + 1])
    # A test sample turns the test points on, so the ring has a point inside it.
    assert window.data_view.test_check.isChecked()
    # The step-through's sample is not changed by the table.
    assert window.controller.snapshot.sample_index == 0
    # Closing the table takes its ring away.
    window.samples_action.trigger()
    assert window.data_view.highlighted_sample() is None
    assert len(window.data_view.highlight_position()) == 0


def test_clicking_a_point_selects_and_shows_its_row(qtbot, windows):
    window = windows("circle")
    _train_and_show_table(qtbot, window, 5)
    window.data_view.test_check.setChecked(True)
    table = window.data_table
    picture = window.controller.data
    for set_name, points, others in (
        ("train", picture.train_raw, picture.test_raw),
        ("test", picture.test_raw, picture.train_raw),
    ):
        index = _isolated(points, others, window)
        x, y = points[index]
        qtbot.mouseClick(
            window.data_view.plane.viewport(),
            Qt.MouseButton.LeftButton,
            pos=_viewport_point(window, x, y),
        )
        assert table.selected_sample() == (set_name, index)
        selected = table.view.selectionModel().selectedRows()[0]
        assert table.view.viewport().rect().intersects(table.view.visualRect(selected))
        assert np.allclose(window.data_view.highlight_position(), [[x, y]])
    # A click on a training point still picks the step-through's sample, as before.
    train_index = _isolated(picture.train_raw, picture.test_raw, window)
    qtbot.waitUntil(lambda: window.controller.snapshot.sample_index == train_index, timeout=5000)


def test_a_hidden_filter_row_is_listed_when_its_point_is_clicked(qtbot, windows):
    window = windows("circle")
    _train_and_show_table(qtbot, window, 5)
    table = window.data_table
    table.filter_combo.setCurrentIndex(FILTERS.index("Test"))
    table.select_sample("train", 3)
    assert table.filter_combo.currentIndex() == FILTERS.index("All samples")
    assert table.selected_sample() == ("train", 3)


def test_the_worker_adds_the_answers_only_while_the_table_is_shown(qtbot, windows):
    window = windows("circle")
    assert window.controller.snapshot.samples is None
    window.samples_action.trigger()
    qtbot.waitUntil(lambda: window.controller.snapshot.samples is not None, timeout=5000)
    window.samples_action.trigger()
    assert window.samples_dock.isHidden()
    window.controller.step(1)
    qtbot.waitUntil(
        lambda: window.controller.snapshot.step == 1 and window.controller.snapshot.samples is None,
        timeout=5000,
    )


def _regression_of_three_inputs() -> Simulation:
    """Three raw inputs and one linear output: the data view plots predicted against true."""
    rng = np.random.default_rng(3)
    inputs = np.round(rng.normal(0.0, 1.0, (40, 3)), 3)
    targets = np.round(inputs @ np.array([0.5, -1.0, 2.0]), 3).reshape(-1, 1)
    obj = {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "Three inputs, one value",
        "network": {
            "inputs": ["X1", "X2", "X3"],
            "initialization": {"scheme": "xavier", "seed": 1},
            "layers": [{"units": 3, "activation": "tanh"}, {"units": 1, "activation": "linear"}],
        },
        "training": {
            "loss": "half_sse",
            "optimizer": {"name": "sgd", "learning_rate": 0.05},
            "batch_size": 8,
            "seed": 0,
        },
        "data": {
            "train": {"inputs": inputs[:30].tolist(), "targets": targets[:30].tolist()},
            "test": {"inputs": inputs[30:].tolist(), "targets": targets[30:].tolist()},
        },
    }
    simulation = Simulation(validate_scenario_dict(obj, file="three.json"))
    simulation.train_epochs(3)
    return simulation


def test_the_predicted_against_true_plot_rings_and_finds_samples(qtbot):
    simulation = _regression_of_three_inputs()
    view = DataView()
    qtbot.addWidget(view)
    view.resize(600, 450)
    view.set_data(data_picture(simulation))
    snapshot = take_snapshot(simulation)
    view.set_snapshot(snapshot)
    view.show()
    qtbot.waitExposed(view)
    assert view.stack.currentWidget() is view.scatter
    view.highlight_sample("test", 4)
    expected = [[simulation.data.test_targets[4, 0], snapshot.test_predictions[4, 0]]]
    assert np.allclose(view.highlight_position(), expected)
    assert view.test_check.isChecked()
    # A plain click on a point finds its row and leaves the step-through's sample alone.
    view_box = view.scatter.getPlotItem().getViewBox()
    train = np.column_stack([simulation.data.train_targets[:, 0], snapshot.train_predictions[:, 0]])
    test = np.column_stack([simulation.data.test_targets[:, 0], snapshot.test_predictions[:, 0]])
    pixel = np.array(view_box.viewPixelSize())
    every = np.concatenate([train, test]) / pixel
    gaps = np.hypot(*(train[:, None, :] / pixel - every[None, :, :]).transpose(2, 0, 1))
    gaps[gaps == 0] = np.inf
    index = int(np.argmax(gaps.min(axis=1)))
    point = view.scatter.mapFromScene(view_box.mapViewToScene(QPointF(*train[index])))
    with qtbot.assertNotEmitted(view.sample_selected), qtbot.waitSignal(view.point_clicked) as got:
        qtbot.mouseClick(view.scatter.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert got.args == ["train", index]
