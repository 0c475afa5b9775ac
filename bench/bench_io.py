"""Recording I/O speed: an hour at 100 Hz as interchange CSV and in the own format.

Run: ``python bench/bench_io.py [--hours H] [--repeat N]``. Prints best-of-N wall times
and ratios; the CSV reader is compared with bare ``np.loadtxt`` on the same file.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from tracker.core.types import ImuBlock
from tracker.files.interchange import HEADER, read_csv, write_csv
from tracker.files.recording import Recording, RecordingWriter

HEADER_EXTRA = HEADER + ",mx,my,mz,seq"


def session(hours: float, rate_hz: float = 100.0) -> ImuBlock:
    """A jittered clock and sensor-like noise: full-precision values, as a device gives."""
    rng = np.random.default_rng(0)
    n = int(hours * 3600 * rate_hz)
    t_s = np.cumsum(rng.uniform(0.9, 1.1, n) / rate_hz)
    acc = np.array([0.3, -9.7, 0.5]) + rng.normal(0, 0.8, (n, 3))
    gyr = rng.normal(0, 0.6, (n, 3))
    return ImuBlock.from_arrays(t_s, acc, gyr)


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def write_live(path: Path, block: ImuBlock, per_call: int) -> None:
    """As a live source does: a few samples per call, durable once a second."""
    with RecordingWriter(path, source={"kind": "simulated"}) as writer:
        for part in block.chunks(per_call):
            writer.write_samples(part)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    block = session(args.hours)
    n = len(block)
    print(f"{n} samples ({args.hours:g} h at 100 Hz), best of {args.repeat}")
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "hour.csv"
        t_write = best_of(args.repeat, lambda: write_csv(csv, block, ["bench"]))
        size_mb = csv.stat().st_size / 1e6
        t_loadtxt = best_of(
            args.repeat, lambda: np.loadtxt(csv, delimiter=",", skiprows=2, dtype=np.float64)
        )
        t_read = best_of(args.repeat, lambda: read_csv(csv))
        print(f"CSV  write_csv         {t_write:7.3f} s  ({size_mb:.1f} MB)")
        print(f"CSV  np.loadtxt        {t_loadtxt:7.3f} s")
        print(f"CSV  read_csv          {t_read:7.3f} s  ratio to loadtxt {t_read / t_loadtxt:.2f}")

        # Extra columns (magnetometer, sequence number) take one more check of field counts.
        extra = Path(tmp) / "extra.csv"
        table = np.column_stack([block.t_s, block.acc, block.gyr, block.acc, np.arange(n)])
        np.savetxt(extra, table, fmt="%.17g", delimiter=",", header=HEADER_EXTRA, comments="")
        t_loadtxt = best_of(
            args.repeat, lambda: np.loadtxt(extra, delimiter=",", skiprows=1, usecols=range(7))
        )
        t_read = best_of(args.repeat, lambda: read_csv(extra))
        print(f"CSV+ np.loadtxt usecols {t_loadtxt:7.3f} s  (mx,my,mz,seq after the seven)")
        print(f"CSV+ read_csv          {t_read:7.3f} s  ratio to loadtxt {t_read / t_loadtxt:.2f}")

        trk = Path(tmp) / "hour.trk"
        t_whole = best_of(args.repeat, lambda: write_live(trk, block, n))
        t_live = best_of(args.repeat, lambda: write_live(trk, block, 5))
        size_mb = trk.stat().st_size / 1e6
        t_open = best_of(args.repeat, lambda: Recording.open(trk))
        t_concat = best_of(
            args.repeat, lambda: ImuBlock.concat(Recording.open(trk).sample_blocks())
        )
        print(f"TRK  write, one block   {t_whole:7.3f} s  ({size_mb:.1f} MB)")
        print(f"TRK  write, 5 per call  {t_live:7.3f} s  ({n // 5} calls)")
        print(f"TRK  Recording.open     {t_open:7.3f} s  ratio to read_csv {t_open / t_read:.3f}")
        print(f"TRK  open + concat      {t_concat:7.3f} s")


if __name__ == "__main__":
    main()
