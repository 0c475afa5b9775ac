"""The simulator's clinical trials follow the definitions the timing is tested against."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.core.errors import InputError
from tracker.files.recording import Recording
from tracker.sim import simulate


@pytest.mark.parametrize("ending", ["foot_down", "step", "lowered"])
def test_hold_is_lift_off_to_touch_down(ending):
    s = simulate("single-leg-stance", seed=5, ending=ending, hold_s=12.0, noise=False)
    (trial,) = s.truth.stance_trials
    assert trial["hold_s"] == pytest.approx(12.0, abs=1e-3) and trial["ending"] == ending
    (bout,) = s.truth.balance
    assert bout["shift_on"][1] == pytest.approx(trial["start_s"])  # lift-off: end of the shift
    assert bout["shift_off"][0] == pytest.approx(trial["end_s"])  # touch-down: start of the next
    assert s.truth.cues[0]["t_s"] == pytest.approx(trial["cue_s"])
    assert trial["cue_s"] < trial["start_s"]
    incl = s.true_inclination(np.linspace(trial["start_s"], trial["end_s"], 300))
    assert incl.min() > 0.5  # the stance thigh leans all along the hold
    after = s.true_inclination(trial["end_s"] + np.array([0.1, 0.2]))
    if ending == "step":
        assert after[1] > after[0] + 3.0  # the thigh swings forward
    later = s.true_inclination(s.duration_s - 0.5)
    assert later < 1.0  # standing on both feet again


def test_chair_stand_truth_counts_the_window():
    s = simulate("chair-stand-30s", seed=2)
    chair = s.truth.chair_stand
    halves = np.asarray(chair["half_s"])
    end = chair["cue_s"] + chair["window_s"]
    assert chair["count"] == np.count_nonzero(halves <= end)
    assert chair["window_s"] == pytest.approx(30.0, abs=0.01)
    for rise, half in zip(s.truth.sit_to_stand["rises"], halves, strict=True):
        start, mid, stop = s.true_inclination([rise["start_s"], half, rise["end_s"]])
        assert mid == pytest.approx(0.5 * start, abs=3.0) and stop < 3.0


def test_cues_are_recorded_in_trk(tmp_path):
    s = simulate("chair-stand-30s", seed=3)
    s.write(tmp_path / "c.trk")
    (cue,) = Recording.open(tmp_path / "c.trk").events()
    assert cue == {"t_s": s.truth.cues[0]["t_s"], "kind": "cue", "cue": "start"}


def test_bad_ending_is_refused():
    with pytest.raises(InputError, match="ending must be one of"):
        simulate("single-leg-stance", ending="cartwheel")
    with pytest.raises(InputError, match="none, step"):
        simulate("tandem-stance", ending="foot_down")
