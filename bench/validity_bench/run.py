"""Running the engine and the baseline over cases, in worker processes when there are several.

Each method's output for a case is normalised to one dict: ``count``; ``events`` (reps,
or the rises of a sit-to-stand test: ``start_s``, ``end_s`` and, where the method gives
them, ``bottom_s`` and ``depth_deg``); ``bouts`` (balance bouts, None when the method
finds none by design); ``notes`` (why something may be missing); or ``error`` when the
method raised.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from tracker.commands.analyze import analyze
from validity_bench import baseline
from validity_bench.folder import Case

REP_FIELDS = ("start_s", "bottom_s", "end_s", "depth_deg")


def tracker_detections(case: Case) -> dict:
    """What ``tracker analyze PATH --exercise EXERCISE --json`` reports, normalised."""
    summary = analyze(str(case.csv), case.exercise)
    if case.exercise == "sit_to_stand":
        sts = summary.get("sit_to_stand") or {}
        events = [{"start_s": r["start_s"], "end_s": r["end_s"]} for r in sts.get("rises", [])]
        count = int(sts.get("stands", len(events)))
    else:
        events = [{k: r[k] for k in REP_FIELDS if r.get(k) is not None} for r in summary["reps"]]
        count = len(events)
    bouts = [
        {k: b[k] for k in ("start_s", "end_s", "sway_rms_deg")} for b in summary.get("balance", [])
    ]
    notes = list(summary.get("warnings", []))
    if summary.get("calibrated") is False:
        notes.insert(0, "no standing reference")
    return {"count": count, "events": events, "bouts": bouts, "notes": notes}


def _guarded(method, case: Case, finds_bouts: bool) -> dict:
    """A crash on one case is a finding, not the end of the run: it found nothing."""
    try:
        return method(case)
    except Exception as exc:
        error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        bouts = [] if finds_bouts else None
        return {"count": 0, "events": [], "bouts": bouts, "notes": [], "error": error}


def baseline_detections(case: Case) -> dict:
    return baseline.detect(case.csv, case.exercise)


def run_case(case: Case, with_baseline: bool = True) -> dict:
    """Both methods on one case (the baseline None when it is not run)."""
    out = {"tracker": _guarded(tracker_detections, case, True), "baseline": None}
    if with_baseline:
        out["baseline"] = _guarded(baseline_detections, case, False)
    return out


def run_cases(cases: list[Case], with_baseline: bool, jobs: int) -> list[dict]:
    """``run_case`` over every case, in order, on ``jobs`` worker processes (1: here)."""
    if jobs <= 1 or len(cases) <= 1:
        return [run_case(c, with_baseline) for c in cases]
    # Not fork: a process with threads (a test runner, a UI) may not fork safely.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        return list(pool.map(run_case, cases, [with_baseline] * len(cases)))


PARALLEL_FROM_BYTES = (
    20_000_000  # below, starting workers (about 1 s each) costs more than it saves
)


def default_jobs(cases: list[Case]) -> int:
    """One worker per core this process may use when the CSVs are large enough to gain."""
    if sum(c.csv.stat().st_size for c in cases) < PARALLEL_FROM_BYTES:
        return 1
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
