"""The interchange CSV (``t,ax,ay,az,gx,gy,gz``): a strict, fast reader and an exact writer."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tracker.core.errors import InputError, RecordingError
from tracker.core.types import ImuBlock

COLUMNS = ("t", "ax", "ay", "az", "gx", "gy", "gz")
HEADER = ",".join(COLUMNS)
# Beyond these no IMU reports a reading (±200 g, ±11 000 deg/s): the units are wrong.
ACC_LIMIT_M_S2 = 2000.0
GYR_LIMIT_RAD_S = 200.0
_LIMITS = (None, *(3 * [(ACC_LIMIT_M_S2, "m/s²")]), *(3 * [(GYR_LIMIT_RAD_S, "rad/s")]))
_UNIT_HINTS = {"m/s²": "wrong units?", "rad/s": "deg/s instead of rad/s?"}
# What numpy's C parser accepts as a number (Python's float() also takes '1_0', '１', ...).
_NUMBER = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*", re.ASCII)
_NON_FINITE = re.compile(r"\s*[+-]?(?:nan|inf|infinity)\s*", re.ASCII | re.IGNORECASE)
_NOT_TEXT = re.compile("[\x00\udc80-\udcff]")  # NUL, or a byte that is not UTF-8
_RECORDING_MAGIC = b"TRACKER-RECORDING"
_WRITE_CHUNK_ROWS = 20_000
PIECE_CHARS = 1 << 20  # lines read and parsed at a time: about 12,000 samples


@dataclass(frozen=True, eq=False)
class CsvRecording:
    """An interchange CSV as read: its samples, its comment lines and ignored columns.

    Attributes
    ----------
    path : str
        The file it was read from.
    block : ImuBlock
        Every sample, in file order.
    comments : list of str
        The metadata lines before the header, without the ``#`` and one space after it.
    extra_columns : list of str
        Header names after the seven required ones (``mx``, ``seq``, ...), ignored.
    """

    path: str
    block: ImuBlock
    comments: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    # Same attributes as a Recording, so commands can treat either kind of PATH alike.
    profile_toml = None
    profile_name = None
    truncated = False
    corrupt_records = 0

    @property
    def warnings(self) -> list[str]:
        return []

    def sample_blocks(self) -> list[ImuBlock]:
        return [self.block]


def input_error_for(exc: OSError, path) -> InputError:
    """A one-line ``InputError`` for a file that cannot be opened for reading."""
    if isinstance(exc, FileNotFoundError):
        why = "no such file"
    elif isinstance(exc, IsADirectoryError):
        why = "is a directory, not a recording"
    elif isinstance(exc, PermissionError):
        why = "cannot be read (permission denied)"
    else:
        why = f"cannot be read ({exc.strerror or exc})"
    return InputError(why, path=str(path))


def read_csv(path) -> CsvRecording:
    """Read an interchange CSV whole, refusing anything malformed.

    Parameters
    ----------
    path : str or Path
        The file: optional ``#`` comment lines, the header ``t,ax,ay,az,gx,gy,gz``
        (more columns may follow and are ignored), then one sample per line. UTF-8
        with or without a byte-order mark (UTF-16 with one), LF, CRLF or CR line ends,
        blank lines anywhere after the header.

    Returns
    -------
    CsvRecording

    Raises
    ------
    InputError
        Naming the file and, for a bad line, its 1-based line number: unreadable
        file, no header, wrong header, wrong field count, text or an empty field where
        a number belongs, NaN or infinity, time not strictly increasing, acceleration
        beyond ±2000 m/s² or angular rate beyond ±200 rad/s.

    Notes
    -----
    ``open_csv(path).blocks()`` gives the same samples piece by piece, in the same
    little memory however long the file is.
    """
    source = open_csv(path)
    block = ImuBlock.concat(list(source.blocks()))
    return CsvRecording(source.path, block, source.comments, source.extra_columns)


@dataclass(frozen=True, eq=False)
class CsvSource:
    """An interchange CSV opened for reading: its comment lines and extra columns, and
    ``blocks()``, its samples read piece by piece (see ``read_csv`` for the format).

    A piece of about ``PIECE_CHARS`` of lines is parsed by numpy's C parser
    (``np.loadtxt``) and checked with array operations; only when that fails does a
    line-by-line pass run over the piece, to name the first bad line.
    """

    path: str
    comments: list[str]
    extra_columns: list[str]
    encoding: str
    header_line: int

    warnings = ()  # as a Recording's: nothing skipped (a bad line is refused)

    @property
    def n_fields(self) -> int:
        return len(COLUMNS) + len(self.extra_columns)

    def blocks(self, piece_chars: int | None = None) -> Iterator[ImuBlock]:
        """Every sample, in order, a piece at a time; ``InputError`` at the first bad line
        (before any sample of its piece is handed on) or when there is none."""
        piece_chars = piece_chars or PIECE_CHARS
        state = _Continuity()
        with _open_text(self.path, self.encoding) as f:
            for _ in range(self.header_line):
                _readline(f, self.path)
            lineno = self.header_line
            while lines := _readlines(f, self.path, piece_chars):
                table = self._fast(lines, state)
                if table is None:
                    table = self._slow(lines, lineno + 1, state)
                state.after(lines, lineno + 1)
                lineno += len(lines)
                if len(table):
                    yield ImuBlock.from_arrays(table[:, 0], table[:, 1:4], table[:, 4:7])
        if state.samples == 0:
            raise InputError(
                f"no samples after the header (line {self.header_line})", path=self.path
            )

    def _fast(self, lines: list[str], state: _Continuity) -> np.ndarray | None:
        extra = self.n_fields > len(COLUMNS)
        table = loadtxt_or_none(lines, usecols=range(len(COLUMNS)) if extra else None)
        if table is None:
            return None
        if table.size == 0:
            table = np.empty((0, len(COLUMNS)))
        elif table.shape[1] != len(COLUMNS) or not _valid(table) or table[0, 0] <= state.t:
            return None
        if extra and any(line.count(",") not in (self.n_fields - 1, 0) for line in lines):
            return None  # usecols does not check that every line has the header's fields
        state.samples += len(table)
        state.t = float(table[-1, 0]) if len(table) else state.t
        return table

    def _slow(self, lines: list[str], first_line: int, state: _Continuity) -> np.ndarray:
        """Line by line, raising on the first bad line: the authority when numpy balks."""
        rows: list[list[float]] = []
        path, n_fields = self.path, self.n_fields
        for lineno, line in enumerate(lines, start=first_line):
            line = line.rstrip("\n")
            if _NOT_TEXT.search(line):
                raise InputError(
                    "not text (binary data, or an encoding other than UTF-8)",
                    path=path,
                    line=lineno,
                )
            if not line.strip():
                continue
            if line.lstrip().startswith("#"):
                raise InputError(
                    "a comment line after the header; comment lines go before it",
                    path=path,
                    line=lineno,
                )
            fields = line.split(",")
            if len(fields) != n_fields:
                raise InputError(
                    f"{len(fields)} fields where the header has {n_fields}", path=path, line=lineno
                )
            row = [_number(fields[i], i, path, lineno) for i in range(len(COLUMNS))]
            if not row[0] > state.t:
                raise InputError(
                    f"t = {fields[0].strip()} s does not come after t = {state.text} s on line "
                    f"{state.line}: time must increase strictly",
                    path=path,
                    line=lineno,
                )
            state.t, state.text, state.line = row[0], fields[0].strip(), lineno
            rows.append(row)
        state.samples += len(rows)
        return np.array(rows, dtype=np.float64).reshape(-1, len(COLUMNS))


@dataclass
class _Continuity:
    """The last sample handed on: its time, as written, and its line (for messages)."""

    t: float = -np.inf
    text: str = ""
    line: int = 0
    samples: int = 0

    def after(self, lines: list[str], first_line: int) -> None:
        """Note the piece's last sample line (what the next piece's time must follow)."""
        for k in range(len(lines) - 1, -1, -1):
            if lines[k].strip():
                self.text, self.line = lines[k].split(",", 1)[0].strip(), first_line + k
                return


def open_csv(path) -> CsvSource:
    """An interchange CSV's preamble read and checked; ``blocks()`` reads its samples.

    Raises ``InputError`` as ``read_csv`` does for a file that cannot be read, has no
    header or a wrong one.
    """
    path = str(path)
    encoding = _sniff_encoding(path)
    with _open_text(path, encoding) as f:
        comments, names, header_line = _read_preamble(f, path)
    return CsvSource(path, comments, list(names[len(COLUMNS) :]), encoding, header_line)


def _sniff_encoding(path: str) -> str:
    try:
        with open(path, "rb") as f:
            start = f.read(len(_RECORDING_MAGIC))
    except OSError as exc:
        raise input_error_for(exc, path) from None
    if start == _RECORDING_MAGIC:
        raise InputError("a tracker recording, not an interchange CSV", path=path)
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return "utf-8-sig"


def _open_text(path: str, encoding: str):
    try:
        # Undecodable bytes become lone surrogates, found per line in _read_lines.
        errors = "surrogateescape" if encoding == "utf-8-sig" else "strict"
        return open(path, encoding=encoding, errors=errors, newline=None)
    except OSError as exc:
        raise input_error_for(exc, path) from None


def _readline(f, path: str) -> str:
    return _reading(f.readline, path)


def _readlines(f, path: str, hint: int) -> list[str]:
    return _reading(lambda: f.readlines(hint), path)


def _reading(read, path: str):
    """``read()``, its failure as an ``InputError`` naming the file."""
    try:
        return read()
    except UnicodeDecodeError:  # only UTF-16 files are decoded strictly
        raise InputError("not valid UTF-16 text", path=path) from None
    except OSError as exc:
        raise input_error_for(exc, path) from None


def _read_lines(f, path: str):
    """(line number, text without its newline), turning undecodable bytes into an error."""
    lineno = 0
    while True:
        try:
            line = f.readline()
        except UnicodeDecodeError:  # only UTF-16 files are decoded strictly
            raise InputError("not valid UTF-16 text", path=path) from None
        except OSError as exc:
            raise input_error_for(exc, path) from None
        if not line:
            return
        lineno += 1
        if _NOT_TEXT.search(line):
            raise InputError(
                "not text (binary data, or an encoding other than UTF-8)", path=path, line=lineno
            )
        yield lineno, line.rstrip("\n")


def _read_preamble(f, path: str) -> tuple[list[str], list[str], int]:
    """Comment lines, header names and the header's line number; ``f`` is left after it."""
    comments: list[str] = []
    for lineno, line in _read_lines(f, path):
        if line.startswith("#"):
            text = line[1:]
            comments.append(text[1:] if text.startswith(" ") else text)
            continue
        if not line.strip():
            continue
        return comments, _check_header(line, path, lineno), lineno
    if comments:
        raise InputError(f"comment lines but no header line {HEADER!r}", path=path)
    raise InputError(f"the file is empty; expected a header line {HEADER!r} and samples", path=path)


