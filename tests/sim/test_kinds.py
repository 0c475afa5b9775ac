"""Each kind of session produces what it says; the random session and the suite vary and cover."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.core.errors import InputError
from tracker.sim import EVERYDAY_KINDS, KINDS, random_session, session_suite, simulate

REQUIRED = {
    "squat-workout",
    "rehab-mini-squats",
    "hesitant-reps",
    "fast-reps",
    "walking",
    "weight-shifts",
    "sit-to-stand",
    "balance",
    "holds",
    "demo-workout",
}


def test_every_required_kind_exists():
    assert set(KINDS) >= REQUIRED


def test_unknown_kind_and_option_are_refused():
    with pytest.raises(InputError, match="kinds: squat-workout"):
        simulate("jumping-jacks")
    with pytest.raises(InputError, match="unknown option"):
        simulate("walking", colour="red")
    with pytest.raises(InputError, match="reps must be between"):
        simulate("fast-reps", reps=0)
    with pytest.raises(InputError, match="depth must be between"):
        simulate("squat-workout", depth=(30.0, 400.0))


def test_squat_workout_has_sets_with_walking_between(every_kind):
    t = every_kind["squat-workout"].truth
    assert len(t.sets) == 2 and all(8 <= st["reps"] <= 12 for st in t.sets)
    assert all(15.0 <= r["depth_deg"] <= 100.0 and r["kind"] == "smooth" for r in t.reps)
    walk = t.walking[0]
    assert t.sets[0]["end_s"] < walk["start_s"] < walk["end_s"] < t.sets[1]["start_s"]
    assert walk["strides"] >= 3


def test_rehab_is_five_sets_of_ten_alternating_sides(sims):
    s = sims.get("rehab-mini-squats", seed=1)
    t = s.truth
    assert s.duration_s > 400.0
    sets = sorted(t.sets + t.other_leg_sets, key=lambda st: st["start_s"])
    assert [st["reps"] for st in sets] == [10] * 5
    assert [st["side"] for st in sets] == [s.mounting.leg, _other(s.mounting.leg)] * 2 + [
        s.mounting.leg
    ]
    assert len(t.reps) == 30 and len(t.other_leg_sets) == 2
    for rep in t.reps:
        assert rep["kind"] == "slow-single-leg" and rep["side"] == s.mounting.leg
        assert 10.0 <= rep["depth_deg"] <= 36.0
        assert 2.6 <= rep["descent_s"] <= 6.6 and 2.6 <= rep["ascent_s"] <= 6.6
    # On the other leg the instrumented thigh is the free leg: it never reaches a rep's depth.
    for st in t.other_leg_sets:
        incl = s.true_inclination(np.linspace(st["start_s"], st["end_s"], 2000))
        assert np.max(incl) < 10.0


def test_rehab_on_the_sensor_leg_only(sims):
    t = sims.get("rehab-mini-squats", seed=2, sets=2, reps=3, sides="sensor").truth
    assert [st["reps"] for st in t.sets] == [3, 3] and not t.other_leg_sets


def _other(leg):
    return "left" if leg == "right" else "right"


def test_hesitant_reps_stop_and_start_again(every_kind):
    s = every_kind["hesitant-reps"]
    assert s.truth.reps and all(r["kind"] == "hesitant" for r in s.truth.reps)
    rate = np.gradient(s.motion.flex_deg, s.fine.t_s)
    for rep in s.truth.reps:
        t0, tb = s.true_time([rep["start_s"], rep["bottom_s"]])
        descent = rate[(s.fine.t_s > t0 + 0.2) & (s.fine.t_s < tb - 0.2)]
        # The thigh almost stops on the way down, then moves on.
        assert np.min(descent) < 0.15 * np.max(descent)


def test_fast_reps_take_about_a_second(every_kind):
    reps = every_kind["fast-reps"].truth.reps
    assert len(reps) >= 20
    assert all(0.7 <= r["end_s"] - r["start_s"] <= 1.4 for r in reps)


def test_walking_has_no_reps(every_kind):
    t = every_kind["walking"].truth
    assert not t.reps and len(t.walking) == 1 and t.walking[0]["strides"] >= 10


def test_weight_shifts_are_small(every_kind):
    t = every_kind["weight-shifts"].truth
    assert not t.reps and len(t.weight_shifts) >= 6
    assert all(1.5 <= w["amplitude_deg"] <= 7.5 for w in t.weight_shifts)


def test_sit_to_stand_starts_seated(every_kind):
    s = every_kind["sit-to-stand"]
    assert 84.0 < s.true_inclination(0.0) < 96.0
    assert 7.0 < s.truth.sit_to_stand["duration_s"] < 20.0
    assert s.truth.to_json()["exercise"] == "sit_to_stand"


def test_balance_is_one_settled_stance(every_kind):
    (bout,) = every_kind["balance"].truth.balance
    assert 20.0 <= bout["duration_s"] <= 60.0
    assert 0.28 <= bout["sway_rms_deg"] <= 2.6


def test_holds(every_kind):
    holds = every_kind["holds"].truth.holds
    assert len(holds) == 3 and all(10.0 <= h["duration_s"] <= 30.0 for h in holds)


def test_demo_is_a_ten_minute_mix(sims):
    s = sims.get("demo-workout", seed=0)
    t = s.truth
    assert 540.0 <= s.duration_s <= 720.0
    kinds = [st["kind"] for st in t.sets]
    assert kinds.count("slow-single-leg") == 3 and kinds.count("smooth") == 2
    assert len(t.balance) == 1 and t.balance[0]["duration_s"] == pytest.approx(60.0, abs=0.01)
    deep = [r["depth_deg"] for r in t.reps if r["kind"] == "smooth"]
    assert 83.0 <= np.mean(deep) <= 97.0


@pytest.mark.parametrize(
    ("kind", "duration_s"),
    [("squat-workout", 90.0), ("walking", 40.0), ("balance", 45.0), ("demo-workout", 300.0)],
)
def test_duration_option(sims, kind, duration_s):
    s = sims.get(kind, seed=3, duration=duration_s)
    assert s.duration_s == pytest.approx(duration_s, abs=3.0)


def test_options_fix_depth_tempo_reps_and_sets(sims):
    t = sims.get("squat-workout", seed=4, sets=1, reps=3, depth=50.0, tempo=1.5).truth
    assert [st["reps"] for st in t.sets] == [3]
    for rep in t.reps:
        assert rep["depth_deg"] == pytest.approx(50.0, abs=3.0)  # + valgus drift and sway
        assert rep["descent_s"] == pytest.approx(1.5, abs=0.6)  # + part of the bottom pause


def test_random_sessions_vary(sims):
    sessions = [random_session(seed) for seed in range(6)]
    mixes = {
        tuple(bool(s.truth.to_json()[k]) for k in ("reps", "walking", "balance", "sit_to_stand"))
        for s in sessions
    }
    assert len(mixes) >= 3
    assert len({s.mounting.site for s in sessions}) >= 2
    assert len({s.sensor.rate_hz for s in sessions}) >= 3


def test_suite_covers_every_kind_and_is_deterministic():
    suite = session_suite(n=len(EVERYDAY_KINDS) + 1, seed=0)
    assert [s.kind for s in suite] == [*EVERYDAY_KINDS, "mixed"]
    again = session_suite(n=2, seed=0)
    assert [s.block.acc.tobytes() for s in again] == [s.block.acc.tobytes() for s in suite[:2]]
