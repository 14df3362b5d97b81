"""The generated parts of the shipped presets: the story data sets written inline into their files,
and each preset's documented result.

The JSON files in scenarios/ are the source of everything a person writes (titles, descriptions,
networks, settings). `python -m simulator.presets` rewrites the inline data of the presets named in
STORY_DATA from their seeded generators and measures every preset's documented result by training
it headless for its documented epochs. Tests check that the files agree with both.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np

from simulator.app.scenario import OUTCOME_FIGURES, InlineData, Outcome, scenario_to_dict
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
    "gaussian",
    "spiral",
    "regression-plane",
    "regression-gaussians",
    "three-classes",
    "iris",
    "digits",
    "learning-rate-too-high",
    "dead-relu",
    "vanishing-gradients",
    "overfitting",
)

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
    """Train the preset at `path` headless for its documented epochs; return what it reaches, with
    figures rounded as documented. Raises ValueError for a preset without a documented result."""
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


def _rewrite(path: Path) -> None:
    scenario = load_scenario(path)
    if path.stem in STORY_DATA:
        scenario = dataclasses.replace(scenario, data=generated_data(path.stem))
        save_scenario(scenario, path)
    if scenario.outcome is not None:
        scenario = dataclasses.replace(load_scenario(path), outcome=measure(path))
        save_scenario(scenario, path)
    outcome = scenario_to_dict(scenario).get("outcome", {})
    shown = ", ".join(
        f"{k} {outcome[k]}" for k in ("epochs", *OUTCOME_FIGURES, "diverges") if k in outcome
    )
    print(f"{path.name}: {shown or 'no documented result'}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m simulator.presets",
        description="Regenerate the story presets' data and re-measure every documented result.",
    )
    parser.add_argument("names", nargs="*", help="preset names (default: all)")
    args = parser.parse_args(argv)
    folder = scenarios_dir()
    paths = [folder / f"{name}.json" for name in args.names] or sorted(folder.glob("*.json"))
    for path in paths:
        _rewrite(path)


if __name__ == "__main__":
    main()
