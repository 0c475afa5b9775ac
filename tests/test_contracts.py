"""The import contracts in pyproject.toml ([tool.importlinter]): the layers, the headless core,
who may import bleak, no cycles. Checked here so that the README's test command runs them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import grimp

from tracker import cli

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_are_kept():
    # In a child process: import-linter reconfigures logging (and so would silence tracker's
    # logger for the tests after it). No cache: it would be written into the working tree.
    code = (
        "import sys; from importlinter.cli import lint_imports; "
        f"sys.exit(lint_imports(config_filename={str(ROOT / 'pyproject.toml')!r}, no_cache=True))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    report = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout)  # some releases colour it
    assert "Contracts: " in report, report + out.stderr  # they ran: no configuration error
    broken = report.partition("Broken contracts")[2] or report
    assert out.returncode == 0, broken


def test_no_module_is_part_of_an_import_cycle():
    """The acyclic_siblings contract compares siblings only, so it misses a cycle through a
    package's own __init__ (a module importing from the package that imports it)."""
    graph = grimp.build_graph("tracker", cache_dir=None)
    cycles = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycles.append(" -> ".join((importer, *back)))
    assert not cycles, "\n".join(cycles)


def test_the_command_line_starts_without_textual_bleak_or_bumble():
    """What the contracts cannot see: the commands import the screens and Bluetooth only
    inside the verbs that need them, so that a verb like analyze starts without them (the
    static graph counts those deferred imports like any other). Every module of
    tracker.commands is imported, and tracker.cli, as the CLI does for --help."""
    code = (
        "import json, pkgutil, sys, tracker.commands\n"
        "names = ['tracker.cli'] + [m.name for m in pkgutil.walk_packages("
        "tracker.commands.__path__, 'tracker.commands.')]\n"
        "for name in names:\n"
        "    __import__(name)\n"
        "    loaded = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'textual', 'bleak', 'bumble'})\n"
        "    if loaded:\n"
        "        sys.exit(f'{name} imports {loaded}')\n"
        "print(json.dumps(names))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert set(cli.COMMAND_MODULES) <= set(json.loads(out.stdout))  # the walk found them
