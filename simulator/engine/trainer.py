"""Mini-batch training: one step at a time, as a generator of small immutable records, with a
step kept only while the loss it leads to stays finite and an optional full trace of a step."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import losses
from .network import (
    Network,
    Workspace,
    backward_dropout_into,
    backward_into,
    draw_dropout_masks,
    forward_dropout_into,
    forward_into,
    rows_per_chunk,
)
from .optimizers import Optimizer
from .schedules import Schedule, describe, rate_at
from .trace import SAMPLE_GRADIENT_LIMIT, ForwardLayer, ForwardTrace, LayerTrace, StepTrace

REGULARIZATIONS: tuple[str, ...] = ("none", "l1", "l2")

# The dropout masks' own stream: a Generator seeded from (training seed, this tag), so that the
# shuffle RNG draws the same orders whether or not a network uses dropout, and a mask never
# depends on how many permutations were drawn before it.
DROPOUT_STREAM = 0x0D40


def dropout_rng(seed: int) -> np.random.Generator:
    """Return the Generator that draws a run's dropout masks, from the run's training seed."""
    return np.random.default_rng((int(seed), DROPOUT_STREAM))


# Why a step was undone: it made the loss non-finite (found by the next forward pass, the next
# step's or a whole-set evaluation's), or it made a weight non-finite (found at once).
DIVERGED_LOSS = "loss"
DIVERGED_WEIGHTS = "weights"


class StepRecord(NamedTuple):
    """What one step did. `step` and `epoch` count completed steps and epochs after it; `loss` is
    the batch's data loss before the update and `penalty` the regularization term apart.

    A diverged record applied nothing and undid the step numbered `undone_step` (None when
    there was none to undo): `divergence` says why (DIVERGED_LOSS or DIVERGED_WEIGHTS), `loss`
    is the loss that was found, and `step` and `epoch` say where the kept state stands."""

    step: int
    epoch: int
    loss: float
    penalty: float
    epoch_finished: bool
    diverged: bool
    undone_step: int | None = None
    divergence: str | None = None


@dataclass(frozen=True)
class Regularization:
    """L1 adds rate·Σ|w| to the loss, L2 adds (rate/2)·Σw²; weights only, never biases."""

    kind: str = "none"
    rate: float = 0.0

    @property
    def active(self) -> bool:
        return self.kind != "none" and self.rate != 0.0


class Trainer:
    """Trains `network` on (inputs (n, in), targets (n, out)) with mini-batches.

    The shuffle RNG is consumed only when an epoch begins (one permutation per epoch), so the
    position (epoch, batch_in_epoch) and the RNG state at the epoch's start say exactly where a
    run stands; `position()` and `restore_position()` move it in and out of saved files.

    A step is kept only if the loss it leads to is finite. The parameters before the last step
    are kept (one copy per step) and the optimizer can swap its state back, so when the next
    forward pass finds a non-finite loss, the step that led there is undone exactly;
    `undo_last_step()` does the same for a consumer whose own forward pass (a whole-set
    evaluation) finds one.

    Dropout (`dropout`: a rate 0 ≤ p < 1 per layer, 0 for the output layer) acts in training
    steps only, as PyTorch's nn.Dropout in train mode: each step draws one mask per layer with
    dropout, shape (batch, units), from `dropout_rng` (never the shuffle RNG). Evaluation and
    predictions run Network.forward, which has no dropout. The dropout RNG state is part of the
    position, and a step's undo puts it back too.
    """

    def __init__(
        self,
        network: Network,
        loss: str,
        optimizer: Optimizer,
        inputs: np.ndarray,
        targets: np.ndarray,
        batch_size: int,
        *,
        shuffle: bool = True,
        rng: np.random.Generator | None = None,
        regularization: Regularization | None = None,
        frozen_weights: tuple[bool, ...] | None = None,
        frozen_biases: tuple[bool, ...] | None = None,
        schedule: Schedule | None = None,
        dropout: tuple[float, ...] | None = None,
        dropout_rng: np.random.Generator | None = None,
    ) -> None:
        if loss not in losses.LOSSES:
            raise ValueError(f"unknown loss {loss!r}")
        problem = losses.pairing_error(loss, network.activation_names[-1])
        if problem:
            raise ValueError(problem)
        self.network = network
        self.loss_name = loss
        self.optimizer = optimizer
        self.inputs = np.ascontiguousarray(inputs, dtype=np.float64)
        self.targets = np.ascontiguousarray(targets, dtype=np.float64)
        if len(self.inputs) != len(self.targets) or len(self.inputs) == 0:
            raise ValueError("need at least one sample and as many targets as inputs")
        self.batch_size = max(1, min(int(batch_size), len(self.inputs)))
        self.shuffle = bool(shuffle)
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.regularization = regularization or Regularization()
        layers = network.layer_count
        self.dropout = tuple(float(p) for p in (dropout or (0.0,) * layers))
        if len(self.dropout) != layers:
            raise ValueError("need one dropout rate per layer")
        if any(not 0.0 <= p < 1.0 for p in self.dropout):
            raise ValueError("a dropout rate must be at least 0 and below 1")
        if self.dropout[-1] != 0.0:
            raise ValueError("the output layer takes no dropout")
        # Checked once per step: without dropout the step runs the plain passes.
        self.uses_dropout = any(p > 0.0 for p in self.dropout)
        self.dropout_rng = (
            dropout_rng if dropout_rng is not None else np.random.default_rng((0, DROPOUT_STREAM))
        )
        self.frozen_weights = tuple(frozen_weights or (False,) * layers)
        self.frozen_biases = tuple(frozen_biases or (False,) * layers)
        self._frozen_slices = [
            s
            for s, frozen in zip(network.weight_slices(), self.frozen_weights, strict=True)
            if frozen
        ] + [
            s for s, frozen in zip(network.bias_slices(), self.frozen_biases, strict=True) if frozen
        ]

        self.step_count = 0
        self.epoch = 0
        self.batch_in_epoch = 0
        # With a schedule, the optimizer's rate is set once per epoch end (never per step) to
        # rate_at(schedule, base_learning_rate, epoch); the optimizer starts at the base rate.
        self.schedule = schedule
        self.base_learning_rate = optimizer.learning_rate
        # The schedule's rate of one epoch, kept so that the next one is one recurrence away.
        self._scheduled = (0, self.base_learning_rate)
        # The rate before the last epoch end, for undoing the step that finished an epoch.
        self._rate_before_epoch_end = self.base_learning_rate
        self._order: np.ndarray | None = None
        self._epoch_start_rng_state: dict | None = None
        # Where the run stood before the last applied step, as a plain tuple (made on every
        # step, so kept cheap): (step_count, epoch, batch_in_epoch, order, epoch start RNG
        # state, RNG state before the step drew a new order or None, dropout RNG state before
        # the step drew its masks or None without dropout). None: nothing to undo.
        self._before_last_step: tuple | None = None

        size = network.parameters.size
        self.grad = np.zeros(size)
        self._grad_weights, self._grad_biases = network.split(self.grad)
        self._parameters_before_last_step = np.zeros(size)
        self._penalty_scratch = np.zeros(network.weight_count)
        self._workspaces: dict[int, Workspace] = {}
        self._gather_x: dict[int, np.ndarray] = {}
        self._gather_y: dict[int, np.ndarray] = {}

    # ----- position ------------------------------------------------------------------------

    @property
    def steps_per_epoch(self) -> int:
        return -(-len(self.inputs) // self.batch_size)

    def position(self) -> dict:
        """Return where the run stands: step, epoch, batch_in_epoch and the shuffle RNG state at
        the current epoch's start (a JSON-friendly dict of ints); with a schedule also the
        learning_rate the current epoch trains at."""
        state = self._epoch_start_rng_state
        if self._order is None or state is None:
            state = self.rng.bit_generator.state
        position = {
            "step": self.step_count,
            "epoch": self.epoch,
            "batch_in_epoch": self.batch_in_epoch,
            "shuffle_rng": state,
        }
        if self.uses_dropout:  # masks are drawn per step: the state now is the next step's
            position["dropout_rng"] = self.dropout_rng.bit_generator.state
        if self.schedule is not None:
            position["learning_rate"] = self.optimizer.learning_rate
        return position

    def scheduled_rate(self, epoch: int) -> float:
        """Return the rate the schedule gives epoch `epoch` (the base rate without one)."""
        done, rate = self._scheduled
        if self.schedule is None:
            return self.base_learning_rate
        if epoch == done:
            return rate
        if epoch == done + 1:
            rate = self.schedule.next_rate(self.base_learning_rate, rate, epoch)
        else:
            rate = rate_at(self.schedule, self.base_learning_rate, epoch)
        self._scheduled = (epoch, rate)
        return rate

    def restore_position(self, position: dict) -> None:
        """Continue from a `position()`; the epoch's order is drawn again from the saved state,
        and with a schedule the rate is the epoch's (or, mid-epoch, the position's own)."""
        self.step_count = int(position["step"])
        self.epoch = int(position["epoch"])
        self.batch_in_epoch = int(position["batch_in_epoch"])
        if self.batch_in_epoch >= self.steps_per_epoch:
            raise ValueError("batch_in_epoch is past the end of the epoch")
        if position.get("shuffle_rng") is not None:
            self.rng.bit_generator.state = position["shuffle_rng"]
        if position.get("dropout_rng") is not None:
            self.dropout_rng.bit_generator.state = position["dropout_rng"]
        if self.schedule is not None:
            # At an epoch's start the rate follows the epoch. Mid-epoch a rate kept with the
            # position stands until the epoch ends: the epoch began at it (a schedule changed
            # since applies from the next epoch).
            rate = position.get("learning_rate") if self.batch_in_epoch else None
            self.optimizer.learning_rate = (
                self.scheduled_rate(self.epoch) if rate is None else float(rate)
            )
        self._order = None
        self._epoch_start_rng_state = None
        self._before_last_step = None

    # ----- training ------------------------------------------------------------------------

    def steps(self) -> Iterator[StepRecord]:
        """Yield one StepRecord per mini-batch, forever; a diverged record applied nothing and
        undid the step before it when that step led to the non-finite loss."""
        while True:
            yield self.step()

    def run_epochs(self, epochs: int) -> StepRecord | None:
        """Train until `epochs` more epochs have finished; stop early at a diverged step.
        Returns the last record (None when epochs is 0)."""
        record = None
        target = self.epoch + epochs
        while self.epoch < target:
            record = self.step()
            if record.diverged:
                break
        return record

    def step(self, *, trace: bool = False) -> StepRecord:
        """Run one mini-batch of the epoch's order. With `trace`, also keep a StepTrace in
        `last_trace` (copies; costs nothing when False)."""
        n = len(self.inputs)
        order_before = self._order
        epoch_start_before = self._epoch_start_rng_state
        if order_before is None:
            self._begin_epoch(n)
        here = (
            self.step_count,
            self.epoch,
            self.batch_in_epoch,
            order_before,
            epoch_start_before,
            self._epoch_start_rng_state if order_before is None else None,
            self.dropout_rng.bit_generator.state if self.uses_dropout else None,
        )
        start = self.batch_in_epoch * self.batch_size
        stop = min(start + self.batch_size, n)
        if self.shuffle:
            rows = self._order[start:stop]
            count = stop - start
            x = self._gather_x.get(count)
            if x is None:
                x = self._gather_x[count] = np.empty((count, self.inputs.shape[1]))
                self._gather_y[count] = np.empty((count, self.targets.shape[1]))
            y = self._gather_y[count]
            np.take(self.inputs, rows, axis=0, out=x)
            np.take(self.targets, rows, axis=0, out=y)
        else:
            x = self.inputs[start:stop]
            y = self.targets[start:stop]
        record = self._apply_batch(x, y, trace, here)
        if not record.diverged:
            self.batch_in_epoch += 1
            if self.batch_in_epoch >= self.steps_per_epoch:
                self.batch_in_epoch = 0
                self.epoch += 1
                self._order = None
                if self.schedule is not None:  # once an epoch: the hot loop never looks here
                    self._rate_before_epoch_end = self.optimizer.learning_rate
                    self.optimizer.learning_rate = self.scheduled_rate(self.epoch)
                record = record._replace(epoch=self.epoch, epoch_finished=True)
        return record

    def step_on(self, x: np.ndarray, y: np.ndarray) -> tuple[StepRecord, StepTrace]:
        """Take one traced step on the given batch (x (n, in), y (n, out)) outside the epoch's
        order: the step-through's single sample. Counts as a step, not as epoch progress. A
        non-finite loss applies nothing but undoes no earlier step: a look at one sample does
        not rewrite the run (its caller restores its own checkpoint)."""
        x = np.ascontiguousarray(x, dtype=np.float64).reshape(-1, self.inputs.shape[1])
        y = np.ascontiguousarray(y, dtype=np.float64).reshape(-1, self.targets.shape[1])
        here = (
            self.step_count,
            self.epoch,
            self.batch_in_epoch,
            self._order,
            self._epoch_start_rng_state,
            None,
            self.dropout_rng.bit_generator.state if self.uses_dropout else None,
        )
        record = self._apply_batch(x, y, True, here, undo_before=False)
        return record, self.last_trace

    def undo_last_step(self, loss: float = math.nan) -> StepRecord | None:
        """Undo the last applied step exactly: parameters bit for bit, optimizer state, step
        count, epoch, batch_in_epoch, the epoch's order and the shuffle RNG, also when that step
        finished an epoch and the next one has drawn its order. For a consumer whose own forward
        pass found `loss` non-finite. Returns the diverged StepRecord naming the undone step, or
        None when there is none to undo (no step yet, one already undone, or the position or the
        optimizer state replaced since)."""
        undone = self._undo_last_step()
        if undone is None:
            return None
        return self._diverged_record(loss, 0.0, undone, DIVERGED_LOSS)

    def forget_last_step(self) -> None:
        """Make the last step permanent: call after changing the parameters or the optimizer
        state from outside, which an undo would otherwise overwrite."""
        self._before_last_step = None

    def _begin_epoch(self, n: int) -> None:
        self._epoch_start_rng_state = self.rng.bit_generator.state
        self._order = self.rng.permutation(n) if self.shuffle else np.arange(0)

    def _workspace(self, count: int) -> Workspace:
        ws = self._workspaces.get(count)
        if ws is None:
            ws = self._workspaces[count] = Workspace(self.network, count)
            if self.uses_dropout:
                ws.use_dropout(self.dropout)
        return ws

    def _undo_last_step(self) -> int | None:
        """Go back to before the last applied step; return its number, or None."""
        before = self._before_last_step
        if before is None or not self.optimizer.can_undo_commit:
            return None
        undone = self.step_count
        np.copyto(self.network.parameters, self._parameters_before_last_step)
        self.optimizer.undo_commit()
        self._rewind(before)
        self._before_last_step = None
        return undone

    def _rewind(self, before: tuple) -> None:
        """Put the position back to `before` (see `_before_last_step`), and the RNG to where it
        was: no epoch order drawn since then leaves a trace."""
        step_count, epoch, batch_in_epoch, order, epoch_start, rng_before_draw, masks = before
        if masks is not None:  # the masks drawn since then are drawn again
            self.dropout_rng.bit_generator.state = masks
        if rng_before_draw is not None:
            self.rng.bit_generator.state = rng_before_draw
        elif self._order is not None and self._order is not order:
            # The step finished its epoch and the next call drew the new epoch's order.
            self.rng.bit_generator.state = self._epoch_start_rng_state
        if self.schedule is not None and epoch != self.epoch:
            # The step finished its epoch and the schedule moved the rate on: back with it.
            self.optimizer.learning_rate = self._rate_before_epoch_end
        self.step_count, self.epoch, self.batch_in_epoch = step_count, epoch, batch_in_epoch
        self._order, self._epoch_start_rng_state = order, epoch_start

    def _diverged_record(
        self, loss: float, penalty: float, undone: int | None, divergence: str
    ) -> StepRecord:
        return StepRecord(
            self.step_count, self.epoch, loss, penalty, False, True, undone, divergence
        )

    def _apply_batch(
        self, x: np.ndarray, y: np.ndarray, trace: bool, here: tuple, *, undo_before: bool = True
    ) -> StepRecord:
        """Forward, backward, regularize, freeze and update on one batch, the run standing at
        `here` (see `_before_last_step`). A non-finite loss applies nothing and (with
        `undo_before`) undoes the step before, which led to it; a step that would make a weight
        non-finite is taken back at once. Keeps a StepTrace in `last_trace` when `trace`."""
        network = self.network
        params = network.parameters
        grad = self.grad
        ws = self._workspace(len(x))
        penalty = 0.0
        penalty_grad = gradient_record = None
        state_before: dict[str, np.ndarray] = {}
        # One errstate for the whole step: entering one costs as much as a small layer's product.
        with np.errstate(all="ignore"):
            dropout = self.uses_dropout
            if dropout:
                draw_dropout_masks(self.dropout, self.dropout_rng, ws)
                forward_dropout_into(network, x, ws)
            else:
                forward_into(network, x, ws)
            last = network.layer_count - 1
            loss = losses.loss_value(self.loss_name, ws.z[last], ws.a[last], y)
            loss_finite = math.isfinite(loss)
            if loss_finite or trace:  # a diverged step's trace still shows its gradients
                backward = backward_dropout_into if dropout else backward_into
                backward(network, self.loss_name, y, ws, self._grad_weights, self._grad_biases)
                if self.regularization.active:
                    penalty, penalty_grad = self._regularize(params, grad, trace)
                if trace:
                    gradient_record = grad.copy()
                    state_before = {
                        key: flat.copy()
                        for key, flat in _optimizer_state_arrays(self.optimizer).items()
                    }
            if loss_finite:
                for frozen in self._frozen_slices:
                    grad[frozen] = 0.0
                step = self.optimizer.propose(grad, params)
                # A zero gradient still moves a parameter by its optimizer's momentum or by
                # AdamW's decay: a frozen one is held where it is.
                for frozen in self._frozen_slices:
                    step[frozen] = 0.0
                # From here the step before can no longer be undone: its parameters and
                # optimizer state are being overwritten by this one's.
                self._before_last_step = None
                before = self._parameters_before_last_step
                np.copyto(before, params)
                np.subtract(params, step, out=params)
                # A sum is non-finite exactly when some element is (or when the weights are so
                # large that their sum overflows, which is divergence too).
                weights_finite = math.isfinite(np.add.reduce(params))
        self.last_trace = None
        weights_broke = loss_finite and not weights_finite
        if weights_broke:  # the update made a weight non-finite: taken back at once
            np.copyto(params, before)
            self._rewind(here)
        if not loss_finite or weights_broke:
            if trace:  # the forward pass's weights, and no update
                self.last_trace = self._make_trace(
                    x, y, ws, loss, penalty, gradient_record, penalty_grad, None, None, True,
                    state_before,
                )  # fmt: skip
            if weights_broke:
                return self._diverged_record(loss, penalty, self.step_count + 1, DIVERGED_WEIGHTS)
            return self._diverged_on_loss(loss, penalty, here, undo_before)
        self.optimizer.commit()
        self.step_count += 1
        self._before_last_step = here
        if trace:
            self.last_trace = self._make_trace(
                x,
                y,
                ws,
                loss,
                penalty,
                gradient_record,
                penalty_grad,
                before,
                step,
                False,
                state_before,
            )
        return StepRecord(self.step_count, self.epoch, loss, penalty, False, False)

    def _diverged_on_loss(
        self, loss: float, penalty: float, here: tuple, undo_before: bool
    ) -> StepRecord:
        undone = self._undo_last_step() if undo_before else None
        if undone is None:
            self._rewind(here)  # an epoch's order drawn by this call is put back
        return self._diverged_record(loss, penalty, undone, DIVERGED_LOSS)

    def _regularize(
        self, params: np.ndarray, grad: np.ndarray, trace: bool
    ) -> tuple[float, np.ndarray | None]:
        kind, rate = self.regularization.kind, self.regularization.rate
        w = params[: self.network.weight_count]
        share = self._penalty_scratch
        if kind == "l2":
            penalty = 0.5 * rate * float(np.vdot(w, w))
            np.multiply(w, rate, out=share)
        elif kind == "l1":
            penalty = rate * float(np.abs(w).sum())
            np.sign(w, out=share)
            share *= rate
        else:
            raise ValueError(f"unknown regularization {kind!r}")
        grad[: self.network.weight_count] += share
        return penalty, (share.copy() if trace else None)

    def _make_trace(
        self, x, y, ws, loss, penalty, gradient, penalty_grad, before, step, diverged, state_before
    ) -> StepTrace:
        """Copy the step's numbers. `before` (the parameters before an applied step) and `step`
        are None for a diverged step: the trace shows the weights the forward pass used, and no
        update. `state_before` holds the optimizer's flat state arrays as the step found them."""
        network = self.network
        if diverged:
            before = network.parameters.copy()
            after = before
            step = np.zeros_like(before)
        else:
            after = network.parameters
        grad_w, grad_b = network.split(gradient)
        before_w, before_b = network.split(before)
        after_w, after_b = network.split(after)
        step_w, step_b = network.split(step)
        penalty_full = np.zeros_like(before)
        if penalty_grad is not None:
            penalty_full[: network.weight_count] = penalty_grad
        penalty_w, _ = network.split(penalty_full)
        state_arrays = _optimizer_state_arrays(self.optimizer)
        n = len(x)
        keep_samples = n * len(before) <= SAMPLE_GRADIENT_LIMIT
        layers = []
        for i in range(network.layer_count):
            below = x if i == 0 else ws.out[i - 1]
            noise = ws.noise[i]
            # δ holds ∂(batch mean loss)/∂z, 1/n of each sample's own; n·δ undoes that share.
            own_delta = ws.delta[i] * n if keep_samples else None
            opt_state, opt_state_before = {}, {}
            for key, flat in state_arrays.items():
                w_part, b_part = network.split(flat)
                opt_state[key] = (w_part[i].copy(), b_part[i].copy())
                # Momentum's velocity is born on the first step (v = g, as if it had been 0).
                flat_before = state_before.get(key)
                if flat_before is None:
                    flat_before = np.zeros_like(flat)
                w_part, b_part = network.split(flat_before)
                opt_state_before[key] = (w_part[i].copy(), b_part[i].copy())
            layers.append(
                LayerTrace(
                    z=ws.z[i].copy(),
                    a=ws.a[i].copy(),
                    delta=ws.delta[i].copy(),
                    grad_weights=grad_w[i].copy(),
                    grad_biases=grad_b[i].copy(),
                    penalty_grad_weights=penalty_w[i].copy(),
                    weights_before=before_w[i].copy(),
                    biases_before=before_b[i].copy(),
                    weights_after=after_w[i].copy(),
                    biases_after=after_b[i].copy(),
                    step_weights=step_w[i].copy(),
                    step_biases=step_b[i].copy(),
                    weights_frozen=self.frozen_weights[i],
                    biases_frozen=self.frozen_biases[i],
                    optimizer_state=opt_state,
                    optimizer_state_before=opt_state_before,
                    softmax_sum=_softmax_sum(ws.z[i])
                    if network.activation_names[i] == "softmax"
                    else None,
                    sample_grad_weights=None
                    if own_delta is None
                    else own_delta[:, :, None] * below[:, None, :],
                    sample_grad_biases=own_delta,
                    dropout=self.dropout[i],
                    kept=None if noise is None else noise != 0.0,
                    output=None if noise is None else ws.out[i].copy(),
                )
            )
        optimizer = self.optimizer
        settings = optimizer_settings(optimizer)
        return StepTrace(
            inputs=np.array(x, copy=True),
            targets=np.array(y, copy=True),
            loss_name=self.loss_name,
            loss=loss,
            penalty=penalty,
            regularization=self.regularization.kind,
            regularization_rate=self.regularization.rate,
            optimizer_name=optimizer.name,
            learning_rate=optimizer.learning_rate,
            optimizer_settings=settings,
            optimizer_step_count=getattr(optimizer, "t", self.step_count),
            activation_names=network.activation_names,
            layers=tuple(layers),
            diverged=diverged,
            schedule="" if self.schedule is None else describe(self.schedule),
        )


