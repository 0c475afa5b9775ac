"""Sway measures against the published reference code, closed forms and invariances."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tracker.engine.dsp.sway import SwayMeasures, confidence_ellipse_area, sway_jerk, sway_measures

FS_HZ = 100.0
REL = 1e-9  # the reference's own rounding; the brief asks for 1e-6
ROTATION_INVARIANT = (
    "rms_deg",
    "mean_distance_deg",
    "path_deg",
    "mean_velocity_deg_s",
    "ellipse95_deg2",
    "mean_freq_hz",
    "jerk_deg_s3",
)


def _reference_dir() -> Path | None:
    """Reference values: $TRACKER_REFERENCE_DIR, tests/data/reference, or ../shared/reference."""
    repo = Path(__file__).resolve().parents[2]
    candidates = [repo / "tests" / "data" / "reference", repo.parent / "shared" / "reference"]
    if env := os.environ.get("TRACKER_REFERENCE_DIR"):
        candidates.insert(0, Path(env))
    for path in candidates:
        if (path / "sway_reference_values.json").is_file():
            return path
    return None


REF_DIR = _reference_dir()
needs_reference = pytest.mark.skipif(REF_DIR is None, reason="reference values not found")
# npz key of the input, prefix of its entries in the json
SEGMENTS = [("synthetic_cop_cm", "synthetic_cop"), ("testcsv_cop_cm_rows4000_7000", "testcsv")]


@pytest.fixture(scope="module")
def reference():
    results = json.loads((REF_DIR / "sway_reference_values.json").read_text())["results"]
    with np.load(REF_DIR / "sway_inputs.npz") as npz:
        inputs = {key: npz[key] for key in npz.files}
    return results, inputs


# --- reference values (Jythen/code_descriptors_postural_control, run unmodified, cm) ---


@needs_reference
@pytest.mark.parametrize(("input_key", "prefix"), SEGMENTS)
def test_matches_quijoux_code_without_preprocessing(reference, input_key, prefix):
    results, inputs = reference
    ref = results[f"{prefix}__raw_no_resample_no_filter"]
    cop = inputs[input_key]
    m = sway_measures(cop, FS_HZ)
    assert m.n == ref.get("n_after", cop.shape[0]) == cop.shape[0]
    assert m.rms_deg == pytest.approx(ref["rms_Radius"], rel=REL)
    assert m.mean_distance_deg == pytest.approx(ref["mean_distance_Radius"], rel=REL)
    assert m.rms_ml_deg == pytest.approx(ref["rms_ML"], rel=REL)
    assert m.rms_ap_deg == pytest.approx(ref["rms_AP"], rel=REL)
    assert m.range_ml_deg == pytest.approx(ref["range_ML"], rel=REL)
    assert m.range_ap_deg == pytest.approx(ref["range_AP"], rel=REL)
    assert m.path_deg == pytest.approx(ref["sway_length_MLAP"], rel=REL)
    assert m.mean_velocity_deg_s == pytest.approx(ref["mean_velocity_MLAP"], rel=REL)
    assert m.ellipse95_deg2 == pytest.approx(ref["confidence_ellipse_area_95"], rel=REL)
    # Quijoux's mean frequency averages the N-1 sample speeds: N/(N-1) times ours.
    n = m.n
    assert m.mean_freq_hz * n / (n - 1) == pytest.approx(ref["mean_frequency_MLAP"], rel=REL)


@needs_reference
@pytest.mark.parametrize(("input_key", "prefix"), SEGMENTS)
def test_matches_independent_prieto_implementation(reference, input_key, prefix):
    results, inputs = reference
    ref = results[f"{prefix}__independent_prieto"]
    m = sway_measures(inputs[input_key], FS_HZ)
    assert m.mean_distance_deg == pytest.approx(ref["MDIST"], rel=REL)
    assert m.rms_deg == pytest.approx(ref["RDIST"], rel=REL)
    assert m.path_deg == pytest.approx(ref["TOTEX"], rel=REL)
    assert m.mean_velocity_deg_s == pytest.approx(ref["MVELO_T_eq_N_over_fs"], rel=REL)
    assert m.ellipse95_deg2 == pytest.approx(ref["AREA_CE_quijoux_with_n_correction"], rel=REL)
    assert m.mean_freq_hz == pytest.approx(ref["MFREQ"], rel=REL)


@needs_reference
@pytest.mark.parametrize(("input_key", "prefix"), SEGMENTS)
def test_other_published_conventions_differ_by_their_documented_factors(
    reference, input_key, prefix
):
    # What the chosen conventions are not: duration (N-1)/fs, Prieto's area
    # without the sample-size factor, and the chi-square ellipse.
    results, inputs = reference
    ref = results[f"{prefix}__independent_prieto"]
    m = sway_measures(inputs[input_key], FS_HZ)
    n = m.n
    n_factor = (n + 1) * (n - 1) / (n * (n - 2))
    assert m.mean_velocity_deg_s * n / (n - 1) == pytest.approx(
        ref["MVELO_T_eq_Nminus1_over_fs"], rel=REL
    )
    assert m.ellipse95_deg2 / n_factor == pytest.approx(ref["AREA_CE_prieto_2piF"], rel=REL)
    assert m.ellipse95_deg2 != pytest.approx(ref["AREA_CE_chi2_95"], rel=1e-4)


# --- closed forms ---


def _sinusoid(amplitude_deg: float, freq_hz: float, cycles: int, axis: int, phase: float):
    n = round(cycles * FS_HZ / freq_hz)
    t_s = np.arange(n) / FS_HZ
    traj = np.zeros((n, 2))
    traj[:, axis] = amplitude_deg * np.sin(2 * np.pi * freq_hz * t_s + phase) + 3.0
    return traj


def _mean_freq_bias_bound(freq_hz: float, n: int) -> float:
    """Documented low bias of the sampled mean frequency over whole cycles."""
    return math.pi / (2 * n) + (math.pi * freq_hz / FS_HZ) ** 2


@pytest.mark.parametrize(
    ("amplitude_deg", "freq_hz", "cycles", "axis", "phase"),
    [(2.0, 1.0, 20, 1, 0.0), (0.5, 0.4, 8, 0, 0.7), (1.5, 2.0, 30, 1, 2.1)],
)
def test_sinusoid_along_one_axis(amplitude_deg, freq_hz, cycles, axis, phase):
    traj = _sinusoid(amplitude_deg, freq_hz, cycles, axis, phase)
    m = sway_measures(traj, FS_HZ)
    bound = _mean_freq_bias_bound(freq_hz, m.n)
    assert m.rms_deg == pytest.approx(amplitude_deg / math.sqrt(2), rel=1e-9)
    assert (m.rms_ml_deg, m.rms_ap_deg)[axis] == pytest.approx(m.rms_deg, rel=1e-12)
    assert (m.rms_ml_deg, m.rms_ap_deg)[1 - axis] == 0.0
    assert m.mean_distance_deg == pytest.approx(2 * amplitude_deg / math.pi, rel=1e-3)
    assert m.duration_s == pytest.approx(cycles / freq_hz)
    assert 0.0 < freq_hz - m.mean_freq_hz <= bound * freq_hz
    path_true = 4 * amplitude_deg * freq_hz * m.duration_s
    assert 0.0 < path_true - m.path_deg <= bound * path_true
    assert m.mean_velocity_deg_s == pytest.approx(m.path_deg / m.duration_s, rel=1e-12)
    assert m.ellipse95_deg2 == pytest.approx(0.0, abs=1e-9)
    # jerk: A (2 pi f)^3 / sqrt(2); the differentiator keeps 98.9 % at 2 Hz, 99.9 % at 1 Hz
    jerk_true = amplitude_deg * (2 * np.pi * freq_hz) ** 3 / math.sqrt(2)
    assert m.jerk_deg_s3 == pytest.approx(jerk_true, rel=0.012 if freq_hz > 1 else 1.5e-3)


def test_circle():
    radius_deg, freq_hz, n = 1.2, 0.5, 4000
    angle = 2 * np.pi * freq_hz * np.arange(n) / FS_HZ
    traj = radius_deg * np.column_stack([np.cos(angle), np.sin(angle)])
    m = sway_measures(traj, FS_HZ)
    assert m.rms_deg == pytest.approx(radius_deg, rel=1e-9)
    assert m.mean_distance_deg == pytest.approx(radius_deg, rel=1e-9)
    assert 0.0 < freq_hz - m.mean_freq_hz <= _mean_freq_bias_bound(freq_hz, n) * freq_hz
    # Covariance (r^2/2) I, so sqrt(det) = r^2/2; F(1-a; 2, v) = (v/2)(a^(-2/v) - 1)
    # in closed form, and tends to -ln(a) (the chi-square ellipse) for large N.
    dof = n - 2
    f_quantile = dof / 2 * (0.05 ** (-2 / dof) - 1)
    n_factor = (n + 1) * (n - 1) / (n * (n - 2))
    area = 2 * math.pi * f_quantile * radius_deg**2 / 2 * n_factor
    assert m.ellipse95_deg2 == pytest.approx(area, rel=1e-9)
    assert m.ellipse95_deg2 == pytest.approx(-math.log(0.05) * math.pi * radius_deg**2, rel=2e-3)
    assert m.jerk_deg_s3 == pytest.approx(radius_deg * (2 * np.pi * freq_hz) ** 3, rel=1e-4)


@pytest.mark.parametrize("n", [4, 7, 31, 500])
def test_jerk_exact_on_polynomial_tilt(n):
    # Local quintic fits reproduce polynomials up to degree 5 exactly:
    # ML = c3 t^3 -> 6 c3; AP = c5 t^5 -> 60 c5 t^2. Short bouts use one
    # polynomial of degree min(5, N-1), exact for the cubic part only.
    t_s = (np.arange(n) - (n - 1) / 2) / FS_HZ
    c3, c5 = 40.0, -7.0e3 if n > 5 else 0.0
    traj = np.column_stack([c3 * t_s**3, c5 * t_s**5])
    expected = math.sqrt(np.mean((6 * c3) ** 2 + (60 * c5 * t_s**2) ** 2))
    assert sway_jerk(traj, FS_HZ) == pytest.approx(expected, rel=1e-9)


def test_jerk_is_the_root_of_the_duration_normalised_isway_integral():
    # jerk = sqrt(2 JERK / T) with JERK = 1/2 * integral |d3/dt3|^2 dt: a constant
    # third derivative j over T seconds gives JERK = j^2 T / 2.
    t_s = (np.arange(1000) - 500) / FS_HZ
    traj = np.column_stack([5.0 * t_s**3, -2.0 * t_s**3])  # j = (30, -12)
    jerk = sway_jerk(traj, FS_HZ)
    isway_integral = 0.5 * (30.0**2 + 12.0**2) * 10.0
    # rounding: third differences of values up to 600 deg at 100 Hz
    assert jerk == pytest.approx(math.sqrt(2 * isway_integral / 10.0), rel=1e-7)


def test_constant_trajectory_has_no_sway_and_no_frequency():
    m = sway_measures(np.full((50, 2), [0.1, -2.3]), FS_HZ)
    assert m.rms_deg == pytest.approx(0.0, abs=1e-12)
    assert m.path_deg == 0.0
    assert m.ellipse95_deg2 == pytest.approx(0.0, abs=1e-12)
    assert m.jerk_deg_s3 == pytest.approx(0.0, abs=1e-6)
    assert math.isnan(m.mean_freq_hz)


# --- invariances ---

_trajectories = hnp.arrays(
    np.float64,
    st.tuples(st.integers(4, 120), st.just(2)),
    # tilt to a nano-degree: keeps squares of the values clear of float underflow
    elements=st.floats(-20.0, 20.0).map(lambda v: round(v, 9)),
)


def _rounding(traj: np.ndarray, name: str) -> float:
    """Absolute rounding allowance of a measure, from the size of the values."""
    size = float(np.abs(traj).max())
    if name == "ellipse95_deg2":
        return 1e-7 * size**2  # 2*pi*F*(N+1)(N-1)/(N(N-2)) reaches 224 at N = 4
    if name == "jerk_deg_s3":
        return 1e-9 * size * FS_HZ**3
    return 1e-9 * size * FS_HZ


def _frequency_defined(m: SwayMeasures, traj: np.ndarray) -> bool:
    return math.isfinite(m.mean_freq_hz) and m.mean_distance_deg > 1e-9 * np.abs(traj).max()


def _assert_measures_close(a: SwayMeasures, b: SwayMeasures, traj: np.ndarray, fields) -> None:
    for name in fields:
        x, y = getattr(a, name), getattr(b, name)
        assert y == pytest.approx(x, rel=1e-7, abs=_rounding(traj, name)), name


@settings(max_examples=60, deadline=None)
@given(traj=_trajectories, angle=st.floats(0.0, 2 * math.pi))
def test_rotation_in_the_plane_changes_no_2d_measure(traj, angle):
    c, s = math.cos(angle), math.sin(angle)
    rotated = traj @ np.array([[c, s], [-s, c]])
    a, b = sway_measures(traj, FS_HZ), sway_measures(rotated, FS_HZ)
    _assert_measures_close(a, b, traj, [f for f in ROTATION_INVARIANT if f != "mean_freq_hz"])
    if _frequency_defined(a, traj):
        assert b.mean_freq_hz == pytest.approx(a.mean_freq_hz, rel=1e-7)


@settings(max_examples=60, deadline=None)
@given(traj=_trajectories, k=st.floats(1e-3, 1e3))
def test_scaling_by_k(traj, k):
    a, b = sway_measures(traj, FS_HZ), sway_measures(k * traj, FS_HZ)
    linear = (
        "rms_deg",
        "mean_distance_deg",
        "rms_ml_deg",
        "rms_ap_deg",
        "range_ml_deg",
        "range_ap_deg",
        "path_deg",
        "mean_velocity_deg_s",
        "jerk_deg_s3",
    )
    for name in linear:
        expected = k * getattr(a, name)
        assert getattr(b, name) == pytest.approx(
            expected, rel=1e-9, abs=_rounding(k * traj, name)
        ), name
    assert b.ellipse95_deg2 == pytest.approx(
        k**2 * a.ellipse95_deg2, rel=1e-7, abs=_rounding(k * traj, "ellipse95_deg2")
    )
    if _frequency_defined(a, traj):
        assert b.mean_freq_hz == pytest.approx(a.mean_freq_hz, rel=1e-7)


# --- bad input (the balance detector never passes it; direct callers get a clear error) ---


@pytest.mark.parametrize(
    ("traj", "match"),
    [
        (np.zeros((3, 2)), "at least 4"),
        (np.zeros((10, 3)), "shape"),
        (np.zeros(10), "shape"),
        (np.array([[0.0, 1.0]] * 5 + [[np.nan, 0.0]]), "NaN"),
        (np.array([[0.0, 1.0]] * 5 + [[np.inf, 0.0]]), "NaN"),
    ],
    ids=["short", "three-columns", "one-dimensional", "nan", "inf"],
)
def test_bad_trajectory_raises_value_error(traj, match):
    with pytest.raises(ValueError, match=match):
        sway_measures(traj, FS_HZ)


@pytest.mark.parametrize("fs_hz", [0.0, -1.0, math.inf])
def test_bad_rate_raises_value_error(fs_hz):
    with pytest.raises(ValueError, match="fs_hz"):
        sway_measures(np.zeros((10, 2)), fs_hz)


def test_ellipse_helper_matches_measures():
    rng = np.random.default_rng(7)
    traj = np.cumsum(rng.standard_normal((500, 2)), axis=0) * 0.01
    assert confidence_ellipse_area(traj) == sway_measures(traj, FS_HZ).ellipse95_deg2
