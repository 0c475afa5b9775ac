"""The visit report as a PDF: A4 pages laid out top to bottom with matplotlib.

Tables are drawn as text so each row grows with its wrapped lines; blocks that do not
fit on the page start a new one. Each plot is drawn as soon as its axes are placed, so a
page closed by the next page break is never saved with empty axes.
"""

from __future__ import annotations

import textwrap

from tracker.clinic import report_text as text
from tracker.clinic.norms import NO_SRC, SOURCES
from tracker.clinic.report_content import (
    SWAY_COLUMNS,
    SWAY_NOTE,
    SYMMETRY_NOTE,
    cite,
    definitions_text,
    protocol_entry,
    result_rows,
    sway_rows,
    symmetry_rows,
    trend_rows,
    trial_rows,
    visit_facts,
)
from tracker.core.errors import InputError, RecordingError

A4_IN = (8.27, 11.69)
MARGIN = 0.06  # of the page width and height
LINE = 0.0135  # height of a line of 7-point text, as a fraction of the page height


def _heading_height(size: float) -> float:
    return 0.012 + size / 800 + size / 500


class _Flow:
    """Places blocks down A4 pages, opening a new page when a block does not fit."""

    def __init__(self, plt, pdf, title: str):
        self.plt, self.pdf, self.title = plt, pdf, title
        self.fig = None
        self.page = 0
        self.places: list[dict] = []  # where each plot was drawn: page, box in figure fractions
        self._headings: list[tuple[str, float]] = []  # waiting for the block that follows
        self._new_page()

    def _new_page(self) -> None:
        if self.fig is not None:
            self.pdf.savefig(self.fig)
            self.plt.close(self.fig)
        self.page += 1
        self.fig = self.plt.figure(figsize=A4_IN)
        self.fig.text(MARGIN, 1 - MARGIN * 0.6, self.title, fontsize=8, color="#666")
        self.fig.text(
            1 - MARGIN, MARGIN * 0.5, f"page {self.page}", fontsize=7, ha="right", color="#666"
        )
        self.y = 1 - MARGIN

    def need(self, height: float) -> None:
        """Room for ``height`` below the headings still waiting, which are placed now: a
        heading goes to the next page with its block, never alone at a page's foot."""
        headings = sum(_heading_height(size) for _, size in self._headings)
        if self.y - headings - height < MARGIN:
            self._new_page()
        for words, size in self._headings:
            top = self.y - 0.012 - size / 800
            self.fig.text(MARGIN, top, words, fontsize=size, weight="bold", va="top")
            self.y -= _heading_height(size)
        self._headings = []

    def heading(self, text: str, size: float = 11) -> None:
        """A heading, placed with the next block (``need``)."""
        self._headings.append((text, size))

    def text(self, text: str, *, size: float = 7.5, width: int = 120, color: str = "#222"):
        lines = textwrap.wrap(text, width) or [""]
        height = len(lines) * LINE * size / 7
        self.need(height)
        self.fig.text(
            MARGIN, self.y, "\n".join(lines), fontsize=size, va="top", color=color, linespacing=1.3
        )
        self.y -= height + 0.006

    def table(self, headers, rows, widths, *, size: float = 7.0) -> None:
        """``widths``: column widths as fractions of the printable width (sum <= 1)."""
        usable = 1 - 2 * MARGIN
        chars = [max(4, int(w * usable * A4_IN[0] * 72 / (size * 0.55))) for w in widths]
        lefts = [MARGIN + usable * sum(widths[:i]) for i in range(len(widths))]
        line = LINE * size / 7

        def cells(row):
            return [textwrap.wrap(str(v), c) or [""] for v, c in zip(row, chars, strict=True)]

        def draw(row, bold=False):
            wrapped = cells(row)
            height = max(len(w) for w in wrapped) * line + 0.006
            self.need(height)
            if bold:
                self.fig.patches.append(
                    self.plt.Rectangle(
                        (MARGIN, self.y - height),
                        usable * sum(widths),
                        height,
                        transform=self.fig.transFigure,
                        color="#eeeeee",
                        zorder=0,
                    )
                )
            for x, w in zip(lefts, wrapped, strict=True):
                self.fig.text(
                    x + 0.003,
                    self.y - 0.003,
                    "\n".join(w),
                    fontsize=size,
                    va="top",
                    weight="bold" if bold else "normal",
                    linespacing=1.25,
                )
            self.y -= height
            self.fig.lines.append(
                self.plt.Line2D(
                    [MARGIN, MARGIN + usable * sum(widths)],
                    [self.y, self.y],
                    transform=self.fig.transFigure,
                    color="#bbbbbb",
                    lw=0.5,
                )
            )

        draw(headers, bold=True)
        for row in rows:
            draw(row)
        self.y -= 0.01

    def plots(self, items, height: float, draw, *, per_row: int = 3) -> None:
        """One axes per item in rows of ``per_row``, each drawn by ``draw(ax, item)`` at once
        (before a later page break saves its page). Where each went is kept in ``places``."""
        usable = 1 - 2 * MARGIN
        width = usable / per_row
        for i, item in enumerate(items):
            if i % per_row == 0:
                if i:
                    self.y -= height + 0.05
                self.need(height + 0.05)
            left = MARGIN + (i % per_row) * width + 0.05
            box = [left, self.y - height - 0.035, width - 0.08, height]
            ax = self.fig.add_axes(box)
            draw(ax, item)
            self.places.append({"page": self.page, "box": tuple(box)})
        self.y -= height + 0.06

    def box(self, height: float, label: str) -> None:
        """An empty framed box (room to write in) with a label above it."""
        self.need(height + 0.03)
        self.fig.text(MARGIN, self.y, label, fontsize=8, va="top", color="#333")
        self.y -= 0.02
        usable = 1 - 2 * MARGIN
        self.fig.patches.append(
            self.plt.Rectangle(
                (MARGIN, self.y - height),
                usable,
                height,
                transform=self.fig.transFigure,
                fill=False,
                edgecolor="#888888",
                lw=0.6,
            )
        )
        self.y -= height + 0.015

    def close(self) -> None:
        self.need(0)
        self.pdf.savefig(self.fig)
        self.plt.close(self.fig)


