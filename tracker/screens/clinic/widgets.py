"""The assessment screens' widgets and the words they use: each draws part of an ``AssessView``."""

from __future__ import annotations

import math
import re

import numpy as np
from rich.text import Text
from textual.widgets import DataTable

from tracker.clinic.norms import SOURCES, compare
from tracker.clinic.report_content import protocol_entry
from tracker.clinic.report_text import condition_value_text, trial_value_text
from tracker.clinic.view import AssessView
from tracker.screens import plot
from tracker.screens.workout.widgets import (
    BAD,
    DIM,
    GOOD,
    WARN,
    Line,
    _Canvas,
    axis_labels,
    link_text,
    stabilogram_layers,
)

ENDED = {
    "foot_down": "foot down",
    "step": "a step",
    "time_limit": "time limit",
    "lowered": "foot put down",
    "clinician": "ended by the clinician",
    "not_lifted": "no lift-off found",
    "window": "30 s window",
    "recording_ended": "data stopped early",
    "no rise": "no rise",
    "data_missing": "data missing",
}
SWAY_NOTE = "thigh sway: degrees of tilt, no norm exists (compare with earlier visits)"


def num(x, nd: int = 1) -> str:
    """A number for a person, ``–`` when there is none."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:.{nd}f}"


def ended_text(result: dict | None) -> str:
    if not result:
        return "–"
    how = result.get("ended_by") or ""
    text = ENDED.get(how, how.replace("_", " "))
    if how == "clinician" and result.get("clinician_reason"):
        text = f"clinician: {result['clinician_reason']}"
    return text


def status_text(trial: dict) -> tuple[str, str]:
    """(words, style) of a trial's status: counted, practice, discarded or incomplete."""
    status = trial["status"]
    if status == "discarded":
        return f"discarded: {trial.get('discard_reason') or ''}", WARN
    if status in ("incomplete", "recording"):
        reason = trial.get("incomplete_reason") or "under way"
        return (f"incomplete: {reason}", BAD) if status == "incomplete" else (reason, DIM)
    if trial["practice"]:
        return "not counted", DIM
    return "counted", GOOD


def short_citation(key: str) -> str:
    """``Springer et al. 2007``, ``Rikli & Jones 1999`` from a source's reference text."""
    text = SOURCES[key].text
    year = re.search(r"\b(?:19|20)\d\d\b", text)
    authors = text.split(". ")[0].split(", ")
    if year is None:
        return authors[0]
    first = authors[0].split()[0]
    if len(authors) == 2:
        return f"{first} & {authors[1].split()[0]} {year.group()}"
    return f"{first}{' et al.' if len(authors) > 2 else ''} {year.group()}"


def norm_text(norm: dict | None, width: int | None = None) -> Text:
    """The published reference, the verdict and its source, or the plain absence of one;
    within ``width`` cells when given (the source's quality, then the source, dropped)."""
    if not norm:
        return Text("No published norm for this condition.", style=DIM)
    quality = SOURCES[norm["source"]].quality
    citation = short_citation(norm["source"])
    for head in (f"({citation}, {quality}): ", f"({citation}): ", ""):
        out = Text("Norm ", style=DIM)
        out.append(head, style=DIM)
        out.append(norm.get("reference") or "none for this age")
        if norm.get("verdict"):
            out.append(f" → {norm['verdict']}", style="bold")
        if width is None or out.cell_len <= width:
            break
    return out


def condition_summary(view: AssessView) -> dict | None:
    """This condition's results in ``view.results`` (``visit_results``), if any."""
    state, results = view.state, view.results
    if state is None or results is None:
        return None
    for p in results["protocols"]:
        if p["protocol"] == state.protocol:
            for c in p.get("conditions", []):
                if c["condition"] == state.condition:
                    return c
    return None


class AssessTopBar(Line):
    """Simulated badge, the sensor link, the patient and the visit."""

    def show(self, view: AssessView) -> None:
        out = Text()
        if view.simulated:
            out.append(" SIMULATED ", style="bold black on yellow").append(" ")
        out.append_text(link_text(view.link, None) if view.link.state else Text("no sensor yet"))
        if view.patient is not None:
            p = view.patient
            out.append(" · ", style=DIM).append(p["id"], style="bold")
            out.append(f" {p['age_band']}" + (f" {p['sex']}" if p.get("sex") else ""))
        if view.visit is not None:
            out.append(f" · visit {view.visit['id']}", style=DIM)
        self.set(out)


