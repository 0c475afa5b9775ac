"""Movement scripts about posture: single-leg stance, weight shifts, sit-to-stand."""

from __future__ import annotations

import numpy as np

from tracker.sim.kinematics import lateral_sign
from tracker.sim.segment import Event, Segment, local_time
from tracker.sim.shapes import band_noise, keyframes, min_jerk

SWAY_BAND_HZ = (0.08, 3.0)
KNEE_SWAY_SHARE = 0.6  # the shank follows the thigh's sway partly (ankle and knee strategy)


def balance(
    rng: np.random.Generator,
    *,
    leg: str,
    stance_s: float = 30.0,
    sway_rms_deg: float = 1.0,
    peak_hz: float = 0.6,
    lean_deg: float = 4.0,
    shift_on_s: float = 1.5,
    shift_off_s: float = 1.5,
    lead_s: float = 3.0,
    trail_s: float = 3.0,
) -> Segment:
    """Single-leg stance on the instrumented leg.

    A weight shift onto the leg (the leg leans ``lean_deg`` over ``shift_on_s``, the
    other foot lifts), a settled stance of ``stance_s`` with 2-D sway (smooth noise
    with its spectrum peaking at ``peak_hz``, scaled to an RMS radius of
    ``sway_rms_deg`` over the settled stance), then a shift off. The ``balance`` event
    covers the settled stance only.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the sway and the knee's bend.
    leg : str
        The instrumented leg, the one stood on.
    stance_s, sway_rms_deg, peak_hz : float
        Settled stance: duration, RMS radius of the thigh's 2-D sway, its dominant
        frequency.
    lean_deg, shift_on_s, shift_off_s : float
        The weight shift onto the leg and off it.
    lead_s, trail_s : float
        Standing on both feet before and after.

    Returns
    -------
    Segment
    """
    a = lead_s
    b = a + shift_on_s
    c = b + stance_s
    d = c + shift_off_s
    ts = local_time(d + trail_s)
    i_b, i_c = np.searchsorted(ts, [b, c])

    sway = np.column_stack(
        [band_noise(len(ts), ts[1], rng, SWAY_BAND_HZ, peak_hz) for _ in range(2)]
    )
    sway *= np.sqrt([rng.uniform(0.6, 1.4), 1.0])  # AP vs ML share
    sway -= sway[i_b:i_c].mean(axis=0)
    sway *= sway_rms_deg / np.sqrt(np.mean(np.sum(sway[i_b:i_c] ** 2, axis=1)))
    # Full sway over the settled stance; it builds up and dies down inside the shifts.
    envelope = min_jerk((ts - a - 0.1 * shift_on_s) / (0.8 * shift_on_s))
    envelope *= min_jerk((d - 0.1 * shift_off_s - ts) / (0.8 * shift_off_s))
    sway *= envelope[:, None]

    shift = keyframes(ts, [a, b, c, d], [0.0, 1.0, 1.0, 0.0])
    lean = -lateral_sign(leg) * lean_deg * shift
    soft_knee = rng.uniform(1.0, 4.0) * shift  # a slightly bent knee on one leg
    info = {"sway_rms_target_deg": sway_rms_deg, "peak_hz": peak_hz, "lean_deg": lean_deg}
    info |= {"shift_on": [a, b], "shift_off": [c, d], "side": leg}
    return Segment(
        flex_deg=soft_knee + sway[:, 0],
        frontal_deg=lean + sway[:, 1],
        rot_deg=np.zeros_like(ts),
        shank_flex_deg=soft_knee - KNEE_SWAY_SHARE * sway[:, 0],
        shank_frontal_deg=lean + KNEE_SWAY_SHARE * sway[:, 1],
        sway_gain=np.ones_like(ts),
        events=[Event("balance", b, c, info)],
    )


