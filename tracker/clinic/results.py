"""A visit's results per condition (best, mean, sway, norms, left/right symmetry) and trends.

Only counted trials enter a condition's score: complete, not practice, not discarded.
Incomplete and discarded trials are listed with their reasons. The symmetry index is
Robinson's: ``SI = 100 · (R − L) / ((R + L) / 2)`` of the right and left scores of the
same condition (0 symmetric; positive: the right leg held longer).
"""

from __future__ import annotations

import math

from tracker.clinic.norms import NO_SRC, SOURCES, compare, smallest_real_change
from tracker.clinic.protocols import Protocol, load_protocols
from tracker.core.types import SWAY_FIELDS
from tracker.files.history import History


def symmetry_index(right: float | None, left: float | None) -> float | None:
    """Robinson's symmetry index in percent, None when undefined (a side missing, both 0).

    References
    ----------
    .. [1] R. O. Robinson, W. Herzog, B. M. Nigg, "Use of force platform variables to
       quantify the effects of chiropractic manipulation on gait symmetry",
       J. Manipulative Physiol. Ther. 10(4):172-176, 1987.
    """
    if right is None or left is None or right + left == 0:
        return None
    return 100.0 * (right - left) / (0.5 * (right + left))


def counted(trials: list[dict]) -> list[dict]:
    """The trials that count: complete, not practice, with a value."""
    return [
        t
        for t in trials
        if t["status"] == "complete"
        and not t["practice"]
        and t["result"]
        and t["result"].get("value") is not None
    ]


def condition_summary(protocol: Protocol, condition, trials: list[dict], patient: dict) -> dict:
    """Best, mean, the protocol's score, sway and the norm comparison of one condition."""
    mine = [
        t for t in trials if t["protocol"] == protocol.name and t["condition"] == condition.name
    ]
    good = counted(mine)
    values = [float(t["result"]["value"]) for t in good]
    pick = max if protocol.higher_is_better else min
    best = pick(values) if values else None
    mean = sum(values) / len(values) if values else None
    score = {"best": best, "mean": mean, "first": values[0] if values else None}[protocol.score]
    best_trial = good[values.index(best)] if values else None
    score_trial = {"best": best_trial, "first": good[0] if good else None}.get(protocol.score)
    # a hold stopped by the time limit is a lower bound: the person might have held longer
    capped = [t["id"] for t in good if t["result"].get("ended_by") == "time_limit"]
    sway_best = best_trial["result"].get("sway") if best_trial else None
    sways = [t["result"]["sway"] for t in good if t["result"].get("sway")]
    sway_mean = None
    if sways:
        sway_mean = {k: _mean([s[k] for s in sways if s.get(k) is not None]) for k in SWAY_FIELDS}
    norm_key = protocol.norm_of(condition)
    norm = None
    if norm_key:
        norm = compare(norm_key, score, age_band=patient["age_band"], sex=patient.get("sex"))
    passed = None
    if condition.pass_s is not None:
        passed = any(t["result"].get("passed") for t in good) if good else None
    return {
        "condition": condition.name,
        "leg": condition.leg,
        "eyes": condition.eyes,
        "measure": protocol.measure,
        "score_rule": protocol.score,
        "score": _r(score),
        "score_capped": (score_trial is not None and score_trial["id"] in capped)
        or (protocol.score == "mean" and bool(capped)),
        "best_capped": best_trial is not None and best_trial["id"] in capped,
        "capped_trials": capped,
        "limit_s": protocol.max_s,
        "best": _r(best),
        "mean": _r(mean),
        "trials_counted": len(good),
        "trials_wanted": protocol.trials,
        "practice": sum(t["practice"] for t in mine),
        "incomplete": [
            {"trial": t["id"], "reason": t.get("incomplete_reason") or "incomplete"}
            for t in mine
            if t["status"] in ("incomplete", "recording")
        ],
        "discarded": [
            {"trial": t["id"], "reason": t["discard_reason"]}
            for t in mine
            if t["status"] == "discarded"
        ],
        "passed": passed,
        "sway_best": sway_best,
        "sway_mean": sway_mean,
        "norm": norm,
    }


def _mean(xs):
    xs = [x for x in xs if x is not None and math.isfinite(x)]
    return round(sum(xs) / len(xs), 4) if xs else None


def _r(x, nd=3):
    return None if x is None else round(float(x), nd)


