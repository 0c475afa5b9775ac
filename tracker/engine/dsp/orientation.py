"""Which way is up, seen from the sensor: gyroscope integration fused with gravity.

The gyroscope (bias removed, the bias being learned whenever the sensor is still)
is integrated into the rotation from each sample's sensor frame to a frame fixed
at the first sample. In that frame gravity does not move, while the accelerometer
reads gravity plus the body's own acceleration. Over any stretch that starts and
ends at the same speed that acceleration averages to nothing (the mean specific
force is exactly gravity), through a set of back-to-back squats or a walk as much
as in standing still. So every accelerometer sample counts, equally, and gravity
is its slow average in the fixed frame: a linear filter that follows a steadily
turning input without lag (what a residual gyroscope bias makes of gravity there)
and passes neither impacts nor shakes. Turned back into the sensor frame, that
average is "up": the gyroscope carries the motion, gravity removes the drift.

References
----------
.. [1] Mahony, R., Hamel, T., Pflimlin, J.-M. (2008). Nonlinear complementary
   filters on the special orthogonal group. IEEE Trans. Automatic Control 53(5).
.. [2] Gardner, F. M. (2005). Phaselock Techniques, 3rd ed., ch. 2: the type-2
   loop, which tracks a ramp with no steady-state error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import bilinear_zpk, butter, zpk2sos

from tracker.core.frames import norm, row_max, unit
from tracker.engine.dsp import quaternion as quat
from tracker.engine.dsp.filters import Causal, Lowpass, RunLength


@dataclass(frozen=True)
class OrientationConfig:
    """Tuning of the fusion; every default is chosen for a thigh during exercise."""

    fusion_period_s: float = 25.0  # gravity is the accelerometer's average over about this long
    fusion_damping: float = 0.7
    prefilter_hz: float = 0.5  # the accelerometer is smoothed this much first (impacts, shakes)
    startup_s: float = 8.0  # after the start (or a silence) a quick average hands over this long
    startup_period_s: float = 1.0  # ... from one over about this long
    still_tau_s: float = 0.3  # window of the stillness statistics
    still_gyro_std_rad_s: float = 0.02  # per axis; thigh postural sway stays below
    still_acc_std_m_s2: float = 0.12  # per axis; catches slow steady rotations
    still_max_rate_rad_s: float = 0.12  # bias is at most a few hundredths
    bias_tau_s: float = 20.0  # averaging of the gyroscope while still
    bias_confirm_s: float = 0.5  # stillness must last this long before and after a sample
    tilt_rate_tau_s: float = 0.2  # smoothing of the accelerometer whose turning is subtracted
    tile: int = 64  # samples per scan tile (speed only; results do not depend on it)


@dataclass(frozen=True, eq=False)
class Tilt:
    """Per-sample outputs of ``TiltEstimator.push``."""

    up: np.ndarray  # (n, 3) unit "up" in the sensor frame
    rate: np.ndarray  # (n, 3) bias-corrected angular rate, rad/s
    still: np.ndarray  # (n,) bool


def gravity_filter(period_s: float, damping: float, prefilter_hz: float, rate_hz: float):
    """Second-order sections of the fusion's lowpass: a type-2 loop after a Butterworth.

    The loop ``(2ζω s + ω²) / (s² + 2ζω s + ω²)`` (ω = 2π / period) has unit gain at
    rest and follows a ramp (gravity turning at a constant rate) without lag; the
    Butterworth before it takes away what the loop's zero would let through.
    """
    w = 2.0 * np.pi / period_s
    zeros = [-w / (2.0 * damping)]
    poles = np.roots([1.0, 2.0 * damping * w, w * w])
    z, p, k = bilinear_zpk(zeros, poles, 2.0 * damping * w, fs=rate_hz)
    loop = zpk2sos(z, p, k)
    return np.vstack([butter(2, prefilter_hz, fs=rate_hz, output="sos"), loop])


class GyroIntegrator:
    """Rotation from each sample's sensor frame to the frame of the first sample.

    Products are formed in tiles anchored at absolute sample indices, so every
    output is bit-identical however the samples were chunked. Quaternions are
    components first, shape (4, n).
    """

    def __init__(self, dt_s: float, tile: int):
        self.dt_s = dt_s
        self.tile = tile
        self._tile_start = quat.IDENTITY  # orientation before the open tile
        self._open = np.empty((4, 0))  # increments of the open (incomplete) tile
        self._previous_rate: np.ndarray | None = None

    def push(self, rate: np.ndarray, restart: np.ndarray) -> np.ndarray:
        """Orientations (4, n) for angular rates (n, 3) in rad/s."""
        n = len(rate)
        if n == 0:
            return np.empty((4, 0))
        previous = rate[0] if self._previous_rate is None else self._previous_rate
        prior = np.vstack([previous, rate[:-1]])
        # Trapezoidal increments; none across a silence (restart) or at the very start.
        step = (0.5 * self.dt_s) * (prior + rate)
        step[restart] = 0.0
        self._previous_rate = rate[-1].copy()
        deltas = np.hstack([self._open, quat.from_rotvec(step.T)])

        length = deltas.shape[1]
        n_tiles = -(-length // self.tile)
        padded = np.zeros((4, n_tiles * self.tile))
        padded[0] = 1.0
        padded[:, :length] = deltas
        # Each tile's samples along axis 1, the tiles side by side: every step of the scan
        # multiplies contiguous blocks (the same products, in half the time).
        tiles = padded.reshape(4, n_tiles, self.tile).transpose(0, 2, 1).copy()
        within = quat.prefix_products(tiles, axis=1)
        totals = within[:, -1, :].T.tolist()
        # Each tile starts where the one before it ended (normalised, or rounding would
        # drift the norm over an hour of tiles).
        *starts, start = quat.chain_one(self._tile_start, totals)
        complete = length // self.tile
        if complete:
            self._tile_start = starts[complete] if complete < n_tiles else start
        q = quat.multiply(np.array(starts).T[:, None, :], within)
        q = q.transpose(0, 2, 1).reshape(4, -1)[:, :length]
        self._open = deltas[:, complete * self.tile :]
        return q[:, -n:]


class TiltEstimator:
    """Fuses a uniform stream of accelerometer and gyroscope samples into "up" (sensor frame)."""

    def __init__(self, dt_s: float, config: OrientationConfig | None = None):
        self.config = config = config or OrientationConfig()
        self.dt_s = dt_s
        rate_hz = 1.0 / dt_s
        self._gyro_mean = Lowpass(config.still_tau_s, dt_s)
        self._gyro_square = Lowpass(config.still_tau_s, dt_s)
        self._acc_mean = Lowpass(config.still_tau_s, dt_s)
        self._acc_square = Lowpass(config.still_tau_s, dt_s)
        self._acc_direction = Lowpass(config.tilt_rate_tau_s, dt_s)
        self._previous_direction: np.ndarray | None = None
        self._bias_sum = Lowpass(config.bias_tau_s, dt_s, from_zero=True)
        self._bias_weight = Lowpass(config.bias_tau_s, dt_s, from_zero=True)
        self._bias = np.zeros(3)
        self._learned = False
        self._confirm = max(1, round(config.bias_confirm_s / dt_s))
        self._still_runs = RunLength()
        # The last `_confirm` samples, not yet judged (placeholders at first: no run is
        # long enough to give them weight).
        self._delayed_gyr = np.zeros((self._confirm, 3))
        self._integrator = GyroIntegrator(dt_s, config.tile)
        prefilter_hz = min(config.prefilter_hz, 0.4 * rate_hz)
        damping = config.fusion_damping
        self._gravity = Causal(
            gravity_filter(config.fusion_period_s, damping, prefilter_hz, rate_hz)
        )
        self._quick = Causal(
            gravity_filter(config.startup_period_s, damping, prefilter_hz, rate_hz)
        )
        self._since_start = 0  # samples since the start or the last silence
        self._startup = max(1, round(config.startup_s / dt_s))

    @property
    def gyro_bias(self) -> np.ndarray:
        return self._bias.copy()

    def push(
        self,
        acc: np.ndarray,
        gyr: np.ndarray,
        restart: np.ndarray,
        doubt: np.ndarray | None = None,
    ) -> Tilt:
        """Fuse one block.

        ``restart`` marks samples after a silence: everything learned about gravity
        starts afresh there. ``doubt`` (guessed samples across lost packets) is
        accepted for the pipeline's sake; bridged samples are averaged like any other.
        """
        still, recent_mean = self._stillness(acc, gyr)
        rate = gyr - self._learn_bias(gyr - self._tilting(acc), still, recent_mean)
        q = self._integrator.push(rate, restart)
        fixed = quat.rotate(q, acc.T).T  # accelerometer in the first sample's frame
        gravity = self._fuse(fixed, restart)
        up = unit(quat.rotate(quat.conjugate(q), gravity.T).T)
        return Tilt(up=up, rate=rate, still=still)

    def _fuse(self, fixed: np.ndarray, restart: np.ndarray) -> np.ndarray:
        """Gravity in the fixed frame: the slow average, handed over from a quick one
        during the first seconds after the start or a silence."""
        slow = self._gravity(fixed, restart)
        quick = self._quick(fixed, restart)
        n = len(fixed)
        since = np.arange(self._since_start + 1, self._since_start + n + 1)
        restarts = np.flatnonzero(restart)
        if len(restarts):  # count from the last restart at or before each sample
            last = np.maximum.accumulate(np.where(restart, np.arange(n), -1))
            since = np.where(last >= 0, np.arange(n) - last + 1, since)
        self._since_start = int(since[-1]) if n else self._since_start
        handed = np.minimum(since / self._startup, 1.0)[:, None]
        return slow * handed + quick * (1.0 - handed)

    def _tilting(self, acc: np.ndarray) -> np.ndarray:
        """The rotation rate that tilts the sensor, as the accelerometer sees it (rad/s).

        While "still", a standing person still sways a little; averaging the gyroscope
        then learns that sway's net rotation as bias. Gravity's direction in the sensor
        frame turns with the same tilt, so ``(dĝ/dt) × ĝ`` is subtracted first.
        """
        direction = self._acc_direction(acc)
        direction /= norm(direction)[:, np.newaxis]
        if len(direction) == 0:
            return np.zeros((0, 3))
        before = direction[:1] if self._previous_direction is None else self._previous_direction
        previous = np.vstack([before, direction[:-1]])
        self._previous_direction = direction[-1:].copy()
        return np.cross(direction - previous, direction) / self.dt_s

    def _stillness(self, acc: np.ndarray, gyr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Still samples, and the gyroscope's recent mean (a bias guess while still)."""
        cfg = self.config
        gyro_mean = self._gyro_mean(gyr)
        gyro_var = self._gyro_square(gyr**2) - gyro_mean**2
        acc_var = self._acc_square(acc**2) - self._acc_mean(acc) ** 2
        # Not |a| ≈ g: a cheap board's accelerometer may read 12-14 m/s² at rest.
        still = (
            (row_max(gyro_var) < cfg.still_gyro_std_rad_s**2)
            & (row_max(acc_var) < cfg.still_acc_std_m_s2**2)
            & (norm(gyr) < cfg.still_max_rate_rad_s)
        )
        return still, gyro_mean

    def _learn_bias(
        self, gyr: np.ndarray, still: np.ndarray, recent_mean: np.ndarray
    ) -> np.ndarray:
        """Weighted running mean of the gyroscope over still samples; held while moving.

        A sample counts only inside stillness lasting ``bias_confirm_s`` before and
        after it: the slow start of a movement, or a lull in the sway of a one-legged
        stance, looks still for a moment and would leak real rotation into the bias.
        """
        n = len(gyr)
        index = np.arange(n)
        run = self._still_runs(still)
        # Sample k - confirm is judged at k; pair each judgement with that older sample.
        candidates = np.vstack([self._delayed_gyr, gyr])
        judged = candidates[:n]
        self._delayed_gyr = candidates[n:]
        weight = (run > 2 * self._confirm).astype(np.float64)
        total = self._bias_sum(judged * weight[:, None])
        count = self._bias_weight(weight)
        known = count > 1e-9
        bias = np.empty_like(gyr)  # every sample is set below, known or held
        np.divide(total, count[:, None], out=bias, where=known[:, None])  # no masked copies
        # Hold the last learned value through long movements.
        last_known = np.maximum.accumulate(np.where(known, index, -1))
        held = ~known
        bias[held & (last_known >= 0)] = bias[last_known[held & (last_known >= 0)]]
        # Nothing learned yet: while still, the recent mean is a fair first guess.
        never = held & (last_known < 0)
        bias[never] = self._bias if self._learned else 0.0
        if not self._learned:
            guess = never & still
            bias[guess] = recent_mean[guess]
        self._learned = self._learned or bool(known.any())
        if n:
            self._bias = bias[-1].copy()
        return bias
