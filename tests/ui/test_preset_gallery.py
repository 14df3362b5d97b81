"""The preset gallery: one card per shipped preset, its description beside, opening a preset in
the main window; a broken file greyed out; every shipped preset opens and renders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from simulator import resources
from simulator.app.preferences import Preferences
from simulator.app.scenario import Outcome
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.ui.main_window import MainWindow
from simulator.ui.preset_gallery import (
    ERROR_ROLE,
    PresetGallery,
    describe_outcome,
    lesson_order,
)

PRESETS_DIR = resources.scenarios_dir()
PRESETS = sorted(PRESETS_DIR.glob("*.json"))


@pytest.fixture
def window(qtbot, tmp_path):
    start = tmp_path / "start.json"
    shutil.copy(resources.scenarios_dir() / "circle.json", start)
    main = MainWindow(Simulation(load_scenario(start)), Preferences(tmp_path / "prefs.ini"))
    main.path = start
    main.resize(1280, 800)
    main.show()
    qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
    yield main
    main.ask_unsaved_changes = lambda: QMessageBox.StandardButton.Discard
    main.close()
    main.deleteLater()


def _open_gallery(qtbot, window) -> PresetGallery:
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.preset_gallery is not None and window.preset_gallery.isVisible())
    return window.preset_gallery


def _row(gallery: PresetGallery, name: str) -> int:
    return next(i for i, card in enumerate(gallery.cards) if card.path.name == name)


def _wait_for_new_data(qtbot, window, before) -> None:
    """Wait until the worker reports the data of a newly opened simulation, then hand its
    snapshot to the views (data and snapshot travel in one report)."""
    qtbot.waitUntil(lambda: window.controller.data is not before, timeout=15_000)
    window.settle()


def _drawn_neurons(canvas) -> int:
    """Neurons the canvas draws: one thumbnail image each for small 2-D networks, else one
    point each of its neuron scatter."""
    return len(canvas._images) if canvas._heatmaps else len(canvas._neurons.data)


def _sizes(path: Path) -> tuple[int, ...]:
    network = json.loads(path.read_text(encoding="utf-8"))["network"]
    return (len(network["inputs"]), *(layer["units"] for layer in network["layers"]))


def test_gallery_has_a_card_with_its_title_for_every_preset(qtbot):
    gallery = PresetGallery()
    qtbot.addWidget(gallery)
    assert gallery.list.count() == len(PRESETS) > 0
    # The lessons' order: the cat-and-dog story opens the gallery, the pitfalls close it.
    assert gallery.list.item(0).text() == load_scenario(PRESETS_DIR / "cat-vs-dog.json").title
    for row, path in enumerate(sorted(PRESETS, key=lesson_order)):
        item = gallery.list.item(row)
        assert item.text() == load_scenario(path).title
        assert item.data(ERROR_ROLE) is None, item.toolTip()  # every shipped preset loads
        assert not item.icon().isNull()


def test_selecting_a_card_shows_its_description(qtbot):
    gallery = PresetGallery()
    qtbot.addWidget(gallery)
    gallery.show()
    for name in ("xor.json", "spiral.json"):
        scenario = load_scenario(resources.scenarios_dir() / name)
        gallery.list.setCurrentRow(_row(gallery, name))
        shown = gallery.description.toPlainText()
        assert scenario.title in shown
        assert scenario.description.split("\n")[0][:60] in shown


def test_enter_on_a_card_opens_that_preset(qtbot, window):
    path = resources.scenarios_dir() / "spiral.json"
    scenario = load_scenario(path)
    before = window.controller.data
    gallery = _open_gallery(qtbot, window)
    gallery.list.setCurrentRow(_row(gallery, "spiral.json"))
    qtbot.keyClick(gallery.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not gallery.isVisible())
    _wait_for_new_data(qtbot, window, before)
    assert scenario.title in window.windowTitle()
    assert window.path is None  # a preset opens untitled: saving cannot overwrite it
    assert window.controller.snapshot.layer_sizes == _sizes(path)
    assert scenario.title in window.description.toPlainText()


def test_escape_closes_the_gallery_and_keeps_the_scenario(qtbot, window):
    title = window.windowTitle()
    gallery = _open_gallery(qtbot, window)
    qtbot.keyClick(gallery.list, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not gallery.isVisible())
    assert window.windowTitle() == title
    assert window.path is not None


def test_a_broken_preset_is_greyed_and_the_good_one_still_opens(qtbot, window, tmp_path):
    folder = tmp_path / "presets"
    folder.mkdir()
    shutil.copy(resources.scenarios_dir() / "xor.json", folder / "a-good.json")
    obj = json.loads((resources.scenarios_dir() / "xor.json").read_text(encoding="utf-8"))
    obj["network"]["layers"][0]["units"] = "four"
    (folder / "b-broken.json").write_text(json.dumps(obj), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(resources, "scenarios_dir", lambda: folder)
        gallery = _open_gallery(qtbot, window)
    assert gallery.list.count() == 2
    broken = gallery.list.item(1)
    assert "network.layers[0].units" in broken.data(ERROR_ROLE)
    assert "network.layers[0].units" in broken.toolTip()
    assert broken.text() == "b-broken"
    gallery.list.setCurrentRow(1)
    assert not gallery.open_button.isEnabled()
    assert "network.layers[0].units" in gallery.description.toPlainText()
    qtbot.keyClick(gallery.list, Qt.Key.Key_Return)  # refused: the dialog stays
    assert gallery.isVisible()

    before = window.controller.data
    gallery.list.setCurrentRow(0)
    assert gallery.open_button.isEnabled()
    qtbot.mouseClick(gallery.open_button, Qt.MouseButton.LeftButton)
    _wait_for_new_data(qtbot, window, before)
    assert "XOR" in window.windowTitle()
    assert window.controller.snapshot.layer_sizes == _sizes(folder / "a-good.json")


@pytest.mark.parametrize("path", PRESETS, ids=[p.stem for p in PRESETS])
def test_every_preset_opens_and_renders(qtbot, window, path):
    sizes = _sizes(path)
    before = window.controller.data
    window._open_preset(path)
    _wait_for_new_data(qtbot, window, before)
    assert window.controller.snapshot.layer_sizes == sizes
    assert window.windowTitle().startswith("untitled")
    assert not window.grab().isNull()
    assert _drawn_neurons(window.canvas) == sum(sizes)
    for column, units in enumerate(sizes):
        assert window.canvas.neuron_centre(column, units - 1) is not None
    expected_shape = getattr(load_scenario(path).data, "image_shape", None)
    assert window.data_view.image_shape() == (tuple(expected_shape) if expected_shape else None)


def test_documented_result_reads_as_one_sentence():
    outcome = Outcome(
        epochs=200, train_loss=0.081, test_loss=0.102, train_accuracy=0.975, test_accuracy=0.96
    )
    assert describe_outcome(outcome).replace("\u00a0", " ") == (
        "Documented result: after 200 epochs, training accuracy 97.5 %, "
        "test accuracy 96.0 % (loss 0.081 / 0.102)."
    )
    assert describe_outcome(Outcome(epochs=5, diverges=True)) == (
        "Documented result: training diverges within 5 epochs."
    )
    assert describe_outcome(Outcome(epochs=40, train_loss=0.0123, test_loss=0.02)) == (
        "Documented result: after 40 epochs, training loss 0.0123, test loss 0.02."
    )
    assert describe_outcome(None) == ""
