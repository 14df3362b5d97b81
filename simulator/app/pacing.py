"""The pace of training: the speeds a learner (or a lesson) can choose, where a story names an
epoch, and what to say when Play pauses at one."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .scenario import Lesson


@dataclass(frozen=True)
class Pace:
    """One speed: `name` as a lesson writes it, `label` as the toolbar shows it, and the
    training steps a second it allows (None: as fast as the engine goes)."""

    name: str
    label: str
    steps_per_second: float | None


# The window repaints about 60 times a second, so "n steps a frame" is 60·n steps a second. The
# names are the schema's enum of lesson.speed (a test keeps the two alike).
PACES = (
    Pace("slowest", "1 step a frame", 60),
    Pace("slow", "5 steps a frame", 300),
    Pace("medium", "25 steps a frame", 1500),
    Pace("fast", "100 steps a frame", 6000),
    Pace("fastest", "As fast as possible", None),
)
# Without a lesson training runs flat out, as it always did: most presets are about the result.
DEFAULT_PACE = "fastest"


def pace_index(name: str) -> int:
    """Return the position of the pace called `name` in PACES (ValueError if there is none)."""
    for index, pace in enumerate(PACES):
        if pace.name == name:
            return index
    raise ValueError(f"no pace is called {name!r}")


def stop_epochs(lesson: Lesson | None, asked: int | None) -> frozenset[int]:
    """Return the epochs at whose end Play pauses: the lesson's and the one the learner asked
    for (None or 0: none)."""
    stops = set(lesson.pause_at) if lesson is not None else set()
    if asked:
        stops.add(asked)
    return frozenset(stops)


def next_stop(stops: frozenset[int], epoch: int) -> int | None:
    """Return the first stop after `epoch`, or None when there is none."""
    later = [stop for stop in stops if stop > epoch]
    return min(later) if later else None


# A sentence ends at . ! or ? followed by a space, or at a line break (U+2028 is the line break
# inside a paragraph of a rich-text document).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|[\n\u2028]+")
_ORDINALS = {1: "first", 2: "second", 3: "third"}


def _naming(epoch: int) -> re.Pattern:
    """A pattern for the ways a text names `epoch`: "epoch 2,000", "epoch 2000", "2,000 epochs",
    and for the first few, "first epoch"."""
    spellings = sorted({f"{epoch:,}", str(epoch)}, key=len, reverse=True)
    number = "|".join(re.escape(text) for text in spellings)
    # No digit (or digit group) may continue the number: "epoch 20" does not name epoch 2.
    forms = [
        rf"\bepochs?\s+(?:{number})(?![\d]|,\d)",
        rf"(?<![\d,])(?:{number})\s+epochs?\b",
    ]
    if epoch in _ORDINALS:
        forms.append(rf"\b{_ORDINALS[epoch]}\s+epoch\b")
    return re.compile("|".join(forms), re.IGNORECASE)


def sentences_naming(paragraphs: list[str], epoch: int) -> list[tuple[int, int, int]]:
    """Find the sentences of `paragraphs` that name `epoch`. Returns (paragraph index, start,
    end) of each, the positions counting characters in that paragraph; [] when none does."""
    pattern = _naming(epoch)
    found = []
    for index, paragraph in enumerate(paragraphs):
        start = 0
        for end_match in [*_SENTENCE_END.finditer(paragraph), None]:
            end = end_match.start() if end_match else len(paragraph)
            if pattern.search(paragraph, start, end):
                found.append((index, start, end))
            if end_match:
                start = end_match.end()
    return found


def stop_message(epoch: int, *, in_story: bool, following: int | None) -> str:
    """What the learner reads when Play paused at the end of `epoch`: `in_story` says the
    description names it (and is highlighted), `following` is the next stop (None: none)."""
    where = (
        f"Paused at epoch {epoch:,}, where the story turns: read the highlighted lines below."
        if in_story
        else f"Paused at epoch {epoch:,}, as asked."
    )
    if following is None:
        return f"{where} Press Play to train on."
    return f"{where} Press Play to go on to epoch {following:,}."


def steps_due(now: float, origin: float, taken: int, rate: float) -> tuple[int, float]:
    """Under a limit of `rate` steps a second counted from `origin`, with `taken` steps taken
    since: the steps due at `now` and, when none is, the seconds until the next one is."""
    due = int((now - origin) * rate) - taken
    if due > 0:
        return due, 0.0
    return 0, max((taken + 1) / rate - (now - origin), 0.0)
