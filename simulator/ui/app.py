"""Starts the desktop app: the Qt application, the scenario to open and the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from ..app.preferences import Preferences
from ..app.session import Simulation
from ..app.storage import ScenarioError, load_scenario
from ..resources import scenarios_dir

DEFAULT_PRESET = "cat-vs-dog.json"


def default_scenario_path() -> Path:
    """The preset a new window opens on."""
    return scenarios_dir() / DEFAULT_PRESET


def load_simulation(path: Path | None) -> tuple[Simulation, str | None]:
    """Return the simulation for `path` (or the default preset) and an error message when the
    file could not be opened and the default was used instead."""
    error = None
    if path is not None:
        try:
            return Simulation(load_scenario(path)), None
        except ScenarioError as exc:
            error = str(exc)
    return Simulation(load_scenario(default_scenario_path())), error


def run_app(argv: list[str]) -> int:
    """Open the main window (on the scenario file named in argv, if any) and run until closed."""
    from .main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName("nnsim")
    app.setOrganizationName("nnsim")
    path = Path(argv[0]) if argv else None
    simulation, error = load_simulation(path)
    window = MainWindow(simulation, Preferences())
    if path is not None and error is None:
        window.adopt_path(path)
    window.show()
    if error:
        QMessageBox.warning(window, "Cannot open the scenario", error)
    return app.exec()
