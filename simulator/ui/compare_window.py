"""Training → Compare variants: a window that races up to six variants of the main window's
scenario, differing in one chosen setting (typed values or a log-spaced sweep), and opens any
of them as the main scenario."""

from __future__ import annotations

import json
from typing import NamedTuple

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..app.controller import TrainingController
from ..app.experiments.race_settings import (
    MAX_RACE_VARIANTS,
    SETTING_BY_KEY,
    SETTINGS,
    RacePlan,
    build_variants,
    current_value,
    plan_from_varies,
    plan_race,
    race_base,
    sweep_text,
    sweep_values,
    variant_labels,
)
from ..app.experiments.race_worker import RaceAnswer, RaceController, RaceProgress
from ..app.experiments.variants import VariantError, Vary, parse_vary
from ..app.history import History
from ..app.pacing import PACES
from ..app.scenario import Scenario
from ..app.storage import ScenarioError
from ..app.worker import Answer
from . import palette
from .pacing_controls import PacingControls
from .race_views import BoundaryView, RaceChart, RaceTable

# The table, the thumbnails and the status line are written at most four times a second, as
# the main window's samples table is: each write costs the GUI thread turns of the interpreter
# the race holds, and figures that change faster cannot be read anyway.
VIEWS_INTERVAL_MS = 250


class _Typed(NamedTuple):
    """Values typed in the window for one setting, read once the scenario has come."""

    key: str
    text: str


