"""The headless core type-checks: mypy, configured in pyproject.toml's [tool.mypy], on the
packages below (tracker.sensors is read for its types but not yet checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ["tracker.core", "tracker.engine", "tracker.files"]


def test_the_core_type_checks(tmp_path):
    # a cache of its own, so nothing is written into the working tree: 5-10 s from cold
    command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")]
    command += ["--cache-dir", str(tmp_path / "mypy")]
    command += [arg for package in CHECKED for arg in ("-p", package)]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
