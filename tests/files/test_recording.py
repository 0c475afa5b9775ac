"""The own recording format: exact round trips, durability once a second, write errors that
keep what was saved, and a reader that survives truncation and corruption."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.core.errors import InputError, RecordingError, TrackerError
from tracker.core.types import ImuBlock, RawPacket
from tracker.files import recording
from tracker.files.interchange import CsvRecording, write_csv
from tracker.files.recording import MAGIC, Recording, RecordingWriter, open_any

DATA = Path(__file__).parents[1] / "data"
PROFILE_TOML = 'name = "test-sensor"\n[scale]\nacc = 0.00059\n'


def _samples(start: int, n: int) -> ImuBlock:
    """Samples whose values follow from their index, so any sample can be checked."""
    i = np.arange(start, start + n, dtype=np.float64)
    k = i % 8000  # within any IMU's range
    acc = np.column_stack([k / 8, -k / 8, 9.81 + i / 7e5])
    gyr = np.column_stack([k / 300, np.sin(i), -i / 1e5])
    return ImuBlock.from_arrays(i / 100, acc, gyr)


def _same(a: ImuBlock, b: ImuBlock) -> bool:
    bits = [np.ascontiguousarray(x).view(np.uint64) for x in (a.t_s, a.acc, a.gyr)]
    other = [np.ascontiguousarray(x).view(np.uint64) for x in (b.t_s, b.acc, b.gyr)]
    return all(x.shape == y.shape and (x == y).all() for x, y in zip(bits, other, strict=True))


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(recording, "_monotonic", c)
    return c


def _mixed(path, **kwargs) -> tuple[list[tuple[str, object]], RecordingWriter]:
    """A recording with samples, packets and events interleaved; returns what was written."""
    written: list[tuple[str, object]] = []
    with RecordingWriter(path, source={"kind": "ble", "address": "AA:BB"}, **kwargs) as w:
        w.write_samples(_samples(0, 30))
        written.append(("S", _samples(0, 30)))
        for k in range(3):
            p = RawPacket(1.0 + k / 10, bytes([0x55, 0x61, k]) * 6, "0000ffe4" if k else "")
            w.write_packet(p)
            written.append(("P", p))
        w.write_event("gap", 0.3, lost=2)
        written.append(("E", {"t_s": 0.3, "kind": "gap", "lost": 2}))
        w.write_samples(_samples(30, 5000))  # more than one record holds
        written.append(("S", _samples(30, 5000)))
        w.write_event("note", 50.3, text="Zoë: knee felt fine ✓")
        written.append(("E", {"t_s": 50.3, "kind": "note", "text": "Zoë: knee felt fine ✓"}))
    return written, w


# -- round trip ------------------------------------------------------------------------------
def test_everything_written_reads_back_in_order(tmp_path):
    path = tmp_path / "s.trk"
    meta = {"person": "P01", "rate_hz": np.float64(100.0), "mounting": np.eye(3)}
    written, w = _mixed(path, profile_name="test-sensor", profile_toml=PROFILE_TOML, meta=meta)
    assert (w.samples_written, w.packets_written) == (5030, 3)
    assert (w.samples_flushed, w.packets_flushed) == (5030, 3)
    rec = Recording.open(path)
    assert not rec.truncated and rec.corrupt_records == 0 and rec.warnings == []
    got = list(rec.records())
    # Consecutive samples may be regrouped into records; the sequence of kinds is kept.
    kinds = [k for i, (k, _) in enumerate(got) if k != "S" or i == 0 or got[i - 1][0] != "S"]
    assert kinds == [k for k, _ in written]
    assert _same(ImuBlock.concat(rec.sample_blocks()), ImuBlock.concat([_samples(0, 5030)]))
    assert max(len(b) for b in rec.sample_blocks()) <= recording.MAX_SAMPLES_PER_RECORD
    assert max(b.t_s[-1] - b.t_s[0] for b in rec.sample_blocks()) < recording.RECORD_SPAN_S
    assert rec.packets() == [obj for k, obj in written if k == "P"]
    assert rec.events() == [obj for k, obj in written if k == "E"]
    h = rec.header
    assert (h["format"], h["schema_version"]) == ("tracker-recording", 1)
    assert h["source"] == {"kind": "ble", "address": "AA:BB"} == rec.source
    assert h["meta"] == {"person": "P01", "rate_hz": 100.0, "mounting": np.eye(3).tolist()}
    assert (rec.profile_name, rec.profile_toml) == ("test-sensor", PROFILE_TOML)
    assert set(h["layout"]) >= {"H", "S", "P", "E"} and h["created_utc"].endswith("Z")
    assert path.read_bytes().startswith(MAGIC)


def test_small_blocks_are_grouped_and_events_keep_their_place(tmp_path, clock):
    path = tmp_path / "g.trk"
    with RecordingWriter(path, source={"kind": "simulated"}) as w:
        for k in range(50):
            w.write_samples(_samples(k, 1))
        w.write_event("mark", 0.495, label="set 1 done")
        w.write_block(_samples(50, 2))  # the name the simulator uses
    kinds = [
        (k, len(obj) if k == "S" else obj["kind"]) for k, obj in Recording.open(path).records()
    ]
    assert kinds == [("S", 50), ("E", "mark"), ("S", 2)]


def test_a_recording_without_profile_or_meta(tmp_path):
    with RecordingWriter(tmp_path / "n.trk", source={"kind": "csv", "file": "x.csv"}):
        pass
    rec = Recording.open(tmp_path / "n.trk")
    assert rec.header["profile"] is None and rec.profile_toml is None and rec.meta == {}
    assert list(rec.records()) == [] and not rec.truncated


def test_private_recordings_are_owner_only(tmp_path):
    path = tmp_path / "p.trk"
    path.write_bytes(b"old")
    path.chmod(0o644)
    with RecordingWriter(path, source={"kind": "simulated"}, private=True):
        pass
    assert path.stat().st_mode & 0o777 == 0o600
    with RecordingWriter(tmp_path / "q.trk", source={"kind": "simulated"}):
        pass
    assert (tmp_path / "q.trk").stat().st_mode & 0o077 != 0  # the umask decides


def test_metadata_that_is_not_json_is_refused_before_any_file(tmp_path):
    with pytest.raises(TypeError, match="object"):
        RecordingWriter(tmp_path / "m.trk", source={"kind": "x"}, meta={"bad": object()})
    assert not (tmp_path / "m.trk").exists()


def test_v1_file_from_the_repository_still_reads():
    """tests/data/recording_v1.trk was written by schema version 1: 20 samples in two
    records, a packet on channel 'ffe4' and a 'gap' event between them."""
    rec = Recording.open(DATA / "recording_v1.trk")
    assert rec.header["schema_version"] == 1 and rec.warnings == []
    assert rec.profile_name == "test-sensor" and rec.profile_toml == PROFILE_TOML
    assert [k for k, _ in rec.records()] == ["S", "P", "E", "S"]
    i = np.arange(20, dtype=np.float64)  # as _samples made them when the file was written
    acc = np.column_stack([i, -i, 9.81 + i / 7])
    gyr = np.column_stack([i / 3, np.sin(i), -i / 11])
    written = ImuBlock.from_arrays(i / 100, acc, gyr)
    assert _same(ImuBlock.concat(rec.sample_blocks()), written)
    assert rec.packets() == [RawPacket(0.105, bytes(range(20)), "ffe4")]
    assert rec.events() == [{"t_s": 0.1, "kind": "gap", "lost": 1}]


# -- durability ------------------------------------------------------------------------------
def test_in_the_background_a_slow_disk_never_holds_up_the_caller(tmp_path, clock, monkeypatch):
    """A live session's fsync ran on the event loop once a second: a slow disk stalled the
    screen. With ``background`` the writer's own thread writes and fsyncs, in order."""
    disk_free, synced_on = threading.Event(), []
    real_fsync = os.fsync

    def slow_fsync(fd):
        synced_on.append(threading.current_thread())
        disk_free.wait(30)  # the disk takes its time
        real_fsync(fd)

    path = tmp_path / "bg.trk"
    w = RecordingWriter(path, source={"kind": "simulated"}, background=True)
    monkeypatch.setattr(os, "fsync", slow_fsync)
    w.write_samples(_samples(0, 50))
    clock.now = 1.0
    w.write_samples(_samples(50, 50))  # the interval is up: handed over, not waited for
    clock.now = 2.0
    assert w.flush_if_due()  # nor here
    w.write_event("note", 1.5)
    assert not disk_free.is_set() and w.samples_flushed < 100  # the disk has not finished
    disk_free.set()
    w.close()  # waits for the disk
    assert synced_on and threading.main_thread() not in synced_on
    assert w.samples_flushed == 100
    rec = Recording.open(path)
    assert _same(ImuBlock.concat(rec.sample_blocks()), _samples(0, 100))
    assert [e["kind"] for e in rec.events()] == ["note"]


