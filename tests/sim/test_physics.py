"""The simulator's physics: specific force and angular rate agree with the motion they come from."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import cumulative_trapezoid
from scipy.spatial.transform import Rotation

from tracker.core.frames import DEG
from tracker.core.types import GRAVITY_M_S2
from tracker.sim import Motion, Mounting, fine_signals
from tracker.sim.kinematics import FINE_DT_S, HIP_HEIGHT_M, leg_chain


def _motion(n, flex=0.0, frontal=0.0, rot=0.0, heading=0.0, hip=(0.0, 0.0, HIP_HEIGHT_M)):
    full = lambda v: np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()  # noqa: E731
    return Motion(
        t_s=np.arange(n) * FINE_DT_S,
        flex_deg=full(flex),
        frontal_deg=full(frontal),
        rot_deg=full(rot),
        heading_rad=full(heading),
        hip_m=np.broadcast_to(np.asarray(hip, dtype=float), (n, 3)).copy(),
    )


def _product(rotations: Rotation) -> Rotation:
    """r[0] * r[1] * ... * r[-1] by pairwise reduction (vectorised, order kept)."""
    while len(rotations) > 1:
        if len(rotations) % 2:
            rotations = Rotation.concatenate([rotations, Rotation.identity()])
        rotations = rotations[0::2] * rotations[1::2]
    return rotations[0]


@pytest.mark.parametrize("seed", range(5))
def test_at_rest_the_accelerometer_reads_g_along_up(seed):
    rng = np.random.default_rng(seed)
    mounting = Mounting.random(rng)
    motion = _motion(50, *rng.uniform(-90, 90, 3), heading=rng.uniform(-3, 3))
    fine = fine_signals(motion, mounting)
    np.testing.assert_allclose(np.linalg.norm(fine.acc, axis=1), GRAVITY_M_S2, rtol=1e-12)
    up_in_sensor = fine.sensor_rotation().inv().apply([0.0, 0.0, 1.0])
    np.testing.assert_allclose(fine.acc, GRAVITY_M_S2 * up_in_sensor, atol=1e-9)
    np.testing.assert_allclose(fine.gyr, 0.0, atol=1e-12)


def test_quiet_standing_in_a_session_reads_about_g(clean_squats):
    fine = clean_squats.fine
    first_rep = clean_squats.truth.reps[0]["start_s"] / clean_squats.clock_scale
    still = fine.t_s < first_rep - 0.5
    norm = np.linalg.norm(fine.acc[still], axis=1)
    # Postural sway of ~0.15° moves the sensor by a fraction of a millimetre.
    assert np.max(np.abs(norm - GRAVITY_M_S2)) < 0.02


def test_orientation_matches_scipy_composition():
    rng = np.random.default_rng(3)
    n = 200
    flex, frontal, rot, heading = rng.uniform(-100, 100, (4, n))
    motion = _motion(n, flex, frontal, rot, heading / DEG)
    mounting = Mounting.random(rng)
    expected = (
        Rotation.from_euler("ZYX", np.column_stack([heading / DEG, -flex / DEG, frontal / DEG]))
        * Rotation.from_euler("z", rot[:, None] / DEG)
        * mounting.rotation
    )
    got = fine_signals(motion, mounting).sensor_rotation()
    assert np.max((got.inv() * expected).magnitude()) < 1e-12


def _windows(session, length_s):
    """Windows starting 1 s before the first rep and 1 s before the first walk."""
    starts = [session.truth.reps[0]["start_s"] - 1.0, session.truth.walking[0]["start_s"] - 1.0]
    return [(s / session.clock_scale, s / session.clock_scale + length_s) for s in starts]


@pytest.mark.parametrize("which", [0, 1])
def test_integrating_the_gyroscope_reproduces_the_orientation(clean_squats, which):
    fine = clean_squats.fine
    i0, i1 = np.searchsorted(fine.t_s, _windows(clean_squats, 15.0)[which])
    # Trapezoidal rate over each fine step, as a rotation in the body frame.
    mid = 0.5 * (fine.gyr[i0 : i1 - 1] + fine.gyr[i0 + 1 : i1])
    turned = _product(Rotation.from_rotvec(mid * FINE_DT_S))
    expected = fine.sensor_rotation(i0).inv() * fine.sensor_rotation(i1 - 1)
    travelled_deg = np.sum(np.linalg.norm(fine.gyr[i0:i1], axis=1)) * FINE_DT_S * DEG
    assert travelled_deg > 300.0  # the window holds real movement
    assert (turned.inv() * expected).magnitude() * DEG < 0.01


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("offset_s", [1.0, 3.0])
def test_double_integrating_acceleration_reproduces_the_position(clean_squats, which, offset_s):
    fine = clean_squats.fine
    start_s = _windows(clean_squats, 0.0)[which][0] + offset_s
    i0, i1 = np.searchsorted(fine.t_s, [start_s, start_s + 2.0])
    acc_world = fine.sensor_rotation(slice(i0, i1)).apply(fine.acc[i0:i1])
    acc_world[:, 2] -= GRAVITY_M_S2
    pos = fine.sensor_pos_m
    v0 = (pos[i0 + 1] - pos[i0 - 1]) / (2 * FINE_DT_S)
    vel = v0 + cumulative_trapezoid(acc_world, dx=FINE_DT_S, axis=0, initial=0.0)
    got = pos[i0] + cumulative_trapezoid(vel, dx=FINE_DT_S, axis=0, initial=0.0)
    moved = np.max(np.linalg.norm(pos[i0:i1] - pos[i0], axis=1))
    assert moved > 0.05  # the window holds real movement
    assert np.max(np.linalg.norm(got - pos[i0:i1], axis=1)) < 1e-3


@pytest.mark.parametrize("radius_m", [0.0, 0.15, 0.3])
def test_rotation_about_the_hip_gives_centripetal_acceleration(radius_m):
    omega = 3.0  # rad/s, the thigh turning forward about the hip joint at a constant rate
    n = 2000
    t = np.arange(n) * FINE_DT_S
    motion = _motion(n, flex=omega * t * DEG)
    mounting = Mounting(Rotation.identity(), np.array([0.0, 0.0, -radius_m]), "front", "right")
    fine = fine_signals(motion, mounting)
    inner = slice(5, n - 5)
    gravity = fine.sensor_rotation(inner).inv().apply([0.0, 0.0, GRAVITY_M_S2])
    linear = fine.acc[inner] - gravity
    # Toward the hip, i.e. along the thigh's +z, which is the sensor's +z here.
    np.testing.assert_allclose(linear[:, 2], omega**2 * radius_m, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(linear[:, :2], 0.0, atol=1e-5)
    # Flexion is a negative right-handed turn about the thigh's y axis (knee forward).
    np.testing.assert_allclose(fine.gyr, np.tile([0.0, -omega, 0.0], (n, 1)), atol=1e-9)


def test_leg_chain_heights():
    zero = np.zeros(1)
    assert leg_chain(zero, zero, zero, zero)[0] == pytest.approx([0.0, 0.0, HIP_HEIGHT_M])
    seated = leg_chain(np.array([90.0]), zero, zero, zero)[0]
    assert seated == pytest.approx([-0.45, 0.0, 0.43])  # hip behind the knee, at chair height


def test_foot_stays_on_the_floor_during_squats(clean_squats):
    """With the foot fixed, the hip is where the shank and thigh put it: it never rises
    above standing height and drops by the legs' geometry at the bottom."""
    hip = clean_squats.motion.hip_m
    assert np.max(hip[:, 2]) <= HIP_HEIGHT_M + 1e-4
    rep = clean_squats.truth.reps[0]
    i = np.searchsorted(clean_squats.fine.t_s, rep["bottom_s"] / clean_squats.clock_scale)
    depth = np.deg2rad(rep["depth_deg"])
    # The thigh alone lowers the hip by L_t(1 - cos); the shank's lean adds a little.
    assert HIP_HEIGHT_M - hip[i, 2] >= 0.45 * (1 - np.cos(depth)) - 0.01


