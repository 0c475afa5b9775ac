"""Kill the program (SIGKILL) during a trial and during database writes; nothing finished is
lost, the interrupted trial is kept as incomplete, the database passes its integrity check."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tracker.files.history import History
from tracker.files.recording import Recording

WORKER = Path(__file__).with_name("crash_worker.py")
pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")


def _start(mode: str, db: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WORKER), mode, str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _read_until(proc, word: str, timeout_s: float = 60.0) -> list[str]:
    lines, deadline = [], time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.split())
        if lines[-1][0] == word:
            return lines
    proc.kill()
    raise AssertionError(f"the worker never said {word}: {proc.stderr.read()}")


@pytest.mark.slow
def test_killed_in_the_middle_of_a_trial(tmp_path):
    db = tmp_path / "history.sqlite3"
    proc = _start("trial", db)
    lines = _read_until(proc, "RUNNING")
    finished = int(lines[0][1])
    running = int(lines[-1][1])
    time.sleep(1.5)  # the recording is flushed every second
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with History.open(db) as h:
        assert h.integrity_check() == "ok"
        done = h.trial(finished)
        assert done["status"] == "complete" and done["result"]["value"] == pytest.approx(10.0)
        lost = h.trial(running)
        assert lost["status"] == "incomplete" and "interrupted" in lost["incomplete_reason"]
        recording = Recording.open(lost["recording_path"])  # what was flushed reads back
        samples = sum(len(b) for b in recording.sample_blocks())
        assert samples > 500
        assert [e["kind"] for e in recording.events()] == ["cue"]


@pytest.mark.slow
def test_killed_during_database_writes(tmp_path):
    db = tmp_path / "history.sqlite3"
    for run in range(3):
        proc = _start("writes", db if run == 0 else tmp_path / f"h{run}.sqlite3")
        lines = _read_until(proc, "SESSION")
        time.sleep(0.2 + 0.15 * run)  # somewhere in the middle of a write
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        *complete, _unterminated = proc.stdout.read().split("\n")  # a kill can cut the last short
        lines += [line.split() for line in complete if line.strip()]
        path = db if run == 0 else tmp_path / f"h{run}.sqlite3"
        with History.open(path) as h:
            assert h.integrity_check() == "ok"
            sessions = {s["id"] for s in h.sessions(limit=100000)}
            trials = {t["id"] for t in h.trials(1)}
            reported = [(int(w[1]), int(w[3])) for w in lines if w[0] == "SESSION"]
            assert len(reported) > 3
            for sid, tid in reported:  # everything reported finished is there
                assert sid in sessions and tid in trials
            assert len(sessions) - len(reported) in (0, 1)  # at most the one being reported
