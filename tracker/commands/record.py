"""`tracker record`: a Bluetooth LE sensor into a recording, headless, with a live status line."""

from __future__ import annotations

import asyncio
import sys
import time

from tracker.commands import folder
from tracker.core.errors import DeviceError, InputError
from tracker.core.sources import SourceStatus

STATES = {
    "connecting": "connecting",
    "connected": "streaming",
    "disconnected": "disconnected",
    "reconnecting": "reconnecting",
    "failed": "failed",
    "stopped": "stopped",
}
QUIET = ("streaming", "battery", "gap")  # shown in the figures, not as lines of their own


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "record",
        help="record a Bluetooth LE sensor to a file (no dashboard)",
        description=(
            "Connect to a sensor, start it with its firmware profile and record every "
            "notification as it arrived (with its receive time and a copy of the profile) "
            "until --duration or Ctrl-C. A sensor that drops out is reconnected; the gap "
            "is marked in the recording. The file is durable once a second."
        ),
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the .trk to write")
    p.add_argument("--device", metavar="D", help="address or advertised name (default: first)")
    p.add_argument("--profile", metavar="P", help="firmware profile (default: the one matching)")
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds of data")
    p.add_argument("--rate", type=float, metavar="HZ", help="sample rate to start it at")
    p.add_argument("--acc-range", type=float, metavar="G", help="accelerometer range (g)")
    p.add_argument("--gyr-range", type=float, metavar="DPS", help="gyroscope range (deg/s)")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S", help="scan time (10)")
    p.add_argument(
        "--status-every",
        type=float,
        default=5.0,
        metavar="S",
        help="seconds between status lines when not on a terminal (5)",
    )
    p.add_argument("--profiles-dir", type=folder, metavar="DIR", help="a folder of extra profiles")
    sim = p.add_argument_group("simulation (no radio)")
    sim.add_argument(
        "--simulate",
        nargs="?",
        const="squat-workout",
        metavar="KIND",
        help="a simulated sensor streaming a simulated session (default squat-workout); "
        "--profile picks its firmware (default nus-binary)",
    )
    sim.add_argument("--speed", type=float, default=1.0, help="simulation speed (1: real time)")
    sim.add_argument("--seed", type=int, default=0, help="simulation seed (0)")
    sim.add_argument("--drop-at", type=float, metavar="S", help="the sensor drops out at S")
    p.set_defaults(func=run)


def run(args) -> int:
    for name in ("duration", "timeout", "status_every", "speed"):
        value = getattr(args, name)
        if value is not None and not value > 0:
            raise InputError(f"--{name.replace('_', '-')} must be positive, not {value:g}")
    return asyncio.run(_main(args))


async def open_source(args):
    """The sensor of ``args``: found by a scan, or simulated (``--simulate``)."""
    if args.simulate is None:
        from tracker.sensors.ble import find_source

        return await find_source(
            args.device,
            args.profile,
            timeout_s=args.timeout,
            rate_hz=args.rate,
            acc_range=args.acc_range,
            gyr_range=args.gyr_range,
            profiles_dir=args.profiles_dir,
        )
    from tracker.sensors.catalog import get_profile
    from tracker.sim import KINDS, simulate
    from tracker.sim.ble import simulated_ble_source

    if args.simulate not in KINDS:
        raise InputError(f"unknown kind {args.simulate!r}; kinds: {', '.join(KINDS)}")
    extra = None if args.profiles_dir is None else [args.profiles_dir]
    profile = get_profile(args.profile or "nus-binary", extra)
    rate = args.rate or profile.default_hz
    profile.settings(rate, args.acc_range, args.gyr_range)  # refuse what it does not offer
    session = simulate(args.simulate, seed=args.seed, rate_hz=rate)
    source = simulated_ble_source(  # keep=0: no copy of what was sent (memory stays flat)
        session, profile=profile, speed=args.speed, drop_at_s=args.drop_at, keep=0
    )
    source.simulation = {"kind": args.simulate, "seed": args.seed, "speed": args.speed}
    return source


def open_writer(path, source):
    """A private recording of the source's packets, its profile and its stream settings."""
    from tracker.files.recording import RecordingWriter

    origin = {
        "kind": "simulated" if source.simulated else "ble",
        "description": source.description,
        "device": source.name,
        "address": source.address,
        **({"simulation": source.simulation} if hasattr(source, "simulation") else {}),
    }
    return RecordingWriter(
        path,
        source=origin,
        profile_name=source.profile.name,
        profile_toml=source.profile.text,
        meta=source.meta,
        private=True,
    )


