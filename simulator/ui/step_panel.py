"""The step-through panel: walks one training step stage by stage, says what the canvas should
show at each stage, explains the focused neuron or edge, and lets the learner pick the sample."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..app import walkthrough as walk
from ..app.controller import Walk
from ..app.predict import answer_text
from ..app.snapshot import DataPicture, Snapshot
from .calculation_panel import CalculationPanel

# Stages per second when playing.
SPEEDS = (("Slow", 0.5), ("Normal", 1.0), ("Fast", 2.5))
# Raw input columns shown in the sample table; wider data shows the first few.
MAX_TABLE_INPUTS = 4
MIN_DIGITS, MAX_DIGITS = 2, 12
# Two lines: the column stays as narrow as its numbers in a narrow panel.
PREDICTION_BEFORE = "prediction\nbefore the step"
PREDICTION_AFTER = "prediction\nafter the step"
PREDICTION_NOT_APPLIED = "prediction\n(step not applied)"


class StepThroughPanel(QWidget):
    """Holds one Walk (a step already taken on the worker) and the learner's place in it.

    Signals: annotations_changed(Annotations, Focus) whenever the canvas should change;
    samples_chosen(list of training indices) when the learner picks other samples in the table;
    leave_requested(keep: bool) from the two leave buttons.
    """

    annotations_changed = Signal(object, object)
    samples_chosen = Signal(list)
    leave_requested = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.walk: Walk | None = None
        self.names: list[str] = []
        self.stages: list[walk.Stage] = []
        self.index = 0
        self.focus: walk.Focus | None = None
        self._picked_focus = False
        self._picture: DataPicture | None = None
        # Every training sample's prediction after the step, from the first snapshot of the
        # network the step left (None until it comes), and which of the two the table shows.
        self._predictions_after: np.ndarray | None = None
        self._predictions_shown = ""
        self.setMinimumWidth(320)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(6)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-weight: bold;")
        outer.addWidget(self.heading)

        stage_row = QHBoxLayout()
        self.previous_button = QPushButton("◀ Previous")
        self.previous_button.setToolTip("The stage before (←)")
        self.next_button = QPushButton("Next ▶")
        self.next_button.setToolTip("The next stage (→)")
        self.stage_combo = QComboBox()
        self.stage_combo.setToolTip("Jump to a stage")
        stage_row.addWidget(self.previous_button)
        stage_row.addWidget(self.stage_combo, 1)
        stage_row.addWidget(self.next_button)
        outer.addLayout(stage_row)

        options = QHBoxLayout()
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Walk through the stages by themselves")
        self.speed_combo = QComboBox()
        for label, _ in SPEEDS:
            self.speed_combo.addItem(label)
        self.speed_combo.setCurrentIndex(1)
        self.speed_combo.setToolTip("How fast Play moves from stage to stage")
        self.granularity_combo = QComboBox()
        self.granularity_combo.addItem("Layer by layer", "layer")
        self.granularity_combo.addItem("Neuron by neuron", "neuron")
        self.granularity_combo.setToolTip("Walk the forward pass a layer or a neuron at a time")
        self.digits_spin = QSpinBox()
        self.digits_spin.setRange(MIN_DIGITS, MAX_DIGITS)
        self.digits_spin.setValue(walk.DEFAULT_DIGITS)
        self.digits_spin.setSuffix(" digits")
        self.digits_spin.setToolTip("Significant digits of the numbers shown (hover for all)")
        options.addWidget(self.play_button)
        options.addWidget(self.speed_combo)
        options.addStretch(1)
        outer.addLayout(options)
        view_options = QHBoxLayout()
        view_options.addWidget(self.granularity_combo, 1)
        view_options.addWidget(self.digits_spin)
        outer.addLayout(view_options)

        batch_row = QHBoxLayout()
        self.batch_label = QLabel("Numbers of batch sample")
        self.batch_spin = QSpinBox()
        self.batch_spin.setToolTip("Which sample of the mini-batch the forward and backward show")
        batch_row.addWidget(self.batch_label)
        batch_row.addWidget(self.batch_spin)
        batch_row.addStretch(1)
        self.batch_row = QWidget()
        self.batch_row.setLayout(batch_row)
        batch_row.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.batch_row)

        self.calculation_panel = CalculationPanel()
        scroll = QScrollArea()
        scroll.setWidget(self.calculation_panel)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer.addWidget(scroll, 3)

        self.hint = hint = QLabel(
            "Click a neuron or an edge on the canvas to see its calculation. Double-click a "
            "sample below, or click a point or a training image in the data view, to step on "
            "it; select several rows for a mini-batch."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #666666;")
        outer.addWidget(hint)
        self.table = QTableWidget()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(90)
        outer.addWidget(self.table, 2)
        self.use_selection_button = QPushButton("Step on the selected samples")
        self.use_selection_button.setToolTip("Undo this step and take one on the selected rows")
        outer.addWidget(self.use_selection_button)

        leave_row = QHBoxLayout()
        self.keep_button = QPushButton("Keep and leave")
        self.keep_button.setToolTip("Back to training, keeping the step's updated weights")
        self.discard_button = QPushButton("Undo and leave")
        self.discard_button.setToolTip(
            "Back to training with the weights from before the step (the step is undone)"
        )
        leave_row.addWidget(self.keep_button)
        leave_row.addWidget(self.discard_button)
        outer.addLayout(leave_row)

        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_timer)
        self.previous_button.clicked.connect(self.previous_stage)
        self.next_button.clicked.connect(self.next_stage)
        self.stage_combo.activated.connect(self.jump_to)
        self.play_button.toggled.connect(self._on_play_toggled)
        self.speed_combo.currentIndexChanged.connect(self._on_speed_changed)
        self.granularity_combo.currentIndexChanged.connect(self._on_granularity_changed)
        self.digits_spin.valueChanged.connect(self._refresh)
        self.batch_spin.valueChanged.connect(self._refresh)
        self.use_selection_button.clicked.connect(self._on_use_selection)
        self.table.cellDoubleClicked.connect(self._on_row_double_clicked)
        self.keep_button.clicked.connect(lambda: self.leave_requested.emit(True))
        self.discard_button.clicked.connect(lambda: self.leave_requested.emit(False))

    # ----- the walk ---------------------------------------------------------------------------

    def start(self, walk_taken: Walk, names: list[str], picture: DataPicture) -> None:
        """Show `walk_taken` from its first stage; `names` are the input features' names."""
        self.walk = walk_taken
        self.names = list(names)
        self._picked_focus = False
        self._picture = picture
        self._predictions_after = None
        trace = walk_taken.trace
        batch = len(walk_taken.samples)
        self.batch_spin.blockSignals(True)
        self.batch_spin.setRange(1, batch)
        self.batch_spin.setValue(1)
        self.batch_spin.setSuffix(f" of {batch}")
        self.batch_spin.blockSignals(False)
        self.batch_row.setVisible(batch > 1)
        asked = walk_taken.forward_only
        # An input asked about has no samples to pick, no target and no step to keep or undo.
        for widget in (self.hint, self.table, self.use_selection_button, self.discard_button):
            widget.setVisible(not asked)
        self.keep_button.setText("Leave" if asked else "Keep and leave")
        self.keep_button.setToolTip(
            "Back to training; nothing was changed"
            if asked
            else "Back to training, keeping the step's updated weights"
        )
        if not asked:
            self._fill_table(picture, walk_taken)
        self._set_heading(picture, walk_taken)
        self.stages = walk.stages(trace, self.granularity)
        self._fill_stage_combo()
        self.index = 0
        if trace.diverged:
            self.heading.setText(
                self.heading.text() + " — this step made a number non-finite and was not applied"
            )
        self._refresh()

    def stop(self) -> None:
        self.play_button.setChecked(False)
        self.walk = None
        self._predictions_after = None

    @Slot(object)
    def set_snapshot(self, snapshot: Snapshot) -> None:
        """Take the predictions after the step from `snapshot` once it shows the network the
        step left (its weights and biases are the trace's, bit for bit): snapshots taken before
        the step was applied may still be on their way."""
        walk_taken = self.walk
        if walk_taken is None or walk_taken.forward_only or self._predictions_after is not None:
            return
        trace = walk_taken.trace
        if trace.diverged or len(snapshot.weights) != len(trace.layers):
            return
        for weights, biases, layer in zip(
            snapshot.weights, snapshot.biases, trace.layers, strict=True
        ):
            if not (
                np.array_equal(weights, layer.weights_after)
                and np.array_equal(biases, layer.biases_after)
            ):
                return
        self._predictions_after = snapshot.train_predictions
        self._show_predictions()

    def predictions_shown(self) -> str:
        """Which predictions the sample table shows now: its column's heading."""
        return self._predictions_shown

    @property
    def granularity(self) -> str:
        return self.granularity_combo.currentData()

    @property
    def digits(self) -> int:
        return self.digits_spin.value()

    @property
    def batch_sample(self) -> int:
        """The row of the batch whose forward and backward numbers are shown."""
        return self.batch_spin.value() - 1

    @property
    def stage(self) -> walk.Stage:
        return self.stages[self.index]

    def calculation(self) -> walk.Calculation:
        trace = self.walk.trace
        return walk.calculation(
            trace,
            self.stage,
            self.focus,
            self.names,
            self.batch_sample,
            self.digits,
            self.walk.raw_inputs,
            self._class_names(),
        )

    def class_names(self) -> tuple[str, ...] | None:
        """The classes' names the walk's answer is given in, None for a training step's walk."""
        return self._class_names()

    def _class_names(self) -> tuple[str, ...] | None:
        """The classes' names for the answer of an input asked about (a training step's walk
        keeps its 0 / 1 and class k, which its target is compared with)."""
        if self.walk is None or not self.walk.forward_only or self._picture is None:
            return None
        return self._picture.classes

    @Slot()
    def next_stage(self) -> None:
        if self.walk is not None and self.index < len(self.stages) - 1:
            self.jump_to(self.index + 1)
        elif self.play_button.isChecked():
            self.play_button.setChecked(False)

    @Slot()
    def previous_stage(self) -> None:
        if self.walk is not None and self.index > 0:
            self.jump_to(self.index - 1)

    @Slot(int)
    def jump_to(self, index: int) -> None:
        if self.walk is None or not 0 <= index < len(self.stages):
            return
        self.index = index
        self._picked_focus = False
        self._refresh()

    def set_focus(self, focus: walk.Focus) -> None:
        """Explain `focus` (a click on the canvas) until the stage changes."""
        if self.walk is None:
            return
        self.focus = focus
        self._picked_focus = True
        self._refresh()

    # ----- showing ----------------------------------------------------------------------------

    @Slot()
    def _refresh(self) -> None:
        if self.walk is None:
            return
        trace = self.walk.trace
        stage = self.stage
        if not self._picked_focus:
            self.focus = walk.default_focus(stage, trace)
        self.stage_combo.setCurrentIndex(self.index)
        self.previous_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(self.index < len(self.stages) - 1)
        self.calculation_panel.show_calculation(self.calculation())
        annotations = walk.annotations(
            trace, stage, self.focus, self.batch_sample, self.digits, self._class_names()
        )
        self.annotations_changed.emit(annotations, self.focus)
        self._show_predictions()

    def _show_predictions(self) -> None:
        """The table's prediction column: before the step until the update stage, after it from
        there on (once the network after the step has been reported)."""
        walk_taken, picture = self.walk, self._picture
        if walk_taken is None or picture is None or not self.stages or walk_taken.forward_only:
            return
        predictions, heading = walk_taken.predictions, PREDICTION_BEFORE
        if walk_taken.trace.diverged:
            heading = PREDICTION_NOT_APPLIED
        elif self.stage.kind == "update" and self._predictions_after is not None:
            predictions, heading = self._predictions_after, PREDICTION_AFTER
        if heading == self._predictions_shown:
            return
        table = self.table
        column = table.columnCount() - 1
        table.setHorizontalHeaderItem(column, QTableWidgetItem(heading))
        for row in range(min(table.rowCount(), len(predictions))):
            table.item(row, column).setText(self._prediction_text(picture, predictions[row]))
        self._predictions_shown = heading

    def _fill_stage_combo(self) -> None:
        trace = self.walk.trace
        self.stage_combo.blockSignals(True)
        self.stage_combo.clear()
        for stage in self.stages:
            self.stage_combo.addItem(walk.stage_title(stage, trace))
        self.stage_combo.blockSignals(False)

    def _set_heading(self, picture: DataPicture, walk_taken: Walk) -> None:
        samples = walk_taken.samples
        if walk_taken.forward_only:
            raw = walk_taken.raw_inputs
            values = ", ".join(
                f"{name} = {walk.number(value)}"
                for name, value in zip(
                    raw.names[:MAX_TABLE_INPUTS], raw.values[0][:MAX_TABLE_INPUTS], strict=False
                )
            )
            more = " …" if len(raw.names) > MAX_TABLE_INPUTS else ""
            answer = answer_text(walk_taken.answer) if walk_taken.answer is not None else ""
            self.heading.setText(
                f"Asking the network: {values}{more} → {answer}. No target: the forward pass "
                "alone, no loss and no update."
            )
            return
        if len(samples) == 1:
            index = samples[0]
            values = ", ".join(
                f"{name} = {walk.number(value)}"
                for name, value in zip(
                    picture.raw_names[:MAX_TABLE_INPUTS],
                    picture.train_raw[index][:MAX_TABLE_INPUTS],
                    strict=False,
                )
            )
            more = " …" if len(picture.raw_names) > MAX_TABLE_INPUTS else ""
            target = self._target_text(picture, index)
            text = f"One step on training sample {index + 1}: {values}{more} → target {target}"
        else:
            shown = ", ".join(str(i + 1) for i in samples)
            text = f"One step on a mini-batch of {len(samples)} samples ({shown})"
        self.heading.setText(text)

    @staticmethod
    def _target_text(picture: DataPicture, index: int) -> str:
        if picture.train_classes is not None and picture.classes:
            return picture.classes[int(picture.train_classes[index])]
        return ", ".join(walk.number(v) for v in picture.train_targets[index])

    def _fill_table(self, picture: DataPicture, walk_taken: Walk) -> None:
        table = self.table
        shown_inputs = list(picture.raw_names[:MAX_TABLE_INPUTS])
        headers = ["#", *shown_inputs, "target", PREDICTION_BEFORE]
        table.blockSignals(True)
        table.clear()
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        count = len(picture.train_raw)
        table.setRowCount(count)
        predictions = walk_taken.predictions
        for row in range(count):
            cells = [str(row + 1)]
            cells += [walk.number(v) for v in picture.train_raw[row][:MAX_TABLE_INPUTS]]
            cells.append(self._target_text(picture, row))
            cells.append(self._prediction_text(picture, predictions[row]))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(row, column, item)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.clearSelection()
        selection = table.selectionModel()
        flags = selection.SelectionFlag.Select | selection.SelectionFlag.Rows
        for index in walk_taken.samples:
            selection.select(table.model().index(index, 0), flags)
        table.scrollToItem(table.item(walk_taken.samples[0], 0))
        table.blockSignals(False)
        self._predictions_shown = PREDICTION_BEFORE

    @staticmethod
    def _prediction_text(picture: DataPicture, prediction: np.ndarray) -> str:
        if picture.classes and len(prediction) > 1:
            best = int(np.argmax(prediction))
            return f"{picture.classes[best]} ({walk.number(prediction[best], 3)})"
        return ", ".join(walk.number(v, 3) for v in prediction)

    # ----- the learner's changes --------------------------------------------------------------

    @Slot()
    def _on_use_selection(self) -> None:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        if rows:
            self.samples_chosen.emit(rows)

    @Slot(int, int)
    def _on_row_double_clicked(self, row: int, _column: int) -> None:
        self.samples_chosen.emit([row])

    @Slot(bool)
    def _on_play_toggled(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        if playing:
            if self.index >= len(self.stages) - 1:
                self.jump_to(0)
            self._on_speed_changed()
            self._timer.start()
        else:
            self._timer.stop()

    @Slot()
    def _on_speed_changed(self) -> None:
        _, per_second = SPEEDS[self.speed_combo.currentIndex()]
        self._timer.setInterval(int(1000 / per_second))

    @Slot()
    def _on_timer(self) -> None:
        self.next_stage()

    @Slot()
    def _on_granularity_changed(self) -> None:
        if self.walk is None:
            return
        current = self.stage
        self.stages = walk.stages(self.walk.trace, self.granularity)
        self._fill_stage_combo()
        # Stay at the same point of the walk: a layer's stage and its first neuron's match.
        matches = [
            i
            for i, stage in enumerate(self.stages)
            if (stage.kind, stage.column) == (current.kind, current.column)
        ]
        self.index = matches[0] if matches else 0
        self._refresh()
