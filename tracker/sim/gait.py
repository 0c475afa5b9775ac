"""Walking: the hip carried forward at walking speed, the thigh swinging, heel strikes.

The thigh's sagittal angle follows a two-harmonic gait curve between about +25..30°
flexion (at heel strike) and -10..-15° extension (late stance); the pelvis rises and
falls twice per stride and sways sideways once; each heel strike adds a short
(about 15 Hz) transient to the hip's path and the thigh's angle. The shank is not
modelled here: with the hip's path given, it does not affect the thigh sensor.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import cumulative_trapezoid

from tracker.core.frames import DEG
from tracker.sim.kinematics import FINE_DT_S, HIP_HEIGHT_M
from tracker.sim.segment import Event, Segment, local_time
from tracker.sim.shapes import band_noise, gabor, impact, keyframes, ramp_window

HEEL_STRIKE_HZ = 15.0
HEEL_STRIKE_SIGMA_S = 0.02


def gait_flexion_deg(phase: np.ndarray, flex_max_deg: float, ext_max_deg: float) -> np.ndarray:
    """Thigh sagittal angle over the stride (phase in cycles, 0 = heel strike).

    Two harmonics: a longer stance (extension) than swing; the extremes are the given
    flexion (at phase 0) and minus the given extension (at phase 0.5).
    """
    p = 2.0 * np.pi * phase
    shape = np.cos(p) + 0.12 * np.cos(2.0 * p)  # 1.12 at phase 0, -0.88 at phase 0.5
    return -ext_max_deg + (flex_max_deg + ext_max_deg) * (shape + 0.88) / 2.0


def walk(
    rng: np.random.Generator,
    strides: int,
    *,
    stride_hz: float = 0.95,
    stride_m: float = 1.2,
    turn_deg: float = 0.0,
    flex_max_deg: float = 27.0,
    ext_max_deg: float = 12.0,
    heel_strike_m_s2: float = 20.0,
    heel_strike_hz: float = HEEL_STRIKE_HZ,
    heel_strike_sigma_s: float = HEEL_STRIKE_SIGMA_S,
    variability: float = 0.0,
    jolt: bool = False,
    bounce_m: float = 0.02,
) -> Segment:
    """``strides`` strides (a stride is two steps) from standing to standing.

    The gait builds up over the first stride and dies out over the last; with
    ``turn_deg`` the walker turns (e.g. 180° to come back) around the middle, slowing
    down while turning.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the gait's phase and its frontal and rotational swing.
    strides : int
        Full strides at walking pace (plus one of build-up and dying out).
    stride_hz, stride_m : float
        Stride frequency and length; the speed is their product.
    turn_deg : float
        Heading change, spread over 1.5 strides around the middle.
    flex_max_deg, ext_max_deg : float
        Thigh flexion at heel strike and extension in late stance.
    heel_strike_m_s2 : float
        Peak vertical acceleration of the instrumented leg's heel-strike transient
        (the other leg's is 0.3 times that).
    heel_strike_hz, heel_strike_sigma_s : float
        Frequency and width of that transient (a Gabor pulse).
    variability : float
        Stride-to-stride variation: the cadence wanders by this fraction (RMS) and the
        swing's amplitude and each heel strike by twice it; 0 for a metronome.
    jolt : bool
        Heel strikes as one-signed jolts (``shapes.impact``: the hip stopped on its way
        down and, at half the size, on its way forward) instead of the Gabor transient;
        ``heel_strike_hz`` is then unused, the jolt recoils over 12 sigmas and the other
        leg's is 0.6 times the size.
    bounce_m : float
        Amplitude of the pelvis' rise and fall, twice per stride.

    Returns
    -------
    Segment
        With the hip's path and heading, and one ``walk`` event.
    """
    ramp_s = 1.0 / stride_hz
    total_s = strides / stride_hz + ramp_s
    ts = local_time(total_s)
    env = ramp_window(ts, 0.0, total_s, ramp_s)
    phase0 = rng.uniform(0.0, 1.0)
    phase = stride_hz * ts + phase0
    swing = 1.0
    if variability > 0:
        band = (0.02, 0.5)
        cadence = 1.0 + variability * band_noise(len(ts), FINE_DT_S, rng, band)
        phase = phase0 + stride_hz * cumulative_trapezoid(cadence, ts, initial=0.0)
        swing = 1.0 + 2.0 * variability * band_noise(len(ts), FINE_DT_S, rng, band)

    flex = env * swing * gait_flexion_deg(phase, flex_max_deg, ext_max_deg)
    frontal = env * rng.uniform(1.5, 3.0) * np.sin(2 * np.pi * phase + 0.4)
    rot = env * rng.uniform(2.0, 5.0) * np.sin(2 * np.pi * phase - 0.3)

    mid, turn_s = 0.5 * total_s, 1.5 / stride_hz
    heading = keyframes(ts, [mid - turn_s / 2, mid + turn_s / 2], [0.0, turn_deg / DEG])
    slow = 1.0 - 0.5 * ramp_window(ts, mid - turn_s / 2, mid + turn_s / 2, turn_s / 2) * (
        abs(turn_deg) > 0
    )
    speed = stride_m * stride_hz * env * slow * (1.0 + 0.08 * np.cos(4 * np.pi * phase))
    fwd = np.column_stack([np.cos(heading), np.sin(heading)])
    xy = cumulative_trapezoid(speed[:, None] * fwd, dx=FINE_DT_S, axis=0, initial=0.0)
    left = np.column_stack([-fwd[:, 1], fwd[:, 0]])
    xy += env[:, None] * 0.02 * np.sin(2 * np.pi * phase)[:, None] * left
    z = HIP_HEIGHT_M - env * (0.022 + bounce_m * np.cos(4 * np.pi * phase))  # top mid-stance

    # Heel strikes: own leg at whole phases, the other leg half a stride later.
    amp_m = heel_strike_m_s2 / (2 * np.pi * heel_strike_hz) ** 2
    half = int(5 * heel_strike_sigma_s / FINE_DT_S)
    k0, k1 = int(np.ceil(2 * phase[0])), int(np.floor(2 * phase[-1]))
    for k in range(k0, k1 + 1):
        if variability > 0:
            t_hs = float(np.interp(k / 2, phase, ts))
        else:
            t_hs = (k / 2 - phase0) / stride_hz
        i = round(t_hs / FINE_DT_S)
        lo, hi = max(i - half, 0), min(i + half, len(ts))
        scale = env[min(i, len(ts) - 1)] * (1.0 if k % 2 == 0 else 0.3)
        if variability > 0:
            scale *= max(0.2, 1.0 + 2.0 * variability * rng.standard_normal())
        if jolt:
            scale *= 1.0 if k % 2 == 0 else 2.0  # the other leg's: 0.6 times
            lo, hi = max(i - 40 * half, 0), min(i + 40 * half, len(ts))
            recoil_s = 12 * heel_strike_sigma_s
            shape = impact(ts[lo:hi], t_hs, heel_strike_sigma_s, recoil_s) * scale
            z[lo:hi] += heel_strike_m_s2 * shape
            xy[lo:hi] -= 0.5 * heel_strike_m_s2 * shape[:, None] * fwd[lo:hi]
            continue
        pulse = gabor(ts[lo:hi], t_hs, heel_strike_sigma_s, heel_strike_hz) * scale
        z[lo:hi] -= amp_m * pulse
        flex[lo:hi] += 0.4 * pulse

    hip = np.column_stack([xy, z])
    info = {"strides": strides, "speed_m_s": stride_m * stride_hz, "turn_deg": turn_deg}
    info |= {"stride_hz": stride_hz}
    return Segment(
        flex_deg=flex,
        frontal_deg=frontal,
        rot_deg=rot,
        shank_flex_deg=np.zeros_like(ts),
        shank_frontal_deg=np.zeros_like(ts),
        sway_gain=1.0 - env,
        hip_m=hip,
        heading_rad=heading,
        advance_m=(float(xy[-1, 0]), float(xy[-1, 1])),
        turn_rad=turn_deg / DEG,
        events=[Event("walk", 0.0, total_s, info)],
    )
