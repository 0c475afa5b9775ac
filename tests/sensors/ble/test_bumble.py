"""The bumble tier: real ATT/GATT between bleak and the simulated sensors, in memory."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from bleak import BleakClient

from tracker.core.errors import DeviceError
from tracker.core.types import ImuBlock, RawPacket
from tracker.sensors.decode import make_decoder
from tracker.sim.ble import simulated_ble_source
from tracker.sim.ble.bumble_backend import BumbleClient, BumbleRadio
from tracker.sim.ble.clock import SimClock
from tracker.sim.ble.peripheral import SimulatedPeripheral

from .helpers import NAMES, PROFILES, motion, quantum, stream_all

MOVESENSE = PROFILES["movesense"]


@pytest.mark.parametrize("name", NAMES)
async def test_every_profile_streams_over_real_att(name):
    profile = PROFILES[name]
    source = simulated_ble_source(
        motion(profile.default_hz, 3.0), profile=name, speed=None, radio="bumble"
    )
    got = await stream_all(source, pipeline=False)
    sent = ImuBlock.concat(source.peripheral.encoded)
    n = len(got.block)
    assert n >= len(sent) - (source.settings.samples_per_packet or 3) > 0
    q_acc, q_gyr = quantum(profile)
    assert np.abs(got.block.acc - sent.acc[:n]).max() <= q_acc
    assert np.abs(got.block.gyr - sent.gyr[:n]).max() <= q_gyr
    assert source.decoder.stats.errors == 0
    assert source.mtu == max(23, profile.mtu)
    # every command went out as an ATT Write Request, answered before the next
    writes = [r for r in source.peripheral.log if r.op == "write"]
    assert all(r.response for r in writes)
    assert len(writes) == len([c for c in profile.start_commands() if c.op == "write"]) + len(
        [c for c in profile.stop_commands() if c.op == "write"]
    ) + (profile.battery.source == "register")


async def _raw_stream(radio: BumbleRadio, peripheral: SimulatedPeripheral, mtu: int | None):
    """Subscribe and start Movesense with plain bleak calls; the notifications received."""
    client = BleakClient(peripheral.address, backend=BumbleClient, radio=radio)
    await client.connect()
    if mtu is not None:
        assert await client._backend.request_mtu(mtu) == mtu  # no public bleak API for this
    got = []
    data, command = MOVESENSE.chars["data"], MOVESENSE.chars["command"]
    await client.start_notify(data, lambda char, payload: got.append(bytes(payload)))
    for c in MOVESENSE.start_commands():
        if c.op == "write":
            await client.write_gatt_char(command, c.data, response=True)
    async with asyncio.timeout(10):
        await peripheral.finished.wait()
        while len(got) < len(peripheral.sent):
            await asyncio.sleep(0.01)
    await client.disconnect()
    return got


async def test_the_default_mtu_cuts_notifications_to_20_bytes_and_an_exchange_fixes_it():
    peripheral = SimulatedPeripheral(MOVESENSE, motion(104.0, 1.0), clock=SimClock(None))
    radio = BumbleRadio(peripheral.clock)
    radio.add(peripheral)
    cut = await _raw_stream(radio, peripheral, None)
    sent = [s.payload for s in peripheral.sent]
    assert len(sent) >= 20 and {len(p) for p in sent} == {152, 48}  # DATA + DATA_PART2
    assert cut == [p[:20] for p in sent]
    decoded = make_decoder(MOVESENSE).feed_many([RawPacket(0.0, p) for p in cut])
    assert len(decoded) == 0 and any("MTU below 161" in e for e in decoded.errors)

    again = SimulatedPeripheral(MOVESENSE, motion(104.0, 1.0), clock=SimClock(None))
    radio = BumbleRadio(again.clock)
    radio.add(again)
    whole = await _raw_stream(radio, again, 161)
    assert whole == [s.payload for s in again.sent]
    decoded = make_decoder(MOVESENSE).feed_many([RawPacket(0.0, p) for p in whole])
    assert len(decoded) == 104 and not decoded.errors
    await radio.aclose()


async def test_a_sensor_that_cannot_raise_its_mtu_fails_clearly():
    source = simulated_ble_source(
        motion(104.0, 2.0), profile="movesense", speed=None, radio="bumble"
    )
    source.peripheral.max_mtu = 23  # a stack that refuses larger MTUs
    statuses = []
    with pytest.raises(DeviceError, match=r"needs an ATT MTU of 161.*has 23"):
        async for item in source.stream():
            statuses.append(item)
    await source.aclose()
    assert statuses[-1].kind == "failed"
    assert not any(r.role == "start" for r in source.peripheral.log)  # never started


async def test_notification_bursts_arrive_whole_and_in_order():
    block = motion(200.0, 4.0)
    source = simulated_ble_source(block, profile="nus-binary", speed=None, radio="bumble")
    source.peripheral.interval_s = 0.1  # 20 notifications per connection event
    got = await stream_all(source, pipeline=False)
    assert [p.payload for p in got.packets] == [s.payload for s in source.peripheral.sent]
    assert len(got.packets) == len(block) == 800
    assert len({p.t_rx_s for p in got.packets}) <= 41
    assert np.allclose(np.diff(got.block.t_s), 0.005, atol=2e-6)


async def test_a_dropout_over_real_att_reconnects_and_records_each_notification_once():
    block = motion(100.0, 12.0)
    source = simulated_ble_source(
        block,
        profile="nus-binary",
        speed=None,
        radio="bumble",
        drop_at_s=5.0,
        replay_on_reconnect=4,
    )
    got = await stream_all(source, pipeline=False)
    sent = source.peripheral.sent
    assert [p.payload for p in got.packets] == [s.payload for s in sent if not s.replay]
    assert source.repeats.dropped == 4 and source.peripheral.connections == 2
    assert "disconnected" in got.kinds() and got.kinds().count("connected") == 2
    assert source.decoder.stats.lost == len(block) - len(got.block) >= 300
