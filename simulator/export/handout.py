"""The worked-example handout of one step: every stage of the step-through with its plain words,
its network picture and the calculation of every neuron (and weight) it covers, as one
self-contained HTML page (UTF-8, inline CSS and SVG, no other file).

Every number is the walkthrough's text of the trace's own numbers at the chosen precision; the
command line (`nnsim trace FILE --html OUT`) and the step-through's File → Export worked
example… both call `handout_html`, so that the two pages are the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

from ..app import walkthrough as walk
from ..app.files.write import write_atomically
from ..app.walk_stages import layer_name, width
from ..engine.trace import ForwardTrace, StepTrace
from .handout_svg import stage_svg

# A stage lists the calculation of this many neurons of its layer, and of this many weights per
# layer; wider layers say how many were left out (a page per neuron of a 64-pixel input helps
# nobody, and the first few show the pattern).
MAX_NEURONS = 8
MAX_WEIGHTS = 12
# More inputs than fit one row of the inputs' table are written this many to a row.
MAX_INPUTS_IN_ONE_ROW = 12
LONG_INPUTS_PER_ROW = 8

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #222222; margin: 24px auto;
  max-width: 1000px; padding: 0 16px; line-height: 1.4; }
h1 { font-size: 24px; margin-bottom: 4px; }
h2 { font-size: 19px; margin-top: 28px; padding-top: 10px; border-top: 2px solid #D5DEEA; }
h3 { font-size: 15px; margin: 14px 0 4px 0; }
p.meta { color: #555555; margin: 2px 0; }
p.words { color: #333333; }
table.inputs { border-collapse: collapse; margin: 8px 0; }
table.inputs td, table.inputs th { border: 1px solid #D5DEEA; padding: 3px 8px; text-align: right; }
table.inputs th { background: #F4F7FB; }
div.picture { margin: 8px 0; line-height: 1; }
div.formulas { background: #F4F7FB; border: 1px solid #D5DEEA; border-radius: 3px;
  padding: 6px 8px; font-family: "DejaVu Sans Mono", monospace; font-size: 13px; }
div.formulas p { margin: 2px 0; overflow-wrap: anywhere; }
p.left-out { color: #666666; font-style: italic; }
"""


@dataclass(frozen=True)
class StagePart:
    """One stage of the handout: its title, its picture (SVG text), its calculations in order
    and, per calculation, the plain words shown after it ("" when said already); `left_out`
    sentences saying which neurons or weights of wide layers are not listed."""

    title: str
    svg: str
    calculations: tuple[walk.Calculation, ...]
    words: tuple[str, ...]
    left_out: tuple[str, ...]


def stage_focuses(
    trace: StepTrace | ForwardTrace, stage: walk.Stage
) -> tuple[list[walk.Focus], list[str]]:
    """The neurons and edges whose calculation a stage of the handout lists, in order, and the
    sentences saying what wide layers leave out.

    Inputs: every input. Forward: every neuron of the stage's layer. Loss: the loss. Backward:
    every neuron's δ, then the gradient of every weight into the layer. Update: per layer, every
    neuron's bias, then every weight. At most MAX_NEURONS neurons and MAX_WEIGHTS weights each."""
    count = len(trace.layers)
    focuses: list[walk.Focus] = []
    left_out: list[str] = []

    def neurons(column: int, what: str) -> None:
        units = width(column, trace)
        focuses.extend(walk.Focus(column, j) for j in range(min(units, MAX_NEURONS)))
        if units > MAX_NEURONS:
            left_out.append(
                f"{what}: the first {MAX_NEURONS} of {units} are listed; "
                f"{units - MAX_NEURONS} more are left out."
            )

    def weights(column: int, what: str) -> None:
        units, fan_in = width(column, trace), width(column - 1, trace)
        edges = [walk.Focus(column, j, i) for j in range(units) for i in range(fan_in)]
        focuses.extend(edges[:MAX_WEIGHTS])
        if len(edges) > MAX_WEIGHTS:
            left_out.append(
                f"{what}: the first {MAX_WEIGHTS} of {len(edges)} weights are listed; "
                f"{len(edges) - MAX_WEIGHTS} more are left out."
            )

    where = lambda column: layer_name(column, count) if column else "inputs"  # noqa: E731
    if stage.kind == "input":
        neurons(0, "Inputs")
    elif stage.kind == "forward":
        neurons(stage.column, f"Neurons of the {where(stage.column)}")
    elif stage.kind == "loss":
        focuses.append(walk.default_focus(stage, trace))
    elif stage.kind == "backward":
        neurons(stage.column, f"δ of the {where(stage.column)}")
        weights(stage.column, f"Gradients into the {where(stage.column)}")
    else:
        for column in range(1, count + 1):
            neurons(column, f"Biases of the {where(column)}")
            weights(column, f"Weights into the {where(column)}")
    return focuses, left_out


def handout_parts(
    trace: StepTrace | ForwardTrace,
    names: list[str],
    *,
    sample: int = 0,
    digits: int = walk.DEFAULT_DIGITS,
    raw: walk.RawInputs | None = None,
    class_names: tuple[str, ...] | None = None,
) -> list[StagePart]:
    """The stages of the handout of `trace` (a layer at a time), for batch row `sample`, numbers
    at `digits` significant digits; arguments as walkthrough.calculation takes them."""
    parts = []
    for stage in walk.stages(trace, "layer"):
        focuses, left_out = stage_focuses(trace, stage)
        calculations = tuple(
            walk.calculation(trace, stage, focus, names, sample, digits, raw, class_names)
            for focus in focuses
        )
        said: set[str] = set()
        words = []
        for calculation in calculations:
            words.append("" if calculation.explanation in said else calculation.explanation)
            said.add(calculation.explanation)
        notes = walk.annotations(
            trace, stage, walk.default_focus(stage, trace), sample, digits, class_names
        )
        title = walk.stage_title(stage, trace)
        parts.append(
            StagePart(
                title, stage_svg(trace, notes, names), calculations, tuple(words), tuple(left_out)
            )
        )
    return parts


