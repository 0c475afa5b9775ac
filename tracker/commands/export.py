"""`tracker export PATH -o OUT.csv`: a recording as an interchange CSV, metadata as comments."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tracker import __version__
from tracker.core.errors import InputError
from tracker.files.csv_stream import csv_blocks
from tracker.files.interchange import (
    CsvSource,
    NotWritable,
    open_csv,
    write_csv_blocks,
    write_csv_blocks_to,
)
from tracker.files.recording import Recording, is_own_format


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "export",
        help="write a recording as an interchange CSV",
        description=(
            "Convert a recording (own format or interchange CSV) to the interchange CSV "
            "t,ax,ay,az,gx,gy,gz (seconds, m/s², rad/s, sensor frame), with the recording's "
            "metadata as '#' comment lines first. Values are written with enough digits to "
            "read back exactly."
        ),
    )
    p.add_argument("path", metavar="PATH", help="a .trk recording or an interchange CSV")
    p.add_argument(
        "-o", "--output", required=True, metavar="OUT.csv", help="the CSV to write ('-': stdout)"
    )
    p.set_defaults(func=run)


def run(args) -> int:
    if args.output != "-" and _same_file(args.path, args.output):
        raise InputError("the output would replace the recording itself", path=args.output)
    opened, blocks = _opened(args.path)
    for warning in opened.warnings:
        print(f"tracker: warning: {opened.path}: {warning}", file=sys.stderr)
    comments = comments_of(opened)
    try:  # written block by block as they are read: memory stays flat however long
        if args.output == "-":
            write_csv_blocks_to(sys.stdout, blocks, comments)
            return 0
        written = write_csv_blocks(args.output, blocks, comments)
    except NotWritable as exc:
        if exc.problem == "no samples":
            raise InputError("the recording holds no samples to export", path=opened.path) from None
        raise InputError(
            f"cannot be exported as an interchange CSV: {exc.problem}", path=opened.path
        ) from None
    duration_s = written.last_s - written.first_s
    print(f"wrote {args.output}: {written.samples} samples, {duration_s:.1f} s, from {opened.path}")
    return 0


def _opened(path: str):
    """The recording (own format) or the CSV's preamble, and its samples to come."""
    if is_own_format(path):
        from tracker.files.replay import recording_blocks

        recording = Recording.open(path)
        return recording, recording_blocks(recording)
    return open_csv(path), csv_blocks(path)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # either does not exist (yet): reading or writing will say so
        return False


def comments_of(opened: Recording | CsvSource) -> list[str]:
    """The metadata comment lines: where the samples came from, then the recording's own."""
    lines = [f"exported by tracker {__version__} from {Path(opened.path).name}"]
    if not isinstance(opened, Recording):
        lines += opened.comments
        if opened.extra_columns:
            lines.append(f"columns not exported: {','.join(opened.extra_columns)}")
    else:
        header = opened.header
        lines += [
            f"recorded_utc: {json.dumps(header.get('created_utc'))}",
            f"recorded_with: {json.dumps('tracker ' + str(header.get('tracker_version')))}",
            f"source: {json.dumps(opened.source, ensure_ascii=False)}",
            f"profile: {json.dumps(opened.profile_name)}",
        ]
        lines += [
            f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in opened.meta.items()
        ]
    lines += [f"warning: {w}" for w in opened.warnings]
    return lines
