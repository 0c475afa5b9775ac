"""The workout screen's widgets: each draws one part of a ``WorkoutView``."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import DataTable, Digits, Static

from tracker.core.sources import LinkView
from tracker.screens import plot
from tracker.workout.judgements import RepVerdict
from tracker.workout.view import WorkoutView

GOOD, WARN, BAD, DIM = "green", "yellow", "red", "grey50"


def clock(seconds: float | None) -> str:
    """``m:ss`` for a person (``--`` when unknown)."""
    if seconds is None or not math.isfinite(seconds):
        return "--"
    s = max(math.ceil(seconds - 1e-9), 0)
    return f"{s // 60}:{s % 60:02d}"


def link_text(link: LinkView, lost_for_s: float | None, *, brief: bool = False) -> Text:
    """Connection, rate, loss, battery and reconnects in a few words (``brief``: the
    connection alone)."""
    if link.lost:
        since = f" {lost_for_s:.0f} s" if lost_for_s is not None else ""
        what = "reconnecting" if link.state == "reconnecting" else link.state
        return Text(f"▲ sensor lost{since} · {what}", style=f"bold {BAD}")
    if not link.state:
        return Text("")
    dot = {"streaming": GOOD, "connected": GOOD, "stopped": DIM}.get(link.state, WARN)
    out = Text.assemble(("● ", dot), link.state)
    if brief:
        return out
    if link.rate_hz:
        out.append(f" {link.rate_hz:.0f} Hz")
    if link.loss_fraction is not None:
        style = BAD if link.loss_fraction > 0.1 else WARN if link.loss_fraction > 0.02 else ""
        out.append(f" · loss {100 * link.loss_fraction:.1f}%", style=style)
    if link.battery_pct is not None:
        out.append(f" · bat {link.battery_pct}%", style=BAD if link.battery_pct < 15 else "")
    if link.reconnects:
        out.append(f" · reconnects {link.reconnects}", style=WARN)
    return out


class Line(Static):
    """A fixed-size text widget that redraws only when its text changes (no re-layout)."""

    def room(self, before: int = 78) -> int:
        """The cells a row of text has (``before`` until the widget is laid out)."""
        return self.size.width or before

    def set(self, content) -> None:
        if content == getattr(self, "_last", None):
            return
        self._last = content
        self.update(content, layout=False)


def top_text(view: WorkoutView, lost_for_s: float | None = None, width: int = 78) -> Text:
    """Simulated/replay badge, the sensor link, recording, the program (its title when it
    fits in ``width`` cells, else its short name, else nothing)."""
    out = Text()
    if view.replay is not None:
        out.append(" REPLAY ", style="bold black on cyan")
        out.append(" ")
    if view.simulated:
        out.append(" SIMULATED ", style="bold black on yellow")
        out.append(" ")
    out.append_text(link_text(view.link, lost_for_s))
    if view.replay is None:
        if view.recording_error:
            out.append(" · NOT RECORDING", style=f"bold {BAD}")
        elif view.recording:
            out.append(" · ", style=DIM).append("● REC", style=BAD)
    for title in (view.title, view.program):
        if title and out.cell_len + 3 + len(title) <= width:
            out.append(" · ", style=DIM).append(title, style="bold")
            break
    return out


def step_text(view: WorkoutView) -> Text:
    """The exercise, and where the person is in it: "Set 3/5 · right leg · 7/10"."""
    c = view.coach
    if c.step is None:
        return Text.assemble((c.headline, "bold"), "\n", (c.next_text, DIM))
    head = Text.assemble(
        (c.step.name, "bold"), (f"  · exercise {c.step_index + 1}/{c.step_count}", DIM)
    )
    line = Text(c.headline, style="bold")
    if c.side_label:
        line.append(f" ({c.side_label})", style=DIM)
    if c.step.sensor == "working" and c.side_leg and c.side_leg != c.sensor_leg:
        line.append(f" · sensor on the {c.sensor_leg} thigh!", style=f"bold {WARN}")
    return Text.assemble(head, "\n", line)


def cue_text(view: WorkoutView) -> Text:
    """The coach's latest cue, coloured by what it means."""
    c = view.coach
    if view.problem:  # the whole problem is on the info lines below
        return Text("▲ The sensor stopped: see below", style=f"bold {BAD}")
    if view.link.lost:
        return Text("Sensor lost: keep still, reconnecting…", style=f"bold {BAD}")
    if not c.calibrated and c.mode != "done":
        return Text("Stand still on both feet for two seconds", style=f"bold {WARN}")
    if c.move_sensor_to:
        return Text(
            f"Move the sensor to your {c.move_sensor_to} thigh, then press m", style=f"bold {WARN}"
        )
    if c.cue is not None:
        style = {"good": GOOD, "warn": WARN}.get(c.cue.level, "")
        return Text(c.cue.text, style=f"bold {style}".strip())
    if c.mode == "paused":
        return Text("Paused (space to resume)", style=f"bold {WARN}")
    return Text(view.note, style=DIM) if view.note else Text("")


