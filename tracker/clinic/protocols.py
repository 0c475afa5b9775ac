"""Assessment protocols: TOML files of a test's conditions, trials and limits, validated at load.

Shipped protocols live in ``tracker/clinic/protocols/``; a file with the same ``name`` in the
clinic's folder (``user_dir()``, or the folders given) replaces a shipped one, so a
clinic copies a protocol there and edits it. Every key is described in docs/clinic.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from msgspec import UNSET

from tracker.clinic import protocol_file as pf
from tracker.core import datafiles, validation
from tracker.core.errors import InputError

TESTS = get_args(pf.Test)
SCORES = get_args(pf.Score)
PROGRESSIONS = get_args(pf.Progression)
LEGS = get_args(pf.Leg)
EYES = get_args(pf.Eyes)
STARTS = get_args(pf.Start)


class ProtocolError(InputError):
    """A protocol file is invalid: names the file, the line and the key."""


@dataclass(frozen=True)
class Condition:
    """One condition of a protocol (a leg, eyes open or closed, a foot position...)."""

    name: str
    leg: str = "any"  # left | right: the stance leg, wearing the sensor; sensor | any
    eyes: str = "open"
    start: str = "lift_off"  # stance tests: timed from lift-off or from the start cue
    pass_s: float | None = None  # held this long: passed (four-stage test)
    norm: str | None = None  # key of tracker.clinic.norms; None: the protocol's
    instructions: str = ""

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class Protocol:
    """A standard test: what is timed, how many trials, the limits. Times in seconds."""

    name: str
    title: str
    version: int
    test: str  # stance | five_times_sts | chair_stand_30s
    conditions: tuple[Condition, ...]
    description: str = ""
    source: str = ""
    countdown_s: float = 5.0
    practice_trials: int = 0  # offered per condition; never counted
    trials: int = 1  # counted trials per condition
    score: str = "best"  # the condition's score: best | mean | first counted trial
    max_s: float = 45.0  # a trial's limit (stance: the hold; five times: the whole test)
    tail_s: float = 3.0  # recorded after a trial ends: the timing needs the data after it
    stands: int = 5  # five_times_sts
    window_s: float = 30.0  # chair_stand_30s
    progression: str = "all"  # until_failed: the next condition only after a pass
    norm: str | None = None
    file: str = ""
    text: str = ""

    @property
    def measure(self) -> str:
        """The trial's main number: ``hold_s``, ``time_s`` or ``count``."""
        return {"stance": "hold_s", "five_times_sts": "time_s"}.get(self.test, "count")

    @property
    def higher_is_better(self) -> bool:
        return self.test != "five_times_sts"

    def condition(self, name: str) -> Condition:
        """The condition called ``name``; ``InputError`` lists the known ones."""
        for c in self.conditions:
            if c.name == name:
                return c
        known = ", ".join(repr(c.name) for c in self.conditions)
        raise InputError(f"protocol {self.name!r} has no condition {name!r} (known: {known})")

    def norm_of(self, condition: Condition) -> str | None:
        return condition.norm or self.norm

    def to_json(self) -> dict:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k not in ("file", "text")}
        out["conditions"] = [c.to_json() for c in self.conditions]
        return out


def _condition(table: pf.ConditionTable, test: str, doc: validation.Document, key) -> Condition:
    fields = validation.given(table)
    fields["name"] = fields["name"].strip()
    if not fields["name"]:
        raise doc.error((*key, "name"), "must not be empty")
    if test != "stance" and "start" in fields:
        message = "only stance tests have a start (lift-off or cue)"
        raise doc.error((*key, "start"), message)
    single_leg = test == "stance" and fields.get("start", "lift_off") == "lift_off"
    if single_leg and fields.get("leg", "any") == "any":
        message = "a single-leg stance needs left, right or sensor"
        raise doc.error((*key, "leg"), message)
    return Condition(**fields)


def load_protocol_text(text: str, origin: str, default_name: str = "protocol") -> Protocol:
    """Parse and validate a protocol; errors name ``origin``, the line and the key.

    Raises
    ------
    ProtocolError
        Invalid TOML, an unknown or missing key, or a value out of range.
    """
    doc = validation.Document(origin, text, ProtocolError, first_index=1)
    file = validation.load(text, doc, pf.ProtocolFile)
    name = default_name if file.name is UNSET else file.name
    if not name or not all(c.isalnum() or c in "-_" for c in name):
        raise doc.error(("name",), f"use letters, digits, '-' and '_' only, not {name!r}")
    conds = tuple(
        _condition(c, file.test, doc, ("condition", i)) for i, c in enumerate(file.condition)
    )
    names = [c.name for c in conds]
    for i, n in enumerate(names):
        if n in names[:i]:
            raise doc.error(("condition", i, "name"), f"{n!r} is used twice")
    fields = validation.given(file)
    del fields["condition"]
    fields.update(name=name, title=fields.get("title", name), conditions=conds)
    from tracker.clinic.norms import NORMS  # the norm keys a protocol may name

    for i, c in enumerate(conds):
        key = c.norm or fields.get("norm")
        if key is not None and key not in NORMS:
            where = ("condition", i, "norm") if c.norm else ("norm",)
            raise doc.error(where, f"unknown norm {key!r} (known: {', '.join(NORMS)})")
    return Protocol(**fields, file=origin, text=text)


def load_protocol_file(path: str | Path) -> Protocol:
    """Read and validate one protocol file."""
    path = Path(path)
    text = datafiles.read_text(path, ProtocolError, "cannot read the protocol")
    return load_protocol_text(text, str(path), default_name=path.stem)


def shipped_dir() -> Path:
    """The folder of the protocols shipped with tracker."""
    return datafiles.shipped_dir("protocols")


def user_dir() -> Path:
    """The clinic's own protocols (copies of shipped ones, edited, or new ones)."""
    return datafiles.user_dir("protocols")


def load_protocols(extra_dirs=None) -> dict[str, Protocol]:
    """All protocols by name: the shipped ones, replaced by same-named ones in ``extra_dirs``
    (default: the clinic's folder, ``user_dir()``)."""
    return datafiles.load_named(
        "protocols", extra_dirs, lambda path, _user: load_protocol_file(path), ProtocolError
    )


def get_protocol(name_or_path: str, extra_dirs=None) -> Protocol:
    """A protocol by name (the clinic's folder first, then shipped) or a ``.toml`` path."""
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        return load_protocol_file(name_or_path)
    protocols = load_protocols(extra_dirs)
    if name_or_path not in protocols:
        known = ", ".join(protocols)
        raise InputError(f"unknown protocol {name_or_path!r} (known: {known})")
    return protocols[name_or_path]
