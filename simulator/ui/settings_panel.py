"""The side panel of hyperparameters, data and input features; every change becomes an edit of
the scenario that the controller applies."""

from __future__ import annotations

import functools

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..app import edits
from ..app.formula_check import check_feature
from ..app.scenario import FUNCTION_GENERATOR, CsvData, GeneratorData, InlineData, Scenario
from ..app.snapshot import GENERATOR_BOUNDS, DataPicture
from ..engine import features
from ..engine.probe import feature_over_plane
from .formula_field import FormulaField
from .optimizer_fields import OPTIMIZER_LABELS, OptimizerFields, ScheduleFields
from .palette import heatmap_rgba
from .training_keys import mark_numeric
from .typed_numbers import NumberError, parse_number

GENERATOR_LABELS = {
    "circle": "Circle",
    "xor": "XOR",
    "gaussian": "Two Gaussians",
    "spiral": "Spiral",
    "regression_plane": "Regression: plane",
    "regression_gaussians": "Regression: six bumps",
    "function": "Function…",
}
# The function data set's two tasks, and what its formula is a function of in each.
FUNCTION_TASK_LABELS = {"classification": "Above or below", "regression": "Regression"}
FUNCTION_OF = {"classification": "y = f(X1)", "regression": "y = f(X1, X2)"}
ACTIVATION_LABELS = {
    "tanh": "tanh",
    "relu": "ReLU",
    "leaky_relu": "leaky ReLU",
    "sigmoid": "sigmoid",
    "linear": "linear",
    "softmax": "softmax",
    "elu": "ELU",
    "gelu": "GELU",
    "silu": "SiLU (Swish)",
    "softplus": "softplus",
}
LOSS_LABELS = {
    "bce": "binary cross-entropy",
    "cross_entropy": "cross-entropy (softmax)",
    "mse": "mean squared error",
    "half_sse": "½ sum of squares",
}
LEARNING_RATES = (
    "0.00001",
    "0.0001",
    "0.001",
    "0.003",
    "0.01",
    "0.03",
    "0.1",
    "0.3",
    "1",
    "3",
    "10",
)
REGULARIZATION_RATES = ("0", *LEARNING_RATES[1:])
DROPOUT_RATES = ("0", "0.1", "0.2", "0.3", "0.5")
NEW_ACTIVATIONS = ("elu", "gelu", "silu", "softplus")
THUMBNAIL = 28
# Each setting's tooltip: what it does, in one sentence, then one thing to try.
SCALING_LABELS = {
    "none": "None (raw values)",
    "standardize": "Standardize (mean 0, spread 1)",
    "min_max": "Min–max (−1 to 1)",
}
# Shown while the file gives each column its own method; choosing another applies it to all.
PER_COLUMN_SCALING = "Per column, as the file says"

