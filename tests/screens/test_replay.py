"""`tracker replay`: the same rows as live and as `tracker analyze`, seeking, jumps and keys."""

from __future__ import annotations

import numpy as np
import pytest
import pytest_asyncio

from tracker.commands.analyze import analyze
from tracker.core.types import ImuBlock
from tracker.engine.pipeline import Pipeline
from tracker.files.replay import ReplayData, load_replay
from tracker.workout.player import ReplayPlayer
from tracker.workout.programs import get_program
from tracker.workout.view import Workout

from .helpers import PROGRAM, Screenshots, live_app, replay_app, sim

MINI = {"sets": 2, "reps": 3, "sides": "sensor"}


def rows(summaries):
    """Every rep row a screen showed: the set, its number, the rep and its verdict."""
    return [
        (s.step_index, s.set_number, v.number, v.rep, v.depth, v.tempo_fast, v.wobble_high)
        for s in summaries
        for v in s.rows
    ]


async def play(app, shots) -> str:
    async with app.run_test(size=(80, 24), message_hook=shots.hook) as pilot:
        await shots.until(lambda s: app.over is not None)
        await pilot.pause()
        return type(app.screen).__name__


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def live_recording(tmp_path_factory):
    """A live session with a lost sensor and a person's keys, and what its screen showed."""
    folder = tmp_path_factory.mktemp("live")
    program = folder / "p.toml"

    program.write_text(PROGRAM, encoding="utf-8")
    out = folder / "live.trk"
    app = live_app(sim("rehab-mini-squats", 2, **MINI), program, out, drop_at=50.0)
    shots = Screenshots(app)
    async with app.run_test(size=(80, 24), message_hook=shots.hook) as pilot:
        await shots.until(lambda s: len(s.kinds("rep")) >= 2)
        await pilot.press("n")  # end the first set early: recorded, replayed
        await app.workers.wait_for_complete()
        await pilot.pause()
    return out, app, shots


@pytest.mark.asyncio(loop_scope="module")
async def test_replay_shows_what_live_showed(live_recording):
    out, live, live_shots = live_recording
    assert live.view.coach.summaries[0].ended == "early"
    replays = []
    for _ in range(2):
        app = replay_app(out, speed=300.0)
        shots = Screenshots(app)
        assert await play(app, shots) == "SummaryScreen"
        replays.append((app, shots))
    (a, a_shots), (b, _b_shots) = replays
    assert rows(a.view.coach.summaries) == rows(b.view.coach.summaries)  # twice the same
    assert rows(a.view.coach.summaries) == rows(live.view.coach.summaries)  # as live
    assert [s.text for s in a.view.coach.summaries] == [s.text for s in live.view.coach.summaries]
    assert [e.text for e in a_shots.kinds("rep")] == [e.text for e in live_shots.kinds("rep")]
    reps_json = [r.to_json() for r in a.driver.player.pipeline.all_reps]
    assert reps_json == analyze(out)["reps"] == live.over.summary["reps"]
    # the lost sensor is replayed too
    assert any(v.link.lost for v in a_shots.posted)
    assert all("REPLAY" in f["top"] and "SIMULATED" in f["top"] for f in a_shots.frames)


def make_player(path):
    data = load_replay(path)
    program = get_program("hip-rehab", extra_dirs=[])
    return ReplayPlayer(data, Pipeline, lambda: Workout(program), checkpoint_s=20.0)


def test_seek_gives_the_same_state_as_playing_through():
    path = "recordings/squat-workout.trk"
    straight = make_player(path)
    list(straight.index())
    list(straight.advance_to(straight.data.end_s))
    sought = make_player(path)
    list(sought.index())
    for target in (120.0, 30.0, 95.5, sought.data.end_s):
        sought.seek(target)
    assert sought.finished and straight.finished
    assert rows(sought.workout.coach.summaries) == rows(straight.workout.coach.summaries)
    assert [r.to_json() for r in sought.pipeline.all_reps] == analyze(path)["reps"]


def test_jumps_land_just_before_the_next_rep_set_and_bout():
    player = make_player("recordings/squat-workout.trk")
    list(player.index())
    reps = player.marks["rep"]
    assert len(reps) == len(analyze("recordings/squat-workout.trk")["reps"])
    target = player.next_mark("rep")
    assert target == pytest.approx(reps[0] - 1.0)
    player.seek(target)
    assert player.position_s <= reps[0]
    assert not player.pipeline.all_reps  # it has not happened yet
    list(player.advance_to(reps[0] + 8.0))
    assert player.pipeline.all_reps[0].start_s == pytest.approx(reps[0])
    assert player.next_mark("set") is not None
    assert player.next_mark("bout") is None  # no balance in this recording


