"""Scripts of the kinds that are as hard as real recordings (issue 9's failures, one by one).

Each starts moving within ``lead_in_s`` (0-0.3 s unless given) of the first sample, with
the person swaying rather than still (the kinds' postural sway is 0.3-0.9° RMS up to
1.5 Hz, see ``sessions.KINDS``), and runs on the ``cheap`` board with the sensor on soft
tissue unless the options say otherwise. Ranges come from the real recordings in
``../shared/realdata`` and the issue (see docs/simulator.md).
"""

from __future__ import annotations

import numpy as np

from tracker.core.errors import InputError
from tracker.sim.chairs import chair_rises
from tracker.sim.clinical import ENDINGS, single_leg_stance
from tracker.sim.continuous import continuous_set
from tracker.sim.gait import walk
from tracker.sim.motions import rest
from tracker.sim.scripts import Ctx
from tracker.sim.segment import Segment

LEAD_IN_S = (0.0, 0.3)


def _lead_in(ctx: Ctx) -> float:
    return ctx.pick("lead_in_s", *LEAD_IN_S)


def _tops(ctx: Ctx) -> str:
    """The option's style (checked by ``simulate``), else mostly one that wanders."""
    tops = ctx.opts.get("tops")
    if tops is None:
        return str(ctx.rng.choice(["short", "extended", "wander", "level"], p=[0.3, 0.3, 0.3, 0.1]))
    return tops


def _squat_set(ctx: Ctx, lead_s: float, reps=(8, 12)) -> Segment:
    rng = ctx.rng
    return continuous_set(
        rng,
        leg=ctx.leg,
        reps=ctx.count("reps", *reps),
        depth_deg=ctx.pick("depth", 50.0, 110.0),
        period_s=2.0 * ctx.pick("tempo", 1.06, 1.68),  # reps of 1.9-3.7 s
        tops=_tops(ctx),
        lead_s=lead_s,
        settle_s=rng.uniform(0.6, 1.5),
        trail_s=rng.uniform(0.8, 2.0),
        shake_rms_deg=ctx.pick("shake_rms_deg", 0.1, 0.6),
        shift_deg=rng.uniform(1.0, 4.0),
        irregular_deg=rng.uniform(2.0, 4.5),
    )


def _loose_walk(ctx: Ctx, walk_s: float) -> Segment:
    rng = ctx.rng
    stride_hz = rng.uniform(1.0, 1.25)
    return walk(
        rng,
        max(2, round(walk_s * stride_hz)),
        stride_hz=stride_hz,
        stride_m=rng.uniform(1.1, 1.5),
        turn_deg=180.0 * rng.choice([-1, 1]) if rng.uniform() < 0.6 else 0.0,
        flex_max_deg=rng.uniform(26.0, 34.0),
        ext_max_deg=rng.uniform(12.0, 18.0),
        heel_strike_m_s2=rng.uniform(35.0, 80.0),
        heel_strike_sigma_s=rng.uniform(0.004, 0.007),
        variability=rng.uniform(0.01, 0.025),
        jolt=True,
        bounce_m=rng.uniform(0.02, 0.03),
    )


def continuous_squats(ctx: Ctx) -> list[Segment]:
    """One set of 8-12 back-to-back squats (45-105°, 1.9-3.7 s each), tops wandering."""
    return [_squat_set(ctx, _lead_in(ctx))]


def squats_and_walks(ctx: Ctx) -> list[Segment]:
    """Two or three continuous sets of 6-12 squats, a loose walk of 10-30 s between them."""
    rng = ctx.rng
    segments = [_squat_set(ctx, _lead_in(ctx), (6, 12))]
    for _ in range(ctx.count("sets", 2, 3) - 1):
        segments += [
            rest(rng, rng.uniform(1.0, 4.0), fidgets_per_min=0.0),
            _loose_walk(ctx, rng.uniform(10.0, 30.0)),
            rest(rng, rng.uniform(1.0, 4.0), fidgets_per_min=0.0),
            _squat_set(ctx, rng.uniform(0.0, 0.5), (6, 12)),
        ]
    return segments


