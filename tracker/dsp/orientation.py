"""Which way is up, seen from the sensor: gyroscope integration fused with gravity.

The gyroscope (bias removed, the bias being learned whenever the sensor is still)
is integrated into the rotation from each sample's sensor frame to a frame fixed
at the first sample. Accelerometer readings are turned into that fixed frame and
averaged by a slow lowpass, each weighted by how much it can be trusted (little
during impacts and fast rotation, when it measures more than gravity). The
averaged direction, turned back into the sensor frame, is "up": the gyroscope
carries the fast motion, gravity removes the slow drift — a complementary filter
whose every stage is exact across chunking.

References
----------
.. [1] Mahony, R., Hamel, T., Pflimlin, J.-M. (2008). Nonlinear complementary
   filters on the special orthogonal group. IEEE Trans. Automatic Control 53(5).
.. [2] Madgwick, S. et al. (2020). Extended complementary filter for full-body MARG
   orientation estimation (the Fusion library's acceleration rejection).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracker.dsp import quaternion as quat
from tracker.dsp.filters import Lowpass, RunLength
from tracker.frames import norm, row_dot, row_max
from tracker.types import GRAVITY_M_S2


@dataclass(frozen=True)
class OrientationConfig:
    """Tuning of the fusion; every default is chosen for a thigh during exercise."""

    fusion_tau_s: float = 3.0  # crossover: slower than a rep's motion, faster than drift
    still_tau_s: float = 0.3  # window of the stillness statistics
    still_gyro_std_rad_s: float = 0.02  # per axis; thigh postural sway stays below
    still_acc_std_m_s2: float = 0.12  # per axis; catches slow steady rotations
    still_max_rate_rad_s: float = 0.12  # bias is at most a few hundredths
    still_acc_tolerance_m_s2: float = 0.8  # |a| within this of g
    bias_tau_s: float = 20.0  # averaging of the gyroscope while still
    bias_confirm_s: float = 0.5  # stillness must last this long before and after a sample
    tilt_rate_tau_s: float = 0.2  # smoothing of the accelerometer whose turning is subtracted
    trust_acc_sigma_m_s2: float = 1.0  # |a| this far from g: trust falls to 0.6
    trust_angle_deg: float = 2.0  # pointing this far from gravity's recent direction: 0.6
    reference_tau_s: float = 3.0  # that recent direction: a plain average over a few seconds
    trust_rate_rad_s: float = 0.5  # rotating this fast halves trust
    hole_forget_deg: float = 2.0  # rotation guessed across lost packets that halves memory
    tile: int = 64  # samples per scan tile (speed only; results do not depend on it)


@dataclass(frozen=True, eq=False)
class Tilt:
    """Per-sample outputs of ``TiltEstimator.push``."""

    up: np.ndarray  # (n, 3) unit "up" in the sensor frame
    rate: np.ndarray  # (n, 3) bias-corrected angular rate, rad/s
    still: np.ndarray  # (n,) bool
    accel_trust: np.ndarray  # (n,) 0..1, weight given to the accelerometer


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
        within = quat.prefix_products(padded.reshape(4, n_tiles, self.tile))
        totals = within[:, :, -1].T.tolist()
        starts = []
        start = self._tile_start
        for total in totals:
            starts.append(start)
            start = quat.normalize_one(quat.multiply_one(start, total))
        complete = length // self.tile
        if complete:
            self._tile_start = starts[complete] if complete < n_tiles else start
        q = quat.multiply(np.array(starts).T[:, :, None], within).reshape(4, -1)[:, :length]
        self._open = deltas[:, complete * self.tile :]
        return q[:, -n:]


class TiltEstimator:
    """Fuses a uniform stream of accelerometer and gyroscope samples into "up" (sensor frame)."""

    def __init__(self, dt_s: float, config: OrientationConfig | None = None):
        self.config = config = config or OrientationConfig()
        self.dt_s = dt_s
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
        self._gravity = Lowpass(config.fusion_tau_s, dt_s, from_zero=True)
        self._reference = Lowpass(config.reference_tau_s, dt_s, from_zero=True)

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

        ``restart`` marks samples after a silence; ``doubt`` (n, 3; rad/s) is how far
        each guessed angular rate may be off (0 where measured).
        """
        cfg = self.config
        still, recent_mean = self._stillness(acc, gyr)
        rate = gyr - self._learn_bias(gyr - self._tilting(acc), still, recent_mean)
        q = self._integrator.push(rate, restart)

        # How much of the gravity estimate still holds: none after a silence, and less
        # after each guessed sample, by how much rotation the guess may have missed,
        # and, in slow motion (sway), by the rotation itself: then the accelerometer
        # can take over, as it cannot while walking or in a fast rep.
        keep = np.where(restart, 0.0, 1.0)
        if doubt is not None and doubt.any():
            doubt_norm = norm(doubt)
            speed = norm(rate)
            slow = speed / (1.0 + (speed / cfg.trust_rate_rad_s) ** 2)
            missed = doubt_norm + np.where(doubt_norm > 0, slow, 0.0)
            keep *= 0.5 ** (np.degrees(missed) * self.dt_s / cfg.hole_forget_deg)
        fixed = quat.rotate(q, acc.T).T  # accelerometer in the first sample's frame
        trust = self._trust(acc, fixed, rate, keep)
        gravity = self._filter_forgetting(self._gravity, fixed * trust[:, None], keep)
        up = quat.rotate(quat.conjugate(q), gravity.T).T
        up /= norm(up)[:, np.newaxis]
        return Tilt(up=up, rate=rate, still=still, accel_trust=trust)

    def _trust(self, acc, fixed, rate, keep) -> np.ndarray:
        """How much each accelerometer sample measures gravity alone (0..1).

        |a| close to g is not enough: a horizontal acceleration hardly changes |a|,
        and trusting such samples biases the tilt during walking. So a sample must
        also point where gravity has been pointing lately (a plain average, in the
        fixed frame), and the sensor must not be rotating fast.
        """
        cfg = self.config
        reference = self._filter_forgetting(self._reference, fixed, keep)
        cosine = row_dot(fixed, reference) / (norm(fixed) * norm(reference) + 1e-12)
        off_deg = np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))
        acc_off = norm(acc) - GRAVITY_M_S2
        trust = np.exp(
            -0.5 * (acc_off / cfg.trust_acc_sigma_m_s2) ** 2
            - 0.5 * (off_deg / cfg.trust_angle_deg) ** 2
        )
        return trust / (1.0 + (norm(rate) / cfg.trust_rate_rad_s) ** 2)

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

    def _stillness(self, acc: np.ndarray, gyr: np.ndarray) -> np.ndarray:
        """Still samples, and the gyroscope's recent mean (a bias guess while still)."""
        cfg = self.config
        gyro_mean = self._gyro_mean(gyr)
        gyro_var = self._gyro_square(gyr**2) - gyro_mean**2
        acc_var = self._acc_square(acc**2) - self._acc_mean(acc) ** 2
        acc_norm = norm(acc)
        still = (
            (row_max(gyro_var) < cfg.still_gyro_std_rad_s**2)
            & (row_max(acc_var) < cfg.still_acc_std_m_s2**2)
            & (norm(gyr) < cfg.still_max_rate_rad_s)
            & (np.abs(acc_norm - GRAVITY_M_S2) < cfg.still_acc_tolerance_m_s2)
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
        bias = np.empty_like(gyr)
        bias[known] = total[known] / count[known, None]
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

    @staticmethod
    def _filter_forgetting(lowpass: Lowpass, x: np.ndarray, keep: np.ndarray) -> np.ndarray:
        """Run ``lowpass``, shrinking its memory by ``keep`` before each sample where it is < 1."""
        forgetting = keep < 1.0
        if not forgetting.any():
            return lowpass(x)
        # Runs of forgetting samples (a hole's guessed samples) go sample by sample;
        # the measured stretches between them through the filter in one call each.
        edges = np.flatnonzero(np.diff(np.concatenate([[False], forgetting, [False]])))
        out, at = [], 0
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            out.append(lowpass(x[at:start]))
            out.append(lowpass.run_forgetting(x[start:stop], keep[start:stop]))
            at = stop
        out.append(lowpass(x[at:]))
        return np.concatenate(out)
