"""The visit report as a PDF: A4 pages laid out top to bottom with matplotlib (the report extra).

Tables are drawn as text so each row grows with its wrapped lines; blocks that do not
fit on the page start a new one.
"""

from __future__ import annotations

import textwrap

from tracker.errors import InputError, RecordingError
from tracker.norms import NO_SRC, SOURCES
from tracker.report import (
    MEASURE_UNIT,
    SWAY_COLUMNS,
    SWAY_NOTE,
    _fmt,
    _ref,
    result_rows,
    trend_rows,
    trial_rows,
)

A4_IN = (8.27, 11.69)
MARGIN = 0.06  # of the page width and height
LINE = 0.0135  # height of a line of 7-point text, as a fraction of the page height


class _Flow:
    """Places blocks down A4 pages, opening a new page when a block does not fit."""

    def __init__(self, plt, pdf, title: str):
        self.plt, self.pdf, self.title = plt, pdf, title
        self.fig = None
        self.page = 0
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
        if self.y - height < MARGIN:
            self._new_page()

    def heading(self, text: str, size: float = 11) -> None:
        self.need(0.05)
        self.y -= 0.012 + size / 800
        self.fig.text(MARGIN, self.y, text, fontsize=size, weight="bold", va="top")
        self.y -= size / 500

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

    def axes_row(self, count: int, height: float, *, per_row: int = 3):
        """``count`` axes in rows of ``per_row``; returns them."""
        axes = []
        usable = 1 - 2 * MARGIN
        width = usable / per_row
        for i in range(count):
            if i % per_row == 0:
                if i:
                    self.y -= height + 0.05
                self.need(height + 0.05)
            left = MARGIN + (i % per_row) * width + 0.05
            axes.append(self.fig.add_axes([left, self.y - height - 0.035, width - 0.08, height]))
        self.y -= height + 0.06
        return axes

    def close(self) -> None:
        self.pdf.savefig(self.fig)
        self.plt.close(self.fig)


