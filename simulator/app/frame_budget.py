"""How often the training worker should report while it trains flat out.

The worker and the GUI thread share one interpreter lock: every millisecond the views spend
drawing a report is a millisecond training waits. So the report rate follows what drawing costs
on this machine: as fast as the display wants when drawing is cheap, slower when it is dear, so
that drawing takes at most a set share of the time."""

from __future__ import annotations

# What the views may take of the wall clock while training runs flat out.
GUI_SHARE = 0.25
FASTEST_INTERVAL = 1 / 30  # one report per displayed frame, at most
SLOWEST_INTERVAL = 0.25  # the view stays live even on a slow machine
MEASURE_WINDOW = 0.5  # seconds of frames averaged before the interval is changed
CHANGE_THRESHOLD = 0.1  # relative change worth telling the worker about


class FrameBudget:
    """Feed it the GUI thread's CPU clock and the wall clock at each drawn frame
    (`frame_drawn`); it answers with a new report interval when one is due, else None."""

    def __init__(
        self,
        share: float = GUI_SHARE,
        fastest: float = FASTEST_INTERVAL,
        slowest: float = SLOWEST_INTERVAL,
        window: float = MEASURE_WINDOW,
    ) -> None:
        self.share = share
        self.fastest = fastest
        self.slowest = slowest
        self.window = window
        self.interval = fastest  # the interval last sent to the worker
        self._smoothed = fastest
        self._start: tuple[float, float] | None = None
        self._frames = 0

    def reset(self, interval: float | None = None) -> None:
        """Forget the measurements (training paused, or its speed changed); `interval`, when
        given, is what the worker was told to use instead."""
        if interval is not None:
            self.interval = self._smoothed = interval
        self._start = None
        self._frames = 0

    def frame_drawn(self, cpu_seconds: float, wall_seconds: float) -> float | None:
        """Count one frame; return the new interval when it changed enough to be sent."""
        if self._start is None:
            self._start = (cpu_seconds, wall_seconds)
            self._frames = 0
            return None
        self._frames += 1
        start_cpu, start_wall = self._start
        if wall_seconds - start_wall < self.window:
            return None
        cost = (cpu_seconds - start_cpu) / self._frames
        wanted = min(max(cost / self.share, self.fastest), self.slowest)
        # Half way towards the measurement: one slow frame (a resize, a dialog) moves it little.
        self._smoothed = 0.5 * (self._smoothed + wanted)
        self._start = (cpu_seconds, wall_seconds)
        self._frames = 0
        if abs(self._smoothed - self.interval) <= CHANGE_THRESHOLD * self.interval:
            return None
        self.interval = self._smoothed
        return self.interval
