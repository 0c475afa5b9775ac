"""The assessment's screens: patient, protocol, trials, a reason, the visit's results."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Digits, Footer, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from tracker.clinic.view import AssessView
from tracker.core.errors import TrackerError
from tracker.screens.clinic.widgets import (
    AssessTopBar,
    CuePanel,
    FitTable,
    HeadPanel,
    StancePlot,
    SummaryPanel,
    TrialTable,
    big_value,
)
from tracker.screens.text import KEY_LEAD, Hanging
from tracker.screens.workout.widgets import Line

KEY_OF_ACTION = {  # the Assessment's key each action needs (state.keys)
    "start": "start",
    "practice": "practice",
    "end": "end",
    "discard": "discard",
    "redo": "redo",
    "next": "next",
    "conditions": "select",
}
REASONS = {
    "stance": (
        "hands left the hips",
        "eyes opened",
        "the legs touched",
        "held on to support",
        "the stance foot moved",
    ),
    "chair": ("used the arms", "did not stand up fully", "stopped to rest", "felt unwell"),
    "discard": (
        "not ready at the start",
        "instructions misunderstood",
        "the sensor slipped",
        "interrupted",
    ),
}


class ShownScreen(Screen):
    """A screen that draws views once its widgets are there (``ready``)."""

    ready = False

    def on_mount(self) -> None:
        self.ready = True
        if self.app.view is not None:
            self.show(self.app.view)

    def show(self, view: AssessView) -> None:
        self.query_one(AssessTopBar).show(view)


class PatientScreen(ShownScreen):
    """Choose the patient (pseudonymous ID and age band), or add one."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("enter", "choose", "Choose", priority=True),
        Binding("n", "new", "New patient"),
        Binding("q", "app.quit_assessment", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        yield AssessTopBar(id="top")
        yield Static(
            "[b]Choose the patient[/b]  [dim]pseudonymous IDs only: no names are stored[/dim]",
            id="title",
        )
        yield FitTable(id="patients", cursor_type="row")
        yield Static("", id="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_patients()
        super().on_mount()

    def refresh_patients(self, select: str | None = None) -> None:
        table = self.query_one("#patients", FitTable)
        patients = self.app.driver.history.patients()
        rows = [
            # a person's words, never read as markup
            tuple(map(Text, (p["id"], p["age_band"], p["sex"] or "", str(p["visits"]), p["notes"])))
            for p in patients
        ]
        table.fill(("ID", "age band", "sex", "visits", "notes"), rows, wrap=(4,))
        ids = [p["id"] for p in patients]
        if select in ids:
            table.move_cursor(row=ids.index(select))
        hint = "" if patients else "No patients yet: press n to add one."
        self.query_one("#hint", Static).update(hint)

    def action_choose(self) -> None:
        table = self.query_one("#patients", FitTable)
        if not table.row_count:
            self.action_new()
            return
        patient_id = str(table.get_row_at(table.cursor_row)[0])
        self.app.patient_chosen(patient_id)

    def action_new(self, patient_id: str = "") -> None:
        def added(pid: str | None) -> None:
            if pid is not None:
                self.refresh_patients(select=pid)
                self.app.patient_chosen(pid)

        self.app.push_screen(NewPatientScreen(patient_id), added)


class NewPatientScreen(ModalScreen):
    """A new pseudonymous patient: ID, age band (for the norms), sex (optional), notes."""

    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, patient_id: str = "") -> None:
        super().__init__()
        self.patient_id = patient_id

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static("[b]New patient[/b]  [dim]no names: a pseudonymous ID[/dim]")
            yield Input(self.patient_id, placeholder="ID, e.g. P-017", id="pid")
            yield Input(placeholder="age band, e.g. 70-74 or 80+", id="age")
            yield Select(
                [("female", "female"), ("male", "male")],
                prompt="sex (optional: for sex-specific norms)",
                id="sex",
            )
            yield Input(placeholder="notes (optional, no names)", id="notes")
            yield Static("[dim]enter to add · escape to cancel[/dim]", id="form-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        order = ["pid", "age", "notes"]
        values = {i: self.query_one(f"#{i}", Input).value.strip() for i in order}
        missing = [i for i in ("pid", "age") if not values[i]]
        if missing:
            self.query_one(f"#{missing[0]}", Input).focus()
            return
        sex = self.query_one("#sex", Select).value
        sex = sex if isinstance(sex, str) else None
        try:
            pid = self.app.driver.history.add_patient(
                values["pid"], age_band=values["age"], sex=sex, notes=values["notes"]
            )
        except TrackerError as exc:
            self.query_one("#form-error", Static).update(Text(exc.one_line(), style="bold red"))
            return
        self.dismiss(pid)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ProtocolScreen(ShownScreen):
    """Pick the protocol to run (the clinic's own files included)."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape", "back", "Back"),
        Binding("q", "app.quit_assessment", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        yield AssessTopBar(id="top")
        yield Static("[b]Choose the protocol[/b]  [dim]enter to start it[/dim]", id="title")
        options = []
        for p in self.app.driver.protocols.values():
            n = len(p.conditions)
            trials = f"{p.trials} trial{'s' if p.trials > 1 else ''}"
            if p.practice_trials:
                trials += f" + {p.practice_trials} practice"
            text = Text.assemble((p.title, "bold"), f"  {p.name}\n")
            text.append(f"  {n} condition{'s' if n > 1 else ''}, {trials} each", style="grey50")
            options.append(Option(text, id=p.name))
        yield OptionList(*options, id="protocols")
        yield Footer()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.app.protocol_chosen(event.option.id)

    def action_back(self) -> None:
        self.app.pop_screen()


class TrialScreen(ShownScreen):
    """The trials of one protocol: instructions, countdown, the live timer, the results."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("s", "start", "Start"),
        Binding("p", "practice", "Practice"),
        Binding("e", "end", "End…"),
        Binding("d", "discard", "Discard…"),
        Binding("r", "redo", "Redo…"),
        Binding("n", "next", "Next"),
        Binding("c", "conditions", "Conditions"),
        Binding("v", "app.results", "Results"),
        Binding("b", "app.toggle_bell", "Bell", show=False),
        Binding("question_mark", "app.help", "Help", key_display="?"),
        Binding("q", "app.quit_assessment", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: AssessView | None = None
        self._keys: tuple = ()

    def compose(self) -> ComposeResult:
        yield AssessTopBar(id="top")
        yield HeadPanel(id="head")
        with Horizontal(id="middle"):
            with Vertical(id="counter"):
                yield Digits("--", id="big")
                yield Line("", id="big-label")
            yield StancePlot(id="plot")
            yield Static(id="setup")
        yield CuePanel(id="cue")
        yield TrialTable(id="trials")
        yield SummaryPanel(id="summary")
        yield Footer()

    @property
    def driver(self):
        return self.app.driver

    def show(self, view: AssessView) -> None:
        self.view = view
        protocol = self.driver.protocol
        self.query_one(AssessTopBar).show(view)
        if protocol is not None:
            self.query_one(HeadPanel).show(view, protocol)
        value, label = big_value(view, protocol)
        big = self.query_one("#big", Digits)
        if big.value != value:
            big.update(value)
        self.query_one("#big-label", Line).set(Text(label))
        self.query_one(StancePlot).show(view)
        # before the protocol's first trial: how the test is set up (chair, shoes, arms, pace)
        first = view.state is not None and view.state.phase == "ready"
        first = first and view.state.last_trial_id is None and protocol is not None
        self.set_class(first, "-setup")
        if first:
            setup = " ".join(protocol.description.split())
            self.query_one("#setup", Static).update(Text.assemble(("Set-up: ", "bold"), setup))
        self.query_one(CuePanel).show(view)
        self.query_one(TrialTable).show(view, protocol)
        self.query_one(SummaryPanel).show(view, protocol)
        keys = self._allowed(view)
        if keys != self._keys:
            self._keys = keys
            self.refresh_bindings()

    def _allowed(self, view: AssessView) -> tuple:
        if view.waiting:
            return ("end", "discard")
        return view.state.keys if view.state is not None else ()

    def check_action(self, action: str, parameters) -> bool | None:
        needed = KEY_OF_ACTION.get(action)
        if needed is None or self.view is None:
            return True
        return needed in self._allowed(self.view)

    def _do(self, command, *args, **kwargs) -> None:
        try:
            command(*args, **kwargs)
        except TrackerError as exc:
            self.app.notify(exc.one_line(), severity="warning", timeout=4)

    def action_start(self) -> None:
        self._do(self.driver.start)

    def action_practice(self) -> None:
        self._do(self.driver.start, practice=True)

    def action_next(self) -> None:
        self._do(self.driver.next)
        if self.driver.assessment is not None and self.driver.assessment.phase == "done":
            self.app.action_results()

    def _ask(self, title: str, kind: str, command) -> None:
        """Hold the trial's clock, ask why, then act at the held moment (or carry on)."""
        self.driver.hold()

        def answered(reason: str | None) -> None:
            if reason:
                self._do(command, reason)
            self.driver.release()

        self.app.push_screen(ReasonScreen(title, REASONS[kind]), answered)

    def _stance_or_chair(self) -> str:
        return "stance" if self.driver.protocol.test == "stance" else "chair"

    def action_end(self) -> None:
        if self.driver.view().waiting:
            self._do(self.driver.end, "called off before the start")
            return
        self._ask("Why is the trial ended now?", self._stance_or_chair(), self.driver.end)

    def action_discard(self) -> None:
        if self.driver.view().waiting:
            self._do(self.driver.discard, "called off before the start")
            return
        running = self.driver.trial_running
        title = "Why is this trial discarded?" if running else "Why is the last trial discarded?"
        self._ask(title, "discard", self.driver.discard)

    def action_redo(self) -> None:
        self._ask("Why is the last trial redone?", "discard", self.driver.redo)

    def action_conditions(self) -> None:
        def chosen(name: str | None) -> None:
            if name:
                self._do(self.driver.select, name)

        self.app.push_screen(ConditionScreen(self.driver), chosen)


class ReasonScreen(ModalScreen):
    """Ask for the reason kept with a trial: a number picks a common one, or type it."""

    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, suggestions: tuple[str, ...]) -> None:
        super().__init__()
        self.title_text = title
        self.suggestions = suggestions

    def compose(self) -> ComposeResult:
        with Vertical(id="reason"):
            yield Static(f"[b]{self.title_text}[/b]  [dim](kept with the trial)[/dim]")
            # one a row: wrapped side by side, a reason was split over two rows
            picks = "\n".join(f"[b]{i + 1}[/b] {s}" for i, s in enumerate(self.suggestions))
            yield Static(picks, id="picks")
            yield Input(placeholder="the reason, or a number above", id="why")
            yield Static("[dim]enter to confirm · escape to carry on[/dim]")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if text.isdigit() and 1 <= int(text) <= len(self.suggestions):
            text = self.suggestions[int(text) - 1]
        if text:
            self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConditionScreen(ModalScreen):
    """Go to another condition of the protocol (between trials)."""

    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, driver) -> None:
        super().__init__()
        self.driver = driver

    def compose(self) -> ComposeResult:
        a = self.driver.assessment
        options = []
        for c in self.driver.protocol.conditions:
            done = a.counted(c.name)
            label = Text(f"{c.name}  ({done}/{self.driver.protocol.trials})")
            options.append(Option(label, id=c.name))
        with Vertical(id="conditions"):
            yield Static("[b]Go to a condition[/b]  [dim]enter to choose · escape[/dim]")
            yield OptionList(*options)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ClinicHelpScreen(ModalScreen):
    """Keys, what is timed and what one thigh sensor cannot see."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape,question_mark,q", "app.pop_screen", "Close")
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Hanging(Content.from_markup(HELP), lead=KEY_LEAD))


HELP = """\
[b]Keys[/b]
  s  start a trial (countdown, then GO with the bell)
  p  a practice trial: recorded, never counted
  e  end the running trial now, with a reason (hands off the hips, eyes opened…)
  d  discard the running or the last trial, with a reason (kept, not counted)
  r  redo the last trial (discarded with a reason, then ready again)
  n  next condition · c  choose a condition · v  the visit's results
  b  bell on/off · q  quit (a trial under way is kept as incomplete)
While a reason is typed the trial's clock is held at the key press.

[b]What is timed[/b] (docs/clinic.md)
Single-leg stance: from lift-off (the end of the weight shift onto the stance leg) to \
touch-down or a step, seen by the sensor on the STANCE thigh; the protocol's limit caps it. \
Hands leaving the hips, opened eyes or the legs touching cannot be seen by the thigh: end \
the trial with e and say why.
Five-times sit-to-stand: from the start of the first rise to the end of the fifth. \
30-second chair stand: rises more than halfway up within 30 s.

[b]Thigh sway[/b] is the thigh's tilt in degrees: no published norm exists; compare a \
patient with their earlier visits only.

[dim]escape or ? to close[/dim]"""


class ResultsScreen(ShownScreen):
    """The visit's results by protocol and condition, norms with sources, and the report."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("r", "app.write_report", "Write report"),
        Binding("p", "app.another_protocol", "Another protocol"),
        Binding("escape,t", "app.pop_screen", "Back to the trials"),
        Binding("q", "app.quit_assessment", "Quit"),
    ]

    def __init__(self, view: AssessView, report_path: str) -> None:
        super().__init__()
        self.view = view
        self.report_path = report_path

    def compose(self) -> ComposeResult:
        from tracker.screens.clinic.results import results_widgets

        yield AssessTopBar(id="top")
        with VerticalScroll(id="results"):
            yield from results_widgets(self.view, self.report_path)
        yield Footer()
