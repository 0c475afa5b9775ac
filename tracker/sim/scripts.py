"""The scripts of the named kinds: which movements, in what order, with which parameters.

Each script takes a ``Ctx`` (the motion's random generator, the instrumented leg and the
options) and returns the session's segments. Ranges follow the exercise sheets and the
simulator's brief (e.g. the rehab sheet's very slow mini squats: 10-35°, 3-5 s each way).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tracker.sim.gait import walk
from tracker.sim.motions import RepPlan, hesitant_rep, rep_set, rest, smooth_rep
from tracker.sim.postures import balance, sit_to_stand, weight_shifts
from tracker.sim.segment import Segment


@dataclass
class Ctx:
    """What a kind's script draws from: the motion's generator, the leg and the options."""

    rng: np.random.Generator
    leg: str
    opts: dict

    def pick(self, name: str, lo: float, hi: float) -> float:
        """The option's value; a (lo, hi) pair draws within it; None draws within lo..hi."""
        value = self.opts.get(name)
        if value is None:
            return float(self.rng.uniform(lo, hi))
        if isinstance(value, tuple | list):
            return float(self.rng.uniform(*value))
        return float(value)

    def count(self, name: str, lo: int, hi: int) -> int:
        value = self.opts.get(name)
        return int(self.rng.integers(lo, hi + 1)) if value is None else int(value)

    def jitter(self, name: str, value: float, spread: float) -> float:
        """``value`` varied by ±spread (fraction) unless the option fixed it."""
        if self.opts.get(name) is not None and not isinstance(self.opts[name], tuple | list):
            return value
        return value * float(self.rng.uniform(1 - spread, 1 + spread))

    @property
    def other_leg(self) -> str:
        return "left" if self.leg == "right" else "right"


def _total_s(segments: list[Segment]) -> float:
    return sum(seg.duration_s for seg in segments)


def _fill(ctx, head, block, between, default_sets, tail_s=3.0) -> list[Segment]:
    """``head``, then blocks separated by ``between()``, then standing.

    Without ``sets`` and with ``duration``, blocks are added while they fit and the
    end is padded to ``duration``.
    """
    duration = ctx.opts.get("duration")
    sets = ctx.opts.get("sets")
    n_sets = int(sets) if sets is not None else (None if duration else default_sets)
    segs, i = list(head), 0
    while n_sets is None or i < n_sets:
        candidate = (between() if i > 0 else []) + block(i)
        if n_sets is None and i > 0 and _total_s(segs + candidate) + tail_s > duration:
            break
        segs += candidate
        i += 1
    tail = tail_s if duration is None else max(tail_s, duration - _total_s(segs))
    return [*segs, rest(ctx.rng, tail, fidgets_per_min=0.0)]


def _walk_break(ctx: Ctx, before=(4.0, 8.0), after=(4.0, 10.0)) -> list[Segment]:
    """Standing, a few strides away and back (turning round), standing."""
    rng = ctx.rng
    turn = 180.0 if rng.uniform() < 0.7 else 0.0
    strides = int(rng.integers(3, 6)) * (2 if turn else 1)
    gait = walk(
        rng,
        strides,
        stride_hz=rng.uniform(0.9, 1.0),
        stride_m=rng.uniform(1.0, 1.35),
        turn_deg=turn * rng.choice([-1, 1]),
        flex_max_deg=rng.uniform(25, 30),
        ext_max_deg=rng.uniform(10, 15),
        heel_strike_m_s2=rng.uniform(12, 30),
    )
    return [rest(rng, rng.uniform(*before)), gait, rest(rng, rng.uniform(*after))]


def _squat_set(ctx, kind="smooth", depth=(60, 95), tempo=(1.0, 2.0), reps=(8, 12)) -> Segment:
    rng = ctx.rng
    base = ctx.pick("depth", *depth)
    phase_s = ctx.pick("tempo", *tempo)
    shake = ctx.pick("shake_rms_deg", 0.0, 0.8 if kind != "fast" else 0.5)
    plans: list[RepPlan] = []
    for _ in range(ctx.count("reps", *reps)):
        d = ctx.jitter("depth", base, 0.05)
        down, up = ctx.jitter("tempo", phase_s, 0.1), ctx.jitter("tempo", phase_s, 0.1)
        if kind == "hesitant":
            plans.append(hesitant_rep(rng, d, down, up, rng.uniform(0, 0.5), shake))
        elif kind == "fast":
            plans.append(smooth_rep(d, down, up, rng.uniform(0, 0.1), "fast", shake))
        else:
            plans.append(smooth_rep(d, down, up, rng.uniform(0, 0.5), "smooth", shake))
    gap = {"fast": (0.1, 0.4), "hesitant": (1.0, 2.5)}.get(kind, (0.6, 1.5))
    gaps = list(rng.uniform(*gap, len(plans)))
    return rep_set(rng, plans, gaps, leg=ctx.leg, lead_s=1.0, trail_s=1.5)


