"""The interchange CSV: exact round trips, every accepted variant, and each malformed file
refused with the file and the first bad line named."""

from __future__ import annotations

import builtins
import re
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tracker.core.errors import InputError, RecordingError
from tracker.core.types import ImuBlock
from tracker.files import interchange
from tracker.files.interchange import HEADER, read_csv, write_csv

ROW0 = "0.00,0.41,-9.77,0.35,0.0012,-0.0040,0.0009"
ROW1 = "0.01,0.40,-9.78,0.36,0.0011,-0.0041,0.0010"
ROW2 = "0.02,0.39,-9.79,0.37,0.0010,-0.0042,0.0011"
EXPECTED = np.array([[float(v) for v in row.split(",")] for row in (ROW0, ROW1, ROW2)])
NEWLINES = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}
CSV_CHARS = ",.-+#e0129nal\r\n tx"
# Examples rewrite the same file in the test's tmp_path, so sharing it is harmless.
FILES_REWRITTEN = [HealthCheck.function_scoped_fixture]


def _bits(a: np.ndarray) -> np.ndarray:
    """Compare float64 exactly, -0.0 and all."""
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def _table(rec) -> np.ndarray:
    return np.column_stack([rec.block.t_s, rec.block.acc, rec.block.gyr])


def _write(path, lines, newline="\n", bom=""):
    path.write_bytes((bom + newline.join(lines) + newline).encode("utf-8"))
    return path


def _row(t="0.01", ax="0.40", ay="-9.78", az="0.36", gx="0.0011", gy="-0.0041", gz="0.0010"):
    return ",".join([t, ax, ay, az, gx, gy, gz])


# -- round trips -------------------------------------------------------------------------
_values = st.floats(-2000, 2000, allow_nan=False, allow_subnormal=True)
_rates = st.floats(-200, 200, allow_nan=False, allow_subnormal=True)


@settings(max_examples=60, deadline=None, suppress_health_check=FILES_REWRITTEN)
@given(
    t0=st.floats(-1e6, 1e6, allow_nan=False),
    dt=hnp.arrays(np.float64, st.integers(1, 40), elements=st.floats(1e-3, 1e3)),
    data=st.data(),
)
def test_write_then_read_gives_the_same_float64_bits(tmp_path, t0, dt, data):
    t = t0 + np.cumsum(dt)
    if not (np.diff(t) > 0).all():
        return  # increments lost to rounding: not a valid recording
    n = len(t)
    acc = data.draw(hnp.arrays(np.float64, (n, 3), elements=_values))
    gyr = data.draw(hnp.arrays(np.float64, (n, 3), elements=_rates))
    path = tmp_path / "rt.csv"
    write_csv(path, ImuBlock.from_arrays(t, acc, gyr), ["made by a test"])
    back = read_csv(path)
    assert (_bits(back.block.t_s) == _bits(t)).all()
    assert (_bits(back.block.acc) == _bits(acc)).all()
    assert (_bits(back.block.gyr) == _bits(gyr)).all()
    assert back.comments == ["made by a test"]


def test_comments_round_trip_and_line_breaks_become_lines(tmp_path):
    comments = ["kind: squats", "  indented, with # inside", "Zoë — ünïcode", "", "two\nlines"]
    block = ImuBlock.from_arrays(EXPECTED[:, 0], EXPECTED[:, 1:4], EXPECTED[:, 4:7])
    write_csv(tmp_path / "c.csv", block, comments)
    text = (tmp_path / "c.csv").read_text(encoding="utf-8")
    assert text.splitlines()[len(comments) + 1] == HEADER
    assert read_csv(tmp_path / "c.csv").comments == [*comments[:-1], "two", "lines"]


def test_write_replaces_whole_or_leaves_nothing(tmp_path):
    block = ImuBlock.from_arrays(EXPECTED[:, 0], EXPECTED[:, 1:4], EXPECTED[:, 4:7])
    target = tmp_path / "missing-dir" / "x.csv"
    with pytest.raises(RecordingError, match="could not write"):
        write_csv(target, block)
    assert not (tmp_path / "missing-dir").exists()
    out = tmp_path / "x.csv"
    out.write_text("old content")
    write_csv(out, block)
    assert (_bits(_table(read_csv(out))) == _bits(EXPECTED)).all()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]  # no temporary left


