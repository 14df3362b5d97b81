"""The record of one training step: every number the forward pass, the loss, the backward pass and
the update computed, per layer, copied out of the trainer's buffers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Per-sample gradients are kept while batch size × parameters stays within this many numbers
# (80 MB of float64); beyond that a trace keeps only the batch's mean gradient.
SAMPLE_GRADIENT_LIMIT = 10_000_000


@dataclass(frozen=True)
class LayerTrace:
    """One layer's numbers for a batch of n samples (units: this layer's width; fan_in: below).

    z, a, delta: (n, units). grad_weights (units, fan_in) is the gradient the update used, the
    regularization's share included; penalty_grad_weights is that share alone. step_* are the
    amounts subtracted from the parameters (zero where frozen).
    """

    z: np.ndarray
    a: np.ndarray
    delta: np.ndarray
    grad_weights: np.ndarray
    grad_biases: np.ndarray
    penalty_grad_weights: np.ndarray
    weights_before: np.ndarray
    biases_before: np.ndarray
    weights_after: np.ndarray
    biases_after: np.ndarray
    step_weights: np.ndarray
    step_biases: np.ndarray
    weights_frozen: bool
    biases_frozen: bool
    # Optimizer state after the step, per parameter array: {"velocity": (W, b)} for SGD with
    # momentum, {"m": (W, b), "v": (W, b)} for Adam and AdamW, {"square_avg": (W, b)} and, with
    # momentum, "momentum_buffer" for RMSprop; empty for plain SGD.
    optimizer_state: dict[str, tuple[np.ndarray, np.ndarray]]
    # For a softmax layer, Σ_j e^(z_j − max z) per sample (n,): the sum each a_k was divided by.
    softmax_sum: np.ndarray | None = None
    # Each sample's own gradient, of its own loss alone: (n, units, fan_in) and (n, units). Their
    # mean over the batch is the data part of grad_weights and grad_biases. None for batches too
    # large to keep them (see SAMPLE_GRADIENT_LIMIT).
    sample_grad_weights: np.ndarray | None = None
    sample_grad_biases: np.ndarray | None = None
    # The optimizer state the step started from, keyed as optimizer_state (zeros where the
    # optimizer had none yet, as on momentum's first step), so that a learner can redo the update
    # from numbers on one panel. Empty when the trainer did not record it.
    optimizer_state_before: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    # Dropout in this step: the layer's rate p, and for p > 0 the mask, `kept` (n, units) bools
    # (False: the unit was dropped for that sample), and `output` (n, units) = a · m/(1−p), what
    # the layer handed on. `a` stays act(z), which the activation's derivative is read from.
    dropout: float = 0.0
    kept: np.ndarray | None = None
    output: np.ndarray | None = None

    @property
    def forwarded(self) -> np.ndarray:
        """Return what the layer handed to the next one (n, units): a, or a · m/(1−p)."""
        return self.a if self.output is None else self.output


@dataclass(frozen=True)
class StepTrace:
    """Everything one training step computed. inputs (n, inputs) and targets (n, outputs) are the
    batch; layers[0] is the first layer after the inputs."""

    inputs: np.ndarray
    targets: np.ndarray
    loss_name: str
    loss: float
    penalty: float
    regularization: str
    regularization_rate: float
    optimizer_name: str
    learning_rate: float
    optimizer_settings: dict[str, float]
    optimizer_step_count: int
    activation_names: tuple[str, ...]
    layers: tuple[LayerTrace, ...]
    diverged: bool
    # The learning-rate schedule in words (schedules.describe), "" for a constant rate;
    # learning_rate is the rate this step used, the schedule's for its epoch.
    schedule: str = ""


@dataclass(frozen=True)
class ForwardLayer:
    """One layer's forward numbers for n inputs: z and a (n, units), the weights (units, fan_in)
    and biases (units,) that made them; named as LayerTrace names them (the weights "before"
    a step that never comes), so that the step-through reads both kinds of trace alike."""

    z: np.ndarray
    a: np.ndarray
    weights_before: np.ndarray
    biases_before: np.ndarray
    # For a softmax layer, Σ_j e^(z_j − max z) per input (n,), as in LayerTrace.
    softmax_sum: np.ndarray | None = None
    # A forward pass alone is an evaluation: never any dropout (read as LayerTrace's are).
    dropout: float = 0.0
    kept: None = None
    output: None = None

    @property
    def forwarded(self) -> np.ndarray:
        """Return what the layer handed to the next one (n, units): its a."""
        return self.a


@dataclass(frozen=True)
class ForwardTrace:
    """The record of a forward pass alone, for inputs that have no target ("ask the network"):
    no loss, no backward pass, no update, and the network is left as it was. inputs (n,
    inputs) are the network's input features; layers[0] is the first layer after them."""

    inputs: np.ndarray
    activation_names: tuple[str, ...]
    layers: tuple[ForwardLayer, ...]
    # Read by code that walks either kind of trace: a forward pass alone has neither.
    targets: None = None
    diverged: bool = False
