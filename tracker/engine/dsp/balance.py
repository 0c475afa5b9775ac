"""Single-leg balance bouts: found from the thigh's lean and sway, measured over the settled stance.

Standing on one leg, the stance thigh leans a few degrees from its two-legged
standing direction (the weight shift onto it) and sways more than on two legs.
A bout opens when the thigh is upright, leaning at least ``lean_on_deg`` and
swaying (the RMS distance of its tilt from their mean over the last
``level_window_s``) at least ``on_deg`` but no more than ``max_sway_deg`` (a walk
swings the thigh through tens of degrees); it holds while a slowly averaged lean
stays above half that or the sway stays that of one leg (``hold_sway_deg``: large
sway about a small lean is a stance too), and closes when both go, the thigh leaves
upright or starts to swing. Weight shifts and fidgets lean too, but only for a few
seconds; a bout must hold ``min_bout_s``, sway no more than ``max_bout_sway_deg`` (RMS)
and, its sway averaged out, move through less than ``max_bout_range_deg`` (reps done
standing on the leg are no balance bout).

The bout is then found and measured as the clinic's single-leg stance is
(``dsp.stance``): from the end of the weight shift onto the leg to the start of the
shift off it, over a window ``measure_pad_s`` wider than what opened and closed it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.ndimage import uniform_filter1d

from tracker.core.frames import norm, perpendicular_basis, unit
from tracker.core.types import BalanceBout, BalanceLive
from tracker.engine.dsp.filters import Lowpass, RunLength, WindowDispersion
from tracker.engine.dsp.lookback import Lookback
from tracker.engine.dsp.stance import stance_edges, sway_path
from tracker.engine.dsp.sway import sway_measures

SHIFT_MAX_S = 1.5  # the longest a weight shift onto the leg or off it takes
SHIFT_LEAN_DEG = 5.0  # what a weight shift can move the inclination by


@dataclass(frozen=True)
class BalanceConfig:
    lean_on_deg: float = 2.0  # lean from two-legged standing that opens a bout
    lean_tau_s: float = 0.5  # smoothing of the lean that opens it (quick)
    hold_tau_s: float = 2.0  # and of the lean that holds it (slow sway averages out)
    on_deg: float = 0.25  # sway level that opens a bout (two-legged standing stays below)
    max_sway_deg: float = 8.0  # a sway level beyond this is walking, not standing
    hold_sway_deg: float = 0.6  # sway at least this holds a bout open, lean or not
    max_bout_sway_deg: float = 6.0  # a bout swaying more than this (RMS) was no stance,
    max_bout_range_deg: float = 10.0  # nor one whose inclination, sway averaged out over
    range_average_s: float = 1.0  # this long, spans this much (reps on the leg)
    level_window_s: float = 2.0  # sway level: dispersion over this window (clears after moves)
    open_s: float = 1.0  # sway this long before a bout is shown as started
    close_s: float = 0.75  # quiet this long ends it
    upright_deg: float = 15.0  # smoothed inclination beyond this is not standing
    min_bout_s: float = 5.0  # shorter bouts are weight shifts, not balance
    trial_min_bout_s: float = 2.0  # when the recording is known to be a balance trial
    max_bout_s: float = 240.0  # a longer stance is measured in bouts this long (history reach)
    measure_pad_s: float = 3.0  # taken either side of a bout to find its weight shifts

    @property
    def reach_s(self) -> float:
        """How far before its newest sample a bout's measurement can look."""
        return self.max_bout_s + self.close_s + self.measure_pad_s


