"""The command line loads only the module of the verb it runs, every verb is still there, and
its help says where to start."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

import pytest

from tracker import cli


def test_each_module_registers_the_verbs_the_cli_expects_of_it():
    for module in cli.COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module).register(sub)
        assert tuple(sub.choices) == cli.verbs(module), module


def test_a_verb_builds_its_own_parser_alone_and_help_builds_them_all():
    every = {v for m in cli.COMMAND_MODULES for v in cli.verbs(m)}
    for argv, expected in [
        (["analyze", "x.csv", "--json"], {"analyze"}),
        (["decode", "polar-pmd", "00"], {"profiles", "decode"}),
        (["--help"], every),
        (["no-such-verb"], every),
        ([], every),
    ]:
        sub = next(a for a in cli.build_parser(argv)._actions if a.dest == "command")
        assert set(sub.choices) == expected, argv


def test_analyze_imports_neither_the_dashboard_nor_bluetooth():
    code = (
        "import sys; from tracker.cli import build_parser; "
        "build_parser(['analyze', 'x.csv']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('textual', 'bleak', 'asyncio') or m.startswith('tracker.commands.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['tracker.commands.analyze']"


def test_the_top_help_says_where_to_start_and_what_exit_statuses_mean(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "Start here: tracker live --simulate" in out
    assert "tracker scan, then tracker live (docs/first-sensor.md)" in out
    assert "Exit status: 0 done, 1 a failure while running, 2 bad usage or bad input." in out
    assert '"""' not in out and "Parameters" not in out  # no developer's docstring
