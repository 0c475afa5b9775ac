"""The keys of a firmware profile file, their types and bounds: what is checked when a
profile is loaded, and what its JSON Schema (schemas/firmware-profile.schema.json) tells an
editor. The rules between keys (UUIDs, layouts, commands) are in ``profile_schema``."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType, field

FieldType = Literal["i8", "u8", "i16", "u16", "i24", "i32", "u32", "u64", "f32"]
Op = Literal["subscribe", "unsubscribe", "write", "read", "wait"]
Role = Literal["config", "start", "stop"]
TimingSource = Literal["none", "clock", "counter"]
StampPosition = Literal["first", "last", "each"]
Stream = Literal["imu", "acc", "gyr"]  # imu: acc and gyr in one frame
Axis = Literal["x", "y", "z", "-x", "-y", "-z"]
AccUnit = Literal["g", "mg", "m/s2"]
GyrUnit = Literal["deg/s", "mdeg/s", "rad/s"]

Positive = Annotated[float, Meta(gt=0)]
Vars = dict[str, str]  # command variables: lowercase names, text values
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{1,47}$"


class Advertising(Struct, forbid_unknown_fields=True, kw_only=True):
    """How a scan result is recognised: advertised name patterns or service UUIDs."""

    names: list[str] = []
    services: list[str] = []


class Decoder(Struct, forbid_unknown_fields=True, kw_only=True):
    """The decoder (``fixed``: the [[packets]] layouts) and its options, which depend on it:
    ``data`` and ``control`` name characteristics, the others are whole numbers."""

    name: str = "fixed"
    data: str | UnsetType = UNSET
    control: str | UnsetType = UNSET
    ref: int | UnsetType = UNSET
    acc_decimals: int | UnsetType = UNSET
    gyr_decimals: int | UnsetType = UNSET
    max_line: int | UnsetType = UNSET


class RateOption(Struct, forbid_unknown_fields=True, kw_only=True):
    """One sample rate the firmware offers, with its command variables."""

    hz: Positive
    vars: Vars = {}
    samples_per_packet: Annotated[int, Meta(ge=1, le=1000)] | UnsetType = UNSET


class Rate(Struct, forbid_unknown_fields=True, kw_only=True):
    """The sample rate: the default and the options."""

    default_hz: Positive
    options: list[RateOption] = []


class RangeOption(Struct, forbid_unknown_fields=True, kw_only=True):
    """One full-scale range with its scale (``scale`` unit per LSB, or ``lsb`` per unit)."""

    range: Positive
    scale: Positive | UnsetType = UNSET
    lsb: Positive | UnsetType = UNSET
    vars: Vars = {}


class Quantity(Struct, forbid_unknown_fields=True, kw_only=True):
    """How raw values become a unit: one scale, or ranges to choose from; the axis map."""

    axes: tuple[Axis, Axis, Axis] = ("x", "y", "z")
    scale: Positive | UnsetType = UNSET
    lsb: Positive | UnsetType = UNSET
    default_range: Positive | UnsetType = UNSET
    ranges: list[RangeOption] = []
    limit: Positive | UnsetType = UNSET  # floats beyond this (in unit) are a corrupt packet


class Acc(Quantity, kw_only=True):
    """The accelerometer's values."""

    unit: AccUnit


class Gyr(Quantity, kw_only=True):
    """The gyroscope's values."""

    unit: GyrUnit


class Timing(Struct, forbid_unknown_fields=True, kw_only=True):
    """Where sample times come from: a device clock, a sample counter or none."""

    source: TimingSource
    unit_s: Positive | UnsetType = UNSET
    bits: Annotated[int, Meta(ge=0, le=64)] | UnsetType = UNSET
    stamp: StampPosition = "first"
    epoch: str = ""
    gap_s: Positive = 0.25
    seq_bits: Annotated[int, Meta(ge=0, le=32)] = 0


class FieldLayout(Struct, forbid_unknown_fields=True, kw_only=True):
    """Where values sit in a frame: byte offset and type (little-endian)."""

    offset: Annotated[int, Meta(ge=0, le=4096)]
    type: FieldType


class Packet(Struct, forbid_unknown_fields=True, kw_only=True):
    """One kind of notification of the fixed decoder ([[packets]])."""

    stream: Stream
    char: str
    header: str = ""
    length: Annotated[int, Meta(ge=1, le=512)]
    samples: Annotated[int, Meta(ge=1, le=255)] = 1
    stride: Annotated[int, Meta(ge=0, le=512)] = 0
    acc: FieldLayout | UnsetType = UNSET
    gyr: FieldLayout | UnsetType = UNSET
    stamp: FieldLayout | UnsetType = UNSET
    seq: FieldLayout | UnsetType = UNSET


class Ignore(Struct, forbid_unknown_fields=True, kw_only=True):
    """A frame that is known but carries no samples ([[ignore]])."""

    char: str
    header: str
    length: Annotated[int, Meta(ge=1)]


class NoBattery(Struct, forbid_unknown_fields=True, kw_only=True, tag_field="source", tag="none"):
    """The battery is not read."""


class StandardBattery(
    Struct, forbid_unknown_fields=True, kw_only=True, tag_field="source", tag="standard"
):
    """The standard battery service (0x180F / 0x2A19, in %)."""


class RegisterBattery(
    Struct, forbid_unknown_fields=True, kw_only=True, tag_field="source", tag="register"
):
    """A register: write ``request`` to ``char``, the reply arrives on ``reply_char``."""

    char: str
    request: str
    reply: str
    reply_char: str
    reply_length: Annotated[int, Meta(ge=1, le=512)]
    offset: Annotated[int, Meta(ge=0, le=511)]
    type: FieldType
    scale: Positive = 1.0
    unit: Literal["%", "V"]
    percent: list[tuple[float, float]] = []  # [volts, percent]: above this voltage


class Step(Struct, forbid_unknown_fields=True, kw_only=True):
    """One GATT action of the start or stop sequence; {variables} are filled in."""

    op: Op
    char: str | UnsetType = UNSET
    hex: str = ""
    text: str = ""
    role: Role = "config"
    note: str = ""
    response: bool = True
    seconds: float = 0.0


class Commands(Struct, forbid_unknown_fields=True, kw_only=True):
    """The start and stop sequences, in order."""

    start: list[Step] = []
    stop: list[Step] = []


class ProfileFile(Struct, forbid_unknown_fields=True, kw_only=True):
    """A firmware profile: how to find, start, stop and decode one sensor firmware."""

    name: Annotated[str, Meta(extra_json_schema={"pattern": NAME_PATTERN})]
    device: str
    description: str
    sources: Annotated[
        list[str],
        Meta(min_length=1, extra={"problem": "cite at least one source (vendor docs, SDK file)"}),
    ]
    mtu: Annotated[int, Meta(ge=23, le=517)] = 23
    advertising: Advertising
    gatt: dict[str, str]  # service, and characteristics by alias: full 128-bit UUIDs
    decoder: Decoder = field(default_factory=Decoder)
    rate: Rate
    acc: Acc
    gyr: Gyr
    timing: Timing
    packets: list[Packet] = []
    ignore: list[Ignore] = []
    battery: NoBattery | StandardBattery | RegisterBattery | UnsetType = UNSET
    commands: Commands