class CompareWindow(QWidget):
    """A window of its own (not modal) beside the main window. It asks `controller` for the
    current scenario when a race starts (an answered request: the GUI never waits), races the
    variants on a thread of its own, and emits `open_requested(scenario, label)` when the
    learner opens a variant as the main scenario. Closing it stops the race's thread."""

    open_requested = Signal(object, str)  # Scenario with its trained state, the variant's label

    def __init__(self, controller: TrainingController, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Compare variants — nnsim")
        self.controller = controller
        self.race: RaceController | None = None
        self.labels: list[str] = []
        self.histories: list[History] = []
        self.reports: list = []
        self.latest: list[tuple | None] = []  # each variant's latest history point
        self._planes: list = []  # each variant's plane map not yet drawn
        self._last_progress: RaceProgress | None = None
        self._since_views = QElapsedTimer()
        self._views_timer = QTimer(self)
        self._views_timer.setSingleShot(True)
        self._views_timer.timeout.connect(self._write_views)
        self.playing = False
        # What waits for the scenario to vary (request number → a plan or typed values).
        self._waiting: dict[int, RacePlan | _Typed] = {}
        self._open_requests: dict[int, str] = {}
        self._build()
        controller.answered.connect(self._on_controller_answered)
        controller.scenario_changed.connect(self._on_controller_scenario_changed)
        self._on_setting_combo_changed(0)
        self.resize(1100, 760)

    # ----- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.setting_combo = QComboBox()
        for setting in SETTINGS:
            self.setting_combo.addItem(setting.name, setting.key)
        self.setting_combo.setToolTip("The setting the variants differ in")
        self.setting_combo.currentIndexChanged.connect(self._on_setting_combo_changed)
        self.values_edit = QLineEdit()
        self.values_edit.setToolTip(
            f"One value per variant, at most {MAX_RACE_VARIANTS}, separated by commas (by "
            "semicolons where a value holds commas, as a hidden layout does)"
        )
        self.values_edit.returnPressed.connect(self._on_race_button_clicked)
        self.current_label = QLabel()
        self.current_label.setStyleSheet(f"color: {palette.LEGEND_TEXT}")
        self.race_button = QPushButton("Race")
        self.race_button.setToolTip("Start every variant from the scenario's initial weights")
        self.race_button.clicked.connect(self._on_race_button_clicked)

        self.sweep_from = _sweep_edit("0.001")
        self.sweep_to = _sweep_edit("1")
        self.sweep_count = QSpinBox()
        self.sweep_count.setRange(2, MAX_RACE_VARIANTS)
        self.sweep_count.setValue(4)
        self.sweep_button = QPushButton("Sweep")
        self.sweep_button.setToolTip(
            "Fill in values from … to …, spaced evenly on a log scale (0.001, 0.01, 0.1, 1)"
        )
        self.sweep_button.clicked.connect(self._on_sweep_button_clicked)

        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet(f"color: {palette.WRONG_PREDICTION}")
        self.message_label.hide()

        self.play_button = QPushButton("Play")
        self.play_button.setToolTip("Play or pause every variant together")
        self.play_button.clicked.connect(self._on_play_button_clicked)
        self.play_button.setEnabled(False)
        self.pacing = PacingControls()
        self.pacing.pace_changed.connect(self._on_pacing_pace_changed)
        self.pacing.stop_epoch_changed.connect(self._on_pacing_stop_epoch_changed)
        self.status_label = QLabel("Choose a setting and its values, then Race.")
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.chart = RaceChart()
        self.boundaries = QWidget()
        self.boundary_grid = QGridLayout(self.boundaries)
        self.boundary_grid.setContentsMargins(0, 0, 0, 0)
        self.boundary_grid.setSpacing(4)
        self.boundary_views: list[BoundaryView] = []
        self.no_plane_label = QLabel()
        self.no_plane_label.setWordWrap(True)
        self.no_plane_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_plane_label.setStyleSheet(f"color: {palette.LEGEND_TEXT}")
        self.no_plane_label.hide()
        self.boundary_grid.addWidget(self.no_plane_label, 0, 0)
        self.table = RaceTable()
        self.table.open_requested.connect(self._on_table_open_requested)

        vary_row = QHBoxLayout()
        vary_row.addWidget(QLabel("Vary"))
        vary_row.addWidget(self.setting_combo)
        vary_row.addWidget(self.values_edit, 1)
        vary_row.addWidget(self.current_label)
        vary_row.addWidget(self.race_button)
        sweep_row = QHBoxLayout()
        sweep_row.addWidget(QLabel("or a log-spaced sweep from"))
        sweep_row.addWidget(self.sweep_from)
        sweep_row.addWidget(QLabel("to"))
        sweep_row.addWidget(self.sweep_to)
        sweep_row.addWidget(QLabel("in"))
        sweep_row.addWidget(self.sweep_count)
        sweep_row.addWidget(QLabel("values"))
        sweep_row.addWidget(self.sweep_button)
        sweep_row.addStretch(1)
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.pacing)
        controls.addSpacing(8)
        controls.addWidget(self.status_label, 1)

        pictures = QSplitter(Qt.Orientation.Horizontal)
        pictures.addWidget(self.chart)
        pictures.addWidget(self.boundaries)
        pictures.setStretchFactor(0, 3)
        pictures.setStretchFactor(1, 2)
        pictures.setChildrenCollapsible(False)
        pictures.setSizes([600, 400])
        self.pictures = pictures
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(pictures)
        body.addWidget(self.table)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 1)
        body.setChildrenCollapsible(False)
        self.body = body

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(4)
        layout.addLayout(vary_row)
        layout.addLayout(sweep_row)
        layout.addWidget(self.message_label)
        layout.addLayout(controls)
        layout.addWidget(body, 1)

    # ----- choosing the variants ------------------------------------------------------------

    def setting(self):
        return SETTINGS[self.setting_combo.currentIndex()]

    @Slot(int)
    def _on_setting_combo_changed(self, _index: int) -> None:
        setting = self.setting()
        self.values_edit.setPlaceholderText(f"for example {setting.example}")
        self.values_edit.clear()
        for widget in (self.sweep_from, self.sweep_to, self.sweep_count, self.sweep_button):
            widget.setEnabled(setting.sweepable)
        self._show_current()

    @Slot(object)
    def _on_controller_scenario_changed(self, _scenario: Scenario) -> None:
        self._show_current()

    def _show_current(self) -> None:
        text = current_value(self.controller.scenario, self.setting())
        self.current_label.setText(f"now: {text}")

    @Slot()
    def _on_sweep_button_clicked(self) -> None:
        setting = self.setting()
        try:
            low, high = (_number(edit.text()) for edit in (self.sweep_from, self.sweep_to))
            values = sweep_values(
                low,
                high,
                self.sweep_count.value(),
                integer=setting.integer,
            )
        except VariantError as exc:
            self._show_message(str(exc))
            return
        self.values_edit.setText(sweep_text(values))
        self._on_race_button_clicked()

    @Slot()
    def _on_race_button_clicked(self) -> None:
        """Ask for the scenario to vary; the race starts when it comes."""
        text = self.values_edit.text().strip()
        if not text:
            self._show_message(f"Type the values to race, for example {self.setting().example}.")
            return
        self._ask_for_scenario(_Typed(self.setting().key, text))

    def prepare_race_of(self, scenario: Scenario) -> bool:
        """Start the race `scenario`'s lesson prepares (its `race` block), pausing at the
        lesson's epochs; False when it prepares none or a race is already on show."""
        race = scenario.race
        if race is None or self.race is not None:
            return False
        if race.epochs is not None:
            self.pacing.stop_spin.setValue(race.epochs)
        self.set_varies(
            [
                parse_vary(f"{path}=" + ",".join(json.dumps(value) for value in values))
                for path, values in race.vary
            ]
        )
        return True

    def set_varies(self, varies: list[Vary]) -> None:
        """Race the variants `varies` make of the current scenario (a preset's race): fields by
        path, each variant named as Variant.label names it. A value the scenario refuses is
        said in the window and nothing starts."""
        self._ask_for_scenario(plan_from_varies(varies))

    def _ask_for_scenario(self, plan: RacePlan | _Typed) -> None:
        self._hide_message()
        self.race_button.setEnabled(False)
        self.sweep_button.setEnabled(False)
        number = self.controller.request_scenario(busy=False)
        self._waiting[number] = plan

    @Slot(object)
    def _on_controller_answered(self, answer: Answer) -> None:
        plan = self._waiting.pop(answer.number, None)
        if plan is None:
            return
        self.race_button.setEnabled(True)
        self.sweep_button.setEnabled(self.setting().sweepable)
        if answer.error is not None:
            self._show_message(f"The scenario could not be read: {answer.error}")
            return
        self._start(answer.value, plan)

    def _start(self, scenario: Scenario, plan: RacePlan | _Typed) -> None:
        """Make the variants and race them; a value that cannot be used is said and nothing
        starts (a race already running goes on)."""
        source = scenario.source_path
        name = source.name if source else "scenario"
        base_dir = source.parent if source else None
        try:
            base = race_base(scenario)
            if isinstance(plan, _Typed):
                base, plan = plan_race(base, SETTING_BY_KEY[plan.key], plan.text)
            variants = build_variants(base, plan, file=name, base_dir=base_dir, source=source)
        except (VariantError, ScenarioError, ValueError) as exc:
            self._show_message(str(exc))
            return
        labels = variant_labels(plan, variants)
        self._stop_race()
        self.labels = labels
        self.histories = [History() for _ in labels]
        self.reports = [None] * len(labels)
        self.latest = [None] * len(labels)
        self._planes = [None] * len(labels)
        self._last_progress = None
        self.chart.set_variants(labels)
        self.table.set_variants(labels)
        self._make_boundary_views(labels)
        # Every row in sight; the pictures take the rest.
        table_height = self.table.rows_height()
        self.body.setSizes([max(200, self.body.height() - table_height), table_height])
        race = RaceController(variants, labels, self)
        race.progressed.connect(self._on_race_progressed)
        race.answered.connect(self._on_race_answered)
        race.set_speed(_pace(self.pacing))
        race.set_stop_epoch(self.pacing.stop_epoch())
        self.race = race
        self.play_button.setEnabled(True)
        self.status_label.setText(f"Racing {len(labels)} variants…")
        race.start(playing=True)

    def _make_boundary_views(self, labels: list[str]) -> None:
        for view in self.boundary_views:
            self.boundary_grid.removeWidget(view)
            view.deleteLater()
        self.boundary_views = []
        columns = 3 if len(labels) > 4 else 2 if len(labels) > 1 else 1
        for index, label in enumerate(labels):
            view = BoundaryView(index, label)
            self.boundary_grid.addWidget(view, index // columns, index % columns)
            self.boundary_views.append(view)
        self.no_plane_label.hide()

    # ----- the race's reports ---------------------------------------------------------------

    @Slot(object)
    def _on_race_progressed(self, progress: RaceProgress) -> None:
        """Keep the report's news; the views are written at most every VIEWS_INTERVAL_MS
        (and at once when the race pauses), so that the race's GUI thread stays responsive."""
        if progress.message:
            self._show_message(progress.message)
        if progress.data is not None:
            self._show_data(progress.data)
        for index, report in enumerate(progress.runners):
            for point in report.points:
                self.histories[index].append(*point)
            if report.points:
                self.latest[index] = report.points[-1]
            if report.plane is not None:
                self._planes[index] = report.plane
            self.reports[index] = report
        if any(report.points for report in progress.runners) or progress.data is not None:
            stopped = {i for i, report in enumerate(progress.runners) if report.stopped}
            self.chart.set_histories(self.histories, stopped)
        self._last_progress = progress
        if progress.playing != self.playing:
            self._set_playing(progress.playing)
        elapsed = self._since_views.elapsed() if self._since_views.isValid() else None
        if not progress.playing or elapsed is None or elapsed >= VIEWS_INTERVAL_MS:
            self._write_views()
        elif not self._views_timer.isActive():
            self._views_timer.start(VIEWS_INTERVAL_MS - elapsed)

    @Slot()
    def _write_views(self) -> None:
        """The table, the boundary views and the status line from the latest news."""
        self._views_timer.stop()
        self._since_views.start()
        progress = self._last_progress
        if progress is None:
            return
        for index, report in enumerate(self.reports):
            if report is None:
                continue
            self.table.set_row(index, self.latest[index], report)
            plane = self._planes[index]
            if plane is not None and index < len(self.boundary_views):
                self._planes[index] = None
                self.boundary_views[index].set_plane(plane)
        self._show_status(progress)

    def _show_data(self, pictures) -> None:
        planes = all(picture.bounds is not None for picture in pictures)
        for view, picture in zip(self.boundary_views, pictures, strict=False):
            view.setVisible(planes)
            if planes:
                view.set_data(picture)
        if not planes:
            columns = len(pictures[0].raw_names) if pictures else 0
            self.no_plane_label.setText(
                f"The data has {columns} columns, so there is no plane to draw the decision "
                "boundary on: compare the variants by their accuracy in the table and the chart."
            )
            self.no_plane_label.show()
            # No picture to compare by: the chart shows accuracy (classification), on the test
            # set where there is one.
            first = pictures[0]
            tested = len(first.test_raw) > 0
            metric = (
                ("test_accuracy" if tested else "train_accuracy")
                if first.task == "classification"
                else ("test_loss" if tested else "train_loss")
            )
            self.chart.metric_combo.setCurrentIndex(self.chart.metric_combo.findData(metric))

    def _show_status(self, progress: RaceProgress) -> None:
        epochs = [report.epoch for report in progress.runners]
        if not epochs:
            return
        stopped = sum(report.stopped is not None for report in progress.runners)
        text = f"epoch {min(epochs):,}"
        if max(epochs) != min(epochs):
            text += f"–{max(epochs):,}"
        if progress.playing:
            text += f" · {progress.steps_per_second:,.0f} steps/s in all"
        elif progress.stopped_at is not None:
            text += f" · paused at epoch {progress.stopped_at:,}"
        else:
            text += " · paused"
        if stopped:
            text += f" · {stopped} stopped (see the table)"
        self.status_label.setText(text)

    def _set_playing(self, playing: bool) -> None:
        self.playing = playing
        self.play_button.setText("Pause" if playing else "Play")

    # ----- play, pause, speed ---------------------------------------------------------------

    @Slot()
    def _on_play_button_clicked(self) -> None:
        if self.race is None:
            return
        if self.playing:
            self.race.pause()
        else:
            self.race.play()

    def play(self) -> None:
        if self.race is not None:
            self.race.play()

    def pause(self) -> None:
        if self.race is not None:
            self.race.pause()

    @Slot(object)
    def _on_pacing_pace_changed(self, steps_per_second: float | None) -> None:
        if self.race is not None:
            self.race.set_speed(steps_per_second)

    @Slot(object)
    def _on_pacing_stop_epoch_changed(self, epoch: int | None) -> None:
        if self.race is not None:
            self.race.set_stop_epoch(epoch)

    # ----- open a variant as the main scenario ----------------------------------------------

    @Slot(int)
    def _on_table_open_requested(self, row: int) -> None:
        if self.race is None:
            return
        self.race.pause()  # the main window takes over from here; the race waits
        number = self.race.request_scenario(row)
        self._open_requests[number] = self.labels[row]

    @Slot(object)
    def _on_race_answered(self, answer: RaceAnswer) -> None:
        label = self._open_requests.pop(answer.number, None)
        if label is None:
            return
        if answer.error is not None:
            self._show_message(f"The variant could not be opened: {answer.error}")
            return
        self.open_requested.emit(answer.scenario, label)

    # ----- messages and closing -------------------------------------------------------------

    def _show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.show()

    def _hide_message(self) -> None:
        self.message_label.clear()
        self.message_label.hide()

    def message(self) -> str:
        """The message on show ("" when none)."""
        return self.message_label.text() if not self.message_label.isHidden() else ""

    def _stop_race(self) -> None:
        race, self.race = self.race, None
        if race is not None:
            # Its reports still queued are stale: they no longer reach this window.
            race.progressed.disconnect(self._on_race_progressed)
            race.answered.disconnect(self._on_race_answered)
            race.shutdown()
            race.deleteLater()
        self._open_requests.clear()
        self._views_timer.stop()
        self._last_progress = None
        self._set_playing(False)
        self.play_button.setEnabled(False)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._stop_race()
        self.status_label.setText("Choose a setting and its values, then Race.")
        super().closeEvent(event)


def _sweep_edit(text: str) -> QLineEdit:
    edit = QLineEdit(text)
    # Room for "0.0001" and no more: the row stays short.
    edit.setMaximumWidth(edit.fontMetrics().horizontalAdvance("0.000001") + 16)
    return edit


def _number(text: str) -> float:
    """A number typed for a sweep (a decimal comma is read as a point)."""
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        raise VariantError(f"a sweep runs between two numbers, not {text.strip()!r}") from None


def _pace(pacing: PacingControls) -> float | None:
    return PACES[pacing.slider.value()].steps_per_second
