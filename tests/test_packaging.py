"""The dependency floors: each lower bound in pyproject.toml is pinned in the constraints
file CI installs for its run on the lowest allowed versions, so the two cannot drift."""

from __future__ import annotations

import re
import tomllib
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
