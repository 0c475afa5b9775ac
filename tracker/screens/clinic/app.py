"""The assessment's Textual application: the driver as a worker, its views to the screens."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.message import Message

from tracker.clinic.driver import AssessDriver, AssessOver, CueNotice
from tracker.clinic.report import default_report_path
from tracker.clinic.view import AssessView
from tracker.core.errors import TrackerError
from tracker.screens.clinic.screens import (
    ClinicHelpScreen,
    PatientScreen,
    ProtocolScreen,
    ResultsScreen,
    TrialScreen,
)


class AssessTick(Message):
    """A new view; only the newest matters (queued ones are merged)."""

    def __init__(self, view: AssessView) -> None:
        super().__init__()
        self.view = view

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, AssessTick)


class CueMessage(Message):
    """A cue (3, 2, 1, GO, STOP): never merged, each may ring."""

    def __init__(self, cue) -> None:
        super().__init__()
        self.cue = cue


class AssessEnded(Message):
    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class AssessApp(App):
    """The clinician's flow: patient, protocol, trials, results, report.

    Parameters
    ----------
    driver : AssessDriver
    patient : str, optional
        Skip the patient screen (a new ID opens the form to add it).
    visit : int, optional
        Continue this visit (its patient is the patient).
    protocol : Protocol, optional
        Skip the protocol screen.
    bell : bool
        Ring at GO and STOP.
    """

    CSS_PATH = str(Path(__file__).with_name("clinic.tcss"))
    TITLE = "tracker assess"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[Binding]] = [Binding("ctrl+c", "quit_assessment", show=False)]

    def __init__(
        self, driver: AssessDriver, *, patient=None, visit=None, protocol=None, bell=True
    ) -> None:
        super().__init__()
        self.driver = driver
        self.start_patient = patient
        self.start_visit = visit
        self.start_protocol = protocol
        self.bell_on = bell
        self.view: AssessView | None = None
        self.reports_written: list[str] = []
        self.ended: str | None = None
        self._quitting = False

    def on_mount(self) -> None:
        self.run_worker(self.driver.run(self._post), name="sensor", group="sensor")
        history = self.driver.history
        try:
            if self.start_visit is not None:
                visit = history.visit(self.start_visit)
                self.push_screen(PatientScreen())
                self.patient_chosen(visit["patient_id"], visit=self.start_visit)
                return
            self.push_screen(PatientScreen())
            if self.start_patient is None:
                return
            known = {p["id"] for p in history.patients()}
            if self.start_patient in known:
                self.patient_chosen(self.start_patient)
            else:
                self.screen.action_new(self.start_patient)
        except TrackerError as exc:
            self.notify(exc.one_line(), severity="error", timeout=8)

    def _post(self, item: object) -> None:
        if isinstance(item, AssessView):
            self.post_message(AssessTick(item))
        elif isinstance(item, CueNotice):
            self.post_message(CueMessage(item.cue))
        elif isinstance(item, AssessOver):
            self.post_message(AssessEnded(item.reason))

    # -- the flow ---------------------------------------------------------------------------

    def patient_chosen(self, patient_id: str, visit: int | None = None) -> None:
        self.driver.choose_patient(patient_id, visit)
        if self.start_protocol is not None:
            self.protocol_chosen(self.start_protocol.name)
        else:
            self.switch_screen(ProtocolScreen())

    def protocol_chosen(self, name: str) -> None:
        try:
            self.driver.begin(self.driver.protocols[name])
        except TrackerError as exc:
            self.notify(exc.one_line(), severity="warning", timeout=5)
            return
        self.switch_screen(TrialScreen())

    def action_results(self) -> None:
        if isinstance(self.screen, ResultsScreen) or self.driver.visit is None:
            return
        path = default_report_path(self.driver.history, self.driver.visit)
        self.push_screen(ResultsScreen(self.driver.view(), str(path)))

    def action_another_protocol(self) -> None:
        if self.driver.trial_running:
            self.notify("a trial is under way", severity="warning")
            return
        if isinstance(self.screen, ResultsScreen):
            self.pop_screen()
        self.switch_screen(ProtocolScreen())

    def action_write_report(self) -> None:
        driver = self.driver
        if driver.visit is None:
            return
        path = default_report_path(driver.history, driver.visit)
        self.notify(f"Writing the report to {path}…", timeout=3)
        self.run_worker(
            lambda: self._write_report(driver.history.path, driver.visit["id"], path),
            thread=True,
            name="report",
            group="report",
        )

    def _write_report(self, db: Path, visit_id: int, path: Path) -> None:
        """In a thread, with its own database connection."""
        from tracker.clinic.report import pdf_available, write_report
        from tracker.files.history import History, private_dir

        try:
            private_dir(path.parent)
            with History.open(db) as history:
                written = write_report(
                    history,
                    visit_id,
                    path,
                    html_only=not pdf_available(),
                    protocols=self.driver.protocols,
                )
        except (TrackerError, OSError) as exc:
            self.call_from_thread(self.notify, f"No report: {exc}", severity="error")
            return
        self.call_from_thread(self._report_done, [str(p) for p in written])

    def _report_done(self, written: list[str]) -> None:
        self.reports_written += written
        self.notify("Report written: " + " and ".join(written), timeout=10)

    def action_help(self) -> None:
        self.push_screen(ClinicHelpScreen())

    def action_toggle_bell(self) -> None:
        self.bell_on = not self.bell_on
        self.notify(f"Bell {'on' if self.bell_on else 'off'}", timeout=2)

    def action_quit_assessment(self) -> None:
        """Quit; a trial under way is kept, marked incomplete."""
        self._quitting = True
        self.driver.stop()
        if self.driver.open_source is None or self.ended is not None:
            self.driver.close()
            self.exit()

    # -- messages -------------------------------------------------------------------------------

    def on_assess_tick(self, message: AssessTick) -> None:
        self.view = message.view
        for screen in self.screen_stack:
            if hasattr(screen, "show") and getattr(screen, "ready", False):
                try:
                    screen.show(message.view)
                except NoMatches:  # its widgets are gone already: the app is closing
                    continue
        self.displayed(message.view)

    def displayed(self, view: AssessView) -> None:
        """Called after each view is handed to the screens (a hook for tests)."""

    def on_cue_message(self, message: CueMessage) -> None:
        if message.cue.bell and self.bell_on:
            self.bell()

    def on_assess_ended(self, message: AssessEnded) -> None:
        self.ended = message.reason
        if self._quitting:
            self.exit()
        elif message.reason != "no sensor":
            self.notify(f"The sensor stream ended ({message.reason})", severity="warning")
