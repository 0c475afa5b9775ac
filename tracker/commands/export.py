"""`tracker export PATH -o OUT.csv`: a recording as an interchange CSV, metadata as comments."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tracker import __version__
from tracker.errors import InputError
from tracker.interchange import CsvRecording, block_problem, write_csv, write_csv_to
from tracker.recording import Recording, open_any
from tracker.types import ImuBlock


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
    opened = open_any(args.path)
    block = samples_of(opened)
    problem = block_problem(block)
    if problem is not None:  # e.g. a decoder that let a clock step back through
        raise InputError(f"cannot be exported as an interchange CSV: {problem}", path=opened.path)
    comments = comments_of(opened)
    for warning in opened.warnings:
        print(f"tracker: warning: {opened.path}: {warning}", file=sys.stderr)
    if args.output == "-":
        write_csv_to(sys.stdout, block, comments)
        return 0
    write_csv(args.output, block, comments)
    duration_s = float(block.t_s[-1] - block.t_s[0])
    print(f"wrote {args.output}: {len(block)} samples, {duration_s:.1f} s, from {opened.path}")
    return 0


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # either does not exist (yet): reading or writing will say so
        return False


def samples_of(opened: Recording | CsvRecording) -> ImuBlock:
    """Every sample of a recording: its 'S' records, or its packets decoded.

    Raises
    ------
    InputError
        When there are no samples, or packets that cannot be decoded here.
    """
    if isinstance(opened, CsvRecording):
        return opened.block
    # Packets are what arrived; 'S' records hold samples of sources without packets.
    has_packets = bool(opened.packets())
    block = _decode_packets(opened) if has_packets else ImuBlock.concat(opened.sample_blocks())
    if len(block) == 0:
        raise InputError("the recording holds no samples to export", path=opened.path)
    return block


def _decode_packets(recording: Recording) -> ImuBlock:
    if recording.profile_toml is None:
        raise InputError(
            "the recording holds sensor packets but no firmware profile to decode them",
            path=recording.path,
        )
    try:
        from tracker.decode import decode_recording
    except ImportError:
        raise InputError(
            "the recording holds raw sensor packets, and this version of tracker has no "
            "decoder for them (tracker.decode)",
            path=recording.path,
        ) from None
    return decode_recording(recording)


def comments_of(opened: Recording | CsvRecording) -> list[str]:
    """The metadata comment lines: where the samples came from, then the recording's own."""
    lines = [f"exported by tracker {__version__} from {Path(opened.path).name}"]
    if isinstance(opened, CsvRecording):
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
