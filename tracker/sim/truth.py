"""Ground truth of a simulated session, defined exactly as the metrics are (docs/metrics.md).

All times are on the recording's time base (the ``t`` column: device clock), mapped
from true time by the clock's drift. Definitions:

- rep ``start_s``/``end_s``: the scripted start of the descent (the thigh leaves its
  standing posture) and end of the ascent (back, stopped); ``bottom_s``: the time of
  the maximum true inclination within the rep; ``depth_deg``: the inclination there
  (angle between the thigh's long axis and its standing direction, the vertical);
  ``descent_s = bottom_s - start_s``; ``ascent_s = end_s - bottom_s``;
  ``shake_rms_deg``: RMS over the rep of the injected frontal shake (rotation about the
  thigh's own x axis, the angle between the long axis and the sagittal plane).
- ``reps``/``sets`` are those of the instrumented leg; sets done on the other leg (the
  instrumented thigh is then the lifted free leg) are in ``other_leg_sets``.
- balance: the settled single-leg stance (shifts on and off excluded);
  ``sway_rms_deg`` = RMS angle between the true long axis and its mean direction over
  it; the other measures are ``tracker.engine.dsp.sway.sway_measures`` of the axis' 2-D tilt
  (frontal, sagittal) about that mean direction, sampled at 100 Hz.
- sit_to_stand ``duration_s``: start of the first rise to the end of the last; rises
  straight back down (``chairs``) also give the inclination seated and at the top, and
  the ``travel_deg`` between them.
- continuous reps (``continuous``) also give the inclination at their start and end
  (``start_inclination_deg``, ``end_inclination_deg``: the tops, against the vertical
  posture held before the set) and their ``tops`` style.
- on soft tissue (``strap``), each rep gives ``sensor_depth_deg``: the inclination at the
  bottom of the thigh's axis as the sensor carries it (bone plus tissue rotation), and
  the file holds the strap's drawn settings under ``strap``.

Besides those lists the file holds ``simulated`` (always true), ``kind``, ``seed``,
``exercise`` (the ``tracker analyze --exercise`` the session calls for), ``options``,
``tracker_version``, ``duration_s``, ``sample_rate_hz``, ``samples``, ``lost_samples``,
``gaps`` (bursts of lost samples), ``sensor_leg``, ``mounting`` (quaternion sensor to
thigh, position), ``sensor`` (every sensor-model setting) and ``clock_scale``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from tracker.core.frames import DEG, angle_deg, unit
from tracker.sim.clinical import clinical_truth
from tracker.sim.kinematics import FineSignals
from tracker.sim.segment import Event

SWAY_TRUTH_RATE_HZ = 100.0


@dataclass(eq=False)
class Truth:
    """What really happened; ``to_json()`` is the content of ``<recording>.truth.json``."""

    data: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return copy.deepcopy(self.data)

    @property
    def reps(self) -> list[dict]:
        return self.data["reps"]

    @property
    def sets(self) -> list[dict]:
        return self.data["sets"]

    @property
    def other_leg_sets(self) -> list[dict]:
        return self.data["other_leg_sets"]

    @property
    def holds(self) -> list[dict]:
        return self.data["holds"]

    @property
    def walking(self) -> list[dict]:
        return self.data["walking"]

    @property
    def weight_shifts(self) -> list[dict]:
        return self.data["weight_shifts"]

    @property
    def balance(self) -> list[dict]:
        return self.data["balance"]

    @property
    def sit_to_stand(self) -> dict | None:
        return self.data["sit_to_stand"]

    @property
    def cues(self) -> list[dict]:
        """Start cues of the clinical tests (``tracker.sim.clinical``); [] elsewhere."""
        return self.data.get("cues", [])

    @property
    def stance_trials(self) -> list[dict]:
        """Timed stances of the clinical balance tests, hold time as docs/clinic.md defines."""
        return self.data.get("stance_trials", [])

    @property
    def chair_stand(self) -> dict | None:
        """The 30-second chair stand: cue, window, stands counted, halfway-up instants."""
        return self.data.get("chair_stand")


def _r(x: float) -> float:
    return round(float(x), 6)


class _Clock:
    """Maps true time to the recording's time base and finds fine-grid indices."""

    def __init__(self, fine: FineSignals, clock_scale: float):
        self.t = fine.t_s
        self.scale = clock_scale

    def rec(self, tau_s: float) -> float:
        return _r(tau_s * self.scale)

    def idx(self, tau_s: float) -> int:
        return int(np.clip(np.searchsorted(self.t, tau_s - 1e-9), 0, len(self.t) - 1))