def render_pdf(data: dict, path) -> None:
    """Write the report as a PDF (``pip install tracker[report]``).

    Raises ``InputError`` with a one-line message when matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
        from matplotlib.backends.backend_pdf import PdfPages
    except ImportError:
        raise InputError(
            "PDF reports need matplotlib: pip install 'tracker[report]' (or use --html)"
        ) from None
    pt, visit = data["patient"], data["visit"]
    try:
        with PdfPages(path) as pdf:
            flow = _Flow(plt, pdf, f"Patient {pt['id']} · visit {visit['id']} · {visit['date']}")
            _summary(flow, data)
            _stabilograms(flow, data)
            _trends(flow, data)
            _trials(flow, data)
            _references(flow, data)
            flow.close()
    except OSError as exc:
        raise RecordingError(
            f"cannot write the report ({exc.strerror or exc})", path=str(path)
        ) from None


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
    flow.text(
        f"tracker {data['tracker_version']}, definitions version "
        f"{data['definitions_version']}, generated {data['generated_utc']}.",
        color="#555",
    )
    if data["simulated"]:
        flow.text("SIMULATED DATA: not measurements of a person.", size=9, color="#b03000")
    flow.heading("Results")
    rows = result_rows(data)
    has_stage = any(r["passed"] for r in rows)
    headers = ["Test", "Condition", "Trials", "Best", "Mean"] + (["Stage"] if has_stage else [])
    headers += ["Published reference", "Compared"]
    widths = [0.15, 0.15, 0.11, 0.08, 0.08] + ([0.07] if has_stage else []) + [0.24, 0.18]
    body = []
    for r in rows:
        cells = [r["protocol"], r["condition"], r["trials"], r["best"], r["mean"]]
        body.append(cells + ([r["passed"]] if has_stage else []) + [r["reference"], r["verdict"]])
    flow.table(headers, body, widths)
    flow.text(
        "Hold time runs from lift-off (the end of the weight shift onto the stance leg) "
        "to touch-down (the start of the shift off it, or of a step); stances on two "
        "feet from the start cue. Only complete, counted trials (not practice, not "
        "discarded) enter best and mean.",
        color="#555",
    )
    sym = [
        (
            p["title"],
            s["eyes"],
            _fmt(s["left"], 1, " s"),
            _fmt(s["right"], 1, " s"),
            _fmt(s["symmetry_index_pct"], 1, " %"),
        )
        for p in data["protocols"]
        for s in p.get("symmetry", [])
    ]
    if sym:
        flow.heading("Left/right symmetry", 10)
        flow.table(
            ("Test", "Eyes", "Left", "Right", "Symmetry index"), sym, [0.3, 0.1, 0.15, 0.15, 0.2]
        )
        flow.text(
            "Symmetry index = 100 · (right − left) / mean of the two (Robinson et al. "
            "1987); 0 is symmetric, positive: the right leg held longer.",
            color="#555",
        )
    sway = [
        (c["condition"], *(_fmt((c["sway_best"] or {}).get(k), 2) for k, _ in SWAY_COLUMNS))
        for p in data["protocols"]
        for c in p.get("conditions", [])
        if c["sway_best"]
    ]
    if sway:
        flow.heading("Thigh sway of the best trial", 10)
        flow.table(
            ("Condition", *(h for _, h in SWAY_COLUMNS)), sway, [0.24, 0.12, 0.12, 0.14, 0.16, 0.14]
        )
        flow.text(SWAY_NOTE, color="#555")


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
    axes = flow.axes_row(len(trials), 0.15)
    for ax, t in zip(axes, trials, strict=True):
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
        ax.set_title(
            f"trial {t['id']}: {t['condition']}\n{_fmt(r['value'], 1)} s, {t['status']}{tag}",
            fontsize=7,
        )


def _trends(flow: _Flow, data: dict) -> None:
    flow.heading("Trends across visits")
    multi = [s for s in data["trends"] if len(s["points"]) > 1]
    if not multi:
        flow.text("One visit so far: no trend yet.")
        return
    for s in multi:
        src = s["smallest_real_change"]
        unit = MEASURE_UNIT[s["measure"]]
        flow.need(0.3)
        flow.heading(f"{s['protocol']}: {s['condition']}", 9)
        (ax,) = flow.axes_row(1, 0.12, per_row=1)
        vals = [p["score"] for p in s["points"]]
        if src.get("value") is not None:
            ax.axhspan(
                vals[0] - src["value"],
                vals[0] + src["value"],
                color="#e6e6e6",
                label=f"first visit ± smallest real change ({src['value']:g} "
                f"{src['unit']}) {_ref(data, src['source'])}",
            )
            ax.legend(fontsize=6, loc="upper right")
        ax.plot(range(len(vals)), vals, "-", color="#1f5fa8")
        for k, p in enumerate(s["points"]):
            ax.plot(k, p["score"], "o", color="#c0392b" if p.get("beyond_src") else "#1f5fa8")
        ax.set_xticks(range(len(vals)), [p["date"] for p in s["points"]], fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_ylabel(unit, fontsize=7)
        flow.table(
            ("Date", "Score", "Change since first", "Beyond the smallest real change"),
            trend_rows(s),
            [0.2, 0.2, 0.25, 0.3],
        )
        if src.get("value") is None:
            flow.text(src.get("note", ""), color="#555")


def _trials(flow: _Flow, data: dict) -> None:
    flow.need(0.1)
    flow.heading("All trials")
    rows = [(row[0], *row[2:]) for row in trial_rows(data)]  # the protocol is in the title
    flow.table(
        ("Trial", "Condition", "Practice", "Status", "Value", "Ended by", "Reason"),
        rows,
        [0.07, 0.22, 0.09, 0.11, 0.08, 0.13, 0.30],
    )


def _references(flow: _Flow, data: dict) -> None:
    flow.need(0.12)
    flow.heading("References")
    for i, key in enumerate(data["references"]):
        s = SOURCES[key]
        flow.text(f"[{i + 1}] {s.text}. ({s.quality} figures: {s.note})", size=7)
    flow.text(NO_SRC["sway"] + ".", size=7, color="#555")
