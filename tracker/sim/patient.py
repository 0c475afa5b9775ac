"""A simulated patient who does a protocol's trials when the clinician starts them, with truth.

The sensor's samples are made piece by piece, on demand, by the physics-based simulator
(``tracker.sim``): standing (or seated) still between trials, the trial's movement once
the start cue is heard, and what really happened (``PersonTrial.truth``) on the stream's
clock. The person follows the assessment instead of a script fixed in advance:

- ``begin_trial(condition)``: the clinician started a trial. The person moves the sensor
  to the stance leg if the condition needs it, takes the starting position (seated for
  the chair tests) and keeps still; returns the stream time from which they are ready.
- ``go(t_s)``: the start cue was given at ``t_s``; the movement starts after a reaction.
- ``next_block(max_s)``: the next samples the sensor measures.

Stillness between trials is made in pieces that are dropped (never measured) when the
person starts moving sooner, so the reaction to a cue is not delayed by pre-made data.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

import tracker.sim.clinical as clinical
from tracker.clinic.protocols import Condition, Protocol
from tracker.core.errors import InputError
from tracker.core.types import ImuBlock
from tracker.sim.kinematics import FINE_DT_S, LEGS, Mounting
from tracker.sim.postures import sit_to_stand
from tracker.sim.segment import Segment, samples
from tracker.sim.sensor import SensorModel
from tracker.sim.session import assemble, run
from tracker.sim.shapes import min_jerk

ANGLES = ("flex_deg", "frontal_deg", "rot_deg", "shank_flex_deg", "shank_frontal_deg", "sway_gain")
STILL_PIECE_S = 4.0  # stillness made ahead (dropped when the person moves sooner)
MOVE_S = 1.5  # from one posture to another (sitting down, standing up)
# After the sensor is strapped to the other thigh the person stands a while before the
# trial, so its first samples come from where the sensor now is. The stream's decoded
# times may trail the person's own: by a packet, and by more when the simulation runs
# faster than real time on a busy machine (a 0.1 s stall at 8x is 0.8 s of stream), which
# 0.5 s did not always cover: a trial then began on the other thigh's samples.
MOVED_SENSOR_S = 2.0
STANCE_ENDINGS = (*clinical.ENDINGS, "none")  # "none": held past the protocol's limit
POSTURAL_SWAY_DEG = 0.12


@dataclass
class PersonTrial:
    """What the simulated person did in one trial, on the stream's clock (seconds).

    ``truth`` holds, by test: single-leg stance ``start_s`` (lift-off), ``end_s``
    (touch-down), ``hold_s``, ``ending``; stance on two feet ``step_s`` (None: no step);
    five-times ``time_s`` and ``rises``; 30-second chair stand ``half_s`` (every rise's
    halfway-up instant). ``expected(protocol)`` is the value a perfect instrument reports.
    """

    condition: str
    practice: bool
    test: str
    single_leg: bool
    ready_s: float
    go_s: float | None = None
    truth: dict = field(default_factory=dict)
    trial_id: int | None = None

    def expected(self, protocol: Protocol) -> float | None:
        t = self.truth
        if not t:
            return None
        if self.test == "stance" and self.single_leg:
            return min(t["hold_s"], protocol.max_s)
        if self.test == "stance":
            held = protocol.max_s if t["step_s"] is None else t["step_s"] - self.go_s
            return min(held, protocol.max_s)
        if self.test == "five_times_sts":
            return t["time_s"]
        halves = np.asarray(t["half_s"])
        window = (halves >= self.go_s) & (halves <= self.go_s + protocol.window_s)
        return float(np.count_nonzero(window))


def _frame(seg: Segment, index: int) -> dict:
    return {k: float(getattr(seg, k)[index]) for k in ANGLES}


def _hold(frame: dict, duration_s: float) -> Segment:
    n = samples(duration_s)
    return Segment(**{k: np.full(n, frame[k]) for k in ANGLES})


def _move(a: dict, b: dict, duration_s: float) -> Segment:
    """From posture ``a`` to posture ``b`` along a minimum-jerk path."""
    s = min_jerk(np.arange(samples(duration_s)) / (samples(duration_s) - 1))
    return Segment(**{k: a[k] + (b[k] - a[k]) * s for k in ANGLES})


def _trim(seg: Segment, start_s: float) -> Segment:
    """The segment from ``start_s`` on (its events moved with it)."""
    i = max(0, round(start_s / FINE_DT_S))
    arrays = {k: getattr(seg, k)[i:] for k in ANGLES}
    return Segment(**arrays, events=[ev.shifted(-i * FINE_DT_S) for ev in seg.events])


def _same(a: dict, b: dict) -> bool:
    return all(abs(a[k] - b[k]) < 0.5 for k in ANGLES)


STANDING = {k: (1.0 if k == "sway_gain" else 0.0) for k in ANGLES}


class SimulatedPerson:
    """A simulated patient with one thigh sensor, doing ``protocol``'s trials on request.

    Parameters
    ----------
    protocol : Protocol
        What the clinician runs (``set_protocol`` changes it between trials).
    seed : int
        Everything random derives from it.
    rate_hz : float
        The sensor's rate.
    ending : str or sequence of str, optional
        How the stances end: ``foot_down``, ``step``, ``lowered`` (single leg),
        ``none`` (held past the limit); a sequence is taken in turn, trial by trial.
        Stances on two feet step only with ``step``. By default a mix, mostly a loss
        of balance.
    hold_s : float or (lo, hi), optional
        Stance holds (default: by condition, eyes closed shorter).
    noise, loss : bool
        Sensor noise and lost packets.
    """

    def __init__(
        self,
        protocol: Protocol,
        *,
        seed: int = 0,
        rate_hz: float = 100.0,
        ending: str | None = None,
        hold_s=None,
        noise: bool = True,
        loss: bool = True,
    ):
        endings = () if ending is None else (ending,) if isinstance(ending, str) else ending
        for e in endings:
            if e not in STANCE_ENDINGS:
                raise InputError(f"ending must be one of {', '.join(STANCE_ENDINGS)}, not {e!r}")
        self.protocol = protocol
        self.seed = seed
        self.endings = tuple(endings)
        self._stances = 0
        self.hold_s = hold_s
        root = np.random.default_rng(seed)
        mount_rng, sensor_rng, self._rng, self._piece_rng = root.spawn(4)
        self.mountings = {leg: Mounting.random(mount_rng, leg=leg) for leg in LEGS}
        self.sensor = SensorModel.random(sensor_rng, rate_hz=rate_hz, noise=noise, loss=loss)
        self.rate_hz = float(rate_hz)
        self.leg = self._first_leg(protocol)
        self.trials: list[PersonTrial] = []
        self._queue: deque[tuple[ImuBlock, bool]] = deque()  # (samples, droppable)
        self._end_s = 0.0  # stream time of the next sample to make
        self._posture = dict(STANDING)  # at the end of what is made
        self._waiting: tuple[PersonTrial, list[Segment]] | None = None

    def _first_leg(self, protocol: Protocol) -> str:
        for c in protocol.conditions:
            if c.leg in LEGS:
                return c.leg
        return str(self._rng.choice(LEGS))

    @property
    def description(self) -> str:
        return f"simulated patient (seed {self.seed})"

    def set_protocol(self, protocol: Protocol) -> None:
        self.protocol = protocol

    # -- what the sensor measures ------------------------------------------------------------

    def next_block(self, max_s: float) -> ImuBlock:
        """The next samples, at most ``max_s`` of them (stillness when nothing is planned)."""
        if not self._queue:
            self._make([_hold(self._posture, STILL_PIECE_S)], droppable=True)
        block, droppable = self._queue[0]
        cut = int(np.searchsorted(block.t_s, block.t_s[0] + max_s, "left"))
        cut = max(cut, 1)
        if cut >= len(block):
            self._queue.popleft()
            return block
        self._queue[0] = (block.slice(cut, len(block)), droppable)
        return block.slice(0, cut)

    # -- what the clinician asks ---------------------------------------------------------------

    def begin_trial(self, condition: Condition, *, practice: bool = False) -> float:
        """Get ready for a trial of ``condition``; the stream time from which the person
        is still in the starting position (the sensor on the right thigh)."""
        self._drop_stillness()
        test = self.protocol.test
        single = test == "stance" and condition.start == "lift_off"
        moved = condition.leg in LEGS and condition.leg != self.leg
        if moved:
            self.leg = condition.leg  # the clinician moves the sensor: samples jump here
        segments, truth_kind = self._trial_segments(condition)
        first = _frame(segments[0], 0)
        before = [] if _same(self._posture, first) else [_move(self._posture, first, MOVE_S)]
        if moved:
            before.append(_hold(first, MOVED_SENSOR_S))
        self._make(before, droppable=False)
        ready = self._end_s  # from here on: still in the starting position
        trial = PersonTrial(condition.name, practice, test, single, ready_s=ready)
        trial.truth = {"kind": truth_kind}
        self.trials.append(trial)
        self._waiting = (trial, segments)
        return ready

    def go(self, t_s: float) -> None:
        """The start cue sounded at ``t_s``: the person starts moving after a reaction."""
        if self._waiting is None:
            return
        trial, segments = self._waiting
        self._waiting = None
        self._drop_stillness()
        trial.go_s = float(t_s)
        start = self._end_s
        session = self._make(segments, droppable=False)
        trial.truth = _truth(trial.truth["kind"], session.truth, start)

    def abandon(self) -> None:
        """The trial was called off before its start cue: back to standing by."""
        self._waiting = None

    # -- making samples --------------------------------------------------------------------------

    def _trial_segments(self, condition: Condition) -> tuple[list[Segment], str]:
        rng, p = self._rng, self.protocol
        if p.test == "stance" and condition.start == "lift_off":
            hold, ending = self._stance_plan(condition, single=True)
            seg = clinical.single_leg_stance(
                rng,
                leg=self.leg,
                hold_s=hold,
                ending=ending,
                sway_rms_deg=rng.uniform(0.4, 1.0) * (1.4 if condition.eyes == "closed" else 1.0),
                peak_hz=float(np.exp(rng.uniform(np.log(0.3), np.log(1.5)))),
                lean_deg=rng.uniform(3.5, 6.0),
                shift_on_s=rng.uniform(0.6, 1.3),
                lead_s=0.02,
                reaction_s=rng.uniform(0.3, 0.8),
                trail_s=rng.uniform(2.0, 3.0),
                step_deg=rng.uniform(14.0, 25.0),
            )
            return [seg], "single_leg"
        if p.test == "stance":
            hold, ending = self._stance_plan(condition, single=False)
            seg = clinical.quiet_stance(
                rng,
                hold_s=hold,
                ending=ending,
                sway_rms_deg=rng.uniform(0.2, 0.6),
                lead_s=0.02,
                trail_s=rng.uniform(2.0, 3.0),
                step_deg=rng.uniform(14.0, 25.0),
            )
            return [seg], "two_feet"
        if p.test == "five_times_sts":
            seg = sit_to_stand(
                rng,
                p.stands,
                start_seated=True,
                seat_deg=rng.uniform(85.0, 95.0),
                rise_s=rng.uniform(0.9, 1.4),
                sit_s=rng.uniform(1.1, 1.6),
                trail_s=rng.uniform(2.5, 3.5),
            )
            first_rise = min(ev.start_s for ev in seg.events)
            return [_trim(seg, first_rise - rng.uniform(0.3, 0.7))], "five_times"
        seg = clinical.chair_stands(
            rng,
            window_s=p.window_s,
            seat_deg=rng.uniform(85.0, 95.0),
            rise_s=rng.uniform(0.8, 1.4),
            sit_s=rng.uniform(1.0, 1.6),
            lead_s=0.02,
            overrun=int(rng.uniform() < 0.5),
        )
        return [seg], "chair_stand"

    def _stance_plan(self, condition: Condition, *, single: bool) -> tuple[float, str]:
        """(hold, ending) of the next stance; a hold past the limit ends after the stop cue."""
        rng, limit = self._rng, self.protocol.max_s
        mix = [0.65, 0.2, 0.1, 0.05] if condition.eyes == "closed" else [0.55, 0.15, 0.1, 0.2]
        ending = str(rng.choice(["foot_down", "step", "lowered", "none"], p=mix))
        if self.endings:
            ending = self.endings[self._stances % len(self.endings)]
        self._stances += 1
        if isinstance(self.hold_s, tuple | list):
            hold = float(rng.uniform(*self.hold_s))
        elif self.hold_s is not None:
            hold = float(self.hold_s)
        elif condition.eyes == "closed":
            hold = float(rng.uniform(2.0, 0.4 * limit))
        else:
            hold = float(rng.uniform(0.2 * limit, 0.95 * limit))
        if ending == "none":
            hold = max(hold, limit + rng.uniform(1.5, 3.0))  # until after the stop cue
        if not single:
            return hold, ("step" if ending == "step" else "none")
        return hold, ("lowered" if ending == "none" else ending)

    def _drop_stillness(self) -> None:
        """Forget stillness made ahead but not yet measured (the person moves sooner)."""
        while self._queue and self._queue[-1][1]:
            block, _ = self._queue.pop()
            self._end_s = float(block.t_s[0])

    def _make(self, segments: list[Segment], *, droppable: bool):
        """Simulate ``segments`` with the sensor on ``self.leg`` and queue the samples."""
        if not segments:
            return None
        sway_seed = int(self._piece_rng.integers(2**63))
        (noise_rng,) = self._piece_rng.spawn(1)

        def build_motion():  # the same motion every call
            rng = np.random.default_rng(sway_seed)
            motion, events = assemble(segments, rng, POSTURAL_SWAY_DEG)
            return motion, events, POSTURAL_SWAY_DEG

        mounting = self.mountings[self.leg]
        session = run("assessment", self.seed, build_motion, mounting, self.sensor, noise_rng, {})
        start = self._end_s
        block = session.block
        shifted = ImuBlock.from_arrays(block.t_s + start, block.acc, block.gyr)
        self._queue.append((shifted, droppable))
        self._end_s = start + len(session.kept) / self.rate_hz
        self._posture = _frame(segments[-1], segments[-1].n - 1)
        return session


def _truth(kind: str, truth, offset_s: float) -> dict:
    """The trial's truth on the stream's clock."""

    def at(t):
        return round(float(t) + offset_s, 6)

    if kind in ("single_leg", "two_feet"):
        (st,) = truth.stance_trials
        if kind == "single_leg":
            return {
                "kind": kind,
                "start_s": at(st["start_s"]),
                "end_s": at(st["end_s"]),
                "hold_s": st["hold_s"],
                "ending": st["ending"],
            }
        step = at(st["end_s"]) if st["ending"] == "step" else None
        return {"kind": kind, "cue_s": at(st["cue_s"]), "step_s": step}
    if kind == "five_times":
        sts = truth.sit_to_stand
        rises = [{"start_s": at(r["start_s"]), "end_s": at(r["end_s"])} for r in sts["rises"]]
        return {"kind": kind, "time_s": sts["duration_s"], "rises": rises}
    return {"kind": kind, "half_s": [at(h) for h in truth.chair_stand["half_s"]]}
