"""The history screen: home workouts per exercise and side, a plot of each measure, trends."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Static

from tracker.screens import plot
from tracker.workout.progress import (
    TREND_MEASURES,
    day_text,
    exercise_rows,
    side_comparisons,
    side_text,
    trend_group,
    trends,
)

DIM = "grey50"
COLUMNS = (  # (key, header, digits)
    ("reps", "reps", None),
    ("depth_deg", "depth°", 0),
    ("descent_s", "down s", 1),
    ("wobble_deg", "wobble°", 2),
    ("sparc", "SPARC", 2),
    ("hold_s", "held s", 0),
    ("sway_rms_deg", "sway°", 2),
)


class MeasurePlot(Widget):
    """One measure over the sessions (oldest left), with its scale and first/last dates."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.series: tuple[list[str], list[float], str, str] | None = None

    def show(self, dates: list[str], values: list[float], words: str, unit: str) -> None:
        self.series = (dates, values, words, unit)
        self.refresh()

    def render(self) -> Text:
        w, h = self.size.width, self.size.height
        if self.series is None or not self.series[1]:
            return Text("no values of this measure for this exercise and side", style=DIM)
        dates, values, words, unit = self.series
        out = Text(f"{words}{f' ({unit.strip()})' if unit.strip() else ''}", style="bold")
        n = len(values)
        out.append(f" · {n} session{'s' if n != 1 else ''}, oldest left", style=DIM)
        label_w, rows = 7, max(h - 2, 1)
        cols = max(w - label_w - 1, 2)
        y = np.asarray(values, dtype=float)
        lo, hi = float(y.min()), float(y.max())
        pad = max((hi - lo) * 0.1, abs(hi) * 0.02, 0.01)
        lo, hi = lo - pad, hi + pad
        x = np.arange(len(y), dtype=float)
        fine = np.linspace(0.0, len(y) - 1.0, 4 * cols)  # a line between the sessions
        span = (-0.5, max(len(y) - 0.5, 0.5))
        grid = plot.trace_grid(fine, np.interp(fine, x, y), cols, rows, span, (lo, hi))
        lines = plot.to_lines(plot.cells(grid))
        for i, line in enumerate(lines):
            label = f"{hi:.2f}" if i == 0 else f"{lo:.2f}" if i == len(lines) - 1 else ""
            out.append("\n" + label.replace("-", "−").rjust(label_w - 1) + " ", style=DIM)
            out.append(line, style="bold cyan")
        first, last = day_text(dates[0]), day_text(dates[-1])
        out.append("\n" + " " * label_w + first.ljust(max(cols - len(last), 0)) + last, style=DIM)
        return out


