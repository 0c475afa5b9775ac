"""The live dashboard on the simulated sensor in real time: CPU, memory, sample-to-screen delay.

Runs `tracker live --simulate` headless (Textual's test driver renders every frame,
without a terminal) on the simulator's demo workout at 100 Hz in real time, and prints:

- CPU: process time / wall time over the session (one core = 100 %);
- memory: peak RSS, and RSS sampled every 10 s with its trend after the first minute
  (flat memory: a slope near 0 MB/min);
- delay from a sample's arrival (the source handing it over) to the screen showing it
  (the first refresh after a view with that sample was drawn): median, p99, max.
  A sample counts as shown once the view reaches within 1.5 grid periods of it (the
  pipeline's uniform grid lands between input samples). Past lost packets the view
  runs on provisionally while the pipeline's bridge waits for the hole's far side.

    python bench/bench_dashboard.py --minutes 10          # the issue's figure
    python bench/bench_dashboard.py                       # a quick look (1 minute)
    python bench/bench_dashboard.py --source ble          # through the simulated BLE stack
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from tracker.cli import build_parser
from tracker.commands import live
from tracker.sim import simulate
from tracker.sim.source import SimulatedSource


def rss_mb() -> float:
    """Resident memory now (Linux /proc), MB."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return float("nan")
    return pages * resource.getpagesize() / 1e6


class Log:
    """Pairs of numbers in memory taken before the session starts, so that what the bench
    notes down does not show in the memory it measures (lists grew 0.4 MB a minute)."""

    def __init__(self, capacity: int):
        self.rows = np.ones((capacity, 2))  # ones, not zeros: every page is touched now
        self.n = 0

    def add(self, a: float, b: float) -> None:
        if self.n < len(self.rows):
            self.rows[self.n] = a, b
            self.n += 1

    def array(self) -> np.ndarray:
        return self.rows[: self.n]


class Arrivals:
    """Wraps a source: the monotonic arrival time and the last sample time of each block."""

    def __init__(self, source, capacity: int):
        self.source = source
        self.description, self.simulated = source.description, source.simulated
        self.profile = getattr(source, "profile", None)
        self.meta = getattr(source, "meta", None)
        self.log = Log(capacity)

    async def stream(self):
        async for item in self.source.stream():
            block = getattr(item, "block", None)
            if block is not None and len(block):
                self.log.add(time.monotonic(), float(block.t_s[-1]))
            yield item

    async def aclose(self):
        await self.source.aclose()


def delays(arrived, t_in, reached, rate_hz):
    """Per block: ms from its arrival until ``reached`` (monotonic, stream time) covers it.

    A block is covered once the stream time reached is within 1.5 grid periods of
    its last sample (the pipeline's uniform grid falls between input samples).
    """
    at, t = reached.T
    first = np.searchsorted(np.maximum.accumulate(t), t_in - 1.5 / rate_hz, "left")
    ok = first < len(at)
    return (at[first[ok]] - arrived[ok]) * 1000.0, ok


def stats(ms: np.ndarray) -> str:
    p50, p99 = np.percentile(ms, [50, 99])
    return f"median {p50:.0f} ms, p99 {p99:.0f} ms, max {ms.max():.0f} ms"


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=1.0, help="session length (default 1)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--source", choices=("direct", "ble"), default="direct")
    p.add_argument("--size", default="80x24", help="terminal size (default 80x24)")
    args = p.parse_args()
    width, height = (int(v) for v in args.size.split("x"))

    session = simulate("demo-workout", seed=args.seed, duration=args.minutes * 60.0)
    rate_hz = session.sensor.rate_hz
    out = Path(tempfile.mkdtemp()) / "bench.trk"
    argv = ["live", "--simulate", "--program", "demo", "-o", str(out)]
    argv += ["--db", str(out.with_suffix(".sqlite"))]  # not the person's own history
    app = live.build(build_parser().parse_args(argv), session=session)
    wrapped: list[Arrivals] = []
    capacity = len(session.block) + 1  # blocks, frames and pushes: at most one a sample

    async def open_source():
        if args.source == "ble":
            from tracker.sim.ble import simulated_ble_source

            source = simulated_ble_source(session, speed=1.0, keep=0)
        else:
            source = SimulatedSource(session, speed=1.0)
        wrapped.append(Arrivals(source, capacity))
        return wrapped[0]

    app.driver.open_source = open_source
    shown = Log(capacity)

    def displayed(view):
        if view.t_s is not None:
            t = view.t_s
            app.call_after_refresh(lambda: shown.add(time.monotonic(), t))

    app.displayed = displayed
    pushed = Log(capacity)  # when the pipeline's output reached a time
    pipeline = app.driver.pipeline
    push = pipeline.push

    def timed_push(block):
        update = push(block)
        if len(update.ahead_t_s):  # past a hole, shown provisionally
            pushed.add(time.monotonic(), float(update.ahead_t_s[-1]))
        elif update.latest_s is not None:
            pushed.add(time.monotonic(), update.latest_s)
        return update

    pipeline.push = timed_push
    memory: list[tuple[float, float]] = []
    async with app.run_test(size=(width, height)) as pilot:
        wall0, cpu0 = time.monotonic(), time.process_time()

        async def sample_memory():
            while True:
                memory.append((time.monotonic() - wall0, rss_mb()))
                await asyncio.sleep(10.0)

        sampler = asyncio.create_task(sample_memory())
        await app.workers.wait_for_complete()
        wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
        sampler.cancel()
        await pilot.pause()

    arrived, t_in = wrapped[0].log.array().T
    delay_ms, ok = delays(arrived, t_in, shown.array(), rate_hz)
    engine_ms, _ = delays(arrived, t_in, pushed.array(), rate_hz)
    mem_t, mem_mb = np.array(memory).T
    late = mem_t >= min(60.0, mem_t[-1] / 2)
    slope = np.polyfit(mem_t[late] / 60.0, mem_mb[late], 1)[0] if late.sum() >= 3 else float("nan")

    samples = app.over.summary["samples"]
    print(f"dashboard bench: demo workout, {session.duration_s / 60:.1f} min at {rate_hz:g} Hz,")
    print(f"  source {args.source}, terminal {width}x{height}, {samples} samples")
    print(f"  CPU              {100 * cpu / wall:5.1f} % of one core ({cpu:.1f} s in {wall:.1f} s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  memory           peak RSS {peak:.0f} MB; RSS {mem_mb[0]:.0f} -> {mem_mb[-1]:.0f} MB")
    print(f"                   trend after the first minute {slope:+.2f} MB/min")
    print(f"  sample->screen   {stats(delay_ms)} ({ok.sum()} blocks, {shown.n} frames)")
    print(f"    of which       arrival -> pipeline output {stats(engine_ms)}")
    print(f"  reps counted     {len(app.over.summary['reps'])}")


if __name__ == "__main__":
    asyncio.run(main())
