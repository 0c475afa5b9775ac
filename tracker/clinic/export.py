"""Exports of all results: one CSV row per trial (safe to open in a spreadsheet), or JSON.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read as a formula by spreadsheet programs; such cells are written with a leading
apostrophe (the OWASP recommendation for CSV injection). Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
import json
import math

from tracker.clinic.results import trends, visit_results
from tracker.core.types import SWAY_FIELDS
from tracker.files.history import History

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = (
    "patient_id",
    "age_band",
    "sex",
    "visit_id",
    "visit_date",
    "trial_id",
    "protocol",
    "protocol_version",
    "condition",
    "practice",
    "status",
    "measure",
    "value",
    "ended_by",
    "passed",
    "start_s",
    "end_s",
    *SWAY_FIELDS,
    "discard_reason",
    "incomplete_reason",
    "recording_path",
    "started_utc",
    "patient_notes",
    "visit_notes",
)


def safe_cell(value):
    """A CSV cell that a spreadsheet will not run: text starting like a formula gets ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return "" if isinstance(value, float) and not math.isfinite(value) else value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def trial_rows(history: History, patient_ids=None):
    """One dict per trial (``CSV_COLUMNS``), patients and visits in order."""
    ids = patient_ids or [p["id"] for p in history.patients()]
    for pid in ids:
        patient = history.patient(pid)
        for visit in history.visits(pid):
            for t in history.trials(visit["id"]):
                result = t["result"] or {}
                sway = result.get("sway") or {}
                yield {
                    "patient_id": pid,
                    "age_band": patient["age_band"],
                    "sex": patient["sex"],
                    "visit_id": visit["id"],
                    "visit_date": visit["date"],
                    "trial_id": t["id"],
                    "protocol": t["protocol"],
                    "protocol_version": t["protocol_version"],
                    "condition": t["condition"],
                    "practice": t["practice"],
                    "status": t["status"],
                    "measure": result.get("measure"),
                    "value": result.get("value"),
                    "ended_by": result.get("ended_by"),
                    "passed": result.get("passed"),
                    "start_s": result.get("start_s"),
                    "end_s": result.get("end_s"),
                    **{k: sway.get(k) for k in SWAY_FIELDS},
                    "discard_reason": t["discard_reason"],
                    "incomplete_reason": t["incomplete_reason"],
                    "recording_path": t["recording_path"],
                    "started_utc": t["started_utc"],
                    "patient_notes": patient["notes"],
                    "visit_notes": visit["notes"],
                }


def to_csv(history: History, patient_ids=None) -> str:
    """All trials as CSV text (header first)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in trial_rows(history, patient_ids):
        writer.writerow([safe_cell(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def to_json(history: History, patient_ids=None, protocols=None) -> dict:
    """Everything: patients, their visits' results by condition, trials and trends."""
    from tracker.clinic.protocols import load_protocols

    protocols = protocols if protocols is not None else load_protocols()
    ids = patient_ids or [p["id"] for p in history.patients()]
    patients = []
    for pid in ids:
        visits = [visit_results(history, v["id"], protocols) for v in history.visits(pid)]
        for v in visits:
            v.pop("sources", None)
            v.pop("patient", None)
        patients.append(
            {
                "patient": history.patient(pid),
                "visits": visits,
                "trends": trends(history, pid, protocols),
            }
        )
    return {"format": "tracker-clinic-export", "version": 1, "patients": patients}


def dumps(obj) -> str:
    """JSON text; NaN becomes null."""

    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        return v

    return json.dumps(clean(obj), indent=1, ensure_ascii=False) + "\n"
