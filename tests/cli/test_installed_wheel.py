"""The installed `nnsim`: build the wheel, install it into a fresh virtual environment outside the
checkout, and use it from a folder that is not the checkout, as a user who ran pip would."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import DISPLAY_VARIABLES, strict_json

import simulator
from simulator.presets import PRESET_ORDER

CHECKOUT = Path(__file__).resolve().parents[2]


def _run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)


def _clean_environment() -> dict[str, str]:
    """No display, and nothing that would lead Python or uv back to the checkout."""
    leading_back = ("PYTHONPATH", "VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONHOME")
    return {
        key: value
        for key, value in os.environ.items()
        if key not in DISPLAY_VARIABLES and key not in leading_back
    }


def _build_wheel(folder: Path) -> Path:
    uv = shutil.which("uv")
    if uv:
        command = [uv, "build", "--wheel", "--out-dir", str(folder), str(CHECKOUT)]
    else:
        command = [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-w",
            str(folder),
            str(CHECKOUT),
        ]
    result = _run(command, cwd=CHECKOUT, env=_clean_environment())
    assert result.returncode == 0, result.stderr
    (wheel,) = folder.glob("nnsim-*.whl")
    return wheel


def _install(wheel: Path, venv: Path, cwd: Path) -> Path:
    """Install `wheel` without its dependencies, then numpy and jsonschema (all the headless
    commands need) from uv's cache or the index; return the venv's Python. Skips the test when
    those cannot be downloaded (no network), and only then."""
    env = _clean_environment()
    base = getattr(sys, "_base_executable", sys.executable)
    uv = shutil.which("uv")
    created = _run([base, "-m", "venv", *(["--without-pip"] if uv else []), str(venv)], cwd=cwd)
    assert created.returncode == 0, created.stderr
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    if uv:
        install = [uv, "pip", "install", "--python", str(python)]
    else:
        install = [str(python), "-m", "pip", "install", "--disable-pip-version-check"]
    result = _run([*install, "--no-deps", str(wheel)], cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr
    result = _run([*install, "numpy", "jsonschema"], cwd=cwd, env=env)
    if result.returncode != 0:
        pytest.skip(f"numpy and jsonschema could not be installed (offline?): {result.stderr}")
    return python


@pytest.mark.slow
def test_the_installed_command_line_works_outside_the_checkout(tmp_path):
    wheel = _build_wheel(tmp_path / "dist")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    python = _install(wheel, tmp_path / "venv", elsewhere)
    nnsim = python.parent / ("nnsim.exe" if os.name == "nt" else "nnsim")
    env = _clean_environment()

    def run(*args):
        return _run([str(nnsim), *args], cwd=elsewhere, env=env)

    where = _run([str(python), "-c", "import simulator; print(simulator.__file__)"], cwd=elsewhere)
    assert CHECKOUT not in Path(where.stdout.strip()).parents  # the installed copy, not ours

    presets = run("presets")
    assert presets.returncode == 0, presets.stderr
    assert [line.split()[0] for line in presets.stdout.splitlines()] == list(PRESET_ORDER)

    trained = run("train", "spiral", "--epochs", "5", "--json")
    assert trained.returncode == 0, trained.stderr
    assert trained.stderr == ""
    assert strict_json(trained.stdout)["epochs"] == 5

    version = run("--version")
    assert (version.returncode, version.stdout.strip()) == (0, f"nnsim {simulator.__version__}")

    app = run()
    assert app.returncode == 2
    lines = app.stderr.strip().splitlines()
    assert len(lines) == 1, app.stderr
    assert "no display found" in lines[0]
    assert list(elsewhere.iterdir()) == []  # nothing written where it ran