class HistoryScreen(Screen):
    """The home history: pick an exercise and side (up/down) and a measure (left/right)."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("up,k", "pick(-1)", "Exercise", show=False),
        Binding("down,j", "pick(1)", "Exercise"),
        Binding("left", "measure(-1)", "Measure", show=False),
        Binding("right,tab", "measure(1)", "Measure"),
        Binding("escape,q", "close", "Back"),
    ]

    def __init__(self, sessions: list[dict], db_path: str = "") -> None:
        super().__init__()
        self.sessions = sessions
        self.db_path = db_path
        group, self.label = trend_group(sessions)
        self.trends = trends(group)
        self.pairs = side_comparisons(group)
        self.rows = [r for s in group for r in exercise_rows(s)]  # newest session first
        keys = []
        for r in self.rows:
            key = (r["exercise"], r["side"])
            if key not in keys:
                keys.append(key)
        self.keys = keys
        self.pick = 0
        self.measure = 0

    def compose(self) -> ComposeResult:
        yield Static(id="history-top")
        yield Static(id="history-words")
        yield MeasurePlot(id="history-plot")
        yield DataTable(id="history-table", zebra_stripes=True, cursor_type="none")
        yield Footer()

    def on_mount(self) -> None:
        self.measure = self._first_changed()
        self.redraw()

    # -- what is shown --------------------------------------------------------------------

    def _measures(self) -> list[tuple]:
        """The measures the picked exercise has values of."""
        key = self.keys[self.pick] if self.keys else None
        mine = [r for r in self.rows if (r["exercise"], r["side"]) == key]
        return [m for m in TREND_MEASURES if any(r[m[0]] is not None for r in mine)]

    def redraw(self) -> None:
        top = self.query_one("#history-top", Static)
        words = self.query_one("#history-words", Static)
        n = len(self.sessions)
        head = Text("History", style="bold")
        head.append(f" · {n} session{'s' if n != 1 else ''}{self.label}", style=DIM)
        if not self.keys:
            top.update(head)
            words.update(
                Text(f"No workouts yet ({self.db_path}). Each tracker live session is added.")
            )
            return
        exercise, side = self.keys[self.pick]
        row = next(r for r in self.rows if (r["exercise"], r["side"]) == (exercise, side))
        head.append(f" · exercise {self.pick + 1}/{len(self.keys)} (j/k)", style=DIM)
        top.update(head)
        measures = self._measures()
        self.measure %= max(len(measures), 1)
        mine = [t for t in self.trends if (t.exercise, t.side) == (exercise, side)]
        lines = Text(f"{exercise}, {side_text(row)}", style="bold")
        changed = [t for t in mine if t.direction != "same"]
        for t in changed[:2]:
            style = "green" if t.better else "yellow" if t.better is False else ""
            lines.append("\n" + t.change, style=style)
        if not changed:
            lines.append(
                "\nNo change beyond day-to-day variation yet." if mine else "\nOne session so far."
            )
        pair = next((p for p in self.pairs if p.startswith(exercise + " on ")), None)
        if pair and len(changed) < 2:
            lines.append("\n" + pair, style=DIM)
        words.update(lines)
        plot_widget = self.query_one(MeasurePlot)
        if measures:
            key, label, unit = measures[self.measure][:3]
            points = [
                (r["started_utc"], r[key])
                for r in reversed(self.rows)
                if (r["exercise"], r["side"]) == (exercise, side) and r[key] is not None
            ]
            plot_widget.show([d for d, _ in points], [v for _, v in points], label, unit)
        self._table(exercise, side)

    def _table(self, exercise: str, side: str | None) -> None:
        table = self.query_one("#history-table", DataTable)
        table.clear(columns=True)
        mine = [r for r in self.rows if (r["exercise"], r["side"]) == (exercise, side)]
        used = [c for c in COLUMNS if c[0] == "reps" or any(r[c[0]] is not None for r in mine)]
        table.add_columns("date", *(h for _, h, _ in used))
        for r in mine:
            cells = [day_text(r["started_utc"])]
            for key, _, nd in used:
                if key == "reps":
                    cells.append(f"{r['reps_done']}/{r['reps_prescribed']}")
                else:
                    v = r[key]
                    cells.append("–" if v is None else f"{v:.{nd}f}".replace("-", "−"))
            table.add_row(*cells)

    # -- keys ------------------------------------------------------------------------------

    def action_pick(self, step: int) -> None:
        if self.keys:
            self.pick = (self.pick + step) % len(self.keys)
            self.measure = self._first_changed()
            self.redraw()

    def _first_changed(self) -> int:
        """The measure of the picked exercise's first change, else its first measure past
        the reps done (the hold for a balance exercise, the depth for reps)."""
        key = self.keys[self.pick] if self.keys else None
        names = [m[0] for m in self._measures()]
        for t in self.trends:
            if (t.exercise, t.side) == key and t.direction != "same" and t.measure in names:
                return names.index(t.measure)
        return 1 if len(names) > 1 else 0

    def action_measure(self, step: int) -> None:
        measures = self._measures()
        if measures:
            self.measure = (self.measure + step) % len(measures)
            self.redraw()

    def action_close(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.exit()


class HistoryApp(App):
    """`tracker history --screen`: the history screen on its own."""

    CSS_PATH = "workout.tcss"
    TITLE = "tracker history"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, sessions: list[dict], db_path: str = "") -> None:
        super().__init__()
        self.sessions, self.db_path = sessions, db_path

    def on_mount(self) -> None:
        self.push_screen(HistoryScreen(self.sessions, self.db_path))
