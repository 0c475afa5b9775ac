"""Screens: the workout (live or replay), help, and the end-of-session summary."""

from __future__ import annotations

import time
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

from tracker.screens.text import KEY_LEAD, Hanging
from tracker.screens.workout.widgets import (
    BigNumber,
    CueLine,
    InfoLine,
    Line,
    ReplayBar,
    RepTable,
    SetLog,
    StepPanel,
    SwayPlot,
    TopBar,
    TracePlot,
    clock,
)
from tracker.workout.coach import CoachState
from tracker.workout.drivers import SessionOver
from tracker.workout.view import WorkoutView


def big_value(c: CoachState) -> tuple[str, str]:
    """The big number and the line under it."""
    if c.mode == "done":
        reps = sum(s.reps + s.extra_reps for s in c.summaries if s.kind == "reps")
        return str(reps), "reps in all"
    if not c.calibrated:
        return "--", "stand still"
    if c.mode == "rest" or (c.mode == "paused" and c.rest_left_s is not None):
        return clock(c.rest_left_s), "rest" + (" · paused" if c.mode == "paused" else "")
    step = c.step
    paused = " · paused" if c.mode == "paused" else ""
    if step.kind == "balance":
        if c.balance is None:
            return clock(step.hold_s), "lift one foot" + paused
        return clock(c.balance_left_s), "on one leg" + paused
    if step.kind == "hold":
        return clock(c.hold_s), f"hold {c.count}/{c.target} · {step.hold_s:g} s" + paused
    return str(c.count), f"of {c.target} · set {c.set_number}/{c.set_count}" + paused


class WorkoutScreen(Screen):
    """What a person sees during a workout; the same for live and replay."""

    def __init__(self) -> None:
        super().__init__()
        self.view: WorkoutView | None = None
        self._lost_since: float | None = None  # wall clock, for "lost for N s"

    def compose(self) -> ComposeResult:
        yield TopBar(id="top")
        yield StepPanel(id="step")
        with Horizontal(id="middle"):
            with Vertical(id="counter"):
                yield BigNumber("--", id="big")
                yield Line("", id="big-label")
            yield TracePlot(id="trace")
            yield SwayPlot(id="sway")
        yield CueLine(id="cue")
        yield RepTable(id="reps")
        yield SetLog(id="setlog")
        yield InfoLine(id="info")
        yield ReplayBar(id="replaybar")
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)  # a lost sensor never freezes the screen

    def _tick(self) -> None:
        if self.view is not None and self.view.link.lost:
            self.show(self.view)

    def show(self, view: WorkoutView) -> None:
        """Draw a view (called for each ``ViewTick``)."""
        self.view = view
        if view.link.lost:
            self._lost_since = self._lost_since or time.monotonic()
        else:
            self._lost_since = None
        lost_for = time.monotonic() - self._lost_since if self._lost_since else None
        if view.replay is not None and view.link.since_s is not None and view.t_s is not None:
            lost_for = max(view.t_s - view.link.since_s, 0.0)  # stream time in a replay
        c = view.coach
        kind = c.step.kind if c.step is not None else "done"
        self.set_class(kind == "balance", "-balance")
        self.set_class(c.mode == "rest", "-rest")
        self.set_class(view.replay is not None, "-replay")
        self.query_one(TopBar).show(view, lost_for)
        self.query_one(StepPanel).show(view)
        value, label = big_value(c)
        big = self.query_one("#big", BigNumber)
        if big.value != value:
            big.update(value)
        self.query_one("#big-label", Line).set(Text(label))
        self.query_one(TracePlot).show(view)
        self.query_one(SwayPlot).show(view)
        self.query_one(CueLine).show(view)
        self.query_one(RepTable).show(view)
        self.query_one(SetLog).show(view)
        self.query_one(InfoLine).show(view)
        self.query_one(ReplayBar).show(view)


class LiveScreen(WorkoutScreen):
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("space", "coach('toggle_pause')", "Pause"),
        Binding("n", "coach('next')", "Next"),
        Binding("c", "recalibrate", "Recalibrate"),
        Binding("m", "sensor_moved", "Sensor moved"),
        Binding("b", "app.toggle_bell", "Bell"),
        Binding("question_mark", "app.help", "Help", key_display="?"),
        Binding("q", "app.end_session", "Quit"),
    ]

    def action_coach(self, name: str) -> None:
        self.app.driver.command(name)

    def action_recalibrate(self) -> None:
        self.app.driver.recalibrate()
        self.app.notify("Recalibrating: stand still on both feet", timeout=3)

    def action_sensor_moved(self) -> None:
        self.app.driver.command("sensor_moved")
        self.app.driver.recalibrate()


