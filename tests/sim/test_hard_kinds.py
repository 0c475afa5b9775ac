"""The hard kinds have the physical properties they claim, and truth that agrees with them."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import signal
from scipy.integrate import trapezoid

from tracker.sim import HARD_KINDS, KINDS
from tracker.sim.kinematics import FINE_DT_S

STILL_DEG_S = 5.0  # slower than this, the thigh is as good as stopped


def _rate(s) -> np.ndarray:
    """The thigh's true angular speed (deg/s) on the fine grid: sagittal and frontal."""
    angles = np.column_stack([s.motion.flex_deg, s.motion.frontal_deg])
    return np.linalg.norm(np.gradient(angles, FINE_DT_S, axis=0), axis=1)


def _slow_time_around(s, t_rec: float, half_s: float = 0.5) -> float:
    """Seconds the thigh spends slower than ``STILL_DEG_S`` within ``half_s`` of a time."""
    t = s.fine.t_s
    near = np.abs(t - s.true_time(t_rec)) < half_s
    return float(np.sum(_rate(s)[near] < STILL_DEG_S) * FINE_DT_S)


def test_hard_kinds_are_registered():
    assert set(HARD_KINDS) == {
        "continuous-squats",
        "squats-and-walks",
        "loose-walk",
        "high-chair-sit-to-stand",
        "high-chair-stand-30s",
        "swaying-stance",
        "shaky-stance",
    }
    assert all(KINDS[k].hard and KINDS[k].sensor == "cheap" for k in HARD_KINDS)


@pytest.fixture(scope="module")
def squats(sims):
    return [sims.get("continuous-squats", seed=50 + i, rate_hz=None) for i in range(3)]


def test_the_first_rep_starts_within_0_3_s_and_the_start_is_not_still(squats):
    for s in squats:
        assert s.truth.reps[0]["start_s"] <= 0.31
        lead = s.fine.t_s < s.true_time(s.truth.reps[0]["start_s"])
        assert not lead.any() or np.max(_rate(s)[lead]) > 0.3  # swaying, not frozen


def test_a_longer_lead_in_sways_instead_of_standing_still(sims):
    s = sims.get("continuous-squats", seed=53, lead_in_s=2.0)
    assert s.truth.reps[0]["start_s"] == pytest.approx(2.0, abs=0.01)
    lead = s.fine.t_s < 1.9
    # Postural sway of 0.3-0.9° RMS: never a still second (real sway: 0.01-0.03 rad/s).
    assert 0.3 < np.sqrt(np.mean(_rate(s)[lead] ** 2)) < 3.0
    gyro = np.linalg.norm(s.ideal_gyr[s.true_t_s < 1.9], axis=1)
    assert 0.005 < np.median(gyro) < 0.06


def test_reps_follow_each_other_without_a_pause(squats):
    for s in squats:
        reps = s.truth.reps
        assert 8 <= len(reps) <= 12 and [st["reps"] for st in s.truth.sets] == [len(reps)]
        for a, b in itertools.pairwise(reps):
            assert a["end_s"] == b["start_s"]
            assert 1.85 <= a["end_s"] - a["start_s"] <= 3.75
            # A reversal, not a dwell: slower than 5°/s for at most a tenth of a second.
            assert _slow_time_around(s, a["end_s"]) < 0.1


def test_rep_truth_agrees_with_the_motion(squats):
    for s in squats:
        for rep in s.truth.reps:
            assert rep["start_s"] < rep["bottom_s"] < rep["end_s"]
            t = np.linspace(rep["start_s"], rep["end_s"], 400)
            incl = s.true_inclination(t)
            assert rep["depth_deg"] == pytest.approx(incl.max(), abs=0.5)
            assert 45.0 <= rep["depth_deg"] <= 120.0
            assert rep["start_inclination_deg"] == pytest.approx(incl[0], abs=0.5)


@pytest.mark.parametrize(
    ("tops", "low", "high", "sign"),
    [("level", 0.0, 2.0, 0), ("short", 2.0, 19.0, 1), ("extended", 5.0, 12.0, -1),
     ("wander", 0.0, 19.0, 0)],
)  # fmt: skip
def test_tops_wander_as_asked(sims, tops, low, high, sign):
    """The tops between reps, against the posture held before the set (sway aside)."""
    s = sims.get("continuous-squats", seed=54, tops=tops)
    sway = 3.0 * s.truth.to_json()["postural_sway_rms_deg"]
    inner = s.truth.reps[:-1]  # the last rep ends back at the posture
    assert all(r["tops"] == tops for r in s.truth.reps)
    for rep in inner:
        assert low - sway <= rep["end_inclination_deg"] <= high + sway
        if sign:
            i = round(float(s.true_time(rep["end_s"])) / FINE_DT_S)
            assert np.sign(s.motion.flex_deg[i]) == sign  # ahead of or behind vertical
    spread = np.ptp([r["end_inclination_deg"] for r in inner])
    assert spread > 1.0  # they wander, not one fixed offset


