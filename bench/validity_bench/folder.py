"""A folder of cases: ``index.json``, ``NAME.csv`` (interchange CSV), ``NAME.truth.json``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from tracker.core.types import EXERCISES


class FolderError(Exception):
    """A folder the benchmark cannot score; the message is one line for a person."""


@dataclass(frozen=True)
class Case:
    """One recording with what really happened in it.

    ``truth`` is the truth file as read (``{}`` when there is none); ``rep_count``
    comes from it, or from the index when the truth file does not say.
    """

    name: str
    kind: str
    exercise: str
    csv: Path
    rep_count: int
    truth: dict


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FolderError(f"{path}: not readable JSON ({exc})") from exc


def _selected(name: str, kind: str, pattern: str | None) -> bool:
    """A glob on the name or the kind; without a wildcard, a part of the name."""
    if pattern is None:
        return True
    if not any(c in pattern for c in "*?["):
        return pattern in name
    return fnmatchcase(name, pattern) or fnmatchcase(kind, pattern)


def _count(value, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FolderError(f"{where}: rep_count must be a whole number >= 0, not {value!r}")
    return value


def _is_time(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_truth(truth: dict, where: str) -> None:
    """The parts of a truth file that are scored must be what the format says."""
    for key, optional in (("reps", ("bottom_s", "depth_deg")), ("balance", ("sway_rms_deg",))):
        items = truth.get(key)
        if items is None:
            continue
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise FolderError(f"{where}: {key} must be a list of objects")
        for n, item in enumerate(items, 1):
            if not all(_is_time(item.get(k)) for k in ("start_s", "end_s")):
                raise FolderError(f"{where}: {key} {n} needs start_s and end_s in seconds")
            if any(item.get(k) is not None and not _is_time(item[k]) for k in optional):
                raise FolderError(f"{where}: {key} {n}: {', '.join(optional)} must be numbers")
    walk = truth.get("walk_s")
    if walk is not None:
        pairs = [walk] if isinstance(walk, list) and all(map(_is_time, walk)) else walk
        if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(map(_is_time, p)) for p in pairs
        ):
            raise FolderError(f"{where}: walk_s must be [start, end] or a list of them")


def load_cases(folder: Path, pattern: str | None = None) -> list[Case]:
    """The cases of ``folder`` listed in its index, in index order.

    Raises ``FolderError`` for a missing folder or index, an index entry without a
    name, an unknown exercise, a missing CSV, or when ``pattern`` selects nothing.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FolderError(f"{folder}: no such folder")
    index_path = folder / "index.json"
    if not index_path.is_file():
        raise FolderError(f"{folder}: no index.json, so not a folder of cases in this format")
    entries = _read_json(index_path)
    if not isinstance(entries, list):
        raise FolderError(f"{index_path}: must hold a list of cases")
    cases = []
    for i, entry in enumerate(entries):
        where = f"{index_path}: entry {i + 1}"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise FolderError(f"{where}: each case needs a name")
        name = entry["name"]
        kind = str(entry.get("kind") or "unknown")
        if not _selected(name, kind, pattern):
            continue
        exercise = entry.get("exercise") or "auto"
        if exercise not in EXERCISES:
            raise FolderError(f"{where}: exercise {exercise!r} is not one of {EXERCISES}")
        csv = folder / f"{name}.csv"
        if not csv.is_file():
            raise FolderError(f"{csv}: listed in the index but missing")
        truth_path = folder / f"{name}.truth.json"
        truth = _read_json(truth_path) if truth_path.is_file() else {}
        if not isinstance(truth, dict):
            raise FolderError(f"{truth_path}: must hold one JSON object")
        _check_truth(truth, str(truth_path))
        if "rep_count" in truth:
            count = _count(truth["rep_count"], str(truth_path))
        elif entry.get("rep_count") is not None:
            count = _count(entry["rep_count"], where)
        else:
            raise FolderError(f"{where}: no rep_count in the index or the truth file")
        cases.append(Case(name, kind, exercise, csv, count, truth))
    if not cases:
        why = "lists no case" if pattern is None else f"has no case matching {pattern!r}"
        raise FolderError(f"{index_path}: {why}")
    return cases
