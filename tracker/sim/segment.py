"""A piece of a session on the fine grid (local time from 0) and the events it contains."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tracker.sim.kinematics import FINE_DT_S


@dataclass(frozen=True, slots=True)
class Event:
    """Something the truth reports, in the segment's (later the session's) true time.

    ``kind`` is one of ``rep``, ``set``, ``other_rep``, ``other_set``, ``hold``, ``walk``,
    ``shift``, ``balance``, ``rise``, ``sts``; ``info`` holds the script's parameters.
    """

    kind: str
    start_s: float
    end_s: float
    info: dict = field(default_factory=dict)

    def shifted(self, offset_s: float) -> Event:
        return Event(self.kind, self.start_s + offset_s, self.end_s + offset_s, self.info)


@dataclass(eq=False)
class Segment:
    """Angles (degrees) of the instrumented leg on the fine grid, and where its hip goes.

    With ``hip_m`` None the foot is fixed on the floor and the hip follows from the
    leg chain (``kinematics.leg_chain``). Otherwise ``hip_m`` (n, 3) is the hip's path in
    the segment's own frame: origin on the floor under the hip at the start, x along the
    heading at the start. ``sway_gain`` scales the session's postural sway (0 seated or
    walking). ``advance_m`` and ``turn_rad`` say how far the standing spot moved and
    turned by the end (walking only).
    """

    flex_deg: np.ndarray
    frontal_deg: np.ndarray
    rot_deg: np.ndarray
    shank_flex_deg: np.ndarray
    shank_frontal_deg: np.ndarray
    sway_gain: np.ndarray
    hip_m: np.ndarray | None = None
    heading_rad: np.ndarray | None = None
    advance_m: tuple[float, float] = (0.0, 0.0)
    turn_rad: float = 0.0
    events: list[Event] = field(default_factory=list)

    @classmethod
    def still(cls, duration_s: float) -> Segment:
        """Standing upright, not moving (the session sway is added later)."""
        n = samples(duration_s)
        z = np.zeros(n)
        return cls(z, z.copy(), z.copy(), z.copy(), z.copy(), np.ones(n))

    @property
    def n(self) -> int:
        return len(self.flex_deg)

    @property
    def duration_s(self) -> float:
        return self.n * FINE_DT_S


def samples(duration_s: float) -> int:
    """Fine-grid samples in ``duration_s`` (at least 2)."""
    return max(2, round(duration_s / FINE_DT_S))


def local_time(duration_s: float) -> np.ndarray:
    """The fine grid of a segment lasting ``duration_s``, from 0."""
    return np.arange(samples(duration_s)) * FINE_DT_S
