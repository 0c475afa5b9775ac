"""What the assessment screens draw: a frozen ``AssessView``, and the trial's traces behind it.

Textual-free, like ``tracker.workout.view``: the arrays in a view are copies (the screen shares no
buffers with the worker that fills them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracker.clinic.assessment import AssessmentState, Cue
from tracker.core.sources import LinkView

TRACE_S = 20.0  # inclination shown
TRIAL_PHASES = ("countdown", "hold_still", "running", "stopping")


@dataclass(frozen=True, eq=False)
class AssessView:
    """Everything the assessment screens show, frozen (arrays are copies)."""

    t_s: float | None
    link: LinkView
    simulated: bool
    source: str
    problem: str | None
    patient: dict | None
    visit: dict | None
    state: AssessmentState | None
    trace_t_s: np.ndarray
    trace_deg: np.ndarray
    sway_deg: np.ndarray  # (n, 2) thigh tilt: since lift-off, or the last trial's
    sway_live: bool
    flash: Cue | None
    waiting: str
    results: dict | None  # visit_results of the visit (the same as `tracker assess results`)
    results_version: int


class TrialTrace:
    """The running trial's inclination (last ``TRACE_S``) and tilt since lift-off."""

    def __init__(self) -> None:
        self.t_s = np.empty(0)
        self.inclination_deg = np.empty(0)
        self._tilt = np.empty((0, 2))
        self._tilt_t = np.empty(0)
        self.lift_s: float | None = None

    def add(self, update, state: AssessmentState) -> None:
        """Keep a pipeline update; ``state`` tells when the foot lifted (the live hold)."""
        if update is None or not len(update.t_s):
            return
        cut = int(np.searchsorted(self.t_s, update.t_s[-1] - TRACE_S, "left"))
        self.t_s = np.concatenate([self.t_s[cut:], update.t_s])
        self.inclination_deg = np.concatenate([self.inclination_deg[cut:], update.inclination_deg])
        self._tilt = np.concatenate([self._tilt, update.tilt_deg])
        self._tilt_t = np.concatenate([self._tilt_t, update.t_s])
        if self.lift_s is None and state.live_label == "holding" and state.live_value:
            self.lift_s = float(update.t_s[-1]) - state.live_value

    def sway(self, assessment, protocol) -> tuple[np.ndarray, bool]:
        """(tilt path, live): since lift-off during a single-leg trial, else the last
        trial's stabilogram (``score_trace``'s), else nothing."""
        a = assessment
        if a is None:
            return np.empty((0, 2)), False
        c = a.condition
        single = protocol.test == "stance" and c is not None and c.start == "lift_off"
        if a.phase in TRIAL_PHASES and single:
            if self.lift_s is None:
                return np.empty((0, 2)), True
            return self._tilt[self._tilt_t >= self.lift_s], True
        stab = (a.last_result or {}).get("stabilogram")
        if a.phase in ("result", "done") and stab:
            return np.column_stack([stab["x_deg"], stab["y_deg"]]), False
        return np.empty((0, 2)), False
