"""Shared by the BLE tests: simulated sessions, streaming a source to its end, tolerances."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass, field

import numpy as np

from tracker.core.sources import SourceData, SourceStatus
from tracker.core.types import ImuBlock, RawPacket
from tracker.engine.pipeline import Pipeline
from tracker.sensors.catalog import load_profiles
from tracker.sensors.profiles import FirmwareProfile
from tracker.sim import simulate

PROFILES = load_profiles([])
NAMES = list(PROFILES)


@functools.cache
def squats(rate_hz: float, seed: int = 5, reps: int = 4, noise: bool = True):
    """A set of squats after standing still, no lost samples (the radio decides losses here)."""
    return simulate(
        "squat-workout", seed=seed, rate_hz=rate_hz, noise=noise, loss=False, sets=1, reps=reps
    )


def motion(rate_hz: float, seconds: float, t0_s: float = 0.0) -> ImuBlock:
    """A short smooth signal within every profile's range (for the slower bumble tier)."""
    t = t0_s + np.arange(int(rate_hz * seconds)) / rate_hz
    phase = 2 * np.pi * 0.5 * t
    acc = np.column_stack([3 * np.sin(phase), 2 * np.cos(phase), 9.81 + np.sin(3 * phase)])
    gyr = np.column_stack([2 * np.cos(phase), -1.5 * np.sin(2 * phase), 0.5 * np.sin(phase)])
    return ImuBlock.from_arrays(t, acc, gyr)


def quantum(profile: FirmwareProfile) -> tuple[float, float]:
    """One quantisation step of acc (m/s²) and gyr (rad/s) in what the firmware sends."""
    s = profile.settings()
    if profile.decoder == "nus-csv":
        digits = profile.options["acc_decimals"], profile.options["gyr_decimals"]
        return 10.0 ** -digits[0] * profile.acc.si, 10.0 ** -digits[1] * profile.gyr.si
    if s.acc_scale == 1.0 and profile.acc.unit in ("g", "m/s2"):  # f32 values: 2^-23 relative
        return 4e-6 * 16, 4e-6 * 16
    return s.acc_scale * profile.acc.si, s.gyr_scale * profile.gyr.si


@dataclass
class Streamed:
    """Everything a source yielded, in order."""

    data: list[SourceData] = field(default_factory=list)
    statuses: list[SourceStatus] = field(default_factory=list)
    pipeline: Pipeline | None = None

    @property
    def block(self) -> ImuBlock:
        return ImuBlock.concat([d.block for d in self.data])

    @property
    def packets(self) -> list[RawPacket]:
        return [d.packet for d in self.data if d.packet is not None]

    def kinds(self) -> list[str]:
        return [s.kind for s in self.statuses]

    def summary(self) -> dict:
        self.pipeline.finish()
        return self.pipeline.summary()


async def stream_all(source, pipeline: bool = True, timeout_s: float = 60.0) -> Streamed:
    """Run a source to its end (a simulation ends by itself), pushing samples as they come."""
    out = Streamed(pipeline=Pipeline() if pipeline else None)
    pending: list[ImuBlock] = []

    def push() -> None:  # in batches, as the session runner does (results do not depend on it)
        if out.pipeline is not None and pending:
            out.pipeline.push(ImuBlock.concat(pending))
        pending.clear()

    try:
        async with asyncio.timeout(timeout_s):
            async for item in source.stream():
                if isinstance(item, SourceData):
                    out.data.append(item)
                    pending.append(item.block)
                    if sum(len(b) for b in pending) >= 50:
                        push()
                else:
                    out.statuses.append(item)
        push()
    finally:
        await source.aclose()
    return out


def reference_reps(block: ImuBlock) -> list[dict]:
    """Reps as `tracker analyze` counts them on these samples."""
    pipeline = Pipeline()
    pipeline.push(block)
    pipeline.finish()
    return pipeline.summary()["reps"]
