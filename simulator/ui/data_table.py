"""The samples table: every training and test sample with its raw inputs, its target and the
network's prediction, sortable and filterable, linked to the data view by the selected sample."""

from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..app.snapshot import DataPicture, Snapshot
from . import palette

TRAIN, TEST = "train", "test"
# The table redraws at most this often while training: sorting a few thousand rows thirty
# times a second would cost the GUI thread more than the numbers are worth to a reader.
REFRESH_INTERVAL = 0.3
# ... and a large table sorted by an answer (the digits' 1,797 rows: ~80 ms a redraw) waits this
# many times its last redraw's cost, so it never takes more than a fifth of the GUI thread.
REFRESH_COST_FACTOR = 4
# Above this many raw columns (the digits' 64 pixels) the inputs start hidden behind a toggle.
MANY_INPUTS = 8
# What sorting reads: a number for numeric columns, so that 10 comes after 9.
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RIGHT_MARK, WRONG_MARK = "✓", "✗"
# The filter's choices, in the order of its list.
ALL, TRAINING, TESTING, WRONG = range(4)
FILTERS = ("All samples", "Training", "Test", "Wrong only")


def _number(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else "—"


def _sort_number(value: float) -> float:
    # A diverged network's NaN would make the order undefined; it sorts after every number.
    return float(value) if math.isfinite(value) else math.inf


class SampleTableModel(QAbstractTableModel):
    """Rows: every training sample, then every test sample. Columns: the set, the sample's
    number in its set, the raw inputs, the target, the prediction and (classification) its
    probability and whether it is right, or (regression) the error. Every number comes from
    the DataPicture and the Snapshot; the model only formats them."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._picture: DataPicture | None = None
        self._columns: list[str] = []
        self._tips: list[str] = []
        self._raw = np.zeros((0, 0))
        self._is_test = np.zeros(0, dtype=bool)
        self._numbers = np.zeros(0, dtype=np.int64)
        self._targets = np.zeros((0, 1))
        self._truth: np.ndarray | None = None
        self._outputs: np.ndarray | None = None
        self._predicted: np.ndarray | None = None
        self._probabilities: np.ndarray | None = None
        self._errors: np.ndarray | None = None
        self._wrong = np.zeros(0, dtype=bool)
        self._wrong_brush = QBrush(QColor(palette.WRONG_ROW))
        self._wrong_text = QBrush(QColor(palette.WRONG_PREDICTION))

    # ----- contents ---------------------------------------------------------------------------

    def set_data(self, picture: DataPicture) -> None:
        """New data: new rows and columns, no predictions until the next snapshot."""
        self.beginResetModel()
        self._picture = picture
        n_train, n_test = len(picture.train_raw), len(picture.test_raw)
        self._raw = np.concatenate([picture.train_raw, picture.test_raw])
        self._is_test = np.r_[np.zeros(n_train, dtype=bool), np.ones(n_test, dtype=bool)]
        self._numbers = np.r_[np.arange(n_train), np.arange(n_test)]
        self._targets = np.concatenate([picture.train_targets, picture.test_targets])
        classification = picture.task == "classification"
        self._truth = (
            np.concatenate([picture.train_classes, picture.test_classes])
            if classification
            else None
        )
        self._outputs = self._predicted = self._probabilities = self._errors = None
        self._answered = False
        self._wrong = np.zeros(len(self._raw), dtype=bool)
        columns = ["set", "#", *picture.raw_names, "target", "prediction"]
        tips = [
            "Training samples teach the network; test samples only measure it",
            "The sample's number within its set (from 0, as the step-through counts)",
            *(f"Raw input {name}, in the data's own units" for name in picture.raw_names),
            "What the network should answer",
            "What the network answers now",
        ]
        if classification:
            columns += ["probability", "right?"]
            tips += [
                "How sure the network is of its answer (only for a sigmoid or softmax output)",
                f"{RIGHT_MARK}: the predicted class is the target; {WRONG_MARK}: it is not",
            ]
        else:
            columns.append("error")
            tips.append("Prediction minus target; sorting orders by size, largest last")
        self._columns, self._tips = columns, tips
        self.endResetModel()

    def set_snapshot(self, snapshot: Snapshot) -> None:
        """Take the network's answers from `snapshot`; rows stay, the answer columns change."""
        picture = self._picture
        if picture is None:
            return
        outputs = [snapshot.train_predictions, snapshot.test_predictions]
        if [len(o) for o in outputs] != [len(picture.train_raw), len(picture.test_raw)]:
            return  # a snapshot of other data, on its way out
        self._outputs = np.concatenate(outputs)
        samples = snapshot.samples
        self._answered = samples is not None
        if self._truth is not None and snapshot.train_predicted_classes is not None:
            self._predicted = np.concatenate(
                [snapshot.train_predicted_classes, snapshot.test_predicted_classes]
            )
            self._wrong = self._predicted != self._truth
            self._probabilities = None
            if samples is not None and samples.train_probabilities is not None:
                self._probabilities = np.concatenate(
                    [samples.train_probabilities, samples.test_probabilities]
                )
        elif samples is not None and samples.train_errors is not None:
            self._errors = np.concatenate([samples.train_errors, samples.test_errors])
        first = self.first_answer_column()
        if self.rowCount():
            self.dataChanged.emit(
                self.index(0, first), self.index(self.rowCount() - 1, self.columnCount() - 1)
            )

    # ----- what rows and columns say -----------------------------------------------------------

    def first_answer_column(self) -> int:
        """The column of the target; the answers follow it."""
        return 2 + self.raw_columns()

    def raw_columns(self) -> int:
        return 0 if self._picture is None else len(self._picture.raw_names)

    def column_index(self, name: str) -> int:
        """The column named `name` (its header text)."""
        return self._columns.index(name)

    def sample(self, row: int) -> tuple[str, int]:
        """(set, number in that set) of model row `row`."""
        return (TEST if self._is_test[row] else TRAIN), int(self._numbers[row])

    def row_of(self, set_name: str, number: int) -> int | None:
        """The model row of sample `number` of `set_name`, None when there is none."""
        n_train = int((~self._is_test).sum())
        row = number if set_name == TRAIN else n_train + number
        limit = n_train if set_name == TRAIN else len(self._is_test)
        return row if number >= 0 and row < limit else None

    def answered(self) -> bool:
        """Whether the answers only the table asks for (probabilities, errors) have come."""
        return self._answered

    def wrong_count(self) -> int | None:
        """How many samples the network gets wrong (classification, once answers came)."""
        return None if self._predicted is None else int(self._wrong.sum())

    def is_test(self, row: int) -> bool:
        return bool(self._is_test[row])

    def is_wrong(self, row: int) -> bool:
        return bool(self._wrong[row])

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._raw)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tips[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == SORT_ROLE:
            return self._sort_key(row, column)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._wrong_brush if self._wrong[row] else None
        if role == Qt.ItemDataRole.ForegroundRole:
            right_column = self._columns[column] == "right?"
            return self._wrong_text if right_column and self._wrong[row] else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column == 0 or self._columns[column] in ("right?",):
                return int(Qt.AlignmentFlag.AlignCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _kind(self, column: int) -> str:
        raw = self.raw_columns()
        if column < 2:
            return ("set", "#")[column]
        if column < 2 + raw:
            return "raw"
        return self._columns[column]

    def _text(self, row: int, column: int) -> str | None:
        kind = self._kind(column)
        picture = self._picture
        if kind == "set":
            return "test" if self._is_test[row] else "train"
        if kind == "#":
            return str(self._numbers[row])
        if kind == "raw":
            return _number(self._raw[row, column - 2])
        if kind == "target":
            if self._truth is not None:
                return picture.classes[self._truth[row]]
            return "  ".join(_number(v) for v in self._targets[row])
        if kind == "prediction":
            if self._outputs is None:
                return ""
            if self._predicted is not None:
                return picture.classes[self._predicted[row]]
            return "  ".join(_number(v) for v in self._outputs[row])
        if kind == "probability":
            if self._probabilities is None:
                # No probability: the output gives scores (—), or its answers are on their way.
                return "—" if self._answered else ""
            return f"{self._probabilities[row]:.1%}"
        if kind == "right?":
            if self._predicted is None:
                return ""
            return WRONG_MARK if self._wrong[row] else RIGHT_MARK
        if kind == "error":
            if self._errors is None:
                return ""
            return "  ".join(_number(v) for v in self._errors[row])
        return None

    def _sort_key(self, row: int, column: int):
        kind = self._kind(column)
        if kind == "set":
            return int(self._is_test[row])
        if kind == "#":
            return int(self._numbers[row])
        if kind == "raw":
            return _sort_number(self._raw[row, column - 2])
        if kind == "target":
            if self._truth is not None:
                return int(self._truth[row])
            return _sort_number(self._targets[row, 0])
        if kind == "prediction":
            if self._predicted is not None:
                return int(self._predicted[row])
            return _sort_number(self._outputs[row, 0]) if self._outputs is not None else 0.0
        if kind == "probability":
            values = self._probabilities
            return _sort_number(values[row]) if values is not None else 0.0
        if kind == "right?":
            return int(self._wrong[row])
        if kind == "error":
            if self._errors is None:
                return 0.0
            return _sort_number(float(np.abs(self._errors[row]).max()))
        return 0


class SampleFilter(QSortFilterProxyModel):
    """Sorts by the model's SORT_ROLE and keeps the rows of the chosen FILTERS entry."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._choice = ALL

    def set_choice(self, choice: int) -> None:
        # Qt 6.10 says a filter changed with begin/endFilterChange and deprecates
        # invalidateFilter, which the older Qt this app still runs on only knows.
        if hasattr(self, "endFilterChange"):
            self.beginFilterChange()
            self._choice = choice
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - Qt before 6.10
            self._choice = choice
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:
        model: SampleTableModel = self.sourceModel()
        if self._choice == TRAINING:
            return not model.is_test(source_row)
        if self._choice == TESTING:
            return model.is_test(source_row)
        if self._choice == WRONG:
            return model.is_wrong(source_row)
        return True


class DataTable(QWidget):
    """The samples table with its filter and the inputs toggle.

    Signals: sample_highlighted(set, number) when the learner selects a row ("train" or "test"
    and the sample's number in its set), sample_highlighted("", -1) when no row is selected.
    `select_sample` selects a row from outside (a click on the data view) without echoing it.
    While training, the answers are redrawn at most every REFRESH_INTERVAL seconds."""

    sample_highlighted = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = SampleTableModel(self)
        self.proxy = SampleFilter(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the data's order at first
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(False)  # the tint of wrong rows must stand alone
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)

        self.filter_combo = QComboBox()
        self.filter_combo.addItems(FILTERS)
        self.filter_combo.setToolTip("Which samples the table lists")
        self.filter_combo.currentIndexChanged.connect(self._on_filter_combo_changed)
        self.inputs_check = QCheckBox("Inputs")
        self.inputs_check.setToolTip("Show each sample's raw input values")
        self.inputs_check.setChecked(True)
        self.inputs_check.toggled.connect(self._on_inputs_check_toggled)
        self.summary = QLabel()
        self.summary.setToolTip("Samples listed, and how many of them the network gets wrong")
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 0)
        bar.setSpacing(8)
        bar.addWidget(self.filter_combo)
        bar.addWidget(self.inputs_check)
        bar.addStretch(1)
        bar.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

        self._echo = True
        self._latest: Snapshot | None = None
        self._last_refresh = -math.inf
        self._refresh_cost = 0.0
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.timeout.connect(self._on_refresh_timer_timeout)
        self.refreshed_step: int | None = None

    # ----- fed by the window ------------------------------------------------------------------

    @Slot(object)
    def set_data(self, picture: DataPicture) -> None:
        """Show the samples of new data; the selection and the answers start afresh."""
        self._refresh_timer.stop()
        self._latest = None
        self.refreshed_step = None
        self.model.set_data(picture)
        many = len(picture.raw_names) > MANY_INPUTS
        self.inputs_check.blockSignals(True)
        self.inputs_check.setChecked(not many)
        self.inputs_check.blockSignals(False)
        self._show_inputs(not many)
        wrong = self.filter_combo.model().item(WRONG)
        classification = picture.task == "classification"
        wrong.setEnabled(classification)  # a regression has errors, not wrong answers
        if not classification and self.filter_combo.currentIndex() == WRONG:
            self.filter_combo.setCurrentIndex(ALL)
        self._fit_columns()
        self._update_summary()

    @Slot(object)
    def set_snapshot(self, snapshot: Snapshot) -> None:
        """Take the network's latest answers; shown now, or when REFRESH_INTERVAL has passed
        since the last time they were (the latest wins)."""
        self._latest = snapshot
        interval = max(REFRESH_INTERVAL, REFRESH_COST_FACTOR * self._refresh_cost)
        wait = self._last_refresh + interval - time.monotonic()
        if wait <= 0:
            self._refresh()
        elif not self._refresh_timer.isActive():
            self._refresh_timer.start(max(1, int(wait * 1000)))

    @Slot()
    def _on_refresh_timer_timeout(self) -> None:
        self._refresh()

    def _refresh(self) -> None:
        snapshot, self._latest = self._latest, None
        if snapshot is None:
            return
        start = time.monotonic()
        self.model.set_snapshot(snapshot)
        self.refreshed_step = snapshot.step
        self._update_summary()
        # Sorting by an answer moves the rows: the selected one stays in sight.
        current = self.view.selectionModel().selectedRows()
        if current:
            self.view.scrollTo(current[0])
        self._last_refresh = time.monotonic()
        self._refresh_cost = self._last_refresh - start

    def select_sample(self, set_name: str, number: int) -> None:
        """Select and show the row of sample `number` of `set_name` ("train" or "test"); a row
        the filter hides is shown by listing all samples. Does not emit sample_highlighted."""
        row = self.model.row_of(set_name, number)
        if row is None:
            return
        source = self.model.index(row, 0)
        index = self.proxy.mapFromSource(source)
        if not index.isValid():
            self.filter_combo.setCurrentIndex(ALL)
            index = self.proxy.mapFromSource(source)
        self._echo = False
        try:
            self.view.selectionModel().select(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.NoUpdate
            )
        finally:
            self._echo = True
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def selected_sample(self) -> tuple[str, int] | None:
        """(set, number) of the selected row, None when none is."""
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.sample(self.proxy.mapToSource(rows[0]).row())

    def visible_samples(self) -> list[tuple[str, int]]:
        """(set, number) of every listed row, top to bottom (tests)."""
        return [
            self.model.sample(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
            for r in range(self.proxy.rowCount())
        ]

    def cell_text(self, row: int, column_name: str) -> str:
        """The text of listed row `row` in the column named `column_name` (tests)."""
        column = self.model.column_index(column_name)
        return self.proxy.index(row, column).data()

    # ----- the learner's choices --------------------------------------------------------------

    @Slot(int)
    def _on_filter_combo_changed(self, choice: int) -> None:
        self.proxy.set_choice(choice)
        self._update_summary()

    @Slot(bool)
    def _on_inputs_check_toggled(self, on: bool) -> None:
        self._show_inputs(on)

    def _show_inputs(self, on: bool) -> None:
        for column in range(2, 2 + self.model.raw_columns()):
            self.view.setColumnHidden(column, not on)
        self._fit_columns()

    def _fit_columns(self) -> None:
        # Widths from the header and a sample of rows: measuring thousands would stall the GUI.
        header = self.view.horizontalHeader()
        header.setResizeContentsPrecision(50)
        self.view.resizeColumnsToContents()
        # Numbers of four significant digits, whichever rows were measured, are never cut.
        numbers = self.fontMetrics().horizontalAdvance("-0.0001234") + 12
        answers = self.fontMetrics().horizontalAdvance("prediction") + 24
        for column in range(2, self.model.columnCount()):
            minimum = answers if column >= self.model.first_answer_column() else numbers
            if self.view.columnWidth(column) < minimum:
                self.view.setColumnWidth(column, minimum)

    @Slot()
    def _on_view_selection_changed(self) -> None:
        if not self._echo:
            return
        chosen = self.selected_sample()
        if chosen is None:
            self.sample_highlighted.emit("", -1)
        else:
            self.sample_highlighted.emit(*chosen)

    def _update_summary(self) -> None:
        listed = self.proxy.rowCount()
        total = self.model.rowCount()
        text = f"{listed} of {total} samples" if listed != total else f"{total} samples"
        wrong = self.model.wrong_count()
        if wrong is not None:
            text += f" · {wrong} wrong"
        self.summary.setText(text)
