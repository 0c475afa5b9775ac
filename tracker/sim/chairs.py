"""Chair rises as real people do them on a higher chair: 60-90° of thigh travel, straight
back down without a pause at standing, and a thump on landing on the seat.

The five-times sit-to-stand and the 30-second chair stand share the body; their events
are those of ``postures.sit_to_stand`` and ``clinical.chair_stands`` (``rise`` with its
halfway-up instant, ``sts``, ``cue``, ``chair_stand``), so the truth reads them alike.
"""

from __future__ import annotations

import numpy as np

from tracker.sim.continuous import turning_path
from tracker.sim.gait import HEEL_STRIKE_SIGMA_S
from tracker.sim.kinematics import leg_chain
from tracker.sim.segment import Event, Segment, local_time
from tracker.sim.shapes import gabor

LANDING_HZ = 10.0  # the seat's cushion and the buttocks: a softer impact than a heel strike


def chair_rises(
    rng: np.random.Generator,
    *,
    rises: int | None = 5,
    window_s: float | None = None,
    travel_deg: float = 75.0,
    rise_s: float = 1.1,
    sit_s: float = 1.3,
    lead_s: float = 0.2,
    trail_s: float = 2.0,
    landing_m_s2: float = 15.0,
) -> Segment:
    """Seated, then ``rises`` rises (or as many as start halfway up within ``window_s``
    after the cue at ``lead_s``), each straight back down, seated at the end.

    Seated the thigh is 97-100 % of ``travel_deg`` from vertical (a higher chair: 60-90°);
    each rise takes ``rise_s`` (±15 %) to a standing thigh within 2° of vertical and turns
    straight back down over ``sit_s`` (±15 %); seated 0.05-0.4 s between. Landing on the
    seat jolts the hip down (``landing_m_s2`` peak, about 10 Hz).
    """
    if rises is None and window_s is None:
        raise ValueError("give rises, window_s or both")
    cue, t = lead_s, lead_s + rng.uniform(0.05, 0.3)
    times, values = [0.0, t], [travel_deg, travel_deg]
    events = [Event("cue", cue, cue, {"cue": "start"})] if window_s is not None else []
    rise_events, landings = [], []
    while True:
        up_s = rise_s * rng.uniform(0.85, 1.15)
        half = t + 0.5 * up_s
        if rises is not None and len(rise_events) == rises:
            break
        if window_s is not None and half > cue + window_s:
            break
        times.append(t + up_s)
        values.append(rng.uniform(-1.0, 2.0))
        info = {"index": len(rise_events), "half_s": half, "no_pause": True}
        rise_events.append(Event("rise", t, t + up_s, info))
        t += up_s + sit_s * rng.uniform(0.85, 1.15)
        times.append(t)
        values.append(travel_deg * rng.uniform(0.97, 1.0))
        landings.append(t)
        t += rng.uniform(0.05, 0.4)
        times.append(t)
        values.append(values[-1])
    ts = local_time(t + trail_s)
    flex = turning_path(ts, times, values)
    progress = np.clip(flex / travel_deg, 0.0, 1.0)  # 1 seated, 0 standing
    shank_seated = rng.uniform(0.0, 12.0)
    knee_forward = rng.uniform(8.0, 15.0)
    shank_flex = shank_seated * progress + knee_forward * np.sin(np.pi * progress)
    frontal = rng.uniform(-0.05, 0.05) * flex
    hip = leg_chain(flex, frontal, shank_flex, np.zeros_like(ts))
    for at in landings:  # the last part of sitting down is a landing on the seat
        i0, i1 = np.searchsorted(ts, [at - 0.1, at + 0.15])
        pulse = gabor(ts[i0:i1], at + HEEL_STRIKE_SIGMA_S, 1.5 * HEEL_STRIKE_SIGMA_S, LANDING_HZ)
        hip[i0:i1, 2] -= landing_m_s2 / (2 * np.pi * LANDING_HZ) ** 2 * pulse
    events += rise_events
    stands = len(rise_events)
    events.append(Event("sts", rise_events[0].start_s, rise_events[-1].end_s, {"stands": stands}))
    if window_s is not None:
        counted = sum(ev.info["half_s"] <= cue + window_s for ev in rise_events)
        info = {"count": counted, "window_s": window_s}
        events.append(Event("chair_stand", cue, cue + window_s, info))
    return Segment(
        flex_deg=flex,
        frontal_deg=frontal,
        rot_deg=rng.uniform(-0.1, 0.1) * flex,
        shank_flex_deg=shank_flex,
        shank_frontal_deg=np.zeros_like(ts),
        sway_gain=1.0 - progress,
        hip_m=hip,  # relative to the ankle, as a foot-fixed segment's
        events=events,
    )