SETTING_TIPS = {
    "scaling": (
        "How each raw input column is scaled before the network sees it, with statistics "
        "measured on the training split. Columns in very different units (grams beside "
        "millimetres) saturate the neurons unscaled. Try None on the penguins and Reset."
    ),
    "generator": (
        "The pattern of points the network learns to separate or to fit. "
        "Try Spiral once Circle is easy: it needs more neurons, or the sin features."
    ),
    "noise": (
        "How far the points scatter from their pattern, from 0 to 50 %. "
        "Try 30 % and watch the test loss part from the training loss."
    ),
    "train_share": (
        "The share of the points the network trains on; the rest are kept aside to test it. "
        "Try 10 %: with few training points the test loss rises while the training loss falls."
    ),
    "samples": (
        "How many points the generator draws. "
        "Try a few dozen on Spiral and see the network learn the points rather than the pattern."
    ),
    "regenerate": (
        "Draws new points of the same kind with a new seed; the weights stay as they are. "
        "Try it after training: a network that learned the pattern stays right on new points."
    ),
    "learning_rate": (
        "How far each update moves the weights along the gradient. "
        "Try ten times larger or smaller: too large and the loss jumps or explodes, too small "
        "and it hardly moves."
    ),
    "optimizer": (
        "How a gradient becomes a step: SGD steps straight down the slope, Adam and RMSprop "
        "size each weight's step from its recent gradients, AdamW is Adam that also shrinks "
        "the weights. Try Adam with learning rate 0.01 when SGD crawls."
    ),
    "momentum": (
        "SGD and RMSprop: the share of the last step carried into the next, so steps keep rolling "
        "the way they were going (0 is plain SGD). Try 0.9 with a smaller learning rate."
    ),
    "batch_size": (
        "How many training samples each step averages its gradient over; an epoch is the "
        "samples divided by this many steps. Try 1 for quick, noisy steps and the whole "
        "training set for smooth, slow ones."
    ),
    "regularization": (
        "A penalty on large weights added to the loss: L2 shrinks every weight a little, L1 "
        "pushes the unneeded ones to exactly zero. Try L2 on a noisy data set that overfits."
    ),
    "regularization_rate": (
        "How much the penalty on large weights counts against the loss (0 turns it off). "
        "Try 0.001 to 0.01; much more and the weights shrink until the network learns nothing."
    ),
    "dropout": (
        "The share of hidden neurons switched off at random in each training step (the rest "
        "count 1/(1 − p) times as much); evaluation and pictures use them all. "
        "Try 0.2 on a noisy data set that overfits, and watch the test loss."
    ),
    "hidden_activation": (
        "The function each hidden neuron applies to its sum before passing it on. "
        "Try ReLU against tanh on Spiral and compare how fast the loss falls."
    ),
    "output_activation": (
        "The function of the output neurons: sigmoid for two classes, softmax for several, "
        "linear for a number. Try changing it together with the loss that suits it."
    ),
    "loss": (
        "How the network's error is measured; training makes this number smaller. "
        "Try cross-entropy against mean squared error on the same classifier."
    ),
    "initialization": (
        "How the first weights are drawn when you press Reset. "
        "Try Uniform ±0.5 on a deep tanh network, then Xavier, and compare the first epochs."
    ),
    "expression": (
        "The function the data is drawn from: for classification the curve y = f(X1) that "
        "parts the classes, for regression the value y = f(X1, X2). Try 2*sin(X1), then "
        "X1^2/3 - 2, and see which hidden layers each needs."
    ),
    "function_task": (
        "Whether the points are classed by the side of the curve they lie on, or carry the "
        "function's value as their target. Try both on the same formula."
    ),
    "formula": (
        "Type a feature of your own, made from the raw inputs: numbers, + − × ÷ ^, "
        "parentheses and sin cos tan exp log sqrt abs tanh; press Enter to add it. "
        "Try sqrt(X1^2 + X2^2) on Circle: one input that already tells the classes apart."
    ),
    "add_formula": (
        "Adds the formula typed beside it as a new input feature, if it can be computed on "
        "every point. Try X1*X2 on XOR with no hidden layer."
    ),
    "init_seed": (
        "The seed of the random first weights: the same seed gives the same weights on Reset. "
        "Try another seed and see whether training ends in the same place."
    ),
}
FEATURE_TIP = (
    "Feed {name} to the network as an input; untick it to leave it out. "
    "Try leaving out one input at a time to see which ones the network needs."
)
REMOVE_FORMULA_TIP = (
    "Removes this formula from the network's inputs, with its weights. "
    "Try removing a feature after training to see how much the network leaned on it."
)
# Feature names up to this long sit two to a row (Playground's X1^2, sin(X1)); longer ones, one.
SHORT_FEATURE_NAME = 9
# A formula's check box shows at most this many characters (the whole formula in its tooltip),
# so that a long one does not widen the panel past its scroll area.
SHOWN_FORMULA = 20


