"""Live, causal signs that a timed trial is over: the lifted foot down, a step, the stands done.

These only decide when to give the stop cue; the trial's numbers come afterwards from
the whole recording (``scoring.score_trace``), which also sees the data after the end.
They judge the pipeline's updates block by block, with state carried between blocks.
"""

from __future__ import annotations

import numpy as np

from tracker.clinic.timing import LEAN_MIN_DEG, STEP_DEG
from tracker.core.types import Update
from tracker.engine.dsp.filters import Lowpass, RunLength, RunningSum

SMOOTH_S = 0.25  # causal smoothing of the tilt
LIFTED_S = 0.5  # lean held this long: on one leg
SETTLE_S = 1.0  # the stance's direction is taken over this first second
DOWN_FRACTION = 0.3  # lean back below this share of the stance's: the foot is down
DOWN_S = 0.3


class LiveStance:
    """Watches a single-leg stance (``single_leg``) or a stance on both feet for its end.

    ``lifted_s``: when the single-leg stance began (None before); ``ended_s``: when the
    end was seen (foot down or step), None while the stance goes on.
    """

    def __init__(self, rate_hz: float, *, single_leg: bool = True):
        dt = 1.0 / rate_hz
        self.rate_hz = rate_hz
        self.single_leg = single_leg
        self._tilt = Lowpass(SMOOTH_S, dt)
        self._incl = Lowpass(SMOOTH_S, dt)
        self._on = RunLength()
        self._down = RunLength()
        self._sum = RunningSum((3,))  # tilt x, y, inclination over the settling second
        self._settled_n = 0
        self._level_deg: float | None = None  # the stance's inclination
        self._u: np.ndarray | None = None
        self._size = 0.0
        self.lifted_s: float | None = None if single_leg else -np.inf
        self.ended_s: float | None = None
        self.ended_by: str | None = None

    def _n(self, seconds: float) -> int:
        return max(1, round(seconds * self.rate_hz))

    def update(self, update: Update) -> None:
        ok = np.isfinite(update.inclination_deg)
        if self.ended_s is not None or not ok.any():
            return
        t = update.t_s[ok]
        tilt = self._tilt(update.tilt_deg[ok])
        incl = self._incl(update.inclination_deg[ok])
        i = 0
        if self.lifted_s is None:
            lean = np.linalg.norm(tilt, axis=1)
            runs = self._on(lean > LEAN_MIN_DEG)
            hits = np.flatnonzero(runs >= self._n(LIFTED_S))
            if not len(hits):
                return
            i = int(hits[0])
            self.lifted_s = float(t[max(0, i - int(runs[i]) + 1)])
        self._settle(tilt[i:], incl[i:])
        if self._level_deg is None:
            return
        step = incl[i:] > self._level_deg + STEP_DEG
        down = np.zeros(len(step), dtype=bool)
        if self.single_leg and self._u is not None:
            down = (tilt[i:] @ self._u) < DOWN_FRACTION * self._size
        runs = self._down(down)
        ended = step | (runs >= self._n(DOWN_S))
        if ended.any():
            k = int(np.argmax(ended))
            self.ended_by = "step" if step[k] else "foot_down"
            self.ended_s = float(t[i + k])

    def _settle(self, tilt: np.ndarray, incl: np.ndarray) -> None:
        """Average the first second of the stance: its direction and inclination."""
        need = self._n(SETTLE_S) - self._settled_n
        if need <= 0 or not len(tilt):
            return
        take = min(need, len(tilt))
        self._sum(np.column_stack([tilt[:take], incl[:take]]))
        self._settled_n += take
        if self._settled_n >= self._n(SETTLE_S):
            mean = self._sum.total / self._settled_n
            self._level_deg = float(mean[2])
            self._size = float(np.hypot(mean[0], mean[1]))
            self._u = mean[:2] / self._size if self._size > 0 else None
