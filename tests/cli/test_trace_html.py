"""`nnsim trace FILE --sample I --html OUT`: the worked-example handout, written headless."""

from __future__ import annotations

import html
import os
import subprocess
import sys

import pytest

from simulator.app import walkthrough as walk
from simulator.app.files.errors import ScenarioError
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.app.walk_stages import RawInputs
from simulator.cli import scenario_path
from simulator.export import handout

SCENARIO = "xor"


def _expected(sample: int, digits: int):
    """The trace `nnsim trace xor --sample sample` takes, the page of it made in this process,
    and what the handout needs to say it: names and raw inputs."""
    simulation = Simulation(load_scenario(scenario_path(SCENARIO)))
    _, trace = simulation.trace_sample(sample - 1)
    data = simulation.data
    names = list(data.feature_plan.names)
    raw = RawInputs(data.raw_names, data.train_raw[[sample - 1]].copy(), data.scaling)
    page = handout.handout_html(
        trace,
        names,
        scenario=simulation.scenario.title,
        samples=(sample - 1,),
        digits=digits,
        raw=raw,
    )
    return trace, names, raw, page


@pytest.mark.parametrize("digits", [3, 7])
def test_the_page_holds_every_stage_and_every_calculation_line(run_nnsim, tmp_path, digits):
    out = tmp_path / "handout.html"
    result = run_nnsim("trace", SCENARIO, "--sample", 3, "--html", out, "--digits", digits, code=0)
    assert str(out) in result.stdout
    page = out.read_text(encoding="utf-8")
    trace, names, raw, expected = _expected(3, digits)
    assert page == expected
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    # Self-contained: nothing fetched from elsewhere.
    assert "src=" not in page
    assert "href=" not in page
    stages = walk.stages(trace, "layer")
    assert stages[0].kind == "input"
    assert stages[-1].kind == "update"
    for stage in stages:
        assert f"<h2>{html.escape(walk.stage_title(stage, trace))}</h2>" in page
        focuses, left_out = handout.stage_focuses(trace, stage)
        assert not left_out  # XOR is narrow: every neuron and weight is listed
        for focus in focuses:
            calculation = walk.calculation(trace, stage, focus, names, 0, digits, raw)
            assert f"<h3>{html.escape(calculation.title)}</h3>" in page
            for line in calculation.lines:
                assert f"<p>{html.escape(line.text)}</p>" in page, line.text
            assert html.escape(calculation.explanation) in page
    # Every neuron of every forward layer is covered, not only the first.
    forward = [s for s in stages if s.kind == "forward"]
    for stage in forward:
        focuses, _ = handout.stage_focuses(trace, stage)
        assert len(focuses) == trace.layers[stage.column - 1].z.shape[1]
    # Every weight is updated on the page.
    update = handout.stage_focuses(trace, stages[-1])[0]
    assert sum(f.is_edge for f in update) == sum(
        layer.weights_before.size for layer in trace.layers
    )
    # One picture per stage.
    assert page.count("<svg ") == len(stages)


def test_the_numbers_follow_the_digits(run_nnsim, tmp_path):
    pages = {}
    for digits in (3, 9):
        out = tmp_path / f"d{digits}.html"
        run_nnsim("trace", SCENARIO, "--html", out, "--digits", digits, code=0)
        pages[digits] = out.read_text(encoding="utf-8")
    simulation = Simulation(load_scenario(scenario_path(SCENARIO)))
    _, trace = simulation.trace_sample(0)
    loss = float(trace.loss)
    assert f"= {walk.number(loss, 3)}</p>" in pages[3]
    assert f"= {walk.number(loss, 9)}</p>" in pages[9]
    assert walk.number(loss, 9) not in pages[3]


def test_wide_layers_say_what_they_leave_out(tmp_path, run_nnsim):
    out = tmp_path / "digits.html"
    run_nnsim("trace", "digits", "--html", out, "--digits", 3, code=0)
    page = out.read_text(encoding="utf-8")
    assert "more are left out." in page
    assert f"the first {handout.MAX_NEURONS} of 64 are listed" in page


def test_a_bad_sample_is_one_line_and_writes_nothing(run_nnsim, tmp_path):
    out = tmp_path / "handout.html"
    result = run_nnsim("trace", SCENARIO, "--sample", 999, "--html", out, code=2)
    assert "--sample 999 does not exist" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_html_and_json_together_are_refused(run_nnsim, tmp_path):
    result = run_nnsim("trace", SCENARIO, "--html", tmp_path / "a.html", "--json", code=2)
    assert len(result.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_an_unwritable_place_is_one_line(run_nnsim, tmp_path):
    out = tmp_path / "missing" / "handout.html"
    result = run_nnsim("trace", SCENARIO, "--html", out, code=2)
    assert result.stderr.startswith("nnsim: handout.html: could not save")
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_file_is_replaced_whole_or_not_at_all(tmp_path, monkeypatch):
    out = tmp_path / "handout.html"
    out.write_text("the old page", encoding="utf-8")
    handout.write_handout(out, "<p>new ü</p>")
    assert out.read_text(encoding="utf-8") == "<p>new ü</p>"
    assert sorted(os.listdir(tmp_path)) == ["handout.html"]

    def broken_replace(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ScenarioError, match="could not save"):
        handout.write_handout(out, "<p>newer</p>")
    assert out.read_text(encoding="utf-8") == "<p>new ü</p>"
    assert sorted(os.listdir(tmp_path)) == ["handout.html"]  # no temporary file left


def test_writing_a_handout_loads_no_qt(tmp_path):
    out = tmp_path / "handout.html"
    code = (
        "import sys\n"
        "from simulator.__main__ import main\n"
        f"code = main(['trace', {SCENARIO!r}, '--html', {str(out)!r}])\n"
        "assert code == 0, code\n"
        "qt = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'shiboken6'))]\n"
        "print('Qt modules:', qt)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "Qt modules: []"
    assert out.exists()