def _rep(ev: Event, clock: _Clock, incl: np.ndarray, carried: np.ndarray | None) -> dict:
    i0, i1 = clock.idx(ev.start_s), clock.idx(ev.end_s)
    ib = i0 + int(np.argmax(incl[i0 : i1 + 1]))
    start, bottom, end = clock.rec(ev.start_s), clock.rec(clock.t[ib]), clock.rec(ev.end_s)
    extra = {}
    if "tops" in ev.info:  # continuous reps start and end at tops that wander
        extra = {"start_inclination_deg": _r(incl[i0]), "end_inclination_deg": _r(incl[i1])}
        extra["tops"] = ev.info["tops"]
    if carried is not None:  # on soft tissue: the depth the sensor's own tilt shows
        extra["sensor_depth_deg"] = _r(carried[ib])
    return {
        "start_s": start,
        "bottom_s": bottom,
        "end_s": end,
        "depth_deg": _r(incl[ib]),
        "descent_s": _r(bottom - start),
        "ascent_s": _r(end - bottom),
        "pause_s": _r(ev.info["pause_s"] * clock.scale),
        "shake_rms_deg": _r(ev.info["shake_rms_deg"]),
        "kind": ev.info["kind"],
        "side": ev.info["side"],
    } | extra


def _travel(ev: Event, clock: _Clock, incl: np.ndarray) -> dict:
    """A rise straight back down (``chairs``): the thigh seated and at the top."""
    seated, top = incl[clock.idx(ev.start_s)], incl[clock.idx(ev.end_s)]
    return {"seated_deg": _r(seated), "top_deg": _r(top), "travel_deg": _r(seated - top)}


def _sets(set_events, rep_events, reps_json, clock) -> list[dict]:
    out = []
    for k, ev in enumerate(sorted(set_events, key=lambda e: e.start_s)):
        members = [i for i, r in enumerate(rep_events) if ev.start_s <= r.start_s <= ev.end_s]
        for i in members:
            if reps_json is not None:
                reps_json[i]["set"] = k
        out.append(
            {
                "index": k,
                "start_s": clock.rec(ev.start_s),
                "end_s": clock.rec(ev.end_s),
                "reps": len(members),
                "side": ev.info["side"],
                "kind": ev.info["kind"],
            }
        )
    return out