def trace_forward(network: Network, x: np.ndarray) -> ForwardTrace:
    """Run inputs x (n, inputs) through `network` and keep what every layer computed, for the
    step-through of an input without a target. The pass is Network.forward, the one
    Network.predict runs, so the last layer's a is bit for bit what predict answers for the same
    rows; nothing of the network changes (copies of its weights go into the record)."""
    x = np.ascontiguousarray(x, dtype=np.float64).reshape(-1, network.sizes[0])
    layers = tuple(
        ForwardLayer(
            z=z,
            a=a,
            weights_before=w.copy(),
            biases_before=b.copy(),
            softmax_sum=_softmax_sum(z) if name == "softmax" else None,
        )
        for (z, a), w, b, name in zip(
            network.forward(x),
            network.weights,
            network.biases,
            network.activation_names,
            strict=True,
        )
    )
    return ForwardTrace(inputs=x.copy(), activation_names=network.activation_names, layers=layers)


def _softmax_sum(z: np.ndarray) -> np.ndarray:
    return np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1)


def _optimizer_state_arrays(optimizer: Optimizer) -> dict[str, np.ndarray]:
    if optimizer.name in ("adam", "adamw"):
        return {"m": optimizer.m, "v": optimizer.v}
    if optimizer.name == "rmsprop":
        arrays = {"square_avg": optimizer.square_avg}
        if optimizer.momentum_buffer is not None:
            arrays["momentum_buffer"] = optimizer.momentum_buffer
        return arrays
    if optimizer.velocity is not None:
        return {"velocity": optimizer.velocity}
    return {}


