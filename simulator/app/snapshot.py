"""Immutable pictures of a simulation for the views: copies of what the worker computed, so the
GUI thread never reads an array the worker is changing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine import probe
from ..engine.network import Network, rows_per_chunk
from ..engine.scaling import Scaling
from ..engine.trainer import predicted_classes
from .neuron_health import flat_counts
from .predict import Prediction, class_probabilities, predict
from .session import Simulation

# Neuron thumbnails are small (Playground draws 10×10); the data view's output map is finer.
NEURON_MAP_RESOLUTION = 24
OUTPUT_MAP_RESOLUTION = 100
GENERATOR_BOUNDS = (-6.0, 6.0, -6.0, 6.0)


@dataclass(frozen=True)
class DataPicture:
    """The data of the open scenario; changes only when the data does.

    raw_names: the data's own columns (d); *_raw (n, d); *_targets (n, outputs); *_classes (n,)
    class indices for classification (None for regression). bounds (x_min, x_max, y_min, y_max)
    is the plane drawn for 2-D data, None otherwise. scaling: how the raw columns are scaled
    before they reach the network (pictures of the inputs over the plane must scale alike).
    """

    raw_names: tuple[str, ...]
    input_names: tuple[str, ...]
    train_raw: np.ndarray
    test_raw: np.ndarray
    train_targets: np.ndarray
    test_targets: np.ndarray
    train_classes: np.ndarray | None
    test_classes: np.ndarray | None
    task: str
    classes: tuple[str, ...] | None
    bounds: tuple[float, float, float, float] | None
    scaling: Scaling | None = None


@dataclass(frozen=True)
class Snapshot:
    """The network and its outputs at one moment of training.

    weights[l] (units, fan_in) and biases[l] (units,) for layers 1..L; layer_sizes starts with the
    number of input features. neuron_maps, for 2-D data: per layer, input features first, each
    neuron's output over the plane (units, R, R), row 0 the lowest y. output_map (R2, R2, K) the
    network's output over the plane and output_class_map (R2, R2) its predicted class
    (classification). sample_outputs: per layer, inputs first, the outputs (units,) for the
    selected training sample. *_predictions (n, K): the network's outputs on each set, and
    *_predicted_classes (n,) for classification. flat_shares: per hidden layer, each neuron's
    share of training samples in its activation's flat part (units,) (see neuron_health), None
    for an activation without one. probe: the network's answer to the input the learner asks
    about ("Ask the network"), None when nothing is asked. samples: the samples table's extras
    (SampleAnswers), only when asked for.
    """

    step: int
    epoch: int
    layer_sizes: tuple[int, ...]
    input_names: tuple[str, ...]
    activation_names: tuple[str, ...]
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    frozen_weights: tuple[bool, ...]
    frozen_biases: tuple[bool, ...]
    task: str
    train_loss: float | None
    test_loss: float | None
    train_accuracy: float | None
    test_accuracy: float | None
    bounds: tuple[float, float, float, float] | None
    neuron_maps: tuple[np.ndarray, ...] | None
    output_map: np.ndarray | None
    output_class_map: np.ndarray | None
    sample_index: int | None
    sample_outputs: tuple[np.ndarray, ...] | None
    train_predictions: np.ndarray
    test_predictions: np.ndarray
    train_predicted_classes: np.ndarray | None
    test_predicted_classes: np.ndarray | None
    flat_shares: tuple[np.ndarray | None, ...] = ()
    probe: Prediction | None = None
    samples: SampleAnswers | None = None
    # The learning rate the current epoch trains at (a schedule's, or the constant one).
    learning_rate: float | None = None


@dataclass(frozen=True)
class SampleAnswers:
    """What the samples table adds to a snapshot's per-sample outputs, computed only while it
    is shown. For classification *_probabilities (n,) is the chosen class's probability, None
    when the output layer gives scores, not probabilities (see predict.class_probabilities);
    for regression *_errors (n, K) is the prediction minus the target."""

    train_probabilities: np.ndarray | None
    test_probabilities: np.ndarray | None
    train_errors: np.ndarray | None
    test_errors: np.ndarray | None


def plane_bounds(simulation: Simulation) -> tuple[float, float, float, float] | None:
    """Return the plane to draw for data with two raw columns, else None: Playground's square for
    generated data, the data's extent with a margin otherwise."""
    data = simulation.data
    if len(data.raw_names) != 2:
        return None
    if hasattr(simulation.scenario.data, "generator"):
        return GENERATOR_BOUNDS
    points = np.concatenate([data.train_raw, data.test_raw])
    low, high = points.min(axis=0), points.max(axis=0)
    span = high - low
    # A tenth of the data's own extent, whatever its units (metres or thousands); a column with a
    # single value gets a margin from its size instead.
    fallback = np.maximum(np.abs(high) * 0.1, 0.5)
    margin = np.where(span > 0, span * 0.1, fallback)
    low, high = low - margin, high + margin
    return (float(low[0]), float(high[0]), float(low[1]), float(high[1]))