def weight_shifts(
    rng: np.random.Generator,
    count: int,
    *,
    lead_s: float = 2.0,
    trail_s: float = 2.0,
) -> Segment:
    """Standing on both feet, shifting the weight: lateral 2-6° and slight forward leans.

    Each shift leans the whole leg over 1-2 s, holds 1-3 s and comes back over 1-2 s,
    followed by 1-3 s of standing. None is a rep.
    """
    plans, t = [], lead_s
    for _ in range(count):
        out_s, hold_s, back_s, pause_s = rng.uniform([1, 1, 1, 1], [2, 3, 2, 3])
        lateral = rng.choice([-1.0, 1.0]) * rng.uniform(2.0, 6.0)
        forward = rng.uniform(0.0, 4.0) if rng.uniform() < 0.6 else 0.0
        if rng.uniform() < 0.25:
            lateral = 0.0
            forward = rng.uniform(2.0, 4.0)
        plans.append((t, out_s, hold_s, back_s, lateral, forward))
        t += out_s + hold_s + back_s + pause_s
    ts = local_time(t + trail_s)
    seg = Segment.still(t + trail_s)
    for t0, out_s, hold_s, back_s, lateral, forward in plans:
        span = out_s + hold_s + back_s
        shape = keyframes(ts, [t0, t0 + out_s, t0 + out_s + hold_s, t0 + span], [0, 1, 1, 0])
        seg.frontal_deg += lateral * shape
        seg.shank_frontal_deg += lateral * shape
        seg.flex_deg -= forward * shape  # leaning forward: the hip ahead of the knee
        seg.shank_flex_deg += forward * shape
        info = {"lateral_deg": float(lateral), "forward_deg": float(forward)}
        seg.events.append(Event("shift", t0, t0 + span, info))
    return seg


def sit_to_stand(
    rng: np.random.Generator,
    rises: int = 5,
    *,
    start_seated: bool = True,
    seat_deg: float = 90.0,
    rise_s: float = 1.2,
    sit_s: float = 1.5,
    trail_s: float = 3.0,
) -> Segment:
    """The five-times sit-to-stand test: ``rises`` rises from a chair, sitting in between.

    Seated the thigh is ``seat_deg`` from vertical (85-95° usually) and the shank near
    vertical; each rise is a minimum-jerk move of ``rise_s`` (±15 %) to standing, the
    knee moving forward on the way; a brief stand, then sitting down over ``sit_s``.
    Without ``start_seated`` the person first sits down. The ``sts`` event spans the
    start of the first rise to the end of the last.
    """
    times, values, t = [0.0], [seat_deg if start_seated else 0.0], 0.0
    if start_seated:
        t = rng.uniform(2.0, 4.0)
    else:
        t = rng.uniform(1.0, 2.0)
        times.append(t)
        values.append(0.0)
        t += sit_s * rng.uniform(0.9, 1.1)
        times.append(t)
        values.append(seat_deg)
        t += rng.uniform(1.0, 2.5)
    events = []
    for i in range(rises):
        times.append(t)
        values.append(seat_deg)
        up = t + rise_s * rng.uniform(0.85, 1.15)
        times.append(up)
        values.append(0.0)
        events.append(Event("rise", t, up, {"index": i}))
        if i == rises - 1:
            t = up + trail_s
            break
        t = up + rng.uniform(0.2, 0.6)  # stand up fully, then at once sit again
        times.append(t)
        values.append(0.0)
        t += sit_s * rng.uniform(0.85, 1.15)
        times.append(t)
        values.append(seat_deg)
        t += rng.uniform(0.1, 0.4)
    ts = local_time(t)
    flex = keyframes(ts, times, values)
    progress = flex / seat_deg  # 1 seated, 0 standing
    shank_seated = rng.uniform(0.0, 12.0)
    knee_forward = rng.uniform(8.0, 15.0)
    events.append(Event("sts", events[0].start_s, events[-1].end_s, {"stands": rises}))
    return Segment(
        flex_deg=flex,
        frontal_deg=rng.uniform(-0.05, 0.05) * flex,
        rot_deg=rng.uniform(-0.1, 0.1) * flex,
        shank_flex_deg=shank_seated * progress + knee_forward * np.sin(np.pi * progress),
        shank_frontal_deg=np.zeros_like(ts),
        sway_gain=1.0 - progress,
        events=events,
    )