def render_pdf(data: dict, path) -> list[dict]:
    """Write the report as a PDF; returns where each plot was drawn (page, box).

    Raises ``InputError`` with a one-line message when matplotlib cannot be imported.
    """
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
        from matplotlib.backends.backend_pdf import PdfPages
    except ImportError:
        raise InputError(
            "PDF reports need matplotlib, which tracker installs: reinstall tracker (or use --html)"
        ) from None
    pt, visit = data["patient"], data["visit"]
    try:
        # TrueType fonts carry every character's code: the text (≥, °, ±) can be searched
        # and copied on every matplotlib allowed (3.8's Type 3 fonts lost "≥").
        with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(path) as pdf:
            flow = _Flow(plt, pdf, f"Patient {pt['id']} · visit {visit['id']} · {visit['date']}")
            _summary(flow, data)
            _setup(flow, data)
            _stabilograms(flow, data)
            _trends(flow, data)
            _trials(flow, data)
            _sign(flow)
            _references(flow, data)
            flow.close()
    except OSError as exc:
        raise RecordingError(
            f"cannot write the report ({exc.strerror or exc})", path=str(path)
        ) from None
    return flow.places


def _summary(flow: _Flow, data: dict) -> None:
    pt, visit = data["patient"], data["visit"]
    flow.heading("Balance assessment", 16)
    sex = f", {pt['sex']}" if pt.get("sex") else ""
    protocols = ", ".join(p.get("title", p["protocol"]) for p in data["protocols"])
    flow.text(
        f"Patient {pt['id']} (age {pt['age_band']}{sex}) · visit {visit['id']} on "
        f"{visit['date']} · {protocols}",
        size=9.5,
    )
    for label, value in visit_facts(data):
        flow.text(f"{label}: {value}", size=8)
    flow.text(
        f"tracker {data['tracker_version']}, definitions version "
        f"{data['definitions_version']}, generated {data['generated_utc']}.",
        color="#555",
    )
    if data["simulated"]:
        flow.text("SIMULATED DATA: not measurements of a person.", size=9, color="#b03000")
    if data["patient_summary"]:
        flow.heading("Summary for the patient", 10)
        for line in data["patient_summary"]:
            flow.text(line, size=8, color="#143c64")
    flow.heading("Results")
    rows = result_rows(data)
    has_stage = any(r["passed"] for r in rows)
    headers = ["Test", "Condition", "Trials", "Best", "Mean"] + (["Stage"] if has_stage else [])
    headers += ["Published reference", "Compared"]
    widths = [0.15, 0.14, 0.1, 0.11, 0.08] + ([0.07] if has_stage else []) + [0.22, 0.18]
    body = []
    for r in rows:
        cells = [r["protocol"], r["condition"], r["trials"], r["best"], r["mean"]]
        body.append(cells + ([r["passed"]] if has_stage else []) + [r["reference"], r["verdict"]])
    flow.table(headers, body, widths)
    flow.text(definitions_text(data), color="#555")
    sym = symmetry_rows(data)
    if sym:
        flow.heading("Left/right symmetry", 10)
        flow.table(
            ("Test", "Eyes", "Left", "Right", "Symmetry index"), sym, [0.25, 0.08, 0.1, 0.1, 0.47]
        )
        flow.text(SYMMETRY_NOTE, color="#555")
    sway = sway_rows(data)
    if sway:
        flow.heading("Thigh sway of the best trial", 10)
        flow.table(
            ("Condition", *(h for _, h in SWAY_COLUMNS)), sway, [0.24, 0.12, 0.12, 0.14, 0.16, 0.14]
        )
        flow.text(SWAY_NOTE, color="#555")


def _setup(flow: _Flow, data: dict) -> None:
    if not data["setup"]:
        return
    flow.need(0.15)
    flow.heading("How the tests were done")
    for p in data["setup"]:
        flow.heading(p["title"], 9)
        flow.text(p["setup"], size=7.5)
        for name, said, side in p["conditions"]:
            flow.text(f"{name}: {said} Sensor: {side}.", size=7, color="#333")
        flow.text(f"Protocol after {p['source']}.", size=7, color="#555")


