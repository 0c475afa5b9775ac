"""Workout programs: TOML files of exercises, sets, reps, sides and targets, validated at load.

Shipped programs live in ``tracker/workout/programs/``; a file of the same ``name`` in the
user's folder (``user_dir()``) replaces a shipped one, so a person copies a program
there and edits it. Every key is described in docs/dashboard.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from msgspec import UNSET

from tracker.core import datafiles, validation
from tracker.core.errors import InputError
from tracker.workout import program_file as pf

KINDS = get_args(pf.Kind)
SIDES = get_args(pf.Sides)
FIRST_SIDES = get_args(pf.FirstSide)
SENSOR_PLACES = get_args(pf.SensorPlace)
POSITIONS = get_args(pf.Position)
LEGS = ("left", "right")


@dataclass(frozen=True)
class Step:
    """One exercise of a program: what to do, how often, on which side, against which targets.

    Times in seconds, angles in degrees of thigh inclination (0 = standing).
    """

    name: str
    kind: str  # reps | balance | hold
    sets: int = 1
    reps: int = 10  # reps per set (holds per set for a hold step)
    sides: str = "both"  # alternate | each | painful | good | both
    first_side: str = "painful"
    sensor: str = "any"  # working: the sensor must be on the working thigh
    rest_s: float = 60.0  # rest after each set (and before the next step)
    cue: str = ""  # how to do it, shown while it runs
    judges: str = ""  # what the sensor judges here (generated when empty)
    not_judged: str = ""  # what it cannot see, said plainly
    descent_s: float | None = None  # prescribed slowest descent
    depth_deg: float | None = None  # target depth, marked on the trace
    depth_range_deg: tuple[float, float] | None = None  # in-target band
    wobble_max_deg: float | None = None
    set_timeout_s: float = 30.0  # no rep for this long ends a started set early
    hold_s: float = 60.0  # balance: the stance to hold; hold: the shortest hold counted
    hold_max_s: float | None = None  # hold: longer than this gets a "you can lower" cue
    position: str = "lying"  # hold: lying | lift | band
    position_deg: tuple[float, float] = (60.0, 180.0)  # hold (band): the held inclinations
    lift_deg: float = 10.0  # hold (lift): closer to standing than lying by at least this
    still_deg_s: float = 8.0  # hold: a held thigh turns slower than this
    break_s: float = 3.0  # hold: moving away for longer than this ends a hold

    def side_of_set(self, set_index: int) -> str | None:
        """``painful``, ``good`` or None (both legs) for set ``set_index`` (0-based)."""
        first, other = self.first_side, ("good" if self.first_side == "painful" else "painful")
        if self.sides == "both":
            return None
        if self.sides in ("painful", "good"):
            return self.sides
        if self.sides == "alternate":
            return first if set_index % 2 == 0 else other
        return first if set_index < (self.sets + 1) // 2 else other  # each

    @property
    def judged_text(self) -> str:
        """What the sensor judges in this step, for the screen ("reps, depth, ...")."""
        if self.judges:
            return self.judges
        if self.kind == "reps":
            parts = ["reps", "depth"]
            if self.descent_s:
                parts.append(f"tempo ({self.descent_s:g} s down)")
            if self.wobble_max_deg is not None:
                parts.append("wobble")
            return ", ".join(parts) + "."
        if self.kind == "balance":
            return f"the stance's time (target {self.hold_s:g} s) and the thigh's sway."
        return "the hold's time, while the thigh stays still."


@dataclass(frozen=True)
class Program:
    """A validated program: its steps, and the TOML it came from (kept with recordings)."""

    name: str
    title: str
    description: str
    source: str
    steps: tuple[Step, ...]
    file: str
    text: str

    @property
    def total_sets(self) -> int:
        return sum(s.sets for s in self.steps)


def _step(table: pf.StepTable, doc: validation.Document, index: int) -> Step:
    fields = validation.given(table)
    for k in ("name", "cue", "judges", "not_judged"):
        if k in fields:
            fields[k] = fields[k].strip()
    step = Step(**fields)
    key = ("step", index)
    for k in ("depth_range_deg", "position_deg"):
        if k in fields and fields[k][0] >= fields[k][1]:
            message = f"the low end must be below the high end, not {list(fields[k])!r}"
            raise doc.error((*key, k), message)
    if step.hold_max_s is not None and step.hold_max_s < step.hold_s:
        raise doc.error((*key, "hold_max_s"), "must not be below hold_s")
    if step.kind == "reps" and step.sides == "each" and step.sets % 2:
        raise doc.error((*key, "sets"), "sides = 'each' needs an even number of sets")
    return step


def load_program_text(text: str, origin: str, default_name: str = "program") -> Program:
    """Parse and validate a program; errors name ``origin``, the line and the key.

    Raises
    ------
    InputError
        Invalid TOML, an unknown or missing key, or a value out of range.
    """
    doc = validation.Document(origin, text, InputError, first_index=1)
    file = validation.load(text, doc, pf.ProgramFile)
    name = (default_name if file.name is UNSET else file.name).strip()
    if not name or not all(c.isalnum() or c in "-_" for c in name):
        raise doc.error(("name",), f"use letters, digits, '-' and '_' only, not {name!r}")
    return Program(
        name=name,
        title=(name if file.title is UNSET else file.title).strip(),
        description=("" if file.description is UNSET else file.description).strip(),
        source=("" if file.source is UNSET else file.source).strip(),
        steps=tuple(_step(s, doc, i) for i, s in enumerate(file.step)),
        file=origin,
        text=text,
    )


def load_program_file(path: str | Path) -> Program:
    """Read and validate one program file."""
    path = Path(path)
    text = datafiles.read_text(path, InputError, "cannot read the program")
    return load_program_text(text, str(path), default_name=path.stem)


def shipped_dir() -> Path:
    """The folder of the programs shipped with tracker."""
    return datafiles.shipped_dir("programs")


def user_dir() -> Path:
    """The folder of a person's own programs (copies of shipped ones, edited)."""
    return datafiles.user_dir("programs")


def load_programs(extra_dirs=None) -> dict[str, Program]:
    """All programs by name: the shipped ones, replaced by same-named ones in ``extra_dirs``.

    ``extra_dirs`` defaults to the user's program folder (``user_dir()``).
    """
    return datafiles.load_named(
        "programs", extra_dirs, lambda path, _user: load_program_file(path), InputError
    )


def get_program(name_or_path: str, extra_dirs=None) -> Program:
    """A program by name (user folder first, then shipped) or from a ``.toml`` path."""
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        return load_program_file(name_or_path)
    programs = load_programs(extra_dirs)
    if name_or_path not in programs:
        raise InputError(f"unknown program {name_or_path!r} (known: {', '.join(programs)})")
    return programs[name_or_path]


def leg_of(side: str | None, painful_leg: str) -> str | None:
    """The leg (``left``/``right``) of a program side, given which leg is the painful one."""
    if side is None:
        return None
    other = "left" if painful_leg == "right" else "right"
    return painful_leg if side == "painful" else other
