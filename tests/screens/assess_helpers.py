"""Driving `tracker assess` headless: build the app, watch what it showed, wait on it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import Input

from tracker.cli import build_parser
from tracker.clinic.driver import CueNotice
from tracker.clinic.protocols import load_protocol_text
from tracker.clinic.view import AssessView
from tracker.core.sources import SourceStatus
from tracker.screens.clinic.launch import build

from .helpers import WAIT_S, Waiting

SHORT_STANCE = """
name = "sls-short"
title = "Single-leg stance (short)"
version = 1
test = "stance"
countdown_s = 2
practice_trials = 1
trials = 2
score = "best"
max_s = 20.0
tail_s = 1.5

[[condition]]
name = "eyes open, left"
leg = "left"
eyes = "open"
norm = "unipedal_eyes_open"
instructions = "Stand on the LEFT leg, eyes open."

[[condition]]
name = "eyes open, right"
leg = "right"
eyes = "open"
norm = "unipedal_eyes_open"
instructions = "Stand on the RIGHT leg, eyes open."
"""


def protocol_dir(tmp_path: Path) -> Path:
    """A clinic protocol folder holding the short single-leg stance protocol."""
    folder = tmp_path / "protocols"
    folder.mkdir(exist_ok=True)
    (folder / "sls-short.toml").write_text(SHORT_STANCE, encoding="utf-8")
    return folder


def short_stance():
    return load_protocol_text(SHORT_STANCE, "sls-short.toml")


def assess_app(db, *extra, person=None, open_source=None, speed=8.0, protocols=None):
    argv = ["assess", "--db", str(db), "--speed", str(speed), *extra]
    if protocols is not None:
        argv += ["--protocols", str(protocols)]
    args = build_parser().parse_args(argv)
    return build(args, person=person, open_source=open_source)


class Watch(Waiting):
    """Every view the app showed; ``until`` waits for a condition on them."""

    def __init__(self, app) -> None:
        self.app = app
        self.views: list[AssessView] = []
        self.tops: list[str] = []
        self.cues = []
        self._waiters: list[tuple] = []
        self.bells = 0
        app.displayed = self._displayed
        post, bell = app._post, app.bell

        def posted(item) -> None:  # what the driver hands to the app
            if isinstance(item, CueNotice):
                self.cues.append(item.cue)
            post(item)

        def rang() -> None:
            self.bells += 1
            bell()

        app._post, app.bell = posted, rang

    @property
    def view(self) -> AssessView | None:
        return self.views[-1] if self.views else None

    @property
    def state(self):
        return self.view.state if self.view is not None else None

    def _displayed(self, view: AssessView) -> None:
        self.views.append(view)
        if not self.app.screen_stack:  # shutting down
            return
        top = self.app.screen.query("#top")
        if top:
            self.tops.append(str(top.first().content))
        self._check()

    def press_when(self, pred, key: str) -> None:
        """Press ``key`` at the first view where ``pred`` holds.

        Under a fast simulated stream ``pilot.press`` returns only once the app is idle,
        which may be after the trial ended; this presses at the moment the screen showed.
        """
        event = asyncio.Event()
        self._waiters.append((pred, event))

        async def press() -> None:
            await asyncio.wait_for(event.wait(), WAIT_S)
            self.app.simulate_key(key)

        self.pressing = asyncio.ensure_future(press())

    async def screen(self, pilot, name: str) -> None:
        """Wait until the screen on top is the one called ``name`` and its widgets are
        mounted (under load a pushed screen is on top a moment before it has composed)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + WAIT_S
        while type(self.app.screen).__name__ != name or not self.app.screen.is_mounted:
            assert loop.time() < end, f"no {name}"
            await pilot.pause(0.02)

    async def phase(self, *phases: str) -> None:
        await self.until(lambda w: w.state is not None and w.state.phase in phases)

    def press(self, *keys: str) -> None:
        """Press ``keys`` without waiting: Pilot's ``press`` waits after each key for the
        app to be idle, up to 2 s on a screen fed by a busy stream (a minute a flow). The
        tests wait on what the screen showed instead."""
        for key in keys:
            self.app.simulate_key(key)

    def fill(self, **texts: str) -> None:
        """Put ``texts`` in the screen's inputs by their ids (typed, they cost a key each)."""
        for widget_id, text in texts.items():
            self.app.screen.query_one(f"#{widget_id}", Input).value = text

    async def trial_done(self, pilot, key: str = "s") -> dict:
        """Press ``key`` (start or practice) and wait for the trial's result."""
        before = self.state.last_trial_id if self.state else None
        self.press(key)
        await self.until(
            lambda w: (
                w.state.phase in ("result", "done")
                and w.state.last_trial_id != before
                and not w.view.waiting
            )
        )
        return self.state.last_result


def feed_until(driver, person, pred, *, step_s: float = 0.1, limit_s: float = 600.0) -> None:
    """Hand the simulated patient's samples to the driver by hand until ``pred(driver)``."""
    if driver.link.state == "":
        driver.on_status(SourceStatus("streaming", 0.0, rate_hz=100.0, loss_fraction=0.012))
    end = (driver.t_s or 0.0) + limit_s
    while not pred(driver):
        block = person.next_block(step_s)
        driver.feed(block)
        if block.t_s[-1] > end:
            raise AssertionError("the condition was not reached")
    driver.show()
