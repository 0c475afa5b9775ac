"""A Bluetooth LE sensor as an ``ImuSource``: connect, configure, stream, reconnect, stop cleanly.

One connection goes: connect, negotiate the MTU the profile needs, read the device
information and battery, run the profile's start sequence (subscriptions before the
step that starts streaming), stream. The notify callback only stamps each
notification with the transport's clock and queues it; the stream loop drains the
queue and decodes everything that waited in one ``feed_many``, so sample times come
from the device (the decoder), never from when callbacks ran. An unsolicited
disconnect is followed by a rescan and a new ``BleakClient`` after an exponential
backoff; the decoder carries on across the gap (device time or arrival lateness
counts what was lost) and notifications a sensor sends again after reconnecting are
dropped, so nothing is counted twice. On exit, the stop sequence runs, notifications
are stopped and the client disconnects, also when the task is cancelled (Ctrl-C).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from bleak import BleakClient
from bleak.backends.device import BLEDevice
from bleak.exc import BleakCharacteristicNotFoundError

from tracker.core.errors import DeviceError
from tracker.core.sources import SourceData, SourceItem, SourceStatus
from tracker.core.types import ImuBlock, RawPacket
from tracker.sensors.ble.gatt import (
    DIS_SERVICE,
    negotiate_mtu,
    read_battery_level,
    read_device_info,
)
from tracker.sensors.ble.meter import StreamMeter
from tracker.sensors.ble.repeats import RepeatFilter
from tracker.sensors.ble.scan import RADIO_ERRORS, find_device
from tracker.sensors.ble.transport import PLATFORM, Transport
from tracker.sensors.decode import make_decoder
from tracker.sensors.profiles import (
    STANDARD_BATTERY_SERVICE,
    Command,
    FirmwareProfile,
    Settings,
)

log = logging.getLogger(__name__)

_STOP = object()


@dataclass(frozen=True)
class _Lost:
    """Queued by the disconnected callback: which client lost its connection."""

    client: BleakClient


_EMPTY = ImuBlock.empty()


@dataclass(frozen=True)
class Backoff:
    """Reconnection delays: ``first_s``, times ``factor`` each failed attempt, at most ``max_s``.

    The source gives up (a ``failed`` status) when a sensor has been away for
    ``give_up_s`` of wall-clock time.
    """

    first_s: float = 0.5
    factor: float = 2.0
    max_s: float = 10.0
    give_up_s: float = 120.0

    def delay_s(self, attempt: int) -> float:
        """Delay before attempt ``attempt`` (1-based) after a failure."""
        return min(self.max_s, self.first_s * self.factor ** max(0, attempt - 1))


class _Fatal(Exception):
    """A failure no reconnection can cure (wrong profile, MTU too small)."""


class BleSource:
    """An ``ImuSource`` streaming one sensor over Bluetooth LE with its firmware profile.

    Parameters
    ----------
    profile : FirmwareProfile
    device : BLEDevice or str
        The sensor (from a scan), or its address: then found by scanning.
    settings : Settings, optional
        Rate and ranges to start it with (the profile's defaults).
    transport : Transport
        The platform's radio by default; a simulated one for tests and demos.
    backoff : Backoff
        Reconnection delays and when to give up.
    finished : callable, optional
        Returns True when no more data will come (a simulation that ended); the
        stream then stops once nothing has arrived for a moment.
    """

    def __init__(
        self,
        profile: FirmwareProfile,
        device: BLEDevice | str,
        *,
        settings: Settings | None = None,
        transport: Transport = PLATFORM,
        backoff: Backoff | None = None,
        connect_timeout_s: float = 20.0,
        scan_timeout_s: float = 10.0,
        status_interval_s: float = 1.0,
        battery_interval_s: float = 60.0,
        finished: Callable[[], bool] | None = None,
    ):
        self.profile = profile
        self.settings = settings or profile.settings()
        self.transport = transport
        self.backoff = backoff or Backoff()
        self.connect_timeout_s, self.scan_timeout_s = connect_timeout_s, scan_timeout_s
        self.status_interval_s, self.battery_interval_s = status_interval_s, battery_interval_s
        self.simulated = transport.simulated
        self._device = device
        self.address = device.address if isinstance(device, BLEDevice) else device
        self.name = device.name if isinstance(device, BLEDevice) else None
        self.description = f"{self.name or self.address} ({profile.name}, {transport.name})"
        self.decoder = make_decoder(
            profile, self.settings.rate_hz, self.settings.acc_range, self.settings.gyr_range
        )
        streams = 2 if self.decoder.pairer is not None else 1
        self.meter = StreamMeter(self.settings.rate_hz, streams)
        self.device_info: dict[str, str] = {}
        self.mtu: int | None = None
        self.battery_pct: int | None = None
        self._finished = finished
        self._clock = transport.clock
        self._queue: asyncio.Queue = asyncio.Queue()
        self._client: BleakClient | None = None
        self._stopping = False
        self._closed = False
        self._gen: AsyncIterator[SourceItem] | None = None
        # the characteristic a notification came on, as the decoder's channel
        single = len(set(profile.notify_chars)) == 1
        self._channel = {u: "" if single else u for u in profile.notify_chars}
        data = {pk.char for pk in profile.packets} | {profile.options.get("data", "")}
        channels = {self._channel.get(u, u) for u in data - {""}}
        self.repeats = RepeatFilter(channels, enabled=profile.timing.source != "none")
        self._last_error_note = -math.inf

    @property
    def meta(self) -> dict:
        """What a recording keeps about the stream: settings (the decoder reads them), device."""
        return {
            **self.settings.to_json(),
            "device": {"name": self.name, "address": self.address, **self.device_info},
            "mtu": self.mtu,
            "transport": self.transport.name,
        }

    # ------------------------------------------------------------------ callbacks
    def _on_notify(self, channel: str, characteristic, data: bytearray) -> None:
        """bleak's notify callback: stamp and queue, nothing else."""
        self._queue.put_nowait(RawPacket(self._clock(), bytes(data), channel))

    def _on_disconnect(self, client: BleakClient) -> None:
        if client is self._client and not self._stopping:
            self._queue.put_nowait(_Lost(client))

    # ------------------------------------------------------------------ the stream
    def stream(self) -> AsyncIterator[SourceItem]:
        if self._gen is None:
            self._gen = self._stream()
        return self._gen

    def request_stop(self) -> None:
        """Ask the stream to stop the sensor and end (after what already arrived)."""
        self._stopping = True
        self._queue.put_nowait(_STOP)

    async def aclose(self) -> None:
        """Stop the sensor, disconnect and end the stream; idempotent."""
        self.request_stop()
        if self._gen is not None and not self._gen.ag_running:
            await self._gen.aclose()
        await self._teardown()
        if not self._closed and self.transport.aclose is not None:
            await self.transport.aclose()
        self._closed = True

    def _status(self, kind: str, detail: str = "", **fields) -> SourceStatus:
        level = logging.DEBUG if kind == "streaming" else logging.INFO  # every second or so
        log.log(level, "%s %s: %s %s", self.address, kind, detail, fields or "")
        return SourceStatus(kind, self._clock(), detail, **fields)

    async def _stream(self) -> AsyncIterator[SourceItem]:
        try:
            attempt, away_since, started = 0, None, time.monotonic()
            while not self._stopping:
                who = self.name or self.address
                kind = "connecting" if away_since is None else "reconnecting"
                yield self._status(kind, f"{who}, attempt {attempt + 1}" if attempt else str(who))
                try:
                    opened = await self._open(rescan=attempt > 0 or away_since is not None)
                except _Fatal as exc:
                    yield self._status("failed", str(exc))
                    raise DeviceError(str(exc)) from None
                except (*RADIO_ERRORS, TimeoutError, DeviceError) as exc:
                    attempt += 1
                    waited_s = time.monotonic() - (away_since or started)
                    if waited_s >= self.backoff.give_up_s:
                        text = f"{who} not reached for {waited_s:.0f} s: {_reason(exc)}"
                        yield self._status("failed", text)
                        raise DeviceError(text) from None
                    delay_s = self.backoff.delay_s(attempt)
                    yield self._status(
                        "reconnecting", f"{_reason(exc)}; next try in {delay_s:.1f} s"
                    )
                    await self._pause(delay_s)
                    continue
                detail = f"{self.description}; MTU {self.mtu}"
                if away_since is not None:
                    detail = f"reconnected after {time.monotonic() - away_since:.1f} s; {detail}"
                yield self._status("connected", detail)
                for item in opened:
                    yield item
                attempt, away_since = 0, None
                async for item in self._pump():
                    yield item
                if self._stopping:
                    break
                away_since = time.monotonic()
                self.repeats.gap()
                self._client = None  # a new BleakClient for every attempt
                yield self._status("disconnected", f"{who} dropped out")
            await self._teardown()
            yield self._status("stopped", "sensor stopped and disconnected")
        finally:
            await self._teardown()

    async def _pause(self, delay_s: float) -> None:
        """Sleep, unless a stop is requested meanwhile."""
        try:
            async with asyncio.timeout(delay_s):
                while True:
                    if await self._queue.get() is _STOP:
                        self._queue.put_nowait(_STOP)
                        return
        except TimeoutError:
            return

    # ------------------------------------------------------------------ one connection
    async def _open(self, rescan: bool) -> list[SourceItem]:
        """Find, connect and start the sensor; the statuses to show."""
        found = isinstance(self._device, BLEDevice) and not rescan
        device = self._device if found else await self._rescan()
        client = BleakClient(
            device,
            disconnected_callback=self._on_disconnect,
            services=self._services(),
            timeout=self.connect_timeout_s,
            **self.transport.client_args(),
        )
        self._client = client
        items: list[SourceItem] = []
        try:
            log.debug("%s connecting (profile %s)", self.address, self.profile.name)
            async with asyncio.timeout(self.connect_timeout_s):
                await client.connect()
            self.mtu, exact = await negotiate_mtu(client, self.profile.mtu)
            log.debug("%s connected; ATT MTU %s (profile needs %s)", self.address, self.mtu,
                      self.profile.mtu)  # fmt: skip
            if self.mtu < self.profile.mtu:
                text = (
                    f"{self.profile.name} needs an ATT MTU of {self.profile.mtu} "
                    f"({self.profile.mtu - 3}-byte notifications); this connection has {self.mtu}"
                )
                if exact:
                    raise _Fatal(text)
                items.append(self._status("info", f"{text}: packets may be cut short"))
            first = not self.device_info
            if first:
                self.device_info = await read_device_info(client)
            if self.profile.battery.source == "standard":
                await self._read_battery(client)
            for command in self.profile.start_commands(self.settings):
                await self._step(client, command)
            if self.profile.battery.source == "register":
                await self._step(client, self.profile.battery_command())
        except BleakCharacteristicNotFoundError as exc:
            await self._teardown()
            raise _Fatal(
                f"{self.name or self.address} has no characteristic {exc.char_specifier} of "
                f"profile {self.profile.name}: is it the right profile?"
            ) from None
        except BaseException:
            await self._teardown()
            raise
        info = ", ".join(f"{k} {v}" for k, v in self.device_info.items())
        if info and first:
            items.append(self._status("info", info))
        if self.battery_pct is not None:
            items.append(self._status("battery", f"{self.battery_pct} %", **self._figures()))
        self._t_battery = self._clock()
        return items

    def _services(self) -> list[str]:
        services = [self.profile.service, DIS_SERVICE]
        if self.profile.battery.source == "standard":
            services.append(STANDARD_BATTERY_SERVICE)
        return services

    async def _rescan(self) -> BLEDevice:
        """Scan again before reconnecting: stacks may forget a device that dropped out."""
        found = await find_device(
            self.address, self.profile, {}, self.scan_timeout_s, self.transport
        )
        if found is None:
            raise DeviceError(f"not seen in a {self.scan_timeout_s:g} s scan", device=self.address)
        return found.device

    async def _step(self, client: BleakClient, command: Command) -> None:
        data = command.data.hex(" ") if command.data else ""
        log.debug("%s %s %s %s", self.address, command.op, command.char or "", data)
        match command.op:
            case "subscribe":
                channel = self._channel.get(command.char, command.char)
                await client.start_notify(command.char, functools.partial(self._on_notify, channel))
            case "unsubscribe":
                await client.stop_notify(command.char)
            case "write":
                await client.write_gatt_char(command.char, command.data, response=command.response)
            case "read":
                await client.read_gatt_char(command.char)
            case "wait":
                await asyncio.sleep(command.seconds)

    async def _read_battery(self, client: BleakClient) -> None:
        level = await read_battery_level(client)
        self.battery_pct = level if level is not None else self.battery_pct

    async def _teardown(self) -> None:
        """Stop the sensor (stop sequence), stop notifications, disconnect: best effort, bounded."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            async with asyncio.timeout(5.0):
                if client.is_connected:
                    for command in self.profile.stop_commands(self.settings):
                        await self._step(client, command)
                await client.disconnect()
        except (*RADIO_ERRORS, TimeoutError, ValueError):
            pass  # the sensor is gone or refuses: nothing more to stop

    # ------------------------------------------------------------------ streaming
    async def _pump(self) -> AsyncIterator[SourceItem]:
        """Drain, decode and yield until the connection drops or a stop is requested."""
        last_status = self._clock()  # the transport's clock: simulated seconds in a simulation
        quiet = 0
        while True:
            try:
                async with asyncio.timeout(0.05):
                    first = await self._queue.get()
            except TimeoutError:
                first = None
            packets, ended = self._drain(first)
            quiet = 0 if packets else quiet + 1
            for item in self._process(packets):
                yield item
            now = self._clock()
            if now - last_status >= self.status_interval_s:
                last_status = now
                yield self._streaming_status()
            if now - self._t_battery >= self.battery_interval_s and not ended:
                self._t_battery = now
                async for item in self._poll_battery():
                    yield item
            if ended or self._stopping:
                return
            if quiet >= 2 and self._finished is not None and self._finished():
                self._stopping = True
                return

    def _drain(self, first) -> tuple[list[RawPacket], bool]:
        packets: list[RawPacket] = []
        item = first
        while item is not None:
            if isinstance(item, _Lost):
                if item.client is self._client:  # not one from a failed earlier attempt
                    return packets, True
            elif item is _STOP:
                self._stopping = True
            else:
                packets.append(item)
            item = self._queue.get_nowait() if not self._queue.empty() else None
        return packets, False

    def _process(self, packets: list[RawPacket]) -> list[SourceItem]:
        packets = self.repeats.fresh(packets)
        if not packets:
            return []
        result = self.decoder.feed_many(packets)
        self.meter.add(result)
        items: list[SourceItem] = [SourceData(_EMPTY, p) for p in packets[:-1]]
        items.append(SourceData(result.block, packets[-1]))
        if result.lost:
            lost = f"{result.lost} sample{'s' if result.lost != 1 else ''} lost"
            items.append(self._status("gap", lost, **self._figures()))
        if result.battery_pct is not None:
            self.battery_pct = round(result.battery_pct)
            items.append(self._status("battery", f"{self.battery_pct} %", **self._figures()))
        if result.errors and time.monotonic() - self._last_error_note >= 5.0:
            self._last_error_note = time.monotonic()
            more = f" (+{len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
            items.append(self._status("info", f"undecodable: {result.errors[0]}{more}"))
        return items

    def _figures(self) -> dict:
        rate = self.meter.rate_hz
        return {
            "battery_pct": self.battery_pct,
            "rate_hz": None if rate is None else round(rate, 2),
            "loss_fraction": round(self.meter.loss_fraction, 5),
        }

    def _streaming_status(self) -> SourceStatus:
        detail = f"{self.meter.samples} samples"
        if self.repeats.dropped:
            detail += f", {self.repeats.dropped} repeated notifications dropped"
        return self._status("streaming", detail, **self._figures())

    async def _poll_battery(self) -> AsyncIterator[SourceItem]:
        client = self._client
        try:
            if self.profile.battery.source == "standard":
                await self._read_battery(client)
                if self.battery_pct is not None:
                    yield self._status("battery", f"{self.battery_pct} %", **self._figures())
            elif self.profile.battery.source == "register":
                await self._step(client, self.profile.battery_command())  # reply: a notification
        except (*RADIO_ERRORS, TimeoutError):
            return  # a dropped connection shows up on the queue


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
