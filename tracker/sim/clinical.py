"""Clinical balance and chair tests: single-leg stance that ends in a loss of balance, quiet
stances of the four-stage test, and the 30-second chair stand, each with its start cue.

Definitions the truth follows (docs/clinic.md, "Hold time"):

- **lift-off**: the end of the weight shift onto the stance leg. The other foot can only
  leave the floor once the weight is over the stance foot, so the stance thigh has just
  reached its single-leg lean.
- **touch-down**: the start of the weight shift off the stance leg (the lifted foot takes
  weight again), or the start of a step (the stance thigh swings forward: the stance
  foot leaves its place).
- **hold time**: lift-off to touch-down for single-leg stances; the start cue to a step
  for stances on two feet (nothing lifts off: the clinician's cue starts the clock).
- **halfway up** (30-second chair stand): the instant a rise reaches half the way from
  the seated thigh to the standing thigh; a stand counts when it happens within the
  window (Rikli & Jones: a stand more than halfway up at the end counts).
"""

from __future__ import annotations

import numpy as np

from tracker.sim.kinematics import SHANK_M, THIGH_M, lateral_sign
from tracker.sim.postures import KNEE_SWAY_SHARE, SWAY_BAND_HZ
from tracker.sim.segment import Event, Segment, local_time
from tracker.sim.shapes import band_noise, keyframes, min_jerk

ENDINGS = ("foot_down", "step", "lowered")
"""How a single-leg stance ends: the lifted foot drops to the floor after a loss of
balance (quick), the stance leg steps, or the foot is put down under control (after the
stop cue)."""


def _step_bump(ts: np.ndarray, at_s: float, rng: np.random.Generator, step_deg: float):
    """The stance thigh swinging forward and back (a step), from ``at_s``; (flex, shank)."""
    up_s, down_s = rng.uniform(0.2, 0.3), rng.uniform(0.3, 0.45)
    flex = keyframes(ts, [at_s, at_s + up_s, at_s + up_s + down_s], [0.0, step_deg, 0.0])
    # The shank tips the knee forward as far as keeps the hip over the foot.
    shank = np.degrees(np.arcsin(np.clip(THIGH_M / SHANK_M * np.sin(np.radians(flex)), -1, 1)))
    return flex, shank, up_s + down_s


def _sway(rng, ts, i0, i1, sway_rms_deg, peak_hz, grow=None) -> np.ndarray:
    """2-D sway, zero mean and ``sway_rms_deg`` RMS radius over samples ``i0:i1``."""
    sway = np.column_stack(
        [band_noise(len(ts), ts[1], rng, SWAY_BAND_HZ, peak_hz) for _ in range(2)]
    )
    sway *= np.sqrt([rng.uniform(0.6, 1.4), 1.0])  # AP vs ML share
    if grow is not None:
        sway *= grow[:, None]
    sway -= sway[i0:i1].mean(axis=0)
    return sway * (sway_rms_deg / np.sqrt(np.mean(np.sum(sway[i0:i1] ** 2, axis=1))))


