"""The assessment state machine driven like a screen would: samples in, keys, cues out."""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path

import numpy as np
import pytest

from tracker.clinic.assessment import Assessment
from tracker.clinic.scoring import score_recording
from tracker.core.errors import InputError
from tracker.files.recording import Recording
from tracker.sim import simulate


@pytest.fixture
def visit(history):
    history.add_patient("P1", age_band="70-74", sex="female")
    return history.start_visit("P1")


def _quick(protocol):
    """The person in the simulator starts after 2.5-5 s: a 2 s countdown comes first;
    a simulated trial stands 2.5-4 s after its end: the recording's tail is shortened."""
    return dataclasses.replace(protocol, countdown_s=2.0, tail_s=1.5)


def _run(a: Assessment, session, *, chunk=13, until="result", keys=None):
    """Feed the session's samples until ``phase == until``; ``keys`` {t_s: callable}."""
    cues = []
    keys = dict(keys or {})
    for block in session.block.chunks(chunk):
        cues += a.push(block)
        for t in [t for t in keys if block.t_s[-1] >= t]:
            cues += keys.pop(t)() or []
        if a.phase == until:
            break
    return cues


def test_a_single_leg_stance_trial_end_to_end(history, visit, protocols):
    p = _quick(protocols["single-leg-stance"])
    s = simulate("single-leg-stance", seed=21, rate_hz=None, leg="left", ending="foot_down")
    truth = s.truth.stance_trials[0]
    a = Assessment(p, history, visit, simulated=True)
    assert a.state.phase == "ready" and a.state.condition == "eyes open, left"
    assert "start" in a.state.keys and "LEFT" in a.state.instructions
    a.start()
    cues = _run(a, s)
    kinds = [(c.kind, c.text, c.bell) for c in cues]
    assert kinds == [
        ("count", "2", False),
        ("count", "1", False),
        ("start", "Go", True),
        ("stop", "Stop", True),
    ]
    stop = cues[-1].t_s
    assert truth["end_s"] - 0.1 <= stop <= truth["end_s"] + 1.5  # the foot-down is seen live
    result = a.state.last_result
    assert a.state.phase == "result" and result["ended_by"] == "foot_down"
    assert result["value"] == pytest.approx(truth["hold_s"], abs=0.3)
    assert result["sway"]["sway_rms_deg"] > 0 and result["stabilogram"]["x_deg"]
    (trial,) = history.trials(visit)
    assert trial["status"] == "complete" and not trial["practice"]
    assert a.state.counted == 1
    rec = Path(trial["recording_path"])
    assert stat.S_IMODE(rec.stat().st_mode) == 0o600
    events = [e["kind"] for e in Recording.open(rec).events()]
    assert events == ["cue", "cue"]  # start and stop
    again = score_recording(rec, p, p.conditions[0])  # the command line gives the same
    assert again.value == pytest.approx(result["value"], abs=1e-3)


def test_practice_does_not_count_and_discard_keeps_the_reason(history, visit, protocols):
    p = _quick(protocols["single-leg-stance"])
    s = simulate("single-leg-stance", seed=22, leg="left", hold_s=6.0, ending="foot_down")
    a = Assessment(p, history, visit)
    a.start(practice=True)
    assert a.state.message.startswith("practice")
    _run(a, s)
    assert a.state.counted == 0 and a.state.last_result["practice"] is True
    a.start()
    _run(a, s, until="running")
    with pytest.raises(InputError, match="say why"):
        a.end("")
    a.discard("the patient touched the wall")
    assert a.state.phase == "ready"
    a.start()
    _run(a, s)
    a.redo("eyes were not on the mark")
    assert a.state.phase == "ready" and a.state.counted == 0
    statuses = [(t["practice"], t["status"], t["discard_reason"]) for t in history.trials(visit)]
    assert statuses == [
        (True, "complete", None),
        (False, "discarded", "the patient touched the wall"),
        (False, "discarded", "eyes were not on the mark"),
    ]