def _stabilograms(flow: _Flow, data: dict) -> None:
    trials = [t for t in data["trials"] if (t["result"] or {}).get("stabilogram")]
    if not trials:
        return
    flow.need(0.3)  # the heading stays with the first row of plots
    flow.heading("Stabilograms")
    flow.text(
        "Thigh tilt about its mean during the hold, in degrees, in two perpendicular "
        "directions of tilt (one sensor cannot tell front from side while standing "
        "still).",
        color="#555",
    )

    def draw(ax, t) -> None:
        r = t["result"]
        st = r["stabilogram"]
        ax.plot(st["x_deg"], st["y_deg"], lw=0.5, color="#1f5fa8")
        lim = max(1.0, *map(abs, st["x_deg"]), *map(abs, st["y_deg"])) * 1.1
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.tick_params(labelsize=6)
        ax.axhline(0, color="#ccc", lw=0.5)
        ax.axvline(0, color="#ccc", lw=0.5)
        tag = ", practice" if t["practice"] else ""
        value = text.trial_value_text(t, protocol_entry(data, t["protocol"]))
        ax.set_title(f"trial {t['id']}: {t['condition']}\n{value}, {t['status']}{tag}", fontsize=7)

    flow.plots(trials, 0.15, draw)


def _trends(flow: _Flow, data: dict) -> None:
    flow.heading("Trends across visits")
    multi = [s for s in data["trends"] if len(s["points"]) > 1]
    if not multi:
        flow.text("One visit so far: no trend yet.")
        return
    for s in multi:
        src = s["smallest_real_change"]
        flow.need(0.3)
        flow.heading(f"{s.get('title', s['protocol'])}: {s['condition']}", 9)
        flow.plots([s], 0.12, lambda ax, s: _trend_plot(ax, s, data), per_row=1)
        flow.table(
            ("Date", "Score", "Change since first", "Beyond the smallest real change"),
            trend_rows(s),
            [0.2, 0.2, 0.25, 0.3],
        )
        if src.get("value") is None:
            flow.text(src.get("note", ""), color="#555")


def _trend_plot(ax, s: dict, data: dict) -> None:
    unit = text.UNIT[s["measure"]]
    src = s["smallest_real_change"]
    vals = [p["score"] for p in s["points"]]
    lo, hi = min(vals), max(vals)
    if src.get("value") is not None:
        ax.axhspan(
            vals[0] - src["value"],
            vals[0] + src["value"],
            color="#e6e6e6",
            label=f"first visit ± smallest real change ({src['value']:g} "
            f"{src['unit']}) {cite(data, src['source'])}",
        )
        lo, hi = min(lo, vals[0] - src["value"]), max(hi, vals[0] + src["value"])
    ax.plot(range(len(vals)), vals, "-", color="#1f5fa8")
    capped = "reached the time limit: at least this"
    for k, p in enumerate(s["points"]):
        colour = "#c0392b" if p.get("beyond_src") else "#1f5fa8"
        if p.get("capped"):  # a lower bound: the triangle points up
            ax.plot(k, p["score"], "^", color=colour, label=capped)
            capped = None
        else:
            ax.plot(k, p["score"], "o", color=colour)
    # every point well inside (a point beyond the band went to the edge, under the legend),
    # and the legend above the axes, where it covers nothing
    pad = 0.1 * ((hi - lo) or abs(hi) or 1.0)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlim(-0.3, len(vals) - 0.7)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(
            fontsize=6,
            loc="lower right",
            bbox_to_anchor=(1, 1),
            ncols=2,
            frameon=False,
            borderaxespad=0.2,
        )
    ax.set_xticks(range(len(vals)), [p["date"] for p in s["points"]], fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel(unit, fontsize=7)


def _sign(flow: _Flow) -> None:
    flow.need(0.22)
    flow.heading("Clinician's comments")
    flow.box(0.12, "Comments")
    flow.text("Signature: ________________________________        Date: ________________", size=9)


def _trials(flow: _Flow, data: dict) -> None:
    flow.need(0.1)
    flow.heading("All trials")
    flow.table(
        ("Trial", "Test", "Condition", "Practice", "Status", "Value", "Ended by", "Reason"),
        trial_rows(data),
        [0.06, 0.15, 0.17, 0.08, 0.09, 0.12, 0.15, 0.18],
    )


def _references(flow: _Flow, data: dict) -> None:
    lines = [
        f"[{i + 1}] {SOURCES[key].text}. ({SOURCES[key].quality} figures: {SOURCES[key].note})"
        for i, key in enumerate(data["references"])
    ]
    # kept together when they fit on one page: no reference list split by a last orphan
    flow.need(min(0.06 + sum(len(x) // 110 + 2 for x in lines) * LINE, 0.8))
    flow.heading("References")
    for line in lines:
        flow.text(line, size=7)
    if sway_rows(data):
        flow.text(NO_SRC["sway"] + ".", size=7, color="#555")
