"""Holds and stretches from the thigh's inclination: still, in the held position, for how long.

A thigh sensor cannot see a stretch or a bridge as such; it sees the thigh's
inclination. A hold is taken to be the thigh turning slower than ``still_deg_s``
while in the held position (``Step.position``):

- ``lying``: inclined at least ``position_deg[0]`` from standing (lying on the back,
  knee bent or straight): the rotation stretches, timed while the person lies still;
- ``lift``: lying, and at least ``lift_deg`` closer to standing than the thigh's
  resting level while lying (the highest level seen in the step): a bridge lifts the
  hips and brings the thigh toward the trunk's line;
- ``band``: inclined between ``position_deg[0]`` and ``position_deg[1]``.

A hold accumulates held time; it survives moving away for up to ``break_s`` (an
adjustment) and counts once its held time reaches ``hold_s``. Every decision is
made per sample, so results do not depend on how the stream was chunked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from tracker.workout.programs import Step

LYING_MIN_DEG = 45.0  # a lifted bridge still inclines the thigh at least this much


@dataclass(frozen=True)
class HoldEvent:
    """``reached`` (held ``hold_s``), ``long`` (past ``hold_max_s``) or ``ended``."""

    kind: str
    t_s: float
    held_s: float


class HoldTracker:
    """Follows holds in the pipeline's uniform inclination stream (see the module docstring).

    Parameters
    ----------
    step : Step
        A ``hold`` step: position, thresholds and durations.
    rate_hz : float
        Rate of the stream (the pipeline's grid).
    smooth_s : float
        Time constant of the first-order lowpass applied before the turning rate.
    """

    def __init__(self, step: Step, rate_hz: float = 100.0, smooth_s: float = 0.3):
        self.step = step
        self.dt_s = 1.0 / rate_hz
        self._alpha = self.dt_s / (smooth_s + self.dt_s)
        self.reset()

    def reset(self) -> None:
        """Forget everything: a new set starts."""
        self._zi: np.ndarray | None = None
        self._last: float | None = None
        self._rest_deg = -np.inf
        self.in_hold = False
        self.held_n = 0
        self.gap_n = 0
        self._reached = self._long = False

    @property
    def held_s(self) -> float:
        """Held time of the hold in progress (0 when none)."""
        return self.held_n * self.dt_s if self.in_hold else 0.0

    def push(self, t_s: np.ndarray, incl_deg: np.ndarray) -> list[HoldEvent]:
        """Take the next samples; return the holds reached, running long or ended in them."""
        held = self._held_mask(np.asarray(incl_deg, dtype=np.float64))
        if len(held) == 0:
            return []
        edges = np.flatnonzero(np.diff(held.astype(np.int8))) + 1
        starts = np.concatenate([[0], edges])
        stops = np.concatenate([edges, [len(held)]])
        events: list[HoldEvent] = []
        for a, b in zip(starts.tolist(), stops.tolist(), strict=True):  # runs, not samples
            if held[a]:
                self._held_run(t_s, a, b, events)
            elif self.in_hold:
                self._gap_run(t_s, a, b, events)
        return events

    # -- per run -----------------------------------------------------------------

    def _held_run(self, t_s, a: int, b: int, events: list[HoldEvent]) -> None:
        step = self.step
        if not self.in_hold:
            self.in_hold, self.held_n, self._reached, self._long = True, 0, False, False
        self.gap_n = 0
        before = self.held_n
        self.held_n += b - a
        for flag, limit, kind in (
            ("_reached", step.hold_s, "reached"),
            ("_long", step.hold_max_s, "long"),
        ):
            if limit is None or getattr(self, flag):
                continue
            need = int(np.ceil(limit / self.dt_s - 1e-9))
            if self.held_n >= need:
                setattr(self, flag, True)
                at = a + max(need - before, 1) - 1
                events.append(HoldEvent(kind, float(t_s[at]), need * self.dt_s))

    def _gap_run(self, t_s, a: int, b: int, events: list[HoldEvent]) -> None:
        limit = int(np.floor(self.step.break_s / self.dt_s)) + 1
        before = self.gap_n
        self.gap_n += b - a
        if self.gap_n >= limit:
            at = a + max(limit - before, 1) - 1
            events.append(HoldEvent("ended", float(t_s[at]), self.held_n * self.dt_s))
            self.in_hold, self.held_n, self.gap_n = False, 0, 0

    # -- per sample, vectorised ------------------------------------------------------

    def _held_mask(self, incl: np.ndarray) -> np.ndarray:
        ok = np.isfinite(incl)
        held = np.zeros(len(incl), dtype=bool)
        if not ok.any():
            return held
        x = incl[ok]
        if self._zi is None:
            self._zi = np.array([(1.0 - self._alpha) * x[0]])
            self._last = float(x[0])
        y, self._zi = lfilter([self._alpha], [1.0, self._alpha - 1.0], x, zi=self._zi)
        rate = np.diff(y, prepend=self._last) / self.dt_s
        self._last = float(y[-1])
        still = np.abs(rate) <= self.step.still_deg_s
        held[ok] = still & self._in_position(y)
        return held

    def _in_position(self, y: np.ndarray) -> np.ndarray:
        step = self.step
        lo, hi = step.position_deg
        if step.position == "band":
            return (y >= lo) & (y <= hi)
        if step.position == "lying":
            return y >= lo
        # lift: the resting level is the highest lying level seen so far (running max)
        lying = np.where(y >= lo, y, -np.inf)
        rest = np.maximum.accumulate(np.concatenate([[self._rest_deg], lying]))[1:]
        self._rest_deg = float(rest[-1])
        return (y >= LYING_MIN_DEG) & (rest - y >= step.lift_deg)
