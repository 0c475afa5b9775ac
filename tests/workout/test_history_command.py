"""`tracker history [--json|--csv]` and the history screen, on a private database."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tracker.cli import main
from tracker.files.history import History
from tracker.screens.workout.history import HistoryApp, MeasurePlot
from tracker.sim.home import add_simulated_week
from tracker.workout.progress import ROW_FIELDS

from .test_workout_history import session

CONTRACT_FIELDS = {"id", "started_utc", "program", "recording_path", "simulated", "summary"}


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "data" / "history.sqlite3"
    with History.open(path) as h:
        for sid, day, wobble in ((1, "2026-11-12", 1.0), (2, "2026-11-20", 0.6)):
            s = session(sid, day, wobble, 0.5)
            h.add_session(
                s["summary"],
                recording_path=f"/rec/{sid}.trk",
                program="p",
                started_utc=s["started_utc"],
                simulated=False,
            )
    return str(path)


def _run(capsys, *argv) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["history", *argv])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_json_is_the_contracts_list_newest_first(db, capsys):
    status, out, _ = _run(capsys, "--db", db, "--json")
    sessions = json.loads(out)
    assert status == 0 and [s["id"] for s in sessions] == [2, 1]
    assert all(set(s) >= CONTRACT_FIELDS for s in sessions)
    assert sessions[0]["recording_path"] == "/rec/2.trk" and sessions[0]["simulated"] is False
    assert sessions[0]["summary"]["coach"]["painful_leg"] == "left"
    rows = sessions[0]["exercises"]
    assert {(r["exercise"], r["side"]) for r in rows} == {
        ("Mini-squats", "left"),
        ("Mini-squats", "right"),
        ("One leg", "left"),
    }


def test_an_empty_history_is_an_empty_list(tmp_path, capsys):
    status, out, _ = _run(capsys, "--db", str(tmp_path / "h.sqlite3"), "--json")
    assert status == 0 and json.loads(out) == []
    status, out, _ = _run(capsys, "--db", str(tmp_path / "h.sqlite3"))
    assert status == 0 and out.startswith("No workouts in the history yet")


def test_csv_one_row_per_session_exercise_and_side(db, capsys):
    status, out, _ = _run(capsys, "--db", db, "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and tuple(rows[0]) == ROW_FIELDS and len(rows) == 6
    left = [r for r in rows if r["side"] == "left" and r["kind"] == "reps"]
    assert [r["wobble_deg"] for r in left] == ["0.6", "1.0"]
    assert {r["side_role"] for r in rows} == {"painful", "good"}


def test_text_says_what_changed_and_compares_the_sides(db, capsys):
    status, out, _ = _run(capsys, "--db", db)
    assert status == 0
    assert "What changed:" in out and "wobble down 40 % since 12 Nov" in out
    assert "Painful side against the good side:" in out
    assert "Session 2 · 20 Nov 09:00 · p: 6/6 reps, 3/3 sets" in out
    assert max(len(line) for line in out.splitlines() if db not in line) <= 80


def test_limit_and_bad_options(db, capsys):
    status, out, _ = _run(capsys, "--db", db, "--json", "--limit", "1")
    assert status == 0 and [s["id"] for s in json.loads(out)] == [2]
    status, _, err = _run(capsys, "--db", db, "--limit", "0")
    assert status == 2 and err.count("\n") == 1
    status, _, err = _run(capsys, "--add-simulated-week")
    assert status == 2 and "needs --db" in err  # never into a person's own history


@pytest.mark.slow
def test_a_simulated_week_is_stored_marked_and_trends(tmp_path):
    with History.open(tmp_path / "h.sqlite3") as h:
        add_simulated_week(h, days=2, seed=5)
        sessions = h.sessions()
    assert len(sessions) == 2 and all(s["simulated"] for s in sessions)
    coach = sessions[0]["summary"]["coach"]
    assert coach["program"] == "demo" and coach["steps"][0]["planned"]
    days = [s["started_utc"][:10] for s in sessions]
    assert days[0] > days[1]  # a day apart, newest first


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
async def test_history_screen_plots_and_tables_each_exercise(db, size):
    with History.open(db) as h:
        sessions = h.sessions()
    app = HistoryApp(sessions, db)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        words = str(screen.query_one("#history-words").render())
        assert words.startswith("Mini-squats, left leg (painful)")
        assert "wobble down 40 %" in words
        plot = screen.query_one(MeasurePlot)
        assert plot.series[2] == "wobble" and plot.series[1] == [1.0, 0.6]
        table = screen.query_one("#history-table")
        assert table.row_count == 2
        await pilot.press("j")
        assert str(screen.query_one("#history-words").render()).startswith(
            "Mini-squats, right leg (good)"
        )
        await pilot.press("j")
        assert plot.series[2] == "balance hold"
        await pilot.press("right")
        assert plot.series[2] == "sway"
        await pilot.press("q")


def test_the_end_of_a_session_says_what_changed(tmp_path):
    from tracker.commands.live import save_session_to_history

    db = str(tmp_path / "h.sqlite3")
    notes = []
    for sid, day, wobble in ((1, "2026-11-12", 1.0), (2, "2026-11-20", 0.6)):
        s = session(sid, day, wobble, 0.5)
        notes.append(
            save_session_to_history(
                s["summary"],
                recording_path=None,
                program="p",
                started_utc=s["started_utc"],
                simulated=False,
                db=db,
            )
        )
    assert notes[0].startswith("Added to the history as session 1") and "\n" not in notes[0]
    head, *changes = notes[1].split("\n")
    assert head.startswith("Added to the history as session 2")
    assert any(c.startswith("Mini-squats, left leg (painful): wobble down 40 %") for c in changes)
