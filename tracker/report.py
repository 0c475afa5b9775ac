"""The visit report: HTML (always) and PDF (matplotlib).

Patient ID, date and protocols; each condition's result with the published norm and its
source; the left/right symmetry; thigh sway (no norm exists, said plainly); a
stabilogram per single-leg trial; each measure's trend across visits with the smallest
real change marked; every trial with its status and reasons; the references.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

from tracker import __version__
from tracker import report_text as text
from tracker.clinic.results import trends, visit_results
from tracker.clinic.scoring import DEFINITIONS_VERSION
from tracker.errors import RecordingError
from tracker.history import History, now_utc
from tracker.norms import NO_SRC, SOURCES

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


def default_report_path(history: History, visit: dict) -> Path:
    """Where a visit's report goes unless told: ``reports/`` beside the database."""
    name = f"report-{visit['patient_id']}-{visit['date']}-visit{visit['id']}.pdf"
    return history.path.parent / "reports" / name


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
            "from the start cue; a hold stopped by the time limit reads ≥ the limit."
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


def _protocol(data: dict, name: str) -> dict:
    return next((p for p in data["protocols"] if p["protocol"] == name), {})


def _fmt(x, nd=1, unit=""):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:.{nd}f}{unit}" if isinstance(x, float) else f"{x}{unit}"


def _ref(data, key) -> str:
    return f"[{data['references'].index(key) + 1}]" if key in data["references"] else ""


def result_rows(data: dict) -> list[dict]:
    """One row per condition: the numbers the tables show (shared by HTML and PDF)."""
    rows = []
    for p in data["protocols"]:
        for c in p.get("conditions", []):
            norm = c["norm"] or {}
            reference = norm.get("reference") or "no published norm"
            limit = c.get("limit_s")
            mean_capped = bool(c.get("capped_trials")) and c["measure"] == "hold_s"
            mean = text.value_text(c["mean"], c["measure"])
            rows.append(
                {
                    "protocol": p["title"],
                    "condition": c["condition"],
                    "trials": f"{c['trials_counted']}/{c['trials_wanted']}"
                    + (f" (+{c['practice']} practice)" if c["practice"] else ""),
                    "best": text.value_text(
                        c["best"], c["measure"], capped=c.get("best_capped"), limit_s=limit
                    ),
                    "mean": ("≥ " + mean) if mean_capped and c["mean"] is not None else mean,
                    "passed": {True: "held", False: "not held", None: ""}[c["passed"]],
                    "reference": reference + (" " + _ref(data, norm["source"]) if norm else ""),
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
            text.value_text(
                s["right"], "hold_s", capped=s.get("right_capped"), limit_s=p["max_s"]
            ),
            _fmt(s["symmetry_index_pct"], 1, " %")
            + (" (a side reached the limit: a lower bound of the difference)" if s.get("capped")
               else ""),
        )
        for p in data["protocols"]
        for s in p.get("symmetry", [])
    ]  # fmt: skip


def trend_rows(series: dict) -> list[tuple]:
    """(date, score, change since first, beyond the smallest real change) per visit."""
    unit = text.UNIT[series["measure"]]
    return [
        (
            p["date"],
            _fmt(p["score"], 1, f" {unit}"),
            _fmt(p.get("change_vs_first"), 1, f" {unit}"),
            {True: "yes", False: "no", None: "–"}[p.get("beyond_src")],
        )
        for p in series["points"]
    ]


