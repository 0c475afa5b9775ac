"""The visit report's words, shared by the HTML and the PDF: values with units, how trials
ended, how each test was set up, the sensor used, and a short summary for the patient."""

from __future__ import annotations

import math

UNIT = {"hold_s": "s", "time_s": "s", "count": "stands"}
ENDED_BY = {
    "foot_down": "the lifted foot came down",
    "step": "a step",
    "time_limit": "the time limit",
    "clinician": "the clinician",
    "recording_ended": "the recording stopped",
    "not_lifted": "the foot was not lifted",
    "window": "the 30 s were over",
    "recording ended": "the recording stopped",
    "no rise": "no rise was seen",
    "data_missing": "data went missing during it",
}


def ended_by_text(ended_by: str | None) -> str:
    """How a trial ended, in words ('5 stands' and the like are words already)."""
    if not ended_by:
        return ""
    return ENDED_BY.get(ended_by, ended_by.replace("_", " "))


def value_text(
    value,
    measure: str,
    *,
    capped: bool = False,
    limit_s: float | None = None,
    lower_bound: bool = False,
    nd: int = 1,
) -> str:
    """'12.3 s' (``nd`` decimals), '11 stands'; '≥ 45 s (limit)' for a hold stopped by the
    time limit, '≥ 38.2 s' for another lower bound (a mean over such holds).

    Every trial value, score and mean shown anywhere goes through here: the bound a hold
    stopped by the limit gives is never shown as a plain number."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    unit = UNIT.get(measure, "")
    if capped:
        return f"≥ {limit_s or value:g} {unit} (limit)"
    nd = 0 if measure == "count" else nd
    return f"{'≥ ' if lower_bound else ''}{value:.{nd}f} {unit}".strip()


def trial_value_text(trial: dict, protocol: dict | None, nd: int = 1) -> str:
    r = trial["result"] or {}
    capped = r.get("ended_by") == "time_limit"
    limit = (protocol or {}).get("max_s")
    return value_text(r.get("value"), r.get("measure", ""), capped=capped, limit_s=limit, nd=nd)


def condition_value_text(c: dict, key: str) -> str:
    """A condition's (``visit_results``) ``best``, ``mean`` or ``score``: a mean over a hold
    stopped by the limit is a lower bound, and so is a score by the mean."""
    rule = c["score_rule"] if key == "score" else key
    if rule == "mean":
        return value_text(c[key], c["measure"], lower_bound=bool(c.get("capped_trials")))
    capped = bool(c.get("best_capped") if key == "best" else c.get("score_capped"))
    return value_text(c[key], c["measure"], capped=capped, limit_s=c.get("limit_s"))


def trend_value_text(series: dict, point: dict) -> str:
    """A trend point's score (``results.trends``)."""
    return value_text(
        point["score"],
        series["measure"],
        capped=bool(point.get("capped")),
        limit_s=series["limit_s"],
    )


def change_text(series: dict, point: dict) -> str:
    """A trend point's change since the first visit: '+2.1 s', or a bound when either end
    reached the time limit ('≥ +7.1 s', '≤ -15.0 s'), 'not known' when both did."""
    change = point.get("change_vs_first")
    if change is None:
        return "–"
    kind = point.get("change_is", "exact")
    if kind == "unknown":
        return "not known (both at the limit)"
    nd = 0 if series["measure"] == "count" else 1
    bound = {"at_least": "≥ ", "at_most": "≤ "}.get(kind, "")
    return f"{bound}{change:+.{nd}f} {UNIT[series['measure']]}"


def symmetry_text(s: dict) -> str:
    """A symmetry index (``results.symmetry``), saying so when it rests on a hold stopped by
    the limit: the capped side is the longer, so the true difference is at least this."""
    si = s["symmetry_index_pct"]
    if si is None:
        return "–"
    if s.get("left_capped") and s.get("right_capped"):
        return f"{si:.1f} % (both sides reached the limit: the difference is not known)"
    if s.get("capped"):
        return f"{si:.1f} % (a side reached the limit: a lower bound of the difference)"
    return f"{si:.1f} %"


