"""The text of the exported model.py: fixed code with marked places (@NAME@) that
simulator/export/pytorch.py fills with the scenario's network, loss, optimizer and schedule."""

# The @NAME@ markers are replaced whole; the rest is written out as it stands. Kept as plain text
# (never imported or run by nnsim, which does not depend on PyTorch).
MODEL_PY = '''\
"""@HEADLINE@

    python model.py --epochs N          train N more epochs, printing each epoch's losses
    python model.py --epochs N --save trained.safetensors
                                        ... and save the trained weights (nnsim import-weights
                                        reads them back)

Training continues from where the nnsim file stood (epoch @EPOCH@, step @STEP@) and goes as
`nnsim train FILE --epochs N` goes: the same batches in the same order (NumPy's PCG64 shuffle,
one permutation per epoch), the same dropout masks (drawn from NumPy as nnsim draws them), the
same loss, regularization, optimizer and learning-rate schedule, in float64. Each epoch prints
the loss on the whole training (and test) set after it, as nnsim's history records it; the last
line is one JSON object, as `nnsim train FILE --epochs N --json` reports it (epochs,
train_loss, test_loss).
"""

import argparse
import csv
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

HERE = Path(__file__).resolve().parent
DTYPE = torch.float64  # nnsim computes in float64; so does everything here

INPUTS = @INPUTS@  # the network's input features (data.csv's first columns)
OUTPUTS = @OUTPUTS@  # its output units (the target columns that follow)
BATCH_SIZE = @BATCH_SIZE@
SHUFFLE = @SHUFFLE@

# Where the nnsim file stood: completed epochs and steps, the batch the current epoch is at, the
# state of the shuffle generator when the current epoch began, (with a schedule, mid-epoch)
# the rate that epoch trains at, and (with dropout) the state of the generator the next step's
# dropout masks come from.
START = @START@

# The one generator every dropout layer draws its masks from, in layer order, once per training
# step: NumPy's PCG64, as nnsim's (its state is set from START when training begins).
DROPOUT_RNG = np.random.default_rng()


class NumpyDropout(nn.Module):
    """Dropout as nnsim does it: in training mode each output is kept where a uniform number
    u ≥ rate and scaled by 1/(1 − rate), dropped (0) otherwise; in eval mode it passes x on.

    Not nn.Dropout: that draws its masks from torch's own generator, which nnsim cannot
    reproduce. This draws them from NumPy's `generator` with nnsim's calls (one `random` of
    shape (batch, units), row-major, per layer and step), so the run is nnsim's to the bit."""

    def __init__(self, rate: float, generator: np.random.Generator):
        super().__init__()
        self.rate = rate
        self.generator = generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.rate == 0.0:
            return x
        u = self.generator.random(tuple(x.shape))
        # (u ≥ rate) / (1 − rate): 1/(1 − rate) where kept, 0 where dropped, as nnsim's factor.
        factor = torch.from_numpy(np.greater_equal(u, self.rate) / (1.0 - self.rate))
        return x * factor

    def extra_repr(self) -> str:
        return f"rate={self.rate}"


def build_model() -> nn.Sequential:
    """The network, with the weights and biases of the nnsim file (weights.safetensors). Like
    every PyTorch module it starts in training mode: call model.eval() before predicting, so
    that dropout (if the network has any) draws no masks, as nnsim predicts."""
    model = nn.Sequential(
@MODULES@
    )
    model.load_state_dict(load_file(HERE / "weights.safetensors"))
    return model


def load_data():
    """data.csv: the network's inputs (after nnsim's scaling and feature derivation), the
    targets and a `set` column (train or test), training rows first in nnsim's order."""
    rows = {"train": [], "test": []}
    with open(HERE / "data.csv", newline="", encoding="utf-8") as stream:
        reader = csv.reader(stream)
        next(reader)  # the header
        for row in reader:
            rows[row[-1]].append([float(value) for value in row[:-1]])

    def split(table):
        array = torch.tensor(table, dtype=DTYPE).reshape(-1, INPUTS + OUTPUTS)
        return array[:, :INPUTS], array[:, INPUTS:]

    return (*split(rows["train"]), *split(rows["test"]))


def data_loss(model: nn.Sequential, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """@LOSS_DOC@"""
@LOSS_CODE@


def penalty(model: nn.Sequential) -> torch.Tensor | float:
    """@PENALTY_DOC@"""
@PENALTY_CODE@


def make_optimizer(model: nn.Sequential) -> torch.optim.Optimizer:
    """@OPTIMIZER_DOC@"""
    linears = [module for module in model if isinstance(module, nn.Linear)]
    # Frozen parameters get no gradient and are left out of the optimizer: they never move.
    frozen_weights = @FROZEN_WEIGHTS@
    frozen_biases = @FROZEN_BIASES@
    weights, biases = [], []
    for linear, freeze_w, freeze_b in zip(linears, frozen_weights, frozen_biases, strict=True):
        linear.weight.requires_grad_(not freeze_w)
        linear.bias.requires_grad_(not freeze_b)
        if not freeze_w:
            weights.append(linear.weight)
        if not freeze_b:
            biases.append(linear.bias)
@OPTIMIZER_CODE@
    load_optimizer_state(optimizer, model)
    return optimizer


def load_optimizer_state(optimizer: torch.optim.Optimizer, model: nn.Sequential) -> None:
    """Continue the optimizer where nnsim left it: optimizer_state.safetensors holds its buffers
    per parameter ("0.weight.exp_avg", ...); without the file it starts fresh, as nnsim's does."""
    path = HERE / "optimizer_state.safetensors"
    if not path.exists():
        return
    saved = load_file(path)
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        state = {
            key[len(name) + 1 :]: value
            for key, value in saved.items()
            if key.startswith(name + ".") and key[len(name) + 1 :].count(".") == 0
        }
        if state:
            if "step" in state:  # kept as a float64 tensor of one value, as PyTorch keeps it
                state["step"] = state["step"].reshape(())
            optimizer.state[parameter] = state


def make_scheduler(optimizer: torch.optim.Optimizer):
    """@SCHEDULE_DOC@"""
@SCHEDULE_CODE@


@torch.no_grad()
def evaluate(model: nn.Sequential, x: torch.Tensor, y: torch.Tensor) -> float | None:
    """The mean data loss on a whole set (None for an empty one), as nnsim's history has it:
    in eval mode (no dropout, and no masks drawn), then back in the mode the model was in."""
    if len(x) == 0:
        return None
    training = model.training
    model.eval()
    try:
        return float(data_loss(model, x, y))
    finally:
        model.train(training)


def train(model: nn.Sequential, epochs: int, data) -> dict:
    """Train `epochs` more epochs; print each epoch's losses and return the last ones."""
    x_train, y_train, x_test, y_test = data
    n = len(x_train)
    steps_per_epoch = -(-n // BATCH_SIZE)
    optimizer = make_optimizer(model)
    scheduler = make_scheduler(optimizer)
    # The schedule stands at the file's epoch: PyTorch's scheduler steps once per epoch end.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "scheduler.step() before optimizer.step()"
        for _ in range(START["epoch"] if scheduler is not None else 0):
            scheduler.step()
    scheduled = [group["lr"] for group in optimizer.param_groups]
    if START["learning_rate"] is not None and START["batch_in_epoch"]:
        # Mid-epoch, the epoch finishes at the rate it began with (nnsim keeps it in the file).
        for group in optimizer.param_groups:
            group["lr"] = START["learning_rate"]
    # The shuffle generator: NumPy's PCG64, as nnsim's, at the state the current epoch began.
    rng = np.random.default_rng()
    rng.bit_generator.state = START["shuffle_rng"]
    if START["dropout_rng"] is not None:
        DROPOUT_RNG.bit_generator.state = START["dropout_rng"]
    model.train()  # dropout draws masks in training steps only
    epoch, batch = START["epoch"], START["batch_in_epoch"]
    result = {"epochs": epoch, "train_loss": evaluate(model, x_train, y_train),
              "test_loss": evaluate(model, x_test, y_test)}
    for _ in range(epochs):
        # One permutation per epoch; without shuffle the rows go in file order, drawing nothing.
        order = torch.from_numpy(rng.permutation(n)) if SHUFFLE else torch.arange(n)
        while batch < steps_per_epoch:
            rows = order[batch * BATCH_SIZE : (batch + 1) * BATCH_SIZE]
            x, y = x_train[rows], y_train[rows]
            optimizer.zero_grad()
            loss = data_loss(model, x, y)
            if not torch.isfinite(loss):
                # nnsim would also undo the step before (the one that led here); this loop stops.
                print(f"the loss is not finite at epoch {epoch}, batch {batch}: stopped",
                      file=sys.stderr)
                print(json.dumps(result))
                sys.exit(1)
            (loss + penalty(model)).backward()
            optimizer.step()
            batch += 1
        batch = 0
        epoch += 1
        if scheduler is not None:
            # A mid-epoch start's own rate ends with its epoch: the schedule takes over again.
            for group, rate in zip(optimizer.param_groups, scheduled, strict=True):
                group["lr"] = rate
            scheduler.step()
            scheduled = [group["lr"] for group in optimizer.param_groups]
        result = {"epochs": epoch, "train_loss": evaluate(model, x_train, y_train),
                  "test_loss": evaluate(model, x_test, y_test)}
        print(f"epoch {epoch}  train loss {result['train_loss']!r}  "
              f"test loss {result['test_loss']!r}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\\n\\n")[0])
    parser.add_argument("--epochs", type=int, required=True, help="epochs to train")
    parser.add_argument("--save", help="save the trained weights (a safetensors file) here")
    args = parser.parse_args()
    torch.set_default_dtype(DTYPE)
    model = build_model()
    result = train(model, args.epochs, load_data())
    if args.save:
        save_file(model.state_dict(), args.save)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
'''