def handout_html(
    trace: StepTrace | ForwardTrace,
    names: list[str],
    *,
    scenario: str,
    samples: tuple[int, ...],
    sample: int = 0,
    digits: int = walk.DEFAULT_DIGITS,
    raw: walk.RawInputs | None = None,
    class_names: tuple[str, ...] | None = None,
    picture: Callable[[int, str], str] | None = None,
) -> str:
    """Return the handout of `trace` as one HTML page (text).

    `scenario` is the scenario's title; `samples` the training samples of the step (indices
    from 0, shown from 1; empty for an input asked about); `sample` the row of the batch whose
    numbers are shown; `names`, `digits`, `raw` and `class_names` as walkthrough.calculation
    takes them. `picture(index, svg)` returns the HTML standing for stage `index`'s picture: by
    default the SVG itself (a PDF renderer without SVG support puts an image there instead)."""
    parts = handout_parts(
        trace, names, sample=sample, digits=digits, raw=raw, class_names=class_names
    )
    picture = picture or (lambda _index, svg: svg)
    n = lambda v: walk.number(v, digits)  # noqa: E731
    body = [f"<h1>Worked example: {escape(_what(trace, samples, sample))}</h1>"]
    body.append(f'<p class="meta">Scenario: {escape(scenario)}</p>')
    body.append(
        f'<p class="meta">Numbers to {digits} significant digits, as the engine computed them '
        "in this step.</p>"
    )
    if trace.diverged:
        body.append(
            '<p class="meta">This step made a number non-finite, so it was not applied.</p>'
        )
    # The step's inputs and targets: the numbers the network was given.
    header = "".join(f"<th>{escape(name)}</th>" for name in names)
    values = "".join(f"<td>{escape(n(v))}</td>" for v in trace.inputs[sample])
    if trace.targets is not None:
        header += "".join(
            f"<th>target {k + 1}</th>" if trace.targets.shape[1] > 1 else "<th>target y</th>"
            for k in range(trace.targets.shape[1])
        )
        values += "".join(f"<td>{escape(n(v))}</td>" for v in trace.targets[sample])
    body.append(
        f'<table class="inputs"><tr>{header}</tr><tr>{values}</tr></table>'
        if len(names) <= MAX_INPUTS_IN_ONE_ROW
        else _long_inputs(trace, names, sample, n)
    )
    for index, part in enumerate(parts):
        body.append(f"<h2>{escape(part.title)}</h2>")
        if part.words and part.words[0]:
            body.append(f'<p class="words">{escape(part.words[0])}</p>')
        body.append(f'<div class="picture">{picture(index, part.svg)}</div>')
        for position, (calculation, words) in enumerate(
            zip(part.calculations, part.words, strict=True)
        ):
            body.append(f"<h3>{escape(calculation.title)}</h3>")
            lines = "".join(f"<p>{escape(line.text)}</p>" for line in calculation.lines)
            body.append(f'<div class="formulas">{lines}</div><!-- formulas -->')
            if words and position > 0:
                body.append(f'<p class="words">{escape(words)}</p>')
        body.extend(f'<p class="left-out">{escape(text)}</p>' for text in part.left_out)
    title = escape(f"Worked example: {_what(trace, samples, sample)} — {scenario}")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _what(trace, samples: tuple[int, ...], sample: int) -> str:
    if trace.targets is None:
        return "the network asked about one input (forward pass alone)"
    if len(samples) == 1:
        return f"one training step on sample {samples[0] + 1}"
    shown = ", ".join(str(i + 1) for i in samples)
    return (
        f"one training step on a mini-batch of {len(samples)} samples ({shown}), "
        f"the numbers of sample {samples[sample] + 1}"
    )


def _long_inputs(trace, names, sample, n) -> str:
    """Many inputs (an image's pixels): LONG_INPUTS_PER_ROW name–value pairs a row instead of
    one row too wide to read."""
    cells = [
        f"<th>{escape(name)}</th><td>{escape(n(v))}</td>"
        for name, v in zip(names, trace.inputs[sample], strict=True)
    ]
    rows = "".join(
        f"<tr>{''.join(cells[start : start + LONG_INPUTS_PER_ROW])}</tr>"
        for start in range(0, len(cells), LONG_INPUTS_PER_ROW)
    )
    if trace.targets is not None:
        target = ", ".join(n(v) for v in trace.targets[sample])
        span = 2 * LONG_INPUTS_PER_ROW - 1
        rows += f'<tr><th>target y</th><td colspan="{span}">{escape(target)}</td></tr>'
    return f'<table class="inputs">{rows}</table>'


def write_handout(path: Path | str, page: str) -> None:
    """Write the page `page` to `path` as UTF-8, atomically (a temporary file beside it, then
    os.replace): the old file stays whole if the write fails. Raises ScenarioError (its message
    names the file) when it cannot be written."""
    path = Path(path)
    write_atomically(path, page.encode("utf-8"), path.name)
