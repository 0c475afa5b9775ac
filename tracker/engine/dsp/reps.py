"""Repetitions from thigh inclination: down from where the person stands, and back up.

A rep is the thigh inclining by at least ``min_depth_deg`` from the level it set off
from and coming back. That level is the person's own, rep by rep: the top of the
previous rep, or the most upright posture since it. Real people stop short of full
standing between back-to-back reps, lean, or end a rep more upright than they began,
so a rep ends once the thigh has come most of the way back (``return_fraction`` of
its excursion) and then stops or turns down again, not at a fixed standing angle. A
dip at the bottom (the pelvis tucking under) is not a return.

Walking strides look like fast shallow reps, but the thigh swings on past standing
into extension (behind the body) just before and after each one, and the heel
strikes the ground as it ends; a squat never goes far behind the level it set off
from. A swing that follows strides at once is one too, however it looks: walking
goes on (an odd step, the last one before stopping).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import butter

from tracker.core.frames import DEG, norm, unit
from tracker.core.types import Rep, RepSet
from tracker.engine.dsp.filters import RunLength, ZeroPhase
from tracker.engine.dsp.lookback import Lookback
from tracker.engine.dsp.smoothness import ldlj, sparc


@dataclass(frozen=True)
class RepConfig:
    min_depth_deg: float = 10.0  # the contract's default minimum depth
    min_duration_s: float = 0.5  # quicker than this is a shake (even fast reps take ~1 s)
    top_memory_s: float = 10.0  # the level a rep sets off from: the lowest of this long before
    sway_average_s: float = 1.0  # ... since the last rest, postural sway averaged over this
    return_fraction: float = 0.5  # back up this much of the excursion: the rep is returning
    stop_fraction: float = 0.15  # stopped within this much of it (or standing_deg) of the top,
    standing_deg: float = 5.0  # ... the rep ended
    stop_rate_deg_s: float = 2.0  # slower than this, or than ...
    stop_fraction_of_peak: float = 0.1  # ... this fraction of the rep's fastest: stopped
    rest_s: float = 1.0  # stopped this long anywhere on the way up: the rep ended
    restart_deg: float = 1.0  # rising this much from the lowest point: the next rep began
    shake_average_s: float = 0.4  # a rep's peak speed: inclination averaged over this long
    end_margin_deg: float = 0.5  # within this of the level set off from: home
    confirm_s: float = 0.3  # look past the end for extension before reporting
    stride_lookback_s: float = 1.2  # look before the start for extension
    extension_deg: float = 8.0  # behind the level set off from by at least this ...
    extension_fraction: float = 0.42  # ... and this fraction of its depth, either side: a stride
    stride_s: float = 1.6  # a quicker swing (a stride's flexion takes under a second) ...
    stride_fraction: float = 0.35  # ... behind by this fraction before and after: a stride
    strike_m_s2: float = 4.5  # ... or with a heel strike (|a| this far over its usual level) ...
    strike_deg: float = 5.0  # ... and behind by this much ...
    strike_fraction: float = 0.15  # ... and this fraction of its depth, before or after,
    stride_deg: float = 50.0  # ... if no deeper than a stride (the thigh swings less in a walk)
    walking_gap_s: float = 1.0  # a swing starting this soon after another ...
    walking_s: float = 3.0  # ... with two strides in this long before it: a stride too
    set_gap_s: float = 12.0  # a longer pause between reps starts a new set
    hold_s: float = 1.0  # this long near the bottom is a hold, apart from the way down and up,
    hold_fraction: float = 0.75  # ... if also this fraction of the time moving to and from it
    max_down_s: float = 240.0  # still down after this long: no rep (the history must reach)
    shape_pad_s: float = 1.0  # angular speed taken this far either side of a rep
    smooth_cutoff_hz: float = 6.0  # angular speed lowpass before SPARC and LDLJ
    wobble_path_cutoff_hz: float = 1.0  # the rep's smooth side-to-side path

    @property
    def reach_s(self) -> float:
        """How far before its newest sample a rep's measurement can look."""
        return self.max_down_s + self.confirm_s + max(self.stride_lookback_s, self.shape_pad_s)


