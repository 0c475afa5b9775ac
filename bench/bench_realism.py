"""How real the simulator's signals are: statistics of real and simulated recordings side by side.

Run on demand: ``python bench/bench_realism.py [--realdata DIR] [--cases N] [--seed S]``.

For each group of real recordings in ``../shared/realdata`` (continuous squat sets, the same
with the accelerometer's offset left in, separate squats, long walks) it simulates matching
cases (``tracker.sim.hard_cases`` families at the real rate) and prints, per statistic, the
median and range over the real cases beside the simulated ones: noise and |a| at rest,
|a| percentiles, typical and peak rates of turn, band RMS of acc and gyro (Welch), the
dominant frequency, rep period and pause, tilt at the tops between reps, clipping. The
statistics are in ``realism_stats.py``. Nothing read from the real folder is written anywhere.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from realism_stats import Case, describe

from tracker.sim import FAMILIES, hard_cases, simulate

DEFAULT_REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


@dataclass(frozen=True)
class Group:
    """Real cases picked by kind; the simulated cases that should match them (a family of
    ``hard_cases`` or a kind, with options) and the everyday kind they used to be compared
    with (``before``)."""

    title: str
    real_kinds: tuple[str, ...]
    sim: tuple[str, dict]
    before: tuple[str, dict]
    rate_hz: float
    note: str = ""


SQUAT_SET = ("squat-workout", {"sets": 1, "reps": 10})
GROUPS = (
    Group(
        "continuous squat sets (Choi, offset removed)",
        ("choi_correct", "choi_valgus", "choi_buttwink", "choi_lean", "choi_partial"),
        ("continuous-squats", {"acc_offset_g": 0.0}),
        SQUAT_SET,
        110.0,
    ),
    Group(
        "continuous squat sets, raw offset (Choi)",
        ("choi_rawbias",),
        ("continuous-squats", {"acc_offset_g": (0.2, 0.6)}),
        SQUAT_SET,
        110.0,
    ),
    Group(
        "separate squats and lunges (CMU, bridged)",
        ("sl_squat", "sl_halfsquat", "squat", "halfsquat", "lunge", "splitsquat", "stepup"),
        ("squat-workout", {"sets": 1, "reps": 5, "strap": "soft"}),
        ("squat-workout", {"sets": 1, "reps": 5}),
        100.0,
        "The real reps were cut from longer recordings and joined by synthetic bridges and "
        "standing (an Xsens sensor: low noise, no offset).",
    ),
    Group(
        "long walks (HuGaDB)",
        ("walk",),
        ("loose-walk", {}),
        ("walking", {"duration": 60.0}),
        58.8,
        "The real cases' standing before and after the walk was added by their maker "
        "(synthetic): their rows at rest describe that, not the sensor.",
    ),
)

ROWS = (
    ("rest_acc_sd_m_s2", "acc noise at rest, SD per axis", "m/s²", 3),
    ("rest_gyr_sd_rad_s", "gyro noise at rest, SD per axis", "rad/s", 4),
    ("rest_gyr_mean_rad_s", "|mean gyro| at rest (bias, sway)", "rad/s", 4),
    ("rest_acc_norm_m_s2", "|a| at rest", "m/s²", 2),
    ("lead_in_s", "first sample to first rep", "s", 2),
    ("first_0.3s_gyr_rad_s", "mean |gyro| in the first 0.3 s", "rad/s", 3),
    ("acc_norm_p1_m_s2", "|a| 1st percentile (activity)", "m/s²", 2),
    ("acc_norm_p50_m_s2", "|a| median (activity)", "m/s²", 2),
    ("acc_norm_p99_m_s2", "|a| 99th percentile (activity)", "m/s²", 2),
    ("gyr_p50_rad_s", "|gyro| median (activity)", "rad/s", 2),
    ("gyr_p95_rad_s", "|gyro| 95th percentile (activity)", "rad/s", 2),
    ("gyr_max_rad_s", "|gyro| peak (activity)", "rad/s", 2),
    ("acc_0.2-1Hz_rms", "acc RMS 0.2-1 Hz", "m/s²", 2),
    ("acc_1-3Hz_rms", "acc RMS 1-3 Hz", "m/s²", 2),
    ("acc_3-8Hz_rms", "acc RMS 3-8 Hz", "m/s²", 2),
    ("acc_8-20Hz_rms", "acc RMS 8-20 Hz", "m/s²", 2),
    ("gyr_0.2-1Hz_rms", "gyro RMS 0.2-1 Hz", "rad/s", 3),
    ("gyr_1-3Hz_rms", "gyro RMS 1-3 Hz", "rad/s", 3),
    ("gyr_3-8Hz_rms", "gyro RMS 3-8 Hz", "rad/s", 3),
    ("gyr_8-20Hz_rms", "gyro RMS 8-20 Hz", "rad/s", 3),
    ("dominant_hz", "dominant frequency of the main rotation", "Hz", 2),
    ("rep_period_s", "rep period, start to start", "s", 2),
    ("rep_gap_s", "pause between reps", "s", 2),
    ("top_tilt_max_deg", "largest tilt at a top, from before the set", "deg", 1),
    ("tilt_max_deg", "tilt at the deepest (99th pct)", "deg", 1),
    ("acc_clipped_frac", "samples with acc clipped", "", 3),
    ("gyr_clipped_frac", "samples with gyro clipped", "", 3),
)


def real_case(folder: Path, name: str) -> Case:
    data = np.loadtxt(folder / f"{name}.csv", delimiter=",", skiprows=1, ndmin=2)
    truth = json.loads((folder / f"{name}.truth.json").read_text())
    reps = truth.get("reps", [])
    t = data[:, 0]
    if reps:
        activity = (reps[0]["start_s"], reps[-1]["end_s"])
    elif truth.get("walk_s"):
        activity = tuple(truth["walk_s"])
    else:
        activity = (t[0], t[-1])
    return Case(
        name,
        t,
        data[:, 1:4],
        data[:, 4:7],
        activity,
        tuple(r["start_s"] for r in reps),
        tuple(r["end_s"] for r in reps),
    )


def sim_case(name: str, session) -> Case:
    truth = session.truth
    reps = truth.reps
    if reps:
        activity = (reps[0]["start_s"], reps[-1]["end_s"])
    elif truth.walking:
        activity = (truth.walking[0]["start_s"], truth.walking[-1]["end_s"])
    else:
        activity = (0.0, session.duration_s)
    block = session.block
    return Case(
        name,
        block.t_s,
        block.acc,
        block.gyr,
        activity,
        tuple(r["start_s"] for r in reps),
        tuple(r["end_s"] for r in reps),
    )


def simulated(name: str, options: dict, rate_hz: float, n: int, seed: int) -> list[Case]:
    """``n`` cases of a ``hard_cases`` family, or of a kind, at ``rate_hz``."""
    if name in {f for f, *_ in FAMILIES}:
        cases = hard_cases(n, seed, families=(name,), rate_hz=rate_hz, **options)
        return [sim_case(case, session) for case, _, _, session in cases]
    sessions = [simulate(name, seed + i, rate_hz, **options) for i in range(n)]
    return [sim_case(f"{name}-{i:02d}", s) for i, s in enumerate(sessions)]


def summary(values: list[float], digits: int) -> str:
    v = np.asarray([x for x in values if np.isfinite(x)])
    if not len(v):
        return "-"
    return f"{np.median(v):.{digits}f} [{v.min():.{digits}f}, {v.max():.{digits}f}]"


def table(group: Group, real: list[dict], sim: list[dict], before: list[dict]) -> str:
    lines = [
        f"### {group.title}",
        "",
        f"{len(real)} real cases; {len(sim)} simulated `{group.sim[0]}`"
        f"{_options(group.sim[1])}; {len(before)} of the everyday `{group.before[0]}`"
        f"{_options(group.before[1])} as before; all at {group.rate_hz:g} Hz. {group.note}",
        "",
        "| statistic | unit | real | simulated | everyday kind |",
        "|---|---|---|---|---|",
    ]
    for key, label, unit, digits in ROWS:
        cells = [summary([s[key] for s in x], digits) for x in (real, sim, before)]
        if all(c == "-" for c in cells):
            continue
        lines.append(f"| {label} | {unit} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _options(options: dict) -> str:
    return " (" + ", ".join(f"{k}={v}" for k, v in options.items()) + ")" if options else ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdata", type=Path, default=DEFAULT_REALDATA)
    parser.add_argument("--cases", type=int, default=6, help="simulated cases per group (6)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--group", action="append", help="only groups whose title has this")
    args = parser.parse_args(argv)
    index_path = args.realdata / "index.json"
    if not index_path.is_file():
        print(f"no real recordings at {args.realdata} (index.json missing): nothing to compare")
        return 0
    index = json.loads(index_path.read_text())
    for group in GROUPS:
        if args.group and not any(g in group.title for g in args.group):
            continue
        names = [c["name"] for c in index if c["kind"] in group.real_kinds]
        real = [describe(real_case(args.realdata, name)) for name in names]
        sim, before = (
            [describe(c) for c in simulated(*spec, group.rate_hz, args.cases, args.seed)]
            for spec in (group.sim, group.before)
        )
        print(table(group, real, sim, before), end="\n\n", flush=True)
    print("Cells: median [min, max] over the cases.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
