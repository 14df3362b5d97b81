"""The headless command line: train, trace, validate, gradcheck and bench scenarios without Qt."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


class CommandError(Exception):
    """A problem with what the user asked for: printed as one line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of `nnsim` with its subcommands."""
    parser = argparse.ArgumentParser(
        prog="nnsim",
        description="Neural network simulator. With no command (or a scenario file) it opens the "
        "desktop app; the commands below run headless.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser(
        "train",
        help="train a scenario for more epochs",
        description="Train a scenario for more epochs. A step is kept only if the loss it leads "
        "to is finite: when a step makes the loss or a weight infinite or not a number, it is "
        "undone, training stops there (exit code 1) and the kept, finite state is reported and "
        "saved.",
    )
    train.add_argument("file", help="scenario file (.json)")
    train.add_argument("--epochs", type=int, required=True, help="epochs to train (more than 0)")
    train.add_argument(
        "--out", help="write the trained scenario here (after a divergence: the kept state)"
    )
    train.add_argument("--json", action="store_true", help="print one JSON object")

    trace = commands.add_parser("trace", help="one training step on one sample, every number")
    trace.add_argument("file", help="scenario file (.json)")
    trace.add_argument(
        "--sample",
        type=int,
        default=1,
        help="training sample number, counted from 1 as the app does (default 1)",
    )
    trace.add_argument("--json", action="store_true", help="print the trace as JSON")
    trace.add_argument("--digits", type=int, default=6, help="significant digits in text mode")

    validate = commands.add_parser("validate", help="check scenario files")
    validate.add_argument("files", nargs="+", metavar="FILE")

    gradcheck = commands.add_parser(
        "gradcheck", help="compare backpropagation with finite differences on a scenario"
    )
    gradcheck.add_argument("file", help="scenario file (.json)")
    gradcheck.add_argument("--samples", type=int, default=10, help="training samples to use")

    bench = commands.add_parser("bench", help="training steps per second of the engine")
    bench.add_argument("--json", action="store_true", help="print a JSON list")
    bench.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    bench.add_argument("--repeats", type=int, default=3, help="measurements, best is kept")
    bench.add_argument(
        "--gui",
        action="store_true",
        help="measure the desktop app instead: frame times, GUI latency, live training speed",
    )
    bench.add_argument(
        "--peers",
        action="store_true",
        help="also measure a plain NumPy loop, PyTorch and scikit-learn (where installed)",
    )
    return parser


def _load(path: str):
    from .app.session import Simulation
    from .app.storage import load_scenario

    return Simulation(load_scenario(Path(path)))


def _metrics_line(label: str, loss, accuracy) -> str:
    text = f"{label} loss {_fmt(loss)}"
    if accuracy is not None:
        text += f", accuracy {accuracy:.1%}"
    return text


def _fmt(value) -> str:
    return "—" if value is None else f"{value:.6g}"


class _ProgressBar:
    """A one-line progress bar on a terminal's stderr, redrawn at most ten times a second."""

    def __init__(self, total_epochs: int, first_epoch: int, steps_per_epoch: int) -> None:
        self.total = max(1, total_epochs * steps_per_epoch)
        self.first_step = None
        self.last_draw = 0.0
        self.first_epoch = first_epoch
        self.epochs = total_epochs

    def __call__(self, record) -> None:
        if self.first_step is None:
            self.first_step = record.step - 1
        now = time.monotonic()
        if now - self.last_draw < 0.1:
            return
        self.last_draw = now
        done = min(1.0, (record.step - self.first_step) / self.total)
        width = 30
        filled = int(done * width)
        bar = "█" * filled + "·" * (width - filled)
        epoch = record.epoch - self.first_epoch
        sys.stderr.write(f"\r{bar} epoch {epoch}/{self.epochs}  loss {record.loss:.4g}   ")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\r" + " " * 70 + "\r")
        sys.stderr.flush()


