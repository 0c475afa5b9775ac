"""`tracker live --simulate` headless: reps, sets and sides, tempo cue, balance, lost sensor.

The simulated sensor runs on simulated time, as fast as the session takes it, and the
tests look at every view the driver posted (what the screen is asked to show), so they
see the same thing on any machine under any load. One test runs paced by the wall
clock, keys and all, over the whole stack.
"""

from __future__ import annotations

import numpy as np
import pytest

from tracker.cli import build_parser
from tracker.commands import live
from tracker.commands.analyze import analyze
from tracker.files.history import History
from tracker.files.recording import Recording
from tracker.screens.workout.screens import big_value

from .helpers import Screenshots, live_app, sim, texts

MINI = {"sets": 2, "reps": 3, "sides": "sensor"}


async def run_live(app, shots) -> str:
    """Run to the end; the name of the screen showing then."""
    async with app.run_test(size=(80, 24), message_hook=shots.hook) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        return type(app.screen).__name__


async def test_counts_reps_sets_and_sides(tmp_path, program_file):
    session = sim("rehab-mini-squats", 2, **MINI)
    leg = session.mounting.leg
    other = "left" if leg == "right" else "right"
    out = tmp_path / "live.trk"
    app = live_app(session, program_file, out)
    shots = Screenshots(app)
    screen = await run_live(app, shots)
    assert app.over.reason == "source ended" and app.over.recording == str(out)
    reps = shots.kinds("rep")
    counted = [r["start_s"] for r in app.over.summary["reps"]]
    assert [e.verdict.rep.to_json()["start_s"] for e in reps] == counted and len(counted) == 6
    # the screen was told each count within each set, and which set and leg
    shown = [texts(v) for v in shots.posted]
    steps = [t["step"] for t in shown]
    for n in range(1, 4):
        assert any(f"Set 1/2 · {leg} leg · {n}/3" in s for s in steps), n
        assert any(f"Set 2/2 · {other} leg · {n}/3" in s for s in steps)
    assert [s.summary.side for s in shots.kinds("set")][:2] == [leg, other]
    # one sensor: told to move it, and warned while it was not moved
    assert any(other in e.text for e in shots.kinds("move_sensor"))
    assert any(f"sensor on the {leg} thigh!" in s for s in steps)
    # simulated data is labelled as such in every view, and on every frame drawn
    assert all("SIMULATED" in t["top"] for t in shown)
    assert all("SIMULATED" in f["top"] for f in shots.frames)
    # the summary screen came up, and the recording replays to the same reps
    assert screen == "SummaryScreen"
    assert analyze(out)["reps"] == app.over.summary["reps"]
    assert Recording.open(out).header["meta"]["program"] == "test-program"
    # and the session is in the history, with its recording
    with History.open(out.with_suffix(".sqlite")) as history:
        (stored,) = history.sessions()
    assert stored["recording_path"] == str(out) and stored["simulated"]
    assert stored["program"] == "test-program"
    assert stored["summary"]["reps"] == app.over.summary["reps"]
    assert stored["summary"]["coach"]["sets_done"] == len(shots.kinds("set"))
    assert app.over.history.startswith("Added to the history as session 1")
    # the simulated sensor kept no copy of the notifications it sent (an hour: 85 MB)
    peripheral = app.driver.runner.source.peripheral
    assert len(peripheral.sent) == len(peripheral.encoded) == 0


async def test_tempo_cue_on_screen(tmp_path, program_file):
    session = sim("rehab-mini-squats", 4, sets=1, reps=3, tempo=1.5, sides="sensor")
    app = live_app(session, program_file, tmp_path / "t.trk")
    shots = Screenshots(app)
    await run_live(app, shots)
    reps = shots.kinds("rep")
    assert len(reps) == 3 and all(e.verdict.tempo_fast for e in reps)
    assert any(texts(v)["cue"].startswith("slower: 3 s down") for v in shots.posted)
    rows = [v.coach.rows for v in shots.posted if v.coach.rows]
    assert all(not row.in_target for row in rows[-1])


