"""The assessment screens' widgets and the words they use: each draws part of an ``AssessView``."""

from __future__ import annotations

import math
import re

import numpy as np
from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

from tracker.clinic.norms import SOURCES, compare
from tracker.clinic.report_content import protocol_entry
from tracker.clinic.report_text import condition_value_text, trial_value_text
from tracker.clinic.view import AssessView
from tracker.screens import plot
from tracker.screens.text import fitting
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
# The verdicts in fewer words, for a norm line that would not fit with the whole ones.
SHORT_VERDICT = {
    "at or above the mean of healthy adults": "at or above the mean",
    "below the mean of healthy adults": "below the mean",
    "depends on sex (not recorded)": "sex not recorded",
    "within the normal range": "within the range",
    "below the normal range": "below the range",
    "above the normal range": "above the range",
}


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
    within ``width`` cells when given: the source's quality, the source, the verdict's
    last words, then the word "Norm" are given up in turn."""
    if not norm:
        return Text("No published norm for this condition.", style=DIM)
    citation = short_citation(norm["source"])
    verdict = norm.get("verdict") or ""
    reference = norm.get("reference")

    def line(label: bool, source: str, verdict: str) -> Text:
        out = Text("Norm " if label else "", style=DIM).append(source, style=DIM)
        if reference is None:  # the verdict says so, with the age band
            return out.append(verdict or "none for this age")
        out.append(reference)
        return out.append(f" → {verdict}", style="bold") if verdict else out

    short = SHORT_VERDICT.get(verdict, verdict)
    return fitting(
        width,
        line(True, f"({citation}, {SOURCES[norm['source']].quality}): ", verdict),
        line(True, f"({citation}): ", verdict),
        line(True, "", verdict),
        line(True, "", short),
        line(False, "", short),
    )


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
    """Simulated badge, the sensor link, the patient and the visit (the link's figures
    left out when all would not fit)."""

    def show(self, view: AssessView) -> None:
        badge = Text()
        if view.simulated:
            badge.append(" SIMULATED ", style="bold black on yellow").append(" ")
        who = Text()
        if view.patient is not None:
            p = view.patient
            who.append(" · ", style=DIM).append(p["id"], style="bold")
            who.append(f" {p['age_band']}" + (f" {p['sex']}" if p.get("sex") else ""))
        if view.visit is not None:
            who.append(f" · visit {view.visit['id']}", style=DIM)

        def line(brief: bool) -> Text:
            if not view.link.state:
                return Text.assemble(badge, "no sensor yet", who)
            return Text.assemble(badge, link_text(view.link, None, brief=brief), who)

        self.set(fitting(self.room(80), line(False), line(True)))


class HeadPanel(Line):
    """The protocol, the condition, the trial; the instructions; where the sensor goes."""

    def show(self, view: AssessView, protocol) -> None:
        s = view.state
        if s is None:
            self.set("")
            return
        width = self.room()
        if s.condition is None:
            self.set(Text.assemble((s.title, "bold"), " · ", ("all conditions done", GOOD)))
            return
        names = [c.name for c in protocol.conditions]
        where = Text.assemble(
            (s.condition, "bold"), (f" ({names.index(s.condition) + 1}/{len(names)})", DIM)
        )
        if s.practice and s.phase not in ("ready", "done"):
            style = f"bold {WARN}"
            status = [Text(" · practice (not counted)", style), Text(" · practice", style)]
        elif s.counted >= s.wanted:
            status = [Text(f" · {s.counted}/{s.wanted} counted", style=GOOD)]
        elif s.phase in ("ready", "result"):
            status = [Text(f" · {s.counted}/{s.wanted} counted")]
        else:
            status = [Text(f" · trial {s.counted + 1} of {s.wanted}")]
        head = fitting(
            width,
            *(Text.assemble((s.title, "bold"), " · ", where, t) for t in status),
            Text.assemble(where, status[-1]),  # then the protocol's title given up too
        )
        condition = protocol.condition(s.condition)
        instructions = Text(s.instructions or protocol.description.split("\n")[0])
        sensor = Text(sensor_text(protocol, condition), style=DIM)
        self.set(Text("\n").join(fitting(width, t) for t in (head, instructions, sensor)))


def sensor_text(protocol, condition) -> str:
    """Where the sensor goes, and the trial's limit."""
    if protocol.test == "stance" and condition.leg in ("left", "right"):
        where = f"Sensor: {condition.leg.upper()} thigh (the stance leg)"
    elif protocol.test == "stance":
        where = "Sensor: thigh of the leg stood on"
    else:
        where = "Sensor: either thigh"
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
        # one row: a long reason typed by the clinician is whole in the trials table
        self.set(fitting(self.room(), cue_text(view)))


