"""TOML data files by name: firmware profiles, programs and protocols.

Each kind is a folder shipped with tracker plus a person's own folder of the same name
in their config folder (or the folders given), where a file of the same name replaces
the shipped one, so an edited copy wins. A file there that cannot be used (invalid, or
a name another file of the folder has) is named in a warning and skipped: a file in a
person's folder never stops the program. The three kinds share the TOML parsing and
the rule for numbers here (and their validation in ``validation``).
"""

from __future__ import annotations

import math
import sys
import tomllib
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Protocol, TypeVar

from tracker.core.errors import InputError
from tracker.core.toml_lines import line_of


class _Named(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def text(self) -> str: ...  # the file's text, to find a key's line


T = TypeVar("T", bound=_Named)  # what a kind's loader returns: files are found by name


def parse_toml(text: str, origin: str, error: type[InputError] = InputError) -> dict:
    """The TOML document ``text``; ``error`` (naming ``origin``) when it is not valid."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"not valid TOML: {exc}", path=origin) from None
    except RecursionError:  # tomllib recurses into nested arrays and inline tables
        raise error("not valid TOML: nested too deeply", path=origin) from None


def read_text(path: Path, error: type[InputError], cannot: str) -> str:
    """The text of the data file at ``path``; ``error`` (``cannot: why``) when it cannot
    be read."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{cannot}: {exc}", path=str(path)) from None


def number_problem(
    value, *, lo: float = -math.inf, hi: float = math.inf, whole=False, allow_lo=True
) -> str | None:
    """Why ``value`` is not a number the files accept, or None: not text nor true/false,
    a whole number where one is needed, finite, at least (or above) ``lo``, at most ``hi``.
    """
    ok_type = isinstance(value, int) if whole else isinstance(value, int | float)
    if isinstance(value, bool) or not ok_type:
        return f"must be {'a whole number' if whole else 'a number'}, not {short_repr(value)}"
    if not math.isfinite(value):
        return f"must be a finite number, not {value!r}"
    if not (lo <= value if allow_lo else lo < value) or value > hi:
        above = "positive (above 0)" if lo == 0 else f"above {lo:g}"
        bounds = [f"at least {lo:g}" if allow_lo else above] if lo > -math.inf else []
        bounds += [f"at most {hi:g}"] if hi < math.inf else []
        return f"must be {' and '.join(bounds)}, not {value!r}"
    return None


def short_repr(value) -> str:
    """A value for a message: the type of a list or table (it may be nested deep)."""
    if isinstance(value, list | dict):
        return f"a {'table' if isinstance(value, dict) else 'list'}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def warn(message: str) -> None:
    """A one-line warning for the person at the terminal."""
    print(f"tracker: warning: {' '.join(message.split())}", file=sys.stderr)


# Where each kind is shipped, inside the package. The firmware profiles sit at the top of
# the repository, for people to read and copy; the wheel carries them inside the package.
SHIPPED = {
    "firmware_profiles": "firmware_profiles",
    "programs": "workout/programs",
    "protocols": "clinic/protocols",
}


def shipped_dir(kind: str) -> Path:
    """The folder of the ``kind`` files shipped with tracker."""
    inside = Path(str(resources.files("tracker"))) / SHIPPED[kind]
    if inside.is_dir():
        return inside
    return Path(__file__).resolve().parents[2] / kind  # a checkout (or editable install)


def user_dir(kind: str) -> Path:
    """A person's own ``kind`` files (copies of shipped ones, edited, or new ones)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("tracker")) / kind


def load_named(
    kind: str,
    extra_dirs: Iterable[str | Path] | None,
    load: Callable[[Path, bool], T],
    error: type[InputError],
) -> dict[str, T]:
    """Every ``kind`` file by name: the shipped ones, then each of ``extra_dirs``.

    ``extra_dirs`` defaults to ``user_dir(kind)``. ``load(path, user)`` reads one file
    (``user``: not shipped) into an object with its ``name`` and ``text``; ``error`` is
    the kind's error, for a name already used in the same folder. A person's file with
    an error is skipped with a warning (see ``warn``); a shipped one raises it.
    """
    dirs = [user_dir(kind)] if extra_dirs is None else [Path(d) for d in extra_dirs]
    found: dict[str, T] = {}
    for index, folder in enumerate([shipped_dir(kind), *dirs]):
        if not folder.is_dir():
            continue
        here: dict[str, str] = {}
        for path in sorted(folder.glob("*.toml")):
            try:
                item = load(path, index > 0)
                if item.name in here:
                    message = f"{item.name!r} is already used by {here[item.name]}"
                    line = line_of(item.text, ("name",))
                    raise error(message, path=str(path), line=line, key="name")
            except InputError as exc:
                if index == 0:
                    raise
                warn(f"{exc.one_line()} (skipped)")
                continue
            here[item.name] = str(path)
            found[item.name] = item
    return dict(sorted(found.items()))
