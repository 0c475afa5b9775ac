"""Writing a simulated session: the recording (interchange CSV or own format) and its truth file."""

from __future__ import annotations

import json
from pathlib import Path

from tracker.core.errors import InputError, RecordingError

SUFFIXES = (".csv", ".trk")


def truth_path(path: Path) -> Path:
    """Where the truth of the recording at ``path`` goes: ``<path>.truth.json``."""
    return path.with_name(path.name + ".truth.json")


def describe(session, path: Path) -> dict:  # session: a SimSession (which calls here)
    """Metadata stored in the recording: what was simulated, how, and that it is simulated."""
    truth = session.truth.to_json()
    return {
        "simulated": True,
        "note": "simulated data from tracker's physics-based simulator, not a person's",
        "kind": session.kind,
        "exercise": truth["exercise"],  # what `tracker analyze` takes it as by default
        "seed": session.seed,
        "options": truth["options"],
        "sample_rate_hz": session.sensor.rate_hz,
        "duration_s": truth["duration_s"],
        "tracker_version": truth["tracker_version"],
        "mounting": truth["mounting"],
        "truth_file": "<recording>.truth.json",
    }


def write_session(session, path: Path) -> list[Path]:  # session: a SimSession
    """Write ``session`` to ``path`` (by extension) and its truth next to it.

    Returns the paths written. Raises ``InputError`` for an unknown extension and
    ``RecordingError`` when the files cannot be written.
    """
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError("the recording must end in .csv or .trk", path=str(path))
    meta = describe(session, path)
    try:
        if suffix == ".csv":
            from tracker.files.interchange import write_csv

            comments = [f"{k}: {json.dumps(v)}" for k, v in meta.items()]
            write_csv(path, session.block, comments)
        else:
            from tracker.files.recording import RecordingWriter

            source = {"kind": "simulated", "simulation": session.kind, "seed": session.seed}
            with RecordingWriter(path, source=source, meta=meta) as writer:
                writer.write_samples(session.block)
                # The clinical kinds' start cues, as a live assessment records them.
                for cue in session.truth.cues:
                    writer.write_event("cue", cue["t_s"], cue=cue["cue"])
        truth = truth_path(path)
        truth.write_text(json.dumps(session.truth.to_json(), indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise RecordingError(exc.strerror or str(exc), path=str(path)) from exc
    return [path, truth]