def _mini_set(ctx: Ctx, side: str, shake=(0.2, 3.0), reps=(10, 10)) -> Segment:
    """The rehab sheet's set: 10 very slow single-leg mini squats (10-35°, 3-5 s each way)."""
    rng = ctx.rng
    base = ctx.pick("depth", 12.0, 35.0)
    phase_s = ctx.pick("tempo", 3.0, 5.0)
    shake_deg = ctx.pick("shake_rms_deg", *shake)
    plans = []
    for _ in range(ctx.count("reps", *reps)):
        d = ctx.jitter("depth", base, 0.08)
        if ctx.opts.get("depth") is None:
            d = max(d, 11.0)  # stay clear of the default 10° minimum depth
        down, up = ctx.jitter("tempo", phase_s, 0.1), ctx.jitter("tempo", phase_s, 0.1)
        plans.append(smooth_rep(d, down, up, rng.uniform(0, 1.0), "slow-single-leg", shake_deg))
    gaps = list(rng.uniform(0.5, 2.0, len(plans)))
    return rep_set(
        rng,
        plans,
        gaps,
        leg=ctx.leg,
        side=side,
        single_leg=True,
        lead_s=1.0,
        trail_s=1.0,
        shift_s=rng.uniform(1.0, 2.0),
        settle_s=rng.uniform(1.5, 3.0),
        lean_deg=rng.uniform(3.0, 6.0),
    )


def _balance_trial(ctx: Ctx, stance_s: float | None = None) -> Segment:
    rng = ctx.rng
    stance = stance_s if stance_s is not None else rng.uniform(20.0, 60.0)
    return balance(
        rng,
        leg=ctx.leg,
        stance_s=stance,
        sway_rms_deg=ctx.pick("sway_rms_deg", 0.3, 2.5),
        peak_hz=float(np.exp(rng.uniform(np.log(0.2), np.log(2.0)))),
        lean_deg=rng.uniform(3.0, 6.0),
        shift_on_s=rng.uniform(1.0, 2.0),
        shift_off_s=rng.uniform(1.0, 2.0),
        lead_s=rng.uniform(2.0, 4.0),
        trail_s=rng.uniform(2.0, 4.0),
    )


def _holds(ctx: Ctx) -> Segment:
    rng = ctx.rng
    target = ctx.pick("depth", 45.0, 45.0)
    plans = [
        RepPlan(
            "hold",
            smooth_rep(target, rng.uniform(1.5, 2.5), rng.uniform(1.5, 2.5), hold).subs,
            ctx.pick("shake_rms_deg", 0.1, 0.4),
            hold,
        )
        for hold in [ctx.pick("hold_s", 10.0, 30.0) for _ in range(ctx.count("reps", 3, 3))]
    ]
    return rep_set(rng, plans, list(rng.uniform(4.0, 8.0, len(plans))), leg=ctx.leg)


def _stand(ctx: Ctx) -> list[Segment]:
    return [rest(ctx.rng, ctx.rng.uniform(3.0, 5.0), fidgets_per_min=0.0)]


def squat_workout(ctx):
    """Sets of squats (60-95°, 1-2 s down and up), walking a few strides between sets."""
    return _fill(ctx, _stand(ctx), lambda i: [_squat_set(ctx)], lambda: _walk_break(ctx), 3)


def rehab_mini_squats(ctx):
    """The rehab sheet: 5 x 10 very slow single-leg mini squats, sides alternating."""
    alternate = ctx.opts.get("sides", "alternate") == "alternate"
    sides = [ctx.leg, ctx.other_leg] if alternate else [ctx.leg]

    def block(i):
        return [_mini_set(ctx, sides[i % len(sides)])]

    return _fill(ctx, _stand(ctx), block, lambda: [rest(ctx.rng, ctx.rng.uniform(20, 40))], 5)


def hesitant_reps(ctx):
    """Squats whose descent and ascent stop and re-accelerate."""
    block = lambda i: [_squat_set(ctx, "hesitant", (30, 80), (1.5, 3.0), (6, 8))]  # noqa: E731
    return _fill(ctx, _stand(ctx), block, lambda: [rest(ctx.rng, ctx.rng.uniform(15, 25))], 2)


def fast_reps(ctx):
    """Fast squats, about a second each, walking between sets."""
    block = lambda i: [_squat_set(ctx, "fast", (40, 90), (0.4, 0.6), (10, 15))]  # noqa: E731
    return _fill(ctx, _stand(ctx), block, lambda: _walk_break(ctx, (3, 6), (3, 6)), 2)


