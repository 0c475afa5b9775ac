"""The dashboard's headless model: updates and statuses in, coach events and immutable views out.

Live and replay feed the same ``Workout`` the same way, so the screen shows the
same thing from the same data. Nothing here imports Textual; a view is a frozen
snapshot with its own copies of the arrays (the screen shares no buffers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracker.core.sources import LinkView, SourceStatus
from tracker.core.types import Update
from tracker.workout.coach import Coach, CoachEvent, CoachState
from tracker.workout.programs import Program

SWAY_KEEP_S = 120.0  # longest balance trace kept for the stabilogram


@dataclass(frozen=True)
class ReplayInfo:
    """Where a replay stands."""

    position_s: float
    start_s: float
    end_s: float
    speed: float
    playing: bool


@dataclass(frozen=True, eq=False)
class WorkoutView:
    """Everything the workout screen shows, frozen (arrays are copies)."""

    t_s: float | None
    phase: str
    calibrated: bool
    inclination_deg: float | None
    trace_t_s: np.ndarray
    trace_deg: np.ndarray
    sway_deg: np.ndarray  # (n, 2) sagittal, frontal tilt of the current or last bout
    coach: CoachState
    link: LinkView
    note: str
    title: str
    simulated: bool
    recording: str | None = None
    recording_error: str | None = None
    problem: str | None = None
    replay: ReplayInfo | None = None
    arrival_s: float | None = None  # monotonic arrival of the newest sample shown
    program: str = ""  # the program's short name (the title's stand-in on a narrow screen)


class Workout:
    """Coach plus the rolling buffers a screen draws from.

    Parameters
    ----------
    program : Program
    painful_leg, sensor_leg : {"left", "right"}
    simulated : bool
        Data from the simulator: the screen says so.
    trace_s : float
        Length of the inclination trace.
    rate_hz : float
        The pipeline's grid rate.
    """

    def __init__(
        self,
        program: Program,
        *,
        painful_leg: str = "right",
        sensor_leg: str | None = None,
        simulated: bool = False,
        trace_s: float = 20.0,
        rate_hz: float = 100.0,
    ):
        self.program = program
        self.coach = Coach(program, painful_leg=painful_leg, sensor_leg=sensor_leg, rate_hz=rate_hz)
        self.simulated = simulated
        self.trace_s = trace_s
        self._t = np.empty(0)
        self._incl = np.empty(0)
        self._ahead = (np.empty(0), np.empty(0))  # provisional, past a lost-packet hole
        self._sway = np.empty((0, 2))
        self._sway_start: float | None = None
        self.phase = "calibrating"
        self.calibrated = False
        self.link = LinkView()
        self.note = ""
        self.recording: str | None = None
        self.recording_error: str | None = None
        self.problem: str | None = None
        self.reps: list = []  # every rep the pipeline reported, in order

    # -- input ---------------------------------------------------------------------

    def on_update(self, u: Update) -> list[CoachEvent]:
        """Take a pipeline update: buffers, then the coach."""
        if len(u.t_s):
            keep_from = u.t_s[-1] - self.trace_s
            cut = int(np.searchsorted(self._t, keep_from, "left"))
            self._t = np.concatenate([self._t[cut:], u.t_s])
            self._incl = np.concatenate([self._incl[cut:], u.inclination_deg])
            self._sway_update(u)
        self._ahead = (u.ahead_t_s, u.ahead_deg)
        self.phase, self.calibrated = u.phase, u.calibrated
        if u.notes:
            self.note = u.notes[-1]
        self.reps.extend(u.reps)
        return self.coach.update(u)

    def _sway_update(self, u: Update) -> None:
        live = u.balance
        if live is None:
            return
        if self._sway_start != live.start_s:
            self._sway_start, self._sway = live.start_s, np.empty((0, 2))
        rows = u.tilt_deg[u.t_s >= live.start_s]
        self._sway = np.concatenate([self._sway, rows])[-round(SWAY_KEEP_S * 100) :]

    def on_status(self, s: SourceStatus) -> None:
        """Take a source status: the link view."""
        link = self.link
        reconnects = link.reconnects + (s.kind == "connected" and link.lost)
        self.link = LinkView(
            state=s.kind if s.kind not in ("battery", "gap", "info") else link.state,
            detail=s.detail or (link.detail if s.kind in ("battery", "gap", "info") else ""),
            rate_hz=s.rate_hz if s.rate_hz is not None else link.rate_hz,
            loss_fraction=s.loss_fraction if s.loss_fraction is not None else link.loss_fraction,
            battery_pct=s.battery_pct if s.battery_pct is not None else link.battery_pct,
            reconnects=int(reconnects),
            since_s=s.t_s if s.kind != link.state else link.since_s,
        )

    def command(self, name: str) -> list[CoachEvent]:
        return self.coach.command(name)

    def finish(self) -> list[CoachEvent]:
        return self.coach.finish()

    # -- output --------------------------------------------------------------------

    def view(self, *, replay: ReplayInfo | None = None, arrival_s: float | None = None):
        """An immutable snapshot for the screen."""
        # The trace runs on through what arrived past a hole, provisionally bridged.
        t = np.concatenate([self._t, self._ahead[0]])
        incl = np.concatenate([self._incl, self._ahead[1]])
        finite = np.isfinite(incl)
        now = float(incl[finite][-1]) if finite.any() else None
        return WorkoutView(
            t_s=float(t[-1]) if len(t) else None,
            phase=self.phase,
            calibrated=self.calibrated,
            inclination_deg=now,
            trace_t_s=t,
            trace_deg=incl,
            sway_deg=self._sway.copy(),
            coach=self.coach.state(),
            link=self.link,
            note=self.note,
            title=self.program.title,
            program=self.program.name,
            simulated=self.simulated,
            recording=self.recording,
            recording_error=self.recording_error,
            problem=self.problem,
            replay=replay,
            arrival_s=arrival_s,
        )
