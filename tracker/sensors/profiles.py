"""Firmware profiles: one TOML file per sensor firmware, validated into frozen typed objects."""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from tracker.core.errors import InputError
from tracker.core.types import GRAVITY_M_S2

# Units a profile may state, with the factor that takes them to SI (m/s², rad/s).
ACC_UNITS = {"g": GRAVITY_M_S2, "mg": GRAVITY_M_S2 / 1000.0, "m/s2": 1.0}
GYR_UNITS = {"deg/s": math.pi / 180.0, "mdeg/s": math.pi / 180e3, "rad/s": 1.0}
RANGE_MARGIN = 1.25  # a reading this far beyond the full scale is damage, not motion
_VAR = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def parse_hex(text: str) -> bytes:
    """Bytes from hex text; spaces, colons, dashes and a ``0x`` prefix are allowed.

    Raises ``ValueError`` with a one-line reason when ``text`` is not hexadecimal.
    """
    clean = re.sub(r"[\s:\-]", "", text.strip())
    if clean[:2].lower() == "0x":
        clean = clean[2:]
    if len(clean) % 2:
        raise ValueError(f"odd number of hex digits in {text.strip()!r}")
    try:
        return bytes.fromhex(clean)
    except ValueError:
        raise ValueError(f"not hexadecimal: {text.strip()!r}") from None


def field_size(kind: str) -> int:
    """Bytes taken by one value of a field type such as ``i16``."""
    return {"8": 1, "16": 2, "24": 3, "32": 4, "64": 8}[kind[1:]]


@dataclass(frozen=True)
class Field:
    """Where a value sits in a packet: byte offset and type (little-endian)."""

    offset: int
    type: str


@dataclass(frozen=True)
class Packet:
    """One kind of notification of a declarative (``fixed``) layout."""

    stream: str  # "imu" (acc and gyr), "acc" or "gyr"
    char: str  # full UUID of the characteristic it arrives on
    header: bytes
    length: int
    samples: int
    stride: int  # bytes from one sample to the next
    acc: Field | None
    gyr: Field | None
    stamp: Field | None  # device clock or sample counter
    seq: Field | None


@dataclass(frozen=True)
class Frame:
    """A notification that is known but carries no samples (a register reply)."""

    char: str
    header: bytes
    length: int


@dataclass(frozen=True)
class Range:
    """One full-scale choice of a quantity: its value, scale and command variables."""

    value: float
    scale: float  # profile unit per LSB (or per unit for floats: 1)
    vars: Mapping[str, str]


@dataclass(frozen=True)
class Quantity:
    """How raw values of acc or gyr become SI: unit, scale per range, axis map."""

    unit: str
    si: float  # factor from ``unit`` to SI
    axes: tuple[str, str, str]
    ranges: tuple[Range, ...]
    default_range: float | None
    limit: float | None  # plausibility bound in ``unit`` for float encodings

    @property
    def range_unit(self) -> str:
        """Ranges are full scales in g (acc) or deg/s (gyr), whatever ``unit`` is."""
        return "g" if self.unit in ACC_UNITS else "deg/s"

    @property
    def range_si(self) -> float:
        return ACC_UNITS["g"] if self.unit in ACC_UNITS else GYR_UNITS["deg/s"]

    @property
    def matrix(self) -> tuple[tuple[float, ...], ...]:
        """Signed permutation taking raw (x, y, z) to sensor-frame (x, y, z)."""
        rows = []
        for ax in self.axes:
            row = [0.0, 0.0, 0.0]
            row["xyz".index(ax[-1])] = -1.0 if ax.startswith("-") else 1.0
            rows.append(tuple(row))
        return tuple(rows)

    def bound_si(self, chosen: float | None) -> float | None:
        """Largest magnitude, in SI, the sensor can report at the ``chosen`` range: the
        profile's ``limit`` for float encodings, else the range with a quarter more for
        calibration offsets; None when the encoding itself bounds it (a fixed integer scale).
        """
        if self.limit is not None:
            return self.limit * self.si
        if self.default_range is None:
            return None
        return self.range(chosen).value * self.range_si * RANGE_MARGIN

    def range(self, value: float | None) -> Range:
        """The range option for ``value`` (the default when None)."""
        if self.default_range is None:
            if value is None:
                return self.ranges[0]
            raise InputError(f"the {self.unit} scale of this firmware is fixed (no ranges)")
        for r in self.ranges:
            if math.isclose(r.value, float(value or self.default_range), rel_tol=1e-9):
                return r
        offered = ", ".join(f"{r.value:g}" for r in self.ranges)
        raise InputError(
            f"range {value:g} {self.range_unit} is not offered (choose from {offered})"
        )


