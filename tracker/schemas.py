"""The JSON Schemas of the three kinds of data files, for a person's editor to check them.

They are made from the very types that validate the files when they are loaded; the
repository keeps them in ``schemas/`` (a test keeps them up to date). To write them again,
or next to your own files: ``python -m tracker.schemas [FOLDER]`` (default ``schemas``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tracker.clinic.protocol_file import ProtocolFile
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


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0] if args else "schemas")
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in schema_texts().items():
        (folder / name).write_text(text, encoding="utf-8")
        print(folder / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