def test_repeated_jumps_move_on_to_each_next_mark():
    path = "recordings/rehab-mini-squats.trk"
    player = make_player(path)
    list(player.index())
    for kind in ("rep", "set"):
        player.seek(player.data.start_s)
        landed = []
        while (target := player.next_mark(kind)) is not None and len(landed) < 100:
            player.seek(target)
            landed.append(target)
        # every mark once, in order: a jump never lands where the last one did
        assert landed == [m - 1.0 for m in player.marks[kind] if m - 1.0 > player.t[0]]
        assert len(landed) >= 3


def _silent_player(*silences_s: float) -> ReplayPlayer:
    """Ten seconds of standing, a silence after each 2 s of it."""
    t = np.arange(1000) / 100.0
    for k, silence_s in enumerate(silences_s):
        t[200 * (k + 1) :] += silence_s
    block = ImuBlock.from_arrays(t, np.tile([0.0, 9.81, 0.0], (1000, 1)), np.zeros((1000, 3)))
    program = get_program("hip-rehab", extra_dirs=[])
    return ReplayPlayer(ReplayData("still.csv", block), Pipeline, lambda: Workout(program))


def test_playback_runs_through_a_short_silence_and_passes_a_long_one():
    """At 1x each tick moved the position on from the last sample by one tick's time, so
    playback stopped for good at the first silence longer than a tick (50 ms)."""
    player = _silent_player(2.0, 1e9)
    assert len(list(player.index())) <= 10, "a silence of 30 years is one step of reading"
    player.seek(player.data.start_s)
    ticks = 0
    while player.position_s < 4.0:  # up to the 2 s silence, through it in 2 s of ticks
        list(player.play_for(0.05))
        ticks += 1
    assert 3.9 / 0.05 <= ticks <= 4.1 / 0.05 + 1
    while not player.finished and ticks < 1000:  # the long one is passed over at once
        list(player.play_for(0.05))
        ticks += 1
    assert player.finished and ticks < 250
    assert player.pipeline.summary()["gaps"] == 2


async def test_a_programs_words_are_shown_as_written_never_read_as_markup(tmp_path):
    """A cue with "[/one]" crashed the help screen (MarkupError), and the program exited 0."""
    program = tmp_path / "odd.toml"
    odd = PROGRAM.replace("Stand on one leg.", "Stand [bold on [/one] leg [$x] $y")
    program.write_text(odd.replace('name = "One leg"', 'name = "One [red leg"'))
    app = replay_app("recordings/rehab-mini-squats.trk", start=82.0, playing=False, program=program)
    shots = Screenshots(app)
    async with app.run_test(size=(80, 24), message_hook=shots.hook) as pilot:
        await shots.until(lambda s: bool(s.views))
        await pilot.press("question_mark")
        await pilot.pause()
        text = "\n".join(w.render().plain for w in app.screen.query("Static"))
        assert "One [red leg: Stand [bold on [/one] leg [$x] $y" in text
        await pilot.press("escape", "q")
    assert app.return_code in (0, None)


async def test_replay_keys():
    app = replay_app("recordings/squat-workout.trk", speed=1.0, start=10.0, playing=False)
    shots = Screenshots(app)
    async with app.run_test(size=(80, 24), message_hook=shots.hook) as pilot:
        await shots.until(lambda s: s.views and s.views[-1].replay.position_s >= 9.9)
        assert not shots.views[-1].replay.playing
        await pilot.press("right")
        await shots.until(lambda s: s.views[-1].replay.position_s >= 19.9)
        await pilot.press("left")
        await shots.until(lambda s: s.views[-1].replay.position_s < 10.1)
        await pilot.press("plus", "plus")
        await shots.until(lambda s: s.views[-1].replay.speed == 4.0)
        await pilot.press("minus")
        await shots.until(lambda s: s.views[-1].replay.speed == 2.0)
        target = app.driver.player.next_mark("rep")
        await pilot.press("n")
        await shots.until(lambda s: abs(s.views[-1].replay.position_s - target) < 0.05)
        await pilot.press("space")
        await shots.until(lambda s: s.views[-1].replay.playing)
        await pilot.press("q")


def test_screens_that_failed_are_not_a_success(monkeypatch, capsys):
    """Textual prints the traceback of a screen that raised and sets return_code 1; the
    command exited 0 regardless."""
    from tracker.cli import main
    from tracker.screens.workout.app import TrackerApp

    def crash(app, *args, **kwargs):
        app._return_code = 1

    monkeypatch.setattr(TrackerApp, "run", crash)
    assert main(["replay", "recordings/balance.trk"]) == 1