def command_train(args: argparse.Namespace) -> int:
    if args.epochs < 1:
        raise CommandError("--epochs must be at least 1")
    simulation = _load(args.file)
    trainer = simulation.trainer
    progress = None
    if not args.json and sys.stderr.isatty():
        progress = _ProgressBar(args.epochs, trainer.epoch, trainer.steps_per_epoch)
    steps_before = trainer.step_count
    started = time.perf_counter()
    record = simulation.train_epochs(args.epochs, on_step=progress)
    seconds = time.perf_counter() - started
    if progress:
        progress.close()
    steps = trainer.step_count - steps_before
    train, test = simulation.evaluate()
    # After a divergence the kept state's losses are finite unless no finite state could be
    # kept (the file's own weights already give an infinite loss): such weights are not saved.
    saveable = train.loss is None or math.isfinite(train.loss)
    if args.out and saveable:
        from .app.storage import save_scenario

        save_scenario(simulation.to_scenario(), Path(args.out))
    diverged = record is not None and record.diverged
    if args.json:
        result = {
            "epochs": trainer.epoch,
            "steps": trainer.step_count,
            "train_loss": _json_number(train.loss),
            "test_loss": _json_number(test.loss),
            "seconds": seconds,
            "steps_per_second": steps / seconds if seconds > 0 else None,
            "diverged": diverged,
            "undone_step": record.undone_step if diverged else None,
            "divergence": record.divergence if diverged else None,
        }
        if simulation.classification:
            result["train_accuracy"] = train.accuracy
            result["test_accuracy"] = test.accuracy
        print(json.dumps(result))
    else:
        print(
            f"epoch {trainer.epoch}, step {trainer.step_count}  "
            f"({steps} steps in {seconds:.2f} s, {steps / max(seconds, 1e-9):,.0f} steps/s)"
        )
        print(_metrics_line("train", train.loss, train.accuracy))
        if test.loss is not None:
            print(_metrics_line("test ", test.loss, test.accuracy))
        if args.out and saveable:
            print(f"saved {args.out}")
    if diverged:
        from .app.session import divergence_message

        print(
            f"nnsim: {divergence_message(record)} Training stopped at step {trainer.step_count} "
            f"(epoch {trainer.epoch}); try a smaller learning rate.",
            file=sys.stderr,
        )
    if args.out and not saveable:
        print(f"nnsim: {args.out} not written: the training loss is not finite", file=sys.stderr)
    return EXIT_FAILURE if diverged or not saveable else EXIT_OK


def _json_number(value):
    return value if value is not None and math.isfinite(value) else None


def command_trace(args: argparse.Namespace) -> int:
    from .app.trace_report import trace_to_json, trace_to_text

    simulation = _load(args.file)
    count = len(simulation.data.train_inputs)
    if not 1 <= args.sample <= count:
        numbers = "1 sample (1)" if count == 1 else f"{count} samples (1 to {count})"
        raise CommandError(
            f"{Path(args.file).name}: --sample {args.sample} does not exist: "
            f"the training set has {numbers}"
        )
    if not 1 <= args.digits <= 17:
        raise CommandError("--digits must be between 1 and 17")
    # Samples are numbered from 1, as the app numbers them; the engine indexes from 0.
    _, trace = simulation.trace_sample(args.sample - 1)
    if args.json:
        print(json.dumps(trace_to_json(trace, args.sample)))
    else:
        names = list(simulation.data.feature_plan.names)
        sys.stdout.write(trace_to_text(trace, args.sample, names, args.digits))
    return EXIT_OK


def command_validate(args: argparse.Namespace) -> int:
    from .app.session import Simulation
    from .app.storage import ScenarioError, load_scenario, scenario_summary

    failures = 0
    for name in args.files:
        try:
            scenario = load_scenario(Path(name))
            Simulation(scenario)  # the data must load too (CSV rows, features)
        except ScenarioError as exc:
            failures += 1
            print(f"{name}: {exc.field + ': ' if exc.field else ''}{exc.reason}", file=sys.stderr)
            continue
        print(f"{name}: ok — {scenario_summary(scenario)}")
    return EXIT_BAD_INPUT if failures else EXIT_OK


def command_gradcheck(args: argparse.Namespace) -> int:
    from .engine.gradcheck import check_gradients

    simulation = _load(args.file)
    data = simulation.data
    count = max(1, min(args.samples, len(data.train_inputs)))
    training = simulation.scenario.training
    result = check_gradients(
        simulation.network,
        training.loss,
        data.train_inputs[:count],
        data.train_targets[:count],
        simulation.trainer.regularization,
    )
    good = result.max_relative_error < 1e-5 or result.max_absolute_error < 1e-8
    print(
        f"{simulation.network.parameters.size} parameters, {count} samples: "
        f"largest difference {result.max_absolute_error:.3g} "
        f"(relative {result.max_relative_error:.3g}) — "
        + ("backpropagation agrees with finite differences" if good else "MISMATCH")
    )
    return EXIT_OK if good else EXIT_FAILURE


def command_bench(args: argparse.Namespace) -> int:
    if args.seconds <= 0 or args.repeats < 1:
        raise CommandError("--seconds must be positive and --repeats at least 1")
    if args.gui:
        from .ui import bench_gui

        print(bench_gui.run(seconds=max(args.seconds, 2.0), as_json=args.json))
        return EXIT_OK
    from . import bench

    results = bench.run(seconds=args.seconds, repeats=args.repeats, peers=args.peers)
    print(bench.format_json(results) if args.json else bench.format_table(results))
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "train": command_train,
    "trace": command_trace,
    "validate": command_validate,
    "gradcheck": command_gradcheck,
    "bench": command_bench,
}


def run_command(args: argparse.Namespace) -> int:
    """Run one headless command; bad input becomes a one-line message and exit code 2."""
    from .app.storage import ScenarioError

    try:
        return COMMANDS[args.command](args)
    except (ScenarioError, CommandError) as exc:
        print(f"nnsim: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("nnsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
