"""Fixtures of the dashboard tests."""

from __future__ import annotations

import pytest

from .helpers import PROGRAM


@pytest.fixture
def program_file(tmp_path):
    """A short program: two sets of three mini-squats on alternating sides, then balance."""
    path = tmp_path / "test-program.toml"
    path.write_text(PROGRAM, encoding="utf-8")
    return path
