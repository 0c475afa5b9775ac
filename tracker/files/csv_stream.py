"""A large interchange CSV's samples in blocks, parsed by a forked process meanwhile.

Over an hour of data ``tracker analyze`` spends about as long parsing the CSV as
running the pipeline; with a second core the two overlap. Only a file numpy's parser
can take in pieces of bytes is streamed this way (UTF-8, LF line ends, the seven columns
alone), on Linux with no other threads running; the child reads the file itself, piece
by piece, and every piece passes the reader's checks before it is handed on. At the
first that does not, the reader (``open_csv(path).blocks()``) takes over where it was
and names the problem. Either way the file is never held whole: memory stays flat
however long it is.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
from collections.abc import Generator, Iterator
from contextlib import closing, suppress

import numpy as np

from tracker.core.types import ImuBlock
from tracker.files.interchange import COLUMNS, _valid, loadtxt_or_none, open_csv

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
    source = open_csv(path)
    start = _data_start(source)
    if start is None:
        yield from source.blocks()
        return
    handed, last_t = 0, -np.inf
    with closing(_parsed_by_child(path, start)) as tables:
        for table in tables:
            if table is None or not _valid(table) or table[0, 0] <= last_t:
                break
            yield ImuBlock.from_arrays(table[:, 0], table[:, 1:4], table[:, 4:7])
            handed, last_t = handed + len(table), table[-1, 0]
        else:
            if handed:
                return
    yield from _after(source.blocks(), handed)  # raises, naming the line


def _after(blocks: Iterator[ImuBlock], skip: int) -> Iterator[ImuBlock]:
    """``blocks`` without their first ``skip`` samples (already handed on)."""
    for block in blocks:
        if skip >= len(block):
            skip -= len(block)
            continue
        yield block.slice(skip, len(block))
        skip = 0


def _data_start(source) -> int | None:
    """Where the data lines start in the file, if it is streamed by a child process."""
    path = source.path
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
    if source.encoding != "utf-8-sig" or source.extra_columns:
        return None  # UTF-16; extra columns: the reader checks their field counts
    with open(path, "rb") as f:
        for _ in range(source.header_line):
            if not f.readline().endswith(b"\n"):
                return None
        return f.tell()


def _parsed_by_child(path: str, start: int) -> Generator[np.ndarray | None, None, None]:
    """(n, 7) tables of consecutive pieces of the file from ``start``, None for one
    numpy refused (or one with a CR: line ends the child does not take)."""
    read_end, write_end = os.pipe()
    import fcntl  # Linux only, as this path is

    with suppress(OSError):  # a whole parsed piece fits: handed over at once, not 64 KB at a time
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    pid = os.fork()
    if pid == 0:  # the child: parse and hand over, then leave without the parent's cleanup
        os.close(read_end)
        try:
            with os.fdopen(write_end, "wb") as out, open(path, "rb") as f:
                f.seek(start)
                for piece in _pieces(f):
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


def _pieces(f) -> Iterator[bytes]:
    """The rest of ``f`` in pieces of about ``CHUNK_BYTES``, each ending at a line end."""
    while piece := f.read(CHUNK_BYTES):
        piece += f.readline()
        if piece.strip():
            yield piece


def _loadtxt(piece: bytes) -> np.ndarray | None:
    if b"\r" in piece:
        return None
    table = loadtxt_or_none(io.BytesIO(piece))
    return table if table is not None and table.shape[1] == len(COLUMNS) else None
