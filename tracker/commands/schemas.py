"""`tracker schemas [DIR]`: the JSON Schemas of the three kinds of data files, for an editor.

They are made from the very types that validate the files when they are loaded; the
repository keeps them in ``schemas/`` (a test keeps them up to date).
"""

from __future__ import annotations

import json
from pathlib import Path

from tracker.clinic.protocol_file import ProtocolFile
from tracker.core.errors import RecordingError
from tracker.core.validation import json_schema
from tracker.sensors.profile_file import ProfileFile
from tracker.workout.program_file import ProgramFile

# file name: (type, title, description)
KINDS = {
    "firmware-profile.schema.json": (
        ProfileFile,
        "tracker firmware profile",
        "A sensor firmware: how to find, start, stop and decode it (docs/firmware-profiles.md).",
    ),
    "program.schema.json": (
        ProgramFile,
        "tracker workout program",
        "Exercises with sets, reps, sides, targets, holds and rests (docs/dashboard.md).",
    ),
    "protocol.schema.json": (
        ProtocolFile,
        "tracker assessment protocol",
        "A standard test's conditions, trials and limits (docs/clinic.md).",
    ),
}


def schema_texts() -> dict[str, str]:
    """Each schema file's name and text, as written to the folder."""
    return {
        name: json.dumps(json_schema(model, title, about), indent=2, ensure_ascii=False) + "\n"
        for name, (model, title, about) in KINDS.items()
    }


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "schemas",
        help="write the JSON Schemas of profiles, programs and protocols",
        description=(
            "Write the JSON Schemas of firmware profiles, workout programs and clinic "
            "protocols into DIR, for an editor (Taplo, Even Better TOML) to check your own "
            "files as you type. They come from the same types the files are checked with "
            "when they are loaded; rules between keys are checked only then."
        ),
    )
    p.add_argument("folder", nargs="?", default="schemas", metavar="DIR", help="default: schemas")
    p.set_defaults(func=run)


def run(args) -> int:
    folder = Path(args.folder)
    for name, text in schema_texts().items():
        path = folder / name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise RecordingError(f"cannot write ({exc.strerror or exc})", path=str(path)) from None
        print(path)
    return 0
