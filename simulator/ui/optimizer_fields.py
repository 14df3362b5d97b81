"""The settings panel's optimizer fields (Adam's betas, RMSprop's alpha, AdamW's decay, epsilon)
and its learning-rate schedule row; every change becomes an edit of the scenario."""

from __future__ import annotations

import functools

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from ..app import edits
from ..app.scenario import OPTIMIZER_FIELDS, SCHEDULE_FIELDS, Scenario
from .training_keys import mark_numeric
from .typed_numbers import NumberError, parse_number

OPTIMIZER_LABELS = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop", "adamw": "AdamW"}
SCHEDULE_LABELS = {
    "none": "Constant",
    "step": "Step",
    "exponential": "Exponential",
    "cosine": "Cosine",
}
# The fields this module shows (momentum keeps its own row in the panel), with their labels.
FIELD_LABELS = {
    "beta1": "β1",
    "beta2": "β2",
    "alpha": "α",
    "eps": "ε",
    "weight_decay": "decay λ",
    "step_size": "N",
    "gamma": "γ",
    "t_max": "T max",
    "eta_min": "η min",
}
FIELD_TIPS = {
    "beta1": (
        "How long Adam's running average of the gradient remembers (PyTorch: 0.9). "
        "Try 0.5 and watch the steps follow each batch more nervously."
    ),
    "beta2": (
        "How long Adam's running average of the squared gradient remembers (PyTorch: 0.999). "
        "Try 0.9 to let the step sizes adapt faster."
    ),
    "alpha": (
        "How long RMSprop's running average of the squared gradient remembers (PyTorch: 0.99). "
        "Try 0.9 to let the step sizes adapt faster."
    ),
    "eps": (
        "Added to the root of the squared-gradient average so that no step divides by 0. "
        "Try 0.1 to see the steps shrink where gradients are small."
    ),
    "weight_decay": (
        "AdamW: each step every weight also shrinks by learning rate × λ times itself; biases "
        "do not. Try 0.1 on a network that overfits."
    ),
    "step_size": (
        "Step schedule: the rate is multiplied by γ after every N epochs. "
        "Try N = 20 with γ = 0.5 and see the loss settle after each drop."
    ),
    "gamma": (
        "The factor the rate is multiplied by (step: every N epochs; exponential: each epoch). "
        "Try 0.95 with the exponential schedule."
    ),
    "t_max": (
        "Cosine: epochs from the first rate down to η min; after them it climbs back. "
        "Try the number of epochs you mean to train."
    ),
    "eta_min": (
        "Cosine: the lowest rate, reached after T max epochs. "
        "Try 0 to end with the finest steps, or a tenth of the learning rate."
    ),
}
SCHEDULE_TIP = (
    "How the learning rate changes from epoch to epoch, as PyTorch's StepLR (× γ every N "
    "epochs), ExponentialLR (× γ each epoch) and CosineAnnealingLR (half a cosine down to η min "
    "over T max epochs), stepped after each epoch; the learning rate above is the first epoch's. "
    "A change applies from the next epoch. Try Cosine with Adam: large steps first, fine ones "
    "at the end."
)
CURRENT_RATE_TIP = "The learning rate the epoch under way trains at, as the schedule sets it."


