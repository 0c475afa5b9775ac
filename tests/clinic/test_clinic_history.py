"""The SQLite history: schema and migrations, permissions, deletion, recovery, sessions."""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
import sys
import threading
import time

import pytest

from tracker.core.errors import InputError
from tracker.files.history import MIGRATIONS, SCHEMA_VERSION, History


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _trial(h, visit, **kw):
    args = dict(
        protocol="single-leg-stance",
        protocol_version=1,
        condition="eyes open, left",
        practice=False,
        recording_path=None,
        result={"value": 12.5, "measure": "hold_s"},
        complete=True,
    )
    return h.add_trial(visit, **(args | kw))


def test_database_folder_and_recordings_are_private(tmp_path):
    h = History.open(tmp_path / "data" / "history.sqlite3")
    h.add_patient("P1", age_band="70-74")
    visit = h.start_visit("P1")
    _trial(h, visit)
    rec = h.trial_recording_path("P1", visit, "x.trk")
    rec.write_bytes(b"")
    assert _mode(tmp_path / "data") == 0o700
    assert _mode(h.path) == 0o600
    for suffix in ("-wal", "-shm"):
        assert _mode(tmp_path / "data" / f"history.sqlite3{suffix}") == 0o600
    for folder in (h.recordings_dir, rec.parent.parent, rec.parent):
        assert _mode(folder) == 0o700
    assert h.schema_version() == SCHEMA_VERSION
    mode = h._conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    h.close()


def test_migration_from_version_1_keeps_the_data(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_utc TEXT)")
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("INSERT INTO schema_version VALUES (1, '2024-01-01T00:00:00Z')")
    conn.execute(
        "INSERT INTO patients (id, age_band, notes, created_utc) "
        "VALUES ('OLD-1', '80+', 'knee', '2024-01-01T00:00:00Z')"
    )
    conn.execute(
        "INSERT INTO visits (patient_id, date, created_utc) "
        "VALUES ('OLD-1', '2024-01-02', '2024-01-02T00:00:00Z')"
    )
    conn.execute(
        "INSERT INTO trials (visit_id, protocol, condition, status, result, started_utc)"
        " VALUES (1, 'single-leg-stance', 'eyes open, left', 'complete', ?, 'x')",
        (json.dumps({"value": 7.0}),),
    )
    conn.execute(
        "INSERT INTO sessions (started_utc, simulated, summary, added_utc) "
        "VALUES ('2024-01-03T10:00:00Z', 0, '{\"reps\": []}', 'x')"
    )
    conn.commit()
    conn.close()
    with History.open(path) as h:
        assert h.schema_version() == SCHEMA_VERSION == 3
        patient = h.patient("OLD-1")
        assert patient["age_band"] == "80+" and patient["sex"] is None  # the new column
        (trial,) = h.trials(1)
        assert trial["result"] == {"value": 7.0} and trial["protocol_version"] is None
        assert h.sessions()[0]["summary"] == {"reps": []}
        h.update_patient("OLD-1", sex="female")
        versions = [r[0] for r in h._conn.execute("SELECT version FROM schema_version")]
        assert versions == [1, 2, 3]
        assert h.visit(1)["assessor"] == ""  # visits from before it was kept
        assert h.integrity_check() == "ok"


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.sqlite3"
    History.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (99, 'x')")
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match="schema version 99"):
        History.open(path)
    (tmp_path / "junk.sqlite3").write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(InputError, match=r"junk\.sqlite3"):
        History.open(tmp_path / "junk.sqlite3")


