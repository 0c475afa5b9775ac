"""A process the crash tests kill (SIGKILL) mid-trial or mid-write: ``python crash_worker.py
MODE DB``. It prints what it has durably finished, one line each, flushed."""

from __future__ import annotations

import dataclasses
import sys
import time

from tracker.clinic.assessment import Assessment
from tracker.clinic.protocols import load_protocols
from tracker.files.history import History
from tracker.sim import simulate


def say(*words) -> None:
    # One write per line: print() writes each word separately, so a kill can cut a line short.
    sys.stdout.write(" ".join(map(str, words)) + "\n")
    sys.stdout.flush()


def trial(db: str) -> None:
    protocols = load_protocols(extra_dirs=[])
    h = History.open(db)
    h.add_patient("P1", age_band="70-74")
    visit = h.start_visit("P1")
    four = dataclasses.replace(protocols["four-stage-balance"], countdown_s=2.0, tail_s=1.0)
    a = Assessment(four, h, visit, simulated=True)
    a.start()
    for block in simulate("tandem-stance", seed=1, hold_s=12.0).block.chunks(50):
        a.push(block)
        if a.phase == "result":
            break
    say("FINISHED", a.last_trial_id)
    sls = dataclasses.replace(protocols["single-leg-stance"], countdown_s=2.0)
    a = Assessment(sls, h, visit, simulated=True)
    a.start()
    for block in simulate("single-leg-stance", seed=2, leg="left", hold_s=40.0).block.chunks(10):
        a.push(block)
        if a.phase == "running" and block.t_s[-1] > 8.0:
            say("RUNNING", a._trial)
        time.sleep(0.01)  # about as fast as a sensor delivers


def writes(db: str) -> None:
    h = History.open(db)
    h.add_patient("P1", age_band="70-74")
    visit = h.start_visit("P1")
    summary = {"reps": [{"depth_deg": float(i), "notes": "x" * 200} for i in range(50)]}
    i = 0
    while True:
        sid = h.add_session(
            summary,
            recording_path=None,
            program="p",
            started_utc=f"2025-01-01T00:{i % 60:02d}:00Z",
            simulated=True,
        )
        tid = h.add_trial(
            visit,
            protocol="p",
            protocol_version=1,
            condition="c",
            practice=False,
            recording_path=None,
            result={"value": float(i)},
            complete=True,
        )
        say("SESSION", sid, "TRIAL", tid)
        i += 1


if __name__ == "__main__":
    {"trial": trial, "writes": writes}[sys.argv[1]](sys.argv[2])
