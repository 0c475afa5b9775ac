"""Fixtures shared by the test folders."""

from __future__ import annotations

import pytest


def add_trial_result(history, visit, protocol: str, condition: str, result: dict) -> int:
    """A finished trial of ``protocol`` with ``result``, as a scored one is stored."""
    return history.add_trial(
        visit,
        protocol=protocol,
        protocol_version=1,
        condition=condition,
        practice=False,
        recording_path=None,
        complete=True,
        result=result,
    )


@pytest.fixture
def add_result():
    """``add_result(history, visit, protocol, condition, result)``: a finished trial."""
    return add_trial_result
