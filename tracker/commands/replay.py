"""`tracker replay SESSION`: a recorded session in the workout dashboard, as live showed it."""

from __future__ import annotations

from dataclasses import replace

from tracker.core.errors import InputError
from tracker.workout.programs import LEGS, get_program, load_program_text

SPEED_RANGE = (0.25, 16.0)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "replay",
        help="replay a recorded session in the dashboard",
        description=(
            "Replay a recording (own format or interchange CSV) through the pipeline and the "
            "coach, exactly as the live session ran them; play/pause, seek, 0.25x-16x, jumps."
        ),
    )
    p.add_argument("session", help="a .trk recording or an interchange CSV")
    p.add_argument("--speed", type=float, default=1.0, help="0.25 to 16 (default 1)")
    p.add_argument("--start", type=float, metavar="S", help="start at S seconds into the recording")
    p.add_argument(
        "--program",
        help="program for a recording that stored none (default hip-rehab)",
    )
    p.add_argument("--painful-side", choices=LEGS, help="for a recording that stored none")
    p.set_defaults(func=run)


def build(args, *, speed: float | None = None):
    """The replay app for ``args``; ``speed`` overrides the checked ``--speed`` (tests)."""
    from tracker.engine.pipeline import Pipeline, PipelineConfig
    from tracker.files.replay import load_replay
    from tracker.screens.workout.app import TrackerApp
    from tracker.workout.drivers import ReplayDriver
    from tracker.workout.player import ReplayPlayer
    from tracker.workout.view import Workout

    lo, hi = SPEED_RANGE
    if speed is None and not lo <= args.speed <= hi:
        raise InputError(f"--speed must be between {lo:g} and {hi:g}, not {args.speed:g}")
    data = load_replay(args.session)
    meta = data.meta
    stored = meta.get("program_toml")
    if isinstance(stored, str) and not args.program:
        origin = f"{data.path} (stored program)"
        program = load_program_text(stored, origin, str(meta.get("program", "program")))
    else:
        program = get_program(args.program or "hip-rehab")
    leg = meta.get("sensor_leg") if meta.get("sensor_leg") in LEGS else None
    painful = args.painful_side or meta.get("painful_leg") or leg or "right"
    sensor = meta.get("sensor_leg") if leg else painful
    base = PipelineConfig()
    min_depth = meta.get("min_depth_deg", base.reps.min_depth_deg)
    config = replace(base, reps=replace(base.reps, min_depth_deg=float(min_depth)))

    def make_workout():
        return Workout(program, painful_leg=painful, sensor_leg=sensor, simulated=data.simulated)

    player = ReplayPlayer(data, lambda: Pipeline(config), make_workout)
    driver = ReplayDriver(player, speed=speed if speed is not None else args.speed)
    if args.start is not None:
        driver.start_at_s = data.start_s + args.start
    return TrackerApp(driver)


def run(args) -> int:
    app = build(args)
    for warning in app.driver.player.data.warnings:
        print(f"tracker: {args.session}: {warning}")
    app.run()
    return app.return_code or 0  # non-zero when the screens failed
