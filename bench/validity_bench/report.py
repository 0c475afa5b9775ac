"""The benchmark's result: per case, per kind and overall, as a dict (JSON) and as markdown."""

from __future__ import annotations

import math

from validity_bench.aggregate import spread, summarize
from validity_bench.folder import Case
from validity_bench.score import score_case

METHODS = ("tracker", "baseline")
BOUT_ROWS = (
    "balance bouts found / true, extra",
    "bout start error s: median, p95",
    "bout end error s: median, p95",
    "sway RMS error, fraction: median, p95",
)


def evaluate(
    cases: list[Case], detections: list[dict], meta: dict, with_found: bool = False
) -> dict:
    """Scores of every case and the figures of each kind and of all cases; ``with_found``
    keeps what each method found in every case (``found``) as well."""
    rows = []
    for case, found in zip(cases, detections, strict=True):
        row = {"name": case.name, "kind": case.kind, "exercise": case.exercise}
        row["truth_count"] = case.rep_count
        for method in METHODS:
            row[method] = score_case(case.truth, case.rep_count, case.exercise, found[method])
        if with_found:
            row["found"] = found
        rows.append(row)

    def figures(members: list[dict]) -> dict:
        out = {}
        for method in METHODS:
            scores = [r[method] for r in members]
            out[method] = None if None in scores else summarize(scores)
        return out

    kinds = {kind: figures([r for r in rows if r["kind"] == kind]) for kind in _kinds(rows)}
    return {**meta, "kinds": kinds, "overall": figures(rows), "cases": rows}


def finite(value):
    """JSON has no NaN: an undefined figure becomes null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def _kinds(rows: list[dict]) -> list[str]:
    return list(dict.fromkeys(r["kind"] for r in rows))


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100.0 * part / whole:.0f} %)" if whole else "-"


def _num(x, fmt=".2f") -> str:
    return "-" if x is None else format(x, fmt)


def _spread(s: dict | None, unit_fmt: str = ".2f", with_max: bool = False) -> str:
    if s is None:
        return "-"
    parts = [_num(s["median"], unit_fmt), _num(s["p95"], unit_fmt)]
    if with_max:
        parts.append(_num(s["max"], unit_fmt))
    return f"{', '.join(parts)} (bias {s['bias']:+{unit_fmt}}, n {s['n']})"


def _rows(f: dict) -> dict[str, str | None]:
    """One method's cells, by row label; None for a row with nothing to show."""
    t = f["timing_error_s"]
    walk, bal, sts = f["walk"], f["balance"], f["five_times"]
    cells = {
        "exact count": _pct(f["exact"], f["cases"]),
        "count error: mean abs, mean signed": (
            f"{f['count_abs_error_mean']:.2f}, {f['count_error_mean']:+.2f}"
        ),
        "reps matched / true, extra": (f"{f['matched_reps']}/{f['truth_reps']}, {f['extra_reps']}"),
        "depth error °: median, p95, max": _spread(f["depth_error_deg"], ".1f", True)
        if f["depth_error_deg"]
        else None,
    }
    for edge in ("start", "bottom", "end"):
        cells[f"{edge} error s: median, p95"] = _spread(t[edge]) if t[edge] else None
    if walk:
        cells["walks: reps inside (cases with any)"] = (
            f"{walk['reps']} ({walk['cases_with_reps']}/{walk['cases']})"
        )
        cells["walks: balance bouts inside (cases with any)"] = (
            "n/a"
            if walk["bouts"] is None
            else f"{walk['bouts']} ({walk['cases_with_bouts']}/{walk['cases']})"
        )
    if bal == "n/a":
        for label in BOUT_ROWS:
            cells[label] = "n/a"
    elif bal:
        cells[BOUT_ROWS[0]] = f"{bal['found']}/{bal['truth']}, {bal['extra']}"
        cells[BOUT_ROWS[1]] = _spread(bal["start_error_s"])
        cells[BOUT_ROWS[2]] = _spread(bal["end_error_s"])
        cells[BOUT_ROWS[3]] = _spread(bal["sway_rel_error"])
    if sts:
        cells["5xSTS time error s: median, p95, max"] = (
            f"{_spread(sts['error_s'], with_max=True)}, untimed {sts['untimed']}/{sts['cases']}"
        )
    if f["crashed"]:
        cells["cases on which it raised"] = str(f["crashed"])
    if f["no_reference"]:
        cells["cases without a standing reference"] = str(f["no_reference"])
    return cells


def _table(figures: dict) -> list[str]:
    cells = {m: _rows(figures[m]) if figures[m] else {} for m in METHODS}
    labels = list(dict.fromkeys([*cells["tracker"], *cells["baseline"]]))
    lines = ["| | tracker | baseline |", "|---|---|---|"]
    for label in labels:
        got = [cells[m].get(label) for m in METHODS]
        if all(g in (None, "-", "n/a") for g in got):
            continue
        if figures["baseline"] is None:
            got[1] = "n/a"
        lines.append(f"| {label} | {got[0] or '-'} | {got[1] or '-'} |")
    return lines


def _summary_line(kind: str, figures: dict) -> str:
    t, b = figures["tracker"], figures["baseline"]
    exact_b = _pct(b["exact"], b["cases"]) if b else "n/a"
    err_b = _num(b["count_abs_error_mean"]) if b else "n/a"
    return (
        f"| {kind} | {t['cases']} | {t['truth_reps']} | {_pct(t['exact'], t['cases'])} | "
        f"{exact_b} | {_num(t['count_abs_error_mean'])} | {err_b} |"
    )


def markdown(result: dict, verbose: bool = False) -> str:
    """The readable report: a summary by kind, then a table per kind, tracker vs baseline."""
    lines = [
        f"# Validity benchmark: {result['folder']}",
        "",
        f"tracker {result['tracker']} against the plain baseline ({result['baseline']}); "
        f"{len(result['cases'])} cases. Definitions: docs/validity.md.",
        "",
        "| kind | cases | true reps | exact, tracker | exact, baseline "
        "| mean abs count error, tracker | same, baseline |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [_summary_line(kind, f) for kind, f in result["kinds"].items()]
    lines.append(_summary_line("**all**", result["overall"]))
    for kind, figures in [*result["kinds"].items(), ("all cases", result["overall"])]:
        t = figures["tracker"]
        lines += ["", f"## {kind}: {_n(t['cases'], 'case')}, {_n(t['truth_reps'], 'true rep')}", ""]
        lines += _table(figures)
    if verbose:
        lines += ["", "## Cases", "", *_case_lines(result["cases"])]
    return "\n".join(lines) + "\n"


def _case_cell(s: dict | None) -> str:
    if s is None:
        return "n/a"
    text = f"{s['count']} ({s['matched']} matched, {s['extra']} extra)"
    depth, bottom = spread(s["depth_error_deg"]), spread(s["timing_error_s"]["bottom"])
    if depth:
        text += f"; depth {depth['median']:.1f}°"
    if bottom:
        text += f"; bottom {bottom['median']:.2f} s"
    if s.get("walk") and s["walk"]["bouts"]:
        text += f"; {s['walk']['bouts']} bouts in walk"
    if s.get("error"):
        text += f"; raised {s['error']}"
    elif s.get("notes"):
        text += "; " + "; ".join(s["notes"])
    return text


def _case_lines(rows: list[dict]) -> list[str]:
    lines = [
        "Errors are medians of absolute values over the case's matched reps.",
        "",
        "| case | kind | truth | tracker | baseline |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['kind']} | {r['truth_count']} | {_case_cell(r['tracker'])} "
            f"| {_case_cell(r['baseline'])} |"
        )
    return lines
