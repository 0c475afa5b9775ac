"""Smoothness of a speed profile: spectral arc length (SPARC) and log dimensionless jerk."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["dimensionless_jerk", "ldlj", "sparc", "sparc_band"]


def _finite_profile(x: ArrayLike) -> np.ndarray | None:
    """Return the samples as float64 if they form a usable profile, else None.

    Usable means at least 3 samples, all finite, not all zero: the cases where
    both metrics are defined. Anything else makes the metrics return NaN.
    """
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if arr.ndim == 0 or arr.shape[0] < 3 or arr.size == 0:
        return None
    if not np.all(np.isfinite(arr)) or not np.any(arr):
        return None
    return arr


def _check_rate(fs_hz: float) -> float:
    fs = float(fs_hz)
    if not math.isfinite(fs) or fs <= 0.0:
        raise ValueError(f"fs_hz must be a positive finite number, got {fs_hz!r}")
    return fs


def sparc_band(
    speed: ArrayLike,
    fs_hz: float,
    *,
    padlevel: int = 4,
    fc_hz: float = 10.0,
    amp_th: float = 0.05,
) -> tuple[np.ndarray, np.ndarray]:
    """The part of the normalised magnitude spectrum whose arc length is SPARC.

    Parameters are those of :func:`sparc`.

    Returns
    -------
    f_hz : ndarray
        Frequencies of the selected bins, from the first to the last bin at or
        above ``amp_th`` below ``fc_hz``; ``f_hz[-1]`` is the adaptive cut-off.
    magnitude : ndarray
        Magnitude spectrum at ``f_hz``, normalised to the spectrum's peak.
        Both arrays are empty when SPARC is undefined (see :func:`sparc`).

    References
    ----------
    .. [1] S. Balasubramanian, A. Melendez-Calderon, A. Roby-Brami, E. Burdet,
       "On the analysis of movement smoothness", J. NeuroEng. Rehabil. 12:112,
       2015.
    """
    fs = _check_rate(fs_hz)
    if int(padlevel) != padlevel or padlevel < 0:
        raise ValueError(f"padlevel must be a non-negative integer, got {padlevel!r}")
    empty = (np.empty(0), np.empty(0))
    x = _finite_profile(speed)
    if x is None or x.ndim != 1:
        return empty
    nfft = 2 ** (math.ceil(math.log2(x.size)) + int(padlevel))
    # rfft holds bins 0..nfft/2; the magnitude is symmetric, so its peak is the full spectrum's.
    mag = np.abs(np.fft.rfft(x, nfft))
    mag /= mag.max()
    k_fc = min(math.floor(min(float(fc_hz), fs / 2.0) * nfft / fs), nfft // 2)
    above = np.flatnonzero(mag[: k_fc + 1] >= amp_th)
    if above.size == 0:
        return empty
    k = np.arange(above[0], above[-1] + 1)
    return k * (fs / nfft), mag[k]


def sparc(
    speed: ArrayLike,
    fs_hz: float,
    *,
    padlevel: int = 4,
    fc_hz: float = 10.0,
    amp_th: float = 0.05,
) -> float:
    """Spectral arc length (SPARC) of a speed profile; closer to 0 is smoother.

    The magnitude spectrum of the zero-padded speed profile, normalised to its
    peak, is cut at ``fc_hz`` and then to the contiguous band from the first to
    the last bin reaching ``amp_th``; SPARC is minus the length of that curve
    with the frequency axis normalised to the band's width:
    ``-sum(sqrt((diff(f) / (f_last - f_first))**2 + diff(M)**2))``.

    Parameters
    ----------
    speed : array_like, shape (N,)
        Speed profile (non-negative: the norm of a velocity, or an angular
        speed; Melendez-Calderon et al. 2021). Any unit: SPARC is invariant to
        amplitude scaling.
    fs_hz : float
        Sampling rate.
    padlevel : int, optional
        Zero padding: ``nfft = 2**(ceil(log2(N)) + padlevel)``. Default 4.
    fc_hz : float, optional
        Upper limit of the band searched for the amplitude threshold. Default
        10 Hz. Clamped to the Nyquist frequency, the only departure from the
        reference code (which would read mirrored bins when ``fs_hz < 2*fc_hz``).
    amp_th : float, optional
        Amplitude threshold on the normalised spectrum. Default 0.05.

    Returns
    -------
    float
        SPARC (dimensionless, negative). NaN when the profile has fewer than 3
        samples, is all zero, holds NaN or infinity, or no spectral bin up to
        ``fc_hz`` reaches ``amp_th``.

    Raises
    ------
    ValueError
        If ``fs_hz`` is not positive and finite or ``padlevel`` is negative
        (programming errors, never caused by the data).

    Notes
    -----
    Identical to ``sparc`` in the reference code siva82kb/SPARC for
    ``fs_hz >= 2*fc_hz``; tested against it to 1e-9 relative. A minimum-jerk
    profile gives -1.4058 at any duration, amplitude or sampling rate. Noise
    moves SPARC little because the amplitude threshold drops the low-level
    broadband part of the spectrum.

    References
    ----------
    .. [1] S. Balasubramanian, A. Melendez-Calderon, E. Burdet, "A robust and
       sensitive metric for quantifying movement smoothness", IEEE Trans.
       Biomed. Eng. 59(8):2126-2136, 2012.
    .. [2] S. Balasubramanian, A. Melendez-Calderon, A. Roby-Brami, E. Burdet,
       "On the analysis of movement smoothness", J. NeuroEng. Rehabil. 12:112,
       2015.
    .. [3] A. Melendez-Calderon, C. Shirota, S. Balasubramanian, "Estimating
       movement smoothness from inertial measurement units", Front. Bioeng.
       Biotechnol. 8:558771, 2021.
    """
    f_hz, mag = sparc_band(speed, fs_hz, padlevel=padlevel, fc_hz=fc_hz, amp_th=amp_th)
    if f_hz.size == 0:
        return math.nan
    if f_hz.size == 1:
        return -0.0  # a single bin has no arc
    df = np.diff(f_hz) / (f_hz[-1] - f_hz[0])
    return -float(np.sum(np.hypot(df, np.diff(mag))))


def dimensionless_jerk(velocity: ArrayLike, fs_hz: float) -> float:
    """Dimensionless squared jerk of a velocity or speed profile (negative).

    ``DLJ = -(N*dt)**3 / max|v|**2 * sum(|diff(v, 2) / dt**2|**2) * dt``.

    Parameters
    ----------
    velocity : array_like, shape (N,) or (N, D)
        Speed profile, or a D-dimensional velocity (rows are samples); for a
        vector, jerk and peak are taken on the Euclidean norm, as in the
        reference code siva82kb/smoothness_from_imu.
    fs_hz : float
        Sampling rate.

    Returns
    -------
    float
        DLJ (dimensionless, <= 0); NaN for fewer than 3 samples, an all-zero
        profile, non-finite samples, or a profile with no jerk at all.

    References
    ----------
    .. [1] N. Hogan, D. Sternad, "Sensitivity of smoothness measures to
       movement duration, amplitude, and arrests", J. Motor Behavior
       41(6):529-534, 2009.
    .. [2] S. Balasubramanian et al., "On the analysis of movement
       smoothness", J. NeuroEng. Rehabil. 12:112, 2015.
    """
    fs = _check_rate(fs_hz)
    v = _finite_profile(velocity)
    if v is None or v.ndim > 2:
        return math.nan
    v2 = v.reshape(v.shape[0], -1)
    dt = 1.0 / fs
    jerk = np.linalg.norm(np.diff(v2, n=2, axis=0), axis=1) / dt**2
    peak = np.max(np.linalg.norm(v2, axis=1))
    jerk_cost = float(np.sum(jerk**2)) * dt
    if jerk_cost == 0.0:
        return math.nan
    return -((v2.shape[0] * dt) ** 3) / peak**2 * jerk_cost


def ldlj(velocity: ArrayLike, fs_hz: float) -> float:
    """Log dimensionless jerk (LDLJ) of a velocity or speed profile; closer to 0 is smoother.

    ``LDLJ = -ln|DLJ|`` with DLJ from :func:`dimensionless_jerk`.

    Parameters
    ----------
    velocity : array_like, shape (N,) or (N, D)
        Speed profile (for example the thigh's angular speed over a rep) or a
        D-dimensional velocity. Any unit: LDLJ is invariant to amplitude.
    fs_hz : float
        Sampling rate.

    Returns
    -------
    float
        LDLJ (dimensionless, negative for real movements). NaN for the
        degenerate profiles listed in :func:`dimensionless_jerk`.

    Notes
    -----
    Unlike SPARC, LDLJ of a sampled profile depends on the sampling rate (a
    minimum-jerk profile gives -5.13 at 50 Hz, -5.22 at 100 Hz, -5.27 at
    200 Hz) and falls steeply with measurement noise, because the jerk is a
    second difference of the samples. Compare LDLJ values only at the same
    rate and filtering.

    References
    ----------
    .. [1] S. Balasubramanian, A. Melendez-Calderon, A. Roby-Brami, E. Burdet,
       "On the analysis of movement smoothness", J. NeuroEng. Rehabil. 12:112,
       2015.
    .. [2] A. Melendez-Calderon, C. Shirota, S. Balasubramanian, "Estimating
       movement smoothness from inertial measurement units", Front. Bioeng.
       Biotechnol. 8:558771, 2021.
    """
    dlj = dimensionless_jerk(velocity, fs_hz)
    return -math.log(abs(dlj)) if math.isfinite(dlj) else math.nan
