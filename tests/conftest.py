"""Test set-up shared by every suite: Qt renders offscreen, and no test may leave a training
thread running."""

import os

import pytest

# Must be set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _no_training_thread_survives(request):
    yield
    import sys

    controllers = []
    if "simulator.app.controller" in sys.modules:
        controllers += list(sys.modules["simulator.app.controller"].LIVE_CONTROLLERS)
    # The compare window's races run on threads of their own.
    if "simulator.app.experiments.race_worker" in sys.modules:
        controllers += list(sys.modules["simulator.app.experiments.race_worker"].LIVE_RACES)
    running = [c for c in controllers if _is_running(c)]
    for controller in running:
        controller.shutdown()
    assert not running, f"{request.node.name} left {len(running)} training thread(s) running"


def _is_running(controller) -> bool:
    try:
        return controller.thread.isRunning()
    except RuntimeError:  # its Qt objects are gone already, and with them the thread
        return False
