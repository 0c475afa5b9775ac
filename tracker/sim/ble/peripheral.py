"""A simulated sensor: a firmware profile's GATT table and commands, streaming as that firmware.

The peripheral knows nothing about the transport. A transport (the in-process fake
backend, or bumble's virtual controllers) builds the GATT table from ``services``,
calls ``connected``, ``subscribed``, ``written``, ``read`` and ``disconnected`` as
the central acts, and gives the peripheral a ``Link`` to notify through. The
notifications are the profile's own encoder's output for the motion, so a central
receives exactly what the firmware would send.
"""

from __future__ import annotations

import asyncio
import math
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from tracker.core.types import ImuBlock
from tracker.sensors.ble.gatt import DIS_CHARS, DIS_SERVICE
from tracker.sensors.decode import make_encoder
from tracker.sensors.decoders import base, polar
from tracker.sensors.profiles import (
    STANDARD_BATTERY_LEVEL,
    STANDARD_BATTERY_SERVICE,
    FirmwareProfile,
)
from tracker.sim.ble.clock import SimClock

# ATT error codes (Bluetooth Core Vol 3 Part F 3.4.1.1), as bleak.exc.BleakGATTProtocolErrorCode.
READ_NOT_PERMITTED, WRITE_NOT_PERMITTED, REQUEST_NOT_SUPPORTED = 0x02, 0x03, 0x06


class AttError(Exception):
    """A GATT request the peripheral refuses, with its ATT error code."""

    def __init__(self, code: int):
        super().__init__(f"ATT error {code:#04x}")
        self.code = code


@dataclass(frozen=True)
class CharSpec:
    """One characteristic: full UUID and bleak property names (read, write, notify...)."""

    uuid: str
    properties: tuple[str, ...]


@dataclass(frozen=True)
class ServiceSpec:
    uuid: str
    chars: tuple[CharSpec, ...]


@dataclass(frozen=True)
class Received:
    """What the central did, in order: ``op`` is write, subscribe, unsubscribe or read."""

    op: str
    char: str
    data: bytes = b""
    response: bool | None = None
    role: str | None = None  # the profile command it matched (None: not the profile's)


@dataclass(frozen=True)
class Sent:
    """A notification handed to the link: device time of its last sample, channel, bytes."""

    t_s: float
    char: str
    payload: bytes
    replay: bool = False


class Link(Protocol):
    """The transport's side of one connection, as the peripheral uses it."""

    async def notify(self, char: str, data: bytes, indicate: bool) -> bool:
        """Send to a subscribed central; False when it is not subscribed (nothing sent)."""
        ...

    async def disconnect(self) -> None:
        """End the connection from the peripheral's side."""
        ...


def gatt_services(profile: FirmwareProfile, device_info: dict[str, str]) -> tuple[ServiceSpec, ...]:
    """The GATT table a sensor with this firmware presents, derived from the profile.

    Characteristics that are subscribed or carry packets notify (the Polar control
    point indicates), written ones accept writes (and writes without response where
    a command asks for them); the standard battery and device information services
    are added where the profile reads them.
    """
    props: dict[str, set[str]] = {uuid: set() for uuid in profile.chars.values()}
    commands = [*profile.start_commands(), *profile.stop_commands()]
    if profile.battery_command() is not None:
        commands.append(profile.battery_command())
    for c in commands:
        if c.op in ("subscribe", "unsubscribe"):
            props.setdefault(c.char, set()).add("notify")
        elif c.op == "write":
            props.setdefault(c.char, set()).update(
                {"write"} if c.response else {"write", "write-without-response"}
            )
        elif c.op == "read":
            props.setdefault(c.char, set()).add("read")
    notifying = {pk.char for pk in profile.packets} | {profile.options.get("data", "")}
    if profile.battery.source == "register":
        notifying.add(profile.battery.reply_char)
    for uuid in notifying - {""}:
        props.setdefault(uuid, set()).add("notify")
    control = profile.options.get("control") if profile.decoder == "polar-pmd" else None
    if control:
        props[control] = (props[control] - {"notify"}) | {"indicate"}
    props.pop(STANDARD_BATTERY_LEVEL, None)
    order = ("read", "write-without-response", "write", "notify", "indicate")
    main = tuple(
        CharSpec(uuid, tuple(p for p in order if p in (kinds or {"read"})))
        for uuid, kinds in props.items()
    )
    services = [ServiceSpec(profile.service, main)]
    if profile.battery.source == "standard":
        battery = CharSpec(STANDARD_BATTERY_LEVEL, ("read", "notify"))
        services.append(ServiceSpec(STANDARD_BATTERY_SERVICE, (battery,)))
    dis = tuple(CharSpec(DIS_CHARS[k], ("read",)) for k in DIS_CHARS if k in device_info)
    if dis:
        services.append(ServiceSpec(DIS_SERVICE, dis))
    return tuple(services)


