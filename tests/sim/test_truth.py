"""The truth agrees with the true motion and is defined as the metrics are."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import signal

from tracker.core.frames import angle_deg, unit
from tracker.sim import simulate

REP_KEYS = {"start_s", "bottom_s", "end_s", "depth_deg", "descent_s", "ascent_s"}
BOUT_KEYS = {"start_s", "end_s", "duration_s", "sway_rms_deg", "sway_path_deg"}
BOUT_KEYS |= {"sway_velocity_deg_s", "ellipse95_deg2", "mean_freq_hz", "jerk_deg_s3"}


def test_truth_is_json_with_the_contract_fields(every_kind):
    for kind, s in every_kind.items():
        data = json.loads(json.dumps(s.truth.to_json()))
        assert data["simulated"] is True and data["kind"] == kind
        assert data["samples"] == len(s.block)
        for rep in data["reps"]:
            assert set(rep) >= REP_KEYS and rep["kind"] and rep["side"] in ("left", "right")
        for bout in data["balance"]:
            assert set(bout) >= BOUT_KEYS
        assert {"quaternion_xyzw", "position_m"} <= set(data["mounting"])
        assert data["sensor"]["rate_hz"] == s.sensor.rate_hz


def test_inclination_at_the_bottom_is_the_depth(every_kind):
    for kind, s in every_kind.items():
        for rep in s.truth.reps:
            got = s.true_inclination(rep["bottom_s"])
            assert got == pytest.approx(rep["depth_deg"], abs=1e-3), kind
            inside = np.linspace(rep["start_s"], rep["end_s"], 400)
            assert np.max(s.true_inclination(inside)) <= rep["depth_deg"] + 1e-3, kind


def test_rep_times_are_consistent(every_kind):
    for kind, s in every_kind.items():
        for rep in s.truth.reps:
            assert rep["start_s"] < rep["bottom_s"] < rep["end_s"], kind
            assert rep["descent_s"] + rep["ascent_s"] == pytest.approx(
                rep["end_s"] - rep["start_s"], abs=2e-6
            )
            assert rep["depth_deg"] >= 10.0, kind  # every truth rep clears the default minimum


def test_reps_lie_inside_their_sets(every_kind):
    for kind, s in every_kind.items():
        for k, st in enumerate(s.truth.sets):
            members = [r for r in s.truth.reps if r["set"] == k]
            assert len(members) == st["reps"] > 0, kind
            assert st["start_s"] == members[0]["start_s"]
            assert st["end_s"] == members[-1]["end_s"]
        assert sum(st["reps"] for st in s.truth.sets) == len(s.truth.reps)


def test_reps_start_and_end_near_standing(every_kind):
    for kind, s in every_kind.items():
        for rep in s.truth.reps:
            ends = s.true_inclination([rep["start_s"], rep["end_s"]])
            assert np.all(ends < 8.0), kind  # single-leg stance leans the thigh a few degrees


def test_nothing_outside_the_reps_looks_like_a_rep(every_kind):
    """Between reps the thigh stays below the default 10° minimum depth, except while
    walking (a stride is not a rep) and in sit-to-stand tests."""
    for kind, s in every_kind.items():
        t = s.block.t_s
        busy = np.zeros(len(t), dtype=bool)
        intervals = s.truth.reps + s.truth.walking
        if s.truth.sit_to_stand:
            intervals = [*intervals, {"start_s": 0.0, "end_s": s.duration_s}]
        for item in intervals:
            busy |= (t >= item["start_s"] - 0.05) & (t <= item["end_s"] + 0.05)
        if np.any(~busy):
            assert np.max(s.true_inclination(t[~busy])) < 10.0, kind


def test_injected_shake_is_in_the_frontal_angle(sims):
    s = sims.get("rehab-mini-squats", seed=3, sets=1, reps=4, shake_rms_deg=2.0, loss=False)
    sos = signal.butter(4, [1.2, 6.0], btype="bandpass", fs=1000.0, output="sos")
    frontal = signal.sosfiltfilt(sos, s.motion.frontal_deg)
    for rep in s.truth.reps:
        assert rep["shake_rms_deg"] == 2.0
        t0, t1 = s.true_time([rep["start_s"], rep["end_s"]])
        inside = (s.fine.t_s > t0) & (s.fine.t_s < t1)
        assert np.sqrt(np.mean(frontal[inside] ** 2)) == pytest.approx(2.0, rel=0.15)


def test_controlled_reps_have_no_shake(sims):
    s = sims.get("rehab-mini-squats", seed=3, sets=1, reps=4, shake_rms_deg=0.0, loss=False)
    sos = signal.butter(4, [1.2, 6.0], btype="bandpass", fs=1000.0, output="sos")
    frontal = signal.sosfiltfilt(sos, s.motion.frontal_deg)
    assert all(rep["shake_rms_deg"] == 0.0 for rep in s.truth.reps)
    assert np.sqrt(np.mean(frontal**2)) < 0.05


def test_balance_sway_is_the_rms_angle_to_the_mean_axis(sims):
    s = sims.get("balance", seed=4, sway_rms_deg=1.2)
    (bout,) = s.truth.balance
    t0, t1 = s.true_time([bout["start_s"], bout["end_s"]])
    inside = (s.fine.t_s >= t0) & (s.fine.t_s < t1)
    axis = s.fine.thigh_rotation(inside).apply([0.0, 0.0, 1.0])
    mean = unit(axis.mean(axis=0))
    rms = np.sqrt(np.mean(angle_deg(axis, np.broadcast_to(mean, axis.shape)) ** 2))
    assert bout["sway_rms_deg"] == pytest.approx(rms, rel=0.01)
    # The injected sway dominates the session's own tiny postural sway.
    assert bout["sway_rms_deg"] == pytest.approx(1.2, rel=0.05)
    assert bout["shift_on"][1] <= bout["start_s"] and bout["end_s"] <= bout["shift_off"][0]
    assert bout["sway_path_deg"] > 0 and bout["ellipse95_deg2"] > 0


def test_holds_are_held_at_the_target(sims):
    s = sims.get("holds", seed=2, depth=45.0, hold_s=12.0)
    assert len(s.truth.holds) == 3
    for hold in s.truth.holds:
        assert hold["duration_s"] == pytest.approx(12.0, abs=0.01)
        incl = s.true_inclination(np.linspace(hold["start_s"], hold["end_s"], 200))
        assert np.all(np.abs(incl - 45.0) < 2.0)
    kinds = {rep["kind"] for rep in s.truth.reps}
    assert kinds == {"hold"}  # a hold inclines from standing and comes back: a rep


def test_sit_to_stand_rises_go_from_seated_to_standing(every_kind):
    s = every_kind["sit-to-stand"]
    sts = s.truth.sit_to_stand
    assert sts["stands"] == 5 == len(sts["rises"])
    for rise in sts["rises"]:
        start, end = s.true_inclination([rise["start_s"], rise["end_s"]])
        assert 84.0 < start < 96.0 and end < 3.0
    assert sts["duration_s"] == pytest.approx(
        sts["rises"][-1]["end_s"] - sts["rises"][0]["start_s"]
    )


def test_truth_times_follow_the_recording_clock():
    slow = simulate("holds", seed=9, sensor=_drifting(-50.0))
    fast = simulate("holds", seed=9, sensor=_drifting(50.0))
    a, b = slow.truth.holds[0]["end_s"], fast.truth.holds[0]["end_s"]
    assert b / a == pytest.approx((1 + 50e-6) / (1 - 50e-6), rel=1e-7)


def _drifting(ppm):
    from tracker.sim import SensorModel

    return SensorModel(rate_hz=100.0, drift_ppm=ppm)
