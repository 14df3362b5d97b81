"""Training steps per second of reference implementations (plain NumPy, PyTorch, scikit-learn)."""

from __future__ import annotations

import argparse
import math
import os
import platform
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

HIDDEN_ACTIVATIONS = ("tanh", "relu")
# A sigmoid output goes with binary cross-entropy, a softmax output with cross-entropy.
OUTPUTS = ("sigmoid", "softmax")

_CHUNK_STEPS = 50  # steps between two looks at the clock
_WARMUP_SECONDS = 0.2


@dataclass(frozen=True)
class BenchConfig:
    """One benchmark case: layer sizes, activations, batch size and learning rate of plain SGD.

    ``output`` is ``"sigmoid"`` (one output unit, binary cross-entropy) or ``"softmax"``
    (cross-entropy over ``sizes[-1]`` classes); ``samples`` is the size of the data set.
    """

    name: str
    sizes: tuple[int, ...]
    hidden_activation: str
    output: str
    batch_size: int
    learning_rate: float = 0.03
    samples: int = 1000

    def __post_init__(self) -> None:
        """Reject a configuration that the three loops cannot all run."""
        if len(self.sizes) < 2 or min(self.sizes) < 1:
            raise ValueError(f"sizes must have at least two positive entries: {self.sizes}")
        if self.hidden_activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"hidden_activation must be one of {HIDDEN_ACTIVATIONS}")
        if self.output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}")
        if self.output == "sigmoid" and self.sizes[-1] != 1:
            raise ValueError("a sigmoid output has exactly one unit")
        if self.output == "softmax" and self.sizes[-1] < 2:
            raise ValueError("a softmax output has at least two units")
        if not 1 <= self.batch_size <= self.samples:
            raise ValueError("batch_size must lie between 1 and samples")
        if self.learning_rate <= 0:
            raise ValueError("learning_rate must be positive")

    @property
    def steps_per_epoch(self) -> int:
        """Number of mini-batches in one pass over the data (the last one may be short)."""
        return math.ceil(self.samples / self.batch_size)


BENCH_CONFIGS: tuple[BenchConfig, ...] = (
    BenchConfig("spiral 2-8-8-1 tanh", (2, 8, 8, 1), "tanh", "sigmoid", batch_size=10),
    BenchConfig(
        "deep 2-8-8-8-8-8-8-1 tanh", (2, 8, 8, 8, 8, 8, 8, 1), "tanh", "sigmoid", batch_size=10
    ),
    BenchConfig("wide 2-64-64-1 tanh", (2, 64, 64, 1), "tanh", "sigmoid", batch_size=100),
    BenchConfig("digits-like 64-32-10 relu", (64, 32, 10), "relu", "softmax", batch_size=32),
)


