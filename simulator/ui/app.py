"""Starts the desktop app: the Qt application, the scenario to open, the main window, and the
offer to restore what a crash left behind."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from ..app import recovery
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


@dataclass
class Startup:
    """The windows the app opened, and the recovery offer when there was something to offer.
    Holding the windows here keeps every one of them alive while the app runs."""

    preferences: Preferences
    windows: list = field(default_factory=list)
    offer: object | None = None

    def new_window(self):
        """Open one more window on the default preset."""
        from .main_window import MainWindow

        simulation, _ = load_simulation(None)
        window = MainWindow(simulation, self.preferences)
        window.show()
        self.windows.append(window)
        return window


def start(argv: list[str], preferences: Preferences) -> Startup:
    """Show the main window on the default preset, then open the file named in argv (if any) off
    the GUI thread, and offer each autosave whose process is gone (a crash) for restoring."""
    from .recovery_dialog import RecoveryOffer

    startup = Startup(preferences)
    # The shipped default preset is small and read at once; a user's file may be large or slow,
    # so it is loaded in the background with the window already up.
    window = startup.new_window()
    if argv:
        window.begin_open(Path(argv[0]))
    stale = recovery.stale_recoveries(preferences.recovery_folder())
    if stale:
        offer = RecoveryOffer(stale, window, startup.new_window, window_is_free=not argv)
        startup.offer = offer
        offer.start()
    return startup


def run_app(argv: list[str]) -> int:
    """Open the main window (on the scenario file named in argv, if any) and run until closed."""
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName("nnsim")
    app.setOrganizationName("nnsim")
    try:
        startup = start(argv, Preferences())
    except ScenarioError as exc:  # the shipped default preset itself could not be read
        QMessageBox.critical(None, "Cannot start nnsim", str(exc))
        return 1
    code = app.exec()
    startup.windows.clear()  # the windows go before the application object does
    return code
