"""Signal statistics that say how real a recording looks: noise, |a|, spectra, rates, clipping.

Used by ``bench_realism.py`` on real and simulated recordings alike; every statistic takes
the samples (t, acc, gyr in the interchange units) and, where it needs them, the
activity window and the rep start times from the recording's truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal
from scipy.integrate import trapezoid

GRAVITY_M_S2 = 9.80665
BANDS_HZ = ((0.2, 1.0), (1.0, 3.0), (3.0, 8.0), (8.0, 20.0))
ACC_RANGES_M_S2 = tuple(g * GRAVITY_M_S2 for g in (2, 4, 8, 16))
GYR_RANGES_RAD_S = tuple(np.deg2rad(d) for d in (250.0, 500.0, 1000.0, 2000.0))
REST_WINDOW_S = 0.5


@dataclass(frozen=True)
class Case:
    """One recording to describe: samples, what it holds and where its activity is."""

    name: str
    t_s: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    activity_s: tuple[float, float]
    rep_starts_s: tuple[float, ...] = ()
    rep_ends_s: tuple[float, ...] = ()

    @property
    def rate_hz(self) -> float:
        return float(1.0 / np.median(np.diff(self.t_s)))

    def window(self, start_s: float, end_s: float) -> slice:
        i0, i1 = np.searchsorted(self.t_s, [start_s, end_s])
        return slice(int(i0), int(i1))


def quietest(case: Case, window_s: float = REST_WINDOW_S) -> slice:
    """The window of ``window_s`` with the smallest mean rate of turn (the most still)."""
    n = max(3, round(window_s * case.rate_hz))
    speed = np.linalg.norm(case.gyr - np.median(case.gyr, axis=0), axis=1)
    if len(speed) <= n:
        return slice(0, len(speed))
    mean = np.convolve(speed, np.ones(n) / n, mode="valid")
    i = int(np.argmin(mean))
    return slice(i, i + n)


def rest_stats(case: Case) -> dict:
    """Noise and |a| in the quietest half second: what a still stretch looks like."""
    sl = quietest(case)
    acc, gyr = case.acc[sl], case.gyr[sl]
    return {
        "rest_acc_sd_m_s2": float(np.mean(signal.detrend(acc, axis=0).std(axis=0))),
        "rest_gyr_sd_rad_s": float(np.mean(signal.detrend(gyr, axis=0).std(axis=0))),
        "rest_gyr_mean_rad_s": float(np.linalg.norm(gyr.mean(axis=0))),
        "rest_acc_norm_m_s2": float(np.median(np.linalg.norm(acc, axis=1))),
    }


def start_stats(case: Case) -> dict:
    """The first movement: time to it, and how still the first 0.3 s are."""
    out = {"lead_in_s": case.rep_starts_s[0] - case.t_s[0] if case.rep_starts_s else np.nan}
    sl = case.window(case.t_s[0], case.t_s[0] + 0.3)
    out["first_0.3s_gyr_rad_s"] = float(np.mean(np.linalg.norm(case.gyr[sl], axis=1)))
    return out


def activity_stats(case: Case) -> dict:
    """|a| percentiles, rates of turn and band RMS of acc and gyro over the activity."""
    sl = case.window(*case.activity_s)
    acc, gyr = case.acc[sl], case.gyr[sl]
    norm = np.linalg.norm(acc, axis=1)
    speed = np.linalg.norm(gyr, axis=1)
    out = {
        "acc_norm_p1_m_s2": float(np.percentile(norm, 1)),
        "acc_norm_p50_m_s2": float(np.percentile(norm, 50)),
        "acc_norm_p99_m_s2": float(np.percentile(norm, 99)),
        "gyr_p50_rad_s": float(np.percentile(speed, 50)),
        "gyr_p95_rad_s": float(np.percentile(speed, 95)),
        "gyr_max_rad_s": float(np.max(speed)),
    }
    fs = case.rate_hz
    for name, x in (("acc", acc), ("gyr", gyr)):
        f, p = signal.welch(x, fs=fs, nperseg=min(len(x), round(4 * fs)), axis=0)
        p = p.sum(axis=1)  # the three axes' power together: independent of the mounting
        for lo, hi in BANDS_HZ:
            band = (f >= lo) & (f < min(hi, fs / 2))
            rms = np.sqrt(trapezoid(p[band], f[band])) if band.sum() > 1 else np.nan
            out[f"{name}_{lo:g}-{hi:g}Hz_rms"] = float(rms)
    # The main rotation (first principal axis of the gyro) and its dominant frequency.
    centred = gyr - gyr.mean(axis=0)
    main = centred @ np.linalg.svd(centred, full_matrices=False)[2][0]
    f, p = signal.welch(main, fs=fs, nperseg=min(len(main), round(16 * fs)))
    band = (f > 0.15) & (f < 3.0)
    out["dominant_hz"] = float(f[band][np.argmax(p[band])])
    return out


def rep_stats(case: Case) -> dict:
    """Rep period (start to start) and the pause between one rep's end and the next."""
    starts = np.asarray(case.rep_starts_s)
    if len(starts) < 2:
        return {"rep_period_s": np.nan, "rep_gap_s": np.nan}
    gaps = np.asarray(case.rep_starts_s[1:]) - np.asarray(case.rep_ends_s[:-1])
    return {"rep_period_s": float(np.median(np.diff(starts))), "rep_gap_s": float(np.median(gaps))}


