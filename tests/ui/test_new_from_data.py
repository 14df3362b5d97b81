"""New from data driven as a person drives it: a CSV with a text target, a decimal-comma file, a
file with missing cells, a pasted table and a workbook each become an untitled scenario that
trains; a dropped file opens the dialog; a bad table gives a message, never a traceback."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from simulator.app.preferences import Preferences
from simulator.app.scenario import InlineData
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir
from simulator.ui.main_window import MainWindow
from simulator.ui.new_from_data import NewFromDataDialog


@pytest.fixture
def window(qtbot, tmp_path):
    # As tests/ui/test_main_window.py makes its window: a saved copy of a preset, answering
    # "discard" on the way out so that a failed test cannot hang on the question.
    start = tmp_path / "start.json"
    shutil.copy(scenarios_dir() / "circle.json", start)
    main = MainWindow(Simulation(load_scenario(start)), Preferences(tmp_path / "prefs.ini"))
    main.path = start
    main.resize(1280, 800)
    main.show()
    qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
    yield main
    main.ask_unsaved_changes = lambda: QMessageBox.StandardButton.Discard
    main.close()
    main.deleteLater()


def _penguin_rows(seed: int = 0, count: int = 90) -> list[tuple[str, str, float, float]]:
    """Three species told apart by bill length and flipper length, on three islands."""
    rng = np.random.default_rng(seed)
    centres = {"Adelie": (38.8, 190.0), "Chinstrap": (48.8, 196.0), "Gentoo": (47.5, 217.0)}
    islands = {"Adelie": "Torgersen", "Chinstrap": "Dream", "Gentoo": "Biscoe"}
    rows = []
    for index in range(count):
        species = list(centres)[index % 3]
        bill, flipper = centres[species]
        rows.append(
            (
                species,
                islands[species],
                round(bill + rng.normal(0, 1.5), 1),
                round(flipper + rng.normal(0, 4.0), 0),
            )
        )
    return rows


def _open_dialog(qtbot, window) -> NewFromDataDialog:
    qtbot.waitUntil(
        lambda: window.new_from_data_dialog is not None and window.new_from_data_dialog.isVisible()
    )
    return window.new_from_data_dialog


def _choose_file(qtbot, window, monkeypatch, path) -> NewFromDataDialog:
    """File → New from data… (Ctrl+Shift+N), the file dialog answering with `path`."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(path), ""))
    qtbot.keyClick(
        window,
        Qt.Key.Key_N,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    return _open_dialog(qtbot, window)


def _create(qtbot, window, dialog):
    """Press Create, wait for the new scenario on show; return it."""
    before = window.controller.data
    assert dialog.create_button.isEnabled(), dialog.status.text()
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.controller.data is not before, timeout=15_000)
    window.settle()
    assert window.path is None  # untitled: Save asks where
    assert window.isWindowModified()
    assert window.windowTitle().startswith("untitled")
    return window.controller.scenario


def _trains(qtbot, window) -> None:
    """Play until the training loss has fallen well below where it started, then pause."""
    start = window.controller.snapshot.train_loss
    assert window.controller.snapshot.epoch == 0
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window.controller.snapshot.epoch >= 5, timeout=30_000)
    qtbot.waitUntil(lambda: window.controller.snapshot.train_loss < 0.6 * start, timeout=30_000)
    window.play_action.trigger()
    qtbot.waitUntil(lambda: not window.controller.playing, timeout=5000)
    assert np.isfinite(window.controller.snapshot.train_loss)


def test_csv_with_a_text_target_becomes_a_classification_that_trains(
    qtbot, window, monkeypatch, tmp_path
):
    path = tmp_path / "penguins.csv"
    lines = ["species,island,bill_length_mm,flipper_length_mm"]
    lines += [f"{s},{i},{b},{f:.0f}" for s, i, b, f in _penguin_rows()]
    path.write_text("\n".join(lines) + "\n")
    dialog = _choose_file(qtbot, window, monkeypatch, path)
    assert dialog.table.delimiter == ","
    assert dialog.delimiter.currentText().startswith("Comma")
    assert dialog.has_header.isChecked()
    assert dialog.preview.rowCount() == 8
    assert dialog.preview.horizontalHeaderItem(0).text() == "species"

    dialog.target.setCurrentIndex(dialog.target.findData("species"))
    assert dialog.task.currentData() == "classification"
    assert dialog.classes.text() == "Adelie, Chinstrap, Gentoo"
    assert not dialog.divisor.isEnabled()  # only a regression's target is divided
    # The island is a few-valued text column: offered as one-hot inputs, and ticked.
    choices = dialog.choices()
    assert choices.inputs == ("island", "bill_length_mm", "flipper_length_mm")
    assert "3 softmax" in dialog.network.text()
    dialog.set_input("island", False)  # the island gives the species away; leave it out
    assert dialog.choices().inputs == ("bill_length_mm", "flipper_length_mm")

    scenario = _create(qtbot, window, dialog)
    assert isinstance(scenario.data, InlineData)
    assert scenario.data.classes == ("Adelie", "Chinstrap", "Gentoo")
    assert scenario.data.scaling.method == "standardize"
    assert scenario.network.inputs == ("bill_length_mm", "flipper_length_mm")
    assert scenario.network.layers[-1].activation == "softmax"
    assert scenario.training.loss == "cross_entropy"
    assert "penguins.csv" in scenario.description
    assert len(scenario.data.train_inputs) == 72  # 80 % of 90 rows
    _trains(qtbot, window)
    assert window.controller.snapshot.train_accuracy > 0.8


