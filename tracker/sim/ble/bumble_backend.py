"""A bleak backend over bumble's in-memory controllers: real ATT/GATT without a radio or a kernel.

``BumbleRadio`` joins a central and one bumble ``Device`` per ``SimulatedPeripheral``
on a ``LocalLink``; each peripheral serves its profile's GATT table and advertises
(name and service UUID). ``BumbleScanner``
and ``BumbleClient`` put bleak's frontend on the central, so everything between
``BleakClient`` and the peripheral is bumble's own: advertising and active
scanning, connection, service discovery, MTU exchange, CCCD writes, write requests
that wait for their response, notifications cut to MTU - 3 bytes, indications
that wait for their confirmation, and disconnections.
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
from bleak.uuids import normalize_uuid_str
from bumble import att, core
from bumble.controller import Controller
from bumble.core import UUID, AdvertisingData
from bumble.device import Device, Peer
from bumble.gatt import Characteristic, CharacteristicValue, Service
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from tracker.sensors.ble.transport import Transport
from tracker.sim.ble.clock import SimClock
from tracker.sim.ble.peripheral import AttError, SimulatedPeripheral

_BITS = {  # bleak property name -> GATT characteristic property bit
    "read": Characteristic.Properties.READ,
    "write-without-response": Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
    "write": Characteristic.Properties.WRITE,
    "notify": Characteristic.Properties.NOTIFY,
    "indicate": Characteristic.Properties.INDICATE,
}
_BUMBLE_ERRORS = (core.BaseBumbleError, asyncio.TimeoutError)


def _uuid(uuid: UUID) -> str:
    return normalize_uuid_str(uuid.to_hex_str("-"))


def _device(link: LocalLink, address: str) -> Device:
    controller = Controller(address, link=link, public_address=address)
    return Device(address=Address(address), host=Host(controller, AsyncPipeSink(controller)))


class _Host:
    """One simulated peripheral on its own bumble controller: GATT server and advertising."""

    def __init__(self, peripheral: SimulatedPeripheral, link: LocalLink):
        self.peripheral = peripheral
        self.device = _device(link, peripheral.address)
        self.device.gatt_server.max_mtu = peripheral.max_mtu
        self.attributes: dict[str, Characteristic] = {}
        self.connection = None
        self.tasks: set[asyncio.Task] = set()  # advertising changes under way
        self._responses: dict[int, bool] = {}
        for spec in peripheral.services:
            chars = [self._characteristic(c.uuid, c.properties) for c in spec.chars]
            self.device.add_service(Service(spec.uuid, chars))
        server = self.device.gatt_server
        for name, response in (("on_att_write_request", True), ("on_att_write_command", False)):
            setattr(server, name, self._tag(getattr(server, name), response))
        self.device.on("connection", self._on_connection)
        peripheral.on_advertising.append(self._advertising_changed)
        # bumble's virtual controller answers scan requests with the advertising data
        # itself, so the name travels there (a real sensor may put it in its scan response)
        self.device.advertising_data = bytes(
            AdvertisingData(
                [
                    (AdvertisingData.COMPLETE_LOCAL_NAME, peripheral.name.encode()),
                    (
                        AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
                        bytes(UUID(peripheral.profile.service)),
                    ),
                ]
            )
        )

    def _tag(self, handler, response: bool):
        """Note whether a write came as a request (answered) or a command, by its value."""

        def tagged(bearer, request):
            self._responses[id(request.attribute_value)] = response
            return handler(bearer, request)

        return tagged

    def _characteristic(self, uuid: str, properties) -> Characteristic:
        props = Characteristic.Properties(0)
        for p in properties:
            props |= _BITS[p]
        perms = Characteristic.READABLE | Characteristic.WRITEABLE
        value = CharacteristicValue(
            read=lambda connection: self._read(uuid),
            write=lambda connection, data: self._write(uuid, data),
        )
        char = Characteristic(uuid, props, perms, value)
        char.on(
            "subscription",
            lambda bearer, notify, indicate: self._subscription(uuid, notify or indicate),
        )
        self.attributes[uuid] = char
        return char

    def _read(self, uuid: str) -> bytes:
        try:
            return self.peripheral.read(uuid)
        except AttError as exc:
            raise att.ATT_Error(exc.code) from None

    async def _write(self, uuid: str, data: bytes) -> None:
        response = self._responses.pop(id(data), True)
        try:
            await self.peripheral.written(uuid, bytes(data), response)
        except AttError as exc:
            raise att.ATT_Error(exc.code) from None

    def _subscription(self, uuid: str, enabled: bool) -> None:
        if enabled != self.peripheral.is_subscribed(uuid):
            self.peripheral.subscribed(uuid, enabled)

    def _on_connection(self, connection) -> None:
        self.connection = connection
        connection.on("disconnection", lambda reason: self._on_disconnection())
        self.peripheral.connected(self)

    def _on_disconnection(self) -> None:
        self.connection = None
        self.peripheral.disconnected()

    def _advertising_changed(self, on: bool) -> None:
        task = asyncio.get_running_loop().create_task(self.advertise(on))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def advertise(self, on: bool) -> None:
        with contextlib.suppress(*_BUMBLE_ERRORS):
            if on and self.connection is None:
                await self.device.start_advertising(advertising_interval_min=20)
            elif not on:
                await self.device.stop_advertising()

    # -- the Link the peripheral notifies through
    async def notify(self, char: str, data: bytes, indicate: bool) -> bool:
        conn = self.connection
        if conn is None or not self.peripheral.is_subscribed(char):
            return False
        send = self.device.indicate_subscriber if indicate else self.device.notify_subscriber
        await send(conn, self.attributes[char], data)
        return True

    async def disconnect(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(*_BUMBLE_ERRORS):
                await self.connection.disconnect()


class BumbleRadio:
    """A central and simulated peripherals on one bumble ``LocalLink``, started on first use."""

    CENTRAL_ADDRESS = "F0:F0:F0:F0:F0:F0"

    def __init__(self, clock: SimClock | None = None, connect_timeout_s: float = 5.0):
        self.clock = clock or SimClock(1.0)
        self.connect_timeout_s = connect_timeout_s
        self.link: LocalLink | None = None
        self.peripherals: dict[str, SimulatedPeripheral] = {}
        self.hosts: dict[str, _Host] = {}
        self._central: Device | None = None
        self._lock: asyncio.Lock | None = None

    def add(self, peripheral: SimulatedPeripheral) -> SimulatedPeripheral:
        self.peripherals[peripheral.address.upper()] = peripheral
        return peripheral

    def transport(self) -> Transport:
        return Transport(
            BumbleScanner,
            BumbleClient,
            {"radio": self},
            self.clock.now,
            "simulated (bumble virtual controllers)",
            self.aclose,
        )

    async def central(self) -> Device:
        """The central's bumble device; powers everything on the first time."""
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            if self._central is None:
                self.link = LocalLink()
                central = _device(self.link, self.CENTRAL_ADDRESS)
                await central.power_on()
                for address, p in self.peripherals.items():
                    host = self.hosts[address] = _Host(p, self.link)
                    await host.device.power_on()
                    await host.advertise(p.advertising)
                self._central = central
        return self._central

    async def aclose(self) -> None:
        """End the simulation; let HCI commands under way finish first."""
        for p in self.peripherals.values():
            await p.close()
        for host in self.hosts.values():
            await asyncio.gather(*host.tasks, return_exceptions=True)


