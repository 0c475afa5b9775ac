"""The messages the dashboard's screens learn from: immutable payloads, views coalesced."""

from __future__ import annotations

from textual.message import Message

from tracker.workout.coach import CoachEvent
from tracker.workout.drivers import Loading, SessionOver
from tracker.workout.view import WorkoutView


class ViewTick(Message):
    """A new view of the workout. Only the newest matters: queued ticks are merged."""

    def __init__(self, view: WorkoutView) -> None:
        super().__init__()
        self.view = view

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ViewTick)


class CoachNotice(Message):
    """Something the coach said (a counted rep, a cue, a set's end): never merged."""

    def __init__(self, event: CoachEvent) -> None:
        super().__init__()
        self.event = event


class SessionFinished(Message):
    """The session (or the replay) is over."""

    def __init__(self, over: SessionOver) -> None:
        super().__init__()
        self.over = over


class LoadProgress(Message):
    """A replay's first pass is under way."""

    def __init__(self, loading: Loading) -> None:
        super().__init__()
        self.fraction = loading.fraction

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LoadProgress)


def wrap(item: object) -> Message | None:
    """The message for something a driver posted."""
    if isinstance(item, WorkoutView):
        return ViewTick(item)
    if isinstance(item, CoachEvent):
        return CoachNotice(item)
    if isinstance(item, SessionOver):
        return SessionFinished(item)
    if isinstance(item, Loading):
        return LoadProgress(item)
    return None
