"""History in SQLite: pseudonymous patients, visits, assessment trials and home workout sessions.

One database file (WAL, ``synchronous=FULL``, foreign keys on, ``secure_delete`` on) in
the per-user data folder or a path given. Every change is one transaction, so a crash
or a power cut leaves each trial either recorded or not, never half. A trial is
inserted as ``recording`` when it starts and finished in a second transaction; one
left ``recording`` by a program that is no longer running is marked ``incomplete`` when
the database is next opened. The folder is created 0700 and the database, its journal
files and the recordings 0600. Schema changes are numbered migrations (``MIGRATIONS``),
applied in order, recorded in ``schema_version``, all in one transaction that holds the
write lock, so programs creating the same database at once each find it whole.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from tracker.core.errors import InputError, RecordingError

DB_NAME = "history.sqlite3"
STATUSES = ("recording", "complete", "incomplete", "discarded")

# Version 1: the first released schema. Version 2: patients' sex (for sex-specific norms),
# trials' protocol version, definitions version and the reason a trial is incomplete.
# Version 3: who assessed a visit (for the report).
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE patients (
            id TEXT PRIMARY KEY,
            age_band TEXT NOT NULL,
            notes TEXT NOT NULL DEFAULT '',
            created_utc TEXT NOT NULL,
            deleting INTEGER NOT NULL DEFAULT 0)""",
        """CREATE TABLE visits (
            id INTEGER PRIMARY KEY,
            patient_id TEXT NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
            date TEXT NOT NULL,
            notes TEXT NOT NULL DEFAULT '',
            created_utc TEXT NOT NULL)""",
        "CREATE INDEX visits_patient ON visits(patient_id, date)",
        """CREATE TABLE trials (
            id INTEGER PRIMARY KEY,
            visit_id INTEGER NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
            protocol TEXT NOT NULL,
            condition TEXT NOT NULL,
            practice INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL,
            result TEXT,
            recording_path TEXT,
            discard_reason TEXT,
            started_utc TEXT NOT NULL,
            ended_utc TEXT,
            owner_pid INTEGER)""",
        "CREATE INDEX trials_visit ON trials(visit_id)",
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            started_utc TEXT NOT NULL,
            program TEXT,
            recording_path TEXT,
            simulated INTEGER NOT NULL,
            summary TEXT NOT NULL,
            added_utc TEXT NOT NULL)""",
    ),
    (
        "ALTER TABLE patients ADD COLUMN sex TEXT",
        "ALTER TABLE trials ADD COLUMN protocol_version INTEGER",
        "ALTER TABLE trials ADD COLUMN definitions_version INTEGER",
        "ALTER TABLE trials ADD COLUMN incomplete_reason TEXT",
        "CREATE INDEX sessions_started ON sessions(started_utc)",
    ),
    ("ALTER TABLE visits ADD COLUMN assessor TEXT NOT NULL DEFAULT ''",),
)
SCHEMA_VERSION = len(MIGRATIONS)


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def default_path() -> Path:
    """The database in the per-user data folder (``platformdirs.user_data_dir``)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("tracker")) / DB_NAME


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable by the user only (0700); return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700)
    return path


