"""The one pipeline: ``Pipeline.push(block) -> Update`` for live streaming, replay and analysis.

Samples are put on a uniform grid, fused into the thigh's tilt, measured against
standing, and handed to the detectors. Standing is the posture at the start: the
first quiet moment of the first second (a quarter of a second without fast turning;
sway is quiet), or the first quarter second when the person moves at once (a
descent starts slowly). A quiet moment later on may be the bottom of a squat, so it
is not looked for. The detectors then look at the
whole recording from its first sample, so reps made before the reference was
known are still found (a moment later, live). Every stage carries its state between
pushes and computes each sample the same way however the input was chunked, so
one sample at a time, packets of 7 or a whole file give identical results.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace

import numpy as np

from tracker.core.frames import (
    DEG,
    angle_deg,
    norm,
    perpendicular_basis,
    row_max,
    thigh_basis,
    unit,
)
from tracker.core.types import (
    EXERCISES,
    GRAVITY_M_S2,
    BalanceBout,
    ImuBlock,
    Rep,
    RepSet,
    Stand,
    Update,
)
from tracker.engine.dsp.balance import BalanceConfig, BoutDetector
from tracker.engine.dsp.filters import RunLength
from tracker.engine.dsp.lookback import Lookback
from tracker.engine.dsp.orientation import OrientationConfig, TiltEstimator
from tracker.engine.dsp.quality import Notices
from tracker.engine.dsp.reps import RepConfig, RepDetector
from tracker.engine.dsp.resample import UniformResampler
from tracker.engine.dsp.sit_to_stand import RiseConfig, RiseDetector

OFFSET_WARNING_DEG = 3.0  # |a| at rest this far from g (as a tilt) is worth a warning


@dataclass(frozen=True)
class PipelineConfig:
    """Everything tunable, with defaults for a thigh sensor during exercise."""

    exercise: str = "auto"  # auto | squat | balance | sit_to_stand: what the recording is
    rate_hz: float = 100.0  # the uniform internal grid
    max_gap_s: float = 1.0  # longer silences are not interpolated across
    calibration_s: float = 0.25  # standing is the mean posture over this long ...
    calibration_search_s: float = 1.0  # ... the first quiet stretch within this of the start
    quiet_deg_s: float = 15.0  # turning slower than this is quiet (postural sway is)
    history_s: float = 300.0  # what the detectors can look back over
    orientation: OrientationConfig = field(default_factory=OrientationConfig)
    reps: RepConfig = field(default_factory=RepConfig)
    balance: BalanceConfig = field(default_factory=BalanceConfig)
    rises: RiseConfig = field(default_factory=RiseConfig)

    def __post_init__(self):
        if self.exercise not in EXERCISES:
            raise ValueError(f"exercise must be one of {', '.join(EXERCISES)}")
        # A push of the longest piece must leave every measurement's span in the history,
        # or how the stream was cut would decide the result.
        reach_s = max(self.reps.reach_s, self.balance.reach_s, self.rises.reach_s)
        reach_s += Pipeline.MAX_PIECE / self.rate_hz
        if reach_s > self.history_s:
            raise ValueError(f"history_s must be at least {reach_s:.0f} s for these limits")


class _InputStats:
    """Samples, duration, rate and gaps of the input as it arrived.

    A gap is an interval over 1.5 times the nominal period (the median of the first
    intervals). The rate is counted over the intervals that are not gaps, so lost
    packets do not lower it: (intervals - gaps) / (span - time in gaps).
    """

    NOMINAL_FROM = 50  # intervals whose median fixes the nominal period

    def __init__(self):
        self.samples = 0
        self.first_s: float | None = None
        self.last_s: float | None = None
        self.gaps = 0
        self._gap_time_s = 0.0
        self._early: list[float] = []
        self.period_s: float | None = None

    def add(self, t_s: np.ndarray) -> int:
        """Count the block; return the gaps found in it."""
        if len(t_s) == 0:
            return 0
        intervals = np.diff(t_s) if self.last_s is None else np.diff(t_s, prepend=self.last_s)
        if self.first_s is None:
            self.first_s = float(t_s[0])
        self.last_s = float(t_s[-1])
        self.samples += len(t_s)
        if self.period_s is None:
            self._early.extend(intervals.tolist())
            if len(self._early) < self.NOMINAL_FROM:
                return 0
            self.period_s = float(np.median(self._early[: self.NOMINAL_FROM]))
            intervals, self._early = np.asarray(self._early), []
        return self._count(intervals)

    def _count(self, intervals: np.ndarray) -> int:
        assert self.period_s is not None  # counting starts once the period is known
        long = intervals[intervals > 1.5 * self.period_s]
        for interval in long.tolist():  # in order: the same sum however chunked
            self._gap_time_s += interval
        self.gaps += len(long)
        return len(long)

    def finish(self) -> None:
        if self.period_s is None and self._early:
            self.period_s = float(np.median(self._early))
            self._count(np.asarray(self._early))
            self._early = []

    @property
    def rate_hz(self) -> float | None:
        if self.samples < 2:
            return None
        assert self.first_s is not None and self.last_s is not None  # set by the first sample
        span = (self.last_s - self.first_s) - self._gap_time_s
        return (self.samples - 1 - self.gaps) / span if span > 0 else None


def _joined(parts: list[tuple]) -> tuple:
    """The arrays of consecutive parts, each joined to the same one of the others."""
    return parts[0] if len(parts) == 1 else tuple(map(np.concatenate, zip(*parts, strict=True)))


class Pipeline:
    """Pure and synchronous: no I/O, no clock; feed it blocks, read what happened."""

    MAX_PIECE = 4096  # samples processed between detector passes

    def __init__(self, config: PipelineConfig | None = None):
        self.config = config = config or PipelineConfig()
        dt_s = 1.0 / config.rate_hz
        self._input = _InputStats()
        # Accelerometer and gyroscope channels are each one vector to the resampler.
        self._resampler = UniformResampler(
            config.rate_hz, config.max_gap_s, groups=((0, 1, 2), (3, 4, 5))
        )
        self._tilt = TiltEstimator(dt_s, config.orientation)
        self.history = Lookback(
            round(config.history_s * config.rate_hz),
            {"t": 1, "up": 3, "rate": 3, "acc_norm": 1, "incl": 1, "guessed": 1, "silence": 1},
        )
        self._quiet_runs = RunLength()
        self._retroactive = True  # the first reference applies to the whole recording
        self._search_from: int | None = None  # where the search for standing began
        self.notices = Notices()
        self.up_axis: np.ndarray | None = None  # the thigh's long axis, sensor frame
        self._basis = np.eye(3)
        self.reps: RepDetector | None = None
        self.bouts: BoutDetector | None = None
        self.rises: RiseDetector | None = None
        self.all_reps: list[Rep] = []
        self.all_sets: list[RepSet] = []
        self.all_bouts: list[BalanceBout] = []
        self.all_stands: list[Stand] = []
        self._finished = False

    # -- the stream ----------------------------------------------------------

    def push(self, block: ImuBlock) -> Update:
        """Process one block of any size; results do not depend on how blocks are cut."""
        gaps = self._input.add(block.t_s)
        self.notices.count_clipped(block)
        # The detectors take at most a piece at a time, so that the history always covers
        # what they measure; the tilt is fused for the whole block at once (the same values,
        # its fixed cost paid once).
        pieces = [block] if len(block) <= self.MAX_PIECE else block.chunks(self.MAX_PIECE)
        grids = [self._resample(piece) for piece in pieces]
        t, values, restart, doubt = _joined(grids)
        tilt = self._tilt.push(values[:, :3], values[:, 3:], restart, doubt[:, 3:])
        updates, at = [], 0
        for piece_t, *_ in grids:
            part = slice(at, at + len(piece_t))
            tilted = (tilt.up[part], tilt.rate[part])
            piece = (t[part], values[part], restart[part], doubt[part])
            updates.append(self._pass(*piece, *tilted, gaps))
            at, gaps = part.stop, 0  # the block's gaps told once
        update = updates[0] if len(updates) == 1 else Update.merge(updates)
        return self._with_ahead(update)  # once, after the last piece

    def _resample(self, block: ImuBlock):
        return self._resampler.push(
            block.t_s, np.hstack([block.acc, block.gyr]) if len(block) else np.empty((0, 6))
        )

    def _pass(self, t, values, restart, doubt, up, rate, gaps: int) -> Update:
        """Take in one piece of the uniform stream and run the detectors over it."""
        first = self.history.end
        self.history.append(
            t=t,
            up=up,
            rate=rate,
            acc_norm=norm(values[:, :3]),
            incl=np.full(len(t), np.nan),
            guessed=row_max(doubt != 0),  # bridged across lost packets, not measured
            silence=restart,  # the first sample after a silence: what was open ends there
        )
        if self.up_axis is None:
            self._try_calibrate(first, norm(rate) * DEG < self.config.quiet_deg_s)
        incl = np.full(len(t), np.nan)
        if self.up_axis is not None:
            since = max(first, self._detect_from)
            incl[since - first :] = angle_deg(up[since - first :], self.up_axis)
            self.history.write("incl", since, incl[since - first :])
        return self._detect(t, incl, up, gaps)

    def finish(self) -> Update:
        """End of stream: report what was still open (a set, a bout in progress)."""
        self._input.finish()
        reps: list[Rep] = []
        sets: list[RepSet] = []
        bouts: list[BalanceBout] = []
        stands: list[Stand] = []
        if self.reps is not None:
            reps, sets = self.reps.finish()
        if self.bouts is not None:
            bouts = self.bouts.finish()
        if self.rises is not None:
            stands = self.rises.finish()
        self._finished = True
        update = self._collect(
            np.empty(0), np.empty(0), np.empty((0, 3)), 0, reps, sets, bouts, stands
        )
        return self._with_ahead(update)

    def recalibrate(self) -> None:
        """Take the standing reference again from the next second's first quiet moment."""
        self.up_axis = None
        self._retroactive = False
        self._search_from = None
        self._quiet_runs = RunLength()

    # -- calibration -----------------------------------------------------------

    def _try_calibrate(self, first: int, quiet: np.ndarray) -> None:
        """Standing is the mean posture over the first quiet quarter second of the first
        second after the start (or a recalibration), else over its first one."""
        cfg = self.config
        need = max(1, round(cfg.calibration_s * cfg.rate_hz))
        search = max(need, round(cfg.calibration_search_s * cfg.rate_hz))
        h = self.history
        if self._search_from is None:
            self._search_from = first
        run = self._quiet_runs(quiet)
        ready = np.flatnonzero(run >= need)
        at = first + int(ready[0]) if len(ready) else None
        if at is None or at >= self._search_from + search:
            if h.end < self._search_from + search:
                return  # the first second is not over yet
            at = self._search_from + need - 1
            self.notices.add(
                "moving from the start: standing was taken from the first "
                f"{cfg.calibration_s:g} s, so depths are off if that was not standing"
            )
        self.up_axis = unit(h.window("up", at - need + 1, at + 1).mean(axis=0))
        self._at_rest_m_s2 = float(np.mean(h.window("acc_norm", at - need + 1, at + 1)))
        self._doubt_deg, self._angle_scale = self._offset()
        self._basis = np.vstack([*perpendicular_basis(self.up_axis), self.up_axis])
        # The first reference measures the whole recording; a new one, what follows.
        since = h.start if self._retroactive else at + 1
        self._retroactive = False
        self._start_detectors(start=since)
        if since < first:
            h.write("incl", since, angle_deg(h.window("up", since, first), self.up_axis))

    def _rises_unmeasured(self) -> list[str]:
        """The sit-to-stand times that data missing in the middle left unmeasured."""
        assert self.rises is not None
        rises = self.rises
        n = rises.config.timed_stands
        timed = rises.silent_within(n) if len(rises.stands) >= n else 0.0
        window = rises.silent_within(None)
        return [
            f"the {what} is not measured: {missing:.1f} s of data missing during it"
            for what, missing in [
                ("five-times time", timed),
                (f"count of stands within {rises.config.window_s:g} s", window),
            ]
            if missing
        ]

    def _offset(self) -> tuple[float, float]:
        """What an accelerometer reading off at rest does to tilts: how far they may be
        off with posture (deg) and how much angles shrink (g / |a|, at most 1).

        An offset turns with the sensor, so gravity's average over a set moves with
        the postures in it. Warns when it is worth saying.
        """
        at_rest = self._at_rest_m_s2
        off = abs(at_rest - GRAVITY_M_S2) / GRAVITY_M_S2
        doubt = float(np.degrees(np.arcsin(min(off, 1.0))))
        if doubt < OFFSET_WARNING_DEG:
            return 0.0, 1.0
        self.notices.add(
            f"the accelerometer read {at_rest:.1f} m/s² at rest (gravity is "
            f"{GRAVITY_M_S2:.2f}): an offset or scale error, so tilts and depths may be off "
            f"by up to about {doubt:.0f}°"
        )
        return doubt, min(1.0, GRAVITY_M_S2 / at_rest)

    def _start_detectors(self, start: int) -> None:
        """The detectors look at samples from ``start`` on (after the calibration)."""
        cfg = self.config
        assert self.up_axis is not None  # the detectors start once calibrated
        self._detect_from = start
        self.reps = self.bouts = self.rises = None
        if cfg.exercise in ("auto", "squat"):
            self.reps = RepDetector(
                self.history,
                cfg.rate_hz,
                self.up_axis,
                cfg.reps,
                start=start,
                tilt_doubt_deg=self._doubt_deg,
                angle_scale=self._angle_scale,
            )
        if cfg.exercise in ("auto", "balance"):
            self.bouts = BoutDetector(
                self.history,
                cfg.rate_hz,
                self.up_axis,
                cfg.balance,
                whole_trial=cfg.exercise == "balance",
                start=start,
                forward=self.reps.forward if self.reps is not None else None,
                reps=self.reps.counted if self.reps is not None else None,
            )
        if cfg.exercise == "sit_to_stand":
            self.rises = RiseDetector(self.history, cfg.rate_hz, cfg.rises, start=start)

    # -- detection -------------------------------------------------------------

    def _detect(self, t, incl, up, gaps) -> Update:
        reps: list[Rep] = []
        sets: list[RepSet] = []
        bouts: list[BalanceBout] = []
        stands: list[Stand] = []
        if self.reps is not None:
            reps, sets = self.reps.update()
            if reps:
                self._update_basis()
        if self.bouts is not None:
            bouts = self.bouts.update()
        if self.rises is not None:
            stands = self.rises.update()
        return self._collect(t, incl, up, gaps, reps, sets, bouts, stands)

    def _update_basis(self) -> None:
        """Forward is where the reps and strides go; the thigh frame follows from it."""
        assert self.reps is not None and self.up_axis is not None  # called with reps found
        forward = self.reps.forward()
        if forward is not None:
            self._basis = thigh_basis(self.up_axis, np.cross(self.up_axis, forward))

    def _collect(self, t, incl, up, gaps, reps, sets, bouts, stands) -> Update:
        self.all_reps += reps
        self.all_sets += sets
        self.all_bouts += bouts
        self.all_stands += stands
        tilt = np.full((len(t), 2), np.nan)
        if self.up_axis is not None and len(t):
            local = up @ self._basis.T  # thigh frame: x forward, y side, z long axis
            direction = unit(local[:, :2])
            tilt = direction * incl[:, None]
        notes = (*(self.reps.state.notes if self.reps else ()), *self.notices.new())
        return Update(
            t_s=t,
            inclination_deg=incl,
            tilt_deg=tilt,
            phase=self._phase(),
            calibrated=self.up_axis is not None,
            reps=tuple(reps),
            sets=tuple(sets),
            bouts=tuple(bouts),
            stands=tuple(stands),
            balance=self.bouts.live if self.bouts is not None else None,
            gaps=gaps,
            notes=notes,
        )

    def _with_ahead(self, update: Update) -> Update:
        """``update`` with the inclination over what the resampler holds back, computed
        on a copy of the tilt state."""
        t, values = self._resampler.held()
        if self.up_axis is None or len(t) == 0:
            return update
        tilt = copy.deepcopy(self._tilt)
        restart = np.zeros(len(t), bool)
        up = tilt.push(values[:, :3], values[:, 3:], restart, np.zeros((len(t), 3))).up
        return replace(update, ahead_t_s=t, ahead_deg=angle_deg(up, self.up_axis))

    def _phase(self) -> str:
        if self.up_axis is None:
            return "calibrating"
        if self.bouts is not None and self.bouts.live is not None:
            return "balance"
        if self.rises is not None:
            return self.rises.phase
        return self.reps.state.phase if self.reps is not None else "standing"

    # -- the whole recording ------------------------------------------------------

    def warnings(self) -> list[str]:
        """What could not be measured, or was measured with doubt, and why."""
        out = self.notices.lines()
        if self.up_axis is None and self._retroactive:
            need = self.config.calibration_search_s
            out.insert(0, f"no standing reference: under {need:g} s of data, nothing measured")
        if self.rises is not None:
            out += self._rises_unmeasured()
        if self.rises is not None and len(self.rises.stands) < self.rises.config.timed_stands:
            n, need = len(self.rises.stands), self.rises.config.timed_stands
            out.append(
                f"{n} stand{'s' if n != 1 else ''} found: the five-times time needs {need}"
                + (
                    f" (a rise turns the thigh {self.rises.config.rise_deg:.0f}° up from the seat)"
                    if n == 0
                    else ""
                )
            )
        return out

    def summary(self) -> dict:
        """The contract's JSON object for everything pushed so far."""
        stats = self._input
        first_s, last_s = stats.first_s, stats.last_s
        duration = (last_s - first_s) if first_s is not None and last_s is not None else 0.0
        out: dict = {
            "duration_s": round(duration, 6),
            "sample_rate_hz": round(stats.rate_hz, 3) if stats.rate_hz else None,
            "samples": stats.samples,
            "gaps": stats.gaps,
            "calibrated": self.up_axis is not None,
            "reps": [r.to_json() for r in self.all_reps],
            "sets": [s.to_json() for s in self.all_sets],
            "balance": [b.to_json() for b in self.all_bouts],
            "warnings": self.warnings(),
        }
        if self.config.exercise == "sit_to_stand":
            out["sit_to_stand"] = (
                self.rises.summary()
                if self.rises
                else {"stands": 0, "duration_s": None, "rises": []}
            )
        return out