def data_picture(simulation: Simulation) -> DataPicture:
    """Return the simulation's data for the views."""
    data = simulation.data
    output = simulation.network.activation_names[-1]
    classification = simulation.classification
    return DataPicture(
        raw_names=tuple(data.raw_names),
        input_names=tuple(data.feature_plan.names),
        train_raw=data.train_raw.copy(),
        test_raw=data.test_raw.copy(),
        train_targets=data.train_targets.copy(),
        test_targets=data.test_targets.copy(),
        train_classes=predicted_classes(data.train_targets, output) if classification else None,
        test_classes=predicted_classes(data.test_targets, output)
        if classification and len(data.test_targets)
        else (np.zeros(0, dtype=np.int64) if classification else None),
        task=simulation.task,
        classes=data.classes,
        bounds=plane_bounds(simulation),
        scaling=data.scaling,
    )


def take_snapshot(
    simulation: Simulation,
    sample_index: int | None = None,
    *,
    with_maps: bool = True,
    asked: np.ndarray | None = None,
    with_samples: bool = False,
) -> Snapshot:
    """Return a Snapshot of `simulation` now. `with_maps` computes the plane maps (2-D data);
    `asked` (n, d) rows in the data's raw columns are asked of the network (see predict);
    `with_samples` adds the samples table's answers (SampleAnswers)."""
    network = simulation.network
    data = simulation.data
    plan = data.feature_plan
    trainer = simulation.trainer
    output = network.activation_names[-1]
    classification = simulation.classification
    train, test = simulation.evaluate()
    bounds = plane_bounds(simulation)
    neuron_maps = output_map = output_class_map = None
    if with_maps and bounds is not None:
        # The plane is in raw units (the data view's axes); its points are scaled as the
        # training data was before they reach the network.
        neuron_maps = tuple(
            probe.plane_maps(network, plan, bounds, NEURON_MAP_RESOLUTION, data.scaling)
        )
        # The output alone, in chunks: a wide layer over the fine grid would otherwise need a
        # (points × units) array per layer at once.
        grid = probe.plane_grid(bounds, OUTPUT_MAP_RESOLUTION)
        with np.errstate(all="ignore"):
            fine = network.predict(simulation.network_inputs(grid))
        r = OUTPUT_MAP_RESOLUTION
        output_map = fine.reshape(r, r, -1)
        if classification:
            output_class_map = predicted_classes(fine, output).reshape(r, r)
    sample_outputs = None
    if sample_index is not None and 0 <= sample_index < len(data.train_raw):
        rows = data.train_raw[sample_index : sample_index + 1]
        sample_outputs = tuple(
            v[0].copy() for v in probe.layer_outputs(network, plan, rows, data.scaling)
        )
    with np.errstate(all="ignore"):
        train_predictions, flat_shares = _outputs_and_flat_shares(network, data.train_inputs)
        test_predictions = (
            network.predict(data.test_inputs)
            if len(data.test_inputs)
            else np.zeros((0, network.sizes[-1]))
        )
    train_classes = predicted_classes(train_predictions, output) if classification else None
    test_classes = predicted_classes(test_predictions, output) if classification else None
    samples = None
    if with_samples:
        samples = _sample_answers(
            simulation, train_predictions, test_predictions, train_classes, test_classes
        )
    return Snapshot(
        learning_rate=trainer.optimizer.learning_rate,
        step=trainer.step_count,
        epoch=trainer.epoch,
        layer_sizes=network.sizes,
        input_names=tuple(plan.names),
        activation_names=network.activation_names,
        weights=tuple(w.copy() for w in network.weights),
        biases=tuple(b.copy() for b in network.biases),
        frozen_weights=trainer.frozen_weights,
        frozen_biases=trainer.frozen_biases,
        task=simulation.task,
        train_loss=train.loss,
        test_loss=test.loss,
        train_accuracy=train.accuracy,
        test_accuracy=test.accuracy,
        bounds=bounds,
        neuron_maps=neuron_maps,
        output_map=output_map,
        output_class_map=output_class_map,
        sample_index=sample_index,
        sample_outputs=sample_outputs,
        train_predictions=train_predictions,
        test_predictions=test_predictions,
        train_predicted_classes=train_classes,
        test_predicted_classes=test_classes,
        flat_shares=flat_shares,
        probe=_answer(simulation, asked),
        samples=samples,
    )


