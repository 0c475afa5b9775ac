"""Scoring one case: matching detected reps to true ones, and the errors of the matched ones.

Definitions (docs/validity.md):

- A rep's *anchor* is its ``bottom_s``, or the middle of ``start_s``-``end_s`` when it has
  no bottom (a sit-to-stand rise).
- A detected rep may match a true rep when its anchor lies within the true rep's
  ``start_s``-``end_s``. Among those pairs, each true rep gets at most one detected rep
  and each detected rep at most one true rep, chosen to match as many as possible and,
  among those, with the smallest total distance between the two anchors
  (``scipy.optimize.linear_sum_assignment``). Unmatched detections are *extra* reps.
- A detected balance bout matches a true one it overlaps in time, one-to-one, largest
  total overlap first; bouts that overlap a walk window (any overlap) are bouts "inside
  a walk", and so are detected reps whose anchor lies in one.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

_NO = 1e12  # cost of a pair that may not match


def anchor(event: dict) -> float:
    if event.get("bottom_s") is not None:
        return float(event["bottom_s"])
    return 0.5 * (float(event["start_s"]) + float(event["end_s"]))


def _assign(cost: np.ndarray) -> list[tuple[int, int]]:
    """One-to-one pairs of allowed entries (cost < _NO) with as many pairs as possible,
    then the smallest total cost: each allowed pair costs less than any one pair more."""
    if cost.size == 0:
        return []
    allowed = cost < _NO
    bonus = float(np.abs(cost[allowed]).sum()) + 1.0 if allowed.any() else 0.0
    rows, cols = linear_sum_assignment(np.where(allowed, cost - bonus, _NO))
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if allowed[r, c]]


def match_reps(truth: list[dict], detected: list[dict]) -> list[tuple[int, int]]:
    """(truth index, detected index) pairs, as defined in the module's docstring."""
    cost = np.full((len(truth), len(detected)), _NO)
    for i, t in enumerate(truth):
        for j, d in enumerate(detected):
            a = anchor(d)
            if float(t["start_s"]) <= a <= float(t["end_s"]):
                cost[i, j] = abs(a - anchor(t))
    return sorted(_assign(cost))


def _overlap(a: dict, b: dict) -> float:
    return min(float(a["end_s"]), float(b["end_s"])) - max(float(a["start_s"]), float(b["start_s"]))


def match_bouts(truth: list[dict], detected: list[dict]) -> list[tuple[int, int]]:
    cost = np.full((len(truth), len(detected)), _NO)
    for i, t in enumerate(truth):
        for j, d in enumerate(detected):
            if (o := _overlap(t, d)) > 0:
                cost[i, j] = -o
    return sorted(_assign(cost))


def walk_windows(truth: dict) -> list[tuple[float, float]]:
    """``walk_s`` as ``[start, end]`` or a list of them."""
    walk = truth.get("walk_s")
    if not walk:
        return []
    if all(isinstance(v, int | float) for v in walk):
        walk = [walk]
    return [(float(a), float(b)) for a, b in walk]


def five_times_s(events: list[dict]) -> float | None:
    """The five-times-sit-to-stand time: start of the first rise to the end of the fifth."""
    if len(events) < 5:
        return None
    first, fifth = sorted(events, key=lambda e: float(e["start_s"]))[0:5:4]
    return float(fifth["end_s"]) - float(first["start_s"])


def score_case(truth: dict, rep_count: int, exercise: str, found: dict | None) -> dict | None:
    """How one method did on one case (None when the method was not run)."""
    if found is None:
        return None
    true_reps = list(truth.get("reps") or [])
    events = found["events"]
    pairs = match_reps(true_reps, events)
    out = {
        "count": found["count"],
        "count_error": found["count"] - rep_count,
        "matched": len(pairs),
        "extra": len(events) - len(pairs),
        "depth_error_deg": [],
        "timing_error_s": {"start": [], "bottom": [], "end": []},
    }
    for i, j in pairs:
        t, d = true_reps[i], events[j]
        if t.get("depth_deg") is not None and d.get("depth_deg") is not None:
            out["depth_error_deg"].append(float(d["depth_deg"]) - float(t["depth_deg"]))
        for edge in ("start", "bottom", "end"):
            key = f"{edge}_s"
            if t.get(key) is not None and d.get(key) is not None:
                out["timing_error_s"][edge].append(float(d[key]) - float(t[key]))
    windows = walk_windows(truth)
    if windows:
        out["walk"] = _walk(windows, events, found["bouts"])
    if isinstance(truth.get("balance"), list):  # None: the method finds no bouts
        out["balance"] = (
            None if found["bouts"] is None else _balance(truth["balance"], found["bouts"])
        )
    if exercise == "sit_to_stand" and (true_time := five_times_s(true_reps)) is not None:
        got = five_times_s(events)
        out["five_times_error_s"] = None if got is None else got - true_time
    for key in ("notes", "error"):
        if found.get(key):
            out[key] = found[key]
    return out


def _walk(windows, events, bouts) -> dict:
    def overlaps(bout: dict) -> bool:
        return any(_overlap(bout, {"start_s": a, "end_s": b}) > 0 for a, b in windows)

    return {
        "reps": sum(any(a <= anchor(e) <= b for a, b in windows) for e in events),
        "bouts": None if bouts is None else sum(overlaps(b) for b in bouts),
    }


def _balance(truth_bouts: list[dict], bouts: list[dict]) -> dict:
    pairs = match_bouts(truth_bouts, bouts)
    out = {
        "truth": len(truth_bouts),
        "found": len(pairs),
        "extra": len(bouts) - len(pairs),
        "edge_error_s": {"start": [], "end": []},
        "sway_rel_error": [],
    }
    for i, j in pairs:
        t, d = truth_bouts[i], bouts[j]
        for edge in ("start", "end"):
            out["edge_error_s"][edge].append(float(d[f"{edge}_s"]) - float(t[f"{edge}_s"]))
        if t.get("sway_rms_deg") and d.get("sway_rms_deg") is not None:
            rel = float(d["sway_rms_deg"]) / float(t["sway_rms_deg"]) - 1.0
            out["sway_rel_error"].append(rel)
    return out
