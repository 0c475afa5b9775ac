"""Assessment protocols: TOML files of a test's conditions, trials and limits, validated at load.

Shipped protocols live in ``tracker/clinic/protocols/``; a file with the same ``name`` in the
clinic's folder (``user_dir()``, or the folders given) replaces a shipped one, so a
clinic copies a protocol there and edits it. Every key is described in docs/clinic.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tracker.core import datafiles
from tracker.core.errors import InputError

TESTS = ("stance", "five_times_sts", "chair_stand_30s")
SCORES = ("best", "mean", "first")
PROGRESSIONS = ("all", "until_failed")
LEGS = ("left", "right", "sensor", "any")
EYES = ("open", "closed")
STARTS = ("lift_off", "cue")

_PROTOCOL_KEYS = {
    "name",
    "title",
    "version",
    "test",
    "description",
    "source",
    "countdown_s",
    "practice_trials",
    "trials",
    "score",
    "max_s",
    "tail_s",
    "stands",
    "window_s",
    "progression",
    "norm",
    "condition",
}
_CONDITION_KEYS = {"name", "leg", "eyes", "start", "pass_s", "norm", "instructions"}


class ProtocolError(InputError):
    """A protocol file is invalid: names the file and the key."""

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None):
        self.key = key
        super().__init__(f"{key}: {message}" if key else message, path=path)


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


def _err(origin: str, key: str, message: str) -> ProtocolError:
    return ProtocolError(message, path=origin, key=key)


def _text(value, origin: str, key: str) -> str:
    if not isinstance(value, str):
        raise _err(origin, key, f"must be text, not {type(value).__name__}")
    return value


def _number(value, origin, key, *, lo=0.0, hi=3600.0, whole=False, allow_lo=False) -> float:
    problem = datafiles.number_problem(value, lo=lo, hi=hi, whole=whole, allow_lo=allow_lo)
    if problem:
        raise _err(origin, key, problem)
    return int(value) if whole else float(value)


def _choice(value, choices, origin, key) -> str:
    if value not in choices:
        raise _err(origin, key, f"must be one of {', '.join(choices)}, not {value!r}")
    return value


def _condition(data, origin: str, key: str, test: str) -> Condition:
    if not isinstance(data, dict):
        raise _err(origin, key, "must be a table ([[condition]])")
    unknown = sorted(set(data) - _CONDITION_KEYS)
    if unknown:
        raise _err(origin, f"{key}.{unknown[0]}", "unknown key")
    if "name" not in data:
        raise _err(origin, f"{key}.name", "missing")
    out = {"name": _text(data["name"], origin, f"{key}.name").strip()}
    if not out["name"]:
        raise _err(origin, f"{key}.name", "must not be empty")
    for k, choices in (("leg", LEGS), ("eyes", EYES), ("start", STARTS)):
        if k in data:
            out[k] = _choice(data[k], choices, origin, f"{key}.{k}")
    if test != "stance" and "start" in data:
        raise _err(origin, f"{key}.start", "only stance tests have a start (lift-off or cue)")
    single_leg = test == "stance" and out.get("start", "lift_off") == "lift_off"
    if single_leg and out.get("leg", "any") == "any":
        raise _err(origin, f"{key}.leg", "a single-leg stance needs left, right or sensor")
    if "pass_s" in data:
        out["pass_s"] = _number(data["pass_s"], origin, f"{key}.pass_s")
    for k in ("norm", "instructions"):
        if k in data:
            out[k] = _text(data[k], origin, f"{key}.{k}")
    return Condition(**out)


def load_protocol_text(text: str, origin: str, default_name: str = "protocol") -> Protocol:
    """Parse and validate a protocol; errors name ``origin`` and the key.

    Raises
    ------
    ProtocolError
        Invalid TOML, an unknown or missing key, or a value out of range.
    """
    data = datafiles.parse_toml(text, origin, ProtocolError)
    unknown = sorted(set(data) - _PROTOCOL_KEYS)
    if unknown:
        raise _err(origin, unknown[0], "unknown key")
    if "test" not in data:
        raise _err(origin, "test", f"missing (one of {', '.join(TESTS)})")
    test = _choice(data["test"], TESTS, origin, "test")
    name = _text(data.get("name", default_name), origin, "name")
    if not name or not all(c.isalnum() or c in "-_" for c in name):
        raise _err(origin, "name", f"use letters, digits, '-' and '_' only, not {name!r}")
    conditions = data.get("condition")
    if not isinstance(conditions, list) or not conditions:
        raise _err(origin, "condition", "a protocol needs at least one [[condition]]")
    conds = tuple(
        _condition(c, origin, f"condition[{i + 1}]", test) for i, c in enumerate(conditions)
    )
    names = [c.name for c in conds]
    for i, n in enumerate(names):
        if n in names[:i]:
            raise _err(origin, f"condition[{i + 1}].name", f"{n!r} is used twice")
    out: dict = {"name": name, "test": test, "conditions": conds}
    out["title"] = _text(data.get("title", name), origin, "title")
    for k in ("description", "source"):
        if k in data:
            out[k] = _text(data[k], origin, k)
    if "norm" in data:
        out["norm"] = _text(data["norm"], origin, "norm")
    out["version"] = _number(data.get("version", 1), origin, "version", hi=1e6, whole=True)
    for k, lo, hi in (("practice_trials", 0, 10), ("trials", 1, 20), ("stands", 1, 50)):
        if k in data:
            out[k] = _number(data[k], origin, k, lo=lo, hi=hi, whole=True, allow_lo=True)
    for k, hi in (("countdown_s", 60), ("tail_s", 30)):
        if k in data:
            out[k] = _number(data[k], origin, k, hi=hi, allow_lo=True)
    for k in ("max_s", "window_s"):
        if k in data:
            out[k] = _number(data[k], origin, k, hi=600)
    if "score" in data:
        out["score"] = _choice(data["score"], SCORES, origin, "score")
    if "progression" in data:
        out["progression"] = _choice(data["progression"], PROGRESSIONS, origin, "progression")
    from tracker.clinic.norms import NORMS  # the norm keys a protocol may name

    for i, c in enumerate(conds):
        key = c.norm or out.get("norm")
        if key is not None and key not in NORMS:
            where = f"condition[{i + 1}].norm" if c.norm else "norm"
            raise _err(origin, where, f"unknown norm {key!r} (known: {', '.join(NORMS)})")
    return Protocol(**out, file=origin, text=text)


def load_protocol_file(path: str | Path) -> Protocol:
    """Read and validate one protocol file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"cannot read the protocol: {exc}", path=str(path)) from None
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

    def duplicate(path: Path, name: str, other: str) -> ProtocolError:
        return _err(str(path), "name", f"{name!r} is already used by {other}")

    return datafiles.load_named(
        "protocols", extra_dirs, lambda path, _user: load_protocol_file(path), duplicate
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