def _answer(simulation: Simulation, asked: np.ndarray | None) -> Prediction | None:
    # Rows of another scenario's width (asked just before a new one opened) have no answer.
    if asked is None or np.shape(asked)[-1] != len(simulation.data.raw_names):
        return None
    with np.errstate(all="ignore"):
        return predict(simulation, asked)


def _sample_answers(
    simulation: Simulation,
    train_outputs: np.ndarray,
    test_outputs: np.ndarray,
    train_classes: np.ndarray | None,
    test_classes: np.ndarray | None,
) -> SampleAnswers:
    """The probabilities (classification) or errors (regression) of every sample, from the
    outputs the snapshot already holds: a few vector operations, no forward pass."""
    data = simulation.data
    if simulation.classification:
        activation = simulation.network.activation_names[-1]
        return SampleAnswers(
            class_probabilities(train_outputs, train_classes, activation),
            class_probabilities(test_outputs, test_classes, activation),
            None,
            None,
        )
    with np.errstate(all="ignore"):
        return SampleAnswers(
            None, None, train_outputs - data.train_targets, test_outputs - data.test_targets
        )


def _outputs_and_flat_shares(
    network: Network, inputs: np.ndarray
) -> tuple[np.ndarray, tuple[np.ndarray | None, ...]]:
    """The network's outputs on inputs (n, in), exactly as Network.predict gives them (the same
    chunks), and per hidden layer each neuron's share of the rows in its activation's flat part,
    counted from the same forward pass."""
    n = len(inputs)
    hidden = network.activation_names[:-1]
    counts: list[np.ndarray | None] = [None] * len(hidden)
    rows = rows_per_chunk(network.sizes[1:], n)
    outputs = np.empty((n, network.sizes[-1])) if rows < n else None
    for start in range(0, max(n, 1), max(rows, 1)):
        layers = network.forward(inputs[start : start + rows])
        for index, activation in enumerate(hidden):
            found = flat_counts(activation, layers[index][0])
            if found is not None:
                counts[index] = found if counts[index] is None else counts[index] + found
        if outputs is None:
            outputs = layers[-1][1]
        else:
            outputs[start : start + rows] = layers[-1][1]
    shares = tuple(None if c is None else c / max(n, 1) for c in counts)
    return outputs, shares
