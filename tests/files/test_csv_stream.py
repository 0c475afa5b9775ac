"""A long CSV streamed in pieces parsed by a forked process: the same samples as
``read_csv`` and the same one-line refusals, with nothing refused handed on first."""

from __future__ import annotations

import os

import numpy as np
import pytest
from test_interchange import ACCEPTED, MALFORMED, NEWLINES, _bits, _row, _write, write_malformed

from tracker.commands.analyze import analyze
from tracker.core.errors import InputError
from tracker.core.types import ImuBlock
from tracker.files import csv_stream
from tracker.files.interchange import HEADER, read_csv, write_csv
from tracker.sim import simulate


@pytest.fixture
def small_pieces(monkeypatch):
    """Stream any file, in pieces of a few lines."""
    monkeypatch.setattr(csv_stream, "STREAM_FROM_BYTES", 0)
    monkeypatch.setattr(csv_stream, "CHUNK_BYTES", 100)


def _table(blocks) -> np.ndarray:
    block = ImuBlock.concat(list(blocks))
    return np.column_stack([block.t_s, block.acc, block.gyr])


# How each accepted variant is read: parsed by the child to the end, handed back by it at
# its first piece (CRLF line ends), or read by this process from the start (CR line ends
# alone, extra columns).
BY_CHILD = {"plain", "bom", "trailing_blank_lines", "trailing_spaces_line", "blank_lines_between"}
BY_CHILD |= {"spaces_around_fields", "exponents_and_signs"}
HANDED_BACK = {"crlf", "bom_crlf"}
IN_PROCESS = {"cr", "numeric_extras", "text_extras", "text_extras_cr", "nan_in_extra"}


def test_every_accepted_variant_has_its_path():
    assert set(ACCEPTED) == BY_CHILD | HANDED_BACK | IN_PROCESS


@pytest.mark.parametrize("case", ACCEPTED)
def test_accepted_variants_stream_the_same_samples(tmp_path, small_pieces, monkeypatch, case):
    """The same samples as ``read_csv``, by the path the variant takes, asserted (a case
    that never reached the child compared the reader with itself)."""
    lines, newline, bom = ACCEPTED[case]
    path = _write(tmp_path / "ok.csv", lines, newline, bom)
    rec = read_csv(path)
    expected = np.column_stack([rec.block.t_s, rec.block.acc, rec.block.gyr])
    by_child = []
    parsed_by_child = csv_stream._parsed_by_child

    def watched(*args):
        for table in parsed_by_child(*args):
            by_child.append(0 if table is None else len(table))
            yield table

    monkeypatch.setattr(csv_stream, "_parsed_by_child", watched)
    assert (_bits(_table(csv_stream.csv_blocks(path))) == _bits(expected)).all()
    if case in BY_CHILD:
        assert sum(by_child) == len(expected) and by_child[-1] > 0
    elif case in HANDED_BACK:
        assert by_child == [0]
    else:
        assert by_child == []


@pytest.mark.parametrize("newline", NEWLINES, ids=list(NEWLINES))
@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_files_are_refused_as_read_csv_refuses_them(
    tmp_path, small_pieces, case, newline
):
    path = write_malformed(tmp_path, case, newline)
    with pytest.raises(InputError) as expected:
        read_csv(path)
    with pytest.raises(InputError) as streamed:
        list(csv_stream.csv_blocks(path))
    assert str(streamed.value) == str(expected.value)


def test_a_long_file_comes_in_many_pieces_and_a_bad_line_stops_it_before_its_piece(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(csv_stream, "STREAM_FROM_BYTES", 0)
    monkeypatch.setattr(csv_stream, "CHUNK_BYTES", 4096)
    rows = [_row(t=f"{i / 100:.2f}") for i in range(20_000)]
    path = _write(tmp_path / "long.csv", ["# a", HEADER, *rows])
    blocks = list(csv_stream.csv_blocks(path))
    assert len(blocks) > 50 and sum(len(b) for b in blocks) == 20_000
    assert (np.diff(np.concatenate([b.t_s for b in blocks])) > 0).all()

    rows[15_000] = _row(t="150.00", gx="1e6")
    path = _write(tmp_path / "bad.csv", ["# a", HEADER, *rows])
    handed = []
    with pytest.raises(InputError, match=r"bad\.csv:15003: gx = 1e\+06 rad/s is beyond ±200"):
        for block in csv_stream.csv_blocks(path):
            handed.append(block)
    assert handed and max(b.t_s[-1] for b in handed) < 150.0  # the bad sample never went out


def test_stopping_early_leaves_no_process_behind(tmp_path, small_pieces, monkeypatch):
    forked = []
    fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forked.append(fork()) or forked[-1])
    rows = [_row(t=f"{i / 100:.2f}") for i in range(2_000)]
    path = _write(tmp_path / "long.csv", [HEADER, *rows])
    blocks = csv_stream.csv_blocks(path)
    next(blocks)
    blocks.close()
    assert len(forked) == 1
    with pytest.raises(ChildProcessError):  # the parser was stopped and reaped
        os.waitpid(forked[0], os.WNOHANG)


def test_a_process_allowed_one_core_reads_the_file_itself(tmp_path, small_pieces, monkeypatch):
    def no_fork():
        raise AssertionError("forked with one core to run on")

    monkeypatch.setattr(os, "fork", no_fork)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    rows = [_row(t=f"{i / 100:.2f}") for i in range(500)]
    path = _write(tmp_path / "long.csv", [HEADER, *rows])
    blocks = list(csv_stream.csv_blocks(path))
    assert len(blocks) == 1 and len(blocks[0]) == 500


def test_analyze_of_a_streamed_csv_equals_analyze_of_it_whole(tmp_path, monkeypatch):
    session = simulate("squat-workout", seed=3, sets=1)
    path = tmp_path / "s.csv"
    write_csv(path, session.block)
    whole = analyze(path)
    monkeypatch.setattr(csv_stream, "STREAM_FROM_BYTES", 0)
    monkeypatch.setattr(csv_stream, "CHUNK_BYTES", 50_000)
    streamed = analyze(path)
    assert streamed == whole and len(whole["reps"]) >= 5