def test_a_failure_in_the_background_is_raised_by_the_next_call(tmp_path, clock, monkeypatch):
    path = tmp_path / "bg.trk"
    w = RecordingWriter(path, source={"kind": "simulated"}, background=True)
    w.write_samples(_samples(0, 50))
    w.flush()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    clock.now = 1.0
    w.write_samples(_samples(50, 50))  # handed to the thread, which fails
    with pytest.raises(RecordingError, match=r"No space left on device.*Kept .* 50 samples"):
        w.flush()
    with pytest.raises(RecordingError):
        w.write_samples(_samples(100, 10))
    w.close()


def test_data_reaches_the_disk_once_the_interval_is_up(tmp_path, clock, monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    path = tmp_path / "d.trk"
    w = RecordingWriter(path, source={"kind": "simulated"}, flush_interval_s=1.0)
    header_size, n_synced = path.stat().st_size, len(synced)
    assert Recording.open(path).header["source"] == {"kind": "simulated"}  # header is durable
    clock.now = 0.6
    w.write_samples(_samples(0, 60))
    w.write_event("note", 0.5)
    assert path.stat().st_size == header_size and len(synced) == n_synced
    assert w.samples_flushed == 0 and not w.flush_if_due()
    clock.now = 1.0
    w.write_samples(_samples(60, 40))
    assert len(synced) == n_synced + 1 and w.samples_flushed == 100
    rec = Recording.open(path)  # while the writer is still open
    assert _same(ImuBlock.concat(rec.sample_blocks()), _samples(0, 100)) and not rec.truncated
    clock.now = 1.5
    w.write_samples(_samples(100, 50))
    assert not w.flush_if_due() and w.samples_flushed == 100
    clock.now = 2.0
    assert w.flush_if_due() and w.samples_flushed == 150  # a stalled stream, flushed by a timer
    w.close()
    w.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        w.write_samples(_samples(150, 1))


CHILD = """
import sys, time
from tracker.files.recording import RecordingWriter
sys.path.insert(0, sys.argv[2])
from test_recording import _samples
w = RecordingWriter(sys.argv[1], source={"kind": "simulated"}, flush_interval_s=0.1)
reported = i = 0
while True:
    w.write_samples(_samples(i, 10))
    i += 10
    if w.samples_flushed != reported:
        reported = w.samples_flushed
        print(reported, flush=True)
    time.sleep(0.002)
"""


def test_sigkill_mid_stream_keeps_everything_up_to_the_last_flush(tmp_path):
    path = tmp_path / "killed.trk"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(Path(__file__).parent)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        reports = [int(child.stdout.readline()) for _ in range(5)]
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    rec = Recording.open(path)
    got = ImuBlock.concat(rec.sample_blocks())
    assert len(got) >= reports[-1] > 0
    assert _same(got, _samples(0, len(got)))  # a prefix of what was written, exactly
    assert rec.corrupt_records == 0


# -- write errors ----------------------------------------------------------------------------
class FullDisk:
    """The writer's file, with room for ``room`` more bytes before ENOSPC."""

    def __init__(self, real, room: int, truncate_fails: bool = False):
        self.real, self.room, self.truncate_fails = real, room, truncate_fails

    def write(self, data) -> int:
        if self.room <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = min(len(data), self.room)
        self.room -= n
        return self.real.write(data[:n])

    def truncate(self, size):
        if self.truncate_fails:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return self.real.truncate(size)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.mark.parametrize("truncate_fails", [False, True], ids=["cut-back", "partial-left"])
def test_disk_full_keeps_what_was_flushed(tmp_path, clock, truncate_fails):
    path = tmp_path / "full.trk"
    w = RecordingWriter(path, source={"kind": "simulated"})
    w.write_samples(_samples(0, 300))
    w.write_packet(RawPacket(3.0, b"\x01\x02"))
    w.flush()
    w._file = FullDisk(w._file, room=1000, truncate_fails=truncate_fails)
    w.write_samples(_samples(300, 500))
    with pytest.raises(RecordingError) as info:
        w.flush()
    message = info.value.one_line()
    assert str(path) in message and os.strerror(errno.ENOSPC) in message
    assert "300 samples and 1 packets up to t = 3.0 s" in message and "\n" not in str(message)
    with pytest.raises(RecordingError):
        w.write_event("note", 9.0)  # the recording has stopped
    w.close()  # no second error
    rec = Recording.open(path)
    assert _same(ImuBlock.concat(rec.sample_blocks()), _samples(0, 300))
    assert rec.packets() == [RawPacket(3.0, b"\x01\x02")]
    assert rec.truncated == truncate_fails and rec.corrupt_records == 0


def test_io_error_on_fsync_is_a_recording_error(tmp_path, clock, monkeypatch):
    w = RecordingWriter(tmp_path / "eio.trk", source={"kind": "simulated"})
    w.write_samples(_samples(0, 10))

    def fail(fd):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(RecordingError, match=r"Input/output error.*stopped recording"):
        w.flush()
    monkeypatch.undo()
    w.close()


def test_cannot_create_is_a_recording_error(tmp_path, monkeypatch):
    with pytest.raises(RecordingError, match=r"cannot create.*nothing was recorded"):
        RecordingWriter(tmp_path / "no-dir" / "x.trk", source={"kind": "simulated"})

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(RecordingError, match="Permission denied"):
        RecordingWriter(tmp_path / "x.trk", source={"kind": "simulated"})


# -- damaged files ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[bytes, list[tuple[str, object]]]:
    """A small mixed recording: its bytes and what was written."""
    path = tmp_path_factory.mktemp("small") / "small.trk"
    with RecordingWriter(path, source={"kind": "simulated"}, meta={"m": 1}) as w:
        w.write_samples(_samples(0, 3))
        w.write_packet(RawPacket(0.05, b"\xa5\x5aS\x00"))  # looks like a record start
        w.write_samples(_samples(3, 4))
        w.write_event("note", 0.07, text="x")
        w.write_samples(_samples(7, 2))
    return path.read_bytes(), [("S", 3), ("P", 1), ("S", 4), ("E", 1), ("S", 2)]


def _open_bytes(tmp_path, data: bytes) -> Recording:
    path = tmp_path / "damaged.trk"
    path.write_bytes(data)
    return Recording.open(path)


def _record_starts(data: bytes) -> list[int]:
    """Offsets of the records of an undamaged file, header first."""
    starts, pos = [], len(MAGIC)
    while pos < len(data):
        starts.append(pos)
        pos += recording._OVERHEAD + recording._HEAD.unpack_from(data, pos)[2]
    return starts


def test_truncation_anywhere_after_the_header_keeps_whole_records(tmp_path, small):
    data, _ = small
    starts = [*_record_starts(data), len(data)]
    for cut in range(starts[1], len(data) + 1):
        rec = _open_bytes(tmp_path, data[:cut])
        whole = sum(1 for s in starts[2:] if s <= cut)  # records ending at or before the cut
        assert len(list(rec.records())) == whole, cut
        assert rec.truncated == (cut not in starts) and rec.corrupt_records == 0
        assert (rec.warnings != []) == rec.truncated
        n = sum(len(b) for b in rec.sample_blocks())
        assert _same(ImuBlock.concat(rec.sample_blocks()), _samples(0, n))


def test_a_flipped_byte_loses_only_its_record(tmp_path, small):
    data, _ = small
    starts = _record_starts(data)
    first, second = starts[2], starts[3]  # the packet record
    for pos in range(first, second):
        damaged = bytearray(data)
        damaged[pos] ^= 0x10
        rec = _open_bytes(tmp_path, bytes(damaged))
        assert [k for k, _ in rec.records()] == ["S", "S", "E", "S"], pos
        assert rec.corrupt_records == 1 and len(rec.warnings) == 1 and not rec.truncated
        assert _same(ImuBlock.concat(rec.sample_blocks()), _samples(0, 9))


def test_garbage_between_records_is_skipped(tmp_path, small):
    data, _ = small
    at = _record_starts(data)[3]
    rec = _open_bytes(
        tmp_path, data[:at] + b"\xa5\x5aE\x05\x00\x00\x00{}{}}\x00\x00\x00\x00junk" + data[at:]
    )
    assert [k for k, _ in rec.records()] == ["S", "P", "S", "E", "S"]
    assert rec.corrupt_records == 1 and "damaged" in rec.warnings[0]


def test_unknown_record_types_are_skipped_with_a_warning(tmp_path, small):
    data, _ = small
    rec = _open_bytes(tmp_path, data + recording._record(b"Z", b"from the future"))
    assert len(list(rec.records())) == 5 and rec.corrupt_records == 0
    assert rec.warnings == ["ignored records this version does not read: 1 'Z'"]


def _with_header(header: dict) -> bytes:
    return MAGIC + recording._record(b"H", json.dumps(header).encode())


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "not a tracker recording"),
        (b"t,ax,ay,az,gx,gy,gz\n0,1,2,3,4,5,6\n", "not a tracker recording"),
        (MAGIC[:9], "cut off before its header"),
        (MAGIC, "header is damaged or missing"),
        (MAGIC + b"\xa5\x5aH\x10\x00", "header is damaged or missing"),
        (MAGIC + recording._record(b"S", b"\x00" * 4), "header is damaged or missing"),
        (_with_header({"format": "something-else", "schema_version": 1}), "not a tracker-rec"),
        (_with_header({"format": "tracker-recording", "schema_version": "1"}), "not a tracker-rec"),
        (_with_header({"format": "tracker-recording", "schema_version": 2}), "upgrade tracker"),
    ],
    ids=["empty", "csv", "cut-magic", "no-header", "cut-header", "no-h", "format", "ver", "newer"],
)
def test_files_that_cannot_be_read_name_the_file(tmp_path, content, words):
    path = tmp_path / "bad.trk"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        Recording.open(path)
    assert info.value.one_line().startswith(f"{path}: ") and words in str(info.value)
    assert info.value.exit_status == 2