def make_data(config: BenchConfig, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Make the seeded data set for ``config``.

    Returns ``(X, Y)``, both float64: ``X`` has shape ``(samples, sizes[0])``; ``Y`` has shape
    ``(samples, 1)`` with 0/1 labels for a sigmoid output, or ``(samples, sizes[-1])`` one-hot for
    a softmax output. A sigmoid output with two inputs gets two interleaved spiral arms; any other
    input width gets Gaussian inputs labelled by a random linear rule.
    """
    rng = np.random.default_rng(seed)
    n, d, k = config.samples, config.sizes[0], config.sizes[-1]
    if config.output == "sigmoid" and d == 2:
        arm = np.arange(n) % 2
        t = np.sqrt(rng.uniform(0.0, 1.0, n)) * 3.0 * np.pi
        angle = t + np.pi * arm
        X = np.column_stack([t * np.cos(angle), t * np.sin(angle)]) / (3.0 * np.pi)
        X += rng.normal(0.0, 0.02, X.shape)
        return X, arm.astype(np.float64)[:, None]
    X = rng.normal(0.0, 1.0, (n, d))
    scores = X @ rng.normal(0.0, 1.0, (d, max(k, 2)))
    if config.output == "sigmoid":
        return X, (scores[:, 0] > scores[:, 1]).astype(np.float64)[:, None]
    return X, np.eye(k)[np.argmax(scores, axis=1)]


def _initial_parameters(config: BenchConfig, seed: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
    """Glorot-uniform weights ``W (fan_out, fan_in)`` and zero biases, one pair per layer."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(config.sizes[:-1], config.sizes[1:], strict=True):
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        params.append((rng.uniform(-limit, limit, (fan_out, fan_in)), np.zeros(fan_out)))
    return params


def _best_rate(run_steps: Callable[[], int], seconds: float, repeats: int) -> float:
    """Warm up, then time ``run_steps`` (which runs some steps and returns how many).

    Each repeat calls it until at least ``seconds`` of wall time have passed; returns the best
    steps per second over ``repeats`` repeats.
    """
    start = time.perf_counter()
    while True:
        run_steps()
        if time.perf_counter() - start >= min(_WARMUP_SECONDS, seconds):
            break
    best = 0.0
    for _ in range(max(1, repeats)):
        steps = 0
        start = time.perf_counter()
        while True:
            steps += run_steps()
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        best = max(best, steps / elapsed)
    return best


def _plain_numpy_runner(config: BenchConfig) -> tuple[Callable[[], int], list[np.ndarray]]:
    """Build a hand-written NumPy SGD loop for ``config``.

    Returns ``(run_steps, weights)``: ``run_steps()`` trains on the next ``_CHUNK_STEPS``
    mini-batches (cycling through the data) and returns that count; ``weights`` is the list of
    weight matrices, updated in place.
    """
    X, Y = make_data(config)
    params = _initial_parameters(config)
    weights = [W for W, _ in params]
    biases = [b for _, b in params]
    lr = config.learning_rate
    batch = config.batch_size
    starts = list(range(0, len(X), batch))
    tanh = config.hidden_activation == "tanh"
    softmax = config.output == "softmax"
    position = 0
    loss = math.nan

    def run_steps() -> int:
        nonlocal position, loss
        for _ in range(_CHUNK_STEPS):
            s = starts[position]
            position = (position + 1) % len(starts)
            x = X[s : s + batch]
            y = Y[s : s + batch]

            activations = [x]
            for W, b in zip(weights[:-1], biases[:-1], strict=True):
                z = activations[-1] @ W.T + b
                activations.append(np.tanh(z) if tanh else np.maximum(z, 0.0))
            z = activations[-1] @ weights[-1].T + biases[-1]
            if softmax:
                z = z - z.max(axis=1, keepdims=True)
                e = np.exp(z)
                total = e.sum(axis=1, keepdims=True)
                out = e / total
                loss = float(np.mean(np.log(total[:, 0]) - (y * z).sum(axis=1)))
            else:
                out = 1.0 / (1.0 + np.exp(-z))
                p = np.clip(out, 1e-12, 1.0 - 1e-12)
                loss = float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))

            delta = (out - y) / len(x)
            for i in range(len(weights) - 1, -1, -1):
                grad_W = delta.T @ activations[i]
                grad_b = delta.sum(axis=0)
                if i > 0:
                    a = activations[i]
                    delta = (delta @ weights[i]) * (1.0 - a * a if tanh else a > 0.0)
                weights[i] -= lr * grad_W
                biases[i] -= lr * grad_b
        return _CHUNK_STEPS

    return run_steps, weights


def plain_numpy_steps_per_second(
    config: BenchConfig, seconds: float = 1.0, *, repeats: int = 3
) -> float:
    """Steps per second of a hand-written NumPy SGD loop (float64) on ``config``.

    Each repeat runs for at least ``seconds``; the best of ``repeats`` is returned.
    """
    run_steps, _ = _plain_numpy_runner(config)
    return _best_rate(run_steps, seconds, repeats)


def _torch_runner(config: BenchConfig, dtype: str = "float64") -> tuple[Callable[[], int], object]:
    """Build an eager PyTorch SGD loop for ``config`` (torch must be importable).

    The model is ``nn.Sequential`` of ``nn.Linear`` and ``nn.Tanh``/``nn.ReLU``, with
    ``nn.Sigmoid`` + ``nn.BCELoss`` for a sigmoid output or ``nn.CrossEntropyLoss`` on the logits
    for a softmax output, starting from the same weights as the NumPy loop. Returns
    ``(run_steps, model)``; ``run_steps()`` trains on the next ``_CHUNK_STEPS`` mini-batches.
    """
    import torch
    from torch import nn

    torch_dtype = {"float64": torch.float64, "float32": torch.float32}[dtype]
    X, Y = make_data(config)
    layers: list[nn.Module] = []
    params = _initial_parameters(config)
    for i, (W, b) in enumerate(params):
        linear = nn.Linear(W.shape[1], W.shape[0], dtype=torch_dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if i < len(params) - 1:
            layers.append(nn.Tanh() if config.hidden_activation == "tanh" else nn.ReLU())
    if config.output == "sigmoid":
        layers.append(nn.Sigmoid())
        loss_fn: nn.Module = nn.BCELoss()
        targets = torch.from_numpy(Y).to(torch_dtype)
    else:
        loss_fn = nn.CrossEntropyLoss()
        targets = torch.from_numpy(np.argmax(Y, axis=1))
    model = nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=config.learning_rate)
    inputs = torch.from_numpy(X).to(torch_dtype)
    batch = config.batch_size
    starts = list(range(0, len(X), batch))
    position = 0
    loss_value = math.nan

    def run_steps() -> int:
        nonlocal position, loss_value
        for _ in range(_CHUNK_STEPS):
            s = starts[position]
            position = (position + 1) % len(starts)
            optimizer.zero_grad()
            loss = loss_fn(model(inputs[s : s + batch]), targets[s : s + batch])
            loss.backward()
            optimizer.step()
            loss_value = loss.item()
        return _CHUNK_STEPS

    return run_steps, model


