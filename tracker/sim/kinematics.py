"""The body model: rigid shank and thigh, the thigh's orientation, the sensor and its ideal output.

Angles (degrees) follow the sign table of ``tracker.core.frames``:

- ``flex``: sagittal tilt of the thigh, + when the knee moves forward;
- ``frontal``: rotation about the thigh's own x axis, + when the knee moves toward the
  thigh's +y (left); it equals the angle between the long axis and the sagittal plane;
- ``rot``: internal/external rotation about the thigh's long axis;
- ``heading``: the person's heading, about the world's vertical.

The thigh's orientation (thigh frame to world, kept as quaternions) is
``R = Rz(heading) · Ry(-flex) · Rx(frontal) · Rz(rot)``, so standing upright is the
identity and the inclination (angle between the long axis and its standing direction,
the world vertical) is ``arccos(cos(flex)·cos(frontal))``. The sensor frame is
``R_s = R · M`` with ``M`` the mounting (sensor to thigh); the sensor sits at ``r`` in the
thigh frame, whose origin is the hip joint, so ``p_s = hip + R·r``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.transform import Rotation

from tracker.core.frames import DEG, angle_deg
from tracker.core.types import GRAVITY_M_S2

SHANK_M = 0.43
THIGH_M = 0.45
HIP_HEIGHT_M = SHANK_M + THIGH_M  # hip above the ankle when standing straight
FINE_RATE_HZ = 1000.0
FINE_DT_S = 1.0 / FINE_RATE_HZ
SITES = ("front", "side", "back")
LEGS = ("left", "right")
_UP = np.array([0.0, 0.0, 1.0])


def lateral_sign(leg: str) -> float:
    """+1 when the leg's outer side is the thigh's +y (left leg), -1 for the right leg."""
    return 1.0 if leg == "left" else -1.0


@dataclass(frozen=True, eq=False)
class Mounting:
    """Where the sensor sits on the thigh and how it is turned.

    ``rotation`` maps sensor coordinates to thigh coordinates; ``position_m`` is the
    sensor's origin in the thigh frame (origin at the hip joint, z up the thigh).
    """

    rotation: Rotation
    position_m: np.ndarray
    site: str
    leg: str

    @classmethod
    def random(
        cls, rng: np.random.Generator, leg: str | None = None, site: str | None = None
    ) -> Mounting:
        """A random mounting: site, 0.15-0.30 m below the hip, 5-9 cm off the bone axis,
        rotation uniform on SO(3) (upside down, tilted, anything)."""
        leg = leg or str(rng.choice(LEGS))
        site = site or str(rng.choice(SITES))
        below_m = rng.uniform(0.15, 0.30)
        radius_m = rng.uniform(0.05, 0.09)
        direction = {
            "front": np.array([1.0, 0.0]),
            "back": np.array([-1.0, 0.0]),
            "side": np.array([0.0, lateral_sign(leg)]),
        }[site]
        spread = rng.uniform(-0.35, 0.35)  # not exactly on the midline
        c, s = np.cos(spread), np.sin(spread)
        d = np.array([c * direction[0] - s * direction[1], s * direction[0] + c * direction[1]])
        position = np.array([radius_m * d[0], radius_m * d[1], -below_m])
        return cls(Rotation.random(random_state=rng), position, site, leg)

    @classmethod
    def aligned(cls, leg: str = "right", below_m: float = 0.2) -> Mounting:
        """Sensor axes equal to the thigh axes, on the front of the thigh (for tests)."""
        return cls(Rotation.identity(), np.array([0.07, 0.0, -below_m]), "front", leg)

    def to_json(self) -> dict:
        return {
            "quaternion_xyzw": [round(float(v), 9) for v in self.rotation.as_quat()],
            "rotation_is": "sensor frame to thigh frame (x forward, y left, z up the thigh)",
            "position_m": [round(float(v), 6) for v in self.position_m],
            "site": self.site,
            "leg": self.leg,
            "below_hip_m": round(float(-self.position_m[2]), 6),
            "from_axis_m": round(float(np.hypot(*self.position_m[:2])), 6),
        }


@dataclass(frozen=True, eq=False)
class Motion:
    """The body's movement on the fine grid, in true time (the script's output)."""

    t_s: np.ndarray
    flex_deg: np.ndarray
    frontal_deg: np.ndarray
    rot_deg: np.ndarray
    heading_rad: np.ndarray
    hip_m: np.ndarray  # (n, 3) world position of the hip joint

    def thigh_quat(self) -> np.ndarray:
        """Thigh frame to world as quaternions, components first (w, x, y, z) x n."""
        return thigh_quat(self.flex_deg, self.frontal_deg, self.rot_deg, self.heading_rad)

    def inclination_deg(self) -> np.ndarray:
        """Angle between the thigh's long axis and the vertical (its standing direction)."""
        return inclination_deg(self.flex_deg, self.frontal_deg)


