"""Movement scripts with the foot on the floor: rests, squat and mini-squat sets, holds.

Each function returns a ``Segment`` that starts and ends standing upright, with the
events the truth needs in its local time. Angles in degrees, durations in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracker.sim.kinematics import SHANK_M, THIGH_M, lateral_sign, leg_chain
from tracker.sim.segment import Event, Segment, local_time
from tracker.sim.shapes import band_noise, keyframes, ramp_window, submovements

SHAKE_BAND_HZ = (1.5, 5.0)
SHAKE_PEAK_HZ = 2.5  # most of a wobble's power is slow; the band's top is rarer
KNEE_SHARE = 0.8  # share of a frontal shake taken by the knee (the hip moves the rest)


@dataclass(frozen=True)
class RepPlan:
    """One rep as submovements ``(start_s, duration_s, amplitude_deg)`` from its start.

    Amplitudes sum to zero (back to standing); ``pause_s`` is the time held at the bottom.
    """

    kind: str
    subs: tuple[tuple[float, float, float], ...]
    shake_rms_deg: float = 0.0
    pause_s: float = 0.0

    @property
    def duration_s(self) -> float:
        return max(start + dur for start, dur, _ in self.subs)

    @property
    def depth_deg(self) -> float:
        return sum(a for _, _, a in self.subs if a > 0)


def smooth_rep(
    depth_deg: float,
    descent_s: float,
    ascent_s: float,
    pause_s: float = 0.0,
    kind: str = "smooth",
    shake_rms_deg: float = 0.0,
) -> RepPlan:
    """A minimum-jerk descent, an optional pause, a minimum-jerk ascent."""
    subs = ((0.0, descent_s, depth_deg), (descent_s + pause_s, ascent_s, -depth_deg))
    return RepPlan(kind, subs, shake_rms_deg, pause_s)


def _hesitant_phase(rng, start_s, total_s, amplitude):
    """Submovements covering ``amplitude`` in about ``total_s``, with at least one stop."""
    k = int(rng.integers(2, 5))
    fractions = rng.dirichlet(np.full(k, 2.0))
    # Spacing below 1 overlaps the next submovement (re-acceleration), above 1 is a stop.
    spacing = rng.uniform(0.45, 1.5, k)
    spacing[rng.integers(0, k - 1)] = rng.uniform(1.15, 1.6)
    subs, t = [], start_s
    for frac, space in zip(fractions, spacing, strict=True):
        dur = max(0.35, 1.4 * total_s * rng.uniform(0.5, 1.0) / k)
        subs.append((t, dur, amplitude * frac))
        t += dur * space
    return subs, max(s + d for s, d, _ in subs)


def hesitant_rep(
    rng: np.random.Generator,
    depth_deg: float,
    descent_s: float,
    ascent_s: float,
    pause_s: float = 0.0,
    shake_rms_deg: float = 0.0,
) -> RepPlan:
    """A rep whose descent and ascent stop and re-accelerate: overlapping submovements."""
    down, bottom = _hesitant_phase(rng, 0.0, descent_s, depth_deg)
    up, _ = _hesitant_phase(rng, bottom + pause_s, ascent_s, -depth_deg)
    return RepPlan("hesitant", tuple(down + up), shake_rms_deg, pause_s)


def _shake(rng, t_s, start_s, end_s, rms_deg):
    """Frontal shake inside one rep, with an RMS of ``rms_deg`` over [start, end]."""
    if rms_deg <= 0:
        return np.zeros_like(t_s)
    i0, i1 = np.searchsorted(t_s, [start_s, end_s])
    piece = band_noise(i1 - i0, t_s[1] - t_s[0], rng, SHAKE_BAND_HZ, SHAKE_PEAK_HZ)
    piece *= ramp_window(t_s[i0:i1], start_s, end_s, min(0.4, 0.15 * (end_s - start_s)))
    piece *= rms_deg / np.sqrt(np.mean(piece**2))
    out = np.zeros_like(t_s)
    out[i0:i1] = piece
    return out


def rep_set(
    rng: np.random.Generator,
    plans: list[RepPlan],
    gaps_s: list[float],
    *,
    leg: str,
    side: str | None = None,
    single_leg: bool = False,
    lead_s: float = 1.0,
    trail_s: float = 1.0,
    shift_s: float = 1.5,
    settle_s: float = 1.5,
    lean_deg: float = 4.0,
) -> Segment:
    """A set of reps done by the leg ``side`` (default: the instrumented ``leg``).

    Double-leg sets go straight from standing. Single-leg sets shift the weight onto
    the working leg first (the whole leg leans ``lean_deg`` over ``shift_s``), settle,
    do the reps, settle and shift back. When ``side`` is the other leg, the instrumented
    thigh is the free leg: lifted a little with the knee bent, carried by the pelvis.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the shake and the body's couplings (shank lean, valgus drift, rotation).
    plans : list of RepPlan
        The reps, in order.
    gaps_s : list of float
        Standing time after each rep but the last.
    leg, side : str
        The instrumented leg and the working leg ("left"/"right").
    single_leg : bool
        Stand on ``side`` alone for the set.
    lead_s, trail_s : float
        Standing before and after.
    shift_s, settle_s, lean_deg : float
        Single-leg sets: weight shift duration, settling time, lean of the whole leg.

    Returns
    -------
    Segment
        With a ``rep`` (or ``other_rep``) event per rep, a ``hold`` event per hold and
        one ``set`` (or ``other_set``) event.
    """
    side = side or leg
    on_sensor_leg = side == leg
    if not (on_sensor_leg or single_leg):
        raise ValueError("a set on the other leg is a single-leg set")
    starts, t = [], lead_s + (shift_s + settle_s if single_leg else 0.0)
    for i, plan in enumerate(plans):
        starts.append(t)
        t += plan.duration_s + (gaps_s[i] if i < len(plans) - 1 else 0.0)
    end_reps = t
    total = end_reps + trail_s + (settle_s + shift_s if single_leg else 0.0)
    ts = local_time(total)

    flex = np.zeros_like(ts)
    shake = np.zeros_like(ts)
    events = []
    for start, plan in zip(starts, plans, strict=True):
        flex += submovements(ts, [(start + s, d, a) for s, d, a in plan.subs])
        end = start + plan.duration_s
        shake += _shake(rng, ts, start, end, plan.shake_rms_deg)
        info = {"kind": plan.kind, "side": side, "shake_rms_deg": plan.shake_rms_deg}
        info |= {"pause_s": plan.pause_s, "planned_depth_deg": plan.depth_deg}
        events.append(Event("rep" if on_sensor_leg else "other_rep", start, end, info))
        if plan.kind == "hold":
            descent = plan.subs[0][1]
            hold_info = {"target_deg": plan.depth_deg}
            events.append(Event("hold", start + descent, start + descent + plan.pause_s, hold_info))
    set_info = {"reps": len(plans), "side": side, "kind": plans[0].kind}
    events.append(Event("set" if on_sensor_leg else "other_set", starts[0], end_reps, set_info))

    lean = np.zeros_like(ts)
    if single_leg:
        a, b = lead_s, lead_s + shift_s
        c, d = end_reps + settle_s, end_reps + settle_s + shift_s
        lean = keyframes(ts, [a, b, c, d], [0.0, 1.0, 1.0, 0.0])
    k_shank = rng.uniform(0.35, 0.5)  # the knee travels forward as the thigh inclines
    k_valgus = rng.uniform(-0.08, 0.08)  # knee drifting in or out with depth
    k_rot = rng.uniform(-0.12, 0.12)
    frontal_stance = -lateral_sign(side) * lean_deg * lean  # whole leg leans over the foot
    if on_sensor_leg:
        wobble = shake + k_valgus * flex
        return Segment(
            flex_deg=flex,
            frontal_deg=frontal_stance + wobble,
            rot_deg=k_rot * flex,
            shank_flex_deg=k_shank * flex,
            shank_frontal_deg=frontal_stance - KNEE_SHARE * THIGH_M / SHANK_M * wobble,
            sway_gain=np.ones_like(ts),
            events=events,
        )
    # The pelvis rides on the working leg; the instrumented hip moves with it.
    hip = leg_chain(flex, frontal_stance, k_shank * flex, frontal_stance)
    lift = keyframes(ts, [b, b + 0.5 * settle_s, c - 0.5 * settle_s, c], [0, 1, 1, 0])
    free_flex = rng.uniform(2.0, 5.0) * lift + 0.1 * flex
    return Segment(
        flex_deg=free_flex,
        frontal_deg=0.3 * frontal_stance,
        rot_deg=rng.uniform(-3, 3) * lift,
        shank_flex_deg=np.zeros_like(ts),
        shank_frontal_deg=np.zeros_like(ts),
        sway_gain=np.ones_like(ts),
        hip_m=hip,
        events=events,
    )


def rest(rng: np.random.Generator, duration_s: float, fidgets_per_min: float = 10.0) -> Segment:
    """Standing between sets, with some fidgeting that stays well below a rep.

    Fidgets: a small knee bend (2-6°), a weight shift (1-3°), a lean (1-3°) or the
    leg turning out or in (8-20° about its long axis).
    """
    seg = Segment.still(duration_s)
    ts = local_time(duration_s)
    count = rng.poisson(fidgets_per_min * duration_s / 60.0)
    for _ in range(count):
        out_s, hold_s, back_s = rng.uniform(0.6, 1.5), rng.uniform(0.3, 2.0), rng.uniform(0.6, 1.5)
        span = out_s + hold_s + back_s
        if duration_s < span + 1.0:
            continue
        t0 = rng.uniform(0.5, duration_s - span - 0.5)
        shape = keyframes(ts, [t0, t0 + out_s, t0 + out_s + hold_s, t0 + span], [0, 1, 1, 0])
        sign = rng.choice([-1.0, 1.0])
        what = rng.choice(["knee", "shift", "lean", "turn"])
        if what == "knee":
            bend = rng.uniform(2.0, 6.0) * shape
            seg.flex_deg += bend
            seg.shank_flex_deg += 0.9 * bend
        elif what == "shift":
            tilt = sign * rng.uniform(1.0, 3.0) * shape
            seg.frontal_deg += tilt
            seg.shank_frontal_deg += tilt
        elif what == "lean":
            tilt = sign * rng.uniform(1.0, 3.0) * shape
            seg.flex_deg += tilt
            seg.shank_flex_deg -= tilt
        else:
            seg.rot_deg += sign * rng.uniform(8.0, 20.0) * shape
    return seg