def _private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists; tighten it if it does."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _use_wal(conn: sqlite3.Connection, wait_s: float = 10.0) -> None:
    """Switch to WAL. Another program switching the same new file at that moment makes
    SQLite answer "locked" at once instead of waiting (it needs an exclusive lock)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class History:
    """The clinic's and the home workouts' history. Use ``History.open(path)``."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self._conn = conn
        self.path = path

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, path=None) -> History:
        """Open (creating, migrating and recovering as needed) the database at ``path``.

        ``path`` defaults to ``default_path()``. Raises ``InputError`` naming the file
        when it is not a database this version can read.
        """
        path = Path(path) if path is not None else default_path()
        try:
            private_dir(path.parent)
            _private_file(path)
            conn = sqlite3.connect(path, isolation_level=None, timeout=10.0)
        except (OSError, sqlite3.Error) as exc:
            raise RecordingError(
                f"cannot open the history database ({exc})", path=str(path)
            ) from None
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            _use_wal(conn)
            conn.execute("PRAGMA synchronous = FULL")  # a finished trial survives a power cut
            conn.execute("PRAGMA secure_delete = ON")  # deleted rows are overwritten
            history = cls(conn, path)
            history._migrate()
            history._tighten()
            history.recover()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise InputError(f"not a tracker history database ({exc})", path=str(path)) from None
        return history

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on any error)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def schema_version(self) -> int:
        has = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'"
        ).fetchone()
        if not has:
            return 0
        row = self._conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def _migrate(self) -> None:
        """Apply the missing migrations in one transaction that holds the write lock and
        reads the version again inside it: another program (a second terminal) may have
        created or migrated the database since this one looked."""
        if self._check_version() == SCHEMA_VERSION:
            return
        with self.transaction() as db:
            version = self._check_version()
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied_utc TEXT NOT NULL)"
            )
            for number in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[number - 1]:
                    db.execute(statement)
                db.execute("INSERT INTO schema_version VALUES (?, ?)", (number, now_utc()))

    def _check_version(self) -> int:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise InputError(
                f"the history database has schema version {version}; this tracker reads "
                f"up to {SCHEMA_VERSION}: update tracker",
                path=str(self.path),
            )
        return version

    def _tighten(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(self.path) + suffix)
            if p.exists():
                with contextlib.suppress(OSError):
                    os.chmod(p, 0o600)

    def recover(self) -> list[int]:
        """Mark trials left ``recording`` by a program no longer running as ``incomplete``,
        and finish deleting patients whose deletion was interrupted. Returns the trial ids."""
        rows = self._conn.execute(
            "SELECT id, owner_pid FROM trials WHERE status = 'recording'"
        ).fetchall()
        lost = [r["id"] for r in rows if not _pid_alive(r["owner_pid"])]
        if lost:
            with self.transaction() as db:
                db.executemany(
                    "UPDATE trials SET status = 'incomplete', ended_utc = ?, "
                    "incomplete_reason = 'interrupted: the program stopped during the trial' "
                    "WHERE id = ? AND status = 'recording'",
                    [(now_utc(), i) for i in lost],
                )
        for row in self._conn.execute("SELECT id FROM patients WHERE deleting = 1").fetchall():
            self.delete_patient(row["id"])
        return lost

    def integrity_check(self) -> str:
        return str(self._conn.execute("PRAGMA integrity_check").fetchone()[0])

    # -- folders -----------------------------------------------------------------------------

    @property
    def recordings_dir(self) -> Path:
        """Where trial recordings are kept: beside the database, 0700."""
        return self.path.parent / "recordings"

    def trial_recording_path(self, patient_id: str, visit_id: int, name: str) -> Path:
        """A fresh path for a trial's recording, in a private per-patient folder."""
        folder = self.recordings_dir
        for part in (None, _safe(patient_id), f"visit-{visit_id}"):
            folder = private_dir(folder if part is None else folder / part)
        return folder / name

    # -- patients ----------------------------------------------------------------------------

    def add_patient(
        self, patient_id: str, *, age_band: str, sex: str | None = None, notes: str = ""
    ) -> str:
        """Add a pseudonymous patient (no name is ever needed). Returns the id."""
        pid = check_patient_id(patient_id)
        parse_age_band(age_band)
        if sex not in (None, "female", "male"):
            raise InputError(f"sex must be female or male (or left out), not {sex!r}")
        try:
            with self.transaction() as db:
                db.execute(
                    "INSERT INTO patients (id, age_band, notes, created_utc, sex) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (pid, age_band.strip(), notes, now_utc(), sex),
                )
        except sqlite3.IntegrityError:
            raise InputError(f"patient {pid!r} already exists") from None
        return pid

    def patient(self, patient_id: str) -> dict:
        row = self._conn.execute(
            "SELECT * FROM patients WHERE id = ? AND deleting = 0", (patient_id,)
        ).fetchone()
        if row is None:
            raise InputError(f"no patient {patient_id!r}")
        return _patient(row)

    def patients(self) -> list[dict]:
        rows = self._conn.execute(
            "SELECT p.*, (SELECT COUNT(*) FROM visits v WHERE v.patient_id = p.id) AS visits "
            "FROM patients p WHERE deleting = 0 ORDER BY id"
        ).fetchall()
        return [_patient(r) | {"visits": r["visits"]} for r in rows]

    def update_patient(self, patient_id: str, **fields) -> None:
        """Change ``age_band``, ``sex`` or ``notes``."""
        self.patient(patient_id)
        allowed = {"age_band", "sex", "notes"}
        bad = sorted(set(fields) - allowed)
        if bad:
            raise InputError(f"cannot change {bad[0]!r}; can change {', '.join(sorted(allowed))}")
        if "age_band" in fields:
            parse_age_band(fields["age_band"])
        with self.transaction() as db:
            for k, v in fields.items():
                db.execute(f"UPDATE patients SET {k} = ? WHERE id = ?", (v, patient_id))

    def delete_patient(self, patient_id: str) -> list[str]:
        """Delete a patient, their visits, trials and recording files. Returns the files
        removed. The patient is first marked, so a crash midway finishes on next open."""
        row = self._conn.execute("SELECT id FROM patients WHERE id = ?", (patient_id,)).fetchone()
        if row is None:
            raise InputError(f"no patient {patient_id!r}")
        with self.transaction() as db:
            db.execute("UPDATE patients SET deleting = 1 WHERE id = ?", (patient_id,))
        paths = [
            r["recording_path"]
            for r in self._conn.execute(
                "SELECT t.recording_path FROM trials t JOIN visits v ON t.visit_id = v.id "
                "WHERE v.patient_id = ? AND t.recording_path IS NOT NULL",
                (patient_id,),
            )
        ]
        removed = []
        for p in paths:
            try:
                Path(p).unlink()
                removed.append(p)
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise RecordingError(f"cannot delete the recording ({exc})", path=p) from None
        folder = self.recordings_dir / _safe(patient_id)
        if folder.is_dir():
            shutil.rmtree(folder)
        with self.transaction() as db:
            db.execute("DELETE FROM patients WHERE id = ?", (patient_id,))
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # old pages out of the WAL too
        return removed

    # -- visits ------------------------------------------------------------------------------

    def start_visit(
        self, patient_id: str, *, date: str | None = None, notes: str = "", assessor: str = ""
    ) -> int:
        """A new visit of ``patient_id`` on ``date`` (ISO date, default today, UTC), by
        ``assessor`` (the clinician's name or initials, printed on the report)."""
        self.patient(patient_id)
        date = date or datetime.now(UTC).date().isoformat()
        try:
            datetime.fromisoformat(date)
        except ValueError:
            raise InputError(
                f"visit date must be an ISO date like 2025-03-14, not {date!r}"
            ) from None
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO visits (patient_id, date, notes, created_utc, assessor) "
                "VALUES (?, ?, ?, ?, ?)",
                (patient_id, date, notes, now_utc(), assessor.strip()),
            )
        return _inserted_id(cur)

    def visit(self, visit_id: int) -> dict:
        row = self._conn.execute(
            "SELECT v.* FROM visits v JOIN patients p ON p.id = v.patient_id "
            "WHERE v.id = ? AND p.deleting = 0",
            (visit_id,),
        ).fetchone()
        if row is None:
            raise InputError(f"no visit {visit_id}")
        return dict(row)

    def visits(self, patient_id: str) -> list[dict]:
        self.patient(patient_id)
        rows = self._conn.execute(
            "SELECT * FROM visits WHERE patient_id = ? ORDER BY date, id", (patient_id,)
        ).fetchall()
        return [dict(r) for r in rows]

    def latest_visit(self, patient_id: str, date: str | None = None) -> int | None:
        """The patient's last visit on ``date`` (default today), if any."""
        date = date or datetime.now(UTC).date().isoformat()
        row = self._conn.execute(
            "SELECT id FROM visits WHERE patient_id = ? AND date = ? ORDER BY id DESC LIMIT 1",
            (patient_id, date),
        ).fetchone()
        return int(row["id"]) if row else None

    # -- trials ------------------------------------------------------------------------------

    def begin_trial(
        self,
        visit_id: int,
        *,
        protocol: str,
        protocol_version: int,
        condition: str,
        practice: bool,
        recording_path: str | None,
    ) -> int:
        """Insert a trial as ``recording`` (it stays marked if the program dies)."""
        self.visit(visit_id)
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO trials (visit_id, protocol, protocol_version, condition, practice,"
                " status, recording_path, started_utc, owner_pid) "
                "VALUES (?, ?, ?, ?, ?, 'recording', ?, ?, ?)",
                (
                    visit_id,
                    protocol,
                    protocol_version,
                    condition,
                    int(practice),
                    None if recording_path is None else str(recording_path),
                    now_utc(),
                    os.getpid(),
                ),
            )
        return _inserted_id(cur)

    def finish_trial(
        self, trial_id: int, result: dict, *, complete: bool, reason: str = ""
    ) -> None:
        """Store a trial's result; ``complete=False`` keeps it, marked incomplete."""
        status = "complete" if complete else "incomplete"
        with self.transaction() as db:
            db.execute(
                "UPDATE trials SET status = ?, result = ?, ended_utc = ?, owner_pid = NULL, "
                "definitions_version = ?, incomplete_reason = ? WHERE id = ?",
                (
                    status,
                    json.dumps(result),
                    now_utc(),
                    result.get("definitions_version"),
                    None if complete else (reason or "incomplete"),
                    trial_id,
                ),
            )

    def add_trial(
        self,
        visit_id: int,
        *,
        protocol,
        protocol_version,
        condition,
        practice,
        recording_path,
        result: dict,
        complete: bool,
        reason: str = "",
    ) -> int:
        """Insert a finished trial in one transaction (a recording scored afterwards)."""
        self.visit(visit_id)
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO trials (visit_id, protocol, protocol_version, condition, practice,"
                " status, result, recording_path, started_utc, ended_utc, definitions_version,"
                " incomplete_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    visit_id,
                    protocol,
                    protocol_version,
                    condition,
                    int(practice),
                    "complete" if complete else "incomplete",
                    json.dumps(result),
                    None if recording_path is None else str(recording_path),
                    now_utc(),
                    now_utc(),
                    result.get("definitions_version"),
                    None if complete else (reason or "incomplete"),
                ),
            )
        return _inserted_id(cur)

    def discard_trial(self, trial_id: int, reason: str) -> None:
        """Discard a trial (it no longer counts); the reason is kept, the trial too."""
        if not reason or not reason.strip():
            raise InputError("say why the trial is discarded (a reason is kept with it)")
        self.trial(trial_id)
        with self.transaction() as db:
            db.execute(
                "UPDATE trials SET status = 'discarded', discard_reason = ?, owner_pid = NULL, "
                "ended_utc = COALESCE(ended_utc, ?) WHERE id = ?",
                (reason.strip(), now_utc(), trial_id),
            )

    def trial(self, trial_id: int) -> dict:
        row = self._conn.execute(
            "SELECT t.* FROM trials t JOIN visits v ON v.id = t.visit_id "
            "JOIN patients p ON p.id = v.patient_id WHERE t.id = ? AND p.deleting = 0",
            (trial_id,),
        ).fetchone()
        if row is None:
            raise InputError(f"no trial {trial_id}")
        return _trial(row)

    def trials(self, visit_id: int) -> list[dict]:
        rows = self._conn.execute(
            "SELECT * FROM trials WHERE visit_id = ? ORDER BY id", (visit_id,)
        ).fetchall()
        return [_trial(r) for r in rows]

    # -- home workout sessions (the dashboard) -------------------------------------------------

    def add_session(
        self,
        summary: dict,
        *,
        recording_path,
        program: str | None,
        started_utc: str,
        simulated: bool,
    ) -> int:
        """Store a home workout session's summary; returns its id."""
        from tracker.files.recording import json_default  # numpy only when a session is added

        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO sessions (started_utc, program, recording_path, simulated, summary,"
                " added_utc) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    started_utc,
                    program,
                    None if recording_path is None else str(recording_path),
                    int(bool(simulated)),
                    json.dumps(summary, default=json_default),
                    now_utc(),
                ),
            )
        return _inserted_id(cur)

    def sessions(self, limit: int = 50) -> list[dict]:
        """The latest ``limit`` sessions, newest first, each with its ``summary`` dict."""
        rows = self._conn.execute(
            "SELECT * FROM sessions ORDER BY started_utc DESC, id DESC LIMIT ?", (int(limit),)
        ).fetchall()
        return [
            {
                "id": r["id"],
                "started_utc": r["started_utc"],
                "program": r["program"],
                "recording_path": r["recording_path"],
                "simulated": bool(r["simulated"]),
                "summary": json.loads(r["summary"]),
            }
            for r in rows
        ]


