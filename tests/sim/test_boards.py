"""Board presets and imperfection options: offset seen at rest, scale, bias, clipping, low-pass."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.core.errors import InputError
from tracker.core.types import GRAVITY_M_S2
from tracker.sim import simulate

G = GRAVITY_M_S2


def _still(s, seconds=1.5):
    """Samples of the first ``seconds`` (the everyday kinds stand still 3-5 s first)."""
    return s.block.t_s < seconds


def _standing_up_in_sensor(s):
    return s.mounting.rotation.inv().apply([0.0, 0.0, 1.0])


@pytest.fixture(scope="module")
def cheap(sims):
    return sims.get("squat-workout", seed=31, sets=1, reps=3, sensor="cheap")


def test_the_cheap_board(cheap):
    sensor = cheap.sensor
    assert sensor.acc_range_m_s2 == pytest.approx(2 * G)
    assert sensor.gyr_range_rad_s == pytest.approx(np.deg2rad(250.0))
    offset = np.asarray(sensor.acc_bias_m_s2)
    assert 0.2 * G - 1e-9 <= np.linalg.norm(offset) <= 0.6 * G + 1e-9
    # Mostly on one or two axes: the smallest component is a small share of the largest.
    size = np.sort(np.abs(offset))
    assert size[0] <= 0.3 * size[2]
    assert np.all(np.abs(sensor.gyr_bias_rad_s) <= 0.03)
    assert np.all(np.abs(np.diag(sensor.acc_gain) - 1.0) <= 0.04)
    assert sensor.bandwidth_hz in (44.0, 94.0, 260.0)


def test_the_offset_is_visible_at_rest(cheap):
    """Standing still, |a| reads 11-16 m/s² (the offset adds to gravity), and the mean
    reading is the ideal one through the gain plus the offset."""
    still = _still(cheap)
    acc = cheap.block.acc[still]
    assert 11.0 <= np.median(np.linalg.norm(acc, axis=1)) <= 16.0
    assert np.dot(cheap.sensor.acc_bias_m_s2, _standing_up_in_sensor(cheap)) > 0
    expected = cheap.ideal_acc[still] @ np.asarray(cheap.sensor.acc_gain).T
    offset = (acc - expected).mean(axis=0)
    np.testing.assert_allclose(offset, cheap.sensor.acc_bias_m_s2, atol=0.02)


def test_explicit_imperfections_replace_the_preset(sims):
    s = sims.get(
        "holds",
        seed=32,
        reps=1,
        hold_s=10.0,
        acc_offset_g=0.5,
        acc_scale_pct=3.0,
        gyro_bias_deg_s=1.5,
        acc_range_g=4.0,
        gyro_range_deg_s=500.0,
    )
    sensor = s.sensor
    assert np.linalg.norm(sensor.acc_bias_m_s2) == pytest.approx(0.5 * G)
    assert np.all(np.abs(np.diag(sensor.acc_gain) - 1.0) <= 0.03)
    assert np.all(np.abs(sensor.gyr_bias_rad_s) <= np.deg2rad(1.5))
    assert sensor.acc_range_m_s2 == pytest.approx(4 * G)
    assert sensor.gyr_range_rad_s == pytest.approx(np.deg2rad(500.0))
    gyr = s.block.gyr[_still(s)]
    np.testing.assert_allclose(gyr.mean(axis=0), sensor.gyr_bias_rad_s, atol=0.004)


def test_offset_zero_and_the_default_preset(sims):
    clean = simulate("continuous-squats", seed=33, acc_offset_g=0.0)
    assert clean.sensor.acc_bias_m_s2 == (0.0, 0.0, 0.0)
    raw = simulate("continuous-squats", seed=33)
    assert np.linalg.norm(raw.sensor.acc_bias_m_s2) >= 0.2 * G - 1e-9
    # Only the offset differs: the other draws of the board are the same.
    assert raw.sensor.acc_gain == clean.sensor.acc_gain
    assert raw.sensor.gyr_bias_rad_s == clean.sensor.gyr_bias_rad_s


def test_naming_the_defaults_changes_nothing():
    """An everyday kind with its defaults named is the same session, byte for byte."""
    plain = simulate("fast-reps", seed=34, sets=1, rate_hz=None)
    named = simulate("fast-reps", seed=34, sets=1, rate_hz=None, sensor="typical", strap="rigid")
    for name in ("t_s", "acc", "gyr"):
        assert getattr(plain.block, name).tobytes() == getattr(named.block, name).tobytes()
    truth, named_truth = plain.truth.to_json(), named.truth.to_json()
    truth.pop("options"), named_truth.pop("options")
    assert truth == named_truth


def test_a_noiseless_cheap_board_keeps_its_range(sims):
    s = sims.get("continuous-squats", seed=38, noise=False, loss=False)
    sensor = s.sensor
    assert sensor.acc_range_m_s2 == pytest.approx(2 * G) and sensor.acc_noise_m_s2 == 0.0
    assert sensor.acc_bias_m_s2 == (0.0, 0.0, 0.0) and sensor.drift_ppm == 0.0
    acc_lsb = sensor.lsb()[0]
    np.testing.assert_allclose(s.block.acc, np.clip(s.ideal_acc, -2 * G, 2 * G), atol=acc_lsb)


def test_the_ideal_preset(sims):
    s = sims.get("walking", seed=35, sensor="ideal")
    assert s.kept.all() and s.sensor.acc_noise_m_s2 == 0 and s.sensor.drift_ppm == 0


@pytest.fixture(scope="module")
def clipped(sims):
    return sims.get("loose-walk", seed=36, duration=40.0, rate_hz=100.0)


def _model(s, channel):
    """(gain, bias, noise SD, LSB) of one channel of the session's sensor."""
    m = s.sensor
    if channel == "acc":
        return m.acc_gain, m.acc_bias_m_s2, m.acc_noise_m_s2, m.lsb()[0]
    return m.gyr_gain, m.gyr_bias_rad_s, m.gyr_noise_rad_s, m.lsb()[1]


