"""The history screen: home workouts per exercise and side, a plot of each measure, trends."""

from __future__ import annotations

import math
from itertools import groupby
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
    SAME_SPARC,
    TREND_MEASURES,
    day_text,
    exercise_rows,
    measure_words,
    side_pairs,
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


# Steps a scale's ticks may take (times a power of ten), and the most ticks it shows.
NICE_STEPS = (1.0, 2.0, 2.5, 5.0)
MOST_TICKS = 6
# SPARC has no natural zero (a perfectly smooth movement is -1.41): its scale spans at
# least ten times the change called "about the same", so that stays about flat.
MIN_SPAN = {"sparc": 10 * SAME_SPARC}


def _nice_step(span: float, most: int) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten that covers ``span`` in ``most``."""
    power = 10.0 ** math.floor(math.log10(span / most))
    return next(m * p for p in (power, 10 * power) for m in NICE_STEPS if m * p * most >= span)


def plot_axis(
    key: str, values: list[float], target: float | None = None, rows: int = 10
) -> tuple[float, float, tuple[float, ...]]:
    """A measure's scale: (low, high, ticks), ticks on round numbers.

    A share in % runs 0-100. Any other measure's scale takes in 0 (and a hold's target), so
    a change looks as large as it is and day-to-day noise stays flat: 58.5-61.7 s of a
    60 s hold is a flat line near the top, not a trend. SPARC, which has no zero, spans at
    least ``MIN_SPAN``."""
    most = max(1, min(MOST_TICKS - 1, rows // 2))  # intervals: a row or more between ticks
    if key == "completion_pct":
        lo, hi = 0.0, 100.0
    else:
        seen = [v for v in values if math.isfinite(v)] or [0.0]
        lo, hi = min(seen), max(seen)
        if key in MIN_SPAN:
            grow = max(MIN_SPAN[key] - (hi - lo), 0.0) / 2
            lo, hi = lo - grow, hi + grow
        else:
            lo, hi = min(lo, 0.0, target or 0.0), max(hi, 0.0, target or 0.0)
    step = _nice_step(max(hi - lo, 1e-9), most)
    lo, hi = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
    hi = max(hi, lo + step)
    ticks = tuple(lo + i * step for i in range(round((hi - lo) / step) + 1))
    return lo, hi, ticks


def _tick_text(value: float, step: float) -> str:
    """A tick's label with the decimals its step needs (none for whole steps)."""
    digits = next(d for d in range(4) if abs(round(step, d) - step) < 1e-9)
    return f"{value:.{digits}f}".replace("-", "−")


