"""Variants of a scenario that differ in chosen fields: reading "PATH=V1,V2,…", setting a field
by the path error messages write (training.optimizer.learning_rate, network.layers[0].units),
and one checked scenario per combination."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..scenario import Scenario
from ..storage import ScenarioError, validate_scenario_dict

# At most this many variants in one comparison: each trains in full, and a chart of more
# curves than this is no longer readable.
MAX_VARIANTS = 64

_STEP = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


class VariantError(ValueError):
    """A --vary that cannot be used; the message names the path and, where one is at fault,
    the value."""


@dataclass(frozen=True)
class Vary:
    """One field to vary: its path as text, its steps (keys and indices) and the values."""

    path: str
    steps: tuple[str | int, ...]
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Variant:
    """One combination: the values set (path → value, in the order the varies were given) and
    the checked scenario with them."""

    vary: dict[str, Any]
    scenario: Scenario

    @property
    def label(self) -> str:
        """The difference in a few words, e.g. "learning_rate 0.03, batch_size 10"."""
        return ", ".join(f"{_last_name(path)} {_text(value)}" for path, value in self.vary.items())


def parse_path(path: str) -> tuple[str | int, ...]:
    """Return the steps of a field path ("network.layers[0].activation" → ("network", "layers",
    0, "activation")); raise VariantError when it is not one."""
    steps: list[str | int] = []
    position = 0
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None or (position == 0 and path.startswith(".")):
            raise VariantError(f"{path}: not a field path (like training.optimizer.learning_rate)")
        name, index = match.groups()
        steps.append(name if name is not None else int(index))
        position = match.end()
    if not steps or not isinstance(steps[0], str):
        raise VariantError(f"{path!r}: not a field path (like training.optimizer.learning_rate)")
    return tuple(steps)


def parse_vary(text: str) -> Vary:
    """Read "PATH=V1,V2,…". Each value is read as JSON where it is JSON (0.03, true, null,
    "text", [1, 2]) and as plain text otherwise (relu), so that names need no quotes."""
    path, equals, values = text.partition("=")
    path = path.strip()
    if not equals or not path:
        raise VariantError(
            f"--vary {text}: expected PATH=V1,V2,... such as training.batch_size=1,10"
        )
    cells = _split_values(values)
    if not cells or any(not cell for cell in cells):
        raise VariantError(f"--vary {text}: a value is empty")
    return Vary(path, parse_path(path), tuple(_value(cell) for cell in cells))


def _split_values(text: str) -> list[str]:
    """Split at the commas that are not inside brackets or quotes."""
    cells, depth, quoted, start = [], 0, False, 0
    for position, char in enumerate(text):
        if char == '"' and (position == 0 or text[position - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char in "[{":
            depth += 1
        elif not quoted and char in "]}":
            depth -= 1
        elif not quoted and depth == 0 and char == ",":
            cells.append(text[start:position].strip())
            start = position + 1
    cells.append(text[start:].strip())
    return cells


def _value(cell: str) -> Any:
    try:
        return json.loads(cell)
    except ValueError:
        return cell


def set_field(obj: dict, steps: tuple[str | int, ...], value: Any) -> dict:
    """Return a deep copy of the scenario object `obj` with the field at `steps` set to `value`.
    Every step but the last must exist; the last may be a key the object does not have yet (an
    optional field). Raises VariantError naming the first step that is not there."""
    changed = copy.deepcopy(obj)
    holder: Any = changed
    for depth, step in enumerate(steps[:-1]):
        holder = _child(holder, step, steps[: depth + 1])
    last = steps[-1]
    if isinstance(last, int):
        _child(holder, last, steps)
    elif not isinstance(holder, dict):
        raise VariantError(f"{format_path(steps[:-1])} is not an object with fields")
    holder[last] = copy.deepcopy(value)
    return changed


def _child(holder: Any, step: str | int, walked: tuple[str | int, ...]) -> Any:
    if isinstance(step, int):
        if not isinstance(holder, list) or step >= len(holder):
            size = len(holder) if isinstance(holder, list) else 0
            raise VariantError(f"{format_path(walked)}: no such entry (the list has {size})")
        return holder[step]
    if not isinstance(holder, dict) or step not in holder:
        raise VariantError(f"{format_path(walked)}: the scenario has no such field")
    return holder[step]


def format_path(steps: tuple[str | int, ...]) -> str:
    text = ""
    for step in steps:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def make_variants(
    obj: dict,
    varies: list[Vary],
    *,
    file: str,
    base_dir: Path | None,
    source: Path | None = None,
) -> list[Variant]:
    """One checked scenario per combination of the varies' values, the first vary changing
    slowest. Every value is checked before any variant is returned: a value the format refuses
    raises VariantError naming the path, the value and the reason. Each scenario's
    `source_path` is `source` (the file the object came from), so that a CSV named beside it
    is found when the variant is built."""
    if not varies:
        raise VariantError("nothing to vary: give at least one --vary PATH=V1,V2,...")
    paths = [vary.path for vary in varies]
    repeated = sorted({path for path in paths if paths.count(path) > 1})
    if repeated:
        raise VariantError(f"--vary {repeated[0]} is given twice; list all its values in one")
    count = 1
    for vary in varies:
        count *= len(vary.values)
    if count > MAX_VARIANTS:
        raise VariantError(f"{count} variants; at most {MAX_VARIANTS} can be compared at once")
    variants = []
    for values in itertools.product(*(vary.values for vary in varies)):
        changed = obj
        for vary, value in zip(varies, values, strict=True):
            try:
                changed = set_field(changed, vary.steps, value)
            except VariantError as exc:
                raise VariantError(f"--vary {vary.path}={_text(value)}: {exc}") from None
        try:
            scenario = validate_scenario_dict(changed, file=file, base_dir=base_dir)
        except ScenarioError as exc:
            setting = ", ".join(
                f"{vary.path}={_text(value)}" for vary, value in zip(varies, values, strict=True)
            )
            where = str(exc) if exc.file else f"{exc.field}: {exc.reason}"
            raise VariantError(f"--vary {setting}: {where}") from None
        scenario = dataclasses.replace(scenario, source_path=source)
        vary_map = {vary.path: value for vary, value in zip(varies, values, strict=True)}
        variants.append(Variant(vary_map, scenario))
    return variants


def _last_name(path: str) -> str:
    steps = parse_path(path)
    names = [step for step in steps if isinstance(step, str)]
    return names[-1] if names else path


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
