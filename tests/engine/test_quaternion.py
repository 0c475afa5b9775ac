"""Quaternion arithmetic against scipy's Rotation."""

import numpy as np
from scipy.spatial.transform import Rotation

from tracker.engine.dsp import quaternion as quat


def _to_scipy(q):  # components-first (w, x, y, z) -> Rotation
    return Rotation.from_quat(q.T, scalar_first=True)


def test_multiply_rotate_and_rotvec_agree_with_scipy():
    rng = np.random.default_rng(0)
    a = Rotation.random(50, random_state=1)
    b = Rotation.random(50, random_state=2)
    qa = a.as_quat(scalar_first=True).T
    qb = b.as_quat(scalar_first=True).T
    product = _to_scipy(quat.multiply(qa, qb))
    assert np.allclose((product.inv() * (a * b)).magnitude(), 0, atol=1e-12)
    v = rng.normal(size=(50, 3))
    assert np.allclose(quat.rotate(qa, v.T).T, a.apply(v), atol=1e-12)
    assert np.allclose(quat.rotate(quat.conjugate(qa), v.T).T, a.inv().apply(v), atol=1e-12)
    rotvec = rng.normal(size=(50, 3))
    rotvec[0] = 0.0  # the zero rotation must not divide by zero
    assert np.allclose(
        (_to_scipy(quat.from_rotvec(rotvec.T)).inv() * Rotation.from_rotvec(rotvec)).magnitude(),
        0,
        atol=1e-12,
    )


def test_prefix_products_are_running_products_and_truncation_exact():
    r = Rotation.random(37, random_state=3)
    d = r.as_quat(scalar_first=True).T
    out = quat.prefix_products(d)
    expected = r[0]
    for k in range(1, 37):
        expected = expected * r[k]
        assert np.isclose(abs(np.dot(out[:, k], expected.as_quat(scalar_first=True))), 1.0)
    # Leading values do not depend on what follows (the basis of exact chunking).
    np.testing.assert_array_equal(quat.prefix_products(d[:, :20]), out[:, :20])