def test_newer_schema_says_which_versions(tmp_path):
    path = tmp_path / "new.trk"
    path.write_bytes(_with_header({"format": "tracker-recording", "schema_version": 7}))
    with pytest.raises(InputError, match=r"schema 7; tracker .* reads up to 1\): upgrade tracker"):
        Recording.open(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        Recording.open(tmp_path / "nope.trk")
    with pytest.raises(InputError, match="is a directory"):
        open_any(tmp_path)


def test_open_any_tells_the_formats_apart(tmp_path, small):
    (tmp_path / "r.trk").write_bytes(small[0])
    assert isinstance(open_any(tmp_path / "r.trk"), Recording)
    write_csv(tmp_path / "r.csv", _samples(0, 5))
    csv = open_any(tmp_path / "r.csv")
    assert isinstance(csv, CsvRecording) and _same(csv.block, _samples(0, 5))


# Random damage: the reader may refuse with a TrackerError, or return records that were
# all written; never another exception, never a sample that was not written.
_edits = st.lists(
    st.one_of(
        st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(1, 255)),
        st.tuples(st.just("insert"), st.integers(0, 10**6), st.binary(min_size=1, max_size=40)),
        st.tuples(st.just("cut"), st.integers(0, 10**6), st.none()),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(edits=_edits)
def test_random_damage_never_escapes_or_invents_data(small, edits):
    data, _ = small
    damaged = bytearray(data)
    for op, pos, arg in edits:
        pos %= len(damaged) + 1
        if op == "flip" and pos < len(damaged):
            damaged[pos] ^= arg
        elif op == "insert":
            damaged[pos:pos] = arg
        elif op == "cut":
            del damaged[pos:]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "damaged.trk"
        path.write_bytes(bytes(damaged))
        try:
            rec = Recording.open(path)
        except TrackerError as err:
            assert "\n" not in err.one_line()
            return
        blocks, packets = rec.sample_blocks(), rec.packets()  # read while the file is there
    written = _samples(0, 9)
    for block in blocks:
        index = np.rint(block.t_s * 100).astype(int)
        assert ((index >= 0) & (index < 9)).all()
        assert _same(block, ImuBlock(written.t_s[index], written.acc[index], written.gyr[index]))
    assert all(p == RawPacket(0.05, b"\xa5\x5aS\x00") for p in packets)
    assert all(e == {"t_s": 0.07, "kind": "note", "text": "x"} for e in rec.events())
    assert all(isinstance(w, str) and "\n" not in w for w in rec.warnings)


def test_one_damaged_byte_costs_a_second_of_samples_at_most(tmp_path):
    """A file written at once (as `tracker simulate` writes) held 4096-sample records:
    one flipped byte cost 41 s at 100 Hz."""
    path = tmp_path / "at-once.trk"
    with RecordingWriter(path, source={"kind": "simulated"}) as w:
        w.write_samples(_samples(0, 10_000))  # 100 s at 100 Hz, in one call
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    rec = Recording.open(path)
    kept = ImuBlock.concat(rec.sample_blocks())
    assert rec.corrupt_records == 1
    assert 10_000 - len(kept) <= 100


def _peak_while(read) -> int:
    """Peak traced allocation (bytes) while ``read()`` runs."""
    tracemalloc.start()
    try:
        read()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_reading_holds_a_piece_however_long_the_recording(tmp_path):
    """Recording.open read the whole file and kept every record: a 10-hour recording took
    564 MB to analyse. Opening and reading now hold a piece of it at a time."""
    peaks = []
    for n in (30_000, 120_000):
        path = tmp_path / f"{n}.trk"
        with RecordingWriter(path, source={"kind": "simulated"}) as w:
            for start in range(0, n, 5_000):
                w.write_samples(_samples(start, 5_000))
            w.write_packet(RawPacket(1.0, b"\x01\x02", "ffe4"))
        assert path.stat().st_size > n * 56

        def read(path=path, n=n):
            rec = Recording.open(path)
            assert sum(len(obj) for kind, obj in rec.records() if kind == "S") == n

        peaks.append(_peak_while(read))
    assert peaks[1] < 1.3 * peaks[0] + 500_000, peaks  # four times the file, same memory
    assert peaks[1] < 4_000_000  # the longer file is 6.7 MB
