"""The values that flow through the pipeline: packets, sample blocks and the events made of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

GRAVITY_M_S2 = 9.80665


@dataclass(frozen=True, slots=True)
class RawPacket:
    """One notification as it arrived: receive time (host monotonic clock, s) and its bytes.

    ``channel`` names where it came from when a profile streams on several
    characteristics (the characteristic's UUID); empty when there is one.
    """

    t_rx_s: float
    payload: bytes
    channel: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class ImuBlock:
    """A run of samples in SI units and the sensor frame.

    Attributes
    ----------
    t_s : (n,) float64
        Sample times in seconds, strictly increasing within and across blocks.
    acc : (n, 3) float64
        Specific force in m/s² (about +9.81 along "up" at rest).
    gyr : (n, 3) float64
        Angular rate in rad/s, right-handed, same frame as ``acc``.
    """

    t_s: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray

    def __post_init__(self) -> None:
        n = self.t_s.shape[0]
        if self.t_s.ndim != 1 or self.acc.shape != (n, 3) or self.gyr.shape != (n, 3):
            raise ValueError(
                f"ImuBlock shapes disagree: t {self.t_s.shape}, acc {self.acc.shape}, "
                f"gyr {self.gyr.shape}"
            )

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @classmethod
    def empty(cls) -> ImuBlock:
        return cls(np.empty(0), np.empty((0, 3)), np.empty((0, 3)))

    @classmethod
    def from_arrays(cls, t_s, acc, gyr) -> ImuBlock:
        """Build a block from anything array-like, as contiguous float64."""
        return cls(
            np.ascontiguousarray(t_s, dtype=np.float64),
            np.ascontiguousarray(acc, dtype=np.float64).reshape(-1, 3),
            np.ascontiguousarray(gyr, dtype=np.float64).reshape(-1, 3),
        )

    @classmethod
    def concat(cls, blocks: list[ImuBlock]) -> ImuBlock:
        blocks = [b for b in blocks if len(b)]
        if not blocks:
            return cls.empty()
        return cls(
            np.concatenate([b.t_s for b in blocks]),
            np.concatenate([b.acc for b in blocks]),
            np.concatenate([b.gyr for b in blocks]),
        )

    def slice(self, start: int, stop: int) -> ImuBlock:
        return ImuBlock(self.t_s[start:stop], self.acc[start:stop], self.gyr[start:stop])

    def chunks(self, size: int):
        """Yield consecutive blocks of at most ``size`` samples."""
        for start in range(0, len(self), size):
            yield self.slice(start, start + size)


def _rounded(d: dict) -> dict:
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in d.items()}


@dataclass(frozen=True, slots=True)
class Rep:
    """One counted repetition. Times are sample times (s); angles in degrees.

    ``reported_s`` is the sample time at which the pipeline reported it, so the
    delay after the return to standing can be measured. ``pause_s`` is the time held at
    the bottom (within 5 % of the depth, at least 1°, for 1 s or more and three quarters of the
    time moving to and from it; else 0); ``descent_s`` and ``ascent_s`` are the way down to it
    and up from it (to and from the deepest point when there was no hold).
    """

    index: int
    set_index: int
    start_s: float
    bottom_s: float
    end_s: float
    depth_deg: float
    descent_s: float
    ascent_s: float
    sparc: float
    ldlj: float
    wobble_deg: float
    reported_s: float
    pause_s: float = 0.0

    def to_json(self) -> dict:
        d = asdict(self)
        d["set"] = d.pop("set_index")
        return _rounded(d)


@dataclass(frozen=True, slots=True)
class RepSet:
    """Reps that follow each other without a long pause."""

    index: int
    start_s: float
    end_s: float
    reps: int

    def to_json(self) -> dict:
        return _rounded(asdict(self))


EXERCISES = ("auto", "squat", "balance", "sit_to_stand")  # what a whole recording can be

SWAY_FIELDS = (  # a bout's sway measures, as named in results and reports
    "sway_rms_deg",
    "sway_path_deg",
    "sway_velocity_deg_s",
    "ellipse95_deg2",
    "mean_freq_hz",
    "jerk_deg_s3",
)


@dataclass(frozen=True, slots=True)
class BalanceBout:
    """A settled single-leg stance with its sway measures (see ``dsp.sway``)."""

    start_s: float
    end_s: float
    duration_s: float
    sway_rms_deg: float
    sway_path_deg: float
    sway_velocity_deg_s: float
    ellipse95_deg2: float
    mean_freq_hz: float
    jerk_deg_s3: float
    lost_s: float = 0.0  # time inside the bout guessed across lost packets
    end_reason: str = "settled stance ended"

    def to_json(self) -> dict:
        return _rounded(asdict(self))


@dataclass(frozen=True, slots=True)
class Stand:
    """One rise from sitting to standing (sit-to-stand tests)."""

    index: int
    start_s: float
    end_s: float

    def to_json(self) -> dict:
        return _rounded(asdict(self))


@dataclass(frozen=True, slots=True)
class BalanceLive:
    """A balance bout in progress, for a live display."""

    start_s: float
    elapsed_s: float
    sway_rms_deg: float


@dataclass(frozen=True, slots=True, eq=False)
class Update:
    """What one ``Pipeline.push`` produced.

    The arrays describe every processed sample of the push (on the pipeline's
    uniform internal grid); the tuples hold events that finished during it.
    ``phase`` and ``notes`` say why the detectors did what they did.
    """

    t_s: np.ndarray
    inclination_deg: np.ndarray
    tilt_deg: np.ndarray
    phase: str
    calibrated: bool
    reps: tuple[Rep, ...] = ()
    sets: tuple[RepSet, ...] = ()
    bouts: tuple[BalanceBout, ...] = ()
    stands: tuple[Stand, ...] = ()
    balance: BalanceLive | None = None
    gaps: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
    # After lost packets the grid waits for the far side of the hole; what already
    # arrived beyond it, bridged provisionally, for a live display only.
    ahead_t_s: np.ndarray = field(default_factory=lambda: np.empty(0))
    ahead_deg: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def latest_s(self) -> float | None:
        return float(self.t_s[-1]) if len(self.t_s) else None

    @classmethod
    def merge(cls, updates: list[Update]) -> Update:
        """One update for consecutive ones: arrays and events joined, state from the last."""
        last = updates[-1]
        return cls(
            t_s=np.concatenate([u.t_s for u in updates]),
            inclination_deg=np.concatenate([u.inclination_deg for u in updates]),
            tilt_deg=np.concatenate([u.tilt_deg for u in updates]),
            phase=last.phase,
            calibrated=last.calibrated,
            reps=tuple(r for u in updates for r in u.reps),
            sets=tuple(s for u in updates for s in u.sets),
            bouts=tuple(b for u in updates for b in u.bouts),
            stands=tuple(s for u in updates for s in u.stands),
            balance=last.balance,
            gaps=sum(u.gaps for u in updates),
            notes=tuple(n for u in updates for n in u.notes),
            ahead_t_s=last.ahead_t_s,
            ahead_deg=last.ahead_deg,
        )
