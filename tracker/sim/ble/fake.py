"""An in-process bleak backend: simulated sensors behind the real ``BleakScanner``/``BleakClient``.

``FakeRadio`` is the air: the peripherals that advertise and the clock. Pass
``FakeRadio.transport()`` to a source, or ``backend=FakeScanner`` /
``backend=FakeClient`` with ``radio=radio`` to bleak directly. The backends keep
bleak's contract (``BaseBleakScanner``/``BaseBleakClient``; a conformance test checks
every abstract method), so the frontend code that runs against a real radio runs
here unchanged. ATT details are modelled where they matter: the 23-byte default MTU
cuts notifications to 20 bytes until an MTU exchange, GATT errors are
``BleakGATTProtocolError``, an unsolicited disconnect calls the disconnected callback.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError, BleakGATTProtocolError
from bleak.uuids import normalize_uuid_16

from tracker.sensors.ble.transport import Transport
from tracker.sim.ble.clock import SimClock
from tracker.sim.ble.peripheral import AttError, ServiceSpec, SimulatedPeripheral

CCCD = normalize_uuid_16(0x2902)
DEFAULT_MTU = 23
MAX_ATTRIBUTE_BYTES = 512  # ATT_MAX_ATTRIBUTE_LEN (Core Vol 3 Part F 3.2.9)


class FakeRadio:
    """Simulated peripherals in the air around the host, and the simulation's clock."""

    def __init__(self, clock: SimClock | None = None, advertising_interval_s: float = 0.01):
        self.clock = clock or SimClock(1.0)
        self.advertising_interval_s = advertising_interval_s
        self.peripherals: dict[str, SimulatedPeripheral] = {}

    def add(self, peripheral: SimulatedPeripheral) -> SimulatedPeripheral:
        self.peripherals[peripheral.address.upper()] = peripheral
        return peripheral

    def find(self, address: str) -> SimulatedPeripheral | None:
        return self.peripherals.get(address.upper())

    def transport(self) -> Transport:
        return Transport(
            FakeScanner,
            FakeClient,
            {"radio": self},
            self.clock.now,
            "simulated (in-process fake backend)",
            self.aclose,
        )

    async def aclose(self) -> None:
        for p in self.peripherals.values():
            await p.close()


class FakeScanner(BaseBleakScanner):
    """Reports every advertising peripheral of the radio, once per advertising interval."""

    def __init__(self, detection_callback, service_uuids, scanning_mode="active", **kwargs: Any):
        # bleak also passes scanning_mode, bluez= and cb=, which a simulated radio ignores
        super().__init__(detection_callback, service_uuids)
        self._radio: FakeRadio = kwargs["radio"]
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self.seen_devices = {}
        self._task = asyncio.get_running_loop().create_task(self._advertisements())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _advertisements(self) -> None:
        while True:
            await asyncio.sleep(0)  # let the caller register its callbacks first
            for p in list(self._radio.peripherals.values()):
                if p.advertising:
                    self._report(p)
            await asyncio.sleep(self._radio.advertising_interval_s)

    def _report(self, p: SimulatedPeripheral) -> None:
        uuids = [p.profile.service]
        adv = AdvertisementData(p.name, {}, {}, uuids, None, p.rssi, ())
        if self.is_allowed_uuid(uuids):
            device = self.create_or_update_device(p.address, p.address, p.name, p, adv)
            self.call_detection_callbacks(device, adv)


def service_collection(specs: tuple[ServiceSpec, ...], wanted, mtu) -> BleakGATTServiceCollection:
    """bleak's view of a GATT table, handles numbered as a GATT server would."""
    collection = BleakGATTServiceCollection()
    handle = 1
    for spec in specs:
        if wanted is not None and spec.uuid not in wanted:
            continue
        service = BleakGATTService(spec, handle, spec.uuid)
        collection.add_service(service)
        handle += 1
        for c in spec.chars:
            char = BleakGATTCharacteristic(
                c, handle + 1, c.uuid, list(c.properties), lambda: mtu() - 3, service
            )
            collection.add_characteristic(char)
            handle += 2
            if "notify" in c.properties or "indicate" in c.properties:
                collection.add_descriptor(BleakGATTDescriptor(None, handle, CCCD, char))
                handle += 1
    return collection


class _Link:
    """The peripheral's end of a fake connection."""

    def __init__(self, client: FakeClient):
        self.client = client

    async def notify(self, char: str, data: bytes, indicate: bool) -> bool:
        return self.client.deliver(char, data)

    async def disconnect(self) -> None:
        self.client.lost()


