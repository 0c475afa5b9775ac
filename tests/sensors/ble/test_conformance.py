"""The simulated backends keep bleak's backend contract; a bleak upgrade that breaks it fails."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from bleak import BleakClient, BleakScanner
from bleak.backends.client import BaseBleakClient
from bleak.backends.scanner import BaseBleakScanner
from bleak.exc import BleakDeviceNotFoundError, BleakError, BleakGATTProtocolError

from tracker.sim.ble.bumble_backend import BumbleClient, BumbleRadio, BumbleScanner
from tracker.sim.ble.clock import SimClock
from tracker.sim.ble.fake import FakeClient, FakeRadio, FakeScanner
from tracker.sim.ble.peripheral import WRITE_NOT_PERMITTED, SimulatedPeripheral

from .helpers import PROFILES, motion

BACKENDS = [
    (FakeClient, BaseBleakClient),
    (FakeScanner, BaseBleakScanner),
    (BumbleClient, BaseBleakClient),
    (BumbleScanner, BaseBleakScanner),
]
NUS = PROFILES["nus-binary"]
RX, TX = NUS.chars["rx"], NUS.chars["tx"]


@pytest.mark.parametrize(("ours", "base"), BACKENDS, ids=lambda c: c.__name__)
def test_every_abstract_member_is_implemented_with_a_compatible_signature(ours, base):
    abstract = base.__abstractmethods__
    expected = {"start", "stop"} if base is BaseBleakScanner else {"connect", "start_notify"}
    assert expected <= abstract, "bleak's backend base class changed"
    assert not inspect.isabstract(ours)
    for name in sorted(abstract | ({"name"} if base is BaseBleakClient else set())):
        theirs, mine = inspect.getattr_static(base, name), inspect.getattr_static(ours, name)
        assert mine is not theirs, f"{ours.__name__}.{name} is bleak's own"
        if isinstance(theirs, property):
            assert isinstance(mine, property), name
            continue
        assert inspect.iscoroutinefunction(mine) == inspect.iscoroutinefunction(theirs), name
        params = inspect.signature(mine).parameters
        takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
        for p in inspect.signature(theirs).parameters.values():
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                assert p.name in params or takes_any, f"{ours.__name__}.{name} lacks {p.name}"


def test_bleak_frontends_construct_the_backends_with_their_own_arguments():
    radio = FakeRadio()
    scanner = BleakScanner(backend=FakeScanner, radio=radio, scanning_mode="passive", cb={})
    assert scanner.backend_id == "FakeScanner"
    client = BleakClient(
        "C0:FF:00:00:00:01",
        lambda c: None,
        ["6e400001"],
        backend=FakeClient,
        radio=radio,
        timeout=3.0,
        bluez={},
        winrt={},
    )
    assert client.backend_id == "FakeClient" and client.address == "C0:FF:00:00:00:01"


def _radio(kind: str, peripheral: SimulatedPeripheral):
    radio = FakeRadio(SimClock(None)) if kind == "fake" else BumbleRadio(SimClock(None))
    radio.add(peripheral)
    return radio, {"backend": FakeClient if kind == "fake" else BumbleClient, "radio": radio}


@pytest.mark.parametrize("kind", ["fake", "bumble"])
async def test_frontend_behaviours_hold_through_both_backends(kind):
    peripheral = SimulatedPeripheral(NUS, motion(100.0, 2.0))
    radio, args = _radio(kind, peripheral)
    lost = []
    client = BleakClient(peripheral.address, lost.append, **args)
    with pytest.raises(BleakError, match="Not connected"):
        await client.start_notify(TX, lambda c, d: None)
    await client.connect()
    assert client.is_connected and client.mtu_size == 23

    # response=None picks a write with response when the characteristic has "write"
    await client.write_gatt_char(RX, b"rate 100\n")
    assert peripheral.log[-1].data == b"rate 100\n" and peripheral.log[-1].response is True
    # the CCCD is refused by the frontend; GATT errors are BleakGATTProtocolError
    tx = client.services.get_characteristic(TX)
    with pytest.raises(ValueError, match="CCCD"):
        await client.write_gatt_descriptor(tx.descriptors[0].handle, b"\x01\x00")
    with pytest.raises(BleakGATTProtocolError) as refused:
        await client.write_gatt_char(TX, b"x", response=True)
    assert refused.value.code == WRITE_NOT_PERMITTED

    # async callbacks run as tasks; notifications arrive in order
    got = []

    async def on_notify(char, data):
        got.append(bytes(data))

    await client.start_notify(TX, on_notify)
    await client.write_gatt_char(RX, b"start\n", response=True)
    async with asyncio.timeout(10):
        await peripheral.finished.wait()
        while len(got) < len(peripheral.sent):
            await asyncio.sleep(0.01)
    assert got == [s.payload for s in peripheral.sent] and len(got) == 200

    # a disconnect we ask for is not reported; one the peripheral makes is
    await client.disconnect()
    await asyncio.sleep(0.05)
    assert lost == [] and not client.is_connected
    client = BleakClient(peripheral.address, lost.append, **args)
    await client.connect()
    await peripheral.link.disconnect()
    async with asyncio.timeout(5):
        while not lost:
            await asyncio.sleep(0.01)
    assert lost == [client] and not client.is_connected
    await radio.aclose()


@pytest.mark.parametrize("kind", ["fake", "bumble"])
async def test_a_sensor_that_does_not_advertise_is_not_found(kind):
    peripheral = SimulatedPeripheral(NUS)
    peripheral.advertising = False
    radio, args = _radio(kind, peripheral)
    if kind == "bumble":
        radio.connect_timeout_s = 0.2
    with pytest.raises(BleakDeviceNotFoundError):
        await BleakClient(peripheral.address, **args).connect()
    scanner_backend = FakeScanner if kind == "fake" else BumbleScanner
    seen = await BleakScanner.discover(0.1, backend=scanner_backend, radio=radio)
    assert seen == []
    peripheral.advertising = True
    if kind == "bumble":
        await radio.hosts[peripheral.address.upper()].advertise(True)
    found = await BleakScanner.find_device_by_name(
        peripheral.name, 2.0, backend=scanner_backend, radio=radio
    )
    assert found is not None and found.address == peripheral.address
