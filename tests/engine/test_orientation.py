"""Gyroscope integration and gravity fusion on motions whose truth is exact."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from tracker.core.frames import angle_deg
from tracker.engine.dsp.orientation import GyroIntegrator, TiltEstimator

FS = 100.0


def squats_about_a_tilted_mount(seed, seconds=60.0, depth_deg=60.0, bias=(0.02, -0.03, 0.01)):
    """A pure rotation (no translation): 4 s squats every 6 s after 5 s of standing.

    Gyroscope from the exact rotation between samples; accelerometer is gravity only.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(0, seconds, 1 / FS)
    phase = (t - 5) % 6
    flex = np.where((t > 5) & (phase < 4), depth_deg / 2 * (1 - np.cos(np.pi * phase / 2)), 0.0)
    sensor_to_world = Rotation.from_euler("y", np.radians(flex)[:, None]) * Rotation.random(
        random_state=seed
    )
    step = (sensor_to_world[:-1].inv() * sensor_to_world[1:]).as_rotvec() * FS
    gyr = np.vstack([step[:1], step])
    gyr = 0.5 * (gyr + np.vstack([gyr[1:], gyr[-1:]]))
    acc = sensor_to_world.inv().apply([0.0, 0.0, 9.80665])
    up_true = sensor_to_world.inv().apply([0.0, 0.0, 1.0])
    acc = acc + rng.normal(0, 0.04, acc.shape)
    gyr = gyr + np.asarray(bias) + rng.normal(0, 0.005, gyr.shape)
    return t, acc, gyr, up_true


def test_gyro_integration_matches_sequential_rotation_composition():
    rng = np.random.default_rng(1)
    rate = np.cumsum(rng.normal(0, 0.05, (3000, 3)), axis=0) * 0.2
    q = GyroIntegrator(1 / FS, tile=64).push(rate, np.zeros(len(rate), bool))
    expected = Rotation.identity()
    previous = rate[0]
    for k in range(len(rate)):
        expected = expected * Rotation.from_rotvec(0.5 * (previous + rate[k]) / FS)
        previous = rate[k]
    assert abs(np.dot(q[:, -1], expected.as_quat(scalar_first=True))) == pytest.approx(1, abs=1e-12)


@pytest.mark.parametrize("seed", [2, 3, 4, 5])
def test_tilt_is_accurate_and_bias_learned_at_any_mounting(seed):
    t, acc, gyr, up_true = squats_about_a_tilted_mount(seed)
    estimator = TiltEstimator(1 / FS)
    tilt = estimator.push(acc, gyr, np.zeros(len(t), bool))
    error = angle_deg(tilt.up, up_true)
    assert np.percentile(error, 99) < 0.3  # degrees, over 60 s of 60° squats
    assert np.allclose(estimator.gyro_bias, [0.02, -0.03, 0.01], atol=0.002)
    assert tilt.still[: int(4 * FS)].mean() > 0.9 and not tilt.still[int(6 * FS)]


def test_tilt_is_bit_identical_however_chunked():
    t, acc, gyr, _ = squats_about_a_tilted_mount(7, seconds=20)
    whole = TiltEstimator(1 / FS).push(acc, gyr, np.zeros(len(t), bool)).up
    estimator = TiltEstimator(1 / FS)
    rng = np.random.default_rng(0)
    parts, i = [], 0
    while i < len(t):
        n = int(rng.integers(1, 90))
        parts.append(
            estimator.push(acc[i : i + n], gyr[i : i + n], np.zeros(len(acc[i : i + n]), bool)).up
        )
        i += n
    np.testing.assert_array_equal(np.concatenate(parts), whole)