class HeadPanel(Line):
    """The protocol, the condition, the trial; the instructions; where the sensor goes."""

    def show(self, view: AssessView, protocol) -> None:
        s = view.state
        if s is None:
            self.set("")
            return
        names = [c.name for c in protocol.conditions]
        out = Text.assemble((s.title, "bold"), " · ")
        if s.condition is None:
            out.append("all conditions done", style=GOOD)
            self.set(out)
            return
        out.append(s.condition, style="bold")
        out.append(f" ({names.index(s.condition) + 1}/{len(names)})", style=DIM)
        if s.practice and s.phase not in ("ready", "done"):
            out.append(" · practice (not counted)", style=f"bold {WARN}")
        elif s.counted >= s.wanted:
            out.append(f" · {s.counted}/{s.wanted} counted", style=GOOD)
        elif s.phase in ("ready", "result"):
            out.append(f" · {s.counted}/{s.wanted} counted")
        else:
            out.append(f" · trial {s.counted + 1} of {s.wanted}")
        condition = protocol.condition(s.condition)
        out.append("\n").append(s.instructions or protocol.description.split("\n")[0])
        out.append("\n").append(sensor_text(protocol, condition), style=DIM)
        self.set(out)


def sensor_text(protocol, condition) -> str:
    """Where the sensor goes, and the trial's limit."""
    if protocol.test == "stance" and condition.leg in ("left", "right"):
        where = f"Sensor on the {condition.leg.upper()} thigh (the stance leg)"
    elif protocol.test == "stance":
        where = "Sensor on the thigh of the leg stood on"
    else:
        where = "Sensor on either thigh"
    if protocol.test == "stance":
        start = "from lift-off" if condition.start == "lift_off" else "from the start cue"
        return f"{where} · timed {start} · limit {protocol.max_s:g} s"
    if protocol.test == "five_times_sts":
        return f"{where} · {protocol.stands} stands, timed from the first rise"
    return f"{where} · stands in {protocol.window_s:g} s from the start cue"


def big_value(view: AssessView, protocol=None) -> tuple[str, str]:
    """The big number and the words under it."""
    s = view.state
    if s is None:
        return "--", ""
    if view.waiting:
        return "--", view.waiting
    chair = protocol is not None and protocol.test != "stance"
    if s.phase == "countdown":
        still = "sit still" if chair else "stand still"
        return str(math.ceil(s.countdown_s or 0.0)), f"get ready: {still}"
    if s.phase == "hold_still":
        return "--", s.message or "keep still"
    if s.phase in ("running", "stopping"):
        if s.live_value is None:
            return "0.0", s.live_label
        if s.live_label != "stands":
            return f"{s.live_value:.1f}", f"s {s.live_label}"
        if protocol is not None and protocol.test == "chair_stand_30s":
            left = max(protocol.window_s - (s.elapsed_s or 0.0), 0.0)
            return f"{s.live_value:.0f}", f"stands · {left:.0f} s left"
        return f"{s.live_value:.0f}", f"stands · {s.elapsed_s or 0.0:.1f} s since GO"
    r = s.last_result
    if s.phase == "result" and r is not None:
        nd = 0 if r["measure"] == "count" else 2
        text = "--" if r["value"] is None else f"{r['value']:.{nd}f}"
        unit = "stands" if r["measure"] == "count" else "s"
        return text, f"{unit} · {ended_text(r)}"
    if s.phase == "done":
        return "--", "all conditions done: v for the results"
    return "--", "ready"


def cue_text(view: AssessView) -> Text:
    """The cue line: GO and STOP as they sound, problems, or what to press."""
    s = view.state
    if view.problem:
        return Text(view.problem, style=f"bold {BAD}")
    if view.link.lost:
        return Text("Sensor lost: a trial under way is kept as incomplete", style=f"bold {BAD}")
    if view.flash is not None:
        if view.flash.kind == "start":
            return Text(" GO ", style="bold black on green")
        return Text(" STOP ", style="bold white on red").append(
            f"  {s.message}" if s and s.message else "", style="bold"
        )
    if s is None:
        return Text("")
    if view.waiting:
        return Text(view.waiting, style=WARN)
    if s.message:
        style = BAD if "incomplete" in s.message else WARN if "discarded" in s.message else ""
        return Text(s.message, style=f"bold {style}".strip())
    if s.phase == "ready":
        return Text("s start the trial · p a practice trial (does not count)", style=DIM)
    if s.phase == "result":
        return Text("s next trial · r redo · d discard · n next condition", style=DIM)
    return Text("")


class CuePanel(Line):
    def show(self, view: AssessView) -> None:
        self.set(cue_text(view))


