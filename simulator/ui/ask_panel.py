"""The "Ask the network" panel: the learner types (or picks) a value for each raw input and reads
the network's answer at once, live while it trains; every number shown comes from the engine."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..app.predict import Prediction, answer_text, column_list
from ..app.snapshot import DataPicture, Snapshot
from ..app.walk_stages import number
from .training_keys import mark_numeric
from .typed_numbers import NumberError, parse_number

# Beyond this many raw columns (the digits' 64 pixels) nobody types an input by hand: the panel
# asks about a sample picked from the data instead.
MAX_FIELDS = 8
# Significant digits of a value the panel writes into a field (a sample's, a clicked point's).
FIELD_DIGITS = 6
# Output activations listed by name beside the answer; more are summed up by the answer alone.
MAX_OUTPUTS_LISTED = 10
TEST_SET, TRAINING_SET = "test", "training"
ANSWER_PX = 20
INTRO = (
    "Type a value for each input and read the network's answer at once; it follows training "
    "as it goes. With Probe on in the data view, a click on the plane asks about that point."
)
MANY_INPUTS = (
    "This data has {count} inputs ({names}): too many to type here. Pick a sample below to ask "
    "about it, or ask about rows of your own with <code>nnsim predict SCENARIO --csv FILE</code>."
)


def field_text(value: float) -> str:
    """How the panel writes a value into a field: a few significant digits, as typed by hand."""
    return f"{float(value):.{FIELD_DIGITS}g}"


class AskPanel(QWidget):
    """One field per raw input column (or a sample picker for data with many), the answer the
    latest snapshot gives for them, and "Step through this input".

    Signals: probe_changed(raw (1, d) float64) whenever the input changes to valid values;
    step_through_requested(raw (d,) float64) from the button.
    """

    probe_changed = Signal(object)
    step_through_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._picture: DataPicture | None = None
        self._raw: np.ndarray | None = None
        self._many: np.ndarray | None = None  # the picked sample's values, for many inputs
        self.fields: list[QLineEdit] = []
        self.prediction: Prediction | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(6)
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        intro.setStyleSheet("color: #555555;")
        outer.addWidget(intro)

        self.many_label = QLabel()
        self.many_label.setWordWrap(True)
        self.many_label.setTextFormat(Qt.TextFormat.RichText)
        outer.addWidget(self.many_label)
        self._form_widget = QWidget()
        self.form = QFormLayout(self._form_widget)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # In a narrow dock a long column name goes above its field rather than squeezing it.
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._form_scroll = QScrollArea()
        self._form_scroll.setWidget(self._form_widget)
        self._form_scroll.setWidgetResizable(True)
        self._form_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self._form_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(self._form_scroll)

        # Two short rows rather than one long one: the dock is often narrow.
        fill_label = QLabel("Or fill the fields with a sample:")
        fill_label.setWordWrap(True)
        outer.addWidget(fill_label)
        pick = QHBoxLayout()
        self.set_combo = QComboBox()
        self.set_combo.addItem("test sample", TEST_SET)
        self.set_combo.addItem("training sample", TRAINING_SET)
        self.set_combo.setToolTip("Which samples the number below picks from")
        # The dock may be narrow: the chooser need not be as wide as its longest entry.
        self.set_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.set_combo.setMinimumContentsLength(5)
        pick.addWidget(self.set_combo, 1)
        outer.addLayout(pick)
        pick_number = QHBoxLayout()
        self.sample_spin = QSpinBox()
        self.sample_spin.setMinimum(1)
        self.sample_spin.setToolTip("The sample whose values Fill puts into the fields")
        self.fill_button = QPushButton("Fill")
        self.fill_button.setToolTip("Put the chosen sample's values into the fields")
        pick_number.addWidget(self.sample_spin, 1)
        pick_number.addWidget(self.fill_button)
        outer.addLayout(pick_number)

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.hide()
        outer.addWidget(self.error_label)

        outer.addWidget(QLabel("The network says:"))
        self.answer_label = QLabel("—")
        font = QFont()
        font.setPixelSize(ANSWER_PX)
        font.setBold(True)
        self.answer_label.setFont(font)
        self.answer_label.setWordWrap(True)
        self.answer_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.answer_label)
        self.detail_label = QLabel()
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.detail_label)

        self.step_button = QPushButton("Step through this input")
        self.step_button.setToolTip(
            "Walk through the forward pass on these values, layer by layer, up to the answer. "
            "There is no target, so no loss and no update: the network is not changed."
        )
        outer.addWidget(self.step_button)
        outer.addStretch(1)

        self.fill_button.clicked.connect(self._on_fill_clicked)
        self.set_combo.currentIndexChanged.connect(self._on_set_changed)
        self.step_button.clicked.connect(self._on_step_clicked)
        self.setEnabled(False)

    # ----- what the window hands over ---------------------------------------------------------

    @Slot(object)
    def set_data(self, picture: DataPicture) -> None:
        """New data: fields for its raw columns, filled with its first test sample (the first
        training sample when there is no test set). The same columns keep what was typed."""
        same = self._picture is not None and self._picture.raw_names == picture.raw_names
        self._picture = picture
        self._update_sample_range()
        if same:
            return
        self._build_fields(picture.raw_names)
        self.setEnabled(True)
        has_test = len(picture.test_raw) > 0
        self.set_combo.blockSignals(True)
        self.set_combo.setCurrentIndex(0 if has_test else 1)
        self.set_combo.blockSignals(False)
        self._update_sample_range()
        self.sample_spin.setValue(1)
        self._fill_from_sample()

    @Slot(object)
    def set_snapshot(self, snapshot: Snapshot) -> None:
        """Show the snapshot's answer when it is the answer to the values shown now (one asked
        for before may still be on its way; the answer shown stays until the new one comes)."""
        answer = snapshot.probe
        raw = self._raw
        if answer is None or raw is None or not np.array_equal(answer.raw, raw):
            return
        self.prediction = answer
        self.answer_label.setText(answer_text(answer))
        self.detail_label.setText(self._detail(answer))

    def set_input(self, values) -> None:
        """Ask about `values` (d,) in the data's raw columns: they go into the fields as typed
        numbers would, and the probe changes."""
        values = [float(v) for v in values]
        if self._picture is None or len(values) != len(self._picture.raw_names):
            return
        if self.fields:
            for field, value in zip(self.fields, values, strict=True):
                field.setText(field_text(value))
            self._on_field_edited()
        else:
            self._many = np.array(values)
            self._set_raw(self._many.copy())

    def raw(self) -> np.ndarray | None:
        """The input asked about now (1, d), or None while a field holds no number."""
        return None if self._raw is None else self._raw.copy()

    def shown_answer(self) -> str:
        return self.answer_label.text()

    # ----- building ---------------------------------------------------------------------------

    def _build_fields(self, names: tuple[str, ...]) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = []
        self._many = None
        many = len(names) > MAX_FIELDS
        self.many_label.setVisible(many)
        self._form_scroll.setVisible(not many)
        if many:
            self.many_label.setText(MANY_INPUTS.format(count=len(names), names=column_list(names)))
            return
        for name in names:
            field = QLineEdit()
            field.setToolTip(f"The value of {name}, in the data's own units")
            mark_numeric(field)  # Space, R and T still train while a number is typed
            field.textEdited.connect(self._on_field_edited)
            self.form.addRow(f"{name}:", field)
            self.fields.append(field)
        # As tall as the fields, so that two inputs do not leave a gap.
        self._form_widget.adjustSize()
        self._form_scroll.setMinimumHeight(
            min(self._form_widget.sizeHint().height(), 6 * self.fontMetrics().height() * 2)
        )

    def _update_sample_range(self) -> None:
        rows = self._sample_rows()
        count = 0 if rows is None else len(rows)
        self.sample_spin.setMaximum(max(count, 1))
        self.sample_spin.setSuffix(f" of {count}")
        self.fill_button.setEnabled(count > 0)
        self.sample_spin.setEnabled(count > 0)

    def _sample_rows(self) -> np.ndarray | None:
        picture = self._picture
        if picture is None:
            return None
        test = self.set_combo.currentData() == TEST_SET
        return picture.test_raw if test else picture.train_raw

    # ----- the learner's changes --------------------------------------------------------------

    @Slot()
    def _on_fill_clicked(self) -> None:
        self._fill_from_sample()

    @Slot()
    def _on_set_changed(self) -> None:
        self._update_sample_range()

    def _fill_from_sample(self) -> None:
        rows = self._sample_rows()
        if rows is None or not len(rows):
            return
        self.set_input(rows[self.sample_spin.value() - 1])

    @Slot()
    def _on_field_edited(self) -> None:
        values = []
        for field, name in zip(self.fields, self._picture.raw_names, strict=True):
            try:
                values.append(parse_number(field.text()))
            except NumberError as error:
                self.error_label.setText(f"{name}: {error}")
                self.error_label.show()
                self.step_button.setEnabled(False)
                return
        self.error_label.hide()
        self._set_raw(np.array(values))

    def _set_raw(self, values: np.ndarray) -> None:
        self.step_button.setEnabled(True)
        raw = values.reshape(1, -1)
        if self._raw is not None and np.array_equal(raw, self._raw):
            return
        self._raw = raw
        self.probe_changed.emit(raw.copy())

    @Slot()
    def _on_step_clicked(self) -> None:
        if self._raw is not None:
            self.step_through_requested.emit(self._raw[0].copy())

    # ----- words ------------------------------------------------------------------------------

    def _detail(self, answer: Prediction) -> str:
        """The output layer's activations behind the answer, and what kind of number it is."""
        if answer.problem is not None:
            return f"An input feature has no value here: {answer.problem}."
        outputs = answer.outputs[0]
        if answer.classes is None:
            values = ", ".join(number(v) for v in outputs)
            return f"Output layer: {values}, in the units of the target."
        names = answer.class_names
        if len(outputs) == 1:
            text = f"Output layer: a = {number(outputs[0])}"
            if answer.probabilities is not None:
                text += f", the probability of {names[1]} (of {names[0]}: 1 − a)."
            else:
                text += ", a score, not a probability."
            return text
        listed = " · ".join(
            f"{names[k] if k < len(names) else k} {number(v)}"
            for k, v in enumerate(outputs[:MAX_OUTPUTS_LISTED])
        )
        more = " …" if len(outputs) > MAX_OUTPUTS_LISTED else ""
        kind = "probabilities" if answer.probabilities is not None else "scores, not probabilities"
        return f"Output layer ({kind}): {listed}{more}"
