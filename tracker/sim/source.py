"""The simulated sensor as an ``ImuSource``: a simulated session streamed in real time (or faster).

Samples are released when the stream's clock reaches them, ``speed`` times faster
than real time, in blocks of whatever became due since the last one (so a slow
consumer gets larger blocks, never a growing backlog of small ones). An optional
disconnect (``drop_at_s``) loses the samples of ``drop_for_s`` seconds, as a real
link does, and reports the loss and the reconnection as statuses.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import numpy as np

from tracker.core.sources import SourceData, SourceItem, SourceStatus

STATUS_EVERY_S = 5.0  # stream seconds between rate and loss reports


class SimulatedSource:
    """Stream a ``SimSession``'s samples on the running event loop.

    Parameters
    ----------
    session : tracker.sim.SimSession
    speed : float
        Stream seconds per wall-clock second.
    drop_at_s : float, optional
        Stream time of a simulated disconnect.
    drop_for_s : float
        Stream seconds without a connection; their samples are lost.
    block_s : float
        Wall-clock seconds between releases.
    battery_pct : int
        Reported battery level.
    clock : callable
        Monotonic seconds.
    """

    simulated = True

    def __init__(
        self,
        session,
        *,
        speed: float = 1.0,
        drop_at_s: float | None = None,
        drop_for_s: float = 4.0,
        block_s: float = 0.02,
        battery_pct: int = 87,
        clock: Callable[[], float] = time.monotonic,
    ):
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.session = session
        self.block = session.block
        self.rate_hz = float(session.sensor.rate_hz)
        self.speed = float(speed)
        self.drop_at_s = drop_at_s
        self.drop_for_s = float(drop_for_s)
        self.block_s = float(block_s)
        self.battery_pct = battery_pct
        self.clock = clock
        self.description = f"simulated sensor ({session.kind}, seed {session.seed})"
        self.delivered = 0
        self.reconnects = 0
        self._kept_index = np.flatnonzero(session.kept)
        self._closed = False

    async def aclose(self) -> None:
        self._closed = True

    def _lost_fraction(self, upto: int) -> float:
        """Fraction of the sensor's samples up to block index ``upto`` that never arrived."""
        if upto <= 0:
            return 0.0
        expected = int(self._kept_index[upto - 1]) + 1
        return float(1.0 - self.delivered / expected)

    async def _wait_until(self, start: float, t0: float, stream_s: float) -> None:
        while not self._closed and t0 + (self.clock() - start) * self.speed < stream_s:
            await asyncio.sleep(self.block_s)

    async def stream(self) -> AsyncIterator[SourceItem]:
        t = self.block.t_s
        if len(t) == 0:
            yield SourceStatus("stopped", 0.0, "the simulated session is empty")
            return
        t0, n = float(t[0]), len(t)
        info = {"battery_pct": self.battery_pct, "rate_hz": self.rate_hz}
        yield SourceStatus("connecting", t0, self.description)
        yield SourceStatus("connected", t0, self.description, **info)
        yield SourceStatus("streaming", t0, rate_hz=self.rate_hz)
        start = self.clock()
        i, next_status = 0, t0 + STATUS_EVERY_S
        drop = self.drop_at_s
        while i < n and not self._closed:
            now = t0 + (self.clock() - start) * self.speed
            if drop is not None and now >= drop:
                yield SourceStatus("disconnected", drop, "connection lost (simulated)")
                yield SourceStatus("reconnecting", drop, "reconnecting, attempt 1")
                resume = drop + self.drop_for_s
                await self._wait_until(start, t0, resume)
                i = max(i, int(np.searchsorted(t, resume, "left")))  # lost while away
                self.reconnects += 1
                yield SourceStatus("connected", resume, "reconnected", **info)
                yield SourceStatus("streaming", resume, rate_hz=self.rate_hz)
                drop = None
                continue
            j = int(np.searchsorted(t, now, "right"))
            if drop is not None:
                j = min(j, int(np.searchsorted(t, drop, "left")))
            if j > i:
                self.delivered += j - i
                yield SourceData(self.block.slice(i, j))
                i = j
            if now >= next_status:
                window = np.count_nonzero((t > now - STATUS_EVERY_S) & (t <= now))
                yield SourceStatus(
                    "streaming",
                    now,
                    rate_hz=window / STATUS_EVERY_S,
                    loss_fraction=self._lost_fraction(i),
                    battery_pct=self.battery_pct,
                )
                next_status = now + STATUS_EVERY_S
            await asyncio.sleep(self.block_s)
        if not self._closed:
            yield SourceStatus("stopped", float(t[-1]), "the simulated session ended")