class MeasurePlot(Widget):
    """One measure over the sessions (oldest left), with its scale and first/last dates;
    the other side's values of the same exercise in grey behind it, on the same scale."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.series: tuple[list[str], list[float], str, str] | None = None
        self.other: tuple[list[str], list[float], str] | None = None  # dates, values, whose
        self.key = ""
        self.target: float | None = None
        self.axis: tuple[float, float, tuple[float, ...]] | None = None  # the last drawn

    def show(
        self,
        dates: list[str],
        values: list[float],
        words: str,
        unit: str,
        *,
        key: str = "",
        target: float | None = None,
        other: tuple[list[str], list[float], str] | None = None,
    ) -> None:
        self.series = (dates, values, words, unit)
        self.other = other if other and other[1] else None
        self.key, self.target = key, target
        self.axis = self._axis(self._rows())
        self.refresh()

    def _rows(self) -> int:
        return max(self.size.height - 2, 1)  # a line above for the title, one below for dates

    def _axis(self, rows: int) -> tuple[float, float, tuple[float, ...]]:
        assert self.series is not None
        both = self.series[1] + (self.other[1] if self.other else [])
        return plot_axis(self.key, both, self.target, rows)

    def render(self) -> Text:
        w = self.size.width
        if self.series is None or not self.series[1]:
            return Text("no values of this measure for this exercise and side", style=DIM)
        dates, values, words, unit = self.series
        out = Text(f"{words}{f' ({unit.strip()})' if unit.strip() else ''}", style="bold")
        n = len(values)
        sessions = f"{n} session{'s' if n != 1 else ''}"
        legend = [f"grey: {self.other[2]}"] if self.other else []
        # One line: what is shortest to lose goes first (the direction, then the count).
        for tail in ([f"{sessions}, oldest left", *legend], [sessions, *legend], legend):
            if len(out) + sum(3 + len(t) for t in tail) <= w:
                break
        out.append("".join(f" · {t}" for t in tail), style=DIM)
        out.truncate(w, overflow="ellipsis")
        rows = self._rows()
        self.axis = lo, hi, ticks = self._axis(rows)
        step = ticks[1] - ticks[0]
        labels = {min(int((hi - v) / (hi - lo) * rows), rows - 1): v for v in ticks}
        label_w = max(len(_tick_text(v, step)) for v in ticks) + 2
        cols = max(w - label_w, 2)
        # Sessions are placed by date, the two sides' together.
        days = sorted(set(dates) | set(self.other[0] if self.other else []))
        at = {d: float(i) for i, d in enumerate(days)}
        span = (-0.5, max(len(days) - 0.5, 0.5))

        def dots(ds: list[str], vs: list[float]) -> np.ndarray:
            x = np.array([at[d] for d in ds])
            fine = np.linspace(x[0], x[-1], 4 * cols)  # a line between the sessions
            grid = plot.trace_grid(fine, np.interp(fine, x, vs), cols, rows, span, (lo, hi))
            return plot.cells(grid)

        mine = dots(dates, values)
        behind = dots(*self.other[:2]) if self.other else np.full_like(mine, 0x2800)
        for i in range(rows):
            label = _tick_text(labels[i], step) if i in labels else ""
            out.append("\n" + label.rjust(label_w - 1) + " ", style=DIM)
            cells = zip(mine[i].tolist(), behind[i].tolist(), strict=True)
            for front, run in groupby(cells, lambda c: c[0] > 0x2800):  # this side in front
                text = "".join(chr(a if front else b) for a, b in run)
                out.append(text, style="bold cyan" if front else DIM)
        first, last = day_text(days[0]), day_text(days[-1])
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
        self.trends = {(t.exercise, t.side, t.measure): t for t in trends(group)}
        self.pairs = {p.exercise: p for p in side_pairs(group)}
        self.rows = [r for s in group for r in exercise_rows(s)]  # newest session first
        self.keys = list(dict.fromkeys((r["exercise"], r["side"]) for r in self.rows))
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
        sim = " simulated" if self.label else ""
        head.append(f" · {n}{sim} session{'s' if n != 1 else ''}", style=DIM)
        if not self.keys:
            top.update(head)
            words.update(
                Text(f"No workouts yet ({self.db_path}). Each tracker live session is added.")
            )
            return
        exercise, side = self.keys[self.pick]
        row = next(r for r in self.rows if (r["exercise"], r["side"]) == (exercise, side))
        measures = self._measures()
        self.measure %= max(len(measures), 1)
        head.append(f" · exercise {self.pick + 1}/{len(self.keys)} (j/k)", style=DIM)
        head.append(f" · measure {self.measure + 1}/{len(measures)} (tab)", style=DIM)
        top.update(head)
        lines = Text(f"{exercise}, {side_text(side, row['side_role'])}", style="bold")
        plot_widget = self.query_one(MeasurePlot)
        if not measures:
            words.update(lines)
            self._table(exercise, side)
            return
        # What the plot shows, in words: its change, and the other side's value beside it.
        key, label, unit = measures[self.measure][:3]
        label = measure_words(key, label, row["kind"])
        trend = self.trends.get((exercise, side, key))
        if trend is None:
            lines.append("\nOnly one session with this measure so far.")
        else:
            style = "green" if trend.better else "yellow" if trend.better is False else ""
            lines.append("\n" + trend.change, style=style)
        pair = self.pairs.get(exercise)
        part = pair.part(key) if pair and row["side_role"] else None
        if part:
            lines.append(f"\nOn {pair.day}, {pair.sides}: {part}", style=DIM)
        words.update(lines)
        points = [
            (r["started_utc"], r[key])
            for r in reversed(self.rows)
            if (r["exercise"], r["side"]) == (exercise, side) and r[key] is not None
        ]
        target = row["hold_target_s"] if key == "hold_s" else None
        dates, values = [d for d, _ in points], [v for _, v in points]
        plot_widget.show(
            dates, values, label, unit, key=key, target=target, other=self._other_side(key)
        )
        self._table(exercise, side)

    def _other_side(self, key: str) -> tuple[list[str], list[float], str] | None:
        """The picked exercise's other side: its dates and values of ``key``, and whose."""
        exercise, side = self.keys[self.pick]
        if side is None:
            return None
        rows = [
            r
            for r in reversed(self.rows)
            if r["exercise"] == exercise and r["side"] not in (side, None) and r[key] is not None
        ]
        if not rows:
            return None
        whose = side_text(rows[-1]["side"], rows[-1]["side_role"])
        return [r["started_utc"] for r in rows], [r[key] for r in rows], whose

    def _table(self, exercise: str, side: str | None) -> None:
        table = self.query_one("#history-table", DataTable)
        table.clear(columns=True)
        mine = [r for r in self.rows if (r["exercise"], r["side"]) == (exercise, side)]
        used = [c for c in COLUMNS if c[0] == "reps" or any(r[c[0]] is not None for r in mine)]
        done = {"balance": "stances", "hold": "holds"}.get(mine[0]["kind"], "reps")
        table.add_columns("date", *(done if k == "reps" else h for k, h, _ in used))
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
            measures = self._measures()
            was = self.keys[self.pick][0], measures[self.measure][0] if measures else None
            self.pick = (self.pick + step) % len(self.keys)
            names = [m[0] for m in self._measures()]
            # The other side of the same exercise keeps the measure, to be compared.
            same = self.keys[self.pick][0] == was[0] and was[1] in names
            self.measure = names.index(was[1]) if same else self._first_changed()
            self.redraw()

    def _first_changed(self) -> int:
        """The measure of the picked exercise's first change, else its first measure past
        the reps done (the hold for a balance exercise, the depth for reps)."""
        key = self.keys[self.pick] if self.keys else None
        names = [m[0] for m in self._measures()]
        for t in self.trends.values():
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
