"""Hold time of a stance from the thigh: lift-off, touch-down and steps, found in the tilt trace.

Definitions (docs/clinic.md, "Hold time"): with the sensor on the stance leg, the
other foot can only leave the floor once the weight is over the stance foot, so
**lift-off** is the end of the weight shift onto the leg (the thigh reaches its
single-leg lean) and **touch-down** the start of the shift off it (the lifted foot
takes weight), or the start of a **step** (the stance thigh swings forward). Stances
on two feet have no lift-off: they are timed from the start cue to a step.

Each shift is located by fitting a minimum-jerk ramp from two-legged standing to the
stance lean (the lean's direction and size taken over the whole stance) to the tilt
projected on that direction. Sway rides on the stance and builds up with the weight on
one leg, so the fit weighs each sample by ``1 / sqrt(q² + (S·p)²)``, with ``p`` the
ramp's progress towards the stance, ``S`` the stance's sway and ``q`` the quiet
standing's: the quiet side of a shift counts most. A step is a rise of the
inclination well above the stance's within a fraction of a second; it starts where a
minimum-jerk ramp fitted to that rise starts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.ndimage import uniform_filter1d
from scipy.optimize import least_squares
from scipy.signal import butter, sosfiltfilt

from tracker.clinic.trace import Trace
from tracker.dsp.sway import sway_measures
from tracker.sim.shapes import min_jerk

LEAN_MIN_DEG = 1.5  # slow lean from two-legged standing that means weight on one leg
UPRIGHT_DEG = 15.0  # a slower inclination beyond this is not standing
STEP_DEG = 6.0  # inclination this far above the stance's within STEP_WITHIN_S: a step
STEP_WITHIN_S = 1.0
STEP_FIT_S = 0.6  # the swing of a step, fitted from this long before its peak
QUIET_DEG = 0.15  # sway of quiet standing on two feet (the fit's floor)
FIT_HALF_S = 3.0  # data either side of a shift's midpoint used to fit it
AFTER_DOWN_S = 1.0  # data after the midpoint of the shift off the leg used to fit it
MIN_SWAY_S = 1.0  # shorter holds have no sway measures
STABILOGRAM_HZ = 20.0  # rate of the stored tilt path (report's stabilogram)


@dataclass(frozen=True)
class StanceTiming:
    """How long a stance was held, and how it ended.

    ``ended_by`` is one of ``foot_down`` (the lifted foot came down), ``step``,
    ``time_limit`` (held to the protocol's maximum), ``clinician`` (ended by key),
    ``recording_ended`` (the data stop during the stance: incomplete) and
    ``not_lifted`` (no single-leg stance found: hold 0).
    """

    hold_s: float
    ended_by: str
    start_s: float | None = None
    end_s: float | None = None
    lift_off_s: float | None = None
    touchdown_s: float | None = None
    lean_deg: float | None = None
    sway: dict | None = None
    stabilogram: dict | None = None

    @property
    def complete(self) -> bool:
        return self.ended_by != "recording_ended"

    def to_json(self) -> dict:
        out = {
            "hold_s": _r(self.hold_s),
            "ended_by": self.ended_by,
            "start_s": _r(self.start_s),
            "end_s": _r(self.end_s),
            "lift_off_s": _r(self.lift_off_s),
            "touchdown_s": _r(self.touchdown_s),
            "lean_deg": _r(self.lean_deg),
        }
        return out | (self.sway or {})


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


def _lowpass(x: np.ndarray, cutoff_hz: float, rate_hz: float) -> np.ndarray:
    """Zero-phase 2nd-order Butterworth lowpass along axis 0 (short inputs pass through)."""
    if len(x) < 16:
        return np.asarray(x, dtype=np.float64).copy()
    sos = butter(2, min(cutoff_hz, 0.45 * rate_hz), fs=rate_hz, output="sos")
    return sosfiltfilt(sos, x, axis=0, padlen=min(len(x) - 1, 3 * int(rate_hz)))


def _moving_std(x: np.ndarray, n: int) -> np.ndarray:
    """Standard deviation over a centred window of ``n`` samples."""
    mean = uniform_filter1d(x, n, mode="nearest")
    return np.sqrt(np.maximum(uniform_filter1d(x * x, n, mode="nearest") - mean**2, 0.0))


def _local_sway(x: np.ndarray, slow: np.ndarray, lo: int, hi: int, floor: float) -> float:
    """Sway about the slow lean between samples ``lo`` and ``hi``, at least ``floor``."""
    lo, hi = max(0, lo), min(len(x), hi)
    if hi - lo < 8:
        return floor
    return max(floor, float(np.std(x[lo:hi] - slow[lo:hi])))


def _runs(mask: np.ndarray) -> np.ndarray:
    """(start, stop) index pairs of the True runs of ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return edges.reshape(-1, 2)


def fit_ramp(
    t_s: np.ndarray, x: np.ndarray, *, rising: bool, size: float, sway: float, guess_s: float
) -> tuple[float, float]:
    """Start and duration of a minimum-jerk ramp between 0 and ``size`` fitted to ``x``.

    Weighted least squares (scipy's ``least_squares``), the weights ``1/sqrt(q² + (sway·p)²)``
    following the ramp's progress ``p`` toward ``size``, refitted four times from several
    durations; ``guess_s`` is about the ramp's midpoint.

    References
    ----------
    .. [1] T. Flash, N. Hogan, "The coordination of arm movements: an experimentally
       confirmed mathematical model", J. Neurosci. 5(7):1688-1703, 1985.
    """

    def progress(p):
        s = min_jerk((t_s - p[0]) / p[1])
        return s if rising else 1.0 - s

    def residual(p, weights):
        # Standing is at p[2]: the tilt estimate may not yet be back at zero after a stance.
        return (p[2] + (size - p[2]) * progress(p) - x) * weights

    best = None
    bounds = ([t_s[0] - 1.0, 0.15, -0.5 * size], [t_s[-1], 4.0, 0.5 * size])
    for width_s in (0.3, 0.6, 1.0, 1.5, 2.0):
        start = np.clip(guess_s - 0.5 * width_s, bounds[0][0], t_s[-1] - 0.01)
        p = np.array([start, width_s, 0.0])
        for _ in range(4):
            weights = 1.0 / np.sqrt(QUIET_DEG**2 + (sway * progress(p)) ** 2)
            fit = least_squares(residual, p, args=(weights,), bounds=bounds)
            p = fit.x
        if best is None or fit.cost < best.cost:
            best = fit
    return float(best.x[0]), float(best.x[1])


def _step_onset(t, incl, stance_level_deg: float, lo: int, hi: int) -> float | None:
    """Start of a step between samples ``lo`` and ``hi``: the inclination rising at least
    ``STEP_DEG`` above the stance's within ``STEP_WITHIN_S``; None when there is none."""
    seg = incl[lo:hi]
    if len(seg) < 3 or np.nanmax(seg) < stance_level_deg + STEP_DEG:
        return None
    peak = lo + int(np.nanargmax(seg))
    rate = 1.0 / float(np.median(np.diff(t)))
    first = max(0, peak - round(STEP_WITHIN_S * rate))
    before = incl[max(0, first - round(0.5 * rate)) : first + 1]
    base = float(np.nanmedian(before)) if len(before) else stance_level_deg
    if not np.isfinite(incl[first : peak + 1]).all() or incl[peak] - base < STEP_DEG:
        return None
    # The swing itself takes a few tenths of a second: fit it, not the sway before it.
    first = max(0, peak - round(STEP_FIT_S * rate))
    rise = incl[first : peak + 1] - incl[first]
    start, _ = fit_ramp(
        t[first : peak + 1],
        rise,
        rising=True,
        size=float(rise[-1]),
        sway=0.0,
        guess_s=float(t[first + int(np.argmax(rise >= 0.5 * rise[-1]))]),
    )
    return start


def time_single_leg(
    trace: Trace,
    *,
    max_s: float,
    after_s: float | None = None,
    clinician_end_s: float | None = None,
) -> StanceTiming:
    """Hold time of a single-leg stance trial (sensor on the stance leg).

    Parameters
    ----------
    trace : Trace
        The trial's pipeline output (``exercise="balance"``: the reference is standing).
    max_s : float
        The protocol's limit: a stance held longer counts ``max_s`` (``time_limit``).
    after_s : float, optional
        The start cue: a stance must begin after it.
    clinician_end_s : float, optional
        When the clinician ended the trial by key; the hold ends there unless the
        thigh showed the end earlier.

    Returns
    -------
    StanceTiming
    """
    ok = trace.valid()
    if after_s is not None:
        ok &= trace.t_s >= after_s - 0.5
    t, tilt, incl = trace.t_s[ok], trace.tilt_deg[ok], trace.inclination_deg[ok]
    rate = trace.rate_hz
    if len(t) < round(2 * rate):
        return StanceTiming(0.0, "not_lifted")
    slow = _lowpass(tilt, 0.3, rate)
    lean = np.linalg.norm(slow, axis=1)
    upright = _lowpass(incl, 0.5, rate) < UPRIGHT_DEG
    runs = _runs((lean > LEAN_MIN_DEG) & upright)
    runs = runs[(runs[:, 1] - runs[:, 0]) >= round(0.5 * rate)] if len(runs) else runs
    if not len(runs):
        return StanceTiming(0.0, "not_lifted")
    i0, i1 = runs[np.argmax(runs[:, 1] - runs[:, 0])]
    stance_at = np.median(slow[i0:i1], axis=0)
    size = float(np.linalg.norm(stance_at))
    x = _lowpass(tilt @ (stance_at / size), 5.0, rate)
    xs = _lowpass(x, 0.3, rate)
    core = slice(i0 + (i1 - i0) // 4, i1 - (i1 - i0) // 4 + 1)
    sway = max(float(np.std(x[core] - xs[core])), float(np.std(x[core])), 0.1)
    stance_incl = float(np.median(incl[core]))
    mid = (i0 + i1) // 2
    half = round(FIT_HALF_S * rate)

    # The shifts are the crossings of half the lean next to two-legged standing: quiet,
    # and nearer standing than the stance. Sway can dip below half the lean during the
    # stance, but it does not turn quiet there.
    x1 = _lowpass(x, 1.0, rate)
    standing = (_moving_std(x, round(rate)) < max(0.25, 0.35 * sway)) & (x1 < 0.5 * size)
    before = np.flatnonzero(standing[:mid])
    up = mid
    if len(before):
        up = before[-1] + int(np.argmax(x1[before[-1] : mid + 1] >= 0.5 * size))
    lift_off = None
    if len(before):  # two-legged standing before: a lift-off
        w = slice(max(0, up - half), min(len(t), up + half))
        near = _local_sway(x, xs, up + round(0.5 * rate), up + round(2.5 * rate), sway)
        start, width = fit_ramp(t[w], x[w], rising=True, size=size, sway=near, guess_s=t[up])
        lift_off = float(np.clip(start + width, t[up] - 0.2, t[up] + 2.5))

    after = np.flatnonzero(standing[mid:])
    touchdown, ended_by = None, "recording_ended"
    if len(after):
        back = mid + int(after[0])
        down = mid + int(np.flatnonzero(x1[mid : back + 1] >= 0.5 * size)[-1]) + 1
        # Little after the shift: the tilt estimate settles slowly after a quick one.
        w = slice(max(0, down - half), min(len(t), down + round(AFTER_DOWN_S * rate)))
        # Sway grows as balance is being lost: weigh the last seconds by their own.
        near = _local_sway(x, xs, down - round(2.5 * rate), down - round(0.5 * rate), sway)
        start, _ = fit_ramp(t[w], x[w], rising=False, size=size, sway=near, guess_s=t[down])
        touchdown, ended_by = float(np.clip(start, t[down] - 2.5, t[down] + 0.2)), "foot_down"
        lo = max(0, down - round(1.5 * rate))
        step = _step_onset(t, incl, stance_incl, lo, min(len(t), down + round(1.5 * rate)))
        if step is not None:  # its start is sharper than the lean's return
            touchdown, ended_by = step, "step"
    else:  # the data end during the stance, unless a step ends it
        step = _step_onset(t, incl, stance_incl, max(0, len(t) - round(2 * rate)), len(t))
        if step is not None:
            touchdown, ended_by = step, "step"
    start_s = lift_off if lift_off is not None else float(t[i0])
    end_s = touchdown if touchdown is not None else float(t[-1])
    timing = StanceTiming(
        hold_s=max(0.0, end_s - start_s),
        ended_by=ended_by,
        start_s=start_s,
        end_s=end_s,
        lift_off_s=lift_off,
        touchdown_s=touchdown,
        lean_deg=size,
    )
    return _limited(timing, max_s, clinician_end_s, trace)


def time_two_feet(
    trace: Trace, *, cue_s: float, max_s: float, clinician_end_s: float | None = None
) -> StanceTiming:
    """Hold time of a stance on both feet (feet together, semi-tandem, tandem): from the
    start cue ``cue_s`` to a step, the limit ``max_s`` or the clinician's key."""
    ok = trace.valid() & (trace.t_s >= cue_s)
    t, incl = trace.t_s[ok], trace.inclination_deg[ok]
    rate = trace.rate_hz
    if not len(t):
        return StanceTiming(0.0, "recording_ended", start_s=cue_s, end_s=cue_s)
    level = float(np.median(incl[: max(1, round(1.0 * rate))]))
    stop = np.searchsorted(t, cue_s + max_s + 1.0)
    step = _step_onset(t, incl, level, 0, stop)
    end_s, ended_by = (step, "step") if step is not None else (float(t[-1]), "recording_ended")
    timing = StanceTiming(
        hold_s=max(0.0, end_s - cue_s), ended_by=ended_by, start_s=cue_s, end_s=end_s
    )
    return _limited(timing, max_s, clinician_end_s, trace)


def _limited(
    timing: StanceTiming, max_s: float, clinician_end_s: float | None, trace: Trace
) -> StanceTiming:
    """Apply the clinician's end and the time limit, then measure the sway of the hold."""
    if timing.start_s is None or timing.end_s is None:
        return timing
    if clinician_end_s is not None and clinician_end_s < timing.end_s:
        timing = replace(timing, end_s=clinician_end_s, ended_by="clinician")
    if timing.end_s - timing.start_s >= max_s:
        timing = replace(timing, end_s=timing.start_s + max_s, ended_by="time_limit")
    timing = replace(timing, hold_s=max(0.0, timing.end_s - timing.start_s))
    return replace(timing, **_sway(trace, timing.start_s, timing.end_s))


def _sway(trace: Trace, start_s: float, end_s: float) -> dict:
    """Sway measures (docs/metrics.md) of the tilt over the hold, and its stabilogram."""
    inside = trace.valid() & (trace.t_s >= start_s) & (trace.t_s <= end_s)
    if (end_s - start_s) < MIN_SWAY_S or np.count_nonzero(inside) < 16:
        return {"sway": None, "stabilogram": None}
    tilt = trace.tilt_deg[inside]
    traj = _lowpass(tilt, 10.0, trace.rate_hz) if len(tilt) > 27 else tilt
    m = sway_measures(traj, trace.rate_hz)
    sway = {k: _r(v, 2 if k == "jerk_deg_s3" else 4) for k, v in m.reported().items()}
    step = max(1, round(trace.rate_hz / STABILOGRAM_HZ))
    centred = traj[::step] - traj.mean(axis=0)
    stabilogram = {
        "rate_hz": trace.rate_hz / step,
        "x_deg": [round(float(v), 3) for v in centred[:, 0]],
        "y_deg": [round(float(v), 3) for v in centred[:, 1]],
    }
    return {"sway": sway, "stabilogram": stabilogram}
