"""The firmware profiles by name: the shipped ones and a person's own, read and validated."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from tracker.core import datafiles, validation
from tracker.core.errors import InputError, ProfileError
from tracker.sensors.profile_file import ProfileFile
from tracker.sensors.profile_schema import build_profile
from tracker.sensors.profiles import FirmwareProfile


def load_profile_text(toml_text: str, origin: str, *, user: bool = False) -> FirmwareProfile:
    """Parse and validate one profile; errors name ``origin``, the line and the key.

    ``origin`` is a file path, or where the text came from (a recording header).
    """
    doc = validation.Document(origin, toml_text, ProfileError)
    return build_profile(validation.load(toml_text, doc, ProfileFile), doc, user)


def load_profile_file(path: str | Path, *, user: bool = False) -> FirmwareProfile:
    """Read and validate one profile file."""
    path = Path(path)
    text = datafiles.read_text(path, ProfileError, "cannot read")
    return load_profile_text(text, str(path), user=user)


def shipped_dir() -> Path:
    """The folder of the profiles shipped with tracker."""
    return datafiles.shipped_dir("firmware_profiles")


def user_dir() -> Path:
    """The folder where a user's own (or edited) profiles live."""
    return datafiles.user_dir("firmware_profiles")


def load_profiles(extra_dirs: Iterable[str | Path] | None = None) -> dict[str, FirmwareProfile]:
    """All profiles by name: the shipped ones, then each folder of ``extra_dirs``.

    A profile in a later folder replaces a shipped one of the same name (a user's
    edited copy); two files with one name in the same folder are an error.
    ``extra_dirs`` defaults to the user's profile folder (see ``user_dir``).
    """
    return datafiles.load_named(
        "firmware_profiles",
        extra_dirs,
        lambda path, user: load_profile_file(path, user=user),
        ProfileError,
    )


def get_profile(name: str, extra_dirs: Iterable[str | Path] | None = None) -> FirmwareProfile:
    """The profile called ``name``; an unknown name is an InputError listing the names."""
    profiles = load_profiles(extra_dirs)
    if name not in profiles:
        raise InputError(f"unknown firmware profile {name!r} (known: {', '.join(profiles)})")
    return profiles[name]


def find_profile(
    name: str | None, service_uuids: Iterable[str], profiles: Mapping[str, FirmwareProfile]
) -> FirmwareProfile | None:
    """The profile that matches a scan result, or None.

    The advertised name decides first: several firmwares share a service (the DIY
    profiles all use the Nordic UART Service). Failing a name, the first profile (by
    name order) whose service is advertised.
    """
    if name:
        named = next((p for p in profiles.values() if p.matches(name, ())), None)
        if named is not None:
            return named
    uuids = list(service_uuids)
    return next((p for p in profiles.values() if p.matches(None, uuids)), None)