def single_leg_stance(
    rng: np.random.Generator,
    *,
    leg: str,
    hold_s: float,
    ending: str = "foot_down",
    sway_rms_deg: float = 1.0,
    peak_hz: float = 0.6,
    lean_deg: float = 4.0,
    shift_on_s: float = 1.5,
    lead_s: float = 3.0,
    reaction_s: float = 0.8,
    trail_s: float = 3.0,
    step_deg: float = 18.0,
    shake_rms_deg: float = 0.0,
    shake_hz: float = 5.0,
) -> Segment:
    """A single-leg stance trial on the instrumented leg, from the start cue to standing again.

    Standing, the start cue at ``lead_s``, a weight shift onto the leg ``reaction_s``
    later lasting ``shift_on_s`` (the other foot lifts at its end: lift-off), a stance of
    ``hold_s`` with 2-D sway, then the end. Before a loss of balance (``foot_down``,
    ``step``) the sway grows over the last second or so; ``foot_down`` shifts the weight
    off in 0.25-0.6 s, ``step`` swings the stance thigh forward ``step_deg`` and back
    while the weight comes off, ``lowered`` shifts it off in 1-2 s.

    Parameters
    ----------
    rng : numpy.random.Generator
    leg : str
        The instrumented leg, the one stood on.
    hold_s : float
        Lift-off to touch-down (the truth's hold time).
    ending : str
        One of ``ENDINGS``.
    sway_rms_deg, peak_hz : float
        RMS radius of the thigh's sway over the hold and its dominant frequency.
    lean_deg, shift_on_s : float
        The weight shift onto the leg.
    lead_s, reaction_s, trail_s : float
        Standing before the cue, cue to the start of the shift, standing at the end.
    step_deg : float
        How far the stance thigh swings forward in a step.
    shake_rms_deg, shake_hz : float
        A shake of the stance thigh (a tremor of the working leg) on top of the sway:
        narrow-band (±1 Hz) about ``shake_hz``, ``shake_rms_deg`` RMS radius over the hold.

    Returns
    -------
    Segment
        Events: ``cue`` (start), ``stance`` (lift-off to touch-down) and ``balance``
        (the same span, with the sway truth's parameters).
    """
    if ending not in ENDINGS:
        raise ValueError(f"ending must be one of {', '.join(ENDINGS)}")
    cue = lead_s
    a = cue + reaction_s
    b = a + shift_on_s
    c = b + hold_s
    off_s = {"foot_down": rng.uniform(0.25, 0.6), "step": rng.uniform(0.4, 0.7)}.get(
        ending, rng.uniform(1.0, 2.0)
    )
    d = c + off_s
    ts = local_time(d + trail_s)
    i_b, i_c = np.searchsorted(ts, [b, c])

    grow = None
    if ending != "lowered":  # losing balance: the sway builds up before the foot comes down
        build_s = min(1.5, 0.3 * hold_s)
        grow = 1.0 + rng.uniform(0.3, 1.0) * min_jerk((ts - (c - build_s)) / build_s)
    sway = _sway(rng, ts, i_b, i_c, sway_rms_deg, peak_hz, grow)
    envelope = min_jerk((ts - a - 0.1 * shift_on_s) / (0.8 * shift_on_s))
    envelope *= min_jerk((d - 0.1 * off_s - ts) / (0.8 * off_s))
    sway *= envelope[:, None]

    shift = keyframes(ts, [a, b, c, d], [0.0, 1.0, 1.0, 0.0])
    lean = -lateral_sign(leg) * lean_deg * shift
    soft_knee = rng.uniform(1.0, 4.0) * shift
    flex = soft_knee + sway[:, 0]
    shank_flex = soft_knee - KNEE_SWAY_SHARE * sway[:, 0]
    if ending == "step":
        bump, shank_bump, _ = _step_bump(ts, c, rng, step_deg)
        flex, shank_flex = flex + bump, shank_flex + shank_bump
    balance_info = {"sway_rms_target_deg": sway_rms_deg, "peak_hz": peak_hz}
    balance_info |= {"lean_deg": lean_deg, "shift_on": [a, b], "shift_off": [c, d], "side": leg}
    stance_info = {"ending": ending, "side": leg, "start": "lift_off", "cue_s": cue}
    if shake_rms_deg > 0:
        band = (shake_hz - 1.0, shake_hz + 1.0)
        shake = np.column_stack([band_noise(len(ts), ts[1], rng, band, shake_hz) for _ in "xy"])
        shake *= shake_rms_deg / np.sqrt(np.mean(np.sum(shake[i_b:i_c] ** 2, axis=1)))
        shake *= envelope[:, None]
        sway = sway + shake
        flex, shank_flex = flex + shake[:, 0], shank_flex - KNEE_SWAY_SHARE * shake[:, 0]
        balance_info |= {"shake_rms_deg": shake_rms_deg, "shake_hz": shake_hz}
    return Segment(
        flex_deg=flex,
        frontal_deg=lean + sway[:, 1],
        rot_deg=np.zeros_like(ts),
        shank_flex_deg=shank_flex,
        shank_frontal_deg=lean + KNEE_SWAY_SHARE * sway[:, 1],
        sway_gain=np.ones_like(ts),
        events=[
            Event("cue", cue, cue, {"cue": "start"}),
            Event("stance", b, c, stance_info),
            Event("balance", b, c, balance_info),
        ],
    )