class SummaryPanel(Line):
    """The condition's best, mean, sway and the norm comparison with its source."""

    def show(self, view: AssessView, protocol=None) -> None:
        c = condition_summary(view)
        if c is None:
            self.set(
                Text.assemble(
                    ("No counted trial yet.", DIM), "\n", self._norm(view, protocol, self.room())
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
        lines = [out]
        if sway is not None:  # "no norm" and "thigh" given up first when too long
            lines = [
                Text.assemble(out, (f" · {what} ", DIM), f"{sway:.2f}° RMS", (note, DIM))
                for what, note in (("thigh sway", " (no norm)"), ("thigh sway", ""), ("sway", ""))
            ]
        width = self.room()
        self.set(Text.assemble(fitting(width, *lines), "\n", norm_text(c["norm"], width)))

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


class FitTable(DataTable):
    """A table as wide as its widget, never wider: when its cells would make it scroll
    sideways, its ``wrap`` columns are narrowed (the widest first) and their cells wrap
    onto more rows. ``fill`` sets the columns and rows; a resize fits them again."""

    MIN_WRAP = 8  # narrower, a wrapped column folds its words
    FOLLOW = False  # keep the last row in view

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._filled: tuple = ((), [], (), None)

    def fill(
        self,
        labels: tuple[str, ...],
        rows: list[tuple],
        wrap: tuple[int, ...] = (),
        keys: list[str] | None = None,
    ) -> None:
        """Columns ``labels`` and ``rows`` of cells (text or ``Text``), by ``keys`` if given."""
        self._filled = (labels, rows, wrap, keys)
        widths = [cell_len(label) for label in labels]
        for row in rows:
            widths = [max(w, cell_len(str(c))) for w, c in zip(widths, row, strict=True)]
        # a vertical scrollbar may come with more rows: its room is kept
        room = self.size.width - self.styles.scrollbar_size_vertical
        excess = sum(widths) + 2 * self.cell_padding * len(widths) - room
        while self.size.width and excess > 0 and wrap:
            i = max(wrap, key=lambda j: widths[j])
            if widths[i] <= self.MIN_WRAP:
                break
            widths[i] -= 1
            excess -= 1
        self.clear(columns=True)
        for i, label in enumerate(labels):
            self.add_column(label, width=widths[i] if i in wrap else None)
        for i, row in enumerate(rows):
            self.add_row(*row, key=keys[i] if keys else None, height=None if wrap else 1)
        if self.FOLLOW and rows:
            self.scroll_end(animate=False)

    def on_resize(self) -> None:
        if self._filled[0]:
            row = self.cursor_row
            self.fill(*self._filled)
            self.move_cursor(row=row)


class TrialTable(FitTable):
    """This condition's trials: value, how each ended, sway (stance tests), counted or why
    not."""

    FOLLOW = True

    def on_mount(self) -> None:
        self.cursor_type = "none"
        self._shown = None

    def show(self, view: AssessView, protocol) -> None:
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
        entry = protocol_entry(view.results, s.protocol)
        stance = protocol is None or protocol.test == "stance"
        rows = []
        n = 0
        for t in trials:
            r = t["result"] or {}
            counted = not t["practice"]
            n += counted
            words, style = status_text(t)
            value = trial_value_text(t, entry, nd=2) if r else "–"
            cells = [str(t["id"]), "practice" if t["practice"] else str(n), value]
            cells.append(ended_text(r) if r else "–")
            if stance:
                cells.append(num((r.get("sway") or {}).get("sway_rms_deg"), 2))
            rows.append((*cells, Text(words, style=style)))
        labels = ("#", "trial", "value", "ended", *(("sway°",) if stance else ()), "status")
        self.fill(labels, rows, wrap=(3, len(labels) - 1))  # the reasons wrap


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
