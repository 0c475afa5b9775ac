"""Simulated sessions shared by the simulator's tests, generated once per test run."""

from __future__ import annotations

import pytest

from tracker.sim import EVERYDAY_KINDS, SimSession, simulate
from tracker.sim.sessions import SUITE_OPTIONS


class SessionCache:
    """``get(kind, seed, **options)``: a session, simulated on first use only."""

    def __init__(self):
        self._cache: dict[tuple, SimSession] = {}

    def get(self, kind: str, seed: int = 0, **options) -> SimSession:
        key = (kind, seed, tuple(sorted(options.items())))
        if key not in self._cache:
            self._cache[key] = simulate(kind, seed=seed, **options)
        return self._cache[key]


@pytest.fixture(scope="session")
def sims() -> SessionCache:
    return SessionCache()


@pytest.fixture(scope="session")
def every_kind(sims) -> dict[str, SimSession]:
    """One realistic session (noise, loss, random mounting and rate) of every everyday
    kind, the long ones shortened as in the acceptance suite."""
    return {
        kind: sims.get(kind, seed=11 + i, rate_hz=None, **SUITE_OPTIONS.get(kind, {}))
        for i, kind in enumerate(EVERYDAY_KINDS)
    }


@pytest.fixture(scope="session")
def clean_squats(sims) -> SimSession:
    """A squat workout without sensor errors or loss (physics checks)."""
    return sims.get("squat-workout", seed=5, noise=False, loss=False, sets=2, reps=4)
