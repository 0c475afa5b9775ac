"""Command line: argument parsing and wiring only; each verb lives in ``tracker.commands``."""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import logging
import os
import platform
import sys

from tracker import __version__
from tracker.core.errors import InputError, TrackerError

log = logging.getLogger("tracker")

DESCRIPTION = """\
One inexpensive IMU strapped to the thigh as a physiotherapy instrument:
squat reps, depth, tempo, wobble, smoothness and single-leg balance; a coached
home workout, clinic balance tests with a report, and your progress."""

EPILOG = """\
Start here: tracker live --simulate (a simulated sensor: no hardware needed).
A sensor in hand: tracker scan, then tracker live (docs/first-sensor.md).
tracker COMMAND --help says more. --log FILE may stand anywhere.
Exit status: 0 done, 1 a failure while running, 2 bad usage or bad input."""

# Each module has ``register(subparsers)``, which adds its verb (the module's name, and
# any listed in OTHER_VERBS) and sets ``func``.
COMMAND_MODULES = [
    "tracker.commands.analyze",
    "tracker.commands.simulate",
    "tracker.commands.export",
    "tracker.commands.profiles",
    "tracker.commands.live",
    "tracker.commands.replay",
    "tracker.commands.scan",
    "tracker.commands.record",
    "tracker.commands.assess",
    "tracker.commands.report",
    "tracker.commands.history",
    "tracker.commands.check",
    "tracker.commands.schemas",
]
OTHER_VERBS = {"tracker.commands.profiles": ("decode",)}


def verbs(module: str) -> tuple[str, ...]:
    return (module.rsplit(".", 1)[1], *OTHER_VERBS.get(module, ()))


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line with exit status 2."""

    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: {message}\n")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: with its verb's module alone when it names one (the
    others import what they need, which takes time), else with every verb."""
    verb = next((a for a in argv or () if not a.startswith("-")), None)
    modules = [m for m in COMMAND_MODULES if verb in verbs(m)] or COMMAND_MODULES
    parser = _Parser(
        prog="tracker",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tracker {__version__}")
    parser.add_argument(
        "--log",
        metavar="FILE",
        help="write a diagnostic log to FILE (Bluetooth included: send it with a problem report)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def take_log_option(argv: list[str]) -> tuple[list[str], str | None]:
    """``argv`` without ``--log FILE`` (or ``--log=FILE``), wherever it stands, and FILE."""
    rest, path, i = [], None, 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--log" and i + 1 < len(argv):
            path, i = argv[i + 1], i + 2
            continue
        if arg.startswith("--log="):
            path = arg.split("=", 1)[1]
        else:
            rest.append(arg)
        i += 1
    return rest, path


def start_log(path: str) -> logging.Handler:
    """Log tracker's and bleak's messages (debug and up) and others' warnings to ``path``."""
    try:
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the log ({exc.strerror or exc})", path=path) from None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    for name in ("tracker", "bleak"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    versions = {"tracker": __version__, "python": platform.python_version()}
    for package in ("bleak", "textual", "numpy", "scipy"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "absent"
    log.info("%s on %s", ", ".join(f"{k} {v}" for k, v in versions.items()), platform.platform())
    return handler


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    argv, log_path = take_log_option(list(argv))
    args = build_parser(argv).parse_args(argv)
    handler = None
    try:
        if log_path:
            handler = start_log(log_path)
            log.info("tracker %s", " ".join(argv))
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # a full disk behind stdout shows here, not after main returned
        return status
    except TrackerError as exc:
        log.info("ended with status %d: %s", exc.exit_status, exc.one_line())
        print(f"tracker: {exc.one_line()}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader left (| head): nothing more to say
        _drop_stdout()
        return 0
    except OSError as exc:  # writing the output failed (stdout on a full disk, /dev/full)
        _drop_stdout()
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"tracker: could not write the output{where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception:
        log.exception("tracker %s failed", " ".join(argv))
        raise
    finally:
        if handler is not None:
            logging.getLogger().removeHandler(handler)
            handler.close()


def _drop_stdout() -> None:
    """Send what is still buffered for the real stdout nowhere, so that Python's flush at
    exit does not fail a second time with a traceback of its own."""
    if sys.stdout is sys.__stdout__ and sys.stdout is not None:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass


if __name__ == "__main__":
    sys.exit(main())