def test_decimal_comma_file_reads_its_numbers_and_trains(qtbot, window, monkeypatch, tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "messwerte.csv"
    lines = ["Länge;Breite;Gewicht"]
    for _ in range(60):
        length, width = rng.uniform(0, 3, size=2)
        weight = 2 * length - width + rng.normal(0, 0.05)
        lines.append(f"{length:.3f};{width:.3f};{weight:.3f}".replace(".", ","))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dialog = _choose_file(qtbot, window, monkeypatch, path)
    assert dialog.delimiter.currentData() == ";"
    assert dialog.decimal_comma.isChecked()
    assert dialog.target.currentData() == "Gewicht"
    assert dialog.task.currentData() == "regression"
    assert dialog.choices().inputs == ("Länge", "Breite")
    assert dialog.divisor.isEnabled()
    assert dialog.divisor.currentData() == 1.0  # at most about 6: left as it is

    # Without the decimal comma the cells are text: Create is off and the dialog says why.
    dialog.decimal_comma.setChecked(False)
    assert not dialog.create_button.isEnabled()
    assert "messwerte.csv" in dialog.status.text()
    dialog.decimal_comma.setChecked(True)
    assert dialog.create_button.isEnabled()

    scenario = _create(qtbot, window, dialog)
    first = next(line for line in lines[1:])
    values = [float(cell.replace(",", ".")) for cell in first.split(";")]
    all_rows = [*scenario.data.train_inputs, *scenario.data.test_inputs]
    assert tuple(values[:2]) in [tuple(row) for row in all_rows]
    assert scenario.network.layers[-1].activation == "linear"
    assert scenario.training.loss == "mse"
    _trains(qtbot, window)


def test_missing_cells_are_skipped_with_a_count_or_refused(qtbot, window, monkeypatch, tmp_path):
    path = tmp_path / "holes.tsv"
    lines = ["species\tisland\tbill\tflipper"]
    lines += [f"{s}\t{i}\t{b}\t{f:.0f}" for s, i, b, f in _penguin_rows(seed=2)]
    lines[5] = "Adelie\tTorgersen\t\t190"  # line 6: no bill
    lines[9] = "Gentoo\tBiscoe\t47.0\tNA"  # line 10: no flipper
    lines[12] = "Chinstrap\tDream\tlong\t195"  # line 13: not a number
    path.write_text("\n".join(lines) + "\n")
    dialog = _choose_file(qtbot, window, monkeypatch, path)
    dialog.target.setCurrentIndex(dialog.target.findData("species"))
    assert dialog.problems_box.isVisible()
    assert dialog.problems.text().startswith("3 rows have missing or non-numeric cells")
    assert 'line 6, column "bill" is empty' in dialog.problems.text()
    assert dialog.create_button.isEnabled()

    qtbot.mouseClick(dialog.refuse, Qt.MouseButton.LeftButton)
    assert not dialog.create_button.isEnabled()
    assert dialog.status.text().startswith("holes.tsv: 3 rows")
    qtbot.mouseClick(dialog.skip, Qt.MouseButton.LeftButton)
    assert dialog.create_button.isEnabled()
    assert dialog.status.text() == ""

    scenario = _create(qtbot, window, dialog)
    assert len(scenario.data.train_inputs) + len(scenario.data.test_inputs) == 87
    assert "3 rows left out" in scenario.description
    # island became three one-hot inputs with readable names.
    assert scenario.network.inputs[:3] == ("island=Biscoe", "island=Dream", "island=Torgersen")
    _trains(qtbot, window)


def test_pasted_spreadsheet_table_becomes_a_scenario_that_trains(qtbot, window):
    rows = _penguin_rows(seed=3, count=60)
    text = "bill\tflipper\tis_gentoo\r\n" + "".join(
        f"{b}\t{f:.0f}\t{'yes' if s == 'Gentoo' else 'no'}\r\n" for s, _, b, f in rows
    )
    QApplication.clipboard().setText(text)
    qtbot.keyClick(
        window,
        Qt.Key.Key_V,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = _open_dialog(qtbot, window)
    assert dialog.table.source == "pasted table"
    assert dialog.delimiter.currentText() == "Tab"
    assert dialog.classes.text() == "no, yes"
    assert "1 sigmoid" in dialog.network.text()
    dialog.seed.setValue(7)
    dialog.train_percent.setValue(75)

    scenario = _create(qtbot, window, dialog)
    assert scenario.title == "Pasted table: predict is_gentoo"
    assert scenario.network.layers[-1].activation == "sigmoid"
    assert scenario.training.loss == "bce"
    assert scenario.network.initialization.seed == 7
    assert len(scenario.data.train_inputs) == 45
    _trains(qtbot, window)


def test_empty_clipboard_gives_a_message(qtbot, window):
    QApplication.clipboard().setText("")
    window.paste_table_action.trigger()
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible())
    assert "clipboard holds no text" in window.error_box.text()
    assert window.new_from_data_dialog is None


def _drag(window, path, kind):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    if kind == "enter":
        event = QDragEnterEvent(
            QPoint(200, 200),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    else:
        event = QDropEvent(
            QPointF(200, 200),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    QApplication.sendEvent(window, event)
    return event


def test_dropping_a_csv_on_the_window_opens_new_from_data(qtbot, window, tmp_path):
    path = tmp_path / "dropped.csv"
    path.write_text("x,y,label\n1,2,a\n3,4,b\n5,6,a\n")
    assert window.acceptDrops()
    assert _drag(window, path, "enter").isAccepted()
    other = tmp_path / "picture.png"
    other.write_bytes(b"\x89PNG")
    assert not _drag(window, other, "enter").isAccepted()

    _drag(window, path, "drop")
    dialog = _open_dialog(qtbot, window)
    assert dialog.table.path == path
    assert dialog.target.currentData() == "label"


def test_dropping_a_scenario_file_opens_it(qtbot, window, tmp_path):
    path = tmp_path / "xor.json"
    shutil.copy(scenarios_dir() / "xor.json", path)
    assert _drag(window, path, "enter").isAccepted()
    _drag(window, path, "drop")
    qtbot.waitUntil(lambda: window.path == path, timeout=10_000)
    assert window.new_from_data_dialog is None


def test_unreadable_dropped_table_gives_a_message_naming_it(qtbot, window, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text('a,b\n"1,2\n')
    assert _drag(window, path, "enter").isAccepted()
    _drag(window, path, "drop")
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible())
    assert window.error_box.text().startswith("broken.csv: line")
    assert window.new_from_data_dialog is None


def test_workbook_sheet_chooser_and_save_asks_for_a_path(qtbot, window, monkeypatch, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["nothing to see here"])
    sheet = workbook.create_sheet("Penguins")
    sheet.append(["species", "bill", "flipper"])
    for species, _, bill, flipper in _penguin_rows(seed=4, count=45):
        sheet.append([species, bill, flipper])
    path = tmp_path / "field.xlsx"
    workbook.save(path)

    dialog = _choose_file(qtbot, window, monkeypatch, path)
    assert dialog.sheet.isVisible()
    assert not dialog.delimiter.isVisible()
    assert [dialog.sheet.itemText(i) for i in range(dialog.sheet.count())] == ["Notes", "Penguins"]
    assert not dialog.create_button.isEnabled()  # one column of one row: nothing to learn
    dialog.sheet.setCurrentText("Penguins")
    assert dialog.table.sheet == "Penguins"
    assert dialog.target.currentData() == "species"
    scenario = _create(qtbot, window, dialog)
    assert "sheet" in scenario.description

    saved = tmp_path / "penguins.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(saved), ""))
    window.save_action.trigger()
    qtbot.waitUntil(lambda: not window.isWindowModified(), timeout=10_000)
    assert window.path == saved
    assert json.loads(saved.read_text())["data"]["classes"] == ["Adelie", "Chinstrap", "Gentoo"]
    assert load_scenario(saved).network.inputs == ("bill", "flipper")


def test_unsaved_changes_are_asked_about_before_the_new_scenario_replaces_them(
    qtbot, window, tmp_path
):
    path = tmp_path / "small.csv"
    path.write_text("x,y,label\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n")
    window.controller.mark_modified()
    asked = []

    def cancel():
        asked.append(True)
        return QMessageBox.StandardButton.Cancel

    window.ask_unsaved_changes = cancel
    before = window.controller.scenario
    window.open_table_file(path)
    dialog = _open_dialog(qtbot, window)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert asked == [True]
    assert window.controller.scenario is before
    assert window.path is not None  # still the file it was
    assert window.loader.current is None
