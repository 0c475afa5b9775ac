"""The Textual application: one driver (live or replay) as a worker, messages to the screens."""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from tracker.screens.workout.messages import (
    CoachNotice,
    LoadProgress,
    SessionFinished,
    ViewTick,
    wrap,
)
from tracker.screens.workout.screens import (
    LiveScreen,
    ReplayScreen,
    SummaryScreen,
    WorkoutHelpScreen,
    WorkoutScreen,
)
from tracker.workout.drivers import LiveDriver, ReplayDriver, SessionOver
from tracker.workout.view import WorkoutView


class TrackerApp(App):
    """The dashboard for ``driver`` (a ``LiveDriver`` or a ``ReplayDriver``).

    Parameters
    ----------
    driver : LiveDriver or ReplayDriver
    bell : bool
        Ring the terminal bell on each counted rep, twice on a rep outside its targets.
    """

    CSS_PATH = str(Path(__file__).with_name("workout.tcss"))
    TITLE = "tracker"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, driver: LiveDriver | ReplayDriver, *, bell: bool = False) -> None:
        super().__init__()
        self.driver = driver
        self.bell_on = bell
        self.history_db: str | None = None  # where `h` on the summary reads the history
        self.view: WorkoutView | None = None
        self.over: SessionOver | None = None
        self.workout_screen: WorkoutScreen = (
            ReplayScreen() if driver.kind == "replay" else LiveScreen()
        )

    def on_mount(self) -> None:
        self.push_screen(self.workout_screen)
        self.run_worker(self._drive(), name="session", group="session")

    async def _drive(self) -> None:
        await self.driver.run(self._post)

    def _post(self, item: object) -> None:
        message = wrap(item)
        if message is not None:
            self.post_message(message)

    # -- messages --------------------------------------------------------------------

    def on_view_tick(self, message: ViewTick) -> None:
        self.view = message.view
        self.workout_screen.show(message.view)
        self.displayed(message.view)

    def displayed(self, view: WorkoutView) -> None:
        """Called after each view is handed to the screen (a hook for measurements)."""

    def on_coach_notice(self, message: CoachNotice) -> None:
        event = message.event
        if event.kind == "rep" and self.bell_on and event.verdict is not None:
            self.bell()
            if not event.verdict.in_target:
                self.set_timer(0.25, self.bell)
        elif event.kind == "move_sensor":
            self.notify(event.text, severity="warning", timeout=10)

    def on_load_progress(self, message: LoadProgress) -> None:
        self.workout_screen.query_one("#cue").set(
            f"Reading the recording… {100 * message.fraction:.0f}%"
        )

    def on_session_finished(self, message: SessionFinished) -> None:
        self.over = message.over
        if self.over.reason == "no sensor":
            self.exit()  # nothing to show: the command says in one line what is wrong
            return
        self.push_screen(SummaryScreen(self.over, self.view))

    # -- actions ------------------------------------------------------------------------

    def action_toggle_bell(self) -> None:
        self.bell_on = not self.bell_on
        self.notify(f"Bell {'on' if self.bell_on else 'off'}", timeout=2)

    def action_help(self) -> None:
        bindings = list(self.workout_screen.BINDINGS)
        self.push_screen(WorkoutHelpScreen(bindings, self.view))

    def action_history(self) -> None:
        """The home history (``history_db``; the per-user one when None), with this session."""
        from tracker.core.errors import TrackerError
        from tracker.files.history import History
        from tracker.screens.workout.history import HistoryScreen

        try:
            with History.open(self.history_db) as history:
                sessions, path = history.sessions(limit=1_000_000), str(history.path)
        except TrackerError as exc:
            self.notify(f"No history: {exc.one_line()}", severity="error")
            return
        self.push_screen(HistoryScreen(sessions, path))

    def action_end_session(self) -> None:
        """Quit: a live session is stopped first (recording closed, summary shown)."""
        if self.driver.kind == "replay" or self.over is not None:
            self.driver.stop()
            self.exit()
        else:
            self.driver.stop()