class SettingsPanel(QWidget):
    """Shows the scenario's settings and emits `edit_requested(edit)` with a function
    Scenario → Scenario for each change; `invalid_input(message)` for a value it refused."""

    edit_requested = Signal(object)
    invalid_input = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scenario: Scenario | None = None
        self._updating = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self._build_data_group())
        layout.addWidget(self._build_features_group())
        layout.addWidget(self._build_training_group())
        layout.addWidget(self._build_network_group())
        layout.addStretch(1)
        # Combo boxes otherwise insist on the width of their longest entry, and the panel would
        # be cut off on the right in a narrow window.
        for combo in self.findChildren(QComboBox):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(6)
        self._explain_settings()
        # In a short window the scroll area must scroll, not squeeze the fields below their
        # height until their text is cut.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    # ----- building -----------------------------------------------------------------------

    def _build_data_group(self) -> QGroupBox:
        box = QGroupBox("Data")
        form = QFormLayout(box)
        self._data_form = form
        self.data_source = QLabel()
        self.data_source.setWordWrap(True)
        form.addRow(self.data_source)
        self.scaling = QComboBox()
        for name, label in SCALING_LABELS.items():
            self.scaling.addItem(label, name)
        self.scaling.currentIndexChanged.connect(self._on_scaling_changed)
        form.addRow("Scaling", self.scaling)
        self.generator = QComboBox()
        for name, label in GENERATOR_LABELS.items():
            self.generator.addItem(label, name)
        self.generator.currentIndexChanged.connect(self._on_generator_changed)
        form.addRow("Data set", self.generator)
        self.function_task = QComboBox()
        for task, label in FUNCTION_TASK_LABELS.items():
            self.function_task.addItem(label, task)
        self.function_task.currentIndexChanged.connect(self._on_function_task_changed)
        form.addRow("Task", self.function_task)
        self.expression_field = FormulaField("e.g. 2*sin(X1)")
        self.expression_field.submitted.connect(self._on_expression_submitted)
        self.expression = self.expression_field.line
        form.addRow(FUNCTION_OF["classification"], self.expression_field)
        self.noise = QSlider(Qt.Orientation.Horizontal)
        self.noise.setRange(0, 50)
        self.noise.sliderReleased.connect(self._on_noise_released)
        self.noise_label = QLabel()
        self.noise.valueChanged.connect(self._on_noise_moved)
        form.addRow("Noise", self._row(self.noise, self.noise_label))
        self.train_share = QSlider(Qt.Orientation.Horizontal)
        self.train_share.setRange(10, 90)
        self.train_share.sliderReleased.connect(self._on_train_share_released)
        self.train_share_label = QLabel()
        self.train_share.valueChanged.connect(self._on_train_share_moved)
        form.addRow("Training share", self._row(self.train_share, self.train_share_label))
        self.samples = QSpinBox()
        self.samples.setRange(10, 100_000)
        self.samples.setSingleStep(50)
        self.samples.setKeyboardTracking(False)
        self.samples.valueChanged.connect(self._on_samples_changed)
        form.addRow("Samples", self.samples)
        self.regenerate = QPushButton("Regenerate")
        self.regenerate.clicked.connect(self._on_regenerate_clicked)
        form.addRow(self.regenerate)
        self._generator_widgets = (
            self.generator,
            self.noise.parentWidget(),
            self.train_share.parentWidget(),
            self.samples,
            self.regenerate,
        )
        self._function_widgets = (self.function_task, self.expression_field)
        return box

    def _build_features_group(self) -> QGroupBox:
        box = QGroupBox("Input features")
        column = QVBoxLayout(box)
        self.features_grid = QGridLayout()
        self.features_grid.setHorizontalSpacing(4)
        column.addLayout(self.features_grid)
        self._feature_boxes: dict[str, QCheckBox] = {}
        self.formula_field = FormulaField("Add a formula, e.g. X1*X2", "Add")
        self.formula_field.submitted.connect(self._on_formula_submitted)
        self.formula, self.add_formula = self.formula_field.line, self.formula_field.button
        column.addWidget(self.formula_field)
        self._picture: DataPicture | None = None
        return box

    def _build_training_group(self) -> QGroupBox:
        box = QGroupBox("Training (applies at once)")
        form = QFormLayout(box)
        self.learning_rate = self._number_combo(LEARNING_RATES)
        self.learning_rate.lineEdit().editingFinished.connect(self._on_learning_rate_edited)
        self.learning_rate.activated.connect(self._on_learning_rate_edited)
        form.addRow("Learning rate", self.learning_rate)
        self.optimizer = QComboBox()
        for name, label in OPTIMIZER_LABELS.items():
            self.optimizer.addItem(label, name)
        self.optimizer.currentIndexChanged.connect(self._on_optimizer_changed)
        form.addRow("Optimizer", self.optimizer)
        self.momentum = QDoubleSpinBox()
        self.momentum.setRange(0.0, 0.999)
        self.momentum.setDecimals(3)
        self.momentum.setSingleStep(0.1)
        self.momentum.setKeyboardTracking(False)
        self.momentum.valueChanged.connect(self._on_momentum_changed)
        form.addRow("Momentum", self.momentum)
        # The other optimizers' fields and the rate schedule: ui/optimizer_fields.py.
        self.optimizer_fields = OptimizerFields()
        form.addRow(self.optimizer_fields)
        self.schedule_fields = ScheduleFields()
        form.addRow("Rate schedule", self.schedule_fields.schedule)
        form.addRow(self.schedule_fields)
        form.addRow(self.schedule_fields.current_rate)
        for part in (self.optimizer_fields, self.schedule_fields):
            part.edit_requested.connect(self.edit_requested)
            part.invalid_input.connect(self.invalid_input)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 100_000)
        self.batch_size.setKeyboardTracking(False)
        self.batch_size.valueChanged.connect(self._on_batch_size_changed)
        form.addRow("Batch size", self.batch_size)
        self.regularization = QComboBox()
        for label, kind in (("None", "none"), ("L1", "l1"), ("L2", "l2")):
            self.regularization.addItem(label, kind)
        self.regularization.currentIndexChanged.connect(self._on_regularization_changed)
        form.addRow("Regularization", self.regularization)
        self.regularization_rate = self._number_combo(REGULARIZATION_RATES)
        self.regularization_rate.lineEdit().editingFinished.connect(self._on_regularization_changed)
        self.regularization_rate.activated.connect(self._on_regularization_changed)
        form.addRow("Regularization rate", self.regularization_rate)
        return box

    def _build_network_group(self) -> QGroupBox:
        box = QGroupBox("Network (keeps the weights that fit)")
        form = QFormLayout(box)
        self.hidden_activation = QComboBox()
        for name in ("tanh", "relu", "leaky_relu", "sigmoid", "linear", *NEW_ACTIVATIONS):
            self.hidden_activation.addItem(ACTIVATION_LABELS[name], name)
        self.hidden_activation.currentIndexChanged.connect(self._on_hidden_activation_changed)
        form.addRow("Hidden activation", self.hidden_activation)
        # One rate for every hidden layer: what a learner tries first. A file may give each
        # layer its own; the field then shows them all, and a new rate sets them all.
        self.dropout = self._number_combo(DROPOUT_RATES)
        self.dropout.lineEdit().editingFinished.connect(self._on_dropout_changed)
        self.dropout.activated.connect(self._on_dropout_changed)
        form.addRow("Dropout", self.dropout)
        self.output_activation = QComboBox()
        for name in ("sigmoid", "tanh", "linear", "softmax", "relu", *NEW_ACTIVATIONS):
            self.output_activation.addItem(ACTIVATION_LABELS[name], name)
        self.output_activation.currentIndexChanged.connect(self._on_output_activation_changed)
        form.addRow("Output activation", self.output_activation)
        self.loss = QComboBox()
        for name, label in LOSS_LABELS.items():
            self.loss.addItem(label, name)
        self.loss.currentIndexChanged.connect(self._on_loss_changed)
        form.addRow("Loss", self.loss)
        reset_note = QLabel("Takes effect on Reset:")
        reset_note.setStyleSheet("color: palette(mid);")
        form.addRow(reset_note)
        self.initialization = QComboBox()
        for label, scheme in (
            ("Xavier (uniform)", "xavier"),
            ("He (normal)", "he"),
            ("Uniform ±0.5", "uniform"),
        ):
            self.initialization.addItem(label, scheme)
        self.initialization.currentIndexChanged.connect(self._on_initialization_changed)
        form.addRow("Initialization", self.initialization)
        self.init_seed = QSpinBox()
        self.init_seed.setRange(0, 2**31 - 1)
        self.init_seed.setKeyboardTracking(False)
        self.init_seed.valueChanged.connect(self._on_initialization_changed)
        form.addRow("Weight seed", self.init_seed)
        return box

    def _explain_settings(self) -> None:
        """Give every setting, and the label of its row, its tooltip."""
        for name, tip in SETTING_TIPS.items():
            widget: QWidget = getattr(self, name)
            widget.setToolTip(tip)
            if isinstance(widget, QComboBox) and widget.isEditable():
                widget.lineEdit().setToolTip(tip)
            # A slider sits in a row with its value, a formula's line in its field; the form
            # labels that row.
            inside = isinstance(widget, QSlider) or isinstance(widget.parentWidget(), FormulaField)
            field = widget.parentWidget() if inside else widget
            for form in self.findChildren(QFormLayout):
                label = form.labelForField(field)
                if label is not None:
                    label.setToolTip(tip)

    @staticmethod
    def _row(*widgets: QWidget) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in widgets:
            layout.addWidget(widget)
        return row

    @staticmethod
    def _number_combo(values: tuple[str, ...]) -> QComboBox:
        combo = QComboBox()
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.addItems(values)
        mark_numeric(combo.lineEdit())
        return combo

    # ----- showing the scenario -------------------------------------------------------------

    def set_scenario(self, scenario: Scenario, data: DataPicture | None = None) -> None:
        """Show `scenario`'s settings (and the data's feature choices) without emitting edits."""
        self._scenario = scenario
        self._updating = True
        try:
            self._show_data(scenario)
            self._show_training(scenario)
            self._show_network(scenario)
            if data is not None:
                self._show_features(scenario, data)
        finally:
            self._updating = False

    def _show_data(self, scenario: Scenario) -> None:
        spec = scenario.data
        generated = isinstance(spec, GeneratorData)
        for widget in self._generator_widgets:
            widget.setVisible(generated)
            label = self._data_form.labelForField(widget)
            if label is not None:
                label.setVisible(generated)
        function = generated and spec.generator == FUNCTION_GENERATOR
        for widget in self._function_widgets:
            widget.setVisible(function)
            self._data_form.labelForField(widget).setVisible(function)
        if function:
            self.function_task.setCurrentIndex(self.function_task.findData(spec.task))
            self._data_form.labelForField(self.expression_field).setText(FUNCTION_OF[spec.task])
            self.data_source.setText("Generated from your own function")
            self.expression_field.show_text(spec.expression)
        else:
            self.expression_field.hide_refusal()
            self.data_source.setText("Generated data (Playground's sets)")
        if generated:
            self.generator.setCurrentIndex(self.generator.findData(spec.generator))
            self.noise.setValue(round(spec.noise * 100))
            self.train_share.setValue(round(spec.train_fraction * 100))
            self.samples.setValue(spec.samples)
        elif isinstance(spec, InlineData):
            count = len(spec.train_inputs)
            self.data_source.setText(
                f"Data written in the file: {count} training samples, "
                f"{len(spec.test_inputs)} test samples"
            )
        elif isinstance(spec, CsvData):
            self.data_source.setText(f"Data from {spec.csv}")
            self.train_share.setValue(round(spec.train_fraction * 100))
        self._show_scaling(scenario)
        self._on_noise_moved(self.noise.value())
        self._on_train_share_moved(self.train_share.value())

    def _show_scaling(self, scenario: Scenario) -> None:
        method = "none" if scenario.data.scaling is None else scenario.data.scaling.method
        per_column = self.scaling.findData(None)
        if isinstance(method, str):
            if per_column >= 0:
                self.scaling.removeItem(per_column)
            self.scaling.setCurrentIndex(self.scaling.findData(method))
            return
        if per_column < 0:
            self.scaling.addItem(PER_COLUMN_SCALING, None)
            per_column = self.scaling.count() - 1
        self.scaling.setCurrentIndex(per_column)

    def _show_training(self, scenario: Scenario) -> None:
        training = scenario.training
        self.learning_rate.setEditText(f"{training.optimizer.learning_rate:g}")
        self.optimizer.setCurrentIndex(self.optimizer.findData(training.optimizer.name))
        self.momentum.setValue(training.optimizer.momentum)
        self.momentum.setEnabled(training.optimizer.name in ("sgd", "rmsprop"))
        self.optimizer_fields.show_scenario(scenario)
        self.schedule_fields.show_scenario(scenario)
        self.batch_size.setValue(training.batch_size)
        self.regularization.setCurrentIndex(
            self.regularization.findData(training.regularization.kind)
        )
        self.regularization_rate.setEditText(f"{training.regularization.rate:g}")

    def show_learning_rate(self, rate: float | None, epoch: int) -> None:
        """Say the rate the current epoch `epoch` trains at (shown with a schedule)."""
        self.schedule_fields.show_rate(rate, epoch)

    def _show_network(self, scenario: Scenario) -> None:
        layers = scenario.network.layers
        hidden = [layer.activation for layer in layers[:-1]]
        self.hidden_activation.setEnabled(bool(hidden))
        if hidden:
            self.hidden_activation.setCurrentIndex(self.hidden_activation.findData(hidden[0]))
        self.dropout.setEnabled(bool(hidden))
        rates = list(dict.fromkeys(layer.dropout for layer in layers[:-1])) or [0.0]
        self.dropout.setEditText(", ".join(f"{p:g}" for p in rates))
        self.output_activation.setCurrentIndex(
            self.output_activation.findData(layers[-1].activation)
        )
        self.loss.setCurrentIndex(self.loss.findData(scenario.training.loss))
        init = scenario.network.initialization
        self.initialization.setCurrentIndex(self.initialization.findData(init.scheme))
        self.init_seed.setValue(init.seed)

    def _show_features(self, scenario: Scenario, data: DataPicture) -> None:
        while self.features_grid.count():
            item = self.features_grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self._feature_boxes = {}
        self._picture = data
        names = list(data.raw_names)
        if len(names) == 2:
            names += features.derived_feature_names(*names)
        # The learner's own formulas follow, one to a row under the ready-made features.
        formulas = [name for name in scenario.network.inputs if name not in names]
        chosen = set(scenario.network.inputs)
        columns = _feature_columns(names)
        rows = -(-len(names) // columns)
        places = [divmod(index, columns) for index in range(len(names))]
        places += [(rows + index, 0) for index in range(len(formulas))]
        for name, (row, column) in zip(names + formulas, places, strict=True):
            own = name in formulas
            box = QCheckBox(_shown_formula(name) if own else name)
            box.setToolTip(FEATURE_TIP.format(name=name))
            box.setChecked(name in chosen)
            box.toggled.connect(self._on_feature_toggled)
            self._feature_boxes[name] = box
            if len(data.raw_names) == 2:
                thumbnail = QLabel()
                thumbnail.setPixmap(
                    _feature_thumbnail(data.raw_names, name, data.bounds, data.scaling)
                )
                thumbnail.setToolTip(
                    f"{name} over the input plane, in the colours of the neurons' pictures"
                )
                self.features_grid.addWidget(thumbnail, row, 2 * column)
            if own:
                remove = QToolButton()
                remove.setText("✕")
                remove.setAutoRaise(True)
                remove.setToolTip(REMOVE_FORMULA_TIP)
                remove.clicked.connect(functools.partial(self._on_remove_formula, name))
                self.features_grid.addWidget(
                    self._row(box, remove), row, 2 * column + 1, 1, 2 * columns - 1
                )
            else:
                self.features_grid.addWidget(box, row, 2 * column + 1)

    # ----- the user's changes ---------------------------------------------------------------

    def _emit(self, edit) -> None:
        if not self._updating and self._scenario is not None:
            self.edit_requested.emit(edit)

    @Slot(int)
    def _on_scaling_changed(self, index: int) -> None:
        method = self.scaling.itemData(index)
        if method is not None:
            self._emit(functools.partial(edits.set_scaling, method=method))

    @Slot(int)
    def _on_generator_changed(self, index: int) -> None:
        self._emit(functools.partial(edits.set_generator, generator=self.generator.itemData(index)))

    @Slot(int)
    def _on_noise_moved(self, value: int) -> None:
        self.noise_label.setText(f"{value} %")

    @Slot()
    def _on_noise_released(self) -> None:
        self._emit(functools.partial(edits.set_generator, noise=self.noise.value() / 100))

    @Slot(int)
    def _on_train_share_moved(self, value: int) -> None:
        self.train_share_label.setText(f"{value} %")

    @Slot()
    def _on_train_share_released(self) -> None:
        share = self.train_share.value() / 100
        self._emit(functools.partial(edits.set_generator, train_fraction=share))

    @Slot(int)
    def _on_samples_changed(self, value: int) -> None:
        self._emit(functools.partial(edits.set_generator, samples=value))

    @Slot()
    def _on_regenerate_clicked(self) -> None:
        spec = self._scenario.data if self._scenario else None
        if isinstance(spec, GeneratorData):
            self._emit(functools.partial(edits.set_generator, seed=spec.seed + 1))

    @Slot(int)
    def _on_function_task_changed(self, index: int) -> None:
        self._emit(functools.partial(edits.set_generator, task=self.function_task.itemData(index)))

    @Slot(str)
    def _on_expression_submitted(self, text: str) -> None:
        spec = self._scenario.data if self._scenario else None
        if self._updating or not isinstance(spec, GeneratorData) or spec.task is None:
            return
        try:
            canonical = edits.function_expression(text, spec.task)
        except ValueError as refusal:
            self.expression_field.refuse(refusal)
            return
        if canonical != spec.expression:
            self._emit(functools.partial(edits.set_generator, expression=text))

    @Slot(str)
    def _on_formula_submitted(self, text: str) -> None:
        if self._scenario is None or not text.strip():
            return
        try:
            check_feature(self._scenario, self._picture, text)
        except ValueError as refusal:
            self.formula_field.refuse(refusal, "Not added")
            return
        self.formula.clear()
        raw_names = None if self._picture is None else self._picture.raw_names
        self._emit(functools.partial(edits.add_feature, text=text, raw_names=raw_names))

    def _on_remove_formula(self, name: str) -> None:
        if self._scenario is None:
            return
        names = [kept for kept in self._scenario.network.inputs if kept != name]
        if not names:
            self.invalid_input.emit("The network needs at least one input feature.")
            return
        self._emit(functools.partial(edits.set_features, names=names))

    @Slot(bool)
    def _on_feature_toggled(self, _checked: bool) -> None:
        names = [name for name, box in self._feature_boxes.items() if box.isChecked()]
        if not names:
            self.invalid_input.emit("The network needs at least one input feature.")
            self.set_scenario(self._scenario)
            return
        self._emit(functools.partial(edits.set_features, names=names))

    def _read(self, combo: QComboBox, what: str, minimum: float) -> float | None:
        try:
            value = parse_number(combo.currentText())
            if value < minimum:
                raise NumberError(f"“{combo.currentText()}” is below {minimum:g}.")
        except NumberError as refusal:
            self.invalid_input.emit(
                f"{what} must be a number of at least {minimum:g}: {refusal} Nothing was changed."
            )
            if self._scenario is not None:
                self._updating = True
                self._show_training(self._scenario)
                self._updating = False
            return None
        return value

    @Slot()
    def _on_learning_rate_edited(self) -> None:
        if self._updating or self._scenario is None:
            return
        value = self._read(self.learning_rate, "Learning rate", 1e-12)
        if value is not None and value != self._scenario.training.optimizer.learning_rate:
            self._emit(functools.partial(edits.set_optimizer, learning_rate=value))

    @Slot(int)
    def _on_optimizer_changed(self, index: int) -> None:
        self._emit(functools.partial(edits.set_optimizer, name=self.optimizer.itemData(index)))

    @Slot(float)
    def _on_momentum_changed(self, value: float) -> None:
        self._emit(functools.partial(edits.set_optimizer, momentum=value))

    @Slot(int)
    def _on_batch_size_changed(self, value: int) -> None:
        self._emit(functools.partial(edits.set_batch_size, n=value))

    @Slot()
    def _on_regularization_changed(self) -> None:
        if self._updating or self._scenario is None:
            return
        rate = self._read(self.regularization_rate, "Regularization rate", 0.0)
        if rate is None:
            return
        kind = self.regularization.currentData()
        current = self._scenario.training.regularization
        if (kind, rate) != (current.kind, current.rate):
            self._emit(functools.partial(edits.set_regularization, kind=kind, rate=rate))

    @Slot()
    def _on_dropout_changed(self) -> None:
        if self._updating or self._scenario is None:
            return
        hidden = self._scenario.network.layers[:-1]
        shown = ", ".join(dict.fromkeys(f"{layer.dropout:g}" for layer in hidden))
        if not hidden or self.dropout.currentText() == shown:
            return
        try:
            rate = parse_number(self.dropout.currentText())
            if not 0.0 <= rate < 1.0:
                raise NumberError(f"“{self.dropout.currentText()}” is not from 0 to below 1.")
        except NumberError as refusal:
            self.invalid_input.emit(
                f"Dropout must be a rate from 0 to below 1: {refusal} Nothing was changed."
            )
            self._updating = True
            self._show_network(self._scenario)
            self._updating = False
            return
        self._emit(functools.partial(edits.set_all_hidden_dropout, p=rate))

    @Slot(int)
    def _on_hidden_activation_changed(self, index: int) -> None:
        self._emit(
            functools.partial(
                edits.set_all_hidden_activations, activation=self.hidden_activation.itemData(index)
            )
        )

    @Slot(int)
    def _on_output_activation_changed(self, index: int) -> None:
        if self._scenario is None:
            return
        last = len(self._scenario.network.layers) - 1
        self._emit(
            functools.partial(
                edits.set_activation,
                layer_index=last,
                activation=self.output_activation.itemData(index),
            )
        )

    @Slot(int)
    def _on_loss_changed(self, index: int) -> None:
        self._emit(functools.partial(edits.set_loss, loss=self.loss.itemData(index)))

    @Slot()
    def _on_initialization_changed(self) -> None:
        self._emit(
            functools.partial(
                edits.set_initialization,
                scheme=self.initialization.currentData(),
                seed=self.init_seed.value(),
            )
        )


def _feature_columns(names: list[str]) -> int:
    """Columns of the feature check boxes: several when there are many short names, one when a
    name is long (two long names side by side would widen the panel past its scroll area)."""
    longest = max((len(name) for name in names), default=0)
    if len(names) <= 4 or longest > SHORT_FEATURE_NAME:
        return 1
    return 4 if len(names) > 16 and longest <= 5 else 2


def _shown_formula(name: str) -> str:
    if len(name) <= SHOWN_FORMULA:
        return name
    return name[: SHOWN_FORMULA - 1] + "…"


def _feature_thumbnail(raw_names, name: str, bounds, scaling=None) -> QPixmap:
    """A small picture of one feature over the plane: orange below zero, blue above."""
    # The same plane as the data view's, so a feature's picture lines up with the data; scaled
    # as the data's scaling scales the inputs, so it shows what the network is given.
    plane = bounds if bounds is not None else GENERATOR_BOUNDS
    values = feature_over_plane(list(raw_names), name, plane, THUMBNAIL, scaling)

    # A formula may have no value on part of the plane (sqrt of a negative): those cells are
    # NaN, drawn neutral, and take no part in the colour scale.
    finite = np.abs(values[np.isfinite(values)])
    scale = float(finite.max()) if finite.size else 1.0
    scale = scale or 1.0
    rgba = heatmap_rgba(values[::-1] / scale, -1.0, 1.0)
    image = QImage(rgba.data, THUMBNAIL, THUMBNAIL, 4 * THUMBNAIL, QImage.Format.Format_RGBA8888)
    return QPixmap.fromImage(image.copy()).scaled(THUMBNAIL, THUMBNAIL)