def clipped_fraction(x: np.ndarray, ranges: tuple[float, ...]) -> float:
    """Share of samples with an axis at the sensor's range: the largest |value| sits
    on a standard range (±2 g ... or ±250 °/s ...) and is repeated."""
    top = float(np.max(np.abs(x)))
    for r in ranges:
        lsb = r / 32768
        if abs(top - r) <= max(2 * lsb, 2e-3 * r):
            at = np.abs(x) >= top - max(2 * lsb, 1e-3 * r)
            return float(np.mean(np.any(at, axis=1))) if at.sum() >= 2 else 0.0
    return 0.0


def clip_stats(case: Case) -> dict:
    return {
        "acc_clipped_frac": clipped_fraction(case.acc, ACC_RANGES_M_S2),
        "gyr_clipped_frac": clipped_fraction(case.gyr, GYR_RANGES_RAD_S),
    }


def tilt_stats(case: Case) -> dict:
    """Tilt of the low-passed specific force from its direction before the first rep:
    at the tops between reps (how far they wander) and at the deepest point."""
    if not case.rep_starts_s:
        return {"top_tilt_max_deg": np.nan, "tilt_max_deg": np.nan}
    sos = signal.butter(2, 1.0, fs=case.rate_hz, output="sos")
    low = signal.sosfiltfilt(sos, case.acc, axis=0)
    first = case.window(case.t_s[0], case.rep_starts_s[0])
    ref = low[first].mean(axis=0) if first.stop > first.start + 2 else low[0]

    def tilt(v):
        c = v @ ref / (np.linalg.norm(v, axis=-1) * np.linalg.norm(ref))
        return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))

    idx = np.searchsorted(case.t_s, case.rep_ends_s[:-1])
    tops = tilt(low[np.clip(idx, 0, len(low) - 1)]) if len(idx) else np.array([np.nan])
    sl = case.window(*case.activity_s)
    return {
        "top_tilt_max_deg": float(np.max(tops)),
        "tilt_max_deg": float(np.percentile(tilt(low[sl]), 99)),
    }


def describe(case: Case) -> dict:
    """Every statistic of one recording."""
    return (
        rest_stats(case)
        | start_stats(case)
        | activity_stats(case)
        | rep_stats(case)
        | clip_stats(case)
        | tilt_stats(case)
    )