def symmetry(protocol: Protocol, summaries: list[dict]) -> list[dict]:
    """Left/right pairs of the same condition otherwise (eyes): their symmetry index."""
    out = []
    by = {(s["leg"], s["eyes"]): s for s in summaries}
    for eyes in ("open", "closed"):
        left, right = by.get(("left", eyes)), by.get(("right", eyes))
        if left and right:
            si = symmetry_index(right["score"], left["score"])
            out.append(
                {
                    "eyes": eyes,
                    "left": left["score"],
                    "right": right["score"],
                    "symmetry_index_pct": _r(si, 1),
                    "left_capped": bool(left["score_capped"]),
                    "right_capped": bool(right["score_capped"]),
                    "capped": bool(left["score_capped"] or right["score_capped"]),
                }
            )
    return out


def visit_results(history: History, visit_id: int, protocols: dict | None = None) -> dict:
    """Everything measured at a visit, by protocol and condition (JSON-ready)."""
    protocols = protocols if protocols is not None else load_protocols()
    visit = history.visit(visit_id)
    patient = history.patient(visit["patient_id"])
    trials = history.trials(visit_id)
    out = {"patient": patient, "visit": visit, "protocols": [], "trials": trials}
    for name in dict.fromkeys(t["protocol"] for t in trials):
        protocol = protocols.get(name)
        if protocol is None:  # a clinic protocol since removed: list the trials only
            out["protocols"].append({"protocol": name, "missing": True})
            continue
        summaries = [condition_summary(protocol, c, trials, patient) for c in protocol.conditions]
        summaries = [
            s for s in summaries if s["trials_counted"] or s["incomplete"] or s["discarded"]
        ]
        out["protocols"].append(
            {
                "protocol": name,
                "title": protocol.title,
                "version": protocol.version,
                "test": protocol.test,
                "max_s": protocol.max_s,
                "conditions": summaries,
                "symmetry": symmetry(protocol, summaries),
                "smallest_real_change": _src(protocol),
            }
        )
    out["sources"] = {
        k: {"text": s.text, "quality": s.quality, "note": s.note} for k, s in SOURCES.items()
    }
    return out


def _src(protocol: Protocol) -> dict:
    single_leg = any(c.start == "lift_off" for c in protocol.conditions)
    found = smallest_real_change(protocol.test, single_leg=single_leg)
    if protocol.name == "four-stage-balance" or found is None:
        return {"value": None, "note": NO_SRC["stance_two_feet"]}
    value, unit, source = found
    return {"value": value, "unit": unit, "source": source}


# (first score capped, this score capped) -> what the recorded difference says of the change
_CHANGE_IS = {
    (False, False): "exact",
    (False, True): "at_least",
    (True, False): "at_most",
    (True, True): "unknown",
}


def trends(history: History, patient_id: str, protocols: dict | None = None) -> list[dict]:
    """Each condition's score across the patient's visits, with the smallest real change.

    ``change_vs_first`` (the recorded scores' difference), ``change_is`` and ``beyond_src``
    (the change exceeds the smallest real change; None when that cannot be told) are given
    for every visit after the first that has a score. A score stopped by the time limit
    (``capped``) is a lower bound, so a change to it is ``at_least`` the difference, one
    from it ``at_most``, and between two such ``unknown``.
    """
    protocols = protocols if protocols is not None else load_protocols()
    patient = history.patient(patient_id)
    series: dict[tuple[str, str], dict] = {}
    for visit in history.visits(patient_id):
        trials = history.trials(visit["id"])
        for name in dict.fromkeys(t["protocol"] for t in trials):
            protocol = protocols.get(name)
            if protocol is None:
                continue
            for c in protocol.conditions:
                s = condition_summary(protocol, c, trials, patient)
                if s["score"] is None:
                    continue
                entry = series.setdefault(
                    (name, c.name),
                    {
                        "protocol": name,
                        "title": protocol.title,
                        "condition": c.name,
                        "measure": protocol.measure,
                        "higher_is_better": protocol.higher_is_better,
                        "smallest_real_change": _src(protocol),
                        "limit_s": protocol.max_s,
                        "points": [],
                    },
                )
                sway = (s["sway_best"] or {}).get("sway_rms_deg")
                entry["points"].append(
                    {
                        "visit": visit["id"],
                        "date": visit["date"],
                        "score": s["score"],
                        "capped": s["score_capped"],
                        "sway_rms_deg": sway,
                    }
                )
    for entry in series.values():
        src = entry["smallest_real_change"]["value"]
        first = entry["points"][0]
        for p in entry["points"][1:]:
            change = p["score"] - first["score"]
            p["change_vs_first"] = round(change, 3)
            p["change_is"] = _CHANGE_IS[first["capped"], p["capped"]]
            beyond = None if src is None else abs(change) > src
            if p["change_is"] == "unknown" or (p["change_is"] != "exact" and not beyond):
                beyond = None  # the true change may be larger than the recorded one
            p["beyond_src"] = beyond
    return list(series.values())