README_MD = """# @TITLE@ in PyTorch

Exported by nnsim @VERSION@ from `@SOURCE@` (epoch @EPOCH@, step @STEP@), written for
PyTorch @TORCH_VERSION@, NumPy @NUMPY_VERSION@ and safetensors @SAFETENSORS_VERSION@
on Python 3.11 or later (other recent versions should work; the comparison with nnsim
was run with these).

## Run it

    pip install torch numpy safetensors
    python model.py --epochs 10
    python model.py --epochs 10 --save trained.safetensors

Each epoch prints the loss on the whole training and test sets after it; the last line is one
JSON object (`epochs`, `train_loss`, `test_loss`), as `nnsim train FILE --epochs 10 --json`
reports it. Both train on the same batches in the same order, so the losses agree to about 1e-9
(the matrix products of PyTorch and NumPy round differently in the last bits).

Bring weights trained here back into nnsim:

    nnsim import-weights SCENARIO.json trained.safetensors --out trained.json

## The files

- `model.py`: `build_model()` (an `nn.Sequential` of `nn.Linear`, activation and, where the
  network has dropout, `NumpyDropout` modules in float64, loaded with the file's weights) and
  the training loop: @SUMMARY@
- `weights.safetensors`: the weights and biases, keyed as `build_model().state_dict()` names
  them (`0.weight`, `0.bias`, `2.weight`, ...). Read it without PyTorch through
  `safetensors.numpy.load_file`.
- `data.csv`: the network's inputs (after nnsim's scaling and feature derivation: @FEATURES@),
  the targets (@TARGETS@) and a `set` column saying train or test; training rows in nnsim's order.
@OPTIMIZER_FILE@
## How it matches nnsim

- Batches: NumPy's PCG64 generator, one `permutation` of the training rows per epoch (none
  without shuffle), restored to the state the file's current epoch began with.
- The loss is the batch mean. Regularization is added to the loss by hand, on the weights only
  (never the biases), as nnsim does; L1's gradient at a weight of exactly 0 is 0 in both.
- Frozen weights or biases get no gradient and are left out of the optimizer.
- The learning-rate schedule is PyTorch's scheduler stepped once per epoch end.
- Dropout: `NumpyDropout`, not `nn.Dropout`, whose masks come from torch's own generator. Its
  masks are drawn from one NumPy generator, continued from the file, as nnsim draws them: per
  training step, layer by layer, kept where u ≥ p and scaled by 1/(1 − p). Evaluation and
  predictions (`model.eval()`) use none.
- A step whose loss is not finite stops the loop (nnsim also undoes the step before it).
"""