def torch_steps_per_second(
    config: BenchConfig, seconds: float = 1.0, *, dtype: str = "float64", repeats: int = 3
) -> float | None:
    """Steps per second of an eager PyTorch CPU SGD loop on ``config``, or None without torch.

    ``dtype`` is ``"float64"`` (as the engine) or ``"float32"``; torch's thread count is left at
    its default. Each repeat runs for at least ``seconds``; the best of ``repeats`` is returned.
    """
    try:
        import torch  # noqa: F401
    except ImportError:
        return None
    run_steps, _ = _torch_runner(config, dtype)
    return _best_rate(run_steps, seconds, repeats)


def _sklearn_runner(config: BenchConfig) -> tuple[Callable[[], int], object]:
    """Build an ``MLPClassifier`` (plain SGD, no momentum, no L2, no shuffling) for ``config``.

    Returns ``(run_steps, classifier)``; ``run_steps()`` is one ``partial_fit`` epoch and returns
    its ``config.steps_per_epoch`` steps. The classifier has a logistic output for binary labels
    and a softmax output for more classes, so it matches ``config.output``.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, Y = make_data(config)
    y = Y[:, 0].astype(np.int64) if config.output == "sigmoid" else np.argmax(Y, axis=1)
    classes = np.arange(2 if config.output == "sigmoid" else config.sizes[-1])
    classifier = MLPClassifier(
        hidden_layer_sizes=config.sizes[1:-1],
        activation=config.hidden_activation,
        solver="sgd",
        learning_rate="constant",
        learning_rate_init=config.learning_rate,
        momentum=0.0,
        nesterovs_momentum=False,
        batch_size=config.batch_size,
        alpha=0.0,
        shuffle=False,
        max_iter=1,
        tol=0.0,
        n_iter_no_change=10**9,
        early_stopping=False,
        random_state=1,
    )
    first = True

    def run_steps() -> int:
        nonlocal first
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if first:
                classifier.partial_fit(X, y, classes=classes)
                first = False
            else:
                classifier.partial_fit(X, y)
        return config.steps_per_epoch

    return run_steps, classifier


def sklearn_steps_per_second(
    config: BenchConfig, seconds: float = 1.0, *, repeats: int = 3
) -> float | None:
    """Steps per second of scikit-learn's ``MLPClassifier`` SGD on ``config``, or None without it.

    Timed over whole ``partial_fit`` epochs of ``ceil(samples / batch_size)`` steps each. Each
    repeat runs for at least ``seconds``; the best of ``repeats`` is returned.
    """
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return None
    run_steps, _ = _sklearn_runner(config)
    return _best_rate(run_steps, seconds, repeats)


def _versions() -> str:
    """One line with Python, NumPy, torch and scikit-learn versions and thread settings."""
    parts = [f"python {platform.python_version()}", f"numpy {np.__version__}"]
    try:
        import torch

        parts.append(f"torch {torch.__version__} ({torch.get_num_threads()} threads)")
    except ImportError:
        parts.append("torch -")
    try:
        import sklearn

        parts.append(f"scikit-learn {sklearn.__version__}")
    except ImportError:
        parts.append("scikit-learn -")
    parts.append(f"cpus {os.cpu_count()}")
    thread_vars = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    parts.extend(f"{name}={os.environ[name]}" for name in thread_vars if name in os.environ)
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> None:
    """Measure every configuration in ``BENCH_CONFIGS`` and print a table of steps per second."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0, help="wall time of one repeat")
    parser.add_argument("--repeats", type=int, default=3, help="repeats; the best is reported")
    parser.add_argument(
        "--torch-threads", type=int, default=None, help="torch.set_num_threads (default: untouched)"
    )
    args = parser.parse_args(argv)
    if args.torch_threads is not None:
        try:
            import torch
        except ImportError:
            pass
        else:
            torch.set_num_threads(args.torch_threads)

    def cell(value: float | None) -> str:
        return f"{value:>12,.0f}" if value is not None else f"{'n/a':>12}"

    print(_versions())
    print(f"steps/s, best of {args.repeats} x {args.seconds:g} s")
    header = ("numpy f64", "torch f64", "torch f32", "sklearn f64")
    print(f"{'config':<28}{'batch':>6}" + "".join(f"{h:>12}" for h in header))
    for config in BENCH_CONFIGS:
        figures = (
            plain_numpy_steps_per_second(config, args.seconds, repeats=args.repeats),
            torch_steps_per_second(config, args.seconds, repeats=args.repeats),
            torch_steps_per_second(config, args.seconds, dtype="float32", repeats=args.repeats),
            sklearn_steps_per_second(config, args.seconds, repeats=args.repeats),
        )
        print(f"{config.name:<28}{config.batch_size:>6}" + "".join(cell(f) for f in figures))


if __name__ == "__main__":
    main()
