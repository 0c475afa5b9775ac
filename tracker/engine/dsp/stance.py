"""One single-leg stance, measured one way: where it starts and ends, and its sway.

The home balance bouts (``dsp.balance``) and the clinic's single-leg stance
(``clinic.timing``) both find the stance here. With the sensor on the stance leg, the
other foot can only leave the floor once the weight is over the stance foot, so the
stance starts at the end of the weight shift onto the leg (**lift-off**: the thigh
reaches its single-leg lean) and ends at the start of the shift off it
(**touch-down**: the lifted foot takes weight).

Each shift is located by fitting a minimum-jerk ramp from two-legged standing to the
stance lean (the lean's direction and size taken over the whole stance) to the tilt
projected on that direction. Sway rides on the stance and grows with the weight on one
leg, so the fit weighs each sample by ``1 / sqrt(q² + (S·p)²)``, with ``p`` the ramp's
progress towards the stance, ``S`` the stance's sway and ``q`` quiet standing's: the
quiet side of a shift counts most. Sway is measured over the stance from the 2-D tilt
(docs/metrics.md), lowpassed at 10 Hz as the reference pipeline does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.ndimage import uniform_filter1d
from scipy.signal import butter

from tracker.engine.dsp.filters import ZeroPhase

LEAN_MIN_DEG = 1.5  # slow lean from two-legged standing that means weight on one leg
UPRIGHT_DEG = 15.0  # a slower inclination beyond this is not standing
QUIET_DEG = 0.15  # sway of quiet standing on two feet (the fit's floor)
FIT_HALF_S = 3.0  # data either side of a shift's midpoint used to fit it
AFTER_DOWN_S = 1.0  # data after the midpoint of the shift off the leg used to fit it
MEASURE_HZ = 10.0  # the sway's lowpass, as the reference pipeline filters
JOIN_S = 2.5  # stretches leaning on the leg less than this apart are one stance
LIFT_OFF_WITHIN_S = (-0.2, 2.5)  # lift-off this close to the middle of the shift onto the leg
TOUCHDOWN_WITHIN_S = (-2.5, 0.2)  # touch-down this close to the middle of the shift off it


@dataclass(frozen=True)
class StanceEdges:
    """A single-leg stance found in a trace (times in s on the trace's clock).

    ``lift_off_s`` is None when the trace holds no two-legged standing before the
    stance, ``touchdown_s`` when it holds none after it (the data end during it).
    ``down`` is the sample in the middle of the shift off the leg (None likewise), near
    which a step may end the stance instead.
    """

    lift_off_s: float | None
    touchdown_s: float | None
    lean_deg: float
    sway_deg: float  # the stance's sway along its lean (RMS about its slow course)
    stance_incl_deg: float
    first: int  # first and last sample of the longest stretch leaning on the leg
    last: int
    down: int | None


def min_jerk(s: np.ndarray) -> np.ndarray:
    """Minimum-jerk progress ``10s³ - 15s⁴ + 6s⁵`` for ``s`` clipped to [0, 1].

    References
    ----------
    .. [1] T. Flash, N. Hogan, "The coordination of arm movements: an experimentally
       confirmed mathematical model", J. Neurosci. 5(7):1688-1703, 1985.
    """
    s = np.clip(s, 0.0, 1.0)
    return s**3 * (10.0 + s * (-15.0 + 6.0 * s))


def lowpass(x: np.ndarray, cutoff_hz: float, rate_hz: float) -> np.ndarray:
    """Zero-phase 2nd-order Butterworth lowpass along axis 0 (short inputs pass through)."""
    if len(x) < 16:
        return np.asarray(x, dtype=np.float64).copy()
    x = np.asarray(x, dtype=np.float64)
    return _zero_phase(min(cutoff_hz, 0.45 * rate_hz), rate_hz)(
        x, padlen=min(len(x) - 1, 3 * int(rate_hz))
    )


@lru_cache(maxsize=32)
def _zero_phase(cutoff_hz: float, rate_hz: float) -> ZeroPhase:
    """sosfiltfilt's steps with the filter's start state solved once, not on every call."""
    return ZeroPhase(butter(2, cutoff_hz, fs=rate_hz, output="sos"))


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


def _joined(runs: np.ndarray, gap: int) -> np.ndarray:
    """``runs`` with those less than ``gap`` samples apart joined into one."""
    out = [list(runs[0])]
    for start, stop in runs[1:]:
        if start - out[-1][1] < gap:
            out[-1][1] = stop
        else:
            out.append([start, stop])
    return np.array(out)


def fit_ramp(
    t_s: np.ndarray, x: np.ndarray, *, rising: bool, size: float, sway: float, guess_s: float
) -> tuple[float, float]:
    """Start and duration of a minimum-jerk ramp between 0 and ``size`` fitted to ``x``.

    Weighted least squares (scipy's ``least_squares``, with the model's own Jacobian),
    the weights ``1/sqrt(q² + (sway·p)²)`` following the ramp's progress ``p`` toward
    ``size``, refitted twice from two durations; ``guess_s`` is about the ramp's
    midpoint.
    """
    # Imported here: scipy.optimize takes most of a second to load, and only bouts need it.
    from scipy.optimize import least_squares

    # A shift takes over 0.15 s: a sample every 40 ms describes it (and fits faster).
    every = max(1, int(0.04 / float(np.median(np.diff(t_s))))) if len(t_s) > 1 else 1
    t_s, x = t_s[::every], x[::every]
    sign = 1.0 if rising else -1.0

    def progress(p):
        s = min_jerk((t_s - p[0]) / p[1])
        return s if rising else 1.0 - s

    def residual(p, weights):
        # Standing is at p[2]: the tilt estimate may not yet be back at zero after a stance.
        return (p[2] + (size - p[2]) * progress(p) - x) * weights

    def jacobian(p, weights):
        u = np.clip((t_s - p[0]) / p[1], 0.0, 1.0)
        slope = 30.0 * u**2 * (1.0 - u) ** 2 * sign * (size - p[2]) / p[1]  # d/du, per p[1]
        return np.column_stack([-slope, -slope * u, 1.0 - progress(p)]) * weights[:, None]

    best = None
    bounds = ([t_s[0] - 1.0, 0.15, -0.5 * size], [t_s[-1], 4.0, 0.5 * size])
    for width_s in (0.5, 1.5):
        start = np.clip(guess_s - 0.5 * width_s, bounds[0][0], t_s[-1] - 0.01)
        p = np.array([start, width_s, 0.0])
        for _ in range(2):
            weights = 1.0 / np.sqrt(QUIET_DEG**2 + (sway * progress(p)) ** 2)
            fit = least_squares(residual, p, jac=jacobian, args=(weights,), bounds=bounds)
            p = fit.x
        if best is None or fit.cost < best.cost:
            best = fit
    assert best is not None  # the loop ran
    return float(best.x[0]), float(best.x[1])


def stance_edges(
    t: np.ndarray,
    tilt: np.ndarray,
    incl: np.ndarray,
    rate: float,
    *,
    min_s: float | None = None,
) -> StanceEdges | None:
    """The single-leg stance in a trace: its lift-off and touch-down (see the module doc).

    Parameters
    ----------
    t : (n,) sample times, s (uniform at ``rate``)
    tilt : (n, 2) the thigh's tilt from two-legged standing, deg
    incl : (n,) its inclination, deg
    rate : float, Hz
    min_s : float, optional
        The shortest stance wanted: one that cannot last this long, wherever the fits
        put its edges, is not fitted.

    Returns
    -------
    StanceEdges, or None when no stretch of at least half a second leans on one leg (or
    the stance cannot last ``min_s``).
    """
    if len(t) < round(2 * rate):
        return None
    slow = lowpass(tilt, 0.3, rate)
    lean = np.linalg.norm(slow, axis=1)
    upright = lowpass(incl, 0.5, rate) < UPRIGHT_DEG
    runs = _runs((lean > LEAN_MIN_DEG) & upright)
    runs = runs[(runs[:, 1] - runs[:, 0]) >= round(0.5 * rate)] if len(runs) else runs
    if not len(runs):
        return None
    # Large sway about a small lean dips below it for a second or two: one stance still.
    runs = _joined(runs, round(JOIN_S * rate))
    i0, i1 = runs[np.argmax(runs[:, 1] - runs[:, 0])]
    stance_at = np.median(slow[i0:i1], axis=0)
    size = float(np.linalg.norm(stance_at))
    x = lowpass(tilt @ (stance_at / size), 5.0, rate)
    xs = lowpass(x, 0.3, rate)
    core = slice(i0 + (i1 - i0) // 4, i1 - (i1 - i0) // 4 + 1)
    sway = max(float(np.std(x[core] - xs[core])), float(np.std(x[core])), 0.1)
    up, down = _shifts(
        x, x1=lowpass(x, 1.0, rate), sway=sway, size=size, stretch=(i0, i1), rate=rate
    )
    # Each fit moves its edge at most so far from the shift (the clips below): the fits
    # take most of the time here, and a stance too short wherever they put it needs none.
    earliest = t[i0] if up is None else t[up] + LIFT_OFF_WITHIN_S[0]
    latest = t[-1] if down is None else t[down] + TOUCHDOWN_WITHIN_S[1]
    if min_s is not None and latest - earliest < min_s:
        return None
    half = round(FIT_HALF_S * rate)
    lift_off = None
    if up is not None:
        w = slice(max(0, up - half), min(len(t), up + half))
        near = _local_sway(x, xs, up + round(0.5 * rate), up + round(2.5 * rate), sway)
        start, width = fit_ramp(t[w], x[w], rising=True, size=size, sway=near, guess_s=t[up])
        lo, hi = LIFT_OFF_WITHIN_S
        lift_off = float(np.clip(start + width, t[up] + lo, t[up] + hi))
    touchdown = None
    if down is not None:
        # Little after the shift: the tilt estimate settles slowly after a quick one.
        w = slice(max(0, down - half), min(len(t), down + round(AFTER_DOWN_S * rate)))
        # Sway grows as balance is being lost: weigh the last seconds by their own.
        near = _local_sway(x, xs, down - round(2.5 * rate), down - round(0.5 * rate), sway)
        start, _ = fit_ramp(t[w], x[w], rising=False, size=size, sway=near, guess_s=t[down])
        lo, hi = TOUCHDOWN_WITHIN_S
        touchdown = float(np.clip(start, t[down] + lo, t[down] + hi))
        # Sway as large as the lean dips to standing's side during the stance; the shift
        # off starts after the last sway peak (at the latest ``down``), not at a dip before it.
        first = max(1, down - round(2.5 * rate))
        seg = x[first - 1 : down + 2]
        peaks = np.flatnonzero(
            (seg[1:-1] >= seg[:-2]) & (seg[1:-1] >= seg[2:]) & (seg[1:-1] >= 0.5 * size)
        )
        if len(peaks):
            touchdown = max(touchdown, float(t[first + int(peaks[-1])]))
    return StanceEdges(
        lift_off_s=lift_off,
        touchdown_s=touchdown,
        lean_deg=size,
        sway_deg=sway,
        stance_incl_deg=float(np.median(incl[core])),
        first=int(i0),
        last=int(i1) - 1,
        down=down,
    )


def _shifts(x, x1, *, sway, size, stretch, rate) -> tuple[int | None, int | None]:
    """The middles of the shifts onto the leg and off it (None where the trace holds no
    two-legged standing before or after the ``stretch`` leaning on the leg).

    The shifts are the crossings of half the lean next to two-legged standing: quiet,
    and nearer standing than the stance. Sway can dip below half the lean during the
    stance, and slow sway looks quiet for a second at its turns, so two-legged standing
    is looked for only outside the stretch, or near its ends (its slow lean lags a shift
    by a second or two).
    """
    standing = (_moving_std(x, round(rate)) < max(0.25, 0.35 * sway)) & (x1 < 0.5 * size)
    i0, i1 = stretch
    mid, margin = (i0 + i1) // 2, round(JOIN_S * rate)
    before = np.flatnonzero(standing[: min(mid, i0 + margin)])
    up = None
    if len(before):
        up = before[-1] + int(np.argmax(x1[before[-1] : mid + 1] >= 0.5 * size))
    after_from = max(mid, i1 - margin)
    after = np.flatnonzero(standing[after_from:])
    down = None
    if len(after):
        back = after_from + int(after[0])
        above = np.flatnonzero(x1[mid : back + 1] >= 0.5 * size)
        down = mid + (int(above[-1]) + 1 if len(above) else 0)
    return up, down


def sway_path(tilt: np.ndarray, rate: float) -> np.ndarray:
    """The stance's 2-D tilt as the sway measures take it: lowpassed at ``MEASURE_HZ``."""
    return lowpass(tilt, MEASURE_HZ, rate) if len(tilt) > 27 else np.asarray(tilt, float)
