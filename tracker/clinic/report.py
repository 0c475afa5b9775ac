"""The visit report: HTML (always) and PDF (matplotlib).

Patient ID, date and protocols; each condition's result with the published norm and its
source; the left/right symmetry; thigh sway (no norm exists, said plainly); a
stabilogram per single-leg trial; each measure's trend across visits with the smallest
real change marked; every trial with its status and reasons; the references.
"""

from __future__ import annotations

import html
from pathlib import Path

from tracker.clinic import report_text as text
from tracker.clinic.norms import NO_SRC, SOURCES
from tracker.clinic.report_content import (
    SWAY_COLUMNS,
    SWAY_NOTE,
    SYMMETRY_NOTE,
    cite,
    definitions_text,
    protocol_entry,
    report_data,
    result_rows,
    sway_rows,
    symmetry_rows,
    trend_rows,
    trial_rows,
    visit_facts,
)
from tracker.core.errors import RecordingError
from tracker.files.history import History


def default_report_path(history: History, visit: dict) -> Path:
    """Where a visit's report goes unless told: ``reports/`` beside the database."""
    name = f"report-{visit['patient_id']}-{visit['date']}-visit{visit['id']}.pdf"
    return history.path.parent / "reports" / name


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
    sway = sway_rows(data)
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
            value = text.trial_value_text(t, protocol_entry(data, t["protocol"]))
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
            f"smallest real change {src['value']:g} {src['unit']} {cite(data, src['source'])}"
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


def render_pdf(data: dict, path) -> list[dict]:
    """Write the report as a PDF (``tracker.clinic.report_pdf``); where each plot went."""
    from tracker.clinic.report_pdf import render_pdf as render

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