def _balance(ev: Event, clock: _Clock, fine: FineSignals) -> dict:
    from tracker.engine.dsp.sway import sway_measures

    i0, i1 = clock.idx(ev.start_s), clock.idx(ev.end_s)
    step = max(1, round(1.0 / (SWAY_TRUTH_RATE_HZ * (clock.t[1] - clock.t[0]))))
    forward, axis = fine.thigh_axes(slice(i0, i1, step))
    mean = unit(axis.mean(axis=0))
    rms = float(np.sqrt(np.mean(angle_deg(axis, np.broadcast_to(mean, axis.shape)) ** 2)))
    # 2-D tilt about the mean direction: toward the person's front and left.
    heading_fwd = forward[len(forward) // 2]
    fwd = unit(heading_fwd - np.dot(heading_fwd, mean) * mean)
    left = np.cross(mean, fwd)
    along = axis @ mean
    traj = np.column_stack([np.arctan2(axis @ left, along), np.arctan2(axis @ fwd, along)]) * DEG
    m = sway_measures(traj, SWAY_TRUTH_RATE_HZ)
    start, end = clock.rec(ev.start_s), clock.rec(ev.end_s)
    return {
        "start_s": start,
        "end_s": end,
        "duration_s": _r(end - start),
        **{k: _r(v) for k, v in m.reported().items()},
        "sway_rms_deg": _r(rms),  # of the axis itself (above)
        "sway_rms_target_deg": _r(ev.info["sway_rms_target_deg"]),
        "peak_hz": _r(ev.info["peak_hz"]),
        "shift_on": [clock.rec(v) for v in ev.info["shift_on"]],
        "shift_off": [clock.rec(v) for v in ev.info["shift_off"]],
        "side": ev.info["side"],
    } | {k: _r(ev.info[k]) for k in ("shake_rms_deg", "shake_hz") if k in ev.info}


def build_truth(events: list[Event], fine: FineSignals, clock_scale: float, meta: dict) -> Truth:
    """The truth of a session from its script's events and its true motion.

    ``meta`` (kind, seed, mounting, sensor, options, ...) is stored as given.
    """
    clock = _Clock(fine, clock_scale)
    incl = fine.inclination_deg
    by_kind: dict[str, list[Event]] = {}
    for ev in sorted(events, key=lambda e: e.start_s):
        by_kind.setdefault(ev.kind, []).append(ev)
    get = by_kind.get

    reps = [_rep(ev, clock, incl, fine.carried_inclination_deg) for ev in get("rep", [])]
    for i, rep in enumerate(reps):
        rep["index"] = i
    sets = _sets(get("set", []), get("rep", []), reps, clock)
    other_sets = _sets(get("other_set", []), get("other_rep", []), None, clock)
    other_events = sorted(get("other_set", []), key=lambda e: e.start_s)
    for s, ev in zip(other_sets, other_events, strict=True):
        members = [r for r in get("other_rep", []) if ev.start_s <= r.start_s <= ev.end_s]
        s["rep_times"] = [[clock.rec(r.start_s), clock.rec(r.end_s)] for r in members]
        s["planned_depth_deg"] = [_r(r.info["planned_depth_deg"]) for r in members]

    holds = []
    for ev in get("hold", []):
        i0, i1 = clock.idx(ev.start_s), clock.idx(ev.end_s)
        start, end = clock.rec(ev.start_s), clock.rec(ev.end_s)
        holds.append(
            {
                "start_s": start,
                "end_s": end,
                "duration_s": _r(end - start),
                "inclination_deg": _r(np.mean(incl[i0:i1])),
                "target_deg": _r(ev.info["target_deg"]),
            }
        )
    walking = [
        {"start_s": clock.rec(ev.start_s), "end_s": clock.rec(ev.end_s)}
        | {k: (_r(v) if isinstance(v, float) else v) for k, v in ev.info.items()}
        for ev in get("walk", [])
    ]
    shifts = []
    for ev in get("shift", []):
        i0, i1 = clock.idx(ev.start_s), clock.idx(ev.end_s)
        shifts.append(
            {
                "start_s": clock.rec(ev.start_s),
                "end_s": clock.rec(ev.end_s),
                "amplitude_deg": _r(np.max(incl[i0 : i1 + 1])),
                "lateral_deg": _r(ev.info["lateral_deg"]),
                "forward_deg": _r(ev.info["forward_deg"]),
            }
        )
    balance = [_balance(ev, clock, fine) for ev in get("balance", [])]
    sts = None
    if get("sts"):
        rises = [
            {"index": i, "start_s": clock.rec(ev.start_s), "end_s": clock.rec(ev.end_s)}
            | (_travel(ev, clock, incl) if ev.info.get("no_pause") else {})
            for i, ev in enumerate(get("rise", []))
        ]
        sts = {
            "rises": rises,
            "stands": len(rises),
            "duration_s": _r(rises[-1]["end_s"] - rises[0]["start_s"]),
        }
    data = {"simulated": True, **meta}
    data |= {
        "reps": reps,
        "sets": sets,
        "other_leg_sets": other_sets,
        "holds": holds,
        "walking": walking,
        "weight_shifts": shifts,
        "balance": balance,
        "sit_to_stand": sts,
    }
    data |= clinical_truth(by_kind, clock.rec)  # only the clinical kinds have these events
    return Truth(data)
