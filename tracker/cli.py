"""Command line: argument parsing and wiring only; each verb lives in ``tracker.commands``."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from tracker import __version__
from tracker.errors import TrackerError

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
    parser = _Parser(prog="tracker", description=__doc__)
    parser.add_argument("--version", action="version", version=f"tracker {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # a full disk behind stdout shows here, not after main returned
        return status
    except TrackerError as exc:
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
