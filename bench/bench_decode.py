"""Decode throughput per firmware profile on one core, against the sensor's own rate.

Run: ``python bench/bench_decode.py [--seconds 120] [--repeat 3]``

For each shipped profile, a simulated minute or two of motion is encoded into the
notifications the firmware would send, then decoded two ways: all at once
(``feed_many``: replay, and a live source draining its queue) and one notification
at a time (``feed``). Figures are samples decoded per second of CPU, best of
``--repeat`` runs, and that rate divided by the sensor's sample rate (the aim is
1000x: an hour of recording decodes in about 4 s).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core

import numpy as np

from tracker.core.types import ImuBlock, RawPacket
from tracker.sensors.catalog import load_profiles
from tracker.sensors.decode import make_decoder, make_encoder


def motion(rate_hz: float, seconds: float) -> ImuBlock:
    n = int(rate_hz * seconds)
    rng = np.random.default_rng(0)
    t = np.arange(n) / rate_hz
    acc = np.column_stack([np.sin(t), np.cos(t), 9.81 + 0.5 * np.sin(3 * t)])
    gyr = np.column_stack([np.cos(t), -np.sin(2 * t), 0.3 * np.sin(t)])
    return ImuBlock.from_arrays(t, acc + rng.normal(0, 0.1, acc.shape), gyr)


def best_of(repeat: int, fn) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.process_time()
        out = fn()
        best = min(best, time.process_time() - start)
    return best, out


def bench(profile, seconds: float, repeat: int) -> dict:
    """Figures of one profile: samples per packet, batch and one-by-one throughput."""
    rate = profile.default_hz
    notes = make_encoder(profile).encode_timed(motion(rate, seconds))
    packets = [RawPacket(t, payload, channel) for t, channel, payload in notes]

    def batch():
        return make_decoder(profile).feed_many(packets)

    def one_by_one():
        decoder = make_decoder(profile)
        for p in packets:
            decoder.feed(p.payload, p.t_rx_s, p.channel)

    batch_s, result = best_of(repeat, batch)
    feed_s, _ = best_of(repeat, one_by_one)
    n = len(result)
    return {
        "rate": rate,
        "per_packet": n / len(packets),
        "batch": n / batch_s,
        "feed_us": feed_s / len(packets) * 1e6,
        "feed": n / feed_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="simulated stream length")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best kept)")
    args = parser.parse_args()

    print(
        f"decode throughput, one core, {args.seconds:g} s of stream per profile, "
        f"best of {args.repeat} (CPU time)"
    )
    print(
        f"{'profile':<25} {'rate Hz':>7} {'samples/pkt':>11} {'batch samples/s':>16} "
        f"{'x rate':>8} {'feed µs/pkt':>12} {'feed samples/s':>15} {'x rate':>7}"
    )
    for name, profile in load_profiles([]).items():
        r = bench(profile, args.seconds, args.repeat)
        print(
            f"{name:<25} {r['rate']:>7g} {r['per_packet']:>11.2f} {r['batch']:>16,.0f} "
            f"{r['batch'] / r['rate']:>7,.0f}x {r['feed_us']:>12.1f} "
            f"{r['feed']:>15,.0f} {r['feed'] / r['rate']:>6,.0f}x"
        )


if __name__ == "__main__":
    main()
