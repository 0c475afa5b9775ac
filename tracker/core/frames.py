"""The frames and their signs, defined once; every other module asks here.

Frames
------
========  ===============================================================
frame     axes
========  ===============================================================
sensor S  the axes printed on the sensor; its orientation on the thigh is
          unknown and arbitrary, so nothing assumes it.
world W   x, y horizontal, z up. At rest the accelerometer reads the
          specific force ``+9.81 m/s²`` along +z (not gravity's -z).
thigh T   x = forward (anterior), y = the person's left, z = up along the
          thigh's long axis (knee to hip). Right-handed: x × y = z.
========  ===============================================================

Signs
-----
==========================  =================================================
quantity                    sign
==========================  =================================================
inclination                 >= 0: angle between the thigh's long axis now and
                            its direction while standing (not a knee angle)
sagittal tilt               + when the knee moves forward (flexion)
frontal tilt                + toward T's +y; which side is the person's left
                            cannot be known from one sensor, so people only
                            ever see its magnitude
angular rate                right-handed about each axis (rad/s inside)
==========================  =================================================

The thigh frame is found from the data (see ``dsp.orientation``): T's z is the
"up" direction seen by the sensor while standing; T's y is the main rotation
axis of the first movements, made perpendicular to z; T's x completes it, with
its sign chosen so that movements away from standing are mostly positive.
"""

from __future__ import annotations

import numpy as np

DEG = 180.0 / np.pi


def row_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.sum(a * b, axis=-1)`` with the same bits, several times faster on (n, 3) rows.

    numpy reduces a short last axis slowly; adding its columns in order is what it
    computes, without the overhead.
    """
    total = a[..., 0] * b[..., 0]
    for i in range(1, max(np.shape(a)[-1], np.shape(b)[-1])):
        total = total + a[..., i] * b[..., i]
    return total


def row_max(a: np.ndarray) -> np.ndarray:
    """``np.max(a, axis=-1)`` (NaN included), column by column: the same, faster."""
    top = a[..., 0]
    for i in range(1, a.shape[-1]):
        top = np.maximum(top, a[..., i])
    return top


def row_min(a: np.ndarray) -> np.ndarray:
    """``np.min(a, axis=-1)`` (NaN included), column by column: the same, faster."""
    low = a[..., 0]
    for i in range(1, a.shape[-1]):
        low = np.minimum(low, a[..., i])
    return low


def norm(v: np.ndarray) -> np.ndarray:
    """Length of each row: ``np.linalg.norm(v, axis=-1)``, the same bits, faster."""
    return np.sqrt(row_dot(v, v))


def unit(v: np.ndarray) -> np.ndarray:
    """Rows of ``v`` scaled to unit length (zero rows stay zero)."""
    length = norm(v)[..., np.newaxis]
    return np.divide(v, length, out=np.zeros_like(v, dtype=np.float64), where=length > 0)


def angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle between unit vectors, row by row, in degrees (robust near 0° and 180°)."""
    return np.arctan2(norm(np.cross(a, b)), row_dot(a, b)) * DEG


def perpendicular_basis(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors completing unit ``z`` to a right-handed basis (x, y, z).

    Deterministic for a given ``z``, so results do not depend on call order.
    """
    helper = np.array([1.0, 0.0, 0.0]) if abs(z[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    x = unit(np.cross(helper, z))
    y = np.cross(z, x)
    return x, y


def thigh_basis(up_axis: np.ndarray, flexion_axis: np.ndarray) -> np.ndarray:
    """Rows (x forward, y left, z up) of the thigh frame, in sensor coordinates.

    ``up_axis`` is T's z seen in the sensor frame; ``flexion_axis`` is any vector
    not parallel to it, taken as T's y after removing its component along z.
    """
    z = unit(np.asarray(up_axis, dtype=np.float64))
    y = unit(flexion_axis - np.dot(flexion_axis, z) * z)
    x = np.cross(y, z)
    return np.vstack([x, y, z])
