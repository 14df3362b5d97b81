"""The inbox of a worker thread: commands queued from any thread, run on the worker's between
two turns of its loop (the training worker and the race worker share it)."""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import Any


def drain(
    inbox: queue.Queue, target: Any, wait: float, on_error: Callable[[Exception], None]
) -> None:
    """Run the commands queued in `inbox` as `command(target)`: wait up to `wait` seconds for
    the first (0: do not wait), then take every one already there. A command that raises is
    handed to `on_error` and the ones after it still run, so one bad request never stalls the
    loop."""
    try:
        command = inbox.get(timeout=wait) if wait > 0 else inbox.get_nowait()
    except queue.Empty:
        return
    while True:
        try:
            command(target)
        except Exception as error:
            on_error(error)
        try:
            command = inbox.get_nowait()
        except queue.Empty:
            return
