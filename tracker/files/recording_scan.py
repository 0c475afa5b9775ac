"""Reading a recording's records from its file piece by piece: memory stays flat however long.

``Scan(file, size, start)`` yields every valid record after ``start`` in file order and
counts what it skipped: damaged stretches (bytes up to the next record that validates),
a record cut off at the end, record types this version does not read, events holding a
value of the wrong type, and samples that cannot be samples (not finite, beyond any IMU's
range, or not after the previous sample record's). The same scan, run twice over the same
bytes, gives the same records and the same counts: ``Recording.open`` scans once for the
warnings and the events, and each reading scans again.
"""

from __future__ import annotations

import json
import struct
import zlib

import numpy as np

from tracker.core.types import ImuBlock, RawPacket
from tracker.files.interchange import ACC_LIMIT_M_S2, GYR_LIMIT_RAD_S
from tracker.files.recording_meta import describe_event, event_problem

SYNC = b"\xa5\x5a"
# the payloads of the packet and samples records (docs/recording-format.md)
PACKET_HEAD = struct.Struct("<dH")  # receive time, channel name length
SAMPLE_COUNT = struct.Struct("<I")
SAMPLE_BYTES = 7 * 8  # t, ax, ay, az, gx, gy, gz as float64
MAX_RECORD_BYTES = 1 << 26  # a longer record is damage: no writer makes one
_PIECE_BYTES = 1 << 20


class Window:
    """A file's bytes, read forward in pieces; what lies before ``drop`` is let go."""

    def __init__(self, f, size: int):
        self.f, self.size = f, size
        self.base, self.buf = 0, bytearray()

    def get(self, start: int, stop: int) -> memoryview:
        """The file's bytes from ``start`` to ``stop`` (fewer at the end of the file)."""
        stop = min(stop, self.size)
        if start < self.base:  # never needed by a forward scan; kept correct anyway
            self.f.seek(start)
            self.base, self.buf = start, bytearray()
        have = self.base + len(self.buf)
        if stop > have:
            self.f.seek(have)
            self.buf += self.f.read(max(stop - have, _PIECE_BYTES))
        return memoryview(self.buf)[start - self.base : stop - self.base]

    def find(self, pattern: bytes, start: int) -> int:
        """Where ``pattern`` next occurs from ``start``, or -1."""
        pos = start
        while pos < self.size:
            piece = self.get(pos, pos + _PIECE_BYTES)
            at = bytes(piece).find(pattern)
            if at != -1:
                return pos + at
            pos += max(len(piece) - len(pattern) + 1, 1)
        return -1

    def drop(self, before: int) -> None:
        """Let go of the bytes before ``before`` (the scan will not look back)."""
        if before - self.base >= _PIECE_BYTES:
            del self.buf[: before - self.base]
            self.base = before


class Damaged(ValueError):
    """A record whose checksum passed but whose content does not parse."""


def record_at(win: Window, pos: int, head, crc):
    """(type, decoded object, next position) of a valid record at ``pos``, else None.

    ``head`` and ``crc`` are the format's ``struct.Struct`` of the record head and CRC.
    """
    if pos + head.size + crc.size > win.size:
        return None
    sync, rtype, length = head.unpack_from(win.get(pos, pos + head.size))
    end = pos + head.size + length
    if sync != SYNC or not rtype.isupper() or end + crc.size > win.size:
        return None
    if length > MAX_RECORD_BYTES:
        return None
    data = win.get(pos, end + crc.size)
    if zlib.crc32(data[2 : end - pos]) != crc.unpack_from(data, end - pos)[0]:
        return None
    kind = rtype.decode("ascii")
    try:
        obj = decode(kind, data[head.size : end - pos])
    except (Damaged, ValueError, RecursionError):
        return None
    return kind, obj, end + crc.size


def decode(kind: str, payload: memoryview):
    """A record's payload as an object: ImuBlock, RawPacket or dict (None: unknown type)."""

    if kind == "S":
        if len(payload) < SAMPLE_COUNT.size:
            raise Damaged
        (n,) = SAMPLE_COUNT.unpack_from(payload)
        if len(payload) != SAMPLE_COUNT.size + n * SAMPLE_BYTES:
            raise Damaged
        values = np.frombuffer(payload, dtype="<f8", offset=SAMPLE_COUNT.size).astype(np.float64)
        return ImuBlock(values[:n], values[n : 4 * n].reshape(n, 3), values[4 * n :].reshape(n, 3))
    if kind == "P":
        if len(payload) < PACKET_HEAD.size:
            raise Damaged
        t_rx_s, n_channel = PACKET_HEAD.unpack_from(payload)
        start = PACKET_HEAD.size + n_channel
        if start > len(payload):
            raise Damaged
        channel = bytes(payload[PACKET_HEAD.size : start]).decode("utf-8")
        return RawPacket(t_rx_s, bytes(payload[start:]), channel)
    if kind in ("E", "H"):
        obj = json.loads(bytes(payload).decode("utf-8"))
        if not isinstance(obj, dict):
            raise Damaged
        if kind == "E" and not (isinstance(obj.get("kind"), str) and "t_s" in obj):
            raise Damaged
        return obj
    return None  # a type this version does not know: skipped


