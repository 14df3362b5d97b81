"""The New from data dialog: a table previewed, its columns chosen as inputs and target, the task,
the unusable rows, the split and the proposed network set, and the scenario created."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..app.table_import import (
    HIDDEN_ACTIVATIONS,
    LEARNING_RATE,
    MAX_CATEGORIES,
    PASTED,
    PREVIEW_ROWS,
    SCALINGS,
    TASKS,
    ColumnInfo,
    ImportChoices,
    RawTable,
    TableImportError,
    analyse_columns,
    detected_task,
    output_layer,
    parse_table_text,
    plan_import,
    problems_summary,
    propose_choices,
    proposed_target_divisor,
    read_table_file,
    training_rows,
)
from .palette import IMPORT_PROBLEM_TEXT, MISSING_CELL_BACKGROUND
from .settings_panel import SCALING_LABELS

# The files New from data reads and the window accepts when dropped: .xlsx through openpyxl,
# everything else as delimited text.
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
TABLE_FILTER = "Tables (*.csv *.tsv *.txt *.xlsx);;All files (*)"
DELIMITERS = {",": "Comma ( , )", ";": "Semicolon ( ; )", "\t": "Tab"}
PREVIEW_MIN_HEIGHT = 120
DIVISOR_POWERS = 10  # a regression target divided by 1, 10, … 10⁹
# The settings panel's names, the proposed standardize first.
SCALING_TEXT = {name: SCALING_LABELS[name] for name in ("standardize", "min_max", "none")}


class NewFromDataDialog(QDialog):
    """Built on a table read already (`for_file`, `for_text`); emits `created` with the table
    and the choices when the user presses Create (the window builds the scenario off the GUI
    thread, as it reads a file). `status` says why Create is off."""

    created = Signal(object, object)  # RawTable, ImportChoices

    def __init__(self, table: RawTable, text: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.table = table
        # Pasted text is kept to read again when the delimiter or header choice changes;
        # a file is read again from its path.
        self._text = text
        self._infos: list[ColumnInfo] = []
        self._updating = False
        self._target = ""
        # The inputs the user wants, kept while a column cannot be one for a moment (while it
        # is the target, or reads as text until the decimal comma is ticked again).
        self._wanted: set[str] = set()
        self.setWindowTitle(f"New from data — {table.source}")
        self._build()
        self._show_table(propose=True)

    @classmethod
    def for_file(cls, path: Path, parent: QWidget | None = None) -> NewFromDataDialog:
        """Raises TableImportError when the file cannot be read as a table."""
        return cls(read_table_file(path), None, parent)

    @classmethod
    def for_text(cls, text: str, parent: QWidget | None = None) -> NewFromDataDialog:
        """Raises TableImportError when the text is no table."""
        return cls(parse_table_text(text, PASTED), text, parent)

    # ----- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        reading = QHBoxLayout()
        self.sheet_label = QLabel("Sheet:")
        self.sheet = QComboBox()
        self.sheet.addItems(list(self.table.sheets))
        self.sheet.currentTextChanged.connect(self._on_format_changed)
        reading.addWidget(self.sheet_label)
        reading.addWidget(self.sheet)
        self.delimiter_label = QLabel("Delimiter:")
        self.delimiter = QComboBox()
        for key, text in DELIMITERS.items():
            self.delimiter.addItem(text, key)
        self.delimiter.currentIndexChanged.connect(self._on_format_changed)
        reading.addWidget(self.delimiter_label)
        reading.addWidget(self.delimiter)
        self.decimal_comma = QCheckBox("Decimal comma (3,14)")
        self.decimal_comma.toggled.connect(self._on_format_changed)
        reading.addWidget(self.decimal_comma)
        self.has_header = QCheckBox("First row names the columns")
        self.has_header.toggled.connect(self._on_format_changed)
        reading.addWidget(self.has_header)
        reading.addStretch(1)
        workbook = self.table.delimiter is None
        for widget in (self.sheet_label, self.sheet):
            widget.setVisible(workbook)
        for widget in (self.delimiter_label, self.delimiter, self.decimal_comma):
            widget.setVisible(not workbook)
        layout.addLayout(reading)

        self.preview = QTableWidget()
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.preview.verticalHeader().setVisible(True)
        self.preview.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.preview.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        layout.addWidget(self.preview, 2)

        middle = QHBoxLayout()
        inputs_box = QGroupBox("Inputs")
        inputs_layout = QVBoxLayout(inputs_box)
        self.inputs = QListWidget()
        self.inputs.itemChanged.connect(self._on_inputs_item_changed)
        inputs_layout.addWidget(self.inputs)
        middle.addWidget(inputs_box, 3)

        target_box = QGroupBox("What to predict")
        target_layout = QFormLayout(target_box)
        self.target = QComboBox()
        # A long column name must not squeeze the inputs list in a small window.
        self.target.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.target.setMinimumContentsLength(14)
        self.target.currentIndexChanged.connect(self._on_target_changed)
        target_layout.addRow("Target column:", self.target)
        self.task = QComboBox()
        self.task.addItem("Classification", TASKS[0])
        self.task.addItem("Regression", TASKS[1])
        self.task.currentIndexChanged.connect(self._on_choice_changed)
        target_layout.addRow("Task:", self.task)
        self.classes = QLabel()
        self.classes.setWordWrap(True)
        target_layout.addRow("Classes:", self.classes)
        self.divisor = QComboBox()
        for power in range(DIVISOR_POWERS):
            self.divisor.addItem(f"{10**power:,}", float(10**power))
        self.divisor.setToolTip(
            "A regression's output starts near 0: a target in the thousands trains far faster "
            "divided by 1,000"
        )
        self.divisor.currentIndexChanged.connect(self._on_choice_changed)
        target_layout.addRow("Divide target by:", self.divisor)
        middle.addWidget(target_box, 2)
        layout.addLayout(middle, 2)

        self.problems_box = QWidget()
        problems = QHBoxLayout(self.problems_box)
        problems.setContentsMargins(0, 0, 0, 0)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        problems.addWidget(self.problems, 1)
        self.skip = QRadioButton("Skip them")
        self.refuse = QRadioButton("Refuse")
        self.skip.setChecked(True)
        group = QButtonGroup(self.problems_box)
        group.addButton(self.skip)
        group.addButton(self.refuse)
        self.skip.toggled.connect(self._on_choice_changed)
        problems.addWidget(self.skip)
        problems.addWidget(self.refuse)
        layout.addWidget(self.problems_box)

        settings = QGridLayout()
        self.train_percent = QSpinBox()
        self.train_percent.setRange(10, 100)
        self.train_percent.setSuffix(" %")
        self.train_percent.setValue(80)
        self.train_percent.setToolTip("Share of the rows used for training; the rest test it")
        self.seed = QSpinBox()
        self.seed.setRange(0, 999_999)
        self.seed.setToolTip("Seed of the split into training and test rows, and of the weights")
        self.scaling = QComboBox()
        for method in SCALINGS:
            self.scaling.addItem(SCALING_TEXT[method], method)
        self.scaling.setToolTip(
            "Columns in different units (a price beside a count) train badly unscaled"
        )
        self.hidden_units = QSpinBox()
        self.hidden_units.setRange(1, 256)
        self.hidden_activation = QComboBox()
        self.hidden_activation.addItems(list(HIDDEN_ACTIVATIONS))
        for column, (text, widget) in enumerate(
            (
                ("Training rows:", self.train_percent),
                ("Seed:", self.seed),
                ("Scaling:", self.scaling),
                ("Hidden neurons:", self.hidden_units),
                ("Activation:", self.hidden_activation),
            )
        ):
            settings.addWidget(QLabel(text), column // 3, 2 * (column % 3))
            settings.addWidget(widget, column // 3, 2 * (column % 3) + 1)
        settings.setColumnStretch(6, 1)
        for widget in (self.train_percent, self.seed, self.hidden_units):
            widget.valueChanged.connect(self._on_choice_changed)
        for widget in (self.scaling, self.hidden_activation):
            widget.currentIndexChanged.connect(self._on_choice_changed)
        layout.addLayout(settings)

        self.network = QLabel()
        self.network.setWordWrap(True)
        layout.addWidget(self.network)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet(f"color: {IMPORT_PROBLEM_TEXT};")
        layout.addWidget(self.status)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = QPushButton("Create")
        self.create_button.setDefault(True)
        buttons.addButton(self.create_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._on_create_clicked)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(820, 680)

    # ----- showing the table ------------------------------------------------------------------

    def _show_table(self, propose: bool) -> None:
        """Fill every widget from `self.table`; `propose`: choose the columns afresh (a new
        table) rather than keep the user's choices where the columns still exist."""
        table = self.table
        self._updating = True
        try:
            self._infos = analyse_columns(table)
            kept_target = None if propose else self.target.currentData()
            rows = len(table.rows)
            where = f", sheet “{table.sheet}”" if table.sheet else ""
            self.summary.setText(
                f"<b>{table.source}</b>{where}: {rows:,} row{'s' if rows != 1 else ''} of "
                f"{len(table.header)} column{'s' if len(table.header) != 1 else ''}."
            )
            if table.delimiter is not None:
                self.delimiter.setCurrentIndex(self.delimiter.findData(table.delimiter))
            self.decimal_comma.setChecked(table.decimal_comma)
            self.has_header.setChecked(table.has_header)
            if table.sheet is not None:
                self.sheet.setCurrentText(table.sheet)
            self._fill_preview()
            proposal = propose_choices(table, self._infos)
            target = kept_target if kept_target in table.header else proposal.target
            self.target.clear()
            for info in self._infos:
                self.target.addItem(f"{info.name} ({_kind_text(info)})", info.name)
            self.target.setCurrentIndex(self.target.findData(target))
            if propose:
                self._wanted = set(proposal.inputs)
            self._fill_inputs(self._wanted, target)
            self._set_task(target)
            if propose:
                self.hidden_units.setValue(proposal.hidden_units)
        finally:
            self._updating = False
        self._refresh()

    def _fill_preview(self) -> None:
        table = self.table
        shown = table.rows[:PREVIEW_ROWS]
        self.preview.clear()
        self.preview.setColumnCount(len(table.header))
        self.preview.setRowCount(len(shown))
        self.preview.setHorizontalHeaderLabels(list(table.header))
        self.preview.setVerticalHeaderLabels([str(line) for line in table.lines[:PREVIEW_ROWS]])
        for row, cells in enumerate(shown):
            for column, cell in enumerate(cells):
                item = QTableWidgetItem(cell)
                if not cell:
                    item.setBackground(QColor(MISSING_CELL_BACKGROUND))
                    item.setToolTip("empty cell")
                self.preview.setItem(row, column, item)
        # As tall as the rows shown and no taller: the room goes to the column choices.
        frame = 2 * self.preview.frameWidth()
        scroll = self.preview.horizontalScrollBar().sizeHint().height()
        header = self.preview.horizontalHeader().sizeHint().height()
        rows = self.preview.verticalHeader().defaultSectionSize() * max(1, len(shown))
        height = frame + scroll + header + rows
        self.preview.setMaximumHeight(height)
        self.preview.setMinimumHeight(min(height, PREVIEW_MIN_HEIGHT))

    def _fill_inputs(self, chosen: set[str], target: str) -> None:
        self.inputs.clear()
        for info in self._infos:
            about = "the target" if info.name == target else _input_text(info)
            item = QListWidgetItem(f"{info.name} — {about}")
            item.setToolTip(item.text())
            item.setData(Qt.ItemDataRole.UserRole, info.name)
            flags = Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
            if info.kind == "text" or info.name == target:
                flags = Qt.ItemFlag.NoItemFlags  # shown, so the user sees why it is not offered
            item.setFlags(flags)
            checked = info.name in chosen and info.kind != "text" and info.name != target
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            if info.name == target:
                item.setToolTip("The target column")
            elif info.kind == "text":
                item.setToolTip(
                    f"{info.distinct} different texts: more than {MAX_CATEGORIES}, so it is "
                    "likely a name or an identifier"
                )
            self.inputs.addItem(item)

    def _set_task(self, target: str) -> None:
        info = next(info for info in self._infos if info.name == target)
        self.task.setCurrentIndex(self.task.findData(detected_task(info)))
        divisor = proposed_target_divisor(self.table, target)
        self.divisor.setCurrentIndex(max(0, self.divisor.findData(divisor)))

    def _chosen_inputs(self) -> list[str]:
        names = []
        for row in range(self.inputs.count()):
            item = self.inputs.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                names.append(item.data(Qt.ItemDataRole.UserRole))
        return names

    # ----- choices ----------------------------------------------------------------------------

    def set_input(self, name: str, checked: bool) -> None:
        """Tick or untick the input column `name` (as a click on its box does)."""
        for row in range(self.inputs.count()):
            item = self.inputs.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
                item.setCheckState(state)

    def choices(self) -> ImportChoices:
        """What the dialog's widgets say now."""
        regression = self.task.currentData() == "regression"
        return ImportChoices(
            inputs=tuple(self._chosen_inputs()),
            target=self.target.currentData() or "",
            task=self.task.currentData(),
            skip_bad_rows=self.skip.isChecked(),
            train_fraction=self.train_percent.value() / 100,
            seed=self.seed.value(),
            scaling=self.scaling.currentData(),
            hidden_units=self.hidden_units.value(),
            hidden_activation=self.hidden_activation.currentText(),
            target_divisor=self.divisor.currentData() if regression else 1.0,
        )

    @Slot()
    def _on_format_changed(self) -> None:
        if self._updating:
            return
        # What the user just set is taken as said; the rest is detected afresh for the new
        # reading (another sheet may have no header, another delimiter no decimal comma).
        changed = self.sender()
        header = {self.has_header: self.has_header.isChecked()}.get(changed)
        if changed is self.decimal_comma:
            header = self.table.has_header
        options: dict = {"has_header": header}
        try:
            if self.table.delimiter is None:
                table = read_table_file(self.table.path, sheet=self.sheet.currentText(), **options)
            else:
                options["delimiter"] = self.delimiter.currentData()
                if changed is self.decimal_comma:
                    options["decimal_comma"] = self.decimal_comma.isChecked()
                elif changed is self.has_header:
                    options["decimal_comma"] = self.table.decimal_comma
                if self._text is not None:
                    table = parse_table_text(self._text, self.table.source, **options)
                else:
                    table = read_table_file(self.table.path, **options)
        except TableImportError as exc:
            self._show_problem(str(exc))
            return
        same_columns = table.header == self.table.header
        self.table = table
        self._show_table(propose=not same_columns)

    @Slot()
    def _on_target_changed(self) -> None:
        if self._updating:
            return
        target = self.target.currentData()
        self._updating = True
        try:
            # The column that was the target becomes an input: most often the user swaps them.
            old = next((info for info in self._infos if info.name == self._target), None)
            if old is not None and old.kind != "text":
                self._wanted.add(old.name)
            self._fill_inputs(self._wanted, target)
            self._set_task(target)
        finally:
            self._updating = False
        self._refresh()

    @Slot(QListWidgetItem)
    def _on_inputs_item_changed(self, item: QListWidgetItem) -> None:
        if self._updating or not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return
        name = item.data(Qt.ItemDataRole.UserRole)
        if item.checkState() == Qt.CheckState.Checked:
            self._wanted.add(name)
        else:
            self._wanted.discard(name)
        self._refresh()

    @Slot()
    def _on_choice_changed(self) -> None:
        if not self._updating:
            self._refresh()

    def _refresh(self) -> None:
        """Clean the table as the choices say and show the outcome; Create only when it works."""
        choices = self.choices()
        self._target = choices.target
        self.divisor.setEnabled(choices.task == "regression")
        try:
            plan = plan_import(self.table, choices, self._infos)
        except TableImportError as exc:
            problems = self._row_problems(choices)
            self._show_rows_line(problems)
            self.classes.setText("—")
            self.network.setText("")
            self._show_problem(str(exc))
            return
        self._show_rows_line(plan.skipped)
        classes = plan.classes
        self.classes.setText(", ".join(classes) if classes else "— (a number is predicted)")
        outputs, activation, loss = output_layer(classes)
        if classes is None and choices.target_divisor != 1:
            activation += f" ({choices.target} ÷ {choices.target_divisor:,.0f})"
        kept = len(plan.inputs)
        train = training_rows(kept, choices.train_fraction)
        self.network.setText(
            f"Network: {len(plan.feature_names)} inputs → {choices.hidden_units} "
            f"{choices.hidden_activation} → {outputs} {activation}, loss {loss}; "
            f"Adam, learning rate {LEARNING_RATE:g}. "
            f"{kept:,} rows used: {train:,} to train, {kept - train:,} to test."
        )
        self.status.setText("")
        self.create_button.setEnabled(True)
        self.create_button.setToolTip("")

    def _row_problems(self, choices: ImportChoices):
        """The unusable rows when the plan failed for another reason (shown all the same)."""
        try:
            every = dataclasses.replace(choices, skip_bad_rows=True)
            return plan_import(self.table, every, self._infos).skipped
        except TableImportError:
            return ()

    def _show_rows_line(self, problems) -> None:
        self.problems_box.setVisible(bool(problems))
        self.problems.setText(problems_summary(problems) + ":")

    def _show_problem(self, message: str) -> None:
        self.status.setText(message)
        self.create_button.setEnabled(False)
        self.create_button.setToolTip(message)

    @Slot()
    def _on_create_clicked(self) -> None:
        choices = self.choices()
        try:
            plan_import(self.table, choices, self._infos)
        except TableImportError as exc:
            self._show_problem(str(exc))
            return
        self.accept()
        self.created.emit(self.table, choices)


def _kind_text(info: ColumnInfo) -> str:
    if info.kind == "numeric":
        return "whole numbers" if info.whole else "numbers"
    if info.kind == "category":
        return f"{info.distinct} label{'s' if info.distinct != 1 else ''}"
    return "text"


def _input_text(info: ColumnInfo) -> str:
    holes = []
    if info.missing:
        holes.append(f"{info.missing} empty")
    if info.bad:
        holes.append(f"{info.bad} not numbers")
    extra = f" ({', '.join(holes)})" if holes else ""
    if info.kind == "numeric":
        return f"numbers{extra}"
    if info.kind == "category":
        return f"{len(info.values)} one-hot inputs: {', '.join(info.values)}{extra}"
    return f"text, {info.distinct} different values: cannot be an input"
