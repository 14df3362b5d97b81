"""The headless command line: train, trace, validate, gradcheck, bench, ask (predict) and export
scenarios without Qt, and list the shipped presets. Every failure is one line on stderr; every
--json output is strict JSON (a number that is not finite is written as null)."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


# What the commands take where they take a scenario: a file, or the name of a shipped preset.
SCENARIO_HELP = "scenario file (.json), or the name of a preset (nnsim presets lists them)"


class CommandError(Exception):
    """A problem with what the user asked for: printed as one line, exit code 2."""


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (exit code 2) naming the
    command's --help, instead of argparse's usage block and message."""

    def error(self, message: str) -> None:
        text = " ".join(message.split())
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {text} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of `nnsim` with its subcommands."""
    from . import __version__

    parser = OneLineParser(
        prog="nnsim",
        description="Neural network simulator. With no command (or a scenario file) it opens the "
        "desktop app; the commands below run headless. Where a command takes a scenario file, "
        "the name of a shipped preset works too (nnsim train spiral --epochs 50).",
    )
    parser.add_argument("--version", action="version", version=f"nnsim {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser(
        "train",
        help="train a scenario for more epochs",
        description="Train a scenario for more epochs. A step is kept only if the loss it leads "
        "to is finite: when a step makes the loss or a weight infinite or not a number, it is "
        "undone, training stops there (exit code 1) and the kept, finite state is reported and "
        "saved.",
    )
    train.add_argument("file", help=SCENARIO_HELP)
    train.add_argument("--epochs", type=int, required=True, help="epochs to train (more than 0)")
    train.add_argument(
        "--out", help="write the trained scenario here (after a divergence: the kept state)"
    )
    train.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object (a loss that is not finite is written as null)",
    )
    train.add_argument(
        "--checkpoints",
        type=int,
        metavar="EVERY",
        help="keep a checkpoint every EVERY epochs in the --out file (nnsim rewind goes back "
        "to one); at most 2,000 or 64 MB of them, thinned evenly beyond that",
    )

    rewind = commands.add_parser(
        "rewind",
        help="go back to a checkpoint kept in a file",
        description="Write the training state at the checkpoint of epoch E (kept by nnsim train "
        "--checkpoints or the app's Save with training history) to OUT, with the checkpoints "
        "before it. Training OUT on for N epochs gives the same bits as the original run did "
        "from there.",
    )
    rewind.add_argument("file", help=SCENARIO_HELP)
    rewind.add_argument("--epoch", type=int, required=True, help="the checkpoint's epoch")
    rewind.add_argument("--out", required=True, help="write the rewound scenario here")

    compare = commands.add_parser(
        "compare",
        help="train variants of a scenario that differ in chosen fields",
        description="Train one variant per combination of the --vary values for N epochs and "
        "report each, as nnsim train would for the file with those fields set.",
    )
    compare.add_argument("file", help=SCENARIO_HELP)
    compare.add_argument(
        "--vary",
        action="append",
        metavar="PATH=V1,V2,...",
        help="a field path as error messages write it (training.optimizer.learning_rate, "
        "network.layers[0].activation) and its values; repeatable. Left out: the race the "
        "file prepares (its `race` block)",
    )
    compare.add_argument(
        "--epochs", type=int, help="epochs to train each (left out: the race's own epochs)"
    )
    compare.add_argument("--json", action="store_true", help="print a JSON list")

    trace = commands.add_parser("trace", help="one training step on one sample, every number")
    trace.add_argument("file", help=SCENARIO_HELP)
    trace.add_argument(
        "--sample",
        type=int,
        default=1,
        help="training sample number, counted from 1 as the app does (default 1)",
    )
    trace.add_argument(
        "--json",
        action="store_true",
        help="print the trace as JSON (a number that is not finite, such as the z or the loss "
        "of a step that overflowed, is written as null)",
    )
    trace.add_argument(
        "--digits", type=int, default=6, help="significant digits in text mode and in --html"
    )
    trace.add_argument(
        "--html",
        metavar="OUT",
        help="write the step as a worked-example handout to OUT instead: one self-contained "
        "HTML page with every stage's words, network picture and calculations, as the app's "
        "File → Export worked example… writes it",
    )

    validate = commands.add_parser("validate", help="check scenario files")
    validate.add_argument("files", nargs="+", metavar="FILE", help=SCENARIO_HELP)

    gradcheck = commands.add_parser(
        "gradcheck", help="compare backpropagation with finite differences on a scenario"
    )
    gradcheck.add_argument("file", help=SCENARIO_HELP)
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
    predict = commands.add_parser(
        "predict",
        help="ask the network about new inputs: its outputs, class and probability",
        description="Ask a scenario's network, with the weights the file holds (train it first "
        "with nnsim train FILE --epochs N --out FILE), about new inputs. Values are in the "
        "data's raw units and in the order of its raw columns (cat-vs-dog: size, tail length; "
        "X1, X2 for generated data); the scenario's features (and any scaling) are applied as to "
        "the training data. A wrong count of values says which columns are expected. Prints "
        "a table of the inputs, the output layer's activations and, for classification, the "
        "class and its probability (the sigmoid output or 1 minus it for one unit, the softmax "
        "value for several; — where the output is not a probability).",
    )
    predict.add_argument("file", help=SCENARIO_HELP)
    predict.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="VALUES",
        help="one input: its raw values separated by commas, as 0.24,0.31 (repeat for more; "
        "write --input=-0.5,1 when the first value is negative)",
    )
    predict.add_argument(
        "--csv",
        metavar="TABLE",
        help="a CSV file of inputs, one per row, whose header names the raw columns (other "
        "columns are ignored); predicted after any --input",
    )
    predict.add_argument(
        "--json",
        action="store_true",
        help='print a JSON list, one object per input: "input", "output" and for '
        'classification "class" and "probability" (null where the output is not a '
        "probability; a number that is not finite is written as null)",
    )
    import_weights = commands.add_parser(
        "import-weights",
        help="put weights trained elsewhere (a safetensors state dict) into a scenario",
        description="Read a safetensors file saved with safetensors.torch.save_file("
        "model.state_dict(), ...) from an nn.Sequential of Linear layers (keys N.weight and "
        "N.bias, float32 or float64), check every shape against the scenario's network and "
        "write the scenario with those weights to OUT. The optimizer state (momentum, Adam's "
        "moments) is reset; the training position and history are kept. A wrong key, shape or "
        "dtype, or a value that is not finite, writes nothing.",
    )
    import_weights.add_argument("file", help=SCENARIO_HELP)
    import_weights.add_argument("weights", metavar="WEIGHTS", help="a .safetensors file")
    import_weights.add_argument("--out", required=True, help="write the scenario here")
    presets = commands.add_parser("presets", help="list the shipped presets (name and title)")
    presets.add_argument("--json", action="store_true", help="print a JSON list")
    _add_export_parser(commands)
    return parser


def _add_export_parser(commands) -> None:
    """The `export` command: one option per export target (simulator/export/), any together."""
    export = commands.add_parser(
        "export",
        help="write a scenario to other tools and formats (--pytorch DIR, --data OUT.csv)",
        description="Write what a scenario holds to other formats; give at least one target. "
        "Each file is written whole or not at all.",
    )
    export.add_argument("file", help=SCENARIO_HELP)
    export.add_argument(
        "--pytorch",
        metavar="DIR",
        help="write a PyTorch project into DIR (a new or empty folder, or an earlier export, "
        "replaced whole): model.py (build_model() and a training loop that trains as nnsim "
        "train does), weights.safetensors, data.csv and README.md",
    )
    export.add_argument(
        "--data",
        metavar="OUT.csv",
        help="the training and test data as CSV, one row per sample: set (train or test), the "
        "raw columns (raw:NAME), the network's inputs after scaling and derived features "
        "(input:NAME), and the targets as trained (class and target:CLASS for classification, "
        "target:NAME for regression); numbers written to round-trip exactly",
    )


def scenario_path(text: str) -> Path:
    """Return the file a command's scenario argument names: the path when it exists (a file
    wins over a preset of the same name), else the shipped preset of that name, else the path
    as given (whose loading then says it does not exist)."""
    from .resources import preset_path

    path = Path(text)
    if path.exists():
        return path
    preset = preset_path(text)
    return preset if preset is not None else path


def _load(text: str):
    from .app.session import Simulation
    from .app.storage import load_scenario

    path = scenario_path(text)
    if not path.exists() and _looks_like_a_name(text):
        raise CommandError(
            f"{text}: no such file, and no preset of that name (nnsim presets lists them)"
        )
    return Simulation(load_scenario(path))


def _looks_like_a_name(text: str) -> bool:
    return bool(text) and not any(mark in text for mark in ("/", "\\", ".")) and " " not in text


def to_strict_json(value):
    """Return `value` (dicts, lists, tuples, numbers, strings) with every float that is not
    finite replaced by None, so that json.dumps writes strict JSON (no NaN or Infinity, which
    JavaScript's JSON.parse and other strict parsers refuse)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: to_strict_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_strict_json(item) for item in value]
    return value


def print_json(value, *, indent: int | None = None) -> None:
    """Print `value` as strict JSON: non-finite numbers as null."""
    print(json.dumps(to_strict_json(value), indent=indent, allow_nan=False))


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
    if args.out is not None and not args.out.strip():
        raise CommandError("--out needs a file name (it was empty)")
    if args.checkpoints is not None:
        if args.checkpoints < 1:
            raise CommandError("--checkpoints must be at least 1 (epochs between checkpoints)")
        if args.out is None:
            raise CommandError("--checkpoints keeps them in the --out file; give --out too")
    simulation = _load(args.file)
    if args.checkpoints is not None:
        _keep_checkpoints_every(simulation, args.checkpoints)
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

        with_checkpoints = args.checkpoints is not None
        save_scenario(simulation.to_scenario(with_checkpoints=with_checkpoints), Path(args.out))
        store = simulation.checkpoints
        if with_checkpoints and store.stride > store.every and not args.json:
            print(
                f"(checkpoints thinned to every {store.stride} epochs to stay within the "
                "memory bound)",
                file=sys.stderr,
            )
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
        print_json(result)
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


def _keep_checkpoints_every(simulation, every: int) -> None:
    """Keep checkpoints every `every` epochs from where the file stands, the ones it already
    holds included."""
    from .app.experiments.checkpoints import CheckpointStore

    store = CheckpointStore(every=every)
    store.adopt(list(simulation.checkpoints), stride=every)
    if simulation.trainer.batch_in_epoch == 0 and store.wants(simulation.trainer.epoch):
        store.offer(simulation._kept_state())
    simulation.checkpoints = store


def command_rewind(args: argparse.Namespace) -> int:
    if not args.out.strip():
        raise CommandError("--out needs a file name (it was empty)")
    simulation = _load(args.file)
    try:
        checkpoint = simulation.rewind(args.epoch)
    except KeyError as exc:
        raise CommandError(f"{Path(args.file).name}: {exc.args[0]}") from None
    from .app.storage import save_scenario

    save_scenario(simulation.to_scenario(with_checkpoints=True), Path(args.out))
    print(f"epoch {checkpoint.epoch}, step {checkpoint.step}: saved {args.out}")
    return EXIT_OK


def command_compare(args: argparse.Namespace) -> int:
    from .app.experiments.variants import VariantError, make_variants, parse_vary
    from .app.session import Simulation
    from .app.storage import read_scenario_object

    path = scenario_path(args.file)
    if not path.exists() and _looks_like_a_name(args.file):
        raise CommandError(
            f"{args.file}: no such file, and no preset of that name (nnsim presets lists them)"
        )
    obj = read_scenario_object(path)
    race = obj.get("race") if isinstance(obj.get("race"), dict) else None
    texts = args.vary
    if not texts:
        if race is None or not isinstance(race.get("vary"), dict):
            raise CommandError(
                f"{path.name} prepares no race: give --vary PATH=V1,V2,... (repeatable)"
            )
        texts = [
            f"{field}=" + ",".join(json.dumps(value) for value in values)
            for field, values in race["vary"].items()
        ]
    epochs = args.epochs
    if epochs is None:
        epochs = race.get("epochs") if race is not None else None
        if not isinstance(epochs, int):
            raise CommandError("compare needs --epochs N (the file's race gives none)")
    if epochs < 1:
        raise CommandError("--epochs must be at least 1")
    obj = {key: value for key, value in obj.items() if key != "race"}
    try:
        varies = [parse_vary(text) for text in texts]
        variants = make_variants(
            obj, varies, file=path.name, base_dir=path.parent, source=path.absolute()
        )
    except VariantError as exc:
        raise CommandError(str(exc)) from None
    results = []
    for variant in variants:
        simulation = Simulation(variant.scenario)
        record = simulation.train_epochs(epochs)
        train, test = simulation.evaluate()
        result = {
            "vary": variant.vary,
            "epochs": simulation.trainer.epoch,
            "train_loss": _json_number(train.loss),
            "test_loss": _json_number(test.loss),
            "train_accuracy": train.accuracy if simulation.classification else None,
            "test_accuracy": test.accuracy if simulation.classification else None,
            "diverged": record is not None and record.diverged,
            "history": simulation.history.to_dict(),
        }
        results.append(result)
        if not args.json:
            line = f"{variant.label}: epoch {result['epochs']}, "
            line += _metrics_line("train", train.loss, result["train_accuracy"])
            if test.loss is not None:
                line += "; " + _metrics_line("test", test.loss, result["test_accuracy"])
            if result["diverged"]:
                line += " (diverged; the kept state)"
            print(line)
    if args.json:
        print_json(results)
    return EXIT_OK


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
    if args.html is not None and args.json:
        raise CommandError("--html and --json write two different things: choose one")
    # Samples are numbered from 1, as the app numbers them; the engine indexes from 0.
    _, trace = simulation.trace_sample(args.sample - 1)
    if args.html is not None:
        return _write_trace_handout(simulation, trace, args)
    if args.json:
        print_json(trace_to_json(trace, args.sample))
    else:
        names = list(simulation.data.feature_plan.names)
        sys.stdout.write(trace_to_text(trace, args.sample, names, args.digits))
    return EXIT_OK


def _write_trace_handout(simulation, trace, args: argparse.Namespace) -> int:
    """`nnsim trace --html OUT`: the page the step-through's Export worked example… writes."""
    from .app.walk_stages import RawInputs
    from .export.handout import handout_html, write_handout

    data = simulation.data
    index = args.sample - 1
    raw = RawInputs(data.raw_names, data.train_raw[[index]].copy(), data.scaling)
    page = handout_html(
        trace,
        list(data.feature_plan.names),
        scenario=simulation.scenario.title,
        samples=(index,),
        digits=args.digits,
        raw=raw,
    )
    write_handout(args.html, page)
    print(f"Wrote the worked example to {args.html}")
    return EXIT_OK


def command_validate(args: argparse.Namespace) -> int:
    from .app.session import Simulation
    from .app.storage import ScenarioError, load_scenario, scenario_summary

    failures = 0
    for name in args.files:
        path = scenario_path(name)
        if not path.exists() and _looks_like_a_name(name):
            failures += 1
            print(f"{name}: no such file, and no preset of that name", file=sys.stderr)
            continue
        try:
            scenario = load_scenario(path)
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
    if not (math.isfinite(result.max_absolute_error) and math.isfinite(result.max_relative_error)):
        print(
            f"{simulation.network.parameters.size} parameters, {count} samples: the loss or a "
            "gradient is not finite at these weights, so there is nothing to compare; "
            "backpropagation can be checked only where the loss is finite"
        )
        return EXIT_FAILURE
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

        text = bench_gui.run(seconds=max(args.seconds, 2.0), as_json=args.json)
        if args.json:
            print_json(json.loads(text), indent=1)
        else:
            print(text)
        return EXIT_OK
    from . import bench

    results = bench.run(seconds=args.seconds, repeats=args.repeats, peers=args.peers)
    if args.json:
        print_json(json.loads(bench.format_json(results)), indent=1)
    else:
        print(bench.format_table(results))
    return EXIT_OK


def command_predict(args: argparse.Namespace) -> int:
    import numpy as np

    from .app.predict import (
        PredictError,
        feature_problem,
        format_table,
        parse_input,
        predict,
        read_input_table,
    )

    if not args.input and args.csv is None:
        raise CommandError("predict needs inputs: --input VALUES (repeatable) or --csv TABLE")
    simulation = _load(args.file)
    raw_names = simulation.data.raw_names
    try:
        rows = [parse_input(text, raw_names) for text in args.input]
        if args.csv is not None:
            rows.extend(read_input_table(args.csv, raw_names))
    except PredictError as exc:
        raise CommandError(str(exc)) from None
    asked = np.array(rows).reshape(len(rows), len(raw_names))
    problem = feature_problem(simulation, asked)
    if problem is not None:  # no answer to give, and NaN is no JSON
        raise CommandError(f"the network cannot be asked: {problem}")
    prediction = predict(simulation, asked)
    if args.json:
        print_json(prediction.records())
        return EXIT_OK
    sys.stdout.write(format_table(prediction, raw_names))
    if simulation.trainer.step_count == 0:
        print(
            "(an untrained network: its initial weights; train it first with "
            "nnsim train FILE --epochs N --out trained.json)"
        )
    return EXIT_OK


def command_import_weights(args: argparse.Namespace) -> int:
    if not args.out.strip():
        raise CommandError("--out needs a file name (it was empty)")
    from .app.storage import save_scenario
    from .export.weights_import import import_weights

    simulation = _load(args.file)
    scenario = import_weights(simulation.to_scenario(), Path(args.weights))
    from .app.session import Simulation

    Simulation(scenario)  # the result must load as a file would (it does: shapes were checked)
    save_scenario(scenario, Path(args.out))
    print(
        f"saved {args.out} with the weights of {Path(args.weights).name}; the optimizer state "
        "was reset (momentum and Adam's moments start afresh)"
    )
    return EXIT_OK


def command_presets(args: argparse.Namespace) -> int:
    from .resources import shipped_presets

    presets = shipped_presets()
    if args.json:
        print_json([{"name": p.name, "title": p.title} for p in presets])
        return EXIT_OK
    width = max(len(p.name) for p in presets)
    for preset in presets:
        print(f"{preset.name:<{width}}  {preset.title}")
    return EXIT_OK


def command_export(args: argparse.Namespace) -> int:
    targets = {"--pytorch": args.pytorch, "--data": args.data}
    if all(value is None for value in targets.values()):
        raise CommandError(f"export needs a target: {' or '.join(targets)} (nnsim export --help)")
    for option, value in targets.items():
        if value is not None and not value.strip():
            raise CommandError(f"{option} needs a file name (it was empty)")
    simulation = _load(args.file)
    if args.pytorch is not None:
        from .export.pytorch import export_pytorch

        result = export_pytorch(simulation.scenario, Path(args.pytorch))
        print(
            f"wrote {result.folder}: {', '.join(result.files)} "
            f"({result.train_rows} training and {result.test_rows} test rows); "
            f"run it with: python {result.folder / 'model.py'} --epochs 10"
        )
    if args.data is not None:
        from .export.data_csv import data_table, write_data_csv

        table = data_table(simulation.scenario, simulation.data)
        write_data_csv(table, Path(args.data))
        train = table.sets.count("train")
        print(
            f"wrote {args.data}: {table.rows} rows ({train} train, {table.rows - train} test), "
            f"{len(table.header)} columns"
        )
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "train": command_train,
    "trace": command_trace,
    "validate": command_validate,
    "gradcheck": command_gradcheck,
    "bench": command_bench,
    "predict": command_predict,
    "rewind": command_rewind,
    "compare": command_compare,
    "presets": command_presets,
    "export": command_export,
    "import-weights": command_import_weights,
}


def run_command(args: argparse.Namespace) -> int:
    """Run one headless command; bad input becomes a one-line message and exit code 2.

    NumPy's floating-point warnings are silenced: an overflow is what divergence looks like,
    and the commands check finiteness themselves and say so in their own words. Any other
    warning becomes one line of its own ("nnsim: warning: ..."), never a source excerpt."""
    import numpy as np

    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        code = _run_guarded(args)
    for warning in caught:
        print(f"nnsim: warning: {' '.join(str(warning.message).split())}", file=sys.stderr)
    return code


def _run_guarded(args: argparse.Namespace) -> int:
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
