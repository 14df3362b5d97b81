"""The main window: the network canvas, the data view and the curves around a side panel of
settings, with the menus, toolbar and files of a desktop app."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QStandardPaths, Qt, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTextBrowser,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..app import edits, recovery, walkthrough
from ..app.controller import TrainingController, Walk
from ..app.neuron_health import HealthWatch
from ..app.pacing import next_stop, stop_epochs, stop_message
from ..app.preferences import MAX_ZOOM, MIN_ZOOM, Preferences
from ..app.scenario import GeneratorData, Scenario
from ..app.session import Simulation, encode_classes
from ..app.snapshot import Snapshot
from ..app.storage import ScenarioError, load_scenario, save_scenario
from ..app.table_import import ImportChoices, RawTable, TableImportError, simulation_from_table
from ..app.worker import Answer
from ..resources import scenarios_dir
from . import handout_export
from .actions import ACTIONS, MENUS, key_sequences, tooltip
from .ask_panel import AskPanel
from .autosave import Autosaver
from .compare_window import CompareWindow
from .data_table import DataTable
from .data_view import DataView
from .help_text import help_html
from .loss_plot import LossPlot
from .network_canvas import VALUE_LABEL_EDGE_LIMIT, NetworkCanvas
from .new_from_data import TABLE_FILTER, TABLE_SUFFIXES, NewFromDataDialog
from .pacing_controls import PacingControls, StoryHighlight
from .preset_gallery import PresetGallery, scenario_html
from .scenario_loading import LoadPurpose, LoadRequest, ScenarioLoader
from .settings_panel import SettingsPanel
from .step_panel import StepThroughPanel
from .timeline import Timeline, viewing_text
from .training_keys import TrainingKeys
from .value_dialog import ValueDialog
from .window_exports import WindowExports

# Share of the window the canvas and the calculation panel get during a step-through.
WALK_CENTRE_SHARE = 0.72
# The description shrinks to a few lines while walking: the canvas needs the height.
WALK_DESCRIPTION_HEIGHT = 90
# The share of the window's height the samples table takes when first opened.
SAMPLES_DOCK_SHARE = 0.3
# The zoom levels Ctrl++ and Ctrl+− step through (View menu), MIN_ZOOM to MAX_ZOOM.
ZOOM_LEVELS = (0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0)
ASK_DOCK_MIN_WIDTH = 170


class StepCounter(QWidget):
    """The epoch and step counter in the status bar. A QLabel would ask the status bar to lay
    itself out again on every new text, thirty times a second while training; this widget keeps
    one size and only repaints itself."""

    SAMPLE = "epoch 9,999,999 · step 99,999,999 · 999,999 steps/s"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        # Opaque: it paints its own background, so the window need not repaint behind it.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._fit_font()

    def _fit_font(self) -> None:
        metrics = self.fontMetrics()
        self.setFixedSize(metrics.horizontalAdvance(self.SAMPLE) + 12, metrics.height() + 4)

    def changeEvent(self, event) -> None:
        # The window's zoom changes the font: the counter keeps one size per font, not per text.
        if event.type() == event.Type.FontChange:
            self._fit_font()
        super().changeEvent(event)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window))
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        painter.drawText(
            self.rect().adjusted(0, 0, -6, 0),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            self._text,
        )


class MessageBanner(QFrame):
    """A dismissable strip above the canvas for things the learner must read (a divergence, a
    refused change); unlike a dialog it does not stop anything."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBanner")
        self.setStyleSheet(
            "#messageBanner { background: #fff4e5; border: 1px solid #e6a23c; border-radius: 4px; }"
            "#messageBanner QLabel { color: #5c3c00; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        layout.addWidget(self.label, 1)
        close = QPushButton("Dismiss")
        close.setFlat(True)
        close.clicked.connect(self.hide)
        layout.addWidget(close)
        self.hide()

        # What the notice is about: REFUSED_INPUT (a value the settings refused) clears when a
        # valid value comes; any notice clears when the scenario starts over.
        self.cause: str | None = None

    def show_message(self, text: str, cause: str | None = None) -> None:
        self.label.setText(text)
        self.cause = cause
        self.show()

    def clear(self, cause: str | None = None) -> None:
        """Hide the notice: any (cause None), or only one about `cause`."""
        if cause is None or self.cause == cause:
            self.cause = None
            self.hide()


REFUSED_INPUT = "refused input"


def shipped_preset_name(path: Path | None) -> str | None:
    """Return the preset's name (its file's stem) when `path` is a file of the shipped scenarios
    folder, else None."""
    if path is None:
        return None
    try:
        inside = Path(path).resolve().parent == scenarios_dir().resolve()
    except (OSError, FileNotFoundError):
        return None
    return Path(path).stem if inside else None


def inside_nnsim(folder: Path) -> bool:
    """Whether `folder` lies in nnsim's own files: the checkout (or the wheel's data) holding
    the shipped scenarios, or the installed package."""
    try:
        folder = folder.resolve()
        roots = (scenarios_dir().resolve().parent, Path(__file__).resolve().parents[1])
    except (OSError, FileNotFoundError):
        return False
    return any(folder.is_relative_to(root) for root in roots)


class MainWindow(QMainWindow):
    """One open scenario. `preferences` keeps geometry and recent files between runs."""

    def __init__(self, simulation: Simulation, preferences: Preferences) -> None:
        super().__init__()
        self.preferences = preferences
        source = simulation.scenario.source_path
        # A shipped lesson opens as an untitled copy: Save asks where, and never writes over the
        # lesson every later start (and every other learner at this machine) begins from.
        self.preset_copy_of: str | None = shipped_preset_name(source)
        self.path: Path | None = None if self.preset_copy_of else source
        # Whether the file holds the run's checkpoints (saved with training history, or opened
        # so): Save then keeps them, rather than quietly writing the small kind over it.
        self.saves_history = self.path is not None and _holds_history(simulation.scenario)
        self.controller = TrainingController(simulation, self)
        self.value_dialog: ValueDialog | None = None
        self.error_box: QMessageBox | None = None
        self.unsaved_box: QMessageBox | None = None
        self.preset_gallery: PresetGallery | None = None
        self.new_from_data_dialog: NewFromDataDialog | None = None
        self.compare_window: CompareWindow | None = None
        # The step being walked through, while the step-through is open.
        self.walk: Walk | None = None
        # The worker's answers awaited: saves (request number → target file and what to do
        # once it is written), the step to walk through, and walks left before they came
        # (number → whether to take their step back).
        self._pending_saves: dict[int, tuple[Path, Callable[[], None] | None]] = {}
        # PyTorch exports asked for: the worker's answer (the scenario) goes into the folder.
        self._pending_exports: dict[int, Path] = {}
        self._walk_request: int | None = None
        self._next_walk_samples: list[int] | None = None
        self._dropped_walks: dict[int, bool] = {}
        self._close_after_saves = False
        self._close_confirmed = False
        self._sizes_before_walk: list[int] | None = None
        self._centre_sizes_before_walk: list[int] = []
        # Saturated and dead neurons, followed over the run's snapshots.
        self.health_watch = HealthWatch()
        # Refusals of the settings so far, and how many there were when the learner last typed
        # into a number field: an edit that ends with no new refusal was a valid value.
        self._refusals = 0
        self._refusals_when_typed = 0
        self._build_widgets()
        # File → Export: data as CSV and pictures (simulator/export/), asked of the worker.
        self.exports = WindowExports(self)
        self._build_actions()
        # Space, R, →, T train wherever the focus is, unless a text field is being typed into.
        self.training_keys = TrainingKeys(self)
        self._build_menus_and_toolbar()
        self._build_samples_dock()
        self._connect_controller()
        self._build_ask_dock()
        self._build_loading_and_autosave()
        self.settings_panel.set_scenario(simulation.scenario)
        self._show_description(simulation.scenario)
        self.pacing.apply_lesson(simulation.scenario.lesson)
        self._update_title()
        # A table dropped on the window goes to New from data; a scenario file opens.
        self.setAcceptDrops(True)
        self.resize(1400, 860)
        geometry = preferences.geometry()
        if not geometry.isEmpty():
            self.restoreGeometry(geometry)
        self._base_point_size = self.font().pointSizeF()
        self.zoom = 1.0
        self.set_zoom(preferences.zoom())
        self.controller.start()

    # ----- building ---------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.canvas = NetworkCanvas()
        self.data_view = DataView()
        self.loss_plot = LossPlot()
        self.timeline = Timeline(self.loss_plot)
        self.settings_panel = SettingsPanel()
        self.banner = MessageBanner()
        self.description = QTextBrowser()
        self.description.setOpenExternalLinks(False)
        self.description.setMinimumHeight(60)
        # Where Play paused at a stop, the story's sentence naming that epoch is tinted.
        self.story_highlight = StoryHighlight(self.description)
        self.step_through = StepThroughPanel()
        self.step_through.hide()

        settings_scroll = QScrollArea()
        settings_scroll.setWidget(self.settings_panel)
        settings_scroll.setWidgetResizable(True)
        settings_scroll.setMinimumWidth(250)
        settings_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.addWidget(self.banner)
        # The calculation panel sits beside the canvas while a step is walked through.
        self.canvas_split = QSplitter(Qt.Orientation.Horizontal)
        self.canvas_split.addWidget(self.canvas)
        self.canvas_split.addWidget(self.step_through)
        self.canvas_split.setStretchFactor(0, 3)
        self.canvas_split.setStretchFactor(1, 2)
        self.canvas_split.setChildrenCollapsible(False)
        centre_split = QSplitter(Qt.Orientation.Vertical)
        self.centre_split = centre_split
        centre_split.addWidget(self.canvas_split)
        centre_split.addWidget(self.description)
        centre_split.setStretchFactor(0, 4)
        centre_split.setStretchFactor(1, 1)
        # Room for the title and a few lines of the description and the documented result.
        centre_split.setSizes([650, 170])
        centre_layout.addWidget(centre_split)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.data_view)
        chart = QWidget()
        chart_layout = QVBoxLayout(chart)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.setSpacing(0)
        chart_layout.addWidget(self.loss_plot, 1)
        chart_layout.addWidget(self.timeline)
        right.addWidget(chart)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)

        self.settings_scroll = settings_scroll
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(settings_scroll)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([280, 650, 470])
        self.setCentralWidget(self.splitter)

        self.counter = StepCounter()
        self.statusBar().addPermanentWidget(self.counter)
        # Saturated or dead neurons, with what to try; the full words in its tooltip. Ignored
        # width: a long hint is cut at the window's edge instead of widening the window.
        self.hint_label = QLabel()
        self.hint_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.statusBar().addWidget(self.hint_label, 1)

    def _build_actions(self) -> None:
        """Make every action of ACTIONS (simulator/ui/actions.py) as `self.<name>_action`."""
        for spec in ACTIONS:
            action = QAction(spec.text, self)
            action.setShortcuts(key_sequences(spec))
            tip = tooltip(spec, edge_limit=VALUE_LABEL_EDGE_LIMIT)
            if tip:
                action.setToolTip(tip)
                action.setStatusTip(tip)
            action.setCheckable(spec.checkable)
            slot = self
            for part in spec.slot.split("."):
                slot = getattr(slot, part)
            action.triggered.connect(slot)
            self.addAction(action)
            setattr(self, f"{spec.name}_action", action)
        self.walk_next_action.setEnabled(False)
        self.walk_previous_action.setEnabled(False)
        self.export_handout_action.setEnabled(False)  # only while a step-through is open
        self.continue_here_action.setEnabled(False)  # only while a checkpoint is on show
        self._update_undo_actions()
        # The learner's choice, kept between scenarios and runs; on unless turned off.
        self.weights_on_edges_action.setChecked(self.preferences.weights_on_edges())

    def _build_menus_and_toolbar(self) -> None:
        menus = {}
        for title in MENUS:
            menus[title] = self.menuBar().addMenu(f"&{title}")
        menus["View"].setToolTipsVisible(True)
        self.edit_menu = menus["Edit"]
        toolbar = QToolBar("Training")
        toolbar.setObjectName("trainingToolbar")
        toolbar.setMovable(False)
        for spec in ACTIONS:
            action = getattr(self, f"{spec.name}_action")
            if spec.menu is not None:
                menu = self._menu_of(menus, spec)
                if spec.group and menu.actions():
                    menu.addSeparator()
                menu.addAction(action)
                if spec.name == "open":
                    self.recent_menu = menu.addMenu("Open recent")
                    self._fill_recent_menu()
            if spec.toolbar:
                if spec.toolbar_group:
                    toolbar.addSeparator()
                toolbar.addAction(action)
        toolbar.addSeparator()
        # The speed slider and the epoch Play pauses at; a lesson sets the speed it needs.
        self.pacing = PacingControls()
        self.pacing.pace_changed.connect(self._on_pacing_pace_changed)
        self.pacing.stop_epoch_changed.connect(self._on_pacing_stop_epoch_changed)
        toolbar.addWidget(self.pacing)
        self.addToolBar(toolbar)

    @staticmethod
    def _menu_of(menus: dict[str, QMenu], spec) -> QMenu:
        """The menu `spec` goes in; a submenu ("File/Export") is made where its first action
        comes, after a separator when that action starts a group."""
        if spec.menu not in menus:
            parent, _, title = spec.menu.rpartition("/")
            outer = menus[parent]
            if spec.group and outer.actions():
                outer.addSeparator()
            menus[spec.menu] = outer.addMenu(title)
            menus[spec.menu].setToolTipsVisible(True)
            return menus[spec.menu]
        return menus[spec.menu]

    def _build_samples_dock(self) -> None:
        """The samples table, docked below everything and hidden until View → Samples table."""
        self.data_table = DataTable()
        dock = QDockWidget("Samples", self)
        dock.setObjectName("samplesDock")
        dock.setWidget(self.data_table)
        dock.setAllowedAreas(
            Qt.DockWidgetArea.BottomDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        dock.hide()
        self.samples_dock = dock
        self._samples_dock_sized = False
        self._samples_shown = False
        dock.visibilityChanged.connect(self._on_samples_dock_visibility_changed)
        self.data_table.sample_highlighted.connect(self._on_data_table_sample_highlighted)
        self.data_view.point_clicked.connect(self._on_data_view_point_clicked)
        self.data_view.image_grid.training_sample_clicked.connect(self._on_training_image_clicked)

    @Slot(bool)
    def _on_samples_toggled(self, shown: bool) -> None:
        first = shown and not self._samples_dock_sized
        self.samples_dock.setVisible(shown)
        # Not every platform reports the visibility of a dock in a window not yet shown.
        self._on_samples_dock_visibility_changed(shown)
        if first:
            # A fixed share of the window at first: on a small screen the canvas keeps its room.
            self._samples_dock_sized = True
            height = max(160, int(self.height() * SAMPLES_DOCK_SHARE))
            self.resizeDocks([self.samples_dock], [height], Qt.Orientation.Vertical)

    @Slot(bool)
    def _on_samples_dock_visibility_changed(self, _visible: bool) -> None:
        # visibilityChanged also fires when a tabbed dock is covered; what counts is whether the
        # dock is open, which its close button or the menu decide.
        shown = not self.samples_dock.isHidden()
        if shown == self._samples_shown:
            return  # the window shown again, say: the table keeps its rows and selection
        self._samples_shown = shown
        self.samples_action.setChecked(shown)
        # The worker works out the table's probabilities and errors only while it is open.
        self.controller.set_samples_wanted(shown)
        if not shown:
            self.data_view.highlight_sample(None)  # the ring belongs to the table's selection
        elif self.controller.data is not None:
            self.data_table.set_data(self.controller.data)
            if self.controller.snapshot is not None:
                self.data_table.set_snapshot(self.controller.snapshot)

    @Slot(str, int)
    def _on_data_table_sample_highlighted(self, set_name: str, index: int) -> None:
        self.data_view.highlight_sample(set_name or None, index)

    @Slot(str, int)
    def _on_data_view_point_clicked(self, set_name: str, index: int) -> None:
        if not self.samples_dock.isHidden():
            self.data_table.select_sample(set_name, index)
            self.data_view.highlight_sample(set_name, index)

    @Slot(int)
    def _on_training_image_clicked(self, index: int) -> None:
        self._on_data_view_point_clicked("train", index)

    def _connect_controller(self) -> None:
        controller = self.controller
        controller.snapshot_changed.connect(self._on_controller_snapshot_changed)
        controller.data_changed.connect(self._on_controller_data_changed)
        controller.scenario_changed.connect(self._on_controller_scenario_changed)
        controller.history_changed.connect(self.loss_plot.set_history)
        controller.playing_changed.connect(self._on_controller_playing_changed)
        controller.modified_changed.connect(self._on_controller_modified_changed)
        controller.message.connect(self._on_controller_message)
        controller.stop_reached.connect(self._on_controller_stop_reached)
        controller.playing_changed.connect(self.story_highlight.clear_when_playing)
        controller.answered.connect(self._on_controller_answered)
        controller.busy_changed.connect(self._on_controller_busy_changed)
        controller.edit_history_changed.connect(self._update_undo_actions)
        controller.checkpoints_changed.connect(self.timeline.set_checkpoints)
        controller.branches_changed.connect(self.timeline.set_branches)
        controller.viewing_changed.connect(self._on_controller_viewing_changed)
        self.timeline.epoch_chosen.connect(self._on_timeline_epoch_chosen)
        self.timeline.continue_button.setDefaultAction(self.continue_here_action)
        self.settings_panel.edit_requested.connect(self._on_edit_requested)
        self.settings_panel.invalid_input.connect(self._on_settings_invalid_input)
        # A refused number is fixed by a valid one typed into a field (or a choice from its
        # list); these run after the panel's own handlers, which may refuse again.
        for combo in (self.settings_panel.learning_rate, self.settings_panel.regularization_rate):
            combo.lineEdit().textEdited.connect(self._on_settings_field_typed)
            combo.lineEdit().editingFinished.connect(self._on_settings_field_edited)
            combo.activated.connect(self._on_settings_field_edited)
        self.canvas.weight_clicked.connect(self._on_canvas_weight_clicked)
        self.canvas.bias_clicked.connect(self._on_canvas_bias_clicked)
        self.canvas.add_layer_requested.connect(self._on_canvas_add_layer)
        self.canvas.remove_layer_requested.connect(self._on_canvas_remove_layer)
        self.canvas.add_neuron_requested.connect(self._on_canvas_add_neuron)
        self.canvas.remove_neuron_requested.connect(self._on_canvas_remove_neuron)
        self.data_view.point_added.connect(self._on_data_point_added)
        self.data_view.point_added_value.connect(self._on_data_point_added_value)
        self.data_view.point_removed.connect(self._on_data_point_removed)
        self.data_view.sample_selected.connect(self._on_sample_selected)
        self.data_view.image_grid.training_sample_clicked.connect(self._on_sample_selected)
        # The step-through's table shows the predictions after the step from the network's
        # snapshot once the step is applied.
        self.controller.snapshot_changed.connect(self.step_through.set_snapshot)
        self.canvas.walk_target_clicked.connect(self._on_walk_target_clicked)
        self.step_through.annotations_changed.connect(self.canvas.set_walkthrough)
        self.step_through.samples_chosen.connect(self._walk_samples)
        self.step_through.leave_requested.connect(self.leave_walk)
        # The precision of the step-through's numbers is the learner's, kept between runs.
        self.step_through.digits_spin.setValue(self.preferences.digits())
        self.step_through.digits_spin.valueChanged.connect(self.preferences.set_digits)
        # The weights written on the canvas use the same precision.
        self.canvas.set_digits(self.preferences.digits())
        self.step_through.digits_spin.valueChanged.connect(self.canvas.set_digits)
        self.canvas.set_values_shown(self.weights_on_edges_action.isChecked())

    def _build_ask_dock(self) -> None:
        """ "Ask the network" in a dock of its own, hidden until the View menu (or a probe click
        on the data view) opens it. The network is asked only while the dock is open."""
        self.ask_panel = AskPanel()
        scroll = QScrollArea()
        scroll.setWidget(self.ask_panel)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.ask_dock = QDockWidget("Ask the network", self)
        self.ask_dock.setObjectName("askDock")
        self.ask_dock.setWidget(scroll)
        # Narrow enough to open beside the rest of a small (1024-pixel) window.
        self.ask_dock.setMinimumWidth(ASK_DOCK_MIN_WIDTH)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.ask_dock)
        self.ask_dock.hide()
        self.ask_dock.visibilityChanged.connect(self._on_ask_dock_visibility_changed)
        self.controller.data_changed.connect(self.ask_panel.set_data)
        self.controller.snapshot_changed.connect(self.ask_panel.set_snapshot)
        self.ask_panel.probe_changed.connect(self._on_ask_probe_changed)
        self.ask_panel.step_through_requested.connect(self._on_ask_step_through_requested)
        self.data_view.probe_clicked.connect(self._on_data_probe_clicked)

    @Slot(bool)
    def _on_ask_triggered(self, checked: bool) -> None:
        self.ask_dock.setVisible(checked)

    @Slot(bool)
    def _on_ask_dock_visibility_changed(self, _visible: bool) -> None:
        shown = not self.ask_dock.isHidden()
        self.ask_action.setChecked(shown)
        self._ask_about(self.ask_panel.raw() if shown else None)

    @Slot(object)
    def _on_ask_probe_changed(self, raw) -> None:
        if not self.ask_dock.isHidden():
            self._ask_about(raw)

    def _ask_about(self, raw) -> None:
        """Ask the network about `raw` (1, d) from now on (None: stop), marking it on the
        plane when the plane shows the raw inputs."""
        if raw is None and self.controller.probe is None:
            return
        self.controller.set_probe(raw)
        self.data_view.set_probe_point(None if raw is None or raw.shape[1] != 2 else raw[0])

    @Slot(float, float)
    def _on_data_probe_clicked(self, x: float, y: float) -> None:
        self.ask_dock.show()
        self.ask_dock.raise_()
        self.ask_panel.set_input([x, y])

    @Slot(object)
    def _on_ask_step_through_requested(self, raw) -> None:
        """The forward pass alone on the input asked about, walked through like a step."""
        if self._walk_request is not None:
            return  # a walk is on its way; its answer comes first
        if self.walk is not None:
            self.controller.undo_walk(self.walk)
        self._walk_request = self.controller.request_probe_walk(raw)

    # ----- what the controller reports ----------------------------------------------------

    @Slot(object)
    def _on_controller_snapshot_changed(self, snapshot: Snapshot) -> None:
        self.canvas.set_snapshot(snapshot)
        health = self.health_watch.update(snapshot)
        self.canvas.set_neuron_states(health.states)
        if health.hint != self.hint_label.text():
            self.hint_label.setText(health.hint)
            self.hint_label.setToolTip(health.detail)
        self.data_view.set_snapshot(snapshot)
        if not self.samples_dock.isHidden():
            self.data_table.set_snapshot(snapshot)
        viewing = self.controller.viewing
        if viewing is not None:
            self.counter.setText(viewing_text(viewing))
            return
        self.timeline.set_live_epoch(snapshot.epoch)
        rate = self.controller.steps_per_second
        speed = f" · {rate:,.0f} steps/s" if self.controller.playing and rate else ""
        self.counter.setText(f"epoch {snapshot.epoch:,} · step {snapshot.step:,}{speed}")
        self.settings_panel.show_learning_rate(snapshot.learning_rate, snapshot.epoch)
        self.loss_plot.rate_plot.show_rate(snapshot.learning_rate, snapshot.epoch)

    # ----- the timeline ---------------------------------------------------------------------

    @Slot(object)
    def _on_controller_viewing_changed(self, viewing) -> None:
        self.timeline.set_viewing(viewing)
        self.loss_plot.show_figures_of(None if viewing is None else viewing.epoch)
        self._update_enabled()

    @Slot(object)
    def _on_timeline_epoch_chosen(self, epoch: int | None) -> None:
        self.controller.view_epoch(epoch)

    @Slot()
    def _on_continue_here_triggered(self) -> None:
        if self.controller.viewing is not None:
            self.controller.continue_from_here()

    def _refused_while_viewing(self) -> bool:
        """Say why the weights on show cannot be edited, when they are a checkpoint's."""
        viewing = self.controller.viewing
        if viewing is None:
            return False
        self._on_controller_message(
            f"These are the weights of epoch {viewing.epoch}, a moment of the past. To change "
            "them, press Continue from here first (or move the timeline to its end for the run "
            "as it is)."
        )
        return True

    @Slot(object)
    def _on_controller_data_changed(self, picture) -> None:
        self.data_view.set_data(picture, _image_shape(self.controller.scenario))
        if not self.samples_dock.isHidden():
            self.data_table.set_data(picture)
        self.canvas.set_class_names(picture.classes)
        self.loss_plot.set_task(picture.task)
        self.settings_panel.set_scenario(self.controller.scenario, picture)

    @Slot(object)
    def _on_controller_scenario_changed(self, scenario: Scenario) -> None:
        self.settings_panel.set_scenario(scenario, self.controller.data)
        self.loss_plot.rate_plot.set_training(scenario.training)
        self.data_view.set_image_shape(_image_shape(scenario))
        self._show_description(scenario)

    @Slot(bool)
    def _on_controller_playing_changed(self, playing: bool) -> None:
        self.play_action.setText("Pause" if playing else "Play")

    @Slot(bool)
    def _on_controller_modified_changed(self, modified: bool) -> None:
        self.setWindowModified(modified)

    @Slot(str)
    def _on_controller_message(self, text: str) -> None:
        self.banner.show_message(text)
        self.statusBar().showMessage(text, 10_000)

    @Slot(str)
    def _on_settings_invalid_input(self, text: str) -> None:
        self._refusals += 1
        self.banner.show_message(text, REFUSED_INPUT)
        self.statusBar().showMessage(text, 10_000)

    @Slot(str)
    def _on_settings_field_typed(self, _text: str) -> None:
        self._refusals_when_typed = self._refusals

    @Slot()
    def _on_settings_field_edited(self) -> None:
        if self._refusals == self._refusals_when_typed:
            self.banner.clear(REFUSED_INPUT)

    def _clear_notices(self) -> None:
        """The scenario starts over (opened, a preset, Reset, new weights): what was said about
        the one before no longer holds."""
        self.banner.clear()
        self.statusBar().clearMessage()

    @Slot(object)
    def _on_controller_answered(self, answer: Answer) -> None:
        if answer.number in self._pending_saves:
            self._finish_save(answer)
        elif answer.number in self._pending_exports:
            self._finish_export_pytorch(answer)
        elif answer.number in self._dropped_walks:
            take_back = self._dropped_walks.pop(answer.number)
            if take_back and answer.error is None:
                self.controller.undo_walk(answer.value)
        elif answer.number == self._walk_request:
            self._show_walk(answer)

    @Slot(bool)
    def _on_controller_busy_changed(self, busy: bool) -> None:
        self._update_enabled()
        if busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    # ----- training controls ----------------------------------------------------------------
    # Slots of their own: QAction.triggered passes `checked`, which step(count) would take as
    # its count.

    @Slot()
    def _on_play_triggered(self) -> None:
        self.controller.toggle_play()

    @Slot()
    def _on_step_triggered(self) -> None:
        self.controller.step()

    @Slot()
    def _on_step_epoch_triggered(self) -> None:
        self.controller.step_epoch()

    @Slot()
    def _on_reset_triggered(self) -> None:
        self._clear_notices()
        self.controller.reset()

    @Slot()
    def _on_new_weights_triggered(self) -> None:
        self._clear_notices()
        self.controller.new_weights()

    @Slot(object)
    def _on_pacing_pace_changed(self, steps_per_second: float | None) -> None:
        self.controller.set_speed(steps_per_second)

    @Slot(object)
    def _on_pacing_stop_epoch_changed(self, epoch: int | None) -> None:
        self.controller.set_stop_epoch(epoch)

    @Slot(int)
    def _on_controller_stop_reached(self, epoch: int) -> None:
        """Play paused at a stop: tint the story's sentence naming the epoch and say where the
        next stop is."""
        in_story = self.story_highlight.show_epoch(epoch)
        stops = stop_epochs(self.controller.scenario.lesson, self.pacing.stop_epoch())
        following = next_stop(stops, epoch)
        self._on_controller_message(stop_message(epoch, in_story=in_story, following=following))

    @Slot(object)
    def _on_edit_requested(self, edit) -> None:
        # A valid change of the settings: a refused value before it no longer matters.
        self.banner.clear(REFUSED_INPUT)
        self.controller.apply_edit(edit)

    # ----- undo and redo ----------------------------------------------------------------------

    @Slot()
    def _on_undo_triggered(self) -> None:
        self.controller.undo()

    @Slot()
    def _on_redo_triggered(self) -> None:
        self.controller.redo()

    @Slot()
    def _update_undo_actions(self) -> None:
        """Name the edit each action would undo or redo; off when there is none, while an edit
        is on its way to the worker, and during a step-through (whose step an edit would drop)."""
        controller = self.controller
        walking = self.walk is not None
        for action, verb, entry, possible in (
            (self.undo_action, "Undo", controller.edit_history.undo_entry(), controller.can_undo),
            (self.redo_action, "Redo", controller.edit_history.redo_entry(), controller.can_redo),
        ):
            action.setText(f"{verb} {entry.text}" if entry is not None else verb)
            action.setEnabled(possible and not walking)

    # ----- the canvas: weights, biases, architecture ----------------------------------------

    @Slot(int, int, int)
    def _on_canvas_weight_clicked(self, layer: int, unit: int, source: int) -> None:
        snapshot = self.controller.snapshot
        if snapshot is None or self._refused_while_viewing():
            return
        self.controller.pause()
        names = snapshot.input_names if layer == 1 else None
        source_name = names[source] if names else f"neuron {source + 1} of layer {layer - 1}"
        self._ask_value(
            "Edit weight",
            f"Weight into neuron {unit + 1} of layer {layer} from {source_name}.",
            float(snapshot.weights[layer - 1][unit, source]),
            functools.partial(_set_weight_edit, layer - 1, unit, source),
        )

    @Slot(int, int)
    def _on_canvas_bias_clicked(self, layer: int, unit: int) -> None:
        snapshot = self.controller.snapshot
        if snapshot is None or self._refused_while_viewing():
            return
        self.controller.pause()
        self._ask_value(
            "Edit bias",
            f"Bias of neuron {unit + 1} of layer {layer}.",
            float(snapshot.biases[layer - 1][unit]),
            functools.partial(_set_bias_edit, layer - 1, unit),
        )

    def _ask_value(self, title: str, text: str, current: float, make_edit) -> None:
        dialog = ValueDialog(title, text, current, self, digits=self.preferences.digits())
        dialog.accepted.connect(functools.partial(self._on_value_accepted, dialog, make_edit))
        self.value_dialog = dialog
        dialog.open()

    def _on_value_accepted(self, dialog: ValueDialog, make_edit) -> None:
        value = dialog.value()
        if value is not None:
            self.controller.apply_edit(functools.partial(make_edit, value=value), pause=True)

    @Slot(int)
    def _on_canvas_add_layer(self, position: int) -> None:
        self.controller.apply_edit(
            functools.partial(edits.add_hidden_layer, position=position), pause=True
        )

    @Slot(int)
    def _on_canvas_remove_layer(self, index: int) -> None:
        self.controller.apply_edit(
            functools.partial(edits.remove_hidden_layer, index=index), pause=True
        )

    @Slot(int)
    def _on_canvas_add_neuron(self, index: int) -> None:
        self.controller.apply_edit(
            functools.partial(edits.add_neuron, layer_index=index), pause=True
        )

    @Slot(int)
    def _on_canvas_remove_neuron(self, index: int) -> None:
        self.controller.apply_edit(
            functools.partial(edits.remove_neuron, layer_index=index), pause=True
        )

    # ----- the step-through ------------------------------------------------------------------

    @Slot()
    def _on_walk_triggered(self) -> None:
        snapshot = self.controller.snapshot
        sample = snapshot.sample_index if snapshot and snapshot.sample_index is not None else 0
        self._walk_samples([sample])

    def _walk_samples(self, samples: list[int]) -> None:
        """Ask for one step on the training `samples`, to walk through when the worker answers;
        a step being walked already is taken back first."""
        if self._walk_request is not None:
            # The step asked for last has not come yet, so it cannot be taken back yet: ask for
            # this one when it comes.
            self._next_walk_samples = list(samples)
            return
        if self.walk is not None:
            self.controller.undo_walk(self.walk)
        self._walk_request = self.controller.request_walk(samples)

    def _show_walk(self, answer: Answer) -> None:
        """The worker took the step asked for (or says why not): walk through it."""
        self._walk_request = None
        following, self._next_walk_samples = self._next_walk_samples, None
        if answer.error is not None:
            self.report_error("Cannot step through", answer.error)
            if self.walk is not None:
                self._close_walk()
        else:
            self.walk = answer.value
        if following is not None:
            self._walk_samples(following)  # takes this step back and asks for the next
            return
        if answer.error is None:
            self._set_walking(True)
            picture = self.controller.data
            self.step_through.start(self.walk, list(picture.input_names), picture)

    @Slot()
    def _on_export_handout_triggered(self) -> None:
        """Ask where, then write the step's handout there (HTML) and beside it (PDF)."""
        if self.walk is None or self.step_through.walk is None:
            return
        start = str(Path(self.preferences.last_folder() or Path.home()) / "worked-example.html")
        name, _ = QFileDialog.getSaveFileName(
            self, "Export worked example", start, "Web pages (*.html)"
        )
        if not name:
            return
        path = Path(name if name.endswith((".html", ".htm")) else name + ".html")
        try:
            page, pdf = handout_export.export_worked_example(
                self.step_through, self.controller.scenario.title, path
            )
        except ScenarioError as exc:
            self.report_error("Cannot export the worked example", str(exc))
            return
        self.statusBar().showMessage(f"Wrote {page.name} and {pdf.name}", 5000)

    @Slot(bool)
    def leave_walk(self, keep: bool) -> None:
        """Back to training: with the step's updated weights (`keep`) or without them."""
        # A step still on its way stays or goes as the one walked through would.
        self._drop_walk_request(take_back=not keep)
        if self.walk is None:
            return
        if not keep:
            self.controller.undo_walk(self.walk)
        self._close_walk()

    def _drop_walk_request(self, take_back: bool) -> None:
        """No longer wait for the step asked for, if any; `take_back`: undo it when it comes."""
        if self._walk_request is not None:
            self._dropped_walks[self._walk_request] = take_back
            self._walk_request = None
            self._next_walk_samples = None

    def _close_walk(self) -> None:
        self.walk = None
        self.step_through.stop()
        self.canvas.set_walkthrough(None)
        self._set_walking(False)

    def _set_walking(self, walking: bool) -> None:
        self.step_through.setVisible(walking)
        self.data_view.choosing_samples = walking
        # The settings cannot change mid-walk; their room goes to the canvas and the panel.
        self.settings_scroll.setVisible(not walking)
        self._update_enabled()
        self.walk_next_action.setEnabled(walking)
        self.walk_previous_action.setEnabled(walking)
        self.export_handout_action.setEnabled(walking)
        self.pacing.setEnabled(not walking)
        # Changing the network mid-walk would throw the step away; leave the walk first.
        self.canvas.header.setEnabled(not walking)
        self.timeline.setEnabled(not walking)
        if walking:
            # The canvas and the calculation panel need the room; the data view stays for
            # picking samples.
            self._sizes_before_walk = self.splitter.sizes()
            self._centre_sizes_before_walk = self.centre_split.sizes()
            height = sum(self._centre_sizes_before_walk)
            self.centre_split.setSizes([height - WALK_DESCRIPTION_HEIGHT, WALK_DESCRIPTION_HEIGHT])
            total = sum(self._sizes_before_walk)
            self.splitter.setSizes(
                [0, int(total * WALK_CENTRE_SHARE), int(total * (1 - WALK_CENTRE_SHARE))]
            )
            width = int(total * WALK_CENTRE_SHARE)
            panel = max(self.step_through.minimumWidth(), int(width * 0.4))
            self.canvas_split.setSizes([max(width - panel, 1), panel])
        elif self._sizes_before_walk is not None:
            self.splitter.setSizes(self._sizes_before_walk)
            self.centre_split.setSizes(self._centre_sizes_before_walk)
            self._sizes_before_walk = None

    def _update_enabled(self) -> None:
        """Training is off while a step is walked through; what needs the worker's answer
        (saving, a step to walk through) waits while an answer is awaited."""
        walking = self.walk is not None
        busy = self.controller.busy
        for action in (
            self.play_action,
            self.step_action,
            self.epoch_action,
            self.reset_action,
            self.new_weights_action,
            self.walk_action,
        ):
            action.setEnabled(not walking and not busy)
        self.continue_here_action.setEnabled(
            not walking and not busy and self.controller.viewing is not None
        )
        for action in (
            self.save_action,
            self.save_as_action,
            self.save_with_history_action,
            self.open_action,
            self.preset_action,
            self.export_pytorch_action,
            self.import_weights_action,
        ):
            action.setEnabled(not busy)
        self.recent_menu.setEnabled(not busy and bool(self.preferences.recent_files()))
        self._update_undo_actions()
        # Keep and Discard would act on a step that is being taken again.
        self.step_through.setEnabled(not busy)

    @Slot(int)
    def _on_sample_selected(self, index: int) -> None:
        self.controller.select_sample(index)
        if self.walk is not None:
            self._walk_samples([index])

    @Slot(object)
    def _on_walk_target_clicked(self, target: tuple) -> None:
        if target[0] == "edge":
            _, layer, unit, source = target
            focus = walkthrough.Focus(layer, unit, source)
        else:
            _, column, unit = target
            focus = walkthrough.Focus(column, unit)
        self.step_through.set_focus(focus)

    # ----- the data view: points ------------------------------------------------------------

    @Slot(float, float, int)
    def _on_data_point_added(self, x: float, y: float, class_index: int) -> None:
        scenario = self.controller.scenario
        output = scenario.network.layers[-1]
        target = encode_classes(np.array([class_index]), output.units, output.activation)[0]
        self._add_point(x, y, tuple(float(v) for v in target))

    @Slot(float, float, float)
    def _on_data_point_added_value(self, x: float, y: float, value: float) -> None:
        self._add_point(x, y, (float(value),))

    def _add_point(self, x: float, y: float, target: tuple[float, ...]) -> None:
        picture = self.controller.data
        if picture is None or picture.bounds is None:
            return
        self.controller.apply_edit(functools.partial(_add_point_edit, picture, x, y, target))

    @Slot(int)
    def _on_data_point_removed(self, index: int) -> None:
        picture = self.controller.data
        if picture is None:
            return
        self.controller.apply_edit(functools.partial(_remove_point_edit, picture, index))

    # ----- files ------------------------------------------------------------------------------

    def _update_title(self) -> None:
        if self.path is not None:
            name = self.path.name
        elif self.preset_copy_of is not None:
            name = f"untitled copy of the {self.preset_copy_of} lesson"
        else:
            name = "untitled"
        title = self.controller.scenario.title
        self.setWindowTitle(f"{name}[*] — {title} — nnsim")

    def _show_description(self, scenario: Scenario) -> None:
        self.description.setHtml(scenario_html(scenario))

    def report_error(self, title: str, text: str) -> None:
        """Show an error without blocking (tests read `error_box`)."""
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self
        )
        self.error_box = box
        box.open()

    def _build_loading_and_autosave(self) -> None:
        # Files are read and built off the GUI thread (a CSV can be large, or slow to read).
        self.loader = ScenarioLoader(self)
        self.loader.loaded.connect(self._on_loader_loaded)
        self.loader.failed.connect(self._on_loader_failed)
        self.autosaver = Autosaver(
            self.controller,
            self.preferences.recovery_folder(),
            self.preferences.autosave_seconds(),
            self._file_path,
            self,
        )
        self.autosaver.failed.connect(self._on_autosaver_failed)

    def _file_path(self) -> Path | None:
        return self.path

    def begin_open(self, path: Path) -> LoadRequest:
        """Start opening a scenario file off the GUI thread and return at once. Once it is read
        the window shows it; on any problem it says so and keeps the current one; a Cancel in the
        progress dialog leaves everything as it was."""
        path = Path(path)
        build = functools.partial(_simulation_from_file, path)
        return self.loader.start(path, build, LoadPurpose.OPEN)

    def open_path(self, path: Path) -> bool:
        """Open a scenario file as begin_open does, and wait for the outcome while the event loop
        runs (scripts and tests; the menus do not wait). Returns True when it was opened."""
        return self.loader.wait(self.begin_open(path)) == "loaded"

    def restore_recovery(self, stale: recovery.StaleRecovery) -> LoadRequest:
        """Open an autosave left by a crash as the file it was (Save writes there), with unsaved
        changes; its recovery folder is removed once it is open."""
        build = functools.partial(recovery.restored_simulation, stale)
        info = stale.info
        name = f"the autosave of {Path(info.file_path).name if info.file_path else 'untitled'}"
        return self.loader.start(
            stale.slot.scenario_path, build, LoadPurpose.RECOVER, stale, name=name
        )

    @Slot(object, object)
    def _on_loader_loaded(self, request: LoadRequest, simulation: Simulation) -> None:
        self.leave_walk(keep=True)
        self.saves_history = request.purpose is LoadPurpose.OPEN and _holds_history(
            simulation.scenario
        )
        self._clear_notices()
        self.data_view.set_adding_points(False)  # another scenario's plane has other axes
        self.controller.replace_simulation(simulation)
        self.controller.scenario = simulation.scenario
        self.controller.mark_saved()
        shipped = shipped_preset_name(request.path)
        if request.purpose is LoadPurpose.IMPORT:
            # Untitled: Save asks where. Modified: its data lives nowhere else yet (a pasted
            # table, or a file cleaned on the way in), so closing asks first.
            self.path = None
            self.preset_copy_of = None
            self._update_title()
            self.controller.mark_modified()
        elif request.purpose is LoadPurpose.OPEN and shipped is None:
            self.preset_copy_of = None
            self.adopt_path(request.path)
        elif request.purpose is not LoadPurpose.RECOVER:
            # A preset (from the gallery, or a file of the shipped scenarios folder) opens as a
            # new, untitled scenario, so saving never overwrites the shipped file.
            self.path = None
            self.preset_copy_of = shipped or Path(request.path).stem
            self._update_title()
        else:
            stale: recovery.StaleRecovery = request.context
            file_path = Path(stale.info.file_path) if stale.info.file_path else None
            self.preset_copy_of = shipped_preset_name(file_path)
            self.path = None if self.preset_copy_of else file_path
            if self.path is None and stale.info.source_path:  # still a copy of that lesson
                self.preset_copy_of = shipped_preset_name(Path(stale.info.source_path))
            self._update_title()
            # Restored work is not in the user's file: closing asks first, and it is autosaved
            # again, into this window's own folder, before the crashed one's goes.
            self.controller.mark_modified()
            self.autosaver.changed()
            recovery.remove_slot(stale.slot)
        self._show_description(simulation.scenario)
        self.pacing.apply_lesson(simulation.scenario.lesson)

    @Slot(object, str)
    def _on_loader_failed(self, request: LoadRequest, message: str) -> None:
        titles = {
            LoadPurpose.OPEN: "Cannot open the scenario",
            LoadPurpose.PRESET: "Cannot open the preset",
            LoadPurpose.RECOVER: "Cannot restore the autosave",
            LoadPurpose.IMPORT: "Cannot make a scenario from the data",
        }
        self.report_error(titles[request.purpose], message)

    @Slot(str)
    def _on_autosaver_failed(self, message: str) -> None:
        self.statusBar().showMessage(f"Autosave failed: {message}", 10_000)

    def _save_as_start(self) -> str:
        """Where Save As starts: the file itself, else the last folder used, else the user's
        documents; never a folder of nnsim's own (the checkout or site-packages)."""
        if self.path is not None:
            return str(self.path)
        folder = self.preferences.last_folder()
        if not folder or inside_nnsim(Path(folder)):
            folder = QStandardPaths.writableLocation(
                QStandardPaths.StandardLocation.DocumentsLocation
            ) or str(Path.home())
        return str(Path(folder) / f"{self.preset_copy_of or 'untitled'}.json")

    def adopt_path(self, path: Path) -> None:
        """Make `path` the file of the scenario on show (it was just read from there): the
        title names it and it heads the recent files."""
        self.path = path
        self.preferences.add_recent_file(path)
        self._fill_recent_menu()
        self._update_title()

    @Slot()
    def _on_preset_triggered(self) -> None:
        if self.preset_gallery is not None:  # one gallery at a time, not one per use
            self.preset_gallery.deleteLater()
        dialog = PresetGallery(self)
        dialog.preset_chosen.connect(self._on_preset_gallery_chosen)
        self.preset_gallery = dialog
        dialog.open()

    @Slot(object)
    def _on_preset_gallery_chosen(self, path: Path) -> None:
        self._open_preset(Path(path))

    def _open_preset(self, path: Path, asked: bool = False) -> None:
        """Open the preset at `path`; `asked`: the unsaved changes were dealt with already."""
        if not asked and not self.maybe_keep_changes(
            functools.partial(self._open_preset, path, asked=True)
        ):
            return
        path = Path(path)
        self.loader.start(path, functools.partial(_simulation_from_file, path), LoadPurpose.PRESET)

    # ----- compare variants -------------------------------------------------------------------

    @Slot()
    def _on_compare_triggered(self) -> None:
        if self.compare_window is None:  # one per main window, kept with its race when hidden
            self.compare_window = CompareWindow(self.controller, self)
            self.compare_window.open_requested.connect(self._on_compare_open_requested)
        if self.compare_window.isVisible():  # behind the main window: bring it forward
            self.compare_window.raise_()
            self.compare_window.activateWindow()
        else:
            self.compare_window.show()
        # A lesson that prepares a race (learning-rate-race) has it ready on the first opening.
        self.compare_window.prepare_race_of(self.controller.scenario)

    @Slot(object, str)
    def _on_compare_open_requested(self, scenario: Scenario, label: str) -> None:
        self.open_variant(scenario, label)

    def open_variant(self, scenario: Scenario, label: str, asked: bool = False) -> None:
        """Open a race variant (trained as far as it went) as a new untitled scenario, once the
        unsaved changes of the current one are dealt with; `label` names it while it loads."""
        if not asked and not self.maybe_keep_changes(
            functools.partial(self.open_variant, scenario, label, asked=True)
        ):
            return
        # Built off the GUI thread like any file; untitled and unsaved, as New from data opens.
        source = scenario.source_path or Path("variant.json")
        build = functools.partial(Simulation, scenario)
        self.loader.start(source, build, LoadPurpose.IMPORT, name=f"the variant {label}")

    # ----- new from data ----------------------------------------------------------------------

    @Slot()
    def _on_new_from_data_triggered(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "New from data", self.preferences.last_folder(), TABLE_FILTER
        )
        if name:
            self.open_table_file(Path(name))

    @Slot()
    def _on_paste_table_triggered(self) -> None:
        text = QApplication.clipboard().text()
        if not text.strip():
            self.report_error(
                "Cannot paste a table",
                "The clipboard holds no text. Select cells in a spreadsheet, copy them, and "
                "paste again.",
            )
            return
        self.open_table_text(text)

    def open_table_file(self, path: Path) -> None:
        """Show New from data on the table file at `path` (a message when it cannot be read)."""
        try:
            dialog = NewFromDataDialog.for_file(Path(path), self)
        except TableImportError as exc:
            self.report_error("Cannot read the table", str(exc))
            return
        self._show_new_from_data(dialog)

    def open_table_text(self, text: str) -> None:
        """Show New from data on pasted text (tab-separated from a spreadsheet, or CSV)."""
        try:
            dialog = NewFromDataDialog.for_text(text, self)
        except TableImportError as exc:
            self.report_error("Cannot read the table", str(exc))
            return
        self._show_new_from_data(dialog)

    def _show_new_from_data(self, dialog: NewFromDataDialog) -> None:
        if self.new_from_data_dialog is not None:  # one at a time, not one per use
            self.new_from_data_dialog.deleteLater()
        self.new_from_data_dialog = dialog
        dialog.created.connect(self._on_new_from_data_created)
        dialog.open()

    @Slot(object, object)
    def _on_new_from_data_created(self, table: RawTable, choices: ImportChoices) -> None:
        self._open_imported(table, choices)

    def _open_imported(self, table: RawTable, choices: ImportChoices, asked: bool = False) -> None:
        """Build and show the scenario New from data makes, untitled; `asked`: the unsaved
        changes of the current one were dealt with already."""
        if not asked and not self.maybe_keep_changes(
            functools.partial(self._open_imported, table, choices, asked=True)
        ):
            return
        build = functools.partial(simulation_from_table, table, choices)
        source = table.source
        self.loader.start(table.path or Path(source), build, LoadPurpose.IMPORT, name=source)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_file(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_file(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        if path.suffix.lower() == ".json":
            if self.maybe_keep_changes(functools.partial(self.begin_open, path)):
                self.begin_open(path)
        else:
            self.open_table_file(path)

    @Slot()
    def _on_open_triggered(self) -> None:
        if self.maybe_keep_changes(self._choose_file_to_open):
            self._choose_file_to_open()

    def _choose_file_to_open(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Open scenario", self.preferences.last_folder(), "Scenarios (*.json)"
        )
        if name:
            self.begin_open(Path(name))

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.preferences.recent_files()
        for text in recent:
            action = self.recent_menu.addAction(Path(text).name)
            action.setToolTip(text)
            action.triggered.connect(functools.partial(self._open_recent, text))
        self.recent_menu.setEnabled(bool(recent))

    def _open_recent(self, text: str, asked: bool = False) -> None:
        if not asked and not self.maybe_keep_changes(
            functools.partial(self._open_recent, text, asked=True)
        ):
            return
        if not Path(text).exists():
            self.preferences.remove_recent_file(text)
            self._fill_recent_menu()
            self.report_error("Cannot open the scenario", f"{text} no longer exists.")
            return
        self.begin_open(Path(text))

    def save_to(
        self, path: Path, then: Callable[[], None] | None = None, *, with_history: bool = False
    ) -> None:
        """Save the current state to `path` atomically. The worker is asked for the state and
        the file is written when it answers, the window working on meanwhile; `then` runs once
        the file is written. A failure is shown in `error_box`. `with_history` adds the run's
        checkpoints (state.checkpoints), so the file can be scrubbed through and branched from
        as the run could."""
        number = self.controller.request_scenario(with_checkpoints=with_history)
        self._pending_saves[number] = (Path(path), then)
        self.statusBar().showMessage(f"Saving {Path(path).name}…")

    def _finish_save(self, answer: Answer) -> None:
        """Write the scenario the worker answered with into the file it was asked for."""
        path, then = self._pending_saves.pop(answer.number)
        error = answer.error
        if error is None:
            try:
                saved = save_scenario(answer.value, path)
            except ScenarioError as exc:
                error = str(exc)
            else:
                # From here on the scenario lives in the new file, its CSV where the save put it.
                self.controller.adopt_file(saved)
        if error is not None:
            self._close_after_saves = False  # the window stays open with the unsaved work
            self.statusBar().clearMessage()
            self.report_error("Cannot save the scenario", error)
            return
        self.path = path
        self.preset_copy_of = None
        self.saves_history = _holds_history(answer.value)
        state = answer.value.state
        self.controller.mark_saved(state.step if state is not None else None)
        self.preferences.add_recent_file(self.path)
        self._fill_recent_menu()
        self._update_title()
        self.statusBar().showMessage(f"Saved {self.path}", 5000)
        if then is not None:
            then()
        if self._close_after_saves and not self._pending_saves:
            self._close_after_saves = False
            self.close()

    @Slot()
    def _on_save_triggered(self) -> None:
        self._save()

    @Slot()
    def _on_save_as_triggered(self) -> None:
        self._save_as()

    def _save(self, then: Callable[[], None] | None = None) -> None:
        """Save to the scenario's file (asking for one when it has none); then `then`."""
        if self.path is None:
            self._save_as(then)
        else:
            self.save_to(self.path, then, with_history=self.saves_history)

    @Slot()
    def _on_save_with_history_triggered(self) -> None:
        self._save_as(with_history=True)

    def _save_as(
        self, then: Callable[[], None] | None = None, *, with_history: bool = False
    ) -> None:
        title = "Save scenario with training history" if with_history else "Save scenario"
        name, _ = QFileDialog.getSaveFileName(
            self, title, self._save_as_start(), "Scenarios (*.json)"
        )
        if not name:
            return
        if not name.endswith(".json"):
            name += ".json"
        self.save_to(Path(name), then, with_history=with_history)

    # ----- export and import ---------------------------------------------------------------

    @Slot()
    def _on_export_pytorch_triggered(self) -> None:
        """Ask for a folder, then for the scenario with its current weights and training state
        (the worker answers between two steps); the export is written when it answers."""
        folder = QFileDialog.getExistingDirectory(
            self,
            "Export to PyTorch: choose a new or empty folder",
            str(Path(self._save_as_start()).parent),
        )
        if not folder:
            return
        number = self.controller.request_scenario()
        self._pending_exports[number] = Path(folder)
        self.statusBar().showMessage(f"Exporting to {Path(folder).name}…")

    def _finish_export_pytorch(self, answer: Answer) -> None:
        from ..export.pytorch import export_pytorch

        folder = self._pending_exports.pop(answer.number)
        error = answer.error
        if error is None:
            try:
                export_pytorch(answer.value, folder)
            except ScenarioError as exc:
                error = str(exc)
        if error is not None:
            self.statusBar().clearMessage()
            self.report_error("Cannot export to PyTorch", error)
            return
        self.statusBar().showMessage(
            f"Exported to {folder}: run python model.py --epochs 10 there", 10_000
        )

    @Slot()
    def _on_import_weights_triggered(self) -> None:
        """Read a safetensors state dict, check it against the network and load it as an edit
        (Undo takes it back); the optimizer state starts afresh, and the status bar says so."""
        from ..export.weights_import import network_sizes, read_state_dict, with_weights

        name, _ = QFileDialog.getOpenFileName(
            self,
            "Import weights",
            str(Path(self._save_as_start()).parent),
            "Weights (*.safetensors);;All files (*)",
        )
        if not name:
            return
        try:
            arrays = read_state_dict(Path(name), network_sizes(self.controller.scenario))
        except ScenarioError as exc:
            self.report_error("Cannot import the weights", str(exc))
            return
        self.controller.apply_edit(functools.partial(with_weights, arrays=arrays), pause=True)
        self.statusBar().showMessage(
            f"Weights of {Path(name).name} loaded; the optimizer state was reset "
            "(Undo takes them back)",
            10_000,
        )

    def ask_unsaved_changes(self) -> QMessageBox.StandardButton:
        """Ask what to do with unsaved changes: Save, Discard or Cancel."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Unsaved changes",
            "This scenario has changes that are not saved. Save them first?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        self.unsaved_box = box
        answer = QMessageBox.StandardButton(box.exec())
        self.unsaved_box = None
        return answer

    def maybe_keep_changes(self, then: Callable[[], None]) -> bool:
        """Return True when it is fine to drop the current scenario now (saved, or the user
        chose Discard). When the user chooses Save, returns False and saves; `then` runs once
        the file is written (not at all if the save fails or is cancelled)."""
        if not self.controller.modified:
            return True
        answer = self.ask_unsaved_changes()
        if answer == QMessageBox.StandardButton.Save:
            self._save(then)
            return False
        return answer == QMessageBox.StandardButton.Discard

    def closeEvent(self, event: QCloseEvent) -> None:
        self.controller.pause()
        if self._pending_saves:
            # A save asked for is on its way: close once it is written, or stay open with the
            # work should it fail.
            self._close_after_saves = True
            event.ignore()
            return
        if not self._close_confirmed and not self.maybe_keep_changes(self._close_after_save):
            event.ignore()
            return
        self._drop_walk_request(take_back=False)  # its answer may come; nobody waits for it
        if self.compare_window is not None:
            self.compare_window.close()  # its race's thread ends with it
        self.preferences.set_window(self.saveGeometry(), QByteArray())
        self.preferences.sync()
        self.loader.cancel()
        self.autosaver.close()  # a clean close leaves no autosave to offer at the next start
        self.controller.shutdown()
        event.accept()

    def _close_after_save(self) -> None:
        """The user chose to save before closing, and the file is written."""
        self._close_confirmed = True
        self.close()

    @Slot(bool)
    def _on_weights_on_edges_toggled(self, shown: bool) -> None:
        self.canvas.set_values_shown(shown)
        self.preferences.set_weights_on_edges(shown)

    # ----- projector mode ---------------------------------------------------------------------

    def set_zoom(self, zoom: float) -> None:
        """Scale text, canvas and plots together to `zoom` (MIN_ZOOM..MAX_ZOOM, 1.0 = 100 %) and
        keep it in the preferences for the next window."""
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, float(zoom)))
        self.zoom = zoom
        font = QFont(self.font())
        font.setPointSizeF(self._base_point_size * zoom)
        self.setFont(font)
        self.canvas.set_scale(zoom)
        self.loss_plot.set_scale(zoom)
        self.preferences.set_zoom(zoom)
        self.zoom_in_action.setEnabled(zoom < MAX_ZOOM)
        self.zoom_out_action.setEnabled(zoom > MIN_ZOOM)
        # The settings keep their width in the larger font: the scroll area only scrolls down.
        self.settings_scroll.setMinimumWidth(
            max(250, self.settings_panel.minimumSizeHint().width())
            + self.settings_scroll.verticalScrollBar().sizeHint().width()
        )

    def _zoom_by_user(self, zoom: float) -> None:
        self.set_zoom(zoom)
        self.statusBar().showMessage(f"Zoom {self.zoom:.0%}", 2000)

    @Slot()
    def _on_zoom_in_triggered(self) -> None:
        self._zoom_by_user(next((z for z in ZOOM_LEVELS if z > self.zoom + 1e-9), MAX_ZOOM))

    @Slot()
    def _on_zoom_out_triggered(self) -> None:
        self._zoom_by_user(
            next((z for z in reversed(ZOOM_LEVELS) if z < self.zoom - 1e-9), MIN_ZOOM)
        )

    @Slot()
    def _on_zoom_reset_triggered(self) -> None:
        self._zoom_by_user(1.0)

    @Slot(bool)
    def _on_full_screen_triggered(self, on: bool) -> None:
        if on:
            self.showFullScreen()
        else:
            self.showNormal()

    def changeEvent(self, event) -> None:
        # F11, the window manager or Escape may each change it: the menu follows the window.
        if event.type() == event.Type.WindowStateChange:
            self.full_screen_action.setChecked(self.isFullScreen())
        super().changeEvent(event)

    @Slot()
    def _on_help_triggered(self) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle("nnsim help")
        layout = QVBoxLayout(dialog)
        browser = QTextBrowser()
        browser.setHtml(help_html())
        layout.addWidget(browser)
        dialog.resize(620, 560)
        self.help_dialog = dialog
        dialog.open()

    def settle(self) -> None:
        """Hand the latest report to the views now (tests and screenshots)."""
        self.controller.flush()


def _holds_history(scenario: Scenario) -> bool:
    """Whether `scenario` carries checkpoints (state.checkpoints)."""
    return scenario.state is not None and bool(scenario.state.checkpoints)


def _dropped_file(event: QDragEnterEvent | QDropEvent) -> Path | None:
    """The one local table or scenario file being dragged, else None."""
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    path = Path(urls[0].toLocalFile())
    return path if path.suffix.lower() in (*TABLE_SUFFIXES, ".json") else None


def _simulation_from_file(path: Path) -> Simulation:
    """Read and build a scenario file; runs on the loader's thread. Raises ScenarioError."""
    return Simulation(load_scenario(path))


def _image_shape(scenario: Scenario) -> tuple[int, int] | None:
    """The (rows, columns) of image data, None for other data (or before the field existed)."""
    return getattr(scenario.data, "image_shape", None)


def _set_weight_edit(layer_index: int, unit: int, source: int, scenario: Scenario, value: float):
    return edits.set_weight(scenario, layer_index, unit, source, value)


def _set_bias_edit(layer_index: int, unit: int, scenario: Scenario, value: float):
    return edits.set_bias(scenario, layer_index, unit, value)


def _add_point_edit(picture, x: float, y: float, target: tuple, scenario: Scenario) -> Scenario:
    """Generated data becomes inline data the first time the learner adds a point."""
    if isinstance(scenario.data, GeneratorData):
        scenario = edits.to_inline(
            scenario,
            picture.train_raw.tolist(),
            picture.train_targets.tolist(),
            picture.test_raw.tolist(),
            picture.test_targets.tolist(),
            list(picture.raw_names),
        )
    return edits.add_point(scenario, x, y, target)


def _remove_point_edit(picture, index: int, scenario: Scenario) -> Scenario:
    if isinstance(scenario.data, GeneratorData):
        scenario = edits.to_inline(
            scenario,
            picture.train_raw.tolist(),
            picture.train_targets.tolist(),
            picture.test_raw.tolist(),
            picture.test_targets.tolist(),
            list(picture.raw_names),
        )
    return edits.remove_point(scenario, index)
