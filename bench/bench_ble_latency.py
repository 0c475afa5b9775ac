"""Latency from a notification's arrival to the pipeline ``Update`` that covers its samples.

Run: ``python bench/bench_ble_latency.py [--seconds 20] [--profile nus-binary] [--radio fake]``

A simulated sensor streams a squat session in real time (its own clock paced 1:1
against the wall clock) through ``BleakScanner``/``BleakClient`` with the chosen
backend (the in-process fake, or bumble's virtual controllers with real ATT); the
BLE source stamps each notification in its callback, decodes what queued up in
batches, and each decoded block goes straight into ``Pipeline.push``. A
notification's latency is the time from its stamp to the return of the first
``push`` whose ``Update`` reaches its last sample (the resampler holds a sample
back until the next one arrives, so that wait is included). Figures are the
median, 99th percentile and maximum over all notifications, in milliseconds.
Notifications go out in bursts once per connection interval (``--interval-ms``,
30 ms by default, a common Linux central's), so most of a burst waits for the
next one before the pipeline can place its last samples.
``--loss`` lets the simulated sensor lose 1-3 % of its samples: the pipeline then
waits before bridging a hole, and the tail grows accordingly.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections import deque

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from tracker.core.sources import SourceData
from tracker.engine.pipeline import Pipeline
from tracker.sim import simulate
from tracker.sim.ble import simulated_ble_source


async def measure(
    profile: str, seconds: float, radio: str, loss: bool = False, interval_s: float = 0.03
) -> tuple[np.ndarray, np.ndarray]:
    session = simulate(
        "squat-workout", seed=1, rate_hz=100.0, duration=max(seconds, 10.0), loss=loss
    )
    source = simulated_ble_source(session, profile=profile, speed=1.0, radio=radio)
    source.peripheral.interval_s = interval_s
    clock = source.transport.clock
    pipeline = Pipeline()
    waiting: deque[tuple[float, list[float]]] = deque()  # (last sample time, arrival stamps)
    stamps: list[float] = []
    latencies: list[float] = []
    decoded: list[float] = []  # arrival -> decoded block out of the source
    try:
        async with asyncio.timeout(seconds + 30.0):
            async for item in source.stream():
                if not isinstance(item, SourceData):
                    continue
                stamps.append(item.packet.t_rx_s)
                if not len(item.block):
                    continue
                decoded_at = clock()
                decoded.extend(decoded_at - t for t in stamps)
                waiting.append((float(item.block.t_s[-1]), stamps))
                stamps = []
                update = pipeline.push(item.block)
                now = clock()
                reached = update.latest_s
                while waiting and reached is not None and waiting[0][0] <= reached + 1e-9:
                    latencies.extend(now - t for t in waiting.popleft()[1])
                if clock() >= seconds:
                    break
    finally:
        await source.aclose()
    return np.asarray(latencies) * 1e3, np.asarray(decoded) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="streaming time (20)")
    parser.add_argument("--profile", default="nus-binary", help="firmware profile (nus-binary)")
    parser.add_argument("--radio", choices=("fake", "bumble"), default="fake")
    parser.add_argument("--loss", action="store_true", help="the sensor loses some samples")
    parser.add_argument(
        "--interval-ms", type=float, default=30.0, help="connection interval (30; 7.5 minimum)"
    )
    args = parser.parse_args()
    ms, decoded_ms = asyncio.run(
        measure(args.profile, args.seconds, args.radio, args.loss, args.interval_ms / 1e3)
    )
    lossy = "with" if args.loss else "without"
    print(
        f"{args.profile} at 100 Hz through the {args.radio} backend, {args.seconds:g} s "
        f"{lossy} lost samples, connection interval {args.interval_ms:g} ms: "
        f"{len(ms)} notifications"
    )
    print(
        f"arrival -> decoded block: median {np.median(decoded_ms):.2f} ms, "
        f"p99 {np.percentile(decoded_ms, 99):.2f} ms, max {decoded_ms.max():.2f} ms"
    )
    print(
        f"arrival -> Update: median {np.median(ms):.2f} ms, p99 {np.percentile(ms, 99):.2f} ms, "
        f"max {ms.max():.2f} ms"
    )


if __name__ == "__main__":
    main()
