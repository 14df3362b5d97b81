"""The command line that knows its presets, its version, and what to say without a display."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import environment, strict_json

import simulator
from simulator.presets import PRESET_ORDER
from simulator.resources import scenarios_dir

DESIGN_CARD = Path(__file__).resolve().parent.parent / "data" / "x1x2-design-card.json"


def test_presets_lists_every_shipped_preset_in_the_gallery_order_with_its_title(run_nnsim):
    lines = run_nnsim("presets", code=0).stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(PRESET_ORDER)
    spiral = next(line for line in lines if line.startswith("spiral "))
    assert (
        spiral.split(None, 1)[1]
        == json.loads((scenarios_dir() / "spiral.json").read_text())["title"]
    )


def test_every_command_takes_a_preset_name(run_nnsim, tmp_path):
    report = strict_json(run_nnsim("train", "spiral", "--epochs", 2, "--json", code=0).stdout)
    assert report["epochs"] == 2
    assert "ok" in run_nnsim("validate", "spiral", "xor", code=0, cwd=tmp_path).stdout
    assert strict_json(run_nnsim("trace", "circle", "--json", code=0).stdout)["sample"] == 1
    assert "agrees" in run_nnsim("gradcheck", "iris", code=0).stdout


def test_a_path_that_exists_wins_over_a_preset_of_the_same_name(run_nnsim, tmp_path):
    # A file called "spiral" in the current folder: the design card, one sample in batches of 1.
    (tmp_path / "spiral").write_text(DESIGN_CARD.read_text())
    report = strict_json(
        run_nnsim("train", "spiral", "--epochs", 1, "--json", code=0, cwd=tmp_path).stdout
    )
    shipped = strict_json(run_nnsim("train", "spiral", "--epochs", 1, "--json", code=0).stdout)
    assert report["steps"] == 1
    assert shipped["steps"] > 1


def test_version_prints_the_version_without_loading_qt():
    probe = (
        "import sys\n"
        "from simulator.__main__ import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit as stop:\n"
        "    assert stop.code == 0, stop.code\n"
        "loaded = [m for m in ('PySide6', 'pyqtgraph', 'numpy') if m in sys.modules]\n"
        "print('loaded:', loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    first, second = result.stdout.splitlines()
    assert first == f"nnsim {simulator.__version__}"
    assert second == "loaded: []"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the display check is Linux's")
@pytest.mark.parametrize("args", [(), ("spiral",)])
def test_without_a_display_the_app_says_so_in_one_line(run_nnsim, args):
    result = run_nnsim(*args, code=2, env=environment(display=False), timeout=30)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert "no display found" in line
    assert "headless commands still work" in line
    assert "QT_QPA_PLATFORM=offscreen" in line
    assert "xvfb-run" in line
    assert result.stdout == ""
