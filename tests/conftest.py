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

    if "simulator.app.controller" not in sys.modules:
        return
    from simulator.app.controller import LIVE_CONTROLLERS

    running = [c for c in list(LIVE_CONTROLLERS) if _is_running(c)]
    for controller in running:
        controller.shutdown()
    assert not running, f"{request.node.name} left {len(running)} training thread(s) running"


def _is_running(controller) -> bool:
    try:
        return controller.thread.isRunning()
    except RuntimeError:  # its Qt objects are gone already, and with them the thread
        return False