class BumbleScanner(BaseBleakScanner):
    """Scans on the radio's central; advertisement and scan response arrive merged."""

    def __init__(self, detection_callback, service_uuids, scanning_mode="active", **kwargs: Any):
        super().__init__(detection_callback, service_uuids)
        self._radio: BumbleRadio = kwargs["radio"]
        self._active = scanning_mode == "active"

    async def start(self) -> None:
        self.seen_devices = {}
        central = await self._radio.central()
        central.on("advertisement", self._on_advertisement)
        await central.start_scanning(active=self._active)

    async def stop(self) -> None:
        central = await self._radio.central()
        central.remove_listener("advertisement", self._on_advertisement)
        with contextlib.suppress(*_BUMBLE_ERRORS):
            await central.stop_scanning()

    def _on_advertisement(self, adv) -> None:
        data = adv.data
        name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME)
        uuids = [
            _uuid(u)
            for u in data.get(AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS) or []
        ]
        address = adv.address.to_string(False)
        ad = AdvertisementData(name, {}, {}, uuids, None, adv.rssi, (adv,))
        if self.is_allowed_uuid(uuids):
            device = self.create_or_update_device(address, address, name, adv, ad)
            self.call_detection_callbacks(device, ad)


class BumbleClient(BaseBleakClient):
    """bleak's client backend over a bumble connection from the radio's central."""

    def __init__(self, address_or_ble_device, services=None, **kwargs: Any):
        self._radio: BumbleRadio = kwargs.pop("radio")
        for platform_args in ("bluez", "winrt"):  # options of the platform backends
            kwargs.pop(platform_args, None)
        super().__init__(address_or_ble_device, **kwargs)
        self._wanted = services
        self._connection = None
        self._peer: Peer | None = None
        self._subscribers: dict[int, Any] = {}
        self._closing = False

    @property
    def name(self) -> str:
        p = self._radio.peripherals.get(self.address.upper())
        return p.name if p else self.address

    @property
    def mtu_size(self) -> int:
        return self._connection.att_mtu if self._connection else att.ATT_DEFAULT_MTU

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        central = await self._radio.central()
        timeout = min(self._timeout, self._radio.connect_timeout_s)
        host = self._radio.hosts.get(self.address.upper())
        if host is None or not host.device.is_advertising:
            # bumble's link layer never answers a cancelled connection attempt
            raise BleakDeviceNotFoundError(self.address, f"{self.address} is not advertising")
        try:
            connection = await central.connect(Address(self.address), timeout=timeout)
        except _BUMBLE_ERRORS as exc:
            raise BleakDeviceNotFoundError(self.address, f"cannot connect: {exc}") from None
        self._connection, self._closing = connection, False
        connection.on("disconnection", self._on_disconnection)
        self._peer = Peer(connection)
        await self._peer.discover_all()
        self.services = self._collection()

    def _collection(self) -> BleakGATTServiceCollection:
        collection = BleakGATTServiceCollection()
        for s in self._peer.services:
            if self._wanted is not None and _uuid(s.uuid) not in self._wanted:
                continue
            service = BleakGATTService(s, s.handle, _uuid(s.uuid))
            collection.add_service(service)
            for c in s.characteristics:
                props = [name for name, bit in _BITS.items() if c.properties & bit]
                char = BleakGATTCharacteristic(
                    c, c.handle, _uuid(c.uuid), props, lambda: self.mtu_size - 3, service
                )
                collection.add_characteristic(char)
                for d in c.descriptors:
                    collection.add_descriptor(BleakGATTDescriptor(d, d.handle, _uuid(d.type), char))
        return collection

    def _on_disconnection(self, reason) -> None:
        self._connection, self._peer = None, None
        self._subscribers.clear()
        if not self._closing and self._disconnected_callback is not None:
            asyncio.get_running_loop().call_soon(self._disconnected_callback)

    async def disconnect(self) -> None:
        if self._connection is not None:
            self._closing = True
            with contextlib.suppress(*_BUMBLE_ERRORS):
                await self._connection.disconnect()

    async def request_mtu(self, mtu: int) -> int:
        """ATT Exchange MTU; the result is the smaller of both sides' maxima."""
        self._check()
        return await self._peer.request_mtu(mtu)

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Simulated sensors need no pairing."""

    async def unpair(self) -> None:
        """Simulated sensors keep no bond."""

    async def read_gatt_char(self, characteristic, *, use_cached=False, **kwargs) -> bytearray:
        return bytearray(await self._att(characteristic.obj.read_value()))

    async def read_gatt_descriptor(self, descriptor, *, use_cached=False, **kwargs) -> bytearray:
        return bytearray(await self._att(descriptor.obj.read_value()))

    async def write_gatt_char(self, characteristic, data, response: bool) -> None:
        if not response and len(data) > self.mtu_size - 3:
            raise BleakError(f"{len(data)} bytes is more than a write command carries")
        await self._att(characteristic.obj.write_value(bytes(data), with_response=response))

    async def write_gatt_descriptor(self, descriptor, data) -> None:
        await self._att(descriptor.obj.write_value(bytes(data), with_response=True))

    async def start_notify(self, characteristic, callback, **kwargs: Any) -> None:
        def subscriber(value: bytes) -> None:
            callback(bytearray(value))

        self._subscribers[characteristic.handle] = subscriber
        await self._att(characteristic.obj.subscribe(subscriber, prefer_notify=True))

    async def stop_notify(self, characteristic) -> None:
        subscriber = self._subscribers.pop(characteristic.handle, None)
        await self._att(characteristic.obj.unsubscribe(subscriber))

    async def _att(self, request):
        """Await a GATT request; ATT errors become ``BleakGATTProtocolError``."""
        self._check(request)
        try:
            return await request
        except att.ATT_Error as exc:
            raise BleakGATTProtocolError(exc.error_code) from None
        except _BUMBLE_ERRORS as exc:
            raise BleakError(f"GATT request failed: {exc}") from None

    def _check(self, request=None) -> None:
        if self._connection is None:
            if request is not None:
                request.close()
            raise BleakError("Not connected")
