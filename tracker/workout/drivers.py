"""What feeds the dashboard: a live session or a replay, both posting plain objects.

A driver runs as one async worker on the application's event loop and hands the
screen, through ``post``, each ``CoachEvent`` as it happens (never merged), a
``WorkoutView`` after each update (the screen may skip to the newest), and a
``SessionOver`` at the end. It takes a person's commands between its awaits.
Textual-free: the app wraps what it posts into messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tracker.core.errors import RecordingError, TrackerError
from tracker.core.sources import ImuSource, SourceStatus
from tracker.core.types import Update
from tracker.engine.pipeline import Pipeline
from tracker.files.recording import RecordingWriter
from tracker.workout.coach import CoachEvent
from tracker.workout.player import ReplayPlayer
from tracker.workout.session import SessionEnded, SessionProblem, SessionRunner
from tracker.workout.view import Workout

Post = Callable[[object], None]


@dataclass(frozen=True)
class SessionOver:
    """The end: why, the pipeline's summary, the coach's summary, where it was recorded."""

    reason: str
    summary: dict
    coach: dict
    recording: str | None = None
    history: str | None = None  # what happened to the history entry, for a person


@dataclass(frozen=True)
class Loading:
    """A replay's first pass, ``fraction`` done."""

    fraction: float


class LiveDriver:
    """A live session: find the source, record, run the pipeline and the coach.

    Parameters
    ----------
    open_source : async callable
        Returns the ``ImuSource`` (may raise a ``TrackerError``: no sensor found).
    workout : Workout
    pipeline : Pipeline
    open_writer : callable, optional
        ``open_writer(source) -> RecordingWriter``; a ``RecordingError`` there means
        the session runs without recording, and says so.
    on_end : callable, optional
        ``on_end(summary, recording_path) -> str``: store the session (history);
        returns a line for the person.
    batch_s : float
        The runner's batching (see ``SessionRunner``).
    clock : callable or None
        The runner's clock (None: batches cut by the stream's time; see ``SessionRunner``).
    """

    kind = "live"

    def __init__(
        self,
        open_source: Callable[[], Awaitable[ImuSource]],
        workout: Workout,
        pipeline: Pipeline,
        *,
        open_writer: Callable[[ImuSource], RecordingWriter] | None = None,
        on_end: Callable[[dict, str | None], str | None] | None = None,
        batch_s: float = 0.05,
        clock: Callable[[], float] | None = time.monotonic,
    ):
        self.open_source = open_source
        self.clock = clock
        self.workout = workout
        self.pipeline = pipeline
        self.open_writer = open_writer
        self.on_end = on_end
        self.batch_s = batch_s
        self.runner: SessionRunner | None = None
        self._post: Post = lambda item: None
        self._stop_early = False

    async def run(self, post: Post) -> None:
        self._post = post
        try:
            source = await self.open_source()
        except TrackerError as exc:
            self.workout.problem = exc.one_line()
            post(self.workout.view())
            post(SessionOver("no sensor", {}, self.workout.coach.session_summary()))
            return
        writer = None
        if self.open_writer is not None:
            try:
                writer = self.open_writer(source)
            except RecordingError as exc:
                self.workout.recording_error = exc.one_line()
        self.runner = SessionRunner(
            source, self.pipeline, writer, batch_s=self.batch_s, clock=self.clock
        )
        self.workout.recording = self.runner.recording_path
        post(self.workout.view())
        if self._stop_early:
            self.runner.stop()
        await self.runner.run(self._on_event)

    def _on_event(self, event) -> None:
        post, workout = self._post, self.workout
        if isinstance(event, Update):
            self._emit(workout.on_update(event))
            arrival = self.runner.batch_arrival_s[1] if self.runner.batch_arrival_s else None
            post(workout.view(arrival_s=arrival))
        elif isinstance(event, SourceStatus):
            workout.on_status(event)
            post(workout.view())
        elif isinstance(event, SessionProblem):
            if event.kind == "recording":
                workout.recording_error = event.text
            else:
                workout.problem = event.text
            post(workout.view())
        elif isinstance(event, SessionEnded):
            self._emit(workout.finish())
            coach = workout.coach.session_summary()
            note = None
            if self.on_end is not None:
                note = self.on_end({**event.summary, "coach": coach}, event.recording)
            post(workout.view())
            post(SessionOver(event.reason, event.summary, coach, event.recording, note))

    def _emit(self, events: list[CoachEvent]) -> None:
        for e in events:
            self._post(e)

    # -- a person's keys ---------------------------------------------------------------

    def command(self, name: str) -> None:
        """A coach command (``next``, ``toggle_pause``, ``sensor_moved``), recorded."""
        if self.runner is None:
            return
        self._emit(self.workout.command(name))
        self.runner.mark("coach", command=name)
        self._post(self.workout.view())

    def recalibrate(self) -> None:
        if self.runner is not None:
            self.runner.recalibrate()

    def stop(self) -> None:
        if self.runner is None:
            self._stop_early = True
        else:
            self.runner.stop()


