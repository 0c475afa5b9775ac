"""The own recording format: append-only, checksummed records (see docs/recording-format.md)."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import struct
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import numpy as np

from tracker import __version__
from tracker.core.errors import InputError, RecordingError
from tracker.core.types import ImuBlock, RawPacket
from tracker.files.interchange import CsvRecording, input_error_for, read_csv
from tracker.files.recording_meta import meta_problem
from tracker.files.recording_scan import PACKET_HEAD, SAMPLE_COUNT, SYNC

MAGIC = b"TRACKER-RECORDING\n"
SCHEMA_VERSION = 1
FORMAT_NAME = "tracker-recording"
# sync, type, payload length; then the payload and a CRC-32 of type + length + payload.
_HEAD = struct.Struct("<2scI")
_CRC = struct.Struct("<I")
_OVERHEAD = _HEAD.size + _CRC.size
MAX_SAMPLES_PER_RECORD = 4096  # bounds what one damaged record can take with it...
RECORD_SPAN_S = 1.0  # ...and so does this: a record holds at most a second of samples
_WRITE_THROUGH_BYTES = 1 << 20  # hand big buffers to the OS before the interval is up
LAYOUT = {
    "file": "the line 'TRACKER-RECORDING', then records until the end of the file",
    "record": (
        "sync A5 5A, type (1 ASCII byte), payload length (uint32 LE), payload, "
        "CRC-32 (uint32 LE, zlib) of type + length + payload"
    ),
    "H": "header, the first record: this JSON object (UTF-8)",
    "S": (
        "samples: n (uint32 LE), t_s[n], acc[n][3] in m/s², gyr[n][3] in rad/s, "
        "float64 LE, sensor frame"
    ),
    "P": (
        "packet as received: t_rx_s (float64 LE, host monotonic clock), channel length "
        "(uint16 LE), channel (UTF-8), payload bytes; decode with the profile above"
    ),
    "E": 'event, JSON (UTF-8): {"t_s": seconds, "kind": "gap" | "disconnected" | ..., ...}',
}

_monotonic = time.monotonic  # module attribute so tests can drive the clock


def json_default(value):
    """``json.dumps`` default for numpy values and paths (headers, events, summaries)."""
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _json_bytes(obj) -> bytes:
    return json.dumps(obj, default=json_default, ensure_ascii=False).encode("utf-8")


def _record(rtype: bytes, payload: bytes) -> bytes:
    head = _HEAD.pack(SYNC, rtype, len(payload))
    crc = zlib.crc32(payload, zlib.crc32(head[2:]))
    return head + payload + _CRC.pack(crc)


class RecordingWriter:
    """Append samples, packets and events to a new recording, durably once a second.

    Parameters
    ----------
    path : str or Path
        The file to create (an existing one is replaced).
    source : dict
        Where the data come from: ``{"kind": "simulated" | "ble" | "csv" | ..., ...}``.
    profile_name, profile_toml : str, optional
        The firmware profile used, stored whole so replay decodes packets as live did.
    meta : dict, optional
        Free session metadata (JSON; numpy values are converted).
    flush_interval_s : float
        Most wall-clock time (``time.monotonic``) between handing data to the OS
        and fsyncing it, checked on every write: a crash loses at most this much.
        A caller whose stream may stall calls ``flush_if_due()`` on a timer.
    private : bool
        Create the file readable by its owner only (mode 0o600).
    background : bool
        Write and fsync on a thread of the writer's own (in order), so a slow disk never
        holds up the caller (an event loop drawing a screen). ``flush()`` and ``close()``
        still wait; a failure there is raised by the next call.

    Raises
    ------
    RecordingError
        When the file cannot be created or written (permission, disk full, I/O).
    """

    def __init__(
        self,
        path,
        *,
        source: dict,
        profile_name: str | None = None,
        profile_toml: str | None = None,
        meta: dict | None = None,
        flush_interval_s: float = 1.0,
        private: bool = False,
        background: bool = False,
    ):
        self._path = Path(path)
        self._flush_interval_s = float(flush_interval_s)
        self._buffer = bytearray()
        self._pending: list[ImuBlock] = []
        self._pending_n = 0
        self._samples = self._packets = 0
        self._samples_flushed = self._packets_flushed = 0
        self._buffered_samples = self._buffered_packets = 0
        self._last_t_s: float | None = None
        self._flushed_t_s: float | None = None
        self._failed: RecordingError | None = None
        self._closed = False
        self._last_flush = _monotonic()
        profile = None
        if profile_name is not None or profile_toml is not None:
            profile = {"name": profile_name, "toml": profile_toml}
        self.header = {
            "format": FORMAT_NAME,
            "schema_version": SCHEMA_VERSION,
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "tracker_version": __version__,
            "source": dict(source),
            "profile": profile,
            "layout": LAYOUT,
            "meta": dict(meta or {}),
        }
        header = _json_bytes(self.header)  # a TypeError here, before the file exists
        mode = 0o600 if private else 0o666
        try:
            fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
            if private and hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)  # the file may have existed with a wider mode
        except OSError as exc:
            raise RecordingError(
                f"cannot create the recording ({exc.strerror or exc}); nothing was recorded",
                path=str(self._path),
            ) from None
        self._file = os.fdopen(fd, "wb", buffering=0)
        self._size = 0
        self._buffer += MAGIC + _record(b"H", header)
        try:
            self.flush()
        except RecordingError:
            self._file.close()
            raise
        _fsync_directory(self._path)
        self._disk = None  # the thread that writes and fsyncs, when in the background
        if background:
            self._disk = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recording")

    # -- what is written ---------------------------------------------------------
    @property
    def path(self) -> Path:
        return self._path

    @property
    def samples_written(self) -> int:
        """Samples accepted so far (some may still wait for the next flush)."""
        return self._samples

    @property
    def packets_written(self) -> int:
        """Packets accepted so far (some may still wait for the next flush)."""
        return self._packets

    @property
    def samples_flushed(self) -> int:
        """Samples handed to the OS and fsynced: what survives a crash."""
        return self._samples_flushed

    @property
    def packets_flushed(self) -> int:
        return self._packets_flushed

    def write_samples(self, block: ImuBlock) -> None:
        """Append decoded samples (sources without packets: simulator, CSV import)."""
        self._check_open()
        if len(block) == 0:
            return
        self._pending.append(block)
        self._pending_n += len(block)
        self._samples += len(block)
        self._last_t_s = float(block.t_s[-1])
        if self._pending_n >= MAX_SAMPLES_PER_RECORD:
            self._emit_samples()
        self._after_write()

    write_block = write_samples

    def write_packet(self, packet: RawPacket) -> None:
        """Append one notification exactly as it arrived."""
        self._check_open()
        channel = packet.channel.encode("utf-8")
        if len(channel) > 0xFFFF:
            raise ValueError("a packet channel name is limited to 65535 UTF-8 bytes")
        self._emit_samples()
        head = PACKET_HEAD.pack(float(packet.t_rx_s), len(channel))
        self._buffer += _record(b"P", head + channel + bytes(packet.payload))
        self._packets += 1
        self._buffered_packets += 1
        self._last_t_s = float(packet.t_rx_s)
        self._after_write()

    def write_event(self, kind: str, t_s: float, **fields) -> None:
        """Append an event: a gap, a disconnection, a note, a session mark..."""
        self._check_open()
        self._emit_samples()
        self._buffer += _record(b"E", _json_bytes({"t_s": float(t_s), "kind": kind, **fields}))
        self._after_write()

    # -- durability ----------------------------------------------------------------
    def flush(self) -> None:
        """Hand everything buffered to the OS and fsync it (waiting for the disk)."""
        self._hand_over(sync=True, wait=True)

    def flush_if_due(self) -> bool:
        """Flush if ``flush_interval_s`` has passed since the last flush; True if it did
        (in the background: handed to the writer's thread, not waited for)."""
        self._check_open()
        if _monotonic() - self._last_flush < self._flush_interval_s:
            return False
        self._hand_over(sync=True, wait=False)
        return True

    def close(self) -> None:
        """Flush and close; idempotent. After a write error it only closes the file."""
        if self._closed:
            return
        try:
            if self._failed is None:
                self.flush()
        finally:
            self._closed = True
            disk = getattr(self, "_disk", None)
            if disk is not None:
                disk.shutdown(wait=True)
            self._file.close()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- internals -----------------------------------------------------------------
    def _check_open(self) -> None:
        if self._failed is not None:
            raise self._failed
        if self._closed:
            raise ValueError(f"{self._path}: the recording is closed")

    def _after_write(self) -> None:
        if _monotonic() - self._last_flush >= self._flush_interval_s:
            self._hand_over(sync=True, wait=False)
        elif len(self._buffer) >= _WRITE_THROUGH_BYTES:
            self._hand_over(sync=False, wait=False)

    def _hand_over(self, *, sync: bool, wait: bool) -> None:
        """What is buffered to the disk, and fsynced if ``sync``: at once, or on the
        writer's thread (waited for if ``wait``)."""
        self._check_open()
        self._emit_samples()
        data = bytes(self._buffer)
        counts = (self._buffered_samples, self._buffered_packets, self._last_t_s)
        self._buffer.clear()
        if sync:
            self._buffered_samples = self._buffered_packets = 0
            self._last_flush = _monotonic()
        disk = getattr(self, "_disk", None)
        if disk is None:
            self._to_disk(data, sync, counts)
            return
        done = disk.submit(self._to_disk, data, sync, counts)
        if wait:
            done.result()  # raises the RecordingError of a failure

    def _to_disk(self, data: bytes, sync: bool, counts) -> None:
        """Write ``data`` and, if ``sync``, fsync; then count what is durable."""
        if self._failed is not None:
            raise self._failed
        complete_size = self._size  # the data hold whole records only
        view = memoryview(data)
        try:
            while view:
                n = self._file.write(view)
                view = view[n:]
                self._size += n
        except OSError as exc:
            raise self._fail(exc, complete_size) from None
        if not sync:
            return
        try:
            os.fsync(self._file.fileno())
        except OSError as exc:
            raise self._fail(exc) from None
        samples, packets, last_t_s = counts
        self._samples_flushed += samples
        self._packets_flushed += packets
        self._flushed_t_s = last_t_s

    def _emit_samples(self) -> None:
        """Pending blocks become 'S' records of at most MAX_SAMPLES_PER_RECORD samples and
        RECORD_SPAN_S seconds, so one damaged byte costs a second of samples at most (a file
        written at once, as `tracker simulate` does, lost 41 s to one)."""
        if not self._pending:
            return
        block = ImuBlock.concat(self._pending)
        self._pending, self._pending_n = [], 0
        for part in _spans(block):
            n = len(part)
            payload = b"".join(
                [
                    SAMPLE_COUNT.pack(n),
                    np.ascontiguousarray(part.t_s, dtype="<f8").tobytes(),
                    np.ascontiguousarray(part.acc, dtype="<f8").tobytes(),
                    np.ascontiguousarray(part.gyr, dtype="<f8").tobytes(),
                ]
            )
            self._buffer += _record(b"S", payload)
        self._buffered_samples += len(block)

    def _fail(self, exc: OSError, complete_size: int | None = None) -> RecordingError:
        """Cut a partly written record off the file and remember the failure."""
        if complete_size is not None:
            # The reader drops a partial last record anyway; this keeps the file tidy.
            with contextlib.suppress(OSError):
                self._file.truncate(complete_size)
        until = "" if self._flushed_t_s is None else f" up to t = {self._flushed_t_s:.1f} s"
        self._failed = RecordingError(
            f"could not write the recording ({exc.strerror or exc}); stopped recording. "
            f"Kept what was saved before: {self._samples_flushed} samples and "
            f"{self._packets_flushed} packets{until}",
            path=str(self._path),
        )
        self._buffer.clear()
        self._pending, self._pending_n = [], 0
        return self._failed


def _spans(block: ImuBlock):
    """``block`` in pieces of at most RECORD_SPAN_S seconds and MAX_SAMPLES_PER_RECORD."""
    second = np.floor((block.t_s - block.t_s[0]) / RECORD_SPAN_S)
    cuts = [0, *(np.flatnonzero(np.diff(second)) + 1).tolist(), len(block)]
    for start, stop in itertools.pairwise(cuts):
        yield from block.slice(start, stop).chunks(MAX_SAMPLES_PER_RECORD)


def _fsync_directory(path: Path) -> None:
    """Make the new file's directory entry durable too (not possible everywhere)."""
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


class Recording:
    """A recording read back: its header and its valid records, damage skipped and counted.

    Use ``Recording.open(path)``: it reads the file once, piece by piece, for the
    warnings and the events; ``records()`` reads it again, piece by piece, so a
    recording of any length is read in the same little memory. Packets ('P' records)
    are returned as they were received; replay decodes them with the stored profile
    (``profile_toml``).

    Attributes
    ----------
    path : str
    header : dict
        The 'H' record: format, schema_version, created_utc, tracker_version,
        source, profile, layout, meta.
    profile_name, profile_toml : str or None
        The firmware profile stored with the packets.
    truncated : bool
        The file ends inside a record (a crash or a pulled plug while writing); that
        record was dropped.
    corrupt_records : int
        Damaged stretches skipped: bytes that failed their checksum, up to the next
        record that validates.
    warnings : list of str
        One line each, for a person: what was dropped or skipped.
    counts : dict
        Valid records by type (``S``, ``P``, ``E``).
    """

    def __init__(self, path, header, *, start: int, size: int, scan, events, counts):
        self.path = str(path)
        self.header = header
        self._start, self._size = start, size  # what a reading covers: the bytes seen at open
        self.truncated = bool(scan.cut_bytes)
        self.corrupt_records = scan.corrupt
        self.warnings = scan.warnings()
        self._events = events
        self.counts = counts
        profile = header.get("profile")
        profile = profile if isinstance(profile, dict) else {}
        self.profile_name = _str_or_none(profile.get("name"))
        self.profile_toml = _str_or_none(profile.get("toml"))

    @classmethod
    def open(cls, path) -> Recording:
        """Read a recording's header, and scan the rest for damage and events.

        Raises
        ------
        InputError
            Naming the file: unreadable, not a recording, a damaged header, or a
            newer schema version than this tracker reads.
        """
        from tracker.files.recording_scan import Scan

        path = str(path)
        with _open_file(path) as f:
            size = os.fstat(f.fileno()).st_size
            header, start = _read_header(f, size, path)
            scan = Scan(f, size, start, _HEAD, _CRC)
            events, counts = [], {"S": 0, "P": 0, "E": 0}
            for kind, obj in scan:
                counts[kind] += 1
                if kind == "E":
                    events.append(obj)
        return cls(path, header, start=start, size=size, scan=scan, events=events, counts=counts)

    @property
    def source(self) -> dict:
        source = self.header.get("source")
        return source if isinstance(source, dict) else {}

    @property
    def meta(self) -> dict:
        meta = self.header.get("meta")
        return meta if isinstance(meta, dict) else {}

    @property
    def metadata(self) -> dict:
        """Same as ``meta``: where ``decode_recording`` looks for the stream's
        ``rate_hz``, ``acc_range`` and ``gyr_range``."""
        return self.meta

    def records(self) -> Iterator[tuple[str, object]]:
        """Every valid record after the header, in file order, read as it is needed:
        ``('S', ImuBlock)``, ``('P', RawPacket)`` or ``('E', dict)``."""
        from tracker.files.recording_scan import Scan

        with _open_file(self.path) as f:
            yield from Scan(f, self._size, self._start, _HEAD, _CRC)

    def sample_blocks(self) -> list[ImuBlock]:
        return [cast(ImuBlock, obj) for kind, obj in self.records() if kind == "S"]

    def packets(self) -> list[RawPacket]:
        return [cast(RawPacket, obj) for kind, obj in self.records() if kind == "P"]

    def events(self) -> list[dict]:
        return list(self._events)


def _open_file(path: str):
    try:
        return open(path, "rb")
    except OSError as exc:
        raise input_error_for(exc, path) from None


def _read_header(f, size: int, path: str) -> tuple[dict, int]:
    """The checked header record and where the records after it start."""
    from tracker.files.recording_scan import Window, record_at

    start = f.read(len(MAGIC))
    if start != MAGIC:
        if start and MAGIC.startswith(start):
            raise InputError("the recording was cut off before its header was written", path=path)
        raise InputError("not a tracker recording (no 'TRACKER-RECORDING' first line)", path=path)
    found = record_at(Window(f, size), len(MAGIC), _HEAD, _CRC)
    if found is None or found[0] != "H":
        raise InputError("the recording's header is damaged or missing; cannot read it", path=path)
    return _check_header(found[1], path), found[2]


def open_any(path) -> Recording | CsvRecording:
    """A recording in the own format or an interchange CSV, told apart by the first line."""
    return Recording.open(path) if is_own_format(path) else read_csv(path)


def is_own_format(path) -> bool:
    """Whether ``path`` starts as a recording in the own format does (else: a CSV)."""
    try:
        with open(path, "rb") as f:
            start = f.read(len(MAGIC))
    except OSError as exc:
        raise input_error_for(exc, path) from None
    return start.startswith(MAGIC[:8])


def _str_or_none(value) -> str | None:
    return value if isinstance(value, str) else None


def _check_header(header: dict, path: str) -> dict:
    version = header.get("schema_version")
    if header.get("format") != FORMAT_NAME or type(version) is not int or version < 1:
        raise InputError("the recording's header is not a tracker-recording header", path=path)
    if version > SCHEMA_VERSION:
        raise InputError(
            f"written by a newer tracker (recording schema {version}; tracker {__version__} "
            f"reads up to {SCHEMA_VERSION}): upgrade tracker to read it",
            path=path,
        )
    meta = header.get("meta")
    if isinstance(meta, dict) and (problem := meta_problem(meta)):
        raise InputError(f"the recording's header: {problem}", path=path)
    return header
