"""The visit report's content, shared by the HTML and the PDF: the visit's data, its tables'
rows, the definitions and the notes under the tables."""

from __future__ import annotations

import math

from tracker import __version__
from tracker.clinic import report_text as text
from tracker.clinic.results import trends, visit_results
from tracker.clinic.scoring import DEFINITIONS_VERSION
from tracker.files.history import History, now_utc

MEASURE_NAME = {"hold_s": "hold time", "time_s": "time", "count": "stands in 30 s"}


SWAY_COLUMNS = (
    ("sway_rms_deg", "RMS °"),
    ("sway_path_deg", "path °"),
    ("sway_velocity_deg_s", "velocity °/s"),
    ("ellipse95_deg2", "ellipse 95 % °²"),
    ("mean_freq_hz", "mean freq. Hz"),
)


SYMMETRY_NOTE = (
    "Symmetry index = 100 · (right − left) / mean of the two (Robinson et al. 1987); 0 is "
    "symmetric, positive: the right leg held longer."
)


SWAY_NOTE = (
    "Thigh sway has no published norms: these are measures of this sensor on the thigh "
    "(definitions in docs/metrics.md), to compare with the same patient's earlier visits "
    "only, never with trunk-sensor or force-plate norms. No smallest real change is "
    "published for them."
)


def report_data(history: History, visit_id: int, protocols=None) -> dict:
    """Everything the report shows, as plain data."""
    from tracker.clinic.protocols import load_protocols

    protocols = protocols if protocols is not None else load_protocols()
    data = visit_results(history, visit_id, protocols)
    visit = data["visit"]
    data["trends"] = []
    for series in trends(history, data["patient"]["id"], protocols):
        # the report of a visit shows the visits up to it, not those that came after
        points = [
            p for p in series["points"] if (p["date"], p["visit"]) <= (visit["date"], visit["id"])
        ]
        if points:
            data["trends"].append(series | {"points": points})
    data["generated_utc"] = now_utc()
    data["tracker_version"] = __version__
    data["definitions_version"] = DEFINITIONS_VERSION
    data["simulated"] = any((t["result"] or {}).get("simulated") for t in data["trials"])
    used = []
    for p in data["protocols"]:
        for c in p.get("conditions", []):
            if c["norm"] and c["norm"]["source"] not in used:
                used.append(c["norm"]["source"])
        src = p.get("smallest_real_change", {}).get("source")
        if src and src not in used:
            used.append(src)
    data["references"] = used
    data["setup"] = text.setup(data, protocols)
    data["devices"] = text.devices(data["trials"])
    data["patient_summary"] = text.patient_summary(data)
    data["tests"] = {p["test"] for p in data["protocols"] if "test" in p}
    return data


def definitions_text(data: dict) -> str:
    """What the visit's tests time, only for the tests done."""
    parts = []
    if "stance" in data["tests"]:
        parts.append(
            "Hold time runs from lift-off (the end of the weight shift onto the stance leg) "
            "to touch-down (the start of the shift off it, or of a step); stances on two feet "
            "from the start cue; a hold stopped by the time limit reads ≥ the limit, and a "
            "change across visits to or from it is a bound."
        )
    if "five_times_sts" in data["tests"]:
        parts.append(
            "Five-times sit-to-stand: from the start of the first rise to the fifth stand."
        )
    if "chair_stand_30s" in data["tests"]:
        parts.append(
            "30-second chair stand: the rises more than halfway up within 30 s of the start cue."
        )
    parts.append("Only complete, counted trials (not practice, not discarded) enter best and mean.")
    return " ".join(parts)


def protocol_entry(data: dict, name: str) -> dict:
    return next((p for p in data["protocols"] if p["protocol"] == name), {})


def _fmt(x, nd=1, unit=""):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:.{nd}f}{unit}" if isinstance(x, float) else f"{x}{unit}"


def cite(data, key) -> str:
    return f"[{data['references'].index(key) + 1}]" if key in data["references"] else ""


def result_rows(data: dict) -> list[dict]:
    """One row per condition: the numbers the tables show (shared by HTML and PDF)."""
    rows = []
    for p in data["protocols"]:
        for c in p.get("conditions", []):
            norm = c["norm"] or {}
            reference = norm.get("reference") or "no published norm"
            rows.append(
                {
                    "protocol": p["title"],
                    "condition": c["condition"],
                    "trials": f"{c['trials_counted']}/{c['trials_wanted']}"
                    + (f" (+{c['practice']} practice)" if c["practice"] else ""),
                    "best": text.condition_value_text(c, "best"),
                    "mean": text.condition_value_text(c, "mean"),
                    "passed": {True: "held", False: "not held", None: ""}[c["passed"]],
                    "reference": reference + (" " + cite(data, norm["source"]) if norm else ""),
                    "verdict": norm.get("verdict") or "",
                }
            )
    return rows


def symmetry_rows(data: dict) -> list[tuple]:
    """(test, eyes, left, right, index) per left/right pair; a capped side says so."""
    return [
        (
            p["title"],
            s["eyes"],
            text.value_text(s["left"], "hold_s", capped=s.get("left_capped"), limit_s=p["max_s"]),
            text.value_text(s["right"], "hold_s", capped=s.get("right_capped"), limit_s=p["max_s"]),
            text.symmetry_text(s),
        )
        for p in data["protocols"]
        for s in p.get("symmetry", [])
    ]


def trend_rows(series: dict) -> list[tuple]:
    """(date, score, change since first, beyond the smallest real change) per visit."""
    return [
        (
            p["date"],
            text.trend_value_text(series, p),
            text.change_text(series, p),
            {True: "yes", False: "no"}.get(
                p.get("beyond_src"), "not known" if p.get("change_is", "exact") != "exact" else "–"
            ),
        )
        for p in series["points"]
    ]


def trial_rows(data: dict) -> list[tuple]:
    """(trial, test, condition, practice, status, value, ended by, reason) per trial."""
    return [
        (
            t["id"],
            protocol_entry(data, t["protocol"]).get("title", t["protocol"]),
            t["condition"],
            "yes" if t["practice"] else "",
            t["status"],
            text.trial_value_text(t, protocol_entry(data, t["protocol"])),
            text.ended_by_text((t["result"] or {}).get("ended_by")),
            t["discard_reason"]
            or t["incomplete_reason"]
            or (t["result"] or {}).get("clinician_reason", "")
            or "",
        )
        for t in data["trials"]
    ]


def visit_facts(data: dict) -> list[tuple[str, str]]:
    """(label, text) lines under the title: assessor, sensor, notes."""
    pt, visit = data["patient"], data["visit"]
    facts = [
        ("Assessor", visit.get("assessor") or "not recorded"),
        ("Sensor", "; ".join(data["devices"]) or "not recorded"),
    ]
    if pt.get("notes"):
        facts.append(("Patient notes", pt["notes"]))
    if visit.get("notes"):
        facts.append(("Visit notes", visit["notes"]))
    return facts


def sway_rows(data: dict) -> list[tuple]:
    return [
        (c["condition"], *(_fmt((c["sway_best"] or {}).get(k), 2) for k, _ in SWAY_COLUMNS))
        for p in data["protocols"]
        for c in p.get("conditions", [])
        if c["sway_best"]
    ]