class BoutDetector:
    """Finds balance bouts in the uniform stream held in ``history``."""

    def __init__(
        self,
        history: Lookback,
        rate_hz: float,
        up_axis: np.ndarray,
        config: BalanceConfig | None = None,
        *,
        whole_trial: bool = False,
        start: int = 0,
        forward=None,
        reps=None,
    ):
        self.config = cfg = config or BalanceConfig()
        self.history = history
        self.rate_hz = rate_hz
        self.up_axis = up_axis
        self.min_bout_s = cfg.trial_min_bout_s if whole_trial else cfg.min_bout_s
        self._basis = np.vstack(perpendicular_basis(up_axis))
        self._level = WindowDispersion(self._n(cfg.level_window_s))
        self._lean = Lowpass(cfg.lean_tau_s, 1.0 / rate_hz)
        self._held_lean = Lowpass(cfg.hold_tau_s, 1.0 / rate_hz)
        # forward(before=index) -> unit flexion direction known by then, or None
        self._forward = forward
        # reps() -> the reps counted so far (a stance within a set of them is the set's)
        self._reps = reps
        self._next = start
        self._loud_runs = RunLength()
        self._quiet_runs = RunLength()
        self._open: int | None = None  # the open bout's first loud sample
        self._closed_at = -1  # the last bout's last sample: the next opens after it
        self._silences: list[int] = []  # first samples after silences: nothing reaches back over
        self.live: BalanceLive | None = None

    def _n(self, seconds: float) -> int:
        return max(1, round(seconds * self.rate_hz))

    def update(self) -> list[BalanceBout]:
        h = self.history
        first = max(self._next, h.start)
        if first >= h.end:
            return []
        up = h.window("up", first, h.end)
        self._next = h.end
        tilt = np.degrees(up @ self._basis.T)  # small-angle tilt from standing, two axes
        level = self._level(tilt)
        lean = norm(self._lean(tilt))
        held = norm(self._held_lean(tilt))
        # Judged on the smoothed tilt: large sway on a lean briefly passes 10° and more.
        # A silence ends a bout just before it, as a step off the leg would.
        silence = h.window("silence", first, h.end) != 0
        upright = (lean < self.config.upright_deg) & ~silence
        self._silences += (first + np.flatnonzero(silence)).tolist()
        bouts = self._advance(first, level, lean, held, upright)
        self._update_live()
        return bouts

    def finish(self) -> list[BalanceBout]:
        bouts = []
        if self._open is not None:
            bout = self._close(self.history.end - 1)
            bouts = [bout] if bout else []
        self.live = None
        return bouts

    # -- opening and closing ---------------------------------------------------

    def _advance(self, first, level, lean, held, upright) -> list[BalanceBout]:
        """Open after ``open_s`` of stance signs; close after ``close_s`` without them."""
        cfg = self.config
        steady = level <= cfg.max_sway_deg
        opening = upright & steady & (lean >= cfg.lean_on_deg) & (level >= cfg.on_deg)
        holding = (
            upright & steady & ((held >= 0.5 * cfg.lean_on_deg) | (level >= cfg.hold_sway_deg))
        )
        loud_runs = self._loud_runs(opening)
        quiet_runs = self._quiet_runs(~holding)
        bouts = []
        i = 0
        while i < len(level):
            if self._open is None:
                hits = np.flatnonzero(loud_runs[i:] >= self._n(cfg.open_s))
                if not len(hits):
                    break
                k = i + int(hits[0])
                self._open = max(first + k - int(loud_runs[k]) + 1, self._closed_at + 1)
            else:
                # Closed at a fixed sample at the latest, so that how the stream was cut
                # cannot decide what of the bout the history still holds.
                longest = self._open + self._n(cfg.max_bout_s) - first
                hits = np.flatnonzero((quiet_runs[i:] >= self._n(cfg.close_s)) | ~upright[i:])
                if (not len(hits) or i + int(hits[0]) > longest) and longest < len(level):
                    k = max(longest, i)
                    bout = self._close(first + k, "longest bout measured")
                elif len(hits):
                    k = i + int(hits[0])
                    end = first + k - int(quiet_runs[k]) if upright[k] else first + k - 1
                    bout = self._close(max(end, self._open))
                else:
                    break
                bouts += [bout] if bout else []
            i = k + 1
        return bouts

    def _close(self, end: int, reason: str | None = None) -> BalanceBout | None:
        opened, previous_end = self._open, self._closed_at
        assert opened is not None  # only an open bout is closed
        self._open, self._closed_at = None, end
        bout = self._measure(opened, end, previous_end)
        return replace(bout, end_reason=reason) if bout and reason else bout

    def _update_live(self) -> None:
        if self._open is None:
            self.live = None
            return
        h = self.history
        t0 = float(h.at("t", self._open))
        traj = self._trajectory(h.window("up", self._open, h.end))
        rms = float(np.sqrt(np.mean(np.sum(traj**2, axis=1)))) if len(traj) else 0.0
        self.live = BalanceLive(
            start_s=t0, elapsed_s=float(h.at("t", h.end - 1)) - t0, sway_rms_deg=rms
        )

    # -- measuring -------------------------------------------------------------------

    def _trajectory(self, up: np.ndarray) -> np.ndarray:
        """Tilt (deg) about the mean direction: azimuthal-equidistant, so radii are true angles."""
        centre = unit(up.mean(axis=0))
        e1, e2 = perpendicular_basis(centre)
        angle = np.arccos(np.clip(up @ centre, -1.0, 1.0))
        planar = np.column_stack([up @ e1, up @ e2])
        return np.degrees(unit(planar) * angle[:, None])

    def _measure(self, opened: int, end: int, previous_end: int) -> BalanceBout | None:
        """The settled stance around what opened the bout, found and measured as the
        clinic's single-leg stance is (``dsp.stance``)."""
        h = self.history
        cfg = self.config
        # The stance reaches past what held the bout open by its weight shifts at most, and
        # those move the inclination by the lean (a few degrees): reps on the leg are no
        # bout, even before the stance is found.
        if (end - opened) / self.rate_hz < self.min_bout_s - 2 * SHIFT_MAX_S:
            return None
        held = h.window("incl", opened, end + 1)
        steady = uniform_filter1d(held, self._n(cfg.range_average_s))
        if np.ptp(steady) > cfg.max_bout_range_deg + SHIFT_LEAN_DEG:
            return None
        pad = self._n(cfg.measure_pad_s)
        after_silence = max((k for k in self._silences if k <= opened), default=0)
        lo, hi = max(h.start, opened - pad, previous_end + 1, after_silence), min(h.end, end + 1)
        up = h.window("up", lo, hi)
        if len(up) < 16:
            return None
        t = h.window("t", lo, hi)
        incl = h.window("incl", lo, hi)
        tilt = self._tilt(up, incl)
        edges = stance_edges(t, tilt, incl, self.rate_hz, min_s=self.min_bout_s)
        if edges is None:
            return None
        t_first = edges.lift_off_s if edges.lift_off_s is not None else float(t[edges.first])
        t_last = edges.touchdown_s if edges.touchdown_s is not None else float(t[-1])
        if self._overlaps_reps(t_first, t_last, float(h.at("t", end))):
            return None
        first, last = np.searchsorted(t, [t_first, t_last])
        last = min(int(last), len(t) - 1)
        if (t_last - t_first) < self.min_bout_s or not self._sideways(up[first : last + 1], end):
            return None
        steady = uniform_filter1d(incl[first : last + 1], self._n(cfg.range_average_s))
        if np.ptp(steady) > cfg.max_bout_range_deg:
            return None
        m = sway_measures(sway_path(tilt[first : last + 1], self.rate_hz), self.rate_hz)
        if m.rms_deg > cfg.max_bout_sway_deg:
            return None
        return BalanceBout(
            start_s=t_first,
            end_s=t_last,
            duration_s=t_last - t_first,
            **m.reported(),  # type: ignore[arg-type]  # keys: the float sway fields only
            lost_s=float(np.count_nonzero(h.window("guessed", lo + first, lo + last + 1)))
            / self.rate_hz,
        )

    def _overlaps_reps(self, t_first: float, t_last: float, closed_s: float) -> bool:
        """Whether the stance overlaps a counted rep: standing on the leg between and after
        single-leg squats is the set's, not a balance bout. Only reps confirmed by the time
        the bout closed count, so how the stream was cut does not decide."""
        reps = self._reps() if self._reps is not None else ()
        return any(
            r.reported_s <= closed_s and r.start_s < t_last and r.end_s > t_first for r in reps
        )

    def _tilt(self, up: np.ndarray, incl: np.ndarray) -> np.ndarray:
        """2-D tilt from standing (deg): its direction in a fixed basis, its inclination."""
        return unit(up @ self._basis.T) * incl[:, None]

    def _sideways(self, stance: np.ndarray, end: int) -> bool:
        """A stance thigh leans sideways (adduction); a lifted free leg leans forward.

        Only decidable once the forward direction is known (from reps or strides).
        """
        forward = self._forward(before=end) if self._forward is not None else None
        if forward is None:
            return True
        lean = unit(stance.mean(axis=0)) - self.up_axis
        side = np.cross(self.up_axis, forward)
        return bool(np.degrees(abs(lean @ side)) >= self.config.lean_on_deg)
