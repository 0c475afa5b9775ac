"""A trial's pipeline output kept whole: the uniform-grid traces the timing works on."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tracker.core.types import ImuBlock, Stand, Update
from tracker.engine.pipeline import Pipeline, PipelineConfig


@dataclass(frozen=True, eq=False)
class Trace:
    """Thigh inclination and 2-D tilt (degrees) on the pipeline's uniform grid.

    Samples before the standing (or, for chair tests, seated) reference was taken
    are NaN. ``stands`` are the rises the engine reported; ``events`` the recording's
    events (cues, marks) as dicts with ``t_s`` and ``kind``.
    """

    t_s: np.ndarray
    inclination_deg: np.ndarray
    tilt_deg: np.ndarray
    rate_hz: float
    stands: tuple[Stand, ...] = ()
    events: tuple[dict, ...] = field(default_factory=tuple)

    @property
    def end_s(self) -> float | None:
        """Time of the last sample (None when empty)."""
        return float(self.t_s[-1]) if len(self.t_s) else None

    def missing_s(self, first_s: float, last_s: float) -> float:
        """Seconds without samples (silences the grid does not bridge) between two times."""
        t = self.t_s
        if len(t) < 2:
            return 0.0
        step = np.diff(t)
        over = (step > 1.5 / self.rate_hz) & (t[1:] > first_s) & (t[:-1] < last_s)
        return float(np.sum(step[over] - 1.0 / self.rate_hz))

    def valid(self) -> np.ndarray:
        """Samples measured against a reference (finite inclination)."""
        return np.isfinite(self.inclination_deg)

    def cue_s(self, cue: str = "start") -> float | None:
        """Time of the first ``cue`` event (the start cue by default), if recorded."""
        for ev in self.events:
            if ev.get("kind") == "cue" and ev.get("cue", "start") == cue:
                return float(ev["t_s"])
        return None


class TraceRecorder:
    """Collects a pipeline's updates (live, block by block) into a ``Trace``."""

    def __init__(self, rate_hz: float):
        self.rate_hz = rate_hz
        self._updates: list[Update] = []
        self.events: list[dict] = []

    def add(self, update: Update) -> None:
        self._updates.append(update)

    def mark(self, kind: str, t_s: float, **fields) -> None:
        """Note an event (a cue, the clinician's key) on the samples' time base."""
        self.events.append({"t_s": float(t_s), "kind": kind, **fields})

    def trace(self) -> Trace:
        if not self._updates:
            empty = np.empty(0)
            return Trace(empty, empty, np.empty((0, 2)), self.rate_hz, (), tuple(self.events))
        merged = Update.merge(self._updates)
        self._updates = [merged]  # later calls concatenate less
        return Trace(
            merged.t_s,
            merged.inclination_deg,
            merged.tilt_deg,
            self.rate_hz,
            merged.stands,
            tuple(self.events),
        )


def trace_of_blocks(blocks, exercise: str, events=()) -> Trace:
    """Run a fresh pipeline (``exercise`` "balance" or "sit_to_stand") over ``blocks``."""
    pipeline = Pipeline(PipelineConfig(exercise=exercise))
    recorder = TraceRecorder(pipeline.config.rate_hz)
    for block in blocks:
        recorder.add(pipeline.push(block))
    recorder.add(pipeline.finish())
    for ev in events:
        recorder.events.append(dict(ev))
    return recorder.trace()


def trace_of_recording(path, exercise: str) -> Trace:
    """The trace of a recording (own format or interchange CSV), with its events.

    Raises ``InputError`` naming the file when it cannot be read.
    """
    from tracker.files.recording import Recording, is_own_format
    from tracker.files.replay import iter_blocks

    events = Recording.open(path).events() if is_own_format(path) else []
    return trace_of_blocks(iter_blocks(path), exercise, events)


def trace_of_block(block: ImuBlock, exercise: str, events=()) -> Trace:
    """The trace of samples held in memory (tests, the simulator)."""
    return trace_of_blocks([block], exercise, events)