def test_the_clinician_ends_a_trial_with_a_reason(history, visit, protocols):
    p = _quick(protocols["single-leg-stance"])
    s = simulate("single-leg-stance", seed=23, leg="left", hold_s=20.0, ending="foot_down")
    truth = s.truth.stance_trials[0]
    a = Assessment(p, history, visit)
    a.start()
    key = truth["start_s"] + 8.0
    cues = _run(a, s, keys={key: lambda: a.end("hands left the hips")})
    assert cues[-1].kind == "stop"
    result = a.state.last_result
    assert result["ended_by"] == "clinician" and result["clinician_reason"] == "hands left the hips"
    assert result["value"] == pytest.approx(8.0, abs=0.35)


def test_a_lost_sensor_keeps_the_trial_as_incomplete(history, visit, protocols):
    p = _quick(protocols["single-leg-stance"])
    s = simulate("single-leg-stance", seed=24, leg="left", hold_s=20.0)
    a = Assessment(p, history, visit)
    a.start()
    cut = s.truth.stance_trials[0]["start_s"] + 5.0
    _run(a, s, keys={cut: lambda: a.interrupt("sensor lost")})
    (trial,) = history.trials(visit)
    assert trial["status"] == "incomplete" and trial["incomplete_reason"] == "sensor lost"
    assert trial["result"]["value"] == pytest.approx(5.0, abs=0.5)
    assert a.state.counted == 0 and "incomplete" in a.state.message


def test_four_stage_test_stops_at_the_first_stance_not_held(history, visit, protocols):
    p = _quick(protocols["four-stage-balance"])
    held = simulate("tandem-stance", seed=25, hold_s=13.0)
    a = Assessment(p, history, visit)
    a.start()
    cues = _run(a, held)
    assert cues[-1].kind == "stop" and a.state.last_result["passed"] is True
    assert a.state.last_result["value"] == pytest.approx(10.0)
    a.next()
    assert a.state.condition == "semi-tandem"
    stepped = simulate("tandem-stance", seed=26, hold_s=6.0, ending="step")
    a.start()
    _run(a, stepped, until="done")
    assert a.state.phase == "done" and "not held" in a.state.message
    assert a.state.last_result["ended_by"] == "step"


def test_chair_tests_stop_by_the_window_and_by_the_stands(history, visit, protocols):
    p = _quick(protocols["chair-stand-30s"])
    s = simulate("chair-stand-30s", seed=27, rate_hz=None)
    a = Assessment(p, history, visit)
    a.start()
    cues = _run(a, s)
    go, stop = (c.t_s for c in cues if c.kind in ("start", "stop"))
    assert stop - go == pytest.approx(30.0, abs=0.1)
    halves = np.asarray(s.truth.chair_stand["half_s"])
    expected = int(np.count_nonzero((halves >= go) & (halves <= go + 30.0)))
    assert a.state.last_result["value"] == expected
    p = _quick(protocols["five-times-sit-to-stand"])
    s = simulate("sit-to-stand", seed=28, rate_hz=None)
    a = Assessment(p, history, visit)
    a.start()
    cues = _run(a, s)
    rises = s.truth.sit_to_stand["rises"]
    assert rises[4]["end_s"] < cues[-1].t_s < rises[4]["end_s"] + 1.0
    assert a.state.last_result["value"] == pytest.approx(
        s.truth.sit_to_stand["duration_s"], abs=0.5
    )


def test_keys_out_of_place_are_refused(history, visit, protocols):
    a = Assessment(_quick(protocols["single-leg-stance"]), history, visit)
    with pytest.raises(InputError, match="no trial"):
        a.end("why")
    with pytest.raises(InputError, match="no trial to discard"):
        a.discard("why")
    a.start()
    with pytest.raises(InputError, match="under way"):
        a.start()
    with pytest.raises(InputError, match="under way"):
        a.select("eyes open, right")
    a.end("changed my mind")  # before the start cue: discarded, nothing timed
    assert history.trials(visit)[0]["status"] == "discarded"
    a.select("eyes closed, right")
    assert a.state.condition == "eyes closed, right"
    a.next()  # it was the last condition
    assert a.state.phase == "done" and a.state.keys == ("finish",)