def inclination_deg(flex_deg: np.ndarray, frontal_deg: np.ndarray) -> np.ndarray:
    """Thigh inclination from its sagittal and frontal angles (see the module docstring)."""
    return angle_deg(thigh_axis(flex_deg, frontal_deg), _UP)


def _axis_quat(angle_rad: np.ndarray, axis: int) -> np.ndarray:
    q = np.zeros((4, len(angle_rad)))
    q[0] = np.cos(0.5 * angle_rad)
    q[axis + 1] = np.sin(0.5 * angle_rad)
    return q


def quat_multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton products of quaternions stored components first, (4, n)."""
    aw, ax, ay, az = a
    bw, bx, by, bz = b
    return np.array(
        [
            aw * bw - ax * bx - ay * by - az * bz,
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
        ]
    )


def quat_rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Vectors (3, n) or (3,) turned by unit quaternions (4, n): ``v + 2w(u×v) + 2u×(u×v)``."""
    u = q[1:]
    v = np.asarray(v, dtype=np.float64).reshape(3, -1)
    uv = _cross(u, v)
    return v + 2.0 * (q[0] * uv + _cross(u, uv))


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross products of vectors stored components first, (3, n)."""
    return np.array(
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    )


def quat_conjugate(q: np.ndarray) -> np.ndarray:
    return q * np.array([1.0, -1.0, -1.0, -1.0])[:, None]


def thigh_quat(flex_deg, frontal_deg, rot_deg, heading_rad) -> np.ndarray:
    """``Rz(heading)·Ry(-flex)·Rx(frontal)·Rz(rot)`` as quaternions (4, n)."""
    q = quat_multiply(_axis_quat(heading_rad, 2), _axis_quat(-flex_deg / DEG, 1))
    q = quat_multiply(q, _axis_quat(frontal_deg / DEG, 0))
    return quat_multiply(q, _axis_quat(rot_deg / DEG, 2))


def thigh_axis(flex_deg: np.ndarray, frontal_deg: np.ndarray) -> np.ndarray:
    """Unit knee-to-hip vector at heading 0: ``Ry(-flex)·Rx(frontal)·ẑ``."""
    f, p = flex_deg / DEG, frontal_deg / DEG
    return np.column_stack([-np.sin(f) * np.cos(p), -np.sin(p), np.cos(f) * np.cos(p)])


def leg_chain(
    flex_deg: np.ndarray,
    frontal_deg: np.ndarray,
    shank_flex_deg: np.ndarray,
    shank_frontal_deg: np.ndarray,
) -> np.ndarray:
    """Hip position (n, 3) relative to a fixed ankle, heading 0.

    The shank's angles move its top (the knee) forward and toward -y when positive,
    like the thigh's top (the hip) under ``-flex`` and ``+frontal``: a straight leg
    leaning as one piece has ``shank_flex = -flex`` and ``shank_frontal = frontal``.
    """
    b, c = shank_flex_deg / DEG, shank_frontal_deg / DEG
    shank = np.column_stack([np.sin(b) * np.cos(c), -np.sin(c), np.cos(b) * np.cos(c)])
    return SHANK_M * shank + THIGH_M * thigh_axis(flex_deg, frontal_deg)


@dataclass(frozen=True, eq=False)
class FineSignals:
    """The sensor's true state and ideal output on the fine grid (true time).

    Orientations are unit quaternions (w, x, y, z) stored components first, (4, n),
    mapping their frame to the world.
    """

    t_s: np.ndarray
    sensor_quat: np.ndarray
    sensor_pos_m: np.ndarray  # (n, 3) world
    acc: np.ndarray  # (n, 3) specific force, sensor frame, m/s²
    gyr: np.ndarray  # (n, 3) angular rate, sensor frame, rad/s
    inclination_deg: np.ndarray
    thigh_quat: np.ndarray = field(repr=False)
    carried_inclination_deg: np.ndarray | None = field(default=None, repr=False)
    """With a sensor on soft tissue: the inclination of the thigh's axis as the sensor
    carries it (the bone's axis turned by the tissue's rotation); None on a rigid mount."""

    def sensor_rotation(self, index=slice(None)) -> Rotation:
        """The sensor's orientation (sensor to world) at ``index`` as a scipy Rotation."""
        return Rotation.from_quat(self.sensor_quat[:, index].T, scalar_first=True)

    def thigh_rotation(self, index=slice(None)) -> Rotation:
        """The thigh's orientation (thigh to world) at ``index`` as a scipy Rotation."""
        return Rotation.from_quat(self.thigh_quat[:, index].T, scalar_first=True)

    def thigh_axes(self, index=slice(None)) -> np.ndarray:
        """The thigh's x (forward) and z (knee-to-hip) axes in the world, (2, n, 3)."""
        q = self.thigh_quat[:, index]
        x = quat_rotate(q, np.array([1.0, 0.0, 0.0])).T
        z = quat_rotate(q, np.array([0.0, 0.0, 1.0])).T
        return np.stack([x, z])