class ReplayDriver:
    """Replay a recording at 0.25x-16x with pause, seek and jumps (see ``ReplayPlayer``).

    ``speed`` may start outside that range (tests play very fast); the keys step
    through the usual speeds.
    """

    kind = "replay"

    def __init__(
        self,
        player: ReplayPlayer,
        *,
        speed: float = 1.0,
        tick_s: float = 0.05,
        start_at_s: float | None = None,
        playing: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.player = player
        self.player.speed = speed
        self.start_at_s = start_at_s
        self.start_playing = playing
        self.tick_s = tick_s
        self.clock = clock
        self._wake = asyncio.Event()
        self._stopped = False
        self._post: Post = lambda item: None
        self._over_sent = False

    @property
    def workout(self) -> Workout:
        return self.player.workout

    async def run(self, post: Post) -> None:
        self._post = post
        for fraction in self.player.index():
            post(Loading(fraction))
            await asyncio.sleep(0)
        if self.start_at_s is not None:
            self.player.seek(self.start_at_s)
        self.player.playing = self.start_playing
        self._show()
        last = self.clock()
        while not self._stopped:
            now = self.clock()
            if self.player.playing and not self.player.finished:
                self._play(now - last)
            last = now
            if self.player.finished and not self._over_sent:
                self._over_sent = True
                self.player.playing = False
                self._show()
                coach = self.workout.coach.session_summary()
                post(SessionOver("replay ended", self.player.pipeline.summary(), coach))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.tick_s)

    def _play(self, elapsed_s: float) -> None:
        for item in self.player.play_for(elapsed_s):
            if isinstance(item, list):
                for e in item:
                    self._post(e)
            elif isinstance(item, SourceStatus):
                self._show()  # a link change is seen even when playing fast
        self._show()

    def _show(self) -> None:
        self._post(self.workout.view(replay=self.player.info()))

    # -- a person's keys ------------------------------------------------------------------

    def toggle_play(self) -> None:
        if self.player.finished:
            self.seek_to(self.player.data.start_s)
        self.player.playing = not self.player.playing
        self._show()
        self._wake.set()

    def seek_to(self, t_s: float) -> None:
        self.player.seek(t_s)
        self._over_sent = self.player.finished
        self._show()
        self._wake.set()

    def seek_by(self, delta_s: float) -> None:
        self.seek_to(self.player.position_s + delta_s)

    def jump(self, kind: str) -> bool:
        """To the next rep, set or bout; False when there is none."""
        target = self.player.next_mark(kind)
        if target is None:
            return False
        self.seek_to(target)
        return True

    def faster(self) -> None:
        self.player.faster()
        self._show()

    def slower(self) -> None:
        self.player.slower()
        self._show()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()