async def _main(args) -> int:
    source = await open_source(args)
    try:
        writer = open_writer(args.output, source)
    except BaseException:
        await source.aclose()
        raise
    status = StatusLine(sys.stderr, args.status_every)
    try:
        ended = await record(source, writer, status, args.duration)
    except asyncio.CancelledError:  # Ctrl-C: the runner stopped the sensor and kept the file
        asyncio.current_task().uncancel()
        ended = "stopped (Ctrl-C)"
    finally:
        status.close()
    if status.failure:
        raise DeviceError(f"{status.failure}; what arrived is in {args.output}")
    print(f"{args.output}: {status.summary()}; {ended}")
    return 0


async def record(source, writer, status: StatusLine, duration_s: float | None = None) -> str:
    """Stream ``source`` into ``writer`` (and the pipeline) until the duration or its end.

    The one session loop (``tracker.workout.session.SessionRunner``) records every packet as
    it arrived and every status as an event; this adds the status line and the
    duration. Returns why it ended.
    """
    from tracker.core.types import Update
    from tracker.engine.pipeline import Pipeline
    from tracker.workout.session import SessionEnded, SessionProblem, SessionRunner

    runner = SessionRunner(source, Pipeline(), writer)
    reason = []

    def on_event(event) -> None:
        if isinstance(event, Update):
            status.add(event, runner.samples)
            if duration_s is not None and status.elapsed_s >= duration_s:
                runner.stop()
        elif isinstance(event, SourceStatus):
            status.update(event)
        elif isinstance(event, SessionProblem):
            status.say(event.text)
            if event.kind == "source":
                status.failure = status.failure or event.text
        elif isinstance(event, SessionEnded):
            reason.append(event.reason)

    ticker = asyncio.get_running_loop().create_task(_refresh(status))
    try:
        await runner.run(on_event)
    finally:
        ticker.cancel()
    if duration_s is not None and status.elapsed_s >= duration_s:
        return f"{duration_s:g} s recorded"
    return reason[0] if reason else "stopped"


async def _refresh(status: StatusLine) -> None:
    while True:
        await asyncio.sleep(0.25)
        status.refresh()


class StatusLine:
    """One line of live figures: rewritten in place on a terminal, plain lines otherwise."""

    def __init__(self, out, every_s: float = 5.0):
        self.out, self.every_s = out, every_s
        self.tty = out.isatty()
        self.samples = self.reps = 0
        self.t_first_s: float | None = None
        self.elapsed_s = 0.0
        self.state, self.rate_hz, self.loss, self.battery = "connecting", None, 0.0, None
        self.failure: str | None = None
        self._shown = -float("inf")
        self._line = ""

    def add(self, update, samples: int) -> None:
        """Figures from a pipeline ``Update`` (sample time, reps) and the samples so far."""
        self.reps += len(update.reps)
        self.samples = samples
        if len(update.t_s):
            self.t_first_s = update.t_s[0] if self.t_first_s is None else self.t_first_s
            self.elapsed_s = float(update.t_s[-1] - self.t_first_s)

    def update(self, s: SourceStatus) -> None:
        self.state = STATES.get(s.kind, self.state)
        self.rate_hz = s.rate_hz if s.rate_hz is not None else self.rate_hz
        self.loss = s.loss_fraction if s.loss_fraction is not None else self.loss
        self.battery = s.battery_pct if s.battery_pct is not None else self.battery
        if s.kind not in QUIET:
            self.say(f"{s.kind}: {s.detail}" if s.detail else s.kind)

    def text(self) -> str:
        rate = "-" if self.rate_hz is None else f"{self.rate_hz:.1f}"
        battery = "-" if self.battery is None else f"{self.battery} %"
        return (
            f"{self.elapsed_s:7.1f} s  {self.samples:7d} samples  {rate} Hz  "
            f"loss {100 * self.loss:.1f} %  battery {battery}  reps {self.reps}  {self.state}"
        )

    def refresh(self) -> None:
        now = time.monotonic()
        if now - self._shown < (0.25 if self.tty else self.every_s):
            return
        self._shown = now
        self._line = self.text()
        self.out.write(f"\r\x1b[K{self._line}" if self.tty else f"{self._line}\n")
        self.out.flush()

    def say(self, text: str) -> None:
        """A line of its own (an event), above the status line on a terminal."""
        self.out.write(f"\r\x1b[K{text}\n{self._line}" if self.tty else f"{text}\n")
        self.out.flush()

    def summary(self) -> str:
        return (
            f"{self.samples} samples in {self.elapsed_s:.1f} s, loss {100 * self.loss:.1f} %, "
            f"{self.reps} reps"
        )

    def close(self) -> None:
        if self.tty and self._line:
            self.out.write("\n")
            self.out.flush()