def check_patient_id(patient_id: str) -> str:
    """A pseudonymous id: 1-40 letters, digits, '-', '_' or '.' (never a name)."""
    pid = str(patient_id).strip()
    if not 1 <= len(pid) <= 40 or not all(c.isalnum() or c in "-_." for c in pid):
        raise InputError(
            f"patient id must be 1-40 letters, digits, '-', '_' or '.', not {patient_id!r}"
        )
    if pid in (".", ".."):
        raise InputError(f"patient id {pid!r} is not allowed")
    return pid


def _safe(patient_id: str) -> str:
    return check_patient_id(patient_id)


def _inserted_id(cur: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just made (None only on a cursor that never ran one)."""
    assert cur.lastrowid is not None
    return cur.lastrowid


def _patient(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"],
        "age_band": row["age_band"],
        "sex": row["sex"],
        "notes": row["notes"],
        "created_utc": row["created_utc"],
    }


def _trial(row: sqlite3.Row) -> dict:
    d = dict(row)
    d["practice"] = bool(d["practice"])
    d["result"] = json.loads(d["result"]) if d["result"] else None
    d.pop("owner_pid", None)
    return d


def parse_age_band(text: str) -> tuple[int, int]:
    """``"65-69"`` -> (65, 69), ``"80+"`` -> (80, 120), ``"72"`` -> (72, 72).

    Raises ``InputError`` for anything else (ages 0-120, low not above high).
    """
    s = str(text).strip()
    try:
        if s.endswith("+"):
            lo, hi = int(s[:-1]), 120
        elif "-" in s:
            a, b = s.split("-", 1)
            lo, hi = int(a), int(b)
        else:
            lo = hi = int(s)
    except ValueError:
        raise InputError(f"age band must look like 65-69 or 80+, not {text!r}") from None
    if not 0 <= lo <= hi <= 120:
        raise InputError(f"age band must lie within 0-120 with low <= high, not {text!r}")
    return lo, hi
