"""Replay, headless: a recording re-run through a fresh pipeline and coach, as live ran them.

The recorded samples are pushed in order; the recorded actions (``recalibrate``, a
person's ``coach`` commands) are applied right after the sample they followed live
(``after_t_s``) and the source statuses after the samples recorded before them.
The pipeline is chunk-invariant, so whatever the playback speed the same
``Update`` stream (and the same rep rows) comes out. Seeking re-runs from the
start; checkpoints (deep copies of pipeline and workout every ``checkpoint_s`` of
the first pass) make that fast without changing the result.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from tracker.engine.pipeline import Pipeline
from tracker.files.replay import ReplayData, status_of
from tracker.workout.view import ReplayInfo, Workout

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
PRE_ROLL_S = 1.0  # a jump lands this long before what it jumps to
PASS_OVER_S = 5.0  # playback waits through a shorter silence, and passes a longer one at once


@dataclass(frozen=True)
class _Action:
    after_s: float  # applied once every sample with t <= after_s was pushed
    kind: str  # status | recalibrate | coach
    event: dict


def _actions(data: ReplayData) -> list[_Action]:
    out = []
    for e in data.events:
        if e["kind"] in ("recalibrate", "coach"):
            after = e.get("after_t_s")
            out.append(_Action(-np.inf if after is None else float(after), e["kind"], e))
        elif status_of(e) is not None:
            out.append(_Action(float(e["t_s"]), "status", e))
    return sorted(out, key=lambda a: a.after_s)  # stable: recorded order among equals


class ReplayPlayer:
    """Play a ``ReplayData`` into a ``Workout`` (see the module docstring).

    Parameters
    ----------
    data : ReplayData
    make_pipeline, make_workout : callable
        Fresh objects configured as the live session was.
    checkpoint_s : float
        Stream seconds between the first pass's checkpoints.
    """

    def __init__(
        self,
        data: ReplayData,
        make_pipeline: Callable[[], Pipeline],
        make_workout: Callable[[], Workout],
        *,
        checkpoint_s: float = 60.0,
    ):
        self.data = data
        self.make_pipeline, self.make_workout = make_pipeline, make_workout
        self.checkpoint_s = checkpoint_s
        self.t = data.block.t_s
        self.actions = _actions(data)
        self.speed = 1.0
        self.playing = True
        self.marks: dict[str, list[float]] = {"rep": [], "set": [], "bout": []}
        self._checkpoints: list[tuple[int, int, Pipeline, Workout]] = []
        self.indexed = False
        self._reset()

    def _reset(self) -> None:
        self.pipeline = self.make_pipeline()
        self.workout = self.make_workout()
        self.i = 0  # next sample to push
        self.k = 0  # next action to apply
        self.finished = False
        self.clock_s = self.data.start_s  # where playback is, between samples too

    # -- where ------------------------------------------------------------------------

    @property
    def position_s(self) -> float:
        return float(self.t[self.i - 1]) if self.i else self.data.start_s

    def info(self) -> ReplayInfo:
        return ReplayInfo(
            self.position_s, self.data.start_s, self.data.end_s, self.speed, self.playing
        )

    # -- the first pass ------------------------------------------------------------------

    def index(self, slice_s: float = 30.0) -> Iterator[float]:
        """Run the whole recording once: checkpoints and the jump marks.

        A generator: yields the fraction done after each ``slice_s`` of stream, so a
        caller on an event loop can let others run between slices. Afterwards the
        player is back at the start.
        """
        self._reset()
        self._checkpoints = [(0, 0, copy.deepcopy(self.pipeline), copy.deepcopy(self.workout))]
        marks = {"rep": [], "set": [], "bout": []}
        next_checkpoint = self.data.start_s + self.checkpoint_s
        while self.i < len(self.t):
            target = self.position_s + slice_s
            if self.t[self.i] > target:  # a silence of a day is one step, not 2880
                target = float(self.t[self.i]) + slice_s
            for item in self.advance_to(target):
                if isinstance(item, list):  # coach events
                    marks["set"] += [e.summary.start_s for e in item if e.kind == "set"]
            if self.position_s >= next_checkpoint:
                snapshot = (self.i, self.k, self.pipeline, self.workout)
                self._checkpoints.append(copy.deepcopy(snapshot))
                next_checkpoint = self.position_s + self.checkpoint_s
            yield self.i / len(self.t)
        self.finish()
        marks["rep"] = [r.start_s for r in self.pipeline.all_reps]
        marks["bout"] = [b.start_s for b in self.pipeline.all_bouts]
        self.marks = {k: sorted(v) for k, v in marks.items()}
        self.indexed = True
        self.seek(self.data.start_s)

    # -- playing ------------------------------------------------------------------------

    def play_for(self, elapsed_s: float) -> Iterator:
        """Run the playback clock on by ``elapsed_s`` of wall time at ``speed``, and push
        what became due (as ``advance_to``). The clock runs through a silence (a lost
        sensor is seen for as long as it was lost) unless it lasts over ``PASS_OVER_S``:
        then it goes on at the next sample."""
        self.clock_s = max(self.clock_s, self.position_s) + elapsed_s * self.speed
        if 0 < self.i < len(self.t) and self.t[self.i] - self.t[self.i - 1] > PASS_OVER_S:
            self.clock_s = max(self.clock_s, float(self.t[self.i]))
        yield from self.advance_to(self.clock_s)

    def advance_to(self, target_s: float) -> Iterator:
        """Push every sample up to ``target_s`` (and the actions among them).

        Yields what the screen should hear about, in order: a list of coach events
        per pipeline update (possibly empty) and each ``SourceStatus``.
        """
        t, n = self.t, len(self.t)
        stop = int(np.searchsorted(t, target_s, "right"))
        while self.i < stop or (self.k < len(self.actions) and self._due(target_s)):
            upto = stop
            if self.k < len(self.actions):
                upto = min(upto, int(np.searchsorted(t, self.actions[self.k].after_s, "right")))
            if upto > self.i:
                block = self.data.block.slice(self.i, upto)
                self.i = upto
                yield self.workout.on_update(self.pipeline.push(block))
            if self.k < len(self.actions) and self._due(target_s):
                yield from self._apply(self.actions[self.k])
                self.k += 1
        if self.i >= n and not self.finished and target_s >= self.data.end_s:
            yield from self.finish()

    def _due(self, target_s: float) -> bool:
        after = self.actions[self.k].after_s
        if self.i >= len(self.t) and target_s >= self.data.end_s:
            return True  # at the end: what was recorded after the last sample too
        return after <= target_s and int(np.searchsorted(self.t, after, "right")) <= self.i

    def _apply(self, action: _Action) -> Iterator:
        if action.kind == "status":
            status = status_of(action.event)
            self.workout.on_status(status)
            yield status
        elif action.kind == "recalibrate":
            self.pipeline.recalibrate()
        else:
            yield self.workout.command(str(action.event.get("command")))

    def finish(self) -> Iterator:
        """The end of the recording: finish the pipeline and the coach."""
        if self.finished:
            return
        self.finished = True
        yield self.workout.on_update(self.pipeline.finish())
        yield self.workout.finish()

    def seek(self, target_s: float) -> None:
        """Go to stream time ``target_s``: from the last checkpoint before it, re-run up to it."""
        target_s = min(max(target_s, self.data.start_s), self.data.end_s)
        usable = [c for c in self._checkpoints if c[0] == 0 or self.t[c[0] - 1] <= target_s]
        if usable:
            i, k, pipeline, workout = copy.deepcopy(usable[-1])
            self.i, self.k, self.pipeline, self.workout = i, k, pipeline, workout
            self.finished = False
        else:
            self._reset()
        for _ in self.advance_to(target_s):
            pass
        self.clock_s = target_s

    def next_mark(self, kind: str) -> float | None:
        """Where to jump for the next ``rep``, ``set`` or ``bout`` after the position.

        A seek lands on the last sample at or before its target, so a mark counts as ahead
        only when seeking to it moves past the samples already pushed (else the same mark
        would be found again from where the last jump landed).
        """
        for start in self.marks.get(kind, []):
            target = start - PRE_ROLL_S
            if int(np.searchsorted(self.t, target, "right")) > self.i:
                return target
        return None

    def _nearest(self) -> int:
        return int(np.argmin([abs(np.log(s / self.speed)) for s in SPEEDS]))

    def faster(self) -> float:
        self.speed = SPEEDS[min(self._nearest() + 1, len(SPEEDS) - 1)]
        return self.speed

    def slower(self) -> float:
        self.speed = SPEEDS[max(self._nearest() - 1, 0)]
        return self.speed