def sensor_side_text(leg: str | None) -> str:
    """Where the sensor was, from a condition's ``leg``."""
    return {
        "left": "left thigh (the stance leg)",
        "right": "right thigh (the stance leg)",
        "sensor": "the thigh of the leg stood on",
        "any": "either thigh (not recorded which)",
    }.get(leg or "", "not recorded")


def devices(trials: list[dict]) -> list[str]:
    """Each distinct sensor the trials were measured with, in words."""
    out = []
    for t in trials:
        r = t["result"] or {}
        d = r.get("device") or {}
        parts = [d.get("model") or d.get("name") or d.get("description") or ""]
        if d.get("manufacturer"):
            parts.append(f"by {d['manufacturer']}")
        if d.get("firmware"):
            parts.append(f"firmware {d['firmware']}")
        if d.get("profile"):
            parts.append(f"profile {d['profile']}")
        text = " · ".join(p for p in parts if p)
        if not text:
            text = "a simulated sensor" if r.get("simulated") else "not recorded"
        if text not in out:
            out.append(text)
    return out


def setup(data: dict, protocols: dict) -> list[dict]:
    """How each test of the visit was set up and what the person was told."""
    out = []
    for p in data["protocols"]:
        protocol = protocols.get(p["protocol"])
        if protocol is None:
            continue
        out.append(
            {
                "title": protocol.title,
                "setup": " ".join(protocol.description.split()),
                "conditions": [
                    (c.name, c.instructions, sensor_side_text(c.leg))
                    for c in protocol.conditions
                    if any(x["condition"] == c.name for x in p.get("conditions", []))
                ],
                "source": protocol.source,
            }
        )
    return out


def patient_summary(data: dict) -> list[str]:
    """A few sentences for the patient: each result, the two legs, the change since before."""
    lines = []
    for p in data["protocols"]:
        for c in p.get("conditions", []):
            if c["score"] is None:
                continue
            value = condition_value_text(c, "score")
            what = {
                "hold_s": f"you held the position {value}",
                "time_s": f"five stands took you {value}",
                "count": f"you stood up {value.replace(' stands', '')} times in 30 s",
            }[c["measure"]]
            if c.get("score_capped"):
                what += ", where the test stops"
            norm = c.get("norm") or {}
            compared = ""
            if norm.get("verdict") and norm.get("reference"):
                compared = (
                    f"; compared with published figures for your age ({norm['reference']}): "
                    f"{norm['verdict']}"
                )
            lines.append(f"{p['title']}, {c['condition']}: {what}{compared}.")
        for s in p.get("symmetry", []):
            si = s["symmetry_index_pct"]
            if si is None or abs(si) < 10:
                continue
            longer, shorter = ("right", "left") if si > 0 else ("left", "right")
            eyes = f"eyes {s['eyes']}"
            text = f"On one leg ({eyes}) you held longer on the {longer} leg than on the {shorter}"
            if s.get("capped"):
                text += " (one side reached the time limit, so the difference may be larger)"
            lines.append(text + ".")
    for s in data.get("trends", []):
        pts = s["points"]
        if len(pts) < 2 or pts[-1].get("visit") != data["visit"]["id"]:
            continue
        src = s["smallest_real_change"].get("value")
        beyond = pts[-1].get("beyond_src")
        verdict = (
            "more than the test's day-to-day variation: a real change"
            if beyond
            else "within the test's day-to-day variation"
            if beyond is False
            else "the time limit hides the true change, so whether it is real is not known"
            if src is not None
            else "no published figure says how large a real change is"
        )
        lines.append(
            f"Since your first visit ({pts[0]['date']}), {s.get('title', s['protocol'])}, "
            f"{s['condition']}: {trend_value_text(s, pts[0])} → {trend_value_text(s, pts[-1])}, "
            f"a change of {change_text(s, pts[-1])}; {verdict}."
        )
    if lines:
        lines.append("Your clinician will explain what these results mean for you.")
    return lines
