"""Does a firmware profile read a real sensor right? Checks on a short guided recording.

The recording (``tracker record ... --duration 40``) follows a script: the sensor lies still,
is turned slowly onto its side (a quarter turn: a half turn about one axis looks the same
either way round), and lies still again. From the decoded samples: the rate against
the profile's, lost samples, time going forward, the size of gravity at rest (the
accelerometer's scaling: 9.81 m/s²), the gyroscope at rest (its bias, and a sign of deg/s
read as rad/s), and whether the gyroscope's rotation between the two still moments turns
gravity as the accelerometer saw it turn (the gyroscope's scaling, axes and handedness).
Headless; the result is plain data a person can send back.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from tracker.core.types import ImuBlock

G = 9.80665
STILL_WINDOW_S = 1.0
STILL_ACC_M_S2 = 0.15  # a window is still when the specific force's spread stays under this
# (the accelerometer alone decides: the gyroscope is what may be read wrong)
GRAVITY_TOLERANCE = 0.05  # |acc| at rest within 5 % of g
BIAS_LIMIT_RAD_S = 0.05  # about 3 deg/s
TURN_MIN_DEG = 45.0  # the turn between the still moments that makes the gyro check possible
TURN_MATCH_DEG = 15.0  # gyro-predicted and seen gravity within this after the turn


def _still_windows(block: ImuBlock, window_s: float = STILL_WINDOW_S) -> list[tuple[int, int]]:
    """Index ranges of windows where the accelerometer does not move."""
    t = block.t_s
    edges = np.arange(t[0], t[-1], window_s)
    starts = np.searchsorted(t, edges)
    stops = np.searchsorted(t, edges + window_s)
    out = []
    for a, b in zip(starts, stops, strict=True):
        if b - a < 5:
            continue
        if block.acc[a:b].std(axis=0).max() < STILL_ACC_M_S2:
            out.append((int(a), int(b)))
    return out


def _turned(block: ImuBlock, a: int, b: int, sign: float) -> np.ndarray:
    """Gravity at sample ``a`` carried to ``b`` by the gyroscope (sensor frame)."""
    dt = np.diff(block.t_s[a : b + 1])[:, None]
    steps = Rotation.from_rotvec(sign * -block.gyr[a:b] * dt)
    v = block.acc[a].copy()
    for step in steps:  # a few thousand small rotations, once per check
        v = step.apply(v)
    return v


def _angle_deg(u: np.ndarray, v: np.ndarray) -> float:
    c = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))
    return float(np.degrees(np.arccos(np.clip(c, -1.0, 1.0))))


def check(block: ImuBlock, *, nominal_hz: float | None = None, lost: int = 0) -> dict:
    """Every check on ``block``: a dict of findings, each with ``ok`` and words."""
    t = block.t_s
    dt = np.diff(t)
    rate = float(1.0 / np.median(dt)) if len(dt) else None
    out: dict = {"samples": len(block), "duration_s": round(float(t[-1] - t[0]), 2)}
    findings = []

    def found(name: str, ok: bool | None, text: str, **figures) -> None:
        findings.append({"check": name, "ok": ok, "text": text, **figures})

    if rate is not None:
        ok = nominal_hz is None or abs(rate - nominal_hz) <= 0.05 * nominal_hz
        want = f" (profile: {nominal_hz:g} Hz)" if nominal_hz else ""
        found("rate", ok, f"{rate:.1f} samples/s{want}", rate_hz=round(rate, 2))
    forward = bool((dt > 0).all())
    found("time", forward, "time always goes forward" if forward else "time goes backwards")
    lost_fraction = lost / (len(block) + lost) if len(block) + lost else 0.0
    found(
        "loss",
        lost_fraction < 0.05,
        f"{lost} samples lost ({100 * lost_fraction:.1f} %)",
        lost=lost,
    )
    still = _still_windows(block)
    if not still:
        found("still", False, "never still for a second: lay it on a table at the start")
        out["findings"], out["ok"] = findings, False
        return out
    a0, b0 = still[0]
    g = float(np.linalg.norm(block.acc[a0:b0].mean(axis=0)))
    ok = abs(g - G) <= GRAVITY_TOLERANCE * G
    hint = ""
    if abs(g - 1.0) < 0.1:
        hint = ": it looks like g, not m/s² (a missing × 9.81 in the profile's scale)"
    elif not ok:
        hint = f": the profile's accelerometer scale is off by × {G / g:.3g}"
    found("gravity", ok, f"|acc| at rest {g:.2f} m/s² (expect 9.81){hint}", gravity_m_s2=g)
    bias = float(np.linalg.norm(block.gyr[a0:b0].mean(axis=0)))
    ok = bias < BIAS_LIMIT_RAD_S
    hint = "" if ok else ": large for a sensor at rest (deg/s read as rad/s?)"
    found("gyro_bias", ok, f"gyro at rest {np.degrees(bias):.2f} deg/s{hint}", bias_rad_s=bias)
    a1, b1 = still[-1]
    seen = _angle_deg(block.acc[a0:b0].mean(axis=0), block.acc[a1:b1].mean(axis=0))
    if len(still) < 2 or seen < TURN_MIN_DEG:
        found("turn", None, f"no turn seen between still moments ({seen:.0f}°): turn it over")
    else:
        end = block.acc[a1:b1].mean(axis=0)
        miss = _angle_deg(_turned(block, a0, a1, 1.0), end)
        mirrored = _angle_deg(_turned(block, a0, a1, -1.0), end)
        ok = miss <= TURN_MATCH_DEG
        hint = ""
        if not ok and mirrored <= TURN_MATCH_DEG:
            hint = ": the gyroscope turns the wrong way (an axis sign or handedness)"
        elif not ok:
            hint = ": the gyroscope's scale or axes do not match the accelerometer's"
        found(
            "turn",
            ok,
            f"turned {seen:.0f}°; the gyroscope's rotation lands {miss:.1f}° from where "
            f"gravity was seen{hint}",
            turn_deg=round(seen, 1),
            miss_deg=round(miss, 1),
        )
    out["findings"] = findings
    out["ok"] = all(f["ok"] is not False for f in findings)
    return out
