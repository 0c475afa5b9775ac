"""A deterministic list of simulated cases as hard as real recordings, family by family."""

from __future__ import annotations

from collections.abc import Iterable

from tracker.core.errors import InputError
from tracker.sim.session import SimSession
from tracker.sim.sessions import KINDS, simulate

FAMILIES: tuple[tuple[str, str, dict], ...] = (
    ("continuous-squats", "continuous-squats", {}),
    ("wandering-tops", "continuous-squats", {"tops": "wander"}),
    ("squats-and-walks", "squats-and-walks", {}),
    ("loose-walk", "loose-walk", {"duration": (40.0, 120.0)}),
    ("sit-to-stand", "high-chair-sit-to-stand", {}),
    ("chair-stand-30s", "high-chair-stand-30s", {}),
    ("large-sway", "swaying-stance", {}),
    ("shaky-stance", "shaky-stance", {}),
    ("cheap-board", "squat-workout", {"sets": 1, "sensor": "cheap", "strap": "soft"}),
)
"""(family, kind, options): the families of ``hard_cases`` in order (see its docstring)."""
_BOARD_CYCLE = ({}, {}, {"acc_offset_g": 0.0})  # every third case: the offset calibrated out
_CHEAP_BOARD_KINDS = (
    ("squat-workout", {"sets": 1}),
    ("rehab-mini-squats", {"sets": 1, "reps": 5, "sides": "sensor"}),
    ("fast-reps", {"sets": 1}),
    ("walking", {}),
    ("balance", {"duration": 30.0}),
    ("sit-to-stand", {}),
)


def _cases(family: str, kind: str, options: dict, n: int) -> Iterable[tuple[str, dict]]:
    for i in range(n):
        if family == "cheap-board":
            kind, base = _CHEAP_BOARD_KINDS[i % len(_CHEAP_BOARD_KINDS)]
            yield kind, base | {"sensor": "cheap", "strap": "soft"}
        else:
            yield kind, options | _BOARD_CYCLE[i % len(_BOARD_CYCLE)]


def hard_cases(
    n_per_family: int = 3,
    seed: int = 0,
    families: Iterable[str] | None = None,
    rate_hz: float | None = None,
    **options,
) -> list[tuple[str, str, str, SimSession]]:
    """Simulated cases as hard as real recordings: ``(name, family, exercise, session)``.

    Deterministic for given arguments. Case ``i`` of the ``k``-th family has the seed
    ``seed * 10_000 + 100 * k + i``; every third case of the hard kinds has its board's
    accelerometer offset calibrated out (``acc_offset_g=0``), the others keep it.
    Unless ``options`` say otherwise, every case is on the ``cheap`` board (±2 g,
    ±250 °/s, offset 0.2-0.6 g on one or two axes, scale errors up to 4 %, gyro bias up to
    0.03 rad/s) with the sensor on soft tissue, and starts moving 0-0.3 s after its first
    sample while swaying 0.3-0.9° RMS (no still second). The families:

    - ``continuous-squats``: one set of 8-12 back-to-back squats (45-105°, 1.9-3.7 s
      each, no pause at the top), tops short of standing (2-19°), more extended than
      before the set (5-12°), wandering (-12..19°) or level, sideways shifts of 1-4°
      between reps.
    - ``wandering-tops``: the same with the tops always wandering.
    - ``squats-and-walks``: 2-3 such sets of 6-12 reps, a loose walk of 10-30 s between.
    - ``loose-walk``: 40-120 s of walking (1.0-1.25 strides/s, cadence and swing varying
      stride to stride) with a loose strap: heel strikes of 35-80 m/s² that clip at
      ±2 g, the sensor ringing on the tissue after them and slipping 2-6° by the end.
    - ``sit-to-stand``: five rises from a higher chair, the thigh turning 60-90°
      between seated and standing and straight back down (no pause standing).
    - ``chair-stand-30s``: the 30-second chair stand on the same chair.
    - ``large-sway``: single-leg stance of 10-40 s swaying 1.5-3° RMS.
    - ``shaky-stance``: single-leg stance with a 3-8 Hz shake of 0.7-1.3° RMS over
      0.3-1.2° of sway.
    - ``cheap-board``: everyday kinds (squat workout, slow mini squats, fast reps,
      walking, balance, sit-to-stand in turn) on the cheap board and soft tissue.

    Parameters
    ----------
    n_per_family : int
        Cases per family.
    seed : int
        Base seed of the list.
    families : iterable of str, optional
        Only these families (names of ``FAMILIES``), in the order of ``FAMILIES``.
    rate_hz : float or None
        Sensor rate; None draws one of 50-200 Hz per case.
    **options
        Options of ``simulate`` for every case, over the family's own.

    Returns
    -------
    list of (str, str, str, SimSession)
        Name (``family-NN``), family, the ``--exercise`` the case calls for, session.
    """
    names = [f for f, _, _ in FAMILIES]
    wanted = list(names if families is None else families)
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        raise InputError(f"unknown families {', '.join(unknown)}; families: {', '.join(names)}")
    out = []
    for k, (family, kind, base) in enumerate(FAMILIES):
        if family not in wanted:
            continue
        for i, (case_kind, opts) in enumerate(_cases(family, kind, base, n_per_family)):
            session = simulate(case_kind, seed * 10_000 + 100 * k + i, rate_hz, **(opts | options))
            out.append((f"{family}-{i:02d}", family, KINDS[case_kind].exercise, session))
    return out
