"""The sensor on soft tissue: it rocks and shifts on the thigh, jiggles while moving, slips.

A strapped sensor does not move with the bone. Three motions of the sensor relative to
the thigh, all small, make up ``TissueMotion`` (a rotation vector and a displacement in
the thigh frame, on the fine grid):

- **wobble**: a damped oscillator (``wobble_hz``, ``damping``; unit gain at rest) driven by
  the specific force across the thigh at the sensor: the tissue sags with gravity as the
  thigh tilts (``rock_deg_per_g``, ``shift_mm_per_g``) and rings after impacts (heel
  strikes, landing on a chair, a bounce at the bottom);
- **jiggle**: low-passed random rotation and translation while the thigh moves, scaled by
  its angular speed (``jiggle_deg``, ``jiggle_mm`` RMS at 1 rad/s), as the muscles under
  the strap work;
- **slip**: a slow rotation of the strap about a random axis (mostly round the thigh),
  growing with the activity to ``slip_deg`` by the end of the session.

The presets are ``rigid`` (none of it: the simulator's default), ``soft`` (a snug strap on
soft tissue) and ``loose`` (a loose strap on a walking thigh). The truth stays the bone's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import signal

from tracker.core.errors import InputError
from tracker.core.frames import DEG
from tracker.core.types import GRAVITY_M_S2
from tracker.sim.kinematics import FINE_DT_S, Motion, Mounting, quat_rotate, second_difference

JIGGLE_HZ = 6.0  # corner of the jiggle's spectrum
JIGGLE_ORDERS = (2, 2)  # its roll-off (rotation, shift): above 6 Hz the gyro falls as f^-2


@dataclass(frozen=True)
class Strap:
    """How loosely the sensor sits (see the module docstring); ranges are drawn per session."""

    name: str
    wobble_hz: tuple[float, float]
    damping: tuple[float, float]
    rock_deg_per_g: tuple[float, float]
    shift_mm_per_g: tuple[float, float]
    jiggle_deg: tuple[float, float]
    jiggle_mm: tuple[float, float]
    slip_deg: tuple[float, float]


STRAPS = {
    "soft": Strap("soft", (9.0, 14.0), (0.2, 0.35), (0.3, 0.8), (0.2, 0.5), (0.3, 0.5),
                  (0.25, 0.5), (0.0, 1.5)),
    "loose": Strap("loose", (8.0, 12.0), (0.12, 0.25), (2.0, 3.5), (1.5, 3.0), (0.6, 1.2),
                   (1.0, 2.0), (2.0, 6.0)),
}  # fmt: skip
NAMES = ("rigid", *STRAPS)


@dataclass(frozen=True, eq=False)
class TissueMotion:
    """The sensor's motion relative to the bone (thigh frame) and the values drawn for it."""

    rotvec: np.ndarray  # (n, 3) rad
    shift_m: np.ndarray  # (n, 3)
    drawn: dict

    def quat(self) -> np.ndarray:
        """The tissue rotation as quaternions (w, x, y, z) components first, (4, n)."""
        angle = np.linalg.norm(self.rotvec, axis=1)
        half = 0.5 * angle
        scale = np.where(angle > 1e-12, np.sin(half) / np.maximum(angle, 1e-300), 0.5)
        return np.vstack([np.cos(half), (self.rotvec * scale[:, None]).T])

    def to_json(self) -> dict:
        return dict(self.drawn)


def strap_named(name) -> Strap | None:
    """The preset called ``name`` (None for rigid); ``InputError`` for an unknown one."""
    if name in (None, "rigid"):
        return None
    if name not in STRAPS:
        raise InputError(f"strap must be one of {', '.join(NAMES)}, not {name!r}")
    return STRAPS[name]