@pytest.mark.parametrize("channel", ["acc", "gyr"])
def test_clipping_sits_exactly_at_the_range_repeated(clipped, channel):
    values = getattr(clipped.block, channel)
    gain, bias, sigma, lsb = _model(clipped, channel)
    top, bottom = 32767 * lsb, -32768 * lsb
    at_range = (values == top) | (values == bottom)
    assert np.all((values <= top) & (values >= bottom))
    assert 0.001 <= np.mean(at_range.any(axis=1)) <= 0.15
    assert (at_range[1:] & at_range[:-1]).any()  # held there while the signal is beyond
    # Wherever the reading would be well beyond the range, it sits at the range.
    reading = getattr(clipped, f"ideal_{channel}") @ np.asarray(gain).T + np.asarray(bias)
    assert np.all(at_range[np.abs(reading) > -bottom + 6 * sigma])


def test_bandwidth_removes_what_is_above_it(sims):
    opts = {"sets": 1, "rate_hz": 200.0, "strap": "soft", "noise": False, "loss": False}
    wide = sims.get("fast-reps", seed=37, **opts)
    narrow = sims.get("fast-reps", seed=37, bandwidth_hz=10.0, **opts)

    def above_20_hz(x):
        spectrum = np.abs(np.fft.rfft(x - x.mean(axis=0), axis=0)) ** 2
        return spectrum[np.fft.rfftfreq(len(x), 1 / 200.0) > 20.0].sum()

    # A 2nd-order low-pass at 10 Hz: at least 10 times less power above 20 Hz.
    assert above_20_hz(narrow.block.gyr) < 0.1 * above_20_hz(wide.block.gyr)
    assert above_20_hz(narrow.block.acc) < 0.1 * above_20_hz(wide.block.acc)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"sensor": "gold-plated"}, "sensor must be one of typical, ideal, cheap"),
        ({"acc_offset_g": 3.0}, "acc_offset_g must be between 0 and 1"),
        ({"acc_offset_g": (0.5, 0.2)}, "acc_offset_g must be a number or a"),
        ({"acc_range_g": 3.0}, "acc_range_g must be one of 2, 4, 8, 16"),
        ({"gyro_range_deg_s": 300.0}, "gyro_range_deg_s must be one of"),
        ({"strap": "tight"}, "strap must be one of rigid, soft, loose"),
        ({"tops": "up"}, "tops must be one of level, short, extended, wander"),
        ({"lead_in_s": -1.0}, "lead_in_s must be between"),
        ({"travel_deg": 150.0}, "travel_deg must be between"),
    ],
)
def test_bad_options_are_refused_in_one_line(options, message):
    with pytest.raises(InputError, match=message) as info:
        simulate("continuous-squats", seed=0, **options)
    assert "\n" not in info.value.one_line()
