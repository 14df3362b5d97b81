"""File → Export worked example…: the step-through's handout as HTML (the very page `nnsim trace
--html` writes) and as a PDF of several pages with the pictures drawn."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from simulator.app.preferences import Preferences
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir
from simulator.ui import main_window as main_window_module
from simulator.ui.main_window import MainWindow

XOR = scenarios_dir() / "xor.json"


@pytest.fixture
def xor_window(qtbot, tmp_path):
    main = MainWindow(Simulation(load_scenario(XOR)), Preferences(tmp_path / "prefs.ini"))
    main.resize(1400, 860)
    main.show()
    qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
    yield main
    main.ask_unsaved_changes = lambda: QMessageBox.StandardButton.Discard
    main.close()
    main.deleteLater()


def _pdf_pages(data: bytes) -> int:
    """The page count a PDF's page tree states (QPdfWriter writes one /Pages node), checked
    against the page objects themselves."""
    (count,) = re.findall(rb"/Type /Pages\s.*?/Count (\d+)", data, re.S) or re.findall(
        rb"/Count (\d+)", data
    )
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") == int(count)
    return int(count)


def test_the_action_is_on_only_while_walking(qtbot, xor_window):
    window = xor_window
    assert window.export_handout_action.text() == "Worked example…"  # File → Export → …
    assert not window.export_handout_action.isEnabled()
    window.walk_action.trigger()
    qtbot.waitUntil(window.step_through.isVisible)
    assert window.export_handout_action.isEnabled()
    window.leave_walk(False)
    qtbot.waitUntil(lambda: not window.step_through.isVisible())
    assert not window.export_handout_action.isEnabled()


def test_export_writes_the_headless_page_and_a_pdf(qtbot, xor_window, tmp_path, monkeypatch):
    window = xor_window
    sample = 2
    window.controller.select_sample(sample)
    qtbot.waitUntil(lambda: window.controller.snapshot.sample_index == sample)
    window.walk_action.trigger()
    qtbot.waitUntil(window.step_through.isVisible)
    window.step_through.digits_spin.setValue(5)
    target = tmp_path / "handout"  # no suffix: .html is added
    monkeypatch.setattr(
        main_window_module.QFileDialog,
        "getSaveFileName",
        lambda *args: (str(target), "Web pages (*.html)"),
    )
    window.export_handout_action.trigger()
    page = tmp_path / "handout.html"
    pdf = tmp_path / "handout.pdf"
    assert page.exists()
    assert pdf.exists()

    # The same page as `nnsim trace --html` for the same step and digits.
    headless = tmp_path / "headless.html"
    subprocess.run(
        [sys.executable, "-m", "simulator", "trace", str(XOR), "--sample", str(sample + 1),
         "--digits", "5", "--html", str(headless)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert page.read_text(encoding="utf-8") == headless.read_text(encoding="utf-8")

    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    stages = window.step_through.stage_combo.count()
    # A title page, then a page (or more) per stage.
    assert _pdf_pages(data) >= stages + 1
    assert b"/Subtype /Image" in data  # the pictures are drawn
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".html", ".pdf")) == [
        "handout.html",
        "handout.pdf",
        "headless.html",
    ]


def test_an_unwritable_place_is_one_message(qtbot, xor_window, tmp_path, monkeypatch):
    window = xor_window
    window.walk_action.trigger()
    qtbot.waitUntil(window.step_through.isVisible)
    errors = []
    monkeypatch.setattr(window, "report_error", lambda title, text: errors.append((title, text)))
    missing = tmp_path / "missing" / "handout.html"
    monkeypatch.setattr(
        main_window_module.QFileDialog, "getSaveFileName", lambda *args: (str(missing), "")
    )
    window.export_handout_action.trigger()
    assert len(errors) == 1
    assert "handout.html: could not save" in errors[0][1]
    assert not Path(tmp_path / "missing").exists()
