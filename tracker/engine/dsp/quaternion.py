"""Unit-quaternion arithmetic, components first: arrays of shape (4, ...) in (w, x, y, z) order.

scipy's ``Rotation`` handles flat stacks; the tiled scan in ``orientation`` needs
elementwise products over (tiles, samples) arrays, and keeping each component
contiguous makes those products several times faster than row-wise quaternions.
Vectors are components first too: shape (3, ...).
"""

from __future__ import annotations

import numpy as np

IDENTITY = (1.0, 0.0, 0.0, 0.0)


def multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product ``a ⊗ b`` (apply ``b`` first, then ``a``), broadcasting."""
    aw, ax, ay, az = a
    bw, bx, by, bz = b
    out = np.empty((4, *np.broadcast_shapes(a.shape[1:], b.shape[1:])))
    out[0] = aw * bw - ax * bx - ay * by - az * bz
    out[1] = aw * bx + ax * bw + ay * bz - az * by
    out[2] = aw * by - ax * bz + ay * bw + az * bx
    out[3] = aw * bz + ax * by - ay * bx + az * bw
    return out


def chain_one(start: tuple, factors: list) -> list[tuple]:
    """``start``, then ``start ⊗ factors[0]`` normalised, that ⊗ ``factors[1]`` normalised,
    and so on: single quaternions as plain floats, one after another (fast in a Python
    loop, where numpy's per-call cost would dominate)."""
    aw, ax, ay, az = start
    out = [start]
    for bw, bx, by, bz in factors:
        w = aw * bw - ax * bx - ay * by - az * bz
        x = aw * bx + ax * bw + ay * bz - az * by
        y = aw * by - ax * bz + ay * bw + az * bx
        z = aw * bz + ax * by - ay * bx + az * bw
        norm = (w * w + x * x + y * y + z * z) ** 0.5
        aw, ax, ay, az = w / norm, x / norm, y / norm, z / norm
        out.append((aw, ax, ay, az))
    return out


def conjugate(q: np.ndarray) -> np.ndarray:
    return np.concatenate([q[:1], -q[1:]])


def from_rotvec(rotvec: np.ndarray) -> np.ndarray:
    """Quaternions (4, n) of rotation vectors (3, n) (axis × angle, rad)."""
    angle = np.sqrt(rotvec[0] ** 2 + rotvec[1] ** 2 + rotvec[2] ** 2)
    # sin(angle/2)/angle without dividing by zero: np.sinc(x) = sin(pi x)/(pi x).
    half_sinc = 0.5 * np.sinc(angle / (2.0 * np.pi))
    return np.concatenate([np.cos(angle / 2.0)[None], rotvec * half_sinc])


def rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors ``v`` (3, n) by unit quaternions ``q`` (4, n)."""
    w, rx, ry, rz = q
    vx, vy, vz = v
    tx = 2.0 * (ry * vz - rz * vy)
    ty = 2.0 * (rz * vx - rx * vz)
    tz = 2.0 * (rx * vy - ry * vx)
    out = np.empty((3, *np.broadcast_shapes(q.shape[1:], v.shape[1:])))
    out[0] = vx + w * tx + (ry * tz - rz * ty)
    out[1] = vy + w * ty + (rz * tx - rx * tz)
    out[2] = vz + w * tz + (rx * ty - ry * tx)
    return out


def prefix_products(deltas: np.ndarray, axis: int = -1) -> np.ndarray:
    """Running products ``d0 ⊗ d1 ⊗ … ⊗ dk`` along ``axis`` (Hillis–Steele scan).

    Each output depends only on the inputs at or before it and on its offset from
    the start of the axis, so a truncated array gives bit-identical leading values.
    """
    out = deltas.copy()
    step = 1
    length = deltas.shape[axis]
    lead = (slice(None),) * (axis % deltas.ndim)  # the axes before ``axis``
    while step < length:
        head, tail = (*lead, slice(None, -step)), (*lead, slice(step, None))
        out[tail] = multiply(out[head], out[tail])
        step *= 2
    return out
