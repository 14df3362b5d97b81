"""The generated parts of the shipped presets: the story data sets written inline into their files,
and each preset's documented result.

The JSON files in scenarios/ are the source of everything a person writes (titles, descriptions,
networks, settings). `python -m simulator.presets` rewrites the inline data of the presets named in
STORY_DATA from their seeded generators and measures every preset's documented result by training
it headless for its documented epochs, once under each arithmetic variant of simulator.machines
(the figures that differ become ranges). Tests check that the files agree with both.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from simulator import machines
from simulator.app.scenario import (
    OUTCOME_FIGURES,
    InlineData,
    Outcome,
    figure_range,
    outcome_from_dict,
    outcome_to_dict,
)
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario, save_scenario
from simulator.resources import scenarios_dir

# The order of the lessons in the gallery: the stories first, then Playground's sets, more
# classes and real data, and the pitfalls last.
PRESET_ORDER = (
    "cat-vs-dog",
    "cat-vs-dog-with-sound",
    "x1-x2-worked-example",
    "circle",
    "xor",
    "symmetry",
    "gaussian",
    "spiral",
    "regression-plane",
    "regression-gaussians",
    "function-sine",
    "three-classes",
    "iris",
    "digits",
    "penguins",
    "auto-mpg",
    "learning-rate-too-high",
    "learning-rate-too-small",
    "learning-rate-race",
    "dead-relu",
    "vanishing-gradients",
    "overfitting",
)

# How far a reached figure may lie outside its documented range: the variants measured here are
# not every CPU there is, and a lesson's point never rests on the third digit.
ACCURACY_TOLERANCE = 0.03
LOSS_TOLERANCE = 0.2
LOSS_MARGIN = 0.01

CAT, DOG = 0, 1
ANIMALS = 200
ANIMAL_TRAIN = 120


def _animals(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (size, tail length) in metres and the species (CAT or DOG) of ANIMALS animals.

    Size is the height at the shoulder. Cats are all much alike; most dogs are taller than any
    cat, but a quarter are small breeds: half of those have short or curled tails, and the
    other half have cat-like tails, so those animals cannot be told from cats by the two
    measurements alone.
    """
    rng = np.random.default_rng(seed)
    species = np.repeat([CAT, DOG], ANIMALS // 2)
    size = np.empty(ANIMALS)
    tail = np.empty(ANIMALS)
    cats = species == CAT
    size[cats] = rng.normal(0.25, 0.02, cats.sum())
    tail[cats] = rng.normal(0.28, 0.025, cats.sum())
    dogs = np.flatnonzero(~cats)
    small = rng.random(dogs.size) < 0.25
    long_tail = rng.random(dogs.size) < 0.5
    big_dogs, short_tailed, long_tailed = (
        dogs[~small],
        dogs[small & ~long_tail],
        dogs[small & long_tail],
    )
    size[big_dogs] = rng.uniform(0.36, 0.70, big_dogs.size)
    tail[big_dogs] = rng.normal(0.32, 0.06, big_dogs.size)
    size[short_tailed] = rng.normal(0.27, 0.03, short_tailed.size)
    tail[short_tailed] = rng.normal(0.10, 0.03, short_tailed.size)
    size[long_tailed] = rng.normal(0.26, 0.025, long_tailed.size)
    tail[long_tailed] = rng.normal(0.27, 0.03, long_tailed.size)
    order = rng.permutation(ANIMALS)
    points = np.column_stack([size, np.clip(tail, 0.02, None)])[order]
    return np.round(points, 3), species[order]


def _animal_data(with_sound: bool, seed: int) -> InlineData:
    points, species = _animals(seed)
    columns: tuple[str, ...] = ("size", "tail length")
    if with_sound:
        # 1 for a bark, 0 for a meow: every dog barks and every cat meows.
        points = np.column_stack([points, species.astype(float)])
        columns += ("barks",)
    targets = species.reshape(-1, 1).astype(float)
    return _inline(points, targets, ANIMAL_TRAIN, columns, classes=("cat", "dog"))


def cat_vs_dog(seed: int) -> InlineData:
    return _animal_data(with_sound=False, seed=seed)


def cat_vs_dog_with_sound(seed: int) -> InlineData:
    return _animal_data(with_sound=True, seed=seed)


def three_classes(seed: int) -> InlineData:
    """Three overlapping clouds on the plane, 100 points each, two thirds of them for training."""
    rng = np.random.default_rng(seed)
    centres = np.array([[-2.0, -1.5], [2.0, -1.5], [0.0, 2.0]])
    labels = np.repeat(np.arange(3), 100)
    points = centres[labels] + rng.normal(0.0, 1.1, (labels.size, 2))
    order = rng.permutation(labels.size)
    targets = np.eye(3)[labels[order]]
    return _inline(np.round(points[order], 3), targets, 200, None)


def worked_example(seed: int) -> InlineData:
    """The worked sample X1 = 1, X2 = 2 (target 1) first, then 23 more points of the same kind:
    class 1 when X1 + X2 > 2.5, on a plane from 0 to 3; 16 train, 8 test."""
    rng = np.random.default_rng(seed)
    points = np.round(rng.uniform(0.0, 3.0, (40, 2)), 1)
    points = points[np.abs(points.sum(axis=1) - 2.5) > 0.2]  # no point on the fence
    points = np.vstack([[1.0, 2.0], points[:23]])
    targets = (points.sum(axis=1) > 2.5).astype(float).reshape(-1, 1)
    return _inline(points, targets, 16, None)


def _inline(
    points: np.ndarray,
    targets: np.ndarray,
    train: int,
    columns: tuple[str, ...] | None,
    classes: tuple[str, ...] | None = None,
) -> InlineData:
    def rows(array: np.ndarray) -> tuple[tuple[float, ...], ...]:
        return tuple(tuple(float(v) for v in row) for row in array)

    return InlineData(
        train_inputs=rows(points[:train]),
        train_targets=rows(targets[:train]),
        test_inputs=rows(points[train:]),
        test_targets=rows(targets[train:]),
        columns=columns,
        classes=classes,
    )


# Preset name -> (generator, seed). The seed is part of the preset: change it and the documented
# results change with it.
STORY_DATA: dict[str, tuple[Callable[[int], InlineData], int]] = {
    "cat-vs-dog": (cat_vs_dog, 7),
    "cat-vs-dog-with-sound": (cat_vs_dog_with_sound, 7),
    "three-classes": (three_classes, 3),
    "x1-x2-worked-example": (worked_example, 12),
}


def generated_data(name: str) -> InlineData:
    """Return the inline data preset `name` (a key of STORY_DATA) is made from."""
    generator, seed = STORY_DATA[name]
    return generator(seed)


def measure(path: Path) -> Outcome:
    """Train the preset at `path` headless for its documented epochs, with this process's
    arithmetic; return what it reaches, figures rounded as documented. Raises ValueError for a
    preset without a documented result."""
    scenario = load_scenario(path)
    if scenario.outcome is None:
        raise ValueError(f"{path.name} documents no result")
    simulation = Simulation(scenario)
    record = simulation.train_epochs(scenario.outcome.epochs)
    diverged = record is not None and record.diverged
    if diverged:
        return Outcome(epochs=scenario.outcome.epochs, diverges=True)
    train, test = simulation.evaluate()
    figures = {"train_loss": train.loss, "test_loss": test.loss}
    if simulation.classification:
        figures.update(train_accuracy=train.accuracy, test_accuracy=test.accuracy)
    documented = {
        name: round(float(value), 4)
        for name, value in figures.items()
        if value is not None and np.isfinite(value)
    }
    return Outcome(epochs=scenario.outcome.epochs, **documented)


def measure_under(variant: machines.Variant, names: list[str]) -> dict[str, Outcome]:
    """Measure the presets `names` in a child process forced to `variant`'s arithmetic (OpenBLAS
    kernel and NumPy dispatch level are fixed when a process starts, so it takes a new one)."""
    done = subprocess.run(
        [sys.executable, "-m", "simulator.presets", "--here", "--json", *names],
        env=variant.env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{variant.label}: {done.stderr.strip() or done.returncode}")
    return {name: outcome_from_dict(figures) for name, figures in json.loads(done.stdout).items()}


def measure_everywhere(
    names: list[str], variants: list[machines.Variant] | None = None
) -> tuple[dict[str, Outcome], dict[str, dict[str, Outcome]]]:
    """Measure the presets `names` under every arithmetic variant this machine runs; return each
    preset's documented outcome (figures that differ become (low, high) ranges) and what every
    variant reached ({variant label: {name: Outcome}})."""
    variants = machines.variants() if variants is None else variants
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        reached = dict(
            zip(
                (v.label for v in variants),
                pool.map(lambda v: measure_under(v, names), variants),
                strict=True,
            )
        )
    combined = {}
    for name in names:
        outcomes = [by_name[name] for by_name in reached.values()]
        if len({o.diverges for o in outcomes}) > 1:
            which = [label for label, by in reached.items() if by[name].diverges]
            raise RuntimeError(f"{name} diverges under {', '.join(which)} only")
        figures = {}
        for figure in OUTCOME_FIGURES:
            values = [getattr(o, figure) for o in outcomes if getattr(o, figure) is not None]
            if values:
                low, high = min(values), max(values)
                figures[figure] = low if low == high else (low, high)
        combined[name] = Outcome(
            epochs=outcomes[0].epochs, diverges=outcomes[0].diverges, **figures
        )
    return combined, reached


def outcome_problems(outcome: Outcome, reached: dict[str, float | None]) -> list[str]:
    """Return how `reached` ({figure: value or None}) misses the documented `outcome`: each
    figure must lie in its documented range widened by FIGURE_TOLERANCE ([] when it holds)."""
    problems = []
    for name in OUTCOME_FIGURES:
        documented, value = getattr(outcome, name), reached.get(name)
        if documented is None:
            if value is not None:
                problems.append(f"{name} is reached ({value:.4g}) but not documented")
            continue
        if value is None:
            problems.append(f"{name} is documented but not reached")
            continue
        low, high = figure_range(documented)
        if "accuracy" in name:
            low, high = low - ACCURACY_TOLERANCE, high + ACCURACY_TOLERANCE
        else:
            low = low * (1 - LOSS_TOLERANCE) - LOSS_MARGIN
            high = high * (1 + LOSS_TOLERANCE) + LOSS_MARGIN
        if not low <= value <= high:
            problems.append(f"{name} {value:.4g} is outside {low:.4g} to {high:.4g}")
    return problems


def _rewrite_data(path: Path) -> None:
    if path.stem in STORY_DATA:
        scenario = dataclasses.replace(load_scenario(path), data=generated_data(path.stem))
        save_scenario(scenario, path)


def _shown(outcome: Outcome) -> str:
    outcome_dict = outcome_to_dict(outcome)
    return ", ".join(
        f"{k} {outcome_dict[k]}"
        for k in ("epochs", *OUTCOME_FIGURES, "diverges")
        if k in outcome_dict
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m simulator.presets",
        description="Regenerate the story presets' data and re-measure every documented result "
        "under every OpenBLAS kernel and NumPy dispatch level this CPU can run.",
    )
    parser.add_argument("names", nargs="*", help="preset names (default: all)")
    parser.add_argument(
        "--here",
        action="store_true",
        help="measure with this process's arithmetic only and print, without rewriting files",
    )
    parser.add_argument("--json", action="store_true", help="with --here: print JSON")
    args = parser.parse_args(argv)
    folder = scenarios_dir()
    paths = [folder / f"{name}.json" for name in args.names] or sorted(folder.glob("*.json"))
    paths = [p for p in paths if load_scenario(p).outcome is not None or not args.here]
    if args.here:
        measured = {path.stem: measure(path) for path in paths}
        if args.json:
            print(json.dumps({name: outcome_to_dict(o) for name, o in measured.items()}))
        else:
            for name, outcome in measured.items():
                print(f"{name}: {_shown(outcome)}")
        return
    for path in paths:
        _rewrite_data(path)
    documented = [p for p in paths if load_scenario(p).outcome is not None]
    variants = machines.variants()
    print(f"measuring under {len(variants)} variants: {', '.join(v.label for v in variants)}")
    combined, reached = measure_everywhere([p.stem for p in documented], variants)
    for path in paths:
        outcome = combined.get(path.stem)
        if outcome is None:
            print(f"{path.name}: no documented result")
            continue
        save_scenario(dataclasses.replace(load_scenario(path), outcome=outcome), path)
        print(f"{path.name}: {_shown(outcome)}")
        if any(isinstance(getattr(outcome, f), tuple) for f in OUTCOME_FIGURES):
            for label, by_name in reached.items():
                print(f"    {label:<22} {_shown(by_name[path.stem])}")


if __name__ == "__main__":
    main()