@pytest.mark.parametrize(
    ("row", "value", "words"),
    [
        (4, ("acc", np.nan), "sample 4 (t = 0.04 s) has a value that is not a finite number"),
        (2, ("gyr", 250.0), "sample 2 (t = 0.02 s) has |gyr| > 200 rad/s"),
        (7, ("acc", -2500.0), "sample 7 (t = 0.07 s) has |acc| > 2000 m/s²"),
        (5, ("t_s", 0.04), "sample 5 (t = 0.04 s) has a time not after the previous sample's"),
        (3, ("t_s", 0.02), "sample 3 (t = 0.02 s) has a time not after the previous sample's"),
    ],
)
def test_samples_that_would_not_read_back_are_not_written(tmp_path, row, value, words):
    t = np.arange(10) / 100
    arrays = {"t_s": t, "acc": np.zeros((10, 3)), "gyr": np.zeros((10, 3))}
    name, v = value
    if name == "t_s":
        arrays["t_s"][row] = v
    else:
        arrays[name][row, 1] = v
    arrays["acc"][8, 0] = np.inf  # a later problem: the first one is named
    block = ImuBlock.from_arrays(**arrays)
    assert interchange.block_problem(block) == words
    with pytest.raises(ValueError, match=re.escape(words)):
        write_csv(tmp_path / "x.csv", block)
    assert not list(tmp_path.iterdir())
    assert interchange.block_problem(ImuBlock.empty()) == "no samples"


# -- accepted variants ------------------------------------------------------------------
ACCEPTED = {
    "plain": ([HEADER, ROW0, ROW1, ROW2], "\n", ""),
    "crlf": ([HEADER, ROW0, ROW1, ROW2], "\r\n", ""),
    "cr": ([HEADER, ROW0, ROW1, ROW2], "\r", ""),
    "bom": (["# a", HEADER, ROW0, ROW1, ROW2], "\n", "\ufeff"),
    "bom_crlf": ([HEADER, ROW0, ROW1, ROW2], "\r\n", "\ufeff"),
    "trailing_blank_lines": ([HEADER, ROW0, ROW1, ROW2, "", "", ""], "\n", ""),
    "trailing_spaces_line": ([HEADER, ROW0, ROW1, ROW2, "   \t"], "\n", ""),
    "blank_lines_between": (["", "# a", "", HEADER, ROW0, "", ROW1, ROW2], "\n", ""),
    "spaces_around_fields": (
        [" t , ax ,ay,az,gx,gy,gz", ROW0.replace(",", " , "), ROW1, ROW2],
        "\n",
        "",
    ),
    "numeric_extras": (
        [HEADER + ",mx,my,mz,seq", *(r + ",1,2,3,7" for r in (ROW0, ROW1, ROW2))],
        "\n",
        "",
    ),
    "text_extras": (
        [HEADER + ",label,seq", *(r + f",rep {i},{i}" for i, r in enumerate((ROW0, ROW1, ROW2)))],
        "\r\n",
        "",
    ),
    "text_extras_cr": ([HEADER + ",label", *(r + ",x" for r in (ROW0, ROW1, ROW2))], "\r", ""),
    "nan_in_extra": ([HEADER + ",mx", *(r + ",nan" for r in (ROW0, ROW1, ROW2))], "\n", ""),
    "exponents_and_signs": (
        [HEADER, ROW0, "1e-2,+0.40,-9.78,.36,1.1e-3,-4.1E-3,0.0010", ROW2],
        "\n",
        "",
    ),
}


# Files that numpy's parser takes whole, without the line-by-line pass.
FAST = {"plain", "crlf", "cr", "bom", "bom_crlf", "trailing_blank_lines", "blank_lines_between"}
FAST |= {"spaces_around_fields", "numeric_extras", "text_extras", "exponents_and_signs"}


@pytest.mark.parametrize("case", ACCEPTED)
def test_accepted_variants_give_the_same_samples(tmp_path, monkeypatch, case):
    lines, newline, bom = ACCEPTED[case]
    if case in FAST:
        monkeypatch.setattr(interchange.CsvSource, "_slow", None)  # calling it would fail
    rec = read_csv(_write(tmp_path / "ok.csv", lines, newline, bom))
    assert (_bits(_table(rec)) == _bits(EXPECTED)).all()
    header = next(line for line in lines if "ax" in line)
    assert rec.extra_columns == [name.strip() for name in header.split(",")[7:]]
    assert rec.path == str(tmp_path / "ok.csv")