@dataclass(frozen=True)
class Rate:
    """One sample-rate choice with its command variables and packet batching."""

    hz: float
    vars: Mapping[str, str]
    samples_per_packet: int | None


@dataclass(frozen=True)
class GattStep:
    """One GATT action of a start or stop sequence (templates not yet filled)."""

    op: str
    char: str
    hex: str
    text: str
    role: str
    note: str
    response: bool
    seconds: float


@dataclass(frozen=True)
class Command:
    """A step with its bytes filled in for chosen settings: what to do, in order."""

    op: str
    char: str
    data: bytes
    role: str
    note: str
    response: bool = True
    seconds: float = 0.0
    text: str = ""  # the text part of ``data``, for people


@dataclass(frozen=True)
class Timing:
    """Where sample times come from.

    ``source`` is ``clock`` (a device clock of ``unit_s`` ticks, ``bits`` wide,
    stamping the ``first``, ``last`` or ``each`` sample), ``counter`` (a sample
    counter ``bits`` wide) or ``none`` (nominal rate anchored at arrival, re-anchored
    when arrivals fall behind by more than ``gap_s``).
    """

    source: str
    unit_s: float
    bits: int
    stamp: str
    epoch: str
    gap_s: float
    seq_bits: int


@dataclass(frozen=True)
class Battery:
    """How to read the battery: ``standard`` (0x180F/0x2A19), ``register`` or ``none``."""

    source: str
    char: str = ""
    request: bytes = b""
    reply: bytes = b""
    reply_char: str = ""
    reply_length: int = 0
    offset: int = 0
    type: str = "u8"
    scale: float = 1.0
    unit: str = "%"
    percent: tuple[tuple[float, float], ...] = ()

    def percent_of(self, value: float) -> float:
        """Battery percentage of a reading in ``unit`` (a step table for volts)."""
        if self.unit == "%":
            return float(value)
        for threshold, pct in self.percent:
            if value > threshold:
                return float(pct)
        return 0.0


STANDARD_BATTERY_SERVICE = "0000180f-0000-1000-8000-00805f9b34fb"
STANDARD_BATTERY_LEVEL = "00002a19-0000-1000-8000-00805f9b34fb"


@dataclass(frozen=True)
class Settings:
    """Chosen rate and ranges with their scales and command variables."""

    rate_hz: float
    acc_range: float | None
    gyr_range: float | None
    acc_scale: float
    gyr_scale: float
    samples_per_packet: int | None
    vars: Mapping[str, str]

    def to_json(self) -> dict:
        return {"rate_hz": self.rate_hz, "acc_range": self.acc_range, "gyr_range": self.gyr_range}