class TopBar(Line):
    """Simulated/replay badge, the sensor link, recording, the program."""

    def show(self, view: WorkoutView, lost_for_s: float | None = None) -> None:
        width = self.size.width - 2 if self.size.width else 78
        self.set(top_text(view, lost_for_s, width))


class StepPanel(Line):
    """The exercise, and where the person is in it: "Set 3/5 · right leg · 7/10"."""

    def show(self, view: WorkoutView) -> None:
        self.set(step_text(view))


class CueLine(Line):
    """The coach's latest cue, coloured by what it means."""

    def show(self, view: WorkoutView) -> None:
        self.set(cue_text(view))


class InfoLine(Line):
    """Next step, and what the sensor does and does not judge here."""

    def show(self, view: WorkoutView) -> None:
        c = view.coach
        if view.problem:  # three lines hold a long Bluetooth error whole
            self.set(Text(view.problem, style=f"bold {BAD}"))
            return
        out = Text(c.next_text, style="bold")
        if c.step is not None:
            out.append("\nJudged: ", style=GOOD).append(c.step.judged_text)
            if c.step.not_judged:
                out.append("\nNot judged: ", style=WARN).append(c.step.not_judged)
        self.set(out)


# A 3 x 5 block font for the big counter on a tall screen (rows top to bottom).
_FONT = {
    "0": ("###", "# #", "# #", "# #", "###"),
    "1": (" # ", "## ", " # ", " # ", "###"),
    "2": ("###", "  #", "###", "#  ", "###"),
    "3": ("###", "  #", "###", "  #", "###"),
    "4": ("# #", "# #", "###", "  #", "  #"),
    "5": ("###", "#  ", "###", "  #", "###"),
    "6": ("###", "#  ", "###", "# #", "###"),
    "7": ("###", "  #", "  #", "  #", "  #"),
    "8": ("###", "# #", "###", "# #", "###"),
    "9": ("###", "# #", "###", "  #", "###"),
    "-": ("   ", "   ", "###", "   ", "   "),
    ":": (" ", "#", " ", "#", " "),
    ".": (" ", " ", " ", " ", "#"),
    " ": ("  ", "  ", "  ", "  ", "  "),
}


class BigNumber(Digits):
    """The big counter: Textual's 3-line digits, or a block font scaled to fill a tall space
    (a 200x50 terminal), each font pixel s rows high and 2·s (or s) cells wide."""

    def render(self):
        text = str(self.value)
        glyphs = [_FONT.get(ch) for ch in text]
        if None in glyphs:
            return super().render()
        units = sum(len(g[0]) + 1 for g in glyphs) - 1  # font pixels across, a gap between
        w, h = self.size.width, self.size.height
        # pixels 2·s cells wide (square on screen) if they fit, else s (narrower digits)
        fits = [(s, 2 * s) for s in (4, 3, 2) if 5 * s <= h and 2 * s * units <= w]
        fits += [(s, s) for s in (4, 3, 2) if 5 * s <= h and s * units <= w]
        if not fits:
            return super().render()
        scale, across = fits[0]
        rows = []
        for r in range(5):
            line = " ".join(g[r] for g in glyphs)
            cells = "".join(("█" if px == "#" else " ") * across for px in line)
            rows += [cells] * scale
        return Text("\n".join(rows))


class SetLog(Line):
    """The last finished set, summarised (in fewer words when the line is narrow)."""

    def show(self, view: WorkoutView) -> None:
        last = view.coach.last_set
        if last is None:
            self.set("")
            return
        width = self.size.width - 2 if self.size.width else 78
        text = last.text if len(last.text) <= width else last.short_text
        self.set(Text(text, style=DIM))


def _num(value: float, fmt: str) -> str:
    return "-" if value is None or not math.isfinite(value) else format(value, fmt)


