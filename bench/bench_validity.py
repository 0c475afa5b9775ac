"""Validity: the engine's counts, depths and times against truth, beside a plain baseline.

Run: ``python bench/bench_validity.py [FOLDER] [--cases PATTERN] [--verbose] [--json]``,
or ``python bench/bench_validity.py --simulate [kinds|hard|all]`` to score a folder made
by the simulator. FOLDER (default ``../shared/realdata`` beside the repository) holds
``index.json``, ``NAME.csv`` and ``NAME.truth.json`` per case. Each case runs as
``tracker analyze NAME.csv --exercise EXERCISE --json`` does, and through the baseline
(imufusion's AHRS + ``find_peaks`` on the tilt; n/a without imufusion). Definitions and
the format are in docs/validity.md. Exit status 2 for a folder it cannot score.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from validity_bench import baseline, simulated
from validity_bench.folder import FolderError, load_cases
from validity_bench.report import evaluate, finite, markdown
from validity_bench.run import default_jobs, run_cases

import tracker

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = REPO.parent / "shared" / "realdata"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folder", nargs="?", type=Path, help=f"default {DEFAULT_FOLDER}")
    p.add_argument("--cases", metavar="PATTERN", help="glob on names or kinds, or part of a name")
    p.add_argument(
        "--verbose", action="store_true", help="a line per case (with --json: what was found)"
    )
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument(
        "--simulate",
        nargs="?",
        const="kinds",
        choices=("kinds", "hard", "all"),
        help="score a folder written by the simulator: every kind, the hard families, or both",
    )
    p.add_argument("--seeds", type=int, default=1, help="with --simulate kinds: seeds per kind")
    p.add_argument("--out", type=Path, help="with --simulate: write the folder here and keep it")
    p.add_argument("--no-baseline", action="store_true", help="the engine only")
    p.add_argument(
        "--jobs", type=int, help="worker processes (default: one per core from 20 MB of CSV)"
    )
    args = p.parse_args(argv)
    if args.simulate and args.folder:
        p.error("give a FOLDER or --simulate, not both")
    if args.seeds < 1 or (args.jobs is not None and args.jobs < 1):
        p.error("--seeds and --jobs must be at least 1")
    return args


def engine_version() -> str:
    rev = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{tracker.__version__}" + (f" at {rev}" if rev else "")


def simulated_folder(which: str, seeds: int, out: Path) -> Path:
    sources = []
    if which in ("kinds", "all"):
        sources.append(simulated.kind_cases(seeds))
    if which in ("hard", "all"):
        sources.append(simulated.hard_cases())
    return simulated.write_folder(out, (case for source in sources for case in source))


def score(folder: Path, args: argparse.Namespace) -> dict:
    cases = load_cases(folder, args.cases)
    version = None if args.no_baseline else baseline.version()
    if args.no_baseline:
        baseline_text = "not run"
    elif version is None:
        baseline_text = "n/a: imufusion is not installed (pip install -e '.[bench]')"
    else:
        baseline_text = f"imufusion {version} + scipy find_peaks"
    jobs = args.jobs or default_jobs(cases)
    print(f"scoring {len(cases)} cases of {folder} in {jobs} process(es)", file=sys.stderr)
    detections = run_cases(cases, with_baseline=version is not None, jobs=jobs)
    meta = {"folder": str(folder), "tracker": engine_version(), "baseline": baseline_text}
    return evaluate(cases, detections, meta, with_found=args.verbose)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.simulate:
            with tempfile.TemporaryDirectory(prefix="validity-sim-") as tmp:
                folder = simulated_folder(args.simulate, args.seeds, args.out or Path(tmp))
                result = score(folder, args)
        else:
            folder = args.folder or DEFAULT_FOLDER
            if args.folder is None and not folder.is_dir():
                raise FolderError(
                    f"{folder}: the shared real recordings are not on this machine; "
                    "give a FOLDER or use --simulate"
                )
            result = score(folder, args)
    except FolderError as exc:
        print(f"bench_validity: {exc}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(finite(result), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(markdown(result, verbose=args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