@dataclass(frozen=True, eq=False)
class FirmwareProfile:
    """A validated firmware profile (see docs/firmware-profiles.md for every key)."""

    name: str
    device: str
    description: str
    sources: tuple[str, ...]
    file: str
    text: str
    names: tuple[str, ...]
    services: tuple[str, ...]
    service: str
    chars: Mapping[str, str]
    mtu: int
    decoder: str
    options: Mapping[str, object]
    default_hz: float
    rates: tuple[Rate, ...]
    acc: Quantity
    gyr: Quantity
    packets: tuple[Packet, ...]
    ignore: tuple[Frame, ...]
    timing: Timing
    start: tuple[GattStep, ...]
    stop: tuple[GattStep, ...]
    battery: Battery
    user: bool = field(default=False)

    def settings(self, rate_hz=None, acc_range=None, gyr_range=None) -> Settings:
        """Choose a rate and ranges (defaults when None); InputError lists the choices."""
        rate = self._rate(rate_hz)
        acc, gyr = self.acc.range(acc_range), self.gyr.range(gyr_range)
        hz = rate.hz if rate else self.default_hz
        vars_ = {"hz": f"{hz:g}", **(rate.vars if rate else {}), **acc.vars, **gyr.vars}
        return Settings(
            rate_hz=hz,
            acc_range=acc.value if self.acc.default_range is not None else None,
            gyr_range=gyr.value if self.gyr.default_range is not None else None,
            acc_scale=acc.scale,
            gyr_scale=gyr.scale,
            samples_per_packet=rate.samples_per_packet if rate else None,
            vars=MappingProxyType(vars_),
        )

    def _rate(self, rate_hz) -> Rate | None:
        want = self.default_hz if rate_hz is None else float(rate_hz)
        for r in self.rates:
            if math.isclose(r.hz, want, rel_tol=1e-9):
                return r
        if not self.rates and math.isclose(want, self.default_hz, rel_tol=1e-9):
            return None
        offered = ", ".join(f"{r.hz:g}" for r in self.rates) or f"{self.default_hz:g}"
        raise InputError(f"{self.name}: rate {want:g} Hz is not offered (choose from {offered})")

    def start_commands(self, settings: Settings | None = None) -> tuple[Command, ...]:
        """The start sequence, in order, with bytes for ``settings`` (defaults when None)."""
        return self._commands(self.start, settings or self.settings())

    def stop_commands(self, settings: Settings | None = None) -> tuple[Command, ...]:
        """The stop sequence, in order."""
        return self._commands(self.stop, settings or self.settings())

    def _commands(self, steps, settings: Settings) -> tuple[Command, ...]:
        out = []
        for s in steps:
            hex_part, text = _fill(s.hex, settings.vars), _fill(s.text, settings.vars)
            data = parse_hex(hex_part) + text.encode() if s.op == "write" else b""
            out.append(Command(s.op, s.char, data, s.role, s.note, s.response, s.seconds, text))
        return tuple(out)

    def battery_command(self) -> Command | None:
        """How to ask for the battery level: a read of 0x2A19 or a register request."""
        b = self.battery
        if b.source == "standard":
            return Command("read", STANDARD_BATTERY_LEVEL, b"", "config", "battery level (%)")
        if b.source == "register":
            return Command("write", b.char, b.request, "config", "battery register")
        return None

    @property
    def notify_chars(self) -> tuple[str, ...]:
        """Characteristics the start sequence subscribes to, in order."""
        return tuple(s.char for s in self.start if s.op == "subscribe")

    def matches(self, name: str | None, service_uuids: Iterable[str] = ()) -> bool:
        """Whether a scan result (advertised name, service UUIDs) is this firmware."""
        if name and any(fnmatch.fnmatchcase(name.lower(), p.lower()) for p in self.names):
            return True
        return bool({u.lower() for u in service_uuids} & set(self.services))

    def alias(self, uuid: str) -> str:
        """The [gatt] alias of a characteristic UUID (the UUID when it has none)."""
        return next((k for k, v in self.chars.items() if v == uuid), uuid)

    def char_uuid(self, alias_or_uuid: str) -> str:
        """The full UUID of a characteristic alias (or of a UUID, normalised)."""
        key = alias_or_uuid.strip().lower()
        return self.chars.get(key, key)


def _fill(template: str, vars_: Mapping[str, str]) -> str:
    return _VAR.sub(lambda m: vars_[m.group(1)], template)


# --------------------------------------------------------------------------- loading


VAR_PATTERN = _VAR