def quiet_stance(
    rng: np.random.Generator,
    *,
    hold_s: float,
    ending: str = "none",
    sway_rms_deg: float = 0.4,
    peak_hz: float = 0.5,
    lead_s: float = 3.0,
    trail_s: float = 3.0,
    step_deg: float = 18.0,
) -> Segment:
    """A stance on both feet (feet together, semi-tandem, tandem) timed from the start cue.

    The person is in position before the cue and sways ``sway_rms_deg`` (RMS radius over
    the hold) from then on; with ``ending="step"`` the instrumented thigh swings forward
    ``step_deg`` and back ``hold_s`` after the cue (a step out of the position), with
    ``"none"`` the stance simply goes on to the end.
    """
    if ending not in ("none", "step"):
        raise ValueError("ending must be none or step")
    cue = lead_s
    c = cue + hold_s
    ts = local_time(c + trail_s)
    i0, i1 = np.searchsorted(ts, [cue, c])
    sway = _sway(rng, ts, i0, i1, sway_rms_deg, peak_hz)
    sway *= min_jerk((ts - 0.5) / 1.5)[:, None]  # taking up the position: calm at first
    flex, shank_flex = sway[:, 0].copy(), -KNEE_SWAY_SHARE * sway[:, 0]
    if ending == "step":
        bump, shank_bump, _ = _step_bump(ts, c, rng, step_deg)
        flex, shank_flex = flex + bump, shank_flex + shank_bump
    info = {"ending": ending, "side": None, "start": "cue", "cue_s": cue}
    return Segment(
        flex_deg=flex,
        frontal_deg=sway[:, 1].copy(),
        rot_deg=np.zeros_like(ts),
        shank_flex_deg=shank_flex,
        shank_frontal_deg=KNEE_SWAY_SHARE * sway[:, 1],
        sway_gain=np.ones_like(ts),
        events=[Event("cue", cue, cue, {"cue": "start"}), Event("stance", cue, c, info)],
    )


def chair_stands(
    rng: np.random.Generator,
    *,
    window_s: float = 30.0,
    seat_deg: float = 90.0,
    rise_s: float = 1.2,
    sit_s: float = 1.4,
    lead_s: float = 3.0,
    overrun: int = 0,
    trail_s: float = 3.0,
) -> Segment:
    """The 30-second chair stand: seated, the start cue at ``lead_s``, rises and sits until
    the window ends, then seated.

    A rise halfway up by the end of the window is completed; ``overrun`` more rises follow
    (a person who did not hear the stop cue). Each ``rise`` event carries ``half_s``, when
    the thigh is halfway from seated to standing (the minimum-jerk midpoint).
    """
    cue = lead_s
    end = cue + window_s
    times, values = [0.0], [seat_deg]
    t = cue + rng.uniform(0.2, 0.6)  # reaction to the cue
    events = [Event("cue", cue, cue, {"cue": "start"})]
    rises: list[Event] = []
    extra = overrun
    while True:
        up_s = rise_s * rng.uniform(0.85, 1.15)
        half = t + 0.5 * up_s
        if half > end and extra == 0:
            break
        if half > end:
            extra -= 1
        times += [t, t + up_s]
        values += [seat_deg, 0.0]
        rises.append(Event("rise", t, t + up_s, {"index": len(rises), "half_s": half}))
        t += up_s + rng.uniform(0.1, 0.4)  # standing tall, briefly
        times.append(t)
        values.append(0.0)
        t += sit_s * rng.uniform(0.85, 1.15)
        times.append(t)
        values.append(seat_deg)
        t += rng.uniform(0.05, 0.3)
    ts = local_time(t + trail_s)
    flex = keyframes(ts, times, values)
    progress = flex / seat_deg  # 1 seated, 0 standing
    shank_seated = rng.uniform(0.0, 12.0)
    knee_forward = rng.uniform(8.0, 15.0)
    counted = sum(ev.info["half_s"] <= end for ev in rises)
    events += rises
    events.append(Event("sts", rises[0].start_s, rises[-1].end_s, {"stands": len(rises)}))
    events.append(Event("chair_stand", cue, end, {"count": counted, "window_s": window_s}))
    return Segment(
        flex_deg=flex,
        frontal_deg=rng.uniform(-0.05, 0.05) * flex,
        rot_deg=rng.uniform(-0.1, 0.1) * flex,
        shank_flex_deg=shank_seated * progress + knee_forward * np.sin(np.pi * progress),
        shank_frontal_deg=np.zeros_like(ts),
        sway_gain=1.0 - progress,
        events=events,
    )


# -- the scripts of the clinical kinds (see ``sessions.KINDS``) ----------------------------


def _ending(ctx, allowed: tuple[str, ...], default: str) -> str:
    from tracker.core.errors import InputError

    ending = ctx.opts.get("ending") or default
    if ending not in allowed:
        raise InputError(f"ending must be one of {', '.join(allowed)}, not {ending!r}")
    return ending


