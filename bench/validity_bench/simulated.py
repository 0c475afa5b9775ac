"""A folder of cases in the benchmark's format made by the project's simulator.

A case source is any iterable of ``(name, family, exercise, SimSession)``: the family is
the case's kind in the index. ``kind_cases`` gives one per simulator kind and seed;
``hard_cases`` takes the simulator's own list when it has one (``tracker.sim.hard_cases``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from tracker.files.interchange import write_csv
from tracker.sim import KINDS, SimSession, simulate
from tracker.sim.sessions import SUITE_OPTIONS
from validity_bench.folder import FolderError

SimCase = tuple[str, str, str, SimSession]


def kind_cases(seeds: int = 1) -> Iterable[SimCase]:
    """Every simulator kind, ``seeds`` sessions each, at a random mounting, rate (50-200
    Hz), noise and packet loss; long kinds shortened as in the simulator's suite."""
    for s in range(seeds):
        for i, kind in enumerate(KINDS):
            seed = 1000 * s + i
            session = simulate(kind, seed=seed, rate_hz=None, **SUITE_OPTIONS.get(kind, {}))
            yield f"{kind}_{seed}", kind, KINDS[kind].exercise, session


def hard_cases() -> Iterable[SimCase]:
    """The simulator's hard real-world families, when this version of it has them."""
    from tracker import sim

    make = getattr(sim, "hard_cases", None)
    if make is None:
        raise FolderError("this version of tracker.sim has no hard_cases() to simulate")
    return make()


def _times(d: dict, keys: tuple[str, ...]) -> dict:
    return {k: d[k] for k in keys if d.get(k) is not None}


def _chair_reps(rises: list[dict]) -> list[dict]:
    """Chair stands done from standing, as reps: to a thigh sensor each is a deep squat,
    sitting down and rising, so its window runs from the end of the previous rise (for
    the first, from as long before its start as the second one's sitting took)."""
    starts = [r["start_s"] for r in rises]
    ends = [r["end_s"] for r in rises]
    lead = starts[1] - ends[0] if len(rises) > 1 else 3.0
    return [
        {"start_s": start, "end_s": end}
        for start, end in zip([starts[0] - lead, *ends[:-1]], ends, strict=True)
    ]


def truth_record(family: str, exercise: str, session: SimSession) -> dict:
    """The simulator's truth as a truth file of this format: ``reps`` are what
    ``--exercise EXERCISE`` should count, ``walk_s`` the walks, ``balance`` the bouts."""
    truth = session.truth.to_json()
    rises = [
        _times(r, ("start_s", "end_s")) for r in (truth["sit_to_stand"] or {}).get("rises", [])
    ]
    reps = [_times(r, ("start_s", "bottom_s", "end_s", "depth_deg")) for r in truth["reps"]]
    if exercise == "sit_to_stand":
        reps = rises
    elif exercise == "auto" and rises:
        reps = sorted(reps + _chair_reps(rises), key=lambda r: r["start_s"])
    record = {
        "kind": family,
        "exercise": exercise,
        "simulated": True,
        "sim_kind": session.kind,
        "seed": session.seed,
        "sample_rate_hz": truth["sample_rate_hz"],
        "duration_s": truth["duration_s"],
        "rep_count": len(reps),
        "reps": reps,
        "balance": [_times(b, ("start_s", "end_s", "sway_rms_deg")) for b in truth["balance"]],
    }
    if truth["walking"]:
        record["walk_s"] = [[w["start_s"], w["end_s"]] for w in truth["walking"]]
    return record


def write_folder(folder: Path, cases: Iterable[SimCase]) -> Path:
    """Write ``cases`` into ``folder`` (made if needed) with their index; return it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    index = []
    for name, family, exercise, session in cases:
        record = truth_record(family, exercise, session)
        note = f"simulated by tracker.sim ({session.kind}, seed {session.seed}), not a person"
        write_csv(folder / f"{name}.csv", session.block, [note])
        (folder / f"{name}.truth.json").write_text(json.dumps(record, indent=1) + "\n")
        index.append(
            {"name": name, "kind": family, "exercise": exercise, "rep_count": record["rep_count"]}
        )
    (folder / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    return folder