class ReplayScreen(WorkoutScreen):
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("space", "play", "Play"),
        Binding("left", "seek(-10)", "Back 10 s", show=False),
        Binding("right", "seek(10)", "On 10 s", show=False),
        Binding("minus", "speed(-1)", "Slower", key_display="-", show=False),
        Binding("plus,equals_sign", "speed(1)", "Faster", key_display="+", show=False),
        Binding("n", "jump('rep')", "Rep"),
        Binding("s", "jump('set')", "Set"),
        Binding("b", "jump('bout')", "Bout"),
        Binding("home", "restart", "Start", show=False),
        Binding("question_mark", "app.help", "Help", key_display="?"),
        Binding("q", "app.end_session", "Quit"),
    ]

    def action_play(self) -> None:
        self.app.driver.toggle_play()

    def action_seek(self, delta_s: float) -> None:
        self.app.driver.seek_by(float(delta_s))

    def action_speed(self, step: int) -> None:
        driver = self.app.driver
        driver.faster() if step > 0 else driver.slower()

    def action_jump(self, kind: str) -> None:
        if not self.app.driver.jump(kind):
            self.app.notify(f"No further {kind} in this recording", timeout=2)

    def action_restart(self) -> None:
        self.app.driver.seek_to(self.app.driver.player.data.start_s)


HELP = """\
[b]Keys[/b]
$keys

[b]What one thigh sensor measures[/b]
The thigh's inclination from standing (not the knee angle), its tilt in two planes, and \
how fast it turns. From these: reps, depth, descent and ascent times, smoothness (SPARC), \
wobble (side-to-side shake during a rep), balance sway, and holds (the thigh still in a \
position).

[b]This exercise[/b]
$step

[b]Colours[/b] green: within the exercise's target · yellow: outside it (with a cue). \
Time on screen is the sensor's time: when the sensor is lost, timers wait.
"""


class WorkoutHelpScreen(ModalScreen):
    """Keys, what the sensor can and cannot judge, and what the colours mean."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape,question_mark,q", "app.pop_screen", "Close")
    ]

    def __init__(self, bindings: list[Binding], view: WorkoutView | None) -> None:
        super().__init__()
        self._keys = "\n".join(
            f"  {b.key_display or b.key:<16} {b.description}" for b in bindings if b.description
        )
        step = view.coach.step if view is not None else None
        if step is None:
            self._step = "No exercise running."
        else:
            self._step = f"{step.name}: {step.cue}\nJudged: {step.judged_text}"
            if step.not_judged:
                self._step += f"\nNot judged: {step.not_judged}"

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            # a program's words are inserted as written, never read as markup ("[bold")
            help = Content.from_markup(HELP, keys=self._keys, step=self._step)
            yield Static(Hanging(help, lead=KEY_LEAD))
            yield Static("[dim]escape or ? to close[/dim]")


class SummaryScreen(Screen):
    """The end of the session: every set, the recording and the history entry."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("q,enter", "app.quit", "Quit"),
        Binding("h", "app.history", "History"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, over: SessionOver, view: WorkoutView | None) -> None:
        super().__init__()
        self.over = over
        self.view = view

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="summary"):
            # a set's or a change's line wraps under its own text, a step further in
            yield Static(Hanging(summary_text(self.over, self.view), hang=2))
        yield Footer()


def summary_text(over: SessionOver, view: WorkoutView | None) -> Text:
    """The end-of-session summary as text."""
    coach = over.coach or {}
    out = Text("Session summary", style="bold underline")
    if view is not None and view.simulated:
        out.append("  SIMULATED DATA", style="bold black on yellow")
    title = coach.get("title") or coach.get("program", "")
    out.append(f"\n{title}: {coach.get('sets_done', 0)} of ")
    out.append(f"{coach.get('sets_planned', 0)} sets, {coach.get('reps', 0)} reps")
    if coach.get("tempo_cues"):
        out.append(f", {coach['tempo_cues']} too fast on the way down", style="yellow")
    summary = over.summary or {}
    if summary.get("duration_s") is not None:
        out.append(f" · {clock(summary['duration_s'])} of data, {summary.get('gaps', 0)} gaps")
    out.append(f"\n({over.reason})\n", style="grey50")
    sets = view.coach.summaries if view is not None else ()
    step_name = None
    for s in sets:
        if s.step_name != step_name:
            step_name = s.step_name
            out.append(f"\n{step_name}\n", style="bold")
        style = "" if s.ended == "done" else "yellow"
        out.append(f"  {s.text}\n", style=style)
    if not sets:
        out.append("\nNo sets finished.\n")
    if over.recording:
        out.append(f"\nRecorded to {over.recording}", style="grey50")
        out.append(f"\nReplay it: tracker replay {over.recording}", style="grey50")
    if over.history:
        note, *changes = over.history.split("\n")
        out.append(f"\n{note}", style="grey50")
        if changes:
            out.append("\n\nWhat changed over your sessions:", style="bold")
            for line in changes:
                out.append(f"\n  {line}")
        if note.startswith("Added"):
            out.append("\nh: your history, plotted session by session")
    return out