def _check_header(line: str, path: str, lineno: int) -> list[str]:
    names = [name.strip() for name in line.split(",")]
    if _NUMBER.fullmatch(names[0]):
        raise InputError(
            f"no header line: the data starts here; add {HEADER!r} above it", path=path, line=lineno
        )
    seen: set[str] = set()  # (names.index per column was quadratic: 200,000 never ended)
    for i, name in enumerate(names):
        if not name:
            raise InputError(f"column {i + 1} of the header has no name", path=path, line=lineno)
        if name in seen:
            raise InputError(f"column {name!r} appears twice in the header", path=path, line=lineno)
        seen.add(name)
    missing = [c for c in COLUMNS if c not in names]
    if missing or tuple(names[: len(COLUMNS)]) != COLUMNS:
        found = ",".join(names[: len(COLUMNS) + 1])
        if [n.lower() for n in names[: len(COLUMNS)]] == list(COLUMNS):
            why = "; names are lower case"
        elif missing:
            why = f"; missing: {', '.join(missing)}"
        else:
            why = "; the same columns, in another order"
        raise InputError(
            f"the header must start with {HEADER}, in that order{why} (found {found[:80]!r})",
            path=path,
            line=lineno,
        )
    return names


def loadtxt_or_none(source, usecols=None) -> np.ndarray | None:
    """numpy's C parser on data lines (text or bytes), as a 2-D float table; None when
    it refuses them (the line-by-line pass then names the problem)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
            return np.loadtxt(
                source, delimiter=",", comments=None, ndmin=2, dtype=np.float64, usecols=usecols
            )
    except ValueError:  # also UnicodeDecodeError
        return None


def _valid(data: np.ndarray) -> bool:
    """``_first_problem(data) is None``, in less time: the check every good file pays."""
    if len(data) == 0:
        return True
    return bool(
        np.isfinite(data).all()
        and np.abs(data[:, 1:4]).max() <= ACC_LIMIT_M_S2
        and np.abs(data[:, 4:7]).max() <= GYR_LIMIT_RAD_S
        and (np.diff(data[:, 0]) > 0).all()
    )


def _first_problem(data: np.ndarray) -> str | None:
    """What makes an (n, 7) table unfit for the CSV, naming the first bad sample, or None."""
    checks = [
        (~np.isfinite(data).all(axis=1), "a value that is not a finite number"),
        (np.abs(data[:, 1:4]).max(axis=1) > ACC_LIMIT_M_S2, f"|acc| > {ACC_LIMIT_M_S2:g} m/s²"),
        (np.abs(data[:, 4:7]).max(axis=1) > GYR_LIMIT_RAD_S, f"|gyr| > {GYR_LIMIT_RAD_S:g} rad/s"),
        (np.append(False, ~(np.diff(data[:, 0]) > 0)), "a time not after the previous sample's"),
    ]
    found = [(int(np.argmax(bad)), what) for bad, what in checks if bad.any()]
    if not found:
        return None
    i, what = min(found)
    return f"sample {i} (t = {float(data[i, 0])!r} s) has {what}"


def block_problem(block: ImuBlock) -> str | None:
    """Why ``block`` cannot be written as an interchange CSV (``read_csv`` would refuse
    it), or None: no samples, NaN or infinity, a value beyond the limits, time not
    strictly increasing."""
    if len(block) == 0:
        return "no samples"
    return _first_problem(np.column_stack([block.t_s, block.acc, block.gyr]))


def _number(text: str, column: int, path: str, lineno: int) -> float:
    name = COLUMNS[column]
    if not text.strip():
        raise InputError(f"empty field in column {name}", path=path, line=lineno)
    if _NON_FINITE.fullmatch(text):
        raise InputError(f"{name} is {text.strip()}; values must be finite", path=path, line=lineno)
    if not _NUMBER.fullmatch(text):
        raise InputError(f"{name}: {text.strip()[:40]!r} is not a number", path=path, line=lineno)
    value = float(text)
    if not np.isfinite(value):
        raise InputError(
            f"{name} = {text.strip()[:40]} is too large to be a finite number",
            path=path,
            line=lineno,
        )
    limit = _LIMITS[column]
    if limit is not None and abs(value) > limit[0]:
        bound, unit = limit
        raise InputError(
            f"{name} = {value:g} {unit} is beyond ±{bound:g} {unit}, more than any IMU "
            f"reports ({_UNIT_HINTS[unit]})",
            path=path,
            line=lineno,
        )
    return value


def write_csv(path, block: ImuBlock, comments: Iterable[str] = ()) -> None:
    """Write samples as an interchange CSV that reads back to exactly the same float64.

    Parameters
    ----------
    path : str or Path
        Destination, replaced whole: the file is written beside it and renamed,
        so a failure leaves no half-written CSV. A device or a pipe (``/dev/null``, a
        FIFO) is written to as it is.
    block : ImuBlock
        The samples.
    comments : iterable of str
        Metadata written first, one ``# `` line each (a text with line breaks
        becomes several lines).

    Raises
    ------
    ValueError
        When the samples would not read back (see ``block_problem``).
    RecordingError
        When the file cannot be written (no such directory, permission, disk full).
    """
    _check_writable(block)
    write_csv_blocks(path, [block], comments)


def write_csv_to(f, block: ImuBlock, comments: Iterable[str] = ()) -> None:
    """Write the interchange CSV to an open text file (e.g. ``sys.stdout``); as ``write_csv``."""
    _check_writable(block)
    write_csv_blocks_to(f, [block], comments)


class NotWritable(ValueError):
    """Samples that would not read back from an interchange CSV; ``problem`` says why."""

    def __init__(self, problem: str):
        self.problem = problem
        super().__init__(f"not writable as an interchange CSV: {problem}")


@dataclass(frozen=True)
class Written:
    """What was written: the samples, and the time of the first and the last."""

    samples: int
    first_s: float
    last_s: float


def write_csv_blocks(path, blocks: Iterable[ImuBlock], comments: Iterable[str] = ()) -> Written:
    """``write_csv`` of samples that come in blocks, each written as it comes: the CSV of a
    recording of any length in little memory. Raises as ``write_csv``; ``NotWritable``
    (a ``ValueError``) leaves no file."""
    named = Path(path)
    path = Path(os.path.realpath(named))  # a symbolic link stays one, to the new file
    in_place = path.exists() and not path.is_file()  # a device or a pipe: a rename would replace it
    target = path if in_place else path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(target, "w", encoding="utf-8", newline="\n") as f:
            written = write_csv_blocks_to(f, blocks, comments)
        if not in_place:
            os.replace(target, path)
    except OSError as exc:
        if not in_place:
            target.unlink(missing_ok=True)
        kept = "" if in_place else "; nothing was written"
        raise RecordingError(
            f"could not write the CSV ({exc.strerror or exc}){kept}", path=str(named)
        ) from None
    except BaseException:
        if not in_place:
            target.unlink(missing_ok=True)
        raise
    return written


def write_csv_blocks_to(f, blocks: Iterable[ImuBlock], comments: Iterable[str] = ()) -> Written:
    """``write_csv_blocks`` to an open text file; nothing is written when there is no sample.

    Raises ``NotWritable`` at the first sample that would not read back (what came before
    it is written).
    """
    n, first, last = 0, np.nan, -np.inf
    for block in blocks:
        if not len(block):
            continue
        problem = block_problem(block)
        if problem is None and not block.t_s[0] > last:
            t0 = float(block.t_s[0])
            problem = f"sample 0 (t = {t0!r} s) has a time not after the previous sample's"
        if problem is not None:
            raise NotWritable(_renumbered(problem, n))
        if n == 0:
            _write_head(f, comments)
            first = float(block.t_s[0])
        _write_rows(f, block)
        n, last = n + len(block), float(block.t_s[-1])
    if n == 0:
        raise NotWritable("no samples")
    return Written(n, first, last)


def _renumbered(problem: str, offset: int) -> str:
    """A ``block_problem`` naming sample k of a block, as sample offset + k of the whole."""
    return re.sub(r"^sample (\d+)", lambda m: f"sample {int(m.group(1)) + offset}", problem)


def _check_writable(block: ImuBlock) -> None:
    problem = block_problem(block)
    if problem is not None:
        raise NotWritable(problem)


def _write_head(f, comments: Iterable[str]) -> None:
    for comment in comments:
        for line in re.split(r"\r\n|\r|\n", str(comment)):
            f.write(f"# {line}\n")
    f.write(HEADER + "\n")


def _write_rows(f, block: ImuBlock) -> None:
    data = np.column_stack([block.t_s, block.acc, block.gyr])
    # repr gives the shortest text that reads back to the same float64; numpy has no
    # vectorised equivalent that is faster (astype(str) is slower).
    fmt = ",".join(["%r"] * len(COLUMNS)) + "\n"
    for start in range(0, len(data), _WRITE_CHUNK_ROWS):
        rows = data[start : start + _WRITE_CHUNK_ROWS].tolist()
        f.write("".join([fmt % tuple(row) for row in rows]))
