"""Repetitions from thigh inclination: hysteresis, a minimum depth, and strides told apart.

A rep is the thigh inclining from standing by at least ``min_depth_deg`` and coming
back. The detector triggers on the depth, follows the bottom, and ends the rep when
the thigh is back at its standing level, has stopped, or starts the next rep. It
then waits ``confirm_s`` before reporting: a walking stride looks like a fast
shallow rep, but the thigh swings on past standing into extension (behind the
body) just after it, and came from extension just before it; a squat never does.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

import numpy as np
from scipy.signal import butter

from tracker.dsp.filters import ZeroPhase
from tracker.dsp.history import History
from tracker.dsp.smoothness import ldlj, sparc
from tracker.frames import DEG, norm, unit
from tracker.types import Rep, RepSet


@dataclass(frozen=True)
class RepConfig:
    min_depth_deg: float = 10.0  # the contract's default minimum depth
    min_duration_s: float = 0.5  # quicker than this is a shake (even fast reps take ~1 s)
    standing_deg: float = 5.0  # back below this counts as returning to standing
    stop_rate_deg_s: float = 2.0  # slower than this along the rep's plane: stopped
    restart_deg: float = 1.0  # rising this much from the lowest point: the next rep began
    return_timeout_s: float = 0.5  # longest wait for the end after returning below standing
    confirm_s: float = 0.3  # look past the end for extension before reporting
    stride_lookback_s: float = 1.2  # look before the start for extension
    extension_deg: float = 5.0  # behind standing by this much: a stride, not a rep
    baseline_window_s: float = 2.0  # where the standing level before a rep is taken from
    set_gap_s: float = 12.0  # a longer pause between reps starts a new set
    max_down_s: float = 240.0  # still down after this long: no rep (the history must reach)
    shape_pad_s: float = 1.0  # angular speed taken this far either side of a rep
    smooth_cutoff_hz: float = 6.0  # angular speed lowpass before SPARC and LDLJ
    wobble_path_cutoff_hz: float = 1.0  # the rep's smooth side-to-side path

    @property
    def reach_s(self) -> float:
        """How far before its newest sample a rep's measurement can look."""
        return (
            self.max_down_s
            + self.return_timeout_s
            + self.confirm_s
            + max(self.baseline_window_s + self.stride_lookback_s, self.shape_pad_s)
        )


@dataclass
class _Candidate:
    after: int  # end of the previous candidate: this one cannot start before it
    trigger: int  # first sample at or beyond the minimum depth
    bottom: int
    bottom_deg: float
    rising: bool = False  # clearly on the way up from `bottom` as the last push ended
    returned: int | None = None  # first sample back below standing
    direction: np.ndarray | None = None  # unit tilt direction at the bottom (sensor frame)
    baseline_deg: float = 0.0  # standing level along `direction` before the rep
    end: int | None = None


@dataclass
class RepState:
    """What the detector is doing now, for a live display."""

    phase: str = "standing"  # standing | descending | ascending
    notes: list[str] = field(default_factory=list)


