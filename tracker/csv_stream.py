"""A large interchange CSV's samples in blocks, parsed by a forked process meanwhile.

Over an hour of data ``tracker analyze`` spends about as long parsing the CSV as
running the pipeline; with a second core the two overlap. Only a file numpy's parser
can take in pieces is streamed (UTF-8, LF line ends, the seven columns alone), on Linux
with no other threads running; every piece passes the reader's checks before it is
handed on, and at the first that does not, ``read_csv`` reads the file and names the
problem.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import closing, suppress

import numpy as np

from tracker.interchange import (
    COLUMNS,
    _open_text,
    _read_preamble,
    _valid,
    loadtxt_or_none,
    read_csv,
)
from tracker.types import ImuBlock

STREAM_FROM_BYTES = 8_000_000  # below this a second process costs more than it saves
CHUNK_BYTES = 1 << 20  # about 8000 samples: the pipeline starts after one chunk's parse
_ROW_BYTES = len(COLUMNS) * 8
PIPE_BYTES = 1 << 20  # Linux's limit without privileges; a parsed chunk is about 450 KB


def csv_blocks(path) -> Iterator[ImuBlock]:
    """Every sample of an interchange CSV, in order, in blocks.

    Raises ``InputError`` as ``read_csv`` does, before any sample it would refuse
    is handed on.
    """
    path = str(path)
    found = _data_bytes(path)
    if found is None:
        yield read_csv(path).block
        return
    raw, start = found
    handed, last_t = 0, -np.inf
    with closing(_parsed_by_child(raw, start)) as tables:
        for table in tables:
            if table is None or not _valid(table) or table[0, 0] <= last_t:
                break
            yield ImuBlock.from_arrays(table[:, 0], table[:, 1:4], table[:, 4:7])
            handed, last_t = handed + len(table), table[-1, 0]
        else:
            if handed:
                return
    whole = read_csv(path).block  # raises, naming the line
    yield whole.slice(handed, len(whole))


def _data_bytes(path: str) -> tuple[bytes, int] | None:
    """The file's bytes and where its data lines start, if it can be streamed."""
    try:
        if os.path.getsize(path) < STREAM_FROM_BYTES:
            return None
    except OSError:
        return None
    # fork only where it is plain, safe and of use: Linux, no other thread to be cut off,
    # and a second core this process may run on (not merely one the machine has)
    forkable = sys.platform.startswith("linux") and len(os.sched_getaffinity(0)) > 1
    if not forkable or threading.active_count() > 1:
        return None
    with open(path, "rb") as f:
        raw = f.read()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16
        return None
    with _open_text(path, "utf-8-sig") as f:
        _comments, names, header_line = _read_preamble(f, path)
    if len(names) != len(COLUMNS):
        return None  # extra columns: the reader checks their field counts
    start = 0
    for _ in range(header_line):
        start = raw.find(b"\n", start) + 1
        if start == 0:
            return None
    if raw.find(b"\r", start) != -1:
        return None
    return raw, start


def _parsed_by_child(raw: bytes, start: int) -> Iterator[np.ndarray | None]:
    """(n, 7) tables of consecutive pieces of ``raw[start:]``, None for one numpy refused."""
    read_end, write_end = os.pipe()
    import fcntl  # Linux only, as this path is

    with suppress(OSError):  # a whole parsed piece fits: handed over at once, not 64 KB at a time
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    pid = os.fork()
    if pid == 0:  # the child: parse and hand over, then leave without the parent's cleanup
        os.close(read_end)
        try:
            with os.fdopen(write_end, "wb") as out:
                for piece in _pieces(raw, start):
                    table = _loadtxt(piece)
                    if table is None:
                        out.write(np.int64(-1).tobytes())
                        break
                    out.write(np.int64(len(table)).tobytes() + table.tobytes())
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as handed:
            while len(head := handed.read(8)) == 8:
                rows = int(np.frombuffer(head, np.int64)[0])
                if rows < 0:
                    yield None
                    return
                body = handed.read(rows * _ROW_BYTES)
                if len(body) != rows * _ROW_BYTES:
                    yield None
                    return
                yield np.frombuffer(body, np.float64).reshape(rows, len(COLUMNS))
    finally:
        os.kill(pid, signal.SIGKILL)  # done already (not yet reaped), or no longer wanted
        os.waitpid(pid, 0)


def _pieces(raw: bytes, start: int) -> Iterator[bytes]:
    """``raw[start:]`` in pieces of about ``CHUNK_BYTES``, each ending at a line end."""
    while start < len(raw):
        end = raw.find(b"\n", start + CHUNK_BYTES) + 1 or len(raw)
        piece = raw[start:end]
        start = end
        if piece.strip():
            yield piece


def _loadtxt(piece: bytes) -> np.ndarray | None:
    table = loadtxt_or_none(io.BytesIO(piece))
    return table if table is not None and table.shape[1] == len(COLUMNS) else None
