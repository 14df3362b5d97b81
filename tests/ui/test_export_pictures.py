"""File → Export: pictures of the canvas, the data view and the loss chart (PNG at a scale, SVG),
the whole window as PNG, and the data as CSV from the window."""

import csv
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtCore import QByteArray, QPoint
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QToolButton

from simulator.app.preferences import Preferences
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir
from simulator.ui.main_window import MainWindow
from simulator.ui.picture_dialog import (
    CANVAS,
    DATA,
    LOSS,
    WINDOW,
    PictureChoice,
    PictureDialog,
)

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def open_window(qtbot, tmp_path):
    """Return open(preset, epochs): a main window on a copy of that preset, trained so."""
    opened = []

    def open_(name: str, epochs: int = 2) -> MainWindow:
        preset = tmp_path / f"{name}.json"
        shutil.copy(scenarios_dir() / f"{name}.json", preset)
        simulation = Simulation(load_scenario(preset))
        simulation.train_epochs(epochs)  # a loss curve to draw
        main = MainWindow(simulation, Preferences(tmp_path / "prefs.ini"))
        opened.append(main)
        main.path = preset
        main.resize(1280, 800)
        main.show()
        qtbot.waitExposed(main)
        qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
        qtbot.waitUntil(lambda: main.canvas.neuron_centre(0, 0) is not None, timeout=10_000)
        return main

    yield open_
    for main in opened:
        main.ask_unsaved_changes = lambda: QMessageBox.StandardButton.Discard
        main.close()
        main.deleteLater()


@pytest.fixture
def window(open_window):
    return open_window("spiral")


