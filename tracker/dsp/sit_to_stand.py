"""Sit-to-stand: rises counted from the thigh turning from seated (horizontal) to standing.

With ``--exercise sit_to_stand`` the recording starts seated, so the calibration
posture is the seated thigh and the inclination measured from it grows to about
90° on standing. A rise starts where the thigh leaves its seated level and ends
where it has stopped near standing; the five-times-sit-to-stand time runs from the
start of the first rise to the end of the fifth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracker.dsp.filters import RunLength
from tracker.dsp.history import History
from tracker.types import Stand


@dataclass(frozen=True)
class RiseConfig:
    seated_deg: float = 30.0  # below this (from the seated posture): sitting
    standing_deg: float = 60.0  # beyond this: standing
    seated_margin_deg: float = 3.0  # near the seated level: within this
    still_rate_deg_s: float = 3.0  # and slower than this: not rising yet
    stop_rate_deg_s: float = 15.0  # slower than this near standing: the rise is over
    stop_hold_s: float = 0.15
    timed_stands: int = 5  # the five-times test


class RiseDetector:
    """Counts rises in the uniform stream held in ``history`` (column ``incl``)."""

    def __init__(
        self, history: History, rate_hz: float, config: RiseConfig | None = None, start: int = 0
    ):
        self.config = config or RiseConfig()
        self.history = history
        self.rate_hz = rate_hz
        # A rise's start is judged on a centred speed, which needs samples past the
        # crossing into standing: the detector stays this far behind the newest sample.
        self._half = self._n(0.05)
        self._next = start
        self._seated_since = start  # the last time the thigh was seated
        self._standing_at: int | None = None  # crossed into standing here; end not yet found
        self._stopped = RunLength()
        self.stands: list[Stand] = []
        self.phase = "seated"

    def _n(self, seconds: float) -> int:
        return max(1, round(seconds * self.rate_hz))

    def update(self) -> list[Stand]:
        cfg = self.config
        h = self.history
        first, end = max(self._next, h.start), h.end - self._half
        if end <= first:
            return []
        incl = h.window("incl", first, end)
        # Angular speed of the inclination over 0.1 s, from history so blocks do not matter.
        lag = self._n(0.1)
        before = h.window("incl", first - lag, end)
        if len(before) == len(incl) + lag:
            speed = np.abs(incl - before[: len(incl)]) * (self.rate_hz / lag)
        else:  # the very start: not enough history behind
            speed = np.full(len(incl), np.inf)
            speed[lag:] = np.abs(incl[lag:] - incl[:-lag]) * (self.rate_hz / lag)
        stopped_runs = self._stopped(speed < cfg.stop_rate_deg_s)
        self._next = end
        found = []
        i = 0
        while i < len(incl):
            if self.phase == "standing":
                down = np.flatnonzero(incl[i:] < cfg.seated_deg)
                if not len(down):
                    break
                i += int(down[0])
                self._seated_since = first + i
                self.phase = "seated"
            elif self._standing_at is None:  # seated, or on the way up
                up = np.flatnonzero(incl[i:] >= cfg.standing_deg)
                stop = i + int(up[0]) if len(up) else len(incl)
                seated = np.flatnonzero(incl[i:stop] < cfg.seated_deg)
                if len(seated):
                    self._seated_since = first + i + int(seated[-1])
                if not len(up):
                    self.phase = "seated" if incl[-1] < cfg.seated_deg else "rising"
                    break
                self._standing_at = first + stop
                self.phase = "rising"
                i = stop
            else:  # standing reached: the rise ends once the thigh has stopped
                hold = self._n(cfg.stop_hold_s)
                hits = np.flatnonzero(stopped_runs[i:] >= hold)
                if not len(hits):
                    break
                k = i + int(hits[0])
                found.append(self._rise(max(first + k - hold + 1, self._standing_at), len(found)))
                self._standing_at = None
                self.phase = "standing"
                i = k + 1
        self.stands += found
        return found

    def finish(self) -> list[Stand]:
        return []

    def _rise(self, end: int, earlier_in_push: int) -> Stand:
        """The rise that crossed into standing before ``end``.

        It starts where the thigh was last still (under ``still_rate_deg_s``) near its
        seated level: a smooth rise leaves that level slowly, but its speed grows at once.
        """
        cfg = self.config
        h = self.history
        half = self._half  # centred speed over 0.1 s
        lo = max(self._seated_since - self._n(2.0), h.start + half)
        incl = h.window("incl", lo, self._standing_at + 1)
        ahead = h.window("incl", lo + half, self._standing_at + 1 + half)
        behind = h.window("incl", lo - half, self._standing_at + 1 - half)
        speed = np.abs(ahead - behind) * (self.rate_hz / (2 * half))
        seated_level = float(np.nanmin(incl)) if len(incl) else 0.0
        near_seat = incl <= seated_level + cfg.seated_margin_deg
        still = np.flatnonzero(near_seat & (speed < cfg.still_rate_deg_s))
        left = np.flatnonzero(near_seat)
        start = lo + int((still if len(still) else left)[-1]) if len(left) else lo
        return Stand(
            index=len(self.stands) + earlier_in_push + 1,
            start_s=float(h.at("t", start)),
            end_s=float(h.at("t", end)),
        )

    def summary(self) -> dict:
        n = self.config.timed_stands
        timed = None
        if len(self.stands) >= n:
            timed = round(self.stands[n - 1].end_s - self.stands[0].start_s, 6)
        return {
            "stands": len(self.stands),
            "duration_s": timed,
            "rises": [s.to_json() for s in self.stands],
        }