async def test_balance_countdown(tmp_path, program_file):
    session = sim("balance", 3)
    program = program_file.read_text().split("[[step]]")
    only_balance = program[0] + "[[step]]" + program[2]
    path = tmp_path / "balance.toml"
    path.write_text(only_balance, encoding="utf-8")
    app = live_app(session, path, tmp_path / "b.trk")
    shots = Screenshots(app)
    await run_live(app, shots)
    counting = [v.coach for v in shots.posted if v.coach.balance is not None]
    left = np.array([c.balance_left_s for c in counting])
    elapsed = np.array([c.balance.elapsed_s for c in counting])
    assert np.allclose(left, np.maximum(60.0 - elapsed, 0.0)) and elapsed[0] < 1.5
    assert np.all(np.diff(left) <= 0)
    on_leg = [big_value(c) for c in counting]
    on_leg = [big for big, label in on_leg if label.startswith("on one leg")]
    seconds = [int(m) * 60 + int(s) for m, s in (big.split(":") for big in on_leg)]
    assert seconds[0] >= 58 and np.all(np.diff(seconds) <= 0) and seconds[-1] < 30
    assert len(set(seconds)) > 25, "the countdown went down second by second"
    lost = shots.kinds("balance_lost")
    bout = app.over.summary["balance"][0]
    assert len(lost) == 1 and f"{bout['end_s']:.1f} s" in lost[0].text
    assert any(v.sway_deg.shape[0] > 100 for v in shots.posted)  # the stabilogram had a trace


@pytest.mark.slow
async def test_lost_sensor_mid_set_is_shown_recorded_and_not_double_counted(tmp_path, program_file):
    session = sim("rehab-mini-squats", 2, **MINI)
    drop_at = 26.0  # during the third rep of the first set
    out = tmp_path / "drop.trk"
    app = live_app(session, program_file, out, drop_at=drop_at)
    shots = Screenshots(app)
    await run_live(app, shots)
    shown = [texts(v) for v in shots.posted]
    lost = [t for t in shown if "sensor lost" in t["top"]]
    assert lost and all("reconnecting" in t["cue"] or "lost" in t["cue"] for t in lost)
    assert any("reconnects 1" in t["top"] for t in shown)
    events = [e["kind"] for e in Recording.open(out).events()]
    assert "disconnected" in events and events.index("connected", events.index("disconnected"))
    starts = [e.verdict.rep.to_json()["start_s"] for e in shots.kinds("rep")]
    assert len(starts) == len(set(starts)) and starts == sorted(starts)
    assert [r["start_s"] for r in analyze(out)["reps"]] == starts
    assert starts  # and it kept counting after the reconnection
    assert max(starts) > drop_at + 10


@pytest.mark.slow
async def test_keys_pause_and_next_are_recorded(tmp_path, program_file):
    """The one run paced by the wall clock: the whole stack with a person's keys."""
    session = sim("rehab-mini-squats", 2, **MINI)
    out = tmp_path / "keys.trk"
    app = live_app(session, program_file, out, speed=15.0)
    shots = Screenshots(app)
    async with app.run_test(size=(80, 24), message_hook=shots.hook) as pilot:
        await shots.until(lambda s: len(s.kinds("rep")) >= 1)
        await pilot.press("space")
        await shots.until(lambda s: s.kinds("paused"))
        await pilot.press("space")
        await shots.until(lambda s: s.kinds("resumed"))
        await pilot.press("n")
        await shots.until(lambda s: s.kinds("set"))
        await pilot.press("q")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "SummaryScreen"
    assert app.over.reason == "stopped"
    first = shots.kinds("set")[0].summary
    assert first.ended == "early" and first.set_number == 1
    commands = [e["command"] for e in Recording.open(out).events() if e["kind"] == "coach"]
    assert commands == ["toggle_pause", "toggle_pause", "next"]


async def test_the_simulation_coaches_the_demo_program_under_its_title(tmp_path):
    """`tracker live --simulate` (the README's first command) names the program it runs
    as the README does, in the top line and in the history."""
    out = tmp_path / "demo.trk"
    argv = ["live", "--simulate", "-o", str(out), "--db", str(tmp_path / "h.sqlite")]
    app = live.build(
        build_parser().parse_args(argv),
        session=sim("fast-reps", 1, duration=20.0),
        virtual_clock=True,
    )
    shots = Screenshots(app)
    await run_live(app, shots)
    assert all("Hip rehab (short demo)" in texts(v)["top"] for v in shots.posted)
    assert Recording.open(out).header["meta"]["program"] == "demo"
