"""One trial's result from its trace: hold time and sway, five-times time, or 30-second count.

Live trials and recordings scored from the command line go through ``score_trace``, so
they give the same numbers. Definitions are in docs/clinic.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from tracker.clinic.protocols import Condition, Protocol
from tracker.clinic.timing import time_single_leg, time_two_feet
from tracker.clinic.trace import Trace, trace_of_recording

EXERCISE = {
    "stance": "balance",
    "five_times_sts": "sit_to_stand",
    "chair_stand_30s": "sit_to_stand",
}
DEFINITIONS_VERSION = 3  # bump with any change to a definition below or in timing


@dataclass(frozen=True)
class TrialResult:
    """What one trial measured. ``value`` is the protocol's measure (``hold_s``, ``time_s``
    or ``count``), None when it could not be measured; ``complete`` is False for a trial
    whose data stop before it ended (sensor lost, program stopped)."""

    protocol: str
    condition: str
    test: str
    measure: str
    value: float | None
    complete: bool
    ended_by: str
    start_s: float | None = None
    end_s: float | None = None
    passed: bool | None = None
    details: dict = field(default_factory=dict)
    sway: dict | None = None
    stabilogram: dict | None = None
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict:
        out = {
            "protocol": self.protocol,
            "condition": self.condition,
            "test": self.test,
            "measure": self.measure,
            self.measure: _round(self.value),
            "value": _round(self.value),
            "complete": self.complete,
            "ended_by": self.ended_by,
            "start_s": _round(self.start_s),
            "end_s": _round(self.end_s),
            "passed": self.passed,
            "definitions_version": DEFINITIONS_VERSION,
            "details": self.details,
            "sway": self.sway,
            "notes": list(self.notes),
        }
        if self.stabilogram is not None:
            out["stabilogram"] = self.stabilogram
        return out

    @classmethod
    def from_json(cls, d: dict) -> TrialResult:
        return cls(
            protocol=d["protocol"],
            condition=d["condition"],
            test=d["test"],
            measure=d["measure"],
            value=d.get("value"),
            complete=bool(d.get("complete", False)),
            ended_by=d.get("ended_by", ""),
            start_s=d.get("start_s"),
            end_s=d.get("end_s"),
            passed=d.get("passed"),
            details=d.get("details") or {},
            sway=d.get("sway"),
            stabilogram=d.get("stabilogram"),
            notes=tuple(d.get("notes") or ()),
        )


def _round(x, nd: int = 3):
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


def score_trace(
    protocol: Protocol,
    condition: Condition,
    trace: Trace,
    *,
    cue_s: float | None = None,
    clinician_end_s: float | None = None,
) -> TrialResult:
    """Score one trial of ``condition`` from its trace.

    Parameters
    ----------
    protocol, condition : Protocol, Condition
    trace : Trace
        The trial's pipeline output (``EXERCISE[protocol.test]``).
    cue_s : float, optional
        The start cue on the samples' clock; taken from the trace's events when absent.
    clinician_end_s : float, optional
        When the clinician ended the trial by key.
    """
    cue_s = cue_s if cue_s is not None else trace.cue_s()
    base = {"protocol": protocol.name, "condition": condition.name, "test": protocol.test}
    base["measure"] = protocol.measure
    if protocol.test == "stance":
        result = _stance(protocol, condition, trace, cue_s, clinician_end_s, base)
    elif protocol.test == "five_times_sts":
        result = _five_times(protocol, trace, cue_s, base)
    else:
        result = _chair_stand(protocol, trace, cue_s, clinician_end_s, base)
    return _unless_data_missing(result, trace)


def _unless_data_missing(result: TrialResult, trace: Trace) -> TrialResult:
    """A trial whose samples stop and resume within it is not measured: what happened
    in between is not known (packets lost for longer than the grid bridges)."""
    if result.start_s is None or result.end_s is None:
        return result
    missing = trace.missing_s(result.start_s, result.end_s)
    if not missing:
        return result
    note = f"{missing:.1f} s of data missing during the trial: not measured"
    return replace(
        result,
        value=None,
        complete=False,
        ended_by="data_missing",
        passed=None,
        notes=(*result.notes, note),
    )


def _stance(protocol, condition, trace, cue_s, clinician_end_s, base) -> TrialResult:
    notes = []
    if condition.start == "cue":
        if cue_s is None:
            valid = np.flatnonzero(trace.valid())
            cue_s = float(trace.t_s[valid[0]]) if len(valid) else 0.0
            notes.append("no start cue recorded: timed from the first measured sample")
        timing = time_two_feet(
            trace, cue_s=cue_s, max_s=protocol.max_s, clinician_end_s=clinician_end_s
        )
    else:
        timing = time_single_leg(
            trace, max_s=protocol.max_s, after_s=cue_s, clinician_end_s=clinician_end_s
        )
    if timing.ended_by == "not_lifted":
        notes.append("no single-leg stance found after the start cue")
    passed = None if condition.pass_s is None else timing.hold_s >= condition.pass_s - 1e-6
    details = timing.to_json() | {"cue_s": _round(cue_s)}
    details = {k: v for k, v in details.items() if k not in (timing.sway or {})}
    return TrialResult(
        **base,
        value=timing.hold_s,
        complete=timing.complete,
        ended_by=timing.ended_by,
        start_s=timing.start_s,
        end_s=timing.end_s,
        passed=passed,
        details=details,
        sway=timing.sway,
        stabilogram=timing.stabilogram,
        notes=tuple(notes),
    )


def _five_times(protocol, trace, cue_s, base) -> TrialResult:
    n = protocol.stands
    stands = trace.stands
    details = {
        "stands": len(stands),
        "rises": [s.to_json() for s in stands],
        "cue_s": _round(cue_s),
    }
    if len(stands) < n:
        return TrialResult(
            **base,
            value=None,
            complete=False,
            ended_by=f"{len(stands)} of {n} stands",
            details=details,
        )
    start, end = stands[0].start_s, stands[n - 1].end_s
    if cue_s is not None:
        details["from_cue_s"] = _round(end - cue_s)
    notes = ()
    if end - start > protocol.max_s:
        notes = (f"longer than the protocol's {protocol.max_s:g} s",)
    return TrialResult(
        **base,
        value=end - start,
        complete=True,
        ended_by=f"{n} stands",
        start_s=start,
        end_s=end,
        details=details,
        notes=notes,
    )


def halfway_up_times(trace: Trace) -> np.ndarray:
    """Instants the thigh passes halfway from seated to standing on the way up.

    The trace's reference is the seated thigh, so its inclination grows to the
    standing level on each rise (the median inclination where the engine's stands
    ended, else the 95th percentile). A rise counts once: the thigh must come back below
    30 % of the way before the next crossing. Times are interpolated between samples.
    """
    ok = trace.valid()
    t, incl = trace.t_s[ok], trace.inclination_deg[ok]
    if len(t) < 2:
        return np.empty(0)
    ends = [s.end_s for s in trace.stands]
    level = float(np.median(np.interp(ends, t, incl))) if ends else float(np.percentile(incl, 95))
    if level < 20.0:  # never stood up
        return np.empty(0)
    half, low = 0.5 * level, 0.3 * level
    up = np.flatnonzero((incl[:-1] < half) & (incl[1:] >= half))
    down = np.flatnonzero(incl < low)
    times, armed_from = [], -1
    for i in up:
        if i < armed_from:
            continue
        frac = (half - incl[i]) / (incl[i + 1] - incl[i])
        times.append(t[i] + frac * (t[i + 1] - t[i]))
        later = down[np.searchsorted(down, i + 1) :]
        armed_from = int(later[0]) if len(later) else len(t)
    return np.asarray(times)


def _chair_stand(protocol, trace, cue_s, clinician_end_s, base) -> TrialResult:
    halves = halfway_up_times(trace)
    notes = []
    if cue_s is None:
        if trace.stands:
            cue_s = trace.stands[0].start_s
        elif len(halves):
            cue_s = float(halves[0]) - 0.5
        notes.append("no start cue recorded: the 30 s counted from the start of the first rise")
    details = {"cue_s": _round(cue_s), "halfway_up_s": [_round(h) for h in halves]}
    if cue_s is None:
        return TrialResult(**base, value=0, complete=False, ended_by="no rise", details=details)
    end = cue_s + protocol.window_s
    ended_by = "window"
    if clinician_end_s is not None and clinician_end_s < end:
        end, ended_by = clinician_end_s, "clinician"
    complete = trace.end_s is not None and trace.end_s >= end and ended_by == "window"
    count = int(np.count_nonzero((halves >= cue_s) & (halves <= end)))
    if not complete and ended_by == "window":
        ended_by = "recording_ended"
    return TrialResult(
        **base,
        value=count,
        complete=complete,
        ended_by=ended_by,
        start_s=cue_s,
        end_s=end,
        details=details,
        notes=tuple(notes),
    )


def score_recording(
    path,
    protocol: Protocol,
    condition: Condition,
    *,
    cue_s: float | None = None,
    clinician_end_s: float | None = None,
) -> TrialResult:
    """Score a recording (own format or interchange CSV) as one trial of ``condition``.

    The start cue comes from ``cue_s``, else from the recording's ``cue`` event (trials
    recorded by tracker have one), else the test's fallback (see ``score_trace``).
    """
    trace = trace_of_recording(path, EXERCISE[protocol.test])
    return score_trace(protocol, condition, trace, cue_s=cue_s, clinician_end_s=clinician_end_s)
