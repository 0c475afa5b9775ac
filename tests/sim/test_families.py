"""``hard_cases``: a deterministic list across every family of the real world's hard cases."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.core.errors import InputError
from tracker.core.types import GRAVITY_M_S2
from tracker.sim import FAMILIES, KINDS, hard_cases


@pytest.fixture(scope="module")
def cases():
    return hard_cases(n_per_family=1, seed=0)


def test_one_case_per_family_in_order(cases):
    assert [family for _, family, _, _ in cases] == [f for f, _, _ in FAMILIES]
    for name, family, exercise, session in cases:
        assert name == f"{family}-00"
        assert exercise == KINDS[session.kind].exercise == session.truth.to_json()["exercise"]


def test_every_case_is_on_a_cheap_board_and_soft_tissue(cases):
    for _, family, _, session in cases:
        assert session.sensor.acc_range_m_s2 == pytest.approx(2 * GRAVITY_M_S2)
        assert session.truth.to_json()["strap"]["strap"] in ("soft", "loose")
        if family != "cheap-board":  # the hard kinds start moving at once
            assert min(_first_event_s(session.truth.to_json())) <= 0.8


def _first_event_s(truth: dict) -> list[float]:
    times = [r["start_s"] for r in truth["reps"]] + [w["start_s"] for w in truth["walking"]]
    times += [b["shift_on"][0] for b in truth["balance"]]
    if truth["sit_to_stand"]:
        times.append(truth["sit_to_stand"]["rises"][0]["start_s"])
    return times


def test_same_arguments_same_cases():
    families = ("sit-to-stand", "shaky-stance")
    first = hard_cases(n_per_family=2, seed=3, families=families)
    again = hard_cases(n_per_family=2, seed=3, families=families)
    assert [c[0] for c in first] == [c[0] for c in again]
    for (_, _, _, a), (_, _, _, b) in zip(first, again, strict=True):
        assert a.block.acc.tobytes() == b.block.acc.tobytes()
        assert a.truth.to_json() == b.truth.to_json()
    other = hard_cases(n_per_family=1, seed=4, families=families)
    assert other[0][3].truth.to_json() != first[0][3].truth.to_json()


def test_every_third_case_has_its_offset_calibrated_out():
    trio = hard_cases(n_per_family=3, seed=0, families=("sit-to-stand",))
    sizes = [np.linalg.norm(s.sensor.acc_bias_m_s2) for _, _, _, s in trio]
    assert sizes[2] == 0.0 and min(sizes[:2]) >= 0.2 * GRAVITY_M_S2 - 1e-9


def test_options_apply_to_every_case():
    (case,) = hard_cases(n_per_family=1, families=("large-sway",), rate_hz=50.0, sensor="ideal")
    session = case[3]
    assert session.sensor.rate_hz == 50.0 and session.sensor.acc_noise_m_s2 == 0.0


def test_unknown_family_is_refused():
    with pytest.raises(InputError, match="unknown families juggling; families: continuous"):
        hard_cases(families=("juggling",))
