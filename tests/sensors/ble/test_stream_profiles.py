"""Every shipped profile through BleakScanner + BleakClient (fake backend), decoder and pipeline."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.core.types import ImuBlock
from tracker.sim.ble import simulated_ble_source

from .helpers import NAMES, PROFILES, quantum, reference_reps, squats, stream_all


@pytest.mark.parametrize("name", NAMES)
async def test_samples_and_reps_come_through_as_the_firmware_sent_them(name):
    profile = PROFILES[name]
    session = squats(profile.default_hz)
    source = simulated_ble_source(session, profile=name, speed=None)
    got = await stream_all(source)
    peripheral = source.peripheral

    # What came out is what the firmware encoded, within one quantisation step.
    sent = ImuBlock.concat(peripheral.encoded)
    block = got.block
    n = len(block)
    per_packet = peripheral.settings.samples_per_packet or 3  # held back at the end
    assert len(sent) - per_packet <= n <= len(sent)
    q_acc, q_gyr = quantum(profile)
    assert np.abs(block.acc - sent.acc[:n]).max() <= q_acc
    assert np.abs(block.gyr - sent.gyr[:n]).max() <= q_gyr
    assert np.all(np.diff(block.t_s) > 0)
    span_error_s = abs((block.t_s[-1] - block.t_s[0]) - (sent.t_s[n - 1] - sent.t_s[0]))
    assert span_error_s < 2.0 / profile.default_hz
    assert source.decoder.stats.errors == 0 and source.decoder.stats.lost == 0
    assert got.kinds()[:2] == ["connecting", "connected"] and got.kinds()[-1] == "stopped"

    # The sensor was configured and started as the profile says, in order, every
    # command a write with response where the profile asks for one.
    steps = [c for c in profile.start_commands(peripheral.settings) if c.op != "wait"]
    log = [r for r in peripheral.log if r.op != "read"][: len(steps)]
    assert [(r.op, r.char, r.data) for r in log] == [
        ("write" if c.op == "write" else "subscribe", c.char, c.data) for c in steps
    ]
    assert all(r.response == c.response for r, c in zip(log, steps, strict=True) if c.op == "write")
    # ... and stopped on the way out
    stops = [c for c in profile.stop_commands(peripheral.settings) if c.op == "write"]
    written = [(r.char, r.data) for r in peripheral.log if r.op == "write"]
    assert all((c.char, c.data) in written for c in stops)
    assert not peripheral.streaming and peripheral.link is None

    # Reps as `tracker analyze` counts them on the same motion.
    reps, expected = got.summary()["reps"], reference_reps(session.block)
    assert len(reps) == len(expected) == len(session.truth.reps)
    for rep, ref in zip(reps, expected, strict=True):
        assert rep["depth_deg"] == pytest.approx(ref["depth_deg"], abs=1.0)
        assert rep["start_s"] - sent.t_s[0] == pytest.approx(ref["start_s"] - sent.t_s[0], abs=0.15)


async def test_device_information_and_battery_are_read():
    source = simulated_ble_source(squats(100.0), profile="nordic-thingy52", speed=None)
    got = await stream_all(source, pipeline=False)
    info = source.peripheral.device_info
    assert source.device_info == info
    battery = [s.battery_pct for s in got.statuses if s.kind == "battery"]
    assert battery and battery[0] == source.peripheral.battery_pct
    assert source.meta["device"]["model"] == info["model"] and source.meta["rate_hz"] == 100.0


async def test_register_battery_reply_is_decoded_from_the_stream():
    """WitMotion answers its battery register on the data characteristic, in volts."""
    profile = PROFILES["witmotion-bwt901ble5"]
    source = simulated_ble_source(squats(100.0), profile=profile, speed=None)
    source.peripheral.battery_pct = 60
    got = await stream_all(source, pipeline=False)
    battery = [s.battery_pct for s in got.statuses if s.kind == "battery"]
    assert battery == [60]  # 3.825 V reads as 60 % by the firmware's table
    assert [s for s in got.statuses if s.kind == "streaming"][-1].battery_pct == 60


async def test_effective_rate_and_loss_are_reported():
    source = simulated_ble_source(squats(100.0), profile="nus-binary", speed=None)
    got = await stream_all(source, pipeline=False)
    streaming = [s for s in got.statuses if s.kind == "streaming"]
    assert streaming, "a status every second of streaming"
    assert streaming[-1].rate_hz == pytest.approx(100.0, rel=0.03)
    assert streaming[-1].loss_fraction == 0.0