class FakeClient(BaseBleakClient):
    """A connection to a ``SimulatedPeripheral`` of the ``radio`` keyword argument."""

    def __init__(self, address_or_ble_device, services=None, **kwargs: Any):
        self._radio: FakeRadio = kwargs.pop("radio")
        for platform_args in ("bluez", "winrt"):  # options of the platform backends
            kwargs.pop(platform_args, None)
        super().__init__(address_or_ble_device, **kwargs)
        self._wanted = services
        self._peripheral: SimulatedPeripheral | None = None
        self._link: _Link | None = None
        self._mtu = DEFAULT_MTU
        self._callbacks: dict[str, Any] = {}

    @property
    def name(self) -> str:
        p = self._radio.find(self.address)
        return p.name if p else self.address

    @property
    def mtu_size(self) -> int:
        return self._mtu

    @property
    def is_connected(self) -> bool:
        return self._link is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        p = self._radio.find(self.address)
        await asyncio.sleep(0)  # connection set-up takes a connection event or so
        if p is None or not p.advertising:
            raise BleakDeviceNotFoundError(self.address, f"Device {self.address} was not found")
        self._peripheral, self._mtu, self._link = p, DEFAULT_MTU, _Link(self)
        self.services = service_collection(p.services, self._wanted, lambda: self._mtu)
        p.connected(self._link)

    async def disconnect(self) -> None:
        if self._link is not None:
            self._link = None
            self._callbacks.clear()
            self._peripheral.disconnected()

    async def request_mtu(self, mtu: int) -> int:
        """ATT Exchange MTU: the smaller of ours and the peripheral's."""
        self._check()
        self._mtu = max(DEFAULT_MTU, min(int(mtu), self._peripheral.max_mtu))
        return self._mtu

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Simulated sensors need no pairing."""

    async def unpair(self) -> None:
        """Simulated sensors keep no bond."""

    async def read_gatt_char(self, characteristic, *, use_cached=False, **kwargs) -> bytearray:
        self._check()
        try:
            return bytearray(self._peripheral.read(characteristic.uuid))  # long reads: whole
        except AttError as exc:
            raise BleakGATTProtocolError(exc.code) from None

    async def read_gatt_descriptor(self, descriptor, *, use_cached=False, **kwargs) -> bytearray:
        self._check()
        if descriptor.uuid != CCCD:
            raise BleakGATTProtocolError(0x02)
        on = descriptor.characteristic_uuid in self._callbacks
        return bytearray(b"\x01\x00" if on else b"\x00\x00")

    async def write_gatt_char(self, characteristic, data, response: bool) -> None:
        self._check()
        data = bytes(data)
        limit = MAX_ATTRIBUTE_BYTES if response else self._mtu - 3
        if len(data) > limit:
            raise BleakError(f"{len(data)} bytes is more than a write can carry ({limit})")
        try:
            await self._peripheral.written(characteristic.uuid, data, response)
        except AttError as exc:
            if response:  # a write without response gets no error back
                raise BleakGATTProtocolError(exc.code) from None

    async def write_gatt_descriptor(self, descriptor, data) -> None:
        self._check()
        raise BleakGATTProtocolError(0x03)

    async def start_notify(self, characteristic, callback, **kwargs: Any) -> None:
        self._check()
        if not {"notify", "indicate"} & set(characteristic.properties):
            raise BleakError(f"{characteristic.uuid} does not notify")
        self._callbacks[characteristic.uuid] = callback
        self._peripheral.subscribed(characteristic.uuid, True)

    async def stop_notify(self, characteristic) -> None:
        self._check()
        if self._callbacks.pop(characteristic.uuid, None) is not None:
            self._peripheral.subscribed(characteristic.uuid, False)

    # -- the peripheral's side
    def deliver(self, char: str, data: bytes) -> bool:
        callback = self._callbacks.get(char) if self._link is not None else None
        if callback is None:
            return False
        callback(bytearray(data[: self._mtu - 3]))  # ATT payload of a notification
        return True

    def lost(self) -> None:
        """The peripheral ended the connection: tell bleak, as a platform backend would."""
        if self._link is None:
            return
        self._link = None
        self._callbacks.clear()
        if self._disconnected_callback is not None:
            asyncio.get_running_loop().call_soon(self._disconnected_callback)

    def _check(self) -> None:
        if self._link is None:
            raise BleakError("Not connected")
