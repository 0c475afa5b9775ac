"""TOML data files by name: firmware profiles, programs and protocols.

Each kind is a folder shipped with tracker plus a person's own folder of the same name
in their config folder (or the folders given), where a file of the same name replaces
the shipped one, so an edited copy wins. Two files with one name in one folder are an
error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def shipped_dir(kind: str) -> Path:
    """The folder of the ``kind`` files shipped with tracker."""
    return Path(str(resources.files("tracker") / kind))


def user_dir(kind: str) -> Path:
    """A person's own ``kind`` files (copies of shipped ones, edited, or new ones)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("tracker")) / kind


def load_named(
    kind: str,
    extra_dirs: Iterable[str | Path] | None,
    load: Callable[[Path, bool], T],
    duplicate: Callable[[Path, str, str], Exception],
) -> dict[str, T]:
    """Every ``kind`` file by name: the shipped ones, then each of ``extra_dirs``.

    ``extra_dirs`` defaults to ``user_dir(kind)``. ``load(path, user)`` reads one file
    (``user``: not shipped); ``duplicate(path, name, other_path)`` is the error raised
    for a name already used in the same folder.
    """
    dirs = [user_dir(kind)] if extra_dirs is None else [Path(d) for d in extra_dirs]
    found: dict[str, T] = {}
    for index, folder in enumerate([shipped_dir(kind), *dirs]):
        if not folder.is_dir():
            continue
        here: dict[str, str] = {}
        for path in sorted(folder.glob("*.toml")):
            item = load(path, index > 0)
            if item.name in here:
                raise duplicate(path, item.name, here[item.name])
            here[item.name] = str(path)
            found[item.name] = item
    return dict(sorted(found.items()))
