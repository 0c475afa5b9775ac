"""What feeds the assessment screens: the sensor's samples into the clinic's ``Assessment``.

One async worker reads the source (a sensor, or the simulated patient through the same
Bluetooth code), batches what arrives and hands it to the assessment in pieces of at most
``MAX_PUSH_S`` of sensor time, so cues fall at the same sample however fast the stream
runs. The clinician's keys arrive between those awaits. Everything the screen shows is
posted as a frozen ``AssessView``; cues as ``CueNotice`` (never merged: each may ring).

While a reason is being typed the trial's clock is held: what arrives meanwhile is kept
and handed on afterwards, so "end" and "discard" act at the moment the key was pressed.
With the simulated patient a trial starts once the patient is in position (the sensor
moved to the stance leg, seated for the chair tests): the samples before belong to no
trial. Textual-free: the app wraps what is posted into messages.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import numpy as np

from tracker.clinic.assessment import Assessment, Cue
from tracker.clinic.protocols import Protocol
from tracker.clinic.results import visit_results
from tracker.clinic.view import TRIAL_PHASES, AssessView, TrialTrace
from tracker.core.errors import InputError, TrackerError
from tracker.core.sources import ImuSource, LinkView, SourceData, SourceStatus
from tracker.core.types import ImuBlock
from tracker.files.history import History

MAX_PUSH_S = 0.1  # sensor time per push into the assessment
FLASH_S = 1.5  # a start or stop cue stays on screen this long (sensor time)
LOST = ("disconnected", "reconnecting", "failed")
_END, _STOP = object(), object()
Post = Callable[[object], None]


@dataclass(frozen=True)
class CueNotice:
    """A cue to show and, with ``bell``, to ring."""

    cue: Cue


@dataclass(frozen=True)
class AssessOver:
    """The stream ended (quit, or the source failed)."""

    reason: str


class AssessDriver:
    """The assessment session: patient, visit, protocol, and the sensor feeding the trials.

    Parameters
    ----------
    history : History
    protocols : dict
        Protocols by name (``visit_results`` needs every protocol of the visit).
    open_source : async callable, optional
        Returns the ``ImuSource``; without it samples are handed in with ``feed``.
    simulated : bool
        Data from the simulator: every screen says so, and the trials are marked.
    person : SimulatedPerson, optional
        The simulated patient behind the source: told when a trial starts and when
        the start cue sounds.
    """

    kind = "assess"

    def __init__(
        self,
        history: History,
        protocols: dict[str, Protocol],
        *,
        open_source: Callable[[], Awaitable[ImuSource]] | None = None,
        simulated: bool = False,
        person=None,
        batch_s: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.history = history
        self.protocols = dict(protocols)
        self.open_source = open_source
        self.simulated = simulated
        self.person = person
        self.batch_s = batch_s
        self.clock = clock
        self.source_name = person.description if person is not None else ""
        self.assessor = ""  # who assesses, kept with a visit this driver starts
        self.patient: dict | None = None
        self.visit: dict | None = None
        self.protocol: Protocol | None = None
        self.assessment: Assessment | None = None
        self.link = LinkView()
        self.problem: str | None = None
        self.t_s: float | None = None
        self.results: dict | None = None
        self.results_version = 0
        self._post: Post = lambda item: None
        self._queue: asyncio.Queue | None = None
        self._stopping = False
        self._held: list | None = None
        self._pending_start: tuple[bool, float] | None = None
        self._flash: Cue | None = None
        self._signature = None
        self._source: ImuSource | None = None
        self._new_trial()

    # -- the session: patient, visit, protocol ------------------------------------------

    def choose_patient(self, patient_id: str, visit_id: int | None = None) -> None:
        """The patient assessed now; ``visit_id`` continues a visit, else one starts later."""
        self.patient = self.history.patient(patient_id)
        self.visit = None
        if visit_id is not None:
            visit = self.history.visit(visit_id)
            if visit["patient_id"] != patient_id:
                raise InputError(f"visit {visit_id} is not a visit of {patient_id}")
            self.visit = visit
            self._refresh_results(force=True)
        self.show()

    def add_patient(self, patient_id: str, age_band: str, sex: str | None, notes: str) -> str:
        pid = self.history.add_patient(patient_id, age_band=age_band, sex=sex, notes=notes)
        self.choose_patient(pid)
        return pid

    def begin(self, protocol: Protocol) -> None:
        """Run ``protocol`` (starting the visit if none is open)."""
        if self.patient is None:
            raise InputError("choose a patient first")
        if self.assessment is not None and self.assessment.phase in TRIAL_PHASES:
            raise InputError("a trial is under way")
        if self.visit is None:
            visit_id = self.history.start_visit(self.patient["id"], assessor=self.assessor)
            self.visit = self.history.visit(visit_id)
        self.protocols.setdefault(protocol.name, protocol)
        self.protocol = protocol
        source = "simulated" if self.simulated else "sensor"
        self.assessment = Assessment(
            protocol, self.history, self.visit["id"], source=source, simulated=self.simulated
        )
        self.assessment.device = self.device()
        if self.person is not None:
            self.person.set_protocol(protocol)
        self._new_trial()
        self._refresh_results(force=True)
        self.show()

    # -- the clinician's keys -----------------------------------------------------------------

    def start(self, *, practice: bool = False) -> None:
        """Start a trial (a practice one: it never counts)."""
        a = self._need()
        if self._pending_start is not None:
            raise InputError("a trial is starting")
        if "start" not in a.state.keys:
            raise InputError(
                "the protocol is done" if a.phase == "done" else "a trial is under way"
            )
        if self.person is None:
            a.start(practice=practice)
            self._new_trial()
        else:  # the simulated patient first gets into position
            ready = self.person.begin_trial(a.condition, practice=practice)
            self._pending_start = (practice, ready)
        self.show()

    def end(self, reason: str) -> None:
        """End the running trial now (the time of the key, when the clock was held)."""
        if self._cancel_pending():
            return
        self._emit(self._need().end(reason))
        self._after_command()

    def discard(self, reason: str) -> None:
        """Discard the running trial, or the last one, keeping it with ``reason``."""
        if self._cancel_pending():
            return
        self._need().discard(reason)
        if self.person is not None:
            self.person.abandon()
        self._after_command()

    def redo(self, reason: str) -> None:
        self._need().redo(reason)
        self._after_command()

    def next(self) -> None:
        self._idle_only()
        self._need().next()
        self._after_command()

    def select(self, condition: str) -> None:
        self._idle_only()
        self._need().select(condition)
        self._after_command()

    def hold(self) -> None:
        """Hold the trial's clock (a reason is being typed); samples are kept meanwhile."""
        if self._held is None:
            self._held = []

    def release(self) -> None:
        """Hand on what arrived while held, in order."""
        held, self._held = self._held or [], None
        for item in held:
            if isinstance(item, SourceStatus):
                self.on_status(item)
            else:
                self.feed(item)
        self.show()

    @property
    def trial_running(self) -> bool:
        a = self.assessment
        return self._pending_start is not None or (a is not None and a.phase in TRIAL_PHASES)

    def close(self) -> None:
        """Stop: a trial under way is kept, marked incomplete."""
        if self.assessment is not None:
            if self._held is not None:
                self.release()
            self._cancel_pending()
            self.assessment.close()
            self._refresh_results(force=True)

    def stop(self) -> None:
        """End the stream (the worker closes the assessment and the source)."""
        self._stopping = True
        if self._queue is not None:
            self._queue.put_nowait(_STOP)

    # -- samples and statuses -----------------------------------------------------------------

    def feed(self, block: ImuBlock) -> None:
        """Hand the sensor's samples to the assessment (in pieces of ``MAX_PUSH_S``)."""
        if not len(block):
            return
        if self._held is not None:
            self._held.append(block)
            return
        a = self.assessment
        if a is None:
            self.t_s = float(block.t_s[-1])
            return
        if self._pending_start is not None:
            practice, ready = self._pending_start
            if block.t_s[-1] < ready:
                self._push(block)
                return
            i = int(np.searchsorted(block.t_s, ready, "left"))
            self._push(block.slice(0, i))
            self._pending_start = None
            a.start(practice=practice)
            self.person.trials[-1].trial_id = self.history.trials(self.visit["id"])[-1]["id"]
            self._new_trial()
            block = block.slice(i, len(block))
        self._push(block)
        self._refresh_results()

    def _push(self, block: ImuBlock) -> None:
        a = self.assessment
        t = block.t_s
        if not len(t):
            return
        edges = np.arange(t[0] + MAX_PUSH_S, t[-1], MAX_PUSH_S)
        cuts = [0, *np.searchsorted(t, edges, "left").tolist(), len(t)]
        for i, j in itertools.pairwise(cuts):
            if j > i:
                piece = block.slice(i, j)
                self._emit(a.push(piece))
                self.trace.add(a.last_update, a.state)
        self.t_s = float(t[-1])

    def on_status(self, status: SourceStatus) -> None:
        """A link change: shown at once; a lost sensor ends a trial under way as incomplete."""
        link = self.link
        self.link = LinkView(
            state=status.kind if status.kind not in ("battery", "gap", "info") else link.state,
            detail=status.detail or link.detail,
            rate_hz=status.rate_hz if status.rate_hz is not None else link.rate_hz,
            loss_fraction=status.loss_fraction
            if status.loss_fraction is not None
            else link.loss_fraction,
            battery_pct=status.battery_pct if status.battery_pct is not None else link.battery_pct,
            reconnects=link.reconnects + int(status.kind == "connected" and link.lost),
            since_s=status.t_s if status.kind != link.state else link.since_s,
        )
        if self._held is not None:
            self._held.append(status)
            return
        if status.kind in ("connected", "info") and self.assessment is not None:
            self.assessment.device = self.device()
        if status.kind in LOST and self.trial_running:
            self._cancel_pending()
            if self.assessment.phase in TRIAL_PHASES:
                self.assessment.interrupt(f"sensor lost ({status.detail or status.kind})")
            self._refresh_results(force=True)
        self.show()

    def device(self) -> dict:
        """The sensor as the report names it: description, profile, model, firmware."""
        source = self._source
        if source is None:
            return {"description": self.source_name} if self.source_name else {}
        meta = getattr(source, "meta", None)
        device = dict(meta.get("device", {})) if isinstance(meta, dict) else {}
        profile = getattr(source, "profile", None)
        return {"description": source.description, **device} | (
            {"profile": profile.name} if profile is not None else {}
        )

    # -- the worker ---------------------------------------------------------------------------

    async def run(self, post: Post) -> None:
        """Read the source until ``stop()`` or its end, feeding the assessment."""
        self._post = post
        self.show()
        if self.open_source is None:
            return
        try:
            source = await self.open_source()
        except TrackerError as exc:
            self.problem = exc.one_line()
            self.show()
            post(AssessOver("no sensor"))
            return
        self.source_name = self.source_name or source.description
        self._source = source
        self._queue = queue = asyncio.Queue()
        if self._stopping:
            queue.put_nowait(_STOP)
        reader = asyncio.create_task(self._read(source, queue))
        pending: list[ImuBlock] = []
        first, getter, reason = 0.0, None, "stopped"
        try:
            while True:
                wait = max(self.batch_s - (self.clock() - first), 0.0) if pending else 0.25
                getter = getter or asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({getter}, timeout=wait)
                item = getter.result() if done else None
                getter = None if done else getter
                if item is _STOP:
                    break
                if item is _END or isinstance(item, BaseException):
                    reason = "source ended" if item is _END else f"source failed: {item}"
                    self.problem = None if item is _END else f"the sensor stream failed: {item}"
                    break
                if isinstance(item, SourceStatus):
                    self._flush(pending)
                    pending = []
                    self.on_status(item)
                elif isinstance(item, SourceData) and len(item.block):
                    first = self.clock() if not pending else first
                    pending.append(item.block)
                if pending and self.clock() - first >= self.batch_s:
                    self._flush(pending)
                    pending = []
        finally:
            if getter is not None:
                getter.cancel()
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            await source.aclose()
            self._flush(pending)
            self.close()
            self.show()
            post(AssessOver(reason))

    async def _read(self, source: ImuSource, queue: asyncio.Queue) -> None:
        try:
            async for item in source.stream():
                queue.put_nowait(item)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a source's failure ends the stream, not the program
            queue.put_nowait(exc)
            return
        queue.put_nowait(_END)

    def _flush(self, pending: list[ImuBlock]) -> None:
        if pending:
            self.feed(pending[0] if len(pending) == 1 else ImuBlock.concat(pending))
            self.show()

    # -- internals ----------------------------------------------------------------------------

    def _need(self) -> Assessment:
        if self.assessment is None:
            raise InputError("choose a protocol first")
        return self.assessment

    def _idle_only(self) -> None:
        if self._pending_start is not None:
            raise InputError("a trial is starting")

    def _cancel_pending(self) -> bool:
        """Call off a trial whose patient was still getting into position."""
        if self._pending_start is None:
            return False
        self._pending_start = None
        self.person.abandon()
        self.show()
        return True

    def _after_command(self) -> None:
        self._refresh_results(force=True)
        self.show()

    def _emit(self, cues: list[Cue]) -> None:
        for cue in cues:
            if cue.kind == "start" and self.person is not None:
                self.person.go(cue.t_s)
            if cue.kind in ("start", "stop"):
                self._flash = cue
            self._post(CueNotice(cue))

    def _new_trial(self) -> None:
        self.trace = TrialTrace()

    def _refresh_results(self, force: bool = False) -> None:
        a = self.assessment
        signature = None if a is None else (a.phase, a.last_trial_id, a.message, a.index)
        if self.visit is None or (not force and signature == self._signature):
            return
        self._signature = signature
        self.results = visit_results(self.history, self.visit["id"], self.protocols)
        self.results_version += 1

    def view(self) -> AssessView:
        """An immutable snapshot for the screens."""
        flash = self._flash
        if flash is not None and (self.t_s is None or self.t_s - flash.t_s > FLASH_S):
            flash = None
        sway, live = self.trace.sway(self.assessment, self.protocol)
        waiting = ""
        if self._pending_start is not None:
            waiting = "the simulated patient gets into position…"
        return AssessView(
            t_s=self.t_s,
            link=self.link,
            simulated=self.simulated,
            source=self.source_name,
            problem=self.problem,
            patient=self.patient,
            visit=self.visit,
            state=self.assessment.state if self.assessment is not None else None,
            trace_t_s=self.trace.t_s.copy(),
            trace_deg=self.trace.inclination_deg.copy(),
            sway_deg=np.array(sway, dtype=float).reshape(-1, 2),
            sway_live=live,
            flash=flash,
            waiting=waiting,
            results=self.results,
            results_version=self.results_version,
        )

    def show(self) -> None:
        """Post a view of now (the worker does after each batch; a test feeding by hand too)."""
        self._post(self.view())