def trial_rows(data: dict) -> list[tuple]:
    """(trial, test, condition, practice, status, value, ended by, reason) per trial."""
    return [
        (
            t["id"],
            _protocol(data, t["protocol"]).get("title", t["protocol"]),
            t["condition"],
            "yes" if t["practice"] else "",
            t["status"],
            text.trial_value_text(t, _protocol(data, t["protocol"])),
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


# -- HTML ---------------------------------------------------------------------------------


def _e(x) -> str:
    return html.escape(str(x))


def _table(headers, rows) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _svg_stabilogram(stab: dict, size: int = 180) -> str:
    xs, ys = stab["x_deg"], stab["y_deg"]
    if not xs:
        return ""
    r = max(1.0, max(max(map(abs, xs)), max(map(abs, ys)))) * 1.1
    c = size / 2
    pts = " ".join(f"{c + x / r * c:.1f},{c - y / r * c:.1f}" for x, y in zip(xs, ys, strict=True))
    return (
        f'<svg width="{size}" height="{size}" viewBox="0 0 {size} {size}" role="img">'
        f'<rect width="{size}" height="{size}" fill="white" stroke="#999"/>'
        f'<line x1="{c}" y1="0" x2="{c}" y2="{size}" stroke="#ddd"/>'
        f'<line x1="0" y1="{c}" x2="{size}" y2="{c}" stroke="#ddd"/>'
        f'<polyline points="{pts}" fill="none" stroke="#1f5fa8" stroke-width="0.8"/>'
        f'<text x="4" y="{size - 4}" font-size="10">±{r:.1f}°</text></svg>'
    )


def _svg_trend(series: dict, width: int = 360, height: int = 160) -> str:
    pts = series["points"]
    vals = [p["score"] for p in pts]
    src = series["smallest_real_change"].get("value")
    lo, hi = min(vals), max(vals)
    if src is not None:
        lo, hi = min(lo, vals[0] - src), max(hi, vals[0] + src)
    span = (hi - lo) or 1.0
    lo, hi = lo - 0.1 * span, hi + 0.1 * span
    n = len(pts)

    def xy(i, v):
        x = 40 + (width - 60) * (i / (n - 1) if n > 1 else 0.5)
        return x, height - 25 - (height - 40) * (v - lo) / (hi - lo)

    parts = [f'<svg width="{width}" height="{height}" role="img">']
    if src is not None:
        _, y1 = xy(0, vals[0] + src)
        _, y2 = xy(0, vals[0] - src)
        parts.append(
            f'<rect x="40" y="{y1:.1f}" width="{width - 60}" height="{y2 - y1:.1f}" '
            f'fill="#e8e8e8"/><text x="42" y="{y1 + 11:.1f}" font-size="9">first visit ± '
            f"smallest real change</text>"
        )
    line = " ".join("{:.1f},{:.1f}".format(*xy(i, v)) for i, v in enumerate(vals))
    parts.append(f'<polyline points="{line}" fill="none" stroke="#1f5fa8"/>')
    for i, p in enumerate(pts):
        x, y = xy(i, p["score"])
        colour = "#c0392b" if p.get("beyond_src") else "#1f5fa8"
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        parts.append(
            f'<text x="{x - 25:.1f}" y="{height - 8}" font-size="9">{_e(p["date"])}</text>'
        )
    parts.append(f'<text x="2" y="12" font-size="9">{lo:.1f}–{hi:.1f}</text></svg>')
    return "".join(parts)


CSS = """body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #bbb;padding:.25em .5em;
font-size:.9em;text-align:left}th{background:#f0f0f0}.note{color:#555;font-size:.9em}
.banner{background:#fde8c8;padding:.5em;border:1px solid #e0a040}.stabs{display:flex;flex-wrap:wrap;
gap:1em}.stabs figure{margin:0}figcaption{font-size:.8em}
.summary{background:#eef4fb;padding:.2em 1em}
.box{border:1px solid #999;height:8em;margin-bottom:1em}"""


def render_html(data: dict) -> str:
    """The report as one self-contained HTML page (figures as inline SVG)."""
    pt, visit = data["patient"], data["visit"]
    out = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Assessment "
        f"{_e(pt['id'])} {_e(visit['date'])}</title><style>{CSS}</style></head><body>"
    ]
    out.append("<h1>Balance assessment</h1>")
    if data["simulated"]:
        out.append("<p class='banner'>Simulated data, not measurements of a person.</p>")
    sex = f", {pt['sex']}" if pt.get("sex") else ""
    out.append(
        f"<p>Patient <b>{_e(pt['id'])}</b> (age {_e(pt['age_band'])}{_e(sex)}) · visit "
        f"{visit['id']} on <b>{_e(visit['date'])}</b> · "
        f"{_e(', '.join(p.get('title', p['protocol']) for p in data['protocols']))}</p>"
    )
    out.append(
        "<p>" + "<br>".join(f"<b>{_e(k)}:</b> {_e(v)}" for k, v in visit_facts(data)) + "</p>"
    )
    out.append(
        f"<p class='note'>tracker {_e(data['tracker_version'])}, definitions version "
        f"{data['definitions_version']}, generated {_e(data['generated_utc'])}.</p>"
    )
    if data["patient_summary"]:
        out.append("<h2>Summary for the patient</h2><div class='summary'>")
        out += [f"<p>{_e(line)}</p>" for line in data["patient_summary"]]
        out.append("</div>")
    out.append("<h2>Results</h2>")
    headers = ("Test", "Condition", "Trials", "Best", "Mean", "Stage", "Norm", "Compared")
    rows = [tuple(r.values()) for r in result_rows(data)]
    out.append(_table(headers, rows) if rows else "<p>No trials.</p>")
    out.append(f"<p class='note'>{_e(definitions_text(data))}</p>")
    sym = symmetry_rows(data)
    if sym:
        out.append("<h3>Left/right symmetry</h3>")
        out.append(_table(("Test", "Eyes", "Left", "Right", "Symmetry index"), sym))
        out.append(f"<p class='note'>{_e(SYMMETRY_NOTE)}</p>")
    sway = _sway_rows(data)
    if sway:
        out.append("<h3>Thigh sway of the best trial</h3>")
        out.append(_table(("Condition", *(h for _, h in SWAY_COLUMNS)), sway))
        out.append(f"<p class='note'>{_e(SWAY_NOTE)}</p>")
    out.append("<h2>How the tests were done</h2>")
    for p in data["setup"]:
        out.append(f"<h3>{_e(p['title'])}</h3><p>{_e(p['setup'])}</p><ul>")
        out += [
            f"<li><b>{_e(name)}</b>: {_e(said)} Sensor: {_e(side)}.</li>"
            for name, said, side in p["conditions"]
        ]
        out.append(f"</ul><p class='note'>Protocol after {_e(p['source'])}.</p>")
    stabs = [t for t in data["trials"] if (t["result"] or {}).get("stabilogram")]
    if stabs:
        out.append("<h2>Stabilograms (thigh tilt about its mean, degrees)</h2><div class='stabs'>")
        for t in stabs:
            r = t["result"]
            value = text.trial_value_text(t, _protocol(data, t["protocol"]))
            label = f"trial {t['id']}: {t['condition']}, {value}, {t['status']}"
            label += " (practice)" if t["practice"] else ""
            out.append(
                f"<figure>{_svg_stabilogram(r['stabilogram'])}<figcaption>"
                f"{_e(label)}</figcaption></figure>"
            )
        out.append("</div>")
    out.append("<h2>Trends across visits</h2>")
    multi = [s for s in data["trends"] if len(s["points"]) > 1]
    if not multi:
        out.append("<p>One visit so far: no trend yet.</p>")
    for s in multi:
        src = s["smallest_real_change"]
        note = (
            f"smallest real change {src['value']:g} {src['unit']} {_ref(data, src['source'])}"
            if src.get("value") is not None
            else src.get("note", "")
        )
        out.append(
            f"<h3>{_e(s.get('title', s['protocol']))}: {_e(s['condition'])}</h3>{_svg_trend(s)}"
        )
        headers = ("Date", "Score", "Change since first", "Beyond real change")
        out.append(_table(headers, trend_rows(s)))
        out.append(f"<p class='note'>{_e(note)}</p>")
    out.append("<h2>All trials</h2>")
    out.append(
        _table(
            ("Trial", "Test", "Condition", "Practice", "Status", "Value", "Ended by", "Reason"),
            trial_rows(data),
        )
    )
    out.append(
        "<h2>Clinician's comments</h2><div class='box'></div>"
        "<p>Signature: ______________________________ &nbsp; Date: ______________</p>"
    )
    out.append("<h2>References</h2><ol>")
    for key in data["references"]:
        s = SOURCES[key]
        out.append(
            f"<li>{_e(s.text)}. <span class='note'>({_e(s.quality)} figures: "
            f"{_e(s.note)})</span></li>"
        )
    out.append("</ol>")
    if sway:
        out.append(f"<p class='note'>{_e(NO_SRC['sway'])}.</p>")
    out.append("</body></html>")
    return "\n".join(out)


def _sway_rows(data: dict) -> list[tuple]:
    return [
        (c["condition"], *(_fmt((c["sway_best"] or {}).get(k), 2) for k, _ in SWAY_COLUMNS))
        for p in data["protocols"]
        for c in p.get("conditions", [])
        if c["sway_best"]
    ]


def render_pdf(data: dict, path) -> list[dict]:
    """Write the report as a PDF (``tracker.report_pdf``); where each plot went."""
    from tracker.report_pdf import render_pdf as render

    return render(data, path)


def write_report(
    history: History, visit_id: int, path, *, html_only: bool = False, protocols=None
) -> list[Path]:
    """Write the report of ``visit_id``: ``path`` (.pdf, or .html) and the HTML beside it.

    Returns the files written. The files are readable by the user only (0600).
    """
    import os

    data = report_data(history, visit_id, protocols)
    path = Path(path)
    html_path = path if path.suffix.lower() in (".html", ".htm") else path.with_suffix(".html")
    written = []
    try:
        fd = os.open(html_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(render_html(data))
    except OSError as exc:
        raise RecordingError(
            f"cannot write the report ({exc.strerror or exc})", path=str(html_path)
        ) from None
    written.append(html_path)
    if not html_only and html_path != path:
        render_pdf(data, path)
        os.chmod(path, 0o600)
        written.insert(0, path)
    return written


def pdf_available() -> bool:
    """Whether matplotlib (a dependency of tracker) can be found."""
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None
