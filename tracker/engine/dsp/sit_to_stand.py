"""Sit-to-stand: rises counted from the thigh turning from its seated level up to standing.

With ``--exercise sit_to_stand`` the recording starts seated, so the calibration
posture is the seated thigh and the inclination measured from it grows on standing.
How far it grows is the person's own: 60-90° from a higher chair or with the sensor on
soft tissue, less again when the accelerometer reads off. So a rise is the thigh
turning at least ``rise_deg`` up from the level it sat at, and standing is the top it
reaches, whether the person pauses there or turns straight back down. A rise starts
where the thigh was last still near its seated level and ends where it arrives within
``arrive_deg`` of that top; the five-times-sit-to-stand time runs from the start of the
first rise to the end of the fifth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracker.core.types import Stand
from tracker.engine.dsp.filters import RunLength
from tracker.engine.dsp.lookback import Lookback


@dataclass(frozen=True)
class RiseConfig:
    rise_deg: float = 30.0  # up this far from the seated level: a rise (shifting on a seat is less)
    turn_deg: float = 5.0  # down this far from the top: the top is known
    stop_rate_deg_s: float = 15.0  # slower than this for `stop_hold_s` at the top: known too
    stop_hold_s: float = 0.3
    arrive_deg: float = 3.0  # within this of the top: standing reached, the rise ended
    seat_margin_deg: float = 3.0  # within this of the seated level ...
    still_rate_deg_s: float = 3.0  # ... and slower than this: not risen yet
    timed_stands: int = 5  # the five-times test
    window_s: float = 30.0  # the 30-second chair stand: stands completed this long after
    # the first rise began
    seat_lookback_s: float = 30.0  # a rise's start is looked for this far before it passed
    # `rise_deg` (seated longer, the seat is the lowest level within this)
    max_rise_s: float = 10.0  # still climbing this long after that: standing is the top so far

    @property
    def reach_s(self) -> float:
        """How far before its newest sample a stand's measurement can look."""
        return self.seat_lookback_s + self.max_rise_s