def test_utf16_with_bom_is_read(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes("\n".join(["# Zoë", HEADER, ROW0, ROW1, ROW2, ""]).encode("utf-16"))
    rec = read_csv(path)
    assert rec.comments == ["Zoë"] and (_bits(_table(rec)) == _bits(EXPECTED)).all()


_layout = st.fixed_dictionaries(
    {
        "newline": st.sampled_from(list(NEWLINES.values())),
        "bom": st.sampled_from(["", "\ufeff"]),
        "extras": st.sampled_from(["", ",mx,my", ",label"]),
        "blank_after": st.sets(st.integers(0, 30), max_size=4),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=FILES_REWRITTEN)
@given(n=st.integers(1, 30), layout=_layout, seed=st.integers(0, 2**32 - 1))
def test_fast_and_line_by_line_parsers_agree(tmp_path, n, layout, seed):
    """Whatever path a valid file takes through the reader, the samples are the same."""
    rng = np.random.default_rng(seed)
    data = np.column_stack(
        [np.cumsum(rng.uniform(1e-3, 0.1, n)), rng.normal(0, 10, (n, 3)), rng.normal(0, 2, (n, 3))]
    )
    extra_values = {"": "", ",mx,my": ",1.5,-2", ",label": ",squat 1"}[layout["extras"]]
    lines = ["# made by a test", HEADER + layout["extras"]]
    for i, row in enumerate(data.tolist()):
        lines.append(",".join(map(repr, row)) + extra_values)
        if i in layout["blank_after"]:
            lines.append("")
    path = _write(tmp_path / "v.csv", lines, layout["newline"], layout["bom"])
    rec = read_csv(path)
    assert (_bits(_table(rec)) == _bits(data)).all()
    slow = np.concatenate([_table_of(b) for b in _LineByLine.of(path).blocks(piece_chars=50)])
    assert (_bits(slow) == _bits(data)).all()


class _LineByLine(interchange.CsvSource):
    """The reader with numpy's parser left out: every piece goes line by line."""

    def _fast(self, lines, state):
        return None

    @classmethod
    def of(cls, path):
        s = interchange.open_csv(path)
        return cls(s.path, s.comments, s.extra_columns, s.encoding, s.header_line)


def _table_of(block) -> np.ndarray:
    return np.column_stack([block.t_s, block.acc, block.gyr])


# -- refused -------------------------------------------------------------------------------
H = HEADER
MALFORMED = {
    # case: (lines, line named or None for whole-file problems, words in the message)
    "empty": ([], None, "empty"),
    "blank_only": (["", "  "], None, "empty"),
    "comments_only": (["# a", "# b"], None, "no header"),
    "header_only": ([H], None, "no samples"),
    "header_and_blank_lines": (["# a", H, "", ""], None, "no samples"),
    "no_header": ([ROW0, ROW1], 1, "no header"),
    "missing_column": (["# a", "t,ax,ay,az,gx,gy", ROW0[:-7]], 2, "in that order; missing: gz"),
    "wrong_order": (["t,ay,ax,az,gx,gy,gz", ROW0], 1, "same columns, in another order"),
    "wrong_name": (["time,ax,ay,az,gx,gy,gz", ROW0], 1, "must start with"),
    "upper_case": (["T,AX,AY,AZ,GX,GY,GZ", ROW0], 1, "names are lower case"),
    "duplicate_name": ([H + ",mx,mx", ROW0 + ",1,2"], 1, "'mx' appears twice"),
    "duplicate_core_name": ([H + ",t", ROW0 + ",1"], 1, "'t' appears twice"),
    "empty_header_name": ([H + ",", ROW0 + ",1"], 1, "no name"),
    "text_in_number": ([H, ROW0, _row(ay="abc"), ROW2], 3, "'abc' is not a number"),
    "quoted_number": ([H, ROW0, _row(gz='"0.1"')], 3, "not a number"),
    "hex_number": ([H, ROW0, _row(ax="0x10")], 3, "not a number"),
    "underscore_number": ([H, ROW0, _row(ax="1_0")], 3, "not a number"),
    "empty_field": ([H, ROW0, _row(gx="")], 3, "empty field in column gx"),
    "blank_field": ([H, ROW0, _row(gx="  ")], 3, "empty field in column gx"),
    "nan": (["# x", H, ROW0, _row(az="nan")], 4, "az is nan"),
    "inf": ([H, ROW0, _row(gy="inf")], 3, "gy is inf"),
    "minus_infinity": ([H, ROW0, _row(ax="-Infinity")], 3, "finite"),
    "overflow": ([H, ROW0, _row(ax="1e999")], 3, "too large"),
    "nan_time": ([H, ROW0, _row(t="NaN")], 3, "t is NaN"),
    "time_equal": ([H, ROW0, _row(t="0.00")], 3, "increase strictly"),
    "time_back": ([H, ROW0, ROW1, ROW2, _row(t="0.015")], 5, "after t = 0.02 s on line 4"),
    "acc_too_large": ([H, ROW0, _row(az="2000.5")], 3, "±2000 m/s²"),
    "acc_too_negative": ([H, ROW0, _row(ax="-98100")], 3, "±2000 m/s²"),
    "gyr_in_deg_s": ([H, ROW0, _row(gz="250")], 3, "±200 rad/s"),
    "too_few_fields": ([H, ROW0, ROW1[: ROW1.rindex(",")]], 3, "6 fields where the header has 7"),
    "too_many_fields": ([H, ROW0, ROW1 + ",5"], 3, "8 fields where the header has 7"),
    "all_rows_too_many": ([H, ROW0 + ",1", ROW1 + ",1"], 2, "8 fields"),
    "extras_too_few": ([H + ",seq", ROW0 + ",1", ROW1, ROW2 + ",3"], 3, "7 fields"),
    "extras_too_many": ([H + ",label", ROW0 + ",a", ROW1 + ",b,c"], 3, "9 fields"),
    "comment_after_header": ([H, ROW0, "# note", ROW1], 3, "comment line after the header"),
    "second_header": ([H, ROW0, H, ROW1], 3, "'t' is not a number"),
    "nul_byte": ([H, ROW0, ROW1 + "\x00"], 3, "not text"),
    "late_error": (["# a", "", H, *([ROW0] + [""] * 5), ROW1, "", _row(t="0.005")], 12, "strictly"),
}


def write_malformed(tmp_path, case: str, newline: str):
    """The file of a ``MALFORMED`` case, with ``newline``'s line ends (and a BOM with CRLF)."""
    lines = MALFORMED[case][0]
    path = tmp_path / f"{case}.csv"
    if lines:
        _write(path, lines, NEWLINES[newline], "\ufeff" if newline == "crlf" else "")
    else:
        path.write_bytes(b"")
    return path


@pytest.mark.parametrize("newline", NEWLINES, ids=list(NEWLINES))
@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_file_names_the_file_and_line(tmp_path, case, newline):
    _lines, line, words = MALFORMED[case]
    path = write_malformed(tmp_path, case, newline)
    with pytest.raises(InputError) as info:
        read_csv(path)
    err = info.value
    where = f"{path}:{line}: " if line is not None else f"{path}: "
    assert str(err).startswith(where), str(err)
    assert (err.path, err.line) == (str(path), line)
    assert words in str(err)
    assert err.exit_status == 2 and "\n" not in err.one_line()


@pytest.mark.parametrize("newline", NEWLINES, ids=list(NEWLINES))
def test_read_a_line_at_a_time_every_file_gives_the_same_samples_and_refusals(
    tmp_path, monkeypatch, newline
):
    """The reader takes a file piece by piece: cut after every line, nothing changes."""
    for case, (lines, _, bom) in ACCEPTED.items():
        path = _write(tmp_path / f"{case}.csv", lines, NEWLINES[newline], bom)
        whole = _table(read_csv(path))
        monkeypatch.setattr(interchange, "PIECE_CHARS", 1)
        assert (_bits(_table(read_csv(path))) == _bits(whole)).all(), case
        monkeypatch.undo()
    for case in MALFORMED:
        path = write_malformed(tmp_path, case, newline)
        with pytest.raises(InputError) as whole:
            read_csv(path)
        monkeypatch.setattr(interchange, "PIECE_CHARS", 1)
        with pytest.raises(InputError) as pieces:
            read_csv(path)
        monkeypatch.undo()
        assert str(pieces.value) == str(whole.value), case


def test_a_bad_value_deep_in_a_long_file_is_located(tmp_path):
    n = 20_000
    rows = [_row(t=f"{i / 100:.2f}") for i in range(n)]
    rows[15_000] = _row(t=f"{15_000 / 100:.2f}", gx="1e6")
    path = _write(tmp_path / "long.csv", ["# a", "# b", H, *rows])
    with pytest.raises(InputError, match=r"long\.csv:15004: gx = 1e\+06 rad/s is beyond ±200"):
        read_csv(path)


def test_binary_garbage_is_refused_on_its_line(tmp_path):
    path = tmp_path / "garbage.csv"
    path.write_bytes(f"{H}\n{ROW0}\n{ROW1}\n".encode() + bytes(range(128, 256)) + b"\n")
    with pytest.raises(InputError, match=r"garbage\.csv:4: not text"):
        read_csv(path)
    path.write_bytes(bytes(np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8)))
    with pytest.raises(InputError, match=r"garbage\.csv:1: not text"):
        read_csv(path)


def test_a_tracker_recording_is_not_taken_for_a_csv(tmp_path):
    path = tmp_path / "r.trk"
    path.write_bytes(b"TRACKER-RECORDING\n\xa5\x5aH\x00\x00\x00\x00")
    with pytest.raises(InputError, match="a tracker recording, not an interchange CSV"):
        read_csv(path)


@settings(max_examples=200, deadline=None, suppress_health_check=FILES_REWRITTEN)
@given(raw=st.one_of(st.binary(max_size=300), st.text(alphabet=CSV_CHARS, max_size=300)))
def test_any_content_is_read_validly_or_refused_with_input_error(tmp_path, raw):
    path = tmp_path / "any.csv"
    content = raw if isinstance(raw, bytes) else (f"{H}\n" + raw).encode()
    path.write_bytes(content)
    try:
        rec = read_csv(path)
    except InputError as err:
        assert str(err).startswith(str(path)) and "\n" not in err.one_line()
        return
    table = _table(rec)
    assert len(table) > 0 and np.isfinite(table).all()
    assert (np.diff(rec.block.t_s) > 0).all()
    assert np.abs(rec.block.acc).max() <= 2000 and np.abs(rec.block.gyr).max() <= 200


@pytest.mark.parametrize("is_dir", [False, True], ids=["missing", "directory"])
def test_missing_file_or_directory_is_one_line(tmp_path, is_dir):
    path = tmp_path / "there.csv"
    if is_dir:
        path.mkdir()
    with pytest.raises(InputError) as info:
        read_csv(path)
    why = "is a directory, not a recording" if is_dir else "no such file"
    assert info.value.one_line() == f"{path}: {why}"
    assert info.value.exit_status == 2


def test_unreadable_file_is_one_line(tmp_path, monkeypatch):
    path = _write(tmp_path / "locked.csv", [H, ROW0])
    real_open = builtins.open

    def refuse(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refuse)
    with pytest.raises(InputError, match=r"locked\.csv: cannot be read \(permission denied\)"):
        read_csv(path)


def test_a_header_of_200000_columns_is_checked_in_linear_time(tmp_path):
    """Each column was looked up in the whole header (names.index): 40,000 extra columns
    took 25 s and 200,000 never finished. The subprocess's limit catches a hang, not speed."""
    n = 200_000
    path = tmp_path / "wide.csv"
    extra = ",".join(f"c{i}" for i in range(n))
    ones = ",".join(["1"] * n)
    rows = [f"{k / 100},0,9.8,0,0,0,0,{ones}" for k in range(3)]
    path.write_text("\n".join([f"t,ax,ay,az,gx,gy,gz,{extra}", *rows]) + "\n")
    code = (
        f"from tracker.files.interchange import read_csv; print(len(read_csv({str(path)!r}).block))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    assert done.stdout.strip() == "3"


def test_reading_holds_a_piece_however_long_the_file(tmp_path, monkeypatch):
    """read_csv parsed the whole file at once (a 10-hour CSV took 374 MB to analyse);
    ``open_csv(path).blocks()`` holds a piece of it at a time."""
    monkeypatch.setattr(interchange, "PIECE_CHARS", 1 << 16)
    peaks = []
    for n in (20_000, 80_000):
        rows = [_row(t=f"{i / 100:.2f}") for i in range(n)]
        path = _write(tmp_path / f"{n}.csv", ["# a", HEADER, *rows])
        tracemalloc.start()
        try:
            assert sum(len(b) for b in interchange.open_csv(path).blocks()) == n
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert peaks[1] < 1.3 * peaks[0] + 200_000, peaks  # four times the file, same memory
    assert peaks[1] < 2_000_000  # the longer file is 4 MB of text, 4.5 MB as float64
