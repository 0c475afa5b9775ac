"""Driving the dashboard headless: build apps, record what the screen showed."""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path

from textual.widgets import DataTable, Footer, Static

from tracker.cli import build_parser
from tracker.commands import live, replay
from tracker.screens.workout.messages import CoachNotice
from tracker.screens.workout.widgets import cue_text, step_text, top_text
from tracker.sim import simulate
from tracker.workout.coach import CoachEvent
from tracker.workout.view import WorkoutView

WAIT_S = 60.0  # a safety net for a broken test, never a pacing delay

PROGRAM = """
name = "test-program"
title = "Test program"
[[step]]
name = "Mini-squats"
kind = "reps"
sets = 2
reps = 3
sides = "alternate"
sensor = "working"
rest_s = 10
descent_s = 3.0
depth_deg = 20
depth_range_deg = [10, 35]
wobble_max_deg = 1.0
cue = "Slow and steady."
[[step]]
name = "One leg"
kind = "balance"
sets = 1
sides = "painful"
sensor = "working"
hold_s = 60
cue = "Stand on one leg."
"""


@cache
def sim(kind: str, seed: int, **options):
    return simulate(kind, seed=seed, **options)


def live_app(session, program, out, *, speed=None, drop_at=None, extra=()):
    """The live app on the simulated sensor: on simulated time (``speed`` None: as fast as
    the session takes it, the same views every run) or paced ``speed`` times real time."""
    argv = ["live", "--simulate", "--program", str(program), "-o", str(out)]
    argv += ["--db", str(Path(out).with_suffix(".sqlite"))]  # never the person's own
    argv += ["--speed", str(speed or 1.0), *extra]
    if drop_at is not None:
        argv += ["--drop-at", str(drop_at)]
    args = build_parser().parse_args(argv)
    return live.build(args, session=session, virtual_clock=speed is None)


def texts(view: WorkoutView) -> dict:
    """What the workout screen shows of a view: its top bar, step panel and cue line."""
    return {
        "top": str(top_text(view)),
        "step": str(step_text(view)),
        "cue": str(cue_text(view)),
    }


def replay_app(path, *, speed=200.0, start=None, playing=True, program=None):
    argv = ["replay", str(path)] + (["--program", str(program)] if program else [])
    app = replay.build(build_parser().parse_args(argv), speed=speed)
    app.driver.start_at_s = start
    app.driver.start_playing = playing
    return app


class Waiting:
    """Conditions waited on; ``_check`` runs them after each thing the app showed."""

    _waiters: list[tuple]

    def _check(self) -> None:
        for pred, event in self._waiters:
            if not event.is_set() and pred(self):
                event.set()

    async def until(self, pred) -> None:
        """Wait until ``pred(self)`` holds (checked after each thing the app showed)."""
        if pred(self):
            return
        event = asyncio.Event()
        self._waiters.append((pred, event))
        await asyncio.wait_for(event.wait(), WAIT_S)


class Screenshots(Waiting):
    """What the workout screen showed after each view: a few texts per frame."""

    def __init__(self, app):
        self.frames: list[dict] = []
        self.notices: list[CoachEvent] = []
        self.views = []  # every view the screen drew
        self.posted = []  # every view posted (queued ones are merged before drawing)
        self._waiters: list[tuple] = []
        app.displayed = self._displayed
        post = app._post

        def record(item):  # every view the driver posts, before the queue merges them
            if isinstance(item, WorkoutView):
                self.posted.append(item)
            post(item)

        app._post = record
        self.app = app

    def _displayed(self, view) -> None:
        s = self.app.workout_screen
        self.views.append(view)
        self.frames.append(
            {
                "top": str(s.query_one("#top").content),
                "step": str(s.query_one("#step").content),
                "big": s.query_one("#big").value,
                "label": str(s.query_one("#big-label").content),
                "cue": str(s.query_one("#cue").content),
                "balance": s.has_class("-balance"),
            }
        )
        self._check()

    def hook(self, message) -> None:
        if isinstance(message, CoachNotice):
            self.notices.append(message.event)
        self._check()

    def kinds(self, kind: str) -> list[CoachEvent]:
        return [e for e in self.notices if e.kind == kind]


def not_whole(screen) -> list[tuple]:
    """What ``screen`` shows only in part: a text that needs more rows than its widget has
    (wrapped, its last rows are cut), or a table or the key bar wider than its room (it
    scrolls sideways). Widgets in a scrolling column may be taller than the screen."""
    out = []
    for w in screen.query("*"):
        if not w.display or not w.size.width:
            continue
        if isinstance(w, Static):
            rows = w.get_content_height(w.size, screen.size, w.size.width)
            if rows > w.size.height:
                text = getattr(w.render(), "plain", "")
                out.append((w, f"{rows} rows in {w.size.height}", text))
        elif isinstance(w, (DataTable, Footer)):
            room = w.scrollable_content_region.width
            if w.virtual_size.width > room:
                out.append((w, f"{w.virtual_size.width} wide in {room}"))
    return out
