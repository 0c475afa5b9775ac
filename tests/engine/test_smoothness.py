"""SPARC and LDLJ against the reference code's values, and their published behaviour."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.engine.dsp.smoothness import dimensionless_jerk, ldlj, sparc, sparc_band

REL = 1e-9
GRAVITY_M_S2 = np.array([0.0, 0.0, 9.81])


def _reference_dir() -> Path | None:
    """Reference values: $TRACKER_REFERENCE_DIR, tests/data/reference, or ../shared/reference."""
    repo = Path(__file__).resolve().parents[2]
    candidates = [repo / "tests" / "data" / "reference", repo.parent / "shared" / "reference"]
    if env := os.environ.get("TRACKER_REFERENCE_DIR"):
        candidates.insert(0, Path(env))
    for path in candidates:
        if (path / "smoothness_reference_values.json").is_file():
            return path
    return None


REF_DIR = _reference_dir()
needs_reference = pytest.mark.skipif(REF_DIR is None, reason="reference values not found")


@pytest.fixture(scope="module")
def reference():
    results = json.loads((REF_DIR / "smoothness_reference_values.json").read_text())["results"]
    with np.load(REF_DIR / "smoothness_inputs.npz") as npz:
        inputs = {key: npz[key] for key in npz.files}
    return results, inputs


def _speed_entries() -> list[str]:
    if REF_DIR is None:
        return []
    results = json.loads((REF_DIR / "smoothness_reference_values.json").read_text())["results"]
    return [key for key in results if not key.startswith("_")]


def _imu_entries() -> list[str]:
    if REF_DIR is None:
        return []
    results = json.loads((REF_DIR / "smoothness_reference_values.json").read_text())["results"]
    return list(results["_imu"])


def mjt_speed(t_s: np.ndarray, duration_s: float, centre_s: float, amp: float = 1.0):
    """Minimum-jerk speed profile (movements.py of siva82kb/SPARC)."""
    tau = np.clip((t_s + 0.5 * duration_s - centre_s) / duration_s, 0.0, 1.0)
    return amp * (30 * tau**4 - 60 * tau**3 + 30 * tau**2)


def two_mjt(gap_s: float, fs_hz: float) -> np.ndarray:
    """Two 1 s minimum-jerk submovements, the second starting gap_s after the first."""
    t_s = np.arange(0.0, max(1.0, gap_s + 1.0), 1.0 / fs_hz)
    return mjt_speed(t_s, 1.0, 0.5) + mjt_speed(t_s, 1.0, gap_s + 0.5)


def single_mjt(duration_s: float, fs_hz: float) -> np.ndarray:
    return mjt_speed(np.arange(0.0, duration_s, 1.0 / fs_hz), duration_s, 0.5 * duration_s)


# --- reference values (siva82kb/SPARC and siva82kb/smoothness_from_imu, run unmodified) ---


@needs_reference
@pytest.mark.parametrize("key", _speed_entries())
def test_speed_profiles_match_reference(reference, key):
    results, inputs = reference
    ref, speed = results[key], inputs[key]
    fs = ref["fs"]
    assert speed.size == ref["n"]
    assert sparc(speed, fs) == pytest.approx(ref["sparc"], rel=REL)
    assert sparc(speed, fs, fc_hz=20.0) == pytest.approx(ref["sparc_fc20"], rel=REL)
    assert sparc(speed, fs, padlevel=2) == pytest.approx(ref["sparc_pad2"], rel=REL)
    assert sparc_band(speed, fs)[0][-1] == pytest.approx(ref["sparc_fc_used_hz"], rel=REL)
    assert dimensionless_jerk(speed, fs) == pytest.approx(ref["dlj_speed"], rel=REL)
    assert ldlj(speed, fs) == pytest.approx(ref["ldlj_speed"], rel=REL)
    # the IMU repository's vector form gives the same on a one-column velocity
    assert ldlj(speed[:, None], fs) == pytest.approx(ref["ldlj_vel_imu_repo"], rel=REL)


@needs_reference
@pytest.mark.parametrize("key", _imu_entries())
def test_speed_integrated_from_accelerometer_matches_reference(reference, key):
    # Only the speed-based entries map onto this module; the LDLJ-A entries
    # (ldlj_imu_*, ldlj_accl_*) work on acceleration and are not implemented here.
    results, inputs = reference
    ref = results["_imu"][key]
    fs = ref["fs"]
    acc = inputs[f"{key}_acc"]
    # the reference integrated gravity-free acceleration by a cumulative sum
    speed = np.linalg.norm(np.cumsum(acc - GRAVITY_M_S2, axis=0) / fs, axis=1)
    assert sparc(speed, fs) == pytest.approx(ref["sparc_of_speed"], rel=REL)
    assert ldlj(speed, fs) == pytest.approx(ref["ldlj_speed_of_integrated"], rel=REL)


@needs_reference
def test_generated_profiles_are_the_reference_inputs(reference):
    # pins the generators below, so the behaviour tests use the reference's movements;
    # to rounding only: vectorised polynomials differ in the last bits between CPUs
    _, inputs = reference
    close = {"rtol": 1e-12, "atol": 1e-14}
    np.testing.assert_allclose(single_mjt(1.0, 100.0), inputs["mjt_single_T1_fs100"], **close)
    for gap_s in (0.6, 0.8, 1.0, 1.2):
        expected = inputs[f"mjt_two_dT{gap_s}_fs100"]
        np.testing.assert_allclose(two_mjt(gap_s, 100.0), expected, **close)


# --- published figures (README of the reference, docstrings of siva82kb/SPARC): no files needed ---


def test_published_docstring_example():
    t_s = np.arange(-1.0, 1.0, 0.01)
    speed = np.exp(-5 * t_s**2)
    assert sparc(speed, 100.0) == pytest.approx(-1.41403, abs=5e-6)
    assert dimensionless_jerk(speed, 100.0) == pytest.approx(-335.74684, abs=5e-6)
    assert ldlj(speed, 100.0) == pytest.approx(-5.81636, abs=5e-6)


@pytest.mark.parametrize(("gap_s", "expected"), [(0.6, -1.76399), (0.8, -2.02427), (1.0, -2.24455)])
def test_published_two_submovement_values(gap_s, expected):
    assert sparc(two_mjt(gap_s, 100.0), 100.0) == pytest.approx(expected, abs=5e-6)


# --- behaviour ---


@pytest.mark.parametrize(
    ("duration_s", "fs_hz"), [(0.5, 50.0), (1.0, 100.0), (2.0, 200.0), (8.0, 400.0), (8.0, 50.0)]
)
def test_minimum_jerk_sparc_independent_of_duration_and_rate(duration_s, fs_hz):
    # N = 25 * 2**k samples: the same zero-padding ratio, so the same spectral grid
    assert sparc(single_mjt(duration_s, fs_hz), fs_hz) == pytest.approx(-1.40583, abs=2e-5)


def test_minimum_jerk_sparc_spread_over_any_duration_and_rate():
    # Other sample counts change the padding ratio (nfft/N between 16 and 32): the
    # adaptive cut-off falls on a different bin, a spread of about 1 %.
    values = [
        sparc(single_mjt(duration_s, fs_hz), fs_hz)
        for duration_s in np.arange(0.6, 12.0, 0.37)
        for fs_hz in (50.0, 100.0, 200.0)
    ]
    assert min(values) > -1.41
    assert max(values) < -1.39


def test_sparc_is_amplitude_and_unit_free():
    speed_rad_s = 1.3 * single_mjt(1.7, 100.0)
    assert sparc(np.rad2deg(speed_rad_s), 100.0) == pytest.approx(
        sparc(speed_rad_s, 100.0), rel=1e-12
    )
    assert ldlj(np.rad2deg(speed_rad_s), 100.0) == pytest.approx(
        ldlj(speed_rad_s, 100.0), rel=1e-12
    )


def test_submovements_further_apart_are_less_smooth():
    # Beyond 0.6 s the two peaks are distinct; closer, they merge into one
    # bell and SPARC stays near that of a single movement (-1.40 to -1.41).
    # LDLJ falls too, but not strictly at every step (-8.11 at 0.9 s, -8.05 at 1.0 s).
    gaps_s = (0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4)
    values_sparc = np.array([sparc(two_mjt(gap, 100.0), 100.0) for gap in gaps_s])
    values_ldlj = np.array([ldlj(two_mjt(gap, 100.0), 100.0) for gap in gaps_s])
    assert np.all(np.diff(values_sparc) < 0)
    assert values_sparc[0] < sparc(single_mjt(1.0, 100.0), 100.0) - 0.3
    assert values_ldlj[-1] < values_ldlj[0] - 1.0
    assert np.all(values_ldlj < ldlj(single_mjt(1.0, 100.0), 100.0) - 1.0)


@pytest.mark.parametrize("seed", range(6))
def test_noise_moves_sparc_little_and_ldlj_a_lot(seed):
    # Noise of 1 % of the peak speed (0.02 on a peak of 1.875), as in the reference set.
    clean = single_mjt(1.0, 100.0)
    noisy = clean + 0.02 * np.random.default_rng(seed).standard_normal(clean.size)
    sparc_clean, ldlj_clean = sparc(clean, 100.0), ldlj(clean, 100.0)
    assert abs(sparc(noisy, 100.0) - sparc_clean) < 0.005 * abs(sparc_clean)
    assert ldlj(noisy, 100.0) < ldlj_clean - 4.0  # from -5.2 to below -9


def test_ldlj_depends_on_sampling_rate():
    values = [ldlj(single_mjt(1.0, fs_hz), fs_hz) for fs_hz in (50.0, 100.0, 200.0)]
    assert values == pytest.approx([-5.13086, -5.22414, -5.27255], abs=5e-5)


def test_ldlj_of_a_velocity_vector_uses_its_norm():
    speed = single_mjt(1.0, 100.0)
    direction = np.array([0.6, -0.8, 0.0])
    assert ldlj(speed[:, None] * direction, 100.0) == pytest.approx(ldlj(speed, 100.0), rel=1e-12)


@settings(max_examples=50, deadline=None)
@given(scale=st.floats(1e-3, 1e3), duration_s=st.floats(0.3, 10.0))
def test_sparc_and_ldlj_scale_free_property(scale, duration_s):
    speed = single_mjt(duration_s, 100.0)
    assert sparc(scale * speed, 100.0) == pytest.approx(sparc(speed, 100.0), rel=1e-9)
    assert ldlj(scale * speed, 100.0) == pytest.approx(ldlj(speed, 100.0), rel=1e-9)


@pytest.mark.parametrize(
    "speed",
    [
        [],
        [1.0],
        [1.0, 2.0],
        np.zeros(50),
        [0.0, 1.0, np.nan, 1.0, 0.0],
        [0.0, 1.0, np.inf, 1.0, 0.0],
        np.ones((4, 4, 2)),
        "not a signal",
    ],
    ids=["empty", "one", "two", "zeros", "nan", "inf", "3d", "text"],
)
def test_degenerate_profiles_give_nan(speed):
    assert np.isnan(sparc(speed, 100.0))
    assert np.isnan(ldlj(speed, 100.0))
    assert np.isnan(dimensionless_jerk(speed, 100.0))
    f_hz, magnitude = sparc_band(speed, 100.0)
    assert f_hz.size == magnitude.size == 0


def test_constant_speed_has_no_jerk_and_ldlj_is_undefined():
    assert np.isnan(ldlj(np.full(50, 2.0), 100.0))
    assert sparc(np.full(50, 2.0), 100.0) < 0


def test_sparc_without_spectrum_below_cutoff_is_nan():
    # a 30 Hz oscillation about zero: nothing under 10 Hz reaches the threshold
    t_s = np.arange(0.0, 1.0, 0.01)
    assert np.isnan(sparc(np.sin(2 * np.pi * 30.0 * t_s) * np.hanning(t_s.size), 100.0))


def test_cutoff_is_clamped_to_nyquist():
    # at 16 Hz a 10 Hz limit would read mirrored bins; clamped it stops at 8 Hz
    speed = single_mjt(0.25, 16.0) + 0.5 * np.cos(np.arange(4) * np.pi)
    f_hz, _ = sparc_band(speed, 16.0, amp_th=0.0)
    assert f_hz[-1] == pytest.approx(8.0)


@pytest.mark.parametrize("fs_hz", [0.0, -100.0, np.nan])
def test_bad_rate_is_a_programming_error(fs_hz):
    with pytest.raises(ValueError, match="fs_hz"):
        sparc(single_mjt(1.0, 100.0), fs_hz)
    with pytest.raises(ValueError, match="fs_hz"):
        ldlj(single_mjt(1.0, 100.0), fs_hz)
