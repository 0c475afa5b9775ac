"""Simulated clinical trials and a private history database, shared by the clinic tests."""

from __future__ import annotations

import pytest

from tracker.clinic.protocols import load_protocols
from tracker.clinic.trace import trace_of_block
from tracker.files.history import History
from tracker.sim import simulate

# Loss of balance (foot down, step) and held to the 45 s limit, at random mountings,
# rates (50-200 Hz), sensor noise and packet loss.
STANCE_SUITE = [
    (seed, ("foot_down", "step", "foot_down", "lowered")[seed % 4]) for seed in range(1000, 1020)
]


@pytest.fixture(scope="session")
def protocols():
    return load_protocols(extra_dirs=[])


@pytest.fixture(scope="session")
def stance_suite():
    """[(session, trace)] of the single-leg stance suite, simulated once."""
    out = []
    for seed, ending in STANCE_SUITE:
        extra = {"hold_s": (46.0, 50.0)} if ending == "lowered" else {}
        s = simulate("single-leg-stance", seed=seed, rate_hz=None, ending=ending, **extra)
        out.append((s, trace_of_block(s.block, "balance")))
    return out


@pytest.fixture(scope="session")
def chair_suite():
    out = []
    for seed in range(6):
        s = simulate("chair-stand-30s", seed=seed, rate_hz=None)
        out.append((s, trace_of_block(s.block, "sit_to_stand")))
    return out


@pytest.fixture(scope="session")
def five_times_suite():
    out = []
    for seed in range(6):
        s = simulate("sit-to-stand", seed=seed, rate_hz=None)
        out.append((s, trace_of_block(s.block, "sit_to_stand")))
    return out


@pytest.fixture
def history(tmp_path):
    h = History.open(tmp_path / "data" / "history.sqlite3")
    yield h
    h.close()


@pytest.fixture
def capped_visits(history, add_result):
    """Two single-leg stance visits: the left leg 38.1 s, then stopped by the 45 s limit;
    the right leg 20.0 s, then 24.0 s (the second visit's symmetry rests on the limit)."""
    history.add_patient("P-5", age_band="70-74", sex="female")
    visits = []
    for date, left in (("2026-01-12", (38.1, "foot_down")), ("2026-02-09", (45.0, "time_limit"))):
        visit = history.start_visit("P-5", date=date)
        visits.append(visit)
        right = (20.0 if len(visits) == 1 else 24.0, "foot_down")
        for condition, (value, ended_by) in (
            ("eyes open, left", left),
            ("eyes open, right", right),
        ):
            add_result(
                history,
                visit,
                "single-leg-stance",
                condition,
                {"value": value, "measure": "hold_s", "ended_by": ended_by},
            )
    return history, visits
