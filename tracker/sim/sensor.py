"""The sensor model after sampling: clock, jitter, packet loss, noise, bias, scale, range, bits.

The device samples at ``rate_hz`` on its own clock, which runs ``drift_ppm`` fast: the
true instant of sample k is ``k / (rate_hz * (1 + drift))`` while its device time is
``k / rate_hz``. The recorded time ``t`` is the device time plus timestamp jitter
(Gaussian, clipped to 0.4 sample periods so ``t`` stays strictly increasing), rounded
to the microsecond; the first sample is at t = 0. Readings are
``clip(quantise(G·x + bias + noise))`` with ``G`` the scale-and-misalignment matrix,
white Gaussian noise (standard deviation per sample), clipping at the range and 16-bit
quantisation (LSB = range / 32768). Lost packets come in bursts of 1-25 consecutive
samples and are removed. With ``bandwidth_hz`` the ideal signals first pass the sensor's
digital low-pass filter (a causal 2nd-order Butterworth on the 1 kHz grid, like a MEMS
DLPF); without it they are sampled as they are. Clipped readings sit at the range
(``-32768`` or ``32767`` counts), repeated while the signal stays beyond it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import signal

from tracker.core.types import GRAVITY_M_S2

ACC_RANGE_M_S2 = 16.0 * GRAVITY_M_S2
GYR_RANGE_RAD_S = np.deg2rad(2000.0)
_IDENTITY = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
_ZERO3 = (0.0, 0.0, 0.0)


def _gain(rng: np.random.Generator, scale: float, misalign_rad: float) -> tuple:
    """Per-axis scale error within ±scale and small random axis misalignment."""
    g = np.diag(1.0 + rng.uniform(-scale, scale, 3))
    off = np.clip(rng.normal(0.0, misalign_rad, (3, 3)), -3 * misalign_rad, 3 * misalign_rad)
    np.fill_diagonal(off, 0.0)
    return tuple(map(tuple, (g + off).tolist()))


@dataclass(frozen=True)
class SensorModel:
    """What stands between the true motion and the recorded samples (see module docstring)."""

    rate_hz: float = 100.0
    drift_ppm: float = 0.0
    jitter_s: float = 0.0
    loss_fraction: float = 0.0
    max_burst: int = 25
    acc_noise_m_s2: float = 0.0
    gyr_noise_rad_s: float = 0.0
    acc_bias_m_s2: tuple = _ZERO3
    gyr_bias_rad_s: tuple = _ZERO3
    acc_gain: tuple = field(default=_IDENTITY)
    gyr_gain: tuple = field(default=_IDENTITY)
    acc_range_m_s2: float = ACC_RANGE_M_S2
    gyr_range_rad_s: float = GYR_RANGE_RAD_S
    bits: int = 16
    bandwidth_hz: float | None = None

    @classmethod
    def random(
        cls,
        rng: np.random.Generator,
        rate_hz: float | None = None,
        noise: bool = True,
        loss: bool = True,
    ) -> SensorModel:
        """A plausible cheap IMU: rate 50-200 Hz, ±50 ppm, 0.5-3 % loss, noise and errors.

        ``noise=False`` gives an ideal clock and ideal readings (still clipped and
        quantised); ``loss=False`` keeps every sample.
        """
        rate = float(rate_hz) if rate_hz is not None else float(rng.choice([50, 100, 104, 200]))
        draws = {
            "drift_ppm": rng.uniform(-50.0, 50.0),
            "jitter_s": rng.uniform(0.02, 0.1) / rate,
            "acc_noise_m_s2": rng.uniform(0.02, 0.05),
            "gyr_noise_rad_s": rng.uniform(0.003, 0.01),
            "acc_bias_m_s2": tuple(rng.uniform(-0.15, 0.15, 3).tolist()),
            "gyr_bias_rad_s": tuple(rng.uniform(-0.03, 0.03, 3).tolist()),
            "acc_gain": _gain(rng, 0.03, np.deg2rad(0.5)),
            "gyr_gain": _gain(rng, 0.03, np.deg2rad(0.5)),
        }
        loss_fraction = rng.uniform(0.005, 0.03)
        kwargs = draws if noise else {}
        return cls(rate_hz=rate, loss_fraction=loss_fraction if loss else 0.0, **kwargs)

    @property
    def clock_scale(self) -> float:
        """Device seconds per true second."""
        return 1.0 + self.drift_ppm * 1e-6

    def true_sample_times(self, duration_s: float) -> np.ndarray:
        """True instants of the samples taken within [0, duration_s]."""
        step = 1.0 / (self.rate_hz * self.clock_scale)
        return np.arange(int(np.floor(duration_s / step + 1e-9)) + 1) * step

    def band_limit(self, x: np.ndarray, dt_s: float) -> np.ndarray:
        """The ideal signals (n, 3) on the fine grid after the sensor's low-pass filter."""
        if self.bandwidth_hz is None:
            return x
        sos = signal.butter(2, self.bandwidth_hz, fs=1.0 / dt_s, output="sos")
        zi = signal.sosfilt_zi(sos)[:, :, None] * x[0]  # starts settled, not from zero
        return signal.sosfilt(sos, x, axis=0, zi=zi)[0]

    def lsb(self) -> tuple[float, float]:
        """Quantisation steps of the accelerometer (m/s²) and gyroscope (rad/s)."""
        half = 2 ** (self.bits - 1)
        return self.acc_range_m_s2 / half, self.gyr_range_rad_s / half

    def apply(
        self, rng: np.random.Generator, acc: np.ndarray, gyr: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Recorded times, readings and the kept-sample mask for ideal samples (n, 3).

        Returns ``(t_s, acc, gyr, kept)`` with the lost samples already removed from
        the first three.
        """
        n = len(acc)
        k = np.arange(n)
        jitter = np.zeros(n)
        if self.jitter_s > 0:
            limit = 0.4 / self.rate_hz
            jitter = np.clip(rng.normal(0.0, self.jitter_s, n), -limit, limit)
            jitter[0] = 0.0  # the recording starts at t = 0
        t = np.round((k / self.rate_hz + jitter) * 1e6) / 1e6
        acc_lsb, gyr_lsb = self.lsb()
        half = 2 ** (self.bits - 1)
        out = []
        for x, gain, bias, sigma, lsb in (
            (acc, self.acc_gain, self.acc_bias_m_s2, self.acc_noise_m_s2, acc_lsb),
            (gyr, self.gyr_gain, self.gyr_bias_rad_s, self.gyr_noise_rad_s, gyr_lsb),
        ):
            y = x @ np.asarray(gain).T + np.asarray(bias)
            if sigma > 0:
                y = y + rng.normal(0.0, sigma, y.shape)
            out.append(np.clip(np.round(y / lsb), -half, half - 1) * lsb)
        kept = self.lost_mask(rng, n)
        return t[kept], out[0][kept], out[1][kept], kept

    def lost_mask(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """True for samples that arrive: bursts of 1..max_burst lost samples.

        Burst lengths are log-uniform; bursts are placed at random (never on the first
        or last sample) until about ``loss_fraction`` of the samples are gone.
        """
        kept = np.ones(n, dtype=bool)
        target = round(self.loss_fraction * n)
        if target == 0 or n < 3:
            return kept
        lost = 0
        while lost < target:
            length = min(int(np.exp(rng.uniform(0.0, np.log(self.max_burst + 1)))), self.max_burst)
            length = max(1, min(length, target - lost + 1, n - 2))
            start = int(rng.integers(1, n - 1 - length + 1))
            lost += int(kept[start : start + length].sum())
            kept[start : start + length] = False
        return kept

    def to_json(self) -> dict:
        """The settings as JSON types (lists, not tuples), with the quantisation steps."""
        d = {
            k: (np.asarray(v).tolist() if isinstance(v, tuple) else v)
            for k, v in asdict(self).items()
            if not (k == "bandwidth_hz" and v is None)  # the files of before it existed
        }
        d["acc_lsb_m_s2"], d["gyr_lsb_rad_s"] = self.lsb()
        return d
