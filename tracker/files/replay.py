"""Recorded sessions as samples: the same blocks for `tracker analyze` and for replay.

``iter_blocks`` gives a recording's samples in order; ``load_replay`` gives them
with the recorded events (statuses, recalibrations, a person's commands) for the
dashboard's replay; ``ReplaySource`` streams a recording in (scaled) real time as
an ``ImuSource``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tracker.core.sources import SourceData, SourceItem, SourceStatus
from tracker.core.types import ImuBlock, RawPacket

STATUS_KINDS = (
    "connecting",
    "connected",
    "streaming",
    "disconnected",
    "reconnecting",
    "gap",
    "battery",
    "info",
    "stopped",
    "failed",
)


PACKETS_PER_DECODE = 4096  # a long run of packets is decoded in parts (same samples)


def iter_blocks(path: str | Path) -> Iterator[ImuBlock]:
    """The samples of a recording (own format or interchange CSV), in order.

    Packet records are decoded with the firmware profile stored in the recording,
    one decoder for the whole stream as live ran it, so replay re-runs decoding
    exactly; sample records (a source without packets) are passed through, each
    where it stands in the file. Read piece by piece: memory stays flat.
    """
    from tracker.files.csv_stream import csv_blocks
    from tracker.files.recording import Recording, is_own_format

    if not is_own_format(path):
        yield from csv_blocks(path)
        return
    yield from recording_blocks(Recording.open(path))


def recording_blocks(rec) -> Iterator[ImuBlock]:
    """A ``Recording``'s samples in file order (see ``iter_blocks``), in blocks of a few
    thousand samples."""
    for kind, obj in _coalesced(recording_items(rec)):
        if kind == "S":
            yield obj


def recording_items(rec) -> Iterator[tuple[str, object]]:
    """``('S', ImuBlock)`` and ``('E', dict)`` in file order, packets decoded into samples
    (where a run of packets ends, or every ``PACKETS_PER_DECODE`` of them)."""
    decoder = None
    run: list[RawPacket] = []
    for kind, obj in rec.records():
        if kind == "P":
            run.append(obj)
            if len(run) < PACKETS_PER_DECODE:
                continue
        if run:
            decoder = decoder or _decoder(rec)
            block = decoder.feed_many(run).block
            run = []
            if len(block):
                yield "S", block
        if kind in ("S", "E"):
            yield kind, obj
    if run:
        decoder = decoder or _decoder(rec)
        block = decoder.feed_many(run).block
        if len(block):
            yield "S", block


def _decoder(rec):
    """A decoder for the recording's stored profile and stream settings."""
    from tracker.core.errors import InputError
    from tracker.sensors.catalog import load_profile_text

    if rec.profile_toml is None:
        raise InputError(
            "the recording has packets but no firmware profile to decode them", path=rec.path
        )
    try:
        from tracker.sensors.decode import make_decoder
    except ImportError:
        raise InputError(
            "the recording holds raw sensor packets, and this version of tracker has no "
            "decoder for them (tracker.sensors.decode)",
            path=rec.path,
        ) from None

    profile = load_profile_text(rec.profile_toml, f"{rec.path} (stored profile)")
    meta = rec.metadata
    return make_decoder(profile, **{k: meta.get(k) for k in ("rate_hz", "acc_range", "gyr_range")})


def stream_into(pipeline, rec) -> None:
    """Push a whole ``Recording`` into ``pipeline`` as it is read, recalibrating where the
    session did: ``replay_into`` without holding the recording (the same pushes' results).
    """
    due: list[float] = []  # recalibrations waiting for the stream to pass their point
    for kind, obj in _coalesced(recording_items(rec)):
        if kind == "E":
            if obj.get("kind") == "recalibrate" and obj.get("after_t_s") is not None:
                due.append(float(obj["after_t_s"]))
            continue
        start = 0
        while due:
            stop = int(np.searchsorted(obj.t_s, due[0], side="right"))
            if stop == len(obj):
                break  # samples up to the point may still come
            if stop > start:
                pipeline.push(obj.slice(start, stop))
                start = stop
            pipeline.recalibrate()
            due.pop(0)
        if start < len(obj):
            pipeline.push(obj.slice(start, len(obj)))
    for _ in due:
        pipeline.recalibrate()


def _coalesced(items, samples: int = 4096):
    """``items`` with consecutive sample blocks joined into blocks of ``samples`` or more
    (a record holds a second: a push each would cost the pipeline more than its work)."""
    pending: list[ImuBlock] = []
    count = 0
    for kind, obj in items:
        if kind == "S":
            pending.append(obj)
            count += len(obj)
            if count < samples:
                continue
        if pending:
            yield "S", ImuBlock.concat(pending)
            pending, count = [], 0
        if kind != "S":
            yield kind, obj
    if pending:
        yield "S", ImuBlock.concat(pending)