def rep_cells(v: RepVerdict) -> list[Text]:
    """One rep as table cells, each coloured against the step's targets."""
    r = v.rep
    depth_style = {"ok": GOOD, "shallow": WARN, "deep": WARN}.get(v.depth, "")
    mark = "✓" if v.in_target else "!"
    return [
        Text(f"{v.number}{'+' if v.extra else ''}"),
        Text(f"{r.depth_deg:.0f}", style=depth_style),
        Text(
            f"{r.descent_s:.1f}", style=WARN if v.tempo_fast else GOOD if v.descent_target_s else ""
        ),
        Text(f"{r.ascent_s:.1f}"),
        Text(_num(r.sparc, ".2f")),
        Text(f"{r.wobble_deg:.1f}", style=WARN if v.wobble_high else ""),
        Text(mark, style=GOOD if v.in_target else WARN),
    ]


class RepTable(DataTable):
    """The current set's reps (or the last set's, while resting), newest last."""

    COLUMNS = ("#", "depth°", "down s", "up s", "SPARC", "wobble°", "")

    def on_mount(self) -> None:
        self.cursor_type = "none"
        self.add_columns(*self.COLUMNS)
        self._shown: tuple = ()

    def show(self, view: WorkoutView) -> None:
        rows = view.coach.rows
        key = tuple((v.rep.index, v.extra) for v in rows)
        if key == self._shown:
            return
        self._shown = key
        self.clear()
        for v in rows:
            self.add_row(*rep_cells(v))
        if rows:
            self.scroll_end(animate=False)


class _Canvas(Widget):
    """Braille rows below a caption line, drawn with the line API (cheap to redraw).

    A subclass's ``draw(width, height)`` returns the caption and the dot layers
    (boolean grids with a style each; the first is on top), or just a caption. One with
    a ``labels(height) -> list[str]`` method gets a left gutter: one label per braille row
    (the y axis), drawn ``GUTTER`` cells wide.
    """

    GUTTER = 5

    _STYLES: ClassVar[dict[str, Style]] = {}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.view: WorkoutView | None = None
        self._strips: list[Strip] | None = None

    def show(self, view: WorkoutView) -> None:
        self.view = view
        self._strips = None
        self.refresh()

    def on_resize(self) -> None:
        self._strips = None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._strips is None:
            self._strips = self._build(width, self.size.height)
        if y < len(self._strips):
            return self._strips[y].adjust_cell_length(width)
        return Strip.blank(width)

    def _style(self, name: str) -> Style:
        if name not in self._STYLES:
            self._STYLES[name] = Style.parse(name) if name else Style()
        return self._STYLES[name]

    def _build(self, width: int, height: int) -> list[Strip]:
        if self.view is None or width < 4:
            return []
        labels = getattr(self, "labels", None)
        gutter = self.GUTTER if labels is not None and width > 3 * self.GUTTER else 0
        rows = max(height - 1, 1)
        caption, layers = self.draw(width - gutter, rows)
        strips = [Strip(list(caption.render(self.app.console)))]
        if not layers:
            return strips
        marks = labels(rows) if gutter else []
        dim = self._style(DIM)
        merged = np.zeros_like(layers[0][0])
        for grid, _style in layers:
            merged |= grid
        codes = plot.cells(merged)
        owner = np.full(codes.shape, -1)
        for index in range(len(layers) - 1, -1, -1):
            owner[plot.cells(layers[index][0]) != 0x2800] = index
        styles = [self._style(style) for _grid, style in layers]
        for r, line in enumerate(plot.to_lines(codes)):
            segments = [
                Segment(line[a:b], styles[idx] if idx >= 0 else None)
                for a, b, idx in _runs(owner[r])
            ]
            if gutter:
                mark = (marks[r] if r < len(marks) else "")[: gutter - 1].rjust(gutter - 1)
                segments.insert(0, Segment(mark + " ", dim))
            strips.append(Strip(segments, len(line) + gutter))
        return strips


def _runs(values: np.ndarray):
    edges = np.flatnonzero(np.diff(values)) + 1
    starts = np.concatenate([[0], edges])
    stops = np.concatenate([edges, [len(values)]])
    return zip(starts.tolist(), stops.tolist(), values[starts].tolist(), strict=True)


