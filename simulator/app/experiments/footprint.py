"""What a run's checkpoints cost in memory, measured: the process's resident memory after a long
run with the checkpoints kept and without them.
`uv run python -m simulator.app.experiments.footprint PRESET EPOCHS [--without]`"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .checkpoints import MAX_BYTES, MAX_COUNT, CheckpointStore


def resident_mb() -> tuple[float, float]:
    """(now, peak) resident set size of this process in MB, from /proc (Linux)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def measure(preset: str, epochs: int, keep: bool = True) -> dict:
    """Train the shipped `preset` for `epochs` epochs headless, keeping checkpoints as the app
    does (or, with `keep` False, only the first), and report the memory."""
    from ...resources import preset_path
    from ..session import Simulation
    from ..storage import load_scenario

    path = preset_path(preset)
    if path is None:
        raise SystemExit(f"no preset named {preset}")
    simulation = Simulation(load_scenario(path))
    if not keep:
        simulation.checkpoints = CheckpointStore(every=2**62)  # the first epoch's alone
    before, _ = resident_mb()
    start = time.perf_counter()
    simulation.train_epochs(epochs)
    seconds = time.perf_counter() - start
    now, peak = resident_mb()
    store = simulation.checkpoints
    return {
        "preset": preset,
        "epochs": epochs,
        "checkpoints_kept": len(store),
        "checkpoint_stride": store.stride,
        "checkpoint_array_mb": store.nbytes / 2**20,
        "bound": f"{MAX_COUNT} checkpoints or {MAX_BYTES / 2**20:.0f} MB",
        "parameters": int(simulation.network.parameters.size),
        "rss_before_training_mb": before,
        "rss_after_mb": now,
        "rss_peak_mb": peak,
        "seconds": seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset")
    parser.add_argument("epochs", type=int)
    parser.add_argument("--without", action="store_true", help="keep no checkpoints")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.preset, args.epochs, keep=not args.without), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
