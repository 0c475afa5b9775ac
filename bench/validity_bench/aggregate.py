"""Figures of one method over a group of cases (a kind, or all of them)."""

from __future__ import annotations

import numpy as np


def spread(values: list[float]) -> dict | None:
    """Size of signed errors: median, 95th percentile and maximum of their absolute
    values, and the median of the signed ones (a bias); None when there are none."""
    if not values:
        return None
    v = np.asarray(values, dtype=float)
    a = np.abs(v)
    return {
        "n": len(v),
        "median": float(np.median(a)),
        "p95": float(np.percentile(a, 95)),
        "max": float(a.max()),
        "bias": float(np.median(v)),
    }


def _flat(scores: list[dict], *keys) -> list[float]:
    out = []
    for s in scores:
        value = s
        for k in keys:
            value = value.get(k) if isinstance(value, dict) else None
        out += value or []
    return out


def _walk(scores: list[dict]) -> dict | None:
    walks = [s["walk"] for s in scores if "walk" in s]
    if not walks:
        return None
    bouts = [w["bouts"] for w in walks]
    unknown = None in bouts
    return {
        "cases": len(walks),
        "reps": sum(w["reps"] for w in walks),
        "cases_with_reps": sum(w["reps"] > 0 for w in walks),
        "bouts": None if unknown else sum(bouts),
        "cases_with_bouts": None if unknown else sum(b > 0 for b in bouts),
    }


def _balance(scores: list[dict]) -> dict | str | None:
    scored = [s["balance"] for s in scores if "balance" in s]
    if not scored:
        return None
    if None in scored:
        return "n/a"
    return {
        "cases": len(scored),
        "truth": sum(b["truth"] for b in scored),
        "found": sum(b["found"] for b in scored),
        "extra": sum(b["extra"] for b in scored),
        "start_error_s": spread(_flat(scored, "edge_error_s", "start")),
        "end_error_s": spread(_flat(scored, "edge_error_s", "end")),
        "sway_rel_error": spread(_flat(scored, "sway_rel_error")),
    }


def _five_times(scores: list[dict]) -> dict | None:
    timed = [s["five_times_error_s"] for s in scores if "five_times_error_s" in s]
    if not timed:
        return None
    return {
        "cases": len(timed),
        "untimed": sum(e is None for e in timed),
        "error_s": spread([e for e in timed if e is not None]),
    }


def summarize(scores: list[dict]) -> dict:
    """A method's figures over the scores of a group's cases."""
    errors = [s["count_error"] for s in scores]
    n = len(scores)
    exact = sum(e == 0 for e in errors)
    return {
        "cases": n,
        "exact": exact,
        "exact_pct": 100.0 * exact / n if n else None,
        "count_abs_error_mean": float(np.mean(np.abs(errors))) if n else None,
        "count_error_mean": float(np.mean(errors)) if n else None,
        "truth_reps": sum(s["count"] - s["count_error"] for s in scores),
        "matched_reps": sum(s["matched"] for s in scores),
        "extra_reps": sum(s["extra"] for s in scores),
        "depth_error_deg": spread(_flat(scores, "depth_error_deg")),
        "timing_error_s": {
            edge: spread(_flat(scores, "timing_error_s", edge))
            for edge in ("start", "bottom", "end")
        },
        "walk": _walk(scores),
        "balance": _balance(scores),
        "five_times": _five_times(scores),
        "crashed": sum("error" in s for s in scores),
        "no_reference": sum("no standing reference" in s.get("notes", []) for s in scores),
    }