def test_walking_moves_the_hip_at_walking_speed(sims):
    s = sims.get("walking", seed=2, noise=False, loss=False)
    walk = s.truth.walking[0]
    t0, t1 = walk["start_s"] / s.clock_scale, walk["end_s"] / s.clock_scale
    fine_t = s.fine.t_s
    mid = (fine_t > t0 + 0.3 * (t1 - t0)) & (fine_t < t0 + 0.4 * (t1 - t0))
    vel = np.gradient(s.motion.hip_m[mid, :2], FINE_DT_S, axis=0)
    speed = np.mean(np.linalg.norm(vel, axis=1))
    assert speed == pytest.approx(walk["speed_m_s"], rel=0.1)
    flex = s.motion.flex_deg[(fine_t > t0 + 2) & (fine_t < t1 - 2)]
    assert 24.0 < flex.max() < 31.0  # hip flexion at heel strike
    assert -16.0 < flex.min() < -9.0  # extension in late stance


def test_heel_strikes_show_in_the_acceleration(sims):
    s = sims.get("walking", seed=2, noise=False, loss=False)
    walk = s.truth.walking[0]
    inside = (s.fine.t_s > walk["start_s"] + 2) & (s.fine.t_s < walk["end_s"] - 2)
    peak = np.max(np.linalg.norm(s.fine.acc[inside], axis=1))
    assert peak > GRAVITY_M_S2 + 10.0  # a transient well above the gait's own ±4 m/s²


def test_the_signals_are_smooth_everywhere(every_kind):
    """No jumps at the joins between movements: the fine-grid specific force changes by
    less than 5 m/s² per millisecond (heel strikes reach about 2-4 m/s² per ms)."""
    for kind, s in every_kind.items():
        step = np.max(np.abs(np.diff(s.fine.acc, axis=0)))
        assert step < 5.0, kind


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_the_mounting_rotation_only_changes_the_frame(seed):
    """Two sensors at the same spot, turned differently, read the same magnitudes, and
    each reading is the other turned by the relative mounting."""
    rng = np.random.default_rng(seed)
    n = 400
    t = np.arange(n) * FINE_DT_S
    f, p, r = rng.uniform(0.5, 3.0, 3)
    motion = _motion(n, 40 * np.sin(f * t), 10 * np.sin(p * t), 20 * np.sin(r * t), 0.3 * t)
    where = np.array([*rng.uniform(-0.09, 0.09, 2), -rng.uniform(0.15, 0.3)])
    a, b = (Mounting(Rotation.random(random_state=rng), where, "front", "left") for _ in "ab")
    fa, fb = fine_signals(motion, a), fine_signals(motion, b)
    relative = b.rotation.inv() * a.rotation  # sensor a's frame in sensor b's frame
    np.testing.assert_allclose(relative.apply(fa.acc), fb.acc, atol=1e-9)
    np.testing.assert_allclose(relative.apply(fa.gyr), fb.gyr, atol=1e-9)