class RepDetector:
    """Counts reps on the uniform stream held in ``history``.

    ``update`` is called after each push has been appended to ``history`` with
    columns ``t``, ``incl`` (deg), ``up`` (n, 3) and ``rate`` (n, 3, rad/s).
    """

    def __init__(
        self,
        history: History,
        rate_hz: float,
        up_axis: np.ndarray,
        config: RepConfig | None = None,
        *,
        start: int = 0,
    ):
        self.config = config or RepConfig()
        self.history = history
        self.rate_hz = rate_hz
        self.up_axis = up_axis
        self._candidate: _Candidate | None = None
        self._pending: list[_Candidate] = []  # ended, waiting for confirmation
        self._next = start  # next sample to examine
        self._last_end = start  # end of the previous candidate
        self._reps: list[Rep] = []
        self._sets = _SetGrouper(self.config.set_gap_s)
        self.state = RepState()
        # (confirmation sample, depth, tilt direction, counted) of every rep and stride:
        # they all move along the flexion axis, from which "forward" is known.
        self.directions: list[tuple[int, float, np.ndarray, bool]] = []
        self._scatter: list = []  # running sums of depth * d d^T over `directions`
        cfg = self.config
        self._smooth_speed = ZeroPhase(butter(2, cfg.smooth_cutoff_hz, fs=rate_hz, output="sos"))
        self._path = ZeroPhase(butter(2, cfg.wobble_path_cutoff_hz, fs=rate_hz, output="sos"))

    def _n(self, seconds: float) -> int:
        return max(1, round(seconds * self.rate_hz))

    def update(self) -> tuple[list[Rep], list[RepSet]]:
        """Advance over the newest samples; return reps confirmed and sets closed."""
        self.state.notes = []
        h = self.history
        pos = max(self._next, h.start)  # absolute index of the next sample to examine
        while True:
            c = self._candidate
            if c is None:
                incl = h.window("incl", pos, h.end)
                deep = np.flatnonzero(incl >= self.config.min_depth_deg)
                if len(deep) == 0:
                    pos = h.end
                    break
                k = int(deep[0])
                self._candidate = _Candidate(self._last_end, pos + k, pos + k, float(incl[k]))
                pos += k + 1
            elif c.returned is None:
                # Given up at a fixed sample, so that how the stream was cut cannot
                # decide what of the candidate's start the history still holds.
                deadline = c.trigger + self._n(self.config.max_down_s)
                incl = h.window("incl", pos, min(h.end, deadline))
                stop, returned = self._returning(c, pos, incl)
                if stop and incl[:stop].max() > c.bottom_deg:
                    k = int(np.argmax(incl[:stop]))
                    c.bottom, c.bottom_deg = pos + k, float(incl[k])
                if not returned and stop < len(incl):  # deeper again: look on from there
                    pos += stop
                    continue
                if stop == len(incl) and pos + stop == deadline:
                    self.state.notes.append(
                        f"not a rep: still down after {self.config.max_down_s:.0f} s"
                    )
                    self._candidate, self._last_end, pos = None, deadline, deadline
                    continue
                if stop == len(incl):
                    pos = h.end
                    break
                pos += stop
                self._begin_return(c, pos)
            else:
                end = self._find_end(c)
                if end is None:
                    break
                c.end = self._last_end = end
                self._pending.append(c)
                self._candidate = None
                pos = end + 1
        self._next = pos
        reps = self._confirm_ready()
        closed = []
        if h.end:
            # A candidate still in play may yet join the open set: wait for its verdict.
            open_triggers = [c.trigger for c in [*self._pending, self._candidate] if c]
            busy_s = float(h.at("t", min(open_triggers))) if open_triggers else None
            closed = self._sets.close_if_idle(float(h.at("t", h.end - 1)), busy_s)
        self.state.phase = self._phase()
        return reps, closed

    def forward(self, before: int | None = None) -> np.ndarray | None:
        """Where flexion goes (unit, sensor frame), from reps and strides confirmed before a sample.

        The axis is the principal direction of their tilts (strides swing both ways
        along it); its sign is the counted reps' (a squat flexes).
        """
        # Confirmed in order: those before a sample are a prefix.
        n = len(self.directions)
        if before is not None:
            n = bisect_left([e[0] for e in self.directions], before)
        if n == 0:
            return None
        seen = self.directions[:n]
        axis = np.linalg.eigh(self._scatter[n - 1])[1][:, -1]
        sign = sum(depth * float(d @ axis) for _, depth, d, counted in seen if counted)
        return -axis if sign < 0 else axis

    def finish(self) -> tuple[list[Rep], list[RepSet]]:
        """End of stream: confirm what can be, close the open set."""
        reps = self._confirm_ready(final=True)
        return reps, self._sets.close()

    # -- the rep's course ---------------------------------------------------

    def _along(self, first: int, stop: int, direction: np.ndarray) -> np.ndarray:
        """Tilt (deg) along ``direction``: + toward the rep's bottom, - behind standing."""
        up = self.history.window("up", first, stop)
        return np.arcsin(np.clip(up @ direction, -1.0, 1.0)) * DEG

    def _returning(self, c: _Candidate, pos: int, incl: np.ndarray) -> tuple[int, bool]:
        """Offset in ``incl`` (from sample ``pos``) where the thigh is back at standing,
        and whether it is; else where to look on from (the end of ``incl``, or where the
        thigh went deeper again after rising, so that pushes cut anywhere agree).

        Back below ``standing_deg``; or, once clearly on the way up (the minimum
        depth below the bottom), back within ``standing_deg`` of the standing level
        before the rep along the rep's own direction: standing on one leg, the thigh
        stays leaning a few degrees sideways after the rep, and that lean (or a
        shake) should not hold the rep open.
        """
        cfg = self.config
        back = np.flatnonzero(incl < cfg.standing_deg)
        stop = int(back[0]) if len(back) else len(incl)
        if c.rising:  # on the way up already: it stays so until the thigh goes deeper
            up_from, top = 0, c.bottom_deg
        else:
            peak = np.maximum.accumulate(np.maximum(incl, c.bottom_deg))
            rising = np.flatnonzero(incl[:stop] <= peak[:stop] - cfg.min_depth_deg)
            if len(rising) == 0:
                return stop, stop < len(incl)
            up_from = int(rising[0])
            top = float(peak[up_from])
        # The bottom is fixed from here until the thigh goes deeper again.
        deeper = np.flatnonzero(incl[up_from:stop] > top)
        until = up_from + int(deeper[0]) if len(deeper) else stop
        bottom = c.bottom if top == c.bottom_deg else pos + int(np.argmax(incl[:up_from]))
        direction = self._direction(bottom)
        home_deg = self._level_before(c, direction) + cfg.standing_deg
        along = self._along(pos + up_from, pos + until, direction)
        home = np.flatnonzero(along <= home_deg)
        if len(home):
            return up_from + int(home[0]), True
        c.rising = until == stop  # went deeper: look afresh from there
        return (until, False) if until < stop else (stop, stop < len(incl))

    def _direction(self, index: int) -> np.ndarray:
        """Unit direction of the thigh's tilt from standing at a sample (sensor frame)."""
        up = self.history.at("up", index)
        return unit(up - np.dot(up, self.up_axis) * self.up_axis)

    def _level_before(self, c: _Candidate, direction: np.ndarray) -> float:
        """Standing level along ``direction`` in the seconds before the trigger."""
        first = max(c.trigger - self._n(self.config.baseline_window_s), c.after)
        before = self._along(first, c.trigger + 1, direction)
        # Never behind the standing reference: before a rep that follows walking the
        # lowest point is a stride's extension, not standing.
        return max(float(before.min()), 0.0) if len(before) else 0.0

    def _begin_return(self, c: _Candidate, returned: int) -> None:
        c.returned = returned
        c.direction = self._direction(c.bottom)
        c.baseline_deg = self._level_before(c, c.direction)

    def _find_end(self, c: _Candidate) -> int | None:
        """First sample after the return where the thigh is home, stopped, or going again.

        Looks at most ``return_timeout_s`` past the return; if none of these happened
        by then, the rep ends where it came lowest.
        """
        cfg = self.config
        lag = self._n(0.1)
        timeout = self._n(cfg.return_timeout_s)
        lo = max(c.returned - lag, self.history.start)
        along = self._along(lo, c.returned + timeout + 1, c.direction)
        incl = self.history.window("incl", c.returned, c.returned + timeout + 1)
        skip = c.returned - lo
        along_r = along[skip:]
        if len(along_r) == 0:
            return None
        speed = np.full(len(along_r), np.inf)
        if skip == lag:
            speed = np.abs(along_r - along[: len(along_r)]) * (self.rate_hz / lag)
        lowest = np.minimum.accumulate(incl)
        home_deg = c.baseline_deg + float(np.clip(0.03 * c.bottom_deg, 0.3, 1.0))
        going_again = incl >= lowest + cfg.restart_deg
        done = (along_r <= home_deg) | (speed < cfg.stop_rate_deg_s) | going_again
        hits = np.flatnonzero(done)
        if len(hits):
            k = int(hits[0])
            if going_again[k]:  # the next rep began: this one ended at the turn
                k = int(np.argmin(incl[: k + 1]))
            return c.returned + k
        if len(along_r) > timeout:
            return c.returned + int(np.argmin(along_r))
        return None

    # -- confirmation and measurement ------------------------------------------

    def _confirm_ready(self, final: bool = False) -> list[Rep]:
        reps = []
        confirm = self._n(self.config.confirm_s)
        while self._pending and (final or self._pending[0].end + confirm < self.history.end):
            c = self._pending.pop(0)
            rep = self._measure(c)
            if rep is not None:
                reps.append(rep)
        return reps

    def _measure(self, c: _Candidate) -> Rep | None:
        cfg = self.config
        h = self.history
        start = self._refine_start(c)
        lookback = self._along(start - self._n(cfg.stride_lookback_s), start + 1, c.direction)
        after = self._along(c.end, c.end + self._n(cfg.confirm_s) + 1, c.direction)
        # Measured from the standing reference itself: while walking, the level
        # before a stride is already extension.
        behind = min(lookback.min(initial=0.0), after.min(initial=0.0))
        confirmed = c.end + self._n(cfg.confirm_s)
        if behind < -cfg.extension_deg:
            self.state.notes.append(
                f"not a rep: the thigh went {-behind:.0f}° behind standing (a walking stride)"
            )
            self._add_direction(confirmed, c.bottom_deg, self._excursion(start, c), False)
            return None
        # Depth is counted from the standing level just before, in the rep's own plane:
        # standing on one leg already tilts the thigh sideways, and a wobble on top of
        # that can pass the minimum inclination without any squat.
        bottom_along = float(self._along(c.bottom, c.bottom + 1, c.direction)[0])
        if bottom_along - c.baseline_deg < cfg.min_depth_deg:
            self.state.notes.append(
                f"not a rep: only {bottom_along - c.baseline_deg:.0f}° from the standing level"
            )
            return None
        t_start, t_bottom, t_end = (float(h.at("t", k)) for k in (start, c.bottom, c.end))
        if t_end - t_start < cfg.min_duration_s:
            self.state.notes.append(f"not a rep: over in {t_end - t_start:.2f} s (a shake)")
            return None
        set_index = self._sets.add(t_start, t_end)
        speed, wobble = self._shape(start, c)
        rep = Rep(
            index=len(self._reps) + 1,
            set_index=set_index,
            start_s=t_start,
            bottom_s=t_bottom,
            end_s=t_end,
            depth_deg=c.bottom_deg,
            descent_s=t_bottom - t_start,
            ascent_s=t_end - t_bottom,
            sparc=sparc(speed, self.rate_hz),
            ldlj=ldlj(speed, self.rate_hz),
            wobble_deg=wobble,
            # The sample whose arrival settled it (whatever the push size).
            reported_s=float(h.at("t", min(c.end + self._n(cfg.confirm_s), h.end - 1))),
        )
        self._reps.append(rep)
        self._add_direction(confirmed, c.bottom_deg, self._excursion(start, c), True)
        return rep

    def _add_direction(self, confirmed: int, depth: float, d: np.ndarray, counted: bool) -> None:
        previous = self._scatter[-1] if self._scatter else 0  # as sum() starts
        self._scatter.append(previous + depth * np.outer(d, d))
        self.directions.append((confirmed, depth, d, counted))

    def _excursion(self, start: int, c: _Candidate) -> np.ndarray:
        """Unit direction the thigh moved from its posture at the start to the bottom.

        Unlike the bottom's direction from standing, it leaves out a one-legged
        stance's sideways lean, so it points along the flexion the rep was.
        """
        moved = self.history.at("up", c.bottom) - self.history.at("up", start)
        return unit(moved - np.dot(moved, self.up_axis) * self.up_axis)

    def _refine_start(self, c: _Candidate) -> int:
        """Last sample before the trigger at the standing level (within a small margin)."""
        first = max(c.trigger - self._n(self.config.baseline_window_s), c.after)
        first = max(first, self.history.start)
        along = self._along(first, c.trigger + 1, c.direction)
        margin = float(np.clip(0.02 * c.bottom_deg, 0.3, 1.0))
        home = np.flatnonzero(along <= c.baseline_deg + margin)
        return first + int(home[-1]) if len(home) else first

    def _shape(self, start: int, c: _Candidate) -> tuple[np.ndarray, float]:
        """Angular speed over the rep (smoothed) and the wobble (deg RMS)."""
        cfg = self.config
        h = self.history
        pad = self._n(cfg.shape_pad_s)
        lo = max(h.start, start - pad)
        hi = min(h.end, c.end + self._n(cfg.confirm_s) + 1)
        rate = h.window("rate", lo, hi)
        up = h.window("up", lo, hi)
        inner = slice(start - lo, c.end + 1 - lo)
        if len(rate) > self._smooth_speed.padlen:
            rate = self._smooth_speed(rate)
        speed = norm(rate[inner])
        side = unit(np.cross(self.up_axis, c.direction))
        frontal = np.arcsin(np.clip(up @ side, -1.0, 1.0)) * DEG
        # Sideways motion that follows the squat itself (the knee drifting in as it
        # bends) is part of the rep's path, however fast the rep: take out what the
        # inclination explains, then the slow remainder. Shake is what is left.
        incl = h.window("incl", lo, hi)
        basis = np.column_stack([np.ones_like(incl), incl, incl**2])
        frontal = frontal - basis @ np.linalg.lstsq(basis[inner], frontal[inner], rcond=None)[0]
        if len(frontal) > self._path.padlen:
            frontal = frontal - self._path(frontal)
        shake = frontal[inner]
        return speed, float(np.sqrt(np.mean(shake**2))) if len(shake) else 0.0

    def _phase(self) -> str:
        c = self._candidate
        if c is None:
            return "standing"
        # Still going down while the deepest point is the newest sample.
        going_down = c.returned is None and c.bottom >= self.history.end - 2
        return "descending" if going_down else "ascending"


