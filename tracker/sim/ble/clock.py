"""The clock of a simulated radio: simulation seconds, paced against the wall clock or virtual."""

from __future__ import annotations

import asyncio
import time


class SimClock:
    """Seconds of a simulation.

    With a ``speed`` the simulation runs that many times faster than the wall clock
    once started (1.0: real time). With ``speed=None`` it is virtual: time moves
    only when the simulated sensor sends its next burst, as fast as the central
    takes them, so tests run in a fraction of the time and identically every run.
    """

    def __init__(self, speed: float | None = 1.0):
        if speed is not None and not speed > 0:
            raise ValueError(f"speed must be positive, not {speed!r}")
        self.speed = speed
        self._t_s = 0.0
        self._t0_s = 0.0
        self._wall0_s: float | None = None

    @property
    def paced(self) -> bool:
        return self.speed is not None

    def start(self, t_s: float) -> None:
        """Start the simulation at ``t_s`` (the first call counts)."""
        if self._wall0_s is None:
            self._t0_s, self._wall0_s = t_s, time.monotonic()
        self._t_s = max(self._t_s, t_s)

    def now(self) -> float:
        """The simulation's current time (s)."""
        if self.speed is not None and self._wall0_s is not None:
            return self._t0_s + (time.monotonic() - self._wall0_s) * self.speed
        return self._t_s

    async def sleep_until(self, t_s: float) -> None:
        """Wait for simulation time ``t_s`` (virtual: move there and let others run)."""
        if self.speed is not None:
            delay_s = (t_s - self.now()) / self.speed
            if delay_s > 0:
                await asyncio.sleep(delay_s)
        elif t_s > self._t_s:
            self._t_s = t_s
            await asyncio.sleep(0)
