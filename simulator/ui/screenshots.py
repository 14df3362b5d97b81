"""Renders the README's screenshots of the app, offscreen:
`uv run python -m simulator.ui.screenshots [FOLDER]` (default resources/screenshots)."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

# Qt maps a PNG "quality" of 0 to the strongest zlib compression: smaller files, same pixels.
PNG_COMPRESSION = 0
LAYOUT_ROUNDS = 6
SIZES = {"normal": (1400, 860), "small": (1024, 640)}
# Presets shown after training for their documented epochs (or DEFAULT_EPOCHS).
PRESETS = ("cat-vs-dog", "cat-vs-dog-with-sound", "x1-x2-worked-example", "digits")
DEFAULT_EPOCHS = 30
# The step-through shots: the worked example at these stages, with what each one explains.
WALK_PRESET = "x1-x2-worked-example"
WALK_SHOTS = (
    ("forward", ("forward", 1), (1, 1, None)),
    ("loss", ("loss", None), None),
    ("backward", ("backward", 1), (1, 0, 1)),
    ("update", ("update", None), (2, 0, 1)),
)
# Projector mode: a preset at this zoom, in the normal size.
ZOOMED = ("circle", 1.5)
# Ask the network: the cat-vs-dog story after its documented epochs, asked about a small animal
# with a long tail (size, tail length in metres), with Probe on and the point marked.
ASK_PRESET = "cat-vs-dog"
ASK_INPUT = (0.27, 0.29)
# The samples table: a preset trained for a few epochs, so that some samples are still wrong; the
# table sorted wrong first and its first row selected, ringed on the plane.
TABLE_SHOT = ("circle", 8)
# Rewind and branch: the spiral trained this long, then continued from an earlier epoch with a
# lower learning rate and trained back to the same length, then scrubbed back to look.
TIMELINE_SHOT = {
    "preset": "spiral",
    "epochs": 150,
    "branch_at": 60,
    "learning_rate": 0.003,
    "look_at": 110,
}
# The card the gallery screenshot selects, so that its description pane has something to show.
GALLERY_SELECTION = "digits"
# New from data is shown on a shipped table, at the dialog's own size.
NEW_FROM_DATA_TABLE = "datasets/iris.csv"
NEW_FROM_DATA_SIZE = (820, 680)
# Compare variants: four learning rates of a preset raced to an epoch, the compare window at
# its own size beside the main window.
RACE_SHOT = ("circle", "0.003, 0.03, 0.3, 3", 60)
RACE_SIZE = (1100, 760)


def _wait_for_first_picture(app, window, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while window.controller.snapshot is None or window.controller.data is None:
        app.processEvents()
        window.settle()
        if time.monotonic() > deadline:
            raise TimeoutError("the window showed no picture in time")
    _settle_layouts(app, window)


def _settle_layouts(app, window) -> None:
    # A new scenario changes the panels' contents, and layouts settle over a few rounds of
    # posted events (a scroll area resizes its widget only after the widget's layout did).
    for _ in range(LAYOUT_ROUNDS):
        app.processEvents()
        window.settle()


@contextlib.contextmanager
def _opened_window(simulation, size: tuple[int, int], app):
    """A main window on `simulation` at `size`, showing its first picture, with throwaway
    preferences; closed without questions afterwards."""
    from ..app.preferences import Preferences
    from .main_window import MainWindow

    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(simulation, Preferences(Path(folder) / "screens.ini"))
        window.resize(*size)
        window.show()
        _wait_for_first_picture(app, window)
        try:
            yield window
        finally:
            window.controller.mark_saved()
            window.close()


def _save(widget, path: Path) -> Path:
    widget.grab().save(str(path), "PNG", PNG_COMPRESSION)
    return path


def render(simulation, path: Path, size: tuple[int, int], app, zoom: float = 1.0) -> Path:
    """Open a main window on `simulation` at `size` (and `zoom`, 1.0 = 100 %), wait for its
    first picture, save a PNG."""
    with _opened_window(simulation, size, app) as window:
        if zoom != 1.0:
            window.set_zoom(zoom)
            _settle_layouts(app, window)
        return _save(window, path)


def render_gallery(simulation, path: Path, size: tuple[int, int], app) -> Path:
    """Open the preset gallery over a main window of `size` and save the dialog as a PNG."""
    from ..resources import scenarios_dir

    with _opened_window(simulation, size, app) as window:
        window.preset_action.trigger()
        gallery = window.preset_gallery
        gallery.select_path(scenarios_dir() / f"{GALLERY_SELECTION}.json")
        app.processEvents()
        _save(gallery, path)
        gallery.reject()
    return path


def render_table(simulation, path: Path, size: tuple[int, int], app) -> Path:
    """Open the samples table under a main window of `size`, list the wrong samples first,
    select the first (its point is ringed on the data view) and save a PNG."""
    from PySide6.QtCore import Qt

    with _opened_window(simulation, size, app) as window:
        window.samples_action.trigger()
        table = window.data_table
        deadline = time.monotonic() + 10.0
        while not table.model.answered():  # the worker adds the answers once asked
            app.processEvents()
            window.settle()
            if time.monotonic() > deadline:
                raise TimeoutError("the samples table showed no answers in time")
        table.view.sortByColumn(table.model.column_index("right?"), Qt.SortOrder.DescendingOrder)
        table.view.selectRow(0)
        _settle_layouts(app, window)
        return _save(window, path)


def render_new_from_data(path: Path, app, size: tuple[int, int] = NEW_FROM_DATA_SIZE) -> Path:
    """Open New from data on the shipped iris table and save the dialog as a PNG."""
    from ..resources import resource_path
    from .new_from_data import NewFromDataDialog

    dialog = NewFromDataDialog.for_file(resource_path(NEW_FROM_DATA_TABLE))
    dialog.resize(*size)
    dialog.show()
    for _ in range(LAYOUT_ROUNDS):
        app.processEvents()
    try:
        return _save(dialog, path)
    finally:
        dialog.close()
        dialog.deleteLater()


def render_walk(simulation, folder: Path, size_name: str, size, app) -> list[Path]:
    """Step through one step of `simulation` and save the window at each of WALK_SHOTS."""
    from ..app.walkthrough import Focus

    paths = []
    with _opened_window(simulation, size, app) as window:
        window.walk_action.trigger()
        deadline = time.monotonic() + 10.0
        while window.walk is None:  # the step is taken on the training thread
            app.processEvents()
            if time.monotonic() > deadline:
                raise TimeoutError("the step to walk through did not come in time")
        panel = window.step_through
        for name, (kind, column), focus in WALK_SHOTS:
            index = next(
                i
                for i, stage in enumerate(panel.stages)
                if (stage.kind, stage.column) == (kind, column)
            )
            panel.jump_to(index)
            if focus is not None:
                panel.set_focus(Focus(*focus))
            _settle_layouts(app, window)
            paths.append(_save(window, folder / f"step-through-{name}-{size_name}.png"))
        window.leave_walk(keep=False)
    return paths


def render_ask(simulation, path: Path, size: tuple[int, int], app, timeout: float = 10.0) -> Path:
    """Open Ask the network on `simulation` with Probe on, ask about ASK_INPUT and save the
    window once the answer to it is shown."""
    import numpy as np

    with _opened_window(simulation, size, app) as window:
        window.data_view.set_probing(True)
        window.ask_action.trigger()
        window.ask_panel.set_input(ASK_INPUT)
        deadline = time.monotonic() + timeout
        # The answer comes with a snapshot from the training thread.
        while True:
            app.processEvents()
            window.controller.flush()
            shown = window.ask_panel.prediction
            if shown is not None and np.array_equal(shown.raw, [ASK_INPUT]):
                break
            if time.monotonic() > deadline:
                raise TimeoutError("the network's answer did not come in time")
        _settle_layouts(app, window)
        return _save(window, path)


def render_race(
    simulation, path: Path, app, size: tuple[int, int] = RACE_SIZE, timeout: float = 60.0
) -> Path:
    """Open Compare variants on `simulation`, race RACE_SHOT's learning rates to its epoch
    (the race pauses there) and save the compare window as a PNG."""
    _, rates, epoch = RACE_SHOT
    with _opened_window(simulation, SIZES["normal"], app) as window:
        window.compare_action.trigger()
        compare = window.compare_window
        compare.resize(*size)
        compare.setting_combo.setCurrentIndex(compare.setting_combo.findData("learning_rate"))
        compare.pacing.stop_spin.setValue(epoch)
        compare.values_edit.setText(rates)
        compare.race_button.click()
        deadline = time.monotonic() + timeout
        # The variants race on their own thread and pause together at the epoch.
        while not (
            compare.reports
            and all(r is not None and r.epoch == epoch for r in compare.reports)
            and not compare.playing
        ):
            app.processEvents()
            if time.monotonic() > deadline:
                raise TimeoutError("the race did not reach its epoch in time")
        compare.chart.flush()  # the last points drawn now, not at the end of the interval
        _settle_layouts(app, window)
        _save(compare, path)
        compare.close()
    return path


def _wait(app, window, done, what: str, timeout: float = 60.0) -> None:
    """Serve events until `done()` (the training thread answers by signal), or time out."""
    deadline = time.monotonic() + timeout
    while not done():
        app.processEvents()
        window.controller.flush()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not come in time")


def render_timeline(simulation, path: Path, size: tuple[int, int], app) -> Path:
    """On `simulation` trained TIMELINE_SHOT's epochs: go back to its branch epoch, lower the
    learning rate there, continue from there back to the same length (the first future stays on
    the chart, faded), then scrub back to look at an epoch of the new branch; save a PNG."""
    import functools

    from ..app import edits

    shot = TIMELINE_SHOT
    with _opened_window(simulation, size, app) as window:
        controller = window.controller
        end = controller.snapshot.epoch
        window.timeline.choose(shot["branch_at"])
        _wait(app, window, lambda: controller.viewing is not None, "the look back")
        rate = shot["learning_rate"]
        controller.apply_edit(functools.partial(edits.set_optimizer, learning_rate=rate))
        _wait(
            app,
            window,
            lambda: controller.scenario.training.optimizer.learning_rate == rate,
            "the lower learning rate",
        )
        window.continue_here_action.trigger()
        _wait(app, window, lambda: len(controller.branches) == 1, "the branch")
        _wait(app, window, lambda: controller.snapshot.epoch == shot["branch_at"], "the branch")
        for _ in range(end - shot["branch_at"]):
            controller.step_epoch()
        _wait(app, window, lambda: controller.snapshot.epoch == end, "the training", 120.0)
        _wait(app, window, lambda: window.timeline.stops()[-1] == end, "the timeline")
        window.timeline.choose(shot["look_at"])
        _wait(
            app,
            window,
            lambda: controller.viewing is not None and controller.snapshot.epoch == shot["look_at"],
            "the look back",
        )
        # On a log axis the small losses after the branch, where the two futures part, show.
        window.loss_plot.set_log_scale(True)
        _settle_layouts(app, window)
        return _save(window, path)


def main(argv: list[str] | None = None) -> int:
    """Render every screenshot into the folder given (or resources/screenshots)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from ..app.session import Simulation
    from ..app.storage import load_scenario, validate_scenario_dict
    from ..resources import resources_dir, scenarios_dir
    from .bench_gui import wide_network_scenario

    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0]) if argv else resources_dir() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])

    def preset(name: str, epochs: int | None = None) -> Simulation:
        simulation = Simulation(load_scenario(scenarios_dir() / f"{name}.json"))
        if epochs is None:
            outcome = simulation.scenario.outcome
            epochs = outcome.epochs if outcome is not None else DEFAULT_EPOCHS
        simulation.train_epochs(epochs)
        return simulation

    made = []
    for size_name, size in SIZES.items():
        made.append(render(preset("circle", 40), folder / f"circle-{size_name}.png", size, app))
        made.append(render(preset("spiral", 150), folder / f"spiral-{size_name}.png", size, app))
        wide = Simulation(
            validate_scenario_dict(wide_network_scenario(), file="64-128-128-10.json")
        )
        wide.train_epochs(5)
        made.append(render(wide, folder / f"large-network-{size_name}.png", size, app))
        made.append(
            render_gallery(preset("circle", 0), folder / f"gallery-{size_name}.png", size, app)
        )
        made.extend(
            render(preset(name), folder / f"{name}-{size_name}.png", size, app) for name in PRESETS
        )
        made.extend(render_walk(preset(WALK_PRESET, 0), folder, size_name, size, app))
    made.append(
        render_ask(preset(ASK_PRESET), folder / "ask-the-network.png", SIZES["normal"], app)
    )
    timeline = preset(TIMELINE_SHOT["preset"], TIMELINE_SHOT["epochs"])
    made.append(render_timeline(timeline, folder / "timeline-branch.png", SIZES["normal"], app))
    name, epochs = TABLE_SHOT
    made.append(render_table(preset(name, epochs), folder / "data-table.png", SIZES["normal"], app))
    made.append(render_new_from_data(folder / "new-from-data.png", app))
    made.append(render_race(preset(RACE_SHOT[0], 0), folder / "race.png", app))
    name, zoom = ZOOMED
    shot = folder / f"{name}-zoom-{round(zoom * 100)}.png"  # no % sign: it ends up in URLs
    made.append(render(preset(name, 40), shot, SIZES["normal"], app, zoom))
    for path in made:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
