"""Movements that turn without stopping: back-to-back reps whose tops wander, chair rises
that go straight back down.

Real sets are often continuous: the thigh reverses at the top and at the bottom like a
pendulum (its rate of turn crosses zero with a slope, it does not dwell), one rep every
1.9-3.7 s, and the tops are not where the person stood before the set: some stop short of
standing, some end more extended than they started, and they lean and shift between reps.
"""

from __future__ import annotations

import numpy as np

from tracker.sim.kinematics import SHANK_M, THIGH_M, lateral_sign
from tracker.sim.motions import KNEE_SHARE
from tracker.sim.segment import Event, Segment, local_time
from tracker.sim.shapes import band_noise, keyframes, min_jerk, ramp_window

TOPS = ("level", "short", "extended", "wander")
"""How the tops between reps sit against the posture held before the set: within ±2°,
short of it by 2-19° (the thigh still inclined forward), 5-12° more extended, or
wandering between -12° and +19°."""
SHAKE_BAND_HZ = (1.5, 5.0)
IRREGULAR_BAND_HZ = (0.8, 3.0)
IRREGULAR_SHARES = (0.3, 0.4, 1.0)  # of the sagittal, frontal and axial angles


def turning_path(t_s: np.ndarray, times_s, values, ease_ends: bool = True) -> np.ndarray:
    """A path through turning points ``(times_s[i], values[i])``, constant outside them.

    Between two turning points it follows a half cosine, so it stops there only for an
    instant (zero speed, non-zero acceleration: a reversal, not a pause). With
    ``ease_ends`` the first and last pieces are minimum-jerk instead (leaving rest and
    coming to rest).
    """
    times = np.asarray(times_s, dtype=np.float64)
    vals = np.asarray(values, dtype=np.float64)
    idx = np.clip(np.searchsorted(times, t_s, side="right") - 1, 0, len(times) - 2)
    s = np.clip((t_s - times[idx]) / np.maximum(times[idx + 1] - times[idx], 1e-12), 0.0, 1.0)
    progress = 0.5 - 0.5 * np.cos(np.pi * s)
    if ease_ends:
        ends = (idx == 0) | (idx == len(times) - 2)
        progress[ends] = min_jerk(s[ends])
    return vals[idx] + (vals[idx + 1] - vals[idx]) * progress


def draw_tops(rng: np.random.Generator, style: str, count: int) -> np.ndarray:
    """Sagittal angles (deg, + forward) of ``count`` tops against the posture before the set."""
    if style == "level":
        return rng.uniform(-2.0, 2.0, count)
    if style == "short":
        return np.clip(rng.uniform(5.0, 14.0) + rng.uniform(-4.0, 5.0, count), 2.0, 19.0)
    if style == "extended":
        return -np.clip(rng.uniform(6.0, 11.0) + rng.uniform(-1.5, 1.5, count), 5.0, 12.0)
    if style == "wander":
        steps = rng.normal(0.0, 5.0, count)
        steps[0] += rng.uniform(-5.0, 8.0)
        return np.clip(np.cumsum(steps), -12.0, 19.0)
    raise ValueError(f"tops must be one of {', '.join(TOPS)}")


def continuous_set(
    rng: np.random.Generator,
    *,
    leg: str,
    reps: int,
    depth_deg: float,
    period_s: float,
    tops: str = "wander",
    lead_s: float = 0.1,
    settle_s: float = 1.0,
    trail_s: float = 1.5,
    shake_rms_deg: float = 0.3,
    shift_deg: float = 3.0,
    irregular_deg: float = 2.0,
) -> Segment:
    """A set of ``reps`` back-to-back reps from standing, back to standing at the end.

    Each rep lasts ``period_s`` (±10 %), descends for 42-55 % of it to ``depth_deg`` (±7 %)
    and turns at the top without a pause; the tops follow ``tops`` (``TOPS``) and the
    person shifts sideways between reps (frontal lean up to ``shift_deg``); the thigh's
    angles vary within each phase (0.8-3 Hz, where it is fastest: ``irregular_deg`` about
    its axis, 0.4 of it sideways and 0.3 of it in its sagittal angle). The first
    descent starts ``lead_s`` after the segment's start; after the last rep the thigh
    settles back to the posture over ``settle_s``, then stands for ``trail_s``.

    Returns
    -------
    Segment
        A ``rep`` event per rep (start and end at the tops, so one rep's end is the
        next one's start) and one ``set`` event.
    """
    top_angles = np.append(draw_tops(rng, tops, reps - 1), rng.uniform(-2.0, 2.0))
    times, values, events = [0.0, lead_s], [0.0, 0.0], []
    t = lead_s
    for i in range(reps):
        rep_s = period_s * rng.uniform(0.9, 1.1)
        down_s = rep_s * rng.uniform(0.42, 0.55)
        depth = depth_deg * rng.uniform(0.93, 1.07)
        times += [t + down_s, t + rep_s]
        values += [depth, top_angles[i]]
        info = {"kind": "continuous", "side": leg, "shake_rms_deg": shake_rms_deg}
        info |= {"pause_s": 0.0, "planned_depth_deg": depth, "tops": tops}
        events.append(Event("rep", t, t + rep_s, info))
        t += rep_s
    end_reps = t
    times += [t + settle_s]
    values += [0.0]
    total = t + settle_s + trail_s
    ts = local_time(total)
    # Half cosines between the turning points; the set leaves and regains rest smoothly.
    flex = turning_path(ts, times, values)
    # Nobody moves like a cosine: the speed varies within each descent and ascent, and the
    # thigh turns about its axis and sideways more, most where it is fastest.
    speed = np.abs(np.gradient(flex, ts))
    uneven = speed / max(float(speed.max()), 1e-9)
    irregular = [
        share * irregular_deg * uneven * band_noise(len(ts), ts[1], rng, IRREGULAR_BAND_HZ)
        for share in IRREGULAR_SHARES
    ]
    flex = flex + irregular[0]

    # Sideways shifts at the tops (the whole leg leans), the knee drifting in or out with
    # depth and shaking (the knee moves, the hip stays), as in ``motions.rep_set``.
    shifts = np.append(np.append(0.0, rng.uniform(-shift_deg, shift_deg, reps - 1)), 0.0)
    top_times = [lead_s] + [ev.end_s for ev in events[:-1]] + [end_reps + settle_s]
    lean = keyframes(ts, top_times, shifts) * lateral_sign(leg)
    wobble = rng.uniform(-0.08, 0.08) * flex + irregular[1]
    if shake_rms_deg > 0:
        i0, i1 = np.searchsorted(ts, [lead_s, end_reps])
        shake = band_noise(i1 - i0, ts[1], rng, SHAKE_BAND_HZ, 2.5)
        wobble[i0:i1] += shake * ramp_window(ts[i0:i1], lead_s, end_reps, 0.4) * shake_rms_deg
    k_shank = rng.uniform(0.35, 0.5)
    events.append(Event("set", lead_s, end_reps, {"reps": reps, "side": leg, "kind": "continuous"}))
    return Segment(
        flex_deg=flex,
        frontal_deg=lean + wobble,
        rot_deg=rng.uniform(-0.12, 0.12) * flex + irregular[2],
        shank_flex_deg=k_shank * flex,
        shank_frontal_deg=lean - KNEE_SHARE * THIGH_M / SHANK_M * wobble,
        sway_gain=np.ones_like(ts),
        events=events,
    )