class _Fields(QWidget):
    """A grid of labelled number fields, two to a row, showing only the fields in use."""

    edit_requested = Signal(object)
    invalid_input = Signal(str)

    def __init__(self, names: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scenario: Scenario | None = None
        self._updating = False
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(4)
        self.grid.setVerticalSpacing(2)
        self.fields: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        for name in names:
            field = self._make_field(name)
            field.setToolTip(FIELD_TIPS[name])
            label = QLabel(FIELD_LABELS[name])
            label.setToolTip(FIELD_TIPS[name])
            self.fields[name], self.labels[name] = field, label

    def _make_field(self, name: str) -> QWidget:
        if name in ("beta1", "beta2", "alpha"):
            spin = QDoubleSpinBox()
            spin.setRange(0.0, 0.9999)
            spin.setDecimals(4)
            spin.setSingleStep(0.01)
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(functools.partial(self._on_field_changed, name))
            return spin
        if name in ("step_size", "t_max"):
            spin = QSpinBox()
            spin.setRange(1, 1_000_000)
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(functools.partial(self._on_field_changed, name))
            return spin
        line = QLineEdit()
        mark_numeric(line)
        line.editingFinished.connect(functools.partial(self._on_text_edited, name))
        return line

    def _lay_out(self, shown: tuple[str, ...]) -> None:
        """Put the `shown` fields in the grid, two to a row, and hide the rest."""
        while self.grid.count():
            self.grid.takeAt(0)
        for index, name in enumerate(shown):
            row, column = divmod(index, 2)
            self.grid.addWidget(self.labels[name], row, 2 * column)
            self.grid.addWidget(self.fields[name], row, 2 * column + 1)
        # After adding: a layout shows a widget it adopts only later, from the event loop.
        for name, field in self.fields.items():
            visible = name in shown
            field.setVisible(visible)
            self.labels[name].setVisible(visible)
        for column in (1, 3):
            self.grid.setColumnStretch(column, 1)

    def _set(self, name: str, value: float) -> None:
        field = self.fields[name]
        if isinstance(field, QLineEdit):
            field.setText(f"{value:g}")
        else:
            field.setValue(value)

    def _edit(self, name: str, value: float):  # pragma: no cover - each subclass has its own
        raise NotImplementedError

    @Slot()
    def _on_text_edited(self, name: str) -> None:
        if self._updating or self._scenario is None:
            return
        field = self.fields[name]
        try:
            value = parse_number(field.text())
        except NumberError as refusal:
            self.invalid_input.emit(f"{FIELD_LABELS[name]}: {refusal} Nothing was changed.")
            self.show_scenario(self._scenario)
            return
        self._on_field_changed(name, value)

    def _on_field_changed(self, name: str, value: float) -> None:
        if self._updating or self._scenario is None:
            return
        edit = self._edit(name, value)
        if edit is not None:
            self.edit_requested.emit(edit)

    def show_scenario(self, scenario: Scenario) -> None:  # pragma: no cover - per subclass
        raise NotImplementedError


class OptimizerFields(_Fields):
    """The named optimizer's own fields besides the learning rate and momentum."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(("beta1", "beta2", "alpha", "eps", "weight_decay"), parent)

    def show_scenario(self, scenario: Scenario) -> None:
        """Show `scenario`'s optimizer fields without emitting edits."""
        self._scenario = scenario
        optimizer = scenario.training.optimizer
        shown = tuple(n for n in OPTIMIZER_FIELDS[optimizer.name] if n in self.fields)
        self._updating = True
        try:
            self._lay_out(shown)
            for name in shown:
                self._set(name, getattr(optimizer, name))
        finally:
            self._updating = False
        self.setVisible(bool(shown))

    def _edit(self, name: str, value: float):
        if value == getattr(self._scenario.training.optimizer, name):
            return None
        return functools.partial(edits.set_optimizer, **{name: value})


class ScheduleFields(_Fields):
    """The schedule's name, its fields, and the rate the current epoch trains at."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(("step_size", "gamma", "t_max", "eta_min"), parent)
        self.schedule = QComboBox()
        for name, label in SCHEDULE_LABELS.items():
            self.schedule.addItem(label, name)
        self.schedule.setToolTip(SCHEDULE_TIP)
        self.schedule.currentIndexChanged.connect(self._on_schedule_changed)
        self.current_rate = QLabel()
        self.current_rate.setToolTip(CURRENT_RATE_TIP)

    def show_scenario(self, scenario: Scenario) -> None:
        """Show `scenario`'s schedule without emitting edits."""
        self._scenario = scenario
        spec = scenario.training.schedule
        shown = () if spec is None else SCHEDULE_FIELDS[spec.name]
        self._updating = True
        try:
            self.schedule.setCurrentIndex(self.schedule.findData(spec.name if spec else "none"))
            self._lay_out(shown)
            for name in shown:
                self._set(name, getattr(spec, name))
        finally:
            self._updating = False
        self.setVisible(bool(shown))
        self.current_rate.setVisible(spec is not None)

    def show_rate(self, rate: float | None, epoch: int) -> None:
        """Say the rate epoch `epoch` trains at (as the trainer reports it)."""
        text = "" if rate is None else f"η now {rate:.4g} (epoch {epoch + 1:,})"
        if text != self.current_rate.text():
            self.current_rate.setText(text)

    def _edit(self, name: str, value: float):
        spec = self._scenario.training.schedule
        if spec is None or value == getattr(spec, name):
            return None
        if name in ("step_size", "t_max"):
            value = int(value)
        return functools.partial(edits.set_schedule, name=spec.name, **{name: value})

    @Slot(int)
    def _on_schedule_changed(self, index: int) -> None:
        if self._updating or self._scenario is None:
            return
        name = self.schedule.itemData(index)
        self.edit_requested.emit(functools.partial(edits.set_schedule, name=name))
