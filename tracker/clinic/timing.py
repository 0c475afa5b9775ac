"""Hold time of a stance from the thigh: lift-off, touch-down and steps, found in the tilt trace.

Definitions (docs/clinic.md, "Hold time"): a single-leg stance runs from **lift-off** to
**touch-down**, found as the home balance bouts find them (``dsp.stance``), or to the
start of a **step** (the stance thigh swings forward). Stances on two feet have no
lift-off: they are timed from the start cue to a step. A step is a rise of the
inclination well above the stance's within a fraction of a second; it starts where a
minimum-jerk ramp fitted to that rise starts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from tracker.clinic.trace import Trace
from tracker.engine.dsp.stance import LEAN_MIN_DEG, fit_ramp, stance_edges, sway_path
from tracker.engine.dsp.sway import sway_measures

__all__ = ["LEAN_MIN_DEG", "STEP_DEG", "StanceTiming", "time_single_leg", "time_two_feet"]

STEP_DEG = 6.0  # inclination this far above the stance's within STEP_WITHIN_S: a step
STEP_SWAYS = 4.0  # ... or this many times the stance's sway, when it sways more
STEP_WITHIN_S = 1.0
STEP_FIT_S = 0.6  # the swing of a step, fitted from this long before its peak
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


def _step_onset(
    t, incl, stance_level_deg: float, lo: int, hi: int, sway_deg: float = 0.0
) -> float | None:
    """Start of a step between samples ``lo`` and ``hi``: the inclination rising at least
    ``STEP_DEG`` (or ``STEP_SWAYS`` times the stance's sway, whichever is more) above the
    stance's within ``STEP_WITHIN_S``; None when there is none."""
    step_deg = max(STEP_DEG, STEP_SWAYS * sway_deg)
    seg = incl[lo:hi]
    if len(seg) < 3 or np.nanmax(seg) < stance_level_deg + step_deg:
        return None
    peak = lo + int(np.nanargmax(seg))
    rate = 1.0 / float(np.median(np.diff(t)))
    first = max(0, peak - round(STEP_WITHIN_S * rate))
    before = incl[max(0, first - round(0.5 * rate)) : first + 1]
    base = float(np.nanmedian(before)) if len(before) else stance_level_deg
    if not np.isfinite(incl[first : peak + 1]).all() or incl[peak] - base < step_deg:
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
    edges = stance_edges(t, tilt, incl, rate)
    if edges is None:
        return StanceTiming(0.0, "not_lifted")
    lift_off, touchdown, down = edges.lift_off_s, edges.touchdown_s, edges.down
    ended_by = "foot_down" if touchdown is not None else "recording_ended"
    if down is not None:  # a step's start is sharper than the lean's return
        lo, hi = down - round(1.5 * rate), down + round(1.5 * rate)
    else:  # the data end during the stance, unless a step ends it
        lo, hi = len(t) - round(2 * rate), len(t)
    step = _step_onset(t, incl, edges.stance_incl_deg, max(0, lo), min(len(t), hi), edges.sway_deg)
    if step is not None:
        touchdown, ended_by = step, "step"
    start_s = lift_off if lift_off is not None else float(t[edges.first])
    end_s = touchdown if touchdown is not None else float(t[-1])
    timing = StanceTiming(
        hold_s=max(0.0, end_s - start_s),
        ended_by=ended_by,
        start_s=start_s,
        end_s=end_s,
        lift_off_s=lift_off,
        touchdown_s=touchdown,
        lean_deg=edges.lean_deg,
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
    traj = sway_path(trace.tilt_deg[inside], trace.rate_hz)
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