def single_leg_stance_trial(ctx) -> list[Segment]:
    """One single-leg stance trial on the sensor's leg: 2-40 s, most ending with the foot
    coming down after a loss of balance, some put down under control; a step on request.

    The thigh sways 0.3-1.2° RMS (the ``balance`` kind reaches 2.5° to stress the sway
    measures; the hold time's accuracy depends on the sway against the 3-6° lean, see
    docs/clinic.md) and the weight goes onto the leg in 0.6-1.5 s."""
    rng = ctx.rng
    hold = ctx.pick("hold_s", 2.0, 40.0)
    default = "foot_down" if rng.uniform() < 0.7 else "lowered"
    return [
        single_leg_stance(
            rng,
            leg=ctx.leg,
            hold_s=hold,
            ending=_ending(ctx, ENDINGS, default),
            sway_rms_deg=ctx.pick("sway_rms_deg", 0.3, 1.2),
            peak_hz=float(np.exp(rng.uniform(np.log(0.3), np.log(2.0)))),
            lean_deg=rng.uniform(3.0, 6.0),
            shift_on_s=rng.uniform(0.6, 1.5),
            lead_s=rng.uniform(3.0, 5.0),
            reaction_s=rng.uniform(0.4, 1.5),
            trail_s=rng.uniform(2.5, 4.0),
            step_deg=rng.uniform(12.0, 25.0),
        )
    ]


def tandem_stance_trial(ctx) -> list[Segment]:
    """A stance on both feet (four-stage test) timed from the cue: 12-15 s unless
    ``hold_s``; a step out of position at ``hold_s`` with ``ending="step"``."""
    rng = ctx.rng
    ending = _ending(ctx, ("none", "step"), "none")
    return [
        quiet_stance(
            rng,
            hold_s=ctx.pick("hold_s", 12.0, 15.0),
            ending=ending,
            sway_rms_deg=ctx.pick("sway_rms_deg", 0.2, 0.8),
            peak_hz=float(np.exp(rng.uniform(np.log(0.3), np.log(1.5)))),
            lead_s=rng.uniform(3.0, 5.0),
            trail_s=rng.uniform(2.5, 4.0),
            step_deg=rng.uniform(12.0, 25.0),
        )
    ]


def chair_stand_trial(ctx) -> list[Segment]:
    """The 30-second chair stand from seated; half the people go on for one more stand."""
    rng = ctx.rng
    return [
        chair_stands(
            rng,
            seat_deg=rng.uniform(85.0, 95.0),
            rise_s=ctx.pick("tempo", 0.8, 1.5),
            sit_s=rng.uniform(1.0, 1.8),
            lead_s=rng.uniform(2.5, 4.0),
            overrun=int(rng.uniform() < 0.5),
        )
    ]


# -- truth ---------------------------------------------------------------------------------


def clinical_truth(by_kind: dict[str, list[Event]], rec) -> dict:
    """The clinical tests' truth (only the keys whose events exist), times by ``rec``.

    ``cues``: ``[{"cue", "t_s"}]``; ``stance_trials``: ``[{"start_s", "end_s", "hold_s",
    "start", "ending", "side", "cue_s"}]`` with ``start`` "lift_off" (single leg) or "cue"
    (two feet); ``chair_stand``: ``{"cue_s", "window_s", "count", "half_s"}`` with every
    rise's halfway-up instant, counted or not.
    """
    out: dict = {}
    cues = by_kind.get("cue", [])
    if cues:
        out["cues"] = [{"cue": ev.info.get("cue", "start"), "t_s": rec(ev.start_s)} for ev in cues]
    stances = by_kind.get("stance", [])
    if stances:
        out["stance_trials"] = []
        for ev in stances:
            start, end = rec(ev.start_s), rec(ev.end_s)
            info = {k: v for k, v in ev.info.items() if k != "cue_s"}
            out["stance_trials"].append(
                {"start_s": start, "end_s": end, "hold_s": round(end - start, 6)}
                | info
                | {"cue_s": rec(ev.info["cue_s"])}
            )
    chair = by_kind.get("chair_stand", [])
    if chair:
        (ev,) = chair
        out["chair_stand"] = {
            "cue_s": rec(ev.start_s),
            "window_s": round(rec(ev.end_s) - rec(ev.start_s), 6),
            "count": ev.info["count"],
            "half_s": [rec(r.info["half_s"]) for r in by_kind.get("rise", [])],
        }
    return out
