"""Sensor model: clock, jitter, loss bursts, noise, bias, range, quantisation; determinism."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.sim import SensorModel, simulate
from tracker.sim.sensor import ACC_RANGE_M_S2, GYR_RANGE_RAD_S


@pytest.fixture(scope="module")
def noisy(sims):
    return sims.get("squat-workout", seed=7, rate_hz=104.0, sets=2, reps=5)


def test_same_seed_same_bytes(noisy):
    again = simulate("squat-workout", seed=7, rate_hz=104.0, sets=2, reps=5)
    for name in ("t_s", "acc", "gyr"):
        assert getattr(again.block, name).tobytes() == getattr(noisy.block, name).tobytes()
    assert again.truth.to_json() == noisy.truth.to_json()


def test_another_seed_another_session(noisy):
    other = simulate("squat-workout", seed=8, rate_hz=104.0, sets=2, reps=5)
    assert other.block.acc.shape != noisy.block.acc.shape or not np.array_equal(
        other.block.acc, noisy.block.acc
    )


def test_times_strictly_increase_at_the_rate_despite_jitter(noisy):
    dt = np.diff(noisy.block.t_s)
    assert np.all(dt > 0)
    period = 1.0 / 104.0
    regular = dt[dt < 1.5 * period]  # steps without a lost packet
    assert np.median(regular) == pytest.approx(period, rel=0.02)
    assert np.std(regular) > 0  # jitter is there
    assert np.max(np.abs(regular - period)) <= 0.8 * period + 1e-6


def test_loss_comes_in_bursts_of_1_to_25(noisy):
    kept = noisy.kept
    fraction = 1.0 - kept.mean()
    assert 0.004 <= fraction <= 0.032
    edges = np.diff(np.concatenate([[1], kept.astype(int), [1]]))
    runs = np.flatnonzero(edges == 1) - np.flatnonzero(edges == -1)
    assert runs.min() >= 1 and runs.max() <= 25
    assert noisy.truth.to_json()["gaps"] == len(runs)
    assert kept[0] and kept[-1]


def test_lost_mask_reaches_the_target_fraction():
    rng = np.random.default_rng(0)
    for target in (0.005, 0.01, 0.03):
        kept = SensorModel(loss_fraction=target).lost_mask(rng, 100_000)
        assert 1.0 - kept.mean() == pytest.approx(target, rel=0.1)


def test_readings_are_16_bit_quantised(noisy):
    acc_lsb, gyr_lsb = noisy.sensor.lsb()
    assert acc_lsb == pytest.approx(16 * 9.80665 / 32768)
    assert gyr_lsb == pytest.approx(np.deg2rad(2000) / 32768)
    for values, lsb in ((noisy.block.acc, acc_lsb), (noisy.block.gyr, gyr_lsb)):
        counts = values / lsb
        np.testing.assert_allclose(counts, np.round(counts), atol=1e-6)
        assert np.all(np.abs(counts) <= 32768)


def test_clipping_at_the_range():
    model = SensorModel()
    big = np.array([[1000.0, -1000.0, 0.0]])
    _, acc, gyr, _ = model.apply(np.random.default_rng(0), big, big)
    assert acc[0, 0] == pytest.approx(ACC_RANGE_M_S2, rel=1e-4)
    assert acc[0, 1] == pytest.approx(-ACC_RANGE_M_S2)
    assert gyr[0, 0] == pytest.approx(GYR_RANGE_RAD_S, rel=1e-4)


def test_noise_bias_and_scale_as_configured(noisy):
    sensor = noisy.sensor
    assert 0.02 <= sensor.acc_noise_m_s2 <= 0.05 and 0.003 <= sensor.gyr_noise_rad_s <= 0.01
    assert np.all(np.abs(sensor.acc_bias_m_s2) <= 0.15)
    assert np.all(np.abs(sensor.gyr_bias_rad_s) <= 0.03)
    assert np.all(np.abs(np.diag(sensor.acc_gain) - 1) <= 0.03)
    assert abs(sensor.drift_ppm) <= 50
    for got, ideal, gain, bias, sigma in (
        (noisy.block.acc, noisy.ideal_acc, sensor.acc_gain, sensor.acc_bias_m_s2,
         sensor.acc_noise_m_s2),
        (noisy.block.gyr, noisy.ideal_gyr, sensor.gyr_gain, sensor.gyr_bias_rad_s,
         sensor.gyr_noise_rad_s),
    ):  # fmt: skip
        residual = got - (ideal @ np.asarray(gain).T + bias)
        # Quantisation adds lsb²/12, negligible beside the noise.
        np.testing.assert_allclose(residual.std(axis=0), sigma, rtol=0.05)
        np.testing.assert_allclose(residual.mean(axis=0), 0.0, atol=4 * sigma / np.sqrt(len(got)))


def test_ideal_sensor_reads_the_true_signals(sims):
    s = sims.get("squat-workout", seed=5, noise=False, loss=False, sets=2, reps=4)
    assert len(s.block) == len(s.true_t_s) and s.kept.all()
    np.testing.assert_allclose(s.block.t_s, np.arange(len(s.block)) / 100.0, atol=1e-9)
    acc_lsb, gyr_lsb = s.sensor.lsb()
    np.testing.assert_allclose(s.block.acc, s.ideal_acc, atol=acc_lsb / 2 + 1e-12)
    np.testing.assert_allclose(s.block.gyr, s.ideal_gyr, atol=gyr_lsb / 2 + 1e-12)
    fine_acc = np.column_stack(
        [np.interp(s.true_t_s, s.fine.t_s, s.fine.acc[:, i]) for i in range(3)]
    )
    np.testing.assert_array_equal(s.ideal_acc, fine_acc)


def test_clock_drift_maps_true_time_to_recording_time():
    sensor = SensorModel(rate_hz=50.0, drift_ppm=50.0)
    s = simulate("sit-to-stand", seed=1, sensor=sensor)
    assert s.clock_scale == pytest.approx(1.00005)
    # The last sample's device time is its true time times the clock scale.
    assert s.block.t_s[-1] == pytest.approx(s.true_t_s[-1] * s.clock_scale, abs=1e-6)
    rise = s.truth.sit_to_stand["rises"][0]
    assert s.true_time(rise["start_s"]) == pytest.approx(rise["start_s"] / 1.00005)


@pytest.mark.parametrize("rate_hz", [50.0, 200.0])
def test_chosen_rate(sims, rate_hz):
    s = sims.get("sit-to-stand", seed=2, rate_hz=rate_hz, loss=False)
    assert len(s.block) == pytest.approx(s.duration_s * rate_hz, abs=2)


def test_random_rates_between_50_and_200_hz(every_kind):
    rates = {s.sensor.rate_hz for s in every_kind.values()}
    assert len(rates) >= 3 and min(rates) >= 50 and max(rates) <= 200
