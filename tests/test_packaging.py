"""The dependency floors: each lower bound in pyproject.toml is pinned in the constraints
file CI installs for its run on the lowest allowed versions, so the two cannot drift."""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_REQUIREMENT = re.compile(r"^([A-Za-z0-9_.-]+)\s*(.*)$")


def _floors() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    floors = {}
    for requirement in requirements:
        name, spec = _REQUIREMENT.match(requirement).groups()
        (lowest,) = re.findall(r">=\s*([0-9][^,\s]*)", spec)
        floors[name.lower()] = lowest
    return floors


def _pins() -> dict[str, str]:
    lines = (ROOT / ".ci" / "lowest-versions.txt").read_text(encoding="utf-8").splitlines()
    pins = [line.split("==") for line in lines if line.strip() and not line.startswith("#")]
    return {name.strip().lower(): version.strip() for name, version in pins}


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def test_every_lower_bound_is_pinned_for_the_lowest_versions_run():
    floors, pins = _floors(), _pins()
    assert floors.keys() == pins.keys()
    for name, lowest in floors.items():
        padded = _release(lowest) + (0,) * (3 - len(_release(lowest)))
        assert _release(pins[name]) == padded, name


def test_ci_runs_the_readme_command_and_the_lowest_versions():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "grep -m1 -- '-m pytest' README.md" in ci
    assert "-c .ci/lowest-versions.txt" in ci


def test_the_wheel_lists_every_package_and_its_data_files():
    """pyproject.toml names the packages one by one (the firmware profiles live outside
    tracker/): every folder with an ``__init__.py`` is among them, and every data file
    the program reads is matched by a package-data pattern."""
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    setup = tool["setuptools"]
    folders = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "tracker").rglob("__init__.py")
    }
    assert set(setup["packages"]) == folders | {"tracker.firmware_profiles"}
    assert setup["package-dir"] == {"tracker.firmware_profiles": "firmware_profiles"}
    shipped = [
        path.relative_to(ROOT / "tracker").as_posix()
        for suffix in ("*.toml", "*.tcss")
        for path in (ROOT / "tracker").rglob(suffix)
    ]
    patterns = setup["package-data"]["tracker"]
    assert shipped and all(any(fnmatch(f, p) for p in patterns) for f in shipped)
    assert list((ROOT / "firmware_profiles").glob("*.toml"))
    assert setup["package-data"]["tracker.firmware_profiles"] == ["*.toml"]
