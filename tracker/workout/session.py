"""The headless session runner: a source into the recording and the pipeline, events out.

``SessionRunner(source, pipeline, writer).run(on_event)`` is the one loop behind
`tracker live` (and `tracker record`): it records every packet or block as it
arrives, pushes the samples into the pipeline in batches of ``batch_s``, and
hands each ``Update``, ``SourceStatus`` and ``SessionProblem`` to ``on_event``, in
order. A failing recording (disk full) becomes a ``SessionProblem``; the session
goes on without recording and what was written stays. When the source ends or
``stop()`` is called, the pipeline is finished, its last ``Update`` is handed on,
the recording is closed and a ``SessionEnded`` is the last event.

Actions that change what the pipeline or the coach does (``recalibrate``, ``mark``)
are recorded as events with ``after_t_s``, the time of the last sample pushed
before them, so a replay applies them at exactly the same point of the stream.
It runs on the caller's event loop (Textual's, or ``asyncio.run`` in a script).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from tracker.core.errors import RecordingError
from tracker.core.sources import ImuSource, SourceData, SourceStatus
from tracker.core.types import ImuBlock, Update
from tracker.engine.pipeline import Pipeline
from tracker.files.recording import RecordingWriter


@dataclass(frozen=True)
class SessionProblem:
    """Something went wrong that a person must see: ``kind`` is ``recording`` or ``source``."""

    kind: str
    text: str
    fatal: bool = False


@dataclass(frozen=True)
class SessionEnded:
    """The last event: why the session ended and the pipeline's summary (contract JSON)."""

    reason: str  # stopped | source ended | source failed
    summary: dict
    recording: str | None


SessionEvent = Update | SourceStatus | SessionProblem | SessionEnded

_END, _STOP = object(), object()


@dataclass(frozen=True)
class _Failure:
    error: BaseException


