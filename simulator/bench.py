"""`nnsim bench`: training steps per second of the engine, optionally beside reference loops."""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass

import numpy as np

from .bench_peers import (
    _CHUNK_STEPS,
    BENCH_CONFIGS,
    BenchConfig,
    _best_rate,
    _initial_parameters,
    make_data,
    plain_numpy_steps_per_second,
    sklearn_steps_per_second,
    torch_steps_per_second,
)
from .engine.network import Network
from .engine.optimizers import SGD
from .engine.trainer import Trainer


@dataclass(frozen=True)
class BenchResult:
    """One configuration's figures in steps per second; peers are None when not measured or
    not installed."""

    name: str
    batch_size: int
    steps_per_second: float
    plain_numpy: float | None = None
    torch: float | None = None
    sklearn: float | None = None


def size_name(config: BenchConfig) -> str:
    """Return the dash-joined layer sizes, e.g. "2-8-8-1"."""
    return "-".join(str(s) for s in config.sizes)


def engine_trainer(config: BenchConfig) -> Trainer:
    """Build the engine's trainer for `config`: the same data, initial weights, plain SGD and
    file-order batches as the reference loops."""
    x, y = make_data(config)
    activation_names = [config.hidden_activation] * (len(config.sizes) - 2) + [config.output]
    network = Network(config.sizes[0], config.sizes[1:], activation_names)
    params = _initial_parameters(config)
    network.set_parameters([w for w, _ in params], [b for _, b in params])
    loss = "bce" if config.output == "sigmoid" else "cross_entropy"
    optimizer = SGD(network.parameters.size, config.learning_rate)
    return Trainer(network, loss, optimizer, x, y, config.batch_size, shuffle=False)


def engine_steps_per_second(config: BenchConfig, seconds: float = 1.0, repeats: int = 3) -> float:
    """Return the best steps per second of the engine over `repeats` runs of `seconds` each."""
    trainer = engine_trainer(config)
    step = trainer.step

    def run_steps() -> int:
        for _ in range(_CHUNK_STEPS):
            step()
        return _CHUNK_STEPS

    return _best_rate(run_steps, seconds, repeats)


def run(seconds: float = 1.0, repeats: int = 3, peers: bool = False) -> list[BenchResult]:
    """Measure every configuration of `BENCH_CONFIGS`; with `peers`, the reference loops too."""
    results = []
    for config in BENCH_CONFIGS:
        ours = engine_steps_per_second(config, seconds, repeats)
        if not peers:
            results.append(BenchResult(size_name(config), config.batch_size, ours))
            continue
        results.append(
            BenchResult(
                size_name(config),
                config.batch_size,
                ours,
                plain_numpy=plain_numpy_steps_per_second(config, seconds, repeats=repeats),
                torch=torch_steps_per_second(config, seconds, repeats=repeats),
                sklearn=sklearn_steps_per_second(config, seconds, repeats=repeats),
            )
        )
    return results


def format_table(results: list[BenchResult]) -> str:
    """Return the results as an aligned text table, with the engine's ratio to each peer."""
    header = f"{'network':<18} {'batch':>5} {'engine steps/s':>15}"
    peers = any(r.plain_numpy is not None for r in results)
    if peers:
        header += (
            f" {'plain NumPy':>12} {'PyTorch':>9} {'sklearn':>9}   engine ÷ (NumPy, torch, sk)"
        )
    lines = [header]
    for r in results:
        line = f"{r.name:<18} {r.batch_size:>5} {r.steps_per_second:>15,.0f}"
        if peers:
            line += "".join(
                f" {_figure(v):>{w}}"
                for v, w in ((r.plain_numpy, 12), (r.torch, 9), (r.sklearn, 9))
            )
            line += "   " + ", ".join(
                _ratio(r.steps_per_second, v) for v in (r.plain_numpy, r.torch, r.sklearn)
            )
        lines.append(line)
    lines.append(f"numpy {np.__version__}, Python {platform.python_version()}")
    return "\n".join(lines)


def format_json(results: list[BenchResult]) -> str:
    """Return the results as a JSON list of objects (name, batch_size, steps_per_second, and the
    peers' figures when measured)."""
    rows = []
    for r in results:
        row = {"name": r.name, "batch_size": r.batch_size, "steps_per_second": r.steps_per_second}
        if r.plain_numpy is not None:
            row.update(plain_numpy=r.plain_numpy, torch=r.torch, sklearn=r.sklearn)
        rows.append(row)
    return json.dumps(rows, indent=1)


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _ratio(ours: float, theirs: float | None) -> str:
    return "—" if not theirs else f"{ours / theirs:.2f}×"