def _cut_off(win: Window, pos: int, head, crc) -> bool:
    """Whether the bytes from ``pos`` to the end are the start of a record, cut short."""
    rest = bytes(win.get(pos, pos + head.size))
    if not SYNC.startswith(rest[:2]) or (len(rest) > 2 and not rest[2:3].isupper()):
        return False
    if len(rest) < head.size:
        return True
    return pos + head.size + crc.size + head.unpack_from(rest)[2] > win.size


class Scan:
    """The valid records from ``start`` to the end of the file, and what was skipped."""

    def __init__(self, f, size: int, start: int, head, crc):
        self.win = Window(f, size)
        self.start, self.head, self.crc = start, head, crc
        self.corrupt = self.damaged_bytes = self.cut_bytes = self.events = 0
        self.ignored: dict[str, int] = {}
        self.wrong_events: list[str] = []
        self.dropped: dict[str, int] = {}  # samples that cannot be samples, by why
        self._last_t = -np.inf

    def __iter__(self):
        win, pos = self.win, self.start
        while pos < win.size:
            found = record_at(win, pos, self.head, self.crc)
            if found is None:
                nxt = self._next_valid(pos + 1)
                if nxt is None:
                    if _cut_off(win, pos, self.head, self.crc):
                        self.cut_bytes = win.size - pos
                    else:
                        self.corrupt += 1
                        self.damaged_bytes += win.size - pos
                    return
                self.corrupt += 1
                self.damaged_bytes += nxt[0] - pos
                pos, found = nxt
            kind, obj, pos = found
            win.drop(pos)
            if kind == "E":
                self.events += 1
                problem = event_problem(obj)
                if problem:
                    self.wrong_events.append(f"{describe_event(self.events, obj)}: {problem}")
                    continue
            elif kind == "S":
                obj = self._checked(obj)
                if not len(obj):
                    continue
            elif kind != "P":
                self.ignored[kind] = self.ignored.get(kind, 0) + 1
                continue
            yield kind, obj

    def _next_valid(self, start: int):
        pos = self.win.find(SYNC, start)
        while pos != -1:
            found = record_at(self.win, pos, self.head, self.crc)
            if found is not None:
                return pos, found
            pos = self.win.find(SYNC, pos + 1)
        return None

    def _checked(self, block: ImuBlock) -> ImuBlock:
        """The samples of a sample record that can be samples (see the module docstring)."""
        values = np.column_stack([block.acc, block.gyr])
        finite = np.isfinite(values).all(axis=1) & np.isfinite(block.t_s)
        inside = (np.abs(block.acc).max(axis=1) <= ACC_LIMIT_M_S2) & (
            np.abs(block.gyr).max(axis=1) <= GYR_LIMIT_RAD_S
        )
        good = finite & inside
        # after the latest good sample before it (the same as the latest kept one: a good
        # sample that is dropped is not after it, so it never raises that latest time)
        kept_t = np.where(good, block.t_s, -np.inf)
        previous = np.maximum.accumulate(np.concatenate((np.array([self._last_t]), kept_t[:-1])))
        in_order = good & (block.t_s > previous)
        for why, count in (
            ("not finite numbers", int((~finite).sum())),
            ("beyond any IMU's range", int((finite & ~inside).sum())),
            ("not after the sample before", int((good & ~in_order).sum())),
        ):
            if count:
                self.dropped[why] = self.dropped.get(why, 0) + count
        if in_order.all():
            self._last_t = float(block.t_s[-1])
            return block
        kept = np.flatnonzero(in_order)
        if len(kept):
            self._last_t = float(block.t_s[kept[-1]])
        return ImuBlock(block.t_s[kept], block.acc[kept], block.gyr[kept])

    def warnings(self) -> list[str]:
        """One line each, for a person: what was skipped (after the scan ran)."""
        out = []
        if self.cut_bytes:
            out.append(
                f"the last record is incomplete ({self.cut_bytes} bytes dropped): "
                "the recording was cut off while being written"
            )
        if self.corrupt:
            out.append(
                f"skipped {self.corrupt} damaged stretch(es) of {self.damaged_bytes} bytes "
                "that failed their checksum"
            )
        if self.wrong_events:
            out.append(
                f"skipped {len(self.wrong_events)} event(s) with a value of the wrong type: "
                f"{self.wrong_events[0]}"
            )
        for why, count in self.dropped.items():
            out.append(f"skipped {count} sample(s) whose values are {why}")
        if self.ignored:
            kinds = ", ".join(f"{n} '{k}'" for k, n in sorted(self.ignored.items()))
            out.append(f"ignored records this version does not read: {kinds}")
        return out