class SummaryPanel(Line):
    """The condition's best, mean, sway and the norm comparison with its source."""

    def show(self, view: AssessView, protocol=None) -> None:
        c = condition_summary(view)
        if c is None:
            self.set(
                Text.assemble(
                    ("No counted trial yet.", DIM), "\n", self._norm(view, protocol, self._width())
                )
            )
            return
        out = Text.assemble(
            ("best ", DIM),
            (condition_value_text(c, "best"), "bold"),
            (" · mean ", DIM),
            condition_value_text(c, "mean"),
            (f" · {c['trials_counted']}/{c['trials_wanted']} counted", DIM),
        )
        sway = (c.get("sway_best") or {}).get("sway_rms_deg")
        if sway is not None:
            out.append(" · thigh sway ", style=DIM).append(f"{sway:.2f}° RMS")
            out.append(" (no norm)", style=DIM)
        self.set(Text.assemble(out, "\n", norm_text(c["norm"], self._width())))

    def _width(self) -> int:
        return self.size.width - 2 if self.size.width else 78

    @staticmethod
    def _norm(view: AssessView, protocol, width: int) -> Text:
        """The condition's published reference before any trial counts."""
        s = view.state
        if protocol is None or s is None or s.condition is None or view.patient is None:
            return Text("")
        key = protocol.norm_of(protocol.condition(s.condition))
        if key is None:
            return norm_text(None)
        p = view.patient
        return norm_text(compare(key, None, age_band=p["age_band"], sex=p.get("sex")), width)


class TrialTable(DataTable):
    """This condition's trials: value, how each ended, sway, counted or why not."""

    def on_mount(self) -> None:
        self.cursor_type = "none"
        self.add_columns("#", "trial", "value", "how it ended", "sway RMS°", "status")
        self._shown = None

    def show(self, view: AssessView) -> None:
        s = view.state
        if s is None or view.results is None:
            return
        trials = [
            t
            for t in view.results["trials"]
            if t["protocol"] == s.protocol and t["condition"] == s.condition
        ]
        key = (view.results_version, s.condition)
        if key == self._shown:
            return
        self._shown = key
        self.clear()
        protocol = protocol_entry(view.results, s.protocol)
        n = 0
        for t in trials:
            r = t["result"] or {}
            counted = not t["practice"]
            n += counted
            words, style = status_text(t)
            sway = (r.get("sway") or {}).get("sway_rms_deg")
            self.add_row(
                str(t["id"]),
                "practice" if t["practice"] else str(n),
                trial_value_text(t, protocol, nd=2) if r else "–",
                ended_text(r) if r else "–",
                num(sway, 2),
                Text(words, style=style),
            )
        if trials:
            self.scroll_end(animate=False)


class StancePlot(_Canvas):
    """The stabilogram (thigh tilt about its mean) or the thigh's inclination over 20 s."""

    def draw(self, w: int, h: int):
        view = self.view
        if len(view.sway_deg) or view.sway_live:
            return self._stabilogram(w, h)
        return self._trace(w, h)

    def _stabilogram(self, w: int, h: int):
        xy = self.view.sway_deg
        what = "live" if self.view.sway_live else "last trial"
        caption = Text.assemble(("stabilogram ", "bold"), (f"({what}): thigh tilt, °", DIM))
        drawn = stabilogram_layers(xy, w, h)
        if drawn is None:
            return caption.append("  from lift-off", style=DIM), []
        centred, half, layers = drawn
        rms = float(np.sqrt(np.mean(np.sum(centred**2, axis=1))))
        caption.append(f"  RMS {rms:.2f}°  ±{half:g}°", style=DIM)
        return caption, layers

    def labels(self, rows: int) -> list[str]:
        if len(self.view.sway_deg) or self.view.sway_live:
            return []  # the stabilogram says its scale in its caption
        return axis_labels(getattr(self, "_y_range", (-2.0, 20.0)), rows)

    def _trace(self, w: int, h: int):
        view = self.view
        t, y = view.trace_t_s, view.trace_deg
        finite = y[np.isfinite(y)]
        now = f"{finite[-1]:5.1f}°" if len(finite) else "  --°"
        caption = Text.assemble(("thigh inclination ", DIM), (now, "bold"))
        if not len(finite):
            return caption.append("  (from the start of a trial)", style=DIM), []
        top = max(20.0, float(finite.max()) * 1.05)
        t1 = float(t[-1])
        span = ((t1 - 20.0, t1), (-2.0, top))
        self._y_range = span[1]
        caption.append("  · last 20 s", style=DIM)
        layers = [
            (plot.trace_grid(t, y, w, h, *span), "bold cyan"),
            (plot.hline_grid(0.0, w, h, span[1], dashed=False), DIM),
        ]
        return caption, layers