@dataclass
class _Candidate:
    top: int  # the level the rep set off from (lowest inclination just before it)
    top_deg: float
    trigger: int  # first sample at the minimum depth below that level
    bottom: int
    bottom_deg: float
    home: int | None = None  # first sample back up by ``return_fraction``
    peak_deg_s: float = 0.0  # fastest the inclination changed until then
    lowest: int | None = None  # lowest inclination since coming home
    end: int | None = None


@dataclass
class RepState:
    """What the detector is doing now, for a live display."""

    phase: str = "standing"  # standing | descending | ascending
    notes: list[str] = field(default_factory=list)


class RepDetector:
    """Counts reps on the uniform stream held in ``history``.

    ``update`` is called after each push has been appended to ``history`` with
    columns ``t``, ``incl`` (deg), ``up`` (n, 3), ``rate`` (n, 3, rad/s) and
    ``acc_norm`` (m/s²).
    """

    STEP = 512  # samples looked at a time while following the stream (speed only)

    def __init__(
        self,
        history: Lookback,
        rate_hz: float,
        up_axis: np.ndarray,
        config: RepConfig | None = None,
        *,
        start: int = 0,
        tilt_doubt_deg: float = 0.0,
        angle_scale: float = 1.0,
    ):
        self.config = config or RepConfig()
        # How far the tilt may be off with posture (an accelerometer offset): strides
        # must swing back further than this before extension means anything. Such an
        # offset also shrinks every angle (by about g / |a| at rest): so does the
        # minimum depth, or slow reps just deep enough would not count.
        self.tilt_doubt_deg = tilt_doubt_deg
        self.min_depth_deg = self.config.min_depth_deg * angle_scale
        self.history = history
        self.rate_hz = rate_hz
        self.up_axis = up_axis
        self._next = start  # next sample to examine
        self._after = start  # a rep sets off from no earlier than this (the last one's end)
        self._slow_run = 0  # samples in a row slower than ``stop_rate_deg_s`` (finding an end)
        self._candidate: _Candidate | None = None
        self._pending: list[_Candidate] = []  # ended, waiting for confirmation
        self._strides: list[int] = []  # ends of the latest strides in their own right
        self._last_end = -(10**9)  # the end of the last swing (sample)
        self._reps: list[Rep] = []
        self._sets = _SetGrouper(self.config.set_gap_s)
        self.state = RepState()
        # (confirmation sample, depth, tilt direction, counted) of every rep and stride:
        # they all move along the flexion axis, from which "forward" is known.
        self.directions: list[tuple[int, float, np.ndarray, bool]] = []
        self._scatter: list = []  # running sums of depth * d d^T over `directions`
        self._flexed: list = []  # running sums of depth * d over the counted reps
        self._confirmed: list[int] = []  # each direction's confirmation sample
        self._forwards: list[np.ndarray] = []  # forward() from the first n directions
        cfg = self.config
        self._smooth_speed = ZeroPhase(butter(2, cfg.smooth_cutoff_hz, fs=rate_hz, output="sos"))
        self._path = ZeroPhase(butter(2, cfg.wobble_path_cutoff_hz, fs=rate_hz, output="sos"))

    def _n(self, seconds: float) -> int:
        return max(1, round(seconds * self.rate_hz))

    def update(self) -> tuple[list[Rep], list[RepSet]]:
        """Advance over the newest samples; return reps confirmed and sets closed."""
        self.state.notes = []
        h = self.history
        pos = max(self._next, h.start)
        silences = (pos + np.flatnonzero(h.window("silence", pos, h.end))).tolist()
        while pos < h.end:
            if silences and pos == silences[0]:
                self._after_silence(silences.pop(0))
            # A few seconds at a time, as if the stream came so (the detector decides the
            # same however it was cut): each step costs what it looks at, and a rep's next
            # turn is seldom further. A silence ends a step: nothing is followed across it.
            stop = min(h.end, pos + self.STEP, *silences[:1])
            c = self._candidate
            if c is None:
                pos = self._look_for_descent(pos, stop)
            elif c.home is None:
                pos = self._follow_down(c, pos, stop)
            else:
                pos = self._find_end(c, pos, stop)
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

    def _after_silence(self, first: int) -> None:
        """Samples went missing before ``first``: a rep in progress cannot be measured
        across them, and the next one sets off from what follows."""
        c = self._candidate
        if c is not None:
            missing_s = float(self.history.at("t", first) - self.history.at("t", first - 1))
            self.state.notes.append(f"not a rep: {missing_s:.1f} s of data missing in it")
        self._candidate = None
        self._after = first
        self._slow_run = 0

    # -- the rep's course ---------------------------------------------------

    def _look_for_descent(self, pos: int, stop: int) -> int:
        """Open a candidate the minimum depth below the lowest level of the recent past
        (looking up to sample ``stop``)."""
        h = self.history
        memory = self._n(self.config.top_memory_s)
        first = max(pos - memory + 1, self._after, h.start)
        incl = h.window("incl", first, stop)
        # Lowest of the `memory` samples up to each one (the window's edge repeats its
        # first value, which is inside the allowed span).
        level = minimum_filter1d(incl, memory, mode="nearest", origin=(memory - 1) // 2)
        skip = pos - first
        deep = np.flatnonzero(incl[skip:] >= level[skip:] + self.min_depth_deg)
        if not len(deep):
            return stop
        trigger = first + skip + int(deep[0])
        top = self._set_off(max(trigger - memory + 1, first), trigger)
        top_deg = float(h.at("incl", top))
        deg = float(h.at("incl", trigger))
        self._candidate = _Candidate(top, top_deg, trigger, trigger, deg)
        return trigger + 1

    def _set_off(self, first: int, trigger: int) -> int:
        """Where the thigh left the level it set off from: the last sample near that level.

        The level is the lowest since the last rest (half a second slower than
        ``stop_rate_deg_s``, postural sway averaged out over a second) before the
        descent, so that a lean taken up before it (onto one leg, a shift) is where the
        rep starts, not the standing before the lean.
        """
        cfg = self.config
        incl = self.history.window("incl", first, trigger + 1)
        lag = self._n(0.1)
        if len(incl) <= lag:
            return first
        smooth = uniform_filter1d(incl, self._n(cfg.sway_average_s), mode="nearest")
        slow = np.abs(smooth[lag:] - smooth[:-lag]) * (self.rate_hz / lag) < cfg.stop_rate_deg_s
        rests = np.flatnonzero(RunLength()(slow) >= self._n(cfg.rest_s / 2))
        since = lag + int(rests[-1]) if len(rests) else 0
        level = float(incl[since:].min())
        margin = min(max(0.02 * float(incl[-1] - level), 0.3), 1.0)  # np.clip, for a scalar
        near = np.flatnonzero(incl[since:] <= level + margin)
        return first + since + int(near[-1])

    def _follow_down(self, c: _Candidate, pos: int, stop: int) -> int:
        """Follow the bottom until the thigh is most of the way back up (looking up to
        sample ``stop``).

        Given up at a fixed sample, so that how the stream was cut cannot decide what
        of the candidate's start the history still holds.
        """
        cfg = self.config
        deadline = c.trigger + self._n(cfg.max_down_s)
        incl = self.history.window("incl", pos, min(stop, deadline))
        bottom = np.maximum.accumulate(np.maximum(incl, c.bottom_deg))
        home_deg = c.top_deg + (1.0 - cfg.return_fraction) * (bottom - c.top_deg)
        back = np.flatnonzero(incl <= home_deg)
        home = int(back[0]) if len(back) else len(incl)
        if home and bottom[home - 1] > c.bottom_deg:
            k = int(np.argmax(incl[:home]))
            c.bottom, c.bottom_deg = pos + k, float(incl[k])
        if len(back):
            c.home = c.lowest = pos + home
            c.peak_deg_s = self._peak_speed(c.top, c.home)
            return pos + home + 1
        if pos + len(incl) == deadline:
            self.state.notes.append(f"not a rep: still down after {cfg.max_down_s:.0f} s")
            self._candidate = None
            self._after = deadline
            return deadline
        return pos + len(incl)

    def _find_end(self, c: _Candidate, pos: int, stop: int) -> int:
        """The rep ends where the thigh, back up, arrives at the level it set off from,
        turns down again (at the turn), stops near that level, or rests anywhere (looking
        up to sample ``stop``)."""
        assert c.lowest is not None  # set on coming home
        cfg = self.config
        h = self.history
        lag = self._n(0.1)
        incl = h.window("incl", pos, stop)
        speed = h.change("incl", pos, stop, lag) * (self.rate_hz / lag)
        lowest_deg = float(h.at("incl", c.lowest))
        lowest = np.minimum.accumulate(np.minimum(incl, lowest_deg))
        excursion = c.bottom_deg - c.top_deg
        near_top = c.top_deg + max(cfg.standing_deg, cfg.stop_fraction * excursion)
        slow = speed < max(cfg.stop_rate_deg_s, cfg.stop_fraction_of_peak * c.peak_deg_s)
        rest = self._n(cfg.rest_s)
        resting = self._rests(slow, pos) >= rest
        again = incl >= lowest + cfg.restart_deg
        stopped = slow & (incl <= near_top)
        arrived = incl <= c.top_deg + cfg.end_margin_deg
        done = np.flatnonzero(again | stopped | arrived | resting)
        if not len(done):
            if len(incl) and lowest[-1] < lowest_deg:
                c.lowest = pos + int(np.argmin(incl))
            return stop
        k = int(done[0])
        if stopped[k] or arrived[k]:
            end = pos + k
        elif resting[k]:
            end = pos + k - rest + 1
        else:  # the next rep began: this one ended at the turn
            end = c.lowest if lowest[k] >= lowest_deg else pos + int(np.argmin(incl[: k + 1]))
        c.end = self._after = end
        self._pending.append(c)
        self._candidate = None
        self._slow_run = 0
        return end + 1

    def _peak_speed(self, first: int, last: int) -> float:
        """Fastest the inclination changed (deg/s, over 0.1 s) between two samples, averaged
        past a wobble's shake: the shake is far quicker than a slow rep, and a stop is
        judged against the rep's own speed."""
        lag = self._n(0.1)
        incl = self.history.window("incl", first, last + 1)
        if len(incl) <= lag:
            return 0.0
        steady = uniform_filter1d(incl, self._n(self.config.shake_average_s), mode="nearest")
        return float(np.abs(steady[lag:] - steady[:-lag]).max()) * self.rate_hz / lag

    def _rests(self, slow: np.ndarray, pos: int) -> np.ndarray:
        """Run lengths of ``slow`` carried from the last examined sample (``pos`` on)."""
        index = np.arange(len(slow))
        last_fast = np.maximum.accumulate(np.where(slow, -1, index))
        runs = np.where(last_fast >= 0, index - last_fast, self._slow_run + index + 1)
        self._slow_run = int(runs[-1]) if len(runs) else self._slow_run
        return runs

    # -- confirmation and measurement ------------------------------------------

    def _confirm_ready(self, final: bool = False) -> list[Rep]:
        reps = []
        confirm = self._n(self.config.confirm_s)
        while self._pending:
            end = self._pending[0].end
            assert end is not None  # a candidate is pending once its end is found
            if not final and end + confirm >= self.history.end:
                break
            c = self._pending.pop(0)
            rep = self._measure(c)
            if rep is not None:
                reps.append(rep)
        return reps

    def finish(self) -> tuple[list[Rep], list[RepSet]]:
        """End of stream: confirm what can be, close the open set."""
        reps = self._confirm_ready(final=True)
        return reps, self._sets.close()

    def _along(self, first: int, stop: int, direction: np.ndarray) -> np.ndarray:
        """Tilt (deg) along ``direction``: + toward the rep's bottom, - behind standing."""
        up = self.history.window("up", first, stop)
        return np.arcsin(np.clip(up @ direction, -1.0, 1.0)) * DEG

    def _direction(self, index: int) -> np.ndarray:
        """Unit direction of the thigh's tilt from standing at a sample (sensor frame)."""
        up = self.history.at("up", index)
        return unit(up - np.dot(up, self.up_axis) * self.up_axis)

    def _measure(self, c: _Candidate) -> Rep | None:
        assert c.end is not None  # measured once confirmed
        cfg = self.config
        h = self.history
        start = c.top
        direction = self._direction(c.bottom)
        confirmed = c.end + self._n(cfg.confirm_s)
        t_start, t_bottom, t_end = (float(h.at("t", k)) for k in (start, c.bottom, c.end))
        # Along the rep's own plane, from the level it set off from: standing on one leg
        # already tilts the thigh sideways, and a wobble on top can pass the minimum
        # inclination without any squat.
        level = float(self._along(start, start + 1, direction)[0])
        depth_along = float(self._along(c.bottom, c.bottom + 1, direction)[0]) - level
        swing_s = t_end - t_start
        stride = self._stride(start, c, direction, level, depth_along, swing_s)
        if stride:
            self.state.notes.append(f"not a rep: {stride}")
            self._add_direction(confirmed, c.bottom_deg, self._excursion(start, c), False)
            return None
        if depth_along < self.min_depth_deg:
            self.state.notes.append(f"not a rep: only {depth_along:.0f}° down in its own plane")
            return None
        if swing_s < cfg.min_duration_s:
            self.state.notes.append(f"not a rep: over in {swing_s:.2f} s (a shake)")
            return None
        set_index = self._sets.add(t_start, t_end)
        speed, wobble = self._shape(start, c, direction)
        arrived, left = self._at_bottom(start, c)
        rep = Rep(
            index=len(self._reps) + 1,
            set_index=set_index,
            start_s=t_start,
            bottom_s=t_bottom,
            end_s=t_end,
            depth_deg=c.bottom_deg,
            descent_s=arrived - t_start,
            ascent_s=t_end - left,
            pause_s=left - arrived,
            sparc=sparc(speed, self.rate_hz),
            ldlj=ldlj(speed, self.rate_hz),
            wobble_deg=wobble,
            # The sample whose arrival settled it (whatever the push size).
            reported_s=float(h.at("t", min(confirmed, h.end - 1))),
        )
        self._reps.append(rep)
        self._add_direction(confirmed, c.bottom_deg, self._excursion(start, c), True)
        return rep

    def _stride(self, start, c, direction, level, depth_along, swing_s) -> str | None:
        """Why the swing is a walking stride (see the module doc), or None."""
        cfg = self.config
        confirmed = c.end + self._n(cfg.confirm_s)
        before = self._along(start - self._n(cfg.stride_lookback_s), start + 1, direction)
        after = self._along(c.end, confirmed + 1, direction)
        behind_before = level - float(before.min(initial=level))
        behind_after = level - float(after.min(initial=level))
        behind = max(behind_before, behind_after)
        quick = swing_s < cfg.stride_s

        def past(degrees: float, fraction: float, doubt: float) -> float:  # behind by more
            return max(degrees, fraction * depth_along) + doubt

        doubt = self.tilt_doubt_deg  # a heel strike is evidence enough without it
        # The heel strike last: it is looked for only when the rest would not decide.
        merit = (
            behind > past(cfg.extension_deg, cfg.extension_fraction, doubt)
            or (
                quick
                and min(behind_before, behind_after)
                > past(cfg.extension_deg, cfg.stride_fraction, doubt)
            )
            or (
                quick
                and depth_along < cfg.stride_deg
                and behind > past(cfg.strike_deg, cfg.strike_fraction, 0.0)
                and self._impact(start, confirmed) > cfg.strike_m_s2
            )
        )
        # Strides in their own right just before, and a swing without a pause: walking goes
        # on. A swing backwards between reps (where a squat's top overshoots, or the tilt
        # is off with posture) is no stride of a walk: walks are told by forward swings.
        recent = [end for end in self._strides if start - end <= self._n(cfg.walking_s)]
        walking = len(recent) >= 2 and start - self._last_end <= self._n(cfg.walking_gap_s)
        if merit and not self._backwards(start, c):
            self._strides = [*recent, c.end]
        self._last_end = c.end
        if merit:
            return f"the thigh swung {behind:.0f}° behind where it set off (a walking stride)"
        return "a swing in the middle of walking" if walking else None

    def _backwards(self, start: int, c: _Candidate) -> bool:
        """Whether the swing went against flexion (known once a rep was counted)."""
        forward = self.forward() if self._reps else None  # its sign comes from counted reps
        return forward is not None and float(self._excursion(start, c) @ forward) < 0

    def _impact(self, start: int, confirmed: int) -> float:
        """Largest |a| over the swing and just after, above its usual level (m/s²)."""
        h = self.history
        around = h.window("acc_norm", start - self._n(5.0), confirmed + 1)
        swing = h.window("acc_norm", start, confirmed + 1)
        return float(swing.max(initial=0.0) - np.median(around)) if len(around) else 0.0

    def counted(self) -> list[Rep]:
        """The reps counted so far, in order."""
        return self._reps

    def forward(self, before: int | None = None) -> np.ndarray | None:
        """Where flexion goes (unit, sensor frame), from reps and strides confirmed before a sample.

        The axis is the principal direction of their tilts (strides swing both ways
        along it); its sign is the counted reps' (a squat flexes).
        """
        # Confirmed in order: those before a sample are a prefix.
        n = len(self.directions)
        if before is not None:
            n = bisect_left(self._confirmed, before)
        if n == 0:
            return None
        # The sums up to n never change: solved once (asked for at every swing and bout).
        while len(self._forwards) < n:
            k = len(self._forwards)
            axis = np.linalg.eigh(self._scatter[k])[1][:, -1]
            self._forwards.append(-axis if float(self._flexed[k] @ axis) < 0 else axis)
        return self._forwards[n - 1].copy()

    def _add_direction(self, confirmed: int, depth: float, d: np.ndarray, counted: bool) -> None:
        # Running sums, as sum() adds: the scatter of every swing, the counted reps' tilts.
        scatter = self._scatter[-1] if self._scatter else 0
        flexed = self._flexed[-1] if self._flexed else 0
        self._scatter.append(scatter + depth * np.outer(d, d))
        self._flexed.append(flexed + depth * d if counted else flexed + 0.0 * d)
        self._confirmed.append(confirmed)
        self.directions.append((confirmed, depth, d, counted))

    def _excursion(self, start: int, c: _Candidate) -> np.ndarray:
        """Unit direction the thigh moved from its posture at the start to the bottom.

        Unlike the bottom's direction from standing, it leaves out a one-legged
        stance's sideways lean, so it points along the flexion the rep was.
        """
        moved = self.history.at("up", c.bottom) - self.history.at("up", start)
        return unit(moved - np.dot(moved, self.up_axis) * self.up_axis)

    def _at_bottom(self, start: int, c: _Candidate) -> tuple[float, float]:
        """When the thigh arrived at the bottom and left it. A hold there (within 5 % of
        the depth, at least 1°, a second and three quarters of the time the way down and up
        took) is neither the way down nor the way up; a smooth rep only slows through
        its bottom, and that is part of both (else a slow rep would look fast)."""
        assert c.end is not None  # measured once confirmed
        cfg = self.config
        h = self.history
        incl = h.window("incl", start, c.end + 1)
        near = np.flatnonzero(incl >= c.bottom_deg - max(1.0, 0.05 * (c.bottom_deg - c.top_deg)))
        arrived = float(h.at("t", start + int(near[0])))
        left = float(h.at("t", start + int(near[-1])))
        moving = (arrived - float(h.at("t", start))) + (float(h.at("t", c.end)) - left)
        if left - arrived < max(cfg.hold_s, cfg.hold_fraction * moving):
            bottom = float(h.at("t", c.bottom))
            return bottom, bottom
        return arrived, left

    def _shape(self, start: int, c: _Candidate, direction: np.ndarray) -> tuple[np.ndarray, float]:
        """Angular speed over the rep (smoothed) and the wobble (deg RMS)."""
        assert c.end is not None  # measured once confirmed
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
        side = unit(np.cross(self.up_axis, direction))
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
        going_down = c.home is None and c.bottom >= self.history.end - 2
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
