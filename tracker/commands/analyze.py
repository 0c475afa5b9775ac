"""`tracker analyze PATH`: every set, rep and balance bout of a recording, as a table or JSON."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import replace

from tracker.commands import depth_deg
from tracker.core.types import EXERCISES
from tracker.files.csv_stream import csv_blocks
from tracker.files.recording import is_own_format


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "analyze",
        help="reps, sets and balance bouts of a recording",
        description="Analyse a recording (own format or interchange CSV) with the live pipeline.",
    )
    p.add_argument("path", help="a .trk recording or an interchange CSV")
    p.add_argument(
        "--exercise",
        choices=EXERCISES,
        default=None,
        help="what the whole recording is (default: what the recording says it is, when "
        "tracker made it, else auto: find squat sets and balance bouts)",
    )
    p.add_argument(
        "--min-depth",
        type=depth_deg,
        default=10.0,
        metavar="DEG",
        help="smallest thigh inclination that counts as a rep (default 10)",
    )
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=run)


def analyze(
    path, exercise: str | None = "auto", min_depth_deg: float = 10.0, warnings=None
) -> dict:
    """Run the pipeline over a whole recording; return the contract's summary.

    ``exercise`` None: what the recording's header says it is (a simulated chair test,
    a clinic trial), else ``auto``. ``warnings``, a list, gets what reading the recording
    skipped (damage, a cut-off end).
    """
    # Imported here, not at the top: `tracker --help` builds every command's parser,
    # and scipy takes a second to load.
    from tracker.engine.pipeline import Pipeline, PipelineConfig

    recording = None
    if is_own_format(path):
        from tracker.files.recording import Recording

        recording = Recording.open(path)
    if exercise is None:
        exercise = _said(recording.meta) if recording else "auto"
    base = PipelineConfig()
    config = replace(base, exercise=exercise, reps=replace(base.reps, min_depth_deg=min_depth_deg))
    pipeline = Pipeline(config)
    if recording is not None:  # read as it is pushed: memory stays flat however long
        from tracker.files.replay import stream_into  # (asyncio: not for a CSV)

        stream_into(pipeline, recording)
        if warnings is not None:
            warnings += recording.warnings
    else:  # a CSV: a long one is parsed by a second process while the pipeline runs
        for block in csv_blocks(path):
            pipeline.push(block)
    pipeline.finish()
    summary = pipeline.summary()
    if exercise == "auto" and _like_rises(summary["reps"]):
        summary["warnings"].append(
            f"every rep went {RISE_LIKE_DEG:.0f}° or more from the posture the recording "
            "started in: if it started seated (a chair test), analyze it with "
            "--exercise sit_to_stand"
        )
    return summary


RISE_LIKE_DEG = 75.0  # a thigh turning from seated to standing turns about 80-95°


def _like_rises(reps: list[dict]) -> bool:
    """Reps that could be rises from a chair: a recording that starts seated takes the
    seat for standing, and each stand then reads as a rep about as deep as a thigh turns."""
    return len(reps) >= 3 and all(r["depth_deg"] >= RISE_LIKE_DEG for r in reps)


def _said(meta: dict) -> str:
    """What a recording says it is: its exercise, or for a simulation made before
    recordings said so (tracker 0.1), its kind's."""
    said = meta.get("exercise")
    if said is None and meta.get("simulated"):
        from tracker.sim.sessions import KINDS

        kind = KINDS.get(meta.get("kind"))
        said = kind.exercise if kind else None
    return said if said in EXERCISES else "auto"


def run(args) -> int:
    skipped: list[str] = []
    summary = analyze(args.path, args.exercise, args.min_depth, skipped)
    for warning in skipped:
        print(f"tracker: warning: {args.path}: {warning}", file=sys.stderr)
    if args.json:
        json.dump(_finite(summary), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_summary(args.path, summary))
    return 0


def _finite(value):
    """JSON has no NaN: undefined measures (a bout that never moved) become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _num(value, fmt: str) -> str:
    return "-" if value is None or not math.isfinite(value) else format(value, fmt)


def format_summary(path, s: dict) -> str:
    """The readable report: recording, sets with their reps, balance bouts, sit-to-stand."""
    rate = _num(s["sample_rate_hz"], ".0f")
    lines = [
        f"{path}",
        f"  {s['duration_s']:.1f} s · {rate} Hz · {s['samples']} samples · {s['gaps']} gaps",
    ]
    for warning in s.get("warnings", []):
        lines.append(f"  warning: {warning}")
    reps_by_set: dict[int, list[dict]] = {}
    for rep in s["reps"]:
        reps_by_set.setdefault(rep["set"], []).append(rep)
    for st in s["sets"]:
        lines += [
            "",
            f"Set {st['index']}: {st['reps']} reps, {st['start_s']:.1f}–{st['end_s']:.1f} s",
        ]
        lines.append("   rep  start s  depth°  down s  held s  up s   SPARC   LDLJ  wobble°")
        for r in reps_by_set.get(st["index"], []):
            lines.append(
                f"  {r['index']:4d} {r['start_s']:8.1f}  {r['depth_deg']:6.1f}  "
                f"{r['descent_s']:6.1f}  {r.get('pause_s', 0.0):6.1f} {r['ascent_s']:5.1f}  "
                f"{_num(r['sparc'], '6.2f')} {_num(r['ldlj'], '6.1f')}  {r['wobble_deg']:7.2f}"
            )
    if not s["reps"]:
        lines += ["", "No reps."]
    if s["balance"]:
        lines += ["", "Balance bouts (thigh sway, degrees; definitions in docs/metrics.md)"]
        lines.append("   start s  hold s  RMS°  path°  vel°/s  ellipse°²  freq Hz  jerk°/s³")
        for b in s["balance"]:
            lines.append(
                f"  {b['start_s']:8.1f}  {b['duration_s']:6.1f}  {b['sway_rms_deg']:4.2f}  "
                f"{b['sway_path_deg']:5.1f}  {b['sway_velocity_deg_s']:6.2f}  "
                f"{b['ellipse95_deg2']:9.2f}  {_num(b['mean_freq_hz'], '7.2f')}  "
                f"{_num(b['jerk_deg_s3'], '8.1f')}"
            )
    sts = s.get("sit_to_stand")
    if sts is not None:
        timed = _num(sts["duration_s"], ".2f")
        lines += ["", f"Sit-to-stand: {sts['stands']} stands; five-times time {timed} s"]
        if sts.get("stands_in_30s") is not None:
            lines.append(f"  stands within 30 s of the first rise: {sts['stands_in_30s']}")
    return "\n".join(lines) + "\n"
