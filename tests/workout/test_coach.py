"""The coach against simulated sessions: counting, sides, tempo cue, balance countdown, holds."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from tracker.engine.pipeline import Pipeline
from tracker.sim import simulate
from tracker.workout.coach import Coach
from tracker.workout.holds import HoldTracker
from tracker.workout.programs import load_program_text

MINI = """
name = "t"
[[step]]
name = "Mini-squats"
kind = "reps"
sets = {sets}
reps = {reps}
sides = "alternate"
sensor = "working"
rest_s = 10
descent_s = 3.0
depth_range_deg = [10, 35]
wobble_max_deg = 50
set_timeout_s = {timeout}
[[step]]
name = "One leg"
kind = "balance"
hold_s = {hold}
"""


def program(sets=2, reps=3, hold=60, timeout=30):
    text = MINI.format(sets=sets, reps=reps, hold=hold, timeout=timeout)
    return load_program_text(text, "t.toml")


@cache
def session(kind, seed, **options):
    return simulate(kind, seed=seed, **options)


@cache
def updates(kind, seed, chunk=50, **options):
    """The pipeline's updates of a simulated session, pushed ``chunk`` samples at a time."""
    s = session(kind, seed, **options)
    pipe = Pipeline()
    out = [pipe.push(b) for b in s.block.chunks(chunk)]
    return s, [*out, pipe.finish()], pipe


def coach_run(prog, kind, seed, commands=(), chunk=50, **options):
    """Feed a session to a coach; ``commands`` are (stream time, name) applied in order."""
    s, ups, pipe = updates(kind, seed, chunk, **options)
    coach = Coach(prog, painful_leg=s.mounting.leg)
    events, pending = [], list(commands)
    for u in ups:
        events += coach.update(u)
        while pending and u.latest_s is not None and u.latest_s >= pending[0][0]:
            events += coach.command(pending.pop(0)[1])
    return coach, events, pipe


SIDES = {"sets": 2, "reps": 3, "sides": "sensor"}  # both sets on the sensor's leg


def test_counts_every_rep_and_moves_through_sets_and_sides():
    coach, events, pipe = coach_run(program(), "rehab-mini-squats", 11, **SIDES)
    leg = session("rehab-mini-squats", 11, **SIDES).mounting.leg
    other = "left" if leg == "right" else "right"
    reps = [e for e in events if e.kind == "rep"]
    assert len(pipe.all_reps) == 6
    assert [e.verdict.rep.index for e in reps] == [r.index for r in pipe.all_reps]
    sets = [e.summary for e in events if e.kind == "set"]
    assert [(s.set_number, s.side, s.reps, s.ended) for s in sets[:2]] == [
        (1, leg, 3, "done"),
        (2, other, 3, "done"),
    ]
    # one sensor: told to move it before the other side's set
    moves = [e for e in events if e.kind == "move_sensor"]
    assert len(moves) == 1 and other in moves[0].text
    assert moves[0].t_s == pytest.approx(sets[0].end_s)
    # the set summary is the reps' own figures
    depths = [e.verdict.rep.depth_deg for e in reps[:3]]
    assert sets[0].mean_depth_deg == pytest.approx(np.mean(depths))
    durations = [e.verdict.rep.end_s - e.verdict.rep.start_s for e in reps[:3]]
    assert sets[0].slowest[1] == pytest.approx(max(durations))
    assert sets[0].fastest[1] == pytest.approx(min(durations))
    assert coach.state().step.kind == "balance"


def test_results_do_not_depend_on_chunking():
    a = coach_run(program(), "rehab-mini-squats", 11, chunk=13, **SIDES)[0]
    b = coach_run(program(), "rehab-mini-squats", 11, chunk=997, **SIDES)[0]
    assert [s.text for s in a.summaries] == [s.text for s in b.summaries]
    assert [v.rep for s in a.summaries for v in s.rows] == [
        v.rep for s in b.summaries for v in s.rows
    ]


def test_tempo_cue_when_the_descent_is_faster_than_prescribed():
    options = {"sets": 1, "reps": 3, "tempo": 1.5, "sides": "sensor"}
    _, events, _ = coach_run(program(1, 3), "rehab-mini-squats", 12, **options)
    reps = [e for e in events if e.kind == "rep"]
    assert len(reps) == 3
    for e in reps:
        assert e.verdict.rep.descent_s < 2.7
        assert e.verdict.tempo_fast and e.text.startswith("slower: 3 s down")
        assert e.level == "warn"
    slow = {"sets": 1, "reps": 3, "tempo": 4.5, "sides": "sensor"}
    _, events, _ = coach_run(program(1, 3), "rehab-mini-squats", 12, **slow)
    assert not any(e.verdict.tempo_fast for e in events if e.kind == "rep")


def test_extra_rep_stays_with_its_set_and_a_short_set_ends_early():
    options = {"sets": 1, "reps": 3, "sides": "sensor"}
    coach, events, _ = coach_run(program(2, 2), "rehab-mini-squats", 13, **options)
    first = coach.summaries[0]
    assert (first.reps, first.extra_reps, first.ended) == (2, 1, "done")
    assert [e.verdict.extra for e in events if e.kind == "rep"] == [False, False, True]
    coach, events, _ = coach_run(program(1, 10), "rehab-mini-squats", 13, **options)
    events += coach.finish()
    only = coach.summaries[0]
    assert (only.reps, only.ended) == (3, "early")
    # no rep for set_timeout_s ends a started set; the next reps start the next set
    two = {"sets": 2, "reps": 3, "sides": "sensor"}
    coach, events, pipe = coach_run(program(2, 10, timeout=15), "rehab-mini-squats", 13, **two)
    coach.finish()
    first, second = coach.summaries[:2]
    assert (first.reps, first.ended, second.reps) == (3, "early", 3)
    assert first.end_s == pytest.approx(pipe.all_reps[2].reported_s + 15.0)


