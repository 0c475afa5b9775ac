"""Smooth building blocks of the movement scripts: minimum-jerk moves, band-limited noise, pulses.

Everything here is at least twice continuously differentiable, so positions built from it
have finite, physical accelerations when differentiated on the fine grid.
"""

from __future__ import annotations

import numpy as np
from scipy import fft, special


def min_jerk(s: np.ndarray) -> np.ndarray:
    """Minimum-jerk progress ``10s³ - 15s⁴ + 6s⁵`` for ``s`` clipped to [0, 1].

    Zero velocity and acceleration at both ends.

    References
    ----------
    .. [1] T. Flash, N. Hogan, "The coordination of arm movements: an
       experimentally confirmed mathematical model", J. Neurosci. 5(7):1688-1703, 1985.
    """
    s = np.clip(s, 0.0, 1.0)
    return s**3 * (10.0 + s * (-15.0 + 6.0 * s))


def keyframes(t_s: np.ndarray, times_s, values) -> np.ndarray:
    """Piecewise minimum-jerk path through ``(times_s[i], values[i])``, constant outside.

    ``times_s`` must be non-decreasing; a zero-length interval is a jump (avoid it
    for positions).
    """
    times = np.asarray(times_s, dtype=np.float64)
    vals = np.asarray(values, dtype=np.float64)
    if len(times) == 1:
        return np.full_like(t_s, vals[0], dtype=np.float64)
    idx = np.clip(np.searchsorted(times, t_s, side="right") - 1, 0, len(times) - 2)
    span = np.maximum(times[idx + 1] - times[idx], 1e-12)
    return vals[idx] + (vals[idx + 1] - vals[idx]) * min_jerk((t_s - times[idx]) / span)


def submovements(t_s: np.ndarray, subs) -> np.ndarray:
    """Sum of minimum-jerk submovements ``(start_s, duration_s, amplitude)``.

    Overlapping submovements make a movement that slows and re-accelerates; gaps
    between them make full stops.

    References
    ----------
    .. [1] L. Rohrer et al., "Submovements grow larger, fewer, and more blended
       during stroke recovery", Motor Control 8(4):472-483, 2004.
    """
    out = np.zeros_like(t_s, dtype=np.float64)
    for start, duration, amplitude in subs:
        i0, i1 = np.searchsorted(t_s, [start, start + duration])
        out[i0:i1] += amplitude * min_jerk((t_s[i0:i1] - start) / duration)
        out[i1:] += amplitude
    return out


def ramp_window(t_s: np.ndarray, start_s: float, end_s: float, ramp_s: float) -> np.ndarray:
    """0 outside [start, end], 1 inside except minimum-jerk ramps of ``ramp_s`` at each end."""
    ramp = max(min(ramp_s, 0.5 * (end_s - start_s)), 1e-9)
    up = min_jerk((t_s - start_s) / ramp)
    down = min_jerk((end_s - t_s) / ramp)
    return up * down


def band_noise(
    n: int,
    dt_s: float,
    rng: np.random.Generator,
    band_hz: tuple[float, float],
    peak_hz: float | None = None,
    min_period_s: float = 20.0,
) -> np.ndarray:
    """Smooth Gaussian noise with its spectrum inside ``band_hz``, scaled to unit RMS.

    Synthesised in the frequency domain (random complex amplitudes on the band's
    bins, raised-cosine edges), so it holds no energy outside the band and is
    infinitely differentiable. ``peak_hz`` shapes the spectrum as a log-normal bump
    centred there (the dominant frequency), else it is flat within the band.
    ``min_period_s`` sets the frequency resolution for short signals.
    """
    if n <= 0:
        return np.zeros(0)
    nfft = fft.next_fast_len(max(n, int(np.ceil(min_period_s / dt_s))), real=True)
    f = fft.rfftfreq(nfft, dt_s)
    lo, hi = band_hz
    edge = 0.15 * (hi - lo)
    w = np.clip((f - (lo - edge)) / (2 * edge), 0.0, 1.0) * np.clip(
        ((hi + edge) - f) / (2 * edge), 0.0, 1.0
    )
    w = 0.5 - 0.5 * np.cos(np.pi * w)
    if peak_hz is not None:
        with np.errstate(divide="ignore"):
            w = w * np.exp(-0.5 * (np.log(np.maximum(f, 1e-9) / peak_hz) / 0.45) ** 2)
    spectrum = w * (rng.standard_normal(len(f)) + 1j * rng.standard_normal(len(f)))
    x = fft.irfft(spectrum, nfft)[:n]
    rms = float(np.sqrt(np.mean(x**2)))
    return x / rms if rms > 0 else x


def gabor(t_s: np.ndarray, t0_s: float, sigma_s: float, freq_hz: float) -> np.ndarray:
    """Gaussian-windowed sine centred on ``t0_s``: a smooth impact transient."""
    u = t_s - t0_s
    return np.exp(-0.5 * (u / sigma_s) ** 2) * np.sin(2.0 * np.pi * freq_hz * u)


def impact(t_s: np.ndarray, t0_s: float, sigma_s: float, recoil_s: float) -> np.ndarray:
    """Displacement whose acceleration is a unit-peak Gaussian pulse at ``t0_s`` (width
    ``sigma_s``) minus a wider one (``recoil_s``) of the same area: a jolt that changes
    neither the velocity nor the position for good, unlike ``gabor`` it has one sign.

    With ``F(u) = u·√(π/2)·erf(u/√2) + exp(-u²/2)`` (so ``F'' = exp(-u²/2)``), the
    displacement is ``σ²F(u/σ) - σ·σ_r·F(u/σ_r)``, ``u = t - t0``; it vanishes far away.
    """
    u = t_s - t0_s

    def f(x):
        return x * np.sqrt(np.pi / 2) * special.erf(x / np.sqrt(2)) + np.exp(-0.5 * x * x)

    return sigma_s**2 * f(u / sigma_s) - sigma_s * recoil_s * f(u / recoil_s)
