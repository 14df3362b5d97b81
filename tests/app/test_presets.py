"""The shipped presets: each loads, builds its data and network, and learns; and the wheel carries
them with the resources."""

import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir

ROOT = Path(__file__).resolve().parents[2]
PRESETS = sorted(scenarios_dir().glob("*.json"))


def test_presets_are_found():
    names = {p.stem for p in PRESETS}
    assert {"circle", "xor", "gaussian", "spiral"} <= names


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_preset_loads_and_learns(path):
    simulation = Simulation(load_scenario(path))
    assert simulation.scenario.description  # every preset says what to try and watch
    before, _ = simulation.evaluate()
    record = simulation.train_epochs(100)
    after, test = simulation.evaluate()
    assert not record.diverged
    assert after.loss < 0.5 * before.loss
    if simulation.classification:
        assert test.accuracy > 0.9


def test_wheel_carries_presets_and_resources(tmp_path):
    # `uv run` tells its children where uv is; the test suite is run through it (see README).
    uv = os.environ.get("UV", "uv")
    subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "simulator/_data/resources/scenario.schema.json" in names
    for preset in PRESETS:
        assert f"simulator/_data/scenarios/{preset.name}" in names
    assert not any(n.startswith("tests/") for n in names)
