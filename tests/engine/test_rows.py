"""Row-wise vector helpers: the very numbers numpy's reductions give, so swapping them in
changes no result anywhere."""

import numpy as np
import pytest

from tracker.core.frames import angle_deg, norm, row_dot, row_max, unit


@pytest.mark.parametrize("shape", [(500, 3), (500, 2), (3,), (0, 3), (4, 7, 3)])
def test_row_helpers_equal_numpy_bit_for_bit(shape):
    rng = np.random.default_rng(len(shape))
    # magnitudes over ten decades, so a different order of additions would show
    a = rng.normal(size=shape) * 10.0 ** rng.uniform(-5, 5, size=shape)
    b = rng.normal(size=shape) * 10.0 ** rng.uniform(-5, 5, size=shape)
    np.testing.assert_array_equal(row_dot(a, b), np.sum(a * b, axis=-1))
    np.testing.assert_array_equal(norm(a), np.linalg.norm(a, axis=-1))
    np.testing.assert_array_equal(row_max(a), np.max(a, axis=-1, initial=-np.inf))
    if a.ndim > 1 and len(a):
        a[0, ..., 1] = np.nan
        np.testing.assert_array_equal(row_max(a), np.max(a, axis=-1))


def test_row_dot_broadcasts_one_vector_against_rows():
    rng = np.random.default_rng(1)
    rows, one = rng.normal(size=(200, 3)), rng.normal(size=3)
    np.testing.assert_array_equal(row_dot(rows, one), np.sum(rows * one, axis=-1))


def test_unit_and_angle():
    v = np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, -2.0]])
    np.testing.assert_array_equal(unit(v), [[0.6, 0.8, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, -1.0]])
    z = np.array([0.0, 0.0, 1.0])
    tilted = np.array([[0.0, np.sin(0.3), np.cos(0.3)], [0.0, 0.0, -1.0]])
    np.testing.assert_allclose(angle_deg(tilted, z), [np.degrees(0.3), 180.0], rtol=1e-12)
