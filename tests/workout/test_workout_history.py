"""Home progress: rows per exercise and side, trends in plain words, the two sides compared."""

from __future__ import annotations

import pytest

from tracker.workout.progress import (
    days_text,
    exercise_rows,
    row_text,
    session_headline,
    side_comparisons,
    trends,
)


def _rep(start: float, wobble: float, depth: float = 20.0, descent: float = 3.5) -> dict:
    return {
        "start_s": start,
        "end_s": start + 7.0,
        "depth_deg": depth,
        "descent_s": descent,
        "ascent_s": 3.0,
        "sparc": -4.0,
        "wobble_deg": wobble,
    }


def session(
    sid: int, day: str, wobble_left: float, wobble_right: float, *, reps_left=3, hold_s=45.0
):
    """Mini-squats on the left (painful) and the right leg, then a balance minute."""
    left = [_rep(10.0 + 10 * k, wobble_left) for k in range(reps_left)]
    right = [_rep(100.0 + 10 * k, wobble_right) for k in range(3)]
    coach = {
        "program": "p",
        "title": "Hip rehab (test)",
        "painful_leg": "left",
        "sets_done": 3,
        "sets_planned": 3,
        "steps": [
            {
                "name": "Mini-squats",
                "kind": "reps",
                "planned": [{"side": "painful", "target": 3}, {"side": "good", "target": 3}],
                "sets": [
                    {"set": 1, "side": "left", "ended": "done", "reps": reps_left,
                     "extra_reps": 0, "target": 3, "start_s": 10.0, "end_s": 80.0},
                    {"set": 2, "side": "right", "ended": "done", "reps": 3, "extra_reps": 0,
                     "target": 3, "start_s": 100.0, "end_s": 130.0},
                ],
            },
            {
                "name": "One leg",
                "kind": "balance",
                "hold_s": 60.0,
                "planned": [{"side": "painful", "target": 1}],
                "sets": [
                    {"set": 1, "side": "left", "ended": "done", "reps": 1, "extra_reps": 0,
                     "target": 1, "start_s": 150.0, "end_s": 215.0, "hold_s": hold_s,
                     "sway_rms_deg": 0.8},
                ],
            },
        ],
    }  # fmt: skip
    return {
        "id": sid,
        "started_utc": f"{day}T09:00:00Z",
        "program": "p",
        "recording_path": None,
        "simulated": False,
        "summary": {"reps": left + right, "coach": coach},
    }


def test_rows_count_what_was_done_against_what_was_prescribed():
    rows = exercise_rows(session(1, "2026-11-12", 1.0, 0.5, reps_left=2))
    by = {(r["exercise"], r["side"]): r for r in rows}
    left, right = by[("Mini-squats", "left")], by[("Mini-squats", "right")]
    assert (left["side_role"], right["side_role"]) == ("painful", "good")
    assert (left["reps_done"], left["reps_prescribed"], left["completion_pct"]) == (2, 3, 66.7)
    assert left["wobble_deg"] == 1.0 and right["wobble_deg"] == 0.5
    assert left["depth_deg"] == 20.0 and left["descent_s"] == 3.5 and left["hold_s"] is None
    balance = by[("One leg", "left")]
    assert balance["hold_s"] == 45.0 and balance["hold_target_s"] == 60.0
    assert balance["sway_rms_deg"] == 0.8 and balance["wobble_deg"] is None
    assert row_text(left).startswith("Mini-squats · left leg (painful): 2/3 reps · depth 20°")
    assert row_text(balance) == "One leg · left leg (painful): held 45 s of 60 s · sway 0.80°"


def test_a_stance_is_done_for_its_time_not_counted():
    # 45 s of the 60 s prescribed: 75 % done, not "1 of 1 stances", 100 %
    balance = next(r for r in exercise_rows(session(1, "2026-11-12", 1, 1)) if r["hold_s"])
    assert balance["completion_pct"] == 75.0
    long = next(
        r for r in exercise_rows(session(1, "2026-11-12", 1, 1, hold_s=70.0)) if r["hold_s"]
    )
    assert long["completion_pct"] == 100.0  # a stance counts up to its target
    s = session(1, "2026-11-12", 1, 1)
    one_leg = s["summary"]["coach"]["steps"][1]
    one_leg["sets"][0] |= {"ended": "early", "reps": 0, "hold_s": None, "sway_rms_deg": None}
    balance = next(r for r in exercise_rows(s) if r["kind"] == "balance")
    assert balance["completion_pct"] == 0.0
    assert row_text(balance) == "One leg · left leg (painful): no stance measured (target 60 s)"
    one_leg["sets"][0]["ended"] = "skipped"
    balance = next(r for r in exercise_rows(s) if r["kind"] == "balance")
    assert row_text(balance) == "One leg · left leg (painful): not done (target 60 s)"