def second_difference(x: np.ndarray, dt_s: float) -> np.ndarray:
    """``(x[k+1] - 2x[k] + x[k-1]) / dt²`` along axis 0; the ends copy their neighbours."""
    out = np.empty_like(x)
    out[1:-1] = (x[2:] - 2.0 * x[1:-1] + x[:-2]) / dt_s**2
    out[0], out[-1] = out[1], out[-2]
    return out


def body_rate(quat: np.ndarray, dt_s: float) -> np.ndarray:
    """Angular velocity (n, 3) in the body frame from ``q[k-1]* ⊗ q[k+1]`` as a rotation
    vector / 2dt. Second-order accurate inside; one-sided at the ends.
    """
    n = quat.shape[1]
    prev = np.concatenate([quat[:, :1], quat[:, : n - 2], quat[:, n - 2 : n - 1]], axis=1)
    nxt = np.concatenate([quat[:, 1:2], quat[:, 2:], quat[:, n - 1 :]], axis=1)
    step = np.full(n, 2.0 * dt_s)
    step[[0, -1]] = dt_s
    d = quat_multiply(quat_conjugate(prev), nxt)
    d *= np.where(d[0] < 0, -1.0, 1.0)  # the short way round
    sin_half = np.linalg.norm(d[1:], axis=0)
    angle = 2.0 * np.arctan2(sin_half, d[0])
    factor = np.divide(angle, sin_half, out=np.full(n, 2.0), where=sin_half > 1e-15)
    return (d[1:] * (factor / step)).T


def fine_signals(motion: Motion, mounting: Mounting, tissue=None) -> FineSignals:
    """Ideal accelerometer and gyroscope output of the mounted sensor on the fine grid.

    Accelerometer: ``R_sᵀ (p_s'' + g ẑ)`` with ``p_s''`` the second difference of the
    sensor point's trajectory; gyroscope: the sensor frame's body rate.

    Parameters
    ----------
    motion : Motion
        The thigh's angles and the hip's path on a uniform grid.
    mounting : Mounting
        Where the sensor sits on the thigh and how it is turned.
    tissue : tracker.sim.strap.TissueMotion, optional
        The sensor's motion on the soft tissue (thigh frame): ``R_s = R · T(t) · M`` and
        ``p_s = hip + R·(r + d(t))``. None: rigidly on the bone.

    Returns
    -------
    FineSignals
    """
    dt_s = float(motion.t_s[1] - motion.t_s[0])
    thigh = motion.thigh_quat()
    mount = mounting.rotation.as_quat(scalar_first=True)[:, None]
    carried = None
    if tissue is None:
        sensor = quat_multiply(thigh, mount)
        pos = motion.hip_m + quat_rotate(thigh, mounting.position_m).T
    else:
        on_tissue = quat_multiply(thigh, tissue.quat())
        sensor = quat_multiply(on_tissue, mount)
        pos = motion.hip_m + quat_rotate(thigh, (mounting.position_m + tissue.shift_m).T).T
        carried = angle_deg(quat_rotate(on_tissue, _UP).T, _UP)
    specific_force = second_difference(pos, dt_s)
    specific_force[:, 2] += GRAVITY_M_S2
    return FineSignals(
        t_s=motion.t_s,
        sensor_quat=sensor,
        sensor_pos_m=pos,
        acc=quat_rotate(quat_conjugate(sensor), specific_force.T).T,
        gyr=body_rate(sensor, dt_s),
        inclination_deg=motion.inclination_deg(),
        thigh_quat=thigh,
        carried_inclination_deg=carried,
    )