def _oscillator(x: np.ndarray, hz: float, damping: float) -> np.ndarray:
    """``x`` (n, k) through ``w²/(s² + 2ζws + w²)``, starting at rest at ``x[0]``."""
    w = 2 * np.pi * hz
    sos = signal.cont2discrete(([w * w], [1.0, 2 * damping * w, w * w]), FINE_DT_S, "bilinear")
    b, a = np.ravel(sos[0]), np.ravel(sos[1])
    sos = signal.tf2sos(b, a)
    zi = signal.sosfilt_zi(sos)[:, :, None] * x[0]
    return signal.sosfilt(sos, x, axis=0, zi=zi)[0]


def _coloured(rng: np.random.Generator, n: int, order: int) -> np.ndarray:
    """Unit-RMS Gaussian noise (n, 3) low-passed at ``JIGGLE_HZ`` (Butterworth)."""
    sos = signal.butter(order, JIGGLE_HZ, fs=1.0 / FINE_DT_S, output="sos")
    x = signal.sosfiltfilt(sos, rng.standard_normal((n + 4000, 3)), axis=0)[2000:-2000]
    return x / np.sqrt(np.mean(x**2))


def _speed_envelope(motion: Motion) -> np.ndarray:
    """The thigh's angular speed (rad/s), smoothed over a quarter second."""
    rates = np.gradient(np.column_stack([motion.flex_deg, motion.frontal_deg]), FINE_DT_S, axis=0)
    speed = np.linalg.norm(rates, axis=1) / DEG
    n = round(0.25 / FINE_DT_S)
    return np.convolve(speed, np.ones(n) / n, mode="same")


def tissue_motion(
    motion: Motion, mounting: Mounting, strap: Strap, rng: np.random.Generator
) -> TissueMotion:
    """Draw a strap's settings and the sensor's motion on the tissue under ``motion``."""
    draw = {k: float(rng.uniform(*getattr(strap, k))) for k in asdict(strap) if k != "name"}
    thigh = motion.thigh_quat()
    pos = motion.hip_m + quat_rotate(thigh, mounting.position_m).T
    world_force = second_difference(pos, FINE_DT_S)
    world_force[:, 2] += GRAVITY_M_S2
    force = quat_rotate(thigh * np.array([1.0, -1.0, -1.0, -1.0])[:, None], world_force.T).T
    across = force[:, :2] / GRAVITY_M_S2  # in g, along the thigh's x and y

    # Wobble: the sag of the tissue under the specific force, through its resonance.
    twist = rng.uniform(-0.5, 0.5, 2)  # the strap also twists a little
    rock = np.column_stack([-across[:, 1], across[:, 0], across @ twist]) * (
        draw["rock_deg_per_g"] / DEG
    )
    shift = np.column_stack([-across, np.zeros(len(across))]) * (draw["shift_mm_per_g"] / 1000)
    wobble = _oscillator(np.hstack([rock, shift]), draw["wobble_hz"], draw["damping"])

    # Jiggle: muscle work under the strap while the thigh moves.
    speed = _speed_envelope(motion)
    n = len(speed)
    rot_order, shift_order = JIGGLE_ORDERS
    jiggle_rot = _coloured(rng, n, rot_order) * (speed * draw["jiggle_deg"] / DEG)[:, None]
    jiggle_shift = _coloured(rng, n, shift_order) * (speed * draw["jiggle_mm"] / 1000)[:, None]

    # Slip: about an axis mostly round the thigh, as the activity goes on.
    axis = np.array([*rng.normal(0.0, 0.4, 2), rng.choice([-1.0, 1.0])])
    axis /= np.linalg.norm(axis)
    activity = np.cumsum(speed + np.linalg.norm(across - across.mean(axis=0), axis=1))
    progress = activity / activity[-1] if activity[-1] > 0 else np.zeros(n)
    slip = np.outer(progress, axis) * (draw["slip_deg"] / DEG)

    drawn = {"strap": strap.name} | {k: round(v, 4) for k, v in draw.items()}
    return TissueMotion(
        rotvec=wobble[:, :3] + jiggle_rot + slip,
        shift_m=wobble[:, 3:] + jiggle_shift,
        drawn=drawn,
    )