def walking(ctx):
    """Standing, 10-20 strides (turning round half the time), standing."""
    rng = ctx.rng
    stride_hz = rng.uniform(0.9, 1.0)
    duration = ctx.opts.get("duration")
    strides = int(rng.integers(10, 21)) if duration is None else max(2, int((duration - 7) * 0.95))
    turn = 180.0 * rng.choice([-1, 1]) if rng.uniform() < 0.5 else 0.0
    gait = walk(
        rng,
        strides,
        stride_hz=stride_hz,
        stride_m=rng.uniform(1.0, 1.4),
        turn_deg=turn,
        flex_max_deg=rng.uniform(25, 30),
        ext_max_deg=rng.uniform(10, 15),
        heel_strike_m_s2=rng.uniform(12, 30),
    )
    return [*_stand(ctx), gait, rest(rng, 3.0, 0.0)]


def weight_shift_series(ctx):
    """Standing on both feet with small lateral and forward weight shifts."""
    duration = ctx.opts.get("duration")
    count = ctx.count("reps", 6, 10) if duration is None else max(1, int((duration - 4) / 7))
    return [weight_shifts(ctx.rng, count)]


def sit_to_stand_test(ctx):
    """The five-times sit-to-stand test, starting seated."""
    rng = ctx.rng
    test = sit_to_stand(
        rng,
        ctx.count("reps", 5, 5),
        seat_deg=rng.uniform(85, 95),
        rise_s=ctx.pick("tempo", 1.0, 1.5),
        sit_s=rng.uniform(1.2, 1.8),
    )
    pad = max(0.0, (ctx.opts.get("duration") or 0.0) - test.duration_s)
    return [test, rest(rng, max(pad, 0.5), 0.0)]


def balance_trials(ctx):
    """Single-leg stance on the instrumented leg, 20-60 s settled."""
    duration = ctx.opts.get("duration")
    stance = None if duration is None else max(5.0, duration - 14.0)
    return _fill(
        ctx,
        [],
        lambda i: [_balance_trial(ctx, stance)],
        lambda: [rest(ctx.rng, ctx.rng.uniform(10, 20))],
        1,
    )


def holds(ctx):
    """The thigh held at an inclination (45° unless ``depth``) for 10-30 s, three times."""
    return _fill(ctx, _stand(ctx), lambda i: [_holds(ctx)], lambda: _walk_break(ctx), 1)


def demo_workout(ctx):
    """About ten minutes: three mini-squat sets, a balance minute, two sets of squats to 90°."""
    rng = ctx.rng
    fixed = dict(ctx.opts)
    squats = Ctx(rng, ctx.leg, fixed | {"depth": (85.0, 95.0), "tempo": (1.5, 2.0)})
    program = [
        lambda: [_mini_set(ctx, ctx.leg, shake=(0.3, 1.0))],
        lambda: _walk_break(ctx, (10, 15), (10, 15)),
        lambda: [_mini_set(ctx, ctx.leg, shake=(1.0, 2.0))],
        lambda: [rest(rng, rng.uniform(20, 30))],
        lambda: [_mini_set(ctx, ctx.leg, shake=(1.5, 3.0))],
        lambda: [rest(rng, rng.uniform(15, 25))],
        lambda: [_balance_trial(ctx, 60.0)],
        lambda: _walk_break(ctx, (10, 15), (10, 15)),
        lambda: [_squat_set(squats, reps=(10, 10))],
        lambda: _walk_break(ctx, (15, 20), (15, 20)),
        lambda: [_squat_set(squats, reps=(8, 8))],
    ]
    return _fill(ctx, _stand(ctx), lambda i: program[i % len(program)](), lambda: [], 11, 5.0)


def mixed(ctx):
    """A random mix of two to four activities with rests between (``random_session``)."""
    rng = ctx.rng
    pool: list[Callable[[], list[Segment]]] = [
        lambda: [_squat_set(ctx, reps=(4, 8))],
        lambda: [_squat_set(ctx, "hesitant", (30, 80), (1.5, 3.0), (3, 5))],
        lambda: [_squat_set(ctx, "fast", (40, 90), (0.4, 0.6), (6, 10))],
        lambda: [_mini_set(ctx, ctx.leg, reps=(3, 6))],
        lambda: [_mini_set(ctx, ctx.other_leg, reps=(3, 5))],
        lambda: _walk_break(ctx, (2, 4), (2, 4)),
        lambda: [weight_shifts(rng, int(rng.integers(3, 6)))],
        lambda: [_balance_trial(ctx, rng.uniform(20.0, 40.0))],
        lambda: [sit_to_stand(rng, 5, start_seated=False, seat_deg=rng.uniform(85, 95))],
        lambda: [_holds(Ctx(rng, ctx.leg, {"reps": 2, "hold_s": (8.0, 15.0)}))],
    ]
    picks = rng.choice(len(pool), size=int(rng.integers(2, 5)), replace=False)
    segs = _stand(ctx)
    for k, i in enumerate(picks):
        if k:
            segs.append(rest(rng, rng.uniform(6.0, 15.0)))
        segs += pool[int(i)]()
    return [*segs, rest(rng, 3.0, 0.0)]
