"""`tracker live`: the workout dashboard on a sensor (or the simulated one), recorded."""

from __future__ import annotations

import secrets
import sqlite3
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from tracker.commands import depth_deg
from tracker.core.errors import DeviceError, InputError, RecordingError, TrackerError
from tracker.workout.programs import LEGS, get_program, load_programs, user_dir

DEFAULT_PROGRAM = "hip-rehab"
SIMULATED_PROGRAM = "demo"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "live",
        help="the live workout dashboard",
        description="Coach a workout program from a thigh sensor, recording it.",
    )
    p.add_argument("--simulate", action="store_true", help="the built-in simulated sensor")
    p.add_argument("--device", help="the sensor's name or address (default: the first found)")
    p.add_argument("--profile", help="the sensor's firmware profile (default: by its name)")
    p.add_argument(
        "--program",
        help=f"program name or .toml file (default {DEFAULT_PROGRAM}; {SIMULATED_PROGRAM} "
        "with --simulate)",
    )
    p.add_argument("--list-programs", action="store_true", help="list the programs and exit")
    p.add_argument("--painful-side", choices=LEGS, help="the leg the program calls painful")
    p.add_argument("--sensor-leg", choices=LEGS, help="the thigh the sensor is on at the start")
    p.add_argument("-o", "--out", help="the recording file (default: the per-user data folder)")
    p.add_argument("--db", help="the history database (default: the per-user data folder)")
    p.add_argument("--bell", action="store_true", help="ring the terminal bell on each rep")
    p.add_argument(
        "--min-depth", type=depth_deg, default=10.0, metavar="DEG", help="smallest rep (default 10)"
    )
    sim = p.add_argument_group("simulated sensor (with --simulate)")
    sim.add_argument(
        "--kind", default="demo-workout", help="simulated session (default demo-workout)"
    )
    sim.add_argument("--seed", type=int, help="simulation seed (default: a new one)")
    sim.add_argument("--speed", type=float, default=1.0, help="faster than real time (default 1)")
    sim.add_argument("--drop-at", type=float, metavar="S", help="lose the sensor at S seconds")
    sim.add_argument("--sets", type=int, help="sets in the simulated session")
    sim.add_argument("--reps", type=int, help="reps per simulated set")
    p.set_defaults(func=run)


def default_recording_path(program: str, simulated: bool) -> Path:
    """A new file in the per-user data folder, named by its start time."""
    from platformdirs import user_data_dir

    stamp = datetime.now().strftime("%Y-%m-%d_%H%M%S")
    tail = "_simulated" if simulated else ""
    return Path(user_data_dir("tracker")) / "recordings" / f"{stamp}_{program}{tail}.trk"


def save_session_to_history(
    summary: dict,
    *,
    recording_path: str | None,
    program: str,
    started_utc: str,
    simulated: bool,
    db: str | None = None,
) -> str:
    """Store a finished session in the history database; a line for the person.

    ``db`` defaults to the per-user history (``tracker.files.history.default_path``). A
    failure is reported, never raised: the recording holds the whole session.
    """
    from tracker.files.history import History

    coach = summary.get("coach") or {}
    if not (summary.get("reps") or summary.get("balance") or coach.get("sets_done")):
        # Quit before anything was done (a wrong program, a sensor not strapped on): a
        # session of nothing would read as one done badly in the trends.
        return "Nothing done: not added to the history."
    try:
        with History.open(db) as history:
            session_id = history.add_session(
                summary,
                recording_path=recording_path,
                program=program,
                started_utc=started_utc,
                simulated=simulated,
            )
            sessions = history.sessions(limit=1_000_000)
    except (TrackerError, OSError, sqlite3.Error) as exc:
        return f"Not added to the history: {' '.join(str(exc).split())}"
    note = f"Added to the history as session {session_id} ({history.path})."
    return "\n".join([note, *changes_since_first(sessions, session_id)])


def changes_since_first(sessions: list[dict], session_id: int, most: int = 4) -> list[str]:
    """What changed over the sessions, in words, for the exercises of ``session_id``."""
    from tracker.workout.progress import exercise_rows, trend_group, trends

    group, _ = trend_group(sessions)
    mine = next((s for s in group if s["id"] == session_id), None)
    if mine is None or len(group) < 2:
        return []
    done = {(r["exercise"], r["side"]) for r in exercise_rows(mine)}
    found = [t for t in trends(group) if t.direction != "same" and (t.exercise, t.side) in done]
    return [t.text for t in found[:most]]


def _simulated_source(session, speed: float | None, drop_at_s: float | None):
    """The simulator through the BLE stack when it exists, else streamed directly.

    ``speed`` None: on a virtual clock, as fast as the session takes the samples (tests).
    """
    try:
        from tracker.sim.ble import simulated_ble_source
    except ImportError:
        from tracker.sim.source import SimulatedSource

        return SimulatedSource(session, speed=speed, drop_at_s=drop_at_s)
    # keep=0: the simulated sensor keeps no copy of what it sent (memory stays flat)
    return simulated_ble_source(session, speed=speed, drop_at_s=drop_at_s, keep=0)


