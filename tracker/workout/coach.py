"""The coach: follows a program's steps, sets, sides and reps from the pipeline's updates.

Headless and deterministic. Time is the stream's sample time, never the wall
clock, so a replay at any speed coaches exactly as the live session did: reps are
handled at the time they were reported, rest and set timeouts expire at their
exact times, holds are decided per sample. ``update(u)`` takes each ``Update`` in
order, ``command(name)`` a person's key (``next``, ``pause``, ``resume``,
``sensor_moved``); both return the ``CoachEvent`` they caused, and ``state()`` is
an immutable snapshot for a display.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tracker.core.types import BalanceLive, Update
from tracker.workout.holds import HoldTracker
from tracker.workout.judgements import RepVerdict, SetSummary, judge_rep, summarise_set
from tracker.workout.programs import Program, Step, leg_of

EXTRA_REP_GAP_S = 12.0  # a rep starting this soon after the set's last one belongs to it
CUE_SHOW_S = 8.0  # a cue stays on screen this long (stream time)

__all__ = ["Coach", "CoachEvent", "CoachState", "RepVerdict", "SetSummary"]


@dataclass(frozen=True)
class CoachEvent:
    """Something a person should notice, at stream time ``t_s``.

    ``kind``: calibrated, rep, cue, set, step, go, move_sensor, balance_start,
    balance_target, balance_lost, hold, paused, resumed, done.
    """

    kind: str
    t_s: float
    text: str
    level: str = "info"  # info | good | warn
    verdict: RepVerdict | None = None
    summary: SetSummary | None = None


@dataclass(frozen=True)
class CoachState:
    """What the coach is doing now (immutable, for a display)."""

    program: str
    mode: str  # calibrating | active | rest | paused | done
    calibrated: bool
    now_s: float | None
    step_index: int
    step_count: int
    step: Step | None
    set_number: int
    set_count: int
    side_leg: str | None
    side_label: str | None
    count: int
    target: int
    headline: str
    next_text: str
    cue: CoachEvent | None
    rest_left_s: float | None
    move_sensor_to: str | None
    sensor_leg: str
    rows: tuple[RepVerdict, ...]
    last_set: SetSummary | None
    balance: BalanceLive | None
    balance_left_s: float | None
    hold_s: float | None
    summaries: tuple[SetSummary, ...]


class Coach:
    """Coaches ``program`` for a person whose painful leg is ``painful_leg``.

    Parameters
    ----------
    program : Program
    painful_leg : {"left", "right"}
        Where the program's "painful" side is; "good" is the other leg.
    sensor_leg : {"left", "right"}, optional
        The thigh the (one) sensor is on at the start; the painful leg by default.
    rate_hz : float
        The pipeline's grid rate (for hold timing).
    """

    def __init__(
        self,
        program: Program,
        *,
        painful_leg: str = "right",
        sensor_leg: str | None = None,
        rate_hz: float = 100.0,
    ):
        self.program = program
        self.painful_leg = painful_leg
        self.sensor_leg = sensor_leg or painful_leg
        self.rate_hz = rate_hz
        self.mode = "calibrating"
        self.calibrated = False
        self.now_s: float | None = None
        self.step_index = 0
        self.set_index = 0
        self.summaries: list[SetSummary] = []
        self._rows: list[RepVerdict] = []
        self._since_s = 0.0  # when the current set became active
        self._rest_until: float | None = None
        self._paused_mode: str | None = None
        self._paused_rest_left: float | None = None
        self._last_rep = None  # the last counted rep (for extras after a set)
        self._cue: CoachEvent | None = None
        self._move_to: str | None = None
        self._hold: HoldTracker | None = None
        self._holds_done = 0
        self._balance: BalanceLive | None = None
        self._balance_target_said = False
        self._balance_result: dict = {}  # hold_s, sway_rms_deg, lost_at_s of the set's bout
        self._events: list[CoachEvent] = []

    # -- where we are ------------------------------------------------------------

    @property
    def step(self) -> Step | None:
        steps = self.program.steps
        return steps[self.step_index] if self.step_index < len(steps) else None

    def _leg(self, step: Step | None = None, set_index: int | None = None) -> str | None:
        step = step or self.step
        if step is None:
            return None
        side = step.side_of_set(self.set_index if set_index is None else set_index)
        return leg_of(side, self.painful_leg)

    def _where(self, step: Step | None = None, set_index: int | None = None) -> str:
        step = step or self.step
        set_index = self.set_index if set_index is None else set_index
        leg = self._leg(step, set_index)
        side = f" · {leg} leg" if leg else ""
        return f"Set {set_index + 1}/{step.sets}{side}"

    # -- input -------------------------------------------------------------------

    def update(self, u: Update) -> list[CoachEvent]:
        """Take the next pipeline update; return what happened."""
        self._events = []
        if not u.calibrated:
            if self.calibrated and self.mode != "done":
                self._emit("cue", "Stand still on both feet for two seconds", "warn")
            self.calibrated = False
        elif not self.calibrated:
            self.calibrated = True
            t = u.latest_s if u.latest_s is not None else (self.now_s or 0.0)
            if self.mode == "calibrating":
                self._begin_set(t)
                self._emit("calibrated", f"Ready. {self._go_text()}", "good", t)
            else:
                self._emit("calibrated", "Calibrated again", "good", t)
        for rep in u.reps:
            self._advance(rep.reported_s)
            self._on_rep(rep)
        if u.latest_s is not None:
            self._on_samples(u)
            self._advance(u.latest_s)
        return self._events

    def command(self, name: str) -> list[CoachEvent]:
        """Apply a person's command: ``next``, ``pause``, ``resume``, ``toggle_pause``,
        ``sensor_moved``. Unknown names raise ValueError."""
        self._events = []
        t = self.now_s if self.now_s is not None else 0.0
        if name == "toggle_pause":
            name = "resume" if self.mode == "paused" else "pause"
        if name == "next":
            if self.mode == "active":
                self._finish_set(t, "skipped" if not self._count() else "early")
            elif self.mode == "rest":
                self._end_rest(t)
        elif name == "pause" and self.mode in ("active", "rest"):
            self._paused_mode, self.mode = self.mode, "paused"
            if self._rest_until is not None:
                self._paused_rest_left = max(self._rest_until - t, 0.0)
            self._emit("paused", "Paused: reps are not counted", "warn", t)
        elif name == "resume" and self.mode == "paused":
            self.mode = self._paused_mode or "active"
            if self.mode == "rest" and self._paused_rest_left is not None:
                self._rest_until = t + self._paused_rest_left
            self._emit("resumed", "Resumed", "info", t)
        elif name == "sensor_moved":
            self.sensor_leg = self._move_to or ("left" if self.sensor_leg == "right" else "right")
            self._move_to = None
            self._emit("cue", f"Sensor on the {self.sensor_leg} thigh: stand still", "info", t)
        elif name not in ("pause", "resume", "next"):
            raise ValueError(f"unknown coach command {name!r}")
        return self._events

    def finish(self) -> list[CoachEvent]:
        """The stream ended: close a started set (early) and end the session."""
        self._events = []
        t = self.now_s if self.now_s is not None else 0.0
        if self.mode == "paused":
            self.mode = self._paused_mode or "active"
        if self.mode == "active" and (self._count() or self._rows or self._balance_result):
            self._finish_set(t, "early")
        if self.mode != "done":
            self.mode = "done"
            self._emit("done", "Session ended before the program's end", "info", t)
        return self._events

    # -- time --------------------------------------------------------------------

    def _advance(self, t: float) -> None:
        """Let timers expire up to stream time ``t`` (at their own exact times)."""
        while True:
            step = self.step
            if self.mode == "rest" and t >= self._rest_until:
                self._end_rest(self._rest_until)
            elif (
                self.mode == "active"
                and step.kind == "reps"
                and self._rows
                and t >= self._rows[-1].rep.reported_s + step.set_timeout_s
            ):
                self._finish_set(self._rows[-1].rep.reported_s + step.set_timeout_s, "early")
            else:
                break
        self.now_s = t if self.now_s is None else max(self.now_s, t)

    def _emit(self, kind, text, level="info", t=None, **extra) -> CoachEvent:
        event = CoachEvent(kind, self.now_s if t is None else t, text, level, **extra)
        self._events.append(event)
        if kind not in ("rep", "set", "step", "done") or extra.get("verdict") is not None:
            self._cue = event
        return event

    # -- sets --------------------------------------------------------------------

    def _count(self) -> int:
        step = self.step
        if step is None:
            return 0
        if step.kind == "reps":
            return sum(not v.extra for v in self._rows)
        if step.kind == "hold":
            return self._holds_done
        return 0

    def _begin_set(self, t: float) -> None:
        self.mode = "active"
        self._since_s = t
        self._rows = []
        self._holds_done = 0
        self._balance = None
        self._balance_target_said = False
        self._rest_until = None
        step = self.step
        self._hold = HoldTracker(step, self.rate_hz) if step.kind == "hold" else None

    def _go_text(self) -> str:
        step = self.step
        if step is None:
            return "Session complete"
        return f"{step.name}: {self._where()}"

    def _end_rest(self, t: float) -> None:
        self._begin_set(t)
        self._emit("go", f"Go: {self._go_text()}", "good", t)

    def _finish_set(self, t: float, ended: str) -> None:
        step = self.step
        extra = {}
        if step.kind == "balance":
            extra = self._balance_result
        summary = summarise_set(
            step,
            self.step_index,
            self.set_index,
            self._leg(),
            tuple(self._rows),
            self._since_s,
            t,
            ended,
            holds=self._holds_done,
            **extra,
        )
        self.summaries.append(summary)
        self._emit("set", summary.text, "info", t, summary=summary)
        self._balance_result = {}
        self.set_index += 1
        if self.set_index >= step.sets:
            self.step_index += 1
            self.set_index = 0
        if self.step is None:
            self.mode = "done"
            self._emit("done", "Session complete: well done", "good", t)
            return
        self.mode = "rest"
        self._rest_until = t + step.rest_s
        if self.step is not step:
            self._emit("step", f"Next: {self.step.name}", "info", t)
        self._check_sensor(t)
        if step.rest_s <= 0:
            self._end_rest(t)

    def _check_sensor(self, t: float) -> None:
        step, leg = self.step, self._leg()
        if step.sensor == "working" and leg is not None and leg != self.sensor_leg:
            self._move_to = leg
            self._emit(
                "move_sensor",
                f"Move the sensor to your {leg} thigh, then press m and stand still",
                "warn",
                t,
            )
        else:
            self._move_to = None

    # -- reps --------------------------------------------------------------------

    def _on_rep(self, rep) -> None:
        step = self.step
        if self.mode == "paused":
            self._emit("cue", "Paused: that rep was not counted", "warn", rep.reported_s)
            return
        if self.mode == "rest":
            last = self.summaries[-1] if self.summaries else None
            if (
                self._last_rep is not None
                and last is not None
                and last.kind == "reps"
                and last.ended == "done"
                and rep.start_s - self._last_rep.end_s < EXTRA_REP_GAP_S
            ):
                self._extra_rep(rep, last)
                return
            if step is None or step.kind != "reps":
                return
            self._begin_set(rep.start_s)
            self._emit("go", f"Rest cut short: {self._go_text()}", "info", rep.reported_s)
        if self.mode != "active" or step is None or step.kind != "reps":
            return
        verdict = judge_rep(rep, step, len(self._rows) + 1, self.step_index, self.set_index)
        verdict = replace(verdict, side=self._leg())
        self._rows.append(verdict)
        self._last_rep = rep
        cue = verdict.cue_text
        level = "good" if verdict.in_target else "warn"
        self._emit("rep", cue or f"Rep {verdict.number}", level, rep.reported_s, verdict=verdict)
        if self._count() >= step.reps:
            self._finish_set(rep.end_s if rep.end_s > self._since_s else rep.reported_s, "done")

    def _extra_rep(self, rep, last: SetSummary) -> None:
        step = self.program.steps[last.step_index]
        number = last.reps + last.extra_reps + 1
        verdict = judge_rep(rep, step, number, last.step_index, last.set_number - 1)
        verdict = replace(verdict, extra=True, side=last.side)
        self.summaries[-1] = replace(last, extra_reps=last.extra_reps + 1)
        self._last_rep = rep
        self._emit("rep", f"Extra rep ({number})", "info", rep.reported_s, verdict=verdict)

    # -- balance and holds ---------------------------------------------------------

    def _on_samples(self, u: Update) -> None:
        step = self.step
        if self.mode != "active" or step is None:
            return
        if step.kind == "balance":
            self._on_balance(u, step)
        elif step.kind == "hold":
            keep = u.t_s >= self._since_s
            for ev in self._hold.push(u.t_s[keep], u.inclination_deg[keep]):
                self._on_hold(ev, step)
                if self.mode != "active":
                    break

    def _on_balance(self, u: Update, step: Step) -> None:
        t = u.latest_s
        for bout in u.bouts:
            if bout.end_s < self._since_s:
                continue
            held = bout.duration_s
            lost = held < step.hold_s - 0.5
            self._balance_result = {
                "hold_s": held,
                "sway_rms_deg": bout.sway_rms_deg,
                "lost_at_s": bout.end_s if lost else None,
            }
            if lost:
                text = f"Balance lost after {held:.0f} s (at t = {bout.end_s:.1f} s)"
                self._emit("balance_lost", text, "warn", t)
            self._balance = None
            self._finish_set(t, "done" if not lost else "early")
            return
        live = u.balance
        if live is not None and self._balance is None:
            self._emit("balance_start", f"On one leg: {step.hold_s:.0f} s to go", "info", t)
        if live is None and self._balance is not None:
            held = self._balance.elapsed_s
            self._emit("cue", f"Foot down after {held:.0f} s: too short to measure; again", "warn")
        if live is not None and live.elapsed_s >= step.hold_s and not self._balance_target_said:
            self._balance_target_said = True
            self._emit("balance_target", f"{step.hold_s:.0f} s: well done, foot down", "good", t)
        self._balance = live

    def _on_hold(self, ev, step: Step) -> None:
        if ev.kind == "reached":
            self._holds_done += 1
            text = f"Hold {self._holds_done}/{step.reps}: {ev.held_s:.0f} s"
            self._emit("hold", text, "good", ev.t_s)
            if self._holds_done >= step.reps:
                self._finish_set(ev.t_s, "done")
        elif ev.kind == "long":
            self._emit("cue", f"{step.hold_max_s:g} s: you can lower now", "info", ev.t_s)

    # -- output --------------------------------------------------------------------

    def state(self) -> CoachState:
        """An immutable snapshot of where the session is."""
        t = self.now_s
        done = self.mode == "done" or self.step is None
        step = None if done else self.step
        leg = None if done else self._leg()
        side = None if done else step.side_of_set(self.set_index)
        target = 0 if done else (step.reps if step.kind != "balance" else 1)
        count = self._count()
        if done:
            complete = len(self.summaries) >= self.program.total_sets
            headline = "Session complete" if complete else "Session ended"
        elif self.mode == "rest" and self.summaries:
            headline = self._done_text(self.summaries[-1], step)
        elif step.kind == "balance":
            headline = f"{self._where()} · {step.hold_s:.0f} s"
        else:
            headline = f"{self._where()} · {count}/{target}"
        cue = self._cue
        if cue is not None and t is not None and t - cue.t_s > CUE_SHOW_S:
            cue = None
        rest_left = None
        if self.mode == "rest" and t is not None:
            rest_left = max(self._rest_until - t, 0.0)
        elif self.mode == "paused" and self._paused_mode == "rest":
            rest_left = self._paused_rest_left
        rows = tuple(self._rows)
        if self.mode == "rest" and self.summaries and not rows:
            rows = self.summaries[-1].rows
        bal = self._balance if (step is not None and step.kind == "balance") else None
        return CoachState(
            program=self.program.name,
            mode=self.mode,
            calibrated=self.calibrated,
            now_s=t,
            step_index=self.step_index,
            step_count=len(self.program.steps),
            step=step,
            set_number=self.set_index + 1,
            set_count=0 if done else step.sets,
            side_leg=leg,
            side_label=f"{side} side" if side else None,
            count=count,
            target=target,
            headline=headline,
            next_text=self._next_text(),
            cue=cue,
            rest_left_s=rest_left,
            move_sensor_to=self._move_to,
            sensor_leg=self.sensor_leg,
            rows=rows,
            last_set=self.summaries[-1] if self.summaries else None,
            balance=bal,
            balance_left_s=None if bal is None else max(step.hold_s - bal.elapsed_s, 0.0),
            hold_s=self._hold.held_s if self._hold is not None else None,
            summaries=tuple(self.summaries),
        )

    @staticmethod
    def _done_text(last: SetSummary, step: Step) -> str:
        """The set just finished, shown while resting."""
        name = f"{last.step_name} " if last.step_name != step.name else ""
        if last.kind == "balance":
            held = "no stance" if last.hold_s is None else f"held {last.hold_s:.0f} s"
            return f"Done: {name}{last.where} · {held}"
        extra = f"+{last.extra_reps}" if last.extra_reps else ""
        ended = {"done": "", "early": " · ended early", "skipped": " · skipped"}[last.ended]
        return f"Done: {name}{last.where} · {last.reps}/{last.target}{extra}{ended}"

    def _next_text(self) -> str:
        step = self.step
        if step is None or self.mode == "done":
            return "Nothing left: the session is complete"
        if self.mode == "rest":
            return f"Next: {step.name} · {self._where()}"
        if self.set_index + 1 < step.sets:
            return f"Then: {self._where(step, self.set_index + 1)}"
        if self.step_index + 1 < len(self.program.steps):
            return f"Then: {self.program.steps[self.step_index + 1].name}"
        return "Then: done"

    def session_summary(self) -> dict:
        """The session as JSON-ready data: per step, its sets."""
        steps = []
        for i, step in enumerate(self.program.steps):
            sets = [s.to_json() for s in self.summaries if s.step_index == i]
            planned = [
                {"side": step.side_of_set(k), "target": step.reps if step.kind != "balance" else 1}
                for k in range(step.sets)
            ]  # what the program prescribed, per set: side (painful/good/None), reps or holds
            steps.append(
                {"name": step.name, "kind": step.kind, "sets": sets, "planned": planned}
                | ({"hold_s": step.hold_s} if step.kind != "reps" else {})
            )
        reps = sum(s.reps + s.extra_reps for s in self.summaries if s.kind == "reps")
        return {
            "program": self.program.name,
            "title": self.program.title,
            "painful_leg": self.painful_leg,
            "complete": len(self.summaries) >= self.program.total_sets,
            "sets_done": len(self.summaries),
            "sets_planned": self.program.total_sets,
            "reps": reps,
            "tempo_cues": sum(s.tempo_cues for s in self.summaries),
            "steps": steps,
        }
