"""The assessment driver without screens: samples handed over by hand, keys as calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.core.sources import SourceStatus
from tracker.core.types import ImuBlock
from tracker.files.history import History
from tracker.files.recording import Recording
from tracker.sim.patient import SimulatedPerson

from .assess_helpers import assess_app, feed_until, protocol_dir, short_stance


@pytest.fixture
def driver_and_person(tmp_path):
    protocol = short_stance()
    person = SimulatedPerson(protocol, seed=3, hold_s=15.0, ending="foot_down")
    app = assess_app(
        tmp_path / "h.sqlite3", person=person, protocols=protocol_dir(tmp_path), open_source=False
    )
    driver = app.driver
    driver.add_patient("P-D1", "60-64", None, "")
    driver.begin(protocol)
    return driver, person


def _holding_for(seconds: float):
    def holding(driver) -> bool:
        s = driver.assessment.state
        return s.phase == "running" and (s.live_value or 0.0) >= seconds

    return holding


def test_the_trial_the_sensor_was_lost_in_is_kept_incomplete(driver_and_person):
    driver, person = driver_and_person
    driver.start()
    feed_until(driver, person, _holding_for(4.0))
    driver.on_status(SourceStatus("disconnected", driver.t_s, detail="link lost"))
    state = driver.view().state
    assert state.phase == "result" and "incomplete" in state.message
    assert not driver.trial_running
    (trial,) = driver.history.trials(driver.visit["id"])
    assert trial["status"] == "incomplete" and "link lost" in trial["incomplete_reason"]
    # what was measured up to the loss is kept, in the trial's own recording
    recorded = ImuBlock.concat(Recording.open(Path(trial["recording_path"])).sample_blocks())
    assert recorded.t_s[-1] - recorded.t_s[0] > 4.0


def test_a_reason_typed_while_the_clock_is_held_ends_the_trial_at_the_key(driver_and_person):
    driver, person = driver_and_person
    driver.start()
    feed_until(driver, person, _holding_for(5.0))
    key_s = driver.t_s
    lift_s = key_s - driver.assessment.state.live_value
    driver.hold()  # the clinician pressed e; the reason is being typed
    for _ in range(30):  # 3 s of samples arrive meanwhile
        driver.feed(person.next_block(0.1))
    driver.end("hands left the hips")
    driver.release()
    feed_until(driver, person, lambda d: d.assessment.state.phase == "result")
    result = driver.assessment.state.last_result
    assert result["ended_by"] == "clinician"
    # timed to the key press, not to the end of the typing; lift-off as found live ±0.5 s
    assert result["end_s"] == pytest.approx(key_s, abs=0.11)
    assert result["value"] == pytest.approx(key_s - lift_s, abs=0.5)
    with History.open(driver.history.path) as h:
        (trial,) = h.trials(driver.visit["id"])
    assert trial["status"] == "complete" and trial["result"]["ended_by"] == "clinician"


def test_a_trial_after_the_sensor_moved_to_the_other_thigh_starts_there(driver_and_person):
    """The stream's decoded times may run a few samples behind the person's own: none of
    the samples from before the sensor was moved may open the next trial (one did: its
    standing was taken from the other thigh and the lift-off was never found)."""
    driver, person = driver_and_person
    feed_until(driver, person, lambda d: (d.t_s or 0.0) > 5.0)  # on the left thigh
    driver.select("eyes open, right")
    in_flight = person.next_block(0.1)  # sent from the left thigh, not yet arrived
    driver.start()
    lag_s, block = 0.03, in_flight
    while driver.assessment.state.phase != "result":
        driver.feed(ImuBlock.from_arrays(block.t_s + lag_s, block.acc, block.gyr))
        block = person.next_block(0.1)
        assert driver.t_s < 120.0, "the trial never ended"
    result = driver.assessment.state.last_result
    assert result["ended_by"] == "foot_down"
    assert result["value"] == pytest.approx(person.trials[-1].expected(driver.protocol), abs=0.3)