class SessionRunner:
    """Source -> recording + pipeline -> events (see the module docstring).

    Parameters
    ----------
    source : ImuSource
    pipeline : Pipeline
    writer : RecordingWriter, optional
        Receives packets (when ``SourceData.packet`` is set, else samples) and every
        status and action as an event; flushed on a timer; closed at the end.
    batch_s : float
        Longest wait between a sample's arrival and its push into the pipeline.
    clock : callable or None
        Monotonic seconds (``time.monotonic``). None: a sample arrives at its own time,
        so batches are cut by the stream's time and are the same on every run (a source
        on simulated time, in tests).
    """

    def __init__(
        self,
        source: ImuSource,
        pipeline: Pipeline,
        writer: RecordingWriter | None = None,
        *,
        batch_s: float = 0.05,
        clock: Callable[[], float] | None = time.monotonic,
    ):
        self.source = source
        self.pipeline = pipeline
        self.writer = writer
        self.batch_s = float(batch_s)
        self.clock = clock or (lambda: self._stream_s)
        self._stream_s = 0.0  # the newest sample's time
        self.recording_path = str(writer.path) if writer is not None else None
        self.recording_error: str | None = None
        self.t_s: float | None = None  # last sample pushed into the pipeline
        self.batch_arrival_s: tuple[float, float] | None = None  # first, last arrival
        self.samples = 0
        self._queue: asyncio.Queue | None = None
        self._on_event: Callable[[SessionEvent], None] | None = None
        self._stopping = False

    # -- actions (call between events, on the same loop) ----------------------------

    def recalibrate(self) -> None:
        """Take the standing reference again from the next still moment; recorded."""
        self.pipeline.recalibrate()
        self.mark("recalibrate")

    def mark(self, kind: str, **fields) -> None:
        """Record an action at the current point of the stream (``after_t_s``)."""
        t = self.t_s if self.t_s is not None else 0.0
        self._record(lambda w: w.write_event(kind, t, after_t_s=self.t_s, **fields))

    def stop(self) -> None:
        """Ask ``run`` to finish: the pipeline is finished and the recording closed."""
        self._stopping = True
        if self._queue is not None:
            self._queue.put_nowait(_STOP)

    # -- the loop --------------------------------------------------------------------

    async def run(self, on_event: Callable[[SessionEvent], None]) -> dict:
        """Run until the source ends or ``stop()``; return the pipeline's summary."""
        self._on_event = on_event
        self._queue = queue = asyncio.Queue()
        reader = asyncio.create_task(self._read(queue))
        pending: list[ImuBlock] = []
        first_arrival = last_arrival = 0.0
        reason, getter = "stopped", None
        try:
            while not self._stopping:
                wait = 0.25
                if pending:
                    wait = max(self.batch_s - (self.clock() - first_arrival), 0.0)
                if getter is None:
                    getter = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({getter}, timeout=wait)
                item = getter.result() if done else None
                if done:
                    getter = None
                if item is _STOP:
                    break
                if item is _END or isinstance(item, _Failure):
                    if isinstance(item, _Failure):
                        reason = "source failed"
                        text = f"the sensor stream failed: {_one_line(item.error)}"
                        on_event(SessionProblem("source", text, fatal=True))
                    else:
                        reason = "source ended"
                    break
                if isinstance(item, SourceStatus):
                    self._push(pending, first_arrival, last_arrival)
                    pending = []
                    self._record_status(item)
                    on_event(item)
                elif isinstance(item, SourceData):
                    self._record_data(item)
                    if len(item.block):
                        self._stream_s = float(item.block.t_s[-1])
                        now = self.clock()
                        first_arrival = now if not pending else first_arrival
                        last_arrival = now
                        pending.append(item.block)
                if pending and self.clock() - first_arrival >= self.batch_s:
                    self._push(pending, first_arrival, last_arrival)
                    pending = []
                self._record(lambda w: w.flush_if_due())
        finally:
            if getter is not None:
                getter.cancel()
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            await self.source.aclose()
            self._push(pending, first_arrival, last_arrival)
            on_event(self.pipeline.finish())
            self._record(lambda w: w.close())
            summary = self.pipeline.summary()
            on_event(SessionEnded(reason, summary, self.recording_path))
        return summary

    async def _read(self, queue: asyncio.Queue) -> None:
        try:
            async for item in self.source.stream():
                queue.put_nowait(item)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a source's failure ends the session, not the program
            queue.put_nowait(_Failure(exc))
            return
        queue.put_nowait(_END)

    def _push(self, pending: list[ImuBlock], first: float, last: float) -> None:
        if not pending:
            return
        block = pending[0] if len(pending) == 1 else ImuBlock.concat(pending)
        update = self.pipeline.push(block)
        self.t_s = float(block.t_s[-1])
        self.samples += len(block)
        self.batch_arrival_s = (first, last)
        self._on_event(update)

    # -- recording -------------------------------------------------------------------

    def _record_data(self, item: SourceData) -> None:
        if item.packet is not None:
            self._record(lambda w: w.write_packet(item.packet))
        elif len(item.block):
            self._record(lambda w: w.write_samples(item.block))

    def _record_status(self, status: SourceStatus) -> None:
        fields = {
            k: getattr(status, k)
            for k in ("detail", "battery_pct", "rate_hz", "loss_fraction")
            if getattr(status, k) not in (None, "")
        }
        self._record(lambda w: w.write_event(status.kind, status.t_s, **fields))

    def _record(self, action: Callable[[RecordingWriter], object]) -> None:
        """Run a writer action; a failure stops recording (kept so far) and is reported."""
        if self.writer is None:
            return
        try:
            action(self.writer)
        except RecordingError as exc:
            self.recording_error = exc.one_line()
            writer, self.writer = self.writer, None
            writer.close()  # after a failure this only closes the file
            if self._on_event is not None:
                self._on_event(SessionProblem("recording", self.recording_error))


def _one_line(exc: BaseException) -> str:
    one_line = getattr(exc, "one_line", None)
    return one_line() if callable(one_line) else " ".join(f"{exc}".split()) or type(exc).__name__