def advertised_name(profile: FirmwareProfile, address: str) -> str:
    """A plausible advertised name: the profile's first name pattern, ``*`` from the address."""
    if not profile.names:
        return profile.device
    suffix = address.replace(":", "")[-4:].upper()
    pattern = profile.names[0]
    return pattern.replace("*", f" {suffix}" if pattern[-2:-1].isalpha() else suffix, 1)


def simulated_address(profile_name: str, index: int = 0) -> str:
    """A stable made-up address for a simulated sensor of a profile."""
    h = zlib.crc32(f"{profile_name}/{index}".encode()).to_bytes(4, "little")
    return "C0:FF:" + ":".join(f"{b:02X}" for b in h)


@dataclass
class Outage:
    """When the peripheral drops its connection, and for how long it stays away (device time)."""

    at_s: float
    for_s: float = 3.0


@dataclass
class _State:
    link: Link | None = None
    subscribed: set[str] = field(default_factory=set)
    seen_start: set[tuple] = field(default_factory=set)
    streaming: bool = False


class SimulatedPeripheral:
    """A sensor running a firmware profile, streaming ``motion`` (device time ``t_s``).

    Parameters
    ----------
    profile : FirmwareProfile
    motion : ImuBlock or None
        What the sensor measures, at the settings' rate (None: it never streams).
    settings : Settings, optional
        Rate and ranges it is started with (the profile's defaults).
    clock : SimClock
        Paces the stream (``speed``) or runs it as fast as the central takes it.
    outage : Outage, optional
        Drop the connection at that device time and stay away for a while; what the
        sensor measures meanwhile is lost.
    replay_on_reconnect : int
        After an outage, send the last N notifications again first (as firmware
        with a retransmit buffer does); a central must not count them twice.
    interval_s : float
        Connection interval: notifications go out in bursts at this period.
    keep : int or None
        How many of the last notifications sent and motion chunks encoded to keep in
        ``sent`` and ``encoded`` (None: all, for tests to compare; a long session on the
        simulated sensor keeps none, or its memory grows about 1.2 MB a minute).
    """

    def __init__(
        self,
        profile: FirmwareProfile,
        motion: ImuBlock | None = None,
        *,
        settings=None,
        address: str | None = None,
        name: str | None = None,
        rssi: int = -55,
        clock: SimClock | None = None,
        outage: Outage | None = None,
        replay_on_reconnect: int = 0,
        battery_pct: int = 80,
        max_mtu: int = 247,
        interval_s: float = 0.03,
        chunk_s: float = 0.5,
        device_info: dict[str, str] | None = None,
        keep: int | None = None,
    ):
        self.profile = profile
        self.settings = settings or profile.settings()
        self.address = address or simulated_address(profile.name)
        self.name = name or advertised_name(profile, self.address)
        self.rssi, self.battery_pct, self.max_mtu = rssi, battery_pct, max_mtu
        self.clock = clock or SimClock(None)
        self.outage, self.replay_on_reconnect = outage, replay_on_reconnect
        self.interval_s, self.chunk_s = interval_s, chunk_s
        self.device_info = device_info or {
            "manufacturer": "tracker simulator",
            "model": profile.device,
            "firmware": f"simulated {profile.name}",
        }
        self.services = gatt_services(profile, self.device_info)
        self.properties = {c.uuid: c.properties for s in self.services for c in s.chars}
        self.motion = motion
        self.encoder = make_encoder(
            profile, self.settings.rate_hz, self.settings.acc_range, self.settings.gyr_range
        )
        # what went into the encoder and what was sent, in order (the last ``keep`` of them)
        self.encoded: list[ImuBlock] | deque[ImuBlock] = [] if keep is None else deque(maxlen=keep)
        self.log: list[Received] = []
        self.sent: list[Sent] | deque[Sent] = [] if keep is None else deque(maxlen=keep)
        self.connections = 0
        self.finished = asyncio.Event()
        self.advertising = True
        self.on_advertising: list[Callable[[bool], None]] = []
        self._state = _State()
        self._commands = self._expected_commands()
        starts = [c for c in profile.start_commands(self.settings) if c.role == "start"]
        self._start_keys = {(c.op, c.char, c.data) for c in starts}
        stream_chars = {pk.char for pk in profile.packets} | {profile.options.get("data", "")}
        self._stream_chars = stream_chars - {""}
        self._pending: deque[tuple[float, str, bytes]] = deque()
        self._next_sample = 0
        self._recent: deque[Sent] = deque(maxlen=max(1, replay_on_reconnect))
        self._away = False
        self._outage_done = False
        self._lost_before_s = -math.inf  # what is measured before this, while away, is lost
        self._resumed = False
        self._streaming_now = asyncio.Event()
        self._task: asyncio.Task | None = None

    # ----------------------------------------------------------------- transport calls
    @property
    def link(self) -> Link | None:
        return self._state.link

    @property
    def streaming(self) -> bool:
        return self._state.streaming

    def is_subscribed(self, char: str) -> bool:
        return char in self._state.subscribed

    def connected(self, link: Link) -> None:
        """A central connected (the transport checked that it was advertising)."""
        self._state = _State(link=link)
        self.connections += 1
        self._set_advertising(False)

    def disconnected(self) -> None:
        """The connection ended, whoever ended it; advertise again unless away."""
        self._state = _State()
        self._streaming_now.clear()
        if not self._away:
            self._set_advertising(True)

    def subscribed(self, char: str, enabled: bool) -> None:
        self.log.append(Received("subscribe" if enabled else "unsubscribe", char))
        if enabled:
            self._state.subscribed.add(char)
            self._note_start(("subscribe", char, b""))
        else:
            self._state.subscribed.discard(char)
            if char in self._stream_chars:
                self._stop()

    async def written(self, char: str, data: bytes, response: bool) -> None:
        """A write from the central; raises ``AttError`` where the firmware would refuse it."""
        props = self.properties.get(char, ())
        if "write" not in props and "write-without-response" not in props:
            raise AttError(WRITE_NOT_PERMITTED)
        if response and "write" not in props:
            raise AttError(REQUEST_NOT_SUPPORTED)
        command = self._commands.get((char, bytes(data)))
        self.log.append(Received("write", char, bytes(data), response, command))
        if command is None:
            return
        battery = self.profile.battery
        if battery.source == "register" and (char, bytes(data)) == (battery.char, battery.request):
            await self._send_now(battery.reply_char, self._battery_reply())
        if command == "start":
            if self.profile.decoder == "polar-pmd" and data[:1] == b"\x02":
                await self._send_now(self.profile.options["control"], self._polar_started(data[1]))
            self._note_start(("write", char, bytes(data)))
        elif command == "stop":
            self._stop()

    def read(self, char: str) -> bytes:
        props = self.properties.get(char, ())
        if "read" not in props:
            raise AttError(READ_NOT_PERMITTED)
        self.log.append(Received("read", char))
        if char == STANDARD_BATTERY_LEVEL:
            return bytes([self.battery_pct])
        for key, uuid in DIS_CHARS.items():
            if uuid == char:
                return self.device_info[key].encode()
        return b""

    async def close(self) -> None:
        """Stop streaming for good (the simulation is over)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    # ----------------------------------------------------------------- firmware logic
    def _expected_commands(self) -> dict[tuple[str, bytes], str]:
        """(char, bytes) of every write the profile makes -> its role."""
        out = {}
        commands = [
            *self.profile.start_commands(self.settings),
            *self.profile.stop_commands(self.settings),
        ]
        battery = self.profile.battery_command()
        for c in [*commands, *([battery] if battery else [])]:
            if c.op == "write":
                out.setdefault((c.char, c.data), c.role)
        return out

    def _note_start(self, key: tuple) -> None:
        if key not in self._start_keys:
            return
        self._state.seen_start.add(key)
        if self._state.seen_start >= self._start_keys and self.motion is not None:
            self._state.streaming = True
            self._streaming_now.set()
            if self._task is None:
                self._task = asyncio.get_running_loop().create_task(self._run())

    def _stop(self) -> None:
        self._state.streaming = False
        self._state.seen_start.clear()
        self._streaming_now.clear()

    def _battery_reply(self) -> bytes:
        b = self.profile.battery
        value = float(self.battery_pct)
        if b.unit == "V":  # the lowest voltage the firmware's table reads as this much
            steps = [v for v, pct in b.percent if pct <= self.battery_pct]
            value = (steps[0] if steps else b.percent[-1][0]) + 0.005
        frame = bytearray(b.reply_length)
        frame[: len(b.reply)] = b.reply
        raw = base.quantise(np.array([[value / b.scale]]), b.type)
        encoded = base.to_bytes(raw, b.type)[0]
        frame[b.offset : b.offset + len(encoded)] = encoded.tobytes()
        return bytes(frame)

    def _polar_started(self, measurement: int) -> bytes:
        scale = self.settings.acc_scale if measurement == polar.ACC else self.settings.gyr_scale
        return polar.start_response(measurement, scale)

    # ----------------------------------------------------------------- the stream
    def _next_notes(self) -> bool:
        """Encode the next stretch of motion; False when there is no more."""
        n = len(self.motion)
        if self._next_sample >= n:
            return False
        t0 = self.motion.t_s[self._next_sample]
        stop = int(np.searchsorted(self.motion.t_s, t0 + self.chunk_s, side="right"))
        chunk = self.motion.slice(self._next_sample, max(stop, self._next_sample + 1))
        self._next_sample += len(chunk)
        self.encoded.append(chunk)
        self._pending.extend(self.encoder.encode_timed(chunk))
        return True

    async def _run(self) -> None:
        clock = self.clock
        clock.start(float(self.motion.t_s[0]))
        while True:
            if not self._pending:
                if self._next_notes():
                    continue
                break
            t, char, payload = self._pending[0]
            await clock.sleep_until(math.ceil(t / self.interval_s) * self.interval_s)
            if self.outage is not None and not self._outage_done and t >= self.outage.at_s:
                await self._go_away(t)
                continue
            if t < self._lost_before_s:
                self._pending.popleft()  # measured while away: lost
                continue
            if not self._state.streaming:
                if clock.paced:
                    self._pending.popleft()
                    continue
                await self._streaming_now.wait()  # the central decides when time moves on
                continue
            if self._resumed:
                self._resumed = False
                for old in list(self._recent)[-self.replay_on_reconnect :]:
                    await self._send(Sent(old.t_s, old.char, old.payload, replay=True))
            self._pending.popleft()
            await self._send(Sent(t, char, payload))
        self.finished.set()

    async def _go_away(self, t_s: float) -> None:
        back_s = t_s + self.outage.for_s
        self._outage_done = self._away = True
        self._lost_before_s = back_s
        self._set_advertising(False)
        link = self._state.link
        if link is not None:
            await link.disconnect()
        self.disconnected()
        await self.clock.sleep_until(back_s)
        self._resumed = self.replay_on_reconnect > 0
        self._away = False
        self._set_advertising(True)

    async def _send(self, note: Sent) -> None:
        link = self._state.link
        if link is None:
            return
        indicate = "indicate" in self.properties.get(note.char, ())
        if await link.notify(note.char, note.payload, indicate):
            self.sent.append(note)
            if not note.replay:
                self._recent.append(note)

    async def _send_now(self, char: str, payload: bytes) -> None:
        link = self._state.link
        if link is not None:
            await link.notify(char, payload, "indicate" in self.properties.get(char, ()))

    def _set_advertising(self, on: bool) -> None:
        if self.advertising != on:
            self.advertising = on
            for listener in self.on_advertising:
                listener(on)