class TracePlot(_Canvas):
    """Thigh inclination over the last 20 s, with the rep's target depth and band marked."""

    def draw(self, w: int, h: int):
        view = self.view
        step = view.coach.step
        target = step.depth_deg if step is not None else None
        band = step.depth_range_deg if step is not None else None
        now = view.inclination_deg
        caption = Text.assemble(
            ("thigh ", DIM), (f"{now:5.1f}°" if now is not None else "  --°", "bold")
        )
        if target is not None:
            caption.append(f"  target {target:g}°", style=WARN)
        if band is not None:
            caption.append(f" ({band[0]:g}-{band[1]:g}°)", style=DIM)
        t = view.trace_t_s
        top = max(30.0, (band[1] if band else 0) * 1.15, (target or 0) * 1.15)
        finite = view.trace_deg[np.isfinite(view.trace_deg)]
        if len(finite):
            top = max(top, float(finite.max()) * 1.05)
        t1 = float(t[-1]) if len(t) else 0.0
        span = ((t1 - 20.0, t1), (-2.0, top))
        self._y_range = span[1]
        caption.append("  · last 20 s", style=DIM)
        layers = [(plot.trace_grid(t, view.trace_deg, w, h, *span), "bold cyan")]
        if target is not None:
            layers.append((plot.hline_grid(target, w, h, span[1]), WARN))
        if band is not None:
            for edge in band:
                layers.append((plot.hline_grid(edge, w, h, span[1]), DIM))
        layers.append((plot.hline_grid(0.0, w, h, span[1], dashed=False), DIM))
        return caption, layers

    def labels(self, rows: int) -> list[str]:
        return axis_labels(getattr(self, "_y_range", (-2.0, 30.0)), rows)


def axis_labels(y_range: tuple[float, float], rows: int) -> list[str]:
    """Degree labels for the rows of a trace: the top, 0° (standing) and the middle."""
    y0, y1 = y_range
    out = [""] * rows
    row_of = lambda y: min(max(int((y1 - y) / max(y1 - y0, 1e-9) * rows), 0), rows - 1)  # noqa: E731
    out[0] = f"{y1:.0f}°"
    if rows >= 4:
        mid = round((y1 / 2) / 10) * 10 or y1 / 2
        out[row_of(mid)] = f"{mid:.0f}°"
    out[row_of(0.0)] = "0°"
    return out


def stabilogram_layers(xy: np.ndarray, w: int, h: int):
    """A tilt path about its mean, and the axes through it, on a ``w`` x ``h`` canvas.

    Returns (centred path, half range in degrees, layers), or None with fewer than
    two finite points.
    """
    ok = np.isfinite(xy).all(axis=1)
    if ok.sum() < 2:
        return None
    centred = xy[ok] - xy[ok].mean(axis=0)
    half = max(1.0, float(np.ceil(np.abs(centred).max())))
    axis = np.linspace(-half, half, 4 * max(w, h))
    zero = np.zeros_like(axis)
    layers = [
        (plot.path_grid(centred, w, h, half), "bold magenta"),
        (plot.path_grid(np.column_stack([axis, zero]), w, h, half), DIM),
        (plot.path_grid(np.column_stack([zero, axis]), w, h, half), DIM),
    ]
    return centred, half, layers


class SwayPlot(_Canvas):
    """The balance stabilogram: thigh tilt (frontal across, sagittal up) about its mean."""

    def draw(self, w: int, h: int):
        view = self.view
        xy = view.sway_deg[:, ::-1]  # frontal across, sagittal up
        caption = Text("sway: thigh tilt about its mean, °", style=DIM)
        bal = view.coach.balance
        if bal is not None:
            caption = Text.assemble(
                ("sway ", DIM), (f"{bal.sway_rms_deg:.2f}° RMS", "bold"), (" so far", DIM)
            )
        drawn = stabilogram_layers(xy, w, h)
        if drawn is None:
            return caption.append("  waiting for a one-leg stance…", style=DIM), []
        _, half, layers = drawn
        caption.append(f"  ±{half:g}°", style=DIM)
        return caption, layers


class ReplayBar(Line):
    """Position, speed and the replay keys."""

    def show(self, view: WorkoutView) -> None:
        r = view.replay
        if r is None:
            self.set("")
            return
        total = max(r.end_s - r.start_s, 1e-9)
        frac = min(max((r.position_s - r.start_s) / total, 0.0), 1.0)
        width = 20
        filled = round(frac * width)
        out = Text.assemble(
            ("▶ " if r.playing else "❚❚ ", "bold"),
            (f"{r.speed:g}x ", "bold"),
            f"{clock(r.position_s - r.start_s)}/{clock(total)} ",
            ("━" * filled, "cyan"),
            ("─" * (width - filled), DIM),
            ("  ←/→ 10 s · -/+ speed", DIM),
        )
        self.set(out)
