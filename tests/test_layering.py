"""Imports point ui → app → engine: the engine loads no Qt, the app and the CLI no widgets."""

import subprocess
import sys

import pytest


def _loaded_after(statement: str) -> set[str]:
    code = f"{statement}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(result.stdout.split())


def test_engine_loads_no_qt():
    modules = _loaded_after(
        "import simulator.engine.trainer, simulator.engine.datasets, simulator.engine.features, "
        "simulator.engine.tabular, simulator.engine.gradcheck"
    )
    assert "simulator.engine.trainer" in modules
    assert not {m for m in modules if m.startswith(("PySide6", "pyqtgraph", "shiboken6"))}


def test_app_loads_no_widgets_or_pyqtgraph():
    modules = _loaded_after("import simulator.app.storage, simulator.app.session")
    assert "simulator.app.session" in modules
    assert "PySide6.QtWidgets" not in modules
    assert not {m for m in modules if m.startswith("pyqtgraph")}


@pytest.mark.parametrize(
    "command", ["validate", "train", "trace", "bench", "export", "import-weights"]
)
def test_headless_cli_loads_no_qt(command):
    modules = _loaded_after(f"import simulator.cli as c; c.COMMANDS[{command!r}]")
    assert "simulator.cli" in modules
    assert not {m for m in modules if m.startswith(("PySide6", "pyqtgraph"))}