def loose_walk(ctx: Ctx) -> list[Segment]:
    """A long noisy walk (30-120 s unless ``duration``) with a loose strap."""
    rng = ctx.rng
    lead = _lead_in(ctx)
    walk_s = max(3.0, ctx.pick("duration", 35.0, 125.0) - lead - 3.0)
    head = [rest(rng, lead, fidgets_per_min=0.0)] if lead >= 0.01 else []
    return [*head, _loose_walk(ctx, walk_s), rest(rng, rng.uniform(2.0, 4.0), 0.0)]


def _travel(ctx: Ctx) -> float:
    return ctx.pick("travel_deg", 62.0, 90.0)  # seated at 97-100 % of it: 60-90°


def high_chair_sit_to_stand(ctx: Ctx) -> list[Segment]:
    """Five-times sit-to-stand from a higher chair: 60-90° of travel, no pause standing."""
    rng = ctx.rng
    return [
        chair_rises(
            rng,
            rises=ctx.count("reps", 5, 5),
            travel_deg=_travel(ctx),
            rise_s=ctx.pick("tempo", 0.8, 1.4),
            sit_s=rng.uniform(1.0, 1.6),
            lead_s=_lead_in(ctx),
            trail_s=rng.uniform(1.5, 3.0),
            landing_m_s2=rng.uniform(8.0, 25.0),
        )
    ]


def high_chair_stand_30s(ctx: Ctx) -> list[Segment]:
    """The 30-second chair stand on a higher chair: as many rises as fit, no pause standing."""
    rng = ctx.rng
    return [
        chair_rises(
            rng,
            rises=None,
            window_s=30.0,
            travel_deg=_travel(ctx),
            rise_s=ctx.pick("tempo", 0.8, 1.4),
            sit_s=rng.uniform(1.0, 1.6),
            lead_s=_lead_in(ctx),
            trail_s=rng.uniform(1.5, 3.0),
            landing_m_s2=rng.uniform(8.0, 25.0),
        )
    ]


def _stance(ctx: Ctx, sway=(0.3, 1.2), shake=(0.0, 0.0)) -> list[Segment]:
    rng = ctx.rng
    ending = ctx.opts.get("ending") or ("foot_down" if rng.uniform() < 0.7 else "lowered")
    if ending not in ENDINGS:
        raise InputError(f"ending must be one of {', '.join(ENDINGS)}, not {ending!r}")
    shake_rms = ctx.pick("shake_rms_deg", *shake)
    return [
        single_leg_stance(
            rng,
            leg=ctx.leg,
            hold_s=ctx.pick("hold_s", 10.0, 40.0),
            ending=ending,
            sway_rms_deg=ctx.pick("sway_rms_deg", *sway),
            peak_hz=float(np.exp(rng.uniform(np.log(0.3), np.log(1.5)))),
            lean_deg=rng.uniform(3.0, 6.0),
            shift_on_s=rng.uniform(0.6, 1.5),
            lead_s=_lead_in(ctx),
            reaction_s=rng.uniform(0.1, 0.5),
            trail_s=rng.uniform(2.0, 3.5),
            step_deg=rng.uniform(12.0, 25.0),
            shake_rms_deg=shake_rms,
            shake_hz=ctx.pick("shake_hz", 3.0, 8.0),
        )
    ]


def swaying_stance(ctx: Ctx) -> list[Segment]:
    """Single-leg stance with large sway: 1.5-3° RMS, 10-40 s."""
    return _stance(ctx, sway=(1.5, 3.0))


def shaky_stance(ctx: Ctx) -> list[Segment]:
    """Single-leg stance with a 3-8 Hz shake of 0.7-1.3° RMS over sway of 0.3-1.2°."""
    return _stance(ctx, sway=(0.3, 1.2), shake=(0.7, 1.3))