def test_programs_creating_the_same_new_database_at_once_all_open_it(tmp_path):
    """Two terminals starting `tracker assess` on a fresh history: creating and migrating
    is one transaction under the write lock, the version read again inside it. (SQLite
    locks connections of one process from each other as it locks processes.)"""
    failures = []
    for attempt in range(8):
        path = tmp_path / f"fresh-{attempt}.sqlite3"
        start = threading.Barrier(6)

        def open_it(path=path, start=start):
            start.wait()
            try:
                History.open(path).close()
            except Exception as exc:
                failures.append(repr(exc))

        workers = [threading.Thread(target=open_it) for _ in range(6)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        with History.open(path) as h:
            versions = [r[0] for r in h._conn.execute("SELECT version FROM schema_version")]
            assert versions == list(range(1, SCHEMA_VERSION + 1))
    assert failures == []


OPEN_AT = """
import sys, time
from tracker.files.history import History
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # all at once
History.open(sys.argv[1]).close()
"""


@pytest.mark.slow
def test_processes_creating_the_same_new_database_at_once_all_open_it(tmp_path):
    """The same as separate programs (two terminals are two processes): each opens it."""
    for attempt in range(2):
        path = tmp_path / f"fresh-{attempt}.sqlite3"
        at = time.time() + 3.0  # time enough for four interpreters to start
        runs = [
            subprocess.Popen(
                [sys.executable, "-c", OPEN_AT, str(path), str(at)],
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        errors = [run.communicate(timeout=120)[1] for run in runs]
        assert [run.returncode for run in runs] == [0] * 4, errors
        with History.open(path) as h:
            versions = [r[0] for r in h._conn.execute("SELECT version FROM schema_version")]
            assert versions == list(range(1, SCHEMA_VERSION + 1))


def test_patients_are_pseudonymous_and_validated(history):
    history.add_patient("A-17", age_band="65-69", sex="male", notes="left knee")
    assert history.patients()[0] | {} == history.patients()[0]
    assert history.patient("A-17")["sex"] == "male"
    for bad in ("John Smith", "", "../etc", "x" * 41):
        with pytest.raises(InputError, match="patient id"):
            history.add_patient(bad, age_band="65-69")
    with pytest.raises(InputError, match="already exists"):
        history.add_patient("A-17", age_band="65-69")
    with pytest.raises(InputError, match="age band"):
        history.add_patient("B", age_band="old")
    with pytest.raises(InputError, match="no patient"):
        history.start_visit("nobody")


def test_deleting_a_patient_deletes_everything_of_theirs(history):
    for pid in ("P1", "P2"):
        history.add_patient(pid, age_band="70-74", notes="secret note " + pid)
    files = []
    for pid in ("P1", "P2"):
        visit = history.start_visit(pid)
        path = history.trial_recording_path(pid, visit, "t.trk")
        path.write_bytes(b"recording of " + pid.encode())
        files.append(path)
        _trial(history, visit, recording_path=str(path))
    removed = history.delete_patient("P1")
    assert removed == [str(files[0])] and not files[0].exists()
    assert not (history.recordings_dir / "P1").exists()
    assert files[1].exists() and history.patient("P2")
    with pytest.raises(InputError):
        history.patient("P1")
    counts = [
        history._conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in ("patients", "visits", "trials")
    ]
    assert counts == [1, 1, 1]
    history.close()
    wal = history.path.parent / "history.sqlite3-wal"
    raw = history.path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert b"secret note P1" not in raw  # secure_delete and a checkpoint: really gone
    assert b"secret note P2" in raw


def test_an_interrupted_deletion_finishes_on_open(tmp_path):
    path = tmp_path / "h.sqlite3"
    with History.open(path) as h:
        h.add_patient("P1", age_band="70-74")
        visit = h.start_visit("P1")
        rec = h.trial_recording_path("P1", visit, "t.trk")
        rec.write_bytes(b"x")
        _trial(h, visit, recording_path=str(rec))
        h._conn.execute("UPDATE patients SET deleting = 1")  # the crash came right after
    with History.open(path) as h:
        assert h.patients() == [] and not rec.exists()


def test_trials_recording_then_finished_discarded_or_recovered(tmp_path):
    path = tmp_path / "h.sqlite3"
    with History.open(path) as h:
        h.add_patient("P1", age_band="70-74")
        visit = h.start_visit("P1")
        done = h.begin_trial(
            visit,
            protocol="p",
            protocol_version=1,
            condition="c",
            practice=False,
            recording_path=None,
        )
        h.finish_trial(done, {"value": 3.0, "definitions_version": 1}, complete=True)
        lost = h.begin_trial(
            visit,
            protocol="p",
            protocol_version=1,
            condition="c",
            practice=False,
            recording_path=None,
        )
        assert h.trial(lost)["status"] == "recording"
        assert h.recover() == []  # its program (this one) is alive
        with pytest.raises(InputError, match="say why"):
            h.discard_trial(done, " ")
        h._conn.execute("UPDATE trials SET owner_pid = 2147483646 WHERE id = ?", (lost,))
    with History.open(path) as h:  # the program that owned it is gone
        trial = h.trial(lost)
        assert trial["status"] == "incomplete" and "interrupted" in trial["incomplete_reason"]
        assert h.trial(done)["status"] == "complete"
        h.discard_trial(done, "hands left the hips")
        assert h.trial(done)["discard_reason"] == "hands left the hips"


def test_home_sessions_for_the_dashboard(history):
    ids = [
        history.add_session(
            {"reps": [{"depth_deg": 40.0 + i}]},
            recording_path=f"/r/{i}.trk",
            program="demo",
            started_utc=f"2025-01-0{i + 1}T10:00:00Z",
            simulated=bool(i % 2),
        )
        for i in range(3)
    ]
    assert ids == sorted(ids) and all(isinstance(i, int) for i in ids)
    got = history.sessions(limit=2)
    assert [s["id"] for s in got] == [ids[2], ids[1]]  # newest first
    assert got[0]["summary"] == {"reps": [{"depth_deg": 42.0}]}
    assert got[1]["simulated"] is True and got[0]["program"] == "demo"
    assert got[0]["recording_path"] == "/r/2.trk"
    assert len(history.sessions()) == 3