@dataclass(frozen=True, eq=False)
class ReplayData:
    """A recording loaded for replay: all its samples and its events in stream order.

    Attributes
    ----------
    path : str
    block : ImuBlock
        Every sample, decoded as live decoded it.
    events : tuple of dict
        Recorded events (``t_s``, ``kind``, ...): source statuses and the actions
        taken during the session (``recalibrate``, ``coach`` with ``after_t_s``).
    header : dict
        The recording's header (empty for an interchange CSV).
    warnings : tuple of str
        What was dropped or skipped while reading (a cut-off end, damage).
    """

    path: str
    block: ImuBlock
    events: tuple[dict, ...] = ()
    header: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def meta(self) -> dict:
        meta = self.header.get("meta")
        return meta if isinstance(meta, dict) else {}

    @property
    def simulated(self) -> bool:
        source = self.header.get("source")
        return isinstance(source, dict) and source.get("kind") == "simulated"

    @property
    def start_s(self) -> float:
        return float(self.block.t_s[0]) if len(self.block) else 0.0

    @property
    def end_s(self) -> float:
        return float(self.block.t_s[-1]) if len(self.block) else 0.0


def load_replay(path: str | Path) -> ReplayData:
    """Read a recording (own format or interchange CSV) for replay.

    Raises
    ------
    InputError
        The file cannot be read, is not a recording, or holds no samples.
    """
    from tracker.core.errors import InputError
    from tracker.files.recording import Recording, open_any

    opened = open_any(path)
    if isinstance(opened, Recording):
        block = ImuBlock.concat(list(recording_blocks(opened)))
        events = tuple(e for e in opened.events() if isinstance(e.get("t_s"), int | float))
        data = ReplayData(str(path), block, events, opened.header, tuple(opened.warnings))
    else:
        data = ReplayData(str(path), opened.block)
    if len(data.block) == 0:
        raise InputError("the recording holds no samples to replay", path=str(path))
    return data


def replay_into(pipeline, data: ReplayData) -> None:
    """Push a whole recording into ``pipeline``, recalibrating where the session did.

    A recorded ``recalibrate`` action is applied once every sample up to its
    ``after_t_s`` has been pushed, as during the session, so ``tracker analyze``
    reports what was shown live.
    """
    t = data.block.t_s
    start = 0
    for event in data.events:
        if event.get("kind") != "recalibrate" or event.get("after_t_s") is None:
            continue
        stop = int(np.searchsorted(t, float(event["after_t_s"]), side="right"))
        if stop > start:
            pipeline.push(data.block.slice(start, stop))
            start = stop
        pipeline.recalibrate()
    pipeline.push(data.block.slice(start, len(t)))


def status_of(event: dict) -> SourceStatus | None:
    """The ``SourceStatus`` a recorded status event stands for (None for other events)."""
    if event.get("kind") not in STATUS_KINDS:
        return None
    return SourceStatus(
        kind=event["kind"],
        t_s=float(event["t_s"]),
        detail=str(event.get("detail", "")),
        battery_pct=event.get("battery_pct"),
        rate_hz=event.get("rate_hz"),
        loss_fraction=event.get("loss_fraction"),
    )


class ReplaySource:
    """A recording streamed as an ``ImuSource``, ``speed`` times faster than it was recorded.

    Yields the samples in blocks of what became due, and the recorded source
    statuses at their times.
    """

    def __init__(
        self,
        recording: str | Path | ReplayData,
        *,
        speed: float = 1.0,
        block_s: float = 0.02,
        clock: Callable[[], float] = time.monotonic,
    ):
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.data = recording if isinstance(recording, ReplayData) else load_replay(recording)
        self.speed = float(speed)
        self.block_s = float(block_s)
        self.clock = clock
        self.simulated = self.data.simulated
        self.description = f"replay of {self.data.path}"
        self._closed = False

    async def aclose(self) -> None:
        self._closed = True

    async def stream(self) -> AsyncIterator[SourceItem]:
        block, t = self.data.block, self.data.block.t_s
        statuses = [s for s in map(status_of, self.data.events) if s is not None]
        status_t = np.array([s.t_s for s in statuses])
        t0, start = float(t[0]), self.clock()
        i = k = 0
        while (i < len(t) or k < len(statuses)) and not self._closed:
            now = t0 + (self.clock() - start) * self.speed
            j = int(np.searchsorted(t, now, "right"))
            due = int(np.searchsorted(status_t, now, "right"))
            while k < due:  # statuses after the samples recorded before them
                upto = int(np.searchsorted(t, status_t[k], "right"))
                if upto > i:
                    yield SourceData(block.slice(i, upto))
                    i = upto
                yield statuses[k]
                k += 1
            if j > i:
                yield SourceData(block.slice(i, j))
                i = j
            await asyncio.sleep(self.block_s)
