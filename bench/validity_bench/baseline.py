"""The plain baseline: an off-the-shelf AHRS (imufusion) for the tilt, ``find_peaks`` for reps.

The recipe, written once and used unchanged on every file:

1. Resample the samples onto a uniform grid at their median rate (linear interpolation,
   which also bridges lost packets).
2. Run imufusion's AHRS (gyroscope and accelerometer, no magnetometer) with its default
   settings at that rate. Before the recording, it is fed the mean of the first 0.2 s
   (gyro zero) for 4 s, so its start-up is over and its gravity direction settled; that
   direction is the starting posture (standing, or seated in a sit-to-stand test).
3. Tilt = angle between the AHRS's gravity direction and the starting one, in degrees.
4. A rep is a peak of the tilt (``scipy.signal.find_peaks``) with a prominence of at least
   10° and at least 0.75 s from the previous one. Its bottom is the peak, its depth the
   tilt there, its start and end where the tilt crosses 10 % of the prominence above the
   peak's base (``scipy.signal.peak_widths``, ``rel_height`` 0.9). In a sit-to-stand test
   (starting seated) a peak is a stand, its rise from that start to the peak.

It finds no balance bouts.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks, peak_widths

from tracker.files.interchange import read_csv

G_M_S2 = 9.80665
START_S = 0.2  # the starting posture: the first 0.2 s (every case starts still, if briefly)
SETTLE_S = 4.0  # imufusion's start-up (high gain) lasts 3 s
PROMINENCE_DEG = 10.0  # as the engine's default minimum depth
MIN_DISTANCE_S = 0.75  # fast reps take about 1 s
EDGE_REL_HEIGHT = 0.9


def version() -> str | None:
    """imufusion's version, or None when it is not installed (the baseline is then n/a)."""
    try:
        import imufusion  # noqa: F401
    except ImportError:
        return None
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("imufusion")
    except PackageNotFoundError:
        return "unknown"


def tilt_deg(t_s: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Steps 1-3 of the recipe: the uniform grid and the tilt from the starting posture."""
    import imufusion

    rate_hz = 1.0 / float(np.median(np.diff(t_s)))
    grid = np.arange(t_s[0], t_s[-1], 1.0 / rate_hz)
    acc_g = np.column_stack([np.interp(grid, t_s, acc[:, k]) for k in range(3)]) / G_M_S2
    gyr_deg_s = np.degrees(np.column_stack([np.interp(grid, t_s, gyr[:, k]) for k in range(3)]))

    settings = imufusion.AhrsSettings()
    settings.sample_rate = rate_hz
    ahrs = imufusion.Ahrs()
    ahrs.set_settings(settings)
    start = acc_g[grid < grid[0] + START_S].mean(axis=0)
    for _ in range(round(SETTLE_S * rate_hz)):
        ahrs.update_no_magnetometer(np.zeros(3), start)
    reference = ahrs.get_gravity().astype(float)
    gravity = np.empty_like(acc_g)
    for i in range(len(grid)):
        ahrs.update_no_magnetometer(gyr_deg_s[i], acc_g[i])
        gravity[i] = ahrs.get_gravity()
    gravity /= np.linalg.norm(gravity, axis=1, keepdims=True)
    cos = gravity @ (reference / np.linalg.norm(reference))
    return grid, np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def reps_from_tilt(grid: np.ndarray, tilt: np.ndarray) -> list[dict]:
    """Step 4 of the recipe: one rep per prominent peak of the tilt."""
    rate_hz = 1.0 / float(grid[1] - grid[0])
    peaks, _ = find_peaks(
        tilt, prominence=PROMINENCE_DEG, distance=max(1, round(MIN_DISTANCE_S * rate_hz))
    )
    if len(peaks) == 0:
        return []
    _, _, left, right = peak_widths(tilt, peaks, rel_height=EDGE_REL_HEIGHT)
    at = lambda index: float(np.interp(index, np.arange(len(grid)), grid))  # noqa: E731
    return [
        {
            "start_s": at(lo),
            "bottom_s": float(grid[p]),
            "end_s": at(hi),
            "depth_deg": float(tilt[p]),
        }
        for p, lo, hi in zip(peaks, left, right, strict=True)
    ]


def detect(path, exercise: str = "auto") -> dict:
    """The baseline's reps in an interchange CSV, as ``run.tracker_detections`` gives them.

    In a sit-to-stand test a peak is a stand, and its rise runs from the start to the peak.
    """
    block = read_csv(path).block
    grid, tilt = tilt_deg(block.t_s, block.acc, block.gyr)
    reps = reps_from_tilt(grid, tilt)
    if exercise == "sit_to_stand":
        reps = [{"start_s": r["start_s"], "end_s": r["bottom_s"]} for r in reps]
    return {"count": len(reps), "events": reps, "bouts": None, "notes": []}