class _SetGrouper:
    """Reps separated by less than ``gap_s`` belong to one set."""

    def __init__(self, gap_s: float):
        self.gap_s = gap_s
        self._open: list[float] | None = None  # [start_s, end_s, reps]
        self._count = 0
        self._closed_pending: list[RepSet] = []  # closed by a rep that opened the next set

    def add(self, start_s: float, end_s: float) -> int:
        if self._open is not None and start_s - self._open[1] > self.gap_s:
            self._closed_pending += self._close_open()
        if self._open is None:
            self._count += 1
            self._open = [start_s, end_s, 0]
        self._open[1] = end_s
        self._open[2] += 1
        return self._count

    def close_if_idle(self, now_s: float, busy_since_s: float | None = None) -> list[RepSet]:
        """Close the open set once ``gap_s`` passed since its last rep and nothing that
        started within the gap (``busy_since_s``, a rep still being judged) can join it."""
        closed, self._closed_pending = self._closed_pending, []
        if self._open is not None and now_s - self._open[1] > self.gap_s:
            joinable = busy_since_s is not None and busy_since_s - self._open[1] <= self.gap_s
            if not joinable:
                closed += self._close_open()
        return closed

    def close(self) -> list[RepSet]:
        closed, self._closed_pending = self._closed_pending, []
        return closed + self._close_open()

    def _close_open(self) -> list[RepSet]:
        if self._open is None:
            return []
        start_s, end_s, reps = self._open
        self._open = None
        return [RepSet(index=self._count, start_s=start_s, end_s=end_s, reps=int(reps))]