def test_paused_reps_are_not_counted_and_next_skips():
    options = {"sets": 1, "reps": 3, "sides": "sensor"}
    _s, _, pipe = updates("rehab-mini-squats", 13, **options)
    first_end = pipe.all_reps[0].reported_s
    commands = [(first_end + 0.5, "pause")]
    coach, events, _ = coach_run(program(2, 3), "rehab-mini-squats", 13, commands, **options)
    assert sum(e.kind == "rep" for e in events) == 1
    assert sum("that rep was not counted" in e.text for e in events) == 2
    coach, events, _ = coach_run(
        program(2, 3), "rehab-mini-squats", 13, [(first_end + 0.5, "next")], **options
    )
    assert coach.summaries[0].ended == "early" and coach.summaries[0].reps == 1


def test_balance_countdown_and_the_moment_balance_was_lost():
    s, ups, pipe = updates("balance", 3)
    bout = pipe.all_bouts[0]
    coach = Coach(program(hold=60), painful_leg=s.mounting.leg)
    coach.step_index = 1  # straight to the balance step
    lefts, events = [], []
    for u in ups:
        events += coach.update(u)
        state = coach.state()
        if state.balance_left_s is not None:
            lefts.append(state.balance_left_s)
    assert lefts and lefts[0] == pytest.approx(60.0, abs=2.0)
    assert all(np.diff(lefts) <= 1e-9)  # a countdown
    lost = [e for e in events if e.kind == "balance_lost"]
    assert len(lost) == 1
    summary = coach.summaries[0]
    assert summary.hold_s == pytest.approx(bout.duration_s)
    assert summary.lost_at_s == pytest.approx(bout.end_s)
    assert summary.sway_rms_deg == pytest.approx(bout.sway_rms_deg)
    # a target the stance reaches: praised, not lost
    coach = Coach(program(hold=20), painful_leg=s.mounting.leg)
    coach.step_index = 1
    events = [e for u in ups for e in coach.update(u)]
    assert [e.kind for e in events].count("balance_target") == 1
    assert not any(e.kind == "balance_lost" for e in events)


HOLD = """
name = "h"
[[step]]
name = "Hold"
kind = "hold"
reps = {reps}
hold_s = {hold}
position = "{position}"
break_s = {brk}
{extra}
"""


def hold_step(reps=1, hold=120, position="lying", brk=3, extra=""):
    text = HOLD.format(reps=reps, hold=hold, position=position, brk=brk, extra=extra)
    return load_program_text(text, "h.toml").steps[0]


def _push_all(tracker, t, incl, chunk):
    return [
        e
        for a in range(0, len(t), chunk)
        for e in tracker.push(t[a : a + chunk], incl[a : a + chunk])
    ]


def test_stretch_timer_runs_while_lying_still_and_is_chunk_invariant():
    rng = np.random.default_rng(0)
    t = np.arange(0, 160, 0.01)
    incl = np.where(t < 10, 0.0, 135.0) + 0.2 * rng.standard_normal(len(t))
    incl[(t > 60) & (t < 62)] += 25 * np.sin(
        np.pi * (t[(t > 60) & (t < 62)] - 60) / 2
    )  # an adjustment
    step = hold_step(hold=120, brk=3)
    events = [_push_all(HoldTracker(step), t, incl, chunk) for chunk in (1, 7, 500)]
    assert events[0] == events[1] == events[2]
    reached = [e for e in events[0] if e.kind == "reached"]
    assert len(reached) == 1
    # lying still from ~10 s; the 2 s adjustment pauses the timer without ending the hold
    assert 130.0 < reached[0].t_s < 134.0


def test_bridges_counted_from_the_lift():
    t = np.arange(0, 60, 0.01)
    incl = np.full(len(t), 135.0)
    for start in (10, 25, 40):
        up = (t >= start) & (t < start + 4)
        incl[up] = 110.0
    incl = np.convolve(incl, np.ones(50) / 50, mode="same")  # 0.5 s to lift and lower
    incl[:50] = 135.0
    step = hold_step(reps=3, hold=2, position="lift", brk=0.5, extra="hold_max_s = 3")
    events = HoldTracker(step).push(t, incl)
    reached = [e.t_s for e in events if e.kind == "reached"]
    assert len(reached) == 3
    assert np.allclose(np.array(reached) - [10, 25, 40], 2.3, atol=0.5)
    assert sum(e.kind == "long" for e in events) == 3


def test_standing_holds_of_the_simulator_are_timed():
    s = session("holds", 5)
    truth = s.truth.data["holds"]
    step = hold_step(reps=3, hold=5, position="band", brk=1, extra="position_deg = [35, 55]")
    _, ups, _ = updates("holds", 5)
    tracker = HoldTracker(step)
    ended = [e for u in ups for e in tracker.push(u.t_s, u.inclination_deg) if e.kind == "ended"]
    assert len(ended) == len(truth) == 3
    for got, want in zip(ended, truth, strict=True):
        assert got.held_s == pytest.approx(want["duration_s"], abs=1.0)