def test_a_change_of_a_share_in_percent_is_told_from_one_share_to_the_other():
    # 2/3 reps and 40 s of 60, then all: 67 % -> 100 %, 33 points, never "up 50 %"
    sessions = [
        session(1, "2026-11-12", 1.0, 0.5, reps_left=2, hold_s=40.0),
        session(2, "2026-11-13", 1.0, 0.5, hold_s=60.0),
    ]
    found = {(t.side, t.measure, t.exercise): t for t in trends(sessions)}
    reps = found[("left", "completion_pct", "Mini-squats")]
    held = found[("left", "completion_pct", "One leg")]
    assert reps.text == (
        "Mini-squats, left leg (painful): reps done of those prescribed up from 67 % on "
        "12 Nov to 100 % on 13 Nov: more done"
    )
    assert held.change.startswith("time held of that prescribed up from 67 % on 12 Nov to 100 %")
    assert "up 50 %" not in reps.text + held.text
    # the time on one leg in seconds is no share: it changes by 50 %
    assert (
        "time on one leg up 50 % since 12 Nov (40 s → 60 s)"
        in found[("left", "hold_s", "One leg")].text
    )
    # under 10 points is about the same
    same = [
        session(1, "2026-11-12", 1, 1, hold_s=55.0),
        session(2, "2026-11-13", 1, 1, hold_s=60.0),
    ]
    (held,) = [t for t in trends(same) if t.exercise == "One leg" and t.measure == "completion_pct"]
    assert held.direction == "same"


def test_a_session_is_named_by_its_programs_title():
    assert session_headline(session(2, "2026-11-20", 1, 1)).startswith(
        "Session 2 · 20 Nov 09:00 · Hip rehab (test): 6/6 reps"
    )
    untitled = session(2, "2026-11-20", 1, 1)
    del untitled["summary"]["coach"]["title"]
    assert " · p: 6/6 reps" in session_headline(untitled)  # stored before titles: the name


def test_a_planned_side_never_done_still_shows_as_prescribed():
    s = session(1, "2026-11-12", 1.0, 0.5)
    s["summary"]["coach"]["steps"][0]["sets"].pop()  # the good side's set was not done
    right = next(r for r in exercise_rows(s) if r["side"] == "right")
    assert (right["reps_done"], right["reps_prescribed"], right["sets_done"]) == (0, 3, 0)


def test_sessions_stored_before_the_plan_was_kept_use_the_sets_targets():
    s = session(1, "2026-11-12", 1.0, 0.5, reps_left=2)
    for step in s["summary"]["coach"]["steps"]:
        del step["planned"]
    left = next(r for r in exercise_rows(s) if r["side"] == "left" and r["kind"] == "reps")
    assert (left["reps_done"], left["reps_prescribed"]) == (2, 3)


def test_a_session_without_a_coach_summary_gives_no_rows():
    assert exercise_rows({"id": 1, "started_utc": "x", "summary": {"reps": []}}) == []


def test_trends_say_in_plain_words_what_changed():
    days = ["2026-11-12", "2026-11-14", "2026-11-16", "2026-11-18", "2026-11-20", "2026-11-22"]
    wobble = [1.0, 1.0, 1.0, 0.65, 0.65, 0.65]  # left: down 35 %; right stays
    sessions = [
        session(i + 1, d, w, 0.5) for i, (d, w) in enumerate(zip(days, wobble, strict=True))
    ]
    found = {(t.exercise, t.side, t.measure): t for t in trends(sessions)}
    left = found[("Mini-squats", "left", "wobble_deg")]
    assert left.direction == "down" and left.change_pct == pytest.approx(-35.0)
    assert left.better is True and left.verdict == "steadier"
    # the year is named only when it is not this one
    assert left.text.startswith("Mini-squats, left leg (painful): wobble down 35 % since 12 Nov")
    # the values are means of three sessions each: their days are named
    assert left.text.endswith("(12-16 Nov 1.00° → 18-22 Nov 0.65°): steadier")
    right = found[("Mini-squats", "right", "wobble_deg")]
    assert right.direction == "same" and "about the same" in right.text
    assert found[("One leg", "left", "hold_s")].direction == "same"


def test_a_worse_measure_is_called_worse():
    sessions = [session(1, "2026-11-12", 0.5, 0.5), session(2, "2026-11-13", 1.0, 0.5)]
    (t,) = [t for t in trends(sessions) if t.side == "left" and t.measure == "wobble_deg"]
    assert (t.direction, t.verdict, t.better) == ("up", "shakier", False)
    assert "up 100 %" in t.text


def test_the_painful_side_is_compared_with_the_good_side():
    (line,) = side_comparisons([session(1, "2026-11-12", 1.2, 0.8)])
    assert line.startswith("Mini-squats on 12 Nov")
    assert "painful (left) vs good (right)" in line
    assert "wobble 1.20° vs 0.80° (50 % more on the painful side)" in line


def test_days_are_told_as_a_span():
    assert days_text(["2026-11-12T09:00:00Z"]) == "12 Nov"
    assert days_text(["2026-11-12T09:00:00Z", "2026-11-12T18:00:00Z"]) == "12 Nov"
    assert days_text(["2026-11-12T09:00:00Z", "2026-11-14T09:00:00Z"]) == "12-14 Nov"
    assert days_text(["2026-11-30T09:00:00Z", "2026-12-02T09:00:00Z"]) == "30 Nov-2 Dec"
    assert days_text(["2025-12-31T09:00:00Z", "2026-01-01T09:00:00Z"]).count("-") == 1