async def _ble_source(device: str | None, profile: str | None):
    try:
        from tracker.sensors.ble import find_source
    except ImportError:
        raise DeviceError(
            "Bluetooth streaming is not in this tracker yet; try tracker live --simulate"
        ) from None
    return await find_source(device=device, profile=profile)


def build(args, session=None, *, virtual_clock: bool = False):
    """The app for ``args`` (separate from ``run`` so tests can drive it headless).

    ``session`` (a ``SimSession``) replaces the one ``--simulate`` would make. With
    ``virtual_clock`` the simulated sensor runs on simulated time, as fast as the
    session takes its notifications, and they are pushed in batches of a quarter second
    of the stream: the same views every run, whatever the machine's speed or load (tests).
    """
    from tracker.engine.pipeline import Pipeline
    from tracker.screens.workout.app import TrackerApp
    from tracker.workout.drivers import LiveDriver
    from tracker.workout.view import Workout

    if args.speed <= 0:
        raise InputError("--speed must be positive")
    program = get_program(args.program or (SIMULATED_PROGRAM if args.simulate else DEFAULT_PROGRAM))
    started = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    meta = {"program": program.name, "program_toml": program.text, "started_utc": started}
    if args.simulate:
        from tracker.sim import simulate

        seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
        options = {k: getattr(args, k) for k in ("sets", "reps") if getattr(args, k) is not None}
        if session is None:
            session = simulate(args.kind, seed=seed, **options)
        else:
            seed, options = session.seed, session.options
        leg = session.mounting.leg
        painful, sensor = args.painful_side or leg, args.sensor_leg or leg
        meta["simulation"] = {"kind": session.kind, "seed": seed, "options": options}

        async def open_source():
            return _simulated_source(session, None if virtual_clock else args.speed, args.drop_at)
    else:
        painful = args.painful_side or "right"
        sensor = args.sensor_leg or painful

        async def open_source():
            return await _ble_source(args.device, args.profile)

    from tracker.engine.pipeline import PipelineConfig  # scipy: loaded only for a session

    base = PipelineConfig()
    config = replace(base, reps=replace(base.reps, min_depth_deg=args.min_depth))
    meta |= {"painful_leg": painful, "sensor_leg": sensor, "exercise": config.exercise}
    meta |= {"min_depth_deg": args.min_depth, "simulated": bool(args.simulate)}
    path = Path(args.out) if args.out else default_recording_path(program.name, args.simulate)

    def open_writer(source):
        return open_recording(path, source, meta)

    def on_end(summary, recording):
        return save_session_to_history(
            summary,
            recording_path=recording,
            program=program.name,
            started_utc=started,
            simulated=bool(args.simulate),
            db=args.db,
        )

    workout = Workout(program, painful_leg=painful, sensor_leg=sensor, simulated=args.simulate)
    driver = LiveDriver(
        open_source,
        workout,
        Pipeline(config),
        open_writer=open_writer,
        on_end=on_end,
        batch_s=0.25 if virtual_clock else 0.05,
        clock=None if virtual_clock else time.monotonic,
    )
    app = TrackerApp(driver, bell=args.bell)
    app.history_db = args.db
    return app


def open_recording(path: Path, source, meta: dict):
    """A private recording for ``source``: its packets with its profile, or its samples."""
    from tracker.files.recording import RecordingWriter

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RecordingError(f"cannot create the folder ({exc.strerror})", path=str(path)) from None
    profile = getattr(source, "profile", None)
    stream = getattr(source, "meta", None)  # a BLE source: its settings (decoding needs them)
    if not isinstance(stream, dict):
        settings = getattr(source, "settings", None)
        stream = settings.to_json() if hasattr(settings, "to_json") else {}
    kind = "simulated" if source.simulated else "ble"
    return RecordingWriter(
        path,
        source={"kind": kind, "description": source.description},
        profile_name=getattr(profile, "name", None),
        profile_toml=getattr(profile, "text", None),
        meta={**meta, **stream},
        private=True,
        background=True,  # the event loop draws the screen: a slow disk must not stall it
    )


def run(args) -> int:
    if args.list_programs:
        for name, program in load_programs().items():
            print(f"{name:12} {program.title}  ({program.file})")
        print(f"Your own programs (same name replaces a shipped one): {user_dir()}")
        return 0
    app = build(args)  # the program and the options checked first: bad input is exit 2
    if not args.simulate:
        from tracker.sensors.ble.scan import radio_missing

        if missing := radio_missing():
            raise DeviceError(_without_a_sensor(str(missing)))
    app.run()
    if app.return_code:  # the screens failed (Textual printed why): not a success
        return app.return_code
    over = app.over
    if over is not None and over.recording:
        print(f"Recorded to {over.recording}")
    if over is not None and over.history:
        print(over.history)
    if over is not None and over.reason in ("no sensor", "source failed"):
        problem = app.view.problem if app.view is not None else None
        problem = problem or "the sensor was lost and not recovered"
        raise DeviceError(_without_a_sensor(problem) if over.reason == "no sensor" else problem)
    return 0


def _without_a_sensor(problem: str) -> str:
    """The radio's problem, with what to run instead here (not the scan's hint)."""
    problem = problem.split("; `tracker scan --simulate`")[0]
    return f"{problem}; without a sensor: tracker live --simulate (docs/first-sensor.md)"