def optimizer_settings(optimizer: Optimizer) -> dict[str, float]:
    """Return the optimizer's own settings (all but the learning rate), as a trace keeps them."""
    if optimizer.name == "sgd":
        return {"momentum": optimizer.momentum}
    if optimizer.name == "rmsprop":
        return {"alpha": optimizer.alpha, "eps": optimizer.eps, "momentum": optimizer.momentum}
    settings = {"beta1": optimizer.beta1, "beta2": optimizer.beta2, "eps": optimizer.eps}
    if optimizer.name == "adamw":
        settings["weight_decay"] = optimizer.weight_decay
    return settings


class Evaluation(NamedTuple):
    """Loss and accuracy of a network on a whole data set; accuracy is None for regression,
    both are None for an empty set."""

    loss: float | None
    accuracy: float | None


def evaluate(
    network: Network, loss: str, inputs: np.ndarray, targets: np.ndarray, classification: bool
) -> Evaluation:
    """Return the mean data loss (and, for classification, the share of samples whose predicted
    class is right) of `network` on inputs (n, in) and targets (n, out). A large set goes through
    the network in chunks of `rows_per_chunk` rows, so it never needs (n, units) arrays at once."""
    n = len(inputs)
    if n == 0:
        return Evaluation(None, None)
    rows = rows_per_chunk(network.sizes[1:], n)
    if rows >= n:  # one pass: the mean exactly as loss_value gives it
        mean, correct = _loss_and_correct(network, loss, inputs, targets, classification)
    else:
        loss_sum, correct = 0.0, 0
        for start in range(0, n, rows):
            x, y = inputs[start : start + rows], targets[start : start + rows]
            chunk_mean, chunk_correct = _loss_and_correct(network, loss, x, y, classification)
            loss_sum += chunk_mean * len(x)
            correct += chunk_correct
        mean = loss_sum / n
    return Evaluation(mean, correct / n if classification else None)


def _loss_and_correct(
    network: Network, loss: str, x: np.ndarray, y: np.ndarray, classification: bool
) -> tuple[float, int]:
    """Return the mean loss on (x, y) and how many samples are classified right (0 for
    regression)."""
    with np.errstate(all="ignore"):
        z, a = network.forward(x)[-1]
        value = losses.loss_value(loss, z, a, y)
    if not classification:
        return value, 0
    output = network.activation_names[-1]
    return value, int(
        np.count_nonzero(predicted_classes(a, output) == predicted_classes(y, output))
    )


def decision_threshold(output_activation: str) -> float:
    """Return the output above which one output unit says class 1: the midpoint of the
    activation's range (0 for tanh and linear, 0.5 for sigmoid and the rest)."""
    return 0.0 if output_activation in ("tanh", "linear") else 0.5


def predicted_classes(outputs: np.ndarray, output_activation: str) -> np.ndarray:
    """Return class indices (n,) from outputs or targets (n, K): argmax for K ≥ 2; for one unit,
    class 1 above `decision_threshold` of the output activation."""
    if outputs.shape[1] >= 2:
        return np.argmax(outputs, axis=1)
    return (outputs[:, 0] > decision_threshold(output_activation)).astype(np.int64)