def _rgb(image: QImage) -> np.ndarray:
    """(height, width, 3) uint8 RGB of `image`."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    return (
        data.reshape(height, image.bytesPerLine())[:, : 3 * width].reshape(height, width, 3).copy()
    )


def _export(window, view, picture_format, scale, path):
    assert window.exports.export_picture(PictureChoice(view, picture_format, scale), path)
    assert path.exists()
    return path


@pytest.mark.parametrize("view", [CANVAS, DATA, LOSS])
def test_png_at_2x_has_twice_the_pixels_of_1x(window, tmp_path, view):
    one = QImage(str(_export(window, view, "png", 1, tmp_path / "one.png")))
    two = QImage(str(_export(window, view, "png", 2, tmp_path / "two.png")))
    expected = window.exports.view_size(view)
    assert (one.width(), one.height()) == (expected.width(), expected.height())
    assert (two.width(), two.height()) == (2 * one.width(), 2 * one.height())
    # Stated resolution doubles too, so both print at the same size.
    assert two.dotsPerMeterX() == pytest.approx(2 * one.dotsPerMeterX(), abs=1)


def _neuron_points(canvas):
    """(column, unit, QPoint in the canvas) of every neuron on the canvas."""
    sizes = canvas._snapshot.layer_sizes
    for column, size in enumerate(sizes):
        for unit in range(size):
            yield (
                column,
                unit,
                canvas.view.mapTo(canvas, canvas.neuron_centre(column, unit).toPoint()),
            )


def test_the_canvas_png_shows_each_heatmap_neuron_as_the_screen_does(window, tmp_path):
    canvas = window.canvas
    screen = _rgb(canvas.grab().toImage())
    one = _rgb(QImage(str(_export(window, CANVAS, "png", 1, tmp_path / "c1.png"))))
    checked = 0
    for column, unit, point in _neuron_points(canvas):
        # Up and right of the centre: inside the neuron's picture, off its bias square
        # (bottom left) and the edges ending at its centre.
        x, y = point.x() + 12, point.y() - 12
        colour = screen[y, x].astype(int)
        assert np.abs(one[y, x].astype(int) - colour).max() <= 8, (column, unit)
        checked += 1
    assert checked == sum(window.controller.snapshot.layer_sizes)
    assert len(np.unique(one.reshape(-1, 3), axis=0)) > 50  # not blank


def test_a_neurons_pixel_at_2x_has_the_colour_the_screen_shows(open_window, tmp_path):
    window = open_window("iris")  # four inputs: neurons are discs filled by their output
    canvas = window.canvas
    screen = _rgb(canvas.grab().toImage())
    two = _rgb(QImage(str(_export(window, CANVAS, "png", 2, tmp_path / "c2.png"))))
    colours = set()
    for column, unit, point in _neuron_points(canvas):
        if column == 0:
            continue  # input features are drawn as their values too, but check the layers
        colour = screen[point.y(), point.x()].astype(int)
        exported = two[2 * point.y(), 2 * point.x()].astype(int)
        assert np.abs(exported - colour).max() <= 6, (column, unit, colour, exported)
        colours.add(tuple(colour))
    assert len(colours) > 3  # the neurons' own colours, not the background


def test_the_canvas_png_leaves_out_the_edit_buttons_and_keeps_them_on_screen(window, tmp_path):
    buttons = window.canvas.header.findChildren(QToolButton)
    assert buttons
    before = [b.isVisible() for b in buttons]
    _export(window, CANVAS, "png", 1, tmp_path / "c.png")
    assert [b.isVisible() for b in buttons] == before


@pytest.mark.parametrize("view", [CANVAS, DATA, LOSS])
def test_svg_parses_has_its_size_shapes_and_renders(window, tmp_path, view):
    path = _export(window, view, "svg", 1, tmp_path / "picture.svg")
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG_NS}svg"
    size = window.exports.view_size(view)
    width = float(root.get("width").removesuffix("mm").removesuffix("px"))
    assert width > 0
    assert float(root.get("height").removesuffix("mm").removesuffix("px")) > 0
    assert root.get("viewBox").split() == ["0", "0", str(size.width()), str(size.height())]
    tags = {element.tag.removeprefix(SVG_NS) for element in root.iter()}
    assert tags & {"path", "rect", "polyline"}
    renderer = QSvgRenderer(QByteArray(path.read_bytes()))
    assert renderer.isValid()


def test_the_canvas_svg_names_the_inputs_and_renders_like_the_png(window, tmp_path):
    path = _export(window, CANVAS, "svg", 1, tmp_path / "canvas.svg")
    root = ET.parse(path).getroot()
    texts = [" ".join("".join(e.itertext()).split()) for e in root.iter(f"{SVG_NS}text")]
    for name in ("X1", "sin(X2)", "inputs", "tanh", "sigmoid", "positive weight"):
        assert name in texts  # as text, not pixels
    renderer = QSvgRenderer(str(path))
    size = window.exports.view_size(CANVAS)
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    rendered = _rgb(image)
    screen = _rgb(window.canvas.grab().toImage())
    canvas = window.canvas
    point = canvas.view.mapTo(canvas, canvas.neuron_centre(1, 0).toPoint()) + QPoint(12, -12)
    colour = screen[point.y(), point.x()].astype(int)
    assert np.abs(rendered[point.y(), point.x()].astype(int) - colour).max() <= 24


def test_whole_window_png_is_the_window_at_the_scale(window, tmp_path):
    image = QImage(str(_export(window, WINDOW, "png", 2, tmp_path / "window.png")))
    ratio = window.devicePixelRatioF()
    assert (image.width(), image.height()) == (
        round(window.width() * 2 * ratio),
        round(window.height() * 2 * ratio),
    )


def test_the_dialog_offers_views_formats_and_scales(qtbot):
    dialog = PictureDialog(initial=PictureChoice(CANVAS, "png", 2))
    qtbot.addWidget(dialog)
    assert dialog.choice() == PictureChoice(CANVAS, "png", 2)
    assert [dialog.view_combo.itemData(i) for i in range(dialog.view_combo.count())] == [
        CANVAS,
        DATA,
        LOSS,
        WINDOW,
    ]
    assert [dialog.scale_combo.itemData(i) for i in range(4)] == [1, 2, 3, 4]
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("svg"))
    assert not dialog.scale_combo.isEnabled()
    assert dialog.choice() == PictureChoice(CANVAS, "svg", 1)
    # The whole window is PNG only: choosing it turns SVG off and back to PNG.
    dialog.view_combo.setCurrentIndex(dialog.view_combo.findData(WINDOW))
    assert dialog.choice().picture_format == "png"
    svg_item = dialog.format_combo.model().item(dialog.format_combo.findData("svg"))
    assert not svg_item.isEnabled()
    assert dialog.scale_combo.isEnabled()
    dialog.scale_combo.setCurrentIndex(dialog.scale_combo.findData(3))
    assert dialog.choice() == PictureChoice(WINDOW, "png", 3)
    dialog.view_combo.setCurrentIndex(dialog.view_combo.findData(LOSS))
    assert svg_item.isEnabled()


def test_the_dialog_says_the_pixels_of_the_choice(window, qtbot):
    dialog = PictureDialog(window, size_of=window.exports.view_size)
    qtbot.addWidget(dialog)
    size = window.exports.view_size(CANVAS)
    assert f"{2 * size.width()} × {2 * size.height()} pixels" in dialog.size_label.text()


def test_export_actions_sit_in_a_file_export_submenu(window):
    file_menu = window.menuBar().actions()[0].menu()
    submenus = {a.text(): a.menu() for a in file_menu.actions() if a.menu() is not None}
    assert "Export" in submenus
    assert submenus["Export"].actions() == [
        window.export_data_action,
        window.export_picture_action,
        window.export_handout_action,
        window.export_pytorch_action,
    ]


def test_a_failing_write_shows_one_message_and_leaves_no_file(window, tmp_path):
    target = tmp_path / "no such folder" / "canvas.png"
    assert not window.exports.export_picture(PictureChoice(CANVAS, "png", 2), target)
    assert window.error_box is not None
    assert "canvas.png" in window.error_box.text()
    assert "could not save" in window.error_box.text()
    window.error_box.close()
    assert not target.parent.exists()


def test_a_write_that_fails_leaves_no_temporary_file_behind(window, tmp_path):
    taken = tmp_path / "chart.svg"
    taken.mkdir()  # a folder where the file should go: the write fails
    before = sorted(p.name for p in tmp_path.iterdir())
    assert not window.exports.export_picture(PictureChoice(LOSS, "svg", 1), taken)
    assert "chart.svg" in window.error_box.text()
    window.error_box.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert taken.is_dir()


def test_a_picture_replaces_an_old_file_whole(window, tmp_path):
    folder = tmp_path / "pictures"
    folder.mkdir()
    path = folder / "chart.png"
    path.write_bytes(b"old")
    assert window.exports.export_picture(PictureChoice(LOSS, "png", 1), path)
    assert path.read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in folder.iterdir()] == ["chart.png"]


def test_data_as_csv_from_the_window_holds_every_sample(window, qtbot, tmp_path):
    path = tmp_path / "data.csv"
    with qtbot.waitSignal(window.exports.exported, timeout=10_000) as blocker:
        window.exports.export_data_to(path)
    assert blocker.args == [str(path)]
    with open(path, newline="", encoding="utf-8") as stream:
        header, *rows = list(csv.reader(stream))
    assert header[0] == "set"
    assert "input:X1*X2" in header
    samples = window.controller.scenario.data.samples
    assert len(rows) == samples


def test_data_export_to_a_missing_folder_shows_one_message(window, qtbot, tmp_path):
    path = tmp_path / "missing" / "data.csv"
    window.exports.export_data_to(path)
    qtbot.waitUntil(lambda: window.error_box is not None, timeout=10_000)
    assert "data.csv" in window.error_box.text()
    window.error_box.close()
    assert not path.parent.exists()


def test_the_menu_action_asks_view_and_file_then_writes(window, tmp_path, monkeypatch):
    target = tmp_path / "slide"  # the extension is added

    def accept(dialog):
        dialog.view_combo.setCurrentIndex(dialog.view_combo.findData(DATA))
        dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("svg"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(PictureDialog, "exec", accept)
    asked = []

    def save_name(parent, title, start, filters):
        asked.append((start, filters))
        return str(target), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    window.export_picture_action.trigger()
    assert asked[0][0].endswith("spiral-data.svg")
    assert "*.svg" in asked[0][1]
    assert ET.parse(tmp_path / "slide.svg").getroot().tag == f"{SVG_NS}svg"
    assert window.exports.last_choice == PictureChoice(DATA, "svg", 1)
