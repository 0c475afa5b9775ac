"""The assessment state machine: a screen shows ``state`` and forwards the clinician's keys.

One ``Assessment`` runs one protocol at a visit, condition by condition. Each trial gets
a fresh pipeline and its own private recording, is inserted in the history as
``recording`` before its countdown and finished (complete, incomplete, discarded) when
it ends, so nothing finished is ever lost. Time is the samples' clock: ``push(block)``
advances the countdown, the cues and the trial; it returns the cues to show (and ring).

Phases: ``ready`` (start a trial, or a practice one) → ``countdown`` → ``hold_still``
(until the pipeline has its reference) → ``running`` (after the start cue) →
``stopping`` (recording ``tail_s`` after the end) → ``result`` → ``ready`` … ``done``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from tracker.clinic.live import LiveStance
from tracker.clinic.protocols import Protocol
from tracker.clinic.scoring import EXERCISE, TrialResult, score_trace
from tracker.clinic.trace import TraceRecorder
from tracker.core.errors import InputError
from tracker.core.types import ImuBlock
from tracker.engine.pipeline import Pipeline, PipelineConfig
from tracker.files.history import History
from tracker.files.recording import RecordingWriter

LIMIT_MARGIN_S = 1.0


@dataclass(frozen=True)
class Cue:
    """Something to show, and to ring when ``bell``: ``count`` (3, 2, 1), ``start``, ``stop``."""

    kind: str
    text: str
    bell: bool
    t_s: float


@dataclass(frozen=True)
class AssessmentState:
    """What a screen displays; ``keys`` are the commands that make sense now."""

    phase: str
    protocol: str
    title: str
    condition: str | None
    instructions: str
    practice: bool
    counted: int  # counted trials of this condition so far
    wanted: int
    countdown_s: float | None
    elapsed_s: float | None  # since the start cue
    live_value: float | None  # provisional hold time (s), or stands so far
    live_label: str
    message: str
    last_result: dict | None
    last_trial_id: int | None
    keys: tuple[str, ...]


class Assessment:
    """Runs ``protocol`` for one visit. Commands: ``start``, ``end``, ``discard``,
    ``redo``, ``next``, ``select``, ``interrupt``; data: ``push``; display: ``state``."""

    def __init__(
        self,
        protocol: Protocol,
        history: History,
        visit_id: int,
        *,
        source: str = "sensor",
        simulated: bool = False,
    ):
        self.protocol = protocol
        self.history = history
        self.visit = history.visit(visit_id)
        self.source = source
        self.simulated = simulated
        self.index = 0
        self.phase = "ready"
        self.practice = False
        self.message = ""
        self.last_result: dict | None = None
        self.last_trial_id: int | None = None
        self._trial: int | None = None
        self.last_update = None  # the trial pipeline's output of the last push (for a screen)
        self.device: dict = {}  # the sensor (description, profile, model, firmware), if known
        self._reset_trial()

    # -- what a screen shows ------------------------------------------------------------

    @property
    def condition(self):
        return self.protocol.conditions[self.index] if self.phase != "done" else None

    def counted(self, condition_name: str | None = None) -> int:
        name = condition_name or (self.condition.name if self.condition else None)
        return sum(
            1
            for t in self.history.trials(self.visit["id"])
            if t["protocol"] == self.protocol.name
            and t["condition"] == name
            and t["status"] == "complete"
            and not t["practice"]
        )

    @property
    def state(self) -> AssessmentState:
        c = self.condition
        countdown = elapsed = live = None
        label = ""
        if self.phase == "countdown" and self._countdown_from is not None:
            countdown = max(0.0, self._countdown_from + self.protocol.countdown_s - self._now)
        if self._cue_s is not None and self.phase in ("running", "stopping"):
            elapsed = self._now - self._cue_s
            live, label = self._live_value()
        return AssessmentState(
            phase=self.phase,
            protocol=self.protocol.name,
            title=self.protocol.title,
            condition=c.name if c else None,
            instructions=c.instructions if c else "",
            practice=self.practice,
            counted=self.counted() if c else 0,
            wanted=self.protocol.trials,
            countdown_s=countdown,
            elapsed_s=elapsed,
            live_value=live,
            live_label=label,
            message=self.message,
            last_result=self.last_result,
            last_trial_id=self.last_trial_id,
            keys=self._keys(),
        )

    def _keys(self) -> tuple[str, ...]:
        return {
            "ready": ("start", "practice", "select", "next", "finish"),
            "countdown": ("end", "discard"),
            "hold_still": ("end", "discard"),
            "running": ("end", "discard"),
            "stopping": ("discard",),
            "result": ("start", "practice", "redo", "discard", "next", "finish"),
            "done": ("finish",),
        }[self.phase]

    def _live_value(self) -> tuple[float | None, str]:
        test = self.protocol.test
        if test == "stance":
            lifted = self._live.lifted_s if self._live else None
            if lifted is None:
                return None, "waiting for the foot to lift"
            start = self._cue_s if lifted == float("-inf") else lifted
            end = self._end_s if self._end_s is not None else self._now
            return min(end - start, self.protocol.max_s), "holding"
        stands = len(self._pipeline.all_stands) if self._pipeline else 0
        return float(stands), "stands"

    # -- commands ---------------------------------------------------------------------------

    def select(self, condition_name: str) -> None:
        """Go to a condition (only between trials)."""
        self._between("select a condition")
        names = [c.name for c in self.protocol.conditions]
        self.protocol.condition(condition_name)  # InputError listing them
        self.index = names.index(condition_name)
        self.phase, self.message = "ready", ""

    def start(self, *, practice: bool = False) -> None:
        """Begin a trial of the current condition: its row, recording, pipeline, countdown."""
        self._between("start a trial")
        c = self.condition
        slug = re.sub(r"[^a-z0-9]+", "-", c.name.lower()).strip("-")
        name = f"{self.protocol.name}-{slug}-{uuid.uuid4().hex[:8]}.trk"
        path = self.history.trial_recording_path(self.visit["patient_id"], self.visit["id"], name)
        self._trial = self.history.begin_trial(
            self.visit["id"],
            protocol=self.protocol.name,
            protocol_version=self.protocol.version,
            condition=c.name,
            practice=practice,
            recording_path=str(path),
        )
        meta = {
            "assessment": {
                "protocol": self.protocol.name,
                "protocol_version": self.protocol.version,
                "condition": c.name,
                "practice": practice,
                "trial_id": self._trial,
                "visit_id": self.visit["id"],
            },
            "simulated": self.simulated,
        }
        self._writer = RecordingWriter(
            path,
            source={"kind": self.source, "simulated": self.simulated},
            meta=meta,
            private=True,
            background=True,  # on the screen's event loop: a slow disk must not stall it
        )
        self._pipeline = Pipeline(PipelineConfig(exercise=EXERCISE[self.protocol.test]))
        self._recorder = TraceRecorder(self._pipeline.config.rate_hz)
        single = self.protocol.test == "stance" and c.start == "lift_off"
        if self.protocol.test == "stance":
            self._live = LiveStance(self._pipeline.config.rate_hz, single_leg=single)
        self.practice = practice
        self.phase = "countdown"
        self.message = "practice trial: it does not count" if practice else ""

    def push(self, block: ImuBlock) -> list[Cue]:
        """Feed the sensor's samples; returns the cues that fell due."""
        self.last_update = None
        if not len(block):
            return []
        self._now = float(block.t_s[-1])
        if self.phase not in ("countdown", "hold_still", "running", "stopping"):
            return []
        self._writer.write_samples(block)
        update = self._pipeline.push(block)
        self.last_update = update
        self._recorder.add(update)
        if self._live is not None and self.phase == "running":
            self._live.update(update)
        cues: list[Cue] = []
        if self._countdown_from is None:
            self._countdown_from = float(block.t_s[0])
            self._said = int(self.protocol.countdown_s) + 1
        if self.phase == "countdown":
            left = self._countdown_from + self.protocol.countdown_s - self._now
            while self._said > 1 and left <= self._said - 1:
                self._said -= 1
                cues.append(Cue("count", str(self._said), False, self._now))
            if left <= 0:
                self.phase = "hold_still"
        if self.phase == "hold_still":
            if update.calibrated:
                cues.append(self._go())
            else:
                self.message = "stand still" if self.protocol.test == "stance" else "sit still"
        elif self.phase == "running":
            cues += self._check_end()
        if self.phase == "stopping" and self._now >= self._end_s + self.protocol.tail_s:
            self._finish()
        return cues

    def end(self, reason: str) -> list[Cue]:
        """The clinician ends the trial now, saying why (the hold ends here at the latest).
        Before the start cue there is nothing to time: the trial is discarded."""
        if self.phase in ("countdown", "hold_still"):
            self.discard(reason or "stopped before the start")
            return []
        if self.phase != "running":
            raise InputError("no trial is running")
        if not reason or not reason.strip():
            raise InputError("say why the trial is ended (the reason is kept with it)")
        self._clinician_s, self._clinician_reason = self._now, reason.strip()
        self._writer.write_event("clinician_end", self._now, reason=self._clinician_reason)
        return [self._stop()]

    def discard(self, reason: str) -> None:
        """Discard the running trial, or the last one; it is kept, marked, with the reason."""
        if self.phase in ("countdown", "hold_still", "running", "stopping"):
            trial = self._trial
            self._close_recording()
            self.history.discard_trial(trial, reason)
            self.last_trial_id, self.last_result = trial, None
            self._reset_trial()
            self.phase, self.message = "ready", f"trial discarded: {reason}"
        elif self.last_trial_id is not None:
            self.history.discard_trial(self.last_trial_id, reason)
            self.message = f"trial {self.last_trial_id} discarded: {reason}"
            if self.phase == "result":
                self.phase = "ready"
        else:
            raise InputError("no trial to discard")

    def redo(self, reason: str) -> None:
        """Discard the last trial (with the reason) and get ready to do it again."""
        if self.phase != "result":
            raise InputError("a trial can be redone once its result is shown")
        self.discard(reason)
        self.phase = "ready"

    def next(self) -> None:
        """On to the next condition (or ``done`` after the last)."""
        self._between("move on")
        if self.index + 1 >= len(self.protocol.conditions):
            self.phase, self.message = "done", "all conditions done"
        else:
            self.index += 1
            self.phase, self.message = "ready", ""

    def interrupt(self, reason: str) -> None:
        """The sensor is lost (or the program must stop): the running trial is kept,
        marked incomplete, with what was measured so far."""
        if self.phase in ("countdown", "hold_still", "running", "stopping"):
            self._writer.write_event("interrupted", self._now, reason=reason)
            self._finish(interrupted=reason)

    def close(self) -> None:
        """Stop: a trial still open is kept as incomplete."""
        self.interrupt("the assessment was closed during the trial")

    # -- internals ----------------------------------------------------------------------------

    def _between(self, what: str) -> None:
        if self.phase not in ("ready", "result", "done"):
            raise InputError(f"cannot {what} while a trial is under way")
        if self.phase == "done" and what != "select a condition":
            raise InputError("the protocol is done")

    def _reset_trial(self) -> None:
        self._trial = None
        self._writer = None
        self._pipeline = None
        self._recorder = None
        self._live = None
        self._countdown_from = None
        self._said = 0
        self._cue_s = None
        self._end_s = None
        self._clinician_s = None
        self._clinician_reason = None
        self._now = getattr(self, "_now", 0.0)

    def _go(self) -> Cue:
        self._cue_s = self._now
        self._writer.write_event("cue", self._now, cue="start")
        self._recorder.mark("cue", self._now, cue="start")
        self.phase, self.message = "running", ""
        return Cue("start", "Go", True, self._now)

    def _stop(self) -> Cue:
        self._end_s = self._now
        self._writer.write_event("cue", self._now, cue="stop")
        self.phase = "stopping"
        return Cue("stop", "Stop", True, self._now)

    def _check_end(self) -> list[Cue]:
        p, now = self.protocol, self._now
        if p.test == "stance":
            live = self._live
            if live.ended_s is not None:
                self.message = "the foot came down" if live.ended_by == "foot_down" else "a step"
                return [self._stop()]
            start = self._cue_s if live.lifted_s in (None, float("-inf")) else live.lifted_s
            # The live lift-off is rough: the stop cue comes a little after the limit and
            # the scored hold (from the whole recording) is capped at it.
            if (live.lifted_s is not None) and now - start >= p.max_s + LIMIT_MARGIN_S:
                self.message = f"held {p.max_s:g} s: time limit"
                return [self._stop()]
        elif p.test == "five_times_sts":
            if len(self._pipeline.all_stands) >= p.stands or now - self._cue_s >= p.max_s:
                return [self._stop()]
        elif now - self._cue_s >= p.window_s:
            return [self._stop()]
        return []

    def _close_recording(self) -> None:
        if self._writer is not None:
            self._writer.close()

    def _finish(self, interrupted: str | None = None) -> None:
        self._recorder.add(self._pipeline.finish())
        self._close_recording()
        c = self.condition
        result: TrialResult = score_trace(
            self.protocol,
            c,
            self._recorder.trace(),
            cue_s=self._cue_s,
            clinician_end_s=self._clinician_s,
        )
        data = result.to_json() | {"practice": self.practice, "simulated": self.simulated}
        if self.device:
            data["device"] = self.device
        if self._clinician_reason:
            data["clinician_reason"] = self._clinician_reason
        complete = result.complete and interrupted is None and self._cue_s is not None
        reason = interrupted or ("" if complete else "the trial did not reach its end")
        self.history.finish_trial(self._trial, data, complete=complete, reason=reason)
        self.last_trial_id, self.last_result = self._trial, data
        self._reset_trial()
        self.phase = "result"
        if interrupted:
            self.message = f"trial kept as incomplete: {interrupted}"
        elif (
            self.protocol.progression == "until_failed"
            and not self.practice
            and result.passed is False
        ):
            self.phase = "done"
            self.message = f"{c.name} not held {c.pass_s:g} s: the test stops here"
