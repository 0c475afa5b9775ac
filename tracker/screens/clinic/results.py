"""The visit's results as the screen shows them: one table per protocol, norms with sources.

Built from ``visit_results`` (``tracker.clinic.results``), the same data `tracker assess
results VISIT --json` prints, so the screen and the command line agree by construction.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tracker.clinic.norms import SOURCES
from tracker.clinic.report_text import condition_value_text, symmetry_text
from tracker.clinic.view import AssessView
from tracker.screens.clinic.widgets import SWAY_NOTE, FitTable, num, short_citation
from tracker.screens.text import Hanging
from tracker.screens.workout.widgets import BAD, WARN

COLUMNS = ("condition", "trials", "best", "mean", "score", "sway RMS°")  # sway: stances only


def condition_row(c: dict) -> tuple:
    """One condition's cells: counted trials (+ practice), best, mean, score, thigh sway."""
    counted = f"{c['trials_counted']}/{c['trials_wanted']}"
    if c["practice"]:
        counted += f" +{c['practice']}p"
    sway = (c.get("sway_best") or {}).get("sway_rms_deg")
    score = f"{c['score_rule']}: {condition_value_text(c, 'score')}"
    condition = Text(c["condition"])  # from a protocol file: never read as markup
    best, mean = condition_value_text(c, "best"), condition_value_text(c, "mean")
    return (condition, counted, best, mean, score, num(sway, 2))


def norm_line(c: dict, refs: list[str]) -> Text:
    """``eyes open, left: 17.6 s vs 70-79: mean 21 s → below the mean… [1]`` or no norm."""
    out = Text(f"{c['condition']}: ", style="bold")
    out.append(condition_value_text(c, "score"))
    if c["passed"] is not None:
        out.append(" held" if c["passed"] else " not held", style="bold")
    norm = c["norm"]
    if norm is None:
        return out.append(" · no norm exists for this condition", style="grey50")
    if norm.get("reference") is None:  # the verdict says so, with the age band
        out.append(f" · {norm.get('verdict') or 'no reference for this age'}")
    else:
        out.append(f" vs {norm['reference']}")
        if norm.get("verdict"):
            out.append(f" → {norm['verdict']}", style="bold")
    return out.append(f" [{refs.index(norm['source']) + 1}]")


def references(results: dict) -> list[str]:
    """The norm sources cited, in order of first use."""
    refs: list[str] = []
    for p in results["protocols"]:
        for c in p.get("conditions", []):
            if c["norm"] and c["norm"]["source"] not in refs:
                refs.append(c["norm"]["source"])
    return refs


def _notes(p: dict, refs: list[str]) -> Text:
    out = Text()
    for c in p["conditions"]:
        out.append_text(norm_line(c, refs)).append("\n")
    for s in p["symmetry"]:
        out.append(f"Symmetry, eyes {s['eyes']}: ", style="bold")
        out.append(symmetry_text(s))
        out.append(" · Robinson 1987: 100·(R−L)/mean of R and L; + means the right held longer\n")
    for c in p["conditions"]:
        for d in c["discarded"]:
            out.append(f"Trial {d['trial']} ({c['condition']}) discarded: {d['reason']}\n", WARN)
        for d in c["incomplete"]:
            out.append(f"Trial {d['trial']} ({c['condition']}) incomplete: {d['reason']}\n", BAD)
    if p["test"] == "stance":
        out.append(SWAY_NOTE.capitalize() + ".\n", style="grey50")
    src = p.get("smallest_real_change") or {}
    if src.get("value"):
        what = f"{src['value']:g} {src['unit']} ({short_citation(src['source'])})"
        out.append(f"Smallest real change across visits: {what}\n", style="grey50")
    return out


def results_widgets(view: AssessView, report_path: str):
    """The widgets of the results screen, top to bottom."""
    results = view.results
    head = Text("Results", style="bold underline")
    if view.simulated:
        head.append("  SIMULATED DATA", style="bold black on yellow")
    if results is None:
        yield Static(head.append("\nNo visit yet."))
        return
    pt, v = results["patient"], results["visit"]
    head.append(f"\nPatient {pt['id']}, age {pt['age_band']}")
    head.append(f" ({pt['sex']})" if pt.get("sex") else "")
    head.append(f" · visit {v['id']} on {v['date']}")
    yield Static(head, id="results-head")
    refs = references(results)
    for p in results["protocols"]:
        if p.get("missing"):
            yield Static(Text(f"{p['protocol']}: protocol file not found", style="yellow"))
            continue
        yield Static(Text(p["title"], style="bold"), classes="protocol-title")
        table = FitTable(id=f"results-{p['protocol']}", cursor_type="none", classes="results")
        stance = p["test"] == "stance"
        columns = COLUMNS if stance else COLUMNS[:-1]
        rows = [condition_row(c)[: len(columns)] for c in p["conditions"]]
        keys = [c["condition"] for c in p["conditions"]]
        # A long condition name wraps, and so does a value that reads "≥ 10 s (limit)".
        table.fill(columns, rows, wrap=(0, 2, 3, 4), keys=keys)
        yield table
        yield Static(Hanging(_notes(p, refs), hang=2), classes="notes")
    if not results["protocols"]:
        yield Static(Text("No trials in this visit yet.", style="grey50"))
    out = Text()
    for i, key in enumerate(refs):
        source = SOURCES[key]
        out.append(f"[{i + 1}] {source.text} ({source.quality})\n", style="grey50")
    out.append(f"\nReport (PDF and HTML): r writes {report_path}", style="bold")
    yield Static(Hanging(out, lead=r"\[\d+\] "), id="report-line")  # under the source
