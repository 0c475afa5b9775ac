"""`tracker history [--json|--csv]` and the history screen, on a private database."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from tracker.cli import main
from tracker.files.history import History
from tracker.screens.workout.history import HistoryApp, MeasurePlot, plot_axis
from tracker.sim.home import add_simulated_week
from tracker.workout.progress import ROW_FIELDS, exercise_rows, trends

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
    assert "What changed, 12-20 Nov:" in out and "wobble down 40 % since 12 Nov" in out
    assert "Painful side against the good side:" in out
    # the program by the title a person saw on the dashboard, not its file's name
    assert "Session 2 · 20 Nov 09:00 · Hip rehab (test): 6/6 reps, 3/3 sets" in out
    assert max(len(line) for line in out.splitlines() if db not in line) <= 80


def test_limit_and_bad_options(db, capsys):
    status, out, _ = _run(capsys, "--db", db, "--json", "--limit", "1")
    assert status == 0 and [s["id"] for s in json.loads(out)] == [2]
    status, _, err = _run(capsys, "--db", db, "--limit", "0")
    assert status == 2 and err.count("\n") == 1
    status, _, err = _run(capsys, "--add-simulated-week")
    assert status == 2 and "needs --db" in err  # never into a person's own history


@pytest.fixture(scope="module")
def week(tmp_path_factory) -> str:
    """Two simulated days, the first and the last of a week's progress, in a database."""
    path = tmp_path_factory.mktemp("week") / "h.sqlite3"
    with History.open(path) as h:
        add_simulated_week(h, days=2, seed=5, last_day=datetime(2026, 11, 20, 9, tzinfo=UTC))
    return str(path)


MINI = "Slow single-leg mini-squats"


def test_a_simulated_week_does_both_sides(week, capsys):
    with History.open(week) as h:
        sessions = h.sessions()
    assert len(sessions) == 2 and all(s["simulated"] for s in sessions)
    assert [s["started_utc"][:10] for s in sessions] == ["2026-11-20", "2026-11-19"]
    for s in sessions:
        coach = s["summary"]["coach"]
        assert coach["title"] == "Hip rehab (short demo)" and coach["painful_leg"] == "left"
        assert coach["sets_done"] == coach["sets_planned"] == 10  # both sides, every set
        rows = {(r["exercise"], r["side_role"]): r for r in exercise_rows(s)}
        assert set(rows) == {
            (MINI, "painful"),
            (MINI, "good"),
            ("Stand on one leg", "painful"),
            ("Stand on one leg", "good"),
            ("Squat toward 90°", None),
        }
        assert all(r["completion_pct"] >= 90 for r in rows.values())
        # the painful side shakier and swaying more than the good one
        assert rows[(MINI, "painful")]["wobble_deg"] > rows[(MINI, "good")]["wobble_deg"]
        one_leg = ("Stand on one leg", "painful"), ("Stand on one leg", "good")
        assert rows[one_leg[0]]["sway_rms_deg"] > rows[one_leg[1]]["sway_rms_deg"]
    # both steadier, the painful side less so
    found = {(t.exercise, t.side_role, t.measure): t for t in trends(sessions)}
    painful, good = found[(MINI, "painful", "wobble_deg")], found[(MINI, "good", "wobble_deg")]
    assert good.change_pct < painful.change_pct < 0
    status, out, _ = _run(capsys, "--db", week)
    words = " ".join(out.split())
    assert status == 0 and "Painful side against the good side:" in out
    assert f"{MINI} on 20 Nov, painful (left) vs good (right) side: depth" in words
    assert "Stand on one leg on 20 Nov, painful (left) vs good (right) side:" in words
    assert "Hip rehab (short demo): 7" in words and " · demo:" not in words


async def test_the_history_screen_sets_the_two_sides_side_by_side(week):
    with History.open(week) as h:
        sessions = h.sessions()
    app = HistoryApp(sessions, week)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        plot = screen.query_one(MeasurePlot)
        for _ in range(5):
            if plot.series[2] != "wobble":
                await pilot.press("tab")
        words = str(screen.query_one("#history-words").render())
        assert words.startswith(f"{MINI}, left leg (painful)\nwobble down")
        assert "On 20 Nov, painful (left) vs good (right) side: wobble" in words
        assert plot.series[2] == "wobble" and plot.other[2] == "right leg (good)"
        left_axis = plot.axis
        await pilot.press("j")  # the good side: the other way round, on the same scale
        assert plot.other[2] == "left leg (painful)" and plot.axis == left_axis
        await pilot.press("q")


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
async def test_every_plot_of_the_week_fits_its_place(week, size):
    with History.open(week) as h:
        sessions = h.sessions()
    app = HistoryApp(sessions, week)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen, plot = app.screen, app.screen.query_one(MeasurePlot)
        table = screen.query_one("#history-table")
        for _ in screen.keys:
            for _ in screen._measures():
                lines = plot.render().plain.split("\n")
                # title, the scale's rows, the dates: none wrapped, none cut
                assert len(lines) == plot.size.height
                assert max(len(line) for line in lines) <= plot.size.width
                assert table.size.height == 1 + len(sessions)  # every session in view
                await pilot.press("tab")
            await pilot.press("j")
        await pilot.press("q")


def test_a_scale_takes_in_zero_and_a_share_runs_to_100():
    # a hold of 58.5-61.7 s against 60 s: a flat line near the top, not a trend
    lo, hi, ticks = plot_axis("hold_s", [58.5, 61.7, 60.2], target=60.0, rows=7)
    assert lo == 0 and hi >= 61.7 and (61.7 - 58.5) / (hi - lo) < 0.05
    assert plot_axis("completion_pct", [66.7, 100.0], rows=7)[:2] == (0.0, 100.0)
    for rows in (3, 7, 30):  # ticks on whole numbers, and a row or more apart
        lo, hi, ticks = plot_axis("completion_pct", [66.7, 100.0], rows=rows)
        assert ticks[0] == 0 and ticks[-1] == 100 and all(t == int(t) for t in ticks)
        assert 2 <= len(ticks) <= max(2, rows // 2 + 1)
    # SPARC has no zero: a change under 0.2 ("about the same") stays under a tenth
    lo, hi, _ = plot_axis("sparc", [-4.85, -4.75], rows=7)
    assert hi - lo >= 2.0 and lo <= -4.85 and hi >= -4.75


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
        assert plot.axis[0] == 0  # wobble from 0°: its 40 % fall looks like 40 %
        await pilot.press("j")
        assert plot.series[2] == "time on one leg" and plot.series[1] == [45.0, 45.0]
        lo, hi, _ = plot.axis
        assert lo == 0 and hi >= 60  # from 0 to the target (60 s) and beyond
        await pilot.press("left")  # the share done of a stance: its time against 60 s
        assert plot.series[2:] == ("time held of that prescribed", " %")
        assert plot.series[1] == [75.0, 75.0] and plot.axis[:2] == (0, 100)
        assert all(t == int(t) for t in plot.axis[2])
        await pilot.press("right", "right")
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


def test_a_session_quit_before_anything_was_done_is_not_stored(tmp_path):
    from tracker.commands.live import save_session_to_history

    db = tmp_path / "h.sqlite3"
    nothing = {"reps": [], "balance": [], "coach": {"sets_done": 0, "sets_planned": 10}}
    note = save_session_to_history(
        nothing, recording_path=None, program="p", started_utc="2026-11-12T09:00:00Z",
        simulated=False, db=str(db),
    )  # fmt: skip
    assert note == "Nothing done: not added to the history."
    assert not db.exists()
