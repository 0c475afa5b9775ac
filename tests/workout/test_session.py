"""The session runner: records what arrived, pushes batches, survives a full disk, a lost sensor."""

from __future__ import annotations

import errno
from functools import cache

import numpy as np
import pytest

from tracker.commands.analyze import analyze
from tracker.core.sources import SourceData, SourceStatus
from tracker.core.types import Update
from tracker.engine.pipeline import Pipeline
from tracker.files.recording import Recording, RecordingWriter
from tracker.files.replay import ReplaySource, iter_blocks, load_replay
from tracker.sim import simulate
from tracker.sim.source import SimulatedSource
from tracker.workout.session import SessionEnded, SessionProblem, SessionRunner

FAST = 400.0  # stream seconds per wall second


@cache
def mini():
    return simulate("rehab-mini-squats", seed=2, sets=2, reps=3, sides="sensor")


async def run_session(source, writer=None, *, during=None):
    runner = SessionRunner(source, Pipeline(), writer, batch_s=0.02)
    events = []

    def on_event(e):
        events.append(e)
        if during is not None:
            during(runner, e)

    summary = await runner.run(on_event)
    return runner, events, summary


async def test_records_every_sample_and_matches_analyze(tmp_path):
    path = tmp_path / "s.trk"
    writer = RecordingWriter(path, source={"kind": "simulated"})
    runner, events, summary = await run_session(SimulatedSource(mini(), speed=FAST), writer)
    assert isinstance(events[-1], SessionEnded) and events[-1].reason == "source ended"
    assert events[-1].recording == str(path)
    statuses = [e.kind for e in events if isinstance(e, SourceStatus)]
    assert statuses[:3] == ["connecting", "connected", "streaming"] and statuses[-1] == "stopped"
    rec = Recording.open(path)
    block = np.concatenate([b.t_s for b in rec.sample_blocks()])
    assert np.array_equal(block, mini().block.t_s)  # everything that arrived, once
    assert [e["kind"] for e in rec.events()] == statuses
    assert summary["reps"] == analyze(path)["reps"] and len(summary["reps"]) == 6
    pushed = [e for e in events if isinstance(e, Update)]
    assert len(pushed) > 10  # batches, not one push at the end
    assert runner.samples == len(mini().block)


async def test_disk_full_keeps_what_was_written_and_goes_on(tmp_path, monkeypatch):
    path = tmp_path / "full.trk"
    writer = RecordingWriter(path, source={"kind": "simulated"}, flush_interval_s=0.0)
    real_write = writer._file.write
    budget = {"bytes": 200_000}

    def write(data):
        if budget["bytes"] <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        budget["bytes"] -= len(data)
        return real_write(data)

    monkeypatch.setattr(writer._file, "write", write)
    runner, events, summary = await run_session(SimulatedSource(mini(), speed=FAST), writer)
    problems = [e for e in events if isinstance(e, SessionProblem)]
    assert len(problems) == 1 and problems[0].kind == "recording"
    assert "No space left" in problems[0].text and not problems[0].fatal
    assert runner.recording_error is not None
    # the session went on to the end and counted every rep
    assert isinstance(events[-1], SessionEnded) and events[-1].reason == "source ended"
    assert len(summary["reps"]) == 6
    kept = sum(len(b) for b in iter_blocks(path))  # what was written still opens
    assert 0 < kept < len(mini().block)


async def test_stop_finishes_the_pipeline_and_closes_the_recording(tmp_path):
    path = tmp_path / "stop.trk"
    writer = RecordingWriter(path, source={"kind": "simulated"})

    def during(runner, e):
        if isinstance(e, Update) and runner.t_s is not None and runner.t_s > 20.0:
            runner.stop()

    _runner, events, summary = await run_session(
        SimulatedSource(mini(), speed=FAST), writer, during=during
    )
    assert events[-1].reason == "stopped"
    assert 20.0 < summary["duration_s"] < 40.0
    assert sum(len(b) for b in iter_blocks(path)) == summary["samples"]


async def test_actions_are_recorded_after_the_sample_they_followed(tmp_path):
    path = tmp_path / "marks.trk"
    writer = RecordingWriter(path, source={"kind": "simulated"})
    done = {}

    def during(runner, e):
        if isinstance(e, Update) and runner.t_s and runner.t_s > 10 and not done:
            done["t"] = runner.t_s
            runner.recalibrate()
            runner.mark("coach", command="next")

    await run_session(SimulatedSource(mini(), speed=FAST), writer, during=during)
    marks = [e for e in Recording.open(path).events() if e["kind"] in ("recalibrate", "coach")]
    assert [m["kind"] for m in marks] == ["recalibrate", "coach"]
    assert all(m["after_t_s"] == done["t"] for m in marks)
    assert marks[1]["command"] == "next"


async def test_lost_sensor_is_shown_and_nothing_is_counted_twice(tmp_path):
    path = tmp_path / "drop.trk"
    writer = RecordingWriter(path, source={"kind": "simulated"})
    source = SimulatedSource(mini(), speed=FAST, drop_at_s=30.0, drop_for_s=4.0)
    _, events, summary = await run_session(source, writer)
    kinds = [e.kind for e in events if isinstance(e, SourceStatus)]
    i = kinds.index("disconnected")
    assert kinds[i : i + 3] == ["disconnected", "reconnecting", "connected"]
    t = np.concatenate([b.t_s for b in Recording.open(path).sample_blocks()])
    assert not ((t >= 30.0) & (t < 34.0)).any() and t[-1] > 100  # lost while away, then on
    starts = [r["start_s"] for r in summary["reps"]]
    assert len(starts) == len(set(starts)) and np.all(np.diff(starts) > 0)
    ends = [r["end_s"] for r in summary["reps"]]
    assert all(e <= s for e, s in zip(ends, starts[1:], strict=False))  # no overlaps
    assert summary["reps"] == analyze(path)["reps"]


async def test_a_failing_source_ends_the_session_with_a_problem():
    class Broken:
        description, simulated = "broken", True

        async def stream(self):
            yield SourceData(mini().block.slice(0, 200))
            raise RuntimeError("radio on fire")

        async def aclose(self):
            pass

    _, events, summary = await run_session(Broken())
    problems = [e for e in events if isinstance(e, SessionProblem)]
    assert problems and problems[0].fatal and "radio on fire" in problems[0].text
    assert events[-1].reason == "source failed" and summary["samples"] == 200


async def test_replay_source_streams_a_recording_with_its_statuses(tmp_path):
    path = tmp_path / "r.trk"
    writer = RecordingWriter(path, source={"kind": "simulated"})
    await run_session(SimulatedSource(mini(), speed=FAST, drop_at_s=30.0), writer)
    data = load_replay(path)
    _, events, summary = await run_session(ReplaySource(data, speed=FAST))
    kinds = [e.kind for e in events if isinstance(e, SourceStatus)]
    assert kinds == [e["kind"] for e in data.events]
    assert summary["reps"] == analyze(path)["reps"]


def test_simulated_source_rejects_a_bad_speed():
    with pytest.raises(ValueError):
        SimulatedSource(mini(), speed=0)