class RiseDetector:
    """Counts rises in the uniform stream held in ``history`` (column ``incl``)."""

    def __init__(
        self, history: Lookback, rate_hz: float, config: RiseConfig | None = None, start: int = 0
    ):
        self.config = config or RiseConfig()
        self.history = history
        self.rate_hz = rate_hz
        self._next = start
        self._seat: tuple[int, float] | None = None  # lowest while seated (index, deg)
        self._rise: int | None = None  # where the rising thigh passed `rise_deg`
        self._top: tuple[int, float] | None = None  # highest since then
        self._slow = RunLength()
        self.stands: list[Stand] = []
        self.silences_s: list[tuple[float, float]] = []  # (last sample before, first after)
        self.phase = "seated"

    def _n(self, seconds: float) -> int:
        return max(1, round(seconds * self.rate_hz))

    def update(self) -> list[Stand]:
        h = self.history
        pos = max(self._next, h.start)
        found = []
        lag = self._n(0.1)
        incl = h.window("incl", pos, h.end)
        speed = h.change("incl", pos, h.end, lag) * (self.rate_hz / lag)
        slow_runs = self._slow(speed < self.config.stop_rate_deg_s)
        silences = np.flatnonzero(h.window("silence", pos, h.end)).tolist()
        i = 0
        while i < len(incl):
            if silences and i >= silences[0]:
                self._after_silence(pos + silences.pop(0))
            part = incl[: silences[0]] if silences else incl  # nothing followed across one
            if self._rise is None:
                i = self._while_seated(pos, part, i)
            elif self.phase == "rising":
                i, stand = self._while_rising(pos, part, slow_runs, i)
                if stand:
                    self.stands.append(stand)
                    found.append(stand)
            else:
                i = self._while_standing(pos, part, i)
        self._next = h.end
        return found

    def _after_silence(self, first: int) -> None:
        """Samples went missing before ``first``: a rise in progress is not timed across
        them, and the seat is looked for again in what follows."""
        h = self.history
        self.silences_s.append((float(h.at("t", first - 1)), float(h.at("t", first))))
        self._seat = self._rise = self._top = None
        self.phase = "seated"

    def finish(self) -> list[Stand]:
        """A rise still climbing when the data end reached its top at the last sample."""
        if self.phase != "rising" or self._top is None:
            return []
        stand = self._stand()
        self.stands.append(stand)
        self.phase = "standing"
        return [stand]

    # -- the course of a rise -------------------------------------------------------

    def _while_seated(self, pos: int, incl: np.ndarray, i: int) -> int:
        cfg = self.config
        seat_deg = np.inf if self._seat is None else self._seat[1]
        lowest = np.minimum.accumulate(np.minimum(incl[i:], seat_deg))
        up = np.flatnonzero(incl[i:] >= lowest + cfg.rise_deg)
        stop = i + (int(up[0]) if len(up) else len(incl) - i)
        if stop > i:
            k = i + int(np.argmin(incl[i:stop]))
            if incl[k] < seat_deg:
                self._seat = (pos + k, float(incl[k]))
        if not len(up):
            return len(incl)
        self._rise = pos + stop
        self._top = (pos + stop, float(incl[stop]))
        self.phase = "rising"
        return stop + 1

    def _while_rising(self, pos, incl, slow_runs, i) -> tuple[int, Stand | None]:
        """Follow the top until the thigh turns down from it or stops there."""
        assert self._top is not None  # set on starting to rise
        cfg = self.config
        top_deg = self._top[1]
        highest = np.maximum.accumulate(np.maximum(incl[i:], top_deg))
        slow = slow_runs[i : len(incl)] >= self._n(cfg.stop_hold_s)
        known = (incl[i:] <= highest - cfg.turn_deg) | slow
        known |= pos + np.arange(i, len(incl)) - self._rise >= self._n(cfg.max_rise_s)
        hits = np.flatnonzero(known)
        stop = i + (int(hits[0]) if len(hits) else len(incl) - i)
        if stop > i:
            k = i + int(np.argmax(incl[i:stop]))
            if incl[k] > top_deg:
                self._top = (pos + k, float(incl[k]))
        if not len(hits):
            return len(incl), None
        stand = self._stand()
        self.phase = "standing"
        return stop + 1, stand

    def _while_standing(self, pos: int, incl: np.ndarray, i: int) -> int:
        """Back down by a rise's worth: seated again, looking for the next rise."""
        assert self._top is not None  # set on starting to rise
        down = np.flatnonzero(incl[i:] <= self._top[1] - self.config.rise_deg)
        if not len(down):
            return len(incl)
        k = i + int(down[0])
        self._seat = (pos + k, float(incl[k]))
        self._rise = None
        self.phase = "seated"
        return k + 1

    def _stand(self) -> Stand:
        """The rise that just reached its top: from leaving the seat to arriving at the top."""
        assert self._seat is not None and self._top is not None and self._rise is not None
        cfg = self.config
        h = self.history
        # Looked for over a fixed span before the rise, so how the stream was cut (and
        # so how far the history reaches) never decides where a rise began.
        first = max(self._seat[0], self._rise - self._n(cfg.seat_lookback_s))
        top_at, top_deg = self._top
        climb = h.window("incl", first, top_at + 1)
        before = climb[: self._rise - first + 1]
        seat_deg = float(before.min())  # the seat's level unless that is older than the span
        # A rise leaves the seat slowly but speeds up at once: it starts at the last
        # still moment near the seat (or, with none, the last moment near it).
        lag = self._n(0.1)
        near = before <= seat_deg + cfg.seat_margin_deg
        speed = h.change("incl", first, self._rise + 1, lag) * (self.rate_hz / lag)
        still = np.flatnonzero(near & (speed < cfg.still_rate_deg_s))
        left = still if len(still) else np.flatnonzero(near)
        start = first + int(left[-1])
        arrived = np.flatnonzero(climb >= top_deg - cfg.arrive_deg)
        end = first + int(arrived[0])
        return Stand(
            index=len(self.stands) + 1,
            start_s=float(h.at("t", start)),
            end_s=float(h.at("t", end)),
        )

    def silent_within(self, stands: int | None) -> float:
        """Seconds of data missing within the five-times time (the first ``stands``
        stands), or within the chair stand's window when ``stands`` is None."""
        if not self.stands:
            return 0.0
        first = self.stands[0].start_s
        last = first + self.config.window_s if stands is None else self.stands[stands - 1].end_s
        return sum(
            after - before for before, after in self.silences_s if first < after and before < last
        )

    def summary(self) -> dict:
        n = self.config.timed_stands
        timed = None
        if len(self.stands) >= n and not self.silent_within(n):
            timed = round(self.stands[n - 1].end_s - self.stands[0].start_s, 6)
        window = None
        if self.stands and not self.silent_within(None):
            close = self.stands[0].start_s + self.config.window_s
            window = sum(1 for s in self.stands if s.end_s <= close)
        return {
            "stands": len(self.stands),
            "duration_s": timed,
            "stands_in_30s": window,
            "rises": [s.to_json() for s in self.stands],
        }