def test_squats_and_walks(sims):
    s = sims.get("squats-and-walks", seed=55, sets=3)
    t = s.truth
    assert len(t.sets) == 3 and len(t.walking) == 2
    for walk, before, after in zip(t.walking, t.sets, t.sets[1:], strict=False):
        assert before["end_s"] < walk["start_s"] < walk["end_s"] < after["start_s"]
        assert 9.0 <= walk["end_s"] - walk["start_s"] <= 33.0
        assert not [r for r in t.reps if walk["start_s"] <= r["start_s"] <= walk["end_s"]]


@pytest.mark.slow
def test_a_loose_walk_is_long_and_has_no_reps(sims):
    s = sims.get("loose-walk", seed=56)
    t = s.truth
    (walk,) = t.walking
    assert not t.reps and not t.balance
    assert walk["start_s"] <= 0.31 and 30.0 <= walk["end_s"] - walk["start_s"] <= 125.0
    assert t.to_json()["strap"]["strap"] == "loose"
    # Strides vary: the heel strikes are not a metronome.
    gyr = s.block.gyr
    main = (gyr - gyr.mean(axis=0)) @ np.linalg.svd(gyr - gyr.mean(axis=0))[2][0]
    peaks, _ = signal.find_peaks(np.abs(main), distance=int(0.6 * s.sensor.rate_hz))
    assert np.std(np.diff(s.block.t_s[peaks])) > 0.005


@pytest.fixture(scope="module")
def chairs(sims):
    return [sims.get("high-chair-sit-to-stand", seed=57 + i) for i in range(3)]


def test_chair_rises_turn_60_to_90_degrees(chairs):
    for s in chairs:
        sts = s.truth.sit_to_stand
        assert sts["stands"] == 5 and s.truth.to_json()["exercise"] == "sit_to_stand"
        for rise in sts["rises"]:
            assert 55.0 <= rise["travel_deg"] <= 92.0
            assert rise["top_deg"] <= 4.0
            seated = s.true_inclination(rise["start_s"])
            assert rise["seated_deg"] == pytest.approx(seated, abs=0.01)


def test_chair_rises_go_straight_back_down(chairs):
    for s in chairs:
        for rise in s.truth.sit_to_stand["rises"]:
            assert _slow_time_around(s, rise["end_s"]) < 0.1


def test_the_travel_option(sims):
    s = sims.get("high-chair-sit-to-stand", seed=60, travel_deg=65.0)
    for rise in s.truth.sit_to_stand["rises"]:
        assert 60.0 <= rise["travel_deg"] <= 67.0


def test_thirty_second_chair_stand(sims):
    s = sims.get("high-chair-stand-30s", seed=61)
    chair = s.truth.chair_stand
    assert chair["window_s"] == pytest.approx(30.0, abs=0.01)
    assert chair["count"] == sum(h <= chair["cue_s"] + chair["window_s"] for h in chair["half_s"])
    assert 8 <= chair["count"] <= 18
    assert chair["cue_s"] <= 0.31


def _stance_angles(s):
    """The true thigh's (sagittal, frontal) angles over the settled stance, and their rate."""
    bout = s.truth.balance[0]
    t = s.fine.t_s
    inside = (t >= s.true_time(bout["start_s"])) & (t <= s.true_time(bout["end_s"]))
    return np.column_stack([s.motion.flex_deg, s.motion.frontal_deg])[inside], 1 / FINE_DT_S


def test_large_sway(sims):
    for seed in (62, 63):
        s = sims.get("swaying-stance", seed=seed)
        (bout,) = s.truth.balance
        # 1.5-3° of stance sway and 0.3-0.9° of postural sway on top.
        assert 1.45 <= bout["sway_rms_deg"] <= 3.2
        assert bout["sway_rms_target_deg"] >= 1.5
        assert 10.0 <= bout["duration_s"] <= 40.0


def test_a_shake_at_its_frequency_and_size(sims):
    s = sims.get("shaky-stance", seed=64, shake_hz=5.5, shake_rms_deg=1.0)
    (bout,) = s.truth.balance
    assert bout["shake_hz"] == 5.5 and bout["shake_rms_deg"] == 1.0
    angles, fs = _stance_angles(s)
    angles = angles - angles.mean(axis=0)
    f, p = signal.welch(angles, fs=fs, nperseg=round(4 * fs), axis=0)
    p = p.sum(axis=1)
    above_sway = f > 2.5
    assert f[above_sway][np.argmax(p[above_sway])] == pytest.approx(5.5, abs=0.6)
    band = (f > 4.3) & (f < 6.7)
    shake_rms = np.sqrt(trapezoid(p[band], f[band]))
    assert shake_rms == pytest.approx(1.0, rel=0.25)


def test_shake_frequencies_span_3_to_8_hz(sims):
    hz = [sims.get("shaky-stance", seed=65 + i).truth.balance[0]["shake_hz"] for i in range(4)]
    assert all(3.0 <= h <= 8.0 for h in hz) and np.ptp(hz) > 1.0


def test_shake_rms_by_default(sims):
    s = sims.get("shaky-stance", seed=66)
    assert 0.7 <= s.truth.balance[0]["shake_rms_deg"] <= 1.3
