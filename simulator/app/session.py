"""A live simulation built from a Scenario: the data, the network, the trainer and the history,
and the way back to a Scenario holding the whole state for saving."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..engine import datasets, features, tabular
from ..engine.formula import FormulaError
from ..engine.network import Network
from ..engine.optimizers import make_optimizer
from ..engine.scaling import Scaling, ScalingError, expand_methods, fit, stored
from ..engine.trace import StepTrace
from ..engine.trainer import (
    DIVERGED_WEIGHTS,
    Evaluation,
    Regularization,
    StepRecord,
    Trainer,
    dropout_rng,
    evaluate,
)
from . import memory
from .experiments.checkpoints import CheckpointStore, RunCheckpoint
from .files.errors import sizes
from .history import DivergenceMark, History
from .rate_schedule import engine_schedule
from .scenario import (
    FUNCTION_GENERATOR,
    SHIPPED_PREFIX,
    CsvData,
    DataSpec,
    GeneratorData,
    InlineData,
    LayerParams,
    SavedCheckpoint,
    ScalingStatistics,
    Scenario,
    TrainingState,
    derived_task,
)
from .storage import ScenarioError, csv_path, open_regular_file

MAX_CSV_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Dataset:
    """The data a scenario trains on. raw_* hold the data's own columns (n, d) named by
    raw_names; inputs_* the features that feed the network (n, inputs), made from the raw
    columns once `scaling` has scaled them; targets_* (n, outputs). classes names the output
    classes for classification (None for regression)."""

    raw_names: tuple[str, ...]
    train_raw: np.ndarray
    test_raw: np.ndarray
    train_inputs: np.ndarray
    test_inputs: np.ndarray
    train_targets: np.ndarray
    test_targets: np.ndarray
    task: str
    classes: tuple[str, ...] | None
    feature_plan: features.FeaturePlan
    scaling: Scaling


@dataclass(frozen=True)
class Checkpoint:
    """What a step changes: the flat parameters, the optimizer state, the step count and, with
    dropout, the mask RNG's state (a step-through's step draws masks like any step)."""

    parameters: np.ndarray
    optimizer: dict
    step: int
    dropout_rng: dict | None = None


class Simulation:
    """Owns the engine objects of one open scenario. Not thread-safe: one thread drives it."""

    def __init__(self, scenario: Scenario) -> None:
        """Build everything from `scenario`; raises ScenarioError naming the file and field when
        the data cannot be had (a CSV's bad row, a feature the data lacks), or naming the memory
        needed when loading and training would take more than this machine can give (checked
        before any array is made; see app/memory.py)."""
        self.scenario = scenario
        self.data = load_dataset(scenario)
        self.task = self.data.task
        self.network = _build_network(scenario)
        self.initial_parameters = _initial_parameters(scenario, self.network)
        self.trainer = _build_trainer(scenario, self.network, self.data)
        self.history = History()
        # Epoch ends to rewind to (and branch from); GUI and CLI alike keep them.
        self.checkpoints = CheckpointStore()
        state = scenario.state
        if state is not None:
            _restore_state(self, state)
        # The last divergence caught (a diverged StepRecord), None until one is.
        self.divergence: StepRecord | None = None
        # The state to go back to should undoing a step not make the losses finite: the last
        # epoch end whose losses were measured finite, or the state the simulation began in.
        self._fallback = self._kept_state()
        if self.trainer.batch_in_epoch == 0:
            self.checkpoints.offer(self._fallback)

    @property
    def classification(self) -> bool:
        return self.task == "classification"

    # ----- training ------------------------------------------------------------------------

    def train_epochs(self, epochs: int, on_step=None) -> StepRecord | None:
        """Train `epochs` more epochs, recording the history after each; stops at a divergence,
        the step that led to it undone (see `settle_divergence`), and returns its diverged
        record. `on_step(record)` is called after every step (for progress bars)."""
        trainer = self.trainer
        record = None
        target = trainer.epoch + epochs
        while trainer.epoch < target:
            record = trainer.step()
            if on_step is not None:
                on_step(record)
            if record.diverged:
                return self.settle_divergence(record)
            if record.epoch_finished and self.record_history() is None:
                return self.divergence
        return record

    def record_history(self) -> tuple | None:
        """Offer the finished epoch's train and test loss and accuracy to the history and return
        them as (epoch, train_loss, test_loss, train_accuracy, test_accuracy). When a loss is
        not finite, the step that finished the epoch is undone instead, nothing is recorded,
        `divergence` holds the diverged record and None is returned."""
        train, test = self.evaluate()
        if not (_finite(train.loss) and _finite(test.loss)):
            found = train.loss if not _finite(train.loss) else test.loss
            record = self.trainer.undo_last_step(loss=found)
            if record is None:  # a step since undone or replaced: nothing left to take back
                record = self._stopped_record(found)
            self.settle_divergence(record)
            return None
        point = (self.trainer.epoch, train.loss, test.loss, train.accuracy, test.accuracy)
        self.history.append(*point)
        self._fallback = self._kept_state()
        if self.checkpoints.wants(self.trainer.epoch):
            self.checkpoints.offer(self._fallback)
        return point

    def rewind(self, epoch: int) -> RunCheckpoint:
        """Go back to the checkpoint at the end of `epoch` and forget what came after it (the
        history's later points and checkpoints): training on from here is a new branch, and
        goes exactly as the run went from there when nothing was changed. Raises KeyError
        naming the nearest kept epochs when there is no checkpoint at `epoch`."""
        checkpoint = self.checkpoints.at(epoch)
        if checkpoint is None:
            nearest = " and ".join(str(kept) for kept in self.checkpoints.nearest(epoch))
            raise KeyError(
                f"no checkpoint at epoch {epoch}; the nearest are at epochs {nearest}"
                if nearest
                else f"no checkpoint at epoch {epoch}: none are kept"
            )
        self._go_back(checkpoint)
        self.trainer.forget_last_step()
        self.history.cut_after(epoch)
        self.checkpoints.forget_after(epoch)
        self.divergence = None
        self._fallback = checkpoint
        return checkpoint

    def carry_checkpoints(self, earlier: Simulation) -> bool:
        """Take over `earlier`'s checkpoints: this simulation was rebuilt from it where it stood
        (a setting changed), so the run's past stays there to rewind to, and a branch from it
        trains with the new settings. Refused (False, this one's own kept) when the stored
        states do not fit this network and optimizer (a layer added, another optimizer): they
        could not be trained on from here. The checkpoint of the epoch it stands at is this
        simulation's own state, which an edit of the weights may have changed."""
        store = earlier.checkpoints
        latest = store.latest
        if latest is None:
            return False
        if latest.parameters.shape != self.network.parameters.shape:
            return False
        if set(latest.optimizer) != set(self.trainer.optimizer.state()):
            return False
        self.checkpoints = store
        if self.trainer.batch_in_epoch == 0:
            store.offer(self._kept_state())
        return True

    def settle_divergence(self, record: StepRecord) -> StepRecord:
        """After a diverged `record` (the trainer has undone the step that led there), make sure
        the kept state's train and test losses are finite: when they are not, go back to the
        last epoch end where they were (or where the simulation began). Marks the divergence
        on the history, keeps it in `divergence` and returns it, `step` and `epoch` saying
        where training now stands."""
        trainer = self.trainer
        train, test = self.evaluate()
        if not (_finite(train.loss) and _finite(test.loss)) and self._fallback is not None:
            self._go_back(self._fallback)
            train, test = self.evaluate()
            record = record._replace(step=trainer.step_count, epoch=trainer.epoch)
        place = trainer.epoch + trainer.batch_in_epoch / trainer.steps_per_epoch
        kept_loss = train.loss if _finite(train.loss) else None
        self.history.divergence = DivergenceMark(place, kept_loss, record.undone_step)
        self.divergence = record
        return record

    def evaluate(self) -> tuple[Evaluation, Evaluation]:
        """Return the (train, test) loss and accuracy of the current network."""
        loss = self.scenario.training.loss
        data = self.data
        return (
            evaluate(
                self.network, loss, data.train_inputs, data.train_targets, self.classification
            ),
            evaluate(self.network, loss, data.test_inputs, data.test_targets, self.classification),
        )

    def network_inputs(self, raw: np.ndarray) -> np.ndarray:
        """Turn rows in the data's raw columns (n, len(data.raw_names)) into the network's input
        features (n, inputs) the same way `load_dataset` made the training inputs, so that a new
        input is asked of the network in the terms it was trained on."""
        scaled = self.data.scaling.apply(np.asarray(raw, dtype=np.float64))
        return features.build_inputs(scaled, self.data.feature_plan)

    def trace_sample(self, index: int) -> tuple[StepRecord, StepTrace]:
        """Take one training step on training sample `index` alone (a batch of one) and return
        its record and trace; the network and optimizer move on as in training."""
        return self.trace_batch([index])

    def trace_batch(self, indices: list[int]) -> tuple[StepRecord, StepTrace]:
        """Take one training step on the training samples `indices` (in that order) as one
        mini-batch and return its record and trace."""
        count = len(self.data.train_inputs)
        if not indices:
            raise IndexError("a batch needs at least one sample")
        for index in indices:
            if not 0 <= index < count:
                raise IndexError(f"sample {index} does not exist: the training set has {count}")
        rows = np.asarray(indices, dtype=np.intp)
        return self.trainer.step_on(self.data.train_inputs[rows], self.data.train_targets[rows])

    def checkpoint(self) -> Checkpoint:
        """Return the weights, optimizer state and step count, for `restore`."""
        trainer = self.trainer
        return Checkpoint(
            self.network.parameters.copy(),
            trainer.optimizer.state(),
            trainer.step_count,
            trainer.dropout_rng.bit_generator.state if trainer.uses_dropout else None,
        )

    def restore(self, checkpoint: Checkpoint) -> None:
        """Go back to a `checkpoint()`: a step taken since (say in a step-through) is undone."""
        np.copyto(self.network.parameters, checkpoint.parameters)
        self.trainer.optimizer.load_state(checkpoint.optimizer)
        self.trainer.step_count = checkpoint.step
        if checkpoint.dropout_rng is not None:
            self.trainer.dropout_rng.bit_generator.state = checkpoint.dropout_rng
        self.trainer.forget_last_step()

    def _kept_state(self) -> RunCheckpoint:
        trainer = self.trainer
        return RunCheckpoint(
            self.network.parameters.copy(), trainer.optimizer.state(), trainer.position()
        )

    def _go_back(self, kept: RunCheckpoint) -> None:
        np.copyto(self.network.parameters, kept.parameters)
        self.trainer.optimizer.load_state(kept.optimizer)
        self.trainer.restore_position(kept.position)

    def _stopped_record(self, loss: float) -> StepRecord:
        trainer = self.trainer
        return StepRecord(trainer.step_count, trainer.epoch, loss, 0.0, False, True)

    # ----- back to a scenario ----------------------------------------------------------------

    def to_scenario(self, *, with_checkpoints: bool = False) -> Scenario:
        """Return the scenario with the current weights and the whole training state, ready to
        be saved; the original description, data and settings are kept. `with_checkpoints`
        adds the kept checkpoints before the current epoch (state.checkpoints), so that the
        file can be rewound as the run could."""
        scenario = self.scenario
        network = self.network
        layers = tuple(
            dataclasses.replace(
                spec,
                weights=_nested(network.weights[i]),
                biases=_nested(network.biases[i]),
            )
            for i, spec in enumerate(scenario.network.layers)
        )
        position = self.trainer.position()
        state = TrainingState(
            epoch=position["epoch"],
            step=position["step"],
            batch_in_epoch=position["batch_in_epoch"],
            shuffle_rng=_json_rng_state(position["shuffle_rng"]),
            optimizer=_optimizer_state(self),
            history=self.history.to_dict(),
            initial_layers=tuple(
                LayerParams(weights=_nested(w), biases=_nested(b))
                for w, b in zip(*self.initial_parameters, strict=True)
            ),
            scaling=_measured_statistics(scenario.data, self.data.scaling),
            checkpoints=self._saved_checkpoints() if with_checkpoints else (),
            learning_rate=position.get("learning_rate"),
            dropout_rng=_numpy_rng_state(position.get("dropout_rng")),
        )
        return dataclasses.replace(
            scenario,
            network=dataclasses.replace(scenario.network, layers=layers),
            state=state,
        )

    def _saved_checkpoints(self) -> tuple[SavedCheckpoint, ...]:
        position = self.trainer.position()
        now = (position["epoch"], position["step"])
        return tuple(
            _saved_checkpoint(self, kept)
            for kept in self.checkpoints
            if (kept.epoch, kept.step) < now
        )


def _saved_checkpoint(simulation: Simulation, kept: RunCheckpoint) -> SavedCheckpoint:
    network = simulation.network
    weights, biases = network.split(kept.parameters)
    position = kept.position
    return SavedCheckpoint(
        epoch=int(position["epoch"]),
        step=int(position["step"]),
        batch_in_epoch=int(position["batch_in_epoch"]),
        layers=tuple(
            LayerParams(weights=_nested(w), biases=_nested(b))
            for w, b in zip(weights, biases, strict=True)
        ),
        shuffle_rng=_numpy_rng_state(position["shuffle_rng"]),
        optimizer=_optimizer_file_state(simulation, kept.optimizer),
        dropout_rng=_numpy_rng_state(position.get("dropout_rng")),
    )


def _run_checkpoint(simulation: Simulation, saved: SavedCheckpoint, where: str) -> RunCheckpoint:
    """The in-memory checkpoint of a `saved` one (at field `where`), checked against the run."""
    network = simulation.network
    layers = [{"weights": p.weights, "biases": p.biases} for p in saved.layers]
    return RunCheckpoint(
        parameters=_flatten(network, layers),
        optimizer=_engine_optimizer_state(simulation, saved.optimizer, where),
        position={
            "step": saved.step,
            "epoch": saved.epoch,
            "batch_in_epoch": saved.batch_in_epoch,
            "shuffle_rng": _numpy_rng_state(saved.shuffle_rng),
            "dropout_rng": _numpy_rng_state(saved.dropout_rng),
        },
    )


def divergence_message(record: StepRecord) -> str:
    """Say in plain words which step a diverged `record` undid and why, for a learner: "Step 7
    was undone: it made the loss infinite." (and where training went back to, when further)."""
    if record.divergence == DIVERGED_WEIGHTS:
        why = "it made a weight infinite or not a number (NaN)"
    elif math.isnan(record.loss):
        why = "it made the loss not a number (NaN)"
    else:
        why = "it made the loss infinite"
    if record.undone_step is None:
        what = "infinite" if math.isinf(record.loss) else "not a number (NaN)"
        return f"The loss is {what} at step {record.step}, and there is no step to undo."
    text = f"Step {record.undone_step} was undone: {why}."
    if record.step < record.undone_step - 1:
        text += (
            f" The loss was not finite just before it either, so training went back to step "
            f"{record.step}, the last point where it was."
        )
    return text


def _finite(value: float | None) -> bool:
    """None (no data to measure on) counts as finite: there is nothing infinite to show."""
    return value is None or math.isfinite(value)


def load_dataset(scenario: Scenario) -> Dataset:
    """Produce the scenario's train and test data (generated, inline or read from its CSV),
    once `check_memory` has found that loading and training it fit in memory."""
    spec = scenario.data
    shape = memory.data_shape(scenario)
    if shape is not None:  # CSV data is measured once its text is read
        check_memory(scenario, shape)
    output_units = scenario.network.layers[-1].units
    output_activation = scenario.network.layers[-1].activation
    classes = None
    csv_one_hot = None
    if isinstance(spec, GeneratorData):
        points, values = _generated(scenario, spec)
        raw_names = ("X1", "X2")
        if spec.generated_task == "classification":
            targets = encode_classes(values, output_units, output_activation)
            classes = ("class 0", "class 1")
        else:
            targets = values.reshape(-1, 1).astype(np.float64)
        train_index, test_index = datasets.split(len(points), spec.train_fraction, spec.seed)
        train_raw, test_raw = points[train_index], points[test_index]
        train_targets, test_targets = targets[train_index], targets[test_index]
    elif isinstance(spec, InlineData):
        width = spec.width
        raw_names = spec.raw_columns
        train_raw = _matrix(spec.train_inputs, width)
        train_targets = _matrix(spec.train_targets, output_units)
        test_raw = _matrix(spec.test_inputs, width)
        test_targets = _matrix(spec.test_targets, output_units)
        classes = spec.classes
    elif isinstance(spec, CsvData):
        table = _read_csv(scenario, spec)
        raw_names = tuple(table.input_names)
        if table.targets.shape[1] != output_units:
            raise _error(
                scenario,
                "network.layers[-1].units",
                f"the data has {table.targets.shape[1]} target columns "
                f"({', '.join(table.target_names)}) but the output layer has {output_units} units",
            )
        classes = tuple(table.classes) if table.classes else None
        csv_one_hot = classes is not None
        train_index, test_index = datasets.split(len(table.inputs), spec.train_fraction, spec.seed)
        train_raw, test_raw = table.inputs[train_index], table.inputs[test_index]
        train_targets, test_targets = table.targets[train_index], table.targets[test_index]
    else:  # pragma: no cover - the loader admits only the three forms
        raise TypeError(f"unknown data form {type(spec).__name__}")
    try:
        plan = features.resolve_features(list(raw_names), list(scenario.network.inputs))
    except features.FeatureError as exc:
        raise _error(scenario, _inputs_field(exc), str(exc)) from None
    scaling = _scaling(scenario, train_raw, len(raw_names))
    try:
        # Checked: a formula feature must be finite on every sample the network meets.
        train_inputs = features.build_inputs(scaling.apply(train_raw), plan, check=True)
        test_inputs = features.build_inputs(scaling.apply(test_raw), plan, check=True)
    except features.FeatureError as exc:
        raise _error(scenario, _inputs_field(exc), str(exc)) from None
    task = derived_task(scenario, csv_one_hot=csv_one_hot)
    if task == "classification" and classes is None:
        classes = tuple(f"class {i}" for i in range(max(2, output_units)))
    return Dataset(
        raw_names=raw_names,
        train_raw=train_raw,
        test_raw=test_raw,
        train_inputs=train_inputs,
        test_inputs=test_inputs,
        train_targets=np.ascontiguousarray(train_targets),
        test_targets=np.ascontiguousarray(test_targets),
        task=task,
        classes=classes,
        feature_plan=plan,
        scaling=scaling,
    )


def _generated(scenario: Scenario, spec: GeneratorData) -> tuple[np.ndarray, np.ndarray]:
    if spec.generator != FUNCTION_GENERATOR:
        return datasets.generate(spec.generator, spec.samples, spec.noise, spec.seed)
    try:
        return datasets.generate_function(
            spec.expression, spec.task, spec.samples, spec.noise, spec.seed
        )
    except FormulaError as exc:
        raise _error(scenario, "data.expression", str(exc)) from None


def _inputs_field(error: features.FeatureError) -> str:
    return "network.inputs" if error.index is None else f"network.inputs[{error.index}]"


def _scaling(scenario: Scenario, train_raw: np.ndarray, columns: int) -> Scaling:
    """The scenario's scaling of its `columns` raw columns, with the statistics the data gives,
    else those its saved state kept, else those of the training rows `train_raw` (n, columns)
    measured now. No scaling field means "none" for every column."""
    spec = scenario.data.scaling
    if spec is None:
        return fit(np.zeros((0, columns)), ("none",) * columns)
    try:
        methods = expand_methods(spec.method, columns)
    except ScalingError as exc:
        raise _error(scenario, "data.scaling.method", str(exc)) from None
    if spec.center is not None and spec.scale is not None:
        where, center, scale = "data.scaling", spec.center, spec.scale
    elif scenario.state is not None and scenario.state.scaling is not None:
        kept = scenario.state.scaling
        where, center, scale = "state.scaling", kept.center, kept.scale
    else:
        return fit(train_raw, methods)
    try:
        return stored(methods, center, scale)
    except ScalingError as exc:
        field = f"{where}.center" if "center" in str(exc) else f"{where}.scale"
        raise _error(scenario, field, str(exc)) from None


def _measured_statistics(data: DataSpec, scaling: Scaling) -> ScalingStatistics | None:
    """The statistics to save in the state, so that a reloaded scenario scales new inputs with
    exactly these numbers rather than measuring them again; None when the data gives its own or
    no column is scaled (zeros and ones would only lengthen the file)."""
    if data.scaling is None or data.scaling.center is not None or scaling.identity:
        return None
    return ScalingStatistics(tuple(scaling.center.tolist()), tuple(scaling.scale.tolist()))


def check_memory(scenario: Scenario, shape: memory.DataShape) -> memory.MemoryEstimate:
    """Return the memory `scenario` needs on data of `shape`; raise ScenarioError saying the
    figure and what to reduce when that exceeds the limit of memory.memory_limit()."""
    try:
        return memory.check(scenario, shape)
    except memory.MemoryLimitError as exc:
        raise _error(scenario, "", str(exc)) from None


def encode_classes(classes: np.ndarray, output_units: int, output_activation: str) -> np.ndarray:
    """Turn class indices (n,) into target rows: one-hot (n, K) for K ≥ 2 output units; for one
    unit −1/+1 under a tanh output (as Playground) and 0/1 otherwise."""
    classes = np.asarray(classes, dtype=np.int64)
    if output_units >= 2:
        return np.eye(output_units)[classes]
    low = -1.0 if output_activation == "tanh" else 0.0
    return np.where(classes.reshape(-1, 1) == 1, 1.0, low)


def _matrix(rows, width: int) -> np.ndarray:
    if len(rows) == 0:
        return np.zeros((0, width))
    return np.array(rows, dtype=np.float64).reshape(len(rows), width)


def _read_csv(scenario: Scenario, spec: CsvData) -> tabular.Table:
    if spec.csv.startswith(SHIPPED_PREFIX) or scenario.source_path is not None:
        path = csv_path(scenario).resolve()
    else:
        path = (Path.cwd() / spec.csv).resolve()
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            limits = sizes(size, MAX_CSV_BYTES, "data files may have at most")
            raise _error(scenario, "data.csv", f"{spec.csv} is too large ({limits})")
        raw = _read_limited(path)
        if raw is None:
            raise _error(
                scenario,
                "data.csv",
                f"{spec.csv} unpacks to more than {MAX_CSV_BYTES:,} bytes, the most a data file "
                f"may hold",
            )
        text = raw.decode("utf-8-sig")
    except ScenarioError:
        raise
    except FileNotFoundError:
        raise _error(
            scenario, "data.csv", f"{spec.csv} does not exist beside the scenario"
        ) from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise _error(scenario, "data.csv", f"cannot read {spec.csv}: {reason}") from None
    check_memory(scenario, memory.csv_data_shape(scenario, text))
    try:
        table = tabular.parse_csv(text, list(spec.targets), one_hot=spec.one_hot)
    except tabular.TabularError as exc:
        raise _error(scenario, "data.csv", f"{spec.csv}: {exc}") from None
    if spec.image_shape is not None:
        rows, columns = spec.image_shape
        if rows * columns != len(table.input_names):
            raise _error(
                scenario,
                "data.image_shape",
                f"{rows} × {columns} pixels, but {spec.csv} has "
                f"{len(table.input_names)} input columns",
            )
    return table


def _read_limited(path: Path) -> bytes | None:
    """Return the file's bytes, unpacked when its name ends in .gz; None when they exceed
    MAX_CSV_BYTES (a small .gz file can unpack to far more than its own size). Only a regular
    file is opened: a FIFO or a device put in its place would make the read wait for ever."""
    with open_regular_file(path, gunzip=path.name.endswith(".gz")) as stream:
        data = stream.read(MAX_CSV_BYTES + 1)
    return None if len(data) > MAX_CSV_BYTES else data


def _error(scenario: Scenario, field: str, reason: str) -> ScenarioError:
    name = scenario.source_path.name if scenario.source_path else "scenario"
    return ScenarioError(name, field, reason)


def _build_network(scenario: Scenario) -> Network:
    spec = scenario.network
    network = Network(
        len(spec.inputs),
        [layer.units for layer in spec.layers],
        [layer.activation for layer in spec.layers],
    )
    network.initialize(spec.initialization.scheme, np.random.default_rng(spec.initialization.seed))
    # Layers that give their own weights or biases override the drawn ones, one by one.
    for i, layer in enumerate(spec.layers):
        if layer.weights is not None:
            network.weights[i][...] = np.array(layer.weights, dtype=np.float64)
        if layer.biases is not None:
            network.biases[i][...] = np.array(layer.biases, dtype=np.float64)
    return network


def _initial_parameters(scenario: Scenario, network: Network):
    """The parameters a Reset returns to: saved ones when the file has them, else the scenario's."""
    state = scenario.state
    if state is not None and state.initial_layers:
        weights = [np.array(layer.weights, dtype=np.float64) for layer in state.initial_layers]
        biases = [np.array(layer.biases, dtype=np.float64) for layer in state.initial_layers]
        return weights, biases
    return [w.copy() for w in network.weights], [b.copy() for b in network.biases]


def _build_trainer(scenario: Scenario, network: Network, data: Dataset) -> Trainer:
    training = scenario.training
    opt = training.optimizer
    optimizer = make_optimizer(
        opt.name,
        network.parameters.size,
        opt.learning_rate,
        momentum=opt.momentum,
        beta1=opt.beta1,
        beta2=opt.beta2,
        eps=opt.eps,
        alpha=opt.alpha,
        weight_decay=opt.weight_decay,
        decay_count=network.weight_count,
    )
    return Trainer(
        network,
        training.loss,
        optimizer,
        data.train_inputs,
        data.train_targets,
        training.batch_size,
        shuffle=training.shuffle,
        rng=np.random.default_rng(training.seed),
        regularization=Regularization(training.regularization.kind, training.regularization.rate),
        frozen_weights=tuple(layer.freeze_weights for layer in scenario.network.layers),
        frozen_biases=tuple(layer.freeze_biases for layer in scenario.network.layers),
        schedule=engine_schedule(training.schedule),
        dropout=tuple(layer.dropout for layer in scenario.network.layers),
        # Its own stream from the training seed: the shuffle order is the same with or without
        # dropout, and a file's dropout_rng continues it bit for bit.
        dropout_rng=dropout_rng(training.seed),
    )


def _restore_state(simulation: Simulation, state: TrainingState) -> None:
    trainer = simulation.trainer
    if state.batch_in_epoch >= trainer.steps_per_epoch:
        raise _error(
            simulation.scenario,
            "state.batch_in_epoch",
            f"{state.batch_in_epoch} is past the last batch of an epoch "
            f"({trainer.steps_per_epoch} batches)",
        )
    trainer.restore_position(
        {
            "step": state.step,
            "epoch": state.epoch,
            "batch_in_epoch": state.batch_in_epoch,
            "shuffle_rng": _numpy_rng_state(state.shuffle_rng),
            "learning_rate": state.learning_rate,
            "dropout_rng": _numpy_rng_state(state.dropout_rng),
        }
    )
    if state.optimizer:
        trainer.optimizer.load_state(
            _engine_optimizer_state(simulation, state.optimizer, "state.optimizer")
        )
    simulation.history = History.from_dict(state.history)
    if state.checkpoints:
        simulation.checkpoints.adopt(
            [
                _run_checkpoint(simulation, saved, f"state.checkpoints[{i}]")
                for i, saved in enumerate(state.checkpoints)
            ]
        )


def _engine_optimizer_state(simulation: Simulation, saved: dict | None, where: str) -> dict:
    """The optimizer's own state from its file form `saved` (at field `where`); a fresh
    optimizer's state when the file has none."""
    optimizer = simulation.trainer.optimizer
    network = simulation.network
    if not saved:
        # Before any step: what a new optimizer of this kind starts from.
        zeros = np.zeros_like(network.parameters)
        if optimizer.name in ("adam", "adamw"):
            return {"t": 0, "m": zeros, "v": zeros.copy()}
        if optimizer.name == "rmsprop":
            return {"square_avg": zeros, "momentum_buffer": None}
        return {"velocity": None}
    if saved.get("name") != optimizer.name:
        raise _error(
            simulation.scenario,
            f"{where}.name",
            f"the saved state is for {saved.get('name')}, the scenario uses {optimizer.name}",
        )
    if optimizer.name in ("adam", "adamw"):
        return {
            "t": saved["t"],
            "m": _flatten(network, saved["m"]),
            "v": _flatten(network, saved["v"]),
        }
    if optimizer.name == "rmsprop":
        buffer = saved.get("momentum_buffer")
        return {
            "square_avg": _flatten(network, saved["square_avg"]),
            "momentum_buffer": None if buffer is None else _flatten(network, buffer),
        }
    velocity = saved.get("velocity")
    return {"velocity": None if velocity is None else _flatten(network, velocity)}


def _flatten(network: Network, layers) -> np.ndarray:
    flat = np.zeros_like(network.parameters)
    weights, biases = network.split(flat)
    for i, layer in enumerate(layers):
        weights[i][...] = np.array(layer["weights"], dtype=np.float64)
        biases[i][...] = np.array(layer["biases"], dtype=np.float64)
    return flat


def _per_layer(network: Network, flat: np.ndarray) -> list[dict]:
    """Per-layer {"weights", "biases"} lists, as the optimizer state is written in files."""
    weights, biases = network.split(flat)
    return [
        {"weights": w.tolist(), "biases": b.tolist()} for w, b in zip(weights, biases, strict=True)
    ]


def _optimizer_state(simulation: Simulation) -> dict:
    return _optimizer_file_state(simulation, simulation.trainer.optimizer.state())


def _optimizer_file_state(simulation: Simulation, state: dict) -> dict:
    """The file form (per-layer lists) of the optimizer's own `state`."""
    optimizer = simulation.trainer.optimizer
    network = simulation.network
    if optimizer.name in ("adam", "adamw"):
        return {
            "name": optimizer.name,
            "t": state["t"],
            "m": _per_layer(network, state["m"]),
            "v": _per_layer(network, state["v"]),
        }
    if optimizer.name == "rmsprop":
        buffer = state["momentum_buffer"]
        return {
            "name": "rmsprop",
            "square_avg": _per_layer(network, state["square_avg"]),
            "momentum_buffer": None if buffer is None else _per_layer(network, buffer),
        }
    velocity = state["velocity"]
    return {"name": "sgd", "velocity": None if velocity is None else _per_layer(network, velocity)}


def _nested(array: np.ndarray):
    """Tuples of plain Python floats, as the scenario model holds them (and JSON writes exactly)."""
    if array.ndim == 1:
        return tuple(array.tolist())
    return tuple(tuple(row) for row in array.tolist())


def _json_rng_state(state: dict) -> dict:
    return {
        "bit_generator": state["bit_generator"],
        "state": {"state": int(state["state"]["state"]), "inc": int(state["state"]["inc"])},
        "has_uint32": int(state["has_uint32"]),
        "uinteger": int(state["uinteger"]),
    }


def _numpy_rng_state(state: dict | None) -> dict | None:
    if state is None:
        return None
    return _json_rng_state(state)


def finite_or_none(value: float | None) -> float | None:
    """Return value when it is a finite number, else None (JSON has no NaN)."""
    return value if value is not None and math.isfinite(value) else None
